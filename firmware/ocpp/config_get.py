"""GetConfiguration's answer, made a piece at a time: one key entry per piece, so neither the
list of entries nor the JSON text of the whole answer (~3 KB for every key) is ever held.
Imported for one answer and dropped after it (ocpp/config.py get_configuration).

The pieces, joined, are the CALLRESULT payload:

    {"configurationKey":[{"key":"AllowOfflineTxForUnknownId","readonly":false,"value":"false"},
                         {"key":...}, ...],"unknownKey":["NoSuchKey"]}
    ^ first piece       ^ one piece per entry (with its leading comma)  ^ ... closing pieces
"""
import json

from ocpp.config import TooManyKeys
from ocpp.config_keys import ACC_MASK, ACC_W, KEYS, T_MASK, find, present, readonly, to_wire


def answer(cfg, keys=None):
    """Check the request at once (TooManyKeys), then return the generator of pieces."""
    if not keys:
        return _pieces(cfg, None, None)
    if len(keys) > cfg.max_keys:
        raise TooManyKeys("GetConfiguration: %d keys asked, at most %d"
                          % (len(keys), cfg.max_keys))
    picked = []  # table indices, each once, in the order asked
    unknown = []  # names as asked
    for key in keys:
        i = find(key)
        if i < 0 or not _listed(cfg, i):
            unknown.append(key)
        elif i not in picked:
            picked.append(i)
    return _pieces(cfg, picked, unknown)


def _listed(cfg, i):
    # AuthorizationKey is write-only: never listed; optional-profile keys only while present
    return KEYS[i][1] & ACC_MASK != ACC_W and present(cfg, i)


def _pieces(cfg, picked, unknown):
    every = picked is None
    sep = '{"configurationKey":['
    for i in range(len(KEYS)) if every else picked:
        if every and not _listed(cfg, i):
            continue
        name = KEYS[i][0]
        yield '%s{"key":"%s","readonly":%s,"value":%s}' % (
            sep, name, "true" if readonly(cfg, i) else "false",
            json.dumps(to_wire(KEYS[i][1] & T_MASK, cfg._v[name])))
        sep = ","
    if sep != ",":  # no entry at all
        yield sep
    sep = '],"unknownKey":['
    for key in unknown or ():
        yield sep + json.dumps(key)
        sep = ","
    yield "]}"  # closes configurationKey, or unknownKey when there is one
