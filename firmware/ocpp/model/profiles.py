"""The charging profiles on flash, and the limits they give (the work of ocpp/model/
smartcharging.py, which has the rules). Loaded through the module cache for a
SetChargingProfile, a ClearChargingProfile, a GetCompositeSchedule or when the limits are worked
out again; nothing here stays in the heap.

On flash: one document per profile, "scp_<slot>.json" (its record, see ocpp/model/schedule.py),
and the index "scp.json":

    {"n": 2, "list": [[chargingProfileId, purpose, stackLevel, connectorId, tx ref or null,
                       slot], ...]}

A change writes the new record first, then the index (atomic replace), then removes what the
index no longer names: a power cut leaves the old set or the new one, and at worst an unnamed
record that the next change overwrites. Only the records a computation needs are read, and
only while it runs (24 profiles of 32 periods are some 12 KB of JSON on flash).
"""
import asyncio
import random
import time
from array import array

from ocpp.core import cache
from ocpp.core.clock import parse_iso

_INDEX = "scp.json"
CP_MAX = "ChargePointMaxProfile"
TX_DEFAULT = "TxDefaultProfile"
TX = "TxProfile"
_UNITS = {"A": "Current", "W": "Power"}


class Refused(ValueError):
    """SetChargingProfile answers Rejected; the message says why (logged)."""


def _doc(slot):
    return "scp_%d.json" % slot


def index(cp):
    return cp.store.read_json(_INDEX, {}).get("list", [])


def _save_index(cp, entries):
    cp.store.write_json(_INDEX, {"n": len(entries), "list": entries})
    cp.smart.count = len(entries)


def load(cp, entry):
    """The record an index entry names (periods as an array of ints: a third of the list's
    heap), or None when its document is missing."""
    r = cp.store.read_json(_doc(entry[5]))
    if r is not None:
        r["periods"] = array("i", r["periods"])
    return r


# -- SetChargingProfile ------------------------------------------------------------------------
def install(cp, connector_id, prof, ref=None):
    """Check and keep `prof` (a ChargingProfile) for connector_id; Refused says why not. `ref`:
    the transaction a RemoteStartTransaction's profile belongs to (its local ref)."""
    rec = record(cp, connector_id, prof, ref)
    entries = index(cp)
    keep = []
    for e in entries:
        if e[0] == rec["id"] or (e[1] == rec["purpose"] and e[2] == rec["stack"] and
                                 e[3] == connector_id):
            continue  # replaced (same id; or same purpose, stack level and connector)
        keep.append(e)
    most = cp.config.get("MaxChargingProfilesInstalled")
    if len(keep) >= most:
        raise Refused("MaxChargingProfilesInstalled (%d) profiles installed already" % most)
    used = [e[5] for e in entries]
    slot = 0
    while slot in used:
        slot += 1
    cp.store.write_json(_doc(slot), rec)
    keep.append([rec["id"], rec["purpose"], rec["stack"], connector_id, rec["tx"], slot])
    _save_index(cp, keep)
    _drop_unnamed(cp, entries, keep)
    cp.log("smart charging: profile %d installed (%s, stack level %d, connector %d)"
           % (rec["id"], rec["purpose"], rec["stack"], connector_id))


def record(cp, connector_id, prof, ref=None):
    """The record (ocpp/model/schedule.py) of a ChargingProfile, checked beyond its schema."""
    cfg = cp.config
    purpose = prof["chargingProfilePurpose"]
    stack = prof["stackLevel"]
    if stack > cfg.get("ChargeProfileMaxStackLevel"):
        raise Refused("stackLevel %d above ChargeProfileMaxStackLevel %d"
                      % (stack, cfg.get("ChargeProfileMaxStackLevel")))
    if not 0 <= connector_id <= cp.n:
        raise Refused("no connector %d" % connector_id)
    if purpose == CP_MAX and connector_id != 0:
        raise Refused("a ChargePointMaxProfile is for connector 0")
    if purpose == TX:
        if connector_id == 0:
            raise Refused("a TxProfile is for a connector with a transaction, not 0")
        c = cp.connector(connector_id)
        if ref is None:
            if c.tx is None or c.tx.get("stopping"):
                raise Refused("no transaction on connector %d" % connector_id)
            ref = c.tx["ref"]
            tid = prof.get("transactionId")
            if tid is not None and tid != c.transaction_id():
                raise Refused("transaction %s is not the one on connector %d (%s)"
                              % (tid, connector_id, c.transaction_id()))
    sched = prof["chargingSchedule"]
    unit = sched["chargingRateUnit"]
    allowed = cfg.get("ChargingScheduleAllowedChargingRateUnit")
    if _UNITS.get(unit) not in allowed:
        raise Refused("chargingRateUnit %s: ChargingScheduleAllowedChargingRateUnit is %s"
                      % (unit, ",".join(allowed)))
    periods = sched["chargingSchedulePeriod"]
    most = cfg.get("ChargingScheduleMaxPeriods")
    if not 0 < len(periods) <= most:
        raise Refused("%d periods: from 1 to ChargingScheduleMaxPeriods (%d)"
                      % (len(periods), most))
    flat = []
    last = -1
    for p in periods:
        start, limit, phases = p["startPeriod"], p["limit"], p.get("numberPhases", 0)
        if (last < 0 and start != 0) or start <= last:
            raise Refused("startPeriod %d: the first is 0, each later one after the one before"
                          % start)
        if limit < 0 or not 0 <= phases <= 3:
            raise Refused("period at %d: limit %s, numberPhases %s" % (start, limit, phases))
        flat.extend((start, round(limit * 10), phases))
        last = start
    kind = prof["chargingProfileKind"]
    recur = prof.get("recurrencyKind") if kind == "Recurring" else None
    start = _time(sched, "startSchedule")
    if kind == "Recurring" and (recur is None or start is None):
        raise Refused("a Recurring profile needs recurrencyKind and startSchedule")
    if kind == "Absolute" and start is None:
        start = cp.clock.now()  # from when it was received
    if kind == "Relative":
        start = None  # relative to the transaction's start
    rate = sched.get("minChargingRate")
    return {"id": prof["chargingProfileId"], "purpose": purpose, "stack": stack,
            "connector": connector_id, "tx": ref if purpose == TX else None, "kind": kind,
            "recur": recur, "from": _time(prof, "validFrom"), "to": _time(prof, "validTo"),
            "start": start, "duration": sched.get("duration"), "unit": unit,
            "min": None if rate is None else round(rate * 10), "periods": flat}


def _time(d, key):
    text = d.get(key)
    if text is None:
        return None
    t = parse_iso(text)
    if t is None:
        raise Refused("%s is not a date-time: %r" % (key, text[:40]))
    return t


# -- ClearChargingProfile ----------------------------------------------------------------------
def clear(cp, pid=None, connector_id=None, purpose=None, stack=None):
    """Remove the profiles matching every criterion given (an id alone decides when given,
    errata 3.25/3.26); how many went."""
    entries = index(cp)
    keep = []
    for e in entries:
        if pid is not None:
            gone = e[0] == pid
        else:
            gone = (connector_id is None or e[3] == connector_id) and \
                   (purpose is None or e[1] == purpose) and (stack is None or e[2] == stack)
        if not gone:
            keep.append(e)
    if len(keep) != len(entries):
        _save_index(cp, keep)
        _drop_unnamed(cp, entries, keep)
    return len(entries) - len(keep)


def _drop_unnamed(cp, before, after):
    named = [e[5] for e in after]
    for e in before:
        if e[5] not in named:
            cp.store.remove(_doc(e[5]))


# -- the limits --------------------------------------------------------------------------------
# Records are read one at a time here (never the whole set): the prevailing profile of a purpose
# is the first in force in stack-level order, and the next change is the earliest of each one's.
def _concerns(e, n, tx_ref):
    """Whether index entry e counts for connector n (its transaction tx_ref): ChargePointMax
    always; a TxDefaultProfile of it or of connector 0; a TxProfile of its transaction."""
    if e[1] == CP_MAX:
        return True
    if e[1] == TX:
        return e[3] == n and e[4] == tx_ref
    return e[3] in (0, n)


def _by_priority(entries, purpose, n, tx_ref):
    # highest stack level first; in a tie the connector's own before connector 0's
    mine = [e for e in entries if e[1] == purpose and _concerns(e, n, tx_ref)]
    mine.sort(key=lambda e: -(e[2] * 2 + (1 if e[3] else 0)))
    return mine


def _first_in_force(cp, sched, entries, t, tx_start, volts, phases):
    for e in entries:
        r = load(cp, e)
        got = None if r is None else sched.prevailing((r,), t, tx_start, volts, phases)
        if got is not None:
            return got
    return None


def limit_for(cp, sched, c, entries, now, sharing):
    """(A per phase, numberPhases or 0) for connector c now: its TxProfile, else its
    TxDefaultProfile, capped by the ChargePointMaxProfile's share (`sharing` connectors with a
    transaction) and the outlet's maximum."""
    volts, phases, amps = _site(c)
    ref = None if c.tx is None else c.tx["ref"]
    start = _tx_start(cp, c, now)
    n = 0
    got = _first_in_force(cp, sched, _by_priority(entries, TX, c.n, ref), now, start, volts,
                          phases) or \
        _first_in_force(cp, sched, _by_priority(entries, TX_DEFAULT, c.n, ref), now, start,
                        volts, phases)
    if got is not None:
        amps, n = min(amps, got[0]), got[1]
    got = _first_in_force(cp, sched, _by_priority(entries, CP_MAX, c.n, ref), now, start, volts,
                          phases)
    if got is not None:
        amps = min(amps, got[0] / max(1, sharing))  # the charge point's cap, shared
        if got[1] and (not n or got[1] < n):
            n = got[1]
    return amps, n


def _adopt_remote(smart):
    """A RemoteStartTransaction's profile becomes its transaction's TxProfile once that runs;
    True when one was installed."""
    cp = smart.cp
    done = False
    for c in cp.connectors:
        remote = smart.remote[c.n]
        if remote is None:
            continue
        id_tag, prof, until = remote
        if c.tx is not None and c.tx["idTag"] == id_tag:
            smart.remote[c.n] = None
            try:
                install(cp, c.n, prof, c.tx["ref"])
                done = True
            except Refused as e:
                cp.log("smart charging: the remote start's profile is refused: %s" % e)
        elif c.tx is not None or time.ticks_diff(time.ticks_ms(), until) > 0:
            smart.remote[c.n] = None  # another transaction, or none came
    return done


def start_limit(smart, c):
    """The limit a transaction starting on connector c gets at once (before any energy)."""
    cp = smart.cp
    _adopt_remote(smart)
    entries = index(cp)
    running = len([x for x in cp.connectors if x.tx is not None])
    amps, n = limit_for(cp, cache.use("model.schedule"), c, entries, cp.clock.now(), running)
    _give(smart, c, amps, cp.clock.now())


def _tx_start(cp, c, now):
    if c is None or c.tx is None:
        return now  # what a transaction starting now would get
    t = parse_iso(c.tx["ts"])
    return now if t is None else t


def _site(c):
    # volts and phases in use (W <-> A); the outlet's maximum
    evse = c.evse
    return evse.voltage, evse.phases_in_use, evse.max_current_a


async def apply(smart):
    """Work out every connector's limit now and give it to its EVSE (ocpp/model/
    smartcharging.py run()); the seconds until the next change, or None. Reads each profile's
    record and lets the event loop run between them."""
    cp = smart.cp
    sched = cache.use("model.schedule")
    now = cp.clock.now()
    entries = index(cp)
    # TxProfiles end with their transaction (also one that ended in a power cut)
    live = [c.tx["ref"] for c in cp.connectors if c.tx is not None]
    stale = [e for e in entries if e[1] == TX and e[4] not in live]
    if stale:
        keep = [e for e in entries if e not in stale]
        _save_index(cp, keep)
        _drop_unnamed(cp, entries, keep)
        entries = keep
    if _adopt_remote(smart):
        entries = index(cp)
    running = len([c for c in cp.connectors if c.tx is not None])
    wait = None
    for c in cp.connectors:
        amps, n = limit_for(cp, sched, c, entries, now, running)
        _phases(smart, c, n)
        due = _give(smart, c, amps, now)
        if due is not None and (wait is None or due - now < wait):
            wait = due - now
        await asyncio.sleep_ms(0)
    # the next change: the earliest of every profile's, for every connector it concerns
    for e in entries:
        r = load(cp, e)
        if r is None:
            continue
        for c in cp.connectors:
            if _concerns(e, c.n, None if c.tx is None else c.tx["ref"]):
                t = sched.next_change(r, now, _tx_start(cp, c, now))
                if t is not None and (wait is None or t - now < wait):
                    wait = t - now
        r = None
        await asyncio.sleep_ms(0)
    return wait


def _phases(smart, c, n):
    """numberPhases in force (0: not given, all the outlet has) through the phase-count relay,
    for a transaction; the EVSE pauses the EV for the switch (evse.use_phases)."""
    evse = c.evse
    want = n or evse.phases
    if evse.switches_phases and want != evse.phases_in_use and c.tx is not None and \
            not evse.switching:
        smart.cp.log("connector %d: %d phase%s from now" % (c.n, want, "s" if want > 1 else ""))
        asyncio.create_task(_switch(smart, evse, want))


async def _switch(smart, evse, n):
    await evse.use_phases(n)
    smart.changed()  # a W limit counts the phases in use


def _give(smart, c, amps, now):
    """Offer `amps` to connector c's running transaction, after the randomised delay when it is
    on; when a delay runs, the moment it ends."""
    n = c.n
    if c.tx is None or c.tx.get("stopping") or c.tx.get("suspended"):
        smart.applied[n] = smart.delay_due[n] = None
        return None
    if smart.applied[n] is not None and abs(amps - smart.applied[n]) < 0.05:
        smart.delay_due[n] = None
        return None
    cfg = smart.cp.config
    most = cfg.get("RandomisedDelayMaxSeconds")
    if cfg.get("RandomisedDelayEnabled") and most > 0:
        if smart.delay_due[n] is None:
            smart.delay_due[n] = now + random.getrandbits(16) % (most + 1)
            smart.cp.log("connector %d: randomised delay until %s" %
                         (n, smart.cp.clock.iso(smart.delay_due[n])))
        if now < smart.delay_due[n]:
            if smart.applied[n] is None:
                c.evse.offer(0)  # nothing before the first delay ends: SuspendedEVSE
            return smart.delay_due[n]
    smart.delay_due[n] = None
    smart.applied[n] = amps
    c.evse.offer(amps, paced=True)
    c.wake.set()
    return None


# -- GetCompositeSchedule ----------------------------------------------------------------------
async def composite(cp, n, duration, unit):
    """GetCompositeSchedule's answer for connector n (0: the charge point) from now. The
    records that concern it are all read for this (about 1 KB each on a 64-bit port); the
    schedule is worked out a moment at a time, yielding to the event loop in between."""
    sched = cache.use("model.schedule")
    now = cp.clock.now()
    c = cp.connector(n) if n else cp.connectors[0]
    ref = None if n == 0 or c.tx is None else c.tx["ref"]

    start = _tx_start(cp, None if n == 0 else c, now)

    def records(purpose):
        # in priority order, up to the first that is in force over the whole window
        out = []
        for e in _by_priority(index(cp), purpose, n, ref) if n or purpose == CP_MAX else ():
            r = load(cp, e)
            if r is not None:
                out.append(r)
                if sched.covers(r, now, now + max(duration, 1), start):
                    break
        return out

    volts, phases, max_a = _site(c)
    if n:
        groups = ([records(CP_MAX)], [records(TX), records(TX_DEFAULT)])
    else:
        max_a = sum(x.evse.max_current_a for x in cp.connectors)
        groups = ([records(CP_MAX)],)
    unit = unit or "A"
    periods = []
    for _ in sched.composite_steps(groups, now, duration, start, volts, phases, max_a, unit,
                                   periods):
        await asyncio.sleep_ms(0)
    out = []
    for p in periods:
        d = {"startPeriod": p[0], "limit": p[1]}
        if p[2]:
            d["numberPhases"] = p[2]
        out.append(d)
    return {"status": "Accepted", "connectorId": n, "scheduleStart": cp.clock.iso(now),
            "chargingSchedule": {"duration": duration, "chargingRateUnit": unit,
                                 "chargingSchedulePeriod": out}}
