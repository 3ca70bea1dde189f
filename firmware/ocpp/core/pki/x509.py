"""X.509 certificates (RFC 5280) read from DER: the fields the charge point decides on, the
security whitepaper's hash data (edition 3), and a signature check against the issuer.

    Certificate = SEQ { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
    tbsCertificate = SEQ { [0] version?, serialNumber, signature, issuer, validity
                           { notBefore, notAfter }, subject, subjectPublicKeyInfo
                           { SEQ { algorithm, parameters? }, BIT STRING key }, ...,
                           [3] extensions? }

read() returns a dict (not an object of a class here: this module is dropped after use):
    der       the certificate's DER, as given
    tbs       the signed part (bytes, tag and length included)
    serial    the serial number as hex, upper case, no leading zeroes ("FFF" for 4095)
    issuer, subject   the names, DER (tag and length included): compared and hashed as they are
    cn, o     the subject's commonName and organizationName (str or None)
    not_before, not_after   epoch seconds (this port's epoch)
    key       ("ec", 65-byte point) or ("rsa", (n, e))
    key_bits  the public key BIT STRING's value: what an issuerKeyHash hashes
    ca        basicConstraints cA
    sig_alg   "ecdsa", "rsa" (PKCS#1 v1.5) or "pss", all with SHA-256; None for anything else
    sig       the signature bytes
"""
import hashlib
from binascii import hexlify

from ocpp.core import cache
from ocpp.core.clock import parse_iso

# OID contents (the bytes after tag 06 and length)
_EC_KEY = b"\x2a\x86\x48\xce\x3d\x02\x01"  # 1.2.840.10045.2.1 id-ecPublicKey
_P256 = b"\x2a\x86\x48\xce\x3d\x03\x01\x07"  # 1.2.840.10045.3.1.7 prime256v1
_RSA_KEY = b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"  # 1.2.840.113549.1.1.1 rsaEncryption
_SIG_ALGS = {
    b"\x2a\x86\x48\xce\x3d\x04\x03\x02": "ecdsa",  # ecdsa-with-SHA256
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b": "rsa",  # sha256WithRSAEncryption
    b"\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a": "pss",  # RSASSA-PSS (its parameters: SHA-256)
}
_SHA256 = b"\x60\x86\x48\x01\x65\x03\x04\x02\x01"
_CN = b"\x55\x04\x03"
_O = b"\x55\x04\x0a"
_BASIC = b"\x55\x1d\x13"


def read(data):
    """The certificate in DER `data` (bytes) as the dict above; ValueError if malformed."""
    der = cache.use("core.pki.der")
    try:
        cert = _read(der, memoryview(data))
        cert["der"] = data
        return cert
    except IndexError:
        raise ValueError("malformed certificate")
    finally:
        cache.done("core.pki.der")


def read_pem(text):
    """Every certificate of PEM `text` (str or bytes, the first one first), as read() dicts; an
    empty list when there is no PEM block. ValueError if one is malformed."""
    secure = cache.use("core.ws.secure")
    try:
        blocks = secure.pem_blocks(text.encode() if isinstance(text, str) else text)
    finally:
        cache.done("core.ws.secure")
    return [read(b) for b in blocks]


async def chain_flaw(certs, clock):
    """Why the chain `certs` (read() dicts, each signed by the next) does not hold: one of them
    outside its validity, or a link whose issuer or signature does not match. None if it
    holds (its top is not checked here: the caller knows which roots to trust)."""
    for c in certs:
        why = out_of_date(c, clock)
        if why:
            return "a certificate of the chain is %s" % why
    for i in range(len(certs) - 1):
        if certs[i]["issuer"] != certs[i + 1]["subject"] or \
                not await signed_by(certs[i], certs[i + 1]["key"]):
            return "certificate %d of the chain is not signed by the next one" % (i + 1)
    return None


def _read(der, d):
    s, e = der.expect(d, 0, der.SEQUENCE)
    parts = der.children(d, s, e)
    if len(parts) != 3:
        raise ValueError("a certificate has three parts")
    tbs_t, tbs_s, tbs_e, tbs_at = parts[0]
    out = {"tbs": bytes(d[tbs_at:tbs_e])}
    alg = der.children(d, parts[1][1], parts[1][2])
    oid = bytes(d[alg[0][1]:alg[0][2]])
    kind = _SIG_ALGS.get(oid)
    if kind == "pss" and bytes(d[parts[1][1]:parts[1][2]]).find(_SHA256) < 0:
        kind = None  # PSS over another hash
    out["sig_alg"] = kind
    out["sig"] = bytes(der.bits(d, parts[2][1], parts[2][2]))

    f = der.children(d, tbs_s, tbs_e)
    i = 1 if f[0][0] == 0xA0 else 0  # [0] version
    t, s, e, _ = f[i]
    serial = bytes(d[s:e]).lstrip(b"\x00")
    out["serial"] = hexlify(serial).decode().upper().lstrip("0") or "0"
    out["issuer"] = bytes(d[f[i + 2][3]:f[i + 2][2]])
    validity = der.children(d, f[i + 3][1], f[i + 3][2])
    out["not_before"] = _time(d, validity[0])
    out["not_after"] = _time(d, validity[1])
    out["subject"] = bytes(d[f[i + 4][3]:f[i + 4][2]])
    out["cn"] = _attr(der, d, f[i + 4], _CN)
    out["o"] = _attr(der, d, f[i + 4], _O)
    spki = der.children(d, f[i + 5][1], f[i + 5][2])
    algo = der.children(d, spki[0][1], spki[0][2])
    key_oid = bytes(d[algo[0][1]:algo[0][2]])
    bits = der.bits(d, spki[1][1], spki[1][2])
    out["key_bits"] = bytes(bits)
    if key_oid == _EC_KEY and len(algo) > 1 and bytes(d[algo[1][1]:algo[1][2]]) == _P256:
        out["key"] = ("ec", bytes(bits))
    elif key_oid == _RSA_KEY:
        k = memoryview(out["key_bits"])
        ks, ke = der.expect(k, 0, der.SEQUENCE)
        ne = der.children(k, ks, ke)
        out["key"] = ("rsa", (der.integer(k, ne[0][1], ne[0][2]),
                              der.integer(k, ne[1][1], ne[1][2])))
    else:
        out["key"] = (None, None)
    out["ca"] = False
    for t, s, e, _ in f[i + 6:]:
        if t == 0xA3:  # [3] extensions: SEQ of SEQ { OID, critical?, OCTET STRING }
            s, e = der.expect(d, s, der.SEQUENCE, e)
            for _, xs, xe, _ in der.children(d, s, e):
                x = der.children(d, xs, xe)
                if bytes(d[x[0][1]:x[0][2]]) == _BASIC:
                    v = der.children(d, x[-1][1], x[-1][2])  # SEQ { cA BOOLEAN?, ... }
                    inner = der.children(d, v[0][1], v[0][2])
                    out["ca"] = bool(inner) and inner[0][0] == 0x01 and d[inner[0][1]] != 0
    return out


def _attr(der, d, name, oid):
    # Name = SEQ of SET of SEQ { OID, value }
    for _, s, e, _ in der.children(d, name[1], name[2]):
        for _, ts, te, _ in der.children(d, s, e):
            tv = der.children(d, ts, te)
            if bytes(d[tv[0][1]:tv[0][2]]) == oid:
                return bytes(d[tv[1][1]:tv[1][2]]).decode()
    return None


def _time(d, el):
    t, s, e, _ = el
    text = bytes(d[s:e]).decode()
    if t == 0x17:  # UTCTime YYMMDDHHMMSSZ
        yy = int(text[:2])
        text = ("19" if yy >= 50 else "20") + text
    elif t != 0x18:  # GeneralizedTime YYYYMMDDHHMMSSZ
        raise ValueError("a validity time of neither kind")
    year = min(int(text[:4]), 2099)  # "9999": no end; the epoch's integers stay small
    t = parse_iso("%04d-%s-%sT%s:%s:%sZ" % (year, text[4:6], text[6:8], text[8:10],
                                             text[10:12], text[12:14]))
    if t is None:
        raise ValueError("a malformed validity time")
    return t


def out_of_date(cert, clock):
    """Why `cert` is outside its validity now ("expired", "not valid yet"), or None (also when
    `clock` has not been set yet: the time is unknown)."""
    if not clock.synced:
        return None
    now = clock.now()
    if now < cert["not_before"]:
        return "not valid yet"
    if now > cert["not_after"]:
        return "expired"
    return None


def sha256_hex(data):
    return hexlify(hashlib.sha256(data).digest()).decode()


def hash_data(cert, issuer_key_bits):
    """CertificateHashDataType, edition 3: SHA-256 of the issuer's DER name, of the issuer's
    public key value (the BIT STRING's bytes), and the serial number."""
    return {"hashAlgorithm": "SHA256", "issuerNameHash": sha256_hex(cert["issuer"]),
            "issuerKeyHash": sha256_hex(issuer_key_bits), "serialNumber": cert["serial"]}


async def signed_by(cert, key):
    """Whether `cert` carries a valid signature by public key `key` (an issuer's "key")."""
    return await check(key, cert["sig_alg"], cert["sig"], hashlib.sha256(cert["tbs"]).digest())


async def check(key, alg, sig, digest):
    """Whether `sig` signs `digest` (SHA-256) with public key `key` under `alg` ("ecdsa",
    "rsa", "pss"; for an RSA key, None tries PSS then PKCS#1 v1.5)."""
    kind, value = key
    if kind == "ec" and alg in ("ecdsa", None):
        r, s = ecdsa_pair(sig)
        if r is None:
            return False
        try:
            return await cache.use("core.pki.p256").verify(value, digest, r, s)
        except ValueError:
            return False
        finally:
            cache.done("core.pki.p256")
    if kind == "rsa" and alg in ("rsa", "pss", None):
        rsa = cache.use("core.pki.rsa")
        try:
            n, e = value
            if alg != "rsa" and rsa.verify_pss(n, e, sig, digest):
                return True
            return alg != "pss" and rsa.verify_pkcs1(n, e, sig, digest)
        finally:
            cache.done("core.pki.rsa")
    return False


def ecdsa_pair(sig):
    """An ECDSA signature, DER SEQ { r, s } or the raw 64 bytes r || s, as (r, s); (None,
    None) if it is neither."""
    if len(sig) == 64:
        return int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
    der = cache.use("core.pki.der")
    try:
        s, e = der.expect(sig, 0, der.SEQUENCE)
        rs = der.children(sig, s, e)
        if len(rs) != 2 or e != len(sig):
            return None, None
        return der.integer(sig, rs[0][1], rs[0][2]), der.integer(sig, rs[1][1], rs[1][2])
    except ValueError:
        return None, None
    finally:
        cache.done("core.pki.der")
