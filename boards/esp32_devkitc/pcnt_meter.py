"""S0 pulses counted by the ESP32's hardware pulse counter (PCNT via machine.Counter).

The PCNT unit counts every falling edge in hardware, so no pulse is lost however busy the
interpreter is (esp32 pin IRQs are only soft). The hardware glitch filter (``filter_ns``, at
most ~12.8 us on the ESP32) removes spikes, not contact bounce: S0 outputs are transistor
outputs and do not bounce. Pulse times are known only when pulses() is read: last_ms has the
resolution of the caller's read period, and interval_ms is averaged over the pulses that
arrived between two reads with a change.
"""
from time import ticks_diff, ticks_ms

import machine


class PcntS0Counter:
    def __init__(self, pin, unit=0, filter_ns=10000):
        self._ctr = machine.Counter(unit, src=pin, edge=machine.Counter.FALLING,
                                    filter_ns=filter_ns)
        self._ctr.value(0)
        self._seen = 0
        self.last_ms = ticks_ms()  # meaningful once a pulse was seen
        self.interval_ms = 0

    def pulses(self):
        """(count since boot, ticks_ms when a new count was first seen, ms per pulse or 0)."""
        c = self._ctr.value()
        if c != self._seen:
            now = ticks_ms()
            if self._seen:
                self.interval_ms = ticks_diff(now, self.last_ms) // (c - self._seen)
            self._seen = c
            self.last_ms = now
        return c, self.last_ms, self.interval_ms
