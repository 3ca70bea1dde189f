"""OCPP 1.6 configuration keys: the typed values the agent reads all day.

Only the values stay in the heap. The key table (keys.py, gathered from the declarations of
the features that own the keys, named by ocpp/registry.py), loading values at start (load.py),
checking and changing them (edit.py; lists, AuthorizationKey and SecurityProfile in special.py,
loaded only for those keys), the measurand lists (measurands.py) and the GetConfiguration
answer (report.py) are modules of this package imported when they run (ocpp/core/cache.py).

Where a value comes from, strongest first:
  1. a value the CSMS changed (ChangeConfiguration) or the agent set() on a writable key:
     persisted in store document "ocpp_config.json" = {key: wire string}, changed keys only;
  2. the factory value: config.json "ocpp_keys" (may set read-only keys too; not persisted, so a
     new factory value applies at the next start to every key nobody changed);
  3. the declared default.
A value is always validated before it is kept: a bad one is never stored.

Rules (OCPP 1.6 edition 2 section 9 + errata v4.0, security whitepaper, Zaptec seeds):
  * key names are matched case-insensitively (they are CiString50); answers use the canonical
    spelling. Values are strings on the wire: "true"/"false", decimal integers, CSL "a,b".
  * a key exists only if a feature of this firmware declares it: an optional key present means
    the functionality is there (section 9).
  * AuthorizationKey is write-only: never in a GetConfiguration answer (asked for by name, it
    is listed in unknownKey) and never logged.
  * SecurityProfile may only be raised by ChangeConfiguration (A05), and only when its
    prerequisites hold: 1 and 2 need a password, 2 and 3 a wss:// URL and has_ca_cert, 3
    has_client_cert. (If the first connection with the raised profile fails anyway, the charge
    point goes back to the previous one.)
  * GetConfigurationMaxKeys (60) bounds a GetConfiguration request: a longer key list raises
    TooManyKeys; answer it with a CALLERROR (OccurenceConstraintViolation).
  * A key flagged F_REBOOT (MessageTimeout: the RPC layer reads it once) answers
    RebootRequired; all others apply at once.
  * LockCablePermanently=true makes UnlockConnectorOnEVSideDisconnect false and read-only
    (seed 003).
"""
from ocpp.core import cache


# The key table, gathered from the declarations once (ocpp/core/config/keys.py keeps it here).
TABLE = []


class TooManyKeys(ValueError):
    """A GetConfiguration request named more keys than GetConfigurationMaxKeys."""


def _done():
    # Forget the code imported for one edit or answer (a running GetConfiguration stream keeps
    # what it uses alive until it ends; ocpp/model/metering.py, while loaded, its measurand_phase).
    cache.done("core.config")


def _wire(v):
    # A typed value's canonical wire string (keys.to_wire without the table); None for
    # what has none here (bytes, None).
    if type(v) is bool:
        return "true" if v else "false"
    if type(v) is int:
        return str(v)
    if type(v) is str:
        return v
    if type(v) is list and all(type(s) is str for s in v):
        return ",".join(v)
    return None


class Config:
    """The charge point's OCPP configuration keys (one object per charge point).

    ``store``: a store.Store; ``factory``: config.json "ocpp_keys" (dict) or None;
    ``initial_password``: config.json authorization_key (plain text) or None.
    Raises ValueError("ocpp_keys.<Key>: <why>") for an invalid factory value of a known key.
    Attributes the agent sets: ``secure_url`` (wss://), ``has_ca_cert``, ``has_client_cert``
    (SecurityProfile checks).
    """

    def __init__(self, store, factory=None, initial_password=None, log=print):
        self.store = store
        self.log = log
        self.initial_password = initial_password
        self.secure_url = False
        self.has_ca_cert = False
        self.has_client_cert = False
        self._watch = []
        self._v = {}  # canonical name -> typed value, every key: get() is one dict lookup
        self._stored = {}  # the saved document: changed writable keys -> wire string
        self._fixed = ()  # names of the read-only keys (never saved)
        try:
            cache.use("core.config.load").load(self, factory)
        finally:
            _done()

    # -- reading ------------------------------------------------------------------------------
    def get(self, key):
        """Typed value: int, bool, str, or list of str for CSL keys (AuthorizationKey: the
        password bytes it set, or None). Any letter case; KeyError for an unknown key."""
        try:
            return self._v[key]
        except KeyError:
            return self._v[self._canonical(key)]

    def _canonical(self, key):
        # _v holds every key under its canonical name: no table needed to match another case
        if isinstance(key, str):
            low = key.lower()
            for name in self._v:
                if len(name) == len(key) and name.lower() == low:
                    return name
        raise KeyError(key)

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
        """GetConfiguration: the answer's payload as an iterator of str pieces; joined, they are
        the JSON text {"configurationKey": [{"key", "readonly", "value"}...], "unknownKey": [...]}
        (unknownKey only when some key is unknown). The pieces are made as they are taken, so the
        whole answer is never held (see ocpp/core/config/report.py).

        ``keys`` None or empty: every key but AuthorizationKey. Raises TooManyKeys at once when
        more than GetConfigurationMaxKeys keys are named (answer: CALLERROR
        OccurenceConstraintViolation). Key names match in any letter case; a key named twice is
        answered once; an unknown one (or AuthorizationKey) is listed in unknownKey as asked.
        """
        try:
            return cache.use("core.config.report").answer(self, keys)
        finally:
            _done()

    # -- writing ------------------------------------------------------------------------------
    def change(self, key, value):
        """ChangeConfiguration: "Accepted", "RebootRequired", "Rejected" or "NotSupported".

        Nothing is kept unless the value is valid and saved; watchers run after the change.
        """
        try:
            return cache.use("core.config.edit").change(self, key, value)
        finally:
            _done()

    def set(self, key, value):
        """The agent's own write: no read-only check, no watchers. ``value``: typed or a wire
        string. Persisted for writable keys; read-only ones (facts the agent works out at each
        start, e.g. SupportedFeatureProfiles) live in RAM only. ValueError if invalid.
        Setting the value a key already has (and has saved) costs nothing."""
        if self._unchanged(key, value):
            return
        try:
            cache.use("core.config.edit").set(self, key, value)
        finally:
            _done()

    def _unchanged(self, key, value):
        # Every boot sets the same facts again (SupportedFeatureProfiles, the HeartbeatInterval
        # of BootNotification.conf): when the value is the one in force and, for a writable key,
        # the one saved, say so without loading the table and editor (~7 KB). Only an exact
        # canonical wire string counts (anything else takes the full path and its checks).
        if key == "AuthorizationKey" or key not in self._v:
            return False
        wire = value if isinstance(value, str) else _wire(value)
        if wire is None:
            return False
        if key in self._fixed:  # read-only: in RAM only
            return wire == _wire(self._v[key])
        return self._stored.get(key) == wire

    def watch(self, key, fn):
        """Call fn(new typed value) after each Accepted / RebootRequired change of ``key``."""
        name = key if key in self._v else self._canonical(key)
        self._watch.append((name, fn))
