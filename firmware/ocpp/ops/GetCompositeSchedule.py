"""GetCompositeSchedule: the limits connector n (0: the charge point as a whole) will get from
now for `duration` seconds, in A (per phase) or W as asked (default A): the lowest of the
ChargePointMaxProfile and the TxProfile (else TxDefaultProfile) in force at each moment, the
outlet's own maximum where none is; every period starting inside the window included; duration
0 gives the limit in force now. scheduleStart is now; the schedule has no startSchedule
(errata 3.57). An unknown connector is Rejected.

    {"connectorId", "duration", "chargingRateUnit"?}
        ->  {"status", "connectorId", "scheduleStart", "chargingSchedule"}
"""
from ocpp.core import cache


async def handle(cp, payload):
    n = payload["connectorId"]
    if not 0 <= n <= cp.n:
        return {"status": "Rejected"}
    try:
        return await cache.use("model.profiles").composite(cp, n, payload["duration"],
                                                           payload.get("chargingRateUnit"))
    finally:
        cache.done("model.profiles")
