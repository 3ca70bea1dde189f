# Inbound payload validation from the generated schema tables (MicroPython).
import gc
import json
import random
import sys

from cache_spy import imports_during
from ocpp.core import cache, validate
from ocpp.core.validate import validate as check

# As on a small board, where a module goes as soon as it is done (mp_test_cache.py: a roomy
# heap keeps them).
cache.set_reserve(1 << 30)

FORMATION = "FormationViolation"
OCCURENCE = "OccurenceConstraintViolation"
TYPE = "TypeConstraintViolation"
PROPERTY = "PropertyConstraintViolation"
CODES = (FORMATION, OCCURENCE, TYPE, PROPERTY)

T0 = "2013-02-01T20:53:32.486Z"

# Valid payloads modelled on the examples of the OCPP 1.6 specification and OCPP-J.
PERIODS = [{"startPeriod": 0, "limit": 16.0, "numberPhases": 3},
           {"startPeriod": 3600, "limit": 8.2},
           {"startPeriod": 7200, "limit": 32}]
PROFILE = {
    "chargingProfileId": 158798, "stackLevel": 0,
    "chargingProfilePurpose": "TxProfile", "chargingProfileKind": "Absolute",
    "transactionId": 7, "validFrom": "2013-02-01T00:00:00Z", "validTo": "2013-03-01T00:00:00Z",
    "chargingSchedule": {"duration": 86400, "startSchedule": "2013-02-01T00:00:00+01:00",
                         "chargingRateUnit": "A", "chargingSchedulePeriod": PERIODS,
                         "minChargingRate": 6.1},
}
VALID = (
    ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "300"}),
    ("ChangeConfiguration", {"key": "K" * 50, "value": "v" * 500}),
    ("GetConfiguration", {}),
    ("GetConfiguration", {"key": ["HeartbeatInterval", "MeterValueSampleInterval"]}),
    ("GetConfiguration", {"key": []}),
    ("RemoteStartTransaction", {"idTag": "044943121F1D80"}),
    ("RemoteStartTransaction", {"connectorId": 1, "idTag": "044943121F1D80",
                                "chargingProfile": PROFILE}),
    ("RemoteStopTransaction", {"transactionId": 2147483647}),
    ("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": PROFILE}),
    ("SetChargingProfile", {"connectorId": 0, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Recurring", "recurrencyKind": "Daily",
        "chargingSchedule": {"chargingRateUnit": "W",
                             "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 11000.5}]}}}),
    ("SendLocalList", {"listVersion": 2, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "AB12", "idTagInfo": {"status": "Accepted", "expiryDate": T0,
                                        "parentIdTag": "PARENT"}},
        {"idTag": "CD34"}]}),
    ("SendLocalList", {"listVersion": 3, "updateType": "Differential"}),
    ("Reset", {"type": "Soft"}),
    ("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}),
    ("ClearCache", {}),
    ("ClearChargingProfile", {"id": 3, "connectorId": 1,
                              "chargingProfilePurpose": "TxProfile", "stackLevel": 0}),
    ("DataTransfer", {"vendorId": "com.example", "messageId": "m", "data": "x" * 2000}),
    ("GetCompositeSchedule", {"connectorId": 1, "duration": 3600, "chargingRateUnit": "W"}),
    ("GetDiagnostics", {"location": "ftp://user:pw@example.com/diag", "retries": 3,
                        "retryInterval": 60, "startTime": T0, "stopTime": T0}),
    ("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}),
    ("UnlockConnector", {"connectorId": 1}),
    ("UpdateFirmware", {"location": "https://example.com/fw.bin", "retrieveDate": T0}),
    ("ReserveNow", {"connectorId": 1, "expiryDate": T0, "idTag": "TAG", "reservationId": 9}),
    ("CancelReservation", {"reservationId": 9}),
    ("GetLocalListVersion", {}),
    ("ExtendedTriggerMessage", {"requestedMessage": "SignChargePointCertificate"}),
    ("GetLog", {"log": {"remoteLocation": "https://example.com/logs",
                        "oldestTimestamp": T0}, "logType": "SecurityLog", "requestId": 1}),
    ("DeleteCertificate", {"certificateHashData": {
        "hashAlgorithm": "SHA256", "issuerNameHash": "a" * 64, "issuerKeyHash": "b" * 64,
        "serialNumber": "01"}}),
    ("SignedUpdateFirmware", {"requestId": 1, "firmware": {
        "location": "https://example.com/fw", "retrieveDateTime": T0,
        "signingCertificate": "-----BEGIN CERTIFICATE-----", "signature": "c2ln"}}),
    ("BootNotificationResponse", {"status": "Accepted", "currentTime": T0, "interval": 300}),
    ("BootNotificationResponse", {"status": "Pending", "currentTime": "2013-02-01T20:53:32",
                                  "interval": 0}),
    ("HeartbeatResponse", {"currentTime": "2013-02-01T20:53:32+02:00"}),
    ("AuthorizeResponse", {"idTagInfo": {"status": "Accepted", "expiryDate": T0}}),
    ("StartTransactionResponse", {"transactionId": 1, "idTagInfo": {"status": "ConcurrentTx"}}),
    ("StopTransactionResponse", {}),
    ("StopTransactionResponse", {"idTagInfo": {"status": "Invalid"}}),
    ("StatusNotificationResponse", {}),
    ("MeterValuesResponse", {}),
    ("DataTransferResponse", {"status": "UnknownVendorId"}),
    ("SignCertificateResponse", {"status": "Rejected"}),
)


def expect(name, payload, code, desc_start):
    got = check(name, payload)
    assert got is not None, (name, payload, "accepted")
    assert got[0] == code and got[1].startswith(desc_start), (name, payload, got)
    return got


def test_valid_payloads_pass():
    for name, payload in VALID:
        assert check(name, payload) is None, (name, check(name, payload))


def test_known_names_are_exactly_the_inbound_messages():
    cs_requests = ("ChangeAvailability", "ChangeConfiguration", "ClearCache", "DataTransfer",
                   "GetConfiguration", "RemoteStartTransaction", "RemoteStopTransaction",
                   "Reset", "UnlockConnector", "GetDiagnostics", "UpdateFirmware",
                   "GetLocalListVersion", "SendLocalList", "ReserveNow", "CancelReservation",
                   "SetChargingProfile", "ClearChargingProfile", "GetCompositeSchedule",
                   "TriggerMessage", "CertificateSigned", "DeleteCertificate",
                   "ExtendedTriggerMessage", "GetInstalledCertificateIds", "GetLog",
                   "InstallCertificate", "SignedUpdateFirmware")
    cp_actions = ("Authorize", "BootNotification", "DataTransfer", "Heartbeat", "MeterValues",
                  "StartTransaction", "StatusNotification", "StopTransaction",
                  "DiagnosticsStatusNotification", "FirmwareStatusNotification",
                  "SecurityEventNotification", "SignCertificate", "LogStatusNotification",
                  "SignedFirmwareStatusNotification")
    expected = set(cs_requests) | set(a + "Response" for a in cp_actions)
    names = message_names()
    assert set(names) == expected, set(names) ^ expected
    assert len(names) == 40
    for name in expected:
        assert validate.known(name), name
    # what a charge point sends is not inbound; nor are unknown names or non-strings
    for name in ("BootNotification", "StatusNotification", "ResetResponse", "FlyToTheMoon",
                 "", "reset", None, 5, b"Reset"):
        assert not validate.known(name), name
        assert check(name, {"anything": [1]}) is None


def test_payload_must_be_an_object():
    for payload in (None, [], [{"type": "Soft"}], "Soft", 5, 1.5, True):
        expect("Reset", payload, FORMATION, "payload: ")


def test_unknown_field_is_formation_violation():
    expect("Reset", {"type": "Soft", "extra": 1}, FORMATION, "extra: unknown field")
    expect("ClearCache", {"x": None}, FORMATION, "x: unknown field")
    expect("AuthorizeResponse", {"idTagInfo": {"status": "Accepted", "colour": "red"}},
           FORMATION, "idTagInfo.colour: unknown field")
    # field names are case-sensitive
    expect("UnlockConnector", {"ConnectorId": 1}, FORMATION, "ConnectorId: unknown field")
    # a hostile name is cut short in the description
    got = expect("Reset", {"type": "Soft", "k" * 5000: 1}, FORMATION, "kkk")
    assert len(got[1]) < 80, got


def test_missing_required_field_is_occurence_violation():
    expect("ChangeConfiguration", {"key": "HeartbeatInterval"}, OCCURENCE,
           "value: required field missing")
    expect("Reset", {}, OCCURENCE, "type: required field missing")
    expect("StartTransactionResponse", {"transactionId": 1}, OCCURENCE, "idTagInfo: required")
    expect("SendLocalList", {"listVersion": 1, "updateType": "Full",
                             "localAuthorizationList": [{"idTag": "A"}, {"idTagInfo": {}}]},
           OCCURENCE, "localAuthorizationList[1].idTag: required field missing")


def test_wrong_type_is_type_constraint_violation():
    expect("ChangeConfiguration", {"key": 5, "value": "1"}, TYPE,
           "key: expected string, got integer")
    for value, kind in (("1", "string"), (True, "boolean"), (1.0, "number"), (None, "null"),
                        ([1], "array"), ({}, "object")):
        expect("UnlockConnector", {"connectorId": value}, TYPE,
               "connectorId: expected integer, got " + kind)
    expect("AuthorizeResponse", {"idTagInfo": [{"status": "Accepted"}]}, TYPE,
           "idTagInfo: expected object, got array")
    expect("GetConfiguration", {"key": "HeartbeatInterval"}, TYPE, "key: expected array")
    expect("GetConfiguration", {"key": ["A", 7]}, TYPE, "key[1]: expected string, got integer")
    expect("Reset", {"type": ["Soft"]}, TYPE, "type: expected string, got array")
    expect("HeartbeatResponse", {"currentTime": 1700000000}, TYPE, "currentTime: expected string")
    per = [{"startPeriod": 0, "limit": "16"}]
    expect("SetChargingProfile", profile_with(per), TYPE,
           "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit: expected number")
    per = [{"startPeriod": 0, "limit": False}]
    expect("SetChargingProfile", profile_with(per), TYPE,
           "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit: expected number")


def test_bad_enum_is_property_constraint_violation():
    expect("Reset", {"type": "Sideways"}, PROPERTY, 'type: value "Sideways" not allowed')
    expect("Reset", {"type": "soft"}, PROPERTY, "type: ")  # enums are case-sensitive
    expect("BootNotificationResponse", {"status": "OK", "currentTime": T0, "interval": 1},
           PROPERTY, "status: ")
    p = profile_with(PERIODS)
    p["csChargingProfiles"]["chargingSchedule"]["chargingRateUnit"] = "kW"
    expect("SetChargingProfile", p, PROPERTY,
           "csChargingProfiles.chargingSchedule.chargingRateUnit: ")
    got = expect("Reset", {"type": "S" * 10000}, PROPERTY, "type: ")
    assert len(got[1]) < 80, got


def test_over_long_cistring_is_type_constraint_violation():
    expect("ChangeConfiguration", {"key": "K" * 51, "value": "1"}, TYPE,
           "key: longer than 50 characters")
    expect("ChangeConfiguration", {"key": "K", "value": "v" * 501}, TYPE,
           "value: longer than 500 characters")
    expect("RemoteStartTransaction", {"idTag": "0123456789ABCDEF01234"}, TYPE,
           "idTag: longer than 20 characters")
    expect("GetConfiguration", {"key": ["ok", "K" * 51]}, TYPE, "key[1]: longer than 50")
    # length counts characters, not UTF-8 bytes
    assert check("RemoteStartTransaction", {"idTag": "\u00e9" * 20}) is None
    expect("RemoteStartTransaction", {"idTag": "\u00e9" * 21}, TYPE, "idTag: longer than 20")


def profile_with(periods, **schedule):
    s = {"chargingRateUnit": "A", "chargingSchedulePeriod": periods}
    s.update(schedule)
    return {"connectorId": 1, "csChargingProfiles": {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute", "chargingSchedule": s}}


def test_limit_allows_one_decimal_only():
    deep = ("csChargingProfiles.chargingSchedule.chargingSchedulePeriod[1].limit: "
            "more than one decimal")
    for limit in (8.25, 0.05, 16.01, 7.123, 1e-5):
        expect("SetChargingProfile", profile_with([{"startPeriod": 0, "limit": 6},
                                                   {"startPeriod": 60, "limit": limit}]),
               PROPERTY, deep)
    expect("SetChargingProfile", profile_with(PERIODS, minChargingRate=6.25), PROPERTY,
           "csChargingProfiles.chargingSchedule.minChargingRate: more than one decimal")
    expect("RemoteStartTransaction",
           {"idTag": "T", "chargingProfile": profile_with([{"startPeriod": 0, "limit": 1.55}])
            ["csChargingProfiles"]}, PROPERTY,
           "chargingProfile.chargingSchedule.chargingSchedulePeriod[0].limit")
    # as parsed from JSON text: every one-decimal value up to 10^5 is accepted
    for text in ("8.2", "8.3", "0.1", "0.7", "99999.9", "12345.6", "-3.3", "1e2", "1.5E1", "0"):
        p = profile_with([{"startPeriod": 0, "limit": json.loads(text)}])
        assert check("SetChargingProfile", p) is None, (text, check("SetChargingProfile", p))
    random.seed(5)
    template = ('{"connectorId": 1, "csChargingProfiles": {"chargingProfileId": 1, '
                '"stackLevel": 0, "chargingProfilePurpose": "TxProfile", '
                '"chargingProfileKind": "Relative", "chargingSchedule": '
                '{"chargingRateUnit": "W", "chargingSchedulePeriod": '
                '[{"startPeriod": 0, "limit": %s}]}}}')
    for _ in range(300):
        k = random.getrandbits(20)
        good = "%d.%d" % (k // 10, k % 10)
        assert check("SetChargingProfile", json.loads(template % good)) is None, good
        bad = "%d.%d%d" % (k // 10, k % 10, 1 + k % 9)
        assert check("SetChargingProfile", json.loads(template % bad)) is not None, bad


def test_non_finite_number_is_property_constraint_violation():
    inf = json.loads("1e400")
    expect("SetChargingProfile", profile_with([{"startPeriod": 0, "limit": inf}]), PROPERTY,
           "csChargingProfiles.chargingSchedule.chargingSchedulePeriod[0].limit: not a finite")
    expect("SetChargingProfile", profile_with([{"startPeriod": 0, "limit": -inf}]), PROPERTY,
           "csChargingProfiles")
    expect("SetChargingProfile", profile_with([{"startPeriod": 0, "limit": inf - inf}]),
           PROPERTY, "csChargingProfiles")


def test_huge_integers_are_integers():
    # The schemas set no bounds; the handlers judge the value (no crash, no rejection here).
    assert check("UnlockConnector", {"connectorId": 10 ** 40}) is None
    assert check("UnlockConnector", {"connectorId": -(10 ** 40)}) is None
    p = profile_with([{"startPeriod": 0, "limit": 10 ** 30}])
    assert check("SetChargingProfile", p) is None


def test_date_time_syntax():
    good = ("2013-02-01T20:53:32Z", "2013-02-01T20:53:32.486Z", "2013-02-01t20:53:32z",
            "2013-02-01 20:53:32", "2013-02-01T20:53:32", "2013-02-01T20:53:32-05:30",
            "2016-12-31T23:59:60Z", "2013-02-01T20:53:32.123456789+14:00")
    bad = ("", "yesterday", "2013-02-01", "2013-02-01T20:53Z", "2013-13-01T20:53:32Z",
           "2013-02-00T20:53:32Z", "2013-02-01T24:00:00Z", "2013-02-01T20:60:32Z",
           "2013-02-01T20:53:61Z", "2013/02/01T20:53:32Z", "2013-02-01T20:53:32.Z",
           "2013-02-01T20:53:32+0100", "2013-02-01T20:53:32+01", "2013-02-01T20:53:32Q",
           "2013-02-01T20:53:32Z ", " 2013-02-01T20:53:32Z", "2013-02-01T20:53:32+25:00",
           "２０１３-02-01T20:53:32Z", "2013-02-01T20:53:32." + "1" * 40 + "Z",
           "20130201T205332Z")
    for t in good:
        assert check("HeartbeatResponse", {"currentTime": t}) is None, t
    for t in bad:
        expect("HeartbeatResponse", {"currentTime": t}, TYPE, "currentTime: not an ISO 8601")
    expect("SendLocalList", {"listVersion": 1, "updateType": "Full", "localAuthorizationList": [
        {"idTag": "A", "idTagInfo": {"status": "Accepted", "expiryDate": "never"}}]}, TYPE,
        "localAuthorizationList[0].idTagInfo.expiryDate: not an ISO 8601 date-time")


def test_worst_problem_is_reported_first():
    # an unknown field, else a missing required field, else a bad value
    expect("ChangeConfiguration", {"value": 1, "key": [], "extra": 2}, FORMATION, "extra")
    expect("ChangeConfiguration", {"value": 1}, OCCURENCE, "key: required")
    expect("ChangeConfiguration", {"key": 1, "value": "1"}, TYPE, "key: expected string")
    expect("SendLocalList", {"listVersion": "1", "localAuthorizationList": []}, OCCURENCE,
           "updateType: required")


def table_modules():
    """Every generated table module: [(k, module b<k>)] (imported; dropped by drop_tables())."""
    count = cache.use("core.validate.schemas").BUCKETS
    return [(k, cache.use("core.validate.schemas.b%d" % k)) for k in range(count)]


def drop_tables():
    for name in list(sys.modules):
        if name.startswith("ocpp.core.validate.schemas."):
            cache.evict(name[len("ocpp."):])
    cache.evict("core.validate.schemas")


def u16(meta, i):
    return (meta[i] << 8) | meta[i + 1]


def messages_of(t):
    """[(name, root offset)] of a table module, decoded from its message table."""
    meta = t.META
    out = []
    off = 0
    for i in range(meta[0]):
        size = meta[1 + 3 * i]
        out.append((t.NAMES[off:off + size], u16(meta, 2 + 3 * i)))
        off += size
    return out


def message_names():
    """The message names of all generated tables."""
    names = []
    for _, t in table_modules():
        names += [name for name, _ in messages_of(t)]
    drop_tables()
    return names


def test_tables_are_well_formed():
    # (minimum/maximum and minItems/maxItems, unused by the 1.6 schemas, are tested with
    # generated tables of their own in host_tests/test_schemas_fresh.py)
    modules = table_modules()
    for k, t in modules:
        meta = t.META
        messages = messages_of(t)
        names = [name for name, _ in messages]
        assert names == sorted(names) and len(set(names)) == len(names), k
        for name in names:  # each message is in the module its name's length hashes to
            assert len(name) % len(modules) == k, (name, k)

        def walk_obj(p, where):
            count, nreq = meta[p + 2], meta[p + 3]
            sizes = [meta[p + 4 + 4 * i] for i in range(count)]
            assert u16(meta, p) + sum(sizes) <= len(t.NAMES), where
            assert nreq == sum(1 for i in range(count) if meta[p + 5 + 4 * i] & 0x10), where
            for i in range(count):
                walk_arg(meta[p + 5 + 4 * i] & 0xF, u16(meta, p + 6 + 4 * i), where + "#%d" % i)

        def walk_arg(kind, arg, where):
            assert 1 <= kind <= 9, where
            if kind == 3:
                assert meta[arg + 2] > 0, where
                assert u16(meta, arg) + sum(meta[arg + 3 + i] for i in range(meta[arg + 2])) \
                    <= len(t.NAMES), where
            elif kind == 8:
                walk_obj(arg, where)
            elif kind == 9:
                walk_arg(meta[arg + 4] & 0xF, u16(meta, arg + 5), where + "[]")
            elif kind in (4, 5, 6):
                assert arg <= len(t.BOUNDS), where

        for name, root in messages:
            walk_obj(root, name)
    drop_tables()


def test_validation_loads_one_table_and_drops_it():
    buckets = cache.use("core.validate.schemas").BUCKETS
    drop_tables()
    try:
        for name, payload in VALID[:6] + (("Reset", {"type": 1}), ("FlyToTheMoon", {}),
                                          ("x" * 5000, {}), ("", {})):
            problem = []
            imported = imports_during(lambda: (problem.append(validate.validate(name, payload)),
                                               validate.known(name)))
            # the texts of a description only for an invalid payload
            words = () if problem[0] is None else ("core.validate.text",)
            assert imported and set(imported) <= {"core.validate.schemas", "core.validate.schemas.b%d" % (
                len(name) % buckets)} | set(words), (name, imported)
            assert not [m for m in sys.modules if m.startswith("ocpp.core.validate.schemas")
                        or m == "ocpp.core.validate.text"], name
    finally:
        drop_tables()


# Fuzz: every kind of JSON value at every field (also nested ones) never raises.
def json_values():
    vals = [None, True, False, 0, -1, 1, 2 ** 31, 2 ** 80, -(2 ** 80), 0.5, 1.25, -0.0,
            1e308, json.loads("1e400"), "", "x", "\u00e9" * 30, "y" * 600, "2013-02-01T20:53:32Z",
            "Accepted", [], [None], [[[]]], [1, "a", {}], {}, {"a": {"b": [1]}},
            {"status": "Accepted"}, [{"startPeriod": 0, "limit": 1}]]
    deep = []
    for _ in range(30):
        deep = [deep]
    vals.append(deep)
    vals.append({"k": deep})
    vals.append(rnd_string())
    return vals


def rnd_string():
    return "".join(chr(32 + random.getrandbits(7) % 90) for _ in range(random.getrandbits(5)))


def paths(value, prefix=()):
    """Every (path, ...) inside a JSON value; path = tuple of keys/indices."""
    yield prefix
    if isinstance(value, dict):
        for k in value:
            yield from paths(value[k], prefix + (k,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from paths(item, prefix + (i,))


def replaced(value, path, new):
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    node = copy
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = new
    return copy


def test_fuzz_every_value_at_every_field_never_raises():
    random.seed(1)
    checked = 0
    for name, payload in VALID:
        for path in list(paths(payload)):
            for new in json_values():
                got = check(name, replaced(payload, path, new))
                assert got is None or (got[0] in CODES and isinstance(got[1], str)), got
                checked += 1
    assert checked > 5000, checked
    # random junk as whole payloads of every known message
    for name in message_names():
        for new in json_values():
            got = check(name, new)
            assert got is None or got[0] in CODES, (name, new, got)


def allocated(name, payload):
    """Bytes one validation of `payload` allocates, its table module already loaded."""
    table = cache.use("core.validate.schemas.b%d" % (len(name) % cache.use("core.validate.schemas").BUCKETS))
    assert check(name, payload, table) is None, check(name, payload, table)
    gc.collect()
    before = gc.mem_alloc()
    for _ in range(10):
        check(name, payload, table)
    used = (gc.mem_alloc() - before) // 10
    drop_tables()
    return used


def test_validation_allocates_little():
    # nothing per field or per array item: only a small bytes copy per date-time value...
    ints = [{"startPeriod": i * 60, "limit": 6 + i, "numberPhases": 3} for i in range(48)]
    assert allocated("SetChargingProfile", profile_with(ints)) == 0
    assert allocated("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "300"}) == 0
    assert allocated("GetConfiguration", {"key": ["K%d" % i for i in range(40)]}) == 0
    one_time = allocated("HeartbeatResponse", {"currentTime": T0})
    assert 0 < one_time <= 64, one_time
    # ... and two float temporaries per decimal value (floats are heap objects on most ports)
    floats = [{"startPeriod": i * 60, "limit": 6.5 + i} for i in range(48)]
    used = allocated("SetChargingProfile", profile_with(floats))
    assert used <= 48 * 2 * 32, used


def test_tables_are_not_kept():
    everything = [(name, payload) for name, payload in VALID]
    everything += [(name, None) for name in message_names()]  # every table, via known() too
    for name, payload in everything:  # (the first import of a module interns its names)
        check(name, payload)
    drop_tables()
    gc.collect()
    before = gc.mem_alloc()
    for name, payload in everything:
        check(name, payload)
        validate.known(name)
    gc.collect()
    # the tables of the forty messages are several kilobytes; one kept would show
    assert gc.mem_alloc() - before < 256, gc.mem_alloc() - before
