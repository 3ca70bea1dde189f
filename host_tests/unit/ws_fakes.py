# Test doubles for mp_test_ws.py (MicroPython): a fake socket for asyncio streams, a scripted
# WebSocket server answer, and a decoder for the frames the client sends.
import asyncio
import binascii
import hashlib
import io
import struct

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# opcodes (RFC 6455 section 5.2)
OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
TX_CHUNK = 512  # payload bytes per frame of WebSocket.send_pieces (ws.py's _TX_CHUNK)
_POLL = 3  # MP_STREAM_POLL
_CLOSE = 4  # MP_STREAM_CLOSE
_RD = 1  # select.POLLIN
_WR = 4  # select.POLLOUT


class FakeSocket(io.IOBase):
    """A non-blocking socket: reads come from what the test feed()s, writes collect in `sent`.

    respond: called with the request bytes once the HTTP request is complete; what it returns
        is fed (the server's handshake answer).
    chunk: most bytes one read returns, to exercise partial reads.
    wchunk: most bytes one write takes: a sender then waits in drain() (other tasks run).
    """

    def __init__(self, respond=None, chunk=None, wchunk=None):
        self.inbox = bytearray()
        self.pos = 0
        self.sent = bytearray()
        self.respond = respond
        self.chunk = chunk
        self.wchunk = wchunk
        self.filler = 0  # bytes of b"F" served after the inbox, never stored
        self.eof = False
        self.closed = False
        self.request = None

    def feed(self, data):
        self.inbox += data

    def feed_filler(self, n):
        """Serve n bytes of b"F" once the inbox is read (a huge payload without the memory)."""
        self.filler += n

    def readinto(self, buf):
        if self.closed:
            raise OSError(9)  # EBADF, as a closed real socket
        left = len(self.inbox) - self.pos
        if not left and self.filler:
            n = min(len(buf), self.filler, self.chunk or self.filler)
            for i in range(n):
                buf[i] = 70
            self.filler -= n
            return n
        if not left:
            return 0 if self.eof else None
        n = min(len(buf), left, self.chunk or left)
        buf[:n] = memoryview(self.inbox)[self.pos:self.pos + n]
        self.pos += n
        return n

    def readline(self):
        # byte at a time, like MicroPython's unbuffered stream readline
        out = b""
        one = bytearray(1)
        while True:
            r = self.readinto(one)
            if not r:
                return out if out or r == 0 else None
            out += one
            if one[0] == 10:
                return out

    def write(self, buf):
        if self.closed:
            raise OSError(9)
        if self.wchunk:
            buf = memoryview(buf)[:self.wchunk]
        self.sent += buf
        if self.respond is not None and self.request is None:
            end = bytes(self.sent).find(b"\r\n\r\n")
            if end >= 0:
                self.request = bytes(self.sent[:end + 4])
                self.sent = self.sent[end + 4:]
                self.feed(self.respond(self.request))
        return len(buf)

    def ioctl(self, req, arg):
        if req == _POLL:
            ready = 0
            if arg & _RD and (len(self.inbox) > self.pos or self.filler or self.eof
                              or self.closed):
                ready |= _RD
            if arg & _WR:
                ready |= _WR
            return ready
        if req == _CLOSE:
            self.closed = True
        return 0

    def close(self):
        self.closed = True

    def take_sent(self):
        out = bytes(self.sent)
        self.sent = bytearray()
        return out


def request_headers(request):
    """{lower-case name: value} from an HTTP request's header lines."""
    out = {}
    for line in request.decode().split("\r\n")[1:]:
        if ":" in line:
            i = line.index(":")
            out[line[:i].strip().lower()] = line[i + 1:].strip()
    return out


def accept_for(key):
    return binascii.b2a_base64(hashlib.sha1(key.encode() + GUID).digest()).strip().decode()


def server_answer(status=101, protocol="ocpp1.6", accept=None, extra=(), upgrade="websocket"):
    """A `respond` function for FakeSocket: a handshake answer computed from the request.
    accept: "auto" (correct), or a fixed (wrong) value."""
    def respond(request):
        if status != 101:
            return b"HTTP/1.1 %d Nope\r\nContent-Length: 0\r\n\r\n" % status
        key = request_headers(request)["sec-websocket-key"]
        lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: " + upgrade,
                 "Connection: Upgrade",
                 "Sec-WebSocket-Accept: " + (accept if accept else accept_for(key))]
        if protocol is not None:
            lines.append("Sec-WebSocket-Protocol: " + protocol)
        lines.extend(extra)
        return ("\r\n".join(lines) + "\r\n\r\n").encode()
    return respond


def frame(opcode, payload=b"", fin=True, mask=None, rsv=0, length=None):
    """A server frame (unmasked unless mask= 4 bytes is given); length= forces the encoding
    length field for malformed-frame tests."""
    if isinstance(payload, str):
        payload = payload.encode()
    n = len(payload) if length is None else length
    head = bytearray([(0x80 if fin else 0) | rsv | opcode])
    m = 0x80 if mask else 0
    if n < 126:
        head.append(m | n)
    elif n < 65536:
        head.append(m | 126)
        head += struct.pack(">H", n)
    else:
        head.append(m | 127)
        head += struct.pack(">Q", n)
    if mask:
        head += mask
        payload = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
    return bytes(head) + payload


def parse_client_frames(data):
    """Decode client frames -> [(fin, opcode, payload bytes, length_field_bytes)], checking each
    is masked; unmasks with a plain loop (independent of the client's masking code)."""
    frames = []
    i = 0
    while i < len(data):
        b0, b1 = data[i], data[i + 1]
        assert b1 & 0x80, "client frame not masked"
        n = b1 & 0x7F
        i += 2
        ext = 0
        if n == 126:
            n = struct.unpack(">H", data[i:i + 2])[0]
            i += 2
            ext = 2
        elif n == 127:
            n = struct.unpack(">Q", data[i:i + 8])[0]
            i += 8
            ext = 8
        key = data[i:i + 4]
        i += 4
        body = bytearray(data[i:i + n])
        assert len(body) == n, "truncated frame"
        for j in range(n):
            body[j] ^= key[j & 3]
        frames.append((bool(b0 & 0x80), b0 & 0x0F, bytes(body), ext))
        i += n
    return frames


async def open_fake(ws, respond=None, chunk=None, wchunk=None, **kw):
    """Run the client's handshake over a FakeSocket; -> (WebSocket, FakeSocket)."""
    sock = FakeSocket(respond or server_answer(), chunk=chunk, wchunk=wchunk)
    stream = asyncio.StreamReader(sock)
    client = await ws.handshake(stream, "cs.example", 80, "/ocpp/CP_1", **kw)
    return client, sock
