"""DiagnosticsStatusNotification (charge point -> central system): how a GetDiagnostics upload
goes (ocpp/model/diagnostics.py); Idle only for a TriggerMessage while nothing is under way
(OCPP 1.6 sections 4.4 and 7.24).

    [2, id, "DiagnosticsStatusNotification", {"status": Idle | Uploading | Uploaded |
                                              UploadFailed}]  -> {}
"""


async def send(cp, status):
    await cp.rpc.call("DiagnosticsStatusNotification", {"status": status})


def trigger(cp, connector_id):
    return lambda: cp.send_quietly("DiagnosticsStatusNotification", cp.diagnostics or "Idle")
