# ocpp/core/pki under MicroPython, against certificates and signatures made by the `cryptography`
# package (pki_vectors.py, written by host_tests/make_pki_vectors.py): the DER reader, the
# edition-3 hash data (cryptography's OCSP request computes the same hashes), RSA PKCS#1 v1.5
# and PSS, ECDSA P-256, and a key pair and signing request made here.
import hashlib

import pki_vectors as V
from ocpp.core.clock import parse_iso
from ocpp.core.pki import der, p256, rsa, x509

DIGEST = hashlib.sha256(V.MSG).digest()


def flip(b, i=-5):
    b = bytearray(b)
    b[i] ^= 1
    return bytes(b)


def test_fields():
    c = x509.read(V.EC_LEAF)
    assert c["cn"] == "CP_9" and c["o"] == "Vector Org"
    assert c["serial"] == V.EC_LEAF_SERIAL and c["serial"][0] == "8"  # DER had a 00 in front
    assert c["not_after"] == parse_iso(V.EC_LEAF_NOT_AFTER)
    assert c["not_before"] == parse_iso("2026-01-01T00:00:00Z")
    assert c["key"][0] == "ec" and len(c["key"][1]) == 65
    assert c["sig_alg"] == "ecdsa" and not c["ca"]
    root = x509.read(V.EC_ROOT)
    assert root["ca"] and root["serial"] == "FFF" and root["subject"] == c["issuer"]
    r = x509.read(V.RSA_LEAF)
    assert r["sig_alg"] == "pss" and r["key"][0] == "rsa" and r["key"][1][1] == 65537
    assert der.bit_length(r["key"][1][0]) == 2048
    assert x509.read(V.RSA_ROOT)["sig_alg"] == "rsa"


def test_hash_data_matches_cryptography():
    for cert, issuer, want in ((V.EC_ROOT, V.EC_ROOT, V.EC_ROOT_HASH),
                               (V.EC_LEAF, V.EC_ROOT, V.EC_LEAF_HASH),
                               (V.RSA_LEAF, V.RSA_ROOT, V.RSA_LEAF_HASH),
                               (V.RSA_ROOT, V.RSA_ROOT, V.RSA_ROOT_HASH)):
        h = x509.hash_data(x509.read(cert), x509.read(issuer)["key_bits"])
        assert h["hashAlgorithm"] == "SHA256"
        assert (h["issuerNameHash"], h["issuerKeyHash"], h["serialNumber"]) == want, (h, want)


def test_malformed_certificates_raise_value_error():
    for bad in (b"", b"\x30", b"\x30\x84\x00\x00\x00\x01", V.EC_ROOT[:100], b"\x31\x00",
                b"\x30\x03\x02\x01\x00", b"not DER at all"):
        try:
            x509.read(bad)
        except ValueError:
            continue
        raise AssertionError("accepted %r" % bad[:20])


async def test_certificate_signatures():
    ec_root, ec_leaf = x509.read(V.EC_ROOT), x509.read(V.EC_LEAF)
    rsa_root, rsa_leaf = x509.read(V.RSA_ROOT), x509.read(V.RSA_LEAF)
    assert await x509.signed_by(ec_leaf, ec_root["key"])
    assert await x509.signed_by(ec_root, ec_root["key"])
    assert await x509.signed_by(rsa_leaf, rsa_root["key"])  # PSS
    assert await x509.signed_by(rsa_root, rsa_root["key"])  # PKCS#1 v1.5
    assert not await x509.signed_by(ec_leaf, rsa_root["key"])
    assert not await x509.signed_by(rsa_leaf, ec_root["key"])
    forged = dict(ec_leaf)
    forged["tbs"] = flip(ec_leaf["tbs"])
    assert not await x509.signed_by(forged, ec_root["key"])
    forged = dict(rsa_leaf)
    forged["tbs"] = flip(rsa_leaf["tbs"])
    assert not await x509.signed_by(forged, rsa_root["key"])


async def test_file_signatures():
    ec_key = x509.read(V.EC_LEAF)["key"]
    rsa_key = x509.read(V.RSA_LEAF)["key"]
    assert await x509.check(ec_key, None, V.SIGS["ecdsa"], DIGEST)
    r, s = x509.ecdsa_pair(V.SIGS["ecdsa"])
    assert await x509.check(ec_key, None, r.to_bytes(32, "big") + s.to_bytes(32, "big"), DIGEST)
    assert not await x509.check(ec_key, None, V.SIGS["ecdsa"], hashlib.sha256(b"x").digest())
    assert not await x509.check(ec_key, None, b"\x30\x00", DIGEST)
    for kind in ("pss32", "pssmax", "pkcs1"):
        assert await x509.check(rsa_key, None, V.SIGS[kind], DIGEST), kind
        assert not await x509.check(rsa_key, None, flip(V.SIGS[kind]), DIGEST), kind
        assert not await x509.check(rsa_key, None, V.SIGS[kind], flip(DIGEST)), kind
    assert not await x509.check(rsa_key, "pss", V.SIGS["pkcs1"], DIGEST)
    assert not await x509.check(rsa_key, "rsa", V.SIGS["pss32"], DIGEST)
    assert not await x509.check(rsa_key, None, V.SIGS["pss32"][1:], DIGEST)  # wrong length
    # a 2049-bit modulus: the encoded message is one byte shorter than the modulus
    assert rsa.verify_pss(V.ODD_KEY[0], V.ODD_KEY[1], V.SIGS["odd_pss"], DIGEST)
    assert not rsa.verify_pss(V.ODD_KEY[0], V.ODD_KEY[1], flip(V.SIGS["odd_pss"]), DIGEST)


async def test_key_pair_sign_and_request():
    from ocpp.core.pki import csr

    d, pub = await p256.key_pair()
    assert p256.point(pub) and 0 < d < p256.N
    r, s = await p256.sign(d, DIGEST)
    assert await p256.verify(pub, DIGEST, r, s)
    assert not await p256.verify(pub, DIGEST, r, (s + 1) % p256.N)
    d2, pub2 = await p256.key_pair()
    assert d2 != d and not await p256.verify(pub2, DIGEST, r, s)
    req = await csr.make(d, pub, "CP_9", "Vector CPO")
    # CertificationRequest: info, algorithm, signature; the info signed by the key inside it
    s0, e0 = der.expect(req, 0, der.SEQUENCE)
    info, alg, sig = der.children(req, s0, e0)
    body = req[info[3]:info[2]]
    fields = der.children(req, info[1], info[2])
    assert req[fields[0][1]:fields[0][2]] == b"\x00"  # version 0
    assert bytes(req[fields[2][1]:fields[2][2]]).endswith(pub)
    assert b"CP_9" in req[fields[1][1]:fields[1][2]] and b"Vector CPO" in req
    rs = der.bits(req, sig[1], sig[2])
    r, s = x509.ecdsa_pair(bytes(rs))
    assert await p256.verify(pub, hashlib.sha256(body).digest(), r, s)
    text = csr.pem(req, "CERTIFICATE REQUEST")
    assert text.startswith("-----BEGIN CERTIFICATE REQUEST-----\n")
    assert all(len(l) <= 64 for l in text.splitlines())
    key = csr.private_key(d, pub)
    assert key[7:39] == d.to_bytes(32, "big") and key.endswith(pub)


def test_points_off_the_curve_are_refused():
    x, y = p256.GX, p256.GY
    assert p256.point(p256.encode(x, y)) == (x, y)
    for bad in (p256.encode(x, y + 1), b"\x02" + bytes(64), b"\x04" + bytes(63)):
        try:
            p256.point(bad)
        except ValueError:
            continue
        raise AssertionError("accepted a bad point")


def test_der_writer_reads_back():
    for n in (0, 1, 127, 128, 255, 256, 1 << 255, (1 << 256) - 1):
        b = der.uint(n)
        s, e = der.expect(b, 0, der.INTEGER)
        assert der.integer(b, s, e) == n and (e - s == 1 or b[s] or b[s + 1] & 0x80)
    long = der.tlv(der.OCTET_STRING, bytes(300))
    assert der.expect(long, 0, der.OCTET_STRING) == (4, 304)


def test_mutated_certificates_read_or_raise_value_error_only():
    # bytes from the network: whatever they are, read() returns a dict or raises ValueError
    import random

    random.seed(5)
    for base in (V.EC_LEAF, V.RSA_LEAF):
        for i in range(400):
            b = bytearray(base)
            for _ in range(1 + i % 4):
                b[random.getrandbits(16) % len(b)] = random.getrandbits(8)
            if i % 7 == 0:
                b = b[:random.getrandbits(16) % len(b)]
            try:
                x509.read(bytes(b))
            except ValueError:
                pass
