"""The boot + configuration scenario in a heap as small as a board's (issue: MICROPY_HEAP=128k;
the 64-bit unix port counts about twice a 32-bit board's bytes)."""
CP = "CP_1"


def test_boot_and_configuration_in_128k(csms, make_agent):
    csms.cs.boot_interval = 2
    agent = make_agent(csms, heap="128k")
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    everything = csms.call(CP, "GetConfiguration", {})["configurationKey"]
    assert len(everything) >= 28
    assert csms.call(CP, "ChangeConfiguration",
                     {"key": "MeterValueSampleInterval", "value": "10"})["status"] == "Accepted"
    assert csms.call(CP, "ChangeConfiguration",
                     {"key": "HeartbeatInterval", "value": "x"})["status"] == "Rejected"
    csms.wait_for(CP, "Heartbeat", timeout=10)
    heap = agent.status()["heap"]
    assert heap["live_peak"] < 128 * 1024
    assert "MemoryError" not in agent.log()
