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


def test_boot_and_configuration_in_160k(csms, make_agent):
    # make bench: the smallest heap for this scenario is 144k (it was 176k): 160k leaves room
    # for the layout differences timing brings, and fails if the agent grows by a few KB.
    csms.cs.boot_interval = 2
    agent = make_agent(csms, heap="160k")
    heap = boot_and_configure(csms, agent)
    assert heap["live_peak"] < 160 * 1024


@pytest.mark.xfail(strict=True, reason="the whole agent needs 144k on the 64-bit unix port "
                   "(make bench; 176k before the heap work of session 2): a connected idle agent "
                   "holds ~112 KB live, and a 128 KB heap of 32-byte blocks is then too "
                   "fragmented for a validation table. Open in issue 2.")
def test_boot_and_configuration_in_128k(csms, make_agent):
    csms.cs.boot_interval = 2
    agent = make_agent(csms, heap="128k")
    boot_and_configure(csms, agent)
