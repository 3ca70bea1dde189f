"""Reservations (OCPP 1.6 sections 3.11, 5.1, 5.13): a connector, or with connector 0 the
charge point, kept for one idTag (or the cards that share its parentIdTag) until expiryDate.
Loaded through the module cache while reservations exist; the list itself is the charge
point's (cp.reservations, kept on flash in "reservations.json" so a reboot keeps it):

    [[reservationId, connectorId, idTag, parentIdTag or null, expiry (port epoch s)], ...]

Rules:
  * ReserveNow: the same reservationId replaces the old reservation. A connector that is
    faulted answers Faulted, one made Inoperative Unavailable, one with a transaction, a cable,
    an idTag waiting or another reservation Occupied. Connector 0 (ReserveConnectorZeroSupported)
    keeps one connector free for the idTag: the last free one shows Reserved; Rejected when not
    supported, or for a connector that does not exist.
  * While held, a connector starts only for the reserved idTag or a card with the same
    parentIdTag (the parent from the authorization: list, cache, or Authorize.req).
  * A reservation ends when its transaction starts (StartTransaction carries its
    reservationId), at expiryDate, by CancelReservation, or when its connector becomes
    Faulted or Unavailable.
"""
from ocpp.core.clock import parse_iso

DOC = "reservations.json"
ACCEPTED = "Accepted"


def load(cp):
    """The reservations kept on flash (at start)."""
    got = cp.store.read_json(DOC, [])
    return got if isinstance(got, list) else []


def _save(cp):
    cp.store.write_json(DOC, cp.reservations)


def reserve(cp, rid, n, id_tag, parent, expiry_text):
    """ReserveNow's answer; the reservation is kept when Accepted."""
    if not 0 <= n <= cp.n or (n == 0 and not cp.config.get("ReserveConnectorZeroSupported")):
        return "Rejected"
    expiry = parse_iso(expiry_text)
    if expiry is None or expiry <= cp.clock.now():
        return "Rejected"  # already expired
    old = [r for r in cp.reservations if r[0] == rid]
    for r in old:  # the same reservationId: replaced
        cp.reservations.remove(r)
    status = _refusal(cp, n)
    if status is not None:
        for r in old:  # a refused replacement leaves the old one as it was
            cp.reservations.append(r)
        return status
    cp.reservations.append([rid, n, id_tag, parent, expiry])
    _save(cp)
    cp.log("reservation %d: connector %d for %s until %s" % (rid, n, id_tag, expiry_text))
    _wake(cp)
    return ACCEPTED


def _refusal(cp, n):
    connectors = cp.connectors if n == 0 else [cp.connector(n)]
    if all(c.evse.faults for c in connectors):
        return "Faulted"
    if all(not c.operative() for c in connectors):
        return "Unavailable"
    if n == 0:
        if any(r[1] == 0 for r in cp.reservations) or not _free(cp):
            return "Occupied"
        return None
    c = connectors[0]
    if c.evse.faults:
        return "Faulted"
    if not c.operative():
        return "Unavailable"
    if c.tx is not None or c.pending or c.plugged() or \
            any(r[1] == n for r in cp.reservations):
        return "Occupied"
    if any(r[1] == 0 for r in cp.reservations) and _free(cp) == [c]:
        return "Occupied"  # the last free connector is the charge point's reservation's
    return None


def _unused(cp):
    """The connectors a charge point reservation may keep: no transaction, operative, not
    faulted, not reserved themselves."""
    return [c for c in cp.connectors if c.tx is None and c.operative() and not c.evse.faults and
            not any(r[1] == c.n for r in cp.reservations)]


def _free(cp):
    """Of those, the ones nobody has begun to use (no cable, no idTag waiting)."""
    return [c for c in _unused(cp) if not c.pending and not c.plugged()]


def cancel(cp, rid):
    """CancelReservation: True when reservation rid was there (it is gone now)."""
    for r in cp.reservations:
        if r[0] == rid:
            cp.reservations.remove(r)
            _save(cp)
            cp.log("reservation %d: cancelled" % rid)
            _wake(cp)
            return True
    return False


def holding(cp, c):
    """The reservation that holds connector c now, or None: its own, or the charge point's
    (connector 0) when c is the last connector that could serve it."""
    for r in cp.reservations:
        if r[1] == c.n:
            return r
    for r in cp.reservations:
        if r[1] == 0:
            unused = _unused(cp)
            if c in unused and len(unused) == 1:
                return r
    return None


def allows(cp, c, id_tag, parent):
    """Whether connector c may start for id_tag (its parentIdTag `parent`)."""
    r = holding(cp, c)
    return r is None or _matches(r, id_tag, parent)


def _matches(r, id_tag, parent):
    return id_tag == r[2] or (parent is not None and r[3] is not None and parent == r[3])


def take(cp, c, id_tag, parent):
    """A transaction starts on c for id_tag: the reservation it uses ends; its id, or None."""
    for r in cp.reservations:
        if r[1] in (0, c.n) and _matches(r, id_tag, parent):
            cp.reservations.remove(r)
            _save(cp)
            cp.log("reservation %d: used by connector %d" % (r[0], c.n))
            return r[0]
    return None


def check(cp):
    """Reservations that expired, or whose connector became Faulted or Unavailable, end."""
    now = cp.clock.now()
    gone = []
    for r in cp.reservations:
        why = None
        if r[4] <= now:
            why = "expired"
        elif r[1] and cp.connector(r[1]).evse.faults:
            why = "connector faulted"
        elif r[1] and not cp.connector(r[1]).operative():
            why = "connector unavailable"
        elif not cp.operative[0]:
            why = "charge point unavailable"
        if why:
            gone.append(r)
            cp.log("reservation %d: ended (%s)" % (r[0], why))
    if gone:
        for r in gone:
            cp.reservations.remove(r)
        _save(cp)
        _wake(cp)


def _wake(cp):
    for c in cp.connectors:
        c.wake.set()  # statuses are worked out again
