"""GetDiagnostics (issue 12, part 2) through the real agent: the log on flash uploaded by HTTP
PUT to a file server of the tests' own, filtered by time, with retries; DiagnosticsStatusNotification
Uploading / Uploaded / UploadFailed, Idle on a trigger; the log kept across a reboot, and
VerboseOcppLog. OCTT TC_045_1 and TC_045_2 (OCPP16.md section 5)."""
import time

from session_helpers import CP, boot, configure, iso, payloads, wait_call


def statuses(csms, since):
    return [p["status"] for p in payloads(csms, "DiagnosticsStatusNotification", since)]


def wait_statuses(csms, since, last, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = statuses(csms, since)
        if got and got[-1] == last:
            return got
        time.sleep(0.1)
    raise AssertionError("no %s; got %r" % (last, statuses(csms, since)))


def test_get_diagnostics_uploads_the_log_tc_045_1(csms, make_agent, files):
    boot(csms, make_agent)
    mark = csms.mark()
    answer = csms.call(CP, "GetDiagnostics", {"location": files.url("/upload/")})
    name = answer["fileName"]
    assert name.startswith("diagnostics-CP_1-") and name.endswith(".log")
    assert wait_statuses(csms, mark, "Uploaded") == ["Uploading", "Uploaded"]
    (path, body, headers), = files.uploads
    assert path == "/upload/" + name
    text = body.decode()
    assert "boot: Accepted" in text and '"BootNotification"' in text
    first = text.splitlines()[0]
    assert first.split(" ", 1)[0].isdigit()  # each line starts with its time
    # a window with nothing logged in it: no file
    assert csms.call(CP, "GetDiagnostics", {
        "location": files.url("/upload/"), "startTime": iso(time.time() - 7200),
        "stopTime": iso(time.time() - 3600)}) == {}
    # a window around now: only lines from it
    mark = csms.mark()
    time.sleep(2.2)  # the log's times are whole seconds
    since = time.time()
    csms.call(CP, "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "30"})
    name = csms.call(CP, "GetDiagnostics", {"location": files.url("/exact.log"),
                                            "startTime": iso(since)})["fileName"]
    wait_statuses(csms, mark, "Uploaded")
    path, body, _ = files.uploads[-1]
    assert path == "/exact.log"  # a location not ending in "/" is used as it is
    assert b"MeterValueSampleInterval" in body and b"boot: Accepted" not in body
    assert all(int(line.split(b" ", 1)[0]) >= int(since) for line in body.splitlines())


def test_upload_failure_after_the_retries_tc_045_2(csms, make_agent, files):
    agent = boot(csms, make_agent)
    files.fail["/up/x.log"] = [503, 500, 403]
    mark = csms.mark()
    answer = csms.call(CP, "GetDiagnostics", {"location": files.url("/up/x.log"),
                                              "retries": 2, "retryInterval": 1})
    assert answer["fileName"]
    assert wait_statuses(csms, mark, "UploadFailed") == ["Uploading", "UploadFailed"]
    assert files.requests == [("PUT", "/up/x.log")] * 3 and not files.uploads
    agent.wait_log("upload 3 of 3 to .* failed")
    # FTP: refused clearly
    mark = csms.mark()
    csms.call(CP, "GetDiagnostics", {"location": "ftp://files.example/diag/"})
    wait_statuses(csms, mark, "UploadFailed")
    agent.wait_log("the ftp scheme is not supported")


def test_a_trigger_when_nothing_is_under_way_is_idle(csms, make_agent):
    boot(csms, make_agent)
    mark = csms.mark()
    status = csms.call(CP, "TriggerMessage", {
        "requestedMessage": "DiagnosticsStatusNotification"})["status"]
    assert status == "Accepted"
    assert wait_call(csms, "DiagnosticsStatusNotification", since=mark).parsed[3] == {
        "status": "Idle"}


def test_the_log_survives_a_reboot_and_verbose_adds_heartbeats(csms, make_agent, files):
    csms.cs.boot_interval = 1  # a Heartbeat every second
    boot(csms, make_agent)
    wait_call(csms, "Heartbeat")
    mark = csms.mark()
    assert csms.call(CP, "Reset", {"type": "Soft"})["status"] == "Accepted"
    csms.wait_for(CP, "BootNotification", since=mark, timeout=20)
    wait_call(csms, "Heartbeat", since=csms.mark())
    mark = csms.mark()
    csms.call(CP, "GetDiagnostics", {"location": files.url("/a/")})
    wait_statuses(csms, mark, "Uploaded")
    body = files.uploads[-1][1]
    assert body.count(b"boot: Accepted") == 2  # both boots' lines, across the reboot
    assert b'"Heartbeat"' not in body  # not verbose: the bulk stays out
    configure(csms, VerboseOcppLog=True)
    mark = csms.mark()
    wait_call(csms, "Heartbeat", since=mark)
    wait_call(csms, "Heartbeat", since=csms.mark())
    csms.call(CP, "GetDiagnostics", {"location": files.url("/b/")})
    wait_statuses(csms, mark, "Uploaded")
    assert b'"Heartbeat"' in files.uploads[-1][1]
