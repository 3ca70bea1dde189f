# The EVSE controller: pilot transitions, the contactor interlock and its latency (MicroPython).
import asyncio
import time

from fake_board import Clock, MemStore, charging, make, run, run_until


async def test_starts_safe_open_and_without_pwm():
    e, b, c, _ = make()
    assert b.contactor_log == [False] and b.pwm_log == [100]
    assert e.state == "A" and not e.relay_closed and e.offered_a() == 0
    e.offer(32)
    await run(e, c, 500)
    assert b.duty == 100, "no PWM before a transaction is allowed"
    e.allow(True)
    assert b.duty == 53.3 and e.offered_a() == 32  # applied at once, not at the next step


async def test_a_full_session_walks_every_transition():
    e, b, c, _ = make()
    events = []
    e.add_listener(lambda ev, v: events.append((ev, v)))
    b.ev = "B"
    await run(e, c, 300)
    assert e.state == "B" and events == [("state", "B")]
    b.ev = "C"  # EV asks before authorisation: C1, nothing closes
    await run(e, c, 500)
    assert e.state == "C" and not b.closed
    e.offer(16)
    e.allow(True)
    assert b.duty == 26.7
    await run(e, c, 100)
    assert b.closed and e.relay_closed
    assert events[-2:] == [("state", "C"), ("relay", True)], events
    b.ev = "B"  # pause
    await run(e, c, 300)
    assert not b.closed and e.state == "B"
    b.ev = "C"  # resume
    await run(e, c, 300)
    assert b.closed
    b.ev = "A"  # unplugged while charging
    await run(e, c, 100)
    assert not b.closed and e.state == "A"
    states = [v for ev, v in events if ev == "state"]
    relays = [v for ev, v in events if ev == "relay"]
    assert states == ["B", "C", "B", "C", "A"], states
    assert relays == [True, False, True, False], relays
    assert e.faults == []


async def test_state_d_never_closes():
    e, b, c, _ = make()
    e.offer(32)
    e.allow(True)
    b.ev = "D"  # ventilation required: this EVSE has none
    await run(e, c, 1000)
    assert e.state == "D" and not b.closed and e.faults == []


async def test_closes_only_in_c_with_pwm_diode_allow_and_availability():
    # not allowed
    e, b, c, _ = make()
    e.offer(32)
    b.ev = "C"
    await run(e, c, 1000)
    assert not b.closed and b.duty == 100
    # allowed but below 6 A: no PWM, so no close
    e.offer(5)
    e.allow(True)
    await run(e, c, 1000)
    assert not b.closed and b.duty == 100 and e.offered_a() == 0
    # unavailable: pilot F, never closes
    e.offer(32)
    e.set_available(False)
    await run(e, c, 1000)
    assert not b.closed and b.duty == 0 and e.state == "F" and e.faults == []
    e.set_available(True)
    await run(e, c, 1000)
    assert b.closed
    # the diode check must pass first: a missing diode never lets it close
    e, b, c, _ = make()
    b.diode = False
    e.offer(32)
    e.allow(True)
    b.ev = "C"
    await run(e, c, 1000)
    assert not b.closed and b.contactor_log == [False]


async def test_contactor_opens_within_100_ms_of_leaving_c():
    # latency in control-loop time, from the first step that sees the new level
    for leave in ("B", "A", "E", "F", "D"):
        e, b, c, _ = await charging()
        if leave == "F":
            b.levels = (-12, -12)  # pilot pulled to -12 V by a fault
        else:
            b.ev = leave
        ms = await run_until(e, c, lambda: not b.closed, 200)
        assert ms is not None and ms <= 100, (leave, ms)
        assert ms <= 30, (leave, ms)  # LEAVE_C_MS 20 + one sample


async def test_contactor_open_latency_at_a_slower_loop():
    # a loop that only manages a step every 25 ms (busy agent) still opens within 100 ms
    e, b, c, _ = await charging()
    b.ev = "B"
    ms = await run_until(e, c, lambda: not b.closed, 300, step=25)
    assert ms is not None and ms <= 100, ms


async def test_glitch_out_of_c_does_not_open():
    e, b, c, _ = await charging()
    for _ in range(20):
        b.ev = "B"  # one noisy sample in three
        await run(e, c, 10)
        b.ev = "C"
        await run(e, c, 20)
    assert b.contactor_log == [False, True] and b.closed


async def test_allow_false_and_unavailable_open_at_once():
    e, b, c, _ = await charging()
    e.allow(False)  # no step in between
    assert not b.closed and not e.relay_closed and b.duty == 100
    e, b, c, _ = await charging()
    e.set_available(False)
    assert not b.closed and b.duty == 0


async def test_pwm_off_while_the_ev_stays_in_c_forces_open_after_6_s():
    e, b, c, logs = await charging()
    e.offer(0)  # suspended by the OCPP side: steady +12 V (C1)
    assert b.duty == 100 and e.offered_a() == 0
    await run(e, c, 5900)
    assert b.closed, "the EV has 6 s to stop drawing"
    await run(e, c, 200)
    assert not b.closed and e.faults == []
    assert any("PWM off" in m for m in logs), logs
    e.offer(16)  # back on: it may close again
    await run(e, c, 200)
    assert b.closed and b.duty == 26.7


async def test_pwm_off_then_ev_goes_to_b_opens_at_once():
    e, b, c, _ = await charging()
    e.offer(0)
    await run(e, c, 500)
    b.ev = "B"
    ms = await run_until(e, c, lambda: not b.closed, 200)
    assert ms <= 30, ms


async def test_offer_is_capped_by_the_board_rating():
    e, b, c, _ = make(max_a=16)
    e.allow(True)
    e.offer(32)
    assert b.duty == 26.7 and e.offered_a() == 16
    e.offer(10)
    assert b.duty == 16.7 and e.offered_a() == 10


async def test_a_failing_listener_does_not_stop_the_loop():
    e, b, c, logs = make()

    def bad(ev, v):
        raise ValueError("listener bug")

    e.add_listener(bad)
    e.offer(16)
    e.allow(True)
    b.ev = "C"
    await run(e, c, 600)
    assert b.closed and e.faults == []
    assert any("listener failed" in m for m in logs)


async def test_run_loop_with_the_unix_board_and_real_time():
    import board
    import control_port

    bd = board.Board({"sim": {"phases": 1}}, log=lambda m: None)
    from evse.controller import Evse

    e = Evse(bd, MemStore(), log=lambda m: None)
    task = asyncio.create_task(e.run())
    control_port.execute(bd, "plug")
    await asyncio.sleep_ms(400)
    assert e.state == "B" and bd.pwm_duty == 100
    e.offer(16)
    e.allow(True)
    control_port.execute(bd, "charge")
    await asyncio.sleep_ms(400)
    assert e.relay_closed and bd.relay and control_port.execute(bd, "status")["pilot_state"] == "C"
    t0 = time.ticks_ms()
    control_port.execute(bd, "unplug")
    while bd.relay and time.ticks_diff(time.ticks_ms(), t0) < 1000:
        await asyncio.sleep_ms(1)
    # real time on a shared host: only a loose bound here; the 100 ms bound is checked in loop
    # time (fake clock) by test_contactor_opens_within_100_ms_of_leaving_c
    assert not bd.relay and time.ticks_diff(time.ticks_ms(), t0) < 1000
    assert e.state == "A"
    task.cancel()


async def test_the_unix_board_faults_reach_the_controller():
    import board
    import control_port

    c = Clock()
    bd = board.Board({"sim": {}}, log=lambda m: None, now_ms=c)
    from evse.controller import Evse

    e = Evse(bd, MemStore(), log=lambda m: None, now_ms=c)
    e.policy["rcd"] = (1000, 6)  # retry after 1 s instead of 5 min
    control_port.execute(bd, "plug")
    e.offer(32)
    e.allow(True)
    control_port.execute(bd, "charge")
    await run(e, c, 600)
    assert bd.relay
    for name, fid, code in (("rcd", "rcd", "GroundFailure"), ("overtemp", "overtemp", "HighTemperature"),
                            ("ground", "pilot_e", "EVCommunicationError")):
        control_port.execute(bd, "fault " + name)
        await run(e, c, 1100)
        assert not bd.relay and fid in e.faults and e.error_code() == code, (name, e.faults)
        control_port.execute(bd, "clear")
        await run(e, c, 1600)
        assert e.faults == [] and bd.relay, (name, e.faults)
    # weld: open (EV pauses) but the contacts stay closed
    control_port.execute(bd, "fault weld")
    control_port.execute(bd, "pause")
    await run(e, c, 1200)
    assert e.faults == ["weld"] and e.error_code() == "PowerSwitchFailure"
    control_port.execute(bd, "unplug")
    await run(e, c, 1200)
    assert e.faults == ["weld"], "unplugging does not clear a welded contactor"
    control_port.execute(bd, "clear")  # the contacts come free (repaired)
    await run(e, c, 1200)
    assert e.faults == []
    # diode: needs PWM on, then the EV is seen without its diode
    control_port.execute(bd, "fault diode")
    control_port.execute(bd, "plug")
    await run(e, c, 600)
    assert e.faults == ["diode"] and e.error_code() == "EVCommunicationError"
    control_port.execute(bd, "clear")
    control_port.execute(bd, "unplug")
    await run(e, c, 100)
    assert e.faults == []


async def test_status_fields_for_the_simulator_status():
    e, b, c, _ = await charging(16)
    s = e.status_fields()
    assert s["pilot_state"] == "C" and s["relay_closed"] is True and s["pwm_duty"] == 26.7
    assert s["offered_a"] == 16 and s["faults"] == [] and s["error_code"] == "NoError"
    assert s["energy_wh"] == 0 and s["power_w"] == 0 and s["locked_out"] == []
    b.leak = True
    await run(e, c, 10)
    s = e.status_fields()
    assert s["faults"] == ["rcd"] and s["error_code"] == "GroundFailure" and not s["relay_closed"]


async def test_the_temperature_is_read_once_a_second_not_every_step():
    # Reading a thermistor is float maths: once a second is enough (the control step runs
    # every 10 ms, and the contactor must never wait behind it).
    e, b, c, _ = make()
    await run(e, c, 100)
    b.temp_reads = 0
    await run(e, c, 3000)
    assert 2 <= b.temp_reads <= 4, b.temp_reads


async def test_the_outlet_is_described_to_the_side_above():
    e, b, c, _ = make()
    assert (e.phases, e.voltage, e.max_current_a, e.has_lock) == (3, 230, 32, False)
    assert e.select_phase(2) is None  # no phase relay fitted on this board
    e.led("charging")
    assert e.lock(True) is None


async def test_a_paced_offer_waits_5_s_after_the_last_change():
    from evse.controller import PACE_MS

    e, b, c, _ = await charging(32)
    await run(e, c, 1000)  # 1.4 s after the PWM came on
    e.offer(16, paced=True)
    assert b.duty == 53.3  # not yet: the EV has 5 s to follow a change
    e.offer(10, paced=True)  # a newer limit replaces the waiting one
    t = await run_until(e, c, lambda: b.duty != 53.3, PACE_MS)
    assert b.duty == 16.7 and 3400 <= t <= 3700, t
    e.offer(0)  # not paced (a stop): at once
    assert b.duty == 100


async def test_a_phase_switch_never_happens_under_load():
    from fake_board import FakeBoard

    b = FakeBoard()
    switched = []

    def set_phases(n):
        if b.closed:
            return False  # the relay refuses under load, as the boards' do
        switched.append(n)
        return True

    b.phases = 3
    b.set_phases = set_phases
    e, b, c, logs = await charging(32, board=b)
    assert e.switches_phases and e.phases_in_use == 3
    switched.clear()  # (the EVSE set three phases when it was built)
    b.amps = (32.0, 32.0, 32.0)
    task = asyncio.create_task(e.use_phases(1))
    await asyncio.sleep_ms(0)
    await run(e, c, 100)
    assert b.duty == 100 and e.switching  # PWM off first: the EV is asked to stop
    await asyncio.sleep_ms(50)
    assert b.closed and switched == []  # still drawing: no switch yet
    b.amps = (0.0, 0.0, 0.0)  # the EV stopped drawing
    for _ in range(20):
        await run(e, c, 20)
        await asyncio.sleep_ms(25)
        if switched:
            break
    assert switched == [1] and not b.closed and e.phases_in_use == 1
    assert not b.closed  # and it stays open until the relay settled
    await run(e, c, 500)
    assert not b.closed and b.duty == 100
    task.cancel()
