"""GetInstalledCertificateIds (security whitepaper M03): the hash data (edition 3: SHA-256 of
the issuer's DER name and of its public key, the serial number in hex) of every installed root
certificate of a type (ocpp/model/certstore.py).

    {"certificateType"}  ->  {"status": Accepted, "certificateHashData": [{...}, ...]}
                         ->  {"status": NotFound}   none of that type
"""
from ocpp.core import cache


async def handle(cp, payload):
    try:
        found = cache.use("model.certstore").ids(cp.store, payload["certificateType"])
    finally:
        cache.done("model.certstore")
    if not found:
        return {"status": "NotFound"}
    return {"status": "Accepted", "certificateHashData": found}
