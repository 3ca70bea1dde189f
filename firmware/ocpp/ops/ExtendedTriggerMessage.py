"""ExtendedTriggerMessage (security whitepaper F06): TriggerMessage's rules (answer first, then
send; a connectorId that names no connector Rejected; BootNotification only before
acceptance) for the whitepaper's list of messages:

    BootNotification, Heartbeat, MeterValues, StatusNotification   as TriggerMessage
    LogStatusNotification        the GetLog upload under way (with its requestId), or Idle
    FirmwareStatusNotification   sends SignedFirmwareStatusNotification (the whitepaper's)
    SignChargePointCertificate   NotImplemented: no SignCertificate yet (no key pair made on
                                 the device)

    {"requestedMessage", "connectorId"?}  ->  {"status": Accepted | Rejected | NotImplemented}
"""
from ocpp.core import cache

_SENT_AS = {"FirmwareStatusNotification": "SignedFirmwareStatusNotification"}


async def handle(cp, payload):
    what = payload["requestedMessage"]
    connector_id = payload.get("connectorId")
    if connector_id is not None and not 0 <= connector_id <= cp.n:
        return {"status": "Rejected"}
    what = _SENT_AS.get(what, what)
    trigger = getattr(cache.use("ops." + what), "trigger", None) \
        if cache.use("registry").sends(what) else None
    if trigger is None:
        return {"status": "NotImplemented"}
    send = trigger(cp, connector_id)
    if send is None:
        return {"status": "Rejected"}
    return {"status": "Accepted"}, send
