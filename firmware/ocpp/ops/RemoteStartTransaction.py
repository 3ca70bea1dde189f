"""RemoteStartTransaction: Accepted when the connector asked for can start, or, without a
connectorId, a free one (the first with a cable in, else the first free); never connector 0
(errata: TC_027). The idTag is then authorised as a local one if AuthorizeRemoteTxRequests, and
waits ConnectionTimeOut for the cable as a card would (OCPP 1.6 section 5.11). A chargingProfile
must be a TxProfile (else Rejected, OCTT TC_060); it becomes the transaction's when that starts
(ocpp/model/profiles.py apply()). Without a connectorId, a connector reserved for the idTag comes
first; a connector reserved for another idTag is Rejected, unless that reservation has a
parentIdTag the idTag may share (checked once it is authorised: TC_053_2).

    {"idTag", "connectorId"?, "chargingProfile"?}  ->  {"status": Accepted | Rejected}
"""
import time

from ocpp.core import cache


def _pick(cp, connector_id, id_tag):
    if connector_id is not None:
        if not 1 <= connector_id <= cp.n:
            return None
        c = cp.connector(connector_id)
        return c if c.can_start() and c.pending is None else None
    free = [c for c in cp.connectors if c.can_start() and c.pending is None]
    for c in free:  # its own reservation, then a cable waiting, then any
        if cp.reservations and c.reserved_for(id_tag, None) and \
                cache.use("model.reservation").holding(cp, c):
            return c
    for c in free:
        if c.plugged():
            return c
    return free[0] if free else None


async def handle(cp, payload):
    id_tag = payload["idTag"]
    c = _pick(cp, payload.get("connectorId"), id_tag) if cp.registration == "Accepted" else None
    profile = payload.get("chargingProfile")
    if c is None or (profile is not None and
                     profile["chargingProfilePurpose"] != "TxProfile"):
        return {"status": "Rejected"}
    if cp.reservations and not c.reserved_for(id_tag, None) and \
            not cache.use("model.reservation").holding(cp, c)[3]:
        return {"status": "Rejected"}  # reserved for another idTag, with no parent to share
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
        if cp.config.get("AuthorizeRemoteTxRequests") or not c.reserved_for(id_tag, None):
            # (a reserved connector needs the card's parentIdTag: asked for when not known)
            info = await cp.auth().authorize(id_tag, cp.online())
            if info["status"] != "Accepted":
                cp.log("remote start: %s not authorised (%s)" % (id_tag, info["status"]))
                return
            parent = info.get("parentIdTag")
        if c.can_start():  # (a reservation for another idTag refuses it there)
            c.authorised(id_tag, parent)

    return {"status": "Accepted"}, authorise
