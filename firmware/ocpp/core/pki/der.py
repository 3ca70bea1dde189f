"""ASN.1 DER, the encoding of certificates, keys and signing requests: read in place (offsets
into the bytes, nothing copied) and written from parts.

    element = | tag | length | content |
    length  = 0..127 in one byte, or 0x80+k then k bytes big-endian (k <= 3 here: 16 MB)

A reader works on (data, start, end) triples: `data` the whole DER, [start:end) one element's
content. Every function raises ValueError on anything malformed, so a caller needs one except.
"""
from micropython import const

SEQUENCE = const(0x30)
SET = const(0x31)
INTEGER = const(0x02)
BIT_STRING = const(0x03)
OCTET_STRING = const(0x04)
NULL = const(0x05)
OID = const(0x06)
UTF8_STRING = const(0x0C)
PRINTABLE_STRING = const(0x13)
UTC_TIME = const(0x17)
GENERALIZED_TIME = const(0x18)


def element(data, at, end=None):
    """The element starting at offset `at`: (tag, content start, content end). It must end by
    `end` (default: the end of data)."""
    if end is None:
        end = len(data)
    if at + 2 > end:
        raise ValueError("DER cut short")
    tag = data[at]
    n = data[at + 1]
    at += 2
    if n & 0x80:
        k = n & 0x7F
        if not 0 < k <= 3 or at + k > end:
            raise ValueError("DER length unsupported or cut short")
        n = 0
        for i in range(k):
            n = (n << 8) | data[at + i]
        at += k
    if at + n > end:
        raise ValueError("DER element longer than its container")
    return tag, at, at + n


def expect(data, at, tag, end=None):
    """element() whose tag must be `tag`: (content start, content end)."""
    t, s, e = element(data, at, end)
    if t != tag:
        raise ValueError("DER tag 0x%02x where 0x%02x was expected" % (t, tag))
    return s, e


def children(data, start, end):
    """The elements inside a constructed element's content [start:end), as a list of
    (tag, content start, content end, element start)."""
    out = []
    at = start
    while at < end:
        t, s, e = element(data, at, end)
        out.append((t, s, e, at))
        at = e
    return out


def integer(data, start, end):
    """A (non-negative) INTEGER's content as an int."""
    return int.from_bytes(bytes(data[start:end]), "big")


def bits(data, start, end):
    """A BIT STRING's content without its unused-bits byte (which must be 0)."""
    if start >= end or data[start]:
        raise ValueError("DER bit string with unused bits")
    return data[start + 1:end]


# -- writing -----------------------------------------------------------------------------------

def tlv(tag, content):
    """One element: tag, length, content (bytes)."""
    n = len(content)
    if n < 0x80:
        head = bytes((tag, n))
    elif n < 0x100:
        head = bytes((tag, 0x81, n))
    else:
        head = bytes((tag, 0x82, n >> 8, n & 0xFF))
    return head + content


def seq(*parts):
    return tlv(SEQUENCE, b"".join(parts))


def bit_length(n):
    """The number of bits of the non-negative int `n` (MicroPython's int has no
    bit_length())."""
    if not n:
        return 0
    h = "%x" % n
    return len(h) * 4 - (4, 3, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0)[int(h[0], 16)]


def uint(n):
    """A non-negative INTEGER (a leading zero byte keeps its top bit clear)."""
    b = n.to_bytes((bit_length(n) + 8) // 8 or 1, "big")
    return tlv(INTEGER, b)
