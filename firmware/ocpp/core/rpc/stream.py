"""Sending a streamed answer (rpc.Streamed: GetConfiguration): one CALLRESULT made piece by
piece, never held whole. Loaded by the RPC layer for such an answer (ocpp/core/cache.py).

    [3,"<id>",  <the payload's pieces, as the handler makes them>  ]
    ^ first piece                                                   ^ last piece
"""
import gc
import json

from micropython import const

_STREAM_LOG = const(160)  # characters of a streamed answer in the log (a whole one: 300)


async def send(rpc, ws, uid, pieces):
    gc.collect()  # the handler's module may be gone: its blocks are room for the pieces
    await ws.send_pieces(_logged(rpc.log, _call_result(uid, pieces)))


def _logged(log, pieces):
    """Pass ``pieces`` through; log ">> " and the message's first _STREAM_LOG characters as
    soon as they have gone by. Fewer than a whole message's 300: a streamed answer is the
    agent's largest moment, when a few hundred contiguous bytes may not be found (and its
    first entries say what it is)."""
    head = [">> "]  # the pieces themselves, joined once: no growing copies of the head
    size = 0
    for piece in pieces:
        if head is not None:
            head.append(piece[:_STREAM_LOG - size])
            size += len(head[-1])
            if size >= _STREAM_LOG:
                log("".join(head))
                head = None
        yield piece
    if head is not None:
        log("".join(head))


def _call_result(uid, pieces):
    yield "[3,%s," % json.dumps(uid)
    for piece in pieces:
        yield piece
    yield "]"
