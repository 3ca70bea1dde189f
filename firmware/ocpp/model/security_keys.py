"""The security whitepaper's configuration keys (edition 2, section 3 and A01-A05), one
declaration each as in ocpp/model/core_keys.py. They decide how the charge point connects
(ocpp/model/credentials.py).

AuthorizationKey is write-only, never listed or logged, and has no value until the central
system sets one (config.json's authorization_key is the initial password). SecurityProfile may
only be raised, and only when its prerequisites hold (ocpp/core/config/special.py).

The certificate keys describe ocpp/model/certificates.py: at most CertificateStoreMaxLength
root certificates installed, a CertificateSigned chain of at most CertificateSignedMaxChainSize
characters, no AdditionalRootCertificateCheck (a new root need not be signed by the old one).
CpoName is the organization a signing request names (O=), as A02 asks.
"""
from ocpp.core.config.keys import ACC_R, ACC_RW, ACC_W, LIMIT, T_AUTH, T_BOOL, T_INT, T_STR

KEYS = ((
    "AdditionalRootCertificateCheck", T_BOOL | ACC_R, False,
    "AuthorizationKey", T_AUTH | ACC_W, None,
    "CertificateSignedMaxChainSize", T_INT | ACC_R, 10000,
    "CertificateStoreMaxLength", T_INT | ACC_R, 8,
    "CpoName", T_STR | ACC_RW | 50 * LIMIT, "",
    "SecurityProfile", T_INT | ACC_RW | 3 * LIMIT, 0,
),)
