# The unix board's simulated hardware and the control-port commands (MicroPython).
import board
import control_port


def make():
    return board.Board({"sim": {"control_port": 1, "phases": 3, "voltage": 230}}, log=lambda m: None)


def run(b, line):
    return control_port.execute(b, line)


def test_pilot_follows_the_ev():
    b = make()
    assert run(b, "status")["pilot_state"] == "A"
    assert run(b, "plug")["ok"]
    assert b.pilot_state() == "B"
    b.set_pwm(26.7)  # 16 A
    assert run(b, "charge")["ok"] and b.pilot_state() == "C"
    assert abs(b.offered_a() - 16) < 0.1
    assert b.pilot_levels() == (6, -12)
    run(b, "pause")
    assert b.pilot_state() == "B"
    b.set_pwm(0)
    assert b.pilot_state() == "F"


def test_faults_change_what_the_hardware_shows():
    b = make()
    run(b, "plug")
    b.set_pwm(50)
    assert run(b, "fault diode")["ok"]
    assert b.pilot_levels() == (9, 9)  # no diode: the low level is not -12 V
    run(b, "fault ground")
    assert b.pilot_state() == "E"
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
    assert b.energy_wh() == 0 and b.power_w() == 0  # state B draws nothing
    run(b, "charge")
    run(b, "ev_max 16")
    assert b.power_w() == 16 * 230 * 3
    time.sleep_ms(200)
    e = b.energy_wh()
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
    b.on_card = got.append
    assert run(b, "card ABC123")["ok"]
    assert got == ["ABC123"]


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
    b.status_fields = lambda: {"connector_status": "Available", "energy_wh": 1234}
    s = run(b, "status")
    assert s["connector_status"] == "Available" and s["energy_wh"] == 1234
