"""S0 pulse input (DIN 43864 / IEC 62053-31): pulses counted in an interrupt, debounced.

    meter S0+ ── 3.3 V pull-up ── GPIO      a pulse pulls the pin low: count falling edges
    meter S0- ── GND                        (docs/hardware.md: opto-isolated input)

An edge closer than ``debounce_ms`` to the last counted one is a bounce or a spike and is
ignored. Pick debounce_ms below the shortest interval at full power: at 22 kW and 10000
imp/kWh pulses come every 16.4 ms (board default: half of that, at most 20 ms).

The handler allocates nothing (small ints only), so it may run as a hard IRQ (rp2).
"""
from time import ticks_diff, ticks_ms

import machine


def debounce_for(imp_per_kwh, max_power_w):
    """Half the pulse interval at ``max_power_w``, 1..20 ms."""
    interval = 3600000000 // (imp_per_kwh * max_power_w) if max_power_w > 0 else 40
    return max(1, min(20, interval // 2))


class S0Counter:
    """Counts falling edges of ``pin`` (a machine.Pin, input with pull-up) in its IRQ."""

    def __init__(self, pin, debounce_ms=20, hard=False):
        self.count = 0
        self.last_ms = ticks_ms()  # meaningful once count > 0
        self.interval_ms = 0
        self.rejected = 0  # edges dropped by the debounce (diagnostics)
        self._debounce = debounce_ms
        self._pin = pin
        self._handler = self._edge  # one bound method, made here: none allocated in the IRQ
        pin.irq(handler=self._handler, trigger=machine.Pin.IRQ_FALLING, hard=hard)

    def _edge(self, pin):
        now = ticks_ms()
        if self.count:
            dt = ticks_diff(now, self.last_ms)
            if dt < self._debounce:
                self.rejected += 1
                return
            self.interval_ms = dt
        self.last_ms = now
        self.count += 1

    def pulses(self):
        """(count since boot, ticks_ms of the last pulse, ms between the last two or 0)."""
        state = machine.disable_irq()  # the three values belong to the same pulse
        c, last, dt = self.count, self.last_ms, self.interval_ms
        machine.enable_irq(state)
        return c, last, dt
