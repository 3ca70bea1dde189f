"""ClearChargingProfile: remove the charging profiles matching every criterion given (an id
alone decides when it is given; none given: all of them), errata 3.25/3.26. Unknown when none
matched.

    {"id"?, "connectorId"?, "chargingProfilePurpose"?, "stackLevel"?}
        ->  {"status": Accepted | Unknown}
"""
from ocpp.core import cache


async def handle(cp, payload):
    try:
        gone = cache.use("model.profiles").clear(
            cp, payload.get("id"), payload.get("connectorId"),
            payload.get("chargingProfilePurpose"), payload.get("stackLevel"))
    finally:
        cache.done("model.profiles")
    if not gone:
        return {"status": "Unknown"}
    cp.log("smart charging: %d profile(s) cleared" % gone)
    cp.smart.changed()
    return {"status": "Accepted"}
