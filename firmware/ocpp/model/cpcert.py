"""The charge point's own certificate (security whitepaper A02/A03): a key pair made here, its
signing request for SignCertificate, and the certificate CertificateSigned brings, checked
and kept for mutual TLS (security profile 3). The files are described in
ocpp/model/certificates.py (cpcert.json, cpkey.new); loaded for these two messages only.
"""
import store_files

from ocpp.core import cache

# the files: ocpp/model/certstore.py (through the cache, so it goes with the rest)
certstore = cache.use("model.certstore")
PENDING = "cpkey.new"


async def request(cp):
    """A new key pair and its signing request (PEM), for SignCertificate. The pair waits on
    flash (cpkey.new) for CertificateSigned; a request made later replaces it."""
    serial = cp.settings.get("serial_number") or cp.cp_id
    p256 = cache.use("core.pki.p256")
    try:
        d, pub = await p256.key_pair()
    finally:
        cache.done("core.pki.p256")
    csr = cache.use("core.pki.csr")
    try:
        req = await csr.make(d, pub, serial, cp.config.get("CpoName"))
        store_files.write_bytes(cp.store, PENDING, csr.private_key(d, pub))
        return csr.pem(req, "CERTIFICATE REQUEST")
    finally:
        cache.done("core.pki.csr")


async def signed(cp, chain):
    """CertificateSigned: check the chain (PEM, the charge point's certificate first) against
    the key pair waiting for it and adopt it: "Accepted", or "Rejected" with an
    InvalidChargePointCertificate security event."""
    why = None
    x509 = cache.use("core.pki.x509")
    try:
        try:
            certs = x509.read_pem(chain)
        except ValueError as e:
            why = "not a PEM certificate chain (%s)" % e
        key = store_files.read_bytes(cp.store, PENDING)
        if why is None:
            why = await _bad_chain(cp, x509, certs, key)
    finally:
        cache.done("core.pki.x509")
    if why:
        cp.log("CertificateSigned: refused: %s" % why)
        cp.security_event("InvalidChargePointCertificate", why)
        return "Rejected"
    doc = cp.store.read_json(certstore.OWN) or {}
    n = 2 if doc.get("cert") == "cpcert1.der" else 1
    try:
        store_files.write_bytes(cp.store, "cpcert%d.der" % n, certs[0]["der"])
        store_files.write_bytes(cp.store, "cpkey%d.der" % n, key)
        cp.store.write_json(certstore.OWN, {"cert": "cpcert%d.der" % n, "key": "cpkey%d.der" % n})
    except OSError as e:
        cp.log("CertificateSigned: flash error %r" % e)
        return "Rejected"
    cp.store.remove(PENDING)
    if doc.get("cert"):
        # the one before goes (A03 allows keeping it a while; a link already up keeps working)
        cp.store.remove(doc["cert"])
        cp.store.remove(doc["key"])
    cp.config.has_client_cert = True
    cp.log("CertificateSigned: the charge point's certificate %s (serial %s) is in use from "
           "the next connection" % (certs[0]["cn"], certs[0]["serial"]))
    return "Accepted"


async def _bad_chain(cp, x509, certs, key):
    if key is None:
        return "no signing request is waiting for a certificate"
    if not certs:
        return "no PEM certificate"
    if len(certs) > 4:
        return "a chain of more than 4 certificates"
    leaf = certs[0]
    if not key.endswith(leaf["key_bits"]):
        return "its public key is not the one the signing request sent"
    serial = cp.settings.get("serial_number") or cp.cp_id
    if leaf["cn"] != serial:
        return "CN %s where the serial number %s was asked for" % (leaf["cn"], serial)
    org = cp.config.get("CpoName")
    if org and leaf["o"] != org:
        return "O %s where CpoName %s was asked for" % (leaf["o"], org)
    why = await x509.chain_flaw(certs, cp.clock)
    if why:
        return why
    # the top of the chain issued by an installed central system root: checked against it
    top = certs[-1]
    for der in certstore.roots(cp.store, certstore.TYPES[0]):
        root = x509.read(der)
        if root["subject"] == top["issuer"]:
            if not await x509.signed_by(top, root["key"]):
                return "the chain is not signed by the installed root %s" % root["cn"]
            break
    return None
