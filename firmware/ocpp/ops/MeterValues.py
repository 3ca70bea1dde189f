"""MeterValues (charge point -> central system): sampled, clock-aligned or triggered readings
of a connector (OCPP 1.6 sections 4.7, 5.17). Those of a transaction go through the queue on
flash (ocpp/model/transaction.py); others are sent when online and lost when not.

    [2, id, "MeterValues", {"connectorId", "transactionId"?, "meterValue": [
        {"timestamp", "sampledValue": [{"value", "context", "measurand", "unit", ...}]}]}]
    -> {}
"""


def request(c, mv, in_transaction):
    """The payload for MeterValue `mv` of connector `c`; a transaction's id is filled in when it
    is sent."""
    payload = {"connectorId": c.n, "meterValue": [mv]}
    if in_transaction:
        payload["transactionId"] = None
    return payload


def trigger(cp, connector_id):
    # Errata 3.46: the most recent values of MeterValuesSampledData, context Trigger; without a
    # connectorId, one message per connector.
    async def send():
        for c in cp.connectors:
            if connector_id is None or c.n == connector_id:
                mv = c.meter_value(cp.config.get("MeterValuesSampledData"), "Trigger")
                payload = request(c, mv, False)
                tx_id = c.transaction_id()
                if tx_id is not None:
                    payload["transactionId"] = tx_id
                await cp.send_quietly("MeterValues", payload)

    return send


async def send(cp, payload):
    await cp.rpc.call("MeterValues", payload)
