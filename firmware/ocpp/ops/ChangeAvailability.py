"""ChangeAvailability: connector 0 (the whole charge point) or one connector becomes Operative
or Inoperative (OCPP 1.6 section 5.2). A connector with a transaction changes when the
transaction ends: Scheduled. The state, and a change still scheduled, survive a reboot.

    {"connectorId", "type": Inoperative | Operative}  ->  {"status": Accepted | Rejected | Scheduled}
"""


from ocpp.core import cache


async def handle(cp, payload):
    connector_id = payload["connectorId"]
    if connector_id > cp.n:
        return {"status": "Rejected"}
    operative = payload["type"] == "Operative"
    availability = cache.use("model.availability")
    # A connector whose availability would change under its transaction changes when the
    # transaction ends; the others (and one already as asked) at once.
    after = operative and (connector_id == 0 or cp.operative[0])
    busy = [c for c in cp.connectors if connector_id in (0, c.n) and c.tx is not None
            and c.operative() != after]
    if not busy:
        availability.set_operative(cp, connector_id, operative)
        return {"status": "Accepted"}
    for c in cp.connectors:
        if connector_id in (0, c.n) and c not in busy:
            availability.set_operative(cp, c.n, operative)
    for c in busy:
        availability.schedule(cp, c.n, operative)
    if connector_id == 0:
        availability.schedule(cp, 0, operative)
    return {"status": "Scheduled"}
