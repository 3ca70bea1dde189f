# Test doubles for the EVSE unit tests (MicroPython): a fake clock, an in-memory store and a
# fake board whose every input is a plain attribute, plus helpers to run the control loop.
import asyncio
import json
import time


class Clock:
    """A ticks_ms clock moved by hand; starts just before the ticks wrap to prove wrap safety."""

    def __init__(self, start=None):
        self.t = time.ticks_add(0, -3000) if start is None else start

    def __call__(self):
        return self.t

    def advance(self, ms):
        self.t = time.ticks_add(self.t, ms)


class MemStore:
    """Store.read_json/write_json in memory; documents are copied (as JSON) like on flash."""

    def __init__(self):
        self.docs = {}
        self.writes = 0
        self.fail = False

    def read_json(self, name, default=None):
        text = self.docs.get(name)
        return default if text is None else json.loads(text)

    def write_json(self, name, obj):
        if self.fail:
            raise OSError(28)  # ENOSPC
        self.docs[name] = json.dumps(obj)
        self.writes += 1


_HIGH = {"A": 12, "B": 9, "C": 6, "D": 3, "E": 0}


class FakeBoard:
    """The board interface with plain attributes as inputs and logs of the outputs."""

    name = "fake"
    phases = 3
    voltage = 230
    has_lock = False

    def __init__(self, imp=1000, max_a=32):
        self.meter_imp_per_kwh = imp
        self.max_current_a = max_a
        self.ev = "A"  # "A".."E": what the EV (or a short, "E") does to the pilot
        self.diode = True
        self.levels = None  # (high, low) to override the computed levels
        self.duty = 100
        self.closed = False  # the contacts as they really are
        self.commanded = False
        self.welded = False  # contacts stay closed when opened
        self.stuck_open = False  # contacts never close
        self.feedback_fitted = True
        self.leak = False  # residual current present: the RCD trips (and stays latched)
        self.latched = False
        self.selftest = True  # rcd_self_test() result; None: no self-test circuit
        self.selftests = 0
        self.temp = 25.0
        self.amps = None  # measured per-phase currents, or None: no CT clamps
        self.count = 0
        self.last_ms = 0
        self.interval = 0
        self.raise_in_levels = False
        self.pwm_log = []
        self.contactor_log = []

    def pilot_levels(self):
        if self.raise_in_levels:
            raise OSError(5)
        if self.levels:
            return self.levels
        if self.duty == 0:
            return (-12, -12)
        high = _HIGH[self.ev]
        if self.ev in "AE" or self.duty >= 100:
            return (high, high)
        return (high, -12 if self.diode else high)

    def set_pwm(self, duty):
        self.duty = duty
        self.pwm_log.append(duty)

    def set_contactor(self, closed):
        self.commanded = closed
        self.contactor_log.append(closed)
        if closed and not self.stuck_open:
            self.closed = True
        if not closed and not self.welded:
            self.closed = False

    def contactor_feedback(self):
        return self.closed if self.feedback_fitted else None

    def meter_pulses(self):
        return (self.count, self.last_ms, self.interval)

    def add_pulses(self, n, now, interval):
        self.count += n
        self.last_ms = now
        self.interval = interval

    def rcd_tripped(self):
        if self.leak:
            self.latched = True
        return self.latched

    def rcd_reset(self):
        self.latched = self.leak

    async def rcd_self_test(self):
        self.selftests += 1
        return self.selftest

    def temperature_c(self):
        self.temp_reads = getattr(self, "temp_reads", 0) + 1
        return self.temp

    def currents_a(self):
        return self.amps

    def lock(self, locked):
        return None

    def led(self, pattern):
        pass

    def feed_watchdog(self):
        pass


def make(board=None, store=None, clock=None, **kw):
    """An Evse on a fake board, memory store and fake clock; returns (evse, board, clock, log)."""
    from evse.controller import Evse

    board = board or FakeBoard(**kw)
    clock = clock or Clock()
    logs = []
    e = Evse(board, store if store is not None else MemStore(), log=logs.append, now_ms=clock)
    return e, board, clock, logs


async def run(evse, clock, ms, step=10):
    """Run the control loop for ``ms`` of fake time, one step every ``step`` ms."""
    for _ in range(ms // step):
        clock.advance(step)
        evse.step()
        if evse._selftest_task is not None:
            await asyncio.sleep_ms(0)  # let the self-test task run


async def run_until(evse, clock, cond, limit_ms, step=10):
    """Run until cond() holds; returns the fake ms it took (None if it never did)."""
    t = 0
    while t <= limit_ms:
        if cond():
            return t
        clock.advance(step)
        t += step
        evse.step()
        if evse._selftest_task is not None:
            await asyncio.sleep_ms(0)
    return None


async def charging(amps=32, **kw):
    """An Evse with an EV charging (state C, contactor closed); returns (evse, board, clock, log)."""
    e, b, c, logs = make(**kw)
    b.ev = "B"
    await run(e, c, 300)
    e.offer(amps)
    e.allow(True)
    b.ev = "C"
    await run(e, c, 400)
    assert e.relay_closed and b.closed, (e.state, e.faults, logs)
    return e, b, c, logs
