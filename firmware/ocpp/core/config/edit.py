"""Editing the configuration: ChangeConfiguration and the agent's own writes, and the checks of
plain values (integers, booleans, strings). The typed values live in ocpp/core/config/__init__.py, the key
table in ocpp/core/config/keys.py; lists, AuthorizationKey and SecurityProfile's prerequisites are
checked by ocpp/core/config/special.py, imported only for those keys. This module is imported only
while a value is loaded or changed (ocpp/core/cache.py).
"""
from micropython import const

from ocpp.core import cache

table = cache.use("core.config.keys")

# (The table's names are read through the module, not imported one by one: few globals keep
# this module's dict a small block, which a fragmented heap still has.)

DOC = "ocpp_config.json"
_INT_MAX = const(2147483647)
_MAX_VALUE_LEN = const(500)
def change(cfg, key, value):
    """ChangeConfiguration: "Accepted", "RebootRequired", "Rejected" or "NotSupported".

    Nothing is kept unless the value is valid and saved; watchers run after the change.
    """
    k = table.find(key)
    if k < 0:
        return "NotSupported"
    key, bits = table.name(k), table.flags(k)
    if table.readonly(cfg, k):
        cfg.log("config: %s is read-only; change rejected" % key)
        return "Rejected"
    if not isinstance(value, str) or len(value) > _MAX_VALUE_LEN:
        v, why = None, "must be a string of at most 500 characters"
    else:
        v, why = parse(cfg, k, value)
    if why is None and key == "SecurityProfile":
        why = cache.use("core.config.special").profile_problem(cfg, v)
    if why:
        cfg.log("config: %s change rejected: %s" % (key, why))
        return "Rejected"
    if not _persist(cfg, k, v):
        return "Rejected"
    apply(cfg, key, v)
    if bits & table.T_MASK == table.T_AUTH:
        cfg.log("config: AuthorizationKey changed")  # never its value
    else:
        cfg.log("config: %s = %s" % (key, table.to_wire(bits & table.T_MASK, v)))
    for watched, fn in cfg._watch:
        if watched == key:
            try:
                fn(v)
            except Exception as ex:
                cfg.log("config: watcher of %s failed: %r" % (key, ex))
    return "RebootRequired" if bits & table.F_REBOOT else "Accepted"


def set(cfg, key, value):
    """The agent's own write: no read-only check, no watchers. ``value``: typed or a wire
    string. Persisted for writable keys; read-only ones (facts the agent works out at each
    start, e.g. SupportedFeatureProfiles) live in RAM only. ValueError if invalid."""
    k = table.find(key)
    if k < 0:
        raise KeyError(key)
    v, why = parse(cfg, k, value)
    if why:
        raise ValueError("%s: %s" % (table.name(k), why))
    if table.flags(k) & table.ACC_MASK != table.ACC_R and not _persist(cfg, k, v):
        raise OSError("config: cannot save %s" % table.name(k))
    apply(cfg, table.name(k), v)


def apply(cfg, key, v):
    """Keep a typed (valid) value of ``key`` (canonical name) in cfg._v."""
    # LockCablePermanently=true holds UnlockConnectorOnEVSideDisconnect
    # false (seed 003: a permanently locked cable is never unlocked on EV side); the key's own
    # value is kept aside for when the lock is lifted.
    vals = cfg._v
    if key == table.UNLOCK:
        cfg._unlock_own = v
        if vals[table.LOCK]:
            v = False
    elif key == table.LOCK:
        vals[table.UNLOCK] = False if v else cfg._unlock_own
    vals[key] = v  # every key is in cfg._v (config_load): its qstr stays the dict's key


def _persist(cfg, k, v):
    if table.flags(k) & table.T_MASK == table.T_AUTH:
        wire = cache.use("core.config.special").auth_wire(v)
    else:
        wire = table.to_wire(table.flags(k) & table.T_MASK, v)
    doc = dict(cfg._stored)
    doc[table.name(k)] = wire
    try:
        cfg.store.write_json(DOC, doc)
    except OSError as ex:
        cfg.log("config: cannot save %s (%r)" % (table.name(k), ex))
        return False
    cfg._stored = doc
    return True


def parse(cfg, k, value):
    """The value for key number ``k``: (typed value, None) or (None, why).
    ``value``: a wire string or a JSON value."""
    kind = table.flags(k) & table.T_MASK
    if kind >= table.T_MEAS:
        return cache.use("core.config.special").parse(cfg, table.name(k), kind, value)
    lo = 1 if table.flags(k) & table.F_MIN1 else 0
    hi = table.limit(k) or (_MAX_VALUE_LEN if kind == table.T_STR else _INT_MAX)
    if kind == table.T_INT:
        n = None
        if type(value) is int:
            n = value
        elif isinstance(value, str):
            s = value.strip()
            if s and len(s) <= 10 and s.isdigit():
                n = int(s)
        if n is not None and lo <= n <= hi:
            return n, None
        if hi == _INT_MAX:
            return None, "must be an integer >= %d" % lo
        return None, "must be an integer from %d to %d" % (lo, hi)
    if kind == table.T_BOOL:
        if type(value) is bool:
            return value, None
        if isinstance(value, str):
            low = value.lower()
            if low in ("true", "false"):
                return low == "true", None
        return None, "must be true or false"
    # T_STR
    if isinstance(value, str) and printable(value, 0, hi):
        return value, None
    return None, "must be printable ASCII, at most %d characters" % hi


def printable(s, lo, hi):
    """Whether ``s`` is lo..hi characters of printable ASCII."""
    if not lo <= len(s) <= hi:
        return False
    for c in s:
        if not " " <= c <= "~":
            return False
    return True
