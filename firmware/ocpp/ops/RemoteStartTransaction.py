"""RemoteStartTransaction: Accepted when connector 1 can start (never connector 0, errata:
TC_027); the idTag is then authorised as a local one if AuthorizeRemoteTxRequests, and waits
ConnectionTimeOut for the cable like a card would."""


async def handle(cp, payload):
    c = cp.connector
    if cp.registration != "Accepted" or payload.get("connectorId", c.n) != c.n \
            or not c.can_start() or c.pending is not None:
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
