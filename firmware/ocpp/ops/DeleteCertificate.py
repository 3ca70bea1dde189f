"""DeleteCertificate (security whitepaper M04): remove an installed root certificate, named by
its hash data as GetInstalledCertificateIds gave it (ocpp/model/certificates.py).

    {"certificateHashData": {"hashAlgorithm", "issuerNameHash", "issuerKeyHash",
                             "serialNumber"}}
    -> {"status": Accepted | NotFound
                | Failed}    the root the central system's link was verified with, or the
                             charge point's own certificate, or a flash error
"""
from ocpp.core import cache


async def handle(cp, payload):
    try:
        status = cache.use("model.certificates").delete(cp, payload["certificateHashData"])
    finally:
        cache.done("model.certificates")
    return {"status": status}
