"""The simulator control port's commands (see control_port.py): imported for one command line
and dropped after it, so the simulator's own code takes little of the agent's heap."""
import gc

FAULTS = ("rcd", "diode", "weld", "overtemp", "ground", "lock")


def execute(board, line):
    """Run one command line against the board; returns the reply dict."""
    words = line.split()
    if not words:
        return {"ok": False, "error": "empty command"}
    cmd, args = words[0].lower(), words[1:]
    if cmd == "status" and not args:
        r = status(board)
        r["ok"] = True
        return r
    if cmd in ("plug", "charge", "pause", "unplug") and not args:
        if cmd in ("charge", "pause") and board.ev_state == "A":
            return {"ok": False, "error": "no EV plugged in"}
        board.ev({"plug": "B", "charge": "C", "pause": "B", "unplug": "A"}[cmd])
        return {"ok": True, "ev_state": board.ev_state}
    if cmd == "card" and len(args) == 1:
        if len(args[0]) > 20:
            return {"ok": False, "error": "idTag longer than 20 characters"}
        board.card(args[0])
        return {"ok": True}
    if cmd == "ev_max" and len(args) == 1:
        try:
            amps = float(args[0])
        except ValueError:
            amps = -1
        if not 0 <= amps <= 80:
            return {"ok": False, "error": "ev_max takes amps from 0 to 80"}
        board.set_ev_max(amps)
        return {"ok": True, "ev_max_a": amps}
    if cmd == "fault" and len(args) == 1:
        if args[0] not in FAULTS:
            return {"ok": False, "error": "fault takes one of " + ", ".join(FAULTS)}
        board.fault(args[0])
        return {"ok": True, "faults": board.faults}
    if cmd == "clear" and not args:
        board.clear_faults()
        return {"ok": True, "faults": []}
    return {"ok": False, "error": "unknown command: " + line[:40]}


def status(board):
    """The control port's status answer: hardware view, then the agent's fields over it.

    The agent's status_fields() should supply the firmware's view (energy_wh from the
    persistent register, connector_status, transaction_id, faults as fault ids).
    """
    s = {
        "pilot_state": board.pilot_state(),
        "pwm_duty": board.pwm_duty,
        "offered_a": board.offered_a(),
        "relay_closed": board.relay,
        "energy_wh": board.energy_wh(),
        "power_w": board.power_w(),
        "ev_state": board.ev_state,
        "ev_max_a": board.ev_max_a,
        "faults": list(board.faults),
        "sim_faults": list(board.faults),
        "rcd_latched": board._rcd_latched,
        "temperature_c": board.temperature_c(),
        "meter_pulses": board.pulses,
        "locked": board.locked,
        "led": board.led_pattern,
        "connector_status": None,
        "transaction_id": None,
    }
    if board.status_fields:
        s.update(board.status_fields())
    gc.collect()
    live = gc.mem_alloc()
    board.heap_live_peak = max(board.heap_live_peak, live)
    s["heap"] = {"live": live, "free": gc.mem_free(), "live_peak": board.heap_live_peak,
                 "after_imports": board.heap_after_imports}
    s["contactor_latency"] = dict(board.latency)
    s["phase_selected"] = board.phase_selected
    return s
