"""The EVSE controller: pilot, contactor interlocks, faults and the energy register.

It knows nothing of OCPP. The OCPP side says what it wants (offer / allow / set_available)
and listens for what happens (listeners: "state", "relay", "fault", "fault_cleared").

Every _SAMPLE_MS the control step (tick) runs, in this order, with no await and no network:
  1. RCD trip input      -> contactor open at once, fault "rcd"
  2. pilot sample        -> raw state A..F, debounced (pilot.Debouncer); leaving C opens the
                            contactor in the same step (worst case LEAVE_C_MS + one sample
                            after the EV left C: 30 ms at the defaults)
  3. diode check         -> with PWM on in B/C/D the low level must be about -12 V
  4. contactor feedback  -> welded (open but still closed) / not closing, after WELD_MS
  5. temperature, measured current, fault retries (slower cadence, no allocation per tick)
  6. interlock           -> close only in C, PWM on, diode passed, allowed, available, no
                            fault, RCD self-test passed this session; PWM off in C (C1) for
                            _C1_TIMEOUT_MS forces it open
  7. pilot output        -> duty from the offer (only while allowed, available, no fault),
                            steady +12 V otherwise, steady -12 V (F) when unavailable
  8. meter               -> pulses into the register (every METER_EVERY_MS), saved as due
Flash writes (energy register, fault counters) happen only after the contactor has been
handled in that step.

Graceful stop: offer(0) first (PWM off; the EV goes to B and the contactor opens within
LEAVE_C_MS, or after _C1_TIMEOUT_MS at worst), then allow(False). allow(False) alone opens
the contactor at once, under load if need be.
"""
import asyncio
import time
from time import ticks_add, ticks_diff

from micropython import const

from evse import pilot
from evse.meter import PulseMeter
from evse.safety import (DIODE, INTERNAL, OVERCURRENT, OVERTEMP, PILOT_E, PILOT_F, PRIORITY, RCD,
                         SELFTEST, SWITCH, WELD, Faults, error_code)

_SAMPLE_MS = const(10)  # pilot sampling period
_HOLD_MS = const(250)  # debounce for most pilot changes (OpenEVSE)
_TO_A_MS = const(25)  # debounce towards A (OpenEVSE)
LEAVE_C_MS = const(20)  # debounce out of C: the contactor must open within 100 ms
_DIODE_SAMPLES = const(5)  # consecutive samples to pass, or to fail, the diode check
WELD_MS = const(1000)  # contactor feedback must follow the command within this (OpenEVSE)
_C1_TIMEOUT_MS = const(6000)  # PWM off but the EV stays in C: force open (EVerest, SmartEVSE)
_OVERCURRENT_MS = const(7000)  # above (offered + 0.5) * 1.10 this long: stop (EVerest)
_TEMP_DERATE_C = const(65)  # offer half the current from here (OpenEVSE)
_TEMP_STOP_C = const(71)  # stop: HighTemperature fault (OpenEVSE)
_TEMP_RESUME_C = const(60)  # derating and the fault end below this
_TEMP_EVERY_MS = const(1000)
_CURRENT_EVERY_MS = const(500)
METER_EVERY_MS = const(200)
# A new current offered while the EV charges waits until this long after the last change: the
# EV has 5 s to follow one (IEC 61851-1; EVerest IEC_PWM_MAX_UPDATE_INTERVAL)
PACE_MS = const(5000)
# The phase-count relay settles this long before the EV is offered current again (EVerest waits
# switch_3ph1ph_delay_s 10 s; the relay itself needs well under one)
PHASE_SETTLE_MS = const(2000)
_SETTLE_MS = const(600)  # after our own pilot output changes, before F counts as a fault

_F = pilot.PWM_F
_X1 = pilot.PWM_OFF


def _no_phase_relay(phase):
    return None


def _no_cable():
    return None


class Evse:
    """One charging outlet: its hardware (``board``: the board itself for its first outlet,
    else board.outlet(n)), the persistent store, a log function and a ms clock; ``n`` numbers
    the outlet (its documents on flash: the first keeps the plain names).

    Attributes (read only): ``state`` debounced pilot state "A".."F"; ``relay_closed``;
    ``faults`` list of active fault ids (evse.safety; error_code() gives the OCPP code);
    ``pwm_duty`` percent on the pilot; ``listeners`` list of fn(event, value);
    ``policy`` the retry policy (evse.safety.POLICY, a per-instance copy that may be tuned).
    What the outlet is, for the side above (which never reaches the board itself):
    ``phases``, ``voltage``, ``max_current_a``, ``has_lock``, and lock(locked) -> bool,
    led(pattern), select_phase(phase) -> True when switched (None: no phase relay);
    ``phases_in_use`` (the phase-count relay's setting: ``phases`` without one),
    ``switches_phases`` and use_phases(n) (see there).
    """

    def __init__(self, board, store, log=print, now_ms=time.ticks_ms, n=1):
        self.board = board
        self.log = log
        self._now = now_ms
        now = now_ms()
        self.listeners = []
        self.sample_ms = _SAMPLE_MS
        self.phases = board.phases
        self.voltage = board.voltage
        self.max_current_a = board.max_current_a
        self.has_lock = board.has_lock
        self.lock = board.lock
        self.led = board.led
        self.select_phase = getattr(board, "select_phase", _no_phase_relay)
        self._set_phases = getattr(board, "set_phases", _no_phase_relay)
        # a detachable cable's rating (its proximity-pilot resistor), where the outlet reads one
        self._cable_a = getattr(board, "cable_max_a", _no_cable)
        self.switches_phases = self.phases == 3 and self._set_phases(3) is not None
        self.phases_in_use = self.phases
        self.switching = False  # a phase switch is under way (use_phases): nothing offered
        tail = "" if n == 1 else "_%d" % n
        self._faults = Faults(store, now, log, "evse_faults%s.json" % tail)
        self.faults = self._faults.active
        self.policy = self._faults.policy  # fault id -> (retry_ms, max_retries); tunable
        self.meter = PulseMeter(board, store, now, log, "evse_energy%s.json" % tail)
        # what the OCPP side asked for
        self._offer = 0
        self._allowed = False
        self._available = True
        # outputs: contactor open and no PWM until told otherwise
        board.set_contactor(False)
        self.relay_closed = False
        self.pwm_duty = _X1
        board.set_pwm(_X1)
        self._offered = 0
        self._drive_ms = now  # when the pilot output last changed
        self._pilot_dirty = True
        self._paced = False  # an offer waits for PACE_MS since the last change
        # pilot input
        self.state = pilot.classify(board.pilot_levels()[0])
        self._debounce = pilot.Debouncer(self.state, now, _HOLD_MS, _TO_A_MS, LEAVE_C_MS)
        self._diode_good = 0
        self._diode_bad = 0
        # supervision
        self._fb = None  # last contactor feedback read (None: the board has none)
        self._fb_agree = True
        self._fb_since = now
        self._c1_since = None
        self._oc_since = None
        self._derate = False
        self._temp_ms = ticks_add(now, -_TEMP_EVERY_MS)  # read at the first step
        self._current_ms = now
        self._meter_ms = now
        self._selftest_ok = False
        self._selftest_task = None
        self._session = 0  # counts unplugs, so a late self-test result cannot leak across

    # -- what the OCPP side asks for ----------------------------------------------------------
    def offer(self, amps, paced=False):
        """The current (A) the EVSE may offer; applied at once, or with ``paced`` (a charging
        limit that changes while the EV charges) no sooner than PACE_MS after the last change.

        Capped by board.max_current_a and the cable's rating where the outlet reads it
        (board.cable_max_a()), and halved while derating for temperature. The PWM
        shows it only while allow(True), set_available(True) and no fault; below 6 A there is
        no PWM (steady +12 V, X1).
        """
        self._offer = amps
        now = self._now()
        if paced and self.relay_closed and ticks_diff(now, self._drive_ms) < PACE_MS:
            self._paced = True  # the control step applies it when the time has come
            return
        self._paced = False
        self._update_pilot(now)

    async def use_phases(self, n):
        """Charge on n phases (1 or 3) through the phase-count relay, never under load: offer
        nothing (PWM off) so the EV stops drawing, wait for the contactor to open (the EV
        going to B, or at most the C1 timeout, then forced), switch, let the relay settle for
        PHASE_SETTLE_MS, and offer again. True when switched (or already so)."""
        n = 3 if n >= 3 else 1
        if n == self.phases_in_use:
            return True
        if not self.switches_phases or self.switching:
            return False
        self.switching = True
        try:
            self._update_pilot(self._now())
            t0 = self._now()
            while self.relay_closed and ticks_diff(self._now(), t0) < _C1_TIMEOUT_MS:
                amps = self.board.currents_a()
                if amps is not None and max(amps) < 1:
                    break  # the EV draws nothing: no load to break
                await asyncio.sleep_ms(20)
            if self.relay_closed:
                self._set_relay(False, self._now())
            if not self._set_phases(n):
                return False
            self.log("evse: switched to %d phase%s" % (n, "s" if n > 1 else ""))
            self.phases_in_use = n
            await asyncio.sleep_ms(PHASE_SETTLE_MS)
            return True
        finally:
            self.switching = False
            self._update_pilot(self._now())

    def allow(self, ok):
        """An authorised transaction: the contactor may close when the EV asks (state C).

        allow(False) opens the contactor at once and stops the PWM.
        """
        self._allowed = bool(ok)
        now = self._now()
        if not ok:
            self._set_relay(False, now)
        self._update_pilot(now)

    def set_available(self, ok):
        """False = Unavailable: contactor opened at once, pilot F (-12 V); never closes."""
        self._available = bool(ok)
        now = self._now()
        if not ok:
            self._set_relay(False, now)
        self._update_pilot(now)

    def clear_lockout(self):
        """Maintenance: release locked-out faults and reset the retry counters.

        A fault whose condition is still present is raised again by the next step.
        """
        released = self._faults.clear_lockout()
        if RCD in released:
            self.board.rcd_reset()
        if released:
            self._selftest_ok = False
            self._pilot_dirty = True
        for fid in released:
            self.log("evse: lockout of %s released" % fid)
            self._emit("fault_cleared", fid)
        return released

    def persist(self):
        """Save the energy register now (before a reset or shutdown)."""
        self.meter.save(self._now())

    def add_listener(self, fn):
        """fn(event, value) is called, inside the control step, on "state" (letter), "relay"
        (bool), "fault" and "fault_cleared" (fault id). It must not block; schedule work."""
        self.listeners.append(fn)

    # -- what it reports ----------------------------------------------------------------------
    def energy_wh(self):
        """The energy register (Wh): persisted, never goes backwards."""
        return self.meter.wh

    def power_w(self):
        return self.meter.power

    def offered_a(self):
        """The current (A) the pilot advertises now; 0 without PWM."""
        return self._offered

    def error_code(self):
        """The OCPP ChargePointErrorCode of the most serious active fault, or "NoError"."""
        for fid in PRIORITY:
            if fid in self.faults:
                return error_code(fid)
        return error_code(self.faults[0]) if self.faults else "NoError"

    @property
    def locked_out(self):
        """Fault ids that stay active until clear_lockout()."""
        return self._faults.lockout

    @property
    def fault_counts(self):
        """Occurrences per fault id since the last clean unplug (persisted)."""
        return self._faults.counts

    def status_fields(self):
        """This layer's part of the simulator's status answer (a new dict)."""
        return {"pilot_state": self.state, "pwm_duty": self.pwm_duty, "offered_a": self._offered,
                "relay_closed": self.relay_closed, "energy_wh": self.meter.wh,
                "power_w": self.meter.power, "faults": list(self.faults),
                "error_code": self.error_code(), "locked_out": list(self._faults.lockout)}

    def currents_a(self):
        """Measured per-phase current (tuple) where the board measures it, else None."""
        return self.board.currents_a()

    # -- the control loop ---------------------------------------------------------------------
    async def run(self):
        """The control loop: one step every sample_ms; never awaits anything else."""
        while True:
            self.step()
            await asyncio.sleep_ms(self.sample_ms)

    def step(self):
        """One control step that never raises: on an error, open and report "internal"."""
        try:
            self.tick()
        except Exception as e:
            if INTERNAL not in self.faults:
                self.log("evse: control step failed: %r" % e)
            try:
                self._fault(INTERNAL, self._now())
            except Exception:
                self.relay_closed = False
                self.board.set_contactor(False)

    def tick(self):
        """One control step (see the module docstring for the order)."""
        now = self._now()
        b = self.board
        if b.rcd_tripped() and RCD not in self.faults:
            self._fault(RCD, now)
        high, low = b.pilot_levels()
        raw = pilot.classify(high)
        changed = self._debounce.feed(raw, now)
        if changed:
            self.state = self._debounce.state
            if self.relay_closed and self.state != "C":
                self._set_relay(False, now)  # the EV left C: open before anything else
        self._check_diode(raw, low, now)
        self._check_feedback(now)
        if ticks_diff(now, self._temp_ms) >= _TEMP_EVERY_MS:
            self._temp_ms = now
            self._check_temperature()
        if ticks_diff(now, self._current_ms) >= _CURRENT_EVERY_MS:
            self._current_ms = now
            self._check_current(now)
        if changed:
            self._state_changed()
        self._check_pilot_faults(now)
        self._retry_faults(now)
        self._interlock(now)
        if self._pilot_dirty or (self._paced and ticks_diff(now, self._drive_ms) >= PACE_MS):
            self._paced = False
            self._update_pilot(now)
        if ticks_diff(now, self._meter_ms) >= METER_EVERY_MS:
            self._meter_ms = now
            self.meter.update(now, self.relay_closed or self._fb is True)

    # -- checks -------------------------------------------------------------------------------
    def _check_diode(self, raw, low, now):
        duty = self.pwm_duty
        if 0 < duty < 100 and raw in "BCD":
            if pilot.diode_ok(low):
                if self._diode_good < _DIODE_SAMPLES:
                    self._diode_good += 1
                self._diode_bad = 0
            else:
                self._diode_good = 0
                self._diode_bad += 1
                if self._diode_bad >= _DIODE_SAMPLES and DIODE not in self.faults:
                    self._fault(DIODE, now)
        else:
            self._diode_good = 0  # cannot be checked without PWM: check again when it is on
            self._diode_bad = 0

    def _check_feedback(self, now):
        fb = self.board.contactor_feedback()
        self._fb = fb
        if fb is None:
            return
        agree = fb == self.relay_closed
        if agree != self._fb_agree:
            self._fb_agree = agree
            self._fb_since = now
        if ticks_diff(now, self._fb_since) < WELD_MS:
            return
        if not agree:
            fid = SWITCH if self.relay_closed else WELD
            if fid not in self.faults:
                self._fault(fid, now)
        elif WELD in self.faults and not self.relay_closed:
            self._clear(WELD)  # the contacts are seen open again

    def _check_temperature(self):
        t = self.board.temperature_c()
        if t is None:
            return
        if t >= _TEMP_STOP_C:
            if OVERTEMP not in self.faults:
                self.log("evse: %s C" % t)
                self._fault(OVERTEMP, self._now())
        elif t < _TEMP_RESUME_C and OVERTEMP in self.faults:
            self._clear(OVERTEMP)
        derate = t >= _TEMP_DERATE_C or (self._derate and t >= _TEMP_RESUME_C)
        if derate != self._derate:
            self._derate = derate
            self.log("evse: %s C: current %s" % (t, "halved" if derate else "restored"))
            self._pilot_dirty = True

    def _check_current(self, now):
        amps = self.board.currents_a() if self.relay_closed else None
        if not amps or max(amps) <= (self._offered + 0.5) * 1.1:
            self._oc_since = None
        elif self._oc_since is None:
            self._oc_since = now
        elif ticks_diff(now, self._oc_since) >= _OVERCURRENT_MS:
            self.log("evse: %s A drawn, %s A offered" % (max(amps), self._offered))
            self._fault(OVERCURRENT, now)

    def _check_pilot_faults(self, now):
        s = self.state
        if s == "E":
            if PILOT_E not in self.faults:
                self._fault(PILOT_E, now)
        elif PILOT_E in self.faults:
            self._clear(PILOT_E)
        if s == "F":
            if (PILOT_F not in self.faults and self.pwm_duty != _F
                    and ticks_diff(now, self._drive_ms) >= _SETTLE_MS):
                self._fault(PILOT_F, now)
        elif PILOT_F in self.faults:
            self._clear(PILOT_F)

    def _retry_faults(self, now):
        if not self.faults:
            return
        f = self._faults
        if DIODE in self.faults and self.state == "A":
            self._clear(DIODE)  # the EV without a diode has gone
        if f.retry_due(RCD, now):
            self.board.rcd_reset()
            if self.board.rcd_tripped():
                f.restart_retry(RCD, now)
            else:
                self._selftest_ok = False  # test the RCD again before the next close
                self._clear(RCD)
        for fid in (SELFTEST, SWITCH, OVERCURRENT, INTERNAL):
            if f.retry_due(fid, now):
                self._clear(fid)

    def _state_changed(self):
        if self.state == "A":
            self._session += 1
            self._selftest_ok = False
            self._faults.session_ended()
        self._emit("state", self.state)

    # -- outputs ------------------------------------------------------------------------------
    def _interlock(self, now):
        may = (self.state == "C" and self._allowed and self._available and not self.faults)
        pwm_on = 0 < self.pwm_duty < 100
        if self.relay_closed:
            if not may or self._diode_bad:
                self._set_relay(False, now)
            elif pwm_on:
                self._c1_since = None
            elif self._c1_since is None:
                self._c1_since = now
            elif ticks_diff(now, self._c1_since) >= _C1_TIMEOUT_MS:
                self.log("evse: PWM off but the EV still in C after %d ms: opening" % _C1_TIMEOUT_MS)
                self._set_relay(False, now)
        elif may and pwm_on and self._diode_good >= _DIODE_SAMPLES:
            if self._selftest_ok:
                self._set_relay(True, now)
            elif self._selftest_task is None:
                self._selftest_task = asyncio.create_task(self._selftest(self._session))

    async def _selftest(self, session):
        try:
            ok = await self.board.rcd_self_test()
        except Exception as e:
            self.log("evse: RCD self-test raised %r" % e)
            ok = False
        self._selftest_task = None
        if ok is False:
            self.log("evse: RCD self-test failed")
            self._fault(SELFTEST, self._now())
        elif session == self._session:
            self._selftest_ok = True  # passed, or no self-test circuit (None)

    def _set_relay(self, closed, now):
        if closed == self.relay_closed:
            return
        self.board.set_contactor(closed)
        self.relay_closed = closed
        self._fb_agree = True  # the feedback gets WELD_MS to follow
        self._fb_since = now
        self._c1_since = None
        self._oc_since = None
        self._emit("relay", closed)
        if not closed:  # a stop: count what was drawn and save it
            self.meter.update(now, False)
            self.meter.save(now)

    def _update_pilot(self, now):
        self._pilot_dirty = False
        if not self._available:
            duty = _F
        elif self.faults or not self._allowed or self.switching:
            duty = _X1
        else:
            amps = self._offer
            cap = self.board.max_current_a
            cable = self._cable_a()
            if cable is not None and cable < cap:
                cap = cable
            if amps > cap:
                amps = cap
            if self._derate:
                amps = amps / 2
            duty = pilot.duty_for(amps)
        if duty == self.pwm_duty:
            return
        self.board.set_pwm(duty)
        self.pwm_duty = duty
        self._offered = 0 if duty in (_X1, _F) else min(amps, pilot.MAX_A)
        self._drive_ms = now
        self._diode_good = 0  # a new output: the diode check starts over

    # -- faults -------------------------------------------------------------------------------
    def _fault(self, fid, now):
        self._set_relay(False, now)  # open first: everything else can wait
        if self._faults.raise_(fid, now):
            self.log("evse: fault %s (%s)" % (fid, error_code(fid)))
            self._pilot_dirty = True
            self._emit("fault", fid)

    def _clear(self, fid):
        if self._faults.clear(fid):
            self.log("evse: fault %s cleared" % fid)
            self._pilot_dirty = True
            self._emit("fault_cleared", fid)

    def _emit(self, event, value):
        for fn in self.listeners:
            try:
                fn(event, value)
            except Exception as e:  # a listener must never stop the control step
                self.log("evse: listener failed on %s: %r" % (event, e))
