"""Reservations (issue 11, part 4) through the real agent: ReserveNow / CancelReservation, the
Reserved status, who may use a reserved connector, expiry, connector 0, and a reboot in the
middle. OCTT cases by number (OCPP16.md section 5)."""
import datetime
import time

from agent import free_port
from session_helpers import (CP, OTHER_TAG, TAG, boot, ev, stop_by_card, transaction_of,
                             wait_call, wait_status)

PARENT = "PARENT-01"
CHILD = "CHILD-0001"


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def reserve(csms, connector, rid=1, tag=TAG, seconds=300, parent=None):
    payload = {"connectorId": connector, "expiryDate": iso(time.time() + seconds),
               "idTag": tag, "reservationId": rid}
    if parent:
        payload["parentIdTag"] = parent
    return csms.call(CP, "ReserveNow", payload)["status"]


def with_parents(csms):
    """The central system answers Authorize with a parentIdTag for CHILD (PARENT)."""
    def authorize(cp_id, payload):
        info = {"status": "Accepted"}
        if payload["idTag"] in (CHILD, PARENT):
            info["parentIdTag"] = PARENT
        return {"idTagInfo": info}
    csms.cs.responders["Authorize"] = authorize


def test_reserved_connector_local_start_tc_046_1(csms, make_agent):
    agent = boot(csms, make_agent)
    mark = csms.mark()
    assert reserve(csms, 1, rid=7) == "Accepted"
    wait_status(csms, "Reserved", since=mark)
    assert agent.status()["led"] == "reserved"
    ev(agent, "plug")
    ev(agent, "card " + OTHER_TAG)  # someone else: refused
    agent.wait_log("%s refused: reserved for another idTag" % OTHER_TAG)
    assert agent.status()["connector_status"] == "Reserved"
    ev(agent, "card " + TAG)
    start = wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    assert start.parsed[3]["reservationId"] == 7
    tx = transaction_of(csms, start)
    # the reservation ended with its use: cancelling it now finds nothing
    assert csms.call(CP, "CancelReservation", {"reservationId": 7})["status"] == "Rejected"
    stop_by_card(csms, agent, tx)


def test_reserved_connector_remote_start_tc_046_2(csms, make_agent):
    agent = boot(csms, make_agent)
    mark = csms.mark()
    assert reserve(csms, 1, rid=8) == "Accepted"
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": OTHER_TAG, "connectorId": 1})[
        "status"] == "Rejected"
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": TAG})["status"] == "Accepted"
    ev(agent, "plug")
    start = wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    assert start.parsed[3]["reservationId"] == 8
    stop_by_card(csms, agent, transaction_of(csms, start))


def test_a_reservation_expires_tc_047(csms, make_agent):
    agent = boot(csms, make_agent)
    mark = csms.mark()
    assert reserve(csms, 1, seconds=3) == "Accepted"
    wait_status(csms, "Reserved", since=mark)
    wait_status(csms, "Available", since=mark, timeout=10)
    agent.wait_log("reservation 1: ended \\(expired\\)")


def test_refusals_tc_048(csms, make_agent):
    agent = boot(csms, make_agent)
    assert reserve(csms, 5) == "Rejected"  # no connector 5 (TC_048_4)
    ev(agent, "fault ground")  # TC_048_1
    agent.wait_status(lambda s: s["connector_status"] == "Faulted")
    assert reserve(csms, 1) == "Faulted"
    ev(agent, "clear")
    agent.wait_status(lambda s: s["connector_status"] == "Available", timeout=20)
    ev(agent, "plug")  # TC_048_2: a cable in is a connector in use
    agent.wait_status(lambda s: s["connector_status"] == "Preparing")
    assert reserve(csms, 1) == "Occupied"
    ev(agent, "unplug")
    agent.wait_status(lambda s: s["pilot_state"] == "A")
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})[
        "status"] == "Accepted"
    assert reserve(csms, 1) == "Unavailable"  # TC_048_3
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 1, "type": "Operative"})[
        "status"] == "Accepted"
    assert reserve(csms, 1, rid=1) == "Accepted"
    assert reserve(csms, 1, rid=2, tag=OTHER_TAG) == "Occupied"  # reserved already
    # the same reservationId replaces it (here: another idTag)
    assert reserve(csms, 1, rid=1, tag=OTHER_TAG) == "Accepted"
    ev(agent, "plug")
    ev(agent, "card " + OTHER_TAG)
    wait_call(csms, "StartTransaction", idTag=OTHER_TAG)


def test_charge_point_reservation_tc_049_050(csms, make_agent):
    agent = boot(csms, make_agent, sim={"control_port": free_port(), "connectors": 2})
    mark = csms.mark()
    assert reserve(csms, 0, rid=3) == "Accepted"
    # two connectors free: both Available; the first one used leaves one, which is kept
    ev(agent, "plug 2")
    ev(agent, "card %s 2" % OTHER_TAG)
    wait_call(csms, "StartTransaction", since=mark, idTag=OTHER_TAG, connectorId=2)
    wait_status(csms, "Reserved", since=mark, connector=1)
    assert reserve(csms, 0, rid=4, tag=OTHER_TAG) == "Occupied"  # one reservation of it
    ev(agent, "plug 1")
    ev(agent, "card %s 1" % "TAG-9999")
    agent.wait_log("TAG-9999 refused: reserved for another idTag")
    ev(agent, "card %s 1" % TAG)
    start = wait_call(csms, "StartTransaction", since=mark, idTag=TAG, connectorId=1)
    assert start.parsed[3]["reservationId"] == 3


def test_connector_zero_not_supported_tc_050_4(csms, make_agent):
    boot(csms, make_agent, ocpp_keys={"ReserveConnectorZeroSupported": False})
    assert reserve(csms, 0) == "Rejected"
    assert reserve(csms, 1) == "Accepted"


def test_cancel_tc_051_052(csms, make_agent):
    boot(csms, make_agent)
    mark = csms.mark()
    assert reserve(csms, 1, rid=11) == "Accepted"
    wait_status(csms, "Reserved", since=mark)
    assert csms.call(CP, "CancelReservation", {"reservationId": 12})["status"] == "Rejected"
    mark = csms.mark()
    assert csms.call(CP, "CancelReservation", {"reservationId": 11})["status"] == "Accepted"
    wait_status(csms, "Available", since=mark)


def test_parent_id_tag_local_and_remote_tc_053(csms, make_agent):
    with_parents(csms)
    agent = boot(csms, make_agent, sim={"control_port": free_port(), "connectors": 2})
    mark = csms.mark()
    assert reserve(csms, 1, rid=21, tag="OWNER-01", parent=PARENT) == "Accepted"
    assert reserve(csms, 2, rid=22, tag="OWNER-02", parent=PARENT) == "Accepted"
    ev(agent, "plug 1")
    ev(agent, "card %s 1" % CHILD)  # its parent is the reservation's (Authorize says so)
    start = wait_call(csms, "StartTransaction", since=mark, idTag=CHILD, connectorId=1)
    assert start.parsed[3]["reservationId"] == 21
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": CHILD, "connectorId": 2})[
        "status"] == "Accepted"
    ev(agent, "plug 2")
    start = wait_call(csms, "StartTransaction", since=mark, idTag=CHILD, connectorId=2)
    assert start.parsed[3]["reservationId"] == 22


def test_a_reservation_survives_a_reboot(csms, make_agent):
    agent = boot(csms, make_agent)
    assert reserve(csms, 1, rid=31) == "Accepted"
    agent.stop()
    mark = csms.mark()
    agent.start()
    wait_status(csms, "Reserved", since=mark)
    assert csms.call(CP, "CancelReservation", {"reservationId": 31})["status"] == "Accepted"
    wait_status(csms, "Available", since=mark)


def test_charge_point_faulted_and_unavailable_tc_050_1_050_3(csms, make_agent):
    agent = boot(csms, make_agent)
    ev(agent, "fault ground")
    agent.wait_status(lambda s: s["connector_status"] == "Faulted")
    assert reserve(csms, 0) == "Faulted"  # every connector faulted
    ev(agent, "clear")
    agent.wait_status(lambda s: s["connector_status"] == "Available", timeout=20)
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})[
        "status"] == "Accepted"
    assert reserve(csms, 0) == "Unavailable"
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 0, "type": "Operative"})[
        "status"] == "Accepted"
    assert reserve(csms, 0) == "Accepted"
