"""The OCPP configuration key table, and what reads it: finding a key by name (any letter case),
whether its profile is on, its value on the wire. Imported only while the configuration is
loaded, changed or listed (ocpp/lazy.py); the resident ocpp/config.py needs none of it.

The rules the table encodes are described in ocpp/config.py.
"""
from micropython import const

# -- value kinds and flags, packed in one small int per key -----------------------------------
# (Those no other module reads are private: a private const costs no global. Few globals: the
# module's dict stays a small block.)
T_INT = const(0)
T_BOOL = const(1)
_T_STR = const(2)  # printable ASCII (CiString); its max length: config_edit's limits
# kinds from T_MEAS on (lists, AuthorizationKey) are checked by ocpp/config_special.py
T_MEAS = const(3)  # CSL of measurands, checked against config_measurands.SUPPORTED_MEASURANDS
T_ROT = const(4)  # CSL of <connectorId>.<rotation>
_T_WORDS = const(5)  # CSL of words (read-only lists set by the agent)
T_AUTH = const(6)  # AuthorizationKey
T_MASK = const(7)
ACC_R = const(0)
_ACC_RW = const(8)
ACC_W = const(16)
ACC_MASK = const(24)
F_REBOOT = const(32)
# Profile a key belongs to (0 = always present), flags >> 6 indexes the profiles in present().
_LAL = const(64)
_RES = const(128)
_SC = const(192)
_FW = const(256)

_MAX_KEY_LEN = const(50)
LOCK = "LockCablePermanently"
UNLOCK = "UnlockConnectorOnEVSideDisconnect"

# Optional keys are listed only where the feature exists (OCPP 1.6 section 9: a present optional
# key means the functionality is there): no BlinkRepeat / LightIntensity (no dimmable light),
# MaxEnergyOnInvalidId or MinimumStatusDuration.
#
# The key table: name, kind | access | flags, ... for every key, in the order GetConfiguration
# lists them, in groups. A key is numbered group << 6 | its name's position in the group (so a
# group holds at most 32 keys); name() and flags() read it. Defaults are in ocpp/config_load.py
# (DEFAULTS, in this order), limits in ocpp/config_edit.py (LIMITS).
# Flat tuples of constants, not a tuple per key: importing them builds no row objects, and once
# the configuration is loaded the names are the qstrs of the resident values (the .mpy loader
# then makes no str for them). Groups of at most 16 keys: blocks of at most 272 bytes (64-bit
# port), where one tuple of every key would need 816 contiguous bytes, not always found in a
# fragmented heap.
KEYS = ((
    "AllowOfflineTxForUnknownId", T_BOOL | _ACC_RW,
    "AuthorizationCacheEnabled", T_BOOL | _ACC_RW,
    "AuthorizeRemoteTxRequests", T_BOOL | _ACC_RW,
    "ClockAlignedDataInterval", T_INT | _ACC_RW,
    "ConnectionTimeOut", T_INT | _ACC_RW,
    "ConnectorPhaseRotation", T_ROT | _ACC_RW,
    "ConnectorPhaseRotationMaxLength", T_INT | ACC_R,
    "GetConfigurationMaxKeys", T_INT | ACC_R,
    "HeartbeatInterval", T_INT | _ACC_RW,
    "LocalAuthorizeOffline", T_BOOL | _ACC_RW,
    "LocalPreAuthorize", T_BOOL | _ACC_RW,
    "MessageTimeout", T_INT | _ACC_RW | F_REBOOT,
    "MeterValuesAlignedData", T_MEAS | _ACC_RW,
    "MeterValuesAlignedDataMaxLength", T_INT | ACC_R,
    "MeterValuesSampledData", T_MEAS | _ACC_RW,
    "MeterValuesSampledDataMaxLength", T_INT | ACC_R,
), (
    "MeterValueSampleInterval", T_INT | _ACC_RW,
    "NumberOfConnectors", T_INT | ACC_R,
    "ResetRetries", T_INT | _ACC_RW,
    "StopTransactionMaxMeterValues", T_INT | ACC_R,
    "StopTransactionOnEVSideDisconnect", T_BOOL | _ACC_RW,
    "StopTransactionOnInvalidId", T_BOOL | _ACC_RW,
    "StopTxnAlignedData", T_MEAS | _ACC_RW,
    "StopTxnAlignedDataMaxLength", T_INT | ACC_R,
    "StopTxnSampledData", T_MEAS | _ACC_RW,
    "StopTxnSampledDataMaxLength", T_INT | ACC_R,
    # what this firmware implements; the agent sets it again at start (a no-op when equal)
    "SupportedFeatureProfiles", _T_WORDS | ACC_R,
    "SupportedFeatureProfilesMaxLength", T_INT | ACC_R,
    "TransactionMessageAttempts", T_INT | _ACC_RW,
    "TransactionMessageRetryInterval", T_INT | _ACC_RW,
    "UnlockConnectorOnEVSideDisconnect", T_BOOL | _ACC_RW,
    "WebSocketPingInterval", T_INT | _ACC_RW,
), (
    # security whitepaper
    "AuthorizationKey", T_AUTH | ACC_W,
    "SecurityProfile", T_INT | _ACC_RW,
    # Zaptec (seeds 002, 003)
    "FreeCharging", T_BOOL | _ACC_RW,
    "FreeChargingIdTag", _T_STR | _ACC_RW,
    "LockCablePermanently", T_BOOL | _ACC_RW,
    "OnePhaseChargingPhase", T_INT | _ACC_RW,
    "PowerActiveImportDeltaForEagerMeterValueSample", T_INT | _ACC_RW,
    "UseAuthorizationKeyWithoutDecoding", T_BOOL | _ACC_RW,
), (
    # optional profiles: present only while SupportedFeatureProfiles names them
    "LocalAuthListEnabled", T_BOOL | _ACC_RW | _LAL,
    "LocalAuthListMaxLength", T_INT | ACC_R | _LAL,
    "SendLocalListMaxLength", T_INT | ACC_R | _LAL,
    "ReserveConnectorZeroSupported", T_BOOL | ACC_R | _RES,
    "ChargeProfileMaxStackLevel", T_INT | ACC_R | _SC,
    "ChargingScheduleAllowedChargingRateUnit", _T_WORDS | ACC_R | _SC,
    "ChargingScheduleMaxPeriods", T_INT | ACC_R | _SC,
    "ConnectorSwitch3to1PhaseSupported", T_BOOL | ACC_R | _SC,
    "MaxChargingProfilesInstalled", T_INT | ACC_R | _SC,
    "SupportedFileTransferProtocols", _T_WORDS | ACC_R | _FW,
))


def numbers():
    """Every key's number, in the table's order."""
    for g in range(len(KEYS)):
        for q in range(0, len(KEYS[g]), 2):
            yield g << 6 | q


def name(k):
    """The canonical name of key number ``k``."""
    return KEYS[k >> 6][k & 63]


def flags(k):
    """Kind | access | flags of key number ``k``."""
    return KEYS[k >> 6][(k & 63) + 1]


def find(key):
    """The number of the key named ``key`` (any letter case), or -1."""
    if not isinstance(key, str) or len(key) > _MAX_KEY_LEN:
        return -1
    low = None
    for g in range(len(KEYS)):
        group = KEYS[g]
        for q in range(0, len(group), 2):
            n = group[q]
            if n == key:
                return g << 6 | q
            if len(n) == len(key):
                if low is None:
                    low = key.lower()
                if n.lower() == low:
                    return g << 6 | q
    return -1


def present(cfg, k):
    """Whether key number ``k`` exists now: its profile (if any) is in
    SupportedFeatureProfiles."""
    profile = flags(k) >> 6
    return not profile or (None, "LocalAuthListManagement", "Reservation", "SmartCharging",
                           "FirmwareManagement")[profile] in cfg._v["SupportedFeatureProfiles"]


def readonly(cfg, k):
    """Whether key number ``k`` is read-only now (seed 003: LockCablePermanently=true makes
    UnlockConnectorOnEVSideDisconnect read-only)."""
    return flags(k) & ACC_MASK == ACC_R or (name(k) == UNLOCK and cfg._v[LOCK])


def to_wire(kind, v):
    """A typed value of kind ``kind`` (T_*) as the string the wire carries."""
    if kind == T_BOOL:
        return "true" if v else "false"
    if kind == T_INT:
        return str(v)
    if kind in (T_MEAS, T_ROT, _T_WORDS):
        return ",".join(v)
    return v
