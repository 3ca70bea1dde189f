"""Writes host_tests/unit/pki_vectors.py: certificates, keys and signatures made by the
`cryptography` package (an implementation independent of ours), with what it says about them,
for mp_test_pki.py to check ocpp/core/pki against under MicroPython.

    .venv/bin/python host_tests/make_pki_vectors.py      (CPython; the output is committed)
"""
import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

OUT = os.path.join(os.path.dirname(__file__), "unit", "pki_vectors.py")
START = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def name(cn, org="Vector Org"):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def cert(subject, key, issuer, issuer_key, serial, ca, pss=False, years=20):
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
         .public_key(key.public_key()).serial_number(serial)
         .not_valid_before(START).not_valid_after(START + datetime.timedelta(days=365 * years))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if pss:
        return b.sign(issuer_key, hashes.SHA256(), rsa_padding=padding.PSS(
            mgf=padding.MGF1(hashes.SHA256()), salt_length=32))
    return b.sign(issuer_key, hashes.SHA256())


def hashdata(c, issuer):
    req = ocsp.OCSPRequestBuilder().add_certificate(c, issuer, hashes.SHA256()).build()
    return (req.issuer_name_hash.hex(), req.issuer_key_hash.hex(), "%X" % req.serial_number)


def main():
    msg = b"firmware bytes " * 100
    ec_root_key = ec.generate_private_key(ec.SECP256R1())
    ec_root = cert(name("EC Root"), ec_root_key, name("EC Root"), ec_root_key, 4095, True)
    ec_leaf_key = ec.generate_private_key(ec.SECP256R1())
    ec_leaf = cert(name("CP_9"), ec_leaf_key, ec_root.subject, ec_root_key,
                   0x80 << 64 | 5, False)
    rsa_root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_root = cert(name("RSA Root"), rsa_root_key, name("RSA Root"), rsa_root_key, 1, True)
    rsa_leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_leaf = cert(name("Signer"), rsa_leaf_key, rsa_root.subject, rsa_root_key, 77, False,
                    pss=True)
    odd_key = rsa.generate_private_key(public_exponent=65537, key_size=2049)

    der = lambda c: c.public_bytes(serialization.Encoding.DER)
    sigs = {
        "ecdsa": ec_leaf_key.sign(msg, ec.ECDSA(hashes.SHA256())),
        "pss32": rsa_leaf_key.sign(msg, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                                   hashes.SHA256()),
        "pssmax": rsa_leaf_key.sign(msg, padding.PSS(padding.MGF1(hashes.SHA256()),
                                                     padding.PSS.MAX_LENGTH), hashes.SHA256()),
        "pkcs1": rsa_leaf_key.sign(msg, padding.PKCS1v15(), hashes.SHA256()),
        "odd_pss": odd_key.sign(msg, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                                hashes.SHA256()),
    }
    odd_pub = odd_key.public_key().public_numbers()
    with open(OUT, "w") as f:
        f.write('# Made by host_tests/make_pki_vectors.py with the `cryptography` package; '
                'do not edit.\n')
        f.write("MSG = %r\n" % msg)
        for k, c in (("EC_ROOT", ec_root), ("EC_LEAF", ec_leaf), ("RSA_ROOT", rsa_root),
                     ("RSA_LEAF", rsa_leaf)):
            f.write("%s = %r\n" % (k, der(c)))
            f.write("%s_NOT_AFTER = %r\n" % (k, c.not_valid_after_utc.isoformat()[:19] + "Z"))
            f.write("%s_SERIAL = %r\n" % (k, "%X" % c.serial_number))
        f.write("EC_ROOT_HASH = %r\n" % (hashdata(ec_root, ec_root),))
        f.write("EC_LEAF_HASH = %r\n" % (hashdata(ec_leaf, ec_root),))
        f.write("RSA_LEAF_HASH = %r\n" % (hashdata(rsa_leaf, rsa_root),))
        f.write("RSA_ROOT_HASH = %r\n" % (hashdata(rsa_root, rsa_root),))
        f.write("SIGS = %r\n" % sigs)
        f.write("ODD_KEY = (%d, %d)\n" % (odd_pub.n, odd_pub.e))


if __name__ == "__main__":
    main()
