"""Small GPIO devices of a charger: contactor, RCD monitor, cable lock, status LED, NTC, phase
selector. Each takes machine objects built by the board (pins from the board's pin map).
"""
import asyncio
import math
from time import sleep_ms, ticks_add, ticks_diff, ticks_ms

import machine
from micropython import const

_AC_SENSE_MS = const(40)  # an AC-sense opto pulses every 20 ms (50 Hz) while there is voltage


class Contactor:
    """Relay driver output (``out`` high = closed) and an optional feedback input.

    ``fb_mode`` "contact": an auxiliary (mirror) contact, ``fb_active`` is the level that means
    closed. "ac": an opto-coupler on the load side that pulses at mains frequency while the
    contacts conduct; closed = an edge within the last 40 ms (counted in a pin IRQ).
    """

    def __init__(self, out, feedback=None, fb_active=1, fb_mode="contact"):
        self._out = out
        out.value(0)
        self.closed = False
        self._fb = feedback
        self._fb_active = fb_active
        self._ac = fb_mode == "ac"
        self._ac_ms = ticks_add(ticks_ms(), -1000)
        if feedback is not None and self._ac:
            self._on_ac = self._ac_edge
            feedback.irq(handler=self._on_ac,
                         trigger=machine.Pin.IRQ_FALLING | machine.Pin.IRQ_RISING)

    def _ac_edge(self, pin):
        self._ac_ms = ticks_ms()

    def set(self, closed):
        self.closed = bool(closed)
        self._out.value(1 if closed else 0)

    def force_open(self):
        """Open now; safe to call from an interrupt handler (allocates nothing)."""
        self.closed = False
        self._out.value(0)

    def feedback(self):
        """True if the contacts are closed, False if open, None without a feedback input."""
        if self._fb is None:
            return None
        if self._ac:
            return ticks_diff(ticks_ms(), self._ac_ms) < _AC_SENSE_MS
        return self._fb.value() == self._fb_active


class Rcd:
    """Residual-current monitor (e.g. a 6 mA DC RCM module): trip input latched in an IRQ.

    The IRQ handler also calls ``on_trip`` (the contactor's force_open), so the contactor
    opens within the interrupt latency, before the firmware's next control step. The latch
    holds until reset(), which only clears it once the input is no longer active.
    ``test`` is the output that drives the module's test winding (None: no self-test).
    """

    def __init__(self, pin, active=1, test=None, on_trip=None, hard=False):
        self._pin = pin
        self._active = active
        self._test = test
        if test is not None:
            test.value(0)
        self._on_trip = on_trip
        self.tripped = pin.value() == active
        self._handler = self._trip
        pin.irq(handler=self._handler, hard=hard,
                trigger=machine.Pin.IRQ_RISING if active else machine.Pin.IRQ_FALLING)

    def _trip(self, pin):
        self.tripped = True
        if self._on_trip is not None:
            self._on_trip()

    def is_tripped(self):
        if self._pin.value() == self._active:  # a level that is still there counts too
            self._trip(self._pin)
        return self.tripped

    def reset(self):
        self.tripped = self._pin.value() == self._active

    @property
    def can_self_test(self):
        return self._test is not None

    async def self_test(self, pulse_ms=60, release_ms=1000):
        """Inject the test current; True if the monitor tripped and released again."""
        if self._test is None:
            return None
        self.reset()
        if self.tripped:
            return False  # already active: the test proves nothing
        self._test.value(1)
        t0 = ticks_ms()
        while not self.is_tripped() and ticks_diff(ticks_ms(), t0) < pulse_ms:
            await asyncio.sleep_ms(5)
        self._test.value(0)
        tripped = self.tripped
        t0 = ticks_ms()
        while self._pin.value() == self._active and ticks_diff(ticks_ms(), t0) < release_ms:
            await asyncio.sleep_ms(10)
        self.reset()
        return tripped and not self.tripped


class CableLock:
    """Motor cable-lock actuator on an H-bridge (``drive_a`` high locks, ``drive_b`` high
    unlocks), with an optional end-switch input (``feedback`` == ``fb_locked`` when locked).

    lock() drives the motor for ``pulse_ms`` and blocks that long (the firmware locks before
    closing and unlocks after opening the contactor, so nothing safety-related waits); it does
    nothing when the actuator already is where asked.
    """

    def __init__(self, drive_a, drive_b, feedback=None, fb_locked=1, pulse_ms=300):
        self._a = drive_a
        self._b = drive_b
        drive_a.value(0)
        drive_b.value(0)
        self._fb = feedback
        self._fb_locked = fb_locked
        self.pulse_ms = pulse_ms
        self.locked = None  # unknown until driven or read back

    def is_locked(self):
        """From the end switch if fitted, else the last command (None: never driven)."""
        if self._fb is not None:
            return self._fb.value() == self._fb_locked
        return self.locked

    def lock(self, locked):
        """Drive to locked/unlocked; True on success, False if the end switch disagrees."""
        locked = bool(locked)
        if self.is_locked() == locked:
            return True
        (self._a if locked else self._b).value(1)
        try:
            sleep_ms(self.pulse_ms)
        finally:
            self._a.value(0)
            self._b.value(0)
        self.locked = locked
        return self._fb is None or self.is_locked() == locked


# LED patterns: 20 slots of 100 ms (2 s), bit i = LED on in slot i.
PATTERNS = {
    "available": 0xFFFFF,  # steady on
    "preparing": 0x003FF,  # slow blink: 1 s on, 1 s off
    "charging": 0x7BDEF,  # 0.4 s on, 0.1 s off: "busy"
    "suspended": 0x00001,  # short flash every 2 s
    "finishing": 0x00005,  # double flash every 2 s
    "reserved": 0x0001F,  # 0.5 s on every 2 s: kept for someone
    "unavailable": 0,  # off
    "fault": 0x55555,  # fast blink, 5 Hz
}
_SLOTS = const(20)


class StatusLed:
    """One LED showing the connector state by its blink pattern (PATTERNS), stepped by a
    periodic machine.Timer every 100 ms (soft callback; allocates nothing)."""

    def __init__(self, pin, timer, active=1):
        self._pin = pin
        self._active = active
        self._mask = 0
        self._slot = 0
        self.pattern = "unavailable"
        self._cb = self._step
        timer.init(mode=machine.Timer.PERIODIC, period=100, callback=self._cb)
        self._timer = timer

    def show(self, pattern):
        """Select a pattern by name; an unknown name shows "fault"."""
        if pattern not in PATTERNS:
            pattern = "fault"
        self.pattern = pattern
        self._mask = PATTERNS[pattern]

    def _step(self, t):
        self._slot = (self._slot + 1) % _SLOTS
        on = (self._mask >> self._slot) & 1
        self._pin.value(on if self._active else 1 - on)


class Ntc:
    """NTC thermistor in the low leg of a divider from 3.3 V (``r_fixed`` on top), read with
    ``read`` -> 0..65535. Beta model: 1/T = 1/T25 + ln(R/R25)/beta."""

    def __init__(self, read, r_fixed=10000, r25=10000, beta=3950):
        self._read = read
        self._r_fixed = r_fixed
        self._r25 = r25
        self._beta = beta

    def celsius(self):
        """Temperature in C, or None when the sensor is open or shorted (reads at a rail)."""
        c = self._read()
        if c < 200 or c > 65335:
            return None
        r = self._r_fixed * c / (65535 - c)
        return 1 / (1 / 298.15 + math.log(r / self._r25) / self._beta) - 273.15


class PhaseSelector:
    """Two relays choosing which grid phase feeds a single-phase EV (OnePhaseChargingPhase):
    phase 1 = both off, 2 = ``sel_a`` on, 3 = ``sel_b`` on. Switch only with the contactor
    open (the board checks)."""

    def __init__(self, sel_a, sel_b):
        self._a = sel_a
        self._b = sel_b
        self.phase = 1
        self.select(1)

    def select(self, phase):
        if phase not in (1, 2, 3):
            raise ValueError("phase must be 1, 2 or 3")
        self._a.value(1 if phase == 2 else 0)
        self._b.value(1 if phase == 3 else 0)
        self.phase = phase
