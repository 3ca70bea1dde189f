"""The boot + configuration scenario in a heap as small as a board's.

The 64-bit unix port counts about twice a 32-bit board's bytes, and .mpy code lives in the heap
(frozen code would live in flash). The agent runs from the compiled bundle (see conftest.py).
"""
import pytest

CP = "CP_1"


def boot_and_configure(csms, agent):
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    everything = csms.call(CP, "GetConfiguration", {})["configurationKey"]
    assert len(everything) >= 28
    assert csms.call(CP, "ChangeConfiguration",
                     {"key": "MeterValueSampleInterval", "value": "10"})["status"] == "Accepted"
    assert csms.call(CP, "ChangeConfiguration",
                     {"key": "HeartbeatInterval", "value": "x"})["status"] == "Rejected"
    csms.wait_for(CP, "Heartbeat", timeout=10)
    assert "MemoryError" not in agent.log()
    return agent.status()["heap"]


def test_boot_and_configuration_in_192k(csms, make_agent):
    csms.cs.boot_interval = 2
    agent = make_agent(csms, heap="192k")
    heap = boot_and_configure(csms, agent)
    assert heap["live_peak"] < 192 * 1024


@pytest.mark.xfail(strict=True, reason="the whole agent (Core profile + EVSE layer) needs 176k on "
                   "the 64-bit unix port (make bench) since issues 3/4; the foundation alone passed "
                   "in 128k (commit 4b8288a). Open in issue 2.")
def test_boot_and_configuration_in_128k(csms, make_agent):
    csms.cs.boot_interval = 2
    agent = make_agent(csms, heap="128k")
    boot_and_configure(csms, agent)
