"""The charge point's own certificate (security whitepaper A02/A03): a key pair made here, its
signing request for SignCertificate, and the certificate CertificateSigned brings, checked
and kept for mutual TLS (security profile 3). The files are described in
ocpp/model/certificates.py (cpcert.json, cpkey.new); loaded for these two messages only.
"""
import store_files

from ocpp.core import cache

OWN = "cpcert.json"
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
            blocks = _pem_blocks(chain)
            certs = [x509.read(b) for b in blocks]
        except ValueError as e:
            blocks, why = None, "not a PEM certificate chain (%s)" % e
        key = store_files.read_bytes(cp.store, PENDING)
        if why is None:
            why = await _bad_chain(cp, x509, certs, key)
    finally:
        cache.done("core.pki.x509")
    if why:
        cp.log("CertificateSigned: refused: %s" % why)
        cp.security_event("InvalidChargePointCertificate", why)
        return "Rejected"
    doc = cp.store.read_json(OWN) or {}
    n = 2 if doc.get("cert") == "cpcert1.der" else 1
    try:
        store_files.write_bytes(cp.store, "cpcert%d.der" % n, blocks[0])
        store_files.write_bytes(cp.store, "cpkey%d.der" % n, key)
        cp.store.write_json(OWN, {"cert": "cpcert%d.der" % n, "key": "cpkey%d.der" % n})
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
    for c in certs:
        why = x509.out_of_date(c, cp.clock)
        if why:
            return "a certificate of the chain is %s" % why
    for i in range(len(certs) - 1):
        if certs[i]["issuer"] != certs[i + 1]["subject"] or \
                not await x509.signed_by(certs[i], certs[i + 1]["key"]):
            return "certificate %d of the chain is not signed by the next one" % (i + 1)
    # the top of the chain issued by an installed central system root: checked against it
    top = certs[-1]
    for der in _roots(cp):
        root = x509.read(der)
        if root["subject"] == top["issuer"]:
            if not await x509.signed_by(top, root["key"]):
                return "the chain is not signed by the installed root %s" % root["cn"]
            break
    return None




def _pem_blocks(text):
    ws = cache.use("core.ws.secure")
    try:
        return ws.pem_blocks(text.encode())
    finally:
        cache.done("core.ws.secure")


def _roots(cp):
    certs = cache.use("model.certstore")
    try:
        return certs.roots(cp.store, certs.TYPES[0])
    finally:
        cache.done("model.certstore")

