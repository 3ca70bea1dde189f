"""Central-system operations on sessions (issue 3 item 4): RemoteStart/RemoteStopTransaction,
Reset during a transaction, UnlockConnector, ClearCache, DataTransfer, TriggerMessage."""
from session_helpers import (CP, after, boot, ev, index_of, payloads, quiet,
                             start_session, transaction_of, wait_call, wait_relay, wait_status)

REMOTE_TAG = "REMOTE-1"


def remote_start(csms, payload):
    return csms.call(CP, "RemoteStartTransaction", payload)["status"]


# -- RemoteStartTransaction ------------------------------------------------------------------------

def test_remote_start_first_is_authorized_then_starts_on_plug_in(csms, make_agent):
    """TC_011_1_CS with AuthorizeRemoteTxRequests=true: the idTag is authorised like a card
    (Authorize before StartTransaction) and kept for the plug-in that follows."""
    agent = boot(csms, make_agent, keys={"AuthorizeRemoteTxRequests": True})
    mark = csms.mark()
    assert remote_start(csms, {"connectorId": 1, "idTag": REMOTE_TAG}) == "Accepted"
    wait_status(csms, "Preparing", since=mark)
    ev(agent, "plug")
    start_msg = wait_call(csms, "StartTransaction", since=mark, idTag=REMOTE_TAG)
    auth = wait_call(csms, "Authorize", since=mark, idTag=REMOTE_TAG)
    assert index_of(csms, auth) < index_of(csms, start_msg)
    tx = transaction_of(csms, start_msg)
    assert tx.start["connectorId"] == 1
    ev(agent, "charge")
    wait_relay(agent, True)
    wait_status(csms, "Charging", since=mark)


def test_plug_in_first_then_remote_start_without_authorize(csms, make_agent):
    """TC_010_CS with AuthorizeRemoteTxRequests=false: the transaction starts at once."""
    agent = boot(csms, make_agent, keys={"AuthorizeRemoteTxRequests": False})
    mark = csms.mark()
    ev(agent, "plug")
    wait_status(csms, "Preparing", since=mark)
    assert remote_start(csms, {"connectorId": 1, "idTag": REMOTE_TAG}) == "Accepted"
    wait_call(csms, "StartTransaction", since=mark, idTag=REMOTE_TAG, connectorId=1)
    ev(agent, "charge")
    wait_relay(agent, True)
    assert not payloads(csms, "Authorize", mark)


def test_remote_start_without_a_connector(csms, make_agent):
    """No connectorId: the charge point MAY reject it; if it accepts, its only connector is
    used."""
    agent = boot(csms, make_agent, keys={"AuthorizeRemoteTxRequests": False})
    mark = csms.mark()
    ev(agent, "plug")
    wait_status(csms, "Preparing", since=mark)
    if remote_start(csms, {"idTag": REMOTE_TAG}) == "Accepted":
        wait_call(csms, "StartTransaction", since=mark, idTag=REMOTE_TAG, connectorId=1)
    else:
        quiet(csms, "StartTransaction", mark, 1.0)


def test_remote_start_on_connector_0_is_rejected(csms, make_agent):
    """TC_027_CS."""
    agent = boot(csms, make_agent, keys={"AuthorizeRemoteTxRequests": False})
    mark = csms.mark()
    assert remote_start(csms, {"connectorId": 0, "idTag": REMOTE_TAG}) == "Rejected"
    ev(agent, "plug")
    quiet(csms, "StartTransaction", mark, 1.0)


def test_remote_start_times_out_without_a_plug(csms, make_agent):
    """TC_011_2_CS: no cable within ConnectionTimeOut -> Available again, nothing starts."""
    agent = boot(csms, make_agent, keys={"ConnectionTimeOut": 3,
                                         "AuthorizeRemoteTxRequests": False})
    mark = csms.mark()
    assert remote_start(csms, {"connectorId": 1, "idTag": REMOTE_TAG}) == "Accepted"
    preparing = wait_status(csms, "Preparing", since=mark)
    available = wait_status(csms, "Available", since=mark, timeout=10)
    assert available.time - preparing.time >= 2.5
    ev(agent, "plug")
    quiet(csms, "StartTransaction", mark, 1.0)


def test_remote_start_with_an_invalid_id_starts_nothing(csms, make_agent):
    """TC_023_5_CS: AuthorizeRemoteTxRequests=true and Authorize answers Invalid."""
    csms.cs.responders["Authorize"] = lambda cp, p: {"idTagInfo": {"status": "Invalid"}}
    agent = boot(csms, make_agent, keys={"AuthorizeRemoteTxRequests": True})
    mark = csms.mark()
    assert remote_start(csms, {"connectorId": 1, "idTag": REMOTE_TAG}) in ("Accepted", "Rejected")
    ev(agent, "plug")
    wait_call(csms, "Authorize", since=mark, idTag=REMOTE_TAG)
    ev(agent, "charge")
    quiet(csms, "StartTransaction", mark, 1.5)
    assert agent.status()["relay_closed"] is False


# -- RemoteStopTransaction -------------------------------------------------------------------------

def test_remote_stop(csms, make_agent):
    """TC_028_CS (unknown transaction -> Rejected) and TC_012_CS (-> StopTransaction Remote)."""
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    mark = csms.mark()
    assert csms.call(CP, "RemoteStopTransaction",
                     {"transactionId": tx.id + 1000})["status"] == "Rejected"
    quiet(csms, "StopTransaction", mark, 0.5)
    assert agent.status()["relay_closed"] is True
    assert csms.call(CP, "RemoteStopTransaction",
                     {"transactionId": tx.id})["status"] == "Accepted"
    stop = wait_call(csms, "StopTransaction", since=mark, transactionId=tx.id).parsed[3]
    assert stop["reason"] == "Remote"
    assert stop["meterStop"] >= tx.start["meterStart"]
    wait_relay(agent, False)
    wait_status(csms, "Finishing", since=mark)
    assert len(payloads(csms, "StopTransaction", mark)) == 1


# -- Reset -----------------------------------------------------------------------------------------

def _reset_during_transaction(csms, make_agent, kind):
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    mark = csms.mark()
    assert csms.call(CP, "Reset", {"type": kind})["status"] == "Accepted"
    reboot = csms.wait_for(CP, "BootNotification", since=mark, timeout=20)
    stop_msg = wait_call(csms, "StopTransaction", since=mark, timeout=15, transactionId=tx.id)
    assert stop_msg.parsed[3]["reason"] == kind + "Reset"
    wait_status(csms, "Available", since=after(csms, reboot), timeout=10)
    assert agent.status()["relay_closed"] is False
    stops = [p for p in payloads(csms, "StopTransaction", mark) if p["transactionId"] == tx.id]
    assert all(p["reason"] == kind + "Reset" for p in stops)
    return index_of(csms, stop_msg), index_of(csms, reboot)


def test_soft_reset_during_a_transaction(csms, make_agent):
    """TC_016_CS: the transaction is stopped (SoftReset) before the agent restarts and boots."""
    stop_at, boot_at = _reset_during_transaction(csms, make_agent, "Soft")
    assert stop_at < boot_at


def test_hard_reset_during_a_transaction(csms, make_agent):
    """TC_015_CS: StopTransaction HardReset, before or after the new BootNotification."""
    _reset_during_transaction(csms, make_agent, "Hard")


# -- UnlockConnector -------------------------------------------------------------------------------

def test_unlock_connector(csms, make_agent):
    """TC_017_1_CS (no session), TC_031_CS (unknown connector), TC_018_1_CS (during a session:
    the transaction is stopped first with UnlockCommand)."""
    agent = boot(csms, make_agent)
    assert csms.call(CP, "UnlockConnector", {"connectorId": 1})["status"] == "Unlocked"
    assert csms.call(CP, "UnlockConnector", {"connectorId": 2})["status"] == "NotSupported"
    tx = start_session(csms, agent)
    mark = csms.mark()
    assert csms.call(CP, "UnlockConnector", {"connectorId": 1})["status"] == "Unlocked"
    stop = wait_call(csms, "StopTransaction", since=mark, transactionId=tx.id).parsed[3]
    assert stop["reason"] == "UnlockCommand"
    s = wait_relay(agent, False)
    assert s["locked"] is False and s["transaction_id"] is None


# -- ClearCache, DataTransfer ----------------------------------------------------------------------

def test_clear_cache_and_data_transfer(csms, make_agent):
    """TC_061_2_CS and TC_062_CS."""
    boot(csms, make_agent)
    keys = {k["key"] for k in csms.call(CP, "GetConfiguration", {})["configurationKey"]}
    # a charge point with a cache has the AuthorizationCacheEnabled key; without: Rejected
    expected = "Accepted" if "AuthorizationCacheEnabled" in keys else "Rejected"
    assert csms.call(CP, "ClearCache", {})["status"] == expected
    answer = csms.call(CP, "DataTransfer", {"vendorId": "com.example.nobody",
                                            "messageId": "Hello", "data": "42"})
    assert answer["status"] == "UnknownVendorId" and "data" not in answer


# -- TriggerMessage --------------------------------------------------------------------------------

def trigger(csms, message, connector=None):
    """TriggerMessage; returns (status, a mark just past the charge point's answer)."""
    uid = "trigger-%d" % csms.mark()  # unique ids are at most 36 characters
    payload = {"requestedMessage": message}
    if connector is not None:
        payload["connectorId"] = connector
    status = csms.call(CP, "TriggerMessage", payload, unique_id=uid)["status"]
    return status, after(csms, csms.wait_reply(uid, cp_id=CP))


def test_trigger_message(csms, make_agent):
    """TC_054_CS: each requested message follows the Accepted answer."""
    boot(csms, make_agent)
    status, mark = trigger(csms, "StatusNotification", 1)
    assert status == "Accepted"
    sn = wait_call(csms, "StatusNotification", since=mark, connectorId=1).parsed[3]
    assert sn["status"] == "Available"
    status, mark = trigger(csms, "Heartbeat")
    assert status == "Accepted"
    wait_call(csms, "Heartbeat", since=mark)
    status, mark = trigger(csms, "MeterValues", 1)
    assert status == "Accepted"
    mv = wait_call(csms, "MeterValues", since=mark, connectorId=1).parsed[3]
    contexts = {sv.get("context", "Sample.Periodic") for v in mv["meterValue"]
                for sv in v["sampledValue"]}
    assert contexts == {"Trigger"}, mv
    assert "transactionId" not in mv  # no transaction on the connector


def test_trigger_message_rejected(csms, make_agent):
    """TC_055_CS: BootNotification after acceptance -> Rejected (errata 3.35). (NotImplemented
    has no case left: every message TriggerMessage may name is implemented.)"""
    boot(csms, make_agent)
    mark = csms.mark()
    assert trigger(csms, "BootNotification")[0] == "Rejected"
    quiet(csms, "BootNotification", mark, 1.0)


def test_every_trigger_with_and_without_a_connector(csms, make_agent):
    """Issue 11 part 5: each message a trigger may ask for, with and without connectorId (one
    per connector without); a connectorId that names no connector is Rejected whatever the
    message."""
    boot(csms, make_agent)
    status, mark = trigger(csms, "StatusNotification")
    assert status == "Accepted"
    for c in (0, 1):  # connector 0 (the charge point) and every connector
        wait_call(csms, "StatusNotification", since=mark, connectorId=c)
    status, mark = trigger(csms, "StatusNotification", 0)
    assert status == "Accepted"
    wait_call(csms, "StatusNotification", since=mark, connectorId=0)
    status, mark = trigger(csms, "MeterValues")
    assert status == "Accepted"
    wait_call(csms, "MeterValues", since=mark, connectorId=1)
    status, mark = trigger(csms, "Heartbeat", 1)  # a connectorId changes nothing for it
    assert status == "Accepted"
    wait_call(csms, "Heartbeat", since=mark)
    assert trigger(csms, "BootNotification", 1)[0] == "Rejected"
    for message in ("DiagnosticsStatusNotification", "FirmwareStatusNotification"):
        for connector in (None, 1):  # nothing under way: Idle, whatever the connectorId
            status, mark = trigger(csms, message, connector)
            assert status == "Accepted"
            assert wait_call(csms, message, since=mark).parsed[3] == {"status": "Idle"}
    mark = csms.mark()
    for message in ("StatusNotification", "MeterValues", "Heartbeat", "BootNotification",
                    "DiagnosticsStatusNotification", "FirmwareStatusNotification"):
        assert trigger(csms, message, 2)[0] == "Rejected", message
        answer = csms.call(CP, "TriggerMessage", {"requestedMessage": message,
                                                  "connectorId": -1}, validate=False)
        assert answer["status"] == "Rejected", message
    quiet(csms, "StatusNotification", mark, 0.5)


def test_a_triggered_boot_notification_while_pending(csms, make_agent):
    """Before acceptance the central system may ask for the BootNotification at once (errata
    3.35) instead of waiting out the Pending interval."""
    csms.cs.boot_interval = 120
    csms.cs.boot_statuses = ["Pending"]
    csms.cs.boot_status = "Accepted"
    make_agent(csms)
    first = csms.wait_for(CP, "BootNotification", timeout=15)
    status, mark = trigger(csms, "BootNotification")
    assert status == "Accepted"
    second = wait_call(csms, "BootNotification", since=mark, timeout=5)
    assert second.time - first.time < 30  # not the 120 s Pending interval
    csms.wait_for(CP, "StatusNotification", since=mark, timeout=10)
    assert trigger(csms, "BootNotification")[0] == "Rejected"  # accepted now
