# The unix board's simulated hardware and the control-port commands (MicroPython).
import json

import board
import control_port
import sim_commands
import sim_status


def make():
    return board.Board({"sim": {"control_port": 1, "phases": 3, "voltage": 230}}, log=lambda m: None)


def run(b, line):
    return control_port.execute(b, line)


def test_pilot_follows_the_ev():
    b = make()
    assert run(b, "status")["pilot_state"] == "A"
    assert run(b, "plug")["ok"]
    assert sim_status.pilot_state(b) == "B"
    b.set_pwm(26.7)  # 16 A
    assert run(b, "charge")["ok"] and sim_status.pilot_state(b) == "C"
    assert abs(b.offered_a() - 16) < 0.1
    assert b.pilot_levels() == (6, -12)
    run(b, "pause")
    assert sim_status.pilot_state(b) == "B"
    b.set_pwm(0)
    assert sim_status.pilot_state(b) == "F"


def test_faults_change_what_the_hardware_shows():
    b = make()
    run(b, "plug")
    b.set_pwm(50)
    assert run(b, "fault diode")["ok"]
    assert b.pilot_levels() == (9, 9)  # no diode: the low level is not -12 V
    run(b, "fault ground")
    assert sim_status.pilot_state(b) == "E"
    run(b, "fault weld")
    b.set_contactor(True)
    b.set_contactor(False)
    assert b.contactor_feedback()  # welded
    assert run(b, "clear")["faults"] == []
    assert not b.contactor_feedback()  # freed: the contacts follow the last command (open)


def test_meter_counts_only_while_the_ev_draws():
    import time
    b = make()
    b.meter_imp_per_kwh = 100000  # fine resolution for a short test
    run(b, "plug")
    b.set_pwm(53.3)  # 32 A
    b.set_contactor(True)
    time.sleep_ms(50)
    assert run(b, "status")["energy_wh"] == 0 and b.power_w() == 0  # state B draws nothing
    run(b, "charge")
    run(b, "ev_max 16")
    assert b.power_w() == 16 * 230 * 3
    time.sleep_ms(200)
    e = run(b, "status")["energy_wh"]
    # 11 kW for 0.2 s is about 0.6 Wh: about 60 pulses at 100000 imp/kWh, not yet 1 Wh
    assert 20 < b.pulses < 300 and e == b.pulses * 1000 // 100000, (b.pulses, e)
    b.set_contactor(False)
    assert b.power_w() == 0


def test_bad_commands_are_answered_not_raised():
    b = make()
    for line in ("", "fly", "charge", "card", "card " + "x" * 21, "ev_max x", "ev_max 99",
                 "fault fire", "plug now"):
        r = run(b, line)
        assert r["ok"] is False and r["error"], (line, r)


def test_card_reaches_the_agent():
    b = make()
    got = []
    b.on_card = lambda tag, connector: got.append((tag, connector))
    assert run(b, "card ABC123")["ok"]
    assert run(b, "card 7")["ok"]  # a one-word idTag, not a connector number
    assert got == [("ABC123", None), ("7", None)]  # the charge point's one reader


def test_every_ev_command_takes_a_connector_number():
    b = board.Board({"sim": {"connectors": 2}}, log=lambda m: None)
    got = []
    b.on_card = lambda tag, connector: got.append((tag, connector))
    assert b.connectors == 2 and b.outlet(1) is b and b.outlet(2) is not b
    assert run(b, "plug 2") == {"ok": True, "ev_state": "B"}
    assert b.ev_state == "A" and b.outlet(2).ev_state == "B"
    assert run(b, "charge 2")["ok"] and b.outlet(2).ev_state == "C"
    assert run(b, "charge")["ok"] is False  # connector 1 has no EV
    assert run(b, "card TAG 2")["ok"] and got == [("TAG", 2)]
    assert run(b, "ev_max 10 2")["ev_max_a"] == 10 and b.outlet(2).ev_max_a == 10
    assert b.ev_max_a != 10
    assert run(b, "fault rcd 2")["faults"] == ["rcd"] and b.faults == []
    assert run(b, "status 2")["ev_state"] == "C" and run(b, "status 2")["connector"] == 2
    assert run(b, "status")["ev_state"] == "A"
    assert run(b, "clear 2")["ok"] and b.outlet(2).faults == []
    r = run(b, "plug 3")
    assert r["ok"] is False and "connector 3" in r["error"]
    for bad in ({"connectors": 0}, {"connectors": "2"}, {"connectors": 99}):
        try:
            board.Board({"sim": bad}, log=lambda m: None)
            assert False, bad
        except ValueError as e:
            assert "sim.connectors" in str(e)


def test_net_down_and_up_tell_the_agent():
    b = make()
    seen = []
    b.on_network = seen.append
    assert run(b, "net down") == {"ok": True, "network": False}
    assert run(b, "status")["network"] is False
    assert run(b, "net up") == {"ok": True, "network": True}
    assert seen == [False, True]


class FakeClock:
    def __init__(self):
        self.t = 1000

    def __call__(self):
        return self.t


def test_board_interface_members_are_all_there():
    b = make()
    for name in ("name", "phases", "voltage", "max_current_a", "meter_imp_per_kwh", "has_lock",
                 "on_card"):
        assert hasattr(b, name), name
    for name in ("pilot_levels", "set_pwm", "set_contactor", "contactor_feedback", "meter_pulses",
                 "rcd_tripped", "rcd_reset", "rcd_self_test", "temperature_c", "currents_a", "lock",
                 "led", "feed_watchdog", "reset", "start"):
        assert callable(getattr(b, name)), name


def test_meter_pulses_are_timed_like_a_real_meter():
    c = FakeClock()
    b = board.Board({"sim": {"phases": 1, "voltage": 230, "meter_imp_per_kwh": 1000}},
                    log=lambda m: None, now_ms=c)
    run(b, "plug")
    b.set_pwm(26.7)  # 16.02 A x 230 V = 3684 W: a pulse every 977 ms
    b.set_contactor(True)
    run(b, "charge")
    assert b.meter_pulses() == (0, 0, 0)
    c.t += 10000
    count, last, interval = b.meter_pulses()
    assert count == 10 and 970 <= interval <= 985, (count, interval)
    assert 0 <= c.t - last < interval  # the last pulse is in the past, less than a period ago
    c.t += 500
    assert b.meter_pulses()[0] == 10 or b.meter_pulses()[0] == 11
    b.set_contactor(False)
    n = b.meter_pulses()[0]
    c.t += 10000
    assert b.meter_pulses()[0] == n  # nothing flows with the contactor open


def test_rcd_latches_until_reset_and_self_test_answers():
    import asyncio
    b = make()
    assert not b.rcd_tripped()
    run(b, "fault rcd")
    assert b.rcd_tripped()
    run(b, "clear")
    assert b.rcd_tripped(), "latched until reset"
    b.rcd_reset()
    assert not b.rcd_tripped()
    assert asyncio.run(b.rcd_self_test()) is True
    b.selftest_result = False
    assert asyncio.run(b.rcd_self_test()) is False


def test_sensors_lock_and_led():
    b = make()
    assert b.temperature_c() < 60
    run(b, "fault overtemp")
    assert b.temperature_c() >= 71
    run(b, "clear")
    assert b.currents_a() == (0, 0, 0)
    run(b, "plug")
    b.set_pwm(26.7)
    b.set_contactor(True)
    run(b, "charge")
    assert all(abs(a - 16) < 0.1 for a in b.currents_a()) and len(b.currents_a()) == 3
    assert b.lock(True) is True and b.locked
    b.lock_ok = False
    assert b.lock(False) is False and b.locked  # lock failure: stays locked
    b.led("charging")
    s = run(b, "status")
    assert s["led"] == "charging" and s["locked"] is True


def test_status_keeps_its_contract_fields_and_the_agent_overrides():
    b = make()
    s = run(b, "status")
    for k in ("pilot_state", "pwm_duty", "offered_a", "relay_closed", "energy_wh", "power_w",
              "connector_status", "transaction_id", "faults", "heap"):
        assert k in s, k
    b.status_fields = lambda n: {"connector_status": "Available", "energy_wh": 1234}
    s = run(b, "status")
    assert s["connector_status"] == "Available" and s["energy_wh"] == 1234


class Wire:
    """A control-port connection's writing end: what answer() wrote, write by write."""

    def __init__(self):
        self.writes = []

    def __call__(self, s):
        self.writes.append(s)

    def line(self):
        return "".join(self.writes)


def answer(b, line):
    """The reply line exactly as the port writes it, and the pieces it was written in."""
    w = Wire()
    control_port.execute(b, line, w)
    return w.line(), w.writes


def agent_fields(n=1):
    return {"pilot_state": "B", "pwm_duty": 26.7, "offered_a": 16.0, "relay_closed": False,
            "energy_wh": 1234, "power_w": 0, "faults": [], "error_code": "NoError",
            "connector_status": "Preparing", "transaction_id": 7, "registration": "Accepted"}


def test_status_on_the_wire_is_one_object_on_one_line_written_in_pieces():
    b = make()
    b.status_fields = agent_fields
    run(b, "plug")
    line, writes = answer(b, "status\n")
    assert line.endswith("\n") and line.count("\n") == 1, line
    s = json.loads(line)
    assert s["ok"] is True and s["ev_state"] == "B" and s["heap"]["live"] > 0
    # the agent's fields win, each key once: the line has no duplicate keys
    assert s["connector_status"] == "Preparing" and s["transaction_id"] == 7, s
    assert s["energy_wh"] == 1234 and s["pwm_duty"] == 26.7
    assert line.count('"energy_wh"') == 1 and line.count('"faults"') == 1, line
    # no piece holds the whole answer: the heap never sees it as one string
    assert len(writes) > 20 and max(len(w) for w in writes) < len(line) // 4, writes
    # the same keys and values as the reply dict (unit tests) but the heap figures
    d = run(b, "status")
    for k in ("heap",):
        del s[k], d[k]
    assert s == d, (s, d)


def test_other_replies_on_the_wire_and_errors_keep_the_line_well_formed():
    b = make()
    assert json.loads(answer(b, "plug\n")[0]) == {"ok": True, "ev_state": "B"}
    r = json.loads(answer(b, "fly away\n")[0])
    assert r["ok"] is False and "fly" in r["error"]

    def broken(n):
        raise MemoryError

    b.status_fields = broken
    line, _ = answer(b, "status\n")
    r = json.loads(line)  # still one well-formed object
    assert r["ok"] is False and "MemoryError" in r["error"] and line.count("\n") == 1


def test_contactor_latency_from_the_evs_move_to_the_contacts():
    c = FakeClock()
    b = board.Board({"sim": {}}, log=lambda m: None, now_ms=c)
    b.set_contactor(True)  # a move before any EV timing: not a latency
    b.set_contactor(False)
    assert run(b, "status")["contactor_latency"] == {"close_ms": None, "open_ms": None,
                                                     "open_max_ms": None}
    run(b, "plug")
    run(b, "charge")
    c.t += 120
    b.set_contactor(True)
    c.t += 500
    b.set_contactor(False)  # not the EV's doing: no open timing is running
    b.set_contactor(True)  # a second close: the timing counted the first one
    assert run(b, "status")["contactor_latency"]["close_ms"] == 120
    c.t += 1000
    run(b, "pause")
    c.t += 40
    b.set_contactor(False)
    c.t += 5000
    run(b, "charge")
    c.t += 10
    b.set_contactor(True)
    c.t += 1000
    run(b, "unplug")
    c.t += 25
    b.set_contactor(False)
    lat = run(b, "status")["contactor_latency"]
    assert lat == {"close_ms": 10, "open_ms": 25, "open_max_ms": 40}, lat


def test_ev_extra_draw_for_faulty_ev_tests():
    b = make()
    run(b, "plug")
    b.set_pwm(26.7)  # 16 A
    b.set_contactor(True)
    run(b, "charge")
    sim_commands.set_ev_extra(b, 4)
    assert all(abs(a - 20) < 0.1 for a in b.currents_a())
