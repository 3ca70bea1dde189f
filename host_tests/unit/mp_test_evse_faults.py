# EVSE faults: detection -> contactor open -> fault code -> recovery or lockout (MicroPython).
from fake_board import MemStore, charging, make, run

from evse import safety

MIN = 60000


async def wait(e, c, ms):
    """A long wait: steps of 100 ms (retry timing does not depend on the step)."""
    await run(e, c, ms, step=100)


def _events(e):
    seen = []
    e.add_listener(lambda ev, v: seen.append((ev, v)))
    return seen


async def test_every_fault_id_has_an_ocpp_error_code():
    codes = ("GroundFailure", "PowerSwitchFailure", "HighTemperature", "OverCurrentFailure",
             "EVCommunicationError", "InternalError")
    for fid in safety.PRIORITY:
        assert safety.error_code(fid) in codes, fid
        assert fid in safety.POLICY, fid
    assert sorted(safety.PRIORITY) == sorted(safety.ERROR_CODE)
    e, _, _, _ = make()
    assert e.error_code() == "NoError"


async def test_rcd_trip_opens_at_once_and_retries_after_5_minutes():
    e, b, c, _ = await charging()
    seen = _events(e)
    b.leak = True
    await run(e, c, 10)  # the very next step
    assert not b.closed and e.faults == ["rcd"] and e.error_code() == "GroundFailure"
    assert seen[:2] == [("relay", False), ("fault", "rcd")], seen
    assert b.duty == 100  # faulted: steady +12 V, no current offered
    await wait(e, c, 5 * MIN - 100)
    assert e.faults == ["rcd"]
    await run(e, c, 200)  # retry: the leak is still there, the RCD trips again at once
    assert e.faults == ["rcd"] and not b.closed
    b.leak = False
    await wait(e, c, 4 * MIN)
    assert e.faults == ["rcd"], "the next retry is 5 minutes after the last"
    tests = b.selftests
    await wait(e, c, MIN + 1000)
    assert e.faults == [] and ("fault_cleared", "rcd") in seen
    assert b.selftests == tests + 1, "the RCD is self-tested before closing again"
    assert b.closed and b.duty == 53.3


async def test_rcd_locks_out_after_6_retries_and_the_count_survives_reboot():
    store = MemStore()
    e, b, c, _ = await charging(store=store)
    for _ in range(3):
        b.leak = True
        await run(e, c, 20)
        b.leak = False
        await wait(e, c, 5 * MIN + 1000)
        assert e.faults == [] and b.closed
    # reboot: a new controller on the same store keeps counting
    e, b, c, _ = await charging(store=store)
    for i in range(4):
        b.leak = True
        await run(e, c, 20)
        b.leak = False
        assert not b.closed
        await wait(e, c, 5 * MIN + 1000)
        if i < 3:
            assert e.faults == [] and b.closed, i
    assert e.faults == ["rcd"] and e.locked_out == ["rcd"] and not b.closed
    await wait(e, c, 20 * MIN)
    assert e.faults == ["rcd"] and not b.closed
    b.ev = "A"  # unplugging does not release a lockout
    await run(e, c, 1000)
    b.ev = "C"
    await run(e, c, 1000)
    assert e.faults == ["rcd"] and not b.closed
    # and neither does a reboot
    e, b, c, logs = make(store=store)
    assert e.faults == ["rcd"] and e.error_code() == "GroundFailure"
    assert any("locked out" in m for m in logs)
    e.offer(32)
    e.allow(True)
    b.ev = "C"
    await run(e, c, 2000)
    assert not b.closed and b.duty == 100
    # maintenance releases it
    assert e.clear_lockout() == ["rcd"]
    await run(e, c, 1000)
    assert e.faults == [] and b.closed
    assert store.read_json(safety.DOC) == {"counts": {}, "lockout": []}


async def test_unplugging_after_a_clean_session_resets_the_retry_count():
    store = MemStore()
    e, b, c, _ = await charging(store=store)
    b.leak = True
    await run(e, c, 20)
    assert store.read_json(safety.DOC)["counts"] == {"rcd": 1}
    b.leak = False
    await wait(e, c, 5 * MIN + 1000)
    b.ev = "A"
    await run(e, c, 100)
    assert store.read_json(safety.DOC)["counts"] == {}


async def test_rcd_self_test_failure_blocks_closing():
    e, b, c, _ = make()
    b.selftest = False
    e.offer(32)
    e.allow(True)
    b.ev = "C"
    await run(e, c, 1000)
    assert not b.closed and b.contactor_log == [False]
    assert e.faults == ["selftest"] and e.error_code() == "GroundFailure"
    b.selftest = True
    await wait(e, c, 5 * MIN + 1000)  # retried after 5 minutes: the test passes this time
    assert e.faults == [] and b.closed


async def test_no_self_test_circuit_closes_without_one():
    e, b, c, _ = make()
    b.selftest = None
    e.offer(32)
    e.allow(True)
    b.ev = "C"
    await run(e, c, 1000)
    assert b.closed and e.faults == []


async def test_welded_contactor_is_a_hard_fault_that_unplugging_does_not_clear():
    e, b, c, _ = await charging()
    b.welded = True
    b.ev = "B"
    await run(e, c, 900)
    assert not b.commanded and b.closed and e.faults == []  # the feedback gets 1 s to follow
    await run(e, c, 200)
    assert e.faults == ["weld"] and e.error_code() == "PowerSwitchFailure"
    b.ev = "A"
    await wait(e, c, 10 * MIN)
    b.ev = "C"
    e.offer(32)
    e.allow(True)
    await run(e, c, 1000)
    assert e.faults == ["weld"] and b.contactor_log[-1] is False, "never closes"
    b.welded = False
    b.set_contactor(False)  # contacts freed (service)
    await run(e, c, 1100)
    assert e.faults == [] and b.closed


async def test_contactor_that_does_not_close_is_a_power_switch_failure():
    e, b, c, _ = make()
    b.stuck_open = True
    e.offer(32)
    e.allow(True)
    b.ev = "C"
    await run(e, c, 1500)
    assert e.faults == ["switch"] and e.error_code() == "PowerSwitchFailure"
    assert b.contactor_log[-1] is False
    assert e.locked_out == [] and b.contactor_log.count(True) == 1
    await wait(e, c, 3 * (MIN + 5000))  # retried after a minute each time, 3 times
    assert b.contactor_log.count(True) == 4
    assert e.faults == ["switch"] and e.locked_out == ["switch"]
    b.stuck_open = False
    await wait(e, c, 10 * MIN)
    assert not b.closed and b.contactor_log.count(True) == 4


async def test_without_a_feedback_input_nothing_is_claimed():
    e, b, c, _ = await charging()
    b.feedback_fitted = False
    b.welded = True
    b.ev = "B"
    await run(e, c, 3000)
    assert e.faults == [] and not b.commanded


async def test_over_temperature_derates_then_stops_then_resumes():
    e, b, c, logs = await charging(32)
    b.temp = 66.0
    await run(e, c, 1100)
    assert b.duty == 26.7 and e.offered_a() == 16 and b.closed  # half the current
    b.temp = 72.0
    await run(e, c, 1100)
    assert not b.closed and e.faults == ["overtemp"] and e.error_code() == "HighTemperature"
    assert b.duty == 100
    b.temp = 62.0  # cooler but not cool enough
    await run(e, c, 3000)
    assert e.faults == ["overtemp"]
    b.temp = 59.0
    await run(e, c, 1500)
    assert e.faults == [] and b.closed and b.duty == 53.3


async def test_over_current_stops_after_7_seconds():
    e, b, c, _ = await charging(16)
    b.amps = (17.0, 16.0, 16.0)  # within (16 + 0.5) * 1.10 = 18.15 A
    await run(e, c, 20000)
    assert b.closed and e.faults == []
    b.amps = (16.0, 21.0, 16.0)
    await run(e, c, 6400)
    assert b.closed
    await run(e, c, 1200)
    assert not b.closed and e.faults == ["overcurrent"] and e.error_code() == "OverCurrentFailure"
    b.amps = None
    await wait(e, c, MIN + 1000)
    assert e.faults == [] and b.closed
    # a brief excess (shorter than 7 s) is tolerated: the EV has 5 s to follow a lower offer
    b.amps = (32.0, 32.0, 32.0)
    await run(e, c, 5000)
    b.amps = (16.0, 16.0, 16.0)
    await run(e, c, 5000)
    assert b.closed and e.faults == []


async def test_missing_diode_is_a_fault_cleared_by_unplugging():
    e, b, c, _ = make()
    b.diode = False
    e.offer(32)
    e.allow(True)
    b.ev = "B"
    await run(e, c, 300)
    assert e.faults == ["diode"] and e.error_code() == "EVCommunicationError"
    assert b.duty == 100
    b.ev = "C"
    await run(e, c, 1000)
    assert e.faults == ["diode"] and not b.closed
    b.ev = "A"
    b.diode = True
    await run(e, c, 100)
    assert e.faults == []
    b.ev = "C"
    await run(e, c, 1000)
    assert b.closed


async def test_diode_lost_while_charging_opens():
    e, b, c, _ = await charging()
    b.diode = False
    await run(e, c, 40)
    assert not b.closed  # a failing check opens before it has even become a fault
    await run(e, c, 100)
    assert e.faults == ["diode"]


async def test_pilot_short_state_e_is_a_fault_until_it_ends():
    e, b, c, _ = await charging()
    b.ev = "E"
    await run(e, c, 40)
    assert not b.closed and e.state == "E" and e.faults == ["pilot_e"]
    assert e.error_code() == "EVCommunicationError"
    b.ev = "B"
    await run(e, c, 300)
    assert e.faults == [] and e.state == "B"


async def test_pilot_at_minus_12_while_we_drive_plus_12_is_a_fault():
    e, b, c, _ = make()
    b.levels = (-12, -12)
    await run(e, c, 1000)
    assert e.state == "F" and e.faults == ["pilot_f"]
    b.levels = None
    await run(e, c, 100)
    assert e.state == "A" and e.faults == []


async def test_unavailable_drives_f_without_a_fault_and_comes_back():
    e, b, c, _ = make()
    b.ev = "B"
    e.set_available(False)
    await run(e, c, 2000)
    assert b.duty == 0 and e.state == "F" and e.faults == []
    e.set_available(True)
    await run(e, c, 2000)
    assert b.duty == 100 and e.state == "B" and e.faults == []


async def test_an_exception_in_the_step_opens_and_is_reported():
    e, b, c, logs = await charging()
    b.raise_in_levels = True
    await run(e, c, 500)
    assert not b.closed and e.faults == ["internal"] and e.error_code() == "InternalError"
    assert sum(1 for m in logs if "control step failed" in m) == 1  # logged once, not per step
    b.raise_in_levels = False
    await run(e, c, 11000)
    assert e.faults == [] and b.closed


async def test_several_faults_report_the_most_serious():
    e, b, c, _ = await charging()
    b.temp = 75.0
    await run(e, c, 1100)
    b.leak = True
    await run(e, c, 20)
    assert sorted(e.faults) == ["overtemp", "rcd"] and e.error_code() == "GroundFailure"


async def test_a_failing_store_does_not_stop_the_safety_logic():
    store = MemStore()
    e, b, c, logs = await charging(store=store)
    store.fail = True
    b.leak = True
    await run(e, c, 20)
    assert not b.closed and e.faults == ["rcd"]
    assert any("cannot save" in m for m in logs)
