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
    b.set_contactor(False)
    assert not b.contactor_feedback()


def test_meter_counts_only_while_the_ev_draws():
    import time
    b = make()
    b.imp_per_kwh = 100000  # fine resolution for a short test
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
