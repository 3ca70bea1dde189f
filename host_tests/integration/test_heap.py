"""The boot + configuration scenario in a heap as small as a board's.

The 64-bit unix port counts about twice a 32-bit board's bytes, and .mpy code lives in the heap
(frozen code would live in flash). The agent runs from the compiled bundle (see conftest.py).

Issue 2 asks for this scenario in 128k. The whole agent is at the edge of it: `make bench` finds
it passing in 128k in some runs and failing in others, by where the heap happens to be cut up
(a connected idle agent holds ~112 KB). A test there would pass or fail by chance, so none runs
at 128k; make bench reports the figure, and this test holds the line at 160k.
"""

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
