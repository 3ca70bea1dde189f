"""The link to the central system: reconnects, HTTP Basic auth, TLS (wss://)."""
import base64
import os
import ssl
import sys

from conftest import CentralSystemThread

CP = "CP_1"
PASSWORD = "0123456789ABCDEF0123"  # 20 characters, sent as given (config.json authorization_key)


def test_reconnects_after_the_central_system_restarts(csms, make_agent):
    agent = make_agent(csms)
    csms.wait_for(CP, "StatusNotification", timeout=15)
    port = csms.port
    csms.stop()
    agent.wait_log("link: disconnected", timeout=10)
    agent.wait_log("connect failed", timeout=15)  # it keeps trying while the server is down
    cs2 = CentralSystemThread(port=port, boot_interval=300).start()
    try:
        cs2.wait_connected(CP, timeout=30)
        # a reconnect is not a reboot: no new BootNotification (OCPP-J 5.4), the link is used
        conf = cs2.call(CP, "GetConfiguration", {"key": ["HeartbeatInterval"]})
        assert conf["configurationKey"][0]["value"] == "300"
        assert not [m for m in cs2.messages if m.parsed and m.parsed[0] == 2
                    and m.parsed[2] == "BootNotification"]
        assert cs2.violations == []
    finally:
        cs2.stop()
    csms.violations.clear()


def test_basic_auth_profile_1(make_agent):
    cs = CentralSystemThread(passwords={CP: PASSWORD}).start()
    try:
        make_agent(cs, security_profile=1, authorization_key=PASSWORD)
        cs.wait_for(CP, "BootNotification", timeout=15)
        header = cs.cs.request_headers[CP]["Authorization"]
        assert base64.b64decode(header.split()[1]) == (CP + ":" + PASSWORD).encode()
        assert cs.cs.auth_failures == []
        assert cs.violations == []
    finally:
        cs.stop()


def test_wrong_password_is_refused_and_retried(make_agent):
    cs = CentralSystemThread(passwords={CP: "the-right-password!!"}).start()
    try:
        agent = make_agent(cs, security_profile=1, authorization_key=PASSWORD)
        agent.wait_log("connect failed .*401", timeout=15, count=2)  # refused, backed off, again
        assert len(cs.cs.auth_failures) >= 2
        assert CP not in cs.cs.connected
    finally:
        cs.stop()


def test_authorization_key_change_reconnects_with_the_new_password(make_agent):
    new_key_hex = "00112233445566778899AABBCCDDEEFF00112233"  # 20 bytes as 40 hex digits
    cs = CentralSystemThread(passwords={CP: PASSWORD}).start()
    try:
        agent = make_agent(cs, security_profile=1, authorization_key=PASSWORD)
        cs.wait_for(CP, "StatusNotification", timeout=15)
        # hex-decoded before use unless UseAuthorizationKeyWithoutDecoding (seed 003)
        assert cs.call(CP, "ChangeConfiguration", {"key": "UseAuthorizationKeyWithoutDecoding",
                                                   "value": "false"})["status"] == "Accepted"
        cs.cs.passwords[CP] = bytes.fromhex(new_key_hex)
        assert cs.call(CP, "ChangeConfiguration", {"key": "AuthorizationKey",
                                                   "value": new_key_hex})["status"] == "Accepted"
        agent.wait_log("credentials changed", timeout=10)
        cs.wait_connected(CP, timeout=15, count=2)
        header = cs.cs.request_headers[CP]["Authorization"]
        assert base64.b64decode(header.split()[1]) == CP.encode() + b":" + bytes.fromhex(new_key_hex)
        assert new_key_hex not in agent.log()  # never logged
        conf = cs.call(CP, "GetConfiguration", {})
        assert "AuthorizationKey" not in {k["key"] for k in conf["configurationKey"]}
        assert cs.violations == []
    finally:
        cs.stop()


def _tls_csms(tmp_path, trusted=True):
    sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
    from certs import make_certs

    paths = make_certs(str(tmp_path / "certs"))
    prefix = "server" if trusted else "untrusted_server"
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(paths[prefix + "_cert_pem"], paths[prefix + "_key_pem"])
    return CentralSystemThread(ssl_context=ctx, passwords={CP: PASSWORD}).start(), paths


def _wss_agent(make_agent, cs, paths):
    """An agent on wss:// (profile 2) with our test CA in its flash root as ca.pem."""
    agent = make_agent(None, csms_url="wss://localhost:%d/ocpp" % cs.port, security_profile=2,
                       authorization_key=PASSWORD, ca_cert="ca.pem", start=False)
    os.makedirs(agent.state, exist_ok=True)
    with open(paths["ca_cert_pem"], "rb") as src, \
            open(os.path.join(agent.state, "ca.pem"), "wb") as dst:
        dst.write(src.read())
    return agent.start()


def test_wss_with_a_verified_certificate_profile_2(make_agent, tmp_path):
    cs, paths = _tls_csms(tmp_path)
    try:
        _wss_agent(make_agent, cs, paths)
        cs.wait_for(CP, "StatusNotification", timeout=30)
        assert cs.call(CP, "GetConfiguration", {"key": ["SecurityProfile"]}
                       )["configurationKey"][0]["value"] == "2"
        assert cs.violations == []
    finally:
        cs.stop()


def test_wss_with_an_untrusted_certificate_never_connects(make_agent, tmp_path):
    cs, paths = _tls_csms(tmp_path, trusted=False)
    try:
        agent = _wss_agent(make_agent, cs, paths)
        agent.wait_log("connect failed.*(certificate|CA|verif)", timeout=20, count=2)
        assert CP not in cs.cs.connected and not cs.messages
    finally:
        cs.stop()
