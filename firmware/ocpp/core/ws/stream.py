"""A text message read as it arrives (ocpp/core/ws/__init__.py, WebSocket.streams): for a
message whose length has no bound worth buffering (a SendLocalList of 255 entries is some
35 KB), the reader takes its payload a few hundred bytes at a time, across as many
CONTINUATION frames as the server split it into, answering pings between them. Loaded for
such a message.

    stream = await sock.recv()           # a MessageStream instead of a str
    stream.head                          # its first bytes (up to 64), already read
    while (text := await stream.read_text()) is not None:
        ...                              # str pieces, whole UTF-8 characters each
    await stream.drain()                 # the rest, dropped (also after an error)

The message must be read to its end (read_text() returned None, or drain()) before recv() is
called again: the socket is in the middle of it until then.
"""
from micropython import const

from ocpp.core import cache, ws

_CHUNK = const(256)  # bytes read at a time, into the socket's own RX buffer


class MessageStream:
    def __init__(self, sock, head_len, left, fin):
        self.sock = sock
        self.head = bytes(memoryview(sock.rx)[:head_len])
        self.size = head_len  # payload bytes read so far
        self._left = left  # bytes of the current frame still on the wire
        self._fin = fin  # the current frame is the message's last
        self._carry = 0  # bytes of a character cut by the last read, kept at rx[0:]
        self._head_text = True  # the head's text is still to be handed out by read_text()

    async def readinto(self, mv):
        """Up to len(mv) more payload bytes into the memoryview mv -> how many; 0 at the end."""
        sock = self.sock
        while not self._left:
            if self._fin:
                sock.mid_frame = False
                return 0
            fin, op, n = await sock.read_frame_header()
            if op >= ws.OP_CLOSE:
                if not await sock.control(op, n):
                    raise EOFError("the connection closed in the middle of a message")
            elif op != ws.OP_CONT:
                await cache.use("core.ws.closing").nested(sock)  # raises
            else:
                self._left, self._fin = n, fin
        k = min(len(mv), self._left)
        await sock.read_into(mv[:k])
        self._left -= k
        self.size += k
        return k

    async def read_text(self):
        """The next piece of the message as a str (the head's text first), or None at the
        end. A character split between reads is kept for the next piece; UnicodeError for
        bytes that are not UTF-8."""
        if self._head_text:
            self._head_text = False
            cut = _whole(self.head, len(self.head))
            buf = self.sock.rx
            buf[:len(self.head) - cut] = self.head[cut:]
            self._carry = len(self.head) - cut
            return str(self.head[:cut], "utf-8")
        buf = self.sock.rx
        mv = memoryview(buf)
        n = await self.readinto(mv[self._carry:_CHUNK])
        if not n:
            if self._carry:
                raise UnicodeError("the message ends inside a character")
            return None
        end = self._carry + n
        cut = _whole(buf, end)
        text = str(mv[:cut], "utf-8")
        buf[:end - cut] = mv[cut:end]
        self._carry = end - cut
        return text

    async def drain(self):
        """Read and drop what is left of the message."""
        mv = memoryview(self.sock.rx)[:_CHUNK]
        while await self.readinto(mv):
            pass


def _whole(b, n):
    """How many of the n bytes of b end on a whole UTF-8 character (a cut one waits)."""
    i = n - 1
    while i >= 0 and n - i <= 4 and b[i] & 0xC0 == 0x80:
        i -= 1  # continuation bytes: back to the character's first byte
    if i < 0:
        return n
    c = b[i]
    need = 1 if c < 0x80 else 2 if c < 0xE0 else 3 if c < 0xF0 else 4
    return n if n - i >= need else i
