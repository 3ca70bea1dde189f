"""The control port's `status` answer (control_port.py imports this for one answer, then drops it).

A module of its own because `status` comes at the agent's busiest moments (tests and the bench
ask for it at the end of a scenario): only this code is loaded for it, not the other commands
(sim_commands.py). The answer has some 30 members (~700 bytes of JSON); it is written a member
at a time and never held whole, as a dict of them and the line as one string once were.

Also here, as the status answer reports them: the pilot state the hardware shows and the
contactor latency figures.
"""
import gc
import json
import time

CLOSE, OPEN = 0, 1  # indexes of board.ev_marks_ms / board.moved_ms


def answer(board, write, n=1):
    """Write the status answer of connector n with write(str): one JSON object, then a newline.

    If making a member fails half-way (a MemoryError in a small heap), the line still ends as a
    well-formed object: the members so far, then "ok": false and the error:
        {"pilot_state": "A", ..., "ok": false, "error": "MemoryError()"}
    """
    sep = "{"
    try:
        for key, value in members(board, n):
            write('%s"%s": %s' % (sep, key, json.dumps(value)))  # keys are plain names
            sep = ", "
    except Exception as e:
        write('%s"ok": false, "error": %s' % (sep, json.dumps(repr(e))))
    write("}\n")


def members(board, n=1):
    """The status answer of connector n as (key, value) pairs, each key once: the hardware view,
    the agent's fields over it, simulator diagnostics, "ok" last.

    The agent's status_fields(n) supplies the firmware's view (energy_wh from the persistent
    register, connector_status, transaction_id, faults as fault ids).
    """
    outlet = board.outlet(n)
    agent = board.status_fields(n) if board.status_fields else {}
    yield "connector", n
    for key, value in _hardware(outlet):
        if key not in agent:
            yield key, value
    yield from agent.items()
    del agent  # gone before the heap figures: they show the agent, not this answer
    gc.collect()
    live = gc.mem_alloc()
    board.heap_live_peak = max(board.heap_live_peak, live)
    yield "heap", {"live": live, "free": gc.mem_free(), "live_peak": board.heap_live_peak,
                   "after_imports": board.heap_after_imports}
    fold_latency(outlet)
    yield "contactor_latency", dict(outlet.latency)  # a copy: a reply dict must not change
    yield "loop_lag_max_ms", board.loop_lag_max_ms
    yield "phase_selected", outlet.phase_selected
    yield "phases_in_use", outlet.phases_in_use
    yield "ev_phases", outlet.ev_phases
    yield "connectors", board.connectors
    yield "network", board.network_up
    yield "ok", True


def _hardware(board):
    """The simulated hardware's own view, (key, value) pairs (the agent overrides part of it)."""
    yield "pilot_state", pilot_state(board)
    yield "pwm_duty", board.pwm_duty
    yield "offered_a", board.offered_a()
    yield "relay_closed", board.relay
    # energy since boot from the pulses (the persistent register is the agent's: it overrides)
    yield "energy_wh", board.meter_pulses()[0] * 1000 // board.meter_imp_per_kwh
    yield "power_w", board.power_w()
    yield "ev_state", board.ev_state
    yield "ev_max_a", board.ev_max_a
    yield "faults", list(board.faults)
    yield "sim_faults", list(board.faults)
    yield "rcd_latched", board._rcd_latched
    yield "temperature_c", board.temperature_c()
    yield "meter_pulses", board.pulses
    yield "locked", board.locked
    yield "led", board.led_pattern
    yield "connector_status", None
    yield "transaction_id", None


def pilot_state(board):
    """The state the simulated hardware shows now (no debouncing): "A".."F"."""
    high = board.pilot_levels()[0]
    if high <= -11:
        return "F"
    for i, s in enumerate("ABCD"):
        if abs(high - (12 - 3 * i)) <= 1:  # the levels of board.pilot_levels(), +-1 V
            return s
    return "E"  # 0 V (shorted to PE) or a level no state has


def fold_latency(board):
    """Contactor latency as a test bench measures it, into board.latency: EV enters C ->
    contacts closed (close_ms), EV leaves C -> contacts open (open_ms, open_max_ms).

    sim_commands.ev() marks the EV's move; board.set_contactor() notes the contacts' first move
    each way after it. A timing counts once; it must be folded before the next mark that way.
    """
    marks, moved, latency = board.ev_marks_ms, board.moved_ms, board.latency
    for way in (CLOSE, OPEN):
        if marks[way] is None or moved[way] is None:
            continue  # no timing running, or the contacts have not moved yet
        ms = time.ticks_diff(moved[way], marks[way])
        marks[way] = None
        if way == CLOSE:
            latency["close_ms"] = ms
        else:
            latency["open_ms"] = ms
            latency["open_max_ms"] = max(latency["open_max_ms"] or 0, ms)
