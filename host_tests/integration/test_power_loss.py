"""Power loss (issue 3 item 6; OCPP 1.6 section 4.2 / TC_032_2_CS): SIGKILL the agent's whole
process tree during a transaction and start it again on the same flash (state directory)."""
import time

from session_helpers import (TAG, after, boot, energy_wh, ev, go_offline, index_of, meter_values,
                             payloads, quiet, restart_csms, start_session, stop_reason,
                             transaction_of, wait_call, wait_meter_values, wait_relay, wait_status)


def test_power_cut_while_charging(csms, make_agent):
    """After the cut: BootNotification, the contactor stays open even with an EV asking for
    energy, StopTransaction PowerLoss for the interrupted transaction with a meterStop between
    meterStart and the energy at the cut, and a register that does not go backwards."""
    agent = boot(csms, make_agent, keys={"MeterValueSampleInterval": 1})
    tx = start_session(csms, agent)
    wait_meter_values(csms, 2, since=index_of(csms, tx.start_msg), transaction_id=tx.id)
    before = agent.status()
    read_at = time.monotonic()
    agent.kill()
    killed_at = time.monotonic()
    # what the register can have gained between the status read and the cut (+1 Wh rounding)
    at_cut_max = before["energy_wh"] + before["power_w"] * (killed_at - read_at + 0.2) / 3600 + 1
    reported = [energy_wh(s) for _, s in meter_values(csms, transaction_id=tx.id)]

    mark = csms.mark()
    agent.start()
    reboot = csms.wait_for("CP_1", "BootNotification", since=mark, timeout=15)
    stop_msg = wait_call(csms, "StopTransaction", since=mark, timeout=15, transactionId=tx.id)
    assert index_of(csms, stop_msg) > index_of(csms, reboot)
    stop = stop_msg.parsed[3]
    assert stop["reason"] == "PowerLoss"
    assert tx.start["meterStart"] <= stop["meterStop"] <= at_cut_max, (stop, before)
    assert stop["meterStop"] > tx.start["meterStart"]  # it had charged for seconds at 22 kW
    wait_status(csms, "Available", since=after(csms, reboot))
    s = agent.status()
    assert s["relay_closed"] is False and s["transaction_id"] is None
    # the register after the restart: not below what was reported as the transaction's end
    assert s["energy_wh"] >= stop["meterStop"], (s["energy_wh"], stop, reported)
    assert s["energy_wh"] <= at_cut_max
    # an EV asking for energy gets none without a new authorisation
    mark = csms.mark()
    ev(agent, "plug")
    ev(agent, "charge")
    quiet(csms, "StartTransaction", mark, 1.0)
    assert agent.status()["relay_closed"] is False
    # the next transaction starts from the register as it stands
    ev(agent, "card " + TAG)
    tx2 = transaction_of(csms, wait_call(csms, "StartTransaction", since=mark, idTag=TAG))
    assert tx2.start["meterStart"] == s["energy_wh"]
    assert tx2.start["meterStart"] >= stop["meterStop"]
    wait_relay(agent, True)
    assert len([p for p in payloads(csms, "StopTransaction") if p["transactionId"] == tx.id]) == 1


def test_stop_queued_offline_survives_a_power_cut(csms, make_agent):
    """A StopTransaction queued while offline is still delivered after a power cut and a reboot,
    with its own reason; the transaction is not stopped a second time as PowerLoss."""
    agent = boot(csms, make_agent)
    tx = start_session(csms, agent)
    port = go_offline(csms, agent)
    ev(agent, "card " + TAG)
    wait_relay(agent, False)
    stopped_at = agent.status()["energy_wh"]
    time.sleep(0.3)
    agent.kill()
    cs2 = restart_csms(port)
    try:
        agent.start()
        reboot = cs2.wait_for("CP_1", "BootNotification", timeout=15)
        stop_msg = wait_call(cs2, "StopTransaction", timeout=15, transactionId=tx.id)
        assert index_of(cs2, stop_msg) > index_of(cs2, reboot)
        stop = stop_msg.parsed[3]
        assert stop_reason(stop) == "Local" and stop["idTag"] == TAG
        assert abs(stop["meterStop"] - stopped_at) <= 1
        wait_status(cs2, "Available", since=after(cs2, reboot))
        time.sleep(1.0)
        stops = [p for p in payloads(cs2, "StopTransaction") if p["transactionId"] == tx.id]
        assert all(stop_reason(p) == "Local" for p in stops), stops
        assert cs2.violations == []
    finally:
        cs2.stop()
