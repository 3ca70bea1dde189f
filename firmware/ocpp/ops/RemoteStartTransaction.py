"""RemoteStartTransaction: Accepted when the connector asked for can start, or, without a
connectorId, a free one (the first with a cable in, else the first free); never connector 0
(errata: TC_027). The idTag is then authorised as a local one if AuthorizeRemoteTxRequests, and
waits ConnectionTimeOut for the cable as a card would (OCPP 1.6 section 5.11). A chargingProfile
must be a TxProfile (else Rejected, OCTT TC_060); it becomes the transaction's when that starts
(ocpp/model/profiles.py apply()).

    {"idTag", "connectorId"?, "chargingProfile"?}  ->  {"status": Accepted | Rejected}
"""
import time

from ocpp.core import cache


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
    profile = payload.get("chargingProfile")
    if c is None or (profile is not None and
                     profile["chargingProfilePurpose"] != "TxProfile"):
        return {"status": "Rejected"}
    id_tag = payload["idTag"]
    if profile is not None:
        profiles = cache.use("model.profiles")
        try:
            profiles.record(cp, c.n, profile, ref=0)  # checked now, installed at the start
        except profiles.Refused as e:
            cp.log("remote start: chargingProfile rejected: %s" % e)
            return {"status": "Rejected"}
        finally:
            cache.done("model.profiles")
        # kept until the transaction for this idTag starts, or the cable never comes
        wait_ms = (cp.config.get("ConnectionTimeOut") + 60) * 1000
        cp.smart.remote[c.n] = (id_tag, profile, time.ticks_add(time.ticks_ms(), wait_ms))

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
