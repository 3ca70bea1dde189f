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
sending). The rest is loaded when it runs, through the module cache (ocpp/core/cache.py), so its
bytecode is not resident in the heap:
    opening.py   connect(), handshake(), parse_url()             while connecting
    secure.py    tls_context(), pem_to_der(), pem_blocks()      wss:// only
    closing.py   close handshake, protocol failures, lost link  once per connection end
    describe.py  an I/O error as one log line                   failed connect, lost link
    discard.py   dropping a refused message, MessageTooBig      a refused or binary message
    pieces.py    send_pieces(): a message sent as it is made    GetConfiguration's answer
    stream.py    a message read as it arrives (MessageStream)   a long SendLocalList
    mask.py      compiles the masking loop                      once, at import
connect, handshake, parse_url, tls_context and pem_to_der are reached as attributes of this
module (module __getattr__, PEP 562): `ws.connect(...)` loads ocpp/core/ws/opening.py for the call.
"""
import asyncio
import os
import struct
import time

from micropython import const

from ocpp.core import cache

# RFC 6455 section 5.2 opcodes, for the on-demand parts too (pieces, closing, stream): defined
# here only. A public const is inlined here like a private one and kept as a global for them
# (a chained `X = _X = const()` would be neither: the compiler takes only `name = const()`).
OP_CONT = const(0x0)
OP_TEXT = const(0x1)
OP_BINARY = const(0x2)
OP_CLOSE = const(0x8)
OP_PING = const(0x9)
OP_PONG = const(0xA)

TX_CHUNK = const(512)  # payload bytes masked and written at a time
TX_HEAD = const(14)  # the longest client frame header; the first payload byte follows
_RX_MIN = const(512)  # initial RX buffer; also the scratch space a refused message is read into
_MAX_CONTROL = const(125)
STREAM_OVER = const(2048)  # a longer text message may be read as a stream
_HEAD = const(64)  # its first bytes, which decide

# WebSocket.state (public names too: the package's other modules read them as ws.OPEN ...)
OPEN = const(0)
CLOSING = const(1)  # our close frame is out (or going out); waiting for the server's
CLOSED = const(2)


class WebSocketError(Exception):
    """The connection failed (I/O error, protocol violation, refused handshake); it is closed."""


class HandshakeError(WebSocketError):
    """The opening handshake failed. `status` is the HTTP status when the server answered with
    something other than 101 (401 and 404 tell the caller something), else None. (Raised by
    ocpp/core/ws/opening.py, which sets `status` on the instance.)"""

    status = None


class MessageTooBig(Exception):
    """A message over max_size, or a binary one (`binary` True: OCPP-J is text only), arrived
    and was read and discarded; the connection is still usable. `size` is its total length in
    bytes, `head` its first bytes (up to 64), enough to find the OCPP unique id and answer a
    CALL with a CALLERROR. (Made by ocpp/core/ws/discard.py.)"""

    binary = False


# The masking loop as viper code when the port has the emitter (~50x faster), compiled once by
# ocpp/core/ws/mask.py, which is then dropped: only the compiled function stays.
_mask = cache.use("core.ws.mask").compiled()
cache.evict("core.ws.mask")  # never needed again: only the compiled function stays


def __getattr__(name):
    # connect(), handshake(), parse_url(): ocpp/core/ws/opening.py; tls_context(), pem_to_der():
    # ocpp/core/ws/secure.py. The module is dropped at once; the function returned keeps its code alive
    # for as long as the call runs.
    if name in ("connect", "handshake", "parse_url"):
        where = "core.ws.opening"
    elif name in ("tls_context", "pem_to_der"):
        where = "core.ws.secure"
    else:
        raise AttributeError(name)
    try:
        return getattr(cache.use(where), name)
    finally:
        cache.done(where)


# -- the connection ----------------------------------------------------------------------------
class WebSocket:
    """An open client WebSocket. One task reads (recv); any number of tasks may send.

    subprotocol   the subprotocol the server selected (None if none was offered)
    last_rx_ms    time.ticks_ms() when the last frame of any kind arrived (for dead-link checks)
    closed        True once a close was started or the connection failed
    close_code    the status code in the server's close frame (1005: it gave none), else None
    close_reason  the reason text in the server's close frame

    streams       None, or fn(head) -> bool, asked with the first bytes (a memoryview of up
                  to 64) of every text message over STREAM_OVER bytes: True makes recv() return
                  a MessageStream (ocpp/core/ws/stream.py) that reads the rest as it arrives,
                  whatever its length, instead of a str. It must be read to its end before
                  recv() is called again.

    For the package's own modules (closing, discard, pieces, stream), which run the rare parts:
    state (OPEN, CLOSING, CLOSED), reading (a task is in recv()), mid_frame (bytes of a
    message were consumed: a cancel now leaves the stream unusable), peer_closed (an Event,
    set once fully closed), rx / tx / hdr (the receive, send and frame-header buffers), lock
    (one frame on the wire at a time), read_message(), read_frame_header(), control(op, n) (a
    control frame whose header was read; False once closed), read_into(mv),
    send_frame(op, data), write_frame(op, n, fin) (the n payload bytes waiting in tx at
    TX_HEAD), shutdown().
    """

    def __init__(self, stream, subprotocol=None, max_size=16384):
        self.subprotocol = subprotocol
        self.max_size = max_size
        self.last_rx_ms = time.ticks_ms()
        self.close_code = None
        self.close_reason = ""
        self._stream = stream
        self.state = OPEN
        self.tx = bytearray(TX_HEAD + TX_CHUNK)
        self.rx = bytearray(_RX_MIN)
        self._ctl = bytearray(_MAX_CONTROL)
        self.hdr = bytearray(10)  # 2 bytes + up to 8 bytes of extended length
        self.lock = asyncio.Lock()  # one frame on the wire at a time
        self.reading = False
        self.mid_frame = False  # bytes of a message were consumed: cancelling now desyncs
        self.streams = None
        self.peer_closed = asyncio.Event()  # set once the connection is fully closed

    @property
    def closed(self):
        return self.state != OPEN

    # -- receiving ------------------------------------------------------------------------------
    async def recv(self):
        """The next text message as a str, or None once the connection is closed (or a
        MessageStream: see `streams`).

        Pings are answered, pongs noted, and a close frame from the server is answered (then
        None). Raises MessageTooBig for a text message over max_size or a binary message
        (discarded, the connection stays usable) and WebSocketError if the connection fails
        (protocol violation: closed with 1002, invalid UTF-8: 1007, I/O error, EOF)."""
        while self.state != CLOSED:
            if self.reading:
                raise WebSocketError("recv() is already running in another task")
            self.reading = True
            try:
                text = await self.read_message()
            except MessageTooBig:
                if self.state == OPEN:
                    raise
                continue
            except (OSError, EOFError) as e:
                if self.state == CLOSED:  # close() shut the socket under us: not an error
                    return None
                await cache.use("core.ws.closing").lost(self, e)  # raises WebSocketError
            except asyncio.CancelledError:
                if self.mid_frame:  # the stream is somewhere inside a frame: unusable
                    await self.shutdown()
                raise
            finally:
                self.reading = False
            if text is not None and self.state == OPEN:
                return text
            # a binary message, or data after our close frame: dropped; read on
        return None

    async def read_message(self):
        """Frames up to the end of one data message -> its text; None when it is dropped
        (binary, or we are closing) or the connection closed."""
        self.mid_frame = False
        size = 0  # payload bytes of the message so far
        kind = -1  # opcode of the message's first frame
        keep = False  # its bytes are being stored (else discarded)
        too_big = False
        refuse = None  # ocpp/core/ws/discard.py, held while a message is being dropped
        while True:
            fin, op, n = await self.read_frame_header()
            if op >= OP_CLOSE:
                if not await self.control(op, n):
                    return None
                continue
            if op == OP_CONT:
                if kind < 0:
                    await cache.use("core.ws.closing").orphan(self)  # raises
            elif kind >= 0:
                await cache.use("core.ws.closing").nested(self)  # raises
            else:
                kind = op
                keep = op == OP_TEXT and self.state == OPEN
                if keep and self.streams is not None and (n > STREAM_OVER or not fin):
                    k = min(n, _HEAD)
                    head = memoryview(self.rx)[:k]
                    await self.read_into(head)
                    if self.streams(head):
                        try:
                            return cache.use("core.ws.stream").MessageStream(self, k, n - k, fin)
                        finally:
                            cache.done("core.ws.stream")
                    size = k  # read whole after all: the first k bytes are in
                    n -= k
            if keep and (size + n > self.max_size or not self._reserve(size, size + n)):
                keep = False  # over the limit, or no memory for it: refuse it all the same
                too_big = True
            if keep:
                await self.read_into(memoryview(self.rx)[size:size + n])
            else:
                if refuse is None:  # out of sys.modules at once; this reference keeps it
                    refuse = cache.use("core.ws.discard")
                    cache.done("core.ws.discard")
                await refuse.discard(self, size, n)
            size += n
            if fin:
                break
        self.mid_frame = False
        if too_big:
            raise refuse.too_big(self, size)
        if not keep:
            if kind == OP_BINARY and self.state == OPEN:
                raise refuse.too_big(self, size, True)
            return None
        try:
            return str(memoryview(self.rx)[:size], "utf-8")
        except UnicodeError:  # MicroPython checks the byte structure, not every rule of UTF-8
            await cache.use("core.ws.closing").bad_utf8(self)  # raises

    async def read_frame_header(self):
        """The next frame's header -> (FIN bit, opcode, payload length); a bad one closes the
        connection (WebSocketError)."""
        h = self.hdr
        hv = memoryview(h)
        await self.read_into(hv[:2])
        self.last_rx_ms = time.ticks_ms()
        op = h[0] & 0x0F
        n = h[1] & 0x7F
        # reserved bits (no extension negotiated), a masked server frame, an unknown opcode, a
        # control frame fragmented or over 125 bytes: all close the connection with 1002
        if h[0] & 0x70 or h[1] & 0x80 or (op > OP_BINARY and (
                op < OP_CLOSE or op > OP_PONG or not h[0] & 0x80 or n > _MAX_CONTROL)):
            await cache.use("core.ws.closing").bad_header(self)  # raises
        if n == 126:
            await self.read_into(hv[2:4])
            n = (h[2] << 8) | h[3]
        elif n == 127:
            await self.read_into(hv[2:10])
            if h[2] & 0x80:
                await cache.use("core.ws.closing").bad_length(self)  # raises
            n = struct.unpack_from(">Q", h, 2)[0]
        return h[0] & 0x80, op, n

    async def read_into(self, mv):
        """Fill the memoryview `mv` from the stream."""
        got = 0
        want = len(mv)
        while got < want:
            r = await self._stream.readinto(mv[got:] if got else mv)
            if r is None:  # TLS: a partial record arrived, nothing to hand out yet
                continue
            if r == 0:
                raise EOFError("connection closed by the server without a close frame")
            self.mid_frame = True
            got += r

    def _reserve(self, have, need):
        """Make the RX buffer hold `need` bytes, keeping its first `have`; False if the heap
        has no room (the buffer is then unchanged)."""
        rx = self.rx
        if len(rx) >= need:
            return True
        try:
            if have == 0:  # nothing to keep: free the old buffer before claiming the new one
                self.rx = None
                self.rx = bytearray(need)
                return True
            # a fragmented message: grow geometrically so many small fragments copy rarely
            grown = bytearray(max(need, min(2 * len(rx), self.max_size)))
        except MemoryError:
            self.rx = rx
            return False
        grown[:have] = memoryview(rx)[:have]
        self.rx = grown
        return True

    async def control(self, op, n):
        """Handle a ping, pong or close frame; False once the connection is closed."""
        payload = memoryview(self._ctl)[:n]
        if n:
            await self.read_into(payload)
        if op == OP_PING:
            if self.state == OPEN:
                await self.send_frame(OP_PONG, payload)
            return True
        if op == OP_PONG:
            return True
        await cache.use("core.ws.closing").closed_by_peer(self, payload)  # answers, shuts down
        return False

    # -- sending --------------------------------------------------------------------------------
    async def send(self, text):
        """Send one text message (a str, or bytes holding UTF-8). Safe from several tasks."""
        if self.state != OPEN:
            raise WebSocketError("connection is closed")
        await self.send_frame(OP_TEXT, text)

    async def ping(self, data=b""):
        """Send a ping (at most 125 bytes of data); the answer only updates last_rx_ms."""
        if len(data) > _MAX_CONTROL:
            raise ValueError("ping data over 125 bytes")
        if self.state != OPEN:
            raise WebSocketError("connection is closed")
        await self.send_frame(OP_PING, data)

    async def send_pieces(self, pieces):
        """Send one text message: the pieces (str or UTF-8 bytes, from any iterable) joined,
        fragmented as the TX buffer fills, never held whole (ocpp/core/ws/pieces.py). If the
        iterable raises before the first frame is out, its exception propagates and the
        connection stays usable; after that the connection is closed (half a message cannot be
        taken back) and WebSocketError raised."""
        try:
            await cache.use("core.ws.pieces").send(self, pieces)
        finally:
            cache.done("core.ws.pieces")

    async def write_frame(self, op, n, fin):
        """Write the n payload bytes waiting at _tx[TX_HEAD:] as one frame (lock held)."""
        buf = self.tx
        start, key = _put_header(buf, op | 0x80 if fin else op, n)
        _mask(buf, TX_HEAD, n, key, 0)
        try:
            self._stream.write(memoryview(buf)[start:TX_HEAD + n])
            await self._stream.drain()
        except OSError as e:
            await cache.use("core.ws.closing").send_failed(self, e)  # raises
        except asyncio.CancelledError:  # the frame may be partly out: nothing can follow it
            await self.shutdown()
            raise

    async def send_frame(self, op, data):
        """One masked frame. The payload goes through the TX buffer TX_CHUNK bytes at a time."""
        mv = memoryview(data)  # a str yields its UTF-8 bytes: no encoded copy
        n = len(mv)
        async with self.lock:
            if self.state == CLOSED or (op != OP_CLOSE and self.state != OPEN):
                raise WebSocketError("connection is closed")
            buf = self.tx
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
                await cache.use("core.ws.closing").send_failed(self, e)  # raises
            except asyncio.CancelledError:
                if started:  # half a frame is on the wire: nothing can follow it
                    await self.shutdown()
                raise

    # -- closing --------------------------------------------------------------------------------
    async def close(self, code=1000, reason=""):
        """Close handshake: send a close frame, wait up to 2 s (closing.CLOSE_WAIT_MS) for the
        server's close frame (read by the recv() task if one is running), then close the socket.
        Never raises for a broken link; calling it again does nothing. ValueError for a code
        that may not be sent or a reason over 123 bytes."""
        try:
            closing = cache.use("core.ws.closing")
        except MemoryError:  # no room for the close handshake: at least let the socket go
            await self.shutdown()
            raise
        await closing.close(self, code, reason)

    async def abort(self):
        """Drop the connection at once, without a close handshake (the network is gone)."""
        await self.shutdown()

    async def shutdown(self):
        if self.state == CLOSED:
            return
        self.state = CLOSED
        self.peer_closed.set()
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
