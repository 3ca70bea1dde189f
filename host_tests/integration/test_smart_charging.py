"""Smart Charging (issue 10) through the real agent: profiles set by a validating central
system reach the pilot (the control port's `status`: pwm_duty, offered_a), on time, and
survive a restart. OCTT cases by number (OCPP16.md section 5)."""
import datetime
import time

import pytest

from agent import free_port
from session_helpers import (CP, TAG, boot, configure, ev, number, start_session, stop_by_card,
                             wait_meter_values,
                             wait_call, wait_status)


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def profile(pid, purpose, periods, stack=0, kind="Absolute", unit="A", start=None, tx=None,
            **extra):
    """A ChargingProfile: periods [(startPeriod, limit) or (startPeriod, limit, phases)]."""
    sched = {"chargingRateUnit": unit, "chargingSchedulePeriod": [
        dict({"startPeriod": p[0], "limit": p[1]}, **({"numberPhases": p[2]} if len(p) > 2
                                                     else {})) for p in periods]}
    if start is not None:
        sched["startSchedule"] = iso(start)
    for k in ("duration", "minChargingRate"):
        if k in extra:
            sched[k] = extra.pop(k)
    p = {"chargingProfileId": pid, "stackLevel": stack, "chargingProfilePurpose": purpose,
         "chargingProfileKind": kind, "chargingSchedule": sched}
    if tx is not None:
        p["transactionId"] = tx
    p.update(extra)
    return p


def set_profile(csms, connector, prof):
    return csms.call(CP, "SetChargingProfile", {"connectorId": connector,
                                                 "csChargingProfiles": prof})["status"]


def offered(agent, amps, timeout=10):
    """Wait until the pilot offers `amps` (status offered_a); returns the status."""
    return agent.wait_status(lambda s: abs(s["offered_a"] - amps) < 0.05, timeout=timeout)


def test_tx_default_profile_limits_the_session_tc_056(csms, make_agent):
    agent = boot(csms, make_agent, keys={"MeterValueSampleInterval": 1,
                                         "MeterValuesSampledData": "Current.Offered,Power.Offered"})
    now = time.time()
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 10)], start=now - 60)) \
        == "Accepted"
    tx = start_session(csms, agent)
    s = offered(agent, 10)
    assert s["pwm_duty"] == 16.7 and s["connector_status"] == "Charging"
    # Current.Offered and Power.Offered report the limit in force
    mark = csms.mark()
    got = wait_meter_values(csms, 1, since=mark, transaction_id=tx.id)[0][1]
    values = {x["measurand"]: number(x) for x in got}
    assert values == {"Current.Offered": 10.0, "Power.Offered": 6900.0}, got
    stop_by_card(csms, agent, tx)


def test_tx_profile_only_with_its_transaction_tc_057_058(csms, make_agent):
    agent = boot(csms, make_agent)
    # no transaction: TC_058_1
    assert set_profile(csms, 1, profile(5, "TxProfile", [(0, 8)])) == "Rejected"
    tx = start_session(csms, agent)
    offered(agent, 32)  # the unix board's maximum: no profile yet
    # another transaction's id: TC_058_2
    assert set_profile(csms, 1, profile(5, "TxProfile", [(0, 8)], tx=tx.id + 1000)) == "Rejected"
    # its own: TC_057
    assert set_profile(csms, 1, profile(5, "TxProfile", [(0, 8)], tx=tx.id)) == "Accepted"
    s = offered(agent, 8)
    assert s["pwm_duty"] == 13.3
    stop = stop_by_card(csms, agent, tx)
    assert stop["transactionId"] == tx.id
    # the TxProfile ended with its transaction: the composite is back to the maximum
    got = csms.call(CP, "GetCompositeSchedule", {"connectorId": 1, "duration": 60})
    assert got["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0,
                                                                  "limit": 32.0}]


def test_rejections(csms, make_agent):
    boot(csms, make_agent)
    now = time.time()
    bad = [
        (0, profile(1, "TxDefaultProfile", [(0, 10)], stack=9)),  # above ChargeProfileMaxStackLevel
        (1, profile(1, "ChargePointMaxProfile", [(0, 10)])),  # not on connector 0
        (0, profile(1, "TxDefaultProfile", [(i * 60, 10) for i in range(33)])),  # 33 periods
        (0, profile(1, "TxDefaultProfile", [(10, 10)])),  # the first period not at 0
        (0, profile(1, "TxDefaultProfile", [(0, 10), (0, 12)])),  # not increasing
        (0, profile(1, "TxDefaultProfile", [(0, 10)], kind="Recurring")),  # no recurrencyKind
        (2, profile(1, "TxDefaultProfile", [(0, 10)])),  # no connector 2
    ]
    for connector, prof in bad:
        assert set_profile(csms, connector, prof) == "Rejected", prof
    # MaxChargingProfilesInstalled 24: nine stack levels per purpose and connector
    pid = 100
    for connector, purpose, levels in ((0, "ChargePointMaxProfile", 9),
                                       (0, "TxDefaultProfile", 9), (1, "TxDefaultProfile", 6)):
        for stack in range(levels):
            pid += 1
            assert set_profile(csms, connector, profile(pid, purpose, [(0, 16 + stack)],
                                                        stack=stack, start=now)) == "Accepted"
    assert set_profile(csms, 1, profile(999, "TxDefaultProfile", [(0, 10)], stack=6)) \
        == "Rejected"  # a 25th
    # replacing one (the same id, or the same purpose, stack level and connector) is no 25th
    assert set_profile(csms, 1, profile(pid, "TxDefaultProfile", [(0, 11)], stack=5)) \
        == "Accepted"
    assert set_profile(csms, 1, profile(998, "TxDefaultProfile", [(0, 12)], stack=5)) \
        == "Accepted"


def test_a_unit_not_allowed_is_rejected(csms, make_agent):
    boot(csms, make_agent, ocpp_keys={"ChargingScheduleAllowedChargingRateUnit": "Current"})
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 5000)], unit="W")) \
        == "Rejected"
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 10)])) == "Accepted"


def composite(csms, connector, duration, unit=None):
    payload = {"connectorId": connector, "duration": duration}
    if unit:
        payload["chargingRateUnit"] = unit
    return csms.call(CP, "GetCompositeSchedule", payload)


def test_remote_start_with_a_tx_profile_tc_059_060(csms, make_agent):
    agent = boot(csms, make_agent)
    tx_default = profile(3, "TxDefaultProfile", [(0, 12)])
    # TC_060: a chargingProfile that is not a TxProfile
    assert csms.call(CP, "RemoteStartTransaction", {"idTag": TAG, "connectorId": 1,
                                                    "chargingProfile": tx_default})[
        "status"] == "Rejected"
    mark = csms.mark()
    assert csms.call(CP, "RemoteStartTransaction", {
        "idTag": TAG, "connectorId": 1,
        "chargingProfile": profile(3, "TxProfile", [(0, 12)], kind="Relative")})[
        "status"] == "Accepted"
    ev(agent, "plug")
    wait_call(csms, "StartTransaction", since=mark, idTag=TAG)
    ev(agent, "charge")
    s = offered(agent, 12)
    assert s["relay_closed"] or agent.wait_status(lambda s: s["relay_closed"])
    got = composite(csms, 1, 120)
    assert got["status"] == "Accepted"
    assert got["chargingSchedule"]["chargingSchedulePeriod"] == [{"startPeriod": 0,
                                                                  "limit": 12.0}]


def test_get_composite_schedule_tc_066(csms, make_agent):
    agent = boot(csms, make_agent)
    now = time.time()
    assert set_profile(csms, 0, profile(1, "ChargePointMaxProfile", [(0, 20)],
                                        start=now - 10)) == "Accepted"
    assert set_profile(csms, 0, profile(2, "TxDefaultProfile", [(0, 16), (300, 10)],
                                        start=now - 10)) == "Accepted"
    start_session(csms, agent)
    got = composite(csms, 1, 600)
    assert got["status"] == "Accepted" and got["connectorId"] == 1
    assert "startSchedule" not in got["chargingSchedule"]  # errata 3.57: scheduleStart
    assert abs(parse(got["scheduleStart"]) - time.time()) < 5
    periods = got["chargingSchedule"]["chargingSchedulePeriod"]
    assert [p["limit"] for p in periods] == [16.0, 10.0]
    assert 285 <= periods[1]["startPeriod"] <= 290  # 300 s after its start, 10 s before now
    watts = composite(csms, 1, 600, "W")["chargingSchedule"]
    assert watts["chargingRateUnit"] == "W"
    assert [p["limit"] for p in watts["chargingSchedulePeriod"]] == [11040.0, 6900.0]
    whole = composite(csms, 0, 600)["chargingSchedule"]["chargingSchedulePeriod"]
    assert whole == [{"startPeriod": 0, "limit": 20.0}]
    assert composite(csms, 0, 0)["chargingSchedule"]["chargingSchedulePeriod"] == whole
    assert composite(csms, 5, 600)["status"] == "Rejected"  # no connector 5
    offered(agent, 16)


def parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def test_clear_charging_profile_tc_067(csms, make_agent):
    agent = boot(csms, make_agent)
    for pid, purpose, connector, stack, amps in ((1, "TxDefaultProfile", 0, 0, 16),
                                                 (2, "TxDefaultProfile", 1, 1, 10),
                                                 (3, "ChargePointMaxProfile", 0, 2, 25)):
        assert set_profile(csms, connector, profile(pid, purpose, [(0, amps)], stack=stack)) \
            == "Accepted"
    clear = lambda **k: csms.call(CP, "ClearChargingProfile", k)["status"]  # noqa: E731
    tx = start_session(csms, agent)
    offered(agent, 10)
    assert clear(id=2) == "Accepted"
    offered(agent, 16)
    assert clear(id=2) == "Unknown"
    # every criterion given must match (errata): purpose matches, stack level does not
    assert clear(chargingProfilePurpose="ChargePointMaxProfile", stackLevel=1) == "Unknown"
    assert clear(chargingProfilePurpose="TxDefaultProfile", connectorId=0, stackLevel=0) \
        == "Accepted"
    offered(agent, 25)
    assert clear() == "Accepted"  # no criterion: every profile
    offered(agent, 32)
    assert clear() == "Unknown"
    stop_by_card(csms, agent, tx)


def test_stacking_and_falling_back_on_time_tc_072(csms, make_agent):
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    now = time.time()
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 16)], start=now)) \
        == "Accepted"
    # a higher stack level for 12 s: it prevails, then hands back to the lower one
    ends = now + 12
    assert set_profile(csms, 0, profile(2, "TxDefaultProfile", [(0, 8)], stack=1, start=now,
                                        duration=12)) == "Accepted"
    offered(agent, 8)
    assert time.time() < ends
    offered(agent, 16, timeout=20)
    late = time.time() - ends
    assert -0.5 < late < 3, late  # at the boundary (the agent's clock counts whole seconds)
    stop_by_card(csms, agent, tx)


def test_tx_default_profile_with_an_ongoing_transaction_tc_082(csms, make_agent):
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    offered(agent, 32)
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 10)])) == "Accepted"
    s = offered(agent, 10)
    assert s["connector_status"] == "Charging"
    stop_by_card(csms, agent, tx)


def test_below_6_a_suspends_and_resumes(csms, make_agent):
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    now = time.time()
    mark = csms.mark()
    # (a new limit waits 5 s after the last change of the pilot: the 4 A period is longer)
    assert set_profile(csms, 1, profile(1, "TxProfile", [(0, 4), (20, 13)], start=now,
                                        tx=tx.id)) == "Accepted"
    s = agent.wait_status(lambda s: s["connector_status"] == "SuspendedEVSE")
    assert s["pwm_duty"] == 100 and s["offered_a"] == 0
    wait_status(csms, "SuspendedEVSE", since=mark)
    agent.wait_status(lambda s: not s["relay_closed"])  # the EV stopped drawing: open
    s = offered(agent, 13, timeout=25)
    wait_status(csms, "Charging", since=mark)
    agent.wait_status(lambda s: s["relay_closed"])
    stop_by_card(csms, agent, tx)


def test_profiles_survive_a_restart(csms, make_agent):
    agent = boot(csms, make_agent)
    assert set_profile(csms, 0, profile(1, "ChargePointMaxProfile", [(0, 14)])) == "Accepted"
    agent.stop()
    mark = csms.mark()
    agent.start()
    csms.wait_for(CP, "BootNotification", since=mark, timeout=15)
    wait_status(csms, "Available", since=mark)
    got = composite(csms, 0, 60)["chargingSchedule"]["chargingSchedulePeriod"]
    assert got == [{"startPeriod": 0, "limit": 14.0}]
    tx = start_session(csms, agent)
    offered(agent, 14)
    # a TxProfile lives as long as its transaction: a power cut ends that (PowerLoss, it is not
    # resumed), so the TxProfile does not come back, while the ChargePointMaxProfile does
    assert set_profile(csms, 1, profile(2, "TxProfile", [(0, 8)], tx=tx.id)) == "Accepted"
    offered(agent, 8)
    agent.kill()
    mark = csms.mark()
    agent.start()
    wait_call(csms, "StopTransaction", since=mark, timeout=15, transactionId=tx.id)
    got = composite(csms, 1, 60)["chargingSchedule"]["chargingSchedulePeriod"]
    assert got == [{"startPeriod": 0, "limit": 14.0}]
    assert csms.call(CP, "ClearChargingProfile", {"id": 2})["status"] == "Unknown"  # gone
    assert csms.call(CP, "ClearChargingProfile", {"id": 1})["status"] == "Accepted"


@pytest.mark.parametrize("phases, amps", [(3, 10), (1, 30)])
def test_a_w_profile_on_three_phases_and_on_one(csms, make_agent, phases, amps):
    agent = boot(csms, make_agent, sim={"control_port": free_port(), "phases": phases})
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 6900)], unit="W")) \
        == "Accepted"
    tx = start_session(csms, agent)
    offered(agent, amps)  # 6900 W / 230 V / phases
    stop_by_card(csms, agent, tx)


def test_a_daily_profile_across_midnight(csms, make_agent):
    # The agent's clock comes from the central system: 25 s before midnight
    midnight = (int(time.time()) // 86400 + 3) * 86400
    fake = {"t": midnight - 25, "at": time.monotonic()}

    def now_iso():
        return iso(fake["t"] + (time.monotonic() - fake["at"]))

    csms.cs.responders["BootNotification"] = lambda cp_id, p: {
        "status": "Accepted", "currentTime": now_iso(), "interval": 300}
    csms.cs.responders["Heartbeat"] = lambda cp_id, p: {"currentTime": now_iso()}
    agent = boot(csms, make_agent)
    # every day from 00:00 for an hour 6 A, over 16 A the rest of the time
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 16)],
                                        start=midnight - 5 * 86400)) == "Accepted"
    assert set_profile(csms, 0, profile(2, "TxDefaultProfile", [(0, 6)], stack=1,
                                        kind="Recurring", recurrencyKind="Daily",
                                        start=midnight - 2 * 86400, duration=3600)) \
        == "Accepted"
    tx = start_session(csms, agent)
    s = offered(agent, 16)
    assert fake["t"] + (time.monotonic() - fake["at"]) < midnight - 3, "too slow to see it"
    offered(agent, 6, timeout=40)
    # at midnight on the agent's clock, which has whole seconds (the central system's time
    # is sent, and kept, to the second)
    assert fake["t"] + (time.monotonic() - fake["at"]) >= midnight - 1.2
    stop_by_card(csms, agent, tx)


def test_randomised_delay(csms, make_agent):
    agent = boot(csms, make_agent, keys={"RandomisedDelayEnabled": True,
                                         "RandomisedDelayMaxSeconds": 4})
    mark = csms.mark()
    tx = start_session(csms, agent, charge=False)
    ev(agent, "charge")
    agent.wait_log("connector 1: randomised delay until")
    wait_status(csms, "Charging", since=mark, timeout=15)  # after the delay
    offered(agent, 32)
    stop_by_card(csms, agent, tx)
    mark = csms.mark()
    ev(agent, "unplug")
    wait_status(csms, "Available", since=mark)
    # switched off by the central system: no delay
    configure(csms, RandomisedDelayEnabled=False)
    mark = csms.mark()
    tx = start_session(csms, agent)
    s = agent.status()
    assert s["offered_a"] == 32
    stop_by_card(csms, agent, tx)


def test_a_phase_switch_during_a_transaction(csms, make_agent):
    agent = boot(csms, make_agent)
    got = csms.call(CP, "GetConfiguration", {"key": ["ConnectorSwitch3to1PhaseSupported"]})
    assert got["configurationKey"][0]["value"] == "true"
    tx = start_session(csms, agent)
    offered(agent, 32)
    s = agent.wait_status(lambda s: s["power_w"] > 20000)  # 32 A on three phases
    assert s["phases_in_use"] == 3
    # a TxProfile on one phase: the EVSE pauses the EV (no PWM), the contactor opens, the
    # relay switches, and the EV is offered current again: never switched under load
    mark = csms.mark()
    assert set_profile(csms, 1, profile(1, "TxProfile", [(0, 16, 1)], tx=tx.id)) == "Accepted"
    s = agent.wait_status(lambda s: s["phases_in_use"] == 1, timeout=20)
    assert not s["relay_closed"] or s["pwm_duty"] == 100
    agent.wait_log("evse: switched to 1 phase")
    s = agent.wait_status(lambda s: s["relay_closed"] and abs(s["offered_a"] - 16) < 0.05,
                          timeout=20)
    assert s["phases_in_use"] == 1
    s = agent.wait_status(lambda s: 0 < s["power_w"] <= 16 * 230 + 50, timeout=15)  # one phase
    wait_status(csms, "Charging", since=mark)
    stop_by_card(csms, agent, tx)
    # a W profile counts the phases in use: 3680 W on one phase is 16 A
    log = agent.log()
    assert "Traceback" not in log


def test_the_cable_rating_caps_the_limit(csms, make_agent):
    agent = boot(csms, make_agent)
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 20)])) == "Accepted"
    ev(agent, "cable 13")  # a 13 A detachable cable (its proximity-pilot resistor)
    tx = start_session(csms, agent)
    s = offered(agent, 13)  # the profile says 20, the cable 13
    assert s["pwm_duty"] == 21.7
    stop_by_card(csms, agent, tx)
