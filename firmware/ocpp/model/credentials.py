"""The credentials to connect with (SecurityProfile, AuthorizationKey, certificates).
Imported by chargepoint.py for the moment it runs (ocpp/core/cache.py), so an established link holds
none of this code in the heap.
"""
import binascii
import hashlib

from ocpp.core import cache, ws


def credentials(cp):
    """(headers, TLS context) for connecting charge point `cp` per its SecurityProfile:
    0 none, 1 HTTP Basic, 2 Basic over verified TLS, 3 TLS with a client certificate.
    Raises ValueError when the profile cannot be met (no password, no wss:// URL)."""
    profile = cp.config.get("SecurityProfile")
    headers = []
    if profile in (1, 2):
        pw = cp.config.auth_password()
        if pw is None:
            raise ValueError("security profile %d but no AuthorizationKey" % profile)
        # Authorization: Basic base64(<charge point id>:<password>)
        token = binascii.b2a_base64(cp.cp_id.encode() + b":" + pw).strip()
        headers.append(("Authorization", "Basic " + token.decode()))
    context = None
    if cp.url.startswith("wss://"):
        cert = key = None
        if profile == 3:
            cert, key = _client(cp)
        cp.tls_root = None

        def note_root(der):
            cp.tls_root = binascii.hexlify(hashlib.sha256(der).digest()).decode()

        context = ws.tls_context(ca_der=_roots(cp), cert_der=cert, key_der=key,
                                 on_root=note_root)
    elif profile >= 2:
        raise ValueError("security profile %d needs a wss:// URL" % profile)
    cp.log("link: connecting to %s (security profile %d)" % (cp.url, profile))
    return headers, context


def server_context(cp, url):
    """The TLS context that verifies the file server of `url` (firmware, diagnostics) as the
    central system is verified (_roots). None for http://, or when there is no root
    certificate (https:// is then refused, never used unverified)."""
    if not url[:8].lower().startswith("https://"):
        return None
    ca = _roots(cp)
    return ws.tls_context(ca_der=ca) if ca else None


def _roots(cp):
    """What TLS trusts: the CentralSystemRootCertificates installed through InstallCertificate
    (a list of DER), or, until there is one, config.json's ca_cert."""
    certs = cache.use("model.certstore")
    try:
        installed = certs.roots(cp.store, certs.TYPES[0])
    finally:
        cache.done("model.certstore")
    return installed or _cert(cp, "ca_cert")


def _client(cp):
    """The client certificate and key (profile 3): CertificateSigned's, else config.json's."""
    certs = cache.use("model.certstore")
    try:
        own = certs.own(cp.store)
    finally:
        cache.done("model.certstore")
    return own or (_cert(cp, "client_cert"), _cert(cp, "client_key"))


def _cert(cp, key):
    """A certificate or key file named in config.json (`key`), as it is: PEM (a CA bundle may
    hold several certificates) or DER; ws.tls_context() reads both."""
    name = cp.settings.get(key)
    if not name:
        return None
    with open(name, "rb") as f:
        return f.read()


def failed(cp, e, why):
    """A connection attempt failed with exception `e` (`why` says it in a line): the security
    event it is, if any, and A05's way back when it was the first try of a raised profile."""
    if isinstance(e, ws.HandshakeError) and e.status == 401:
        cp.security_event("FailedToAuthenticateAtCentralSystem", why)
    elif _bad_server_certificate(str(e)):
        cp.security_event("InvalidCentralSystemCertificate", why)
    if cp._fallback is not None:
        fall_back(cp)


def _bad_server_certificate(text):
    # mbedTLS's words when the server's certificate did not verify (modtls_mbedtls.c turns the
    # verification flags into these sentences; other failures say "X509 - ...")
    for sign in ("X509", "trusted CA", "Common Name", "expired", "not yet valid", "revoked"):
        if sign in text:
            return True
    return False


def fall_back(cp):
    """Security whitepaper A05: the first connection with a raised SecurityProfile failed: go
    back to the profile that worked, and say so (a security event)."""
    old, cp._fallback = cp._fallback, None
    cp.log("security event: connection with SecurityProfile %d failed; back to %d"
           % (cp._profile, old))
    cp._profile = old
    cp.config.set("SecurityProfile", old)
