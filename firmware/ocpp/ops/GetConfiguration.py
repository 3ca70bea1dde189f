"""GetConfiguration: the values of the named keys (all without a list); unknown ones listed."""
from ocpp import rpc
from ocpp.config import TooManyKeys


async def handle(cp, payload):
    keys = payload.get("key")
    try:
        known, unknown = cp.config.get_configuration(keys or None)
    except TooManyKeys:
        raise rpc.CallError(rpc.OCCURENCE_CONSTRAINT_VIOLATION,
                            "more than GetConfigurationMaxKeys (%d) keys" % cp.config.max_keys)
    result = {"configurationKey": known}
    if unknown:
        result["unknownKey"] = unknown
    return result
