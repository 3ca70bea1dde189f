"""SignedFirmwareStatusNotification (charge point -> central system): how a SignedUpdateFirmware
goes (security whitepaper L01; ocpp/model/firmware.py), with its requestId; for
ExtendedTriggerMessage's FirmwareStatusNotification, the status of the update under way, or
Idle (no requestId then).

    [2, id, "SignedFirmwareStatusNotification", {"status": Downloading | Downloaded |
        SignatureVerified | InstallScheduled | Installing | InstallRebooting | Installed |
        DownloadFailed | InvalidSignature | InstallationFailed | Idle | ..., "requestId"?}] -> {}
"""


async def send(cp, status, request_id=None):
    payload = {"status": status}
    if request_id is not None:
        payload["requestId"] = request_id
    await cp.rpc.call("SignedFirmwareStatusNotification", payload)


def trigger(cp, connector_id):
    if cp.firmware is None:
        return lambda: cp.send_quietly("SignedFirmwareStatusNotification", "Idle")
    job = cp.store.read_json("fwupdate.json") or {}
    return lambda: cp.send_quietly("SignedFirmwareStatusNotification", cp.firmware, job.get("req"))
