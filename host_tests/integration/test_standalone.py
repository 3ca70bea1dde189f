"""Stand-alone (issue 11, part 6; seed 000: a charger whose OCPP is off keeps working): with no
central system in config.json the agent charges by FreeCharging, sends nothing, keeps its
transactions in a local log, and a central system configured later gets no stale queue."""
import os
import time

from session_helpers import CP, ev, quiet, wait_relay


def test_stand_alone_charging_and_switching_a_central_system_on(csms, make_agent):
    agent = make_agent(None, ocpp_keys={"FreeCharging": True})
    agent.wait_log("stand-alone: no central system")
    s = agent.status()
    assert s["registration"] is None and s["connector_status"] == "Available"
    for _ in range(2):  # two sessions
        ev(agent, "plug")
        agent.wait_log("transaction [0-9]+ started for FFFFFFFF")
        ev(agent, "charge")
        wait_relay(agent, True)
        time.sleep(1)
        ev(agent, "unplug")
        agent.wait_status(lambda s: s["connector_status"] == "Available" and
                          not s["in_transaction"])
    log = agent.log()
    assert "link: connect" not in log and ">> [2" not in log  # no OCPP traffic at all
    assert agent.status()["queued_messages"] == 0
    with open(os.path.join(agent.state, "txlog"), "rb") as f:
        kept = f.read()
    assert kept.count(b"StartTransaction") == 2 and kept.count(b"StopTransaction") == 2
    # a central system configured later: it boots, and is sent nothing of the sessions before
    agent.stop()
    agent.config["csms_url"] = "ws://127.0.0.1:%d/ocpp" % csms.port
    mark = csms.mark()
    agent.start()
    csms.wait_for(CP, "BootNotification", since=mark, timeout=15)
    csms.wait_for(CP, "StatusNotification", since=mark,
                  predicate=lambda p: p["connectorId"] == 1, timeout=10)
    quiet(csms, "StartTransaction", mark, 2)
    quiet(csms, "StopTransaction", mark, 0)


def test_stand_alone_settings_are_checked(make_agent):
    agent = make_agent(None, start=False, security_profile=1)
    agent.start()
    assert agent.wait_exit(10) == 2  # a bad config.json: named, no restart
    assert "security_profile" in agent.log()


def test_stand_alone_by_the_local_list(csms, make_agent):
    """The list a central system sent before OCPP was switched off still decides: a listed
    card charges, a blocked or unknown one does not."""
    agent = make_agent(csms)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    assert csms.call(CP, "SendLocalList", {"listVersion": 4, "updateType": "Full",
                                           "localAuthorizationList": [
                                               {"idTag": "FLEET-7", "idTagInfo": {
                                                   "status": "Accepted"}},
                                               {"idTag": "GONE-1", "idTagInfo": {
                                                   "status": "Blocked"}}]})["status"] == \
        "Accepted"
    agent.stop()
    del agent.config["csms_url"]  # OCPP off
    agent.start()
    agent.wait_log("stand-alone: no central system", count=1)
    for tag in ("GONE-1", "NOBODY"):
        ev(agent, "plug")
        ev(agent, "card " + tag)
        agent.wait_log("%s not authorised" % tag)
        assert not agent.status()["in_transaction"]
        ev(agent, "unplug")
    ev(agent, "plug")
    ev(agent, "card FLEET-7")
    agent.wait_log("transaction [0-9]+ started for FLEET-7")
    ev(agent, "charge")
    wait_relay(agent, True)
    ev(agent, "card FLEET-7")
    agent.wait_status(lambda s: not s["in_transaction"])
    with open(os.path.join(agent.state, "txlog"), "rb") as f:
        assert f.read().count(b"FLEET-7") == 2  # started and stopped, in the local log
