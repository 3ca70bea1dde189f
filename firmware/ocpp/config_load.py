"""Loading the configuration at start (Config.__init__): stored values, then factory values,
then defaults, each validated by ocpp/config_edit.py. Imported for that moment only.
"""
from binascii import unhexlify

from ocpp.config_edit import DOC, RAW_KEY, apply, parse
from ocpp.config_keys import ACC_MASK, ACC_R, KEYS, T_AUTH, T_MASK, T_MEAS, T_ROT, T_WORDS, find


def load(cfg, factory):
    """Stored values, then factory values, then defaults, each validated (Config.__init__)."""
    store, log, initial_password = cfg.store, cfg.log, cfg.initial_password
    stored = store.read_json(DOC, {})
    if not isinstance(stored, dict):
        log("config: %s is not an object; ignored" % DOC)
        stored = {}
    chosen = {}  # table index -> factory value
    for key in factory or ():
        i = find(key)
        if i < 0:
            log("config: ocpp_keys.%s is not a known key; ignored" % key)
        else:
            chosen[i] = factory[key]
    keep = {}
    # Plain values first: CSL checks need their <Key>MaxLength, AuthorizationKey its mode.
    for second in (False, True):
        for i in range(len(KEYS)):
            name, flags = KEYS[i][0], KEYS[i][1]
            if ((flags & T_MASK) in (T_MEAS, T_ROT, T_WORDS, T_AUTH)) != second:
                continue
            if name in stored and flags & ACC_MASK != ACC_R:
                v, why = _parse_stored(cfg, i, stored[name])
                if why is None:
                    keep[name] = stored[name]
                    apply(cfg, name, v)
                    continue
                log("config: stored %s invalid (%s); ignored" % (name, why))
            if i in chosen:
                v, why = parse(cfg, i, chosen[i])
                if why:
                    raise ValueError("ocpp_keys.%s: %s" % (name, why))
            elif name == RAW_KEY:
                # Seed 003: "false if not previously set, else true": a provisioned
                # initial password is a key that was set, in plain text.
                v = initial_password is not None
            else:
                v, why = parse(cfg, i, KEYS[i][2])
            apply(cfg, name, v)
    cfg._stored = keep  # the persisted document: changed keys only, wire strings
    fixed = [KEYS[i][0] for i in range(len(KEYS)) if KEYS[i][1] & ACC_MASK == ACC_R]
    cfg._fixed = tuple(name for name in cfg._v if name in fixed)  # the interned names


def _parse_stored(cfg, i, wire):
    if KEYS[i][1] & T_MASK == T_AUTH:
        try:
            return unhexlify(wire), None
        except Exception:
            return None, "not hex"
    return parse(cfg, i, wire)
