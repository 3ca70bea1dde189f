"""RemoteStartTransaction: Accepted when the connector asked for can start, or, without a
connectorId, a free one (the first with a cable in, else the first free); never connector 0
(errata: TC_027). The idTag is then authorised as a local one if AuthorizeRemoteTxRequests, and
waits ConnectionTimeOut for the cable as a card would (OCPP 1.6 section 5.11).

    {"idTag", "connectorId"?, "chargingProfile"?}  ->  {"status": Accepted | Rejected}
"""


def _pick(cp, connector_id):
    if connector_id is not None:
        if not 1 <= connector_id <= cp.n:
            return None
        c = cp.connector(connector_id)
        return c if c.can_start() and c.pending is None else None
    free = [c for c in cp.connectors if c.can_start() and c.pending is None]
    for c in free:
        if c.plugged():
            return c
    return free[0] if free else None


async def handle(cp, payload):
    c = _pick(cp, payload.get("connectorId")) if cp.registration == "Accepted" else None
    if c is None:
        return {"status": "Rejected"}
    id_tag = payload["idTag"]

    async def authorise():
        parent = None
        if cp.config.get("AuthorizeRemoteTxRequests"):
            info = await cp.auth().authorize(id_tag, cp.online())
            if info["status"] != "Accepted":
                cp.log("remote start: %s not authorised (%s)" % (id_tag, info["status"]))
                return
            parent = info.get("parentIdTag")
        if c.can_start():
            c.authorised(id_tag, parent)

    return {"status": "Accepted"}, authorise
