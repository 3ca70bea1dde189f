# Temporary directories for MicroPython tests (the unix port has no tempfile module).
import os
from binascii import hexlify


def fresh_dir(prefix="mp_test"):
    """A new empty directory under /tmp."""
    d = "/tmp/%s_%s" % (prefix, hexlify(os.urandom(6)).decode())
    os.mkdir(d)
    return d


def rmtree(path):
    for entry in os.ilistdir(path):
        p = path + "/" + entry[0]
        if entry[1] == 0x4000:
            rmtree(p)
        else:
            os.remove(p)
    os.rmdir(path)
