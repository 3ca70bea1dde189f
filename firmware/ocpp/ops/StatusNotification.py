"""StatusNotification (charge point -> central system): a connector's status changed (OCPP 1.6
section 4.9); connector 0 is the charge point as a whole. Sent by ocpp/model/chargepoint.py on
every change, and for every connector when TriggerMessage asks without a connectorId.

    [2, id, "StatusNotification", {"connectorId", "errorCode", "status", "timestamp"}]  -> {}
"""


async def send(cp, c):
    await cp.rpc.call("StatusNotification", {
        "connectorId": c, "errorCode": cp.error[c], "status": cp.status[c],
        "timestamp": cp.clock.iso()})


def trigger(cp, connector_id):
    async def send_all():
        for c in range(cp.n + 1) if connector_id is None else (connector_id,):
            await cp.send_quietly("StatusNotification", c)

    return send_all
