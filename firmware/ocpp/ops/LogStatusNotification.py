"""LogStatusNotification (charge point -> central system): how a GetLog upload goes (security
whitepaper N01; ocpp/ops/GetLog.py); Idle for an ExtendedTriggerMessage while nothing is
under way (requestId then left out).

    [2, id, "LogStatusNotification", {"status": Idle | Uploading | Uploaded | UploadFailure |
                                      ..., "requestId"?}]  -> {}
"""


async def send(cp, status, request_id=None):
    payload = {"status": status}
    if request_id is not None:
        payload["requestId"] = request_id
    await cp.rpc.call("LogStatusNotification", payload)


def trigger(cp, connector_id):
    running = cp.getlog
    if running is None:
        return lambda: cp.send_quietly("LogStatusNotification", "Idle")
    return lambda: cp.send_quietly("LogStatusNotification", "Uploading", running[1])
