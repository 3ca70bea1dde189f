"""The central system: one websocket per charge point (_Link, on the `ocpp` package's
ChargePoint), the record of every frame, the built-in answers and the responders tests set."""
import asyncio
import base64
import copy
import decimal
import hmac
import itertools
import json
import sys
import time
import traceback
import uuid

from ocpp.charge_point import _raise_key_error
from ocpp.exceptions import (FormationViolationError, FormatViolationError, InternalError,
                             OCPPError)
from ocpp.messages import Call, CallResult, MessageType, unpack, validate_payload
from ocpp.v16 import ChargePoint as _OcppChargePoint
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

from csms.checks import check_cp_frame, load_schema, schema_errors
from csms.common import (CP_ACTIONS, ECHO_WIDTH, SUBPROTOCOL, AuthFailure, CallError,
                         InvalidPayload, Msg, Unchecked, cp_id_from_path, now_iso)


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
    client_certs (dict id -> the commonName of the TLS client certificate of the last handshake,
    None without one; with passwords set, a verified certificate whose CN is the id's (see
    cert_names) stands in for HTTP Basic: security profile 3),
    boot_status / boot_statuses / boot_interval / heartbeat_interval / passwords (may be changed
    any time), errors (tracebacks of our own failures, e.g. a responder that crashed)."""

    def __init__(self, host="127.0.0.1", port=0, *, ssl_context=None, passwords=None,
                 cert_names=None, boot_status="Accepted", boot_interval=300,
                 heartbeat_interval=None, echo=False, out=None):
        """passwords: None = no HTTP Basic check, else {cp_id: password bytes or str}.
        cert_names: {cp_id: the commonName its TLS client certificate carries (its serial
        number, security whitepaper A00.FR.405)}; an id not named is its own CN.
        boot_statuses (attribute, list) is consumed first, then boot_status answers. The
        BootNotification interval is boot_interval, or heartbeat_interval when set and Accepted.
        echo=True prints every frame and event to `out` (default stdout)."""
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.passwords = passwords
        self.cert_names = cert_names or {}
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
        self.client_certs = {}  # id -> the CN of its verified TLS client certificate, or None
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

    async def wait_call(self, cp_id, action, since=0, timeout=30, **fields):
        """The charge point's first CALL `action` (a Msg) at index >= since with these payload
        field values; TimeoutError after `timeout` s (for code in this loop: make sim)."""
        for _ in range(int(timeout * 20)):
            found = find_call(self.messages, cp_id, action, since, fields=fields)
            if found:
                return found[1]
            await asyncio.sleep(0.05)
        raise TimeoutError("no %s from %s within %s s" % (action, cp_id, timeout))

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
        peer = _client_cn(connection)
        self.client_certs[cp_id] = peer
        if self.passwords is None:
            return None
        if peer is not None and peer == self.cert_names.get(cp_id, cp_id) and \
                not request.headers.get("Authorization"):
            return None  # security profile 3: a verified client certificate for this id
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


def find_call(messages, cp_id, action, since=0, direction="in", predicate=None, fields=None):
    """(index, Msg) of the first CALL `action` at index >= since, sent by the CP (direction
    "in") or by us ("out"), whose payload satisfies predicate and has these field values; None.
    The one matcher behind every wait for a charge point's message (tests, bench, sim)."""
    for i in range(since, len(messages)):
        m = messages[i]
        p = m.parsed
        if m.cp_id == cp_id and m.direction == direction and isinstance(p, list) \
                and len(p) == 4 and p[0] == MessageType.Call and p[2] == action \
                and (predicate is None or predicate(p[3])) \
                and (not fields or (isinstance(p[3], dict) and all(
                    p[3].get(k) == v for k, v in fields.items()))):
            return i, m
    return None


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


def _client_cn(connection):
    """The commonName of the verified TLS client certificate of `connection`, or None."""
    transport = getattr(connection, "transport", None)
    tls = transport.get_extra_info("ssl_object") if transport is not None else None
    cert = tls.getpeercert() if tls is not None else None
    if not cert:
        return None
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None
