"""The storage module's rarely used half (store.py): files too big to be documents (a
downloaded firmware bundle, the files of a bundle unpacked into a slot directory, the log read
for an upload) and binary files (certificates, keys), opened, made and removed in a Store's
root. Imported by what handles such files (ocpp/model/firmware.py, ocpp/model/diagnostics.py,
ocpp/model/certificates.py), so a charge point that never updates never holds this code.
"""
import os


def open_file(store, name, mode="rb"):
    """The file `name` opened (streamed in blocks by the caller, never read whole)."""
    return open(store.path(name), mode)


def mkdir(store, name):
    """Make directory `name` and its parents; no error if it exists."""
    part = ""
    for piece in store.path(name).split("/"):
        part += piece
        if piece:
            try:
                os.mkdir(part)
            except OSError:
                pass  # exists already
        part += "/"


def rmtree(store, name):
    """Remove directory `name` and everything in it (no error if it is missing)."""
    _rmtree(store.path(name))


def _rmtree(path):
    try:
        entries = list(os.ilistdir(path))
    except OSError:
        return
    for entry in entries:
        child = path + "/" + entry[0]
        if entry[1] == 0x4000:  # a directory
            _rmtree(child)
        else:
            os.remove(child)
    os.rmdir(path)


def write_bytes(store, name, data):
    """Replace file `name` by `data` (bytes, a few KB: a certificate, a key) atomically, as
    Store.write_json does: name.tmp written whole, then renamed over name."""
    tmp = store.path(name) + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, store.path(name))


def read_bytes(store, name):
    """The whole file `name` (a few KB), or None if it is missing."""
    try:
        with open(store.path(name), "rb") as f:
            return f.read()
    except OSError:
        return None
