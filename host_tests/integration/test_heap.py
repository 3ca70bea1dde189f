"""The boot + configuration scenario in a heap as small as a board's: MICROPY_HEAP=130k.

The 64-bit unix port counts about twice a 32-bit board's bytes, and .mpy code lives in the heap
(frozen code would live in flash). The agent runs from the compiled bundle (see conftest.py),
linked into the state directory as a board keeps it in its flash root (tools/unix-agent).

The agent fits with a KB or two to spare (make bench finds the smallest heap: 129k; at 128k
GetConfiguration's answer finds no room in about one run of twenty, too often for CI), so this
test fails as soon as the agent grows by that much: a change that needs more heap must give
some back. The module cache (ocpp/core/cache.py) keeps a quarter of the heap free here, so every
module loaded for a moment goes when it is done, as on a board.
"""

# The resident agent after start-up (bytes, this 64-bit port, from .mpy): about 102.4 KB now.
# More is a decision, not an accident: raise it with the figures in the commit.
RESIDENT_BUDGET = 104 * 1024

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


def test_boot_and_configuration_in_130k(csms, make_agent):
    csms.cs.boot_interval = 2
    agent = make_agent(csms, heap="130k")
    heap = boot_and_configure(csms, agent)
    assert heap["after_imports"] <= RESIDENT_BUDGET, heap
