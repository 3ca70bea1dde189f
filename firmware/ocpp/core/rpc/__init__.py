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
import json
import random
import time
from micropython import const

from ocpp.core import cache

_MAX_ID_LEN = const(36)

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
    """OCPP-J message layer between a WebSocket and the modules that handle each action.

    answers: fn(action) -> whether a module ocpp/ops/<Action>.py answers that CALL (the
    registry's answers()). Its `async def handle(context, payload)` returns the CALLRESULT
    payload, or a Streamed (a payload too big to hold whole, sent as it is made), or
    `(payload, after)` where `after` is an async function run once the CALLRESULT is on the wire
    (TriggerMessage must answer before sending what it triggers); it raises CallError to answer
    with a CALLERROR, and never awaits `call()` itself (the answer could not be read meanwhile).
    Modules are loaded through the module cache (ocpp/core/cache.py).

    streams: fn(action) -> whether a long CALL of that action is read as it arrives (the
    registry's streams(); its module's handle_stream(), see ocpp/core/rpc/streamed.py). A
    connection's WebSocket.streams is then wants_stream, and what recv() returns other than a
    str goes to handle_stream().
    """

    def __init__(self, log, timeout_s=30, answers=None, context=None, streams=None):
        self.answers = answers
        self.streams = streams
        self.context = context
        self.log = log
        self.timeout_ms = timeout_s * 1000
        self.gate = None  # optional fn(action) -> None | "drop" | (code, description)
        self.on_exhausted = None  # optional fn(what): the heap could not hold a message's work
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
                text = json.dumps((2, uid, action, payload))
                try:
                    await self.send_text(ws, text)
                except Exception:
                    if ws.closed:  # the link broke under the send: the CALL never went
                        raise NotConnected()
                    raise
                del text
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

    async def send_text(self, ws, text):
        """Send one message's text (logged); for the parts of this package too."""
        self.last_tx_ms = time.ticks_ms()
        self.log(">> " + text[:300])
        await ws.send(text)

    async def send_error(self, ws, uid, code, description):
        """Answer CALL `uid` with a CALLERROR (for the parts of this package too)."""
        self.log("rpc: CALLERROR %s %s: %s" % (uid, code, description))
        await self.send_text(ws, json.dumps((4, uid, code, description[:255], {})))

    def fail_pending(self, uid, error):
        """The answer `uid` to our outstanding CALL is unusable: that CALL fails with `error`
        (a CallError); any other uid is ignored."""
        if uid == self._pending_id:
            self._reply = error
            self._replied.set()

    # -- inbound -----------------------------------------------------------------------------
    async def handle_text(self, ws, text):
        """Process one received message. Never raises for anything the peer sent."""
        lone = False
        if "\\ud" in text or "\\uD" in text:
            # MicroPython's json turns an escaped UTF-16 surrogate pair (valid JSON for one
            # character beyond U+FFFF) into bytes that are not UTF-8, which echoed back would
            # get the link closed (1007): pairs become their character first.
            try:
                text, lone = cache.use("core.surrogates").combine(text)
            finally:
                cache.done("core.surrogates")
        try:
            msg = json.loads(text)
        except Exception:
            # No id can be trusted; "-1" tells the peer which frame we could not read.
            await self.send_error(ws, "-1", FORMATION_VIOLATION, "message is not valid JSON")
            return
        if not isinstance(msg, list) or len(msg) < 3:
            await self.send_error(ws, "-1", FORMATION_VIOLATION, "message is not an OCPP-J array")
            return
        kind, uid = msg[0], msg[1]
        if not isinstance(uid, str) or not uid or len(uid) > _MAX_ID_LEN:
            await self.send_error(ws, "-1", FORMATION_VIOLATION,
                                   "unique id must be a string of 1-36 characters")
            return
        try:
            if lone:  # no UTF-8 for it: the message cannot be used
                why = "a string holds an unpaired UTF-16 surrogate"
                if kind == 2:
                    await self.send_error(ws, uid, FORMATION_VIOLATION, why)
                else:
                    self.fail_pending(uid, CallError(FORMATION_VIOLATION, why))
            elif kind == 2 and type(kind) is int:
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
            if self.on_exhausted is not None:
                self.on_exhausted("handling message %s" % uid)
            if kind == 2:
                await self.send_error(ws, uid, INTERNAL_ERROR, "out of memory")
            else:
                self.fail_pending(uid, CallError(INTERNAL_ERROR, "out of memory handling the answer"))

    async def _on_call(self, ws, msg, uid):
        if len(msg) != 4 or not isinstance(msg[2], str):
            await self.send_error(ws, uid, FORMATION_VIOLATION,
                                   "CALL must be [2, id, action, payload]")
            return
        action, payload = msg[2], msg[3]
        if not self.answers(action):
            if _validator_says("known", action):
                await self.send_error(ws, uid, NOT_SUPPORTED, action + " is not supported")
            else:
                await self.send_error(ws, uid, NOT_IMPLEMENTED, "unknown action " + action)
            return
        if self.gate:
            verdict = self.gate(action)
            if verdict == "drop":
                self.log("rpc: %s dropped (boot rejected)" % action)
                return
            if verdict:
                await self.send_error(ws, uid, verdict[0], verdict[1])
                return
        problem = _validate(action, payload)
        if problem:
            await self.send_error(ws, uid, problem[0], problem[1])
            return
        after = None
        try:
            try:
                result = await cache.use("ops." + action).handle(self.context, payload)
            finally:
                cache.done("ops." + action)
            if isinstance(result, tuple):
                result, after = result
        except CallError as e:
            await self.send_error(ws, uid, e.code, e.description)
            return
        except Exception as e:
            self.log("rpc: %s handler failed: %r" % (action, e))
            if isinstance(e, MemoryError) and self.on_exhausted is not None:
                self.on_exhausted(action)
            await self.send_error(ws, uid, INTERNAL_ERROR, "%s failed: %r" % (action, e))
            return
        if isinstance(result, Streamed):
            try:
                self.last_tx_ms = time.ticks_ms()
                try:
                    await cache.use("core.rpc.stream").send(self, ws, uid, result.pieces)
                finally:
                    cache.done("core.rpc.stream")
            except Exception as e:
                if ws.closed:  # frames were out: the socket closed the connection
                    raise
                self.log("rpc: %s answer failed: %r" % (action, e))
                await self.send_error(ws, uid, INTERNAL_ERROR, "%s failed: %r" % (action, e))
                return
        else:
            await self.send_text(ws, json.dumps((3, uid, result)))
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

    def wants_stream(self, head):
        """WebSocket.streams: whether a long message starting with `head` is read as it
        arrives (ocpp/core/rpc/streamed.py)."""
        try:
            return cache.use("core.rpc.streamed").wanted(self, head)
        finally:
            cache.done("core.rpc.streamed")

    async def handle_stream(self, ws, stream):
        """Process one message read as it arrives (a MessageStream). Never raises for anything
        the peer sent."""
        try:
            await cache.use("core.rpc.streamed").handle(self, ws, stream)
        finally:
            cache.done("core.rpc.streamed")

    async def handle_too_big(self, ws, size, head, limit, binary=False):
        """A message over the size limit (or a binary one) was discarded: answer it
        (ocpp/core/rpc/refused.py)."""
        try:
            await cache.use("core.rpc.refused").answer(self, ws, size, head, limit, binary)
        finally:
            cache.done("core.rpc.refused")


def _validator_says(what, *args):
    """Ask ocpp.core.validate (known / validate). The validator and its schema tables are loaded for
    the question through the module cache: a small heap lets them go after it, a roomy one keeps
    them (and a frozen build keeps them in flash anyway)."""
    try:
        return getattr(cache.use("core.validate"), what)(*args)
    finally:
        cache.done("core.validate")


def _validate(name, payload):
    return _validator_says("validate", name, payload)


async def _run_after(after, log):
    try:
        await after()
    except Exception as e:
        log("rpc: follow-up failed: %r" % (e,))
