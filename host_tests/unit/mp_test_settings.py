# config.json loading and the OCPP URL rules (MicroPython).
import settings
from ocpp.core.clock import Clock, parse_iso


def cfg(**kw):
    c = {"charge_point_id": "CP1", "csms_url": "ws://h:9000/ocpp"}
    c.update(kw)
    return c


def bad(c, key):
    try:
        settings.check(c)
    except settings.SettingsError as e:
        assert key in str(e), (key, str(e))
        return
    assert False, "accepted bad %s" % key


def test_url_rules():
    assert settings.ocpp_url(cfg()) == "ws://h:9000/ocpp/CP1"
    assert settings.ocpp_url(cfg(csms_url="ws://h/ocpp/")) == "ws://h/ocpp/CP1"
    assert settings.ocpp_url(cfg(csms_url="ws://h/devices/{deviceId}/x")) == "ws://h/devices/CP1/x"
    assert settings.ocpp_url(cfg(csms_full_url="wss://h/p/ZAP1", csms_url="ws://x")) == "wss://h/p/ZAP1"
    assert settings.ocpp_url(cfg(charge_point_id="A#1")) == "ws://h:9000/ocpp/A%231"


def test_bad_values_name_the_key():
    bad({"csms_url": "ws://h"}, "charge_point_id")
    bad(cfg(charge_point_id="has space"), "charge_point_id")
    bad(cfg(csms_url="http://h/ocpp"), "csms_url")
    bad(cfg(csms_url="ws:///nohost"), "csms_url")
    bad(cfg(csms_url="ws://h/" + "x" * 2040), "csms_url")
    bad(cfg(csms_full_url="ftp://h"), "csms_full_url")
    bad(cfg(security_profile=4), "security_profile")
    bad(cfg(security_profile="1"), "security_profile")
    bad(cfg(security_profile=2), "security_profile")  # needs wss
    bad(cfg(csms_url="wss://h/ocpp"), "ca_cert")  # never unverified
    bad(cfg(security_profile=1), "authorization_key")
    bad(cfg(ocpp_keys=[1]), "ocpp_keys")
    bad(cfg(vendor="v" * 21), "vendor")
    bad(cfg(authorization_key=""), "authorization_key")
    for confirm in (10, 5000, "300", 300.5):
        bad(cfg(update_confirm_s=confirm), "update_confirm_s")
    settings.check(cfg(update_confirm_s=60))
    settings.check(cfg(security_profile=1, authorization_key="0123456789abcdef"))
    settings.check(cfg(csms_url="wss://h/o", ca_cert="ca.der", authorization_key="k" * 16))


def test_no_central_system_is_stand_alone():
    alone = {"charge_point_id": "CP1"}
    settings.check(alone)
    assert settings.ocpp_url(alone) is None and settings.security_profile(alone) == 0
    bad({"charge_point_id": "CP1", "security_profile": 1, "authorization_key": "k" * 16},
        "security_profile")  # a password for nobody: a mistake


def test_default_security_profile():
    assert settings.security_profile(cfg()) == 0
    assert settings.security_profile(cfg(authorization_key="k" * 16)) == 1
    assert settings.security_profile(cfg(csms_url="wss://h", authorization_key="k" * 16)) == 2
    assert settings.security_profile(cfg(security_profile=3)) == 3


def test_clock_parses_iso_and_formats_utc():
    t = parse_iso("2026-11-24T08:42:11Z")
    c = Clock()
    assert c.iso(t) == "2026-11-24T08:42:11Z"
    assert parse_iso("2026-11-24T09:42:11.123+01:00") == t
    assert parse_iso("2026-11-24T08:42:11.5") == t
    for s in ("", "yesterday", "2026-13-01T00:00:00Z", "2026-11-24T08:42:11+0100", 5):
        assert parse_iso(s) is None, s
    assert c.sync("2030-01-01T00:00:00Z") and c.iso().startswith("2030-01-01T00:00:0")
    assert not c.sync("garbage")
