"""Escaped UTF-16 surrogate pairs in a received JSON text, made into the characters they stand
for. Loaded by the RPC layer only for a message that has one (ocpp/core/rpc/__init__.py handle_text).

JSON writes a character beyond U+FFFF as two escapes, "\\ud83d\\ude00" for U+1F600. MicroPython's
json decodes each half on its own into bytes that are not UTF-8; sent back out (in a
CALLERROR's description, an Authorize, a StartTransaction) they make the central system close
the link. So the pair is replaced by the character itself, written as UTF-8 (JSON allows it
in a string as it is), before the text is decoded:

    ...\\ud83d\\ude00...   ->   ...😀...
A lone half has no character: it becomes U+FFFD and combine() says so (the RPC layer refuses
such a message).
"""


def combine(text):
    """(text with its escaped surrogate pairs written as characters, whether a lone half was
    found)."""
    out = []
    lone = False
    i = 0
    start = 0
    while True:
        i = text.find("\\u", i)
        if i < 0:
            break
        # An escape only if the backslash is not itself escaped: an even run before it.
        j = i
        while j > 0 and text[j - 1] == "\\":
            j -= 1
        if (i - j) & 1:
            i += 2
            continue
        hi = _hex(text, i + 2)
        if not 0xD800 <= hi <= 0xDFFF:
            i += 6
            continue
        lo = _hex(text, i + 8) if text[i + 6:i + 8] == "\\u" else -1
        out.append(text[start:i])
        if hi <= 0xDBFF and 0xDC00 <= lo <= 0xDFFF:
            out.append(chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)))
            i += 12
        else:
            out.append("\ufffd")
            lone = True
            i += 6
        start = i
    if not out:
        return text, False
    out.append(text[start:])
    return "".join(out), lone


def _hex(text, i):
    try:
        return int(text[i:i + 4], 16) if len(text) >= i + 4 else -1
    except ValueError:
        return -1
