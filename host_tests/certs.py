"""Test PKI for wss:// tests (CPython only; uses `cryptography`).

make_certs(dirpath) writes, as PEM and DER:

    ca                trusted test CA (what the charge point is given as ca_cert)
    server            CN=localhost, SAN localhost + 127.0.0.1 + ::1, signed by ca
    wronghost         CN=wrong.example, SAN wrong.example only, signed by ca (name mismatch)
    client            CN=<client_cn>, signed by ca, clientAuth (security profile 3)
    untrusted_ca      an unrelated CA
    untrusted_server  CN=localhost, same SANs as server, signed by untrusted_ca

and returns {"<name>_cert_pem": path, "<name>_cert_der": path, "<name>_key_pem": path,
"<name>_key_der": path} for every name above (keys as unencrypted PKCS#8; the CAs' keys too,
so a test can sign more). Keys are EC P-256 by default (light for an ESP32 handshake);
key_type="rsa" gives RSA-2048. MicroPython's TLS takes the DER files (ws.pem_to_der converts).
"""
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def _key(key_type):
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "OCPP agent tests")])


def _san(names):
    out = []
    for n in names:
        try:
            out.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            out.append(x509.DNSName(n))
    return x509.SubjectAlternativeName(out)


def _build(subject_cn, key, issuer_cert, issuer_key, *, ca=False, names=(), usage=None, days=30):
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject_cn))
               .issuer_name(issuer_cert.subject if issuer_cert is not None else _name(subject_cn))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(hours=1))
               .not_valid_after(now + datetime.timedelta(days=days))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True,
                          crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
    if names:
        builder = builder.add_extension(_san(names), critical=False)
    if usage:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(dirpath, stem, cert, key, paths):
    enc = serialization.Encoding
    files = {
        "cert_pem": (stem + ".crt.pem", cert.public_bytes(enc.PEM)),
        "cert_der": (stem + ".crt.der", cert.public_bytes(enc.DER)),
        "key_pem": (stem + ".key.pem", key.private_bytes(
            enc.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        "key_der": (stem + ".key.der", key.private_bytes(
            enc.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
    }
    for kind, (fname, data) in files.items():
        path = os.path.join(dirpath, fname)
        with open(path, "wb") as f:
            f.write(data)
        paths["%s_%s" % (stem, kind)] = path


def make_certs(dirpath, *, key_type="ec", server_names=LOCAL_NAMES, client_cn="CP_1"):
    """Write the test PKI described in the module docstring into dirpath; returns the paths."""
    os.makedirs(dirpath, exist_ok=True)
    paths = {}
    ca_key = _key(key_type)
    ca = _build("OCPP Test CA", ca_key, None, ca_key, ca=True, days=365)
    _write(dirpath, "ca", ca, ca_key, paths)

    server_key = _key(key_type)
    server = _build(server_names[0], server_key, ca, ca_key, names=server_names,
                    usage=ExtendedKeyUsageOID.SERVER_AUTH)
    _write(dirpath, "server", server, server_key, paths)

    wrong_key = _key(key_type)
    wrong = _build("wrong.example", wrong_key, ca, ca_key, names=("wrong.example",),
                   usage=ExtendedKeyUsageOID.SERVER_AUTH)
    _write(dirpath, "wronghost", wrong, wrong_key, paths)

    client_key = _key(key_type)
    client = _build(client_cn, client_key, ca, ca_key, usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    _write(dirpath, "client", client, client_key, paths)

    other_ca_key = _key(key_type)
    other_ca = _build("Untrusted Test CA", other_ca_key, None, other_ca_key, ca=True, days=365)
    _write(dirpath, "untrusted_ca", other_ca, other_ca_key, paths)

    untrusted_key = _key(key_type)
    untrusted = _build(server_names[0], untrusted_key, other_ca, other_ca_key, names=server_names,
                       usage=ExtendedKeyUsageOID.SERVER_AUTH)
    _write(dirpath, "untrusted_server", untrusted, untrusted_key, paths)
    return paths


def server_ssl_context(paths, stem="server", client_ca=False):
    """A CPython ssl server context presenting <stem>'s cert; client_ca=True requires a client
    certificate signed by the test CA (security profile 3)."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(paths[stem + "_cert_pem"], paths[stem + "_key_pem"])
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(paths["ca_cert_pem"])
    return ctx


if __name__ == "__main__":
    import sys
    for k, v in sorted(make_certs(sys.argv[1] if len(sys.argv) > 1 else "certs").items()):
        print(k, v)
