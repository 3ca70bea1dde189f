"""Fixtures: a validating central system (tools/csms.py on the `ocpp` package) and agents on
the MicroPython unix port (tools/unix-agent), both on loopback."""
import os
import sys

import pytest

from agent import ROOT, Agent

sys.path.insert(0, os.path.join(ROOT, "tools"))
from csms import CentralSystemThread  # noqa: E402

# The heap a board has is small; every integration test runs the agent in a heap of this size
# unless it says otherwise, so memory growth fails here rather than on a board.
DEFAULT_HEAP = os.environ.get("TEST_MICROPY_HEAP", "256k")


@pytest.fixture
def csms():
    cs = CentralSystemThread(boot_interval=300).start()
    yield cs
    cs.stop()
    assert cs.violations == [], "schema violations by the charge point: %r" % cs.violations


@pytest.fixture
def make_agent(tmp_path):
    """make_agent(csms, **config) -> a started Agent; stopped (SIGTERM) after the test."""
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
