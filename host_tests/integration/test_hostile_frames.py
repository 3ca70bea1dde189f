"""Whatever the network sends, the agent answers correctly and keeps running."""
import json

import pytest

CP = "CP_1"


@pytest.fixture
def agent(csms, make_agent):
    a = make_agent(csms)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    return a


def reply_to(csms, uid, timeout=5):
    return csms.wait_reply(uid, timeout=timeout).parsed


def still_alive(csms, agent):
    conf = csms.call(CP, "GetConfiguration", {"key": ["NumberOfConnectors"]})
    assert conf["configurationKey"][0]["value"] == "1"
    assert agent.status()["ok"]


@pytest.mark.parametrize("frame, code", [
    ('[2, "u1", "FlyToTheMoon", {}]', "NotImplemented"),
    ('[2, "u2", "ChangeConfiguration", {"key": "HeartbeatInterval"}]', None),  # missing value
    ('[2, "u3", "ChangeConfiguration", {"key": 5, "value": "1"}]', "TypeConstraintViolation"),
    ('[2, "u4", "Reset", {"type": "Sideways"}]', "PropertyConstraintViolation"),
    ('[2, "u5", "ChangeConfiguration", {"key": "' + "K" * 51 + '", "value": "1"}]', None),
    ('[2, "u6", "Reset", {"type": "Soft", "extra": 1}]', "FormationViolation"),
    ('[2, "u7", "GetConfiguration", {"key": "HeartbeatInterval"}]', "TypeConstraintViolation"),
    ('[2, "u8", "Reset", []]', None),
    ('[2, "u9", "Reset"]', "FormationViolation"),
])
def test_each_violation_gets_its_callerror(csms, agent, frame, code):
    csms.send_raw(CP, frame)
    uid = json.loads(frame)[1]
    reply = reply_to(csms, uid)
    assert reply[0] == 4 and reply[1] == uid, reply
    if code:
        assert reply[2] == code, reply
    else:  # the exact code for these is the validator's documented choice
        assert reply[2] in ("OccurenceConstraintViolation", "ProtocolError",
                            "TypeConstraintViolation", "PropertyConstraintViolation",
                            "FormationViolation"), reply
    assert isinstance(reply[3], str) and reply[4] == {}
    still_alive(csms, agent)


def test_garbage_frames_never_crash_or_stall(csms, agent):
    for frame in ("not json at all", "{}", "[]", "[2]", "null", '"text"', "[2, 1, 2, 3]",
                  '[3, "nobody-asked", {}]', '[4, "nobody", "GenericError", "", {}]',
                  '[7, "x", {}]', "[" * 5000, '[2, "' + "i" * 40 + '", "Reset", {}]',
                  "\u00e9\u4e2d\U0001F600"):
        csms.send_raw(CP, frame)
    still_alive(csms, agent)
    assert "Traceback" not in agent.log()


def test_a_60_kB_frame_is_refused_cleanly(csms, agent):
    frame = json.dumps([2, "big-1", "DataTransfer", {"vendorId": "x", "data": "A" * 60000}])
    csms.send_raw(CP, frame)
    reply = reply_to(csms, "big-1")
    assert reply[0] == 4 and reply[2] == "GenericError" and "60" in reply[3], reply
    still_alive(csms, agent)
    # and the connection it arrived on is still the one in use
    assert csms.cs.connect_count[CP] == 1
