"""Availability (ChangeAvailability, OCPP 1.6 section 5.2): which connectors are Operative, and
the changes promised for when a transaction ends (Scheduled). Kept on flash, so a reboot keeps
both; loaded when availability is read at start or changes (ocpp/core/cache.py).

    availability.json  {"0": true, "1": false, ..., "scheduled": {"2": true}}
                       "0" is the charge point as a whole; a connector not listed is Operative
"""
DOC = "availability.json"


def load(cp):
    """cp.operative (a bool per connector, 0 first) and cp.scheduled from flash."""
    doc = cp.store.read_json(DOC, {})
    if not isinstance(doc, dict):
        doc = {}
    cp.operative = [doc.get(str(i), True) is not False for i in range(cp.n + 1)]
    scheduled = doc.get("scheduled")
    # connector id (str) -> operative, applied when its transaction ends
    cp.scheduled = scheduled if isinstance(scheduled, dict) else {}


def set_operative(cp, n, operative):
    """Connector n (0: the charge point and every connector) Operative or Inoperative now."""
    for i in range(cp.n + 1):
        if i == n or n == 0:
            cp.operative[i] = operative
            cp.scheduled.pop(str(i), None)
    cp.set_status(0, "Available" if cp.operative[0] else "Unavailable")
    _save(cp)
    for c in cp.connectors:
        c.availability_changed()


def schedule(cp, n, operative):
    """Connector n (0: the whole charge point) changes when its transaction ends."""
    cp.scheduled[str(n)] = operative
    _save(cp)


def transaction_ended(cp, n):
    """Connector n's transaction is over: a change scheduled for it (or for the whole charge
    point, once no transaction is left) applies now."""
    todo = cp.scheduled.pop(str(n), None)
    if todo is not None:
        set_operative(cp, n, todo)
    whole = cp.scheduled.get("0")
    if whole is not None and all(c.tx is None for c in cp.connectors):
        cp.scheduled.pop("0")
        set_operative(cp, 0, whole)


def _save(cp):
    doc = {str(i): cp.operative[i] for i in range(cp.n + 1)}
    if cp.scheduled:
        doc["scheduled"] = cp.scheduled
    try:
        cp.store.write_json(DOC, doc)
    except OSError as e:
        cp.log("charge point: cannot save availability: %r" % (e,))
