"""Loading the configuration at start (Config.__init__): stored values, then factory values,
then defaults, each validated by ocpp/config_edit.py. Imported for that moment only.
"""
from ocpp import lazy

RAW_KEY = "UseAuthorizationKeyWithoutDecoding"
# The defaults, one per key in the order of config_keys.KEYS (checked like any value: a default
# that does not suit its key stops the start).
DEFAULTS = (
    False,  # AllowOfflineTxForUnknownId
    False,  # AuthorizationCacheEnabled
    True,  # AuthorizeRemoteTxRequests
    0,  # ClockAlignedDataInterval
    30,  # ConnectionTimeOut
    "0.RST,1.RST",  # ConnectorPhaseRotation
    2,  # ConnectorPhaseRotationMaxLength
    60,  # GetConfigurationMaxKeys
    240,  # HeartbeatInterval
    True,  # LocalAuthorizeOffline
    False,  # LocalPreAuthorize
    30,  # MessageTimeout
    "Energy.Active.Import.Register",  # MeterValuesAlignedData
    8,  # MeterValuesAlignedDataMaxLength
    "Energy.Active.Import.Register",  # MeterValuesSampledData
    8,  # MeterValuesSampledDataMaxLength
    60,  # MeterValueSampleInterval
    1,  # NumberOfConnectors
    3,  # ResetRetries
    10,  # StopTransactionMaxMeterValues
    True,  # StopTransactionOnEVSideDisconnect
    True,  # StopTransactionOnInvalidId
    "",  # StopTxnAlignedData
    8,  # StopTxnAlignedDataMaxLength
    "",  # StopTxnSampledData
    8,  # StopTxnSampledDataMaxLength
    "Core,RemoteTrigger",  # SupportedFeatureProfiles
    6,  # SupportedFeatureProfilesMaxLength
    3,  # TransactionMessageAttempts
    60,  # TransactionMessageRetryInterval
    True,  # UnlockConnectorOnEVSideDisconnect
    0,  # WebSocketPingInterval
    None,  # AuthorizationKey: none until the CSMS sets one
    0,  # SecurityProfile
    False,  # FreeCharging
    "FFFFFFFF",  # FreeChargingIdTag
    False,  # LockCablePermanently
    1,  # OnePhaseChargingPhase
    0,  # PowerActiveImportDeltaForEagerMeterValueSample
    None,  # UseAuthorizationKeyWithoutDecoding: see load()
    True,  # LocalAuthListEnabled
    100,  # LocalAuthListMaxLength
    20,  # SendLocalListMaxLength
    False,  # ReserveConnectorZeroSupported
    8,  # ChargeProfileMaxStackLevel
    "Current",  # ChargingScheduleAllowedChargingRateUnit
    8,  # ChargingScheduleMaxPeriods
    False,  # ConnectorSwitch3to1PhaseSupported
    8,  # MaxChargingProfilesInstalled
    "HTTP",  # SupportedFileTransferProtocols
)


def load(cfg, factory):
    """Stored values, then factory values, then defaults, each validated (Config.__init__)."""
    _intern_names(cfg)
    # Imported now, the table's names are the qstrs just made: no str object of its own for each
    from ocpp.config_edit import DOC, apply, parse
    from ocpp.config_keys import (ACC_MASK, ACC_R, T_AUTH, T_MASK, T_MEAS, find, flags, name,
                                  numbers)

    store, log, initial_password = cfg.store, cfg.log, cfg.initial_password
    stored = store.read_json(DOC, {})
    if not isinstance(stored, dict):
        log("config: %s is not an object; ignored" % DOC)
        stored = {}
    chosen = {}  # key number -> factory value
    for key in factory or ():
        k = find(key)
        if k < 0:
            log("config: ocpp_keys.%s is not a known key; ignored" % key)
        else:
            chosen[k] = factory[key]
    keep = {}
    fixed = []
    # Plain values first: CSL checks need their <Key>MaxLength, AuthorizationKey its mode.
    for second in (False, True):
        i = 0  # index in DEFAULTS
        for k in numbers():
            key, kind = name(k), flags(k)
            i += 1
            if (kind & T_MASK >= T_MEAS) != second:  # a list or AuthorizationKey
                continue
            if kind & ACC_MASK == ACC_R:
                fixed.append(key)
            elif key in stored:
                if kind & T_MASK == T_AUTH:
                    v, why = lazy.use("config_special").auth_stored(stored[key])
                else:
                    v, why = parse(cfg, k, stored[key])
                if why is None:
                    keep[key] = stored[key]
                    apply(cfg, key, v)
                    continue
                log("config: stored %s invalid (%s); ignored" % (key, why))
            if k in chosen:
                v, why = parse(cfg, k, chosen[k])
                if why:
                    raise ValueError("ocpp_keys.%s: %s" % (key, why))
            elif key == RAW_KEY:
                # Seed 003: "false if not previously set, else true": a provisioned
                # initial password is a key that was set, in plain text.
                v = initial_password is not None
            elif kind & T_MASK == T_AUTH:
                v = None  # none until the CSMS sets one
            else:
                v, why = parse(cfg, k, DEFAULTS[i - 1])
                if why:
                    raise ValueError("default of %s: %s" % (key, why))
            apply(cfg, key, v)
    cfg._stored = keep  # the persisted document: changed keys only, wire strings
    cfg._fixed = tuple(fixed)


class _Scratch:
    pass


def _intern_names(cfg):
    # cfg._v, made with every key (value None), keyed by qstrs. The resident dict outlives the
    # table: keyed by the table's own strings it would keep each name as a heap str object
    # (~64 bytes on a 64-bit port). An attribute name is a qstr, stored once in the qstr pool
    # (about its length); a str built from the same characters then is that qstr, costing no
    # heap block of its own. And once they are qstrs, the .mpy loader makes no str for the
    # names when the table is imported again (~3 KB less for the rest of the loading and for
    # every later edit). fromkeys() sizes the dict once: no growing through ever larger blocks.
    table = lazy.use("config_keys")
    lazy.drop("config_keys")
    scratch = _Scratch()
    names = []
    for k in table.numbers():
        key = table.name(k)
        setattr(scratch, key, None)
        names.append(key[0:len(key)])
    cfg._v = dict.fromkeys(names)
