"""The vendor's configuration keys: those of the Zaptec Go/Pro documents (seeds 002, 003), one
declaration each as in ocpp/model/core_keys.py.

    FreeCharging / FreeChargingIdTag   a cable in starts a transaction with that idTag
    LockCablePermanently               true: the cable stays locked after a transaction, and
                                       UnlockConnectorOnEVSideDisconnect is false and read-only
    OnePhaseChargingPhase              the grid phase a single-phase EV gets (phase relay)
    PowerActiveImportDeltaForEagerMeterValueSample   a sample early when the power moves this much
    UseAuthorizationKeyWithoutDecoding the AuthorizationKey is the password as written, not hex
                                       (default: true when config.json gave an initial password)
    VerboseOcppLog                     the diagnostics log on flash keeps the MeterValues and
                                       Heartbeat frames too, for 24 hours (seed 004); then false
"""
from ocpp.core.config.keys import ACC_RW, F_MIN1, LIMIT, T_BOOL, T_INT, T_STR

KEYS = ((
    "FreeCharging", T_BOOL | ACC_RW, False,
    "FreeChargingIdTag", T_STR | ACC_RW | 20 * LIMIT, "FFFFFFFF",
    "LockCablePermanently", T_BOOL | ACC_RW, False,
    "OnePhaseChargingPhase", T_INT | ACC_RW | F_MIN1 | 3 * LIMIT, 1,
    "PowerActiveImportDeltaForEagerMeterValueSample", T_INT | ACC_RW, 0,
    "UseAuthorizationKeyWithoutDecoding", T_BOOL | ACC_RW, None,
    "VerboseOcppLog", T_BOOL | ACC_RW, False,
),)
