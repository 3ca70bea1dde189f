# firmware/udp.py: DNS look-ups and the UDP exchange, against a DNS server on 127.0.0.1
# (host_tests/unit/fake_machine/udp_world.py) in the same event loop.
import asyncio
import random
import sys
import time

_UNIT = [p for p in sys.path if p.endswith("host_tests/unit")][0]
sys.path.insert(0, _UNIT + "/fake_machine")

import udp
from udp_world import Ticker, UdpWorld


def _world(**kw):
    udp._answers.clear()
    return UdpWorld(20000 + random.getrandbits(15), **kw)


def test_literals_and_no_server_pass_through():
    async def go():
        assert await udp.resolve("10.1.2.3", ("127.0.0.1", 9)) == "10.1.2.3"
        assert await udp.resolve("::1", ("127.0.0.1", 9)) == "::1"
        assert await udp.resolve("csms.example", None) == "csms.example"
    asyncio.run(go())
    assert not udp.literal("1.2.3") and not udp.literal("1.2.3.256") and udp.literal("0.0.0.0")


async def test_resolves_and_remembers():
    w = _world(hosts={"csms.example": "10.0.0.7"})
    server = ("127.0.0.1", w.port)
    assert await udp.resolve("csms.example", server) == "10.0.0.7"
    assert await udp.resolve("csms.example", server) == "10.0.0.7"
    assert w.asked == ["dns csms.example"]  # the second from its TTL (60 s)
    w.close()


async def test_no_such_host():
    w = _world()
    try:
        await udp.resolve("nowhere.example", ("127.0.0.1", w.port))
        assert False
    except OSError as e:
        assert "nowhere.example" in str(e) and "no such host" in str(e), e
    w.close()


async def test_silent_server_times_out_and_the_loop_runs_on():
    w = _world(hosts={"csms.example": "10.0.0.7"})
    w.silent = True
    ticker = Ticker()
    t0 = time.ticks_ms()
    try:
        await udp.resolve("csms.example", ("127.0.0.1", w.port), timeout_ms=1200)
        assert False
    except OSError as e:
        assert "no answer" in str(e), e
    took = time.ticks_diff(time.ticks_ms(), t0)
    ticker.stop()
    assert 1190 <= took < 1600, took
    assert w.asked == ["dns csms.example"] * 2  # sent again after a second
    assert len(ticker.ticks) > 50 and ticker.longest_gap() < 200
    w.close()


async def test_expired_answer_is_used_when_the_server_is_down():
    w = _world(hosts={"csms.example": "10.0.0.7"})
    server = ("127.0.0.1", w.port)
    assert await udp.resolve("csms.example", server) == "10.0.0.7"
    addr, _ = udp._answers["csms.example"]
    udp._answers["csms.example"] = (addr, time.ticks_add(time.ticks_ms(), -1))  # expired
    w.silent = True
    assert await udp.resolve("csms.example", server, timeout_ms=300) == "10.0.0.7"
    w.close()


def _reply(query, answers, rcode=0, qid=None):
    head = bytearray(query[:12])
    if qid is not None:
        head[0:2] = qid.to_bytes(2, "big")
    head[2], head[3] = 0x81, 0x80 | rcode
    head[6:8] = len(answers).to_bytes(2, "big")
    return bytes(head) + bytes(query[12:]) + b"".join(answers)


def test_answer_parsing():
    q = udp._query(0x1234, "csms.example.com")
    assert q[:2] == b"\x12\x34" and q[12:] == b"\x04csms\x07example\x03com\x00\x00\x01\x00\x01"
    # a CNAME (name as a pointer to the question, target spelled out) and then the A record
    cname = b"\xc0\x0c\x00\x05\x00\x01\x00\x00\x01\x00\x00\x06\x03lb1\xc0\x11"
    a = b"\xc0\x2e\x00\x01\x00\x01\x00\x00\x00\x1e\x00\x04\xc0\xa8\x01\x02"
    assert udp._answer(_reply(q, [cname, a]), q, "x") == ("192.168.1.2", 30)
    # not ours: another id, a truncated datagram, a query (no QR bit)
    assert udp._answer(_reply(q, [a], qid=0x9999), q, "x") is None
    assert udp._answer(b"\x12\x34\x81", q, "x") is None
    assert udp._answer(bytes(q), q, "x") is None
    for rcode, words in ((3, "no such host"), (2, "error 2")):
        try:
            udp._answer(_reply(q, [], rcode), q, "x")
            assert False
        except OSError as e:
            assert words in str(e)
    # only an AAAA, or a record cut short: no address, and no crash
    aaaa = b"\xc0\x0c\x00\x1c\x00\x01\x00\x00\x00\x1e\x00\x10" + bytes(16)
    for bad in ([aaaa], [a[:13]], [b"\x3f"]):
        try:
            udp._answer(_reply(q, bad), q, "x")
            assert False
        except OSError as e:
            assert "no IPv4 address" in str(e)
    for name in ("a..b", "x" * 64 + ".com"):
        try:
            udp._query(1, name)
            assert False
        except OSError as e:
            assert "bad host name" in str(e)
