# ocpp/model/security.py under MicroPython: every event in the security log on flash, only the
# critical ones queued for the central system, none queued stand-alone.
from mp_tmp import fresh_dir, rmtree
from ocpp.core.clock import Clock
from store import Store


class FakeQueue:
    def __init__(self):
        self.pushed = []

    def push(self, action, payload, ref=None):
        self.pushed.append((action, payload))


class FakeCp:
    def __init__(self, d, url="ws://cs/ocpp"):
        self.store = Store(d + "/")
        self.clock = Clock()
        self.url = url
        self.txq = FakeQueue()
        self.logs = []
        self.log = self.logs.append
        self.event_times = {}


def test_events_are_logged_and_the_critical_ones_queued():
    from ocpp.model import security

    d = fresh_dir("mp_sec")
    try:
        cp = FakeCp(d)
        security.event(cp, "StartupOfTheDevice")
        security.event(cp, "ReconfigurationOfSecurityParameters", "SecurityProfile 2")
        security.event(cp, "ResetOrReboot", "x" * 300)
        with open(d + "/" + security.NAME) as f:
            lines = f.read().splitlines()
        assert [l.split(" ", 2)[1] for l in lines] == [
            "StartupOfTheDevice", "ReconfigurationOfSecurityParameters", "ResetOrReboot"]
        assert lines[1].endswith(" SecurityProfile 2")
        assert [p["type"] for a, p in cp.txq.pushed] == ["StartupOfTheDevice", "ResetOrReboot"]
        assert all(a == "SecurityEventNotification" for a, p in cp.txq.pushed)
        assert len(cp.txq.pushed[1][1]["techInfo"]) == 255 and "techInfo" not in cp.txq.pushed[0][1]
        alone = FakeCp(d, url=None)  # stand-alone: logged, never queued
        security.event(alone, "StartupOfTheDevice")
        assert alone.txq.pushed == []
    finally:
        rmtree(d)


def test_memory_exhaustion_is_kept_once_a_minute():
    from ocpp.model import security

    d = fresh_dir("mp_sec_mem")
    try:
        cp = FakeCp(d)
        security.event(cp, "MemoryExhaustion", "GetConfiguration")
        security.event(cp, "MemoryExhaustion", "GetConfiguration")
        assert [p["type"] for a, p in cp.txq.pushed] == ["MemoryExhaustion"]
        cp.clock.offset += 61
        security.event(cp, "MemoryExhaustion", "Reset")
        assert [p["techInfo"] for a, p in cp.txq.pushed] == ["GetConfiguration", "Reset"]
        security.event(cp, "SettingSystemTime", "moved by 3600 s")
        security.event(cp, "SettingSystemTime", "moved by -3600 s")
        assert len(cp.txq.pushed) == 4  # only MemoryExhaustion is limited
    finally:
        rmtree(d)
