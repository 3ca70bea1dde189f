"""SignCertificate (charge point -> central system, security whitepaper A02): a new key pair
made on the charge point, its private key kept on flash, and a PKCS#10 request for its
certificate (CN = the serial number, O = CpoName; ocpp/model/cpcert.py). The
certificate comes back in CertificateSigned. Sent for ExtendedTriggerMessage's
SignChargePointCertificate.

    [2, id, "SignCertificate", {"csr": PEM}]  ->  {"status": Accepted | Rejected}
"""
from ocpp.core import cache


async def send(cp):
    try:
        csr = await cache.use("model.cpcert").request(cp)
    finally:
        cache.done("model.cpcert")
    answer = await cp.rpc.call("SignCertificate", {"csr": csr})
    cp.log("SignCertificate: %s" % answer.get("status"))


def trigger(cp, connector_id):
    return lambda: cp.send_quietly("SignCertificate")
