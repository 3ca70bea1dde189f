"""The energy register, fed by the board's S0 pulse counter, and power from the pulse rate.

The board counts pulses since boot in an interrupt (board.meter_pulses()); this module turns
the increase of that count into watt-hours, so a slow reader never loses a pulse: a burst
read late is counted whole.

    register = wh + rem / imp_per_kwh * 1000 ... kept as integers: every pulse adds 1000 to
    ``rem``; each full ``imp_per_kwh`` of ``rem`` is one Wh (exact for any imp/kWh, no float,
    small ints only on a 32-bit board).

Persistence (document ``evse_energy.json``: {"wh", "rem", "imp"}): saved when the register has
grown by PERSIST_WH since the last save, when it has changed and _PERSIST_MS has passed, and when
the controller asks (contactor opened, shutdown). So a power cut loses at most PERSIST_WH (10 Wh)
plus what arrived during one read period (METER_EVERY_MS of the controller; 1.3 Wh at 22 kW),
and at low power never more than _PERSIST_MS (60 s) of energy. At boot the register is restored
and only ever grows from there: it never goes backwards.

Power: from the pulses over a window from one pulse to the first one at least _POWER_WINDOW_MS
later (exact at high rates, where one interval is only a few ms and jitters), so it follows a
change within a second or one pulse interval; the board's last interval gives the first value.
While no pulse comes the estimate can only fall (one pulse's energy over the time since the
last one), and it is 0 after max(_POWER_TIMEOUT_MS, 3 intervals) without a pulse, or at once
when the contactor is open.
"""
from time import ticks_diff

from micropython import const

DOC = "evse_energy.json"
PERSIST_WH = const(10)
_PERSIST_MS = const(60000)
_POWER_WINDOW_MS = const(1000)
_POWER_TIMEOUT_MS = const(10000)


class PulseMeter:
    def __init__(self, board, store, now, log=print, doc=DOC):
        self.board = board
        self.store = store
        self.log = log
        self.doc = doc
        self.imp = board.meter_imp_per_kwh
        self.persist_wh = PERSIST_WH
        self.persist_ms = _PERSIST_MS
        doc = store.read_json(doc, None) or {}
        self.wh = int(doc.get("wh", 0))
        # the fraction of a Wh is only meaningful for the same meter constant
        self.rem = int(doc.get("rem", 0)) if doc.get("imp") == self.imp else 0
        self.saved_wh = self.wh
        self._saved_rem = self.rem
        self._saved_ms = now
        self._save_failed = False  # then retry by time only, not on every read
        self.pulses = 0  # pulses counted by this instance (diagnostics, tests)
        self.power = 0
        count, last_ms, interval = board.meter_pulses()
        self._count = count
        self._last_ms = last_ms
        self._interval = 0
        self._ref_count = count
        self._ref_ms = None  # start of the power window (time of a pulse)

    def energy_wh(self):
        return self.wh

    def update(self, now, flowing):
        """Read the board's counter: add new pulses, refresh power, save if due.

        ``flowing``: False when current cannot flow (contactor open): power is 0 at once.
        """
        count, last_ms, interval = self.board.meter_pulses()
        n = count - self._count
        if n < 0:  # the board's counter restarted: take it as the new base, never go back
            self.log("evse: meter count went back (%d -> %d); rebased" % (self._count, count))
            self._count = self._ref_count = count
            self._ref_ms = None
            n = 0
        if n:
            self._count = count
            self.pulses += n
            rem = self.rem + n * 1000
            self.wh += rem // self.imp
            self.rem = rem % self.imp
            self._new_pulses(count, last_ms, interval)
        if not flowing:
            self.power = 0
            self._ref_ms = None  # a new window when current flows again
        elif self.power:
            self._decay(now)
        if self.wh != self.saved_wh or self.rem != self._saved_rem:
            if ((self.wh - self.saved_wh >= self.persist_wh and not self._save_failed)
                    or ticks_diff(now, self._saved_ms) >= self.persist_ms):
                self.save(now)

    def _new_pulses(self, count, last_ms, interval):
        self._last_ms = last_ms
        if interval > 0:
            self._interval = interval
        if self._ref_ms is None:
            # no window yet (boot, or current could not flow): the board's last interval is
            # all there is, if it is recent enough to mean something
            if 0 < interval <= _POWER_TIMEOUT_MS:
                self.power = self._watts(1, interval)
            self._ref_count = count
            self._ref_ms = last_ms
            return
        span = ticks_diff(last_ms, self._ref_ms)
        if span >= _POWER_WINDOW_MS:
            self.power = self._watts(count - self._ref_count, span)
            self._ref_count = count
            self._ref_ms = last_ms

    def _watts(self, pulses, ms):
        # P[W] = pulses * (3.6e6 Ws / imp) / (ms / 1000)
        return int(pulses * 3.6e9 / (self.imp * ms) + 0.5)

    def _decay(self, now):
        since = ticks_diff(now, self._last_ms)
        if since <= self._interval:
            return
        if since > _POWER_TIMEOUT_MS and since > 3 * self._interval:
            self.power = 0
            return
        bound = self._watts(1, since)  # no pulse yet: the mean power is below one pulse / since
        if bound < self.power:
            self.power = bound

    def save(self, now):
        """Persist the register now (if it changed since the last save)."""
        if self.wh == self.saved_wh and self.rem == self._saved_rem:
            return
        try:
            self.store.write_json(self.doc, {"wh": self.wh, "rem": self.rem, "imp": self.imp})
        except Exception as e:  # keep metering; the next save retries
            self.log("evse: cannot save the energy register: %r" % e)
            self._save_failed = True
            self._saved_ms = now
            return
        self._save_failed = False
        self.saved_wh = self.wh
        self._saved_rem = self.rem
        self._saved_ms = now
