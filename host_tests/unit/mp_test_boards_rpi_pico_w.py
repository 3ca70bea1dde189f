# boards/rpi_pico_w/board.py built on the simulated machine and used through the board
# interface (scenarios in host_tests/unit/fake_machine/board_scenarios.py).
import sys

_UNIT = [p for p in sys.path if p.endswith("host_tests/unit")][0]
sys.path.insert(0, _UNIT + "/fake_machine")

import board_scenarios as s

B = "rpi_pico_w"


def test_interface(): s.interface(B)
def test_example_config(): s.example_config(B)
def test_safe_at_start(): s.safe_at_start(B)
def test_pilot_states_and_diode(): s.pilot(B)
def test_pilot_calibration_from_config(): s.pilot_calibration_from_config(B)
def test_contactor_and_feedback(): s.contactor(B)
def test_meter_pulses(): s.meter(B)
def test_two_outlets(): s.two_outlets(B)
async def test_two_outlet_sessions(): await s.two_outlet_sessions(B)
def test_rcd_trip(): s.rcd(B)
async def test_rcd_self_test(): await s.rcd_self_test(B)
def test_cable_lock(): s.cable_lock(B)
def test_led(): s.led(B)
def test_temperature(): s.temperature(B)
def test_phase_selector(): s.phase_selector(B, 20, 21)
def test_bad_config(): s.bad_config(B, 22)  # ADC only on GP26-28
def test_watchdog(): s.watchdog(B, 8000, 0, 9000)  # rp2: at most 8388 ms
def test_watchdog_maintenance_flag(): s.watchdog_maintenance_flag(B)
def test_reset(): s.reset(B)
async def test_start_network_clock_and_cards(): await s.start_network_clock_and_cards(B)
async def test_wifi_reconnects(): await s.wifi_reconnects(B)
async def test_ntp_never_blocks_the_loop(): await s.ntp_never_blocks_the_loop(B)
async def test_wrong_password_is_not_fatal(): await s.wrong_password_is_not_fatal(B)
async def test_evse_session(): await s.evse_session(B)


def test_s0_and_rcd_use_hard_irqs():
    bench = s.Bench(B)
    assert type(bench.board._meter).__name__ == "S0Counter"
    assert bench.machine.pin(bench.pins["s0"])._irq[2] is True
    assert bench.machine.pin(bench.pins["rcd"])._irq[2] is True


def test_status_led_is_the_on_board_led_by_default():
    bench = s.Bench(B)
    assert bench.pins["led"] == "LED"
    bench.board.led("available")
    bench.machine.run_timers(200)
    assert bench.machine.pin("LED").level() == 1
