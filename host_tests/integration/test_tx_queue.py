"""Durable transaction messages (issue 3 item 5; OCPP 1.6 sections 3.7, 4.8, errata 3.18):
delivery after the central system comes back, in order; retries after a CALLERROR; a
StartTransaction given up on (transactionId -1 afterwards); transactions started offline."""
import time

from ocpp.exceptions import InternalError

from session_helpers import (TAG, Tx, boot, energy_wh, ev, go_offline, index_of, parse_time,
                             payloads, quiet, restart_csms, sampled_values, start_session,
                             stop_by_card, stop_reason, transaction_of, wait_call,
                             wait_meter_values, wait_relay, wait_status)


def tx_messages(cs, transaction_id):
    """[(action, payload)] of the transaction's MeterValues and StopTransaction, in order."""
    out = []
    for m in cs.messages:
        p = m.parsed
        if m.direction == "in" and isinstance(p, list) and len(p) == 4 and p[0] == 2 \
                and p[2] in ("MeterValues", "StopTransaction") \
                and p[3].get("transactionId") == transaction_id:
            out.append((p[2], p[3]))
    return out


def message_time(action, payload):
    if action == "StopTransaction":
        return parse_time(payload["timestamp"])
    return min(parse_time(mv["timestamp"]) for mv in payload["meterValue"])


def test_offline_stop_and_meter_values_delivered_after_reconnect(csms, make_agent):
    """TC_036_CS / TC_038_CS: the link drops during a transaction, the user stops it offline;
    the queued MeterValues and the StopTransaction arrive after reconnect, in order."""
    agent = boot(csms, make_agent, keys={"MeterValueSampleInterval": 1})
    tx = start_session(csms, agent)
    wait_meter_values(csms, 1, since=index_of(csms, tx.start_msg), transaction_id=tx.id)
    port = go_offline(csms, agent)
    time.sleep(2.2)  # sampled values go on being taken while offline
    ev(agent, "card " + TAG)  # the idTag that started it stops it, no central system needed
    wait_relay(agent, False)
    stopped_at = agent.status()["energy_wh"]
    ev(agent, "unplug")
    cs2 = restart_csms(port)
    try:
        stop = wait_call(cs2, "StopTransaction", timeout=30, transactionId=tx.id).parsed[3]
        assert stop_reason(stop) == "Local" and stop["idTag"] == TAG
        assert abs(stop["meterStop"] - stopped_at) <= 1
        delivered = tx_messages(cs2, tx.id)
        actions = [a for a, _ in delivered]
        assert actions.count("StopTransaction") == 1 and actions[-1] == "StopTransaction", actions
        assert actions.count("MeterValues") >= 1, actions  # the samples taken offline
        times = [message_time(a, p) for a, p in delivered]
        assert times == sorted(times), delivered
        energies = [energy_wh(sampled_values(p["meterValue"]))
                    for a, p in delivered if a == "MeterValues"]
        assert energies == sorted(energies) and energies[-1] <= stop["meterStop"], energies
        assert cs2.violations == []
    finally:
        cs2.stop()


def test_start_transaction_callerror_is_retried(csms, make_agent):
    """A CALLERROR is a failure to process: the same StartTransaction is sent again after
    TransactionMessageRetryInterval, and the transaction uses the id of the answer that came."""
    answers = []

    def flaky(cp, payload):
        answers.append(payload)
        if len(answers) == 1:
            raise InternalError(description="try again")
        return None  # the default answer, with a transactionId

    csms.cs.responders["StartTransaction"] = flaky
    agent = boot(csms, make_agent, keys={"TransactionMessageRetryInterval": 1,
                                         "TransactionMessageAttempts": 3})
    mark = csms.mark()
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    first = wait_call(csms, "StartTransaction", since=mark)
    second = wait_call(csms, "StartTransaction", since=index_of(csms, first) + 1, timeout=10)
    assert second.time - first.time >= 0.9
    assert second.parsed[3] == first.parsed[3]  # the same message again
    tx = transaction_of(csms, second)
    ev(agent, "charge")
    wait_relay(agent, True)
    stop = stop_by_card(csms, agent, tx)
    assert stop_reason(stop) == "Local"
    assert len(payloads(csms, "StartTransaction", mark)) == 2


def test_start_transaction_given_up_then_minus_one(csms, make_agent):
    """After TransactionMessageAttempts failures the StartTransaction is dropped; the later
    messages of that transaction carry transactionId -1 (errata 3.18)."""
    def always_fails(cp, payload):
        raise InternalError(description="cannot process")

    csms.cs.responders["StartTransaction"] = always_fails
    agent = boot(csms, make_agent, keys={"TransactionMessageRetryInterval": 1,
                                         "TransactionMessageAttempts": 2,
                                         "MeterValueSampleInterval": 1})
    mark = csms.mark()
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    ev(agent, "charge")
    wait_relay(agent, True)  # authorised locally: charging does not wait for the answer
    first = wait_call(csms, "StartTransaction", since=mark)
    values = wait_meter_values(csms, 1, since=mark, transaction_id=-1, timeout=10)
    stop = stop_by_card(csms, agent, Tx(-1, None, None))
    assert stop_reason(stop) == "Local" and stop["idTag"] == TAG
    starts = [m for m in csms.messages[mark:] if m.direction == "in" and m.parsed
              and m.parsed[0] == 2 and m.parsed[2] == "StartTransaction"]
    assert len(starts) == 2, [m.parsed for m in starts]  # TransactionMessageAttempts in all
    assert starts[1].time - first.time >= 0.9
    # nothing of the transaction overtook its StartTransaction
    first_mv = min(index_of(csms, m) for m in csms.messages[mark:]
                   if m.direction == "in" and m.parsed and m.parsed[0] == 2
                   and m.parsed[2] == "MeterValues")
    assert first_mv > index_of(csms, starts[1])
    assert all(p.get("transactionId") == -1 for p, _ in values)
    assert all(p.get("transactionId") == -1 for p in payloads(csms, "MeterValues", mark))


def _offline_start(csms, agent):
    """Stop the central system, then plug, present a card and charge. Returns the port."""
    port = go_offline(csms, agent)
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    ev(agent, "charge")
    wait_relay(agent, True)  # charging goes on offline
    return port


def test_offline_start_is_delivered_after_reconnect(csms, make_agent):
    """TC_037_1_CS: LocalAuthorizeOffline + AllowOfflineTxForUnknownId: a transaction starts
    offline; StartTransaction (and the samples queued behind it, with the id it got) follow
    the reconnect."""
    agent = boot(csms, make_agent, keys={"LocalAuthorizeOffline": True,
                                         "AllowOfflineTxForUnknownId": True,
                                         "MeterValueSampleInterval": 1})
    started_at = time.time()
    port = _offline_start(csms, agent)
    time.sleep(1.5)
    cs2 = restart_csms(port)
    try:
        tx = transaction_of(cs2, wait_call(cs2, "StartTransaction", timeout=30, idTag=TAG))
        assert tx.start["connectorId"] == 1
        # stamped when it started (offline, >= 1.5 s before it could be sent), not when sent
        assert parse_time(tx.start["timestamp"]) <= tx.start_msg.time - 0.4
        assert parse_time(tx.start["timestamp"]) >= started_at - 5
        # samples taken before the id was known are sent with it (queued behind the start)
        wait_meter_values(cs2, 1, transaction_id=tx.id, timeout=10)
        assert all(p.get("transactionId") == tx.id for p in payloads(cs2, "MeterValues"))
        assert agent.status()["relay_closed"] is True
        stop = stop_by_card(cs2, agent, tx)
        assert stop_reason(stop) == "Local"
        assert cs2.violations == []
    finally:
        cs2.stop()


def test_offline_transaction_start_and_stop(csms, make_agent):
    """TC_039_CS: started and stopped offline; both messages follow the reconnect, in order,
    the StopTransaction with the id the StartTransaction got."""
    agent = boot(csms, make_agent, keys={"LocalAuthorizeOffline": True,
                                         "AllowOfflineTxForUnknownId": True})
    port = _offline_start(csms, agent)
    time.sleep(0.5)
    ev(agent, "card " + TAG)
    wait_relay(agent, False)
    ev(agent, "unplug")
    cs2 = restart_csms(port)
    try:
        start_msg = wait_call(cs2, "StartTransaction", timeout=30, idTag=TAG)
        tx = transaction_of(cs2, start_msg)
        stop_msg = wait_call(cs2, "StopTransaction", timeout=10, transactionId=tx.id)
        assert index_of(cs2, start_msg) < index_of(cs2, stop_msg)
        stop = stop_msg.parsed[3]
        assert stop_reason(stop) == "Local"
        assert stop["meterStop"] > tx.start["meterStart"]
        assert parse_time(stop["timestamp"]) >= parse_time(tx.start["timestamp"])
        assert len(payloads(cs2, "StartTransaction")) == 1
        assert cs2.violations == []
    finally:
        cs2.stop()


def _offline_start_answered_invalid(csms, make_agent, stop_on_invalid, tx_id):
    """A transaction started offline whose late StartTransaction.conf says Invalid.
    Returns (agent, the central system after its restart, the StartTransaction message)."""
    agent = boot(csms, make_agent, keys={"LocalAuthorizeOffline": True,
                                         "AllowOfflineTxForUnknownId": True,
                                         "StopTransactionOnInvalidId": stop_on_invalid})
    port = _offline_start(csms, agent)
    cs2 = restart_csms(port)
    cs2.cs.responders["StartTransaction"] = lambda cp, p: {"transactionId": tx_id,
                                                           "idTagInfo": {"status": "Invalid"}}
    try:
        return agent, cs2, wait_call(cs2, "StartTransaction", timeout=30, idTag=TAG)
    except BaseException:
        cs2.stop()
        raise


def test_offline_start_answered_invalid_is_stopped(csms, make_agent):
    """TC_037_3_CS / errata 3.17: the late StartTransaction.conf says Invalid and
    StopTransactionOnInvalidId=true -> StopTransaction DeAuthorized, energy stops."""
    agent, cs2, _ = _offline_start_answered_invalid(csms, make_agent, True, 77)
    try:
        stop = wait_call(cs2, "StopTransaction", timeout=10, transactionId=77).parsed[3]
        assert stop["reason"] == "DeAuthorized"
        wait_relay(agent, False)
        assert cs2.violations == []
    finally:
        cs2.stop()


def test_offline_start_answered_invalid_is_suspended(csms, make_agent):
    """TC_037_2_CS / errata 3.17: the late StartTransaction.conf says Invalid and
    StopTransactionOnInvalidId=false -> the transaction goes on, energy stops (SuspendedEVSE)."""
    agent, cs2, start = _offline_start_answered_invalid(csms, make_agent, False, 78)
    try:
        wait_status(cs2, "SuspendedEVSE", since=index_of(cs2, start))
        wait_relay(agent, False)
        quiet(cs2, "StopTransaction", index_of(cs2, start), 1.5)
        assert agent.status()["transaction_id"] == 78
        assert cs2.violations == []
    finally:
        cs2.stop()
