"""Certificates and security profile 3 (issue 12, part 3; security whitepaper A02, A05, M03-M05)
through the real agent: InstallCertificate / GetInstalledCertificateIds / DeleteCertificate
with the edition-3 hash data (checked against the `cryptography` package's own OCSP hashes)
and every refusal; the installed CentralSystemRootCertificate as what TLS trusts at the next
connection, and the root in use never deleted; SecurityProfile raised 1 -> 2 -> 3 with a
refused downgrade; a key pair and signing request made on the charge point (SignCertificate),
the certificate issued by the test CA (CertificateSigned) and presented for mutual TLS. OCTT
TC_073, TC_074, TC_075, TC_076, TC_077, TC_083, TC_085, TC_086 (OCPP16.md section 5)."""
import datetime
import os
import ssl
import time

from certs import make_certs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from csms import CentralSystemThread
from session_helpers import CP, boot, configure, payloads, wait_call

PASSWORD = "0123456789abcdef"
# Checking a certificate chain holds the X.509 reader, the curve and the chain (some 45 KB on
# this 64-bit port) next to a TLS link's agent: more than 192k leaves (the figures: make bench)
HEAP = "256k"


def pem(path):
    with open(path) as f:
        return f.read()


def ids(csms, kind):
    return csms.call(CP, "GetInstalledCertificateIds", {"certificateType": kind})


def expected_hash(cert_pem, issuer_pem=None):
    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    issuer = x509.load_pem_x509_certificate((issuer_pem or cert_pem).encode())
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    return {"hashAlgorithm": "SHA256", "issuerNameHash": req.issuer_name_hash.hex(),
            "issuerKeyHash": req.issuer_key_hash.hex(), "serialNumber": "%X" % req.serial_number}


def lower(h):
    return {k: v.lower() for k, v in h.items()}


def install(csms, kind, cert_pem):
    return csms.call(CP, "InstallCertificate", {"certificateType": kind,
                                                "certificate": cert_pem})["status"]


def delete(csms, h):
    return csms.call(CP, "DeleteCertificate", {"certificateHashData": h})["status"]


def a_ca(cn, days=365, ca=True, start=None):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    start = start or datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key, cert


def test_install_list_and_delete_roots_tc_073_tc_074_tc_075(csms, make_agent, tmp_path):
    paths = make_certs(str(tmp_path / "pki"))
    agent = boot(csms, make_agent)
    assert ids(csms, "CentralSystemRootCertificate") == {"status": "NotFound"}
    root = pem(paths["ca_cert_pem"])
    maker = pem(paths["untrusted_ca_cert_pem"])
    assert install(csms, "CentralSystemRootCertificate", root) == "Accepted"
    assert install(csms, "ManufacturerRootCertificate", maker) == "Accepted"
    assert install(csms, "CentralSystemRootCertificate", root) == "Accepted"  # once only
    got = ids(csms, "CentralSystemRootCertificate")
    assert got["status"] == "Accepted"
    assert [lower(h) for h in got["certificateHashData"]] == [lower(expected_hash(root))]
    made = ids(csms, "ManufacturerRootCertificate")["certificateHashData"]
    assert [lower(h) for h in made] == [lower(expected_hash(maker))]
    # the serial number: hex without leading zeroes
    assert not made[0]["serialNumber"].startswith("0")

    # refusals: not a CA, not PEM, two certificates, expired, not self-signed
    assert install(csms, "CentralSystemRootCertificate", pem(paths["server_cert_pem"])) == \
        "Rejected"
    assert install(csms, "CentralSystemRootCertificate", "not a certificate") == "Rejected"
    assert install(csms, "CentralSystemRootCertificate",
                   "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n") == "Rejected"
    assert install(csms, "CentralSystemRootCertificate", root + maker) == "Rejected"
    old = a_ca("Old CA", days=10, start=datetime.datetime(2020, 1, 1,
                                                          tzinfo=datetime.timezone.utc))[0]
    assert install(csms, "CentralSystemRootCertificate", old) == "Rejected"
    agent.wait_log("InstallCertificate: refused: expired")
    leaf_ca = a_ca("Leaf", ca=False)[0]
    assert install(csms, "ManufacturerRootCertificate", leaf_ca) == "Rejected"

    # the store holds CertificateStoreMaxLength certificates
    limit = int(csms.call(CP, "GetConfiguration", {"key": ["CertificateStoreMaxLength"]})[
        "configurationKey"][0]["value"])
    extra = [a_ca("CA %d" % i)[0] for i in range(limit - 2)]
    for c in extra:
        assert install(csms, "ManufacturerRootCertificate", c) == "Accepted"
    assert install(csms, "ManufacturerRootCertificate", a_ca("One too many")[0]) == "Rejected"
    agent.wait_log("InstallCertificate: refused: the store is full")

    # deleting: by the hash data GetInstalledCertificateIds gave (any case), then NotFound
    h = expected_hash(extra[0])
    h["serialNumber"] = ("0" + h["serialNumber"].lower())[-40:]
    assert delete(csms, h) == "Accepted"
    assert delete(csms, h) == "NotFound"
    sha384 = dict(expected_hash(extra[1]), hashAlgorithm="SHA384")
    assert delete(csms, sha384) == "NotFound"
    assert install(csms, "ManufacturerRootCertificate", a_ca("Room again")[0]) == "Accepted"
    # a reboot keeps them
    mark = csms.mark()
    assert csms.call(CP, "Reset", {"type": "Hard"})["status"] == "Accepted"
    csms.wait_for(CP, "BootNotification", since=mark, timeout=30)
    assert len(ids(csms, "ManufacturerRootCertificate")["certificateHashData"]) == limit - 1
    assert delete(csms, expected_hash(root)) == "Accepted"  # not in use: the link is ws://
    assert ids(csms, "CentralSystemRootCertificate") == {"status": "NotFound"}
    assert csms.violations == []


def _tls_csms(paths, client_ca=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(paths["server_cert_pem"], paths["server_key_pem"])
    if client_ca:
        ctx.verify_mode = ssl.CERT_OPTIONAL  # profiles 1 and 2 without, 3 with one
        ctx.load_verify_locations(paths["ca_cert_pem"])
    return CentralSystemThread(ssl_context=ctx, passwords={CP: PASSWORD},
                               cert_names={CP: "SN-0001"}).start()


def _wss_agent(make_agent, cs, paths, profile, ca="ca_cert_pem", name="agent", **config):
    agent = make_agent(None, name=name, heap=HEAP, csms_url="wss://localhost:%d/ocpp" % cs.port,
                       security_profile=profile, authorization_key=PASSWORD, ca_cert="ca.pem",
                       start=False, **config)
    os.makedirs(agent.state, exist_ok=True)
    with open(os.path.join(agent.state, "ca.pem"), "w") as f:
        f.write(pem(paths[ca]))
    return agent.start()


def test_the_installed_root_is_what_tls_trusts_and_the_one_in_use_stays(make_agent, tmp_path):
    paths = make_certs(str(tmp_path / "pki"))
    cs = _tls_csms(paths)
    try:
        agent = _wss_agent(make_agent, cs, paths, 2)
        cs.wait_for(CP, "StatusNotification", timeout=30)
        root, other = pem(paths["ca_cert_pem"]), pem(paths["untrusted_ca_cert_pem"])
        assert install(cs, "CentralSystemRootCertificate", other) == "Accepted"
        assert install(cs, "CentralSystemRootCertificate", root) == "Accepted"
        # the link was verified with this root (config.json's copy of it): it stays
        assert delete(cs, expected_hash(root)) == "Failed"
        agent.wait_log("DeleteCertificate: refused: the central system's link was verified")
        assert delete(cs, expected_hash(other)) == "Accepted"
        # after a reboot the installed root verifies the link; still in use
        mark = cs.mark()
        assert cs.call(CP, "Reset", {"type": "Soft"})["status"] == "Accepted"
        cs.wait_for(CP, "BootNotification", since=mark, timeout=30)
        assert delete(cs, expected_hash(root)) == "Failed"
        # a charge point with only a wrong root installed (config.json's ca_cert still the
        # right one): the installed roots are what TLS trusts, so the next connection fails
        agent.stop()
        agent = _wss_agent(make_agent, cs, paths, 2, name="second")
        mark = cs.mark()
        cs.wait_for(CP, "StatusNotification", since=mark, timeout=30)
        assert install(cs, "CentralSystemRootCertificate", other) == "Accepted"
        mark = cs.mark()
        assert cs.call(CP, "Reset", {"type": "Soft"})["status"] == "Accepted"
        agent.wait_log("security event: InvalidCentralSystemCertificate", timeout=30)
        time.sleep(1)
        assert not payloads(cs, "BootNotification", mark)
        assert cs.violations == []
    finally:
        cs.stop()


def reconnect(cs, agent, profile):
    """Raise SecurityProfile and wait for the connection made with it."""
    before = cs.cs.connect_count.get(CP, 0)
    configure(cs, SecurityProfile=profile)
    agent.wait_log("link: connecting to .*security profile %d" % profile, timeout=30)
    deadline = time.time() + 30
    while cs.cs.connect_count.get(CP, 0) <= before or CP not in cs.cs.connected:
        assert time.time() < deadline, "no connection with SecurityProfile %d" % profile
        time.sleep(0.1)


def test_profile_raised_to_3_with_a_certificate_signed_on_request_tc_083_tc_085(
        make_agent, tmp_path):
    paths = make_certs(str(tmp_path / "pki"))
    cs = _tls_csms(paths, client_ca=True)
    try:
        agent = _wss_agent(make_agent, cs, paths, 1)
        cs.wait_for(CP, "StatusNotification", timeout=30)
        assert cs.cs.client_certs[CP] is None
        assert cs.call(CP, "ChangeConfiguration", {"key": "SecurityProfile", "value": "3"})[
            "status"] == "Rejected"  # no charge point certificate yet
        # 1 -> 2: reconnects with the new profile; lower or equal refused
        reconnect(cs, agent, 2)
        for lower_value in ("1", "2", "0"):
            assert cs.call(CP, "ChangeConfiguration", {"key": "SecurityProfile",
                                                       "value": lower_value})["status"] == \
                "Rejected"
        # a key pair and request made on the charge point
        configure(cs, CpoName="Test CPO")
        mark = cs.mark()
        assert cs.call(CP, "ExtendedTriggerMessage", {
            "requestedMessage": "SignChargePointCertificate"}) == {"status": "Accepted"}
        msg = wait_call(cs, "SignCertificate", since=mark, timeout=30)
        csr = x509.load_pem_x509_csr(msg.parsed[3]["csr"].encode())
        assert csr.is_signature_valid
        assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "SN-0001"
        assert csr.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == \
            "Test CPO"
        assert isinstance(csr.public_key(), ec.EllipticCurvePublicKey)
        assert csr.public_key().curve.name == "secp256r1"

        ca = x509.load_pem_x509_certificate(open(paths["ca_cert_pem"], "rb").read())
        ca_key = serialization.load_pem_private_key(open(paths["ca_key_pem"], "rb").read(), None)

        def issue(public_key, cn="SN-0001", org="Test CPO"):
            now = datetime.datetime.now(datetime.timezone.utc)
            cert = (x509.CertificateBuilder()
                    .subject_name(x509.Name([
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                        x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
                    .issuer_name(ca.subject).public_key(public_key)
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(now - datetime.timedelta(minutes=5))
                    .not_valid_after(now + datetime.timedelta(days=30))
                    .sign(ca_key, hashes.SHA256()))
            return cert.public_bytes(serialization.Encoding.PEM).decode()

        # refused: another key, another CN, a chain that does not hold together
        stranger = ec.generate_private_key(ec.SECP256R1()).public_key()
        for chain in ("no certificate here", issue(stranger),
                      issue(csr.public_key(), cn="SOMEONE-ELSE"),
                      issue(csr.public_key()) + pem(paths["untrusted_ca_cert_pem"])):
            assert cs.call(CP, "CertificateSigned", {"certificateChain": chain}) == {
                "status": "Rejected"}
        agent.wait_log("security event: InvalidChargePointCertificate", count=4)
        good = issue(csr.public_key())
        assert cs.call(CP, "CertificateSigned", {"certificateChain": good + pem(
            paths["ca_cert_pem"])}) == {"status": "Accepted"}
        # the key pair was used once: a second certificate for it is refused
        assert cs.call(CP, "CertificateSigned", {"certificateChain": good}) == {
            "status": "Rejected"}
        # 2 -> 3: mutual TLS with the certificate, no HTTP Basic
        reconnect(cs, agent, 3)
        assert cs.cs.client_certs[CP] == "SN-0001"
        assert "Authorization" not in cs.cs.request_headers[CP]
        assert cs.call(CP, "GetConfiguration", {"key": ["SecurityProfile"]})[
            "configurationKey"][0]["value"] == "3"
        key_files = [n for n in os.listdir(agent.state) if n.startswith("cpkey")]
        assert key_files == ["cpkey1.der"], key_files  # the private key stays on the charge point
        assert msg.parsed[3]["csr"].count("PRIVATE") == 0
        # a reboot connects the same way
        mark = cs.mark()
        assert cs.call(CP, "Reset", {"type": "Soft"})["status"] == "Accepted"
        cs.wait_for(CP, "BootNotification", since=mark, timeout=30)
        assert cs.cs.client_certs[CP] == "SN-0001"
        assert cs.violations == []
    finally:
        cs.stop()
