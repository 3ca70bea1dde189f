"""Questions over UDP that never block the event loop: DNS look-ups (resolve) and the one
request / one answer exchange they share with the boards' NTP clock (exchange).

Why not getaddrinfo: asyncio.open_connection resolves a host name with it, and on the boards
(lwIP) it blocks the whole event loop until the name server answers or the stack gives up,
seconds per try: the connector loops stop and the watchdog resets the board behind a slow DNS
server. Here the socket is non-blocking and the wait is a sleep, bounded by timeout_ms.

A query (RFC 1035 4.1), one question, recursion desired:

    id:2  flags 0x0100:2  qdcount 1:2  an/ns/ar 0:6 | 3 c s m s 7 e x a m p l e 3 c o m 0 | type A 1:2  class IN 1:2

An answer repeats the header (QR bit set, rcode in the low 4 bits of byte 3) and the question,
then its records: name (labels, or a 2-byte pointer 0b11......), type:2 class:2 ttl:4
rdlength:2 rdata. The first A/IN record is the address; a CNAME chain before it is skipped.
IPv4 only (an IPv6 literal is used as given).
"""
import asyncio
import errno
import os
import socket
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

DNS_PORT = const(53)
_RETRY_MS = const(1000)  # a lost datagram is sent again after this
_POLL_MS = const(10)
_KEEP = const(4)  # answers remembered (the CSMS host, the NTP host, a download host)
_TTL_MAX_S = const(3600)

# host -> (address, ticks_ms when it expires). An expired answer is still used when the name
# server does not answer: a known address beats no connection at all.
_answers = {}  # type: dict


def literal(host):
    """Whether host is an address already (IPv4 dotted quad, or IPv6 with colons)."""
    if ":" in host:
        return True
    parts = host.split(".")
    if len(parts) != 4:
        return False
    for p in parts:
        if not p.isdigit() or len(p) > 3 or int(p) > 255:
            return False
    return True


async def exchange(server, request, accept, timeout_ms):
    """Send request (bytes) to server (an (address, port) pair, the address a literal) and
    return accept(reply) for the first reply where it is not None; the request goes again
    every second while nothing acceptable came. OSError when timeout_ms passes."""
    ai = socket.getaddrinfo(server[0], server[1])[0]  # a literal: no look-up, no wait
    s = socket.socket(ai[0], socket.SOCK_DGRAM)
    try:
        s.setblocking(False)
        t0 = ticks_ms()
        sent = None
        while True:
            now = ticks_ms()
            if ticks_diff(now, t0) >= timeout_ms:
                raise OSError("no answer from %s:%d in %d ms" % (server[0], server[1], timeout_ms))
            if sent is None or ticks_diff(now, sent) >= _RETRY_MS:
                s.sendto(request, ai[-1])
                sent = now
            try:
                reply = s.recv(512)
            except OSError as e:
                if e.args[0] != errno.EAGAIN:
                    raise
                await asyncio.sleep_ms(_POLL_MS)
                continue
            result = accept(reply)
            if result is not None:
                return result
    finally:
        s.close()


async def resolve(host, name_server, timeout_ms=5000):
    """The IPv4 address of host, asked of name_server ((address, port)). An address is returned
    as it is; name_server None leaves host to the port's own resolver (the unix port's is the
    operating system's). Raises OSError when the name does not exist or nothing answers and
    no earlier answer is known."""
    if name_server is None or literal(host):
        return host
    known = _answers.get(host)
    if known is not None and ticks_diff(known[1], ticks_ms()) > 0:
        return known[0]
    query = _query(int.from_bytes(os.urandom(2), "big"), host)
    try:
        addr, ttl = await exchange(name_server, query, lambda r: _answer(r, query, host),
                                   timeout_ms)
    except OSError as e:
        if known is not None and "no answer" in str(e):
            return known[0]
        raise OSError("DNS %s: %s" % (host, e))
    if host not in _answers and len(_answers) >= _KEEP:
        _answers.pop(next(iter(_answers)))
    _answers[host] = (addr, ticks_add(ticks_ms(), min(max(ttl, 1), _TTL_MAX_S) * 1000))
    return addr


def _query(qid, host):
    q = bytearray(qid.to_bytes(2, "big"))
    q.extend(b"\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00")
    for label in host.rstrip(".").split("."):
        b = label.encode()
        if not 0 < len(b) < 64:
            raise OSError("DNS: bad host name %r" % host[:80])
        q.append(len(b))
        q.extend(b)
    q.extend(b"\x00\x00\x01\x00\x01")
    return q


def _answer(r, query, host):
    """(address, ttl) from reply r to query; None when r is not the answer to it (another id,
    another question: a late reply to an earlier try, or a stray datagram). OSError for an
    answer that says no."""
    n = len(query)
    if len(r) < n or r[:2] != query[:2] or not r[2] & 0x80 or r[12:n] != query[12:]:
        return None
    rcode = r[3] & 15
    if rcode == 3:
        raise OSError("no such host")
    if rcode:
        raise OSError("name server error %d" % rcode)
    i = n  # one question, ours: the records start after it
    for _ in range(r[6] << 8 | r[7]):
        i = _skip_name(r, i)
        if i + 10 > len(r):
            break
        size = r[i + 8] << 8 | r[i + 9]
        if r[i:i + 4] == b"\x00\x01\x00\x01" and size == 4 and i + 14 <= len(r):
            ttl = int.from_bytes(r[i + 4:i + 8], "big")
            return "%d.%d.%d.%d" % (r[i + 10], r[i + 11], r[i + 12], r[i + 13]), ttl
        i += 10 + size
    raise OSError("no IPv4 address for %s" % host[:80])


def _skip_name(r, i):
    while i < len(r):
        n = r[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += n + 1
    return i
