"""SetChargingProfile: a charging profile for connector 0 (ChargePointMaxProfile, or a
TxDefaultProfile for every connector) or one connector (TxDefaultProfile, or a TxProfile for its
running transaction). Checked and kept on flash by ocpp/model/profiles.py; the limits it changes
apply at once (ocpp/model/smartcharging.py has the rules).

    {"connectorId", "csChargingProfiles": ChargingProfile}  ->  {"status": Accepted | Rejected}
"""
from ocpp.core import cache


async def handle(cp, payload):
    profiles = cache.use("model.profiles")
    try:
        profiles.install(cp, payload["connectorId"], payload["csChargingProfiles"])
    except profiles.Refused as e:
        cp.log("smart charging: SetChargingProfile rejected: %s" % e)
        return {"status": "Rejected"}
    finally:
        cache.done("model.profiles")
    cp.smart.changed()
    return {"status": "Accepted"}
