"""Opening a WebSocket: URL parsing and the HTTP upgrade handshake (RFC 6455 section 4).

Reached as ws.connect(), ws.handshake() and ws.parse_url(), which import this module for the
call and drop it after (ocpp/core/ws/__init__.py), so none of this stays in the heap of a running charge
point. The TLS context for wss:// comes from ocpp/core/ws/secure.py (ws.tls_context()).
"""
import asyncio
import os

from micropython import const

from ocpp.core import cache
from ocpp.core.ws import HandshakeError, WebSocket, WebSocketError

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # section 1.3: hashed with the key for Accept
_MAX_HEADER_LINES = const(64)
_MAX_HEADER_LINE = const(4096)


# -- URLs --------------------------------------------------------------------------------------
def parse_url(url):
    """'ws://host[:port][/path][?query]' or 'wss://...' -> (secure, host, port, path).

    Default ports 80/443; the path defaults to "/" and keeps the query string; an IPv6 literal
    is written in brackets ("ws://[::1]:9000/"). Anything else raises ValueError."""
    lower = url[:6].lower()
    if lower.startswith("ws://"):
        secure, rest = False, url[5:]
    elif lower == "wss://":
        secure, rest = True, url[6:]
    else:
        raise ValueError("not a ws:// or wss:// URL: %r" % url[:80])
    if "#" in rest:
        raise ValueError("a WebSocket URL has no #fragment: %r" % url[:80])
    cut = len(rest)
    for c in "/?":
        i = rest.find(c)
        if 0 <= i < cut:
            cut = i
    hostport, path = rest[:cut], rest[cut:]
    if not path.startswith("/"):
        path = "/" + path
    for c in path:
        if c <= " " or c == "\x7f":
            raise ValueError("URL path has a space or control character (percent-encode it)")
    if "@" in hostport:
        raise ValueError("user:password@ in the URL is not supported (use an Authorization header)")
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError("unclosed [ in URL host: %r" % url[:80])
        host, tail = hostport[1:end], hostport[end + 1:]
        if tail and not tail.startswith(":"):
            raise ValueError("junk after ] in URL host: %r" % url[:80])
        port_text = tail[1:]
    else:
        i = hostport.find(":")
        host, port_text = (hostport, "") if i < 0 else (hostport[:i], hostport[i + 1:])
        if ":" in port_text:
            raise ValueError("an IPv6 host must be in brackets: %r" % url[:80])
    if not host:
        raise ValueError("no host in URL: %r" % url[:80])
    if port_text or hostport.endswith(":"):
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError("bad port in URL: %r" % url[:80])
        port = int(port_text)
    else:
        port = 443 if secure else 80
    return secure, host, port, path


# -- opening handshake -------------------------------------------------------------------------
async def connect(url, *, protocols=("ocpp1.6",), headers=(), ssl=None, timeout_ms=10000,
                  max_size=16384, name_server=None):
    """Open a WebSocket to `url` and return a WebSocket once the handshake succeeded.

    protocols: subprotocols offered, in order of preference; the server must select one of them
        (an answer without one is a failure). Empty: none offered, none accepted.
    headers: extra request headers, (name, value) pairs or a dict (e.g. Authorization).
    ssl: for wss://, a context from ws.tls_context(); required (never connects unverified).
    timeout_ms: for DNS + TCP + TLS + HTTP handshake together.
    max_size: the largest message recv() accepts; see MessageTooBig.
    name_server: (address, port) of the DNS server that resolves the URL's host without
        blocking the event loop (udp.resolve); None leaves it to asyncio.open_connection,
        whose getaddrinfo blocks (fine for an address, or on the unix port).
    Raises ValueError for a bad URL or arguments, HandshakeError, or WebSocketError."""
    secure, host, port, path = parse_url(url)
    if secure and (ssl is None or ssl is True):
        raise ValueError("wss:// needs ssl=tls_context(ca_der): without a CA certificate the "
                         "server cannot be verified, and this client never connects unverified")
    if not secure and ssl is not None:
        raise ValueError("ssl given for a ws:// URL")
    try:
        return await asyncio.wait_for_ms(
            _open(host, port, path, ssl, protocols, headers, max_size, name_server), timeout_ms)
    except asyncio.TimeoutError:
        raise WebSocketError("connecting to %s:%d timed out after %d ms" % (host, port, timeout_ms))


async def _open(host, port, path, ssl, protocols, headers, max_size, name_server):
    stream = None
    try:
        addr = host
        if name_server is not None:
            import udp

            addr = await udp.resolve(host, name_server)
        # The TLS handshake runs inside the stream's first reads and writes, waiting on the
        # socket like any other I/O: only its arithmetic holds the loop (mbedTLS, not
        # sliceable from Python), bounded by the key sizes.
        stream, _ = await asyncio.open_connection(
            addr, port, ssl=ssl, server_hostname=host if ssl else None)
        _no_delay(stream)
        sock = await handshake(stream, host, port, path, secure=ssl is not None,
                               protocols=protocols, headers=headers, max_size=max_size)
        stream = None  # the WebSocket owns it now
        return sock
    except WebSocketError:
        raise
    except (OSError, ValueError, EOFError) as e:  # TLS verification failures are ValueErrors
        try:
            why = cache.use("core.ws.describe").describe(e)
        finally:
            cache.done("core.ws.describe")
        raise WebSocketError("cannot connect to %s:%d: %s" % (host, port, why))
    finally:
        if stream is not None:  # failed or cancelled by the timeout
            await stream.wait_closed()


def _no_delay(stream):
    # TCP_NODELAY (IPPROTO_TCP 6, option 1 on Linux and lwIP alike; the ports do not name
    # them): a message sent in several frames (GetConfiguration's answer) would otherwise wait
    # for the peer's delayed ACK between its writes, 40 ms each on Linux. Best effort: a TLS
    # socket may not take it.
    try:
        stream.s.setsockopt(6, 1, 1)
    except Exception:
        pass


async def handshake(stream, host, port, path, *, secure=False, protocols=("ocpp1.6",),
                    headers=(), max_size=16384):
    """Run the opening handshake on an open asyncio stream (reader and writer in one, as
    asyncio.open_connection returns) and return the WebSocket. connect() is the usual entry."""
    import binascii
    import hashlib

    key = binascii.b2a_base64(os.urandom(16)).strip()
    stream.write(_request(host, port, secure, path, key, protocols, headers))
    await stream.drain()

    line = await _read_line(stream)
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise HandshakeError("not an HTTP response: %r" % line[:80])
    status = int(parts[1])
    if status != 101:
        e = HandshakeError("server refused the WebSocket upgrade: HTTP %d %s"
                           % (status, parts[2] if len(parts) > 2 else ""))
        e.status = status
        raise e
    seen = {}
    for _ in range(_MAX_HEADER_LINES):
        line = await _read_line(stream)
        if not line:
            break
        i = line.find(":")
        if i <= 0:
            raise HandshakeError("malformed header line: %r" % line[:80])
        name = line[:i].strip().lower()
        if name in seen:  # a repeated header joins with a comma (RFC 7230 3.2.2)
            seen[name] += "," + line[i + 1:].strip()
        else:
            seen[name] = line[i + 1:].strip()
    else:
        raise HandshakeError("too many header lines in the handshake response")

    if seen.get("upgrade", "").lower() != "websocket":
        raise HandshakeError("101 response without 'Upgrade: websocket'")
    if "upgrade" not in [t.strip() for t in seen.get("connection", "").lower().split(",")]:
        raise HandshakeError("101 response without 'Connection: Upgrade'")
    expected = binascii.b2a_base64(hashlib.sha1(key + _GUID).digest()).strip().decode()
    if seen.get("sec-websocket-accept") != expected:
        raise HandshakeError("bad Sec-WebSocket-Accept from the server")
    if "sec-websocket-extensions" in seen:
        raise HandshakeError("server selected an extension that was not offered: %s"
                             % seen["sec-websocket-extensions"][:60])
    chosen = seen.get("sec-websocket-protocol")
    if protocols and chosen is None:
        raise HandshakeError("server selected no subprotocol (offered %s)" % ", ".join(protocols))
    if chosen is not None and chosen not in protocols:
        raise HandshakeError("server selected subprotocol %r, which was not offered" % chosen[:40])
    return WebSocket(stream, chosen, max_size)


def _request(host, port, secure, path, key, protocols, headers):
    if ":" in host:
        host = "[" + host + "]"
    if port != (443 if secure else 80):
        host = "%s:%d" % (host, port)
    lines = ["GET " + path + " HTTP/1.1", "Host: " + host, "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: " + key.decode(),
             "Sec-WebSocket-Version: 13"]
    for p in protocols:
        if not p or "," in p or " " in p:
            raise ValueError("bad subprotocol name %r" % p)
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    if hasattr(headers, "items"):
        headers = headers.items()
    for name, value in headers:
        if ":" in name or _has_newline(name) or _has_newline(value):
            raise ValueError("header %r: no ':' in the name, no CR/LF anywhere" % name[:40])
        lines.append(name + ": " + value)
    lines.append("\r\n")
    return "\r\n".join(lines).encode()


def _has_newline(s):
    return "\r" in s or "\n" in s


async def _read_line(stream):
    line = await stream.readline()
    if not line or line[-1:] != b"\n":
        raise HandshakeError("connection closed during the handshake")
    if len(line) > _MAX_HEADER_LINE:
        raise HandshakeError("handshake response line over %d bytes" % _MAX_HEADER_LINE)
    try:
        return line.decode().rstrip("\r\n")
    except UnicodeError:
        raise HandshakeError("handshake response is not text")
