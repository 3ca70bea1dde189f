"""SignedUpdateFirmware (issue 12, part 4; security whitepaper L01) through the real agent: the
signing certificate checked against the installed ManufacturerRootCertificate, the signature
over the whole bundle checked on the charge point (RSA-PSS and ECDSA P-256, SHA-256), the
whole SignedFirmwareStatusNotification sequence with the requestId; a forged signature
(InvalidSignature, an InvalidFirmwareSignature event, nothing installed); a certificate from
another root (InvalidCertificate, an InvalidFirmwareSigningCertificate event); a second request
cancelling the first (AcceptedCanceled). OCTT TC_086, TC_087, TC_088 (OCPP16.md section 5)."""
import base64
import datetime
import os
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from session_helpers import CP, boot, iso, payloads, request_statuses, wait_request_status
from test_firmware import NEW, pack, versions

HEAP = "256k"  # the X.509 reader and the curve next to the agent (see test_certificates.py)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Charger Maker"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(cn, key, issuer, issuer_key, ca):
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(_name(cn))
            .issuer_name(issuer.subject if issuer else _name(cn))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key, hashes.SHA256()))


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def maker(tmp_path_factory):
    """A manufacturer root, a signing certificate of each kind under it, one under another
    root, and the bundle."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _cert("Maker Root", root_key, None, root_key, True)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    other_key = ec.generate_private_key(ec.SECP256R1())
    other = _cert("Someone Else", other_key, None, other_key, True)
    stray_key = ec.generate_private_key(ec.SECP256R1())
    return {"root": _pem(root),
            "rsa": (rsa_key, _pem(_cert("Firmware RSA", rsa_key, root, root_key, False))),
            "ec": (ec_key, _pem(_cert("Firmware EC", ec_key, root, root_key, False))),
            "stray": (stray_key, _pem(_cert("Firmware", stray_key, other, other_key, False))),
            "bundle": pack(str(tmp_path_factory.mktemp("signed")))}


def sign(key, data):
    if isinstance(key, rsa.RSAPrivateKey):
        sig = key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    else:
        sig = key.sign(data, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(sig).decode()


def request(csms, url, cert, signature, request_id, at=None):
    return csms.call(CP, "SignedUpdateFirmware", {
        "requestId": request_id, "retries": 1, "retryInterval": 1,
        "firmware": {"location": url, "retrieveDateTime": iso(at or time.time() - 1),
                     "signingCertificate": cert, "signature": signature}})["status"]


def statuses(csms, since, request_id):
    return request_statuses(csms, "SignedFirmwareStatusNotification", since, request_id)


def wait_statuses(csms, since, request_id, last, timeout=60):
    return wait_request_status(csms, "SignedFirmwareStatusNotification", since, request_id,
                               last, timeout)


def _ready(csms, make_agent, maker):
    agent = boot(csms, make_agent, heap=HEAP)
    assert csms.call(CP, "InstallCertificate", {
        "certificateType": "ManufacturerRootCertificate", "certificate": maker["root"]}) == {
        "status": "Accepted"}
    return agent


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_a_signed_update_is_verified_and_installed_tc_086(csms, make_agent, files, maker, kind):
    agent = _ready(csms, make_agent, maker)
    old = versions(csms)[0]
    files.files["/fw/signed.bin"] = maker["bundle"]
    key, cert = maker[kind]
    mark = csms.mark()
    assert request(csms, files.url("/fw/signed.bin"), cert, sign(key, maker["bundle"]), 7) == \
        "Accepted"
    got = wait_statuses(csms, mark, 7, "Installed")
    assert got == ["Downloading", "Downloaded", "SignatureVerified", "Installing",
                   "InstallRebooting", "Installed"], got
    assert versions(csms) == [old, NEW]
    agent.wait_log("firmware: signature verified")
    assert not payloads(csms, "FirmwareStatusNotification", mark)  # the signed message only
    assert csms.violations == []


def test_a_forged_signature_installs_nothing_tc_087(csms, make_agent, files, maker):
    agent = _ready(csms, make_agent, maker)
    files.files["/fw/signed.bin"] = maker["bundle"]
    key, cert = maker["ec"]
    forged = bytearray(maker["bundle"])
    forged[-10] ^= 1
    mark = csms.mark()
    # the signature of another file
    assert request(csms, files.url("/fw/signed.bin"), cert, sign(key, bytes(forged)), 8) == \
        "Accepted"
    got = wait_statuses(csms, mark, 8, "InvalidSignature")
    assert got == ["Downloading", "Downloaded", "InvalidSignature"], got
    agent.wait_log("security event: InvalidFirmwareSignature")
    time.sleep(1)
    assert not os.path.exists(os.path.join(agent.state, "app0"))
    assert not os.path.exists(os.path.join(agent.state, "fwupdate.json"))
    assert not os.path.exists(os.path.join(agent.state, "fw.bin"))
    # nothing pending: the trigger says Idle
    mark = csms.mark()
    assert csms.call(CP, "ExtendedTriggerMessage", {
        "requestedMessage": "FirmwareStatusNotification"})["status"] == "Accepted"
    deadline = time.time() + 10
    while not payloads(csms, "SignedFirmwareStatusNotification", mark):
        assert time.time() < deadline
        time.sleep(0.1)
    assert payloads(csms, "SignedFirmwareStatusNotification", mark)[0] == {"status": "Idle"}
    assert csms.violations == []


def test_a_certificate_from_another_root_is_refused_tc_088(csms, make_agent, files, maker):
    agent = _ready(csms, make_agent, maker)
    files.files["/fw/signed.bin"] = maker["bundle"]
    key, cert = maker["stray"]
    mark = csms.mark()
    assert request(csms, files.url("/fw/signed.bin"), cert, sign(key, maker["bundle"]), 9) == \
        "InvalidCertificate"
    agent.wait_log("security event: InvalidFirmwareSigningCertificate")
    assert request(csms, files.url("/fw/signed.bin"), "not a certificate", "AAAA", 10) == \
        "InvalidCertificate"
    time.sleep(1)
    assert not payloads(csms, "SignedFirmwareStatusNotification", mark)
    assert csms.violations == []


def test_a_second_request_cancels_the_first(csms, make_agent, files, maker):
    agent = _ready(csms, make_agent, maker)
    files.files["/fw/signed.bin"] = maker["bundle"]
    key, cert = maker["ec"]
    signature = sign(key, maker["bundle"])
    url = files.url("/fw/signed.bin")
    assert request(csms, url, cert, signature, 11, at=time.time() + 3600) == "Accepted"
    agent.wait_log("firmware: download in")
    mark = csms.mark()
    assert request(csms, url, cert, signature, 12) == "AcceptedCanceled"
    assert wait_statuses(csms, mark, 12, "Installed")[-1] == "Installed"
    assert not statuses(csms, 0, 11)
    assert csms.violations == []
