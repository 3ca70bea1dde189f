"""Two connectors on one charge point (sim.connectors = 2): each its own EVSE, status and
transaction, both charging at once; connector 0 semantics of OCPP 1.6 (ChangeAvailability 0,
StatusNotification 0, RemoteStartTransaction without a connectorId)."""
import time

from session_helpers import (CP, TAG, OTHER_TAG, ev, payloads,
                             status_names, transaction_of, wait_call, wait_status)


def wait_closed(agent, connector):
    """Connector `connector`'s contactor closed (the simulator's status of that connector)."""
    deadline = time.monotonic() + 10
    while True:
        s = agent.control("status %d" % connector)
        if s["relay_closed"]:
            return s
        assert time.monotonic() < deadline, s
        time.sleep(0.05)


def boot_two(csms, make_agent, **config):
    agent = make_agent(csms, sim={"connectors": 2}, **config)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 2,
                  timeout=15)
    return agent


def test_two_concurrent_transactions(csms, make_agent):
    agent = boot_two(csms, make_agent)
    got = csms.call(CP, "GetConfiguration", {"key": ["NumberOfConnectors"]})
    assert got["configurationKey"][0]["value"] == "2"
    reported = {p["connectorId"] for p in payloads(csms, "StatusNotification")}
    assert reported == {0, 1, 2}
    mark = csms.mark()
    ev(agent, "plug 2")
    wait_status(csms, "Preparing", since=mark, connector=2)
    ev(agent, "card %s 2" % OTHER_TAG)
    tx2 = transaction_of(csms, wait_call(csms, "StartTransaction", since=mark, idTag=OTHER_TAG))
    assert tx2.start["connectorId"] == 2
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    tx1 = transaction_of(csms, wait_call(csms, "StartTransaction", since=mark, idTag=TAG))
    assert tx1.start["connectorId"] == 1 and tx1.id != tx2.id
    ev(agent, "charge 2")
    ev(agent, "charge")
    wait_status(csms, "Charging", since=mark, connector=1)
    wait_status(csms, "Charging", since=mark, connector=2)
    one, two = wait_closed(agent, 1), wait_closed(agent, 2)
    assert (one["transaction_id"], two["transaction_id"]) == (tx1.id, tx2.id)
    # the card that started connector 2 stops it, at the charge point's one reader
    mark = csms.mark()
    ev(agent, "card " + OTHER_TAG)
    stop = wait_call(csms, "StopTransaction", since=mark, transactionId=tx2.id).parsed[3]
    assert stop["idTag"] == OTHER_TAG
    assert agent.status()["relay_closed"] and agent.status()["transaction_id"] == tx1.id
    assert not agent.control("status 2")["relay_closed"]
    # a remote stop of connector 1's transaction
    assert csms.call(CP, "RemoteStopTransaction", {"transactionId": tx1.id})["status"] == \
        "Accepted"
    stop = wait_call(csms, "StopTransaction", since=mark, transactionId=tx1.id).parsed[3]
    assert stop["reason"] == "Remote"
    assert "Charging" not in status_names(csms, since=mark, connector=2)


def test_remote_start_without_a_connector_picks_a_free_one(csms, make_agent):
    agent = boot_two(csms, make_agent)
    mark = csms.mark()
    ev(agent, "plug 2")  # the cable is in at connector 2: that one is picked
    wait_status(csms, "Preparing", since=mark, connector=2)
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": TAG})["status"] == "Accepted"
    start = wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    assert start.parsed[3]["connectorId"] == 2
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": TAG, "connectorId": 0})[
        "status"] == "Rejected"
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": TAG, "connectorId": 3})[
        "status"] == "Rejected"


def test_change_availability_of_the_charge_point_and_of_one_connector(csms, make_agent):
    agent = boot_two(csms, make_agent)
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 2, "type": "Inoperative"})[
        "status"] == "Accepted"
    wait_status(csms, "Unavailable", since=mark, connector=2)
    assert "Unavailable" not in status_names(csms, since=mark, connector=1)
    assert agent.control("status 2")["pwm_duty"] == 0  # pilot F: not available
    # the whole charge point, while connector 1 charges: connector 1 waits (Scheduled)
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    tx = transaction_of(csms, wait_call(csms, "StartTransaction", since=mark, idTag=TAG))
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 0, "type": "Operative"})[
        "status"] == "Accepted"
    wait_status(csms, "Available", since=mark, connector=2)
    mark = csms.mark()
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 0, "type": "Inoperative"})[
        "status"] == "Scheduled"
    wait_status(csms, "Unavailable", since=mark, connector=2)
    assert "Unavailable" not in status_names(csms, since=mark, connector=1)
    ev(agent, "card " + TAG)  # the transaction ends: the change applies
    wait_call(csms, "StopTransaction", since=mark, transactionId=tx.id)
    wait_status(csms, "Unavailable", since=mark, connector=1)
    wait_status(csms, "Unavailable", since=mark, connector=0)


def test_a_scheduled_change_survives_a_reboot(csms, make_agent):
    agent = make_agent(csms)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    mark = csms.mark()
    ev(agent, "plug")
    ev(agent, "card " + TAG)
    wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    assert csms.call(CP, "ChangeAvailability", {"connectorId": 1, "type": "Inoperative"})[
        "status"] == "Scheduled"
    agent.kill()  # power cut: the transaction ends with the reboot (PowerLoss)
    mark = csms.mark()
    agent.start()
    stop = wait_call(csms, "StopTransaction", since=mark, timeout=20).parsed[3]
    assert stop["reason"] == "PowerLoss"
    wait_status(csms, "Unavailable", since=mark, connector=1, timeout=15)


def test_trigger_status_notification_for_every_connector(csms, make_agent):
    boot_two(csms, make_agent)
    mark = csms.mark()
    assert csms.call(CP, "TriggerMessage", {"requestedMessage": "StatusNotification"})[
        "status"] == "Accepted"
    for c in (0, 1, 2):
        csms.wait_for(CP, "StatusNotification", since=mark,
                      predicate=lambda p, c=c: p["connectorId"] == c)
    assert csms.call(CP, "TriggerMessage", {"requestedMessage": "MeterValues",
                                            "connectorId": 2})["status"] == "Accepted"
    mv = wait_call(csms, "MeterValues", since=mark).parsed[3]
    assert mv["connectorId"] == 2
    assert csms.call(CP, "TriggerMessage", {"requestedMessage": "StatusNotification",
                                            "connectorId": 3})["status"] == "Rejected"
    got = csms.call(CP, "UnlockConnector", {"connectorId": 2})
    assert got["status"] == "Unlocked"
