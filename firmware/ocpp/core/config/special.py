"""Checking the values that need more than a number check: comma-separated lists (measurands,
phase rotations, words), AuthorizationKey, and SecurityProfile's prerequisites. Imported by
ocpp/core/config/edit.py only for those keys, so a plain change (HeartbeatInterval...) does not
load it, and dropped with it (ocpp/core/config/__init__.py _done).
"""
from binascii import hexlify, unhexlify

from ocpp.core import cache

# (through the cache, as everything loaded for a moment: so it goes with the rest)
table = cache.use("core.config.keys")
printable = cache.use("core.config.edit").printable

ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")


def parse(cfg, key, kind, value):
    """config_edit.parse for ``key`` (canonical name) of kind ``kind`` (a list or T_AUTH)."""
    if kind == table.T_AUTH:
        return _parse_auth(cfg, value)
    return _parse_csl(cfg, key, kind, value)


def auth_wire(password):
    """How AuthorizationKey is saved: the password bytes as hex, whatever rule produced them."""
    return hexlify(password).decode()


def auth_stored(wire):
    """auth_wire's inverse: (password bytes, None) or (None, why)."""
    try:
        return unhexlify(wire), None
    except Exception:
        return None, "not hex"


def profile_problem(cfg, new):
    """Why SecurityProfile may not become ``new`` now (None: it may)."""
    # Security whitepaper A05: raise only, and only with the prerequisites in place.
    now = cfg._v["SecurityProfile"]
    if new <= now:
        return "may only be raised (now %d)" % now
    if new in (1, 2) and cfg.auth_password() is None:
        return "needs an AuthorizationKey"
    if new >= 2 and not cfg.secure_url:
        return "needs a wss:// central system URL"
    if new >= 2 and not cfg.has_ca_cert:
        return "needs a central system root certificate"
    if new == 3 and not cfg.has_client_cert:
        return "needs a charge point certificate"
    return None


def _parse_auth(cfg, value):
    if not isinstance(value, str):
        return None, "must be a string"
    if cfg._v.get(table.RAW_KEY):
        # Used as is: an RFC 7617 password (printable ASCII, SP included), 16 to 40 long.
        if printable(value, 16, 40):
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
        if kind == table.T_MEAS:
            mp = _measurands().measurand_phase(item)
            if mp is None:
                return None, "unsupported measurand %s" % item
            item = mp[0] + "." + mp[1] if mp[1] else mp[0]
        elif kind == table.T_ROT:
            item = _rotation(cfg, item)
            if item is None:
                return None, "items must be <connectorId>.<rotation>, rotation one of " \
                    + ",".join(ROTATIONS)
            if any(o.split(".")[0] == item.split(".")[0] for o in out):
                return None, "a connector is listed twice"
        elif not printable(item, 1, 50):
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
    # Only measurand and rotation lists need it.
    return cache.use("core.config.measurands")
