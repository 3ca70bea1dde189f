"""Editing the configuration: parsing and validating values, ChangeConfiguration and the
agent's own writes. The typed values live in ocpp/config.py, the key table in
ocpp/config_keys.py, loading at start in ocpp/config_load.py; this module is imported only while
a value is loaded or changed (ocpp/lazy.py).
"""
from binascii import hexlify, unhexlify
from micropython import const

from ocpp.config_keys import (ACC_MASK, ACC_R, F_REBOOT, KEYS, LOCK, T_AUTH, T_BOOL, T_INT,
                              T_MASK, T_MEAS, T_ROT, T_STR, T_WORDS, UNLOCK, find, present,
                              readonly, to_wire)

DOC = "ocpp_config.json"
INT_MAX = const(2147483647)
MAX_VALUE_LEN = const(500)
ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")
RAW_KEY = "UseAuthorizationKeyWithoutDecoding"


def change(cfg, key, value):
    """ChangeConfiguration: "Accepted", "RebootRequired", "Rejected" or "NotSupported".

    Nothing is kept unless the value is valid and saved; watchers run after the change.
    """
    i = find(key)
    if i < 0 or not present(cfg, i):
        return "NotSupported"
    name, flags = KEYS[i][0], KEYS[i][1]
    if readonly(cfg, i):
        cfg.log("config: %s is read-only; change rejected" % name)
        return "Rejected"
    if not isinstance(value, str) or len(value) > MAX_VALUE_LEN:
        v, why = None, "must be a string of at most 500 characters"
    else:
        v, why = parse(cfg, i, value)
    if why is None and name == "SecurityProfile":
        why = _profile_problem(cfg, v)
    if why:
        cfg.log("config: %s change rejected: %s" % (name, why))
        return "Rejected"
    if not _persist(cfg, i, v):
        return "Rejected"
    apply(cfg, name, v)
    if flags & T_MASK == T_AUTH:
        cfg.log("config: AuthorizationKey changed")  # never its value
    else:
        cfg.log("config: %s = %s" % (name, to_wire(flags & T_MASK, v)))
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
    i = find(key)
    if i < 0:
        raise KeyError(key)
    v, why = parse(cfg, i, value)
    if why:
        raise ValueError("%s: %s" % (KEYS[i][0], why))
    if KEYS[i][1] & ACC_MASK != ACC_R and not _persist(cfg, i, v):
        raise OSError("config: cannot save %s" % KEYS[i][0])
    apply(cfg, KEYS[i][0], v)


def apply(cfg, name, v):
    """Keep a typed (valid) value in cfg._v."""
    # LockCablePermanently=true holds UnlockConnectorOnEVSideDisconnect
    # false (seed 003: a permanently locked cable is never unlocked on EV side); the key's own
    # value is kept aside for when the lock is lifted.
    vals = cfg._v
    if name == UNLOCK:
        cfg._unlock_own = v
        if vals.get(LOCK):
            v = False
    elif name == LOCK and UNLOCK in vals:
        vals[UNLOCK] = False if v else cfg._unlock_own
    if name not in vals:
        name = _interned(name)
    vals[name] = v


class _Scratch:
    pass


def _interned(name):
    # The resident dict of values outlives this table: keyed by the table's own strings it would
    # keep each name as a heap str object (~64 bytes on a 64-bit port). An attribute name is a
    # qstr, stored once in the qstr pool (about its length); a str built from the same
    # characters then is that qstr, costing no heap block of its own.
    setattr(_Scratch(), name, None)
    return name[0:len(name)]


def _persist(cfg, i, v):
    if KEYS[i][1] & T_MASK == T_AUTH:
        wire = hexlify(v).decode()  # the password bytes, whatever rule produced them
    else:
        wire = to_wire(KEYS[i][1] & T_MASK, v)
    doc = dict(cfg._stored)
    doc[KEYS[i][0]] = wire
    try:
        cfg.store.write_json(DOC, doc)
    except OSError as ex:
        cfg.log("config: cannot save %s (%r)" % (KEYS[i][0], ex))
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


def parse(cfg, i, value):
    """The value for the key in row KEYS[i]: (typed value, None) or (None, why).
    ``value``: a wire string or a JSON value."""
    kind = KEYS[i][1] & T_MASK
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
        hi = KEYS[i][3]
        if isinstance(value, str) and _printable(value, 0, hi):
            return value, None
        return None, "must be printable ASCII, at most %d characters" % hi
    if kind == T_AUTH:
        return _parse_auth(cfg, value)
    return _parse_csl(cfg, KEYS[i][0], kind, value)


def _parse_auth(cfg, value):
    if not isinstance(value, str):
        return None, "must be a string"
    if cfg._v.get(RAW_KEY):
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
            mp = _measurands().measurand_phase(item)
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
    rot = _measurands().pick(rot, ROTATIONS)
    return cid + "." + rot if rot else None


def _measurands():
    # Only list values need it: a plain edit (HeartbeatInterval...) does not load it.
    from ocpp import config_measurands

    return config_measurands


def _printable(s, lo, hi):
    if not lo <= len(s) <= hi:
        return False
    for c in s:
        if not " " <= c <= "~":
            return False
    return True


def _parse_int(i, value):
    lo, hi = KEYS[i][3] or (0, INT_MAX)
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
