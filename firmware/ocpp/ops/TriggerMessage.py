"""TriggerMessage (Remote Trigger profile): answer first, then send what was asked for (OCPP 1.6
section 5.17). What can be asked for is what the registry says this charge point sends and
whose module (ocpp/ops/<Action>.py) has trigger(cp, connectorId): anything else is
NotImplemented. trigger() gives the sending to run after the answer, or None to refuse
(BootNotification once accepted, errata 3.35). A connectorId that names no connector is
Rejected, whatever the message.

    {"requestedMessage", "connectorId"?}  ->  {"status": Accepted | Rejected | NotImplemented}
"""
from ocpp.core import cache


async def handle(cp, payload):
    return answer(cp, payload["requestedMessage"], payload.get("connectorId"))


def answer(cp, what, connector_id):
    """The answer to a trigger of message `what` (and the sending to follow it); also
    ExtendedTriggerMessage's."""
    if connector_id is not None and not 0 <= connector_id <= cp.n:
        return {"status": "Rejected"}
    trigger = getattr(cache.use("ops." + what), "trigger", None) \
        if cache.use("registry").sends(what) else None
    if trigger is None:
        return {"status": "NotImplemented"}
    send = trigger(cp, connector_id)
    if send is None:
        return {"status": "Rejected"}
    return {"status": "Accepted"}, send
