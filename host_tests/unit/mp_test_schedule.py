# ocpp/model/schedule.py: the composite schedule of many random profile combinations against a
# reference written independently here (second by second, occurrences found by stepping, the
# prevailing profile found by sorting), plus the cases users of other chargers report.
import random

from ocpp.model import schedule as S

DAY = 86400
T0 = 1_000_000_000  # any moment (port epoch seconds)
VOLTS = 230


def rec(purpose, periods, stack=0, connector=0, kind="Absolute", start=T0, recur=None,
        duration=None, unit="A", valid_from=None, valid_to=None, tx=None):
    flat = []
    for p in periods:
        flat.extend((p[0], round(p[1] * 10), p[2] if len(p) > 2 else 0))
    return {"id": 0, "purpose": purpose, "stack": stack, "connector": connector, "tx": tx,
            "kind": kind, "recur": recur, "from": valid_from, "to": valid_to,
            "start": None if kind == "Relative" else start, "duration": duration,
            "unit": unit, "min": None, "periods": flat}


def groups_for(records, conn, tx_ref):
    cpmax = [r for r in records if r["purpose"] == "ChargePointMaxProfile"]
    tx = [r for r in records if r["purpose"] == "TxProfile" and r["connector"] == conn
          and r["tx"] == tx_ref]
    dflt = [r for r in records if r["purpose"] == "TxDefaultProfile"
            and r["connector"] in (0, conn)]
    return ([cpmax], [tx, dflt])


# -- the reference -------------------------------------------------------------------------------
def ref_period(r, t, tx_start):
    if r["from"] is not None and t < r["from"]:
        return None
    if r["to"] is not None and t >= r["to"]:
        return None
    length = r["duration"]
    if r["kind"] == "Relative":
        s = tx_start
    elif r["kind"] == "Absolute":
        s = r["start"]
    else:
        step = DAY if r["recur"] == "Daily" else 7 * DAY
        s = r["start"]
        if t < s:
            return None
        while s + step <= t:
            s += step
        if length is None or length > step:
            length = step
    if t < s or (length is not None and t - s >= length):
        return None
    per = r["periods"]
    found = None
    for k in range(len(per) // 3):
        if per[3 * k] <= t - s:
            found = k
    return found


def ref_amps(r, k, phases):
    limit = r["periods"][3 * k + 1] / 10
    n = r["periods"][3 * k + 2]
    if r["unit"] == "W":
        limit = limit / (VOLTS * (n or phases))
    return limit


def ref_best(cands, t, tx_start, phases, conn):
    order = sorted(cands, key=lambda r: (-r["stack"], 0 if r["connector"] == conn else 1))
    for r in order:
        k = ref_period(r, t, tx_start)
        if k is not None:
            return ref_amps(r, k, phases)
    return None


def ref_limit(records, conn, t, tx_start, phases, max_a, tx_ref):
    lim = max_a
    cpmax = [r for r in records if r["purpose"] == "ChargePointMaxProfile"]
    b = ref_best(cpmax, t, tx_start, phases, conn)
    if b is not None:
        lim = min(lim, b)
    tx = [r for r in records if r["purpose"] == "TxProfile" and r["connector"] == conn
          and r["tx"] == tx_ref]
    dflt = [r for r in records if r["purpose"] == "TxDefaultProfile"
            and r["connector"] in (0, conn)]
    b = ref_best(tx, t, tx_start, phases, conn)
    if b is None:
        b = ref_best(dflt, t, tx_start, phases, conn)
    if b is not None:
        lim = min(lim, b)
    return lim


def check(records, window, conn=1, tx_start=T0, phases=3, max_a=32, tx_ref=7, t0=T0,
          unit="A"):
    out = S.composite(groups_for(records, conn, tx_ref), t0, window, tx_start, VOLTS, phases,
                      max_a, unit)
    assert out[0][0] == 0, out
    for a, b in zip(out, out[1:]):
        assert a[0] < b[0] and (a[1], a[2]) != (b[1], b[2]), out  # only where it changes
    j = 0
    for off in range(window + 1 if window == 0 else window):
        while j + 1 < len(out) and out[j + 1][0] <= off:
            j += 1
        want = ref_limit(records, conn, t0 + off, tx_start, phases, max_a, tx_ref)
        got = out[j][1]
        if unit == "W":
            want = want * VOLTS * (out[j][2] or phases)
        assert abs(got - round(want * 10) / 10) < 0.051, (off, got, want, out, records)
    return out


# -- chosen cases ----------------------------------------------------------------------------------
def test_no_profile_is_the_outlet_maximum():
    assert check([], 600) == [[0, 32.0, 0]]


def test_duration_zero_is_the_limit_in_force_now():
    r = [rec("TxDefaultProfile", [(0, 10), (300, 20)], start=T0 - 400)]
    assert S.composite(groups_for(r, 1, 7), T0, 0, T0, VOLTS, 3, 32) == [[0, 20.0, 0]]


def test_periods_starting_inside_the_window_are_in_it():
    r = [rec("TxDefaultProfile", [(0, 6), (3600, 16)], start=T0 + 1800)]
    assert check(r, 7200) == [[0, 32.0, 0], [1800, 6.0, 0], [5400, 16.0, 0]]


def test_an_a_profile_never_limits_power_to_zero():
    r = [rec("TxDefaultProfile", [(0, 16)])]
    assert check(r, 60, unit="W") == [[0, 11040.0, 0]]  # 16 A x 230 V x 3 phases
    assert check([rec("TxDefaultProfile", [(0, 11000)], unit="W")], 60) == [[0, 15.9, 0]]
    # a W limit on one phase: numberPhases 1 gives it all to one phase
    assert check([rec("TxDefaultProfile", [(0, 3680, 1)], unit="W")], 60) == [[0, 16.0, 1]]


def test_stack_levels_and_fall_back():
    r = [rec("TxDefaultProfile", [(0, 16)], stack=0),
         rec("TxDefaultProfile", [(0, 8)], stack=3, start=T0 + 100, duration=200),
         rec("TxDefaultProfile", [(0, 10)], stack=2, connector=1, start=T0 + 250,
             duration=300)]
    assert check(r, 1000) == [[0, 16.0, 0], [100, 8.0, 0], [300, 10.0, 0], [550, 16.0, 0]]


def test_tx_profile_wins_over_default_and_max_caps_both():
    r = [rec("TxDefaultProfile", [(0, 20)]),
         rec("TxProfile", [(0, 25), (100, 6)], connector=1, tx=7),
         rec("TxProfile", [(0, 7)], connector=1, tx=8),  # another transaction's
         rec("ChargePointMaxProfile", [(0, 30), (50, 12)])]
    assert check(r, 300) == [[0, 25.0, 0], [50, 12.0, 0], [100, 6.0, 0]]


def test_daily_recurrence_across_midnight():
    # every day from 22:00 for 4 h: 6 A, then the default; the window crosses midnight
    start = T0 - 3 * DAY
    r = [rec("TxDefaultProfile", [(0, 6), (3600, 8)], kind="Recurring", recur="Daily",
             start=start, duration=4 * 3600, stack=1),
         rec("TxDefaultProfile", [(0, 16)], start=start)]
    out = check(r, DAY + 7200, t0=start + 3 * DAY - 1800)
    assert out == [[0, 16.0, 0], [1800, 6.0, 0], [5400, 8.0, 0], [16200, 16.0, 0],
                   [88200, 6.0, 0], [91800, 8.0, 0]]


def test_relative_profile_counts_from_the_transaction():
    r = [rec("TxProfile", [(0, 6), (600, 12)], kind="Relative", connector=1, tx=7)]
    assert check(r, 1200, tx_start=T0 - 300) == [[0, 6.0, 0], [300, 12.0, 0]]


def test_validity_window():
    r = [rec("TxDefaultProfile", [(0, 9)], stack=1, valid_from=T0 + 60, valid_to=T0 + 120),
         rec("TxDefaultProfile", [(0, 14)])]
    assert check(r, 300) == [[0, 14.0, 0], [60, 9.0, 0], [120, 14.0, 0]]


# -- random combinations --------------------------------------------------------------------------
def random_record(rnd, conn):
    purpose = ("ChargePointMaxProfile", "TxDefaultProfile", "TxProfile")[rnd.getrandbits(8) % 3]
    kind = ("Absolute", "Relative", "Recurring")[rnd.getrandbits(8) % 3]
    if purpose == "ChargePointMaxProfile" and kind == "Relative":
        kind = "Absolute"
    n = 1 + rnd.getrandbits(8) % 5
    starts = sorted(set([0] + [10 * (1 + rnd.getrandbits(8) % 120) for _ in range(n - 1)]))
    unit = "W" if rnd.getrandbits(1) else "A"
    periods = []
    for s in starts:
        amps = 6 + rnd.getrandbits(8) % 27
        phases = (0, 1, 3)[rnd.getrandbits(8) % 3]
        periods.append((s, amps * VOLTS * (phases or 3) if unit == "W" else amps, phases))
    r = rec(purpose, periods, stack=rnd.getrandbits(8) % 4,
            connector=0 if purpose == "ChargePointMaxProfile" else
            (conn if purpose == "TxProfile" else rnd.getrandbits(1) * conn),
            kind=kind, unit=unit, tx=7 if purpose == "TxProfile" else None,
            start=T0 - 600 + 10 * (rnd.getrandbits(8) % 200),
            recur="Daily" if kind == "Recurring" else None,
            duration=None if rnd.getrandbits(1) else 10 * (1 + rnd.getrandbits(8) % 150))
    if kind == "Recurring":
        r["start"] -= DAY * (1 + rnd.getrandbits(2))  # occurrences before, and one in the window
        r["duration"] = r["duration"] or 10 * (1 + rnd.getrandbits(8) % 150)
    if rnd.getrandbits(2) == 0:
        r["from"] = T0 + 10 * (rnd.getrandbits(8) % 150)
    if rnd.getrandbits(2) == 0:
        r["to"] = T0 + 10 * (rnd.getrandbits(8) % 250)
    return r


def random_set(rnd, count):
    """Profiles as a charge point can hold them: one per purpose, stack level and connector
    (a second one would have replaced the first)."""
    out, seen = [], []
    for _ in range(count):
        r = random_record(rnd, 1)
        key = (r["purpose"], r["stack"], r["connector"])
        if key not in seen:
            seen.append(key)
            out.append(r)
    return out


def test_random_combinations_match_the_reference():
    rnd = random
    random.seed(20261205)
    for case in range(150):
        records = random_set(rnd, 1 + rnd.getrandbits(3) % 6)
        phases = 1 if rnd.getrandbits(2) == 0 else 3
        check(records, 2400, tx_start=T0 - 10 * (rnd.getrandbits(8) % 60), phases=phases,
              unit="W" if case % 5 == 0 else "A")


def test_next_change_is_a_real_change_or_an_edge():
    random.seed(7)
    for _ in range(60):
        records = random_set(random, 3)
        g = groups_for(records, 1, 7)
        t = T0
        while True:
            nxt = S.next_change_of(g, t, T0)
            if nxt is None or nxt > T0 + 3000:
                break
            assert nxt > t
            # nothing changes strictly between t and nxt
            want = ref_limit(records, 1, t, T0, 3, 32, 7)
            for u in range(t, nxt, max(1, (nxt - t) // 7)):
                assert ref_limit(records, 1, u, T0, 3, 32, 7) == want, (t, u, nxt)
            t = nxt


def test_covers_means_in_force_at_every_second():
    random.seed(11)
    seen = [0, 0]
    for _ in range(400):
        r = random_record(random, 1)
        t0 = T0 + 10 * (random.getrandbits(8) % 100)
        t1 = t0 + 10 * (1 + random.getrandbits(8) % 200)
        got = S.covers(r, t0, t1, T0)
        always = all(ref_period(r, t, T0) is not None for t in range(t0, t1))
        assert got == always or (not got and always is True and r["kind"] == "Recurring"), \
            (got, always, t0, t1, r)
        seen[got] += 1
    assert seen[0] and seen[1]  # both answers were put to the test
