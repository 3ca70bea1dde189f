"""The unix board: the charger's hardware simulated in software, with an EV plugged into it.

It implements the board interface (see /work/shared and boards/<name>/board.py) exactly, so
the firmware above cannot tell the difference. A charging outlet (pilot, contactor, meter, RCD,
lock, sensors, and the EV at it) has:

    name, phases, voltage, max_current_a    supply and hardware rating (config "sim" keys)
    pilot_levels() -> (high_v, low_v)       the pilot as the ADC sees it around a PWM period
    set_pwm(duty)                           percent; 100 = steady +12 V, 0 = steady -12 V (F)
    set_contactor(closed), contactor_feedback() -> bool   (auxiliary contact: really closed?)
    meter_pulses() -> (count, last_ms, interval_ms), meter_imp_per_kwh   S0 meter
    rcd_tripped(), rcd_reset(), async rcd_self_test()      residual-current monitor (latched)
    temperature_c(), currents_a()           sensors (the simulation has CT clamps)
    lock(locked) -> bool, has_lock          cable lock
    led(pattern), select_phase(phase)       status light, phase relay
    set_phases(n)                           the phase-count relay (3 or 1 to the EV)
    cable_max_a()                           the cable's rating (None: tethered, the maximum)
The board is its first outlet and holds the others (config "sim": "connectors", default 1):
    connectors, outlet(n)                   outlet n (1..connectors); outlet(1) is the board
    feed_watchdog(), reset(hard), async start(), name_server()
    on_card(idTag, connector), status_fields(connector), on_network(up)   set by start-up

This module holds only that interface and the simulated physics (pilot, contacts, meter),
which run all the time: it stays in the agent's heap for good. Driving the EV and the faults
is the control port's job, code loaded for one command and dropped after it: control_port.py,
sim_commands.py (ev(), fault(), clear_faults(), ev_max, card) and sim_status.py (the status
answer: pilot_state(), the contactor latency figures).

The EV draws min(offered by the PWM duty, EV max) on every phase while the contactor is closed
and it is in C; the meter turns that into S0 pulses, timed as a real meter would emit them.

Simulated faults (names in self.faults): "rcd" trips the RCD input (latched until rcd_reset()
with the leak gone); "diode" removes the EV's diode (low level = high level); "weld" keeps
closed contacts closed; "overtemp" raises the temperature to _OVERTEMP_C; "ground" shorts the
pilot to PE (0 V: E); "lock" jams the cable lock.
Knobs for unit tests (not on the control port): temp_c, ev_extra_a (the EV draws that much
more than offered; sim_commands.set_ev_extra()), selftest_result, lock_ok, feedback_fitted.
"""
import asyncio
import gc
import sys
import time

from micropython import const

_RESET_EXIT_CODE = const(75)  # tools/unix-agent restarts the agent on this exit status
_OVERTEMP_C = const(80)
_MAX_CONNECTORS = const(8)


def _name_server(text):
    # "127.0.0.1:5353" or "127.0.0.1" (port 53): a test's own DNS server, or a lab's
    if text is None:
        return None
    if not isinstance(text, str):
        text = ""
    host, _, port = text.rpartition(":") if ":" in text else (text, "", "53")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("sim.dns: must be an IPv4 address, optionally with :port")
    return (host, int(port))


class Board:
    """The simulated charger, which is also its first outlet; its other outlets are Boards too
    (made by the first, sharing its settings), of which only the outlet's part is used."""

    name = "unix"
    has_lock = True

    def __init__(self, settings, log=print, now_ms=time.ticks_ms, _first=True):
        sim = settings.get("sim") or {}
        self.log = log
        self._now = now_ms  # a fake clock in unit tests
        self.phases = sim.get("phases", 3)
        self.voltage = sim.get("voltage", 230)
        self.max_current_a = sim.get("max_current_a", 32)
        self.meter_imp_per_kwh = sim.get("meter_imp_per_kwh", 1000)
        self.ev_max_a = sim.get("ev_max_a", 32)
        self.cable_a = None  # a detachable cable's rating (control port `cable`): None tethered
        self.ev_phases = 3  # the EV's charger: 3 phases, or 1 (control port `ev_phases 1`)
        self.phases_in_use = self.phases  # the phase-count relay (set_phases)
        # EV side
        self.ev_state = "A"  # A unplugged, B plugged, C asking for energy
        self.faults = []
        self.ev_extra_a = 0  # unit tests: an EV drawing more than offered
        # charger side
        self.pwm_duty = 100
        self.relay = False  # the contacts as they are
        self._commanded = False  # what the firmware asked for
        self.phase_selected = None  # phase relay (OnePhaseChargingPhase)
        # Contactor timing as a test bench would measure it (sim_status.fold_latency() turns
        # these into the figures): when the EV entered / left C (marked by sim_commands.ev()),
        # and the contacts' first move each way since: the only part that runs resident.
        self.ev_marks_ms = [None, None]  # [entered C, left C]
        self.moved_ms = [None, None]  # [closed, opened]
        self.latency = {"close_ms": None, "open_ms": None, "open_max_ms": None}
        self.feedback_fitted = True
        self._rcd_latched = False
        self.selftest_result = True  # what rcd_self_test() answers
        self.temp_c = 30.0
        self.locked = False
        self.lock_ok = True
        self.led_pattern = None
        # meter: whole pulses, the energy towards the next one (Ws), pulse timing
        self.pulses = 0
        self._pulse_ws = 0.0
        self._pulse_ms = 0
        self._interval_ms = 0
        self._last_ms = now_ms()
        if not _first:
            return
        # -- the whole board
        self.control_port = sim.get("control_port")
        n = sim.get("connectors", 1)
        if type(n) is not int or not 1 <= n <= _MAX_CONNECTORS:
            raise ValueError("sim.connectors: must be an integer from 1 to %d" % _MAX_CONNECTORS)
        self.connectors = n
        self._dns = _name_server(sim.get("dns"))
        self._outlets = [self] + [Board(settings, log, now_ms, False) for _ in range(n - 1)]
        # set by start-up: the agent's side of a card, a status answer, a network change
        self.on_card = None  # fn(idTag, connector or None)
        self.status_fields = None  # fn(connector) -> dict of the agent's status fields
        self.on_network = None  # fn(up)
        self.network_up = True  # `net down` / `net up` on the control port
        # heap figures for the status answer (simulator diagnostics)
        self.heap_after_imports = None
        self.heap_live_peak = 0
        self.loop_lag_max_ms = 0  # the event loop's worst lateness since `lag reset`

    # -- pilot -----------------------------------------------------------------------------------
    def set_pwm(self, duty):
        self._advance()
        self.pwm_duty = duty

    def pilot_levels(self):
        if self.pwm_duty == 0:
            return (-12, -12)  # state F: we drive -12 V
        if "ground" in self.faults:
            return (0, 0)  # pilot shorted to PE: state E
        # pilot high level per EV state (IEC 61851-1 Annex A): A 12 V, B 9, C 6, D 3
        high = 12 - 3 * "ABCD".index(self.ev_state)
        if self.ev_state == "A" or self.pwm_duty >= 100:
            return (high, high)  # no oscillator: the level is steady
        low = high if "diode" in self.faults else -12
        return (high, low)

    def offered_a(self):
        """Current advertised by the PWM duty (IEC 61851-1 Annex A)."""
        d = self.pwm_duty
        if d < 8 or d > 97:
            return 0
        return d * 0.6 if d <= 85 else (d - 64) * 2.5

    # -- contactor -------------------------------------------------------------------------------
    def set_contactor(self, closed):
        self._advance()
        closed = bool(closed)
        self._commanded = closed
        if not closed and "weld" in self.faults:
            return  # welded contacts stay closed
        way = 0 if closed else 1
        if closed != self.relay and self.moved_ms[way] is None:
            self.moved_ms[way] = self._now()  # a latency's end (sim_status.fold_latency)
        self.relay = closed

    def contactor_feedback(self):
        return self.relay if self.feedback_fitted else None

    # -- RCD -------------------------------------------------------------------------------------
    def rcd_tripped(self):
        if "rcd" in self.faults:
            self._rcd_latched = True
        return self._rcd_latched

    def rcd_reset(self):
        self._rcd_latched = "rcd" in self.faults  # a leak still there trips it again at once

    async def rcd_self_test(self):
        await asyncio.sleep_ms(0)  # a real test takes a while; never blocks the loop
        return self.selftest_result

    # -- sensors ---------------------------------------------------------------------------------
    def temperature_c(self):
        return float(_OVERTEMP_C) if "overtemp" in self.faults else self.temp_c

    def _drawn(self):
        # the phases the EV draws on: its own, of those the charger connects
        return min(self.ev_phases, self.phases_in_use)

    def currents_a(self):
        a = self._draw_a()
        n = self._drawn()
        if n == 1 and self.phases > 1:  # on the grid phase the phase relay selected
            at = (self.phase_selected or 1) - 1
            return tuple(a if i == at else 0 for i in range(self.phases))
        return (a,) * n + (0,) * (self.phases - n)

    # -- meter -----------------------------------------------------------------------------------
    def _draw_a(self):
        if not self.relay or self.ev_state != "C" or "rcd" in self.faults:
            return 0
        return min(self.offered_a(), self.ev_max_a) + self.ev_extra_a

    def power_w(self):
        return int(self._draw_a() * self.voltage * self._drawn())

    def _advance(self):
        """Turn the energy drawn since the last call into whole meter pulses, timed.

        Called before anything that changes the draw (PWM, contacts, the EV's moves), so the
        energy up to that moment is counted at the old power."""
        now = self._now()
        dt = time.ticks_diff(now, self._last_ms)
        if dt <= 0:
            return
        self._last_ms = now
        p = self.power_w()
        if p <= 0:
            return
        per_pulse = 3600000 / self.meter_imp_per_kwh  # Ws
        ws = p * dt / 1000 + self._pulse_ws
        n = int(ws // per_pulse)
        self._pulse_ws = ws - n * per_pulse
        if not n:
            return
        # the last pulse came when the energy left over began to accumulate
        last = time.ticks_add(now, -int(self._pulse_ws * 1000 / p))
        if n > 1:
            self._interval_ms = int(per_pulse * 1000 / p + 0.5)
        elif self.pulses:
            self._interval_ms = time.ticks_diff(last, self._pulse_ms)
        self._pulse_ms = last
        self.pulses += n

    def meter_pulses(self):
        self._advance()
        return (self.pulses, self._pulse_ms, self._interval_ms)

    # -- other devices ---------------------------------------------------------------------------
    def lock(self, locked):
        ok = self.lock_ok and "lock" not in self.faults  # `fault lock`: the actuator jams
        if ok:
            self.locked = bool(locked)
        return ok

    def led(self, pattern):
        self.led_pattern = pattern

    def select_phase(self, phase):
        """The phase relay for a single-phase EV (OnePhaseChargingPhase): switched only with the
        contactor open; True when switched."""
        if self.relay:
            return False
        self.phase_selected = phase
        return True


    def cable_max_a(self):
        """The plugged cable's rating (A, from its proximity-pilot resistor), or None."""
        return self.cable_a

    def set_phases(self, n):
        """The phase-count relay: three phases or one (L1) to the EV. Switched only with the
        contactor open: True when switched, False while closed; None on a one-phase supply."""
        if self.phases == 1:
            return None
        if self.relay:
            return False
        self._advance()
        self.phases_in_use = 3 if n >= 3 else 1
        return True

    def outlet(self, n):
        """Outlet n (1..connectors)."""
        return self._outlets[n - 1]

    def feed_watchdog(self):
        pass  # the simulation has no watchdog to feed

    def name_server(self):
        """(address, port) of the DNS server the agent asks (config "sim": "dns"), or None:
        the operating system resolves, as getaddrinfo does on the unix port."""
        return self._dns

    # -- system ----------------------------------------------------------------------------------
    async def start(self):
        if self.control_port:
            import control_port

            await control_port.serve(self, self.control_port, self.log)
        asyncio.create_task(self._heap_monitor())
        asyncio.create_task(self._lag_monitor())

    async def _heap_monitor(self):
        """Live heap (after a collection) sampled twice a second: a peak a board would see."""
        while True:
            gc.collect()
            self.heap_live_peak = max(self.heap_live_peak, gc.mem_alloc())
            await asyncio.sleep_ms(500)

    async def _lag_monitor(self):
        """How late the event loop wakes a 10 ms sleep: the longest any task kept it (what a
        contactor's opening could wait behind), kept as loop_lag_max_ms."""
        while True:
            t = time.ticks_ms()
            await asyncio.sleep_ms(10)
            late = time.ticks_diff(time.ticks_ms(), t) - 10
            if late > self.loop_lag_max_ms:
                self.loop_lag_max_ms = late

    def reset(self, hard=False):
        self.log("board: %s reset" % ("hard" if hard else "soft"))
        sys.exit(_RESET_EXIT_CODE)
