"""ExtendedTriggerMessage (security whitepaper F06): TriggerMessage's rules, through its
answer() (answer first, then send; a connectorId that names no connector Rejected;
BootNotification only before acceptance), for the whitepaper's list of messages:

    BootNotification, Heartbeat, MeterValues, StatusNotification   as TriggerMessage
    LogStatusNotification        the GetLog upload under way (with its requestId), or Idle
    FirmwareStatusNotification   sends SignedFirmwareStatusNotification (the whitepaper's)
    SignChargePointCertificate   sends SignCertificate: a new key pair made on the charge
                                 point and its signing request

    {"requestedMessage", "connectorId"?}  ->  {"status": Accepted | Rejected | NotImplemented}
"""
from ocpp.core import cache

_SENT_AS = {"FirmwareStatusNotification": "SignedFirmwareStatusNotification",
            "SignChargePointCertificate": "SignCertificate"}


async def handle(cp, payload):
    what = payload["requestedMessage"]
    try:
        return cache.use("ops.TriggerMessage").answer(cp, _SENT_AS.get(what, what),
                                                      payload.get("connectorId"))
    finally:
        cache.done("ops.TriggerMessage")
