# ocpp/core/config/__init__.py and the modules it imports for a moment (keys, load, edit,
# special, report): the OCPP configuration keys (MicroPython).
import gc
import json
import sys

from cache_spy import imports_during
from mp_tmp import fresh_dir, rmtree
from store import Store
from ocpp.core.config import Config, TooManyKeys
from ocpp.core import cache
from ocpp.core.config.measurands import SUPPORTED_MEASURANDS, measurand_phase

# As on a small board, where a module goes as soon as it is done (mp_test_cache.py: a roomy
# heap keeps them).
cache.set_reserve(1 << 30)

CORE_KEYS = (  # OCPP 1.6 section 9.1 with errata v4.0 (3.82 MessageTimeout, 3.89)
    "AllowOfflineTxForUnknownId", "AuthorizationCacheEnabled", "AuthorizeRemoteTxRequests",
    "ClockAlignedDataInterval", "ConnectionTimeOut", "ConnectorPhaseRotation",
    "ConnectorPhaseRotationMaxLength", "GetConfigurationMaxKeys", "HeartbeatInterval",
    "LocalAuthorizeOffline", "LocalPreAuthorize",
    "MeterValuesAlignedData", "MeterValuesAlignedDataMaxLength", "MeterValuesSampledData",
    "MeterValuesSampledDataMaxLength", "MeterValueSampleInterval",
    "NumberOfConnectors", "ResetRetries", "StopTransactionOnEVSideDisconnect",
    "StopTransactionOnInvalidId", "StopTxnAlignedData", "StopTxnAlignedDataMaxLength",
    "StopTxnSampledData", "StopTxnSampledDataMaxLength", "SupportedFeatureProfiles",
    "SupportedFeatureProfilesMaxLength", "TransactionMessageAttempts",
    "TransactionMessageRetryInterval", "UnlockConnectorOnEVSideDisconnect",
    "WebSocketPingInterval", "MessageTimeout", "StopTransactionMaxMeterValues",
)
READ_ONLY = ("ConnectorPhaseRotationMaxLength", "GetConfigurationMaxKeys",
             "MeterValuesAlignedDataMaxLength", "MeterValuesSampledDataMaxLength",
             "NumberOfConnectors", "StopTxnAlignedDataMaxLength", "StopTxnSampledDataMaxLength",
             "SupportedFeatureProfiles", "SupportedFeatureProfilesMaxLength",
             "StopTransactionMaxMeterValues", "LocalAuthListMaxLength", "SendLocalListMaxLength",
             "SupportedFileTransferProtocols",
             # Smart Charging (section 9.4): the implementation's limits
             "ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit",
             "ChargingScheduleMaxPeriods", "ConnectorSwitch3to1PhaseSupported",
             "MaxChargingProfilesInstalled", "ReserveConnectorZeroSupported",
             # the security whitepaper's certificate store (ocpp/model/certificates.py)
             "AdditionalRootCertificateCheck", "CertificateSignedMaxChainSize",
             "CertificateStoreMaxLength")
LIST_KEYS = ("SupportedFileTransferProtocols", "LocalAuthListEnabled", "LocalAuthListMaxLength", "SendLocalListMaxLength")
SMART_KEYS = ("ChargeProfileMaxStackLevel", "ChargingScheduleAllowedChargingRateUnit",
              "ChargingScheduleMaxPeriods", "ConnectorSwitch3to1PhaseSupported",
              "MaxChargingProfilesInstalled", "RandomisedDelayEnabled",
              "RandomisedDelayMaxSeconds", "ReserveConnectorZeroSupported")
OTHER_KEYS = ("SecurityProfile", "FreeCharging", "FreeChargingIdTag", "LockCablePermanently",
              "PowerActiveImportDeltaForEagerMeterValueSample",
              "UseAuthorizationKeyWithoutDecoding", "OnePhaseChargingPhase", "VerboseOcppLog",
              "AdditionalRootCertificateCheck", "CertificateSignedMaxChainSize",
              "CertificateStoreMaxLength", "CpoName")
KEY_HEX = "0001020304050607FFFFFFFFFFFFFFFFFFFFFFFF"  # OCPP-J 6.2.2's example (20 bytes)


class Env:
    """A fresh store directory and a log that remembers its lines."""

    def __init__(self):
        self.dir = fresh_dir("mp_config")
        self.store = Store(self.dir)
        self.lines = []

    def log(self, msg):
        self.lines.append(msg)

    def config(self, **kw):
        return Config(self.store, log=self.log, **kw)

    def saved(self):
        return self.store.read_json("ocpp_config.json")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        rmtree(self.dir)


def as_dict(entries):
    return {e["key"]: e for e in entries}


def listing(c, keys=None):
    """GetConfiguration through the streamed pieces -> (configurationKey, unknownKey)."""
    pieces = list(c.get_configuration(keys))
    for p in pieces:
        assert isinstance(p, str) and p, pieces
    answer = json.loads("".join(pieces))
    assert sorted(answer) in (["configurationKey"], ["configurationKey", "unknownKey"]), answer
    unknown = answer.get("unknownKey")
    assert unknown != [], "unknownKey present but empty"
    return answer["configurationKey"], unknown or []


def table():
    # the key table, imported the way the configuration code does (and dropped after)
    from ocpp.core import cache
    try:
        return cache.use("core.config.keys")
    finally:
        cache.done("core.config.keys")


def test_every_key_in_get_configuration():
    with Env() as env:
        known, unknown = listing(env.config())
        assert unknown == []
        got = as_dict(known)
        assert len(got) == len(known)  # each once
        for key in CORE_KEYS + LIST_KEYS + SMART_KEYS + OTHER_KEYS:
            assert key in got, key
        assert got["ChargingScheduleAllowedChargingRateUnit"]["value"] == "Current,Power"
        assert (got["ChargeProfileMaxStackLevel"]["value"], got["MaxChargingProfilesInstalled"][
            "value"], got["ChargingScheduleMaxPeriods"]["value"]) == ("8", "24", "32")
        for e in known:
            assert sorted(e) == ["key", "readonly", "value"], e
            assert isinstance(e["value"], str) and len(e["value"]) <= 500, e
            assert e["readonly"] is (e["key"] in READ_ONLY), e
        assert got["NumberOfConnectors"]["value"] == "1"
        assert got["SupportedFeatureProfiles"]["value"] == \
            "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"
        assert (got["LocalAuthListMaxLength"]["value"], got["SendLocalListMaxLength"]["value"]) \
            == ("2000", "255")
        assert got["MeterValuesSampledData"]["value"] == "Energy.Active.Import.Register"
        assert got["StopTxnSampledData"]["value"] == ""
        assert got["SecurityProfile"]["value"] == "0"
        assert (got["CertificateStoreMaxLength"]["value"], got["CpoName"]["value"],
                got["AdditionalRootCertificateCheck"]["value"]) == ("8", "", "false")
        assert got["FreeCharging"]["value"] == "false"
        assert "AuthorizationKey" not in got
        assert "LightIntensity" not in got  # no feature of this firmware declares it


def test_get_by_list_with_unknowns():
    with Env() as env:
        c = env.config()
        known, unknown = listing(c, [
            "heartbeatinterval", "NoSuchKey", "AuthorizationKey", "HeartbeatInterval",
            "NUMBEROFCONNECTORS", "LightIntensity"])
        assert known == [{"key": "HeartbeatInterval", "readonly": False, "value": "240"},
                         {"key": "NumberOfConnectors", "readonly": True, "value": "1"}]
        assert unknown == ["NoSuchKey", "AuthorizationKey", "LightIntensity"]


def test_too_many_keys_in_one_request():
    with Env() as env:
        c = env.config()
        assert c.max_keys == c.get("GetConfigurationMaxKeys")
        assert c.max_keys >= len(list(table().numbers()))  # every key in one request
        assert listing(c, ["HeartbeatInterval"] * c.max_keys)[0] == [
            {"key": "HeartbeatInterval", "readonly": False, "value": "240"}]
        try:
            # refused at once, before any piece is taken: the handler answers a CALLERROR
            c.get_configuration(["HeartbeatInterval"] * (c.max_keys + 1))
            assert False, "no TooManyKeys"
        except TooManyKeys:
            pass


def test_authorization_key_write_only_and_never_logged():
    with Env() as env:
        c = env.config()
        assert c.change("AuthorizationKey", KEY_HEX) == "Accepted"
        names = [e["key"] for e in listing(c)[0]]
        assert "AuthorizationKey" not in names
        assert listing(c, ["AuthorizationKey"]) == ([], ["AuthorizationKey"])
        assert c.change("AuthorizationKey", "zz" * 16) == "Rejected"
        for line in env.lines:
            assert KEY_HEX not in line and KEY_HEX.lower() not in line, line
            assert "zz" * 16 not in line, line
        assert any("AuthorizationKey" in line for line in env.lines)


def check_rejected(c, env, key, value):
    before = c.get(key)
    saved = env.saved()
    assert c.change(key, value) == "Rejected", (key, value)
    assert c.get(key) == before, (key, value)
    assert env.saved() == saved, (key, value)  # a bad value is never stored


def test_rejected_values_change_nothing():
    with Env() as env:
        c = env.config()
        for key, value in (
                ("NumberOfConnectors", "2"), ("GetConfigurationMaxKeys", "10"),  # read-only
                ("SupportedFeatureProfiles", "Core,SmartCharging"),
                ("HeartbeatInterval", "-1"), ("HeartbeatInterval", "abc"),
                ("HeartbeatInterval", "1.5"), ("HeartbeatInterval", ""),
                ("HeartbeatInterval", "+5"), ("HeartbeatInterval", "99999999999"),
                ("HeartbeatInterval", "1e3"), ("ConnectionTimeOut", "0x10"),
                ("WebSocketPingInterval", "-1"), ("WebSocketPingInterval", "-30"),
                ("OnePhaseChargingPhase", "4"),
                ("OnePhaseChargingPhase", "0"), ("MessageTimeout", "0"),
                ("StopTransactionOnInvalidId", "yes"), ("StopTransactionOnInvalidId", "1"),
                ("StopTransactionOnInvalidId", ""), ("FreeCharging", "truee"),
                ("MeterValuesSampledData", "Energy.Active.Import.Register,RPM"),
                ("MeterValuesSampledData", "Voltage.L4"), ("MeterValuesSampledData", "Bogus"),
                ("MeterValuesAlignedData", "Power.Offered.L1"),  # no phases for this one
                ("StopTxnSampledData", "Voltage,,Current.Import"),
                ("StopTxnAlignedData", ",".join(["Voltage"] * 9)),  # MaxLength is 8
                ("ConnectorPhaseRotation", "0.RST,1.XYZ"), ("ConnectorPhaseRotation", "RST"),
                ("ConnectorPhaseRotation", "2.RST"), ("ConnectorPhaseRotation", "a.RST"),
                ("ConnectorPhaseRotation", "1.RST,1.TSR"),
                ("ConnectorPhaseRotation", "0.RST,1.RST,0.RTS"),  # MaxLength is 2
                ("FreeChargingIdTag", "x" * 21), ("FreeChargingIdTag", "tab\there"),
                ("SecurityProfile", "0"), ("SecurityProfile", "4"), ("SecurityProfile", "-1"),
                ("HeartbeatInterval", "1" * 501)):
            check_rejected(c, env, key, value)
        assert env.saved() is None


def test_not_supported_for_unknown_keys():
    with Env() as env:
        c = env.config()
        assert c.change("NoSuchKey", "1") == "NotSupported"
        assert c.change("x" * 60, "1") == "NotSupported"
        # a key of a feature this firmware does not have is not a key here
        assert c.change("LightIntensity", "50") == "NotSupported"
        assert "LightIntensity" not in as_dict(listing(c)[0])


def test_supported_feature_profiles_come_from_the_registry():
    from ocpp import registry
    with Env() as env:
        c = env.config()
        assert c.get("SupportedFeatureProfiles") == [p[0] for p in registry.PROFILES]
        assert c.change("SupportedFeatureProfiles", "Core") == "Rejected"  # read-only


def test_accepted_changes_are_typed_persisted_and_survive_a_restart():
    with Env() as env:
        c = env.config()
        assert c.change("HeartbeatInterval", " 300 ") == "Accepted"
        assert c.change("stoptransactiononinvalidid", "FALSE") == "Accepted"
        assert c.change("MeterValuesSampledData",
                        "energy.active.import.register, Voltage.l1 ,Current.Import.N") == "Accepted"
        assert c.change("StopTxnAlignedData", "") == "Accepted"
        assert c.change("ConnectorPhaseRotation", "0.rst,1.NotApplicable") == "Accepted"
        assert c.change("FreeChargingIdTag", "TAG-1") == "Accepted"
        assert c.change("WebSocketPingInterval", "0") == "Accepted"
        assert c.change("MessageTimeout", "45") == "RebootRequired"
        assert c.get("HeartbeatInterval") == 300
        assert c.get("StopTransactionOnInvalidId") is False
        sampled = ["Energy.Active.Import.Register", "Voltage.L1", "Current.Import.N"]
        assert c.get("MeterValuesSampledData") == sampled
        assert c.get("heartbeatINTERVAL") == 300  # any case, like the wire
        c2 = env.config()  # a restart
        assert c2.get("HeartbeatInterval") == 300
        assert c2.get("StopTransactionOnInvalidId") is False
        assert c2.get("MeterValuesSampledData") == sampled
        assert c2.get("ConnectorPhaseRotation") == ["0.RST", "1.NotApplicable"]
        assert c2.get("FreeChargingIdTag") == "TAG-1"
        assert c2.get("MessageTimeout") == 45
        got = as_dict(listing(c2, ["MeterValuesSampledData", "StopTxnAlignedData"])[0])
        assert got["MeterValuesSampledData"]["value"] == ",".join(sampled)
        assert got["StopTxnAlignedData"]["value"] == ""
        # only changed keys are in the document
        assert sorted(env.saved()) == sorted(
            ["HeartbeatInterval", "StopTransactionOnInvalidId", "MeterValuesSampledData",
             "StopTxnAlignedData", "ConnectorPhaseRotation", "FreeChargingIdTag",
             "WebSocketPingInterval", "MessageTimeout"])


def test_supported_measurands_all_accepted():
    with Env() as env:
        c = env.config()
        for m in SUPPORTED_MEASURANDS:
            assert c.change("MeterValuesAlignedData", m) == "Accepted", m
            assert measurand_phase(m) == (m, None)
        assert measurand_phase("voltage.l2-n") == ("Voltage", "L2-N")
        assert measurand_phase("Current.Offered.L1") is None
        assert c.change("MeterValuesAlignedData", ",".join(SUPPORTED_MEASURANDS)) == "Accepted"


def test_factory_values_apply_only_where_nothing_is_stored():
    with Env() as env:
        c = env.config(factory={"HeartbeatInterval": 120, "MeterValueSampleInterval": "30",
                                "NumberOfConnectors": 1, "FreeCharging": True,
                                "MeterValuesSampledData": ["Voltage", "Power.Active.Import"],
                                "ConnectorPhaseRotation": "0.RTS,1.RTS"})
        assert c.get("HeartbeatInterval") == 120
        assert c.get("MeterValueSampleInterval") == 30
        assert c.get("FreeCharging") is True
        assert c.get("MeterValuesSampledData") == ["Voltage", "Power.Active.Import"]
        assert c.get("ConnectorPhaseRotation") == ["0.RTS", "1.RTS"]
        assert env.saved() is None  # factory values are not copied into the document
        assert c.change("HeartbeatInterval", "90") == "Accepted"
        c2 = env.config(factory={"HeartbeatInterval": 120, "MeterValueSampleInterval": 15})
        assert c2.get("HeartbeatInterval") == 90  # stored wins
        assert c2.get("MeterValueSampleInterval") == 15  # a new factory value applies
        assert c2.get("FreeCharging") is False  # no longer in the factory: default


def test_factory_read_only_key_may_be_set():
    with Env() as env:
        c = env.config(factory={"MeterValuesSampledDataMaxLength": 2,
                                "GetConfigurationMaxKeys": 70})
        assert c.get("GetConfigurationMaxKeys") == 70
        three = "Voltage,Current.Import,Power.Offered"
        assert c.change("MeterValuesSampledData", three) == "Rejected"
        assert c.change("MeterValuesSampledData", "Voltage,Current.Import") == "Accepted"


def test_invalid_factory_value_raises_naming_the_key():
    with Env() as env:
        for factory, message in (
                ({"HeartbeatInterval": "often"},
                 "ocpp_keys.HeartbeatInterval: must be an integer >= 0"),
                ({"WebSocketPingInterval": -3}, "ocpp_keys.WebSocketPingInterval: "),
                ({"HeartbeatInterval": True}, "ocpp_keys.HeartbeatInterval: "),
                ({"HeartbeatInterval": 1.5}, "ocpp_keys.HeartbeatInterval: "),
                ({"LocalPreAuthorize": "maybe"},
                 "ocpp_keys.LocalPreAuthorize: must be true or false"),
                ({"MeterValuesSampledData": "RPM"}, "ocpp_keys.MeterValuesSampledData: "),
                ({"SecurityProfile": 5}, "ocpp_keys.SecurityProfile: "),
                ({"FreeChargingIdTag": 12}, "ocpp_keys.FreeChargingIdTag: ")):
            try:
                env.config(factory=factory)
                assert False, "accepted %r" % factory
            except ValueError as e:
                assert str(e).startswith(message), (str(e), message)


def test_unknown_factory_key_is_logged_and_ignored():
    with Env() as env:
        c = env.config(factory={"NotAKey": 5, "HeartbeatInterval": 60})
        assert any("NotAKey" in line for line in env.lines), env.lines
        assert c.get("HeartbeatInterval") == 60
        try:
            c.get("NotAKey")
            assert False, "unknown key readable"
        except KeyError:
            pass


def test_bad_stored_value_is_ignored_with_a_log_line():
    with Env() as env:
        env.store.write_json("ocpp_config.json", {"HeartbeatInterval": "abc",
                                                  "NumberOfConnectors": "3",
                                                  "MeterValueSampleInterval": "10"})
        c = env.config()
        assert c.get("HeartbeatInterval") == 240
        assert c.get("NumberOfConnectors") == 1  # read-only: never from the document
        assert c.get("MeterValueSampleInterval") == 10
        assert any("HeartbeatInterval" in line for line in env.lines)


def test_watch_callbacks_fire_after_accepted_changes():
    with Env() as env:
        c = env.config()
        seen = []
        c.watch("heartbeatinterval", seen.append)
        c.watch("MessageTimeout", seen.append)
        c.watch("FreeCharging", lambda v: 1 / 0)  # a failing watcher does not break change()
        assert c.change("HeartbeatInterval", "-1") == "Rejected"
        assert seen == []
        assert c.change("HeartbeatInterval", "77") == "Accepted"
        assert c.change("MessageTimeout", "12") == "RebootRequired"
        assert c.change("FreeCharging", "true") == "Accepted"
        c.set("HeartbeatInterval", 5)  # the agent's own writes do not notify
        assert seen == [77, 12]
        assert c.get("FreeCharging") is True


def test_auth_password_hex_mode():
    with Env() as env:
        c = env.config()
        assert c.get("UseAuthorizationKeyWithoutDecoding") is False  # nothing provisioned
        assert c.auth_password() is None
        for bad in ("00" * 15, "00" * 21, "0" * 33, "g" * 32, "0001 02030405060708090a0b0c0d0e0f",
                    "plain-text-password-20"):
            assert c.change("AuthorizationKey", bad) == "Rejected", bad
        assert c.auth_password() is None
        assert c.change("AuthorizationKey", KEY_HEX.lower()) == "Accepted"
        pw = b"\x00\x01\x02\x03\x04\x05\x06\x07" + b"\xff" * 12
        assert c.auth_password() == pw
        assert c.change("AuthorizationKey", "30" * 16) == "Accepted"  # 16 bytes is the minimum
        assert c.auth_password() == b"0" * 16
        assert env.config().auth_password() == b"0" * 16  # survives a restart
        # switching the mode later does not reinterpret the stored key
        assert c.change("UseAuthorizationKeyWithoutDecoding", "true") == "Accepted"
        assert env.config().auth_password() == b"0" * 16


def test_auth_password_plain_mode_and_initial_password():
    with Env() as env:
        c = env.config(initial_password="initial-secret-pw")
        assert c.get("UseAuthorizationKeyWithoutDecoding") is True  # provisioned: plain text
        assert c.auth_password() == b"initial-secret-pw"
        for bad in ("short", "x" * 41, "tab\tinside-the-password"):
            assert c.change("AuthorizationKey", bad) == "Rejected", bad
        assert c.auth_password() == b"initial-secret-pw"
        assert c.change("AuthorizationKey", "Plain Pass:word_1234") == "Accepted"
        assert c.auth_password() == b"Plain Pass:word_1234"
        c2 = env.config(initial_password="initial-secret-pw")
        assert c2.auth_password() == b"Plain Pass:word_1234"  # the CSMS's key wins
        assert c2.change("UseAuthorizationKeyWithoutDecoding", "false") == "Accepted"
        assert c2.change("AuthorizationKey", KEY_HEX) == "Accepted"
        assert c2.auth_password() == b"\x00\x01\x02\x03\x04\x05\x06\x07" + b"\xff" * 12
        for line in env.lines:
            assert "Pass:word" not in line and "initial-secret" not in line, line


def test_security_profile_only_raised_with_prerequisites():
    with Env() as env:
        c = env.config()
        seen = []
        c.watch("SecurityProfile", seen.append)
        assert c.change("SecurityProfile", "1") == "Rejected"  # no password yet
        assert c.change("AuthorizationKey", KEY_HEX) == "Accepted"
        assert c.change("SecurityProfile", "2") == "Rejected"  # no CA certificate
        assert c.change("SecurityProfile", "1") == "Accepted"
        assert c.change("SecurityProfile", "1") == "Rejected"  # equal
        assert c.change("SecurityProfile", "0") == "Rejected"  # lower
        c.has_ca_cert = True
        # on a ws:// URL TLS cannot work: accepted, every reconnect would fail (locked out)
        assert c.change("SecurityProfile", "2") == "Rejected"
        c.secure_url = True
        assert c.change("SecurityProfile", "3") == "Rejected"  # no client certificate
        assert c.change("SecurityProfile", "2") == "Accepted"
        c.has_client_cert = True
        assert c.change("SecurityProfile", "3") == "Accepted"
        assert seen == [1, 2, 3]
        assert env.config().get("SecurityProfile") == 3
        # a provisioned profile (factory) is not subject to the raise-only rule
        assert env.config(factory={"SecurityProfile": 1}).get("SecurityProfile") == 3


def test_security_profile_with_initial_password():
    with Env() as env:
        c = env.config(initial_password="0123456789abcdef", factory={"SecurityProfile": 0})
        assert c.change("SecurityProfile", "1") == "Accepted"


def test_lock_cable_permanently_makes_unlock_read_only():
    with Env() as env:
        c = env.config()
        assert c.get("UnlockConnectorOnEVSideDisconnect") is True
        assert c.change("LockCablePermanently", "true") == "Accepted"
        assert c.get("UnlockConnectorOnEVSideDisconnect") is False
        entry = listing(c, ["UnlockConnectorOnEVSideDisconnect"])[0][0]
        assert entry == {"key": "UnlockConnectorOnEVSideDisconnect", "readonly": True,
                         "value": "false"}
        assert c.change("UnlockConnectorOnEVSideDisconnect", "true") == "Rejected"
        c.set("UnlockConnectorOnEVSideDisconnect", True)  # kept as its own value, not in force
        assert c.get("UnlockConnectorOnEVSideDisconnect") is False
        c2 = env.config()
        assert c2.get("UnlockConnectorOnEVSideDisconnect") is False
        assert c2.change("LockCablePermanently", "false") == "Accepted"
        assert c2.get("UnlockConnectorOnEVSideDisconnect") is True  # its own value again
        assert c2.change("UnlockConnectorOnEVSideDisconnect", "false") == "Accepted"


def test_set_by_the_agent():
    with Env() as env:
        c = env.config()
        c.set("SupportedFeatureProfiles", ["Core", "RemoteTrigger"])
        assert c.get("SupportedFeatureProfiles") == ["Core", "RemoteTrigger"]
        c.set("HeartbeatInterval", 300)  # e.g. from BootNotification.conf
        c.set("NumberOfConnectors", "1")
        assert env.saved() == {"HeartbeatInterval": "300"}  # read-only facts stay in RAM
        c2 = env.config()
        assert c2.get("HeartbeatInterval") == 300
        assert c2.get("SupportedFeatureProfiles") == [
            "Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation",
            "SmartCharging", "RemoteTrigger"]  # RAM only
        for key, value in (("HeartbeatInterval", -1), ("SecurityProfile", 9),
                           ("FreeCharging", "nope")):
            try:
                c.set(key, value)
                assert False, (key, value)
            except ValueError as e:
                assert key in str(e)
        try:
            c.set("NoSuchKey", 1)
            assert False
        except KeyError:
            pass


def test_config_instance_heap_is_small():
    with Env() as env:
        gc.collect()
        before = gc.mem_alloc()
        c = env.config(factory={"HeartbeatInterval": 60})
        gc.collect()
        used = gc.mem_alloc() - before
        assert c.get("HeartbeatInterval") == 60
        assert used < 4096, used  # measured ~2 KB on the 64-bit unix port


# -- the streamed GetConfiguration answer ---------------------------------------------------------
def old_answer(c, keys=None):
    """The payload as the code before streaming built it: a list of entry dicts (the table's
    order, or the order asked, each key once), the unknown names as asked."""
    t = table()

    def listed(k):
        return t.flags(k) & t.ACC_MASK != t.ACC_W

    def entry(k):
        name, flags = t.name(k), t.flags(k)
        readonly = flags & t.ACC_MASK == t.ACC_R or (
            name == "UnlockConnectorOnEVSideDisconnect" and c.get("LockCablePermanently"))
        return {"key": name, "readonly": readonly,
                "value": t.to_wire(flags & t.T_MASK, c.get(name))}

    known, unknown, seen = [], [], []
    if not keys:
        known = [entry(k) for k in t.numbers() if listed(k)]
    else:
        for key in keys:
            k = t.find(key)
            if k < 0 or not listed(k):
                unknown.append(key)
            elif k not in seen:
                seen.append(k)
                known.append(entry(k))
    result = {"configurationKey": known}
    if unknown:
        result["unknownKey"] = unknown
    return result


def test_streamed_answer_is_the_json_the_old_code_produced():
    with Env() as env:
        c = env.config(factory={"FreeChargingIdTag": 'quo"te\\'})  # JSON escapes in a value
        assert c.change("LockCablePermanently", "true") == "Accepted"
        for keys in (None, [], ["HeartbeatInterval"], ["NoSuchKey"], ["a\u00e9\"b", "AuthorizationKey"],
                     ["freechargingidtag", "UnlockConnectorOnEVSideDisconnect", "X", "X",
                      "FreeChargingIdTag", "ChargeProfileMaxStackLevel", "LightIntensity"]):
            text = "".join(c.get_configuration(keys))
            assert json.loads(text) == old_answer(c, keys), (keys, text)
        everything = json.loads("".join(c.get_configuration()))["configurationKey"]
        assert as_dict(everything)["FreeChargingIdTag"]["value"] == 'quo"te\\'
        assert len(everything) == len(old_answer(c)["configurationKey"]) > 38


def test_answer_is_made_a_key_at_a_time():
    with Env() as env:
        c = env.config()
        pieces = c.get_configuration()
        first = next(pieces)
        assert first.startswith('{"configurationKey":[{"key":"AllowOfflineTxForUnknownId"'), first
        assert first.count('"key"') == 1, first
        rest = list(pieces)
        assert sum(p.count('"key"') for p in rest) == len(old_answer(c)["configurationKey"]) - 1


def test_streaming_survives_edits_in_between():
    # The stream outlives the modules it came from being dropped and imported again.
    with Env() as env:
        c = env.config()
        pieces = c.get_configuration()
        head = next(pieces)
        assert c.change("HeartbeatInterval", "77") == "Accepted"
        c.set("SupportedFeatureProfiles", "Core,Reservation")
        answer = json.loads(head + "".join(pieces))
        assert as_dict(answer["configurationKey"])["HeartbeatInterval"]["value"] == "77"


def test_configuration_code_is_imported_only_while_it_runs():
    with Env() as env:
        transient = ("ocpp.core.config.keys", "ocpp.core.config.load", "ocpp.core.config.edit",
                     "ocpp.core.config.special", "ocpp.core.config.report")
        c = env.config()
        assert c.change("HeartbeatInterval", "60") == "Accepted"
        c.set("MeterValueSampleInterval", 20)
        c.watch("heartbeatinterval", lambda v: None)
        assert c.get("meterVALUEsampleinterval") == 20
        assert c.change("MeterValuesSampledData", "Voltage") == "Accepted"
        listing(c, ["HeartbeatInterval"])
        for name in transient:
            assert name not in sys.modules, name


def test_setting_the_value_in_force_is_free_and_changes_nothing():
    with Env() as env:
        c = env.config()
        c.set("HeartbeatInterval", 240)  # the default, not saved yet: saved now
        assert env.saved() == {"HeartbeatInterval": "240"}
        # a marker only on disk: a write by set() would replace the document without it
        env.store.write_json("ocpp_config.json", {"HeartbeatInterval": "240", "Marker": "x"})
        for key, value in (("HeartbeatInterval", 240), ("HeartbeatInterval", "240"),
                           ("SupportedFeatureProfiles",
                            "Core,Reservation,SmartCharging,RemoteTrigger"),
                           ("SupportedFeatureProfiles", ["Core", "SmartCharging", "RemoteTrigger"])):
            c.set(key, value)
            assert env.saved()["Marker"] == "x", key  # nothing written
        assert c.get("HeartbeatInterval") == 240
        # anything else takes the full path: checked, converted, saved
        c.set("HeartbeatInterval", " 240 ")
        assert "Marker" not in env.saved() and c.get("HeartbeatInterval") == 240
        for key, value in (("HeartbeatInterval", True), ("HeartbeatInterval", "x"),
                           ("NumberOfConnectors", "01x")):
            try:
                c.set(key, value)
                assert False, (key, value)
            except ValueError:
                pass
        c.set("NumberOfConnectors", 1)
        assert c.get("NumberOfConnectors") == 1 and "NumberOfConnectors" not in env.saved()


# -- the compact key table and what a change loads ------------------------------------------------
def test_key_table_numbers_names_and_defaults_line_up():
    t = table()
    for group in t.KEYS:  # a key number keeps its place in 6 bits; small blocks
        assert 0 < len(group) <= 30 and len(group) % 3 == 0, len(group)
        for q in range(0, len(group), 3):
            assert isinstance(group[q], str) and isinstance(group[q + 1], int), group[q]
    numbers = list(t.numbers())
    names = [t.name(k) for k in numbers]
    assert len(set(names)) == len(names) > 38
    for k, name in zip(numbers, names):
        assert t.find(name) == k and t.find(name.upper()) == k, name
    assert t.find("NoSuchKey") == -1 and t.find(5) == -1 and t.find("x" * 51) == -1
    with Env() as env:
        c = env.config()
        for k, name in zip(numbers, names):  # each default is its own key's value
            default = t.default(k)
            if default is not None:
                wire = default if isinstance(default, str) else t.to_wire(
                    t.flags(k) & t.T_MASK, default)
                assert t.to_wire(t.flags(k) & t.T_MASK, c.get(name)) == wire, name


def test_plain_changes_do_not_load_the_list_and_password_checks():
    with Env() as env:
        c = env.config()
        for fn in (lambda: c.change("MeterValueSampleInterval", "10"),
                   lambda: c.change("FreeCharging", "true"),
                   lambda: c.change("FreeChargingIdTag", "ABC"),
                   lambda: c.change("HeartbeatInterval", "x"),
                   lambda: c.change("NumberOfConnectors", "1"),
                   lambda: c.set("HeartbeatInterval", 2)):
            used = imports_during(fn)  # the editor (and the key declarations under it)
            assert used[0] == "core.config.edit" and "core.config.special" not in used, used
        assert c.get("MeterValueSampleInterval") == 10 and c.get("FreeChargingIdTag") == "ABC"
        for fn in (lambda: c.change("MeterValuesSampledData", "Voltage"),
                   lambda: c.change("ConnectorPhaseRotation", "0.RST"),
                   lambda: c.change("AuthorizationKey", KEY_HEX),
                   lambda: c.change("SecurityProfile", "1")):
            assert "core.config.special" in imports_during(fn)
        assert c.get("SecurityProfile") == 1 and c.get("ConnectorPhaseRotation") == ["0.RST"]
        used = imports_during(lambda: listing(c))
        assert used[0] == "core.config.report" and "core.config.edit" not in used, used
        for name in ("ocpp.core.config.special", "ocpp.core.config.edit", "ocpp.core.config.keys"):
            assert name not in sys.modules, name
