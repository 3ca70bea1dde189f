"""Security events, GetLog and ExtendedTriggerMessage (issue 12, part 3; security whitepaper
A04, N01, F06) through the real agent: critical events sent as SecurityEventNotification (and
queued while offline), every event in the security log on flash, GetLog of both logs with
LogStatusNotification and AcceptedCanceled, and each message ExtendedTriggerMessage may name.
OCTT TC_079 (Get Security Log; OCPP16.md section 5)."""
import re
import time

from session_helpers import (CP, boot, go_offline, iso, payloads, request_statuses,
                             restart_csms, wait_call, wait_request_status)


def events(csms, since=0):
    return [p["type"] for p in payloads(csms, "SecurityEventNotification", since)]


def wait_event(csms, kind, since=0, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if kind in events(csms, since):
            return
        time.sleep(0.1)
    raise AssertionError("no %s; got %r" % (kind, events(csms, since)))


def log_statuses(csms, since, request_id):
    return request_statuses(csms, "LogStatusNotification", since, request_id)


def wait_log_status(csms, since, request_id, last, timeout=20):
    return wait_request_status(csms, "LogStatusNotification", since, request_id, last, timeout)


def get_log(csms, kind, request_id, url, **extra):
    payload = {"logType": kind, "requestId": request_id, "log": {"remoteLocation": url}}
    payload["log"].update(extra)
    return csms.call(CP, "GetLog", payload)


def test_critical_events_are_sent_and_queued_while_offline(csms, make_agent):
    agent = boot(csms, make_agent)
    wait_event(csms, "StartupOfTheDevice")
    # a reset: ResetOrReboot before it, StartupOfTheDevice after
    mark = csms.mark()
    assert csms.call(CP, "Reset", {"type": "Soft"})["status"] == "Accepted"
    wait_event(csms, "ResetOrReboot", mark, timeout=25)
    wait_event(csms, "StartupOfTheDevice", mark, timeout=25)
    stamp = [p for p in payloads(csms, "SecurityEventNotification", mark)
             if p["type"] == "ResetOrReboot"][0]
    assert stamp["techInfo"] == "Soft reset by the central system" and stamp["timestamp"]
    # raised with no central system reachable: kept on flash, sent once the link is back
    port = go_offline(csms, agent)
    agent.stop()
    seen = len(re.findall("security event: StartupOfTheDevice", agent.log()))
    agent.start()
    agent.wait_log("security event: StartupOfTheDevice", count=seen + 1)
    time.sleep(1)
    later = restart_csms(port)
    try:
        wait_event(later, "StartupOfTheDevice", timeout=25)
        assert later.cs.messages[0].parsed[2] == "BootNotification"
    finally:
        later.stop()


def test_non_critical_events_are_only_logged(csms, make_agent, files):
    agent = boot(csms, make_agent, authorization_key="0123456789abcdef0123")
    mark = csms.mark()
    assert csms.call(CP, "ChangeConfiguration", {
        "key": "AuthorizationKey", "value": "00112233445566778899aabbccddeeff"})["status"] == \
        "Accepted"
    agent.wait_log("security event: ReconfigurationOfSecurityParameters \\(AuthorizationKey\\)")
    time.sleep(1)
    assert "ReconfigurationOfSecurityParameters" not in events(csms, mark)
    answer = get_log(csms, "SecurityLog", 7, files.url("/sec/"))
    assert answer["status"] == "Accepted"
    assert answer["filename"].startswith("securitylog-CP_1-")
    assert wait_log_status(csms, mark, 7, "Uploaded") == ["Uploading", "Uploaded"]
    path, body, _ = files.uploads[-1]
    assert path == "/sec/" + answer["filename"]
    text = body.decode()
    assert "StartupOfTheDevice" in text and "ReconfigurationOfSecurityParameters" in text
    assert "00112233" not in text and "0123456789" not in text  # never the key


def test_get_log_both_logs_cancel_and_failure_tc_079(csms, make_agent, files):
    boot(csms, make_agent)
    mark = csms.mark()
    answer = get_log(csms, "DiagnosticsLog", 1, files.url("/diag.log"))
    assert answer["status"] == "Accepted" and answer["filename"].startswith("diagnostics-")
    wait_log_status(csms, mark, 1, "Uploaded")
    assert files.uploads[-1][0] == "/diag.log" and b"boot: Accepted" in files.uploads[-1][1]
    # a window with nothing in it
    assert get_log(csms, "SecurityLog", 2, files.url("/x/"),
                   oldestTimestamp=iso(time.time() - 7200),
                   latestTimestamp=iso(time.time() - 3600))["status"] == "Rejected"
    # failing uploads, then a new request cancels the one under way
    files.fail["/slow.log"] = [503] * 10
    mark = csms.mark()
    assert get_log(csms, "SecurityLog", 3, files.url("/slow.log"))["status"] == "Accepted"
    wait_log_status(csms, mark, 3, "UploadFailure")  # no retries: one attempt
    files.fail["/slow.log"] = [503] * 10
    payload = {"logType": "SecurityLog", "requestId": 4, "retries": 5, "retryInterval": 3,
               "log": {"remoteLocation": files.url("/slow.log")}}
    assert csms.call(CP, "GetLog", payload)["status"] == "Accepted"
    wait_log_status(csms, mark, 4, "Uploading")
    time.sleep(0.5)
    payload = {"logType": "SecurityLog", "requestId": 5,
               "log": {"remoteLocation": files.url("/ok.log")}}
    assert csms.call(CP, "GetLog", payload)["status"] == "AcceptedCanceled"
    wait_log_status(csms, mark, 5, "Uploaded")
    time.sleep(4)
    assert log_statuses(csms, mark, 4) == ["Uploading"]  # cancelled: nothing more of it
    # ExtendedTriggerMessage LogStatusNotification: nothing under way -> Idle, no requestId
    mark = csms.mark()
    assert csms.call(CP, "ExtendedTriggerMessage", {
        "requestedMessage": "LogStatusNotification"})["status"] == "Accepted"
    assert wait_call(csms, "LogStatusNotification", since=mark).parsed[3] == {"status": "Idle"}


def test_extended_trigger_message_for_each_message(csms, make_agent):
    boot(csms, make_agent)
    for message, sent, connector in (
            ("BootNotification", None, None),  # accepted already: Rejected
            ("Heartbeat", "Heartbeat", None),
            ("MeterValues", "MeterValues", 1),
            ("StatusNotification", "StatusNotification", 0),
            ("FirmwareStatusNotification", "SignedFirmwareStatusNotification", None),
            ("LogStatusNotification", "LogStatusNotification", None),
            ("SignChargePointCertificate", "SignCertificate", None)):
        mark = csms.mark()
        payload = {"requestedMessage": message}
        if connector is not None:
            payload["connectorId"] = connector
        status = csms.call(CP, "ExtendedTriggerMessage", payload)["status"]
        if sent is None:
            assert status == "Rejected", message
            continue
        assert status == "Accepted", message
        wait_call(csms, sent, since=mark)
    assert csms.call(CP, "ExtendedTriggerMessage", {
        "requestedMessage": "StatusNotification", "connectorId": 2})["status"] == "Rejected"


def test_the_central_system_moving_the_clock_is_a_security_event(csms, make_agent):
    boot(csms, make_agent)
    wait_event(csms, "StartupOfTheDevice")
    mark = csms.mark()
    csms.cs.responders["Heartbeat"] = lambda cp_id, p: {"currentTime": iso(time.time() + 3600)}
    assert csms.call(CP, "TriggerMessage", {"requestedMessage": "Heartbeat"})["status"] == \
        "Accepted"
    wait_event(csms, "SettingSystemTime", mark)
    got = [p for p in payloads(csms, "SecurityEventNotification", mark)
           if p["type"] == "SettingSystemTime"]
    assert got[0]["techInfo"].startswith("moved by 3") and got[0]["timestamp"] > iso(
        time.time() + 3000)
    # a second or two of drift corrected is not an event
    mark = csms.mark()
    csms.cs.responders["Heartbeat"] = lambda cp_id, p: {"currentTime": iso(time.time() + 3602)}
    assert csms.call(CP, "TriggerMessage", {"requestedMessage": "Heartbeat"})["status"] == \
        "Accepted"
    wait_call(csms, "Heartbeat", since=mark)
    time.sleep(1)
    assert "SettingSystemTime" not in events(csms, mark)
