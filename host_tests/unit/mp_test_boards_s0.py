# S0 pulse counting (boards/common/s0meter.py, boards/esp32_devkitc/pcnt_meter.py) on the
# simulated machine. A second thread plays the meter and delivers real-time pulse bursts at
# the rate of 22 kW, like the hardware would; hard IRQs run in that thread (they preempt the
# program), soft IRQs are scheduled into the main thread (the esp32 way), PCNT counts in the
# simulated hardware. Meanwhile the main thread keeps reading, as the firmware does.
import sys

_UNIT = [p for p in sys.path if p.endswith("host_tests/unit")][0]
_ROOT = _UNIT[:-len("host_tests/unit")]
sys.path.insert(0, _UNIT + "/fake_machine")
sys.path.insert(0, _ROOT + "boards/common")
sys.path.insert(0, _ROOT + "boards/esp32_devkitc")

import time
import _thread

import machine
from pcnt_meter import PcntS0Counter
from s0meter import S0Counter, debounce_for

PIN = 13
KW = 22


def interval_ms(imp_per_kwh):
    return 3600000 / (imp_per_kwh * KW)  # 16.4 ms at 10000 imp/kWh, 164 ms at 1000


def burst(n, imp_per_kwh, bounce=False):
    """Send n pulses at 22 kW from another thread; returns a list that holds True when done."""
    done = []
    period_us = int(interval_ms(imp_per_kwh) * 1000)
    width_us = min(30000, period_us // 3)

    def meter():
        t0 = time.ticks_us()
        last = time.ticks_add(t0, -period_us)
        for i in range(n):
            # on schedule, and never closer than 0.9 period to the previous pulse even if this
            # thread was held up: a meter's pulses are spaced by its energy rate
            while (time.ticks_diff(time.ticks_us(), t0) < i * period_us
                   or time.ticks_diff(time.ticks_us(), last) < period_us * 9 // 10):
                time.sleep_us(200)
            last = time.ticks_us()
            machine.drive(PIN, 0)  # pulse start: falling edge
            if bounce:  # contact chatter right after the edge
                time.sleep_us(300)
                machine.drive(PIN, 1)
                time.sleep_us(300)
                machine.drive(PIN, 0)
            time.sleep_us(width_us)
            machine.drive(PIN, 1)
        done.append(True)

    _thread.start_new_thread(meter, ())
    return done


def read_while(done, counter):
    """The main program: keeps reading like the control loop; counts must never go back."""
    last = 0
    reads = 0
    while not done:
        c = counter.pulses()[0]
        assert c >= last
        last = c
        reads += 1
        time.sleep_ms(1)  # scheduled (soft) IRQ handlers run here
    time.sleep_ms(20)
    return reads


def setup():
    machine.reset_world()
    pin = machine.Pin(PIN, machine.Pin.IN, machine.Pin.PULL_UP)
    machine.drive(PIN, 1)
    return pin


def run(imp_per_kwh, n, make, bounce=False):
    pin = setup()
    counter = make(pin, debounce_for(imp_per_kwh, KW * 1000))
    done = burst(n, imp_per_kwh, bounce)
    assert read_while(done, counter) > 0
    count, last_ms, dt = counter.pulses()
    assert count == n, "%d pulses sent, %d counted" % (n, count)
    # power from the interval: 22 kW within 20 %
    p_kw = 3600000 / dt / imp_per_kwh
    assert 0.8 * KW < p_kw < 1.2 * KW, (dt, p_kw)
    assert 0 <= time.ticks_diff(time.ticks_ms(), last_ms) < 1000
    return counter


def hard(pin, debounce):
    return S0Counter(pin, debounce, hard=True)


def soft(pin, debounce):
    return S0Counter(pin, debounce, hard=False)


def pcnt(pin, debounce):
    return PcntS0Counter(pin)


def test_debounce_is_half_the_interval_at_full_power_and_at_most_20_ms():
    assert debounce_for(10000, 22000) == 8
    assert debounce_for(1000, 22000) == 20
    assert debounce_for(1000, 7400) == 20
    assert debounce_for(100000, 22000) == 1


def test_hard_irq_10000_imp_per_kwh_loses_no_pulse():
    run(10000, 100, hard)


def test_hard_irq_1000_imp_per_kwh_loses_no_pulse():
    run(1000, 10, hard)


def test_soft_irq_10000_imp_per_kwh_loses_no_pulse():
    run(10000, 100, soft)


def test_soft_irq_1000_imp_per_kwh_loses_no_pulse():
    run(1000, 10, soft)


def test_pcnt_10000_imp_per_kwh_loses_no_pulse():
    run(10000, 100, pcnt)


def test_pcnt_1000_imp_per_kwh_loses_no_pulse():
    run(1000, 10, pcnt)


def test_bounces_inside_the_debounce_window_are_not_counted():
    c = run(10000, 60, hard, bounce=True)
    assert c.rejected == 60


def test_without_debounce_bounces_would_count():
    # the same chatter with no debounce counts twice per pulse: the bench can tell
    pin = setup()
    c = S0Counter(pin, 0, hard=True)
    done = burst(20, 10000, bounce=True)
    read_while(done, c)
    assert c.pulses()[0] == 40


def test_no_pulse_yet_reads_zero_count_and_interval():
    pin = setup()
    c = S0Counter(pin, 20, hard=True)
    assert c.pulses()[0] == 0 and c.pulses()[2] == 0
    machine.drive(PIN, 0)
    machine.drive(PIN, 1)
    assert c.pulses()[0] == 1 and c.pulses()[2] == 0  # one pulse: no interval yet
