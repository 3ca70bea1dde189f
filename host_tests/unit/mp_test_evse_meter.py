# The energy register and power from the S0 pulse meter (MicroPython).
import board
import control_port
from fake_board import Clock, FakeBoard, MemStore, charging, make, run

from evse import meter
from evse.controller import Evse
from evse.meter import PulseMeter


def _sim(imp, clock, store=None):
    """The unix board with a 22 kW EV (3 x 32 A x 230 V) and an Evse on it, both on ``clock``."""
    bd = board.Board({"sim": {"meter_imp_per_kwh": imp, "phases": 3, "voltage": 230,
                              "ev_max_a": 32}}, log=lambda m: None, now_ms=clock)
    e = Evse(bd, store if store is not None else MemStore(), log=lambda m: None, now_ms=clock)
    return bd, e


async def _start_charging(bd, e, c):
    control_port.execute(bd, "plug")
    e.offer(32)
    e.allow(True)
    control_port.execute(bd, "charge")
    await run(e, c, 600)
    assert bd.relay and abs(bd.power_w() - 22080) < 30  # 32 A as 53.3 %: 31.98 A


async def test_22_kw_bursts_lose_no_pulse():
    for imp in (1000, 10000):
        c = Clock()
        bd, e = _sim(imp, c)
        await _start_charging(bd, e, c)
        # a busy agent: the loop sometimes runs only every 2.5 s, so pulses arrive in bursts
        for i in range(60):
            await run(e, c, 500)
            c.advance(2500)
        control_port.execute(bd, "unplug")
        await run(e, c, 400)
        assert not bd.relay
        secs = (600 + 60 * 3000) / 1000  # time with the contactor closed, about
        want_pulses = int(22080 * secs / 3600 * imp / 1000)  # 1107 or 11076
        assert abs(bd.pulses - want_pulses) <= want_pulses // 200, (imp, bd.pulses, want_pulses)
        assert e.meter.pulses == bd.pulses, (imp, e.meter.pulses, bd.pulses)  # every one counted
        assert e.energy_wh() == bd.pulses * 1000 // imp, (imp, e.energy_wh(), bd.pulses)


async def test_power_from_the_pulse_rate():
    for imp in (1000, 10000):
        c = Clock()
        bd, e = _sim(imp, c)
        await _start_charging(bd, e, c)
        await run(e, c, 3000)
        assert abs(e.power_w() - 22080) <= 22080 // 50, (imp, e.power_w())  # within 2 %
        control_port.execute(bd, "ev_max 16")
        await run(e, c, 3000)
        assert abs(e.power_w() - 11040) <= 11040 // 50, (imp, e.power_w())
        control_port.execute(bd, "pause")  # the EV stops, the contactor opens: 0 at once
        await run(e, c, 300)
        assert not bd.relay and e.power_w() == 0


class _Metered:
    """A PulseMeter on a fake board, clock and store, with the Evse-like accessors tests use."""

    def __init__(self, imp=1000, store=None):
        self.b = FakeBoard(imp=imp)
        self.c = Clock()
        self.store = store if store is not None else MemStore()
        self.meter = PulseMeter(self.b, self.store, self.c(), log=lambda m: None)

    def energy_wh(self):
        return self.meter.wh

    def power_w(self):
        return self.meter.power


def _fake_meter(imp=1000, store=None):
    m = _Metered(imp, store)
    return m, m.b, m.c


async def test_power_falls_then_is_zero_without_pulses():
    e, b, c = _fake_meter(1000)
    t = c()
    for i in range(1, 11):  # 3.6 kW: a pulse every second
        b.add_pulses(1, c(), 1000 if i > 1 else 0)
        e.meter.update(c(), True)
        c.advance(1000)
    e.meter.update(c(), True)
    assert e.power_w() == 3600, e.power_w()
    c.advance(2000)  # 3 s without a pulse: at most one pulse in 3 s
    e.meter.update(c(), True)
    assert 1100 <= e.power_w() <= 1300, e.power_w()
    c.advance(8000)
    e.meter.update(c(), True)
    assert e.power_w() == 0
    # after a pause the first pulse gives the mean over the pause, a second later the new rate
    b.add_pulses(1, c(), 11000)
    e.meter.update(c(), True)
    assert e.power_w() < 400, e.power_w()
    for _ in range(2):
        c.advance(500)
        b.add_pulses(1, c(), 500)
        e.meter.update(c(), True)
    assert e.power_w() == 7200, e.power_w()


async def test_slow_pulses_keep_power_until_three_intervals():
    e, b, c = _fake_meter(1000)
    for i in range(4):  # 300 W: a pulse every 12 s, slower than the 10 s timeout
        b.add_pulses(1, c(), 12000 if i else 0)
        e.meter.update(c(), True)
        c.advance(12000)
    c.advance(-12000)
    e.meter.update(c(), True)
    assert e.power_w() == 300, e.power_w()
    c.advance(11000)
    e.meter.update(c(), True)
    assert e.power_w() == 300
    c.advance(26000)
    e.meter.update(c(), True)
    assert e.power_w() == 0


async def test_register_is_exact_for_odd_meter_constants():
    for imp in (800, 1000, 3200, 10000):
        e, b, c = _fake_meter(imp)
        total = 0
        for n in (1, 7, imp // 3, 1, imp, 13):
            b.add_pulses(n, c(), 10)
            total += n
            e.meter.update(c(), True)
            c.advance(200)
            assert e.energy_wh() == total * 1000 // imp, (imp, total, e.energy_wh())


async def test_register_is_persisted_and_restored_never_backwards():
    store = MemStore()
    e, b, c = _fake_meter(store=store)
    # 3.6 kW for 60 s: 60 Wh in 1 Wh pulses, read every 200 ms
    for i in range(300):
        if i % 5 == 0:
            b.add_pulses(1, c(), 1000)
        c.advance(200)
        e.meter.update(c(), True)
    assert e.energy_wh() == 60
    saved = store.read_json(meter.DOC)["wh"]
    assert 60 - meter.PERSIST_WH < saved <= 60, saved  # a power cut now loses < 10 Wh
    # power cut: a new meter on the same store (the board's counter restarts at 0)
    e2, b2, c2 = _fake_meter(store=store)
    assert e2.energy_wh() == saved
    b2.add_pulses(5, c2(), 1000)
    e2.meter.update(c2(), True)
    assert e2.energy_wh() == saved + 5


async def test_a_stop_saves_the_register():
    store = MemStore()
    e, b, c, _ = await charging(store=store)
    b.add_pulses(3, c(), 1000)
    await run(e, c, 300)
    assert e.energy_wh() == 3
    assert store.read_json(meter.DOC) is None  # 3 Wh: not due yet
    b.ev = "B"  # the EV stops: the contactor opens and the register is saved
    await run(e, c, 50)
    assert not b.closed and store.read_json(meter.DOC)["wh"] == 3
    e2, _, _, _ = make(store=store)
    assert e2.energy_wh() == 3


async def test_low_power_is_saved_every_minute():
    store = MemStore()
    e, b, c = _fake_meter(store=store)
    b.add_pulses(2, c(), 1000)  # 2 Wh, far below PERSIST_WH
    e.meter.update(c(), True)
    c.advance(59000)
    e.meter.update(c(), True)
    before = store.read_json(meter.DOC)
    assert before is None or before["wh"] < 2
    c.advance(2000)
    e.meter.update(c(), True)
    assert store.read_json(meter.DOC)["wh"] == 2
    writes = store.writes
    c.advance(10 * 60000)  # nothing changes: nothing is written
    e.meter.update(c(), True)
    assert store.writes == writes


async def test_board_counter_restart_does_not_go_backwards():
    e, b, c = _fake_meter()
    b.add_pulses(50, c(), 100)
    e.meter.update(c(), True)
    assert e.energy_wh() == 50
    b.count = 3  # the board's counter restarted (3 new pulses since)
    e.meter.update(c(), True)
    assert e.energy_wh() == 50
    b.add_pulses(2, c(), 100)
    e.meter.update(c(), True)
    assert e.energy_wh() == 52


async def test_a_new_meter_constant_keeps_the_wh_but_drops_the_fraction():
    store = MemStore()
    store.write_json(meter.DOC, {"wh": 1234, "rem": 700, "imp": 800})
    e, _, _ = _fake_meter(imp=1000, store=store)
    assert e.energy_wh() == 1234 and e.meter.rem == 0
    store.write_json(meter.DOC, {"wh": 1234, "rem": 700, "imp": 1000})
    e, _, _ = _fake_meter(imp=1000, store=store)
    assert e.energy_wh() == 1234 and e.meter.rem == 700


async def test_the_controller_reads_the_meter_while_charging():
    c = Clock()
    store = MemStore()
    bd, e = _sim(1000, c, store)
    await _start_charging(bd, e, c)
    await run(e, c, 10000)  # 22.08 kW for 10 s = 61 Wh
    assert 55 <= e.energy_wh() <= 65, e.energy_wh()
    assert store.read_json(meter.DOC)["wh"] >= e.energy_wh() - meter.PERSIST_WH
    assert e.power_w() > 20000


async def test_register_and_fault_counters_on_the_real_store_across_a_new_evse():
    import os
    from binascii import hexlify

    from store import Store

    root = "/tmp/mp_evse_" + hexlify(os.urandom(6)).decode()
    try:
        c = Clock()
        bd, e = _sim(10000, c, Store(root, log=lambda m: None))
        await _start_charging(bd, e, c)
        await run(e, c, 5000)  # 22 kW for 5 s: about 30 Wh
        control_port.execute(bd, "fault rcd")
        await run(e, c, 20)
        assert not bd.relay and e.faults == ["rcd"]
        wh = e.energy_wh()
        assert wh >= 25, wh
        # reboot: new board (pulse counter from 0), new Evse, same flash
        c2 = Clock()
        bd2, e2 = _sim(10000, c2, Store(root, log=lambda m: None))
        assert e2.energy_wh() == wh  # saved at the stop: nothing lost
        assert e2.fault_counts == {"rcd": 1}
        await _start_charging(bd2, e2, c2)
        await run(e2, c2, 2000)
        assert e2.energy_wh() > wh
    finally:
        for name in os.listdir(root):
            os.remove(root + "/" + name)
        os.rmdir(root)
