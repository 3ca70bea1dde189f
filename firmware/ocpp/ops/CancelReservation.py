"""CancelReservation: the reservation with this reservationId ends (its connector is free
again); Rejected when there is none (OCPP 1.6 section 5.1).

    {"reservationId"}  ->  {"status": Accepted | Rejected}
"""
from ocpp.core import cache


async def handle(cp, payload):
    try:
        found = cache.use("model.reservation").cancel(cp, payload["reservationId"])
    finally:
        cache.done("model.reservation")
    return {"status": "Accepted" if found else "Rejected"}
