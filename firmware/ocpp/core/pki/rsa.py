"""RSA signature checks with SHA-256: PKCS#1 v1.5 (what most certificates are signed with) and
PSS (the security whitepaper's choice for CAs and firmware: RFC 8017 section 9.1.2, MGF1 with
SHA-256, any salt length). One modular power with the public exponent: quick even on a
microcontroller.
"""
import hashlib

from ocpp.core import cache

# DigestInfo for SHA-256: SEQ { SEQ { OID 2.16.840.1.101.3.4.2.1, NULL }, OCTET STRING(32) }
_SHA256_INFO = b"\x30\x31\x30\x0d\x06\x09\x60\x86\x48\x01\x65\x03\x04\x02\x01\x05\x00\x04\x20"


def _bits(n):
    try:
        return cache.use("core.pki.der").bit_length(n)
    finally:
        cache.done("core.pki.der")


def _open(n, e, sig):
    k = (_bits(n) + 7) // 8
    if len(sig) != k:
        return None
    s = int.from_bytes(bytes(sig), "big")
    if s >= n:
        return None
    return pow(s, e, n).to_bytes(k, "big")


def verify_pkcs1(n, e, sig, digest):
    """Whether `sig` is an RSASSA-PKCS1-v1_5 signature of the SHA-256 `digest` by (n, e)."""
    em = _open(n, e, sig)
    if em is None:
        return False
    pad = len(em) - 3 - len(_SHA256_INFO) - 32
    return pad >= 8 and em == b"\x00\x01" + b"\xff" * pad + b"\x00" + _SHA256_INFO + digest


def _mgf1(seed, length):
    out = bytearray()
    counter = 0
    while len(out) < length:
        h = hashlib.sha256(seed)
        h.update(counter.to_bytes(4, "big"))
        out.extend(h.digest())
        counter += 1
    return out[:length]


def verify_pss(n, e, sig, digest):
    """Whether `sig` is an RSASSA-PSS signature (SHA-256, MGF1-SHA-256, any salt length) of
    the SHA-256 `digest` by (n, e)."""
    em = _open(n, e, sig)
    if em is None:
        return False
    em_bits = _bits(n) - 1
    em_len = (em_bits + 7) // 8
    em = em[len(em) - em_len:]  # a modulus of 8k+1 bits leaves one zero byte in front
    if em_len < 32 + 2 or em[-1] != 0xBC:
        return False
    masked, h = em[:em_len - 33], em[em_len - 33:-1]
    top = 8 * em_len - em_bits  # bits above em_bits must be zero
    if top and masked[0] >> (8 - top):
        return False
    db = _mgf1(h, len(masked))
    for i in range(len(db)):
        db[i] ^= masked[i]
    if top:
        db[0] &= 0xFF >> top
    i = 0
    while i < len(db) and not db[i]:
        i += 1
    if i == len(db) or db[i] != 1:
        return False
    m = hashlib.sha256(b"\x00" * 8)
    m.update(digest)
    m.update(db[i + 1:])
    return m.digest() == h
