# The control pilot: level classification, diode check, duty <-> current, debouncing (MicroPython).
import time

from evse import pilot


def test_levels_classify_to_states():
    for high, want in ((12, "A"), (11.2, "A"), (10.6, "A"), (10.4, "B"), (9, "B"), (7.6, "B"),
                       (7.4, "C"), (6, "C"), (4.6, "C"), (4.4, "D"), (3, "D"), (1.6, "D"),
                       (1.4, "E"), (0, "E"), (-9, "E"), (-10.5, "F"), (-12, "F")):
        assert pilot.classify(high) == want, (high, pilot.classify(high), want)


def test_diode_check_wants_minus_12_volts():
    assert pilot.diode_ok(-12) and pilot.diode_ok(-11)
    for low in (-9, 0, 6, 9):  # diode missing: the low level follows the high one or floats
        assert not pilot.diode_ok(low), low


def test_duty_from_current():
    for amps, duty in ((6, 10.0), (10, 16.7), (16, 26.7), (32, 53.3), (51, 85.0), (60, 88.0),
                       (80, 96.0), (100, 96.0)):
        assert pilot.duty_for(amps) == duty, (amps, pilot.duty_for(amps), duty)
    for amps in (0, 3, 5.9, -1):
        assert pilot.duty_for(amps) == pilot.PWM_OFF  # steady +12 V, never less than 6 A offered


def test_current_from_duty_inverts_the_formula():
    for amps in range(6, 81):
        back = pilot.amps_for(pilot.duty_for(amps))
        if 51 < amps <= 52.5:
            # the two IEC formulas overlap there (51 A / 2.5 + 64 = 84.4 % < 85 %): the EV reads
            # the duty with the lower formula, so it gets a little less, never more
            assert amps - 1.2 <= back <= amps, (amps, back)
        else:
            assert abs(back - amps) <= 0.1, (amps, back)
    for duty in (100, 0, 5):
        assert pilot.amps_for(duty) == 0


def _feed_for(d, raw, t0, ms, step=10):
    """Feed ``raw`` every step ms from t0 for ms; returns the ms offset where the state changed."""
    for off in range(0, ms + 1, step):
        if d.feed(raw, time.ticks_add(t0, off)):
            return off
    return None


def test_debounce_hold_times_per_transition():
    t = time.ticks_add(0, -100)  # across the ticks wrap
    d = pilot.Debouncer("A", t)
    assert _feed_for(d, "B", t, 400) == 250 and d.state == "B"  # most changes: 250 ms
    t = time.ticks_add(t, 1000)
    assert _feed_for(d, "C", t, 400) == 250 and d.state == "C"
    t = time.ticks_add(t, 1000)
    assert _feed_for(d, "B", t, 400) == 20 and d.state == "B"  # out of C: fast
    t = time.ticks_add(t, 1000)
    assert _feed_for(d, "A", t, 400) == 30 and d.state == "A"  # towards A: 25 ms -> 3rd sample
    t = time.ticks_add(t, 1000)
    d.feed("B", t)
    assert _feed_for(d, "B", t, 400) == 250
    t = time.ticks_add(t, 1000)
    assert _feed_for(d, "C", t, 400) == 250
    t = time.ticks_add(t, 1000)
    assert _feed_for(d, "E", t, 100) == 20 and d.state == "E"  # any exit from C is fast


def test_debounce_rejects_a_glitch():
    t = 5000
    d = pilot.Debouncer("C", t)
    for i in range(1, 50):
        raw = "B" if i % 2 else "C"  # one odd sample in two: never 20 ms of B in a row
        assert not d.feed(raw, t + 10 * i)
    assert d.state == "C"
    d = pilot.Debouncer("B", t)
    for i in range(1, 60):
        raw = "C" if i % 20 else "B"  # 190 ms of C, then one sample of B: starts over
        d.feed(raw, t + 10 * i)
    assert d.state == "B"
