"""Smart Charging (issue 10) through the real agent: profiles set by a validating central
system reach the pilot (the control port's `status`: pwm_duty, offered_a), on time, and
survive a restart. OCTT cases by number (OCPP16.md section 5)."""
import datetime
import time

from session_helpers import (CP, TAG, boot, configure, ev, start_session, stop_by_card,
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
    agent = boot(csms, make_agent)
    now = time.time()
    assert set_profile(csms, 0, profile(1, "TxDefaultProfile", [(0, 10)], start=now - 60)) \
        == "Accepted"
    tx = start_session(csms, agent)
    s = offered(agent, 10)
    assert s["pwm_duty"] == 16.7 and s["connector_status"] == "Charging"
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
