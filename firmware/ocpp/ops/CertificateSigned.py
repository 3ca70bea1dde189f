"""CertificateSigned (security whitepaper A02): the certificate for the key pair of the last
SignCertificate, the charge point's certificate first, then any sub-CA certificates
(ocpp/model/cpcert.py checks and keeps it; TLS presents it from the next connection).

    {"certificateChain": PEM}  ->  {"status": Accepted}
                               ->  {"status": Rejected}   not for the waiting key pair, another
                                   CN or O, outside its validity, a broken chain, longer than
                                   CertificateSignedMaxChainSize (an InvalidChargePointCertificate
                                   security event)
"""
from ocpp.core import cache


async def handle(cp, payload):
    chain = payload["certificateChain"]
    if len(chain) > cp.config.get("CertificateSignedMaxChainSize"):
        cp.security_event("InvalidChargePointCertificate", "a chain of %d characters" % len(chain))
        return {"status": "Rejected"}
    try:
        status = await cache.use("model.cpcert").signed(cp, chain)
    finally:
        cache.done("model.cpcert")
    return {"status": status}
