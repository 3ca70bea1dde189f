"""Sending one text message made of pieces (WebSocket.send_pieces): GetConfiguration's answer,
which is never held whole. Loaded for such a message (ocpp/core/cache.py).

The message is fragmented as the TX buffer fills (RFC 6455 section 5.4): a TEXT frame with
FIN=0, CONTINUATION frames, the last with FIN=1, so a piece is taken only when the frames
before it are on the wire. The write lock is held for the whole message: no other frame (not
even a pong) comes between its fragments.
"""
import asyncio

from ocpp.core import cache, ws


async def send(sock, pieces):
    """See WebSocket.send_pieces()."""
    if sock.state != ws.OPEN:
        raise ws.WebSocketError("connection is closed")
    buf = sock.tx
    async with sock.lock:
        if sock.state != ws.OPEN:
            raise ws.WebSocketError("connection is closed")
        op = ws.OP_TEXT
        fill = 0  # payload bytes waiting in buf[ws.TX_HEAD:]
        try:
            for piece in pieces:
                mv = memoryview(piece)  # a str yields its UTF-8 bytes: no encoded copy
                n = len(mv)
                done = 0
                while done < n:
                    if fill == ws.TX_CHUNK:  # full, and more is coming: not the last frame
                        await sock.write_frame(op, fill, False)
                        op = ws.OP_CONT
                        fill = 0
                    k = min(n - done, ws.TX_CHUNK - fill)
                    buf[ws.TX_HEAD + fill:ws.TX_HEAD + fill + k] = mv[done:done + k]
                    fill += k
                    done += k
            await sock.write_frame(op, fill, True)
        except ws.WebSocketError:
            raise
        except asyncio.CancelledError:
            if op == ws.OP_CONT:  # fragments are out: the message can never be finished
                await sock.shutdown()
            raise
        except Exception as e:  # the pieces failed
            if op == ws.OP_CONT:
                await cache.use("core.ws.closing").abandoned(sock, e)  # raises
            raise
