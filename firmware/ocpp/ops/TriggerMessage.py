"""TriggerMessage (Remote Trigger profile): answer first, then send what was asked for
(OCPP 1.6 section 5.17). BootNotification is refused once accepted (errata 3.35); the
Firmware Management notifications are not implemented."""
NUM_CONNECTORS = 1


async def handle(cp, payload):
    what = payload["requestedMessage"]
    connector_id = payload.get("connectorId")
    if connector_id is not None and connector_id not in (0, cp.connector.n):
        return {"status": "Rejected"}
    if what == "BootNotification":
        return {"status": "Rejected"}
    if what not in ("Heartbeat", "MeterValues", "StatusNotification"):
        return {"status": "NotImplemented"}

    async def send():
        if what == "Heartbeat":
            await cp.send_quietly("Heartbeat", {})
        elif what == "StatusNotification":
            for c in ((connector_id,) if connector_id is not None
                      else range(NUM_CONNECTORS + 1)):
                await cp.status_notification(c)
        else:
            c = cp.connector
            mv = c.meter_value(cp.config.get("MeterValuesSampledData"), "Trigger")
            msg = {"connectorId": c.n, "meterValue": [mv]}
            tx_id = c.transaction_id()
            if tx_id is not None:
                msg["transactionId"] = tx_id
            await cp.send_quietly("MeterValues", msg)

    return {"status": "Accepted"}, send
