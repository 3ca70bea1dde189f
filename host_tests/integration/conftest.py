"""Fixtures: a validating central system (tools/csms on the `ocpp` package) and agents on
the MicroPython unix port (tools/unix-agent), both on loopback."""
import os
import subprocess
import sys

import pytest

from agent import ROOT, Agent

sys.path.insert(0, os.path.join(ROOT, "tools"))
from csms import CentralSystemThread  # noqa: E402

# The heap a board has is small; every integration test runs the agent in a heap of this size
# unless it says otherwise, so memory growth fails here rather than on a board.
DEFAULT_HEAP = os.environ.get("TEST_MICROPY_HEAP", "192k")


@pytest.fixture(scope="session", autouse=True)
def agent_bundle(tmp_path_factory):
    """The agent runs from the compiled unix bundle (make bundle BOARD=unix): what is deployed
    is what is tested, and a heap as small as a board's holds it. TEST_AGENT_SOURCE=1 runs the
    .py sources instead."""
    if os.environ.get("TEST_AGENT_SOURCE"):
        os.environ["AGENT_SOURCE"] = "1"
        yield None
        return
    # A bundle of this session's own: build tests remake build/unix, other runs their own.
    out = str(tmp_path_factory.mktemp("bundle"))
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bundle.py"), "unix", "--out", out],
                   check=True, stdout=subprocess.DEVNULL)
    old = os.environ.get("AGENT_MODULES")
    os.environ["AGENT_MODULES"] = out
    yield out
    if old is None:
        os.environ.pop("AGENT_MODULES", None)
    else:
        os.environ["AGENT_MODULES"] = old


@pytest.fixture
def csms():
    cs = CentralSystemThread(boot_interval=300).start()
    yield cs
    cs.stop()
    assert cs.violations == [], "schema violations by the charge point: %r" % cs.violations


# What an agent's log may never hold: a crash (a Traceback) or a restart the launcher made
# because the agent died (a Reset's restart says "reset: restarting" instead).
CRASH_SIGNS = ("Traceback (most recent call last)", "unix-agent: agent exited with status",
               "Task exception wasn't retrieved")


@pytest.fixture
def make_agent(tmp_path):
    """make_agent(csms, **config) -> a started Agent; stopped (SIGTERM) after the test. The
    test fails if an agent crashed (CRASH_SIGNS in its log) unless it set agent.crash_ok."""
    agents = []

    def make(cs=None, heap=DEFAULT_HEAP, start=True, name="agent", **config):
        cfg = {"charge_point_id": "CP_1", "vendor": "TestVendor", "model": "TestModel",
               "serial_number": "SN-0001"}
        if cs is not None:
            cfg["csms_url"] = "ws://127.0.0.1:%d/ocpp" % cs.port
        cfg.update(config)
        a = Agent(tmp_path / name, cfg, heap=heap)
        agents.append(a)
        return a.start() if start else a

    yield make
    for a in agents:
        a.stop()
    for a in agents:
        if getattr(a, "crash_ok", False):
            continue
        log = a.log()
        for sign in CRASH_SIGNS:
            if sign in log:
                i = log.index(sign)
                pytest.fail("the agent crashed (%r in its log):\n%s"
                            % (sign, log[max(0, i - 1500):i + 1500]), pytrace=False)


@pytest.fixture
def files():
    """A file server of the tests' own (host_tests/fileserver.py), http on 127.0.0.1."""
    from fileserver import FileServer

    fs = FileServer().start()
    yield fs
    fs.stop()
