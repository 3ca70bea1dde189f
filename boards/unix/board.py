"""The unix board: the charger's hardware simulated in software, with an EV plugged into it.

It offers the same small interface as a real board (boards/<name>/board.py), so the firmware
above cannot tell the difference:

    pilot_levels() -> (high_v, low_v)  pilot voltage as the ADC would see it around a PWM period
    set_pwm(duty)                      pilot PWM in percent; 100 = steady +12 V, 0 = steady -12 V
    set_contactor(closed)              drive the contactor relay
    contactor_feedback() -> bool       auxiliary contact: is it really closed?
    energy_wh() -> int                 pulse-meter register in Wh
    power_w() -> int                   power from the pulse interval
    phases, voltage                    supply as wired
    on_card                            set by the agent: fn(id_tag) when a card is presented
    reset(hard)                        restart the firmware (here: exit for the launcher)
    async start(agent)                 background services (here: the control port)

The simulated EV is driven from the control port (boards/unix/control_port.py).
"""
import asyncio
import gc
import sys
import time

from micropython import const

RESET_EXIT_CODE = const(75)  # tools/unix-agent restarts the agent on this exit status

# Pilot high level for each EV state (IEC 61851-1 Annex A, nominal volts).
_HIGH_V = {"A": 12, "B": 9, "C": 6, "D": 3}


class Board:
    name = "unix"

    def __init__(self, settings, log=print):
        sim = settings.get("sim") or {}
        self.log = log
        self.control_port = sim.get("control_port")
        self.phases = sim.get("phases", 3)
        self.voltage = sim.get("voltage", 230)
        self.imp_per_kwh = sim.get("meter_imp_per_kwh", 1000)
        self.ev_max_a = sim.get("ev_max_a", 32)
        self.on_card = None
        self.status_fields = None  # set by the agent: fn() -> dict of its own status fields
        # EV side
        self.ev_state = "A"  # A unplugged, B plugged, C asking for energy
        self.faults = []
        # charger side
        self.pwm_duty = 100
        self.relay = False
        # meter: whole pulses counted, the fraction of the next pulse in watt-seconds
        self.pulses = 0
        self._pulse_ws = 0.0
        self._last_ms = time.ticks_ms()
        # heap figures for the status answer (simulator diagnostics)
        self.heap_after_imports = None
        self.heap_live_peak = 0

    # -- pilot -----------------------------------------------------------------------------------
    def set_pwm(self, duty):
        self._advance()
        self.pwm_duty = duty

    def pilot_levels(self):
        if self.pwm_duty == 0:
            return (-12, -12)  # state F: we drive -12 V
        if "ground" in self.faults:
            return (0, 0)  # pilot shorted to PE: state E
        high = _HIGH_V[self.ev_state]
        if self.ev_state == "A" or self.pwm_duty >= 100:
            return (high, high)  # no oscillator: the level is steady
        low = high if "diode" in self.faults else -12
        return (high, low)

    def pilot_state(self):
        high, low = self.pilot_levels()
        if high <= -11:
            return "F"
        if high < 2:
            return "E"
        for s in "ABCD":
            if abs(high - _HIGH_V[s]) <= 1:
                return s
        return "E"

    def offered_a(self):
        """Current advertised by the PWM duty (IEC 61851-1 Annex A)."""
        d = self.pwm_duty
        if d < 8 or d > 97:
            return 0
        return d * 0.6 if d <= 85 else (d - 64) * 2.5

    # -- contactor -------------------------------------------------------------------------------
    def set_contactor(self, closed):
        self._advance()
        if not closed and "weld" in self.faults:
            return  # welded contacts stay closed
        self.relay = bool(closed)

    def contactor_feedback(self):
        return self.relay

    # -- meter -----------------------------------------------------------------------------------
    def _draw_a(self):
        if not self.relay or self.ev_state != "C" or "rcd" in self.faults:
            return 0
        return min(self.offered_a(), self.ev_max_a)

    def power_w(self):
        return int(self._draw_a() * self.voltage * self.phases)

    def _advance(self):
        """Integrate energy since the last call into whole meter pulses."""
        now = time.ticks_ms()
        dt = time.ticks_diff(now, self._last_ms)
        self._last_ms = now
        if dt <= 0:
            return
        ws = self.power_w() * dt / 1000 + self._pulse_ws
        per_pulse = 3600000 / self.imp_per_kwh
        n = int(ws // per_pulse)
        self.pulses += n
        self._pulse_ws = ws - n * per_pulse

    def energy_wh(self):
        self._advance()
        return self.pulses * 1000 // self.imp_per_kwh

    # -- the EV (control port) -------------------------------------------------------------------
    def ev(self, state):
        self._advance()
        self.ev_state = state

    def set_ev_max(self, amps):
        self._advance()
        self.ev_max_a = amps

    def fault(self, name):
        self._advance()
        if name not in self.faults:
            self.faults.append(name)

    def clear_faults(self):
        self._advance()
        self.faults = []

    def card(self, id_tag):
        if self.on_card:
            self.on_card(id_tag)

    def status(self):
        s = {
            "pilot_state": self.pilot_state(),
            "pwm_duty": self.pwm_duty,
            "offered_a": self.offered_a(),
            "relay_closed": self.relay,
            "energy_wh": self.energy_wh(),
            "power_w": self.power_w(),
            "ev_state": self.ev_state,
            "ev_max_a": self.ev_max_a,
            "faults": list(self.faults),
            "connector_status": None,
            "transaction_id": None,
        }
        if self.status_fields:
            s.update(self.status_fields())
        gc.collect()
        live = gc.mem_alloc()
        self.heap_live_peak = max(self.heap_live_peak, live)
        s["heap"] = {"live": live, "free": gc.mem_free(), "live_peak": self.heap_live_peak,
                     "after_imports": self.heap_after_imports}
        return s

    # -- system ----------------------------------------------------------------------------------
    async def start(self, agent):
        if self.control_port:
            import control_port

            await control_port.serve(self, self.control_port, self.log)
        asyncio.create_task(self._heap_monitor())

    async def _heap_monitor(self):
        """Live heap (after a collection) sampled twice a second: a peak a board would see."""
        while True:
            gc.collect()
            self.heap_live_peak = max(self.heap_live_peak, gc.mem_alloc())
            await asyncio.sleep_ms(500)

    def reset(self, hard=False):
        self.log("board: %s reset" % ("hard" if hard else "soft"))
        sys.exit(RESET_EXIT_CODE)
