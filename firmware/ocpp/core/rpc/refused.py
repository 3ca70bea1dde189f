"""Answering a message the WebSocket refused (ocpp/core/ws: over ws_max_message, or binary):
it was read and dropped, and only its first bytes are known. Loaded for such a message.

A CALL is answered with a CALLERROR under its own id when the first bytes show one
([2,"<id>",...), else under "-1" (the id OCPP-J gives a message whose id cannot be read); the
answer to our own CALL fails that CALL.
"""
from micropython import const

from ocpp.core.rpc import FORMATION_VIOLATION, GENERIC_ERROR, CallError

_MAX_ID_LEN = const(36)


async def answer(rpc, ws, size, head, limit, binary):
    uid = _id_from_head(head)
    if binary:
        await rpc.send_error(ws, uid if head[:2] == b"[2" and uid else "-1", FORMATION_VIOLATION,
                             "binary message of %d bytes: OCPP-J is text only" % size)
        return
    desc = "message of %d bytes exceeds the %d-byte limit" % (size, limit)
    if head[:2] == b"[3" or head[:2] == b"[4":
        if uid is not None:
            rpc.fail_pending(uid, CallError(GENERIC_ERROR, desc))
        return
    await rpc.send_error(ws, uid or "-1", GENERIC_ERROR, desc)


def _id_from_head(head):
    """The unique id from the first bytes of a frame like b'[2,"id","Action",...'."""
    try:
        start = head.index(b'"') + 1
        end = head.index(b'"', start)
    except ValueError:
        return None
    if end - start > _MAX_ID_LEN:
        return None
    return head[start:end].decode()
