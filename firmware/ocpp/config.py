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
from binascii import hexlify, unhexlify

from micropython import const

DOC = "ocpp_config.json"

# -- value kinds and flags, packed in one small int per key -----------------------------------
_INT = const(0)
_BOOL = const(1)
_STR = const(2)  # printable ASCII (CiString); its limit is the max length
_MEAS = const(3)  # CSL of measurands, checked against SUPPORTED_MEASURANDS
_ROT = const(4)  # CSL of <connectorId>.<rotation>
_WORDS = const(5)  # CSL of words (read-only lists set by the agent)
_AUTH = const(6)  # AuthorizationKey
_KIND = const(7)
_R = const(0)
_RW = const(8)
_W = const(16)
_ACCESS = const(24)
_REBOOT = const(32)
# Profile a key belongs to (0 = always present), flags >> 6 indexes _PROFILES.
_LAL = const(64)
_RES = const(128)
_SC = const(192)
_FW = const(256)
_PROFILES = (None, "LocalAuthListManagement", "Reservation", "SmartCharging", "FirmwareManagement")

_INT_MAX = const(2147483647)
MAX_KEY_LEN = const(50)
MAX_VALUE_LEN = const(500)

# The key table: one flat constant tuple, four items per key (no tuple per row: ~2.5 KB less
# heap on the unix port; a frozen build keeps it all in flash). GetConfiguration lists keys in
# this order. Limits: None, (lo, hi) for an integer (default: >= 0), max length for a string;
# a CSL's length limit is its <Key>MaxLength key.
_STRIDE = const(4)
KEYS = (
    "AllowOfflineTxForUnknownId", _BOOL | _RW, False, None,
    "AuthorizationCacheEnabled", _BOOL | _RW, False, None,
    "AuthorizeRemoteTxRequests", _BOOL | _RW, True, None,
    "BlinkRepeat", _INT | _RW, 0, None,
    "ClockAlignedDataInterval", _INT | _RW, 0, None,
    "ConnectionTimeOut", _INT | _RW, 30, None,
    "ConnectorPhaseRotation", _ROT | _RW, "0.RST,1.RST", None,
    "ConnectorPhaseRotationMaxLength", _INT | _R, 2, None,
    "GetConfigurationMaxKeys", _INT | _R, 60, None,
    "HeartbeatInterval", _INT | _RW, 240, None,
    "LightIntensity", _INT | _RW, 100, (0, 100),
    "LocalAuthorizeOffline", _BOOL | _RW, True, None,
    "LocalPreAuthorize", _BOOL | _RW, False, None,
    "MaxEnergyOnInvalidId", _INT | _RW, 0, None,
    "MessageTimeout", _INT | _RW | _REBOOT, 30, (1, 3600),
    "MeterValuesAlignedData", _MEAS | _RW, "Energy.Active.Import.Register", None,
    "MeterValuesAlignedDataMaxLength", _INT | _R, 8, None,
    "MeterValuesSampledData", _MEAS | _RW, "Energy.Active.Import.Register", None,
    "MeterValuesSampledDataMaxLength", _INT | _R, 8, None,
    "MeterValueSampleInterval", _INT | _RW, 60, None,
    "MinimumStatusDuration", _INT | _RW, 0, None,
    "NumberOfConnectors", _INT | _R, 1, (1, 16),
    "ResetRetries", _INT | _RW, 3, None,
    "StopTransactionMaxMeterValues", _INT | _R, 20, None,
    "StopTransactionOnEVSideDisconnect", _BOOL | _RW, True, None,
    "StopTransactionOnInvalidId", _BOOL | _RW, True, None,
    "StopTxnAlignedData", _MEAS | _RW, "", None,
    "StopTxnAlignedDataMaxLength", _INT | _R, 8, None,
    "StopTxnSampledData", _MEAS | _RW, "", None,
    "StopTxnSampledDataMaxLength", _INT | _R, 8, None,
    "SupportedFeatureProfiles", _WORDS | _R, "Core", None,
    "SupportedFeatureProfilesMaxLength", _INT | _R, 6, None,
    "TransactionMessageAttempts", _INT | _RW, 3, None,
    "TransactionMessageRetryInterval", _INT | _RW, 60, None,
    "UnlockConnectorOnEVSideDisconnect", _BOOL | _RW, True, None,
    "WebSocketPingInterval", _INT | _RW, 0, None,
    # security whitepaper
    "AuthorizationKey", _AUTH | _W, None, None,
    "SecurityProfile", _INT | _RW, 0, (0, 3),
    # Zaptec (seeds 002, 003); UseAuthorizationKeyWithoutDecoding's default: see __init__
    "FreeCharging", _BOOL | _RW, False, None,
    "FreeChargingIdTag", _STR | _RW, "FFFFFFFF", 20,
    "LockCablePermanently", _BOOL | _RW, False, None,
    "OnePhaseChargingPhase", _INT | _RW, 1, (1, 3),
    "PowerActiveImportDeltaForEagerMeterValueSample", _INT | _RW, 0, None,
    "UseAuthorizationKeyWithoutDecoding", _BOOL | _RW, None, None,
    # optional profiles: present only while SupportedFeatureProfiles names them
    "LocalAuthListEnabled", _BOOL | _RW | _LAL, True, None,
    "LocalAuthListMaxLength", _INT | _R | _LAL, 100, None,
    "SendLocalListMaxLength", _INT | _R | _LAL, 20, None,
    "ReserveConnectorZeroSupported", _BOOL | _R | _RES, False, None,
    "ChargeProfileMaxStackLevel", _INT | _R | _SC, 8, None,
    "ChargingScheduleAllowedChargingRateUnit", _WORDS | _R | _SC, "Current", None,
    "ChargingScheduleMaxPeriods", _INT | _R | _SC, 8, None,
    "ConnectorSwitch3to1PhaseSupported", _BOOL | _R | _SC, False, None,
    "MaxChargingProfilesInstalled", _INT | _R | _SC, 8, None,
    "SupportedFileTransferProtocols", _WORDS | _R | _FW, "HTTP", None,
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
    for i in range(0, len(KEYS), _STRIDE):
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


def _printable(s, lo, hi):
    if not lo <= len(s) <= hi:
        return False
    for c in s:
        if not " " <= c <= "~":
            return False
    return True


def _to_wire(kind, v):
    if kind == _BOOL:
        return "true" if v else "false"
    if kind == _INT:
        return str(v)
    if kind in (_MEAS, _ROT, _WORDS):
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
        stored = store.read_json(DOC, {})
        if not isinstance(stored, dict):
            log("config: %s is not an object; ignored" % DOC)
            stored = {}
        chosen = {}  # table index -> factory value
        for key in factory or ():
            i = _find(key)
            if i < 0:
                log("config: ocpp_keys.%s is not a known key; ignored" % key)
            else:
                chosen[i] = factory[key]
        keep = {}
        # Plain values first: CSL checks need their <Key>MaxLength, AuthorizationKey its mode.
        for second in (False, True):
            for i in range(0, len(KEYS), _STRIDE):
                name, flags = KEYS[i], KEYS[i + 1]
                if ((flags & _KIND) in (_MEAS, _ROT, _WORDS, _AUTH)) != second:
                    continue
                if name in stored and flags & _ACCESS != _R:
                    v, why = self._parse_stored(i, stored[name])
                    if why is None:
                        keep[name] = stored[name]
                        self._apply(name, v)
                        continue
                    log("config: stored %s invalid (%s); ignored" % (name, why))
                if i in chosen:
                    v, why = self._parse(i, chosen[i])
                    if why:
                        raise ValueError("ocpp_keys.%s: %s" % (name, why))
                elif name == _RAW_KEY:
                    # Seed 003: "false if not previously set, else true": a provisioned
                    # initial password is a key that was set, in plain text.
                    v = initial_password is not None
                else:
                    v, why = self._parse(i, KEYS[i + 2])
                self._apply(name, v)
        self._stored = keep  # the persisted document: changed keys only, wire strings

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
            for i in range(0, len(KEYS), _STRIDE):
                if KEYS[i + 1] & _ACCESS != _W and self._present(i):
                    known.append(self._entry(i))
            return known, unknown
        if len(keys) > self.max_keys:
            raise TooManyKeys("GetConfiguration: %d keys asked, at most %d"
                              % (len(keys), self.max_keys))
        seen = []
        for key in keys:
            i = _find(key)
            if i < 0 or KEYS[i + 1] & _ACCESS == _W or not self._present(i):
                unknown.append(key)
            elif i not in seen:
                seen.append(i)
                known.append(self._entry(i))
        return known, unknown

    def _present(self, i):
        p = KEYS[i + 1] >> 6
        return not p or _PROFILES[p] in self._v["SupportedFeatureProfiles"]

    def _entry(self, i):
        name = KEYS[i]
        readonly = KEYS[i + 1] & _ACCESS == _R or (name == _UNLOCK and self._v[_LOCK])
        return {"key": name, "readonly": readonly,
                "value": _to_wire(KEYS[i + 1] & _KIND, self._v[name])}

    # -- writing ------------------------------------------------------------------------------
    def change(self, key, value):
        """ChangeConfiguration: "Accepted", "RebootRequired", "Rejected" or "NotSupported".

        Nothing is kept unless the value is valid and saved; watchers run after the change.
        """
        i = _find(key)
        if i < 0 or not self._present(i):
            return "NotSupported"
        name, flags = KEYS[i], KEYS[i + 1]
        if flags & _ACCESS == _R or (name == _UNLOCK and self._v[_LOCK]):
            self.log("config: %s is read-only; change rejected" % name)
            return "Rejected"
        if not isinstance(value, str) or len(value) > MAX_VALUE_LEN:
            v, why = None, "must be a string of at most 500 characters"
        else:
            v, why = self._parse(i, value)
        if why is None and name == "SecurityProfile":
            why = self._profile_problem(v)
        if why:
            self.log("config: %s change rejected: %s" % (name, why))
            return "Rejected"
        if not self._persist(i, v):
            return "Rejected"
        self._apply(name, v)
        if flags & _KIND == _AUTH:
            self.log("config: AuthorizationKey changed")  # never its value
        else:
            self.log("config: %s = %s" % (name, _to_wire(flags & _KIND, v)))
        for watched, fn in self._watch:
            if watched == name:
                try:
                    fn(v)
                except Exception as ex:
                    self.log("config: watcher of %s failed: %r" % (name, ex))
        return "RebootRequired" if flags & _REBOOT else "Accepted"

    def set(self, key, value):
        """The agent's own write: no read-only check, no watchers. ``value``: typed or a wire
        string. Persisted for writable keys; read-only ones (facts the agent works out at each
        start, e.g. SupportedFeatureProfiles) live in RAM only. ValueError if invalid."""
        i = _find(key)
        if i < 0:
            raise KeyError(key)
        v, why = self._parse(i, value)
        if why:
            raise ValueError("%s: %s" % (KEYS[i], why))
        if KEYS[i + 1] & _ACCESS != _R and not self._persist(i, v):
            raise OSError("config: cannot save %s" % KEYS[i])
        self._apply(KEYS[i], v)

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

    def _persist(self, i, v):
        if KEYS[i + 1] & _KIND == _AUTH:
            wire = hexlify(v).decode()  # the password bytes, whatever rule produced them
        else:
            wire = _to_wire(KEYS[i + 1] & _KIND, v)
        doc = dict(self._stored)
        doc[KEYS[i]] = wire
        try:
            self.store.write_json(DOC, doc)
        except OSError as ex:
            self.log("config: cannot save %s (%r)" % (KEYS[i], ex))
            return False
        self._stored = doc
        return True

    def _profile_problem(self, new):
        # Security whitepaper A05: raise only, and only with the prerequisites in place.
        now = self._v["SecurityProfile"]
        if new <= now:
            return "may only be raised (now %d)" % now
        if new in (1, 2) and self.auth_password() is None:
            return "needs an AuthorizationKey"
        if new >= 2 and not self.has_ca_cert:
            return "needs a central system root certificate"
        if new == 3 and not self.has_client_cert:
            return "needs a charge point certificate"
        return None

    # -- validation ---------------------------------------------------------------------------
    def _parse_stored(self, i, wire):
        if KEYS[i + 1] & _KIND == _AUTH:
            try:
                return unhexlify(wire), None
            except Exception:
                return None, "not hex"
        return self._parse(i, wire)

    def _parse(self, i, value):
        """(typed value, None) or (None, why). ``value``: a wire string or a JSON value."""
        kind = KEYS[i + 1] & _KIND
        if kind == _INT:
            return _parse_int(i, value)
        if kind == _BOOL:
            if type(value) is bool:
                return value, None
            if isinstance(value, str):
                low = value.lower()
                if low in ("true", "false"):
                    return low == "true", None
            return None, "must be true or false"
        if kind == _STR:
            hi = KEYS[i + 3]
            if isinstance(value, str) and _printable(value, 0, hi):
                return value, None
            return None, "must be printable ASCII, at most %d characters" % hi
        if kind == _AUTH:
            return self._parse_auth(value)
        return self._parse_csl(KEYS[i], kind, value)

    def _parse_auth(self, value):
        if not isinstance(value, str):
            return None, "must be a string"
        if self._v.get(_RAW_KEY):
            # Used as is: an RFC 7617 password (printable ASCII, SP included), 16 to 40 long.
            if _printable(value, 16, 40):
                return value.encode(), None
            return None, "must be 16 to 40 printable ASCII characters"
        # OCPP-J 6.2.2 / security whitepaper: 16 to 20 bytes, sent as 32 to 40 hex digits.
        if 32 <= len(value) <= 40 and not len(value) & 1:
            try:
                return unhexlify(value), None
            except Exception:
                pass
        return None, "must be 32 to 40 hex digits (16 to 20 bytes)"

    def _parse_csl(self, name, kind, value):
        if isinstance(value, str):
            items = [s.strip() for s in value.split(",")] if value.strip() else []
        elif isinstance(value, list) and all(isinstance(s, str) for s in value):
            items = [s.strip() for s in value]
        else:
            return None, "must be a comma-separated list"
        limit = self._v.get(name + "MaxLength")
        if limit is not None and len(items) > limit:
            return None, "at most %d items" % limit
        out = []
        for item in items:
            if kind == _MEAS:
                mp = measurand_phase(item)
                if mp is None:
                    return None, "unsupported measurand %s" % item
                item = mp[0] + "." + mp[1] if mp[1] else mp[0]
            elif kind == _ROT:
                item = self._rotation(item)
                if item is None:
                    return None, "items must be <connectorId>.<rotation>, rotation one of " \
                        + ",".join(ROTATIONS)
                if any(o.split(".")[0] == item.split(".")[0] for o in out):
                    return None, "a connector is listed twice"
            elif not _printable(item, 1, 50):
                return None, "items must be non-empty printable ASCII"
            out.append(item)
        return out, None

    def _rotation(self, item):
        cid, _, rot = item.partition(".")
        if not cid.isdigit() or int(cid) > self._v["NumberOfConnectors"]:
            return None
        rot = _pick(rot, ROTATIONS)
        return cid + "." + rot if rot else None


def _parse_int(i, value):
    lo, hi = KEYS[i + 3] or (0, _INT_MAX)
    n = None
    if type(value) is int:
        n = value
    elif isinstance(value, str):
        s = value.strip()
        if s and len(s) <= 10 and s.isdigit():
            n = int(s)
    if n is None or not lo <= n <= hi:
        if hi == _INT_MAX:
            return None, "must be an integer >= %d" % lo
        return None, "must be an integer from %d to %d" % (lo, hi)
    return n, None
