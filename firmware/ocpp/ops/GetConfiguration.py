"""GetConfiguration: the values of the named keys (all without a list); unknown ones listed.
The answer is streamed (rpc.Streamed): made and sent a key at a time, never held whole."""
from ocpp.core import rpc
from ocpp.core.config import TooManyKeys


async def handle(cp, payload):
    try:
        pieces = cp.config.get_configuration(payload.get("key") or None)
    except TooManyKeys:
        raise rpc.CallError(rpc.OCCURENCE_CONSTRAINT_VIOLATION,
                            "more than GetConfigurationMaxKeys (%d) keys" % cp.config.max_keys)
    return rpc.Streamed(pieces)
