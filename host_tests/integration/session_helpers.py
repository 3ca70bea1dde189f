"""Shared steps of the charging-session integration tests (issue 3).

The tests drive the agent only through its contracts: the control port (the EV, the card
reader, `status`) and OCPP through the validating central system (tools/csms). These helpers
read the central system's record of frames:

    csms.messages  [Msg(time, cp_id, direction, raw, parsed), ...]
                   direction "in" = from the charge point, "out" = ours
    CALL           [2, uid, action, payload]      CALLRESULT [3, uid, payload]

A "mark" is an index into that list (csms.mark()); every search takes `since` so a test only
looks at what happened after a step.
"""
import datetime
import time
from collections import namedtuple

CP = "CP_1"
TAG = "TAG-0001"
OTHER_TAG = "TAG-0002"

#: Every measurand the issue lists as supported, as one MeterValuesSampledData value.
ALL_MEASURANDS = ("Energy.Active.Import.Register,Power.Active.Import,Current.Import,Voltage,"
                  "Current.Offered,Power.Offered")

Tx = namedtuple("Tx", "id start start_msg")
Tx.__doc__ = """A transaction seen by the central system: id (our transactionId), start (the
StartTransaction payload), start_msg (its Msg)."""


# -- configuration ---------------------------------------------------------------------------------

def wire(value):
    """A configuration value as OCPP sends it: True -> "true", 3 -> "3"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def configure(csms, **keys):
    """ChangeConfiguration for each key=value (in the order given); each must be Accepted."""
    for key, value in keys.items():
        status = csms.call(CP, "ChangeConfiguration", {"key": key, "value": wire(value)})["status"]
        assert status == "Accepted", (key, value, status)


def boot(csms, make_agent, keys=None, **config):
    """Start an agent, wait until it reported connector 1 after its BootNotification, then
    configure `keys` (dict, applied with ChangeConfiguration). Returns the Agent."""
    agent = make_agent(csms, **config)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    if keys:
        configure(csms, **keys)
    return agent


# -- the record of frames --------------------------------------------------------------------------

def index_of(csms, msg):
    """The position of `msg` in csms.messages."""
    msgs = csms.messages
    for i in range(len(msgs) - 1, -1, -1):
        if msgs[i] is msg:
            return i
    raise ValueError("message not recorded: %r" % (msg.raw[:100],))


def after(csms, msg):
    """A mark just past `msg`."""
    return index_of(csms, msg) + 1


def cp_calls(csms, action=None, since=0):
    """The CALLs the charge point sent at index >= since (Msg list), of one action or all."""
    return [m for m in csms.messages[since:]
            if m.cp_id == CP and m.direction == "in" and isinstance(m.parsed, list)
            and len(m.parsed) == 4 and m.parsed[0] == 2
            and (action is None or m.parsed[2] == action)]


def payloads(csms, action, since=0):
    """The payloads of the charge point's `action` CALLs at index >= since."""
    return [m.parsed[3] for m in cp_calls(csms, action, since)]


def wait_call(csms, action, since=0, timeout=10, **fields):
    """The first `action` CALL at index >= since whose payload has these field values (Msg)."""
    return csms.wait_for(CP, action, since=since, timeout=timeout, fields=fields)


def request_statuses(csms, action, since, request_id):
    """The statuses of `action` (LogStatusNotification, SignedFirmwareStatusNotification...)
    sent for `request_id` since mark `since`, in order."""
    return [p["status"] for p in payloads(csms, action, since)
            if p.get("requestId") == request_id]


def wait_request_status(csms, action, since, request_id, last, timeout=20):
    """Wait until the last status of `action` for `request_id` is `last`; all of them."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = request_statuses(csms, action, since, request_id)
        if got and got[-1] == last:
            return got
        time.sleep(0.1)
    raise AssertionError("no %s; got %r" % (last, request_statuses(csms, action, since,
                                                                    request_id)))


def answer_to(csms, msg, timeout=10):
    """Our CALLRESULT payload for the charge point's CALL `msg` (None if we sent a CALLERROR).
    Only replies after the CALL count: the agent numbers its CALLs from 1 again after a reboot."""
    uid = msg.parsed[1]
    start = index_of(csms, msg)
    deadline = time.monotonic() + timeout
    while True:
        for m in csms.messages[start:]:
            p = m.parsed
            if m.cp_id == CP and m.direction == "out" and isinstance(p, list) and len(p) >= 3 \
                    and p[0] in (3, 4) and p[1] == uid:
                return p[2] if p[0] == 3 else None
        if time.monotonic() > deadline:
            raise AssertionError("no answer to %s" % msg.raw[:200])
        time.sleep(0.05)


def statuses(csms, since=0, connector=1):
    """[(status, errorCode)] of StatusNotifications for `connector`, in order, from `since`."""
    return [(p["status"], p["errorCode"]) for p in payloads(csms, "StatusNotification", since)
            if p["connectorId"] == connector]


def status_names(csms, since=0, connector=1):
    return [s for s, _ in statuses(csms, since, connector)]


def wait_status(csms, status, since=0, timeout=10, connector=1):
    """The first StatusNotification (Msg) for `connector` with `status` at index >= since."""
    return csms.wait_for(CP, "StatusNotification", since=since, timeout=timeout,
                         predicate=lambda p: p["connectorId"] == connector
                         and p["status"] == status)


def quiet(csms, action, since, seconds):
    """Wait `seconds`, then assert the charge point sent no `action` at index >= since."""
    time.sleep(seconds)
    found = payloads(csms, action, since)
    assert not found, "unexpected %s: %r" % (action, found)


# -- sessions --------------------------------------------------------------------------------------

def ev(agent, command):
    """One control-port command that must succeed (plug, charge, pause, unplug, card X...)."""
    reply = agent.control(command)
    assert reply.get("ok"), (command, reply)
    return reply


def wait_relay(agent, closed, timeout=10):
    """Wait until the contactor is closed/open (status relay_closed); returns the status."""
    return agent.wait_status(lambda s: s["relay_closed"] is closed, timeout=timeout)


def transaction_of(csms, start_msg, timeout=10):
    """Tx for a StartTransaction Msg, with the transactionId we answered."""
    conf = answer_to(csms, start_msg, timeout)
    assert conf is not None, "StartTransaction was answered with a CALLERROR"
    return Tx(conf["transactionId"], start_msg.parsed[3], start_msg)


def start_session(csms, agent, tag=TAG, charge=True, plug_first=True, since=None):
    """plug + card (or card + plug) until StartTransaction, then (charge=True) charge until the
    contactor closes. Returns the Tx. The EV is left in C (charge) or B."""
    mark = csms.mark() if since is None else since
    if plug_first:
        ev(agent, "plug")
        wait_status(csms, "Preparing", since=mark)
        ev(agent, "card " + tag)
    else:
        ev(agent, "card " + tag)
        wait_status(csms, "Preparing", since=mark)
        ev(agent, "plug")
    tx = transaction_of(csms, wait_call(csms, "StartTransaction", since=mark, idTag=tag))
    if charge:
        ev(agent, "charge")
        wait_relay(agent, True)
    return tx


def stop_by_card(csms, agent, tx, tag=TAG):
    """Present `tag` again; returns the StopTransaction payload for tx."""
    mark = csms.mark()
    ev(agent, "card " + tag)
    return wait_call(csms, "StopTransaction", since=mark, transactionId=tx.id).parsed[3]


def stop_reason(stop):
    """The stop reason; an absent reason means Local (OCPP 1.6 section 6.49)."""
    return stop.get("reason", "Local")


# -- meter values ----------------------------------------------------------------------------------

def sampled_values(meter_values):
    """Flatten a list of MeterValue objects into sampledValue dicts with the defaults of OCPP 1.6
    section 7.43 filled in (context Sample.Periodic, measurand Energy.Active.Import.Register,
    location Outlet, unit Wh) and the MeterValue timestamp added as "timestamp"."""
    out = []
    for mv in meter_values:
        for sv in mv["sampledValue"]:
            s = {"context": "Sample.Periodic", "measurand": "Energy.Active.Import.Register",
                 "location": "Outlet", "unit": "Wh", "format": "Raw"}
            s.update(sv)
            s["timestamp"] = mv["timestamp"]
            out.append(s)
    return out


_SCALE = {"Wh": 1, "kWh": 1000, "W": 1, "kW": 1000, "A": 1, "V": 1}


def number(sample):
    """A sampled value in base units (Wh, W, A, V): the spec lets a charger send kWh / kW."""
    return float(sample["value"]) * _SCALE[sample["unit"]]


def energy_wh(samples):
    """The Energy.Active.Import.Register value (Wh) among samples (one MeterValue's worth).
    The same value may be listed twice (e.g. a Transaction.Begin for both StopTxnSampledData and
    StopTxnAlignedData): the spec does not forbid it, but the copies must agree."""
    found = {number(s) for s in samples if s["measurand"] == "Energy.Active.Import.Register"}
    assert len(found) == 1, samples
    return found.pop()


def meter_values(csms, since=0, context=None, transaction_id=None):
    """[(payload, samples)] of MeterValues CALLs at index >= since; samples filtered by context;
    payloads without a matching sample (or of another transaction) are left out."""
    out = []
    for p in payloads(csms, "MeterValues", since):
        if transaction_id is not None and p.get("transactionId") != transaction_id:
            continue
        samples = [s for s in sampled_values(p["meterValue"])
                   if context is None or s["context"] == context]
        if samples:
            out.append((p, samples))
    return out


def wait_meter_values(csms, count, since=0, context="Sample.Periodic", transaction_id=None,
                      timeout=10):
    """Wait until `count` MeterValues with `context` samples arrived; returns them as
    meter_values() does."""
    deadline = time.monotonic() + timeout
    while True:
        found = meter_values(csms, since, context, transaction_id)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError("%d %s MeterValues expected, got %r"
                                 % (count, context, [p for p, _ in found]))
        time.sleep(0.1)


def iso(t):
    """An OCPP dateTime (UTC, whole seconds) of epoch seconds `t`."""
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    """An OCPP timestamp -> POSIX seconds (float)."""
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    t = datetime.datetime.fromisoformat(text)
    if t.tzinfo is None:
        t = t.replace(tzinfo=datetime.timezone.utc)
    return t.timestamp()


def go_offline(csms, agent):
    """Stop the central system; returns its port once the agent has noticed the link is down."""
    port = csms.port
    csms.stop()
    agent.wait_log("link: disconnected", timeout=10)
    return port


def restart_csms(port, **kwargs):
    """A new central system on the same port (the old one stopped): the link comes back."""
    from conftest import CentralSystemThread

    return CentralSystemThread(port=port, boot_interval=300, **kwargs).start()
