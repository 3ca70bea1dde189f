"""The Local Auth List Management profile's configuration keys (OCPP 1.6 section 9.2), declared
as in ocpp/model/core_keys.py.

    LocalAuthListEnabled     the list is used and updated (false: SendLocalList NotSupported,
                             GetLocalListVersion -1)
    LocalAuthListMaxLength   2000 entries: beyond Zaptec Go's 1,750 and Pro's 1,024 (seed 002);
                             a look-up reads 11 records of 48 bytes from flash whatever the size
    SendLocalListMaxLength   255 entries per SendLocalList, Zaptec's figure (12 KB of RAM while
                             an update is applied)
"""
from ocpp.core.config.keys import ACC_R, ACC_RW, F_MIN1, LIMIT, T_BOOL, T_INT

KEYS = ((
    "LocalAuthListEnabled", T_BOOL | ACC_RW, True,
    "LocalAuthListMaxLength", T_INT | ACC_R | F_MIN1 | 10000 * LIMIT, 2000,
    "SendLocalListMaxLength", T_INT | ACC_R | F_MIN1 | 1000 * LIMIT, 255,
),)
