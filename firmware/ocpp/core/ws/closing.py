"""Ending a WebSocket connection (ocpp/core/ws/__init__.py): the close handshake (RFC 6455 section 7),
closing on a protocol violation, and giving up a broken link.

A healthy link never runs this, so the client (ws/__init__.py) imports it for the moment it is needed and every
entry point here drops it again when it returns (ocpp/core/cache.py); a close runs it once per
connection. The close frame's payload:

    [2-byte status code, big-endian] [reason: UTF-8, at most 123 bytes]   (or empty: no code)
"""
import asyncio
import struct

from micropython import const

from ocpp.core import cache, ws
from ocpp.core.ws import MessageTooBig, WebSocketError

CLOSE_WAIT_MS = const(2000)  # how long a close waits to send its frame and for the server's

_CLOSE_PROTOCOL_ERROR = const(1002)
_CLOSE_NO_STATUS = const(1005)  # never sent: "the close frame had no code"
_CLOSE_INVALID_DATA = const(1007)




def _done():
    cache.done("core.ws.closing")


async def close(sock, code, reason):
    """WebSocket.close(): send our close frame, wait up to CLOSE_WAIT_MS for the server's
    (read here, or by the recv() task if one is running), then close the socket."""
    try:
        if not valid_close_code(code) or len(reason.encode()) > 123:
            raise ValueError("bad close code or reason over 123 bytes")
        try:
            if sock.state == ws.OPEN:
                sock.state = ws.CLOSING
                await asyncio.wait_for_ms(_send_close(sock, code, reason), CLOSE_WAIT_MS)
                if sock.reading:
                    await asyncio.wait_for_ms(sock.peer_closed.wait(), CLOSE_WAIT_MS)
                else:
                    await asyncio.wait_for_ms(_read_until_closed(sock), CLOSE_WAIT_MS)
            elif sock.state == ws.CLOSING:  # another task is closing: wait for it
                await asyncio.wait_for_ms(sock.peer_closed.wait(), CLOSE_WAIT_MS)
        except Exception:  # timeout, dead link, protocol error: the socket closes anyway
            pass
        finally:  # also when cancelled: never leave the socket open
            await sock.shutdown()
    finally:
        _done()


async def _read_until_closed(sock):
    sock.reading = True
    try:
        while sock.state != ws.CLOSED:
            try:
                await sock.read_message()  # data is discarded while closing
            except MessageTooBig:
                pass
    finally:
        sock.reading = False


async def closed_by_peer(sock, payload):
    """The server's close frame arrived (payload: a memoryview of it): check it, keep its code
    and reason, answer it if we had not closed yet (section 5.5.1), close the socket."""
    try:
        n = len(payload)
        if n == 1:
            await _fail(sock, "close frame with a 1-byte payload", _CLOSE_PROTOCOL_ERROR)
        code = _CLOSE_NO_STATUS
        if n:
            code = (payload[0] << 8) | payload[1]
            if not valid_close_code(code):
                await _fail(sock, "invalid close code %d" % code, _CLOSE_PROTOCOL_ERROR)
            try:
                sock.close_reason = str(payload[2:], "utf-8")
            except UnicodeError:
                await _fail(sock, "close reason is not valid UTF-8", _CLOSE_INVALID_DATA)
        sock.close_code = code
        if sock.state == ws.OPEN:  # the server started the close: answer it
            sock.state = ws.CLOSING
            try:
                await asyncio.wait_for_ms(
                    _send_close(sock, None if code == _CLOSE_NO_STATUS else code, ""),
                    CLOSE_WAIT_MS)
            except Exception:
                pass
        await sock.shutdown()
    finally:
        _done()


# A protocol violation by the server, one entry each (the client names what broke; the words
# live here, out of the resident client): close with 1002 (1007 for invalid UTF-8), then raise
# WebSocketError.

async def bad_header(sock):
    await _fail(sock, _bad_header(sock.hdr), _CLOSE_PROTOCOL_ERROR)


async def bad_length(sock):
    await _fail(sock, "64-bit length with the top bit set", _CLOSE_PROTOCOL_ERROR)


async def orphan(sock):
    await _fail(sock, "continuation frame with no message", _CLOSE_PROTOCOL_ERROR)


async def nested(sock):
    await _fail(sock, "new message inside a fragmented one", _CLOSE_PROTOCOL_ERROR)


async def bad_utf8(sock):
    await _fail(sock, "text message is not valid UTF-8", _CLOSE_INVALID_DATA)


def _bad_header(h):
    """Which rule of section 5.2 the frame header h (2 bytes read) breaks."""
    op = h[0] & 0x0F
    if h[0] & 0x70:
        return "reserved bits set (no extension negotiated)"
    if h[1] & 0x80:
        return "masked frame from the server"
    if op > ws.OP_PONG or ws.OP_BINARY < op < ws.OP_CLOSE:
        return "unknown opcode %d" % op
    return "control frame fragmented or over 125 bytes"


async def _fail(sock, why, code):
    try:
        if sock.state == ws.OPEN:
            sock.state = ws.CLOSING
            try:
                await asyncio.wait_for_ms(_send_close(sock, code, why[:100]), CLOSE_WAIT_MS)
            except Exception:
                pass
        await sock.shutdown()
        raise WebSocketError("protocol error: %s (closed with %d)" % (why, code))
    finally:
        _done()


# The link broke (exception `e`): close the socket and raise WebSocketError saying how.

async def lost(sock, e):
    """A read failed."""
    await _broke(sock, "connection lost: ", e)


async def send_failed(sock, e):
    await _broke(sock, "send failed: ", e)


async def abandoned(sock, e):
    """The pieces of a message failed after its first frame was out (ocpp/core/ws/pieces.py)."""
    await _broke(sock, None, e)


async def _broke(sock, how, e):
    try:
        await sock.shutdown()
        if how is None:
            raise WebSocketError("message abandoned after its first frame: %r" % (e,))
        try:
            why = cache.use("core.ws.describe").describe(e)
        finally:
            cache.done("core.ws.describe")
        raise WebSocketError(how + why)
    finally:
        _done()


async def _send_close(sock, code, reason):
    if code is None:
        await sock.send_frame(ws.OP_CLOSE, b"")
    else:
        await sock.send_frame(ws.OP_CLOSE, struct.pack(">H", code) + reason.encode())


def valid_close_code(code):
    """May `code` be sent in a close frame? (section 7.4: 1004-1006 and 1015 are reserved, never
    on the wire; 3000-4999 are for applications)"""
    return (1000 <= code <= 1014 and code not in (1004, 1005, 1006)) or 3000 <= code <= 4999
