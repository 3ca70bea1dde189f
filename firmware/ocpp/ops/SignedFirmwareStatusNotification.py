"""SignedFirmwareStatusNotification (charge point -> central system): the security
whitepaper's firmware status (L01). Sent here for ExtendedTriggerMessage's
FirmwareStatusNotification, which asks for this message: the status of the update under way
(UpdateFirmware, ocpp/model/firmware.py), or Idle. (SignedUpdateFirmware itself is not
implemented yet.)

    [2, id, "SignedFirmwareStatusNotification", {"status", "requestId"?}]  -> {}
"""


async def send(cp, status):
    await cp.rpc.call("SignedFirmwareStatusNotification", {"status": status})


def trigger(cp, connector_id):
    return lambda: cp.send_quietly("SignedFirmwareStatusNotification", cp.firmware or "Idle")
