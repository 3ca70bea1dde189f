"""ReserveNow: keep connectorId (0: the charge point, ReserveConnectorZeroSupported) for idTag
until expiryDate (OCPP 1.6 section 5.13; the rules are in ocpp/model/reservation.py).

    {"connectorId", "expiryDate", "idTag", "reservationId", "parentIdTag"?}
        ->  {"status": Accepted | Faulted | Occupied | Rejected | Unavailable}
"""
from ocpp.core import cache


async def handle(cp, payload):
    try:
        status = cache.use("model.reservation").reserve(
            cp, payload["reservationId"], payload["connectorId"], payload["idTag"],
            payload.get("parentIdTag"), payload["expiryDate"])
    finally:
        cache.done("model.reservation")
    return {"status": status}
