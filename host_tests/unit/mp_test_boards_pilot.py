# The pilot front end (boards/common/pilot_frontend.py) on the simulated machine: the EV's
# resistor network and diode seen through the divider and the ADC, sampled around the PWM.
import sys

_UNIT = [p for p in sys.path if p.endswith("host_tests/unit")][0]
sys.path.insert(0, _UNIT + "/fake_machine")
sys.path.insert(0, _UNIT[:-len("host_tests/unit")] + "boards/common")

import machine
import pilot_world
from evse import pilot  # the firmware's thresholds decide what the levels mean
from pilot_frontend import PilotFrontEnd

NOMINAL_CAL = {"adc_p12": pilot_world.counts(pilot_world.cp_volts(12, "A")),
               "adc_m12": pilot_world.counts(pilot_world.cp_volts(-12, "A"))}


def make(noise=0, cal=None, pwm_pin=25, adc_pin=36):
    machine.reset_world()
    ev = pilot_world.PilotWorld(pwm_pin, adc_pin, noise=noise)
    pwm = machine.PWM(machine.Pin(pwm_pin), freq=1000, duty_u16=65535)
    fe = PilotFrontEnd(pwm, machine.ADC(machine.Pin(adc_pin)).read_u16, cal or NOMINAL_CAL)
    return ev, fe, pwm


def test_the_board_default_calibration_is_the_nominal_divider():
    import hwboard

    assert hwboard.HardwareBoard.PILOT_CAL == NOMINAL_CAL


def test_every_ev_state_reads_as_its_letter_with_pwm_on():
    ev, fe, _ = make()
    fe.set_pwm(26.7)  # 16 A
    for state, nominal in (("B", 9), ("C", 6), ("D", 3)):
        ev.state = state
        high, low = fe.levels()
        assert pilot.classify(high) == state, (state, high)
        assert abs(high - nominal) < 0.5, (state, high)
        assert pilot.diode_ok(low), (state, low)
        assert low < -11.5


def test_state_a_is_steady_plus_12_and_pwm_off_gives_equal_levels():
    ev, fe, _ = make()
    high, low = fe.levels()
    assert high == low and abs(high - 12) < 0.01 and pilot.classify(high) == "A"
    for state in "BC":  # X1: no PWM, the EV's resistor still pulls the steady level down
        ev.state = state
        high, low = fe.levels()
        assert high == low and pilot.classify(high) == state


def test_state_e_shorted_pilot_and_state_f_driven_minus_12():
    ev, fe, _ = make()
    ev.state = "C"
    fe.set_pwm(0)
    high, low = fe.levels()
    assert pilot.classify(high) == "F" and abs(high + 12) < 0.01 and high == low
    ev.state = "E"
    fe.set_pwm(26.7)
    high, low = fe.levels()
    assert pilot.classify(high) == "E" and abs(high) < 0.3


def test_a_missing_diode_fails_the_diode_check_in_b_c_and_d():
    ev, fe, _ = make()
    ev.diode = False
    fe.set_pwm(50)
    for state in "BCD":
        ev.state = state
        high, low = fe.levels()
        assert pilot.classify(high) == state  # the high level alone looks normal
        assert not pilot.diode_ok(low), (state, low)
        assert abs(low + high) < 1  # the resistor now conducts both ways: low = -high


def test_the_short_high_part_at_6_amps_is_found_every_time():
    ev, fe, _ = make()
    fe.set_pwm(10)  # 6 A: +level only 100 us per period
    ev.state = "C"
    for _ in range(20):
        high, low = fe.levels()
        assert pilot.classify(high) == "C", high
        assert pilot.diode_ok(low)


def test_adc_noise_is_averaged_over_the_plateau():
    ev, fe, _ = make(noise=400)  # +-400 counts, about +-0.23 V
    fe.set_pwm(53.3)
    ev.state = "B"
    for _ in range(10):
        high, low = fe.levels()
        assert abs(high - 9) < 0.3 and pilot.classify(high) == "B", high
        assert low < -11.5


def test_duty_percent_to_duty_u16_and_an_inverting_driver():
    _, fe, pwm = make()
    for duty, u16 in ((100, 65535), (0, 0), (10, 6554), (26.7, 17498), (53.3, 34930)):
        fe.set_pwm(duty)
        assert pwm.duty_u16() == u16, (duty, pwm.duty_u16())
    cal = dict(NOMINAL_CAL, invert=True)
    ev, fe, pwm = make(cal=cal)
    pwm.invert = False  # the world sees the pin: inverted by the driver stage, not the PWM
    fe.set_pwm(100)
    assert pwm.duty_u16() == 0
    fe.set_pwm(10)
    assert pwm.duty_u16() == 65535 - 6554


def test_calibration_is_linear_between_the_two_points():
    _, fe, _ = make(cal={"adc_p12": 50000, "adc_m12": 10000})
    assert fe.volts(50000) == 12 and fe.volts(10000) == -12 and fe.volts(30000) == 0
    try:
        make(cal={"adc_p12": 100, "adc_m12": 100})
    except ValueError as e:
        assert "adc_p12" in str(e)
    else:
        raise AssertionError("equal calibration points accepted")


def test_a_falling_divider_swaps_the_extremes():
    # a front end whose ADC counts fall as the pilot rises (inverting amplifier)
    machine.reset_world()
    ev = pilot_world.PilotWorld(25, 36)
    pwm = machine.PWM(machine.Pin(25), freq=1000, duty_u16=65535)
    adc = machine.ADC(machine.Pin(36))
    fe = PilotFrontEnd(pwm, lambda: 65535 - adc.read_u16(),
                       {"adc_p12": 65535 - NOMINAL_CAL["adc_p12"],
                        "adc_m12": 65535 - NOMINAL_CAL["adc_m12"]})
    fe.set_pwm(26.7)
    ev.state = "C"
    high, low = fe.levels()
    assert pilot.classify(high) == "C" and pilot.diode_ok(low)
