"""The Reservation profile's configuration key (OCPP 1.6 section 9.3), declared as in
ocpp/model/core_keys.py.

    ReserveConnectorZeroSupported   a reservation of connector 0 keeps one connector free for
                                    its idTag (config.json "ocpp_keys" may turn it off)
"""
from ocpp.core.config.keys import ACC_R, T_BOOL

KEYS = ((
    "ReserveConnectorZeroSupported", T_BOOL | ACC_R, True,
),)
