# boards/esp32_devkitc/board.py built on the simulated machine and used through the board
# interface (scenarios in host_tests/unit/fake_machine/board_scenarios.py).
import sys

_UNIT = [p for p in sys.path if p.endswith("host_tests/unit")][0]
sys.path.insert(0, _UNIT + "/fake_machine")

import board_scenarios as s

B = "esp32_devkitc"


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
def test_phase_selector(): s.phase_selector(B, 21, 22)
def test_bad_config(): s.bad_config(B, 14)  # GPIO14 is ADC2: unusable with WiFi on
def test_watchdog(): s.watchdog(B, 8000, 500, 120000)
def test_watchdog_maintenance_flag(): s.watchdog_maintenance_flag(B)
def test_reset(): s.reset(B)
async def test_start_network_clock_and_cards(): await s.start_network_clock_and_cards(B)
async def test_wifi_reconnects(): await s.wifi_reconnects(B)
async def test_ntp_never_blocks_the_loop(): await s.ntp_never_blocks_the_loop(B)
async def test_wrong_password_is_not_fatal(): await s.wrong_password_is_not_fatal(B)
async def test_evse_session(): await s.evse_session(B)


def test_s0_uses_the_pcnt_hardware_counter():
    bench = s.Bench(B)
    assert type(bench.board._meter).__name__ == "PcntS0Counter"
    m = bench.machine
    assert m._counters and m._counters[0].edge == m.Counter.FALLING


def test_s0_falls_back_to_a_soft_pin_irq_without_machine_counter():
    s.Bench(B)  # loads the fake machine
    import machine

    saved = machine.Counter
    del machine.Counter
    try:
        bench = s.Bench(B)
        assert type(bench.board._meter).__name__ == "S0Counter"
        assert bench.machine.pin(4)._irq[2] is False  # esp32 pin IRQs are soft
    finally:
        machine.Counter = saved


def test_adc_uses_11_db_attenuation():
    bench = s.Bench(B)
    # the pilot divider spans 0.3..2.4 V: only the 11 dB range covers it
    import machine

    adc = machine.ADC(machine.Pin(36), atten=machine.ADC.ATTN_11DB)
    assert adc.atten == machine.ADC.ATTN_11DB
    assert bench.board.PINS["pilot_adc"] in bench.board.ADC_PINS
