"""tools/csms, the development central system, against the `ocpp` package's own charge-point
side (websockets client + ocpp.v16.ChargePoint) on loopback. CPython only: this is a host tool."""
import asyncio
import base64
import io
import json
import os
import sys
import threading
import time

import pytest
import websockets
from ocpp.exceptions import NotSupportedError, SecurityError
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action
from websockets.asyncio.client import connect

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tools"))
import csms  # noqa: E402
from csms import CallError, CentralSystem, CentralSystemThread, InvalidPayload  # noqa: E402

CP = "CP_1"


class FakeChargePoint(ChargePoint):
    """The package's charge point, answering a few CS -> CP actions; keeps every raw frame."""

    def __init__(self, cp_id, ws):
        super().__init__(cp_id, ws, response_timeout=10)
        self.received = []
        self.sent = []
        self.reset_status = "Accepted"

    async def route_message(self, raw_msg):
        self.received.append(raw_msg)
        await super().route_message(raw_msg)

    async def _send(self, message):
        self.sent.append(message)
        await super()._send(message)

    @on(Action.get_configuration)
    def on_get_configuration(self, key=None, **_):
        return call_result.GetConfiguration(
            configuration_key=[{"key": k, "readonly": False, "value": "42"} for k in key or []])

    @on(Action.reset, skip_schema_validation=True)  # so a test can make it answer nonsense
    def on_reset(self, type, **_):
        return call_result.Reset(status=self.reset_status)

    @on(Action.unlock_connector)
    def on_unlock(self, connector_id, **_):
        raise NotSupportedError(description="no lock here")


class Client:
    """A FakeChargePoint connected to `port`, run in its own thread and event loop so the
    synchronous CentralSystemThread can be driven from the test thread at the same time."""

    def __init__(self, port, cp_id=CP, path="/ocpp/", headers=None):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        try:
            self.cp, self.ws = self.run(self._open("ws://127.0.0.1:%d%s%s" % (port, path, cp_id),
                                                   cp_id, headers))
        except BaseException:
            self._stop_loop()
            raise
        self.task = asyncio.run_coroutine_threadsafe(self._serve(), self.loop)

    async def _open(self, url, cp_id, headers):
        ws = await connect(url, subprotocols=["ocpp1.6"], additional_headers=headers or {})
        return FakeChargePoint(cp_id, ws), ws

    async def _serve(self):
        try:
            await self.cp.start()
        except websockets.ConnectionClosed:
            pass

    def run(self, coro, timeout=15):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, payload, **kwargs):
        return self.run(self.cp.call(payload, **kwargs))

    def send_text(self, text):
        self.run(self.ws.send(text))
        self.cp.sent.append(text)

    def close(self):
        try:
            self.run(self.ws.close())
            self.task.result(5)
        finally:
            self._stop_loop()

    def _stop_loop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@pytest.fixture
def cs():
    c = CentralSystemThread(boot_interval=7).start()
    yield c
    c.stop()


@pytest.fixture
def client(cs):
    c = Client(cs.port)
    cs.wait_connected(CP)
    yield c
    c.close()


def until(condition, timeout=5):
    """Wait for something the client's own thread does (it has no notifications to wait on)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def boot(client, **kwargs):
    return client.call(call.BootNotification(charge_point_vendor="V", charge_point_model="M"),
                       **kwargs)


# --- charge point -> central system ---------------------------------------------------------

def test_boot_pending_then_accepted_with_the_intervals(cs, client):
    cs.cs.boot_statuses = ["Pending", "Pending"]
    cs.cs.heartbeat_interval = 60
    answers = [boot(client) for _ in range(3)]
    assert [a.status for a in answers] == ["Pending", "Pending", "Accepted"]
    assert [a.interval for a in answers] == [7, 7, 60]
    assert cs.cs.boot_statuses == []
    cs.cs.boot_status = "Rejected"
    assert boot(client).status == "Rejected"
    assert csms.cp_id_from_path("/x/" + CP) == CP and cs.violations == []


def test_default_answers_for_every_charge_point_action_are_valid(cs, client):
    # the package's client validates each answer against its schema (it raises otherwise)
    boot(client)
    assert client.call(call.Heartbeat()).current_time.endswith("Z")
    assert client.call(call.Authorize(id_tag="ABC")).id_tag_info["status"] == "Accepted"
    ids = [client.call(call.StartTransaction(connector_id=1, id_tag="ABC", meter_start=0,
                                             timestamp="2026-01-01T00:00:00Z")).transaction_id
           for _ in range(2)]
    assert ids[1] > ids[0]
    client.call(call.StopTransaction(meter_stop=5, timestamp="2026-01-01T00:00:00Z",
                                     transaction_id=ids[0], id_tag="ABC"))
    client.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
    client.call(call.MeterValues(connector_id=1, meter_value=[
        {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "1"}]}]))
    assert client.call(call.DataTransfer(vendor_id="V")).status == "Accepted"
    client.call(call.DiagnosticsStatusNotification(status="Idle"))
    client.call(call.FirmwareStatusNotification(status="Idle"))
    client.call(call.SecurityEventNotification(type="StartupOfTheDevice",
                                               timestamp="2026-01-01T00:00:00Z", tech_info=None))
    assert client.call(call.SignCertificate(csr="CSR")).status == "Accepted"
    client.call(call.LogStatusNotification(status="Idle", request_id=1))
    client.call(call.SignedFirmwareStatusNotification(status="Idle", request_id=1))
    assert csms.CP_ACTIONS == {m.parsed[2] for m in cs.messages if m.direction == "in"}
    assert not [m for m in cs.messages if m.parsed[0] == 4]
    assert cs.violations == [] and cs.cs.errors == []


def test_every_frame_is_recorded_both_ways_exactly(cs, client):
    boot(client)
    cs.call(CP, "GetConfiguration", {"key": ["A"]})
    client.send_text('[2, "spaced-id" , "Heartbeat", {}]')  # odd spacing, kept as sent
    cs.wait_reply("spaced-id", direction="out")
    until(lambda: len(client.cp.received) == 3)
    msgs = cs.messages
    assert [m.raw for m in msgs if m.direction == "in"] == client.cp.sent
    assert [m.raw for m in msgs if m.direction == "out"] == client.cp.received
    assert [(m.direction, m.parsed[0]) for m in msgs] == [
        ("in", 2), ("out", 3), ("out", 2), ("in", 3), ("in", 2), ("out", 3)]
    assert all(m.cp_id == CP and json.loads(m.raw) == m.parsed for m in msgs)
    assert msgs[0].time <= msgs[-1].time
    # the console line of each: time, arrow with the id, action (answers named after the CALL)
    lines = [csms.format_msg(m, {msgs[2].parsed[1]: "GetConfiguration",
                                 msgs[0].parsed[1]: "BootNotification"}) for m in msgs[:4]]
    assert "CP_1 -> CS" in lines[0] and "BootNotification " in lines[0]
    assert "CS -> CP_1" in lines[1] and "BootNotification.conf" in lines[1]
    assert "GetConfiguration " in lines[2] and '{"key":["A"]}' in lines[2]
    assert "GetConfiguration.conf" in lines[3] and "\n" not in "".join(lines)


def test_an_invalid_call_from_the_charge_point_is_a_violation_and_a_callerror(cs, client):
    boot(client)
    with pytest.raises(Exception) as raised:
        client.call(call.StatusNotification(connector_id=1, error_code="NoError",
                                            status="Sideways"),
                    skip_schema_validation=True, suppress=False)
    assert raised.value.code == "FormationViolation"  # the OCPP 1.6 spelling
    until(lambda: client.cp.received)
    assert len(client.cp.received[-1]) < 600  # no kilobytes of jsonschema report for a board
    assert len(cs.violations) == 1 and "Sideways" in cs.violations[0]
    cs.violations.clear()
    with pytest.raises(Exception) as raised:
        client.call(call.Authorize(id_tag="X" * 21), skip_schema_validation=True, suppress=False)
    assert raised.value.code == "TypeConstraintViolation"
    assert len(cs.violations) == 1 and "idTag" in cs.violations[0]


@pytest.mark.parametrize("frame, problem", [
    ("not json", "not JSON"),
    ('{"a": 1}', "not an OCPP-J message"),
    ('[2, "id-1", "Reset", {"type": "Soft"}]', "not an action a charge point sends"),
    ('[2, "' + "i" * 37 + '", "Heartbeat", {}]', "unique id"),
    ('[2, "id-2", "Heartbeat"]', "3 elements"),
    ('[2, "id-3", "Heartbeat", {}, 1]', "5 elements"),
    ('[2, "id-4", "Heartbeat", {"extra": NaN}]', "not JSON"),
    ('[4, "id-5", "FormatViolation", "x", {}]', "not an OCPP 1.6 error code"),
    ('[4, "id-6", "GenericError", 5, []]', "description"),
])
def test_malformed_frames_from_the_charge_point_are_violations(cs, client, frame, problem):
    client.send_text(frame)
    cs._wait(lambda: cs.violations or None, 5, "a violation")
    assert problem in cs.violations[0], cs.violations


def test_an_invalid_callresult_to_our_call_is_a_violation_but_returned(cs, client):
    client.cp.reset_status = "Sideways"
    assert cs.call(CP, "Reset", {"type": "Soft"}) == {"status": "Sideways"}
    assert len(cs.violations) == 1 and "Reset.conf" in cs.violations[0]
    cs.violations.clear()
    client.cp.reset_status = "Accepted"
    assert cs.call(CP, "Reset", {"type": "Soft"}) == {"status": "Accepted"}
    assert cs.violations == []


# --- HTTP handshake -------------------------------------------------------------------------

def _basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(user + b":" + password).decode()}


def test_basic_auth_accepts_the_right_password_and_refuses_others_with_401():
    cs = CentralSystemThread(passwords={CP: "s3cret", "CP_2": bytes.fromhex("00ff10")}).start()
    try:
        good = Client(cs.port, headers=_basic(b"CP_1", b"s3cret"))
        cs.wait_connected(CP)
        assert cs.cs.request_headers[CP]["Authorization"].startswith("Basic ")
        good.close()
        binary = Client(cs.port, "CP_2", headers=_basic(b"CP_2", b"\x00\xff\x10"))
        cs.wait_connected("CP_2")
        binary.close()
        assert cs.cs.auth_failures == []
        for cp_id, headers in ((CP, _basic(b"CP_1", b"wrong")), (CP, None),
                               (CP, _basic(b"CP_2", b"s3cret")), ("CP_3", _basic(b"CP_3", b"x")),
                               (CP, {"Authorization": "Bearer s3cret"})):
            with pytest.raises(websockets.InvalidStatus) as refused:
                Client(cs.port, cp_id, headers=headers)
            assert refused.value.response.status_code == 401
            assert "Basic" in refused.value.response.headers["WWW-Authenticate"]
        reasons = [f.reason for f in cs.cs.auth_failures]
        assert len(reasons) == 5 and reasons[0] == "wrong password", reasons
        assert cs.cs.connect_count == {CP: 1, "CP_2": 1}
    finally:
        cs.stop()


def test_the_ocpp16_subprotocol_and_an_id_are_required(cs):
    async def attempt(path, subprotocols):
        async with connect("ws://127.0.0.1:%d%s" % (cs.port, path), subprotocols=subprotocols):
            pass

    for path, subprotocols, status in (("/ocpp/CP_1", None, 400),
                                       ("/ocpp/CP_1", ["ocpp2.0.1"], 400),
                                       ("/", ["ocpp1.6"], 404)):
        with pytest.raises(websockets.InvalidStatus) as refused:
            asyncio.run(attempt(path, subprotocols))
        assert refused.value.response.status_code == status
    assert cs.cs.connect_count == {}


def test_the_id_is_the_last_path_segment_percent_decoded(cs):
    c = Client(cs.port, cp_id="CP%20%C3%A9", path="/some/where/")
    try:
        cs.wait_connected("CP \u00e9")
        assert csms.cp_id_from_path("/ocpp/CP_9/?token=1") == "CP_9"
    finally:
        c.close()


# --- responders -----------------------------------------------------------------------------

def test_responders_override_answers_and_raise_callerrors(cs, client):
    seen = []

    def authorize(cp_id, payload):
        seen.append((cp_id, payload))
        if payload["idTag"] == "BAD":
            raise SecurityError(description="go away")
        if payload["idTag"] == "DEFAULT":
            return None  # the built-in answer
        return {"idTagInfo": {"status": "Blocked", "expiryDate": "2030-01-01T00:00:00Z"}}

    async def heartbeat(cp_id, payload):  # responders may be coroutines
        return {"currentTime": "2030-01-01T00:00:00Z"}

    cs.cs.responders["Authorize"] = authorize
    cs.cs.responders["Heartbeat"] = heartbeat
    cs.cs.responders["StatusNotification"] = lambda cp_id, payload: 1 / 0
    assert client.call(call.Authorize(id_tag="ABC")).id_tag_info["status"] == "Blocked"
    assert client.call(call.Authorize(id_tag="DEFAULT")).id_tag_info == {"status": "Accepted"}
    with pytest.raises(SecurityError):
        client.call(call.Authorize(id_tag="BAD"), suppress=False)
    assert seen[0] == (CP, {"idTag": "ABC"})  # camelCase, as on the wire
    assert client.call(call.Heartbeat()).current_time == "2030-01-01T00:00:00Z"
    with pytest.raises(Exception) as raised:
        client.call(call.StatusNotification(connector_id=1, error_code="NoError",
                                            status="Available"), suppress=False)
    assert raised.value.code == "InternalError" and "ZeroDivisionError" in cs.cs.errors[0]
    assert cs.violations == []  # our errors are not the charge point's


def test_an_invalid_responder_answer_is_not_sent_unless_unchecked(cs, client):
    cs.cs.responders["Heartbeat"] = lambda cp_id, p: {"currentTime": 5}
    with pytest.raises(Exception) as raised:
        client.call(call.Heartbeat(), suppress=False)
    assert raised.value.code == "InternalError" and "Unchecked" in cs.cs.errors[0]
    cs.cs.responders["Heartbeat"] = lambda cp_id, p: csms.Unchecked(currentTime=5)
    client.send_text('[2, "hb-1", "Heartbeat", {}]')
    assert cs.wait_reply("hb-1", direction="out").parsed == [3, "hb-1", {"currentTime": 5}]


# --- central system -> charge point ---------------------------------------------------------

def test_call_round_trip_and_its_errors(cs, client):
    conf = cs.call(CP, "GetConfiguration", {"key": ["HeartbeatInterval", "X"]})
    assert conf == {"configurationKey": [{"key": "HeartbeatInterval", "readonly": False,
                                          "value": "42"},
                                         {"key": "X", "readonly": False, "value": "42"}]}
    sent = cs.wait_for(CP, "GetConfiguration", direction="out")
    assert sent.parsed[3] == {"key": ["HeartbeatInterval", "X"]}
    with pytest.raises(CallError) as refused:
        cs.call(CP, "UnlockConnector", {"connectorId": 1})
    assert refused.value.code == "NotSupported" and refused.value.description == "no lock here"
    # our own payload is checked unless told otherwise, then anything goes
    with pytest.raises(InvalidPayload):
        cs.call(CP, "Reset", {"type": "Sideways"})
    with pytest.raises(CallError) as refused:
        cs.call(CP, "FlyToTheMoon", {}, validate=False, unique_id="moon-1")
    assert refused.value.code == "NotSupported"
    assert cs.wait_reply("moon-1").parsed[2] == "NotSupported"
    assert cs.violations == []  # a CALLERROR answer is not a violation
    with pytest.raises(ConnectionError):
        cs.call("CP_404", "Reset", {"type": "Soft"})


def test_a_call_without_an_answer_times_out(cs, client):
    client.cp.route_message = lambda raw: asyncio.sleep(0)  # a charge point gone deaf
    with pytest.raises(TimeoutError):
        cs.call(CP, "Reset", {"type": "Soft"}, timeout=0.5)


def test_send_raw_and_wait_reply(cs, client):
    mark = cs.mark()
    cs.send_raw(CP, '[2, "raw-1", "GetConfiguration", {"key": ["K"]}]')
    reply = cs.wait_reply("raw-1")
    assert reply.direction == "in" and reply.parsed[0] == 3
    assert reply.parsed[2]["configurationKey"][0]["key"] == "K"
    assert cs.messages[mark].raw == '[2, "raw-1", "GetConfiguration", {"key": ["K"]}]'
    cs.send_raw(CP, "garbage that the package drops")
    until(lambda: client.cp.received[-1:] == ["garbage that the package drops"])
    with pytest.raises(TimeoutError):
        cs.wait_reply("never-sent", timeout=0.3)
    assert cs.violations == []


def test_wait_for_honours_predicate_and_since(cs, client):
    for n in (1, 2):
        client.call(call.StatusNotification(connector_id=n, error_code="NoError",
                                            status="Available"))
    second = cs.wait_for(CP, "StatusNotification", predicate=lambda p: p["connectorId"] == 2)
    assert second.parsed[3]["connectorId"] == 2
    first = cs.wait_for(CP, "StatusNotification")
    assert first.parsed[3]["connectorId"] == 1
    with pytest.raises(TimeoutError):
        cs.wait_for(CP, "StatusNotification", since=cs.messages.index(second) + 1, timeout=0.3)


def test_disconnect_closes_the_charge_points_websocket(cs, client):
    cs.disconnect(CP)
    client.task.result(5)  # the client's receive loop ended: the socket is closed
    assert client.ws.close_code == 1000
    cs._wait(lambda: True if CP not in cs.cs.connected else None, 5, "the disconnection")
    with pytest.raises(ConnectionError):
        cs.call(CP, "Reset", {"type": "Soft"})
    again = Client(cs.port)
    try:
        cs.wait_connected(CP, count=2)
        assert cs.call(CP, "Reset", {"type": "Hard"}) == {"status": "Accepted"}
    finally:
        again.close()


def test_a_second_connection_with_the_same_id_replaces_the_first(cs, client):
    second = Client(cs.port)
    try:
        cs.wait_connected(CP, count=2)
        client.task.result(5)  # the first one was closed by the central system
        assert cs.call(CP, "Reset", {"type": "Soft"}) == {"status": "Accepted"}
        assert second.cp.received and not [r for r in client.cp.received if "Reset" in r]
    finally:
        second.close()


def test_the_asyncio_api_in_one_event_loop():
    async def scenario():
        cs = CentralSystem(port=0, boot_status="Pending", boot_interval=3)
        await cs.start()
        ws = await connect("ws://127.0.0.1:%d/CP_7" % cs.port, subprotocols=["ocpp1.6"])
        cp = FakeChargePoint("CP_7", ws)
        serving = asyncio.ensure_future(cp.start())
        answer = await cp.call(call.BootNotification(charge_point_vendor="V",
                                                     charge_point_model="M"))
        conf = await cs.call("CP_7", "GetConfiguration", {})
        await cs.stop()
        with pytest.raises(websockets.ConnectionClosed):
            await serving
        return cs, answer, conf

    cs, answer, conf = asyncio.run(scenario())
    assert answer.status == "Pending" and answer.interval == 3
    assert conf == {"configurationKey": []}
    assert cs.connected == set() and len(cs.messages) == 4 and cs.violations == []


# --- console --------------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected", [
    ("", None),
    ("  # a comment", None),
    ("help", ("help", None, None, None, True, None)),
    ("QUIT", ("quit", None, None, None, True, None)),
    ("list", ("list", None, None, None, True, None)),
    ("use CP_2", ("use", None, None, None, True, "CP_2")),
    ("boot pending", ("boot", None, None, None, True, "Pending")),
    ("raw [2, \"x\",  \"Reset\"]", ("raw", None, None, None, True, '[2, "x",  "Reset"]')),
    ("@CP_2 disconnect", ("disconnect", "CP_2", None, None, True, None)),
    ("Reset {\"type\": \"Soft\"}", ("call", None, "Reset", {"type": "Soft"}, True, None)),
    ("reset type=Hard", ("call", None, "Reset", {"type": "Hard"}, True, None)),
    ("ClearCache", ("call", None, "ClearCache", {}, True, None)),
    ("GetConfiguration {\"key\": [\"HeartbeatInterval\"]}",
     ("call", None, "GetConfiguration", {"key": ["HeartbeatInterval"]}, True, None)),
    ("GetConfiguration key=HeartbeatInterval,MeterValueSampleInterval",
     ("call", None, "GetConfiguration", {"key": ["HeartbeatInterval", "MeterValueSampleInterval"]},
      True, None)),
    ('GetConfiguration key=["A", "B"]', ("call", None, "GetConfiguration", {"key": ["A", "B"]},
                                         True, None)),
    ("ChangeConfiguration key=HeartbeatInterval value=60",
     ("call", None, "ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"}, True,
      None)),
    ('@CP_9 RemoteStartTransaction idTag="A B" connectorId=2 chargingProfile.stackLevel=0',
     ("call", "CP_9", "RemoteStartTransaction",
      {"idTag": "A B", "connectorId": 2, "chargingProfile": {"stackLevel": 0}}, True, None)),
    ('TriggerMessage requestedMessage=StatusNotification connectorId=1',
     ("call", None, "TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1},
      True, None)),
    ("Reset! type=Sideways extra=1", ("call", None, "Reset", {"type": "Sideways", "extra": 1},
                                      False, None)),
    ("DataTransfer vendorId=V data={\"a\": [1]}",
     ("call", None, "DataTransfer", {"vendorId": "V", "data": {"a": [1]}}, True, None)),
])
def test_console_parser(line, expected):
    assert csms.parse_command(line) == (None if expected is None else csms.Command(*expected))


@pytest.mark.parametrize("line", [
    "FlyToTheMoon {}", "BootNotification {}", "use", "use a b", "boot Maybe", "raw",
    "Reset {not json", "Reset [1]", "Reset type", "Reset =Soft",
    "RemoteStartTransaction connectorId=one",
    "@CP_2",
])
def test_console_parser_refuses_with_a_message(line):
    with pytest.raises(ValueError) as refused:
        csms.parse_command(line)
    assert str(refused.value)


def test_console_runs_commands_against_the_connected_charge_point(cs, client):
    out = io.StringIO()
    script = io.StringIO("list\nGetConfiguration key=HeartbeatInterval\nUnlockConnector "
                         "connectorId=1\nReset type=Sideways\nboot Rejected\nraw [2, \"c-1\", "
                         "\"GetConfiguration\", {}]\nnonsense\n")
    client_before = cs.mark()
    asyncio.run_coroutine_threadsafe(csms.console(cs.cs, stdin=script, out=out),
                                     cs._loop).result(20)
    text = out.getvalue()
    assert "  CP_1 (connections: 1)" in text
    assert 'CP_1 GetConfiguration.conf {"configurationKey": [{"key": "HeartbeatInterval"' in text
    assert "CALLERROR NotSupported 'no lock here'" in text
    assert "not sent, the schema rejects it" in text
    assert cs.cs.boot_status == "Rejected"
    assert cs.wait_reply("c-1").parsed[0] == 3
    assert "error: unknown command" in text
    sent = [m.parsed[2] for m in cs.messages[client_before:] if m.direction == "out"
            and m.parsed[0] == 2]
    assert sorted(sent) == ["GetConfiguration", "GetConfiguration", "UnlockConnector"]


def test_console_without_a_single_target_says_so(cs):
    out = io.StringIO()
    asyncio.run_coroutine_threadsafe(csms.console(cs.cs, stdin=io.StringIO("Reset type=Soft\n"),
                                                  out=out), cs._loop).result(10)
    assert "error: no charge point connected" in out.getvalue()


def test_echo_prints_one_line_per_frame():
    out = io.StringIO()
    c = CentralSystemThread(echo=True, out=out).start()
    try:
        client = Client(c.port)
        boot(client)
        client.close()
    finally:
        c.stop()
    lines = out.getvalue().splitlines()
    frames = [line for line in lines if "BootNotification" in line]
    assert len(frames) == 2 and "CP_1 -> CS" in frames[0] and "CS -> CP_1" in frames[1]
    assert any("CP_1 connected" in line for line in lines)
    assert any("CP_1 disconnected" in line for line in lines)


def test_command_line_options():
    assert csms._password("CP_1=abc") == ("CP_1", b"abc")
    assert csms._password("CP_1=hex:00ff") == ("CP_1", b"\x00\xff")
    with pytest.raises(ValueError):
        csms._password("nopassword")
