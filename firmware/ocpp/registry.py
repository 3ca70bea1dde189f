"""The one registry: what this charge point implements, feature profile by feature profile.

Each profile names
  - the central system's commands it answers: ocpp/ops/<Action>.py, handle(cp, payload);
  - the charge point's own messages it sends: ocpp/ops/<Action>.py, which builds the request,
    handles the answer and, where TriggerMessage may ask for it, has trigger(cp, connectorId);
  - the module declaring its configuration keys (one declaration per key: name, kind and
    access, default, limit), read by ocpp/core/config/keys.py.
Everything else is derived from this table: SupportedFeatureProfiles, the RPC layer's dispatch
(an action not here is NotSupported or NotImplemented), TriggerMessage's NotImplemented, the
configuration key table. A new profile is its own modules plus one entry here. The security
whitepaper's messages sit in EXTENSIONS, in the same columns: handled the same way, but not a
feature profile.
"""

# profile, its key declarations (a module below ocpp, or None), the central system's commands
# it answers, the charge point's own messages it sends, the commands among those it answers
# whose payload may be too long to hold and is read as it arrives (handle_stream(), see
# ocpp/core/rpc/streamed.py). The actions are one string each (one
# heap object, where a tuple of them would be one per action when this module is loaded: it is
# loaded for every central-system command in a small heap), each action between spaces.
PROFILES = (
    ("Core", "model.core_keys",
     " ChangeAvailability ChangeConfiguration ClearCache DataTransfer GetConfiguration"
     " RemoteStartTransaction RemoteStopTransaction Reset UnlockConnector ",
     " Authorize BootNotification DataTransfer Heartbeat MeterValues StartTransaction"
     " StatusNotification StopTransaction ", " "),
    ("FirmwareManagement", "model.firmware_keys", " GetDiagnostics UpdateFirmware ",
     " DiagnosticsStatusNotification FirmwareStatusNotification ", " "),
    ("LocalAuthListManagement", "model.locallist_keys", " GetLocalListVersion SendLocalList ",
     " ", " SendLocalList "),
    ("Reservation", "model.reservation_keys", " CancelReservation ReserveNow ", " ", " "),
    ("SmartCharging", "model.smartcharging_keys",
     " ClearChargingProfile GetCompositeSchedule SetChargingProfile ", " ", " "),
    ("RemoteTrigger", None, " TriggerMessage ", " ", " "),
)

# The security whitepaper's messages, in the same columns: answered and sent like a profile's,
# but not a feature profile (SupportedFeatureProfiles does not name it).
EXTENSIONS = (
    ("Security", None,
     " CertificateSigned DeleteCertificate ExtendedTriggerMessage GetInstalledCertificateIds"
     " GetLog InstallCertificate SignedUpdateFirmware ",
     " LogStatusNotification SecurityEventNotification SignCertificate"
     " SignedFirmwareStatusNotification ", " "),
)

# Keys that belong to no feature profile: the security whitepaper's (the connection's
# credentials) and the vendor's (the Zaptec documents in the seeds).
OTHER_KEYS = ("model.security_keys", "model.vendor_keys")


def supported():
    """SupportedFeatureProfiles: the profiles above, as the key's value."""
    return ",".join(p[0] for p in PROFILES)


def answers(action):
    """Whether a central-system CALL of `action` is handled (ocpp/ops/<action>.py handle())."""
    return _listed(action, 2)


def sends(action):
    """Whether the charge point sends `action` itself (ocpp/ops/<action>.py)."""
    return _listed(action, 3)


def streams(action):
    """Whether a CALL of `action` too long to hold is read as it arrives (its module's
    handle_stream(cp, stream))."""
    return _listed(action, 4)


def key_modules():
    """The modules declaring configuration keys, in the order GetConfiguration lists them."""
    for p in PROFILES:
        if p[1]:
            yield p[1]
    yield from OTHER_KEYS


def _listed(action, column):
    if not isinstance(action, str) or not action or " " in action:
        return False
    return _in(PROFILES, action, column) or _in(EXTENSIONS, action, column)


def _in(table, action, column):
    n = len(action)
    for p in table:
        words = p[column]
        i = words.find(action)
        while i > 0:  # a whole word: spaces on both sides (allocates nothing)
            if words[i - 1] == " " and words[i + n] == " ":
                return True
            i = words.find(action, i + 1)
    return False
