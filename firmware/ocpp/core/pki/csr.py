"""A PKCS#10 certificate signing request (RFC 2986) for a P-256 key pair made on the charge
point, and the key's own DER for the TLS stack: the private key never leaves the charge point
(security whitepaper A02/A03).

    CertificationRequest = SEQ {
        SEQ { INTEGER 0,                                       version
              Name { SET { O = <CpoName> }, SET { CN = <serial number> } },
              SEQ { SEQ { id-ecPublicKey, prime256v1 }, BIT STRING 04||x||y },
              [0] { } },                                       no attributes
        SEQ { ecdsa-with-SHA256 },
        BIT STRING SEQ { INTEGER r, INTEGER s } }
"""
import binascii
import hashlib

from ocpp.core import cache

_EC_KEY = b"\x06\x07\x2a\x86\x48\xce\x3d\x02\x01"
_P256 = b"\x06\x08\x2a\x86\x48\xce\x3d\x03\x01\x07"
_ECDSA_SHA256 = b"\x06\x08\x2a\x86\x48\xce\x3d\x04\x03\x02"
_CN = b"\x06\x03\x55\x04\x03"
_O = b"\x06\x03\x55\x04\x0a"


async def make(d, pub, cn, org):
    """The DER signing request for key pair (d, pub), subject CN=`cn`, O=`org`."""
    der = cache.use("core.pki.der")
    try:
        def rdn(oid, text):
            return der.tlv(der.SET, der.seq(oid, der.tlv(der.UTF8_STRING, text.encode())))

        name = der.seq(rdn(_O, org), rdn(_CN, cn)) if org else der.seq(rdn(_CN, cn))
        spki = der.seq(der.seq(_EC_KEY, _P256), der.tlv(der.BIT_STRING, b"\x00" + pub))
        info = der.seq(der.uint(0), name, spki, b"\xa0\x00")
        r, s = await cache.use("core.pki.p256").sign(d, hashlib.sha256(info).digest())
        cache.done("core.pki.p256")
        sig = der.seq(der.uint(r), der.uint(s))
        return der.seq(info, der.seq(_ECDSA_SHA256), der.tlv(der.BIT_STRING, b"\x00" + sig))
    finally:
        cache.done("core.pki.der")


def private_key(d, pub):
    """The SEC1 ECPrivateKey DER of (d, pub), which MicroPython's TLS loads as a client key:
    SEQ { INTEGER 1, OCTET STRING d, [0] { prime256v1 }, [1] { BIT STRING 04||x||y } }."""
    der = cache.use("core.pki.der")
    try:
        return der.seq(der.uint(1), der.tlv(der.OCTET_STRING, d.to_bytes(32, "big")),
                       der.tlv(0xA0, _P256), der.tlv(0xA1, der.tlv(der.BIT_STRING, b"\x00" + pub)))
    finally:
        cache.done("core.pki.der")


def pem(data, label):
    """DER `data` as PEM text: base64 in lines of 64 between BEGIN and END `label` lines."""
    out = ["-----BEGIN %s-----\n" % label]
    for i in range(0, len(data), 48):
        out.append(binascii.b2a_base64(data[i:i + 48]).decode())
    out.append("-----END %s-----\n" % label)
    return "".join(out)
