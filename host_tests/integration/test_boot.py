"""Registration: BootNotification Accepted / Pending / Rejected, Heartbeat, StatusNotification."""
import time

CP = "CP_1"


def calls_from_cp(cs, since=0):
    return [m for m in cs.messages[since:] if m.direction == "in" and m.parsed
            and m.parsed[0] == 2]


def test_boot_accepted_then_status_for_connector_0_and_1(csms, make_agent):
    make_agent(csms)
    boot = csms.wait_for(CP, "BootNotification", timeout=15)
    p = boot.parsed[3]
    assert p["chargePointVendor"] == "TestVendor" and p["chargePointModel"] == "TestModel"
    assert p["chargeBoxSerialNumber"] == "SN-0001" and p["firmwareVersion"]
    s0 = csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 0)
    s1 = csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1)
    assert s0.parsed[3]["status"] == "Available" and s1.parsed[3]["status"] == "Available"
    assert s0.parsed[3]["errorCode"] == "NoError"
    # BootNotification is the first CALL of all
    assert calls_from_cp(csms)[0].parsed[2] == "BootNotification"


def test_boot_pending_answers_the_csms_and_sends_nothing_else_until_accepted(csms, make_agent):
    csms.cs.boot_interval = 2
    csms.cs.boot_statuses = ["Pending", "Pending"]
    csms.cs.boot_status = "Accepted"
    agent = make_agent(csms)
    first = csms.wait_for(CP, "BootNotification", timeout=15)
    # While pending the central system may configure the charge point.
    conf = csms.call(CP, "GetConfiguration", {"key": ["HeartbeatInterval"]})
    assert conf["configurationKey"][0]["key"] == "HeartbeatInterval"
    assert csms.call(CP, "ChangeConfiguration",
                     {"key": "MeterValueSampleInterval", "value": "30"})["status"] == "Accepted"
    csms.wait_for(CP, "StatusNotification", timeout=15)
    calls = calls_from_cp(csms)
    actions = [m.parsed[2] for m in calls]
    assert actions[:3] == ["BootNotification"] * 3, actions
    # the interval from the Pending answer is the wait before the next BootNotification
    assert calls[1].time - first.time >= 1.9 and calls[2].time - calls[1].time >= 1.9
    assert agent.status()["registration"] == "Accepted"


def test_boot_rejected_stays_silent_until_the_interval(csms, make_agent):
    csms.cs.boot_interval = 3
    csms.cs.boot_statuses = ["Rejected"]
    agent = make_agent(csms)
    first = csms.wait_for(CP, "BootNotification", timeout=15)
    agent.wait_status(lambda s: s["registration"] == "Rejected")
    mark = csms.mark()
    # A rejected charge point does not answer the central system.
    csms.send_raw(CP, '[2, "rej-1", "GetConfiguration", {}]')
    second = csms.wait_for(CP, "BootNotification", since=mark, timeout=10)
    assert second.time - first.time >= 2.9
    assert [m for m in csms.messages if m.direction == "in" and m.parsed
            and m.parsed[1] == "rej-1"] == []
    between = [m.parsed[2] for m in calls_from_cp(csms, mark) if m.time < second.time]
    assert between == [], between
    csms.wait_for(CP, "StatusNotification", since=mark, timeout=10)


def test_boot_callerror_is_retried(csms, make_agent):
    from ocpp.exceptions import InternalError

    answers = []

    def flaky(cp_id, payload):
        answers.append(1)
        if len(answers) == 1:
            raise InternalError()
        return None  # default answer

    csms.cs.responders["BootNotification"] = flaky
    agent = make_agent(csms, ocpp_keys={"HeartbeatInterval": 300})
    csms.wait_for(CP, "BootNotification", timeout=15)
    # the first answer was a CALLERROR: no StatusNotification may follow it
    time.sleep(1.5)
    assert not [m for m in calls_from_cp(csms) if m.parsed[2] != "BootNotification"]
    assert agent.status()["registration"] is None


def test_heartbeat_at_the_interval_from_the_boot_answer(csms, make_agent):
    csms.cs.boot_interval = 2
    make_agent(csms)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    h1 = csms.wait_for(CP, "Heartbeat", timeout=10)
    h2 = csms.wait_for(CP, "Heartbeat", since=csms.messages.index(h1) + 1, timeout=10)
    # OCTT TC_001: heartbeats at HeartbeatInterval +/- 1 s
    assert 1.0 <= h2.time - h1.time <= 3.0, h2.time - h1.time
    conf = csms.call(CP, "GetConfiguration", {"key": ["HeartbeatInterval"]})
    assert conf["configurationKey"][0]["value"] == "2"


def test_reset_restarts_the_agent_and_it_boots_again(csms, make_agent):
    agent = make_agent(csms)
    csms.wait_for(CP, "StatusNotification", timeout=15)
    mark = csms.mark()
    assert csms.call(CP, "Reset", {"type": "Soft"})["status"] == "Accepted"
    csms.wait_for(CP, "BootNotification", since=mark, timeout=20)
    agent.wait_log("reset: restarting")
    mark = csms.mark()
    assert csms.call(CP, "Reset", {"type": "Hard"})["status"] == "Accepted"
    csms.wait_for(CP, "BootNotification", since=mark, timeout=20)
    csms.wait_for(CP, "StatusNotification", since=mark, timeout=20)
