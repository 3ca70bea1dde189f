"""The security whitepaper's configuration keys (edition 2, section 3 and A01-A05), one
declaration each as in ocpp/model/core_keys.py. They decide how the charge point connects
(ocpp/model/credentials.py).

AuthorizationKey is write-only, never listed or logged, and has no value until the central
system sets one (config.json's authorization_key is the initial password). SecurityProfile may
only be raised, and only when its prerequisites hold (ocpp/core/config/special.py).
"""
from ocpp.core.config.keys import ACC_RW, ACC_W, LIMIT, T_AUTH, T_INT

KEYS = ((
    "AuthorizationKey", T_AUTH | ACC_W, None,
    "SecurityProfile", T_INT | ACC_RW | 3 * LIMIT, 0,
),)
