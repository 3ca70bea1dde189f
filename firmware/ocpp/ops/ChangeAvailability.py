"""ChangeAvailability: connector 0 (the whole charge point) or 1; Scheduled while a transaction
runs (applied when it ends); the state survives reboots (OCPP 1.6 section 5.2)."""


async def handle(cp, payload):
    c = cp.connector
    connector_id = payload["connectorId"]
    if connector_id not in (0, c.n):
        return {"status": "Rejected"}
    operative = payload["type"] == "Operative"
    if c.tx is not None:
        c.scheduled = (connector_id, operative)
        return {"status": "Scheduled"}
    c.set_operative(connector_id, operative)
    return {"status": "Accepted"}
