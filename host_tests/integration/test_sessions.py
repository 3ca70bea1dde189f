"""Charging sessions end to end (issue 3): the connector state machine (OCPP 1.6 section 4.9 and
errata 3.19-3.21), authorisation, the ways a transaction stops, availability, faults, and a full
session in a board-sized heap. OCTT ids (OCPP16.md section 5.1) are named where a test matches.
"""
import datetime
import itertools
import time

import pytest

from session_helpers import (ALL_MEASURANDS, CP, OTHER_TAG, TAG, boot, cp_calls, energy_wh, ev,
                             index_of, meter_values, parse_time, payloads, quiet, start_session,
                             status_names, statuses, stop_by_card, stop_reason, transaction_of,
                             wait_call, wait_meter_values, wait_relay, wait_status)


def iso(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- starting and stopping ------------------------------------------------------------------------

def test_plug_in_first_session_and_stop_with_the_same_card(csms, make_agent):
    """TC_003_CS + TC_068_CS: every status change is notified, the contactor closes only in C."""
    agent = boot(csms, make_agent)
    mark = csms.mark()
    ev(agent, "plug")
    wait_status(csms, "Preparing", since=mark)
    assert agent.status()["relay_closed"] is False
    energy_before = agent.status()["energy_wh"]
    ev(agent, "card " + TAG)
    start_msg = wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    # an unknown card is authorised with the central system before the transaction starts
    auth = [m.parsed[3] for m in cp_calls(csms, "Authorize", mark)
            if index_of(csms, m) < index_of(csms, start_msg)]
    assert auth == [{"idTag": TAG}]
    tx = transaction_of(csms, start_msg)
    start = tx.start
    assert start["connectorId"] == 1 and start["idTag"] == TAG
    assert start["meterStart"] == energy_before  # the register, in Wh (no EV draw in B)
    assert abs(parse_time(start["timestamp"]) - time.time()) < 5
    # authorised, EV in B (not asking): SuspendedEV and the contactor stays open
    wait_status(csms, "SuspendedEV", since=mark)
    # (its StatusNotification may go before StartTransaction.conf is in: wait for the id)
    s = agent.wait_status(lambda s: s["transaction_id"] == tx.id)
    assert s["relay_closed"] is False and s["connector_status"] == "SuspendedEV"
    ev(agent, "charge")
    wait_status(csms, "Charging", since=mark)
    wait_relay(agent, True)
    paused = csms.mark()
    ev(agent, "pause")
    wait_status(csms, "SuspendedEV", since=paused)
    wait_relay(agent, False)
    ev(agent, "charge")
    wait_relay(agent, True)
    time.sleep(0.5)  # some energy
    stop = stop_by_card(csms, agent, tx)
    assert stop_reason(stop) == "Local"
    assert stop["idTag"] == TAG
    assert stop["meterStop"] > start["meterStart"]
    wait_status(csms, "Finishing", since=mark)  # still plugged: the user has to act
    wait_relay(agent, False)
    assert agent.status()["transaction_id"] is None
    ev(agent, "unplug")
    wait_status(csms, "Available", since=mark)
    assert status_names(csms, mark) == ["Preparing", "SuspendedEV", "Charging", "SuspendedEV",
                                        "Charging", "Finishing", "Available"]
    assert all(e == "NoError" for _, e in statuses(csms, mark))
    # the register is not rebased per transaction: the next one starts where this one stopped
    assert abs(agent.status()["energy_wh"] - stop["meterStop"]) < 1
    tx2 = start_session(csms, agent, charge=False)
    assert tx2.start["meterStart"] == stop["meterStop"]
    assert tx2.id != tx.id


def test_identification_first(csms, make_agent):
    """TC_004_1_CS: card, then plug."""
    agent = boot(csms, make_agent)
    mark = csms.mark()
    ev(agent, "card " + TAG)
    wait_call(csms, "Authorize", since=mark, idTag=TAG)
    wait_status(csms, "Preparing", since=mark)
    quiet(csms, "StartTransaction", mark, 0.5)  # nothing starts without the EV
    ev(agent, "plug")
    tx = transaction_of(csms, wait_call(csms, "StartTransaction", since=mark, idTag=TAG))
    wait_status(csms, "SuspendedEV", since=mark)
    assert agent.status()["relay_closed"] is False
    ev(agent, "charge")
    wait_status(csms, "Charging", since=mark)
    wait_relay(agent, True)
    assert status_names(csms, mark) == ["Preparing", "SuspendedEV", "Charging"]
    assert stop_reason(stop_by_card(csms, agent, tx)) == "Local"


def test_connection_timeout_after_the_card(csms, make_agent):
    """TC_004_2_CS: a card and no cable within ConnectionTimeOut -> Available, no transaction."""
    agent = boot(csms, make_agent, keys={"ConnectionTimeOut": 3})
    mark = csms.mark()
    ev(agent, "card " + TAG)
    preparing = wait_status(csms, "Preparing", since=mark)
    available = wait_status(csms, "Available", since=mark, timeout=10)
    assert available.time - preparing.time >= 2.5
    # the authorisation lapsed with the timeout: plugging in now starts nothing
    mark2 = csms.mark()
    ev(agent, "plug")
    wait_status(csms, "Preparing", since=mark2)
    quiet(csms, "StartTransaction", mark, 1.0)
    assert agent.status()["transaction_id"] is None


def test_connection_timeout_after_the_plug_goes_to_finishing(csms, make_agent):
    """Errata 3.20 (B6): plugged, no card within ConnectionTimeOut -> Finishing, not Available;
    Available once the cable is removed."""
    agent = boot(csms, make_agent, keys={"ConnectionTimeOut": 3})
    mark = csms.mark()
    ev(agent, "plug")
    preparing = wait_status(csms, "Preparing", since=mark)
    finishing = wait_status(csms, "Finishing", since=mark, timeout=10)
    assert finishing.time - preparing.time >= 2.5
    assert status_names(csms, mark) == ["Preparing", "Finishing"]
    ev(agent, "unplug")
    wait_status(csms, "Available", since=mark)
    assert not payloads(csms, "StartTransaction", mark)


@pytest.mark.parametrize("answer", ["Invalid", "Blocked"])
def test_card_not_accepted_starts_nothing(csms, make_agent, answer):
    """TC_023_4_CS: Authorize answered not Accepted -> no transaction, the contactor stays open."""
    csms.cs.responders["Authorize"] = lambda cp, p: {"idTagInfo": {"status": answer}}
    agent = boot(csms, make_agent)
    mark = csms.mark()
    ev(agent, "plug")
    wait_status(csms, "Preparing", since=mark)
    ev(agent, "card " + TAG)
    wait_call(csms, "Authorize", since=mark, idTag=TAG)
    ev(agent, "charge")
    quiet(csms, "StartTransaction", mark, 1.5)
    s = agent.status()
    assert s["relay_closed"] is False and s["transaction_id"] is None
    assert "Charging" not in status_names(csms, mark)


def test_authorize_expiry_and_parent_are_respected(csms, make_agent):
    """Authorize.conf idTagInfo: an Accepted answer whose expiryDate has passed does not start a
    transaction; one with a future expiryDate and a parentIdTag does."""
    def authorize(cp, p):
        if p["idTag"] == "EXPIRED-TAG":
            return {"idTagInfo": {"status": "Accepted", "expiryDate": iso(-3600)}}
        return {"idTagInfo": {"status": "Accepted", "expiryDate": iso(3600),
                              "parentIdTag": "GROUP-A"}}

    csms.cs.responders["Authorize"] = authorize
    agent = boot(csms, make_agent)
    mark = csms.mark()
    ev(agent, "plug")
    wait_status(csms, "Preparing", since=mark)
    ev(agent, "card EXPIRED-TAG")
    wait_call(csms, "Authorize", since=mark, idTag="EXPIRED-TAG")
    quiet(csms, "StartTransaction", mark, 1.5)
    ev(agent, "card " + TAG)
    wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    assert [p["idTag"] for p in payloads(csms, "StartTransaction", mark)] == [TAG]


def test_stop_by_another_card_with_the_same_parent(csms, make_agent):
    """TC_069_CS: a different idTag stops the transaction only if its parentIdTag matches (an
    Authorize is sent for it); StopTransaction carries the idTag that stopped it."""
    parents = {TAG: "GROUP-A", OTHER_TAG: "GROUP-A", "STRANGER": "GROUP-B"}
    csms.cs.responders["Authorize"] = lambda cp, p: {
        "idTagInfo": {"status": "Accepted", "parentIdTag": parents[p["idTag"]]}}
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    mark = csms.mark()
    ev(agent, "card STRANGER")
    wait_call(csms, "Authorize", since=mark, idTag="STRANGER")
    quiet(csms, "StopTransaction", mark, 1.5)
    assert agent.status()["relay_closed"] is True
    ev(agent, "card " + OTHER_TAG)
    wait_call(csms, "Authorize", since=mark, idTag=OTHER_TAG)
    stop = wait_call(csms, "StopTransaction", since=mark, transactionId=tx.id).parsed[3]
    assert stop_reason(stop) == "Local"
    assert stop["idTag"] == OTHER_TAG
    wait_relay(agent, False)


def test_ev_side_disconnect_stops_the_transaction(csms, make_agent):
    """TC_005_1_CS: StopTransactionOnEVSideDisconnect=true -> StopTransaction EVDisconnected."""
    agent = boot(csms, make_agent, keys={"StopTransactionOnEVSideDisconnect": True})
    tx = start_session(csms, agent)
    mark = csms.mark()
    ev(agent, "unplug")
    stop = wait_call(csms, "StopTransaction", since=mark, transactionId=tx.id).parsed[3]
    assert stop["reason"] == "EVDisconnected"
    assert stop["meterStop"] >= tx.start["meterStart"]
    wait_relay(agent, False)
    wait_status(csms, "Available", since=mark)
    assert agent.status()["transaction_id"] is None


def test_ev_side_disconnect_keeps_the_transaction(csms, make_agent):
    """TC_005_3_CS: StopTransactionOnEVSideDisconnect=false -> SuspendedEV, the transaction goes
    on (and charges again when the EV comes back)."""
    agent = boot(csms, make_agent, keys={"StopTransactionOnEVSideDisconnect": False})
    tx = start_session(csms, agent)
    mark = csms.mark()
    ev(agent, "unplug")
    wait_status(csms, "SuspendedEV", since=mark)
    wait_relay(agent, False)
    quiet(csms, "StopTransaction", mark, 1.0)
    assert agent.status()["transaction_id"] == tx.id
    ev(agent, "plug")
    ev(agent, "charge")
    wait_status(csms, "Charging", since=mark)
    wait_relay(agent, True)
    assert stop_reason(stop_by_card(csms, agent, tx)) == "Local"


def _answer_start_with(status):
    ids = itertools.count(100)
    return lambda cp, p: {"transactionId": next(ids), "idTagInfo": {"status": status}}


def test_start_answered_invalid_stops_when_configured(csms, make_agent):
    """StopTransactionOnInvalidId=true: StartTransaction.conf Invalid -> StopTransaction
    DeAuthorized; the contactor never closes."""
    csms.cs.responders["StartTransaction"] = _answer_start_with("Invalid")
    agent = boot(csms, make_agent, keys={"StopTransactionOnInvalidId": True})
    tx = start_session(csms, agent, charge=False)
    mark = csms.mark()
    ev(agent, "charge")
    stop = wait_call(csms, "StopTransaction", transactionId=tx.id).parsed[3]
    assert stop["reason"] == "DeAuthorized"
    time.sleep(0.5)
    s = agent.status()
    assert s["relay_closed"] is False and s["transaction_id"] is None
    assert "Charging" not in status_names(csms, mark)


def test_start_answered_invalid_suspends_when_not_configured(csms, make_agent):
    """StopTransactionOnInvalidId=false: StartTransaction.conf Invalid -> the transaction goes on
    without energy (SuspendedEVSE, contactor open) until it is stopped."""
    csms.cs.responders["StartTransaction"] = _answer_start_with("Invalid")
    agent = boot(csms, make_agent, keys={"StopTransactionOnInvalidId": False})
    tx = start_session(csms, agent, charge=False)
    mark = csms.mark()
    ev(agent, "charge")
    wait_status(csms, "SuspendedEVSE")
    quiet(csms, "StopTransaction", 0, 1.5)
    s = agent.status()
    assert s["relay_closed"] is False and s["transaction_id"] == tx.id
    assert "Charging" not in status_names(csms, mark)
    assert csms.call(CP, "RemoteStopTransaction",
                     {"transactionId": tx.id})["status"] == "Accepted"
    assert wait_call(csms, "StopTransaction", transactionId=tx.id).parsed[3]["reason"] == "Remote"


@pytest.mark.parametrize("stop_it", [True, False])
def test_max_energy_on_invalid_id(csms, make_agent, stop_it):
    """MaxEnergyOnInvalidId=20: a StartTransaction.conf Invalid lets the energy go on up to
    20 Wh from the start; then the transaction stops (StopTransactionOnInvalidId) or only its
    energy does."""
    csms.cs.responders["StartTransaction"] = _answer_start_with("Invalid")
    agent = boot(csms, make_agent, keys={"StopTransactionOnInvalidId": stop_it,
                                         "MaxEnergyOnInvalidId": 20})
    tx = start_session(csms, agent)  # the contactor closes: energy flows
    agent.wait_log("idTag %s not accepted \\(Invalid\\); energy up to 20 Wh" % TAG)
    if stop_it:
        stop = wait_call(csms, "StopTransaction", transactionId=tx.id, timeout=20).parsed[3]
        assert stop["reason"] == "DeAuthorized"
        assert 20 <= stop["meterStop"] - tx.start["meterStart"] < 60, stop
    else:
        wait_status(csms, "SuspendedEVSE", timeout=20)
        s = agent.wait_status(lambda s: not s["relay_closed"])
        assert 20 <= s["energy_wh"] - tx.start["meterStart"] < 60, s
        assert s["transaction_id"] == tx.id


def test_free_charging_starts_on_plug_in_without_authorize(csms, make_agent):
    """Seed 003 FreeCharging / FreeChargingIdTag."""
    agent = boot(csms, make_agent, keys={"FreeChargingIdTag": "FREE-TAG", "FreeCharging": True})
    mark = csms.mark()
    ev(agent, "plug")
    tx = transaction_of(csms, wait_call(csms, "StartTransaction", since=mark))
    assert tx.start["idTag"] == "FREE-TAG"
    ev(agent, "charge")
    wait_relay(agent, True)
    wait_status(csms, "Charging", since=mark)
    assert not payloads(csms, "Authorize", mark)


# -- availability ---------------------------------------------------------------------------------

def test_unavailable_refuses_sessions_and_survives_a_restart(csms, make_agent):
    """ChangeAvailability Inoperative -> Unavailable (persisted: TC_034_CS's premise), Operative
    -> Available; asking for the state the connector is already in is Accepted."""
    agent = boot(csms, make_agent)
    assert csms.call(CP, "ChangeAvailability",
                     {"connectorId": 1, "type": "Operative"})["status"] == "Accepted"
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability",
                     {"connectorId": 1, "type": "Inoperative"})["status"] == "Accepted"
    wait_status(csms, "Unavailable", since=mark)
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    ev(agent, "charge")
    quiet(csms, "StartTransaction", mark, 1.0)
    assert agent.status()["relay_closed"] is False
    assert status_names(csms, mark) == ["Unavailable"]
    ev(agent, "unplug")
    agent.stop()
    mark = csms.mark()
    agent.start()
    csms.wait_for(CP, "BootNotification", since=mark, timeout=15)
    wait_status(csms, "Unavailable", since=mark, timeout=10)
    assert "Available" not in status_names(csms, mark)
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability",
                     {"connectorId": 1, "type": "Operative"})["status"] == "Accepted"
    wait_status(csms, "Available", since=mark)
    # usable again
    start_session(csms, agent, charge=False)


def test_change_availability_of_the_whole_charge_point(csms, make_agent):
    """connectorId 0 applies to the charge point and every connector."""
    boot(csms, make_agent)
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability",
                     {"connectorId": 0, "type": "Inoperative"})["status"] == "Accepted"
    wait_status(csms, "Unavailable", since=mark, connector=0)
    wait_status(csms, "Unavailable", since=mark, connector=1)
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability",
                     {"connectorId": 0, "type": "Operative"})["status"] == "Accepted"
    wait_status(csms, "Available", since=mark, connector=0)
    wait_status(csms, "Available", since=mark, connector=1)


def test_change_availability_is_scheduled_during_a_transaction(csms, make_agent):
    """Inoperative during a transaction -> Scheduled; the transaction goes on and the connector
    becomes Unavailable when it has ended."""
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability",
                     {"connectorId": 1, "type": "Inoperative"})["status"] == "Scheduled"
    time.sleep(0.5)
    assert agent.status()["relay_closed"] is True  # not interrupted
    assert not payloads(csms, "StopTransaction", mark)
    assert "Unavailable" not in status_names(csms, mark)
    stop_by_card(csms, agent, tx)
    ev(agent, "unplug")
    wait_status(csms, "Unavailable", since=mark)
    time.sleep(0.3)
    names = status_names(csms, mark)
    assert names[-1] == "Unavailable" and "Available" not in names, names


# -- faults ---------------------------------------------------------------------------------------

def test_rcd_fault_while_charging(csms, make_agent):
    """TC_041_CS: a residual-current trip -> Faulted / GroundFailure, contactor open."""
    agent = boot(csms, make_agent)
    start_session(csms, agent)
    mark = csms.mark()
    ev(agent, "fault rcd")
    wait_relay(agent, False, timeout=2)
    faulted = wait_status(csms, "Faulted", since=mark).parsed[3]
    assert faulted["errorCode"] == "GroundFailure"


def test_overtemperature_fault_and_recovery(csms, make_agent):
    """Faulted with an errorCode while the fault lasts, back to Available once it is gone."""
    agent = boot(csms, make_agent)
    mark = csms.mark()
    ev(agent, "fault overtemp")
    faulted = wait_status(csms, "Faulted", since=mark).parsed[3]
    assert faulted["errorCode"] == "HighTemperature"
    assert agent.status()["relay_closed"] is False
    ev(agent, "clear")
    ok = wait_status(csms, "Available", since=mark, timeout=15).parsed[3]
    assert ok["errorCode"] == "NoError"


# -- a whole session in a board-sized heap --------------------------------------------------------

def test_full_session_in_176k(csms, make_agent):
    """plug, card, charge with meter values, stop, unplug at MICROPY_HEAP=176k (160k until
    session 7: since the certificate work the holes a session leaves may deny
    ops.StopTransaction's import the contiguous 1,280 bytes it needs at 160k or 168k; see
    test_heap.py)."""
    agent = boot(csms, make_agent, heap="176k",
                 keys={"MeterValueSampleInterval": 1, "MeterValuesSampledData": ALL_MEASURANDS,
                       "StopTxnSampledData": "Energy.Active.Import.Register,Power.Active.Import"})
    tx = start_session(csms, agent)
    started = index_of(csms, tx.start_msg)
    wait_status(csms, "Charging", since=started)
    samples = wait_meter_values(csms, 3, since=started, transaction_id=tx.id, timeout=10)
    energies = [energy_wh(s) for _, s in samples]
    assert energies == sorted(energies) and energies[-1] > energies[0], energies
    stop = stop_by_card(csms, agent, tx)
    assert stop["meterStop"] >= energies[-1]
    assert stop.get("transactionData")
    ev(agent, "unplug")
    wait_status(csms, "Available", since=started)
    heap = agent.status()["heap"]
    assert heap["live_peak"] < 176 * 1024, heap
    assert "MemoryError" not in agent.log()
    assert meter_values(csms, transaction_id=tx.id)
