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

Cost. On an RP2040 a paced sample costs the interpreter about 60 us (measured on the emulated
chip, make bench section rp2), so the 1.1 ms window of 100 stretched to 6.6 ms and, with the
plateau loops, the control step to 15 ms. A board whose ADC can pace itself passes
``capture`` (the rp2 board: the ADC's own clock and DMA) and the interpreter only waits the
window out; the per-sample passes over the buffer (min/max, the plateau sums) are viper code
compiled at import, plain Python where the port has no viper emitter.

Calibration: two ADC readings, ``adc_p12`` with the pilot at +12 V (PWM off, no EV: state A)
and ``adc_m12`` at -12 V (PWM 0 %: state F); counts map linearly to volts between them.
"""
from array import array
from time import ticks_add, ticks_diff, ticks_us

import micropython
from micropython import const

FREQ_HZ = const(1000)
_WINDOW_SAMPLES = const(100)
_FULL = const(65535)


class PilotFrontEnd:
    """``pwm`` a machine.PWM on the pilot pin; ``read`` fn() -> ADC counts 0..65535 (read_u16).

    ``cal``: dict with ``adc_p12``, ``adc_m12`` (counts at +12 V / -12 V), optional
    ``invert`` (the driver stage inverts: PWM low = +12 V), ``window_us`` (default 1100),
    ``band_v`` (plateau width, default 1.0 V).
    ``capture``: optional fn(buf, n, step_us) -> shift or None: n samples of the same input,
    step_us apart, paced by the hardware, into buf (array "H"); shift 4 when they are the
    ADC's 12-bit values (widened here to read_u16's scale), 0 when already 16-bit; None when
    the capture failed (this window is then sampled by the interpreter).
    """

    def __init__(self, pwm, read, cal, capture=None):
        self._pwm = pwm
        self._read = read
        self._capture = capture
        self._p12 = int(cal["adc_p12"])
        self._m12 = int(cal["adc_m12"])
        if self._p12 == self._m12:
            raise ValueError("pilot_cal: adc_p12 equals adc_m12")
        self._invert = bool(cal.get("invert", False))
        self._step_us = int(cal.get("window_us", 1100)) // _WINDOW_SAMPLES
        self._band = int(abs(self._p12 - self._m12) * float(cal.get("band_v", 1.0)) / 24)
        self._buf = array("H", bytes(2 * _WINDOW_SAMPLES))  # reused: no allocation per read
        self._out = array("i", bytes(16))  # the compiled passes' results
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
        """Fill the buffer with one window of samples; returns (min, max) counts."""
        buf = self._buf
        shift = None
        if self._capture is not None:
            shift = self._capture(buf, _WINDOW_SAMPLES, self._step_us)
        if shift is None:
            shift = 0
            read = self._read
            step = self._step_us
            t = ticks_add(ticks_us(), -step)
            for i in range(_WINDOW_SAMPLES):
                # at least ``step`` after the previous sample, never catching up: after a
                # stall (an interrupt, another RTOS task) the remaining samples still spread
                # over time
                now = ticks_us()
                while ticks_diff(now, t) < step:
                    now = ticks_us()
                t = now
                buf[i] = read()
        out = self._out
        _scan(buf, _WINDOW_SAMPLES, shift, out)
        return out[0], out[1]

    def levels(self):
        """(high_v, low_v) over one window; equal (the mean) when the level is steady."""
        lo, hi = self.sample()
        band = self._band
        if hi - lo <= band and 0 < self.duty < 100:
            # PWM on but one level only: a shorted pilot (E), or a stall of the interpreter
            # that skipped the short high part (100 us at 6 A): look once more
            lo, hi = self.sample()
        buf = self._buf
        out = self._out
        if hi - lo <= band:
            _plateaus(buf, _WINDOW_SAMPLES, hi, hi, _FULL, out)  # every sample
            v = self.volts(out[0] / _WINDOW_SAMPLES)
            return v, v
        # counts rise with volts if p12 > m12 (the usual divider); else the extremes swap
        top, bottom = (hi, lo) if self._p12 > self._m12 else (lo, hi)
        _plateaus(buf, _WINDOW_SAMPLES, top, bottom, band, out)
        return self.volts(out[0] / out[1]), self.volts(out[2] / out[3])


def _scan_py(buf, n, shift, out):
    """Widen n 12-bit samples in place to read_u16's scale (shift 4); out[0:2] = min, max."""
    lo = _FULL
    hi = 0
    for i in range(n):
        c = buf[i]
        if shift:
            c = (c << 4) | (c >> 8)
            buf[i] = c
        if c < lo:
            lo = c
        if c > hi:
            hi = c
    out[0] = lo
    out[1] = hi


def _plateaus_py(buf, n, top, bottom, band, out):
    """out[0:4] = sum and count of the samples within band of top, then of bottom."""
    st = nt = sb = nb = 0
    for i in range(n):
        c = buf[i]
        if abs(c - top) <= band:
            st += c
            nt += 1
        if abs(c - bottom) <= band:
            sb += c
            nb += 1
    out[0] = st
    out[1] = nt
    out[2] = sb
    out[3] = nb


# The same two passes as native code (about 20x faster on the RP2040). Compiled from source,
# as ocpp/core/ws/mask.py does, so that a port without the viper emitter falls back to the
# plain loops instead of failing to import (and viper frozen into flash is not needed).
_VIPER = """
@micropython.viper
def scan(buf: ptr16, n: int, shift: int, out: ptr32):
    lo = 65535
    hi = 0
    i = 0
    while i < n:
        c = buf[i]
        if shift:
            c = (c << 4) | (c >> 8)
            buf[i] = c
        if c < lo:
            lo = c
        if c > hi:
            hi = c
        i += 1
    out[0] = lo
    out[1] = hi

@micropython.viper
def plateaus(buf: ptr16, n: int, top: int, bottom: int, band: int, out: ptr32):
    st = 0
    nt = 0
    sb = 0
    nb = 0
    i = 0
    while i < n:
        c = buf[i]
        d = c - top
        if d < 0:
            d = 0 - d
        if d <= band:
            st += c
            nt += 1
        d = c - bottom
        if d < 0:
            d = 0 - d
        if d <= band:
            sb += c
            nb += 1
        i += 1
    out[0] = st
    out[1] = nt
    out[2] = sb
    out[3] = nb
"""


def _compiled():
    """The viper passes if they compile and agree with the plain ones here, else those."""
    scope = {"micropython": micropython}  # type: dict
    try:
        exec(_VIPER, scope)
        probe = array("H", (4095, 0, 2048, 1000, 4000))
        want = array("H", probe)
        got_out = array("i", bytes(16))
        want_out = array("i", bytes(16))
        scope["scan"](probe, 5, 4, got_out)
        _scan_py(want, 5, 4, want_out)
        scope["plateaus"](probe, 5, 65535, 0, 20000, got_out)
        _plateaus_py(want, 5, 65535, 0, 20000, want_out)
        if probe == want and got_out == want_out:
            return scope["scan"], scope["plateaus"]
    except Exception:  # no viper emitter, or no compiler in this build
        pass
    return _scan_py, _plateaus_py


_scan, _plateaus = _compiled()
