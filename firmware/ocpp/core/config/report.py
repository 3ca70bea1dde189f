"""GetConfiguration's answer, made a piece at a time: one key entry per piece, so neither the
list of entries nor the JSON text of the whole answer (~3 KB for every key) is ever held.
Loaded for an answer through the module cache (ocpp/core/config/__init__.py get_configuration).

The pieces, joined, are the CALLRESULT payload:

    {"configurationKey":[{"key":"AllowOfflineTxForUnknownId","readonly":false,"value":"false"},
                         {"key":...}, ...],"unknownKey":["NoSuchKey"]}
    ^ first piece       ^ one piece per entry (with its leading comma)  ^ ... closing pieces
"""
import json

from ocpp.core.config import TooManyKeys
from ocpp.core import cache

table = cache.use("core.config.keys")


def answer(cfg, keys=None):
    """Check the request at once (TooManyKeys), then return the generator of pieces."""
    if not keys:
        return _pieces(cfg, None, None)
    if len(keys) > cfg.max_keys:
        raise TooManyKeys("GetConfiguration: %d keys asked, at most %d"
                          % (len(keys), cfg.max_keys))
    picked = []  # key numbers, each once, in the order asked
    unknown = []  # names as asked
    for key in keys:
        k = table.find(key)
        if k < 0 or not _listed(cfg, k):
            unknown.append(key)
        elif k not in picked:
            picked.append(k)
    return _pieces(cfg, picked, unknown)


def _listed(cfg, k):
    # AuthorizationKey is write-only: never listed
    return table.flags(k) & table.ACC_MASK != table.ACC_W


def _pieces(cfg, picked, unknown):
    every = picked is None
    sep = '{"configurationKey":['
    for k in table.numbers() if every else picked:
        if every and not _listed(cfg, k):
            continue
        key = table.name(k)
        yield '%s{"key":"%s","readonly":%s,"value":%s}' % (
            sep, key, "true" if table.readonly(cfg, k) else "false",
            json.dumps(table.to_wire(table.flags(k) & table.T_MASK, cfg._v[key])))
        sep = ","
    if sep != ",":  # no entry at all
        yield sep
    sep = '],"unknownKey":['
    for key in unknown or ():
        yield sep + json.dumps(key)
        sep = ","
    yield "]}"  # closes configurationKey, or unknownKey when there is one
