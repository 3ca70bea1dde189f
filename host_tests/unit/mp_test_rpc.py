# OCPP-J RPC layer against a fake WebSocket (MicroPython).
import asyncio
import json

from ocpp.core import rpc


class FakeWs:
    def __init__(self):
        self.sent = []
        self.texts = []  # the text of each message, as sent
        self.pieces = []  # how many pieces each streamed message came in
        self.closed = False

    async def send(self, text):
        self.texts.append(text)
        self.sent.append(json.loads(text))

    async def send_pieces(self, pieces):
        got = []
        for piece in pieces:
            assert isinstance(piece, str), piece
            got.append(piece)
            await asyncio.sleep_ms(0)  # like a socket waiting for each frame to go out
        text = "".join(got)
        self.pieces.append(len(got))
        self.texts.append(text)
        self.sent.append(json.loads(text))


class FakeOp:
    """Stands in sys.modules for ocpp/ops/<Action>.py: handle() calls the test's handler."""

    def __init__(self, handler):
        self._handler = handler

    async def handle(self, context, payload):
        return await self._handler(payload)


def make(handlers=None):
    """An Rpc whose ops are the test's handlers ({action: async fn(payload)}), registered as
    the op modules the real dispatch loads (ocpp.ops.<Action> in sys.modules)."""
    import sys

    handlers = handlers or {}
    for name in [m for m in sys.modules if m.startswith("ocpp.ops.")]:
        del sys.modules[name]  # a fake of an earlier test
    for action, handler in handlers.items():
        sys.modules["ocpp.ops." + action] = FakeOp(handler)
    logs = []
    r = rpc.Rpc(logs.append, timeout_s=1, answers=lambda action: action in handlers)
    ws = FakeWs()
    r.ws = ws
    return r, ws, logs


async def handle(r, ws, obj_or_text):
    text = obj_or_text if isinstance(obj_or_text, str) else json.dumps(obj_or_text)
    await r.handle_text(ws, text)
    return ws.sent[-1] if ws.sent else None


async def test_call_dispatches_to_handler_and_answers_callresult():
    seen = []

    async def on_change(payload):
        seen.append(payload)
        return {"status": "Accepted"}

    r, ws, _ = make({"ChangeConfiguration": on_change})
    reply = await handle(r, ws, [2, "42", "ChangeConfiguration", {"key": "A", "value": "1"}])
    assert reply == [3, "42", {"status": "Accepted"}], reply
    assert seen == [{"key": "A", "value": "1"}]


async def test_unknown_action_is_not_implemented_and_known_unhandled_is_not_supported():
    r, ws, _ = make()
    reply = await handle(r, ws, [2, "1", "FlyToTheMoon", {}])
    assert reply[:3] == [4, "1", "NotImplemented"], reply
    reply = await handle(r, ws, [2, "2", "ReserveNow", {}])
    assert reply[:3] == [4, "2", "NotSupported"], reply
    assert reply[4] == {}


async def test_hostile_frames_get_callerror_and_never_raise():
    r, ws, _ = make({"Reset": None})
    for text, code in (
        ("not json", "FormationViolation"),
        ("{}", "FormationViolation"),
        ("[2]", "FormationViolation"),
        ('[2, 7, "Reset", {}]', "FormationViolation"),  # id not a string
        ('[2, "' + "x" * 37 + '", "Reset", {}]', "FormationViolation"),  # id too long
        ('[2, "5", "Reset"]', "FormationViolation"),  # no payload
        ('[2, "6", 5, {}]', "FormationViolation"),
    ):
        ws.sent.clear()
        reply = await handle(r, ws, text)
        assert reply is not None and reply[0] == 4 and reply[2] == code, (text, reply)
    # OCPP-J 4.1.3: an unknown message type is ignored, not answered
    ws.sent.clear()
    await handle(r, ws, [9, "1", {}])
    assert ws.sent == []


async def test_invalid_payload_is_rejected_before_the_handler():
    called = []

    async def on_reset(payload):
        called.append(payload)
        return {"status": "Accepted"}

    r, ws, _ = make({"Reset": on_reset})
    reply = await handle(r, ws, [2, "1", "Reset", {"type": "Sideways"}])
    assert reply[0] == 4 and reply[2] == "PropertyConstraintViolation", reply
    reply = await handle(r, ws, [2, "2", "Reset", {}])
    assert reply[0] == 4 and reply[2] in ("OccurenceConstraintViolation", "ProtocolError"), reply
    reply = await handle(r, ws, [2, "3", "Reset", {"type": 5}])
    assert reply[0] == 4 and reply[2] == "TypeConstraintViolation", reply
    assert called == []


async def test_handler_exception_becomes_internal_error():
    async def boom(payload):
        raise KeyError("x")

    r, ws, logs = make({"ClearCache": boom})
    reply = await handle(r, ws, [2, "9", "ClearCache", {}])
    assert reply[:3] == [4, "9", "InternalError"], reply


async def test_out_of_memory_while_validating_is_answered_and_keeps_going():
    from ocpp.core import cache

    async def on_reset(payload):
        return {"status": "Accepted"}

    r, ws, logs = make({"Reset": on_reset})
    exhausted = []
    r.on_exhausted = exhausted.append  # the agent raises a MemoryExhaustion security event
    real_use = cache.use

    def no_room(name):
        raise MemoryError("memory allocation failed")

    cache.use = no_room
    try:
        reply = await handle(r, ws, [2, "m1", "Reset", {"type": "Soft"}])
        assert reply[:3] == [4, "m1", "InternalError"], reply
        # our own CALL whose answer cannot be checked fails with a CallError, not a timeout
        task = asyncio.create_task(r.call("Heartbeat", {}))
        await asyncio.sleep_ms(10)
        uid = ws.sent[-1][1]
        await r.handle_text(ws, json.dumps([3, uid, {"currentTime": "2026-01-01T00:00:00Z"}]))
        try:
            await task
            assert False, "no CallError"
        except rpc.CallError as e:
            assert e.code == "InternalError", e.code
    finally:
        cache.use = real_use
    reply = await handle(r, ws, [2, "m2", "Reset", {"type": "Soft"}])
    assert reply == [3, "m2", {"status": "Accepted"}], reply
    assert any("MemoryError" in line for line in logs), logs
    assert exhausted == ["handling message m1", "handling message " + uid], exhausted


async def test_a_handler_out_of_memory_is_reported():
    async def greedy(payload):
        raise MemoryError("memory allocation failed, allocating 272 bytes")

    r, ws, logs = make({"Reset": greedy})
    exhausted = []
    r.on_exhausted = exhausted.append
    reply = await handle(r, ws, [2, "m1", "Reset", {"type": "Soft"}])
    assert reply[:3] == [4, "m1", "InternalError"], reply
    assert exhausted == ["Reset"], exhausted


async def test_handler_call_error_and_after_hook():
    order = []

    async def nope(payload):
        raise rpc.CallError("SecurityError", "no")

    async def trigger(payload):
        async def later():
            order.append("after")
        order.append("handler")
        return {"status": "Accepted"}, later

    r, ws, _ = make({"ClearCache": nope, "TriggerMessage": trigger})
    reply = await handle(r, ws, [2, "1", "ClearCache", {}])
    assert reply == [4, "1", "SecurityError", "no", {}], reply
    await handle(r, ws, [2, "2", "TriggerMessage", {"requestedMessage": "Heartbeat"}])
    assert ws.sent[-1] == [3, "2", {"status": "Accepted"}]
    await asyncio.sleep_ms(10)
    assert order == ["handler", "after"]


async def test_outbound_call_result_error_and_unique_ids():
    r, ws, _ = make()

    async def answer(kind, payload):
        while not ws.sent:
            await asyncio.sleep_ms(1)
        uid = ws.sent[-1][1]
        msg = [3, uid, payload] if kind == 3 else [4, uid, "InternalError", "sorry", {}]
        await r.handle_text(ws, json.dumps(msg))

    t = asyncio.create_task(answer(3, {"currentTime": "2026-01-01T00:00:00Z"}))
    conf = await r.call("Heartbeat", {})
    await t
    assert conf == {"currentTime": "2026-01-01T00:00:00Z"}
    first = ws.sent[-1][1]
    ws.sent.clear()
    t = asyncio.create_task(answer(4, None))
    try:
        await r.call("Heartbeat", {})
        assert False, "CallError expected"
    except rpc.CallError as e:
        assert e.code == "InternalError"
    await t
    assert ws.sent[-1][1] != first and len(ws.sent[-1][1]) <= 36


async def test_invalid_callresult_is_a_call_error():
    r, ws, _ = make()

    async def answer():
        while not ws.sent:
            await asyncio.sleep_ms(1)
        await r.handle_text(ws, json.dumps([3, ws.sent[-1][1], {"status": "Maybe"}]))

    t = asyncio.create_task(answer())
    try:
        await r.call("BootNotification", {"chargePointVendor": "v", "chargePointModel": "m"})
        assert False, "CallError expected"
    except rpc.CallError as e:
        assert "BootNotification" in e.description
    await t


async def test_call_times_out_and_stray_results_are_ignored():
    r, ws, logs = make()
    try:
        await r.call("Heartbeat", {})
        assert False, "timeout expected"
    except asyncio.TimeoutError:
        pass
    await r.handle_text(ws, json.dumps([3, ws.sent[-1][1], {"currentTime": "x"}]))
    assert any("matches no outstanding" in line for line in logs)


async def test_one_outstanding_call_at_a_time():
    r, ws, _ = make()

    async def second():
        return await r.call("Heartbeat", {})

    async def answer_all():
        answered = 0
        while answered < 2:
            await asyncio.sleep_ms(5)
            pending = [m for m in ws.sent if m[0] == 2]
            # never two CALLs on the wire without an answer in between
            assert len(pending) == answered + 1, pending
            await r.handle_text(ws, json.dumps([3, pending[-1][1], {"currentTime": "2026-01-01T00:00:00Z"}]))
            answered += 1

    t = asyncio.create_task(second())
    a = asyncio.create_task(answer_all())
    await r.call("Heartbeat", {})
    await t
    await a


async def test_disconnect_fails_the_waiting_call():
    r, ws, _ = make()

    async def drop():
        await asyncio.sleep_ms(20)
        r.disconnected()

    asyncio.create_task(drop())
    try:
        await r.call("Heartbeat", {})
        assert False
    except rpc.NotConnected:
        pass
    try:
        await r.call("Heartbeat", {})
        assert False
    except rpc.NotConnected:
        pass


async def test_too_big_call_is_answered_with_its_id():
    r, ws, _ = make()
    await r.handle_too_big(ws, 60000, b'[2,"big-1","DataTransfer",{"vendorId":"x","data":"', 16384)
    reply = ws.sent[-1]
    assert reply[:3] == [4, "big-1", "GenericError"] and "60000" in reply[3], reply


async def test_gate_drops_or_refuses():
    async def ok(payload):
        return {}

    r, ws, _ = make({"ClearCache": ok})
    r.gate = lambda action: "drop"
    await handle(r, ws, [2, "1", "ClearCache", {}])
    assert ws.sent == []
    r.gate = lambda action: ("SecurityError", "not yet")
    reply = await handle(r, ws, [2, "2", "ClearCache", {}])
    assert reply[:3] == [4, "2", "SecurityError"]


# -- streamed answers -----------------------------------------------------------------------------
async def test_streamed_answer_is_one_callresult_made_as_it_goes():
    made = []

    def entries():
        yield '{"configurationKey":['
        for i in range(40):
            made.append(i)
            yield '%s{"key":"K%d","readonly":true,"value":"%s"}' % ("," if i else "", i, "v" * 9)
        yield "]}"

    async def get(payload):
        return rpc.Streamed(entries())

    r, ws, logs = make({"GetConfiguration": get})
    reply = await handle(r, ws, [2, 'id"1', "GetConfiguration", {}])
    assert made == list(range(40))
    assert ws.pieces == [44]  # the head, 42 payload pieces, the closing bracket
    assert reply[:2] == [3, 'id"1'] and len(reply) == 3, reply  # the id JSON-escaped
    keys = reply[2]["configurationKey"]
    assert [k["key"] for k in keys] == ["K%d" % i for i in range(40)]
    assert keys[7] == {"key": "K7", "readonly": True, "value": "v" * 9}
    sent = [line for line in logs if line.startswith(">> ")]
    assert sent == [">> " + ws.texts[-1][:160]], sent  # one log line, its head


async def test_short_streamed_answer_is_logged_whole():
    async def small(payload):
        return rpc.Streamed(iter(['{"status":', '"Accepted"}']))

    r, ws, logs = make({"ClearCache": small})
    reply = await handle(r, ws, [2, "s1", "ClearCache", {}])
    assert reply == [3, "s1", {"status": "Accepted"}], reply
    assert '>> [3,"s1",{"status":"Accepted"}]' in logs, logs


async def test_streamed_answer_failing_before_sending_is_an_internal_error():
    def broken():
        yield '{"configurationKey":['
        raise OSError(5)

    async def get(payload):
        return rpc.Streamed(broken())

    r, ws, logs = make({"GetConfiguration": get})
    reply = await handle(r, ws, [2, "b1", "GetConfiguration", {}])
    assert reply[:3] == [4, "b1", "InternalError"], reply
    assert any("GetConfiguration" in line and "OSError" in line for line in logs), logs


async def test_streamed_answer_failing_on_a_closed_link_raises():
    class Broken(FakeWs):
        async def send_pieces(self, pieces):
            next(pieces)
            self.closed = True  # as the socket does once a frame of the message was out
            raise OSError(104)

    async def get(payload):
        return rpc.Streamed(iter(["{}"]))

    r, ws, _ = make({"GetConfiguration": get})
    ws = Broken()
    r.ws = ws
    try:
        await r.handle_text(ws, json.dumps([2, "c1", "GetConfiguration", {}]))
        assert False, "no exception"
    except OSError:
        pass
    assert ws.sent == []  # no CALLERROR after half a message


async def test_get_configuration_op_streams_the_configuration():
    from mp_tmp import fresh_dir, rmtree
    from store import Store
    from ocpp.core.config import Config

    class Cp:
        pass

    path = fresh_dir("mp_rpc_config")
    try:
        cp = Cp()
        cp.config = Config(Store(path), log=lambda line: None)
        logs = []
        make()  # no fake op modules left: the real ocpp/ops/GetConfiguration.py is used
        r = rpc.Rpc(logs.append, timeout_s=1, answers=lambda a: a == "GetConfiguration",
                    context=cp)
        ws = FakeWs()
        r.ws = ws
        reply = await handle(r, ws, [2, "g1", "GetConfiguration", {}])
        keys = {k["key"]: k for k in reply[2]["configurationKey"]}
        assert reply[:2] == [3, "g1"] and "unknownKey" not in reply[2], reply
        assert keys["HeartbeatInterval"] == {"key": "HeartbeatInterval", "readonly": False,
                                             "value": "240"}
        assert len(keys) == len(reply[2]["configurationKey"]) > 30
        assert ws.pieces[-1] > len(keys)  # a piece per key, at least
        reply = await handle(r, ws, [2, "g2", "GetConfiguration",
                                     {"key": ["heartbeatINTERVAL", "Nope", "HeartbeatInterval"]}])
        assert reply == [3, "g2", {"configurationKey": [keys["HeartbeatInterval"]],
                                   "unknownKey": ["Nope"]}], reply
        reply = await handle(r, ws, [2, "g3", "GetConfiguration",
                                     {"key": ["HeartbeatInterval"] * (cp.config.max_keys + 1)}])
        assert reply[:3] == [4, "g3", "OccurenceConstraintViolation"], reply
    finally:
        rmtree(path)


async def test_an_escaped_surrogate_pair_is_one_character_and_goes_back_out_as_utf8():
    seen = []

    async def on_start(payload):
        seen.append(payload["idTag"])
        raise rpc.CallError(rpc.PROPERTY_CONSTRAINT_VIOLATION, "no " + payload["idTag"])

    r, ws, _ = make({"RemoteStartTransaction": on_start})
    # "\ud83d\ude00" is valid JSON for U+1F600; an escaped backslash before a u is no escape
    await r.handle_text(ws, '[2,"s1","RemoteStartTransaction",{"idTag":"A\\ud83d\\ude00\\\\ud83d"}]')
    assert seen == ["A\U0001F600\\ud83d"], seen
    text = ws.texts[-1]
    assert "\U0001F600" in text and text.encode().decode("utf-8") == text
    assert json.loads(text)[:3] == [4, "s1", "PropertyConstraintViolation"]


async def test_an_unpaired_surrogate_is_refused_with_a_callerror():
    seen = []

    async def on_start(payload):
        seen.append(payload)
        return {"status": "Accepted"}

    r, ws, _ = make({"RemoteStartTransaction": on_start})
    reply = await handle(r, ws, '[2,"s2","RemoteStartTransaction",{"idTag":"A\\ud83dB"}]')
    assert reply[:3] == [4, "s2", "FormationViolation"] and "surrogate" in reply[3], reply
    assert seen == []
    reply = await handle(r, ws, '[2,"s3","RemoteStartTransaction",{"idTag":"\\ude00"}]')
    assert reply[:3] == [4, "s3", "FormationViolation"], reply
    reply = await handle(r, ws, [2, "s4", "RemoteStartTransaction", {"idTag": "T\u00e9"}])
    assert reply == [3, "s4", {"status": "Accepted"}], reply


async def test_a_link_lost_under_a_send_is_not_connected():
    # The transaction queue and the keepalive wait for the next link on NotConnected: an
    # error of the socket itself must not reach them (before, it killed their tasks).
    r, ws, _ = make()

    async def broken(text):
        ws.closed = True
        raise OSError("connection is closed")

    ws.send = broken
    try:
        await r.call("Heartbeat", {})
        assert False, "no NotConnected"
    except rpc.NotConnected:
        pass


async def test_a_binary_message_is_answered_and_the_link_kept():
    r, ws, logs = make()
    await r.handle_too_big(ws, 10, b"\x00\x01\x02", 16384, True)
    assert ws.sent[-1][:3] == [4, "-1", "FormationViolation"], ws.sent
    await r.handle_too_big(ws, 40, b'[2,"bin-7","Reset",{"type":"Soft"}]', 16384, True)
    assert ws.sent[-1][:3] == [4, "bin-7", "FormationViolation"], ws.sent


# -- a CALL read as it arrives (ocpp/core/rpc/streamed.py) -------------------------------------
class FakeStream:
    """What ocpp/core/ws/stream.py hands over: the head, then the text in pieces of `step`."""

    def __init__(self, text, step=10):
        self.head = text.encode()[:64]
        self.size = len(self.head)
        self._left = text
        self._step = step
        self._first = True
        self.drained = False

    async def read_text(self):
        if self._first:
            self._first = False
            piece, self._left = self._left[:len(self.head)], self._left[len(self.head):]
            return piece
        if not self._left:
            return None
        piece, self._left = self._left[:self._step], self._left[self._step:]
        self.size += len(piece)
        return piece

    async def drain(self):
        self.drained = True
        self.size += len(self._left)
        self._left = ""


class FakeStreamOp:
    def __init__(self, reader):
        self.reader = reader

    async def handle_stream(self, context, pieces):
        return await self.reader(pieces)


def make_streamed(reader):
    import sys

    r, ws, logs = make({"SendLocalList": None})
    sys.modules["ocpp.ops.SendLocalList"] = FakeStreamOp(reader)
    r.streams = lambda action: action == "SendLocalList"
    return r, ws, logs


async def test_a_streamed_call_is_read_by_its_op_and_answered():
    got = []

    async def read_all(pieces):
        while True:
            p = await pieces.next()
            if p is None:
                return {"status": "Accepted", "text": "".join(got)}
            got.append(p)

    r, ws, logs = make_streamed(read_all)
    text = '[2, "s-1" ,"SendLocalList",  {"listVersion": 1, "x": "' + "y" * 300 + '"}]'
    assert r.wants_stream(memoryview(text.encode()[:64]))
    stream = FakeStream(text)
    await r.handle_stream(ws, stream)
    # the op got the text from the payload's first character, the CALL's "]" included
    assert ws.sent == [[3, "s-1", {"status": "Accepted", "text": text[text.index("{"):]}]]
    assert any("read as they arrived" in line for line in logs), logs


async def test_a_streamed_call_half_read_or_failing_is_drained_then_answered():
    async def half(pieces):
        await pieces.next()
        raise rpc.CallError("OccurenceConstraintViolation", "listVersion: required")

    async def broken(pieces):
        raise ValueError("boom")

    async def done_early(pieces):
        return {"status": "NotSupported"}

    for reader, want in ((half, [4, "h-1", "OccurenceConstraintViolation",
                                 "listVersion: required", {}]),
                         (broken, None), (done_early, [3, "h-1", {"status": "NotSupported"}])):
        r, ws, logs = make_streamed(reader)
        stream = FakeStream('[2,"h-1","SendLocalList",{"a":"' + "z" * 500 + '"}]')
        await r.handle_stream(ws, stream)
        assert stream.drained and len(ws.sent) == 1
        if want is None:
            assert ws.sent[0][:3] == [4, "h-1", "InternalError"], ws.sent
        else:
            assert ws.sent[0] == want, ws.sent
    r, ws, logs = make_streamed(done_early)
    r.gate = lambda action: "drop"  # a rejected charge point: read, never answered
    stream = FakeStream('[2,"g-1","SendLocalList",{}]')
    await r.handle_stream(ws, stream)
    assert stream.drained and ws.sent == []


def test_only_a_plain_call_head_of_a_streamed_action_is_wanted():
    r, ws, logs = make_streamed(None)
    for head, want in (('[2,"a","SendLocalList",{"x', True),
                       (' [ 2 , "a" , "SendLocalList" , {', True),
                       ('[2,"a","Reset",{"type"', False),  # not read as it arrives
                       ('[3,"a",{"status":"Accepted"}', False),
                       ('[2,"a\\"b","SendLocalList",{', False),  # an escape: the usual path
                       ('[2,"a","SendLocalList",[', False),
                       ('[2,"' + "i" * 37 + '","SendLocalList",{', False),
                       ('[2,"a","SendLoc', False), ("", False), ("\xe9\xe9", False)):
        assert r.wants_stream(memoryview(head.encode()[:64])) is want, head
