# WebSocket client (firmware/ocpp/core/ws/__init__.py) against a fake socket, under MicroPython.
import asyncio
import binascii
import sys

from ocpp.core import cache, ws
# As on a small board, where the client's rarely used code goes as soon as it is done (in a roomy
# heap it would stay cached: mp_test_cache.py).
cache.set_reserve(1 << 30)
from ws_fakes import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, TX_CHUNK,
                      FakeSocket, frame, open_fake, parse_client_frames, request_headers,
                      server_answer)


def raises(exc, fn, *args):
    try:
        fn(*args)
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


async def araises(exc, coro):
    try:
        await coro
    except exc as e:
        return e
    raise AssertionError("%s not raised" % exc.__name__)


def letters(size):
    return ("abcdefghijklmnopqrstuvwxyz" * (size // 26 + 1))[:size]


def close_payload(code, reason=b""):
    return bytes([code >> 8, code & 0xFF]) + reason


# -- URLs, PEM, TLS arguments ------------------------------------------------------------------
def test_parse_url_accepts_ws_and_wss_with_defaults():
    assert ws.parse_url("ws://cs.example/ocpp/CP_1") == (False, "cs.example", 80, "/ocpp/CP_1")
    assert ws.parse_url("wss://cs.example") == (True, "cs.example", 443, "/")
    assert ws.parse_url("wss://cs.example:8443/a/b?x=1&y=2") == (True, "cs.example", 8443,
                                                                  "/a/b?x=1&y=2")
    assert ws.parse_url("ws://10.0.0.1:9000?token=a") == (False, "10.0.0.1", 9000, "/?token=a")
    assert ws.parse_url("ws://[::1]:9000/ocpp") == (False, "::1", 9000, "/ocpp")
    assert ws.parse_url("wss://[fe80::1]/") == (True, "fe80::1", 443, "/")
    assert ws.parse_url("WSS://Host/x") == (True, "Host", 443, "/x")


def test_parse_url_refuses_everything_else():
    for url in ("http://cs.example/", "cs.example/ocpp", "wss:/cs.example", "ws://", "ws:///path",
                "ws://host:0/", "ws://host:70000/", "ws://host:abc/", "ws://host:/",
                "ws://::1/", "ws://[::1/", "ws://[::1]x/", "ws://user:pw@host/",
                "ws://host/a b", "ws://host/#frag", "", "ftp://x"):
        e = raises(ValueError, ws.parse_url, url)
        assert str(e), url


def test_pem_to_der_decodes_the_block_between_begin_and_end():
    der = bytes(range(200))
    b64 = binascii.b2a_base64(der).strip()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    pem = (b"junk before\r\n-----BEGIN CERTIFICATE-----\r\n" + b"\r\n".join(lines)
           + b"\r\n-----END CERTIFICATE-----\r\n")
    assert ws.pem_to_der(pem) == der
    raises(ValueError, ws.pem_to_der, b"no pem here")
    raises(ValueError, ws.pem_to_der, b"-----BEGIN X-----\nAAAA\n")


def test_tls_context_without_ca_refuses():
    e = raises(ValueError, ws.tls_context)
    assert "CA" in str(e)
    raises(ValueError, ws.tls_context, b"not a certificate")


async def test_connect_wss_without_ssl_context_refuses_before_any_io():
    e = await araises(ValueError, ws.connect("wss://127.0.0.1:1/ocpp"))
    assert "CA" in str(e) and "unverified" in str(e)
    await araises(ValueError, ws.connect("wss://127.0.0.1:1/ocpp", ssl=True))
    await araises(ValueError, ws.connect("http://127.0.0.1:1/ocpp"))


async def test_connect_refused_is_a_websocket_error():
    e = await araises(ws.WebSocketError, ws.connect("ws://127.0.0.1:1/", timeout_ms=3000))
    assert "127.0.0.1:1" in str(e), e


# -- opening handshake -------------------------------------------------------------------------
async def test_handshake_request_and_accepted_answer():
    c, sock = await open_fake(ws, headers=[("Authorization", "Basic Q1BfMTpzZWNyZXQ=")])
    req = sock.request
    assert req.startswith(b"GET /ocpp/CP_1 HTTP/1.1\r\n"), req
    h = request_headers(req)
    assert h["host"] == "cs.example"
    assert h["upgrade"].lower() == "websocket"
    assert "upgrade" in h["connection"].lower()
    assert h["sec-websocket-version"] == "13"
    assert len(binascii.a2b_base64(h["sec-websocket-key"])) == 16
    assert h["sec-websocket-protocol"] == "ocpp1.6"
    assert h["authorization"] == "Basic Q1BfMTpzZWNyZXQ="
    assert c.subprotocol == "ocpp1.6" and not c.closed


async def test_handshake_keys_differ_and_host_keeps_a_non_default_port():
    keys = set()
    for _ in range(3):
        sock = FakeSocket(server_answer())
        await ws.handshake(asyncio.StreamReader(sock), "::1", 9000, "/", headers={"X-A": "1"})
        h = request_headers(sock.request)
        keys.add(h["sec-websocket-key"])
        assert h["host"] == "[::1]:9000" and h["x-a"] == "1"
    assert len(keys) == 3


async def test_handshake_offers_several_protocols_and_takes_the_chosen_one():
    c, sock = await open_fake(ws, server_answer(protocol="ocpp1.5"),
                              protocols=("ocpp1.6", "ocpp1.5"))
    assert request_headers(sock.request)["sec-websocket-protocol"] == "ocpp1.6, ocpp1.5"
    assert c.subprotocol == "ocpp1.5"


async def test_handshake_rejects_a_wrong_accept():
    e = await araises(ws.HandshakeError, open_fake(ws, server_answer(
        accept="dGhlIHNhbXBsZSBub25jZQ==")))
    assert "Accept" in str(e) and e.status is None


async def test_handshake_rejects_missing_or_other_subprotocol():
    e = await araises(ws.HandshakeError, open_fake(ws, server_answer(protocol=None)))
    assert "no subprotocol" in str(e), e
    e = await araises(ws.HandshakeError, open_fake(ws, server_answer(protocol="ocpp2.0.1")))
    assert "ocpp2.0.1" in str(e), e


async def test_handshake_without_protocols_refuses_a_selected_one():
    c, _ = await open_fake(ws, server_answer(protocol=None), protocols=())
    assert c.subprotocol is None
    await araises(ws.HandshakeError, open_fake(ws, server_answer(), protocols=()))


async def test_handshake_non_101_status_is_reported():
    for status in (401, 404, 400, 200):
        e = await araises(ws.HandshakeError, open_fake(ws, server_answer(status=status)))
        assert e.status == status and str(status) in str(e), e


async def test_handshake_rejects_bad_upgrade_extension_and_garbage():
    await araises(ws.HandshakeError, open_fake(ws, server_answer(upgrade="h2c")))
    await araises(ws.HandshakeError, open_fake(ws, server_answer(
        extra=["Sec-WebSocket-Extensions: permessage-deflate"])))
    e = await araises(ws.HandshakeError, open_fake(ws, lambda req: b"SSH-2.0-OpenSSH\r\n\r\n"))
    assert e.status is None
    sock = FakeSocket(lambda req: b"HTTP/1.1 101 Switching")  # then EOF mid-line
    sock.eof = True
    e = await araises(ws.HandshakeError, ws.handshake(asyncio.StreamReader(sock), "h", 80, "/"))
    assert "closed" in str(e), e


async def test_handshake_refuses_header_injection():
    for hdr in ([("X-A", "1\r\nEvil: yes")], [("X-A\r\n", "1")], [("Bad:Name", "1")]):
        await araises(ValueError, open_fake(ws, headers=hdr))


# -- sending -----------------------------------------------------------------------------------
def test_viper_and_plain_masks_agree():
    wsmask = cache.use("core.ws.mask")
    cache.done("core.ws.mask")
    assert ws._mask is not wsmask.mask_py  # the unix port has the viper emitter
    key = b"\x12\x34\x56\x78"
    for start, n, phase in ((0, 0, 0), (0, 9, 0), (3, 17, 1), (5, 33, 2), (1, 64, 7)):
        a = bytearray(range(100))
        b = bytearray(range(100))
        ws._mask(a, start, n, key, phase)
        wsmask.mask_py(b, start, n, key, phase)
        assert a == b, (start, n, phase)
        for i in range(100):  # reference: byte i of the payload uses key[(phase + i) % 4]
            expect = i ^ key[(phase + i - start) % 4] if start <= i < start + n else i
            assert a[i] == expect, (start, n, phase, i)


async def test_send_encodes_7_16_and_64_bit_lengths_masked():
    c, sock = await open_fake(ws)
    for size, ext in ((0, 0), (1, 0), (125, 0), (126, 2), (513, 2), (65535, 2), (65536, 8),
                      (70000, 8)):
        text = letters(size)
        await c.send(text)
        frames = parse_client_frames(sock.take_sent())
        assert len(frames) == 1, size
        fin, op, payload, ext_len = frames[0]
        assert fin and op == OP_TEXT and ext_len == ext, (size, ext_len)
        assert payload == text.encode(), size


async def test_send_masks_on_the_wire_and_counts_utf8_bytes():
    c, sock = await open_fake(ws)
    text = "\u00e9\u4e2d\U0001F600" * 50
    await c.send(text)
    raw = sock.take_sent()
    assert text.encode() not in raw  # masked
    [(fin, op, payload, _)] = parse_client_frames(raw)
    assert payload == text.encode() and len(payload) == 450
    await c.send(b'[2,"1","Heartbeat",{}]')
    assert parse_client_frames(sock.take_sent())[0][2] == b'[2,"1","Heartbeat",{}]'


async def test_concurrent_sends_never_interleave_frames():
    c, sock = await open_fake(ws)
    texts = [("%d" % i) * 1500 for i in range(6)]
    await asyncio.gather(*[c.send(t) for t in texts])
    got = [p.decode() for (_, _, p, _) in parse_client_frames(sock.take_sent())]
    assert sorted(got) == sorted(texts)


# -- sending one message in pieces (fragmentation, RFC 6455 section 5.4) ---------------------
def pieces_of(text, size):
    for i in range(0, len(text), size):
        yield text[i:i + size]


def check_fragments(frames, payload):
    """frames are one fragmented text message carrying payload: TEXT first, CONTINUATION after,
    FIN only on the last; -> the payload lengths."""
    assert frames, "nothing sent"
    for k, (fin, op, _, _) in enumerate(frames):
        assert op == (OP_TEXT if k == 0 else OP_CONT), (k, op)
        assert fin == (k == len(frames) - 1), (k, fin)
    assert b"".join(p for (_, _, p, _) in frames) == payload
    return [len(p) for (_, _, p, _) in frames]


async def test_send_pieces_fragments_one_message_in_full_frames():
    c, sock = await open_fake(ws)
    text = letters(3 * TX_CHUNK + 100)
    await c.send_pieces(pieces_of(text, 37))
    raw = sock.take_sent()
    frames = parse_client_frames(raw)  # checks every frame is masked
    sizes = check_fragments(frames, text.encode())
    assert sizes == [TX_CHUNK] * 3 + [100], sizes
    # 512 bytes need the 16-bit length, 100 fit the 7-bit one
    assert [ext for (_, _, _, ext) in frames] == [2, 2, 2, 0]
    assert letters(64).encode() not in raw  # masked on the wire


async def test_send_pieces_edges_small_empty_and_exact_multiples():
    c, sock = await open_fake(ws)
    await c.send_pieces(iter(['[3,"1",', "{}", "]"]))
    assert parse_client_frames(sock.take_sent()) == [(True, OP_TEXT, b'[3,"1",{}]', 0)]
    await c.send_pieces(iter(()))
    assert parse_client_frames(sock.take_sent()) == [(True, OP_TEXT, b"", 0)]
    await c.send_pieces(["", "x", ""])
    assert parse_client_frames(sock.take_sent()) == [(True, OP_TEXT, b"x", 0)]
    for size, expect in ((TX_CHUNK, [TX_CHUNK]), (2 * TX_CHUNK, [TX_CHUNK] * 2),
                         (TX_CHUNK + 1, [TX_CHUNK, 1])):
        text = letters(size)
        await c.send_pieces([text])  # one piece larger than a frame is split too
        sizes = check_fragments(parse_client_frames(sock.take_sent()), text.encode())
        assert sizes == expect, (size, sizes)  # never an empty last frame


async def test_send_pieces_takes_bytes_and_splits_utf8_anywhere():
    c, sock = await open_fake(ws)
    text = "\u00e9\u4e2d\U0001F600" * 150  # 1350 bytes of 2-, 3- and 4-byte characters
    await c.send_pieces(pieces_of(text, 7))
    assert check_fragments(parse_client_frames(sock.take_sent()), text.encode())
    await c.send_pieces([b"[3,", "\u00e9".encode(), b"]"])
    assert parse_client_frames(sock.take_sent()) == [(True, OP_TEXT, "[3,\u00e9]".encode(), 0)]


async def test_no_frame_comes_between_the_fragments_of_a_message():
    c, sock = await open_fake(ws, wchunk=100)  # slow writes: every frame waits in drain()
    long_text = letters(5 * TX_CHUNK)
    order = []

    def pieces():
        for piece in pieces_of(long_text, 100):
            order.append("piece")
            yield piece

    async def others():
        for i in range(3):
            await asyncio.sleep_ms(0)
            order.append("other")
            await c.send("other %d" % i)
            await c.ping(b"p")

    await asyncio.gather(c.send_pieces(pieces()), others())
    assert "piece" in order[order.index("other"):]  # the others did try in between
    frames = parse_client_frames(sock.take_sent())
    first = [k for k, f in enumerate(frames) if f[1] == OP_TEXT and not f[0]][0]
    check_fragments(frames[first:first + 5], long_text.encode())
    assert len(frames) == 5 + 6  # the other messages and pings whole, before or after


async def test_send_pieces_failing_before_the_first_frame_leaves_the_link_usable():
    c, sock = await open_fake(ws)

    def broken():
        yield "[3,"
        raise ValueError("no more")

    e = await araises(ValueError, c.send_pieces(broken()))
    assert str(e) == "no more"
    assert sock.take_sent() == b"" and not c.closed
    await c.send("next")
    assert parse_client_frames(sock.take_sent()) == [(True, OP_TEXT, b"next", 0)]


async def test_send_pieces_failing_after_a_frame_closes_the_connection():
    c, sock = await open_fake(ws)

    def broken():
        yield letters(TX_CHUNK + 10)
        raise ValueError("no more")

    await araises(ws.WebSocketError, c.send_pieces(broken()))
    frames = parse_client_frames(sock.take_sent())
    assert [(fin, op) for (fin, op, _, _) in frames] == [(False, OP_TEXT)]
    assert c.closed and sock.closed  # half a message cannot be followed by anything
    await araises(ws.WebSocketError, c.send_pieces(["x"]))


async def test_ping_sends_a_ping_and_pong_updates_last_rx():
    c, sock = await open_fake(ws)
    await c.ping(b"hb")
    assert parse_client_frames(sock.take_sent()) == [(True, OP_PING, b"hb", 0)]
    await araises(ValueError, c.ping(b"x" * 126))
    before = c.last_rx_ms
    await asyncio.sleep_ms(20)
    sock.feed(frame(OP_PONG, b"hb") + frame(OP_TEXT, "after"))
    assert await c.recv() == "after"
    assert asyncio.ticks_diff(c.last_rx_ms, before) >= 20


# -- receiving ---------------------------------------------------------------------------------
async def test_recv_text_of_each_length_encoding_even_in_small_reads():
    c, sock = await open_fake(ws, chunk=7, max_size=100000)
    for size in (0, 5, 125, 126, 600, 65535, 65536, 70000):
        text = letters(size)
        sock.feed(frame(OP_TEXT, text))
        assert await c.recv() == text, size
    sock.feed(frame(OP_TEXT, "first") + frame(OP_TEXT, "other"))
    first = await c.recv()
    assert await c.recv() == "other" and first == "first"  # a str never aliases the buffer


async def test_recv_fragmented_message_with_ping_between_fragments():
    c, sock = await open_fake(ws)
    parts = ["[2,", '"id-1","Heart', "beat", ",{}]" + "x" * 700]
    sock.feed(frame(OP_TEXT, parts[0], fin=False))
    sock.feed(frame(OP_CONT, parts[1], fin=False))
    sock.feed(frame(OP_PING, b"are you there"))
    sock.feed(frame(OP_CONT, parts[2], fin=False))
    sock.feed(frame(OP_PONG, b""))
    sock.feed(frame(OP_CONT, parts[3], fin=True))
    assert await c.recv() == "".join(parts)
    assert parse_client_frames(sock.take_sent()) == [(True, OP_PONG, b"are you there", 0)]


async def test_binary_messages_are_reported_and_the_link_stays():
    # OCPP-J is text only: a binary message is read and dropped, and the caller told (it
    # answers it with a CALLERROR); the connection goes on.
    c, sock = await open_fake(ws)
    sock.feed(frame(OP_BINARY, b"\x00\x01" * 5000))
    sock.feed(frame(OP_BINARY, b'[2,"b', fin=False) + frame(OP_CONT, b'1"]'))
    sock.feed(frame(OP_TEXT, "text"))
    e = await araises(ws.MessageTooBig, c.recv())
    assert e.binary and e.size == 10000 and e.head == b"\x00\x01" * 32, (e.size, e.head)
    e = await araises(ws.MessageTooBig, c.recv())
    assert e.binary and e.head == b'[2,"b1"]', e.head
    assert await c.recv() == "text"
    assert not c.closed


async def test_message_at_the_limit_is_delivered():
    c, sock = await open_fake(ws, max_size=1000)
    sock.feed(frame(OP_TEXT, "y" * 1000))
    assert await c.recv() == "y" * 1000
    sock.feed(frame(OP_TEXT, "y" * 400, fin=False) + frame(OP_CONT, "z" * 600))
    assert await c.recv() == "y" * 400 + "z" * 600


async def test_oversize_message_is_drained_then_the_next_one_arrives():
    c, sock = await open_fake(ws, max_size=1000, chunk=100)
    big = '[2,"big-1","DataTransfer",{"vendorId":"x","data":"' + "A" * 5000 + '"}]'
    sock.feed(frame(OP_TEXT, big))
    sock.feed(frame(OP_TEXT, "next"))
    e = await araises(ws.MessageTooBig, c.recv())
    assert e.size == len(big), e.size
    assert e.head == big.encode()[:64], e.head
    assert "1000" in str(e)
    assert await c.recv() == "next"
    assert not c.closed


async def test_oversize_fragmented_message_is_drained_with_control_frames_inside():
    c, sock = await open_fake(ws, max_size=1000)
    first = '[2,"fr-7","DataTransfer",{"data":"'
    sock.feed(frame(OP_TEXT, first, fin=False))  # head starts in an accepted fragment
    sock.feed(frame(OP_CONT, "B" * 900, fin=False))
    sock.feed(frame(OP_PING, b"p1"))
    sock.feed(frame(OP_CONT, "C" * 3000, fin=False))  # over the limit from here on
    sock.feed(frame(OP_PING, b"p2"))
    sock.feed(frame(OP_CONT, '"}]', fin=True))
    sock.feed(frame(OP_TEXT, "still here"))
    e = await araises(ws.MessageTooBig, c.recv())
    assert e.size == len(first) + 900 + 3000 + 3
    assert e.head == (first.encode() + b"B" * 64)[:64]
    assert await c.recv() == "still here"
    pongs = parse_client_frames(sock.take_sent())
    assert pongs == [(True, OP_PONG, b"p1", 0), (True, OP_PONG, b"p2", 0)]


async def test_message_without_memory_for_it_is_refused_like_an_oversize_one():
    import gc
    gc.collect()
    huge = gc.mem_free() + 4096  # more than the whole free heap: bytearray(huge) must fail
    c, sock = await open_fake(ws, max_size=1 << 40)
    sock.feed(frame(OP_TEXT, b'[2,"m-1",', fin=False))
    sock.feed(frame(OP_CONT, b"", fin=True, length=huge)[:10])  # header only
    sock.feed_filler(huge)
    e = await araises(ws.MessageTooBig, c.recv())
    assert e.size == 9 + huge and e.head == b'[2,"m-1",' + b"F" * 55, (e.size, e.head)
    sock.feed(frame(OP_TEXT, "next"))
    assert await c.recv() == "next"


async def test_oversize_message_shorter_head_than_64():
    c, sock = await open_fake(ws, max_size=10)
    sock.feed(frame(OP_TEXT, "0123456789abc"))
    e = await araises(ws.MessageTooBig, c.recv())
    assert e.size == 13 and e.head == b"0123456789abc"


# -- a message read as it arrives (ocpp/core/ws/stream.py) -------------------------------------
async def read_all(stream):
    pieces = []
    while True:
        text = await stream.read_text()
        if text is None:
            return pieces
        pieces.append(text)


def streams_calls(head):
    return bytes(head).startswith(b"[2,")


async def test_a_long_message_the_owner_wants_comes_as_a_stream_in_pieces():
    c, sock = await open_fake(ws, max_size=1000, chunk=100)
    c.streams = streams_calls
    # 40 KB, over max_size, multi-byte characters at every offset of a read
    body = '[2,"s-1","SendLocalList",{"x":"' + "\u00e9\u4e2d\U0001F600a" * 4000 + '"}]'
    sock.feed(frame(OP_TEXT, body))
    sock.feed(frame(OP_TEXT, "next"))
    s = await c.recv()
    assert type(s) is not str and s.head == body.encode()[:64]
    pieces = await read_all(s)
    assert "".join(pieces) == body and len(pieces) > 70  # a few hundred bytes each
    assert max(len(p.encode()) for p in pieces) <= 512
    assert s.size == len(body.encode())
    assert await c.recv() == "next" and not c.closed


async def test_a_stream_spans_fragments_with_pings_between():
    c, sock = await open_fake(ws, max_size=100000)
    c.streams = streams_calls
    parts = ['[2,"f-2","SendLocalList",{"a":"', "b" * 3000, "c" * 10, '"}]']
    sock.feed(frame(OP_TEXT, parts[0], fin=False))
    sock.feed(frame(OP_CONT, parts[1], fin=False))
    sock.feed(frame(OP_PING, b"p1"))
    sock.feed(frame(OP_CONT, parts[2], fin=False))
    sock.feed(frame(OP_CONT, parts[3], fin=True))
    sock.feed(frame(OP_TEXT, "after"))
    s = await c.recv()
    assert "".join(await read_all(s)) == "".join(parts)
    assert await c.recv() == "after"
    assert parse_client_frames(sock.take_sent()) == [(True, OP_PONG, b"p1", 0)]


async def test_a_stream_drained_unread_leaves_the_next_message_whole():
    c, sock = await open_fake(ws, max_size=1000, chunk=64)
    c.streams = streams_calls
    body = '[2,"d-3","SendLocalList",{"a":"' + "z" * 9000 + '"}]'
    sock.feed(frame(OP_TEXT, body))
    sock.feed(frame(OP_TEXT, "next"))
    s = await c.recv()
    assert await s.read_text() == body[:64]  # the head first
    await s.drain()
    assert await c.recv() == "next"


async def test_short_or_unwanted_messages_come_whole_as_before():
    c, sock = await open_fake(ws, max_size=100000, chunk=50)
    c.streams = streams_calls
    short = '[2,"s","SendLocalList",{}]'
    other = '[3,"r",{"a":"' + "q" * 5000 + '"}]'  # long, but the owner does not want it
    sock.feed(frame(OP_TEXT, short) + frame(OP_TEXT, other))
    assert await c.recv() == short
    assert await c.recv() == other
    c2, sock2 = await open_fake(ws, max_size=1000)
    c2.streams = lambda head: False
    sock2.feed(frame(OP_TEXT, other) + frame(OP_TEXT, "next"))
    e = await araises(ws.MessageTooBig, c2.recv())  # over the limit: refused as ever
    assert e.size == len(other) and e.head == other.encode()[:64]
    assert await c2.recv() == "next"


async def test_a_stream_with_invalid_utf8_or_a_close_inside_fails():
    c, sock = await open_fake(ws, max_size=1000)
    c.streams = streams_calls
    sock.feed(frame(OP_TEXT, b'[2,"u","SendLocalList",{"a":"' + b"x" * 3000 + b"\xff\xfe\"}]"))
    s = await c.recv()
    await araises(UnicodeError, read_all(s))
    c, sock = await open_fake(ws, max_size=1000)
    c.streams = streams_calls
    sock.feed(frame(OP_TEXT, '[2,"v","SendLocalList",{"a":"' + "x" * 3000, fin=False))
    sock.feed(frame(OP_CLOSE, close_payload(1000)))
    s = await c.recv()
    await araises(EOFError, read_all(s))
    assert c.closed


# -- closing -----------------------------------------------------------------------------------
async def test_close_sends_close_and_waits_for_the_servers():
    c, sock = await open_fake(ws)
    sock.feed(frame(OP_TEXT, "late data") + frame(OP_CLOSE, close_payload(1000)))
    await c.close()
    assert c.closed and sock.closed
    assert parse_client_frames(sock.take_sent()) == [(True, OP_CLOSE, close_payload(1000), 0)]
    assert c.close_code == 1000
    assert await c.recv() is None
    await araises(ws.WebSocketError, c.send("x"))
    await c.close()  # again: nothing happens


async def test_close_while_another_task_is_receiving():
    c, sock = await open_fake(ws)
    reader = asyncio.create_task(c.recv())
    await asyncio.sleep_ms(10)
    closer = asyncio.create_task(c.close(1001, "going away"))
    await asyncio.sleep_ms(10)
    assert parse_client_frames(sock.take_sent()) == [
        (True, OP_CLOSE, close_payload(1001, b"going away"), 0)]
    assert not sock.closed  # still waiting for the server's close
    sock.feed(frame(OP_CLOSE, close_payload(1001)))
    assert await reader is None
    await closer
    assert sock.closed and c.closed


async def test_close_gives_up_on_a_silent_server():
    c, sock = await open_fake(ws)
    t0 = asyncio.ticks()
    await c.close()
    waited = asyncio.ticks_diff(asyncio.ticks(), t0)
    assert sock.closed and c.closed
    wait_ms = cache.use("core.ws.closing").CLOSE_WAIT_MS
    cache.done("core.ws.closing")
    assert waited >= wait_ms - 100, waited


async def test_server_close_is_answered_and_recv_returns_none():
    c, sock = await open_fake(ws)
    sock.feed(frame(OP_CLOSE, close_payload(4001, "bye".encode())))
    assert await c.recv() is None
    assert c.close_code == 4001 and c.close_reason == "bye"
    assert parse_client_frames(sock.take_sent()) == [(True, OP_CLOSE, close_payload(4001), 0)]
    assert sock.closed and c.closed
    assert await c.recv() is None


async def test_server_close_without_code_is_answered_without_code():
    c, sock = await open_fake(ws)
    sock.feed(frame(OP_CLOSE, b""))
    assert await c.recv() is None
    assert c.close_code == 1005
    assert parse_client_frames(sock.take_sent()) == [(True, OP_CLOSE, b"", 0)]


async def test_eof_without_close_frame_is_an_error_then_none():
    c, sock = await open_fake(ws)
    sock.feed(frame(OP_TEXT, "one") + frame(OP_TEXT, "tw", fin=False))
    sock.eof = True
    assert await c.recv() == "one"
    e = await araises(ws.WebSocketError, c.recv())
    assert "lost" in str(e)
    assert c.closed and sock.closed
    assert await c.recv() is None


# -- protocol errors ---------------------------------------------------------------------------
async def expect_protocol_error(data, code=1002, max_size=16384):
    c, sock = await open_fake(ws, max_size=max_size)
    sock.feed(data)
    e = await araises(ws.WebSocketError, asyncio.wait_for_ms(c.recv(), 3000))
    frames = parse_client_frames(sock.take_sent())
    assert frames[-1][1] == OP_CLOSE, frames
    assert frames[-1][2][:2] == close_payload(code), (frames, e)
    assert c.closed and sock.closed
    assert await c.recv() is None
    return e


async def test_protocol_errors_close_with_1002():
    cases = [
        frame(OP_TEXT, "hi", mask=b"\x01\x02\x03\x04"),  # server frames are never masked
        frame(OP_TEXT, "hi", rsv=0x40),
        frame(OP_TEXT, "hi", rsv=0x10),
        frame(3, b"x"),
        frame(11, b"x"),
        frame(OP_PING, b"p" * 126),
        frame(OP_PING, b"p", fin=False),
        frame(OP_CONT, "orphan"),
        frame(OP_TEXT, "a", fin=False) + frame(OP_TEXT, "b"),
        frame(OP_CLOSE, b"\x03"),
        frame(OP_CLOSE, close_payload(1005)),
        frame(OP_CLOSE, close_payload(999)),
        b"\x81\x7f\x80\x00\x00\x00\x00\x00\x00\x01",  # 64-bit length with the top bit set
    ]
    for data in cases:
        e = await expect_protocol_error(data)
        assert "protocol error" in str(e), e


async def test_invalid_utf8_closes_with_1007():
    e = await expect_protocol_error(frame(OP_TEXT, b"ok \xff\xfe bad"), code=1007)
    assert "UTF-8" in str(e)
    await expect_protocol_error(frame(OP_TEXT, b"\xc3", fin=False) + frame(OP_CONT, b"("),
                                code=1007)
    await expect_protocol_error(frame(OP_CLOSE, close_payload(1000, b"\xff")), code=1007)


async def test_valid_utf8_split_across_fragments_is_fine():
    c, sock = await open_fake(ws)
    data = "\u00e9\u4e2d".encode()
    sock.feed(frame(OP_TEXT, data[:1], fin=False) + frame(OP_CONT, data[1:4], fin=False)
              + frame(OP_CONT, data[4:]))
    assert await c.recv() == "\u00e9\u4e2d"


async def test_cancelled_mid_frame_makes_the_connection_unusable():
    c, sock = await open_fake(ws)
    sock.feed(frame(OP_TEXT, "x" * 300)[:100])  # header and part of the payload
    t = asyncio.create_task(c.recv())
    await asyncio.sleep_ms(20)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        pass
    assert c.closed and sock.closed


async def test_cancelled_between_messages_keeps_the_connection():
    c, sock = await open_fake(ws)
    t = asyncio.create_task(c.recv())
    await asyncio.sleep_ms(20)
    t.cancel()
    try:
        await t
    except asyncio.CancelledError:
        pass
    assert not c.closed
    sock.feed(frame(OP_TEXT, "fine"))
    assert await c.recv() == "fine"


# -- code loaded only while it runs (ocpp/core/cache.py) ---------------------------------------------
LAZY = ("ocpp.core.ws.opening", "ocpp.core.ws.secure", "ocpp.core.ws.closing", "ocpp.core.ws.discard", "ocpp.core.ws.describe",
        "ocpp.core.ws.mask")


def loaded():
    """The lazily loaded parts of the WebSocket client now in sys.modules or the package."""
    return [m for m in LAZY if m in sys.modules or m.split(".")[-1] in ws.__dict__]


class Trap:
    """Stands in sys.modules for a module that must not be used: records every lookup."""

    def __init__(self):
        self.touched = []

    def __getattr__(self, name):
        self.touched.append(name)
        raise AttributeError(name)


def test_only_the_open_link_code_stays_loaded():
    assert loaded() == [], loaded()  # importing ws.py compiled the mask and dropped wsmask
    assert ws.MessageTooBig and ws.WebSocketError and ws.HandshakeError
    assert loaded() == []


def test_unknown_attributes_load_nothing():
    for name in ("CLOSE_WAIT_MS", "OP_UNKNOWN", "nothing_here"):
        raises(AttributeError, getattr, ws, name)
    # the opcodes are the client's own public names (its on-demand parts use them)
    assert (ws.OP_CONT, ws.OP_TEXT, ws.OP_CLOSE, ws.OP_PONG) == (0, 1, 8, 10)
    assert not hasattr(ws, "tls")
    assert loaded() == []


async def test_every_end_of_a_connection_drops_its_code():
    c, sock = await open_fake(ws)
    await c.send("a")
    await c.send_pieces(["b", "c" * 2000])
    await c.ping(b"p")
    sock.feed(frame(OP_PING, b"x") + frame(OP_TEXT, "hi"))
    assert await c.recv() == "hi"
    assert loaded() == [], loaded()  # the healthy link ran on ws.py alone
    await c.close()  # our close, the server silent
    assert c.closed and loaded() == [], loaded()

    c, sock = await open_fake(ws)
    sock.feed(frame(OP_CLOSE, close_payload(1001)))  # the server's close
    assert await c.recv() is None and loaded() == [], loaded()

    c, sock = await open_fake(ws)
    sock.feed(frame(3, b"x"))  # protocol error
    await araises(ws.WebSocketError, c.recv())
    assert loaded() == [], loaded()

    c, sock = await open_fake(ws)
    sock.eof = True  # lost
    await araises(ws.WebSocketError, c.recv())
    assert loaded() == [], loaded()

    c, sock = await open_fake(ws, max_size=10)
    sock.feed(frame(OP_TEXT, "x" * 100) + frame(OP_BINARY, b"y") + frame(OP_TEXT, "ok"))
    await araises(ws.MessageTooBig, c.recv())
    assert loaded() == [], loaded()
    await araises(ws.MessageTooBig, c.recv())  # the binary one
    assert loaded() == [], loaded()
    assert await c.recv() == "ok" and loaded() == [], loaded()


async def test_close_works_again_once_its_module_was_dropped_and_reimported():
    for code in (1000, 4001, 1001):
        c, sock = await open_fake(ws)
        sock.feed(frame(OP_CLOSE, close_payload(code)))
        await c.close(code, "bye")
        assert parse_client_frames(sock.take_sent()) == [
            (True, OP_CLOSE, close_payload(code, b"bye"), 0)]
        assert c.close_code == code and sock.closed and "ocpp.core.ws.closing" not in sys.modules
        await c.close()  # closed already: nothing is sent
        assert sock.take_sent() == b""
    c, _ = await open_fake(ws)
    await araises(ValueError, c.close(1005))  # reserved: never on the wire
    await araises(ValueError, c.close(1000, "r" * 124))
    assert not c.closed and "ocpp.core.ws.closing" not in sys.modules


async def test_ws_connect_never_loads_the_tls_module():
    import asyncio as aio
    real_open = aio.open_connection
    seen = []

    async def fake_open(host, port, ssl=None, server_hostname=None):
        seen.append((host, port, ssl, server_hostname))
        stream = aio.StreamReader(FakeSocket(server_answer()))
        return stream, stream

    trap = Trap()
    sys.modules["ocpp.core.ws.secure"] = trap
    aio.open_connection = fake_open
    try:
        c = await ws.connect("ws://cs.example:9000/ocpp/CP_1", timeout_ms=2000)
        assert c.subprotocol == "ocpp1.6" and not c.closed
        assert seen == [("cs.example", 9000, None, None)], seen
        await c.close()
        assert trap.touched == []
        # the trap does catch a use of the TLS module: ws.tls_context() goes there
        sys.modules["ocpp.core.ws.secure"] = trap  # (the close may have evicted it)
        raises(AttributeError, getattr, ws, "tls_context")
        assert trap.touched == ["tls_context"], trap.touched
    finally:
        aio.open_connection = real_open
        sys.modules.pop("ocpp.core.ws.secure", None)
    assert loaded() == [], loaded()


async def test_each_bad_header_is_named_in_the_error():
    for data, text in ((frame(OP_TEXT, "hi", rsv=0x20), "reserved bits"),
                       (frame(OP_TEXT, "hi", mask=b"\x01\x02\x03\x04"), "masked frame"),
                       (frame(7, b"x"), "unknown opcode 7"),
                       (frame(15, b"x"), "unknown opcode 15"),
                       (frame(OP_PONG, b"p", fin=False), "control frame"),
                       (frame(OP_CLOSE, b"c" * 126), "control frame"),
                       (frame(OP_CONT, "x"), "continuation frame with no message"),
                       (frame(OP_TEXT, "a", fin=False) + frame(OP_BINARY, "b"), "inside a"),
                       (frame(OP_CLOSE, b"\x03"), "1-byte"),
                       (frame(OP_CLOSE, close_payload(1015)), "invalid close code 1015"),
                       (b"\x81\x7f\xff\x00\x00\x00\x00\x00\x00\x01", "64-bit length")):
        e = await expect_protocol_error(data)
        assert text in str(e) and "(closed with 1002)" in str(e), (text, e)


async def test_a_failed_write_closes_and_names_the_cause():
    c, sock = await open_fake(ws)
    sock.closed = True  # writes now fail with OSError(EBADF)
    e = await araises(ws.WebSocketError, c.send("x"))
    assert str(e).startswith("send failed: OSError"), e
    assert c.closed and loaded() == []
    await araises(ws.WebSocketError, c.send("y"))


async def test_abandoned_fragmented_message_names_the_cause():
    c, _ = await open_fake(ws)

    def broken():
        yield letters(TX_CHUNK + 1)
        raise KeyError("gone")

    e = await araises(ws.WebSocketError, c.send_pieces(broken()))
    assert "abandoned" in str(e) and "gone" in str(e), e
    assert c.closed and loaded() == []


async def test_close_without_memory_for_its_code_still_lets_the_socket_go():
    c, sock = await open_fake(ws)
    real_use = cache.use

    def no_memory(name):
        raise MemoryError

    cache.use = no_memory
    try:
        await araises(MemoryError, c.close())
    finally:
        cache.use = real_use
    assert c.closed and sock.closed
