"""TLS for wss:// (security profiles 2 and 3): the verifying client context, PEM to DER.

Reached as ws.tls_context() and ws.pem_to_der(), which import this module for the call and
drop it after (ocpp/core/ws/__init__.py); a charge point on ws:// never loads it.
"""


def pem_to_der(pem, start=0):
    """The first PEM block of `pem` (bytes) from offset `start` as DER bytes: base64 between
    the BEGIN and END lines. (MicroPython's TLS refuses PEM for certificates and keys.)"""
    return _block(pem, start)[0]


def pem_blocks(pem):
    """Every PEM block of `pem` (bytes) as DER bytes: a bundle of certificates (the old and
    the new root while a central system rotates its certificate, a chain)."""
    out = []
    at = 0
    while pem.find(b"-----BEGIN", at) >= 0:
        der, at = _block(pem, at)
        out.append(der)
    return out


def _block(pem, start):
    # (DER of the block starting at or after `start`, the offset just past its END line)
    import binascii

    begin = pem.find(b"-----BEGIN", start)
    body = pem.find(b"\n", begin) + 1
    end = pem.find(b"-----END", body)
    if begin < 0 or body <= 0 or end < 0:
        raise ValueError("not a PEM block (no -----BEGIN/-----END lines)")
    try:
        der = binascii.a2b_base64(pem[body:end])
    except ValueError:
        raise ValueError("bad base64 inside the PEM block")
    return der, end + 8


def _ders(data):
    if isinstance(data, list):
        return data
    return pem_blocks(data) if data.lstrip()[:5] == b"-----" else [data]


def _der(data):
    return _ders(data)[0]


def tls_context(ca_der=None, cert_der=None, key_der=None, on_root=None):
    """A TLS client context that verifies the server against the CA certificate `ca_der` (DER,
    or PEM with any number of certificates, or a list of DER certificates: each is trusted)
    (security profile 2); with cert_der and key_der it also presents a client certificate
    (profile 3). DER is expected; PEM is converted. There is no fallback to an unverified
    connection: without a CA certificate this raises ValueError.

    ws.connect() passes the URL's host as server_hostname, so the certificate's name is checked
    too. `on_root`, if given, is called with the DER of the trusted certificate a server's
    chain ended at (a memoryview, valid during the call only)."""
    import tls

    if not ca_der:
        raise ValueError("wss:// needs a CA certificate to verify the server; refusing to "
                         "connect without verification")
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = tls.CERT_REQUIRED
    try:
        for der in _ders(ca_der):  # a bundle: each certificate is added to the trusted set
            ctx.load_verify_locations(der)
    except ValueError as e:
        raise ValueError("cannot load the CA certificate: %s" % e)
    if on_root is not None:
        deepest = [-1]

        def seen(cert, depth):
            # mbedTLS calls this for each certificate of the verified chain, the trusted root
            # (the deepest) first; 0 leaves its verdict alone
            if depth > deepest[0]:
                deepest[0] = depth
                on_root(cert)
            return 0

        ctx.verify_callback = seen
    if cert_der or key_der:
        if not (cert_der and key_der):
            raise ValueError("a client certificate needs both the certificate and its key")
        try:
            # The leaf only: load_cert_chain takes DER, and DER is one certificate (tried with
            # MicroPython 1.29: PEM is refused as "invalid key"/"invalid cert", concatenated
            # DER sends the first alone), so intermediates cannot be presented.
            ctx.load_cert_chain(_der(cert_der), _der(key_der))
        except ValueError as e:
            raise ValueError("cannot load the client certificate/key: %s" % e)
    return ctx
