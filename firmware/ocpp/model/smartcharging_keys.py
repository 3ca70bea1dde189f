"""The Smart Charging profile's configuration keys (OCPP 1.6 section 9.4, errata 3.86 and 4.28),
one declaration each as in ocpp/model/core_keys.py, and those of the UK Smart Charge Points
Regulations 2021 (seed 002: "RandomisedDelay configuration keys are available").

Limits are Zaptec Pro's (seed 002), above MicroOcpp's 8 / 10 / 24:
    ChargeProfileMaxStackLevel 8 (also the profiles per purpose), MaxChargingProfilesInstalled
    24, ChargingScheduleMaxPeriods 32, ChargingScheduleAllowedChargingRateUnit Current,Power.
ConnectorSwitch3to1PhaseSupported is set at start: true when every outlet can switch between
three phases and one (a phase-count relay).
RandomisedDelayEnabled / RandomisedDelayMaxSeconds: before charging starts and before a new
limit applies, a random delay of up to that many seconds (the regulations' default: 600),
shown as SuspendedEVSE; a central system switches it off with RandomisedDelayEnabled false.
"""
from ocpp.core.config.keys import ACC_R, ACC_RW, F_MIN1, LIMIT, T_BOOL, T_INT, T_WORDS

KEYS = ((
    "ChargeProfileMaxStackLevel", T_INT | ACC_R | 100 * LIMIT, 8,
    "ChargingScheduleAllowedChargingRateUnit", T_WORDS | ACC_R, "Current,Power",
    "ChargingScheduleMaxPeriods", T_INT | ACC_R | F_MIN1 | 100 * LIMIT, 32,
    "ConnectorSwitch3to1PhaseSupported", T_BOOL | ACC_R, False,
    "MaxChargingProfilesInstalled", T_INT | ACC_R | F_MIN1 | 64 * LIMIT, 24,
    "RandomisedDelayEnabled", T_BOOL | ACC_RW, False,
    "RandomisedDelayMaxSeconds", T_INT | ACC_RW | 1800 * LIMIT, 600,
),)
