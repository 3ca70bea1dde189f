"""The OCPP configuration key table, and what reads it: finding a key by name (any letter case),
whether its profile is on, its value on the wire. Imported only while the configuration is
loaded, changed or listed (ocpp/lazy.py); the resident ocpp/config.py needs none of it.

The rules the table encodes are described in ocpp/config.py.
"""
from micropython import const

# -- value kinds and flags, packed in one small int per key -----------------------------------
T_INT = const(0)
T_BOOL = const(1)
T_STR = const(2)  # printable ASCII (CiString); its limit is the max length
T_MEAS = const(3)  # CSL of measurands, checked against config_measurands.SUPPORTED_MEASURANDS
T_ROT = const(4)  # CSL of <connectorId>.<rotation>
T_WORDS = const(5)  # CSL of words (read-only lists set by the agent)
T_AUTH = const(6)  # AuthorizationKey
T_MASK = const(7)
ACC_R = const(0)
ACC_RW = const(8)
ACC_W = const(16)
ACC_MASK = const(24)
F_REBOOT = const(32)
# Profile a key belongs to (0 = always present), flags >> 6 indexes _PROFILES.
_LAL = const(64)
_RES = const(128)
_SC = const(192)
_FW = const(256)
_PROFILES = (None, "LocalAuthListManagement", "Reservation", "SmartCharging", "FirmwareManagement")

MAX_KEY_LEN = const(50)
LOCK = "LockCablePermanently"
UNLOCK = "UnlockConnectorOnEVSideDisconnect"

# Optional keys are listed only where the feature exists (OCPP 1.6 section 9: a present optional
# key means the functionality is there): no BlinkRepeat / LightIntensity (no dimmable light),
# MaxEnergyOnInvalidId or MinimumStatusDuration.
# The key table, one row per key: (name, kind | access | flags, default, limit). Limits: None,
# (lo, hi) for an integer (default: >= 0), max length for a string; a CSL's length limit is its
# <Key>MaxLength key. GetConfiguration lists keys in this order. A row per key, not one flat
# tuple: the table is loaded into a heap already in use, where 50 blocks of 48 bytes are found
# where one of 1.6 KB may not be (a frozen build keeps it all in flash anyway).
KEYS = (
    ("AllowOfflineTxForUnknownId", T_BOOL | ACC_RW, False, None),
    ("AuthorizationCacheEnabled", T_BOOL | ACC_RW, False, None),
    ("AuthorizeRemoteTxRequests", T_BOOL | ACC_RW, True, None),
    ("ClockAlignedDataInterval", T_INT | ACC_RW, 0, None),
    ("ConnectionTimeOut", T_INT | ACC_RW, 30, None),
    ("ConnectorPhaseRotation", T_ROT | ACC_RW, "0.RST,1.RST", None),
    ("ConnectorPhaseRotationMaxLength", T_INT | ACC_R, 2, None),
    ("GetConfigurationMaxKeys", T_INT | ACC_R, 60, None),
    ("HeartbeatInterval", T_INT | ACC_RW, 240, None),
    ("LocalAuthorizeOffline", T_BOOL | ACC_RW, True, None),
    ("LocalPreAuthorize", T_BOOL | ACC_RW, False, None),
    ("MessageTimeout", T_INT | ACC_RW | F_REBOOT, 30, (1, 3600)),
    ("MeterValuesAlignedData", T_MEAS | ACC_RW, "Energy.Active.Import.Register", None),
    ("MeterValuesAlignedDataMaxLength", T_INT | ACC_R, 8, None),
    ("MeterValuesSampledData", T_MEAS | ACC_RW, "Energy.Active.Import.Register", None),
    ("MeterValuesSampledDataMaxLength", T_INT | ACC_R, 8, None),
    ("MeterValueSampleInterval", T_INT | ACC_RW, 60, None),
    ("NumberOfConnectors", T_INT | ACC_R, 1, (1, 16)),
    ("ResetRetries", T_INT | ACC_RW, 3, None),
    ("StopTransactionMaxMeterValues", T_INT | ACC_R, 10, None),
    ("StopTransactionOnEVSideDisconnect", T_BOOL | ACC_RW, True, None),
    ("StopTransactionOnInvalidId", T_BOOL | ACC_RW, True, None),
    ("StopTxnAlignedData", T_MEAS | ACC_RW, "", None),
    ("StopTxnAlignedDataMaxLength", T_INT | ACC_R, 8, None),
    ("StopTxnSampledData", T_MEAS | ACC_RW, "", None),
    ("StopTxnSampledDataMaxLength", T_INT | ACC_R, 8, None),
    # what this firmware implements; the agent sets it again at start (a no-op when equal)
    ("SupportedFeatureProfiles", T_WORDS | ACC_R, "Core,RemoteTrigger", None),
    ("SupportedFeatureProfilesMaxLength", T_INT | ACC_R, 6, None),
    ("TransactionMessageAttempts", T_INT | ACC_RW, 3, None),
    ("TransactionMessageRetryInterval", T_INT | ACC_RW, 60, None),
    ("UnlockConnectorOnEVSideDisconnect", T_BOOL | ACC_RW, True, None),
    ("WebSocketPingInterval", T_INT | ACC_RW, 0, None),
    # security whitepaper
    ("AuthorizationKey", T_AUTH | ACC_W, None, None),
    ("SecurityProfile", T_INT | ACC_RW, 0, (0, 3)),
    # Zaptec (seeds 002, 003); UseAuthorizationKeyWithoutDecoding's default: see config_edit
    ("FreeCharging", T_BOOL | ACC_RW, False, None),
    ("FreeChargingIdTag", T_STR | ACC_RW, "FFFFFFFF", 20),
    ("LockCablePermanently", T_BOOL | ACC_RW, False, None),
    ("OnePhaseChargingPhase", T_INT | ACC_RW, 1, (1, 3)),
    ("PowerActiveImportDeltaForEagerMeterValueSample", T_INT | ACC_RW, 0, None),
    ("UseAuthorizationKeyWithoutDecoding", T_BOOL | ACC_RW, None, None),
    # optional profiles: present only while SupportedFeatureProfiles names them
    ("LocalAuthListEnabled", T_BOOL | ACC_RW | _LAL, True, None),
    ("LocalAuthListMaxLength", T_INT | ACC_R | _LAL, 100, None),
    ("SendLocalListMaxLength", T_INT | ACC_R | _LAL, 20, None),
    ("ReserveConnectorZeroSupported", T_BOOL | ACC_R | _RES, False, None),
    ("ChargeProfileMaxStackLevel", T_INT | ACC_R | _SC, 8, None),
    ("ChargingScheduleAllowedChargingRateUnit", T_WORDS | ACC_R | _SC, "Current", None),
    ("ChargingScheduleMaxPeriods", T_INT | ACC_R | _SC, 8, None),
    ("ConnectorSwitch3to1PhaseSupported", T_BOOL | ACC_R | _SC, False, None),
    ("MaxChargingProfilesInstalled", T_INT | ACC_R | _SC, 8, None),
    ("SupportedFileTransferProtocols", T_WORDS | ACC_R | _FW, "HTTP", None),
)


def find(key):
    """The row index in KEYS of ``key`` (any letter case), or -1."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LEN:
        return -1
    low = None
    for i in range(len(KEYS)):
        name = KEYS[i][0]
        if name == key:
            return i
        if len(name) == len(key):
            if low is None:
                low = key.lower()
            if name.lower() == low:
                return i
    return -1


def present(cfg, i):
    """Whether the key in row KEYS[i] exists now: its profile (if any) is in
    SupportedFeatureProfiles."""
    p = KEYS[i][1] >> 6
    return not p or _PROFILES[p] in cfg._v["SupportedFeatureProfiles"]


def readonly(cfg, i):
    """Whether the key in row KEYS[i] is read-only now (seed 003: LockCablePermanently=true makes
    UnlockConnectorOnEVSideDisconnect read-only)."""
    name, flags = KEYS[i][0], KEYS[i][1]
    return flags & ACC_MASK == ACC_R or (name == UNLOCK and cfg._v[LOCK])


def to_wire(kind, v):
    """A typed value of kind ``kind`` (T_*) as the string the wire carries."""
    if kind == T_BOOL:
        return "true" if v else "false"
    if kind == T_INT:
        return str(v)
    if kind in (T_MEAS, T_ROT, T_WORDS):
        return ",".join(v)
    return v
