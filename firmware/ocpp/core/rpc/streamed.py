"""A CALL read as it arrives (ocpp/core/ws/stream.py): a central-system command whose payload
can be longer than anything worth holding (SendLocalList: 255 entries, some 35 KB) goes to
its module's handle_stream(cp, pieces) instead of handle(cp, payload). Loaded for such a
message (over ws.STREAM_OVER bytes); a short one takes the usual path.

    [2,"<id>","SendLocalList",{"listVersion":...,"localAuthorizationList":[...]}]
    \\____________ head (the first 64 bytes) ___/\\___ pieces, as they arrive ... ___/

The head tells the id and the action; the operation reads the payload's text in pieces
(pieces.next(): str, or None at the end) from its first character to the end of the message,
the CALL's closing "]" included, and checks it itself (the schema tables check a whole
payload only). Whatever it does not read is drained before the answer goes out; its answer,
CallError and failures are handled as for handle().
"""
import json

from ocpp.core import cache
from ocpp.core.rpc import FORMATION_VIOLATION, INTERNAL_ERROR, CallError

_MAX_ID_LEN = 36


def wanted(rpc, head):
    """Whether the message starting with `head` (bytes) is a CALL to be read as it arrives."""
    call = _parse(bytes(head))
    return call is not None and rpc.streams is not None and rpc.streams(call[1])


class _Pieces:
    def __init__(self, stream, at):
        self.stream = stream
        self.at = at  # where the payload starts in the head's text

    async def next(self):
        text = await self.stream.read_text()
        if self.at:
            text, self.at = text[self.at:], 0
        return text


async def handle(rpc, ws, stream):
    """Answer the CALL whose rest `stream` (a MessageStream) holds; never raises for anything
    the peer sent (a connection that failed under it excepted)."""
    uid, action, at = _parse(stream.head)
    rpc.log("<< [2,\"%s\",\"%s\",... (read as it arrives)" % (uid, action))
    answer = None
    try:
        verdict = rpc.gate(action) if rpc.gate else None
        if verdict == "drop":
            rpc.log("rpc: %s dropped (boot rejected)" % action)
        elif verdict:
            answer = (4, uid, verdict[0], verdict[1], {})
        else:
            op = cache.use("ops." + action)
            try:
                answer = (3, uid, await op.handle_stream(rpc.context, _Pieces(stream, at)))
            finally:
                cache.done("ops." + action)
    except CallError as e:
        answer = (4, uid, e.code, e.description[:255], {})
    except UnicodeError:
        await cache.use("core.ws.closing").bad_utf8(ws)  # closes (1007), raises
    except Exception as e:
        if ws.closed:
            raise
        rpc.log("rpc: %s handler failed: %r" % (action, e))
        answer = (4, uid, INTERNAL_ERROR, "%s failed: %r" % (action, e), {})
    await stream.drain()
    rpc.log("rpc: %s: %d bytes read as they arrived" % (action, stream.size))
    if answer is not None:
        if answer[0] == 4:
            rpc.log("rpc: CALLERROR %s %s: %s" % (uid, answer[2], answer[3]))
        await rpc.send_text(ws, json.dumps(answer))


def _parse(head):
    """(id, action, offset of the payload's first character in the head's text) from the
    first bytes of a message b'[2,"<id>","<Action>",{...', or None: not such a CALL (one
    with escapes or odd spacing in its first members takes the usual path)."""
    i = _skip(head, 0)
    if head[i:i + 1] != b"[":
        return None
    i = _skip(head, i + 1)
    if head[i:i + 1] != b"2":
        return None
    i = _skip(head, i + 1)
    if head[i:i + 1] != b",":
        return None
    uid, i = _string(head, _skip(head, i + 1))
    if uid is None or not 0 < len(uid) <= _MAX_ID_LEN or head[i:i + 1] != b",":
        return None
    action, i = _string(head, _skip(head, i + 1))
    if action is None or head[i:i + 1] != b",":
        return None
    i = _skip(head, i + 1)
    if head[i:i + 1] != b"{":
        return None
    return uid, action, i  # the head is ASCII up to here: byte and character offsets agree


def _skip(b, i):
    while i < len(b) and b[i] in b" \t\r\n":
        i += 1
    return i


def _string(b, i):
    """(the plain ASCII string starting at b[i], the index after it and any spaces), or
    (None, i)."""
    if b[i:i + 1] != b'"':
        return None, i
    end = b.find(b'"', i + 1)
    if end < 0:
        return None, i
    s = b[i + 1:end]
    for c in s:
        if c == 0x5C or c < 0x20 or c > 0x7E:  # an escape, a control or non-ASCII character
            return None, i
    return s.decode(), _skip(b, end + 1)
