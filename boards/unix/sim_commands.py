"""The simulator control port's commands but `status` (see control_port.py; the status answer
is sim_status.py): imported for one command line and dropped after it, so the simulator's own
code takes little of the agent's heap. Everything that only these commands need lives here,
not in board.py: driving the simulated EV, the faults and the card reader.
"""
import json

import sim_status

FAULTS = ("rcd", "diode", "weld", "overtemp", "ground", "lock")
_EV_STATE = {"plug": "B", "charge": "C", "pause": "B", "unplug": "A"}
_ARGS = {"card": 1, "cable": 1, "ev_max": 1, "ev_phases": 1, "fault": 1}  # arguments before the optional connector number


def answer(board, line, write=None):
    """Run one command line; write its reply, one JSON object on one line, with write(str).
    Without `write`, return the reply dict instead (unit tests)."""
    if not write:
        return execute(board, line)
    try:
        reply = execute(board, line)
    except Exception as e:  # a command must never take the agent down
        reply = {"ok": False, "error": repr(e)}
    write(json.dumps(reply))
    write("\n")  # its own write: never a copy of the reply with the newline on


def execute(board, line):
    """Run one command line against the board; returns the reply dict.

    Every EV and hardware command takes an optional trailing connector number (1 when absent):
    `plug 2`, `card TAG 2`, `status 2`."""
    words = line.split()
    if not words:
        return {"ok": False, "error": "empty command"}
    cmd, args = words[0].lower(), words[1:]
    if cmd == "lag" and args == ["reset"]:
        board.loop_lag_max_ms = 0
        return {"ok": True, "loop_lag_max_ms": 0}
    if cmd == "net" and len(args) == 1 and args[0] in ("up", "down"):
        network(board, args[0] == "up")
        return {"ok": True, "network": board.network_up}
    n = 1
    if len(args) > _ARGS.get(cmd, 0) and args[-1].isdigit():  # a trailing connector number
        n = int(args.pop())
        if not 1 <= n <= board.connectors:
            return {"ok": False, "error": "no connector %d (this board has %d)"
                                          % (n, board.connectors)}
    outlet = board.outlet(n)
    if cmd == "status" and not args:
        return dict(sim_status.members(board, n))
    if cmd in _EV_STATE and not args:
        if cmd in ("charge", "pause") and outlet.ev_state == "A":
            return {"ok": False, "error": "no EV plugged in"}
        ev(outlet, _EV_STATE[cmd])
        return {"ok": True, "ev_state": outlet.ev_state}
    if cmd == "card" and len(args) == 1:
        if len(args[0]) > 20:
            return {"ok": False, "error": "idTag longer than 20 characters"}
        if board.on_card:
            board.on_card(args[0], n if len(words) > 2 else None)
        return {"ok": True}
    if cmd == "ev_max" and len(args) == 1:
        try:
            amps = float(args[0])
        except ValueError:
            amps = -1
        if not 0 <= amps <= 80:
            return {"ok": False, "error": "ev_max takes amps from 0 to 80"}
        outlet._advance()  # the energy so far at the old current
        outlet.ev_max_a = amps
        return {"ok": True, "ev_max_a": amps}
    if cmd == "cable" and len(args) == 1:
        if args[0] not in ("13", "20", "32", "63", "none"):
            return {"ok": False, "error": "cable takes 13, 20, 32, 63 (A) or none (tethered)"}
        outlet.cable_a = None if args[0] == "none" else int(args[0])
        return {"ok": True, "cable_a": outlet.cable_a}
    if cmd == "ev_phases" and len(args) == 1:
        if args[0] not in ("1", "3"):
            return {"ok": False, "error": "ev_phases takes 1 or 3"}
        outlet._advance()
        outlet.ev_phases = int(args[0])
        return {"ok": True, "ev_phases": outlet.ev_phases}
    if cmd == "fault" and len(args) == 1:
        if args[0] not in FAULTS:
            return {"ok": False, "error": "fault takes one of " + ", ".join(FAULTS)}
        fault(outlet, args[0])
        return {"ok": True, "faults": outlet.faults}
    if cmd == "clear" and not args:
        clear_faults(outlet)
        return {"ok": True, "faults": []}
    return {"ok": False, "error": "unknown command: " + line.strip()[:40]}


def network(board, up):
    """The board's network is lost (`net down`: the agent's link drops, no connection can be
    made) or back (`net up`: the agent is told at once, as a board tells it WiFi is up)."""
    board.network_up = up
    if board.on_network:
        board.on_network(up)


def ev(board, state):
    """The EV at outlet `board` moves to `state` ("A", "B", "C"); entering or leaving C starts a
    latency timing (sim_status.fold_latency())."""
    board._advance()  # the energy so far at the old draw
    if (state == "C") != (board.ev_state == "C"):
        way = sim_status.CLOSE if state == "C" else sim_status.OPEN
        sim_status.fold_latency(board)  # the last timing that way ends before this one starts
        board.ev_marks_ms[way] = board._now()
        board.moved_ms[way] = None  # set by the contacts' next move that way (set_contactor)
    board.ev_state = state


def fault(board, name):
    """Inject a hardware fault (one of FAULTS); board.py simulates its effects."""
    board._advance()
    if name not in board.faults:
        board.faults.append(name)


def clear_faults(board):
    """Remove every fault; welded contacts come free and follow the firmware's command again."""
    board._advance()
    board.faults = []
    board.relay = board._commanded


def set_ev_extra(board, amps):
    """Unit tests: the EV draws ``amps`` more than offered (a faulty EV)."""
    board._advance()
    board.ev_extra_a = amps
