"""RFC 6455 WebSocket client on MicroPython asyncio streams, written for a small heap.

    sock = await connect("wss://cs.example/ocpp/CP_1", ssl=tls_context(ca_der),
                         headers=[("Authorization", "Basic ...")])
    await sock.send('[2,"1","Heartbeat",{}]')
    await sock.send_pieces(gen())   # one message from a generator of str, in several frames
    text = await sock.recv()        # str; None once the connection is closed
    await sock.close()

A frame on the wire (section 5.2). The client masks every frame it sends; a server never masks:

    byte 0   FIN | RSV1-3 (must be 0) | opcode (0 cont, 1 text, 2 binary, 8 close, 9 ping, 10 pong)
    byte 1   MASK | length 0..125, or 126 -> 2 more bytes (big-endian), 127 -> 8 more bytes
    [2 or 8 bytes extended length] [4 bytes masking key, client frames only] payload

A message made by send_pieces() is fragmented (section 5.4): a TEXT frame with FIN=0, then
CONTINUATION frames, the last with FIN=1, one per TX buffer's worth of pieces. The write lock is
held for the whole message, so no other frame (not even a pong) comes between its fragments.

Memory: outgoing payload is copied chunk by chunk into one reused TX buffer and masked there in
place (a str is read through a memoryview, so even its UTF-8 encoding is never copied whole);
incoming messages land in one RX buffer that grows to the largest accepted message (at most
max_size) and is kept, so the memory a max_size message needs is claimed once rather than hunted
for in a fragmented heap later. Control frames have their own 125-byte buffer. A text message
costs its bytes in the RX buffer plus the str handed to the caller.
"""
import asyncio
import os
import struct
import time

import micropython
from micropython import const

from ocpp import lazy

OP_CONT = const(0x0)
OP_TEXT = const(0x1)
OP_BINARY = const(0x2)
OP_CLOSE = const(0x8)
OP_PING = const(0x9)
OP_PONG = const(0xA)

CLOSE_NORMAL = const(1000)
CLOSE_PROTOCOL_ERROR = const(1002)
CLOSE_NO_STATUS = const(1005)  # never sent: "the close frame had no code"
CLOSE_INVALID_DATA = const(1007)

HEAD_LEN = const(64)  # bytes of a refused message kept in MessageTooBig.head
TX_CHUNK = const(512)  # payload bytes masked and written at a time
TX_HEAD = const(14)  # the longest client frame header; the first payload byte follows it
RX_MIN = const(512)  # initial RX buffer; also the scratch space a refused message is read into
MAX_CONTROL = const(125)
CLOSE_WAIT_MS = const(2000)  # how long close() waits to send its frame and for the server's

_OPEN = const(0)
_CLOSING = const(1)  # our close frame is out (or going out); waiting for the server's
_CLOSED = const(2)


class WebSocketError(Exception):
    """The connection failed (I/O error, protocol violation, refused handshake); it is closed."""


class HandshakeError(WebSocketError):
    """The opening handshake failed. `status` is the HTTP status when the server answered with
    something other than 101 (401 and 404 tell the caller something), else None."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class MessageTooBig(Exception):
    """A message over max_size arrived and was read and discarded; the connection is still usable.
    `size` is its total length in bytes, `head` its first bytes (up to 64), enough to find the
    OCPP unique id and answer a CALL with a CALLERROR."""

    def __init__(self, size, head, limit):
        super().__init__("message of %d bytes exceeds the %d-byte limit" % (size, limit))
        self.size = size
        self.head = head


# -- masking ---------------------------------------------------------------------------------
def _mask_py(buf, start, n, key, phase):
    """XOR buf[start:start+n] in place with the 4-byte key, the first byte using key[phase & 3]."""
    shift = phase - start
    for i in range(start, start + n):
        buf[i] ^= key[(i + shift) & 3]


# The same loop as native code: ~50x faster on the unix port. Compiled from source at import so a
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


def _compile_mask():
    scope = {"micropython": micropython}
    try:
        exec(_MASK_VIPER, scope)
        probe = bytearray(b"\x00\x00\x00\x00\x00")
        scope["mask"](probe, 0, 5, b"\x01\x02\x03\x04", 1)
        if probe == b"\x02\x03\x04\x01\x02":
            return scope["mask"]
    except Exception:  # no viper emitter, or no compiler in this build
        pass
    return _mask_py


_mask = _compile_mask()


# -- opening: URLs, TLS, handshake --------------------------------------------------------
# That code is needed only while connecting, so it lives in ocpp/wsopen.py, imported for the
# moment it is used and then dropped again: its bytecode does not stay in the heap.
def _wsopen():
    return lazy.use("wsopen")


def _drop_wsopen():
    lazy.drop("wsopen")


def parse_url(url):
    """'ws://host[:port][/path][?query]' or 'wss://...' -> (secure, host, port, path)."""
    try:
        return _wsopen().parse_url(url)
    finally:
        _drop_wsopen()


def pem_to_der(pem):
    """PEM text (bytes) -> the DER bytes of its first block."""
    try:
        return _wsopen().pem_to_der(pem)
    finally:
        _drop_wsopen()


def tls_context(ca_der=None, cert_der=None, key_der=None):
    """A verifying TLS client context (see ocpp/wsopen.py); never an unverified one."""
    try:
        return _wsopen().tls_context(ca_der, cert_der, key_der)
    finally:
        _drop_wsopen()


async def connect(url, *, protocols=("ocpp1.6",), headers=(), ssl=None, timeout_ms=10000,
                  max_size=16384):
    """Open a WebSocket to `url`; see ocpp/wsopen.py connect() for the arguments."""
    try:
        return await _wsopen().connect(url, protocols=protocols, headers=headers, ssl=ssl,
                                       timeout_ms=timeout_ms, max_size=max_size)
    finally:
        _drop_wsopen()


async def handshake(stream, host, port, path, *, secure=False, protocols=("ocpp1.6",),
                    headers=(), max_size=16384):
    """The opening handshake on an already open stream (see ocpp/wsopen.py)."""
    try:
        return await _wsopen().handshake(stream, host, port, path, secure=secure,
                                         protocols=protocols, headers=headers, max_size=max_size)
    finally:
        _drop_wsopen()


def _describe(e):
    text = " ".join(str(e).split())  # mbedTLS messages come wrapped in newlines: one log line
    if isinstance(e, OSError) and e.args and isinstance(e.args[0], int):
        try:
            import errno

            text = errno.errorcode.get(e.args[0], text)  # "ECONNREFUSED" rather than "111"
        except (ImportError, AttributeError):
            pass
        if e.args[0] < 0:  # getaddrinfo's EAI_* codes
            text = "cannot resolve the host name (%d)" % e.args[0]
    return type(e).__name__ + (": " + text if text else "")


# -- the connection ----------------------------------------------------------------------------
class WebSocket:
    """An open client WebSocket. One task reads (recv); any number of tasks may send.

    subprotocol   the subprotocol the server selected (None if none was offered)
    last_rx_ms    time.ticks_ms() when the last frame of any kind arrived (for dead-link checks)
    closed        True once a close was started or the connection failed
    close_code    the status code in the server's close frame (1005: it gave none), else None
    close_reason  the reason text in the server's close frame
    """

    def __init__(self, stream, subprotocol=None, max_size=16384):
        self.subprotocol = subprotocol
        self.max_size = max_size
        self.last_rx_ms = time.ticks_ms()
        self.close_code = None
        self.close_reason = ""
        self._stream = stream
        self._state = _OPEN
        self._tx = bytearray(TX_HEAD + TX_CHUNK)
        self._rx = bytearray(RX_MIN)
        self._ctl = bytearray(MAX_CONTROL)
        self._hdr = bytearray(10)  # 2 bytes + up to 8 bytes of extended length
        self._lock = asyncio.Lock()  # one frame on the wire at a time
        self._reading = False
        self._mid_frame = False  # bytes of a message were consumed: cancelling now desyncs
        self._peer_closed = asyncio.Event()  # set once the connection is fully closed

    @property
    def closed(self):
        return self._state != _OPEN

    # -- receiving ------------------------------------------------------------------------------
    async def recv(self):
        """The next text message as a str, or None once the connection is closed.

        Pings are answered, pongs noted, binary messages discarded, and a close frame from the
        server is answered (then None). Raises MessageTooBig for a text message over max_size
        (discarded, the connection stays usable) and WebSocketError if the connection fails
        (protocol violation: closed with 1002, invalid UTF-8: 1007, I/O error, EOF)."""
        while self._state != _CLOSED:
            if self._reading:
                raise WebSocketError("recv() is already running in another task")
            self._reading = True
            try:
                text = await self._read_message()
            except MessageTooBig:
                if self._state == _OPEN:
                    raise
                continue
            except (OSError, EOFError) as e:
                if self._state == _CLOSED:  # close() shut the socket under us: not an error
                    return None
                await self._shutdown()
                raise WebSocketError("connection lost: " + _describe(e))
            except asyncio.CancelledError:
                if self._mid_frame:  # the stream is somewhere inside a frame: unusable
                    await self._shutdown()
                raise
            finally:
                self._reading = False
            if text is not None and self._state == _OPEN:
                return text
            # a binary message, or data after our close frame: dropped; read on
        return None

    async def _read_message(self):
        """Frames up to the end of one data message -> its text; None when it is dropped
        (binary, or we are closing) or the connection closed."""
        self._mid_frame = False
        size = 0  # payload bytes of the message so far
        kind = -1  # opcode of the message's first frame
        keep = False  # its bytes are being stored (else discarded)
        too_big = False
        while True:
            fin, op, n = await self._read_frame_header()
            if op >= OP_CLOSE:
                if not await self._control(op, n):
                    return None
                continue
            if op == OP_CONT:
                if kind < 0:
                    await self._fail(CLOSE_PROTOCOL_ERROR, "continuation frame with no message")
            elif kind >= 0:
                await self._fail(CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one")
            else:
                kind = op
                keep = op == OP_TEXT and self._state == _OPEN
            if keep and (size + n > self.max_size or not self._reserve(size, size + n)):
                keep = False  # over the limit, or no memory for it: refuse it all the same
                too_big = True
            if keep:
                await self._read_into(memoryview(self._rx)[size:size + n])
            else:
                await self._discard(size, n)
            size += n
            if fin:
                break
        self._mid_frame = False
        if too_big:
            raise MessageTooBig(size, bytes(memoryview(self._rx)[:min(size, HEAD_LEN)]),
                                self.max_size)
        if not keep:
            return None
        try:
            return str(memoryview(self._rx)[:size], "utf-8")
        except UnicodeError:  # MicroPython checks the byte structure, not every rule of UTF-8
            await self._fail(CLOSE_INVALID_DATA, "text message is not valid UTF-8")

    async def _read_frame_header(self):
        h = self._hdr
        hv = memoryview(h)
        await self._read_into(hv[:2])
        self.last_rx_ms = time.ticks_ms()
        op = h[0] & 0x0F
        n = h[1] & 0x7F
        if h[0] & 0x70:
            await self._fail(CLOSE_PROTOCOL_ERROR, "reserved bits set (no extension negotiated)")
        if h[1] & 0x80:
            await self._fail(CLOSE_PROTOCOL_ERROR, "masked frame from the server")
        if op >= OP_CLOSE:
            if op > OP_PONG:
                await self._fail(CLOSE_PROTOCOL_ERROR, "unknown opcode %d" % op)
            if not h[0] & 0x80 or n > MAX_CONTROL:
                await self._fail(CLOSE_PROTOCOL_ERROR, "control frame fragmented or over 125 bytes")
        elif op > OP_BINARY:
            await self._fail(CLOSE_PROTOCOL_ERROR, "unknown opcode %d" % op)
        if n == 126:
            await self._read_into(hv[2:4])
            n = (h[2] << 8) | h[3]
        elif n == 127:
            await self._read_into(hv[2:10])
            if h[2] & 0x80:
                await self._fail(CLOSE_PROTOCOL_ERROR, "64-bit length with the top bit set")
            n = struct.unpack_from(">Q", h, 2)[0]
        return h[0] & 0x80, op, n

    async def _read_into(self, mv):
        """Fill the memoryview `mv` from the stream."""
        got = 0
        want = len(mv)
        while got < want:
            r = await self._stream.readinto(mv[got:] if got else mv)
            if r is None:  # TLS: a partial record arrived, nothing to hand out yet
                continue
            if r == 0:
                raise EOFError("connection closed by the server without a close frame")
            self._mid_frame = True
            got += r

    def _reserve(self, have, need):
        """Make the RX buffer hold `need` bytes, keeping its first `have`; False if the heap
        has no room (the buffer is then unchanged)."""
        rx = self._rx
        if len(rx) >= need:
            return True
        try:
            if have == 0:  # nothing to keep: free the old buffer before claiming the new one
                self._rx = None
                self._rx = bytearray(need)
                return True
            # a fragmented message: grow geometrically so many small fragments copy rarely
            grown = bytearray(max(need, min(2 * len(rx), self.max_size)))
        except MemoryError:
            self._rx = rx
            return False
        grown[:have] = memoryview(rx)[:have]
        self._rx = grown
        return True

    async def _discard(self, pos, n):
        """Read and drop n payload bytes at offset `pos` of a refused message, keeping the
        message's first HEAD_LEN bytes in the RX buffer."""
        mv = memoryview(self._rx)
        room = len(mv) - HEAD_LEN
        while n:
            if pos < HEAD_LEN:
                k = min(n, HEAD_LEN - pos)
                await self._read_into(mv[pos:pos + k])
            else:
                k = min(n, room)
                await self._read_into(mv[HEAD_LEN:HEAD_LEN + k])
            pos += k
            n -= k

    async def _control(self, op, n):
        """Handle a ping, pong or close frame; False once the connection is closed."""
        payload = memoryview(self._ctl)[:n]
        if n:
            await self._read_into(payload)
        if op == OP_PING:
            if self._state == _OPEN:
                await self._send_frame(OP_PONG, payload)
            return True
        if op == OP_PONG:
            return True
        # close: 2-byte code + UTF-8 reason, or empty
        if n == 1:
            await self._fail(CLOSE_PROTOCOL_ERROR, "close frame with a 1-byte payload")
        code = CLOSE_NO_STATUS
        if n:
            code = (payload[0] << 8) | payload[1]
            if not _valid_close_code(code):
                await self._fail(CLOSE_PROTOCOL_ERROR, "invalid close code %d" % code)
            try:
                self.close_reason = str(payload[2:], "utf-8")
            except UnicodeError:
                await self._fail(CLOSE_INVALID_DATA, "close reason is not valid UTF-8")
        self.close_code = code
        if self._state == _OPEN:  # the server started the close: answer it (section 5.5.1)
            self._state = _CLOSING
            try:
                await asyncio.wait_for_ms(
                    self._send_close(None if code == CLOSE_NO_STATUS else code, ""), CLOSE_WAIT_MS)
            except Exception:
                pass
        await self._shutdown()
        return False

    # -- sending --------------------------------------------------------------------------------
    async def send(self, text):
        """Send one text message (a str, or bytes holding UTF-8). Safe from several tasks."""
        if self._state != _OPEN:
            raise WebSocketError("connection is closed")
        await self._send_frame(OP_TEXT, text)

    async def ping(self, data=b""):
        """Send a ping (at most 125 bytes of data); the answer only updates last_rx_ms."""
        if len(data) > MAX_CONTROL:
            raise ValueError("ping data over 125 bytes")
        if self._state != _OPEN:
            raise WebSocketError("connection is closed")
        await self._send_frame(OP_PING, data)

    async def _send_close(self, code, reason):
        if code is None:
            await self._send_frame(OP_CLOSE, b"")
        else:
            await self._send_frame(OP_CLOSE, struct.pack(">H", code) + reason.encode())

    async def send_pieces(self, pieces):
        """Send one text message: the pieces (str or UTF-8 bytes, from any iterable) joined.

        The message is fragmented as the TX buffer fills (a TEXT frame with FIN=0, CONTINUATION
        frames, the last with FIN=1), so it is never held whole and a piece is taken only when
        the frames before it are on the wire. If the iterable raises before the first frame is
        out, its exception propagates and the connection stays usable; after that the
        connection is closed (half a message cannot be taken back) and WebSocketError raised."""
        if self._state != _OPEN:
            raise WebSocketError("connection is closed")
        buf = self._tx
        async with self._lock:
            if self._state != _OPEN:
                raise WebSocketError("connection is closed")
            op = OP_TEXT
            fill = 0  # payload bytes waiting in buf[TX_HEAD:]
            try:
                for piece in pieces:
                    mv = memoryview(piece)  # a str yields its UTF-8 bytes: no encoded copy
                    n = len(mv)
                    done = 0
                    while done < n:
                        if fill == TX_CHUNK:  # full, and more is coming: not the last frame
                            await self._write_frame(op, fill, False)
                            op = OP_CONT
                            fill = 0
                        k = min(n - done, TX_CHUNK - fill)
                        buf[TX_HEAD + fill:TX_HEAD + fill + k] = mv[done:done + k]
                        fill += k
                        done += k
                await self._write_frame(op, fill, True)
            except WebSocketError:
                raise
            except asyncio.CancelledError:
                if op == OP_CONT:  # fragments are out: the message can never be finished
                    await self._shutdown()
                raise
            except Exception as e:  # the pieces failed
                if op == OP_CONT:
                    await self._shutdown()
                    raise WebSocketError("message abandoned after its first frame: %r" % (e,))
                raise

    async def _write_frame(self, op, n, fin):
        """Write the n payload bytes waiting at _tx[TX_HEAD:] as one frame (lock held)."""
        buf = self._tx
        start, key = _put_header(buf, op | 0x80 if fin else op, n)
        _mask(buf, TX_HEAD, n, key, 0)
        try:
            self._stream.write(memoryview(buf)[start:TX_HEAD + n])
            await self._stream.drain()
        except OSError as e:
            await self._shutdown()
            raise WebSocketError("send failed: " + _describe(e))
        except asyncio.CancelledError:  # the frame may be partly out: nothing can follow it
            await self._shutdown()
            raise

    async def _send_frame(self, op, data):
        """One masked frame. The payload goes through the TX buffer TX_CHUNK bytes at a time."""
        mv = memoryview(data)  # a str yields its UTF-8 bytes: no encoded copy
        n = len(mv)
        async with self._lock:
            if self._state == _CLOSED or (op != OP_CLOSE and self._state != _OPEN):
                raise WebSocketError("connection is closed")
            buf = self._tx
            start, key = _put_header(buf, 0x80 | op, n)
            pos = TX_HEAD
            out = memoryview(buf)
            done = 0
            started = False
            try:
                while True:
                    k = min(n - done, len(buf) - pos)
                    buf[pos:pos + k] = mv[done:done + k]
                    _mask(buf, pos, k, key, done)
                    started = True
                    self._stream.write(out[start:pos + k])
                    await self._stream.drain()  # the buffer is reused next: wait until it is out
                    done += k
                    if done >= n:
                        return
                    start = pos = 0
            except OSError as e:
                await self._shutdown()
                raise WebSocketError("send failed: " + _describe(e))
            except asyncio.CancelledError:
                if started:  # half a frame is on the wire: nothing can follow it
                    await self._shutdown()
                raise

    # -- closing --------------------------------------------------------------------------------
    async def close(self, code=CLOSE_NORMAL, reason=""):
        """Close handshake: send a close frame, wait up to CLOSE_WAIT_MS for the server's close
        frame (read by the recv() task if one is running), then close the socket. Never raises
        for a broken link; calling it again does nothing."""
        if not _valid_close_code(code) or len(reason.encode()) > 123:
            raise ValueError("bad close code or reason over 123 bytes")
        try:
            if self._state == _OPEN:
                self._state = _CLOSING
                await asyncio.wait_for_ms(self._send_close(code, reason), CLOSE_WAIT_MS)
                if self._reading:
                    await asyncio.wait_for_ms(self._peer_closed.wait(), CLOSE_WAIT_MS)
                else:
                    await asyncio.wait_for_ms(self._read_until_closed(), CLOSE_WAIT_MS)
            elif self._state == _CLOSING:  # another task is closing: wait for it
                await asyncio.wait_for_ms(self._peer_closed.wait(), CLOSE_WAIT_MS)
        except Exception:  # timeout, dead link, protocol error: the socket closes anyway
            pass
        finally:  # also when cancelled: never leave the socket open
            await self._shutdown()

    async def _read_until_closed(self):
        self._reading = True
        try:
            while self._state != _CLOSED:
                try:
                    await self._read_message()  # data is discarded while closing
                except MessageTooBig:
                    pass
        finally:
            self._reading = False

    async def _fail(self, code, why):
        """Protocol violation by the server: close with `code`, then raise."""
        if self._state == _OPEN:
            self._state = _CLOSING
            try:
                await asyncio.wait_for_ms(self._send_close(code, why[:100]), CLOSE_WAIT_MS)
            except Exception:
                pass
        await self._shutdown()
        raise WebSocketError("protocol error: %s (closed with %d)" % (why, code))

    async def _shutdown(self):
        if self._state == _CLOSED:
            return
        self._state = _CLOSED
        self._peer_closed.set()
        try:
            await self._stream.wait_closed()  # closes the socket; does not yield
        except Exception:
            pass


def _put_header(buf, b0, n):
    """Write a client frame header for an n-byte payload so that it ends at buf[TX_HEAD], where
    the payload starts; -> (offset of the header's first byte, the 4-byte masking key).
    b0: FIN bit | opcode."""
    key = os.urandom(4)  # section 10.3: unpredictable per frame
    buf[TX_HEAD - 4:TX_HEAD] = key
    if n < 126:
        start = TX_HEAD - 6
        buf[start + 1] = 0x80 | n
    elif n < 0x10000:
        start = TX_HEAD - 8
        buf[start + 1] = 0x80 | 126
        buf[start + 2] = n >> 8
        buf[start + 3] = n & 0xFF
    else:
        start = 0
        buf[1] = 0x80 | 127
        struct.pack_into(">Q", buf, 2, n)
    buf[start] = b0
    return start, key


def _valid_close_code(code):
    # section 7.4: 1004-1006 and 1015 are reserved, never on the wire; 3000-4999 for apps
    return (1000 <= code <= 1014 and code not in (1004, 1005, 1006)) or 3000 <= code <= 4999
