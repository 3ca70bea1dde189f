"""InstallCertificate (security whitepaper M05): a root certificate for the central system's
TLS link or for checking signed firmware (ocpp/model/certificates.py keeps them).

    {"certificateType": CentralSystemRootCertificate | ManufacturerRootCertificate,
     "certificate": PEM}
    -> {"status": Accepted}   installed (or there already)
    -> {"status": Rejected}   not a self-signed CA certificate within its validity with a
                              P-256 or RSA key, or CertificateStoreMaxLength reached
    -> {"status": Failed}     flash error
"""
from ocpp.core import cache


async def handle(cp, payload):
    try:
        status = await cache.use("model.certificates").install(
            cp, payload["certificateType"], payload["certificate"])
    finally:
        cache.done("model.certificates")
    return {"status": status}
