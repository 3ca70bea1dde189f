"""OCPP 1.6 configuration keys: the table, validation, GetConfiguration / ChangeConfiguration.

Where a value comes from, strongest first:
  1. a value the CSMS changed (ChangeConfiguration) or the agent set() on a writable key:
     persisted in store document "ocpp_config.json" = {key: wire string}, changed keys only;
  2. the factory value: config.json "ocpp_keys" (may set read-only keys too; not persisted, so a
     new factory value applies at the next start to every key nobody changed);
  3. the default in the table below.
A value is always validated before it is kept: a bad one is never stored.

Keys (OCPP 1.6 edition 2 section 9.1 + errata v4.0, security whitepaper, Zaptec seeds):
  * key names are matched case-insensitively (they are CiString50); answers use the canonical
    spelling. Values are strings on the wire: "true"/"false", decimal integers, CSL "a,b".
  * AuthorizationKey is write-only: never in a GetConfiguration answer (asked for by name, it
    is listed in unknownKey) and never logged.
  * SecurityProfile may only be raised by ChangeConfiguration (A05), and only when its
    prerequisites hold: 1 and 2 need a password, 2 and 3 has_ca_cert, 3 has_client_cert.
  * Keys of the optional profiles (local list, reservation, smart charging, firmware) exist
    only while SupportedFeatureProfiles (set by the agent) names their profile.
  * GetConfigurationMaxKeys (60) bounds a GetConfiguration request: a longer key list raises
    TooManyKeys; answer it with a CALLERROR (OccurenceConstraintViolation).
  * MessageTimeout answers RebootRequired (the RPC layer reads it once); all others apply at once.
  * LockCablePermanently=true makes UnlockConnectorOnEVSideDisconnect false and read-only
    (seed 003).
Defaults: the specification's where it names one (MeterValuesSampledData =
Energy.Active.Import.Register), else the Zaptec documents (seeds 001/002: HeartbeatInterval 240,
WebSocketPingInterval 0, ConnectionTimeOut 30, MeterValueSampleInterval 60, LocalPreAuthorize
false, LocalAuthorizeOffline true, ConnectorPhaseRotation 0.RST,1.RST, FreeChargingIdTag
FFFFFFFF, OnePhaseChargingPhase 1). Clock-aligned data (0) and the authorization cache (false)
are off until they are implemented; a board's config.json can change any default.
"""
from micropython import const

from ocpp import lazy

DOC = "ocpp_config.json"

# -- value kinds and flags, packed in one small int per key -----------------------------------
T_INT = const(0)
T_BOOL = const(1)
T_STR = const(2)  # printable ASCII (CiString); its limit is the max length
T_MEAS = const(3)  # CSL of measurands, checked against SUPPORTED_MEASURANDS
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

INT_MAX = const(2147483647)
MAX_KEY_LEN = const(50)
MAX_VALUE_LEN = const(500)

# Optional keys are listed only where the feature exists (OCPP 1.6 section 9: a present optional
# key means the functionality is there): no BlinkRepeat / LightIntensity (no dimmable light),
# MaxEnergyOnInvalidId or MinimumStatusDuration.
# The key table: one flat constant tuple, four items per key (no tuple per row: ~2.5 KB less
# heap on the unix port; a frozen build keeps it all in flash). GetConfiguration lists keys in
# this order. Limits: None, (lo, hi) for an integer (default: >= 0), max length for a string;
# a CSL's length limit is its <Key>MaxLength key.
STRIDE = const(4)
KEYS = (
    "AllowOfflineTxForUnknownId", T_BOOL | ACC_RW, False, None,
    "AuthorizationCacheEnabled", T_BOOL | ACC_RW, False, None,
    "AuthorizeRemoteTxRequests", T_BOOL | ACC_RW, True, None,
    "ClockAlignedDataInterval", T_INT | ACC_RW, 0, None,
    "ConnectionTimeOut", T_INT | ACC_RW, 30, None,
    "ConnectorPhaseRotation", T_ROT | ACC_RW, "0.RST,1.RST", None,
    "ConnectorPhaseRotationMaxLength", T_INT | ACC_R, 2, None,
    "GetConfigurationMaxKeys", T_INT | ACC_R, 60, None,
    "HeartbeatInterval", T_INT | ACC_RW, 240, None,
    "LocalAuthorizeOffline", T_BOOL | ACC_RW, True, None,
    "LocalPreAuthorize", T_BOOL | ACC_RW, False, None,
    "MessageTimeout", T_INT | ACC_RW | F_REBOOT, 30, (1, 3600),
    "MeterValuesAlignedData", T_MEAS | ACC_RW, "Energy.Active.Import.Register", None,
    "MeterValuesAlignedDataMaxLength", T_INT | ACC_R, 8, None,
    "MeterValuesSampledData", T_MEAS | ACC_RW, "Energy.Active.Import.Register", None,
    "MeterValuesSampledDataMaxLength", T_INT | ACC_R, 8, None,
    "MeterValueSampleInterval", T_INT | ACC_RW, 60, None,
    "NumberOfConnectors", T_INT | ACC_R, 1, (1, 16),
    "ResetRetries", T_INT | ACC_RW, 3, None,
    "StopTransactionMaxMeterValues", T_INT | ACC_R, 10, None,
    "StopTransactionOnEVSideDisconnect", T_BOOL | ACC_RW, True, None,
    "StopTransactionOnInvalidId", T_BOOL | ACC_RW, True, None,
    "StopTxnAlignedData", T_MEAS | ACC_RW, "", None,
    "StopTxnAlignedDataMaxLength", T_INT | ACC_R, 8, None,
    "StopTxnSampledData", T_MEAS | ACC_RW, "", None,
    "StopTxnSampledDataMaxLength", T_INT | ACC_R, 8, None,
    "SupportedFeatureProfiles", T_WORDS | ACC_R, "Core", None,
    "SupportedFeatureProfilesMaxLength", T_INT | ACC_R, 6, None,
    "TransactionMessageAttempts", T_INT | ACC_RW, 3, None,
    "TransactionMessageRetryInterval", T_INT | ACC_RW, 60, None,
    "UnlockConnectorOnEVSideDisconnect", T_BOOL | ACC_RW, True, None,
    "WebSocketPingInterval", T_INT | ACC_RW, 0, None,
    # security whitepaper
    "AuthorizationKey", T_AUTH | ACC_W, None, None,
    "SecurityProfile", T_INT | ACC_RW, 0, (0, 3),
    # Zaptec (seeds 002, 003); UseAuthorizationKeyWithoutDecoding's default: see __init__
    "FreeCharging", T_BOOL | ACC_RW, False, None,
    "FreeChargingIdTag", T_STR | ACC_RW, "FFFFFFFF", 20,
    "LockCablePermanently", T_BOOL | ACC_RW, False, None,
    "OnePhaseChargingPhase", T_INT | ACC_RW, 1, (1, 3),
    "PowerActiveImportDeltaForEagerMeterValueSample", T_INT | ACC_RW, 0, None,
    "UseAuthorizationKeyWithoutDecoding", T_BOOL | ACC_RW, None, None,
    # optional profiles: present only while SupportedFeatureProfiles names them
    "LocalAuthListEnabled", T_BOOL | ACC_RW | _LAL, True, None,
    "LocalAuthListMaxLength", T_INT | ACC_R | _LAL, 100, None,
    "SendLocalListMaxLength", T_INT | ACC_R | _LAL, 20, None,
    "ReserveConnectorZeroSupported", T_BOOL | ACC_R | _RES, False, None,
    "ChargeProfileMaxStackLevel", T_INT | ACC_R | _SC, 8, None,
    "ChargingScheduleAllowedChargingRateUnit", T_WORDS | ACC_R | _SC, "Current", None,
    "ChargingScheduleMaxPeriods", T_INT | ACC_R | _SC, 8, None,
    "ConnectorSwitch3to1PhaseSupported", T_BOOL | ACC_R | _SC, False, None,
    "MaxChargingProfilesInstalled", T_INT | ACC_R | _SC, 8, None,
    "SupportedFileTransferProtocols", T_WORDS | ACC_R | _FW, "HTTP", None,
)

# Measurands this charger can report. Each may carry the phase suffixes listed with it
# (Spec 9.1.15: "Voltage.L1"); the others are whole-charger values only.
SUPPORTED_MEASURANDS = ("Energy.Active.Import.Register", "Power.Active.Import", "Power.Offered",
                        "Current.Import", "Current.Offered", "Voltage")
_PHASES = ((), ("L1", "L2", "L3"), (), ("L1", "L2", "L3", "N"), (),
           ("L1-N", "L2-N", "L3-N", "L1-L2", "L2-L3", "L3-L1", "L1", "L2", "L3"))
ROTATIONS = ("NotApplicable", "Unknown", "RST", "RTS", "SRT", "STR", "TRS", "TSR")

_LOCK = "LockCablePermanently"
_UNLOCK = "UnlockConnectorOnEVSideDisconnect"
_RAW_KEY = "UseAuthorizationKeyWithoutDecoding"


class TooManyKeys(ValueError):
    """A GetConfiguration request named more keys than GetConfigurationMaxKeys."""


def _find(key):
    """The index in KEYS of ``key`` (any letter case), or -1."""
    if not isinstance(key, str) or len(key) > MAX_KEY_LEN:
        return -1
    low = None
    for i in range(0, len(KEYS), STRIDE):
        name = KEYS[i]
        if name == key:
            return i
        if len(name) == len(key):
            if low is None:
                low = key.lower()
            if name.lower() == low:
                return i
    return -1


def _pick(word, choices):
    """The canonical spelling in ``choices`` of ``word`` (case-insensitive), or None."""
    low = word.lower()
    for c in choices:
        if c.lower() == low:
            return c
    return None


def measurand_phase(item):
    """Split a measurand CSL item: "Voltage.L1" -> ("Voltage", "L1"); "Power.Offered" ->
    ("Power.Offered", None). Canonical spelling; None if not supported."""
    low = item.lower()
    for i, m in enumerate(SUPPORTED_MEASURANDS):
        ml = m.lower()
        if low == ml:
            return m, None
        if _PHASES[i] and low.startswith(ml + "."):
            phase = _pick(item[len(m) + 1:], _PHASES[i])
            if phase:
                return m, phase
    return None


def _to_wire(kind, v):
    if kind == T_BOOL:
        return "true" if v else "false"
    if kind == T_INT:
        return str(v)
    if kind in (T_MEAS, T_ROT, T_WORDS):
        return ",".join(v)
    return v


class Config:
    """The charge point's OCPP configuration keys (one object per charge point).

    ``store``: a store.Store; ``factory``: config.json "ocpp_keys" (dict) or None;
    ``initial_password``: config.json authorization_key (plain text) or None.
    Raises ValueError("ocpp_keys.<Key>: <why>") for an invalid factory value of a known key.
    Attributes the agent sets: ``has_ca_cert``, ``has_client_cert`` (SecurityProfile checks).
    """

    def __init__(self, store, factory=None, initial_password=None, log=print):
        self.store = store
        self.log = log
        self.initial_password = initial_password
        self.has_ca_cert = False
        self.has_client_cert = False
        self._watch = []
        self._v = {}  # canonical name -> typed value: get() is one dict lookup
        edit = lazy.use("config_edit")
        try:
            edit.load(self, factory)
        finally:
            lazy.drop("config_edit")

    # -- reading ------------------------------------------------------------------------------
    def get(self, key):
        """Typed value: int, bool, str, or list of str for CSL keys (AuthorizationKey: the
        password bytes it set, or None). KeyError for an unknown key."""
        try:
            return self._v[key]
        except KeyError:
            i = _find(key)
            if i < 0:
                raise
            return self._v[KEYS[i]]

    def auth_password(self):
        """The HTTP Basic password to use now (bytes): the AuthorizationKey set by the CSMS,
        else the provisioned initial password (as given), else None."""
        pw = self._v["AuthorizationKey"]
        if pw is not None:
            return pw
        if self.initial_password is not None:
            return self.initial_password.encode()
        return None

    @property
    def max_keys(self):
        """GetConfigurationMaxKeys: the most keys one GetConfiguration may name."""
        return self._v["GetConfigurationMaxKeys"]

    def get_configuration(self, keys=None):
        """GetConfiguration: ([{"key", "readonly", "value"}], [unknown keys, as asked]).

        ``keys`` None or empty: every key but AuthorizationKey. Raises TooManyKeys when more
        than GetConfigurationMaxKeys keys are named (answer: CALLERROR
        OccurenceConstraintViolation). A key named twice is answered once.
        """
        known = []
        unknown = []
        if not keys:
            for i in range(0, len(KEYS), STRIDE):
                if KEYS[i + 1] & ACC_MASK != ACC_W and self._present(i):
                    known.append(self._entry(i))
            return known, unknown
        if len(keys) > self.max_keys:
            raise TooManyKeys("GetConfiguration: %d keys asked, at most %d"
                              % (len(keys), self.max_keys))
        seen = []
        for key in keys:
            i = _find(key)
            if i < 0 or KEYS[i + 1] & ACC_MASK == ACC_W or not self._present(i):
                unknown.append(key)
            elif i not in seen:
                seen.append(i)
                known.append(self._entry(i))
        return known, unknown

    def _entry(self, i):
        name = KEYS[i]
        readonly = KEYS[i + 1] & ACC_MASK == ACC_R or (name == _UNLOCK and self._v[_LOCK])
        return {"key": name, "readonly": readonly,
                "value": _to_wire(KEYS[i + 1] & T_MASK, self._v[name])}

    def _present(self, i):
        p = KEYS[i + 1] >> 6
        return not p or _PROFILES[p] in self._v["SupportedFeatureProfiles"]

    # -- writing ------------------------------------------------------------------------------
    def change(self, key, value):
        """ChangeConfiguration: "Accepted", "RebootRequired", "Rejected" or "NotSupported".

        Nothing is kept unless the value is valid and saved; watchers run after the change.
        """
        try:
            return lazy.use("config_edit").change(self, key, value)
        finally:
            lazy.drop("config_edit")

    def set(self, key, value):
        """The agent's own write: no read-only check, no watchers. ``value``: typed or a wire
        string. Persisted for writable keys; read-only ones (facts the agent works out at each
        start, e.g. SupportedFeatureProfiles) live in RAM only. ValueError if invalid."""
        try:
            lazy.use("config_edit").set(self, key, value)
        finally:
            lazy.drop("config_edit")

    def watch(self, key, fn):
        """Call fn(new typed value) after each Accepted / RebootRequired change of ``key``."""
        i = _find(key)
        if i < 0:
            raise KeyError(key)
        self._watch.append((KEYS[i], fn))

    def _apply(self, name, v):
        if name == _UNLOCK:
            self._unlock_own = v
            if self._v.get(_LOCK):
                v = False  # seed 003: a permanently locked cable is never unlocked on EV side
        elif name == _LOCK and _UNLOCK in self._v:
            self._v[_UNLOCK] = False if v else self._unlock_own
        self._v[name] = v

    # -- validation ---------------------------------------------------------------------------
