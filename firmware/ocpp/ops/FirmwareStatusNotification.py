"""FirmwareStatusNotification (charge point -> central system): how an UpdateFirmware goes
(ocpp/model/firmware.py); Idle only for a TriggerMessage while nothing is under way (OCPP 1.6
sections 4.5 and 7.25).

    [2, id, "FirmwareStatusNotification", {"status": Downloaded | DownloadFailed | Downloading
        | Idle | InstallationFailed | Installing | Installed}]  -> {}
"""


async def send(cp, status):
    await cp.rpc.call("FirmwareStatusNotification", {"status": status})


def trigger(cp, connector_id):
    # a signed update's own steps (SignatureVerified...) are not in this message's list
    now = cp.firmware if cp.firmware in ("Downloading", "Downloaded", "Installing") else "Idle"
    return lambda: cp.send_quietly("FirmwareStatusNotification", now)
