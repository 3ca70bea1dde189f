"""firmware/ocpp/core/ws/__init__.py on the MicroPython unix port against a real `websockets` server.

Each test runs a small MicroPython script (the client) against a websockets 17 server (asyncio
API) on loopback, in a background thread; the script prints one JSON line per observation."""
import asyncio
import json
import socket
import threading

import pytest
from websockets.asyncio.server import serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from certs import make_certs, server_ssl_context

from mphost import run_micropython  # noqa: E402
@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_certs(str(tmp_path_factory.mktemp("pki")))


class Server:
    """A websockets server in its own thread. The handler understands a few commands:
    "frag:a|b|c" sends a fragmented message, "ping" pings and then sends "pong-ok",
    "big:N" sends N bytes then "after-big", "close:CODE" closes; anything else is echoed."""

    def __init__(self, subprotocols=("ocpp1.6",), ssl=None, status=None):
        self.subprotocols = list(subprotocols) if subprotocols else None
        self.ssl = ssl
        self.status = status  # answer the HTTP request with this status instead of upgrading
        self.requests = []  # request headers seen
        self.close_codes = []  # close code the client sent, per connection
        self.ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stop.set_result, None)
        self.thread.join(10)

    def _run(self):
        try:
            self.loop.run_until_complete(self._main())
        finally:
            self.loop.close()

    async def _main(self):
        self.stop = self.loop.create_future()
        async with serve(self._handler, "127.0.0.1", 0, subprotocols=self.subprotocols,
                         ssl=self.ssl, process_request=self._process_request,
                         max_size=2 ** 20) as server:
            self.port = server.sockets[0].getsockname()[1]
            self.ready.set()
            await self.stop

    def _process_request(self, connection, request):
        self.requests.append(request.headers)
        if self.status:
            return Response(self.status, "Refused", Headers([("Content-Length", "0")]), b"")
        return None

    async def _handler(self, ws):
        try:
            async for msg in ws:
                if msg.startswith("frag:"):
                    await ws.send(msg[5:].split("|"))
                elif msg == "ping":
                    pong = await ws.ping(b"srv")
                    await asyncio.wait_for(pong, 5)
                    await ws.send("pong-ok")
                elif msg.startswith("big:"):
                    n = int(msg[4:])
                    await ws.send('[2,"big-1","DataTransfer",{"data":"' + "A" * n + '"}]')
                    await ws.send("after-big")
                elif msg.startswith("close:"):
                    await ws.close(int(msg[6:]), "server says bye")
                else:
                    await ws.send(msg)
        finally:
            self.close_codes.append(ws.close_code)


CLIENT_PRELUDE = r"""
import asyncio, json, sys, gc, micropython
from ocpp.core import cache, ws
A = json.loads(sys.argv[1])
cache.set_reserve(1 << 30)  # as on a small board: a rarely used part goes as soon as it is done

def out(*args):
    print("OUT " + json.dumps(list(args)))

def read(path):
    if not path:
        return None
    with open(path, "rb") as f:
        return f.read()

def context():
    if not A.get("ca"):
        return None
    return ws.tls_context(read(A["ca"]), read(A.get("cert")), read(A.get("key")))

async def opened(**kw):
    return await ws.connect(A["url"], ssl=context(), headers=A.get("headers", ()), **kw)

async def main():
"""

CLIENT_EPILOGUE = r"""
try:
    asyncio.run(main())
except Exception as e:
    out("error", type(e).__name__, str(e), getattr(e, "status", None))
"""


def run_client(tmp_path, body, heap=None, **args):
    """Run `body` (the inside of `async def main()`) under MicroPython; -> list of OUT records."""
    lines = "\n".join("    " + ln for ln in body.strip("\n").splitlines())
    script = tmp_path / "client.py"
    script.write_text(CLIENT_PRELUDE + lines + "\n" + CLIENT_EPILOGUE)
    r = run_micropython([str(script), json.dumps(args)], timeout=60, heap=heap)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    return [json.loads(ln[4:]) for ln in r.stdout.splitlines() if ln.startswith("OUT ")]


ECHO = r"""
c = await opened(max_size=100000)
out("subprotocol", c.subprotocol)
for n in (5, 200, 70000):
    text = ("0123456789abcdefghij\u00e9" * (n // 21 + 1))[:n]
    await c.send(text)
    got = await c.recv()
    out("echo", n, got == text, len(got))
await c.close()
out("closed", c.closed)
# connecting, TLS and closing code was loaded for the moment it ran: only ws.py stays
out("modules", sorted(k for k in sys.modules if k.startswith("ocpp.core.ws")))
"""


def check_echo(outs):
    assert ["subprotocol", "ocpp1.6"] in outs, outs
    for n in (5, 200, 70000):
        assert ["echo", n, True, n] in outs, outs
    assert ["closed", True] in outs, outs
    assert ["modules", ["ocpp.core.ws"]] in outs, outs


def test_echo_of_small_medium_and_64_bit_length_messages(tmp_path):
    with Server() as srv:
        outs = run_client(tmp_path, ECHO, url="ws://127.0.0.1:%d/ocpp/CP_1" % srv.port,
                          headers=[["Authorization", "Basic Q1BfMTpwdw=="]])
    check_echo(outs)
    assert srv.requests[0]["Authorization"] == "Basic Q1BfMTpwdw=="
    assert srv.requests[0]["Sec-WebSocket-Protocol"] == "ocpp1.6"
    assert srv.close_codes == [1000]  # our close handshake reached the server


def test_server_fragments_pings_and_closes(tmp_path):
    body = r"""
c = await opened()
await c.send("frag:[2,|\"f-1\",|\"Heartbeat\",{}]")
out("frag", await c.recv())
t0 = c.last_rx_ms
await c.send("ping")
out("ping", await c.recv())
await c.ping(b"cli")
await c.send("close:4000")
out("after-close", await c.recv(), c.close_code, c.close_reason, c.closed)
"""
    with Server() as srv:
        outs = run_client(tmp_path, body, url="ws://127.0.0.1:%d/" % srv.port)
    assert ["frag", '[2,"f-1","Heartbeat",{}]'] in outs, outs
    assert ["ping", "pong-ok"] in outs, outs  # the server got our automatic pong
    assert ["after-close", None, 4000, "server says bye", True] in outs, outs
    assert srv.close_codes == [4000]


def test_oversize_message_is_refused_and_the_connection_stays(tmp_path):
    body = r"""
c = await opened(max_size=16384)
await c.send("big:60000")
try:
    await c.recv()
except ws.MessageTooBig as e:
    out("too-big", e.size, e.head.decode())
out("next", await c.recv())
await c.send("still")
out("echo", await c.recv())
await c.close()
"""
    with Server() as srv:
        outs = run_client(tmp_path, body, url="ws://127.0.0.1:%d/" % srv.port)
    big = '[2,"big-1","DataTransfer",{"data":"' + "A" * 60000 + '"}]'
    assert ["too-big", len(big), big[:64]] in outs, outs
    assert ["next", "after-big"] in outs and ["echo", "still"] in outs, outs


def test_server_selecting_no_subprotocol_is_a_failure(tmp_path):
    with Server(subprotocols=None) as srv:
        outs = run_client(tmp_path, "await opened()", url="ws://127.0.0.1:%d/" % srv.port)
    assert outs and outs[0][:2] == ["error", "HandshakeError"], outs
    assert "subprotocol" in outs[0][2], outs


def test_http_401_is_a_handshake_error_with_the_status(tmp_path):
    with Server(status=401) as srv:
        outs = run_client(tmp_path, "await opened()", url="ws://127.0.0.1:%d/" % srv.port)
    assert outs and outs[0][1] == "HandshakeError" and outs[0][3] == 401, outs


def test_connect_timeout_covers_a_silent_server(tmp_path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # accepts TCP (kernel backlog) but never answers the HTTP request
    try:
        body = r"""
t0 = asyncio.ticks()
try:
    await opened(timeout_ms=700)
except ws.WebSocketError as e:
    out("failed", str(e), asyncio.ticks_diff(asyncio.ticks(), t0))
"""
        outs = run_client(tmp_path, body, url="ws://127.0.0.1:%d/" % silent.getsockname()[1])
    finally:
        silent.close()
    assert outs and outs[0][0] == "failed" and "timed out" in outs[0][1], outs
    assert outs[0][2] < 5000, outs


def test_wss_with_a_cert_signed_by_the_ca(tmp_path, pki):
    with Server(ssl=server_ssl_context(pki)) as srv:
        for host in ("localhost", "127.0.0.1"):
            outs = run_client(tmp_path, ECHO, url="wss://%s:%d/ocpp/CP_1" % (host, srv.port),
                              ca=pki["ca_cert_der"])
            check_echo(outs)
        # a PEM CA works too (converted to DER)
        outs = run_client(tmp_path, ECHO, url="wss://localhost:%d/x" % srv.port,
                          ca=pki["ca_cert_pem"])
        check_echo(outs)
        # a bundle: another root first, the server's CA second (a central system rotating its
        # certificate keeps both trusted for a while)
        bundle = tmp_path / "bundle.pem"
        bundle.write_bytes(open(pki["untrusted_ca_cert_pem"], "rb").read()
                           + open(pki["ca_cert_pem"], "rb").read())
        outs = run_client(tmp_path, ECHO, url="wss://localhost:%d/x" % srv.port, ca=str(bundle))
        check_echo(outs)


def test_wss_with_an_untrusted_cert_fails_clearly(tmp_path, pki):
    with Server(ssl=server_ssl_context(pki, "untrusted_server")) as srv:
        outs = run_client(tmp_path, "await opened()", url="wss://localhost:%d/" % srv.port,
                          ca=pki["ca_cert_der"])
    assert outs and outs[0][:2] == ["error", "WebSocketError"], outs
    assert "trusted CA" in outs[0][2] and "\n" not in outs[0][2], outs
    assert srv.requests == []  # no HTTP request went over the unverified connection


def test_wss_with_a_wrong_hostname_fails(tmp_path, pki):
    with Server(ssl=server_ssl_context(pki, "wronghost")) as srv:
        outs = run_client(tmp_path, "await opened()", url="wss://localhost:%d/" % srv.port,
                          ca=pki["ca_cert_der"])
    assert outs and outs[0][:2] == ["error", "WebSocketError"], outs
    assert "CN" in outs[0][2] or "name" in outs[0][2].lower(), outs
    assert srv.requests == []


def test_wss_without_a_ca_never_connects(tmp_path, pki):
    with Server(ssl=server_ssl_context(pki)) as srv:
        outs = run_client(tmp_path, "await opened()", url="wss://localhost:%d/" % srv.port)
    assert outs and outs[0][:2] == ["error", "ValueError"], outs
    assert srv.requests == []


def test_wss_client_certificate_for_security_profile_3(tmp_path, pki):
    with Server(ssl=server_ssl_context(pki, client_ca=True)) as srv:
        outs = run_client(tmp_path, ECHO, url="wss://localhost:%d/" % srv.port,
                          ca=pki["ca_cert_der"], cert=pki["client_cert_der"],
                          key=pki["client_key_pem"])
        check_echo(outs)
        outs = run_client(tmp_path, "await opened()", url="wss://localhost:%d/" % srv.port,
                          ca=pki["ca_cert_der"])
        assert outs and outs[0][0] == "error", outs  # no client certificate: refused


HEAP = r"""
c = await opened(max_size=16384)
text = "[2,\"x\",\"DataTransfer\",{\"data\":\"" + "D" * (16384 - 34) + "\"}]"
assert len(text) == 16384

async def trip():  # in its own frame, so no stale reference to the answer outlives it
    await c.send(text)
    return await c.recv() == text

gc.collect()
base = gc.mem_alloc()
ok = await trip()
gc.collect()
first = gc.mem_alloc() - base
for _ in range(5):
    ok = await trip() and ok
gc.collect()
out("trips", ok, first, gc.mem_alloc() - base)
await c.close()
"""


def test_16k_round_trips_fit_a_small_heap_and_keep_only_the_rx_buffer(tmp_path):
    # 96 KB of 64-bit heap words is about what an ESP32 has free; the import of ws.py from
    # source fragments it, so this also shows that a message needs no large contiguous copies
    # beyond the RX buffer and the str handed to the caller.
    with Server() as srv:
        outs = run_client(tmp_path, HEAP, heap="96wk", url="ws://127.0.0.1:%d/" % srv.port)
    assert outs and outs[0][0] == "trips", outs
    _, ok, first, later = outs[0]
    assert ok, outs
    assert first <= 16384 + 1024, outs  # what stays: the RX buffer grown to the message size
    assert later <= first + 512, outs  # and nothing more per message
