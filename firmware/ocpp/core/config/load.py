"""Loading the configuration at start (Config.__init__): stored values, then factory values,
then the declared defaults (ocpp/core/config/keys.py), each validated by
ocpp/core/config/edit.py. Imported for that moment only.
"""
from ocpp.core import cache
from ocpp.core.config import TABLE


def load(cfg, factory):
    """Stored values, then factory values, then defaults, each validated (Config.__init__)."""
    _intern_names(cfg)
    # Imported now, the table's names are the qstrs just made: no str object of its own for each
    edit = cache.use("core.config.edit")
    table = cache.use("core.config.keys")
    DOC, apply, parse = edit.DOC, edit.apply, edit.parse
    find, flags, name, numbers, default = (table.find, table.flags, table.name, table.numbers,
                                           table.default)
    ACC_MASK, ACC_R, T_AUTH, T_MASK, T_MEAS = (table.ACC_MASK, table.ACC_R, table.T_AUTH,
                                               table.T_MASK, table.T_MEAS)

    store, log, initial_password = cfg.store, cfg.log, cfg.initial_password
    stored = store.read_json(DOC, {})
    if not isinstance(stored, dict):
        log("config: %s is not an object; ignored" % DOC)
        stored = {}
    chosen = {}  # key number -> factory value
    for key in factory or ():
        k = find(key)
        if k < 0:
            log("config: ocpp_keys.%s is not a known key; ignored" % key)
        else:
            chosen[k] = factory[key]
    keep = {}
    fixed = []
    # Plain values first: CSL checks need their <Key>MaxLength, AuthorizationKey its mode.
    for second in (False, True):
        for k in numbers():
            key, kind = name(k), flags(k)
            if (kind & T_MASK >= T_MEAS) != second:  # a list or AuthorizationKey
                continue
            if kind & ACC_MASK == ACC_R:
                fixed.append(key)
            elif key in stored:
                if kind & T_MASK == T_AUTH:
                    v, why = cache.use("core.config.special").auth_stored(stored[key])
                else:
                    v, why = parse(cfg, k, stored[key])
                if why is None:
                    keep[key] = stored[key]
                    apply(cfg, key, v)
                    continue
                log("config: stored %s invalid (%s); ignored" % (key, why))
            if k in chosen:
                v, why = parse(cfg, k, chosen[k])
                if why:
                    raise ValueError("ocpp_keys.%s: %s" % (key, why))
            elif key == table.RAW_KEY:
                # Seed 003: "false if not previously set, else true": a provisioned
                # initial password is a key that was set, in plain text.
                v = initial_password is not None
            elif kind & T_MASK == T_AUTH:
                v = None  # none until the CSMS sets one
            else:
                v, why = parse(cfg, k, default(k))
                if why:
                    raise ValueError("default of %s: %s" % (key, why))
            apply(cfg, key, v)
    cfg._stored = keep  # the persisted document: changed keys only, wire strings
    cfg._fixed = tuple(fixed)


class _Scratch:
    pass


def _intern_names(cfg):
    # cfg._v, made with every key (value None), keyed by qstrs. The resident dict outlives the
    # table: keyed by the table's own strings it would keep each name as a heap str object
    # (~64 bytes on a 64-bit port). An attribute name is a qstr, stored once in the qstr pool
    # (about its length); a str built from the same characters then is that qstr, costing no
    # heap block of its own. And once they are qstrs, the .mpy loader makes no str for the
    # names when the table is imported again (~3 KB less for the rest of the loading and for
    # every later edit). fromkeys() sizes the dict once: no growing through ever larger blocks.
    table = cache.use("core.config.keys")
    cache.evict()  # the table and its declarations: imported again, they find the names made
    scratch = _Scratch()
    names = []
    for k in table.numbers():
        key = table.name(k)
        setattr(scratch, key, None)
        names.append(key[0:len(key)])
    cfg._v = dict.fromkeys(names)
    del table, names
    TABLE[:] = []  # gathered again from the declarations, now with the qstrs for names
