"""SignedFirmwareStatusNotification (charge point -> central system): how a SignedUpdateFirmware
goes (security whitepaper L01; ocpp/model/firmware.py), with its requestId; for
ExtendedTriggerMessage's FirmwareStatusNotification, the status of the update under way, or
Idle (no requestId then).

    [2, id, "SignedFirmwareStatusNotification", {"status": Downloading | Downloaded |
        SignatureVerified | InstallScheduled | Installing | InstallRebooting | Installed |
        DownloadFailed | InvalidSignature | InstallationFailed | Idle | ..., "requestId"?}] -> {}
"""
from ocpp.core import cache


async def send(cp, status, request_id=None):
    payload = {"status": status}
    if request_id is not None:
        payload["requestId"] = request_id
    await cp.rpc.call("SignedFirmwareStatusNotification", payload)


def trigger(cp, connector_id):
    if cp.firmware is None:
        return lambda: cp.send_quietly("SignedFirmwareStatusNotification", "Idle")
    try:
        request_id = cache.use("model.firmware").request_id(cp)
    finally:
        cache.done("model.firmware")
    return lambda: cp.send_quietly("SignedFirmwareStatusNotification", cp.firmware, request_id)
