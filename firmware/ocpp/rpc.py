"""OCPP-J RPC: CALL / CALLRESULT / CALLERROR over one WebSocket.

Wire format (OCPP-J 1.6 section 4):
    [2, "<id>", "<Action>", {payload}]                      CALL
    [3, "<id>", {payload}]                                  CALLRESULT
    [4, "<id>", "<errorCode>", "<description>", {details}]  CALLERROR

The charge point keeps at most one CALL of its own outstanding (a lock); CALLs from the central
system may arrive at any time, also while ours waits, and are answered in arrival order.
Handlers are looked up by action name; every inbound payload is checked against the tables
generated from the official schemas before its handler sees it.
"""
import asyncio
import gc
import json
import random
import time
from micropython import const

from ocpp import lazy

_MAX_ID_LEN = const(36)
_STREAM_LOG = const(160)  # characters of a streamed answer in the log (a whole one: 300)

# The ten OCPP-J 1.6 CALLERROR codes, spelled as the 1.6 specification spells them.
NOT_IMPLEMENTED = "NotImplemented"
NOT_SUPPORTED = "NotSupported"
INTERNAL_ERROR = "InternalError"
PROTOCOL_ERROR = "ProtocolError"
SECURITY_ERROR = "SecurityError"
FORMATION_VIOLATION = "FormationViolation"
PROPERTY_CONSTRAINT_VIOLATION = "PropertyConstraintViolation"
OCCURENCE_CONSTRAINT_VIOLATION = "OccurenceConstraintViolation"
TYPE_CONSTRAINT_VIOLATION = "TypeConstraintViolation"
GENERIC_ERROR = "GenericError"


class CallError(Exception):
    """The central system answered our CALL with a CALLERROR (or an unusable CALLRESULT)."""

    def __init__(self, code, description=""):
        super().__init__(code, description)
        self.code = code
        self.description = description


class NotConnected(Exception):
    """No connection: the CALL was not sent."""


class Streamed:
    """A handler's answer too big to hold as one string: ``pieces`` is an iterable of str that,
    joined, is the JSON text of the CALLRESULT payload. It goes out as one WebSocket message in
    several frames (the socket's send_pieces), each piece taken only when the frame before it
    is on the wire, so neither the payload nor its text is ever held whole. A generator is the
    natural source: it keeps alive whatever it reads (even a module dropped meanwhile).

    If the pieces fail (raise) before the first frame is out, the CALL is answered with an
    InternalError CALLERROR; once a frame is out nothing can follow it but the rest of the
    message, so the connection is closed instead.
    """

    def __init__(self, pieces):
        self.pieces = pieces


class Rpc:
    """OCPP-J message layer between a WebSocket and the per-action handlers.

    handlers: {action: handler}; a handler is `async def h(payload) -> dict` (the CALLRESULT
    payload), or a Streamed (a payload too big to hold whole, sent as it is made). It may return
    `(payload, after)` where `after` is an async function run once the CALLRESULT is on the wire
    (TriggerMessage must answer before sending what it triggers).
    A handler must never await `call()` itself: the answer could not be read meanwhile.
    A handler raises CallError to answer with a CALLERROR.
    ops: actions handled by a module ocpp/ops/<Action>.py, `async def handle(context, payload)`
    with the same contract, imported for the call and dropped after it (ocpp/lazy.py).
    """

    def __init__(self, handlers, log, timeout_s=30, ops=(), context=None):
        self.handlers = handlers
        self.ops = ops
        self.context = context
        self.log = log
        self.timeout_ms = timeout_s * 1000
        self.gate = None  # optional fn(action) -> None | "drop" | (code, description)
        self.ws = None
        self.last_tx_ms = time.ticks_ms()
        self._lock = asyncio.Lock()
        # Unique ids across reboots too: a per-boot prefix, then a counter ("3f9a0c1e-17").
        self._id_prefix = "%08x-" % random.getrandbits(32)
        self._next_id = 0
        self._pending_id = None
        self._pending_action = None
        self._reply = None
        self._replied = asyncio.Event()

    # -- outbound ----------------------------------------------------------------------------
    async def call(self, action, payload):
        """Send a CALL and return the CALLRESULT payload.

        Raises CallError (CALLERROR, or a reply that fails validation), asyncio.TimeoutError,
        or NotConnected (also when the connection drops while waiting).
        """
        async with self._lock:
            ws = self.ws
            if ws is None:
                raise NotConnected()
            self._next_id += 1
            uid = self._id_prefix + str(self._next_id)
            self._pending_id = uid
            self._pending_action = action
            self._reply = None
            self._replied.clear()
            try:
                await self._send(ws, json.dumps((2, uid, action, payload)))
                await asyncio.wait_for_ms(self._replied.wait(), self.timeout_ms)
            finally:
                self._pending_id = None
            reply = self._reply
            self._reply = None
            if reply is None:
                raise NotConnected()
            if isinstance(reply, CallError):
                raise reply
            return reply

    def disconnected(self):
        """The connection is gone: fail a CALL that waits for its answer."""
        self.ws = None
        if self._pending_id is not None:
            self._reply = None
            self._replied.set()

    async def _send(self, ws, text):
        self.last_tx_ms = time.ticks_ms()
        self.log(">> " + text[:300])
        await ws.send(text)

    async def _send_stream(self, ws, uid, pieces):
        # [3,"<id>", <the payload's pieces> ]: one message, never one string
        self.last_tx_ms = time.ticks_ms()
        gc.collect()  # the handler's module is dropped: its blocks are room for the pieces
        await ws.send_pieces(self._logged(_call_result(uid, pieces)))

    def _logged(self, pieces):
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
                    self.log("".join(head))
                    head = None
            yield piece
        if head is not None:
            self.log("".join(head))

    async def _send_error(self, ws, uid, code, description):
        self.log("rpc: CALLERROR %s %s: %s" % (uid, code, description))
        await self._send(ws, json.dumps((4, uid, code, description[:255], {})))

    # -- inbound -----------------------------------------------------------------------------
    async def handle_text(self, ws, text):
        """Process one received message. Never raises for anything the peer sent."""
        try:
            msg = json.loads(text)
        except Exception:
            # No id can be trusted; "-1" tells the peer which frame we could not read.
            await self._send_error(ws, "-1", FORMATION_VIOLATION, "message is not valid JSON")
            return
        if not isinstance(msg, list) or len(msg) < 3:
            await self._send_error(ws, "-1", FORMATION_VIOLATION, "message is not an OCPP-J array")
            return
        kind, uid = msg[0], msg[1]
        if not isinstance(uid, str) or not uid or len(uid) > _MAX_ID_LEN:
            await self._send_error(ws, "-1", FORMATION_VIOLATION,
                                   "unique id must be a string of 1-36 characters")
            return
        try:
            if kind == 2 and type(kind) is int:
                await self._on_call(ws, msg, uid)
            elif kind == 3 and type(kind) is int:
                self._on_result(uid, msg)
            elif kind == 4 and type(kind) is int:
                self._on_error(uid, msg)
            else:
                # OCPP-J 4.1.3: an unknown message type is ignored.
                self.log("rpc: ignored message type %r" % (kind,))
        except MemoryError:
            # The heap could not hold what this message needs for a moment (its validation
            # table, its handler): answer it, keep the link; the next message may well fit.
            self.log("rpc: MemoryError handling message %s" % uid)
            if kind == 2:
                await self._send_error(ws, uid, INTERNAL_ERROR, "out of memory")
            elif uid == self._pending_id:
                self._reply = CallError(INTERNAL_ERROR, "out of memory handling the answer")
                self._replied.set()

    async def _on_call(self, ws, msg, uid):
        if len(msg) != 4 or not isinstance(msg[2], str):
            await self._send_error(ws, uid, FORMATION_VIOLATION,
                                   "CALL must be [2, id, action, payload]")
            return
        action, payload = msg[2], msg[3]
        handler = self.handlers.get(action)
        if handler is None and action in self.ops:
            handler = action  # a module in ocpp/ops
        if handler is None:
            if _validator_says("known", action):
                await self._send_error(ws, uid, NOT_SUPPORTED, action + " is not supported")
            else:
                await self._send_error(ws, uid, NOT_IMPLEMENTED, "unknown action " + action)
            return
        if self.gate:
            verdict = self.gate(action)
            if verdict == "drop":
                self.log("rpc: %s dropped (boot rejected)" % action)
                return
            if verdict:
                await self._send_error(ws, uid, verdict[0], verdict[1])
                return
        problem = _validate(action, payload)
        if problem:
            await self._send_error(ws, uid, problem[0], problem[1])
            return
        after = None
        try:
            if handler is action:
                try:
                    result = await lazy.use("ops." + action).handle(self.context, payload)
                finally:
                    lazy.drop("ops." + action)
            else:
                result = await handler(payload)
            if isinstance(result, tuple):
                result, after = result
        except CallError as e:
            await self._send_error(ws, uid, e.code, e.description)
            return
        except Exception as e:
            self.log("rpc: %s handler failed: %r" % (action, e))
            await self._send_error(ws, uid, INTERNAL_ERROR, "%s failed: %r" % (action, e))
            return
        if isinstance(result, Streamed):
            try:
                await self._send_stream(ws, uid, result.pieces)
            except Exception as e:
                if ws.closed:  # frames were out: the socket closed the connection
                    raise
                self.log("rpc: %s answer failed: %r" % (action, e))
                await self._send_error(ws, uid, INTERNAL_ERROR, "%s failed: %r" % (action, e))
                return
        else:
            await self._send(ws, json.dumps((3, uid, result)))
        if after:
            asyncio.create_task(_run_after(after, self.log))

    def _on_result(self, uid, msg):
        if uid != self._pending_id:
            self.log("rpc: CALLRESULT %s matches no outstanding CALL; ignored" % uid)
            return
        payload = msg[2]
        problem = _validate(self._pending_action + "Response", payload) if len(msg) == 3 \
            else (FORMATION_VIOLATION, "CALLRESULT must be [3, id, payload]")
        self._reply = CallError(problem[0], "invalid %s.conf: %s" % (self._pending_action, problem[1])) \
            if problem else payload
        self._replied.set()

    def _on_error(self, uid, msg):
        if uid != self._pending_id:
            self.log("rpc: CALLERROR %s matches no outstanding CALL; ignored" % uid)
            return
        code = msg[2] if isinstance(msg[2], str) else GENERIC_ERROR
        desc = msg[3] if len(msg) > 3 and isinstance(msg[3], str) else ""
        self._reply = CallError(code, desc)
        self._replied.set()

    async def handle_too_big(self, ws, size, head, limit):
        """A message over the size limit was discarded; answer it if it was a CALL."""
        uid = _id_from_head(head)
        desc = "message of %d bytes exceeds the %d-byte limit" % (size, limit)
        if head[:2] == b"[3" or head[:2] == b"[4":
            if uid is not None and uid == self._pending_id:
                self._reply = CallError(GENERIC_ERROR, desc)
                self._replied.set()
            return
        await self._send_error(ws, uid or "-1", GENERIC_ERROR, desc)


def _validator_says(what, *args):
    """Ask ocpp.validate (known / validate). The validator and its schema tables are loaded for
    the question and dropped after it: a frozen build keeps them in flash anyway."""
    try:
        return getattr(lazy.use("validate"), what)(*args)
    finally:
        lazy.drop("validate")
        lazy.drop("schemas")


def _validate(name, payload):
    return _validator_says("validate", name, payload)


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


def _call_result(uid, pieces):
    yield "[3,%s," % json.dumps(uid)
    for piece in pieces:
        yield piece
    yield "]"


async def _run_after(after, log):
    try:
        await after()
    except Exception as e:
        log("rpc: follow-up failed: %r" % (e,))
