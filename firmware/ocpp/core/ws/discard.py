"""Refusing a message (ocpp/core/ws/__init__.py): reading and dropping its payload, and the MessageTooBig
that reports an over-size one.

A message is refused when it is over max_size, when the heap has no room for it, when it is
binary (OCPP-J is text only) or when it arrives while we are closing. That is rare, so the client
imports this module for the one message and lets it go when the message is done.
"""
from micropython import const

from ocpp.core.ws import MessageTooBig

HEAD_LEN = const(64)  # bytes of a refused message kept in MessageTooBig.head


async def discard(sock, pos, n):
    """Read and drop n payload bytes at offset `pos` of a refused message, keeping the
    message's first HEAD_LEN bytes in the RX buffer (the rest of the buffer is scratch)."""
    mv = memoryview(sock.rx)
    room = len(mv) - HEAD_LEN
    while n:
        if pos < HEAD_LEN:
            k = min(n, HEAD_LEN - pos)
            await sock.read_into(mv[pos:pos + k])
        else:
            k = min(n, room)
            await sock.read_into(mv[HEAD_LEN:HEAD_LEN + k])
        pos += k
        n -= k


def too_big(sock, size, binary=False):
    """The MessageTooBig for a refused message of `size` bytes (over the limit, or `binary`),
    read through discard()."""
    e = MessageTooBig("binary message of %d bytes" % size if binary else
                      "message of %d bytes exceeds the %d-byte limit" % (size, sock.max_size))
    e.binary = binary
    e.size = size
    e.head = bytes(memoryview(sock.rx)[:min(size, HEAD_LEN)])
    return e
