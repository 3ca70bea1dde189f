"""The Core profile's configuration keys (OCPP 1.6 section 9.1 with errata v4.0), one declaration
each: name, kind | access | flags | limit * LIMIT (the highest value, or a string's length; 0:
none), default. Read through ocpp/core/config/keys.py (the registry names this module);
the rules the flags encode are described in ocpp/core/config/__init__.py.

Defaults: the specification's where it names one (MeterValuesSampledData =
Energy.Active.Import.Register), else the Zaptec documents (seeds 001/002: HeartbeatInterval 240,
WebSocketPingInterval 0, ConnectionTimeOut 30, MeterValueSampleInterval 60, LocalPreAuthorize
false, LocalAuthorizeOffline true, ConnectorPhaseRotation 0.RST,1.RST). A board's config.json
("ocpp_keys") can change any of them.

Optional keys are declared only where the feature exists (section 9: a present optional key
means the functionality is there): no BlinkRepeat / LightIntensity (no dimmable light)
or MinimumStatusDuration. MaxEnergyOnInvalidId (0: none) lets a transaction whose idTag the
central system refuses in StartTransaction.conf go on up to that many Wh from its start before
it is stopped (StopTransactionOnInvalidId) or its energy is.
"""
from ocpp.core import cache
from ocpp.core.config.keys import (ACC_R, ACC_RW, F_MIN1, F_REBOOT, LIMIT, T_BOOL, T_INT, T_MEAS,
                                   T_ROT, T_WORDS)

# Groups of at most 10 keys (a key's number is its group and place): tuples of at most 272
# bytes on a 64-bit port, which a fragmented heap still has, and no object per key.
KEYS = ((
    "AllowOfflineTxForUnknownId", T_BOOL | ACC_RW, False,
    "AuthorizationCacheEnabled", T_BOOL | ACC_RW, False,
    "AuthorizeRemoteTxRequests", T_BOOL | ACC_RW, True,
    "ClockAlignedDataInterval", T_INT | ACC_RW, 0,
    "ConnectionTimeOut", T_INT | ACC_RW, 30,
    "ConnectorPhaseRotation", T_ROT | ACC_RW, "0.RST,1.RST",
    "ConnectorPhaseRotationMaxLength", T_INT | ACC_R, 2,  # set at start: 1 + connectors
    "GetConfigurationMaxKeys", T_INT | ACC_R, 60,
    "HeartbeatInterval", T_INT | ACC_RW, 240,
    "LocalAuthorizeOffline", T_BOOL | ACC_RW, True,
), (
    "LocalPreAuthorize", T_BOOL | ACC_RW, False,
    # the RPC layer reads it once, at start
    "MessageTimeout", T_INT | ACC_RW | F_REBOOT | F_MIN1 | 3600 * LIMIT, 30,
    "MeterValuesAlignedData", T_MEAS | ACC_RW, "Energy.Active.Import.Register",
    "MeterValuesAlignedDataMaxLength", T_INT | ACC_R, 8,
    "MeterValuesSampledData", T_MEAS | ACC_RW, "Energy.Active.Import.Register",
    "MeterValuesSampledDataMaxLength", T_INT | ACC_R, 8,
    "MeterValueSampleInterval", T_INT | ACC_RW, 60,
    # the board's connectors: the agent sets it at start
    "NumberOfConnectors", T_INT | ACC_R | F_MIN1 | 16 * LIMIT, 1,
    "ResetRetries", T_INT | ACC_RW, 3,
    "StopTransactionMaxMeterValues", T_INT | ACC_R, 10,
), (
    "StopTransactionOnEVSideDisconnect", T_BOOL | ACC_RW, True,
    "StopTransactionOnInvalidId", T_BOOL | ACC_RW, True,
    "StopTxnAlignedData", T_MEAS | ACC_RW, "",
    "StopTxnAlignedDataMaxLength", T_INT | ACC_R, 8,
    "StopTxnSampledData", T_MEAS | ACC_RW, "",
    "StopTxnSampledDataMaxLength", T_INT | ACC_R, 8,
    # what this firmware implements: the registry's profiles
    "SupportedFeatureProfiles", T_WORDS | ACC_R, cache.use("registry").supported(),
    "SupportedFeatureProfilesMaxLength", T_INT | ACC_R, 6,
    "TransactionMessageAttempts", T_INT | ACC_RW, 3,
    "TransactionMessageRetryInterval", T_INT | ACC_RW, 60,
), (
    "UnlockConnectorOnEVSideDisconnect", T_BOOL | ACC_RW, True,
    "WebSocketPingInterval", T_INT | ACC_RW, 0,
    "MaxEnergyOnInvalidId", T_INT | ACC_RW, 0,
))
