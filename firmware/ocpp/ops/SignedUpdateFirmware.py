"""SignedUpdateFirmware (security whitepaper L01): UpdateFirmware's job (ocpp/model/firmware.py)
for a file signed by a certificate that chains to an installed ManufacturerRootCertificate,
its signature checked on the charge point before anything is installed.

    {"requestId", "retries"?, "retryInterval"?, "firmware": {"location", "retrieveDateTime",
     "installDateTime"?, "signingCertificate": PEM, "signature": base64}}
    -> {"status": Accepted}
    -> {"status": AcceptedCanceled}    an update under way was cancelled for this one
    -> {"status": InvalidCertificate}  the certificate does not chain to an installed
                                       ManufacturerRootCertificate, or is outside its validity
                                       (an InvalidFirmwareSigningCertificate security event)
SignedFirmwareStatusNotification with the requestId follows each step.
"""
from ocpp.core import cache
from ocpp.core.clock import parse_iso


async def handle(cp, payload):
    fw = payload["firmware"]
    try:
        key = await cache.use("model.certificates").check_signing(cp, fw["signingCertificate"])
    finally:
        cache.done("model.certificates")
    if isinstance(key, str):
        cp.log("SignedUpdateFirmware: the signing certificate is refused: %s" % key)
        cp.security_event("InvalidFirmwareSigningCertificate", key)
        return {"status": "InvalidCertificate"}
    firmware = cache.use("model.firmware")
    try:
        status = "Accepted"
        if firmware.under_way(cp) and cp.firmware != "Installing":
            status = "AcceptedCanceled"
        firmware.schedule(cp, fw["location"], parse_iso(fw["retrieveDateTime"]) or cp.clock.now(),
                          max(0, payload.get("retries") or 0),
                          max(0, payload.get("retryInterval") or 0),
                          {"req": payload["requestId"], "sig": fw["signature"],
                           "cert": fw["signingCertificate"],
                           "install_at": parse_iso(fw.get("installDateTime") or "")})
    finally:
        cache.done("model.firmware")

    async def start():
        try:
            cache.use("model.firmware").start(cp)
        finally:
            cache.done("model.firmware")

    return {"status": status}, start
