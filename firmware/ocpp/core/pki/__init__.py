"""Public-key pieces in MicroPython, each module loaded for the moment it is needed
(ocpp/core/cache.py): nothing here is resident.

    der      reading and writing ASN.1 DER (the tag-length-value format of certificates)
    x509     a certificate's fields, its edition-3 hash data, checking one against its issuer
    rsa      RSA signature checks: PKCS#1 v1.5 and PSS, SHA-256
    p256     the NIST P-256 curve: ECDSA check and signature, key pairs
    csr      a PKCS#10 certificate signing request for a key pair made here

Integers are Python's (MicroPython's long integers): slow next to C, but a check is a
fraction of a second on the unix port, and the curve's work yields to the event loop.
"""
