"""The credentials to connect with (SecurityProfile, AuthorizationKey, certificates).
Imported by chargepoint.py for the moment it runs (ocpp/core/cache.py), so an established link holds
none of this code in the heap.
"""
import binascii

from ocpp.core import ws


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
        context = ws.tls_context(
            ca_der=_cert(cp, "ca_cert"),
            cert_der=_cert(cp, "client_cert") if profile == 3 else None,
            key_der=_cert(cp, "client_key") if profile == 3 else None)
    elif profile >= 2:
        raise ValueError("security profile %d needs a wss:// URL" % profile)
    cp.log("link: connecting to %s (security profile %d)" % (cp.url, profile))
    return headers, context


def server_context(cp, url):
    """The TLS context that verifies the file server of `url` (firmware, diagnostics) as the
    central system is verified: config.json's ca_cert. None for http://, or when there is no
    ca_cert (https:// is then refused, never used unverified)."""
    if not url[:8].lower().startswith("https://"):
        return None
    ca = _cert(cp, "ca_cert")
    return ws.tls_context(ca_der=ca) if ca else None


def _cert(cp, key):
    """A certificate or key file named in config.json (`key`), as it is: PEM (a CA bundle may
    hold several certificates) or DER; ws.tls_context() reads both."""
    name = cp.settings.get(key)
    if not name:
        return None
    with open(name, "rb") as f:
        return f.read()


def fall_back(cp):
    """Security whitepaper A05: the first connection with a raised SecurityProfile failed: go
    back to the profile that worked, and say so (a security event)."""
    old, cp._fallback = cp._fallback, None
    cp.log("security event: connection with SecurityProfile %d failed; back to %d"
           % (cp._profile, old))
    cp._profile = old
    cp.config.set("SecurityProfile", old)
