"""Control-pilot front end: the 1 kHz PWM out, the pilot voltage in through the ADC.

    PWM pin -> op-amp comparator on +-12 V -> 1k --+-- CP (to the EV: diode + resistor)
                                                   |
                         3.3 V -- R2 --+-- R1 -----+     divider: CP -12..+12 V
                                       +-- R3 -- GND              -> ADC 0.3..2.4 V
                                       +-- ADC pin
    (docs/hardware.md has the values and the ADC counts per state)

Sampling. The EV pulls the *high* part of the wave down (A 12, B 9, C 6, D 3 V); the *low*
part shows the EV's diode (about -12 V). MicroPython cannot start an ADC conversion a few us
after a PWM edge (an esp32 pin IRQ is scheduled, hundreds of us late), so levels() reads
_WINDOW_SAMPLES samples at least window_us / _WINDOW_SAMPLES apart, so they span a little more
than one PWM period (OpenEVSE's min/max window, made time-based so a fast ADC cannot finish
before the period is covered, and paced from the previous sample so a stall in the middle
cannot bunch the rest into one instant).
Each level is the mean of the samples within ``band`` counts of the extreme: that averages
the plateau and drops the samples caught on an edge. With no PWM both levels are the mean;
with PWM on and only one level seen, the window is taken once more before believing it.

Calibration: two ADC readings, ``adc_p12`` with the pilot at +12 V (PWM off, no EV: state A)
and ``adc_m12`` at -12 V (PWM 0 %: state F); counts map linearly to volts between them.
"""
from array import array
from time import ticks_add, ticks_diff, ticks_us

from micropython import const

FREQ_HZ = const(1000)
_WINDOW_SAMPLES = const(100)
_FULL = const(65535)


class PilotFrontEnd:
    """``pwm`` a machine.PWM on the pilot pin; ``read`` fn() -> ADC counts 0..65535 (read_u16).

    ``cal``: dict with ``adc_p12``, ``adc_m12`` (counts at +12 V / -12 V), optional
    ``invert`` (the driver stage inverts: PWM low = +12 V), ``window_us`` (default 1100),
    ``band_v`` (plateau width, default 1.0 V).
    """

    def __init__(self, pwm, read, cal):
        self._pwm = pwm
        self._read = read
        self._p12 = int(cal["adc_p12"])
        self._m12 = int(cal["adc_m12"])
        if self._p12 == self._m12:
            raise ValueError("pilot_cal: adc_p12 equals adc_m12")
        self._invert = bool(cal.get("invert", False))
        self._step_us = int(cal.get("window_us", 1100)) // _WINDOW_SAMPLES
        self._band = abs(self._p12 - self._m12) * float(cal.get("band_v", 1.0)) / 24
        self._buf = array("H", bytes(2 * _WINDOW_SAMPLES))  # reused: no allocation per read
        self.duty = 100
        self.set_pwm(100)

    def set_pwm(self, duty_percent):
        """Pilot duty in percent: 100 = steady +12 V, 0 = steady -12 V (state F)."""
        d = 0 if duty_percent <= 0 else _FULL if duty_percent >= 100 else int(
            duty_percent * _FULL / 100 + 0.5)
        self.duty = duty_percent
        self._pwm.duty_u16(_FULL - d if self._invert else d)

    def volts(self, counts):
        """ADC counts -> pilot volts through the two-point calibration."""
        return -12 + (counts - self._m12) * 24 / (self._p12 - self._m12)

    def sample(self):
        """Fill the buffer with one window of paced samples; returns (min, max) counts."""
        buf = self._buf
        read = self._read
        step = self._step_us
        t = ticks_add(ticks_us(), -step)
        lo = _FULL
        hi = 0
        for i in range(_WINDOW_SAMPLES):
            # at least ``step`` after the previous sample, never catching up: after a stall
            # (an interrupt, another RTOS task) the remaining samples still spread over time
            while ticks_diff(ticks_us(), t) < step:
                pass
            t = ticks_us()
            c = read()
            buf[i] = c
            if c < lo:
                lo = c
            if c > hi:
                hi = c
        return lo, hi

    def levels(self):
        """(high_v, low_v) over one window; equal (the mean) when the level is steady."""
        lo, hi = self.sample()
        band = self._band
        if hi - lo <= band and 0 < self.duty < 100:
            # PWM on but one level only: a shorted pilot (E), or a stall of the interpreter
            # that skipped the short high part (100 us at 6 A): look once more
            lo, hi = self.sample()
        buf = self._buf
        if hi - lo <= band:
            total = 0
            for c in buf:
                total += c
            v = self.volts(total / _WINDOW_SAMPLES)
            return v, v
        # counts rise with volts if p12 > m12 (the usual divider); else the extremes swap
        top, bottom = (hi, lo) if self._p12 > self._m12 else (lo, hi)
        return self.volts(_plateau(buf, top, band)), self.volts(_plateau(buf, bottom, band))


def _plateau(buf, extreme, band):
    """Mean of the samples within ``band`` counts of ``extreme``."""
    total = 0
    n = 0
    for c in buf:
        if abs(c - extreme) <= band:
            total += c
            n += 1
    return total / n
