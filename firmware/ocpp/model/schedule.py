"""Charging schedules: the limit a set of charging profiles gives at a moment, when it changes
next, and the composite schedule over a window (OCPP 1.6 sections 3.13 and 5.7 with the
errata, summed up in ocpp/model/smartcharging.py). Pure functions on profile records; loaded
through the module cache when a limit is worked out, which happens at a period boundary, a
profile change or a GetCompositeSchedule, never in the control loop.

A profile record is the document smartcharging.py keeps on flash for it (times in the port's
epoch seconds, limits in tenths, so a 32-bit port holds them as small ints):

    {"id": 7, "purpose": "TxProfile", "stack": 2, "connector": 1, "tx": 41 (its transaction's
     local ref, TxProfile only), "kind": "Absolute" | "Recurring" | "Relative",
     "recur": "Daily" | "Weekly" | None, "from": t | None, "to": t | None,
     "start": t | None (startSchedule), "duration": s | None, "unit": "A" | "W",
     "min": tenths | None, "periods": [startPeriod, limit tenths, numberPhases (0: not given),
     ...]}

The moment a schedule starts: Absolute its startSchedule; Relative the transaction's start (the
present when there is none: what a transaction starting now would get); Recurring the latest
startSchedule + k days (or weeks) not after the moment, none before the first. A schedule is in
force from its start for `duration` (none: for ever; Recurring: at most one recurrence), and
within validFrom / validTo; outside, the next lower stack level of its purpose is.

The site: "volts" and "phases" in use turn W into A per phase and back (P = U x I x phases; a
period's numberPhases counts when it is given, errata 3.34 aside: the EV's own phases are what
the current flows on), "max_a" is the outlet's own limit, in force where no profile is.
"""

_DAY = 86400
_WEEK = 604800
_FOREVER = 1 << 62


def start_of(p, t, tx_start):
    """When the schedule of `p` in force at `t` started; None before its first start."""
    kind = p["kind"]
    if kind == "Relative":
        return tx_start
    s = p["start"]
    if s is None or t < s:
        return None if kind == "Recurring" else s
    if kind == "Recurring":
        period = _DAY if p["recur"] == "Daily" else _WEEK
        return s + (t - s) // period * period
    return s


def _length(p):
    d = p["duration"]
    if p["kind"] == "Recurring":
        period = _DAY if p["recur"] == "Daily" else _WEEK
        return period if d is None or d > period else d
    return _FOREVER if d is None else d


def period_at(p, t, tx_start):
    """The index (in threes) in p["periods"] of the period in force at t, or -1."""
    if (p["from"] is not None and t < p["from"]) or (p["to"] is not None and t >= p["to"]):
        return -1
    s = start_of(p, t, tx_start)
    if s is None or t < s:
        return -1
    off = t - s
    if off >= _length(p):
        return -1
    return 3 * _started(p["periods"], off) - 3


def _started(per, off):
    """How many periods of `per` have started at offset `off`: a binary search, as the
    startPeriods rise (SetChargingProfile refuses them otherwise). A day of 32-period profiles
    is worked out period by period, so a linear scan here made GetCompositeSchedule take a
    quarter of a second on an RP2040."""
    lo = 0
    hi = len(per) // 3
    while lo < hi:
        mid = (lo + hi) >> 1
        if per[3 * mid] <= off:
            lo = mid + 1
        else:
            hi = mid
    return lo


def covers(p, t0, t1, tx_start):
    """Whether `p` is in force at every moment of [t0, t1): then no profile below it in its
    purpose can matter there (GetCompositeSchedule reads no further)."""
    if (p["from"] is not None and p["from"] > t0) or (p["to"] is not None and p["to"] < t1):
        return False
    if p["kind"] == "Recurring":
        period = _DAY if p["recur"] == "Daily" else _WEEK
        return p["start"] <= t0 and _length(p) >= period
    s = start_of(p, t0, tx_start)
    return s is not None and s <= t0 and s + _length(p) >= t1


def next_change(p, t, tx_start):
    """The first moment after t at which what `p` says may change (None: never)."""
    best = _FOREVER
    for edge in (p["from"], p["to"]):
        if edge is not None and t < edge < best:
            best = edge
    s = start_of(p, t, tx_start)
    if s is not None:
        if s > t:
            best = min(best, s)
        else:
            length = _length(p)
            per = p["periods"]
            k = _started(per, t - s)  # the first period not started yet, if any
            if k < len(per) // 3:
                at = s + per[3 * k]
                if at < best and at < s + length:
                    best = at
            if s + length > t:
                best = min(best, s + length)
            if p["kind"] == "Recurring":
                best = min(best, s + (_DAY if p["recur"] == "Daily" else _WEEK))
    elif p["kind"] == "Recurring" and p["start"] > t:
        best = min(best, p["start"])
    return None if best == _FOREVER else best


def _amps(p, i, volts, phases):
    # (limit in A per phase, numberPhases given or 0) of period i of p
    per = p["periods"]
    n = per[i + 2]
    limit = per[i + 1] / 10
    if p["unit"] == "W":
        limit = limit / (volts * (n or phases))
    return limit, n


def prevailing(profiles, t, tx_start, volts, phases):
    """(A per phase, numberPhases or 0, profile) of the highest stack level in force at t among
    `profiles` (one purpose; a connector-specific profile wins a tie with a connector 0 one),
    or None."""
    best = None
    for p in profiles:
        if best is not None and (p["stack"] < best["stack"] or
                                 (p["stack"] == best["stack"] and p["connector"] == 0)):
            continue
        i = period_at(p, t, tx_start)
        if i >= 0:
            best = p
            found = i
    if best is None:
        return None
    amps, n = _amps(best, found, volts, phases)
    return amps, n, best


def limit_at(groups, t, tx_start, volts, phases, max_a):
    """The limit in A per phase at t and its numberPhases (0: not given): the lowest of what
    each group of profiles (ChargePointMaxProfile; TxProfile, else TxDefaultProfile) says,
    never above max_a."""
    amps, n = max_a, 0
    for group in groups:
        for profiles in group:  # the first purpose in force in the group prevails
            got = prevailing(profiles, t, tx_start, volts, phases)
            if got is not None:
                if got[0] < amps:
                    amps = got[0]
                if got[1] and (not n or got[1] < n):
                    n = got[1]
                break
    return amps, n


def next_change_of(groups, t, tx_start):
    """The first moment after t at which any profile of `groups` may change (None: never)."""
    best = None
    for group in groups:
        for profiles in group:
            for p in profiles:
                c = next_change(p, t, tx_start)
                if c is not None and (best is None or c < best):
                    best = c
    return best


def composite(groups, t0, duration, tx_start, volts, phases, max_a, unit="A"):
    """The composite schedule from t0 for `duration` seconds: [startPeriod, limit, numberPhases
    (0: not given)] in `unit` ("A" per phase, or "W" for the total), one decimal, a period
    only where the limit changes. Every period starting inside the window is in it; duration 0
    gives the one in force at t0."""
    out = []
    for _ in composite_steps(groups, t0, duration, tx_start, volts, phases, max_a, unit, out):
        pass
    return out


def composite_steps(groups, t0, duration, tx_start, volts, phases, max_a, unit, out):
    """composite() one moment at a time: appends its periods to `out` and yields after each
    moment a limit may change, so that a caller in the event loop can let the other tasks run
    in between (a day of 32-period profiles is some 80 such moments, about 2 ms each on an
    RP2040: 170 ms in one piece would hold up the EVSE's control step)."""
    t = t0
    end = t0 + duration
    while True:
        amps, n = limit_at(groups, t, tx_start, volts, phases, max_a)
        limit = amps if unit == "A" else amps * volts * (n or phases)
        limit = round(limit * 10) / 10
        if not out or out[-1][1] != limit or out[-1][2] != n:
            out.append([t - t0, limit, n])
        nxt = next_change_of(groups, t, tx_start)
        if nxt is None or nxt >= end:
            return
        t = nxt
        yield
