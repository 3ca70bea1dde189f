"""FirmwareStatusNotification (charge point -> central system): how an UpdateFirmware goes
(ocpp/model/firmware.py); Idle only for a TriggerMessage while nothing is under way (OCPP 1.6
sections 4.5 and 7.25).

    [2, id, "FirmwareStatusNotification", {"status": Downloaded | DownloadFailed | Downloading
        | Idle | InstallationFailed | Installing | Installed}]  -> {}
"""


async def send(cp, status):
    await cp.rpc.call("FirmwareStatusNotification", {"status": status})


def trigger(cp, connector_id):
    return lambda: cp.send_quietly("FirmwareStatusNotification", cp.firmware or "Idle")
