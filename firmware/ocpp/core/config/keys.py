"""The OCPP configuration key table, and what reads it: finding a key by name (any letter case),
its kind and access, its default and limit, its value on the wire. Imported only while the
configuration is loaded, changed or listed (ocpp/core/cache.py); the resident
ocpp/core/config/__init__.py needs none of it.

The keys are declared by the features that own them, in the modules the registry names
(ocpp/registry.py key_modules(): ocpp/model/core_keys.py, security_keys.py, vendor_keys.py, ...):
each has KEYS, a tuple of groups, a group a flat tuple of

    name, kind | access | flags | limit * LIMIT, default
        (limit: the highest value, or a string's longest length; 0: none)

for at most 10 keys (a group is one block of the heap: 272 bytes on a 64-bit port, which a
fragmented heap still has). A key is numbered group << 6 | its place in the group; name(),
flags(), default() and limit() read it. The rules the flags encode are described in
ocpp/core/config/__init__.py.
"""
import sys

from micropython import const

from ocpp.core import cache

# -- value kinds, access and flags, packed in one small int per key ----------------------------
T_INT = const(0)
T_BOOL = const(1)
T_STR = const(2)  # printable ASCII (CiString), at most its limit long
# kinds from T_MEAS on (lists, AuthorizationKey) are checked by ocpp/core/config/special.py
T_MEAS = const(3)  # CSL of measurands, checked against config/measurands.SUPPORTED_MEASURANDS
T_ROT = const(4)  # CSL of <connectorId>.<rotation>
T_WORDS = const(5)  # CSL of words (read-only lists set by the agent)
T_AUTH = const(6)  # AuthorizationKey
T_MASK = const(7)
ACC_R = const(0)
ACC_RW = const(8)
ACC_W = const(16)
ACC_MASK = const(24)
F_REBOOT = const(32)  # a change answers RebootRequired
F_MIN1 = const(64)  # the lowest value is 1 (else 0)
LIMIT = const(128)  # limit * LIMIT: the limit shares the small int (no heap object)

_MAX_KEY_LEN = const(50)
# Keys with rules of their own (seed 003)
LOCK = "LockCablePermanently"
UNLOCK = "UnlockConnectorOnEVSideDisconnect"
RAW_KEY = "UseAuthorizationKeyWithoutDecoding"


def _gather():
    groups = []
    for module in cache.use("registry").key_modules():
        groups.extend(cache.use(module).KEYS)
        cache.evict(module)  # only its tuples are needed, and KEYS holds them
    cache.evict("registry")
    return tuple(groups)


# Gathered once per process and kept by the resident package (a constant once made: ~1.6 KB of
# small tuples whose names are the values' own qstrs), so an edit or a listing later loads only
# this module, not the registry and every declaration module again.
_package = sys.modules["ocpp.core.config"]
if not _package.TABLE:
    _package.TABLE.append(_gather())
KEYS = _package.TABLE[0]


def numbers():
    """Every key's number, in the table's order."""
    for g in range(len(KEYS)):
        for q in range(0, len(KEYS[g]), 3):
            yield g << 6 | q


def name(k):
    """The canonical name of key number ``k``."""
    return KEYS[k >> 6][k & 63]


def flags(k):
    """Kind | access | flags of key number ``k``."""
    return KEYS[k >> 6][(k & 63) + 1]


def default(k):
    """The declared default of key number ``k`` (typed, or a wire string)."""
    return KEYS[k >> 6][(k & 63) + 2]


def limit(k):
    """The highest value of key number ``k`` (a string's longest length); 0: none."""
    return flags(k) // LIMIT


def find(key):
    """The number of the key named ``key`` (any letter case), or -1."""
    if not isinstance(key, str) or len(key) > _MAX_KEY_LEN:
        return -1
    low = None
    for g in range(len(KEYS)):
        group = KEYS[g]
        for q in range(0, len(group), 3):
            n = group[q]
            if n == key:
                return g << 6 | q
            if len(n) == len(key):
                if low is None:
                    low = key.lower()
                if n.lower() == low:
                    return g << 6 | q
    return -1


def readonly(cfg, k):
    """Whether key number ``k`` is read-only now (seed 003: LockCablePermanently=true makes
    UnlockConnectorOnEVSideDisconnect read-only)."""
    return flags(k) & ACC_MASK == ACC_R or (name(k) == UNLOCK and cfg._v[LOCK])


def to_wire(kind, v):
    """A typed value of kind ``kind`` (T_*) as the string the wire carries."""
    if kind == T_BOOL:
        return "true" if v else "false"
    if kind == T_INT:
        return str(v)
    if kind in (T_MEAS, T_ROT, T_WORDS):
        return ",".join(v)
    return v
