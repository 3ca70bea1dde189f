"""Meter values (issue 3 item 3; OCPP 1.6 sections 3.16, 4.7, 7.31-7.45, errata 3.13-3.16):
sampled and clock-aligned MeterValues, StopTransaction.transactionData, measurand validation,
and the eager sample on a power change (seed 003)."""
import time

import pytest

from session_helpers import (ALL_MEASURANDS, CP, boot, energy_wh, ev, index_of, meter_values,
                             number, parse_time, sampled_values, start_session,
                             stop_by_card, wait_meter_values, wait_relay, wait_status)

VOLTAGE_PHASES = ({"L1", "L2", "L3"}, {"L1-N", "L2-N", "L3-N"})


def near(value, expected, tolerance=0.15):
    return abs(value - expected) <= tolerance * expected


def total(samples, measurand):
    """A whole-charger value: the one unphased sample, or the sum over L1..L3."""
    found = [s for s in samples if s["measurand"] == measurand]
    assert found, "no %s in %r" % (measurand, samples)
    whole = [s for s in found if "phase" not in s]
    if whole:
        assert len(whole) == 1, found
        return number(whole[0])
    return sum(number(s) for s in found if s["phase"] in ("L1", "L2", "L3"))


def per_phase(samples, measurand):
    """{phase: value} of a measurand reported per phase."""
    found = [s for s in samples if s["measurand"] == measurand]
    assert all("phase" in s for s in found), found
    return {s["phase"]: number(s) for s in found}


def test_sampled_meter_values_with_every_supported_measurand(csms, make_agent):
    """TC_070_CS: MeterValueSampleInterval + MeterValuesSampledData during a transaction."""
    agent = boot(csms, make_agent, keys={"MeterValueSampleInterval": 2,
                                         "MeterValuesSampledData": ALL_MEASURANDS})
    tx = start_session(csms, agent)
    wait_status(csms, "Charging", since=index_of(csms, tx.start_msg))
    # power comes from the S0 pulse rate: the first pulses give the agent its first reading
    time.sleep(1.0)
    found = wait_meter_values(csms, 2, since=csms.mark(), transaction_id=tx.id, timeout=8)
    s = agent.status()
    phases, volts, offered = 3, 230, s["offered_a"]
    assert s["power_w"] > 20000  # the EV draws 32 A on three phases
    energies, stamps = [], []
    for payload, samples in found:
        assert payload["connectorId"] == 1 and payload["transactionId"] == tx.id
        everything = sampled_values(payload["meterValue"])
        assert all(x["context"] == "Sample.Periodic" for x in everything), everything
        measurands = {x["measurand"] for x in everything}
        assert measurands == set(ALL_MEASURANDS.split(",")), measurands
        units = {x["measurand"]: x["unit"] for x in everything}
        assert units["Energy.Active.Import.Register"] in ("Wh", "kWh")
        assert units["Power.Active.Import"] in ("W", "kW")
        assert units["Power.Offered"] in ("W", "kW")
        assert units["Current.Import"] == "A" and units["Current.Offered"] == "A"
        assert units["Voltage"] == "V"
        current = per_phase(everything, "Current.Import")
        assert set(current) == {"L1", "L2", "L3"}, current
        assert all(near(a, min(offered, 32)) for a in current.values()), current
        voltage = per_phase(everything, "Voltage")
        assert set(voltage) in VOLTAGE_PHASES, voltage
        assert all(near(v, volts, 0.1) for v in voltage.values()), voltage
        assert near(total(everything, "Power.Active.Import"), s["power_w"])
        # Current.Offered: one value or one per phase, each the offer (A per phase)
        assert all(near(number(x), offered) for x in everything
                   if x["measurand"] == "Current.Offered")
        assert near(total(everything, "Power.Offered"), offered * volts * phases)
        energies.append(energy_wh(everything))
        stamps.extend(parse_time(mv["timestamp"]) for mv in payload["meterValue"])
    assert energies[1] > energies[0], energies  # charging at 22 kW: ~12 Wh per sample
    assert stamps == sorted(stamps)
    stop = stop_by_card(csms, agent, tx)
    assert stop["meterStop"] >= energies[-1]
    # no sampled values for a transaction that has ended
    mark = csms.mark()
    time.sleep(2.5)
    assert not meter_values(csms, mark, "Sample.Periodic", transaction_id=tx.id)


def test_clock_aligned_meter_values(csms, make_agent):
    """TC_071_CS: ClockAlignedDataInterval + MeterValuesAlignedData: Sample.Clock values at
    multiples of the interval since midnight, with the transaction's id on its connector."""
    interval = 3
    agent = boot(csms, make_agent, keys={
        "MeterValueSampleInterval": 0, "ClockAlignedDataInterval": interval,
        "MeterValuesAlignedData": "Energy.Active.Import.Register,Power.Active.Import"})
    tx = start_session(csms, agent)
    found = wait_meter_values(csms, 2, since=index_of(csms, tx.start_msg), context="Sample.Clock",
                              transaction_id=tx.id, timeout=3 * interval + 3)
    times = []
    for payload, samples in found:
        assert payload["connectorId"] == 1
        assert {x["measurand"] for x in samples} == {"Energy.Active.Import.Register",
                                                      "Power.Active.Import"}
        for t in {x["timestamp"] for x in samples}:
            seconds = parse_time(t)
            off = seconds % interval
            assert min(off, interval - off) <= 0.5, (t, interval)
            times.append(seconds)
    assert times == sorted(times) and times[-1] > times[0]
    assert not meter_values(csms, index_of(csms, tx.start_msg), "Sample.Periodic")
    energies = [energy_wh(samples) for _, samples in found]
    assert energies == sorted(energies)


def test_stop_transaction_carries_begin_and_end_values(csms, make_agent):
    """StopTxnSampledData / StopTxnAlignedData -> StopTransaction.transactionData with
    Transaction.Begin and Transaction.End values of every configured measurand (section 4.6)
    and the clock-aligned values taken during the transaction."""
    measurands = {"Energy.Active.Import.Register", "Power.Active.Import"}
    agent = boot(csms, make_agent, keys={"MeterValueSampleInterval": 1,
                                         "ClockAlignedDataInterval": 1,
                                         "StopTxnSampledData": ",".join(sorted(measurands)),
                                         "StopTxnAlignedData": "Energy.Active.Import.Register"})
    tx = start_session(csms, agent)
    time.sleep(2.2)
    stop = stop_by_card(csms, agent, tx)
    samples = sampled_values(stop["transactionData"])
    begin = [x for x in samples if x["context"] == "Transaction.Begin"]
    end = [x for x in samples if x["context"] == "Transaction.End"]
    assert {x["measurand"] for x in begin} == measurands, begin
    assert {x["measurand"] for x in end} == measurands, end
    assert abs(energy_wh(begin) - tx.start["meterStart"]) <= 1
    assert abs(energy_wh(end) - stop["meterStop"]) <= 1
    assert energy_wh(end) > energy_wh(begin)
    assert parse_time(begin[0]["timestamp"]) <= parse_time(end[0]["timestamp"])
    clock = [x for x in samples if x["context"] == "Sample.Clock"]
    assert {x["measurand"] for x in clock} == {"Energy.Active.Import.Register"}, samples
    assert all(energy_wh(begin) <= number(x) <= energy_wh(end) for x in clock), clock
    for x in samples:
        assert x["context"] in ("Transaction.Begin", "Transaction.End", "Sample.Periodic",
                                "Sample.Clock"), x


def test_no_meter_values_when_everything_is_off(csms, make_agent):
    """Intervals 0 and empty StopTxn*Data: no MeterValues and no transactionData."""
    agent = boot(csms, make_agent, keys={"MeterValueSampleInterval": 0,
                                         "ClockAlignedDataInterval": 0, "StopTxnSampledData": "",
                                         "StopTxnAlignedData": ""})
    mark = csms.mark()
    tx = start_session(csms, agent)
    time.sleep(2)
    stop = stop_by_card(csms, agent, tx)
    assert not stop.get("transactionData")
    assert not meter_values(csms, mark)


@pytest.mark.parametrize("key", ["MeterValuesSampledData", "MeterValuesAlignedData",
                                 "StopTxnSampledData", "StopTxnAlignedData"])
def test_unsupported_measurand_is_rejected(csms, make_agent, key):
    boot(csms, make_agent)
    for bad in ("Energy.Active.Import.Register,SoC", "Frequency", "Power.Active.Import,Bogus"):
        assert csms.call(CP, "ChangeConfiguration",
                         {"key": key, "value": bad})["status"] == "Rejected", bad
    good = "Energy.Active.Import.Register,Current.Import"
    assert csms.call(CP, "ChangeConfiguration", {"key": key, "value": good})["status"] == "Accepted"
    conf = csms.call(CP, "GetConfiguration", {"key": [key]})["configurationKey"][0]
    assert conf["value"] == good


def test_eager_sample_on_a_big_power_change(csms, make_agent):
    """Seed 003 PowerActiveImportDeltaForEagerMeterValueSample: a change of Power.Active.Import
    larger than the delta since the last sample sends a Sample.Periodic at once, well before the
    (long) MeterValueSampleInterval; a smaller change does not.

    The agent's power reading moves to a new value over a second or so (pulse rate), so a step
    may give more than one eager sample; what is fixed is the reference: the last sample sent."""
    delta = 1000
    volts_phases = 230 * 3
    agent = boot(csms, make_agent, keys={
        "MeterValueSampleInterval": 120,
        "MeterValuesSampledData": "Energy.Active.Import.Register,Power.Active.Import",
        "PowerActiveImportDeltaForEagerMeterValueSample": delta})
    tx = start_session(csms, agent)

    def powers(since):
        """Power.Active.Import of each Sample.Periodic of the transaction since `since`."""
        return [number(x) for _, samples in meter_values(csms, since, "Sample.Periodic", tx.id)
                for x in samples if x["measurand"] == "Power.Active.Import"]

    def wait_power(predicate, since, timeout=8):
        deadline = time.monotonic() + timeout
        while not any(predicate(p) for p in powers(since)):
            assert time.monotonic() < deadline, powers(0)
            time.sleep(0.1)

    wait_power(lambda p: p > 20000, 0)  # the ramp to 22 kW is itself a big change
    time.sleep(1.0)
    mark = csms.mark()
    ev(agent, "ev_max 6")  # 22 kW -> 6 A x 690 V = 4.1 kW
    wait_power(lambda p: p < 22080 - delta, mark)
    time.sleep(3.0)  # the reading settles at 4.1 kW, perhaps with more eager samples
    reference = powers(0)[-1]
    assert reference < 4140 + delta, powers(0)
    # a move smaller than the delta from the last sample sent: no sample
    mark = csms.mark()
    ev(agent, "ev_max %.2f" % ((reference + delta * 0.4) / volts_phases))
    time.sleep(2.0)
    assert not powers(mark), (reference, powers(mark))
    # a big one: a sample at once, its reading beyond the delta from the reference
    ev(agent, "ev_max 10")  # 6.9 kW
    wait_power(lambda p: p > reference + delta, mark)
    wait_relay(agent, True)
