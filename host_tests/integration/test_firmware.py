"""UpdateFirmware (issue 12, part 1) through the real agent: a bundle packed by tools/bundle.py
--pack, served by a file server of the tests' own, downloaded, checked, installed into a slot
and run after a reboot (its version in BootNotification), with the whole
FirmwareStatusNotification sequence; download failure after retries; a bundle for another
board; a bundle that fails to start, rolled back; a transaction running meanwhile; a power cut
during the download and during the install; https. OCTT TC_044_1 to TC_044_3 (OCPP16.md
section 5)."""
import os
import signal
import subprocess
import sys
import time

import pytest
from certs import make_certs, server_ssl_context
from fileserver import FileServer
from session_helpers import (CP, boot, iso, payloads, start_session, stop_by_card,
                             wait_call)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEW = "9.9.9-test"


def pack(tmp, board="unix", version=NEW, spoil=None):
    """A bundle packed by tools/bundle.py (bytes). spoil: a file whose bytes are replaced by
    junk (its digest made to match: the bundle installs, and then fails to start)."""
    out = os.path.join(tmp, "b-%s-%s-%s" % (board, version, spoil or ""))
    path = out + ".bin"
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bundle.py"), board, "--out",
                    out, "--version", version, "--pack", path], check=True,
                   capture_output=True)
    if spoil:
        import hashlib

        with open(os.path.join(out, spoil), "wb") as f:
            f.write(b"this is not bytecode")
        sys.path.insert(0, os.path.join(ROOT, "tools"))
        import bundle

        bundle.pack(board, out, version, path)
        assert hashlib.sha256(b"this is not bytecode").hexdigest().encode() in open(
            path, "rb").read()
    with open(path, "rb") as f:
        return f.read()


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("bundles"))
    return {"new": pack(tmp), "esp32": pack(tmp, board="esp32_devkitc"),
            "broken": pack(tmp, version="6.6.6-broken", spoil="startup.mpy")}


def update(csms, url, retries=None, interval=None, at=None):
    payload = {"location": url, "retrieveDate": iso(at or time.time() - 1)}
    if retries is not None:
        payload["retries"] = retries
    if interval is not None:
        payload["retryInterval"] = interval
    assert csms.call(CP, "UpdateFirmware", payload) == {}


def statuses(csms, since=0):
    return [p["status"] for p in payloads(csms, "FirmwareStatusNotification", since)]


def wait_status(csms, last, since=0, timeout=40):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = statuses(csms, since)
        if last in got:
            return got
        time.sleep(0.1)
    raise AssertionError("no %s; got %r" % (last, statuses(csms, since)))


def versions(csms):
    return [p["firmwareVersion"] for p in payloads(csms, "BootNotification")]


def test_update_download_and_install_tc_044_1(csms, make_agent, files, bundles):
    agent = boot(csms, make_agent)
    old = versions(csms)[0]
    files.files["/fw/new.bin"] = bundles["new"]
    mark = csms.mark()
    update(csms, files.url("/fw/new.bin"))
    got = wait_status(csms, "Installed", mark)
    assert got == ["Downloading", "Downloaded", "Installing", "Installed"], got
    assert versions(csms) == [old, NEW]
    # Installed comes after the new bundle's BootNotification was accepted
    boots = [m for m in csms.messages[mark:] if m.direction == "in" and
             isinstance(m.parsed, list) and m.parsed[0] == 2 and
             m.parsed[2] in ("BootNotification", "FirmwareStatusNotification")]
    assert [m.parsed[2] for m in boots][-2:] == ["BootNotification", "FirmwareStatusNotification"]
    agent.wait_log("boot: running the bundle in app0/")
    agent.wait_log("firmware: the bundle in app0/ is confirmed")
    # a critical security event: the new bundle runs
    assert [p["techInfo"] for p in payloads(csms, "SecurityEventNotification", mark)
            if p["type"] == "FirmwareUpdated"] == ["the bundle in app0/"]
    # and it stays: a reboot runs it again, and no update is pending
    mark = csms.mark()
    assert csms.call(CP, "Reset", {"type": "Hard"})["status"] == "Accepted"
    csms.wait_for(CP, "BootNotification", since=mark, timeout=30)
    assert versions(csms)[-1] == NEW
    assert not os.path.exists(os.path.join(agent.state, "fwupdate.json"))
    status = csms.call(CP, "TriggerMessage", {"requestedMessage": "FirmwareStatusNotification"})
    assert status["status"] == "Accepted"
    assert wait_call(csms, "FirmwareStatusNotification", since=mark).parsed[3] == {
        "status": "Idle"}


def test_download_failed_after_the_retries_tc_044_2(csms, make_agent, files):
    agent = boot(csms, make_agent)
    mark = csms.mark()
    update(csms, files.url("/fw/missing.bin"), retries=2, interval=1)
    assert wait_status(csms, "DownloadFailed", mark) == ["Downloading", "DownloadFailed"]
    assert files.requests == [("GET", "/fw/missing.bin")] * 3
    agent.wait_log("download 3 of 3 failed")
    mark = csms.mark()
    update(csms, "ftp://files.example/fw.bin")
    assert wait_status(csms, "DownloadFailed", mark) == ["Downloading", "DownloadFailed"]
    agent.wait_log("the ftp scheme is not supported")
    assert len(versions(csms)) == 1  # never rebooted


def test_a_bundle_for_another_board_fails_to_install_tc_044_3(csms, make_agent, files, bundles):
    agent = boot(csms, make_agent)
    files.files["/fw/esp32.bin"] = bundles["esp32"]
    mark = csms.mark()
    update(csms, files.url("/fw/esp32.bin"))
    got = wait_status(csms, "InstallationFailed", mark)
    assert got == ["Downloading", "Downloaded", "Installing", "InstallationFailed"], got
    agent.wait_log("a bundle for esp32_devkitc, not unix")
    assert len(versions(csms)) == 1
    # the connector is back in service
    agent.wait_status(lambda s: s["connector_status"] == "Available")


def test_a_corrupt_download_is_fetched_again(csms, make_agent, files, bundles):
    agent = boot(csms, make_agent)
    data = bytearray(bundles["new"])
    data[-10] ^= 0xFF  # inside the last file's bytes
    served = [bytes(data), bundles["new"]]
    files.files["/fw/flaky.bin"] = served[0]
    mark = csms.mark()
    update(csms, files.url("/fw/flaky.bin"), retries=1, interval=2)
    agent.wait_log("download 1 of 2 failed: a file's SHA-256 differs")
    files.files["/fw/flaky.bin"] = served[1]
    assert wait_status(csms, "Installed", mark)[-1] == "Installed"


def test_a_bundle_that_fails_to_start_is_rolled_back(csms, make_agent, files, bundles):
    agent = boot(csms, make_agent)
    agent.crash_ok = True  # the broken bundle crashes on purpose
    old = versions(csms)[0]
    files.files["/fw/broken.bin"] = bundles["broken"]
    mark = csms.mark()
    update(csms, files.url("/fw/broken.bin"))
    got = wait_status(csms, "InstallationFailed", mark, timeout=60)
    assert got == ["Downloading", "Downloaded", "Installing", "InstallationFailed"], got
    agent.wait_log("not confirmed after 3 boots: back to the flashed one")
    assert versions(csms) == [old, old]  # the new one never booted far enough
    agent.wait_status(lambda s: s["connector_status"] == "Available")


def test_a_running_transaction_ends_before_the_install(csms, make_agent, files, bundles):
    agent = boot(csms, make_agent, sim={"connectors": 2})
    files.files["/fw/new.bin"] = bundles["new"]
    tx = start_session(csms, agent)
    mark = csms.mark()
    update(csms, files.url("/fw/new.bin"))
    wait_status(csms, "Downloaded", mark)
    # the idle connector shows Unavailable and takes no one; the session goes on
    deadline = time.time() + 10
    while agent.control("status 2")["connector_status"] != "Unavailable":
        assert time.time() < deadline, agent.control("status 2")
        time.sleep(0.1)
    time.sleep(2)
    assert "Installing" not in statuses(csms, mark)
    assert agent.status()["relay_closed"] is True
    stop_by_card(csms, agent, tx)
    assert wait_status(csms, "Installed", mark)[-1] == "Installed"
    assert versions(csms)[-1] == NEW


def kill(agent):
    """A power cut: SIGKILL to the agent and its launcher."""
    os.killpg(agent.proc.pid, signal.SIGKILL)
    agent.proc.wait(5)
    agent._log_file.close()
    agent.proc = None


def test_a_power_cut_during_the_download_and_during_the_install(csms, make_agent, bundles):
    slow = FileServer(delay=0.1).start()  # about 15 s for the bundle
    try:
        agent = boot(csms, make_agent)
        slow.files["/fw/new.bin"] = bundles["new"]
        mark = csms.mark()
        update(csms, slow.url("/fw/new.bin"))
        wait_status(csms, "Downloading", mark)
        time.sleep(1.5)
        kill(agent)  # mid-download
        assert os.path.exists(os.path.join(agent.state, "fw.part"))
        slow.delay = 0
        agent.start()  # the job resumes: downloaded again from the start
        wait_status(csms, "Installing", mark, timeout=60)
        # at once: during the installation or just after it (it takes some 100 ms here, so
        # where exactly is not known: mp_test_firmware.py cuts at every file of it)
        kill(agent)
        agent.start()
        got = wait_status(csms, "Installed", mark, timeout=60)
        assert got[-1] == "Installed"
        assert versions(csms)[-1] == NEW
    finally:
        slow.stop()


def test_https_download_verified_like_the_central_system(csms, make_agent, tmp_path, bundles):
    pki = make_certs(str(tmp_path / "pki"))
    fs = FileServer(ssl_context=server_ssl_context(pki)).start()
    try:
        agent = make_agent(csms, ca_cert="ca.pem", start=False)
        os.makedirs(agent.state, exist_ok=True)
        with open(pki["ca_cert_pem"], "rb") as src, \
                open(os.path.join(agent.state, "ca.pem"), "wb") as dst:
            dst.write(src.read())
        agent.start()
        csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                      timeout=15)
        fs.files["/fw.bin"] = bundles["new"]
        mark = csms.mark()
        update(csms, fs.url("/fw.bin"))
        assert wait_status(csms, "Installed", mark)[-1] == "Installed"
    finally:
        fs.stop()
