"""Editing the configuration: parsing and validating values, loading them at start,
ChangeConfiguration and the agent's own writes. The key table and the typed values live in
ocpp/config.py; this module is imported only while a value is loaded or changed (ocpp/lazy.py).
"""
from binascii import hexlify, unhexlify

from ocpp.config import (ACC_MASK, ACC_R, DOC, F_REBOOT, INT_MAX, KEYS, MAX_VALUE_LEN, ROTATIONS,
                         STRIDE, T_AUTH, T_BOOL, T_INT, T_MASK, T_MEAS, T_ROT, T_STR, T_WORDS,
                         _LOCK, _RAW_KEY, _UNLOCK, _find, _pick, _to_wire, measurand_phase)


def load(cfg, factory):
    """Stored values, then factory values, then defaults, each validated (Config.__init__)."""
    store, log, initial_password = cfg.store, cfg.log, cfg.initial_password
    stored = store.read_json(DOC, {})
    if not isinstance(stored, dict):
        log("config: %s is not an object; ignored" % DOC)
        stored = {}
    chosen = {}  # table index -> factory value
    for key in factory or ():
        i = _find(key)
        if i < 0:
            log("config: ocpp_keys.%s is not a known key; ignored" % key)
        else:
            chosen[i] = factory[key]
    keep = {}
    # Plain values first: CSL checks need their <Key>MaxLength, AuthorizationKey its mode.
    for second in (False, True):
        for i in range(0, len(KEYS), STRIDE):
            name, flags = KEYS[i], KEYS[i + 1]
            if ((flags & T_MASK) in (T_MEAS, T_ROT, T_WORDS, T_AUTH)) != second:
                continue
            if name in stored and flags & ACC_MASK != ACC_R:
                v, why = _parse_stored(cfg, i, stored[name])
                if why is None:
                    keep[name] = stored[name]
                    cfg._apply(name, v)
                    continue
                log("config: stored %s invalid (%s); ignored" % (name, why))
            if i in chosen:
                v, why = _parse(cfg, i, chosen[i])
                if why:
                    raise ValueError("ocpp_keys.%s: %s" % (name, why))
            elif name == _RAW_KEY:
                # Seed 003: "false if not previously set, else true": a provisioned
                # initial password is a key that was set, in plain text.
                v = initial_password is not None
            else:
                v, why = _parse(cfg, i, KEYS[i + 2])
            cfg._apply(name, v)
    cfg._stored = keep  # the persisted document: changed keys only, wire strings


def change(cfg, key, value):
    """ChangeConfiguration: "Accepted", "RebootRequired", "Rejected" or "NotSupported".

    Nothing is kept unless the value is valid and saved; watchers run after the change.
    """
    i = _find(key)
    if i < 0 or not cfg._present(i):
        return "NotSupported"
    name, flags = KEYS[i], KEYS[i + 1]
    if flags & ACC_MASK == ACC_R or (name == _UNLOCK and cfg._v[_LOCK]):
        cfg.log("config: %s is read-only; change rejected" % name)
        return "Rejected"
    if not isinstance(value, str) or len(value) > MAX_VALUE_LEN:
        v, why = None, "must be a string of at most 500 characters"
    else:
        v, why = _parse(cfg, i, value)
    if why is None and name == "SecurityProfile":
        why = _profile_problem(cfg, v)
    if why:
        cfg.log("config: %s change rejected: %s" % (name, why))
        return "Rejected"
    if not _persist(cfg, i, v):
        return "Rejected"
    cfg._apply(name, v)
    if flags & T_MASK == T_AUTH:
        cfg.log("config: AuthorizationKey changed")  # never its value
    else:
        cfg.log("config: %s = %s" % (name, _to_wire(flags & T_MASK, v)))
    for watched, fn in cfg._watch:
        if watched == name:
            try:
                fn(v)
            except Exception as ex:
                cfg.log("config: watcher of %s failed: %r" % (name, ex))
    return "RebootRequired" if flags & F_REBOOT else "Accepted"

def set(cfg, key, value):
    """The agent's own write: no read-only check, no watchers. ``value``: typed or a wire
    string. Persisted for writable keys; read-only ones (facts the agent works out at each
    start, e.g. SupportedFeatureProfiles) live in RAM only. ValueError if invalid."""
    i = _find(key)
    if i < 0:
        raise KeyError(key)
    v, why = _parse(cfg, i, value)
    if why:
        raise ValueError("%s: %s" % (KEYS[i], why))
    if KEYS[i + 1] & ACC_MASK != ACC_R and not _persist(cfg, i, v):
        raise OSError("config: cannot save %s" % KEYS[i])
    cfg._apply(KEYS[i], v)

def _persist(cfg, i, v):
    if KEYS[i + 1] & T_MASK == T_AUTH:
        wire = hexlify(v).decode()  # the password bytes, whatever rule produced them
    else:
        wire = _to_wire(KEYS[i + 1] & T_MASK, v)
    doc = dict(cfg._stored)
    doc[KEYS[i]] = wire
    try:
        cfg.store.write_json(DOC, doc)
    except OSError as ex:
        cfg.log("config: cannot save %s (%r)" % (KEYS[i], ex))
        return False
    cfg._stored = doc
    return True

def _profile_problem(cfg, new):
    # Security whitepaper A05: raise only, and only with the prerequisites in place.
    now = cfg._v["SecurityProfile"]
    if new <= now:
        return "may only be raised (now %d)" % now
    if new in (1, 2) and cfg.auth_password() is None:
        return "needs an AuthorizationKey"
    if new >= 2 and not cfg.has_ca_cert:
        return "needs a central system root certificate"
    if new == 3 and not cfg.has_client_cert:
        return "needs a charge point certificate"
    return None

def _parse_stored(cfg, i, wire):
    if KEYS[i + 1] & T_MASK == T_AUTH:
        try:
            return unhexlify(wire), None
        except Exception:
            return None, "not hex"
    return _parse(cfg, i, wire)

def _parse(cfg, i, value):
    """(typed value, None) or (None, why). ``value``: a wire string or a JSON value."""
    kind = KEYS[i + 1] & T_MASK
    if kind == T_INT:
        return _parse_int(i, value)
    if kind == T_BOOL:
        if type(value) is bool:
            return value, None
        if isinstance(value, str):
            low = value.lower()
            if low in ("true", "false"):
                return low == "true", None
        return None, "must be true or false"
    if kind == T_STR:
        hi = KEYS[i + 3]
        if isinstance(value, str) and _printable(value, 0, hi):
            return value, None
        return None, "must be printable ASCII, at most %d characters" % hi
    if kind == T_AUTH:
        return _parse_auth(cfg, value)
    return _parse_csl(cfg, KEYS[i], kind, value)

def _parse_auth(cfg, value):
    if not isinstance(value, str):
        return None, "must be a string"
    if cfg._v.get(_RAW_KEY):
        # Used as is: an RFC 7617 password (printable ASCII, SP included), 16 to 40 long.
        if _printable(value, 16, 40):
            return value.encode(), None
        return None, "must be 16 to 40 printable ASCII characters"
    # OCPP-J 6.2.2 / security whitepaper: 16 to 20 bytes, sent as 32 to 40 hex digits.
    if 32 <= len(value) <= 40 and not len(value) & 1:
        try:
            return unhexlify(value), None
        except Exception:
            pass
    return None, "must be 32 to 40 hex digits (16 to 20 bytes)"

def _parse_csl(cfg, name, kind, value):
    if isinstance(value, str):
        items = [s.strip() for s in value.split(",")] if value.strip() else []
    elif isinstance(value, list) and all(isinstance(s, str) for s in value):
        items = [s.strip() for s in value]
    else:
        return None, "must be a comma-separated list"
    limit = cfg._v.get(name + "MaxLength")
    if limit is not None and len(items) > limit:
        return None, "at most %d items" % limit
    out = []
    for item in items:
        if kind == T_MEAS:
            mp = measurand_phase(item)
            if mp is None:
                return None, "unsupported measurand %s" % item
            item = mp[0] + "." + mp[1] if mp[1] else mp[0]
        elif kind == T_ROT:
            item = _rotation(cfg, item)
            if item is None:
                return None, "items must be <connectorId>.<rotation>, rotation one of " \
                    + ",".join(ROTATIONS)
            if any(o.split(".")[0] == item.split(".")[0] for o in out):
                return None, "a connector is listed twice"
        elif not _printable(item, 1, 50):
            return None, "items must be non-empty printable ASCII"
        out.append(item)
    return out, None

def _rotation(cfg, item):
    cid, _, rot = item.partition(".")
    if not cid.isdigit() or int(cid) > cfg._v["NumberOfConnectors"]:
        return None
    rot = _pick(rot, ROTATIONS)
    return cid + "." + rot if rot else None


def _printable(s, lo, hi):
    if not lo <= len(s) <= hi:
        return False
    for c in s:
        if not " " <= c <= "~":
            return False
    return True


def _parse_int(i, value):
    lo, hi = KEYS[i + 3] or (0, INT_MAX)
    n = None
    if type(value) is int:
        n = value
    elif isinstance(value, str):
        s = value.strip()
        if s and len(s) <= 10 and s.isdigit():
            n = int(s)
    if n is None or not lo <= n <= hi:
        if hi == INT_MAX:
            return None, "must be an integer >= %d" % lo
        return None, "must be an integer from %d to %d" % (lo, hi)
    return n, None
