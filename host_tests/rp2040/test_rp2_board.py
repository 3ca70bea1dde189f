"""The rp2 board code and the EVSE layer on an emulated RP2040 (make test-rp2): the real
MicroPython rp2 port (v1.28, the image of make firmware BOARD=rpi_pico, the agent and the
board code frozen in) driving the chip's PWM, ADC, GPIO, pin interrupts and watchdog, as
rp2040js models them. No fake `machine`: every level read here is a register of the chip.

Times are the chip's own (its clock at 125 MHz), the same on every host.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for _p in (HERE, os.path.dirname(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import rp2emu  # noqa: E402
from rp2rig import PINS, SCHEDULE_SRC, Rig, pilot_world  # noqa: E402

# No conftest.py here: the other tests import host_tests/conftest.py by that name.
pytestmark = pytest.mark.skipif(rp2emu.missing() is not None, reason=str(rp2emu.missing()))


@pytest.fixture
def chip():
    """A fresh emulated RP2040 booted into the image's REPL; no Traceback may reach its
    serial port."""
    c = rp2emu.Rp2Emulator.start()
    yield c
    c.close()
    assert "Traceback" not in c.output, c.output[-3000:]


@pytest.fixture
def rig(chip):
    return Rig(chip, {})


def pilot_counts(state, sign):
    """read_u16 counts of the pilot's high (sign 1) or low (-1) level with the EV in state."""
    return pilot_world.counts(pilot_world.cp_volts(sign * pilot_world.V_DRIVE, state))


SESSION = {"hardware": {"max_current_a": 32, "phases": 3}}


def test_image_is_the_supported_release_with_the_agent_frozen(chip):
    out = chip.raw_exec("import sys, board, evse.controller, ocpp\n"
                        "print(sys.implementation.version[:2], sys.implementation._machine)\n"
                        "print(board.__file__, ocpp.__file__)")
    assert "(1, 28) Raspberry Pi Pico (emulated) with RP2040" in out
    # frozen modules have no file on the filesystem: their __file__ is the frozen name
    assert "board.py" in out and "ocpp/__init__.py" in out
    assert chip.raw_exec("import os; print(os.listdir('/'))").strip() == "[]"


def test_pilot_pwm_is_1_khz_with_the_duty_of_the_offered_current(chip):
    rig = Rig(chip, SESSION)
    idle = chip.pwm(0)  # GP16 = PWM slice 0, channel A
    assert idle["enabled"] and abs(idle["freq_hz"] - 1000) < 0.5
    assert idle["duty_a"] == 1.0 and chip.gpio(PINS["pilot_pwm"]) == 1  # steady +12 V
    rig.ev("B")
    rig.until("e.state == 'B'")
    rig.call("!e.allow(True)")
    # IEC 61851-1: duty = A / 0.6, which the EVSE layer rounds to 0.1 % (evse/pilot.duty_for)
    for amps, duty in ((10, 16.7), (32, 53.3), (6, 10.0)):
        rig.call("!e.offer(%d)" % amps)
        rig.until("e.pwm_duty != 100 and e.offered_a() == %d" % amps)
        chip.run(ms=20)
        pwm = chip.pwm(0)
        assert abs(pwm["freq_hz"] - 1000) < 0.5, pwm
        assert abs(pwm["duty_a"] * 100 - duty) < 0.005, (amps, pwm)
    rig.call("!e.allow(False)")
    rig.until("e.pwm_duty == 100")
    chip.run(ms=20)
    assert chip.pwm(0)["duty_a"] == 1.0


def test_ev_resistances_through_the_divider_give_the_pilot_states(rig):
    rig.call("!from evse import pilot")
    expected = {"A": 11.90, "B": 8.93, "C": 5.98, "D": 2.93, "E": 0.0}  # docs/hardware.md
    for state in "ABE":  # steady +12 V: no PWM yet
        rig.ev(state)
        high, low = rig.call("b.pilot_levels()")
        assert rig.call("pilot.classify(%r)" % high) == state
        assert abs(high - expected[state]) < 0.15 and high == low, (state, high, low)
    rig.ev("B")
    rig.call("!e.offer(16); e.allow(True)")
    rig.until("e.pwm_duty != 100")
    for state in "BCD":
        rig.ev(state)
        high, low = rig.call("b.pilot_levels()")
        assert rig.call("pilot.classify(%r)" % high) == state, (state, high)
        assert abs(high - expected[state]) < 0.15, (state, high)
        assert rig.call("pilot.diode_ok(%r)" % low) and low < -11, (state, low)
        rig.until("e.state == %r" % state, 1000)


def test_the_pilot_window_is_paced_by_the_adc_and_moved_by_dma(rig):
    # the rp2 board's capture: the ADC's free-running mode into a DMA channel, 12-bit samples
    rig.ev("B")
    rig.call("!e.offer(16); e.allow(True)")
    rig.until("e.pwm_duty != 100")
    rig.ev("C")
    rig.call("!from array import array; raw = array('H', bytes(200))")  # not the loop's buffer
    assert rig.call("b._pilot._capture(raw, 100, 11)") == 4
    raw = rig.call("list(raw)")
    high, low = (round(pilot_counts("C", sign) * 4095 / 65535) for sign in (1, -1))  # 12-bit
    assert set(raw) <= {high, low} and raw.count(high) and raw.count(low), raw
    # about a quarter of the 1.1 ms window is the 26.7 % high part
    assert 18 <= raw.count(high) <= 36, raw.count(high)
    with_dma = rig.call("b.pilot_levels()")
    # the interpreter's own pacing, as on a port without such a capture: the same levels
    rig.call("!cap = b._pilot._capture; b._pilot._capture = None")
    paced = rig.call("b.pilot_levels()")
    rig.call("!b._pilot._capture = cap")
    assert abs(with_dma[0] - paced[0]) < 0.05 and abs(with_dma[1] - paced[1]) < 0.05
    assert rig.call("e.faults") == []


def test_missing_diode_is_a_fault_and_the_contactor_stays_open(rig):
    rig.ev("B")
    rig.until("e.state == 'B'")
    rig.call("!e.offer(16); e.allow(True)")
    rig.until("e.pwm_duty != 100")
    rig.ev("C", diode=False)
    rig.until("'diode' in e.faults", 2000)
    high, low = rig.call("b.pilot_levels()")
    assert low > -10  # the low level follows the high one: about -5.6 V
    assert not rig.call("e.relay_closed") and rig.chip.gpio(PINS["contactor"]) == 0


def test_contactor_closes_only_in_c_and_opens_within_100_ms_when_the_ev_leaves_c(chip):
    rig = Rig(chip, SESSION)
    rig.ev("B")
    rig.until("e.state == 'B'")
    rig.call("!e.offer(16); e.allow(True)")
    chip.run(ms=500)
    assert chip.gpio(PINS["contactor"]) == 0  # B: offered, but no closing
    rig.charge()
    assert rig.call("e.faults") == []
    for leave_to in ("B", "A"):
        us = rig.open_after(lambda: rig.ev(leave_to))
        assert us is not None, "the contactor did not open"
        latency_ms = us / 1000
        assert latency_ms <= 100, latency_ms
        print("EV C -> %s: contactor open after %.1f ms" % (leave_to, latency_ms))
        if leave_to == "B":
            rig.until("e.state == 'B'")
            rig.ev("C")
            rig.until("e.relay_closed", 3000)


def test_a_day_s_composite_schedule_being_worked_out_does_not_hold_up_the_contactor(chip):
    # GetCompositeSchedule's work (ocpp/model/profiles.py) as the agent does it: a moment at a
    # time, yielding to the event loop in between; meanwhile the EV leaves C
    rig = Rig(chip, SESSION)
    rig.charge()
    rig.call("!exec(%r)" % (SCHEDULE_SRC + WORKER_SRC))
    rig.call("!asyncio.create_task(work())")
    chip.run(ms=20)
    us = rig.open_after(lambda: rig.ev("B"))
    assert us is not None and us / 1000 <= 100, us
    rig.until("len(done) == 1", 2000)  # the schedule was still worked out, in full
    assert rig.call("len(done[0])") > 40  # periods where the limit changes


WORKER_SRC = """
done = []
async def work():
    out = []
    for _ in schedule.composite_steps(groups, T0, 86400, T0, 230, 3, 32, "A", out):
        await asyncio.sleep_ms(0)
    done.append(out)
"""


def test_rcd_trip_opens_the_contactor_at_once(chip):
    rig = Rig(chip, SESSION)
    rig.charge()
    chip.mirror(PINS["rcd_test"], None)
    us = rig.open_after(lambda: chip.drive(PINS["rcd"], 1), ms=5)  # the RCM module trips
    assert us is not None and us < 1000, us  # in the pin's IRQ: well under 1 ms
    print("RCD trip -> contactor open after %.0f us" % us)
    rig.until("'rcd' in e.faults")
    assert chip.gpio(PINS["contactor"]) == 0


def test_cable_lock_motor_pulse_and_its_end_switch(rig):
    chip = rig.chip
    chip.watch(PINS["lock_a"], PINS["lock_b"])
    # the end switch never moves (a jammed actuator): one 300 ms pulse, then False
    assert rig.call("b.lock(True)", ms=3000) is False
    edges = chip.edges()
    ups = [t for t, pin, level in edges if pin == PINS["lock_a"] and level == 1]
    downs = [t for t, pin, level in edges if pin == PINS["lock_a"] and level == 0]
    assert len(ups) == 1 and len(downs) == 1, edges
    assert 299 <= (downs[0] - ups[0]) / 1000 <= 310, edges  # lock_pulse_ms, default 300
    assert not [e for e in edges if e[1] == PINS["lock_b"]]  # the other half stays off
    chip.drive(PINS["lock_fb"], 1)  # the end switch now says locked: nothing to drive
    assert rig.call("b.lock(True)") is True and chip.edges() == []


def ntc_volts(celsius, r_fixed=10000, r25=10000, beta=3950):
    """The NTC divider's output (the thermistor in the low leg, docs/hardware.md) at celsius."""
    import math

    r = r25 * math.exp(beta * (1 / (celsius + 273.15) - 1 / 298.15))
    return 3.3 * r / (r_fixed + r)


def test_enclosure_temperature_through_the_adc_stops_a_session_when_too_hot(chip):
    rig = Rig(chip, SESSION)
    chip.adc(1, ntc_volts(25))  # GP27 = ADC1: the NTC
    assert abs(rig.call("b.temperature_c()") - 25) < 0.5
    rig.charge()
    chip.adc(1, ntc_volts(80))  # above the stop temperature (71 C)
    rig.until("'overtemp' in e.faults", 3000)
    assert not rig.call("e.relay_closed") and chip.gpio(PINS["contactor"]) == 0
    assert abs(rig.call("b.temperature_c()") - 80) < 1


@pytest.mark.parametrize("imp_per_kwh,count,width_us", [(1000, 40, 30000), (10000, 400, 5000)])
def test_s0_pulses_at_22_kw_none_lost(chip, imp_per_kwh, count, width_us):
    settings = {"hardware": dict(SESSION["hardware"], meter_imp_per_kwh=imp_per_kwh)}
    rig = Rig(chip, settings)
    rig.charge(32)
    power_w = 22000
    period_us = round(3.6e12 / (imp_per_kwh * power_w))  # 163.6 ms / 16.4 ms
    before = rig.call("b.meter_pulses()[0]")
    wh0 = rig.call("e.energy_wh()")
    chip_left.start = chip.t_us
    chip.pulses(PINS["s0"], count, period_us, width_us, level=0)
    chip.run(us=(count - 4) * period_us)
    power = rig.call("e.power_w()")  # while the pulses still come
    assert abs(power - power_w) < power_w * 0.01, power
    chip.run(us=chip_left(chip, count, period_us))
    assert rig.call("b.meter_pulses()[0]") - before == count
    rig.until("e.energy_wh() - %d == %d" % (wh0, count * 1000 // imp_per_kwh), 1500)
    assert rig.call("b._meter.rejected") == 0


def chip_left(chip, count, period_us):
    """Emulated time (us) from now to half a period after the train's last pulse."""
    return max(0, int(chip_left.start + (count - 0.5) * period_us - chip.t_us))


def test_watchdog_is_fed_while_the_agent_runs_and_resets_a_stalled_loop(chip):
    config = ('{"charge_point_id": "CP-EMU-1", "csms_url": "ws://10.0.0.9:9000/ocpp", '
              '"hardware": {"watchdog_ms": 3000}}')
    chip.raw_exec("f = open('config.json', 'w'); f.write(%r); f.close()" % config)
    chip.mirror(PINS["rcd_test"], PINS["rcd"])
    chip.mirror(PINS["contactor"], PINS["contactor_fb"])
    # the agent as main.py builds and runs it, with one test hook: a task that stalls the
    # event loop (a busy loop that never yields) once a line "stall" arrives on the serial port
    chip.raw_exec("import asyncio, select, sys, startup\n"
                  "board, cp = startup.build()\n"
                  "async def hook():\n"
                  "    poll = select.poll()\n"
                  "    poll.register(sys.stdin, select.POLLIN)\n"
                  "    while not poll.poll(0):\n"
                  "        await asyncio.sleep_ms(50)\n"
                  "    print('hook: stalling')\n"
                  "    while True:\n"
                  "        pass\n"
                  "async def agent():\n"
                  "    asyncio.create_task(hook())\n"
                  "    await cp.run()\n"
                  "asyncio.run(agent())\n", wait=False)
    chip.expect("watchdog armed, 3000 ms", ms=10000)
    chip.run(ms=8000)  # more than twice the timeout: fed all along
    assert [e for e in chip.events() if e["event"] == "reset"] == []
    chip.write("stall\n")
    chip.expect("hook: stalling", ms=1000)
    t0 = chip.t_us
    chip.run(ms=4000)
    resets = [e for e in chip.events() if e["event"] == "reset"]
    assert resets and resets[0]["reason"] == "watchdog", chip.events()
    assert 0 < resets[0]["t_us"] - t0 <= 3100 * 1000
    chip.wait_repl()
    assert "WDT_RESET" in chip.raw_exec(
        "import machine; print({machine.WDT_RESET: 'WDT_RESET', machine.PWRON_RESET: "
        "'PWRON_RESET'}.get(machine.reset_cause(), machine.reset_cause()))")


def test_mfrc522_card_uids_over_spi_as_upper_case_hex(rig):
    chip = rig.chip
    assert rig.call("b.cards is not None")  # VersionReg answered over SPI0: the reader is on
    assert "no MFRC522 answers" not in chip.output
    chip.card("04a2b3c4d5e680")  # a 7-byte UID (NTAG, DESFire): two cascade levels
    rig.until("len(cards) == 1", 1000)
    assert rig.call("cards") == ["04A2B3C4D5E680"]
    chip.run(ms=1500)  # still in the field, halted: reported once per presentation
    assert rig.call("cards") == ["04A2B3C4D5E680"]
    chip.card(None)
    chip.run(ms=600)
    chip.card("deadbeef")  # a 4-byte UID (MIFARE Classic)
    rig.until("len(cards) == 2", 1000)
    chip.card(None)
    chip.run(ms=600)
    frames = chip.card("04a2b3c4d5e680")  # the first card again: a new presentation
    rig.until("len(cards) == 3", 1000)
    assert rig.call("cards") == ["04A2B3C4D5E680", "DEADBEEF", "04A2B3C4D5E680"]
    assert rig.call("b.cards.reads") == 3 and frames > 10
