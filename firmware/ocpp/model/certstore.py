"""The certificates on flash, read (ocpp/model/certificates.py describes the files and
changes them): what TLS trusts and presents (ocpp/model/credentials.py, at each connection)
and what GetInstalledCertificateIds lists, without loading the code that installs, deletes
and checks certificates.
"""
import store_files

INDEX = "certs.json"
OWN = "cpcert.json"
TYPES = ("CentralSystemRootCertificate", "ManufacturerRootCertificate")
CODE = {"CentralSystemRootCertificate": "C", "ManufacturerRootCertificate": "M"}


def index(store):
    """certs.json as a dict (ocpp/model/certificates.py draws it); empty if missing."""
    idx = store.read_json(INDEX)
    if not isinstance(idx, dict) or not isinstance(idx.get("certs"), list):
        idx = {"n": 0, "certs": []}
    return idx


def roots(store, kind):
    """The installed root certificates of `kind` (a TYPES name), as DER bytes, in the order
    they were installed."""
    out = []
    for code, name, _, _ in index(store)["certs"]:
        if code == CODE[kind]:
            der = store_files.read_bytes(store, name)
            if der:
                out.append(der)
    return out


def ids(store, kind):
    """GetInstalledCertificateIds: the hash data of every installed certificate of `kind`."""
    return [h for code, _, h, _ in index(store)["certs"] if code == CODE[kind]]


def own(store):
    """(certificate DER, key DER) from CertificateSigned, or None."""
    doc = store.read_json(OWN)
    if not isinstance(doc, dict):
        return None
    cert = store_files.read_bytes(store, doc.get("cert", ""))
    key = store_files.read_bytes(store, doc.get("key", ""))
    return (cert, key) if cert and key else None
