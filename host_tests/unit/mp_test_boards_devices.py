# GPIO devices (boards/common/io_devices.py) on the simulated machine: contactor feedback,
# RCD latch and self-test, cable lock, status LED on a timer, NTC, phase selector.
import sys

_UNIT = [p for p in sys.path if p.endswith("host_tests/unit")][0]
sys.path.insert(0, _UNIT + "/fake_machine")
sys.path.insert(0, _UNIT[:-len("host_tests/unit")] + "boards/common")

import time

import machine
from io_devices import PATTERNS, CableLock, Contactor, Ntc, PhaseSelector, Rcd, StatusLed

Pin = machine.Pin


def out(n):
    return Pin(n, Pin.OUT, value=0)


def inp(n, level=0):
    p = Pin(n, Pin.IN)
    machine.drive(n, level)
    return p


def test_contactor_mirror_contact_feedback():
    machine.reset_world()
    c = Contactor(out(1), inp(2), fb_active=1)
    machine.pin(1).listeners.append(lambda v: machine.drive(2, v))
    assert c.feedback() is False
    c.set(True)
    assert machine.pin(1).level() == 1 and c.feedback() is True
    c.set(False)
    assert c.feedback() is False
    assert Contactor(out(3)).feedback() is None  # no feedback input fitted


def test_contactor_ac_sense_feedback_needs_recent_mains_edges():
    machine.reset_world()
    c = Contactor(out(1), inp(2, 1), fb_mode="ac")
    assert c.feedback() is False  # steady level: no mains on the load side
    for level in (0, 1, 0):  # the opto pulses at 50 Hz while the contacts conduct
        machine.drive(2, level)
        time.sleep_ms(10)
    assert c.feedback() is True
    time.sleep_ms(60)
    assert c.feedback() is False


def test_rcd_trip_opens_the_contactor_in_the_interrupt_and_stays_latched():
    machine.reset_world()
    c = Contactor(out(1))
    rcd = Rcd(inp(5), active=1, on_trip=c.force_open, hard=True)
    c.set(True)
    machine.drive(5, 1)  # the monitor trips
    assert machine.pin(1).level() == 0  # opened by the IRQ, before anyone polled
    machine.drive(5, 0)
    assert rcd.is_tripped()  # latched after the input went back
    rcd.reset()
    assert not rcd.is_tripped()


def test_rcd_reset_does_not_clear_while_the_input_is_active():
    machine.reset_world()
    rcd = Rcd(inp(5, 1), active=0)  # active-low module output, idle high
    assert not rcd.is_tripped()
    machine.drive(5, 0)
    rcd.reset()
    assert rcd.is_tripped()


async def test_rcd_self_test_passes_on_a_healthy_module_and_fails_on_a_dead_one():
    machine.reset_world()
    test_pin = out(6)
    rcd = Rcd(inp(5), test=test_pin)
    healthy = [True]
    machine.pin(6).listeners.append(lambda v: machine.drive(5, v) if healthy[0] else None)
    assert await rcd.self_test() is True
    assert not rcd.is_tripped() and machine.pin(6).level() == 0
    healthy[0] = False
    assert await rcd.self_test() is False
    assert await Rcd(inp(7)).self_test() is None


def test_cable_lock_with_end_switch():
    machine.reset_world()
    jam = [False]
    a, b, fb = out(10), out(11), inp(12, 0)
    machine.pin(10).listeners.append(lambda v: machine.drive(12, 1) if v and not jam[0] else None)
    machine.pin(11).listeners.append(lambda v: machine.drive(12, 0) if v and not jam[0] else None)
    lock = CableLock(a, b, fb, pulse_ms=20)
    assert lock.lock(True) is True and lock.is_locked()
    assert machine.pin(10).level() == 0 and machine.pin(11).level() == 0  # motor off after
    n = len(machine.pin(10).history)
    assert lock.lock(True) is True and len(machine.pin(10).history) == n  # already locked
    jam[0] = True
    assert lock.lock(False) is False  # driven, but the end switch still says locked


def test_cable_lock_without_feedback_trusts_the_pulse():
    machine.reset_world()
    lock = CableLock(out(10), out(11), pulse_ms=10)
    assert lock.is_locked() is None
    assert lock.lock(True) is True and lock.is_locked() is True
    assert machine.pin(10).history[-2:] == [1, 0]


def test_led_patterns_on_the_timer():
    machine.reset_world()
    led = StatusLed(out(2), machine.Timer(0))
    for name, mask in PATTERNS.items():
        led.show(name)
        p = machine.pin(2)
        start = len(p.history)
        machine.run_timers(2000)  # one full 2 s pattern
        levels = p.history[start:]
        assert len(levels) == 20
        assert sum(levels) == sum((mask >> i) & 1 for i in range(20)), name
    led.show("no-such-state")
    assert led.pattern == "fault"


def test_led_active_low():
    machine.reset_world()
    led = StatusLed(out(2), machine.Timer(0), active=0)
    led.show("available")
    machine.run_timers(300)
    assert machine.pin(2).history[-3:] == [0, 0, 0]


def test_ntc_temperature_and_a_broken_sensor():
    machine.reset_world()
    reading = [32768]
    ntc = Ntc(lambda: reading[0], r_fixed=10000, r25=10000, beta=3950)
    assert abs(ntc.celsius() - 25) < 0.1
    r70 = 10000 * 2.718281828 ** (3950 * (1 / 343.15 - 1 / 298.15))  # beta model at 70 C
    reading[0] = int(65535 * r70 / (r70 + 10000))
    assert abs(ntc.celsius() - 70) < 0.5
    reading[0] = 65535  # open circuit
    assert ntc.celsius() is None
    reading[0] = 0  # short
    assert ntc.celsius() is None


def test_phase_selector_relays():
    machine.reset_world()
    sel = PhaseSelector(out(20), out(21))
    for phase, a, b in ((1, 0, 0), (2, 1, 0), (3, 0, 1)):
        sel.select(phase)
        assert (machine.pin(20).level(), machine.pin(21).level()) == (a, b)
    try:
        sel.select(4)
    except ValueError:
        pass
    else:
        raise AssertionError("phase 4 accepted")
