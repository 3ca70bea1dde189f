"""Development central system (OCPP 1.6J) on the `ocpp` package: a bench console and a test library.

Two users:

* a person at a terminal: ``python tools/csms.py --port 9000`` accepts charge points, prints
  every frame both ways (one line each) and reads central-system commands from stdin (``help``);
* the pytest integration tests: ``CentralSystem`` (asyncio) or ``CentralSystemThread`` (a
  synchronous facade running one in its own thread) is a real, validating central system to run
  the agent against.

Every frame a charge point sends is checked twice: by the `ocpp` package (which answers an invalid
CALL with a CALLERROR, as any central system built on it would) and by our own Draft-4 pass over
the same package schemas plus the OCPP-J framing rules. Every failure lands in ``violations``;
tests assert that it stays empty. Frames the tests send on purpose (``send_raw``,
``call(validate=False)``) are never counted: they are ours, not the charge point's.

The wire format (OCPP-J 1.6, section 4)::

    [2, "<uniqueId>", "<Action>", {payload}]                        CALL (either side)
    [3, "<uniqueId>", {payload}]                                    CALLRESULT
    [4, "<uniqueId>", "<errorCode>", "<description>", {details}]    CALLERROR

Payloads stay camelCase dicts end to end: responders receive and return the JSON as it is on the
wire, call() takes and returns it, so nothing is lost in snake_case round trips.
"""
import asyncio
import base64
import copy
import datetime
import decimal
import hmac
import itertools
import json
import os
import sys
import threading
import time
import traceback
import uuid
from collections import namedtuple
from urllib.parse import unquote

import ocpp
from jsonschema import Draft4Validator
from ocpp.charge_point import _raise_key_error
from ocpp.exceptions import (FormationViolationError, FormatViolationError, InternalError,
                             OCPPError)
from ocpp.messages import Call, CallResult, MessageType, unpack, validate_payload
from ocpp.v16 import ChargePoint as _OcppChargePoint
from ocpp.v16.enums import Action
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

SUBPROTOCOL = "ocpp1.6"
SCHEMA_DIR = os.path.join(os.path.dirname(ocpp.__file__), "v16", "schemas")

#: Actions a charge point initiates (OCPP 1.6 + security whitepaper); the others are CS -> CP.
CP_ACTIONS = frozenset((
    "Authorize", "BootNotification", "DataTransfer", "DiagnosticsStatusNotification",
    "FirmwareStatusNotification", "Heartbeat", "MeterValues", "StartTransaction",
    "StatusNotification", "StopTransaction", "LogStatusNotification", "SecurityEventNotification",
    "SignCertificate", "SignedFirmwareStatusNotification"))
#: Actions the central system initiates (DataTransfer goes both ways).
CS_ACTIONS = frozenset(a.value for a in Action if a.value not in CP_ACTIONS) | {"DataTransfer"}
#: OCPP-J 1.6 table 7 error codes (1.6 spellings: FormationViolation, OccurenceConstraintViolation).
ERROR_CODES_16 = frozenset((
    "NotImplemented", "NotSupported", "InternalError", "ProtocolError", "SecurityError",
    "FormationViolation", "PropertyConstraintViolation", "OccurenceConstraintViolation",
    "TypeConstraintViolation", "GenericError"))
MAX_ID_LEN = 36
ECHO_WIDTH = 2000  # characters of a frame shown on the console before it is cut

Msg = namedtuple("Msg", "time cp_id direction raw parsed")
Msg.__doc__ = """One websocket frame: direction "in" (from the CP) or "out" (to the CP); raw is
the text exactly as on the wire; parsed is the decoded JSON or None if it is not JSON."""
AuthFailure = namedtuple("AuthFailure", "time cp_id reason")


class CallError(Exception):
    """The charge point answered our CALL with a CALLERROR."""

    def __init__(self, code, description="", details=None):
        super().__init__("%s: %s %s" % (code, description, details or {}))
        self.code = code
        self.description = description
        self.details = details if details is not None else {}


class InvalidPayload(ValueError):
    """call() refused to send a payload its schema rejects (validate=False sends it anyway)."""


class Unchecked(dict):
    """A responder's answer sent as it is, without the outgoing schema check (hostile replies)."""


def now_iso():
    """UTC now as OCPP likes it: 2026-11-24T08:42:11.123Z."""
    t = datetime.datetime.now(datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


def cp_id_from_path(path):
    """The charge point id is the last path segment, percent-decoded: /ocpp/CP%201?x=1 -> 'CP 1'."""
    return unquote(path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])


# --- schemas -------------------------------------------------------------------------------------

_schemas = {}


def load_schema(name):
    """The package's Draft-4 schema `name` (e.g. "Reset" or "ResetResponse") as a dict, or None.
    Floats are Decimals so multipleOf 0.1 is exact (the package does so for 3 actions)."""
    if name not in _schemas:
        path = os.path.join(SCHEMA_DIR, name + ".json")
        try:
            with open(path, encoding="utf-8-sig") as f:
                _schemas[name] = json.load(f, parse_float=decimal.Decimal)
        except OSError:
            _schemas[name] = None
    return _schemas[name]


_validators = {}


def schema_errors(name, payload):
    """Every Draft-4 error of `payload` (parsed with Decimal floats) against schema `name`."""
    if name not in _validators:
        schema = load_schema(name)
        _validators[name] = Draft4Validator(schema) if schema is not None else None
    validator = _validators[name]
    if validator is None:
        return ["no schema %s in the ocpp package" % name]
    return ["%s%s" % ("/".join(str(p) for p in e.absolute_path) + ": " if e.absolute_path else "",
                      e.message) for e in validator.iter_errors(payload)]


def _no_constants(name):
    raise ValueError("%s is not JSON" % name)


def check_cp_frame(raw, call_actions, sent_ids):
    """Problems (list of str) of one frame a charge point sent, by OCPP-J framing and the schemas.

    call_actions maps the unique ids of CALLs we sent to their action (to pick the Response schema);
    sent_ids holds the JSON text of every unique id we sent, so a reply that merely echoes a
    non-string id from a hostile frame of ours is not blamed on the charge point."""
    if isinstance(raw, bytes):
        return ["binary frame (OCPP-J uses text frames)"]
    try:
        frame = json.loads(raw, parse_float=decimal.Decimal, parse_constant=_no_constants)
    except (ValueError, RecursionError) as e:
        return ["not JSON: %s" % e]
    if not isinstance(frame, list) or not frame or frame[0] not in (2, 3, 4) \
            or isinstance(frame[0], bool):
        return ["not an OCPP-J message (a list starting with 2, 3 or 4)"]
    kind, n = frame[0], len(frame)
    if n < 2:
        return ["no unique id"]
    uid = frame[1]
    if kind == MessageType.Call:
        if n != 4:
            return ["CALL has %d elements, not 4" % n]
        problems = []
        if not isinstance(uid, str) or not 0 < len(uid) <= MAX_ID_LEN:
            problems.append("CALL unique id %r is not a string of 1..%d chars" % (uid, MAX_ID_LEN))
        action, payload = frame[2], frame[3]
        if not isinstance(action, str) or action not in CP_ACTIONS:
            return problems + ["%r is not an action a charge point sends" % (action,)]
        return problems + ["%s: %s" % (action, p) for p in schema_errors(action, payload)]
    problems = []
    if not isinstance(uid, str) and json.dumps(uid, default=str) not in sent_ids:
        problems.append("reply unique id %r is not a string" % (uid,))
    if kind == MessageType.CallResult:
        if n != 3:
            return problems + ["CALLRESULT has %d elements, not 3" % n]
        action = call_actions.get(uid) if isinstance(uid, str) else None
        if action is not None and load_schema(action + "Response") is not None:
            problems += ["%s.conf: %s" % (action, p)
                         for p in schema_errors(action + "Response", frame[2])]
        elif not isinstance(frame[2], dict):
            problems.append("CALLRESULT payload is not an object")
        return problems
    if n != 5:
        return problems + ["CALLERROR has %d elements, not 5" % n]
    if frame[2] not in ERROR_CODES_16:
        problems.append("CALLERROR code %r is not an OCPP 1.6 error code" % (frame[2],))
    if not isinstance(frame[3], str):
        problems.append("CALLERROR description is not a string")
    if not isinstance(frame[4], dict):
        problems.append("CALLERROR details is not an object")
    return problems


# --- one websocket connection --------------------------------------------------------------------

class _Link(_OcppChargePoint):
    """The central system's side of one charge point's websocket, on the package's ChargePoint.

    Incoming CALLs are validated by the package (validate_payload, CALLERROR codes and
    unknown-action rules as the package has them) but answered from CentralSystem.responders with
    the camelCase payload. Our own CALLs bypass ChargePoint.call(), which only takes dataclasses."""

    def __init__(self, cs, cp_id, ws):
        super().__init__(cp_id, ws)
        self.cs = cs
        self.pending = {}        # unique id of our outstanding CALL -> Future(message)
        self.call_actions = {}   # unique id of a CALL we sent -> action (to check/print the reply)
        self.sent_ids = set()    # JSON text of every unique id we sent (see check_cp_frame)
        self.cp_actions = {}     # unique id of a CALL the CP sent -> action (to print our reply)
        self.flagged = False     # the frame being routed already produced a violation

    async def route_message(self, raw_msg):
        self.flagged = self.cs._record(self, "in", raw_msg)
        try:
            msg = unpack(raw_msg)
        except OCPPError:
            return  # as the package does: not OCPP-J, dropped without an answer (already flagged)
        if msg.message_type_id == MessageType.Call:
            try:
                await self._handle_call(msg)
            except OCPPError as error:
                await self._send(msg.create_call_error(_as_16(error)).to_json())
        elif isinstance(msg.unique_id, str):
            future = self.pending.pop(msg.unique_id, None)
            if future is not None and not future.done():
                future.set_result(msg)

    async def _handle_call(self, msg):
        if isinstance(msg.unique_id, str):
            self.cp_actions[msg.unique_id] = msg.action
        if not isinstance(msg.action, str) or (msg.action not in CP_ACTIONS
                                               and msg.action not in self.cs.responders):
            self._violation("%s is not an action a charge point sends" % msg.action)
            _raise_key_error(msg.action, self._ocpp_version)
        try:
            await validate_payload(Call(msg.unique_id, msg.action, copy.deepcopy(msg.payload)),
                                   self._ocpp_version)
        except OCPPError as error:
            self._violation("%s rejected by the ocpp package: %s" % (msg.action, error))
            raise
        answer = await self.cs._answer(self.id, msg.action, msg.payload)
        result = msg.create_call_result(dict(answer))
        if not isinstance(answer, Unchecked):
            try:
                await validate_payload(CallResult(msg.unique_id, copy.deepcopy(result.payload),
                                                  msg.action), self._ocpp_version)
            except OCPPError as error:  # a responder's mistake, not the charge point's
                self.cs._error("our answer to %s is invalid (wrap it in Unchecked to send it "
                               "anyway): %s %s" % (msg.action, json.dumps(answer), error))
                raise InternalError(description="invalid answer") from None
        await self._send(result.to_json())

    async def _send(self, message):
        self.cs._record(self, "out", message)
        await self._connection.send(message)

    def _violation(self, text):
        if not self.flagged:  # our own check already reported this frame, with more detail
            self.cs._violation(self.id, text)
            self.flagged = True

    async def send_call(self, action, payload, timeout, unique_id=None, validate=True):
        if unique_id is None:
            unique_id = str(uuid.uuid4())
        if validate:
            try:
                await validate_payload(Call(unique_id, action, copy.deepcopy(payload)),
                                       self._ocpp_version)
            except OCPPError as error:
                problems = schema_errors(action, _decimals(payload)) \
                    if load_schema(action) is not None else []
                raise InvalidPayload("%s %s: %s" % (action, json.dumps(payload), "; ".join(
                    problems) or error.details.get("cause") or error)) from None
        frame = json.dumps([MessageType.Call, unique_id, action, payload], separators=(",", ":"))
        async with self._call_lock:  # one outstanding CALL per direction (OCPP-J 4.1.1)
            future = asyncio.get_running_loop().create_future()
            self.pending[unique_id] = future
            try:
                await self._send(frame)
                msg = await asyncio.wait_for(future, timeout)
            except asyncio.TimeoutError:
                raise asyncio.TimeoutError("%s: no answer to %s within %ss" % (self.id, frame[:200],
                                                                               timeout)) from None
            finally:
                self.pending.pop(unique_id, None)
        if msg.message_type_id == MessageType.CallError:
            raise CallError(msg.error_code, msg.error_description, msg.error_details)
        try:  # the package's own check of a CALLRESULT, as ChargePoint.call() would do it
            await validate_payload(CallResult(unique_id, copy.deepcopy(msg.payload), action),
                                   self._ocpp_version)
        except OCPPError as error:
            self._violation("%s.conf rejected by the ocpp package: %s" % (action, error))
        except Exception as error:  # noqa: BLE001 - e.g. a payload that is not an object
            self._violation("%s.conf could not be validated: %r" % (action, error))
        return msg.payload

    def fail_pending(self):
        for future in self.pending.values():
            if not future.done():
                future.set_exception(ConnectionError("%s disconnected" % self.id))
        self.pending.clear()


def _as_16(error):
    """The package's CALLERROR for a CALL it refused, made fit for a 1.6 charge point: schema
    failures are FormatViolation (the OCPP 2.0 code), 1.6 spells it FormationViolation (OCPP-J 1.6
    table 7); and the details carry the first line of the cause only - the package would send the
    whole jsonschema report (schema excerpt and the frame again), kilobytes for a small board."""
    cause = str(error.details.get("cause", "")) if isinstance(error.details, dict) else ""
    details = {"cause": _cut(cause.split("\n", 1)[0], 200)} if cause else {}
    cls = FormationViolationError if isinstance(error, FormatViolationError) else type(error)
    return cls(error.description, details)


def _decimals(payload):
    return json.loads(json.dumps(payload), parse_float=decimal.Decimal)


# --- the central system --------------------------------------------------------------------------

class CentralSystem:
    """A validating OCPP 1.6J central system (asyncio). See the module docstring.

    Attributes tests use: port, messages (list of Msg), violations (list of str), auth_failures
    (list of AuthFailure), responders (dict action -> callable), connected (set of ids),
    connect_count (dict id -> int), request_headers (dict id -> headers of the last handshake),
    boot_status / boot_statuses / boot_interval / heartbeat_interval / passwords (may be changed
    any time), errors (tracebacks of our own failures, e.g. a responder that crashed)."""

    def __init__(self, host="127.0.0.1", port=0, *, ssl_context=None, passwords=None,
                 boot_status="Accepted", boot_interval=300, heartbeat_interval=None, echo=False,
                 out=None):
        """passwords: None = no HTTP Basic check, else {cp_id: password bytes or str}.
        boot_statuses (attribute, list) is consumed first, then boot_status answers. The
        BootNotification interval is boot_interval, or heartbeat_interval when set and Accepted.
        echo=True prints every frame and event to `out` (default stdout)."""
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.passwords = passwords
        self.boot_status = boot_status
        self.boot_statuses = []
        self.boot_interval = boot_interval
        self.heartbeat_interval = heartbeat_interval
        self.echo = echo
        self.out = out
        self.messages = []
        self.violations = []
        self.auth_failures = []
        self.errors = []
        self.connected = set()
        self.connect_count = {}
        self.request_headers = {}
        self.responders = {}
        self.listeners = []  # callables run (in the loop thread) after every message or event
        self._links = {}
        self._server = None
        self._transaction_ids = itertools.count(1)

    # lifecycle

    async def start(self):
        """Listen; self.port becomes the bound port."""
        self._server = await serve(
            self._serve_connection, self.host, self.port, subprotocols=[SUBPROTOCOL],
            process_request=self._process_request, ssl=self.ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]
        self._event("listening on %s://%s:%d/<path>/<cp_id>"
                    % ("wss" if self.ssl_context else "ws", self.host, self.port))
        return self

    async def stop(self):
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    # central system -> charge point

    async def call(self, cp_id, action, payload, timeout=30, *, validate=True, unique_id=None):
        """Send CALL `action` with the camelCase `payload`; return the CALLRESULT payload.

        Raises CallError if the CP answers CALLERROR, asyncio.TimeoutError without an answer,
        ConnectionError if the CP is not (or no longer) connected, InvalidPayload if validate and
        the package's schema rejects the payload (validate=False sends anything, any action)."""
        return await self._link(cp_id).send_call(action, payload, timeout, unique_id, validate)

    async def send_raw(self, cp_id, text):
        """Send `text` as one websocket text frame, exactly as given (hostile-frame tests)."""
        await self._link(cp_id)._send(text)

    async def disconnect(self, cp_id, code=1000, reason=""):
        """Close that charge point's websocket from our side."""
        await self._link(cp_id)._connection.close(code, reason)

    def _link(self, cp_id):
        link = self._links.get(cp_id)
        if link is None:
            raise ConnectionError("%s is not connected" % cp_id)
        return link

    # charge point -> central system

    def default_answer(self, cp_id, action, payload):
        """The built-in answer to every CP -> CS action of OCPP 1.6 + security whitepaper."""
        if action == "BootNotification":
            status = self.boot_statuses.pop(0) if self.boot_statuses else self.boot_status
            interval = self.boot_interval
            if status == "Accepted" and self.heartbeat_interval is not None:
                interval = self.heartbeat_interval
            return {"status": status, "currentTime": now_iso(), "interval": interval}
        if action == "Heartbeat":
            return {"currentTime": now_iso()}
        if action == "Authorize":
            return {"idTagInfo": {"status": "Accepted"}}
        if action == "StartTransaction":
            return {"transactionId": next(self._transaction_ids),
                    "idTagInfo": {"status": "Accepted"}}
        if action == "StopTransaction":
            return {"idTagInfo": {"status": "Accepted"}} if "idTag" in payload else {}
        if action in ("DataTransfer", "SignCertificate"):
            return {"status": "Accepted"}
        # StatusNotification, MeterValues and the *StatusNotification / SecurityEventNotification
        # family have an empty confirmation.
        return {}

    async def _answer(self, cp_id, action, payload):
        responder = self.responders.get(action)
        answer = None
        if responder is not None:
            try:
                answer = responder(cp_id, payload)
                if asyncio.iscoroutine(answer):
                    answer = await answer
            except OCPPError:
                raise  # the test wants this CALLERROR
            except Exception:  # answered as the package does: InternalError
                self._error("responder for %s failed:\n%s" % (action, traceback.format_exc()))
                raise InternalError(description="An unexpected error occurred.") from None
        if answer is None:
            if action not in CP_ACTIONS:
                _raise_key_error(action, "1.6")
            answer = self.default_answer(cp_id, action, payload)
        return answer

    # connections

    def _process_request(self, connection, request):
        """Handshake hook: an id in the URL, and HTTP Basic auth when passwords are set."""
        cp_id = cp_id_from_path(request.path)
        if not cp_id:
            return connection.respond(404, "no charge point id in the URL path\n")
        self.request_headers[cp_id] = request.headers
        if self.passwords is None:
            return None
        reason = self._auth_problem(cp_id, request.headers.get("Authorization"))
        if reason is None:
            return None
        self.auth_failures.append(AuthFailure(time.time(), cp_id, reason))
        self._event("%s refused (401): %s" % (cp_id, reason))
        response = connection.respond(401, "unauthorized\n")
        response.headers["WWW-Authenticate"] = 'Basic realm="OCPP", charset="UTF-8"'
        return response

    def _auth_problem(self, cp_id, header):
        """None if `header` is Basic base64(cp_id ":" password) with the expected password."""
        expected = self.passwords.get(cp_id)
        if expected is None:
            return "no password known for this charge point"
        if isinstance(expected, str):
            expected = expected.encode()
        if not header:
            return "no Authorization header"
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return "Authorization scheme %r is not Basic" % scheme
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).partition(b":")
        except ValueError:
            return "Authorization value is not base64"
        if not sep or user != cp_id.encode():
            return "user %r is not the charge point id" % user
        if not hmac.compare_digest(password, expected):
            return "wrong password"
        return None

    async def _serve_connection(self, ws):
        cp_id = cp_id_from_path(ws.request.path)
        link = _Link(self, cp_id, ws)
        old = self._links.get(cp_id)
        self._links[cp_id] = link
        self.connected.add(cp_id)
        self.connect_count[cp_id] = self.connect_count.get(cp_id, 0) + 1
        self._event("%s connected from %s (connection %d)"
                    % (cp_id, ws.remote_address[0] if ws.remote_address else "?",
                       self.connect_count[cp_id]))
        if old is not None:  # the same id again: the new connection wins
            old.fail_pending()
            asyncio.ensure_future(old._connection.close(1000, "replaced by a new connection"))
        try:
            while True:
                try:
                    raw = await ws.recv()
                except ConnectionClosed:
                    break
                try:
                    await link.route_message(raw)
                except ConnectionClosed:
                    break
                except Exception:  # our bug or a responder's: report it, keep serving
                    self._error("handling %r:\n%s" % (raw[:200], traceback.format_exc()))
        finally:
            link.fail_pending()
            if self._links.get(cp_id) is link:
                del self._links[cp_id]
                self.connected.discard(cp_id)
            self._event("%s disconnected (code %s)" % (cp_id, ws.close_code))

    # records

    def _record(self, link, direction, raw):
        """Append a Msg; check and echo it. Returns True if it produced a violation."""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            parsed = None
        if direction == "out" and isinstance(parsed, list) and len(parsed) >= 2 \
                and parsed[0] == MessageType.Call:
            link.sent_ids.add(json.dumps(parsed[1], default=str))
            if len(parsed) >= 3 and isinstance(parsed[1], str) and isinstance(parsed[2], str):
                link.call_actions[parsed[1]] = parsed[2]
        msg = Msg(time.time(), link.id, direction, text, parsed)
        self.messages.append(msg)
        problems = check_cp_frame(raw, link.call_actions, link.sent_ids) \
            if direction == "in" else []
        if self.echo:
            actions = link.call_actions if direction == "in" else link.cp_actions
            self._print(format_msg(msg, actions))
        for p in problems:
            self._violation(link.id, "%s in %s" % (p, _cut(text, 300)))
        self._notify()
        return bool(problems)

    def _violation(self, cp_id, text):
        self.violations.append("%s: %s" % (cp_id, text))
        if self.echo:
            self._print("!! VIOLATION %s: %s" % (cp_id, text))
        self._notify()

    def _error(self, text):
        self.errors.append(text)
        self._print("!! central system error: " + text, err=True)

    def _event(self, text):
        if self.echo:
            self._print("%s -- %s" % (_clock(time.time()), text))
        self._notify()

    def _notify(self):
        for listener in list(self.listeners):
            listener()

    def _print(self, text, err=False):
        out = sys.stderr if err and self.out is None else (self.out or sys.stdout)
        print(text, file=out, flush=True)


def _clock(t):
    return time.strftime("%H:%M:%S", time.localtime(t)) + ".%03d" % (int(t * 1000) % 1000)


def _cut(text, width):
    return text if len(text) <= width else text[:width] + "... (+%d chars)" % (len(text) - width)


def format_msg(msg, actions):
    """One readable line per frame: time, direction with the CP id, kind, action, id, payload.

        10:42:01.123  CP_1 -> CS  BootNotification      [c0ffee..] {"chargePointVendor":"X",...}
        10:42:01.125  CS -> CP_1  BootNotification.conf [c0ffee..] {"status":"Accepted",...}
    `actions` maps unique ids of the CALLs being answered to their action."""
    arrow = "%s -> CS" % msg.cp_id if msg.direction == "in" else "CS -> %s" % msg.cp_id
    p = msg.parsed
    if isinstance(p, list) and len(p) >= 3 and p[0] in (2, 3, 4):
        uid = p[1]
        tag = "[%s]" % (uid if not isinstance(uid, str) or len(uid) <= 10 else uid[:8] + "..")
        if p[0] == 2 and len(p) >= 4:
            what, body = str(p[2]), json.dumps(p[3], separators=(",", ":"), ensure_ascii=False)
        elif p[0] == 3:
            action = actions.get(uid, "?") if isinstance(uid, str) else "?"
            what, body = action + ".conf", json.dumps(p[2], separators=(",", ":"),
                                                      ensure_ascii=False)
        else:
            action = actions.get(uid, "?") if isinstance(uid, str) else "?"
            what = "CALLERROR(%s)" % action
            body = " ".join(json.dumps(x, ensure_ascii=False) for x in p[2:])
        line = "%-22s %s %s" % (what, tag, body)
    else:
        line = "RAW %s" % msg.raw
    return "%s  %-14s %s" % (_clock(msg.time), arrow, _cut(line, ECHO_WIDTH))


# --- synchronous facade for pytest ---------------------------------------------------------------

class CentralSystemThread:
    """A CentralSystem running in its own thread and event loop, driven synchronously.

    cs = CentralSystemThread(boot_interval=300).start(); ...; cs.stop(). Responders run in that
    thread: keep them quick, and never call back into this facade from one (it would deadlock)."""

    def __init__(self, **kwargs):
        self.cs = CentralSystem(**kwargs)
        self._loop = None
        self._thread = None
        self._changed = threading.Condition()
        self.cs.listeners.append(self._wake)

    def _wake(self):
        with self._changed:
            self._changed.notify_all()

    def start(self):
        """Start listening (blocks until bound); returns self."""
        started = threading.Event()
        failure = []

        def run():
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                loop.run_until_complete(self.cs.start())
            except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(e)
                started.set()
                loop.close()
                return
            started.set()
            try:
                loop.run_forever()
            finally:
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="csms", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            self._thread = None
            raise failure[0]
        return self

    def stop(self):
        """Close every connection and stop the thread; calling it again does nothing."""
        if self._thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.cs.stop(), self._loop).result(15)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(15)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _run(self, coro, timeout):
        if self._thread is None:
            coro.close()
            raise RuntimeError("the central system is not running")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    @property
    def port(self):
        return self.cs.port

    @property
    def messages(self):
        """A snapshot of every frame so far (list of Msg)."""
        return list(self.cs.messages)

    @property
    def violations(self):
        """The live list of violations (str): clear() it to forget expected ones."""
        return self.cs.violations

    def mark(self):
        """The current number of messages, to pass as `since`."""
        return len(self.cs.messages)

    def call(self, cp_id, action, payload, timeout=30, **kwargs):
        """CentralSystem.call() from this thread; returns the CALLRESULT payload dict."""
        return self._run(self.cs.call(cp_id, action, payload, timeout, **kwargs), timeout + 5)

    def send_raw(self, cp_id, text):
        self._run(self.cs.send_raw(cp_id, text), 10)

    def disconnect(self, cp_id, code=1000, reason=""):
        self._run(self.cs.disconnect(cp_id, code, reason), 10)

    def _wait(self, find, timeout, what):
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = find()
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [_cut(m.raw, 120) for m in self.cs.messages[-5:]]
                    raise TimeoutError("%s not seen within %ss; last frames: %s"
                                       % (what, timeout, recent))
                self._changed.wait(min(left, 0.5))

    def wait_for(self, cp_id, action, *, direction="in", predicate=None, timeout=10, since=0):
        """The first CALL `action` at index >= since, sent by the CP (direction "in") or by us
        ("out"), whose payload satisfies predicate; TimeoutError otherwise.

        A CALL from the CP is returned once our answer to it is on its way too, so what a test
        sends next reaches the CP after that answer (e.g. after BootNotification.conf). If the
        answer never comes (the connection dropped, a responder hangs), the CALL is returned when
        the timeout is up."""
        deadline = time.monotonic() + timeout
        position = [since]
        seen = []

        def find():
            msgs = self.cs.messages
            if not seen:
                for i in range(position[0], len(msgs)):
                    m = msgs[i]
                    p = m.parsed
                    if m.cp_id == cp_id and m.direction == direction and isinstance(p, list) \
                            and len(p) == 4 and p[0] == MessageType.Call and p[2] == action \
                            and (predicate is None or predicate(p[3])):
                        seen.append(m)
                        position[0] = i + 1
                        break
                else:
                    position[0] = len(msgs)
                    return None
            call = seen[0]
            if direction != "in" or time.monotonic() >= deadline - 0.05:
                return call
            for i in range(position[0], len(msgs)):
                m = msgs[i]
                if m.cp_id == cp_id and m.direction == "out" and isinstance(m.parsed, list) \
                        and len(m.parsed) > 1 and m.parsed[0] in (3, 4) \
                        and m.parsed[1] == call.parsed[1]:
                    return call
            position[0] = len(msgs)
            return None

        return self._wait(find, timeout, "%s %s from %s" % (direction, action, cp_id))

    def wait_reply(self, unique_id, timeout=10, cp_id=None, direction="in"):
        """The CP's CALLRESULT or CALLERROR (a Msg) to our CALL with that unique id (or, with
        direction="out", ours to the CP's CALL)."""
        def find():
            for m in self.cs.messages:
                p = m.parsed
                if m.direction == direction and isinstance(p, list) and len(p) >= 2 \
                        and p[0] in (3, 4) and p[1] == unique_id \
                        and (cp_id is None or m.cp_id == cp_id):
                    return m
            return None

        return self._wait(find, timeout, "a reply to %r" % (unique_id,))

    def wait_connected(self, cp_id, timeout=10, count=1):
        """Wait until `cp_id` has an open connection and has connected at least `count` times
        in all (count=cs.connect_count[cp_id] + 1 waits for a reconnection)."""
        return self._wait(lambda: True if cp_id in self.cs.connected
                          and self.cs.connect_count.get(cp_id, 0) >= count else None, timeout,
                          "connection %d from %s" % (count, cp_id))


# --- console -------------------------------------------------------------------------------------

HELP = """commands (the answer is printed; frames are echoed as they pass):
  list                          charge points connected (* = current target)
  use <cp_id>                   choose the target (default: the only one connected)
  <Action> {json}               send a CALL, e.g.  GetConfiguration {"key": ["HeartbeatInterval"]}
  <Action> key=value ...        the same, values typed by the schema, e.g.
                                  Reset type=Soft
                                  ChangeConfiguration key=HeartbeatInterval value=60
                                  GetConfiguration key=HeartbeatInterval,MeterValueSampleInterval
                                  RemoteStartTransaction idTag=ABC connectorId=1
                                  SetChargingProfile connectorId=1 csChargingProfiles={...}
                                  a.b=1 sets {"a": {"b": 1}}
  <Action>! ...                 send without checking the payload against the schema
  @<cp_id> <command>            send one command to another charge point
  raw <text>                    send text as a frame, exactly as typed
  boot Accepted|Pending|Rejected  how the next BootNotifications are answered
  disconnect                    close the target's websocket
  help                          this text
  quit                          stop the central system
actions: """ + " ".join(sorted(CS_ACTIONS))

Command = namedtuple("Command", "verb target action payload validate arg")
Command.__new__.__defaults__ = (None, None, None, True, None)
_ACTIONS_BY_LOWER = {a.lower(): a for a in CS_ACTIONS}
_BOOT = {"accepted": "Accepted", "pending": "Pending", "rejected": "Rejected"}


def parse_command(line):
    """One console line -> Command (verb, target, action, payload, validate, arg), or None for
    a blank line or a # comment. Raises ValueError with a message for the user."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    target = None
    if line.startswith("@"):
        target, _, line = line[1:].partition(" ")
        line = line.strip()
        if not target or not line:
            raise ValueError("usage: @<cp_id> <command>")
    word, _, rest = line.partition(" ")
    rest = rest.strip()
    verb = word.lower()
    if verb in ("help", "?"):
        return Command("help")
    if verb in ("quit", "exit", "q"):
        return Command("quit")
    if verb in ("list", "ls"):
        return Command("list")
    if verb == "use":
        if not rest or " " in rest:
            raise ValueError("usage: use <cp_id>")
        return Command("use", arg=rest)
    if verb == "raw":
        if not rest:
            raise ValueError("usage: raw <frame text>")
        return Command("raw", target, arg=line[len(word):].lstrip())
    if verb == "boot":
        if rest.lower() not in _BOOT:
            raise ValueError("usage: boot Accepted|Pending|Rejected")
        return Command("boot", arg=_BOOT[rest.lower()])
    if verb == "disconnect":
        return Command("disconnect", target or rest or None)
    validate = not word.endswith("!")
    action = _ACTIONS_BY_LOWER.get(word.rstrip("!").lower())
    if action is None:
        raise ValueError("unknown command or central-system action %r (try help; raw sends "
                         "anything)" % word)
    return Command("call", target, action, parse_payload(action, rest), validate)


def parse_payload(action, text):
    """`{json}` or `key=value ...` (values typed by the action's schema) -> payload dict."""
    if not text:
        return {}
    if text.startswith("{"):
        try:
            payload = json.loads(text)
        except ValueError as e:
            raise ValueError("payload is not JSON: %s" % e) from None
        if not isinstance(payload, dict):
            raise ValueError("the payload must be a JSON object")
        return payload
    schema = load_schema(action) or {}
    payload = {}
    decoder = json.JSONDecoder()
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        eq = text.find("=", i)
        space = next((j for j in range(i, n) if text[j].isspace()), n)
        if eq < 0 or eq > space or eq == i:
            raise ValueError("expected key=value at %r" % text[i:space])
        key = text[i:eq]
        i = eq + 1
        if i < n and text[i] in "[{\"":
            try:
                value, i = decoder.raw_decode(text, i)
            except ValueError as e:
                raise ValueError("value of %s is not JSON: %s" % (key, e)) from None
            quoted = True
        else:
            end = next((j for j in range(i, n) if text[j].isspace()), n)
            value, i, quoted = text[i:end], end, False
        _put(payload, schema, key.split("."), value, quoted)
    return payload


def _put(payload, schema, path, value, quoted):
    node, node_schema = payload, schema
    for name in path[:-1]:
        node_schema = (node_schema.get("properties") or {}).get(name, {})
        node = node.setdefault(name, {})
        if not isinstance(node, dict):
            raise ValueError("%s is not an object" % name)
    prop = (node_schema.get("properties") or {}).get(path[-1], {})
    node[path[-1]] = _typed(value, prop, quoted)


def _typed(value, prop, quoted):
    """Give a key=value value the type its schema property wants (a bare 60 for a string
    property stays "60"; a bare A,B for an array becomes ["A", "B"])."""
    kind = prop.get("type")
    if quoted:
        if kind == "array" and not isinstance(value, list):
            return [value]
        return value
    if kind == "string":
        return value
    if kind == "array":
        items = prop.get("items", {})
        return [_typed(v, items, False) for v in value.split(",") if v]
    if kind in ("integer", "number", "boolean"):
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError("%r is not a valid %s" % (value, kind)) from None
    try:
        return json.loads(value)
    except ValueError:
        return value


def _read_lines(stream, loop, queue):
    """Thread: feed the lines of a blocking stream into an asyncio queue; None at the end.
    A daemon thread, so a pending read never keeps the process alive after quit."""
    try:
        for line in iter(stream.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
    except (OSError, ValueError):
        pass
    try:
        loop.call_soon_threadsafe(queue.put_nowait, None)
    except RuntimeError:
        pass  # the loop is already closed


async def console(cs, stdin=None, out=None):
    """Read commands (see HELP) from `stdin` (default sys.stdin) and run them against the started
    CentralSystem `cs`, printing to `out` (default stdout). Returns at quit (calls still waiting
    for an answer are dropped) or at the end of input (after they are answered). Calls run in the
    background, so the console stays usable while a charge point takes its time.
    `make sim` runs this beside its own agent: await console(cs)."""
    out = out or sys.stdout
    queue = asyncio.Queue()
    threading.Thread(target=_read_lines, args=(stdin or sys.stdin, asyncio.get_running_loop(),
                                               queue), name="console-input", daemon=True).start()
    state = {"target": None}
    running = set()

    def say(text):
        print(text, file=out, flush=True)

    def target_of(cmd):
        if cmd.target:
            return cmd.target
        if state["target"]:
            return state["target"]
        if len(cs.connected) == 1:
            return next(iter(cs.connected))
        raise ValueError("no charge point connected" if not cs.connected else
                         "%d charge points connected: choose one with use <cp_id>"
                         % len(cs.connected))

    async def run_call(cp_id, cmd):
        try:
            answer = await cs.call(cp_id, cmd.action, cmd.payload, validate=cmd.validate)
            say("%s %s.conf %s" % (cp_id, cmd.action, json.dumps(answer, ensure_ascii=False)))
        except CallError as e:
            say("%s %s -> CALLERROR %s %r %s" % (cp_id, cmd.action, e.code, e.description,
                                                 json.dumps(e.details)))
        except InvalidPayload as e:
            say("not sent, the schema rejects it: %s\n(add ! after the action to send it anyway)"
                % e)
        except (asyncio.TimeoutError, ConnectionError) as e:
            say("%s %s: %s" % (cp_id, cmd.action, e or "no answer"))

    say("type help for commands")
    while True:
        line = await queue.get()
        if line is None:  # end of a piped script: let its calls finish
            if running:
                await asyncio.wait(list(running))
            break
        try:
            cmd = parse_command(line)
            if cmd is None:
                continue
            if cmd.verb == "quit":
                break
            if cmd.verb == "help":
                say(HELP)
            elif cmd.verb == "list":
                for cp_id in sorted(cs.connected):
                    say("%s %s (connections: %d)" % ("*" if cp_id == state["target"] else " ",
                                                     cp_id, cs.connect_count.get(cp_id, 0)))
                if not cs.connected:
                    say("no charge point connected")
            elif cmd.verb == "use":
                state["target"] = cmd.arg
                say("target: %s%s" % (cmd.arg, "" if cmd.arg in cs.connected
                                      else " (not connected now)"))
            elif cmd.verb == "boot":
                cs.boot_statuses.clear()
                cs.boot_status = cmd.arg
                say("BootNotification will be answered %s" % cmd.arg)
            elif cmd.verb == "raw":
                await cs.send_raw(target_of(cmd), cmd.arg)
            elif cmd.verb == "disconnect":
                await cs.disconnect(target_of(cmd))
            else:
                task = asyncio.ensure_future(run_call(target_of(cmd), cmd))
                running.add(task)
                task.add_done_callback(running.discard)
        except (ValueError, ConnectionError) as e:
            say("error: %s" % e)
    for task in list(running):
        task.cancel()


# --- command line --------------------------------------------------------------------------------

def _password(text):
    cp_id, sep, secret = text.partition("=")
    if not sep or not cp_id:
        raise ValueError("--password wants CP_ID=SECRET (or CP_ID=hex:00AB...)")
    return cp_id, bytes.fromhex(secret[4:]) if secret.startswith("hex:") else secret.encode()


def main(argv=None):
    import argparse
    import ssl

    parser = argparse.ArgumentParser(description="Development OCPP 1.6J central system: prints "
                                     "every frame and sends any central-system command.")
    parser.add_argument("--host", default="0.0.0.0",
                        help="address to listen on (default 0.0.0.0, every interface)")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--tls-cert", help="PEM certificate chain: serve wss://")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--password", action="append", default=[], metavar="CP_ID=SECRET",
                        help="require HTTP Basic auth (repeatable; SECRET may be hex:00AB..)")
    parser.add_argument("--boot", default="Accepted", type=lambda s: _BOOT[s.lower()],
                        help="BootNotification answer: Accepted (default), Pending, Rejected")
    parser.add_argument("--interval", type=int, default=300,
                        help="interval in the BootNotification answer (default 300 s)")
    args = parser.parse_args(argv)
    ssl_context = None
    if args.tls_cert:
        ssl_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ssl_context.load_cert_chain(args.tls_cert, args.tls_key)
    passwords = dict(_password(p) for p in args.password) if args.password else None
    cs = CentralSystem(args.host, args.port, ssl_context=ssl_context, passwords=passwords,
                       boot_status=args.boot, boot_interval=args.interval, echo=True)

    async def run():
        await cs.start()
        try:
            await console(cs)
        finally:
            await cs.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
