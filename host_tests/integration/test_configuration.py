"""GetConfiguration / ChangeConfiguration through the real agent, persistence across restarts,
and the config.json provisioning rules (ocpp_keys factory values, bad keys stop start-up)."""
import json

import pytest
from csms import CallError

CP = "CP_1"

CORE_KEYS = (
    "AuthorizeRemoteTxRequests", "ClockAlignedDataInterval", "ConnectionTimeOut",
    "ConnectorPhaseRotation", "GetConfigurationMaxKeys", "HeartbeatInterval",
    "LocalAuthorizeOffline", "LocalPreAuthorize", "MeterValuesAlignedData",
    "MeterValuesSampledData", "MeterValueSampleInterval", "NumberOfConnectors", "ResetRetries",
    "StopTransactionOnEVSideDisconnect", "StopTransactionOnInvalidId", "StopTxnAlignedData",
    "StopTxnSampledData", "SupportedFeatureProfiles", "TransactionMessageAttempts",
    "TransactionMessageRetryInterval", "UnlockConnectorOnEVSideDisconnect",
    "WebSocketPingInterval", "SecurityProfile", "FreeCharging", "FreeChargingIdTag",
    "LockCablePermanently", "PowerActiveImportDeltaForEagerMeterValueSample",
    "UseAuthorizationKeyWithoutDecoding",
)


def booted(csms, make_agent, **config):
    agent = make_agent(csms, **config)
    csms.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 1,
                  timeout=15)
    return agent


def get(csms, *keys):
    conf = csms.call(CP, "GetConfiguration", {"key": list(keys)} if keys else {})
    return {k["key"]: k for k in conf["configurationKey"]}, conf.get("unknownKey", [])


def change(csms, key, value):
    return csms.call(CP, "ChangeConfiguration", {"key": key, "value": value})["status"]


def test_get_configuration_all_and_by_key(csms, make_agent):
    booted(csms, make_agent)
    everything, unknown = get(csms)
    assert unknown == []
    for key in CORE_KEYS:
        assert key in everything, key
    assert "AuthorizationKey" not in everything  # write-only
    assert everything["NumberOfConnectors"] == {"key": "NumberOfConnectors", "readonly": True,
                                                "value": "1"}
    assert everything["HeartbeatInterval"]["readonly"] is False
    some, unknown = get(csms, "HeartbeatInterval", "NoSuchKey", "AuthorizationKey")
    assert list(some) == ["HeartbeatInterval"]
    assert sorted(unknown) == ["AuthorizationKey", "NoSuchKey"]


def test_get_configuration_streamed_answer_is_one_valid_message(csms, make_agent):
    # The full answer is sent in several WebSocket frames (ocpp/core/rpc.py Streamed): the central
    # system must receive one ordinary, schema-valid CALLRESULT (the csms fixture checks it).
    booted(csms, make_agent)
    mark = csms.mark()
    everything, _ = get(csms)
    call = [m for m in csms.messages[mark:] if m.direction == "out"][0]
    assert call.parsed[2] == "GetConfiguration"
    raw = csms.wait_reply(call.parsed[1], cp_id=CP).raw
    assert len(raw) > 1024  # long enough to take several frames
    assert json.loads(raw)[2]["configurationKey"] == list(everything.values())
    # every key asked by name in another letter case, one twice, one unknown: each answered
    # once, canonically spelled, with the same entry as in the full answer
    names = [k.upper() for k in everything] + [next(iter(everything)).lower(), "NoSuchKey"]
    assert len(names) <= int(everything["GetConfigurationMaxKeys"]["value"])
    some, unknown = get(csms, *names)
    assert some == everything
    assert unknown == ["NoSuchKey"]


def test_get_configuration_with_too_many_keys_is_a_callerror(csms, make_agent):
    booted(csms, make_agent)
    limit = int(get(csms, "GetConfigurationMaxKeys")[0]["GetConfigurationMaxKeys"]["value"])
    with pytest.raises(CallError) as e:
        get(csms, *(["HeartbeatInterval"] * (limit + 1)))
    assert e.value.code == "OccurenceConstraintViolation"
    assert list(get(csms, "HeartbeatInterval")[0]) == ["HeartbeatInterval"]  # answers as before


def test_change_configuration_statuses(csms, make_agent):
    booted(csms, make_agent)
    assert change(csms, "MeterValueSampleInterval", "15") == "Accepted"
    assert change(csms, "NoSuchKey", "1") == "NotSupported"
    assert change(csms, "NumberOfConnectors", "2") == "Rejected"  # read-only
    for key, value in (("HeartbeatInterval", "abc"), ("HeartbeatInterval", "-5"),
                       ("HeartbeatInterval", "1.5"), ("WebSocketPingInterval", "-1"),
                       ("StopTransactionOnInvalidId", "yes"),
                       ("MeterValuesSampledData", "Energy.Active.Import.Register,RPM"),
                       ("SecurityProfile", "0")):
        assert change(csms, key, value) == "Rejected", (key, value)
    values, _ = get(csms, "HeartbeatInterval", "WebSocketPingInterval", "MeterValueSampleInterval",
                    "MeterValuesSampledData")
    assert values["MeterValueSampleInterval"]["value"] == "15"
    assert values["HeartbeatInterval"]["value"] == "300"  # the bad values were never stored
    assert values["MeterValuesSampledData"]["value"] == "Energy.Active.Import.Register"
    assert change(csms, "MeterValuesSampledData",
                  "Energy.Active.Import.Register,Power.Active.Import,Voltage") == "Accepted"


def test_accepted_values_survive_a_restart(csms, make_agent):
    agent = booted(csms, make_agent)
    assert change(csms, "MeterValueSampleInterval", "45") == "Accepted"
    assert change(csms, "StopTransactionOnInvalidId", "false") == "Accepted"
    assert change(csms, "ClockAlignedDataInterval", "nope") == "Rejected"
    agent.stop()
    mark = csms.mark()
    agent.start()
    csms.wait_for(CP, "StatusNotification", since=mark, timeout=15)
    values, _ = get(csms, "MeterValueSampleInterval", "StopTransactionOnInvalidId",
                    "ClockAlignedDataInterval")
    assert values["MeterValueSampleInterval"]["value"] == "45"
    assert values["StopTransactionOnInvalidId"]["value"] == "false"
    assert values["ClockAlignedDataInterval"]["value"] == "0"


def test_heartbeat_interval_change_applies_at_once(csms, make_agent):
    booted(csms, make_agent)
    mark = csms.mark()
    assert change(csms, "HeartbeatInterval", "1") == "Accepted"
    h1 = csms.wait_for(CP, "Heartbeat", since=mark, timeout=5)
    csms.wait_for(CP, "Heartbeat", since=csms.messages.index(h1) + 1, timeout=5)


def test_factory_values_from_config_json(csms, make_agent):
    agent = booted(csms, make_agent,
                   ocpp_keys={"MeterValueSampleInterval": 20, "NumberOfConnectors": 1,
                              "NotAKey": 5, "FreeChargingIdTag": "FACTORY"})
    agent.wait_log("NotAKey")  # an unknown key is logged and ignored
    values, _ = get(csms, "MeterValueSampleInterval", "FreeChargingIdTag")
    assert values["MeterValueSampleInterval"]["value"] == "20"
    assert values["FreeChargingIdTag"]["value"] == "FACTORY"
    # a stored value wins over the factory value after a restart
    assert change(csms, "MeterValueSampleInterval", "25") == "Accepted"
    agent.stop()
    mark = csms.mark()
    agent.start()
    csms.wait_for(CP, "StatusNotification", since=mark, timeout=15)
    values, _ = get(csms, "MeterValueSampleInterval")
    assert values["MeterValueSampleInterval"]["value"] == "25"


@pytest.mark.parametrize("config, key", [
    ({"ocpp_keys": {"HeartbeatInterval": "often"}}, "HeartbeatInterval"),
    ({"ocpp_keys": {"WebSocketPingInterval": -3}}, "WebSocketPingInterval"),
    ({"csms_url": "http://127.0.0.1:1/ocpp"}, "csms_url"),
    ({"charge_point_id": ""}, "charge_point_id"),
    ({"security_profile": 7}, "security_profile"),
])
def test_bad_config_json_stops_start_up_naming_the_key(make_agent, config, key):
    cfg = {"csms_url": "ws://127.0.0.1:1/ocpp"}
    cfg.update(config)
    agent = make_agent(None, **cfg)
    assert agent.wait_exit(15) == 2
    assert key in agent.log() and "FATAL" in agent.log(), agent.log()
