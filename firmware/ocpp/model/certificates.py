"""Certificates on the charge point (security whitepaper ed. 3, M03-M05, L01): the root
certificates the central system installs and deletes, and the check of a firmware signing
certificate against them. Loaded for the moment one of those messages needs it; reading the
files (a connection, GetInstalledCertificateIds) is ocpp/model/certstore.py's, the charge
point's own key pair and certificate (A02) ocpp/model/cpcert.py's.

    certs.json     {"n": last file number, "certs": [[type, file, hash data, sha256 of the DER],
                   ...]}; type "C" CentralSystemRootCertificate, "M" ManufacturerRootCertificate
    cert<n>.der    one installed certificate (written whole before certs.json names it)
    cpcert.json    {"cert": file, "key": file}: the charge point's certificate (DER, the leaf
                   of the chain CertificateSigned brought) and its private key (SEC1 DER)
    cpkey.new      the key pair of a SignCertificate sent, waiting for its certificate
                   (cpcert.json and cpkey.new are written by ocpp/model/cpcert.py)

Every change writes the new files first and then one document (atomically), so a power cut
leaves the old state or the new one. Once a CentralSystemRootCertificate is installed, the
installed ones are what TLS trusts (config.json's ca_cert was the factory's first root); once
a certificate came through CertificateSigned, it is the client certificate (in place of
config.json's client_cert and client_key).
"""
import store_files
from micropython import const

from ocpp.core import cache

# reading the files: ocpp/model/certstore.py (through the cache, so it goes with the rest)
certstore = cache.use("model.certstore")
TYPES = certstore.TYPES
_MAX_DER = const(4096)


async def install(cp, kind, pem):
    """InstallCertificate: "Accepted", "Rejected" (not a usable root certificate, or the store
    is full) or "Failed" (flash)."""
    x509 = cache.use("core.pki.x509")
    try:
        try:
            secure = cache.use("core.ws.secure")
            try:
                blocks = secure.pem_blocks(pem.encode())
            finally:
                cache.done("core.ws.secure")
            if len(blocks) != 1 or len(blocks[0]) > _MAX_DER:
                raise ValueError("one PEM certificate of at most %d bytes expected" % _MAX_DER)
            der = blocks[0]
            cert = x509.read(der)
        except ValueError as e:
            cp.log("InstallCertificate: refused: %s" % e)
            return "Rejected"
        why = await _unusable_root(cp, x509, cert)
        if why:
            cp.log("InstallCertificate: refused: %s" % why)
            return "Rejected"
        idx = certstore.index(cp.store)
        sha = x509.sha256_hex(der)
        if any(c[3] == sha and c[0] == certstore.CODE[kind] for c in idx["certs"]):
            cp.log("InstallCertificate: already installed")
            return "Accepted"
        if len(idx["certs"]) >= cp.config.get("CertificateStoreMaxLength"):
            cp.log("InstallCertificate: refused: the store is full (%d)" % len(idx["certs"]))
            return "Rejected"
        idx["n"] += 1
        name = "cert%d.der" % idx["n"]
        try:
            store_files.write_bytes(cp.store, name, der)
            idx["certs"].append([certstore.CODE[kind], name,
                                 x509.hash_data(cert, cert["key_bits"]), sha])
            cp.store.write_json(certstore.INDEX, idx)
        except OSError as e:
            cp.log("InstallCertificate: flash error %r" % e)
            return "Failed"
    finally:
        cache.done("core.pki.x509")
    if kind == TYPES[0]:
        cp.config.has_ca_cert = True
    cp.log("InstallCertificate: %s %s (serial %s) installed"
           % (kind, cert["cn"] or "?", cert["serial"]))
    return "Accepted"


async def _unusable_root(cp, x509, cert):
    # A root is a CA certificate, with a key this charge point can check signatures with,
    # within its validity (when the clock is known), and signed by its own key.
    if not cert["ca"]:
        return "not a CA certificate"
    if cert["key"][0] is None or cert["sig_alg"] is None:
        return "a key or signature algorithm other than P-256 and RSA with SHA-256"
    why = x509.out_of_date(cert, cp.clock)
    if why:
        return why
    if cert["subject"] != cert["issuer"] or not await x509.signed_by(cert, cert["key"]):
        return "not a self-signed root certificate"
    return None


def delete(cp, hd):
    """DeleteCertificate of the certificate `hd` (CertificateHashDataType) names: "Accepted",
    "NotFound", or "Failed" (the root the link was verified with, the charge point's own
    certificate, a flash error)."""
    if hd["hashAlgorithm"] != "SHA256":
        # this charge point hashes with SHA-256 only, so its ids are SHA256 (M04.FR.07)
        cp.log("DeleteCertificate: %s: only SHA256 hash data are issued" % hd["hashAlgorithm"])
        return "NotFound"
    want = (hd["issuerNameHash"].lower(), hd["issuerKeyHash"].lower(),
            hd["serialNumber"].upper().lstrip("0") or "0")
    idx = certstore.index(cp.store)
    for entry in idx["certs"]:
        h = entry[2]
        if (h["issuerNameHash"], h["issuerKeyHash"], h["serialNumber"]) != want:
            continue
        if entry[0] == "C" and cp.tls_root == entry[3]:
            cp.log("DeleteCertificate: refused: the central system's link was verified with it")
            return "Failed"
        idx["certs"].remove(entry)
        try:
            cp.store.write_json(certstore.INDEX, idx)
        except OSError as e:
            cp.log("DeleteCertificate: flash error %r" % e)
            return "Failed"
        cp.store.remove(entry[1])
        if entry[0] == "C" and not any(c[0] == "C" for c in idx["certs"]):
            cp.config.has_ca_cert = bool(cp.settings.get("ca_cert"))
        cp.log("DeleteCertificate: serial %s deleted" % want[2])
        return "Accepted"
    if _is_own(cp, want):
        cp.log("DeleteCertificate: refused: the charge point's own certificate")
        return "Failed"
    return "NotFound"


def _is_own(cp, want):
    own = certstore.own(cp.store)
    if own is None:
        return False
    x509 = cache.use("core.pki.x509")
    try:
        cert = x509.read(own[0])
        return cert["serial"] == want[2] and x509.sha256_hex(cert["issuer"]) == want[0]
    except ValueError:
        return False
    finally:
        cache.done("core.pki.x509")


async def check_signing(cp, pem):
    """SignedUpdateFirmware's signingCertificate (PEM): its key ("ec"/"rsa", value), or a
    string saying why it is refused: not signed by an installed ManufacturerRootCertificate,
    expired, malformed."""
    x509 = cache.use("core.pki.x509")
    try:
        try:
            certs = x509.read_pem(pem)
        except ValueError as e:
            return "not a PEM certificate (%s)" % e
        if not certs:
            return "not a PEM certificate"
        why = await x509.chain_flaw(certs, cp.clock)
        if why:
            return why
        top = certs[-1]
        for der in certstore.roots(cp.store, TYPES[1]):
            root = x509.read(der)
            if root["subject"] == top["issuer"] and await x509.signed_by(top, root["key"]):
                return certs[0]["key"]
        return "not signed by an installed ManufacturerRootCertificate"
    finally:
        cache.done("core.pki.x509")
