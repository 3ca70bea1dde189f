"""The XOR masking loop of client frames (RFC 6455 section 5.3), compiled once.

ocpp/core/ws/__init__.py calls compiled() at import and drops this module: only the function it returns
stays in the heap (the viper machine code, or mask_py when the port has no viper emitter).
"""
import micropython


def mask_py(buf, start, n, key, phase):
    """XOR buf[start:start+n] in place with the 4-byte key, the first byte using key[phase & 3]."""
    shift = phase - start
    for i in range(start, start + n):
        buf[i] ^= key[(i + shift) & 3]


# The same loop as native code: ~50x faster on the unix port. Compiled from source so that a
# build without the viper emitter falls back to the plain loop instead of failing to import.
_MASK_VIPER = """
@micropython.viper
def mask(buf: ptr8, start: int, n: int, key: ptr8, phase: int):
    shift = phase - start
    i = start
    end = start + n
    while i < end:
        buf[i] = buf[i] ^ key[(i + shift) & 3]
        i += 1
"""


def compiled():
    """The viper masking function if it compiles and masks correctly here, else mask_py."""
    scope = {"micropython": micropython}
    try:
        exec(_MASK_VIPER, scope)
        probe = bytearray(b"\x00\x00\x00\x00\x00")
        scope["mask"](probe, 0, 5, b"\x01\x02\x03\x04", 1)
        if probe == b"\x02\x03\x04\x01\x02":
            return scope["mask"]
    except Exception:  # no viper emitter, or no compiler in this build
        pass
    return mask_py
