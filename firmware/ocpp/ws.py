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

Code: this module holds only what a healthy, open link runs all the time (data frames, pings,
sending). The rest is imported for the moment it runs and dropped after (ocpp/lazy.py), so its
bytecode is not resident in the heap:
    ocpp/wsopen.py      connect(), handshake(), parse_url()           while connecting
    ocpp/wstls.py       tls_context(), pem_to_der()                   wss:// only
    ocpp/wsclose.py     close handshake, protocol failures, lost link once per connection end
    ocpp/wsdescribe.py  an I/O error as one log line                  failed connect, lost link
    ocpp/wsdiscard.py   dropping a refused message, MessageTooBig     a refused message
    ocpp/wsmask.py      compiles the masking loop                     once, at import
connect, handshake, parse_url, tls_context and pem_to_der are reached as attributes of this
module (module __getattr__, PEP 562): `ws.connect(...)` loads ocpp/wsopen.py for the call.
"""
import asyncio
import os
import struct
import time

from micropython import const

from ocpp import lazy

_OP_CONT = const(0x0)
_OP_TEXT = const(0x1)
_OP_BINARY = const(0x2)
_OP_CLOSE = const(0x8)
_OP_PING = const(0x9)
_OP_PONG = const(0xA)

_TX_CHUNK = const(512)  # payload bytes masked and written at a time (a send_pieces frame)
_TX_HEAD = const(14)  # the longest client frame header; the first payload byte follows it
_RX_MIN = const(512)  # initial RX buffer; also the scratch space a refused message is read into
_MAX_CONTROL = const(125)

_OPEN = const(0)  # (ocpp/wsclose.py uses the same three numbers)
_CLOSING = const(1)  # our close frame is out (or going out); waiting for the server's
_CLOSED = const(2)

# What broke, for ocpp/wsclose.py fail() and lost(), which hold the texts (in this order) so
# they are not resident here.
_BAD_HEADER = const(0)  # a frame header breaking section 5.2 (wsclose works out which rule)
_BAD_LENGTH = const(1)  # 64-bit length with the top bit set
_ORPHAN = const(2)  # continuation frame with no message
_NESTED = const(3)  # new message inside a fragmented one
_BAD_UTF8 = const(4)  # text message not UTF-8: closes with 1007, the others with 1002
_LOST = const(0)  # read failed
_SEND_FAILED = const(1)
_ABANDONED = const(2)  # send_pieces' iterable failed after the first frame was out


class WebSocketError(Exception):
    """The connection failed (I/O error, protocol violation, refused handshake); it is closed."""


class HandshakeError(WebSocketError):
    """The opening handshake failed. `status` is the HTTP status when the server answered with
    something other than 101 (401 and 404 tell the caller something), else None. (Raised by
    ocpp/wsopen.py, which sets `status` on the instance.)"""

    status = None


class MessageTooBig(Exception):
    """A message over max_size arrived and was read and discarded; the connection is still usable.
    `size` is its total length in bytes, `head` its first bytes (up to 64), enough to find the
    OCPP unique id and answer a CALL with a CALLERROR. (Made by ocpp/wsdiscard.py.)"""


# The masking loop as viper code when the port has the emitter (~50x faster), compiled once by
# ocpp/wsmask.py, which is then dropped: only the compiled function stays.
_mask = lazy.use("wsmask").compiled()
lazy.drop("wsmask")


def __getattr__(name):
    # connect(), handshake(), parse_url(): ocpp/wsopen.py; tls_context(), pem_to_der():
    # ocpp/wstls.py. The module is dropped at once; the function returned keeps its code alive
    # for as long as the call runs.
    if name in ("connect", "handshake", "parse_url"):
        where = "wsopen"
    elif name in ("tls_context", "pem_to_der"):
        where = "wstls"
    else:
        raise AttributeError(name)
    try:
        return getattr(lazy.use(where), name)
    finally:
        lazy.drop(where)


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
        self._tx = bytearray(_TX_HEAD + _TX_CHUNK)
        self._rx = bytearray(_RX_MIN)
        self._ctl = bytearray(_MAX_CONTROL)
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
                await lazy.use("wsclose").lost(self, _LOST, e)  # raises WebSocketError
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
        refuse = None  # ocpp/wsdiscard.py, held while a message is being dropped
        while True:
            fin, op, n = await self._read_frame_header()
            if op >= _OP_CLOSE:
                if not await self._control(op, n):
                    return None
                continue
            if op == _OP_CONT:
                if kind < 0:
                    await lazy.use("wsclose").fail(self, _ORPHAN)
            elif kind >= 0:
                await lazy.use("wsclose").fail(self, _NESTED)
            else:
                kind = op
                keep = op == _OP_TEXT and self._state == _OPEN
            if keep and (size + n > self.max_size or not self._reserve(size, size + n)):
                keep = False  # over the limit, or no memory for it: refuse it all the same
                too_big = True
            if keep:
                await self._read_into(memoryview(self._rx)[size:size + n])
            else:
                if refuse is None:  # out of sys.modules at once; this reference keeps it
                    refuse = lazy.use("wsdiscard")
                    lazy.drop("wsdiscard")
                await refuse.discard(self, size, n)
            size += n
            if fin:
                break
        self._mid_frame = False
        if too_big:
            raise refuse.too_big(self, size)
        if not keep:
            return None
        try:
            return str(memoryview(self._rx)[:size], "utf-8")
        except UnicodeError:  # MicroPython checks the byte structure, not every rule of UTF-8
            await lazy.use("wsclose").fail(self, _BAD_UTF8)

    async def _read_frame_header(self):
        h = self._hdr
        hv = memoryview(h)
        await self._read_into(hv[:2])
        self.last_rx_ms = time.ticks_ms()
        op = h[0] & 0x0F
        n = h[1] & 0x7F
        # reserved bits (no extension negotiated), a masked server frame, an unknown opcode, a
        # control frame fragmented or over 125 bytes: all close the connection with 1002
        if h[0] & 0x70 or h[1] & 0x80 or (op > _OP_BINARY and (
                op < _OP_CLOSE or op > _OP_PONG or not h[0] & 0x80 or n > _MAX_CONTROL)):
            await lazy.use("wsclose").fail(self, _BAD_HEADER)
        if n == 126:
            await self._read_into(hv[2:4])
            n = (h[2] << 8) | h[3]
        elif n == 127:
            await self._read_into(hv[2:10])
            if h[2] & 0x80:
                await lazy.use("wsclose").fail(self, _BAD_LENGTH)
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

    async def _control(self, op, n):
        """Handle a ping, pong or close frame; False once the connection is closed."""
        payload = memoryview(self._ctl)[:n]
        if n:
            await self._read_into(payload)
        if op == _OP_PING:
            if self._state == _OPEN:
                await self._send_frame(_OP_PONG, payload)
            return True
        if op == _OP_PONG:
            return True
        await lazy.use("wsclose").closed_by_peer(self, payload)  # answers, shuts down
        return False

    # -- sending --------------------------------------------------------------------------------
    async def send(self, text):
        """Send one text message (a str, or bytes holding UTF-8). Safe from several tasks."""
        if self._state != _OPEN:
            raise WebSocketError("connection is closed")
        await self._send_frame(_OP_TEXT, text)

    async def ping(self, data=b""):
        """Send a ping (at most 125 bytes of data); the answer only updates last_rx_ms."""
        if len(data) > _MAX_CONTROL:
            raise ValueError("ping data over 125 bytes")
        if self._state != _OPEN:
            raise WebSocketError("connection is closed")
        await self._send_frame(_OP_PING, data)

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
            op = _OP_TEXT
            fill = 0  # payload bytes waiting in buf[_TX_HEAD:]
            try:
                for piece in pieces:
                    mv = memoryview(piece)  # a str yields its UTF-8 bytes: no encoded copy
                    n = len(mv)
                    done = 0
                    while done < n:
                        if fill == _TX_CHUNK:  # full, and more is coming: not the last frame
                            await self._write_frame(op, fill, False)
                            op = _OP_CONT
                            fill = 0
                        k = min(n - done, _TX_CHUNK - fill)
                        buf[_TX_HEAD + fill:_TX_HEAD + fill + k] = mv[done:done + k]
                        fill += k
                        done += k
                await self._write_frame(op, fill, True)
            except WebSocketError:
                raise
            except asyncio.CancelledError:
                if op == _OP_CONT:  # fragments are out: the message can never be finished
                    await self._shutdown()
                raise
            except Exception as e:  # the pieces failed
                if op == _OP_CONT:
                    await lazy.use("wsclose").lost(self, _ABANDONED, e)  # raises
                raise

    async def _write_frame(self, op, n, fin):
        """Write the n payload bytes waiting at _tx[_TX_HEAD:] as one frame (lock held)."""
        buf = self._tx
        start, key = _put_header(buf, op | 0x80 if fin else op, n)
        _mask(buf, _TX_HEAD, n, key, 0)
        try:
            self._stream.write(memoryview(buf)[start:_TX_HEAD + n])
            await self._stream.drain()
        except OSError as e:
            await lazy.use("wsclose").lost(self, _SEND_FAILED, e)  # raises WebSocketError
        except asyncio.CancelledError:  # the frame may be partly out: nothing can follow it
            await self._shutdown()
            raise

    async def _send_frame(self, op, data):
        """One masked frame. The payload goes through the TX buffer _TX_CHUNK bytes at a time."""
        mv = memoryview(data)  # a str yields its UTF-8 bytes: no encoded copy
        n = len(mv)
        async with self._lock:
            if self._state == _CLOSED or (op != _OP_CLOSE and self._state != _OPEN):
                raise WebSocketError("connection is closed")
            buf = self._tx
            start, key = _put_header(buf, 0x80 | op, n)
            pos = _TX_HEAD
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
                await lazy.use("wsclose").lost(self, _SEND_FAILED, e)  # raises WebSocketError
            except asyncio.CancelledError:
                if started:  # half a frame is on the wire: nothing can follow it
                    await self._shutdown()
                raise

    # -- closing --------------------------------------------------------------------------------
    async def close(self, code=1000, reason=""):
        """Close handshake: send a close frame, wait up to 2 s (wsclose.CLOSE_WAIT_MS) for the
        server's close frame (read by the recv() task if one is running), then close the socket.
        Never raises for a broken link; calling it again does nothing. ValueError for a code
        that may not be sent or a reason over 123 bytes."""
        try:
            closing = lazy.use("wsclose")
        except MemoryError:  # no room for the close handshake: at least let the socket go
            await self._shutdown()
            raise
        await closing.close(self, code, reason)

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
    """Write a client frame header for an n-byte payload so that it ends at buf[_TX_HEAD], where
    the payload starts; -> (offset of the header's first byte, the 4-byte masking key).
    b0: FIN bit | opcode."""
    key = os.urandom(4)  # section 10.3: unpredictable per frame
    buf[_TX_HEAD - 4:_TX_HEAD] = key
    if n < 126:
        start = _TX_HEAD - 6
        buf[start + 1] = 0x80 | n
    elif n < 0x10000:
        start = _TX_HEAD - 8
        buf[start + 1] = 0x80 | 126
        buf[start + 2] = n >> 8
        buf[start + 3] = n & 0xFF
    else:
        start = 0
        buf[1] = 0x80 | 127
        struct.pack_into(">Q", buf, 2, n)
    buf[start] = b0
    return start, key
