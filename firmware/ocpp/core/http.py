"""HTTP/1.1 client for files: a firmware bundle downloaded, a diagnostics file uploaded. Bodies
go both ways in small pieces, never held whole. Loaded for a transfer (ocpp/core/cache.py).

    resp = await http.request("GET", "https://files.example/fw.bin", ssl=ctx)
    resp.status, resp.length                  # 200, 123456 (None: chunked, or to the close)
    while n := await resp.readinto(buf): ...  # 0 at the end of the body
    await resp.close()

    resp = await http.request("PUT", url, body=pieces, length=n)   # pieces: bytes / str

http:// and https:// (https needs ssl=ws.tls_context(...): the server is verified like the
central system's; never unverified). Redirects (301, 302, 303, 307, 308) are followed, at most
3. Anything else (ftp://, ftps://) raises Unsupported. Errors: HttpError (a status other than
2xx, a malformed answer, a broken connection), asyncio.TimeoutError for the connection.
"""
import asyncio

from micropython import const

from ocpp.core import ws

_MAX_LINE = const(2048)
_MAX_HEADERS = const(64)
_MAX_REDIRECTS = const(3)
_PIECE = const(1024)  # body bytes written at a time


class HttpError(Exception):
    """The transfer failed; `status` is the HTTP status when the server answered."""

    def __init__(self, why, status=None):
        super().__init__(why)
        self.status = status


class Unsupported(HttpError):
    """A scheme this client does not speak (ftp://, ftps://)."""


def parse(url):
    """'http[s]://host[:port][/path]' -> (secure, host, port, path); Unsupported for another
    scheme, ValueError for a malformed URL."""
    lower = url[:8].lower()
    if lower.startswith("http://"):
        return ws.parse_url("ws" + url[4:])
    if lower.startswith("https://"):
        return ws.parse_url("wss" + url[5:])
    scheme = url.split(":", 1)[0][:10] if ":" in url else "?"
    raise Unsupported("the %s scheme is not supported (http and https are)" % scheme)


class Response:
    """An answer whose body is read with readinto()."""

    def __init__(self, stream, status, length, chunked):
        self.stream = stream
        self.status = status
        self.length = length  # bytes of the body, or None
        self._left = length  # of the body (Content-Length), or of the current chunk
        self._chunked = chunked
        self._done = length == 0
        self._line = bytearray(16)

    async def readinto(self, mv):
        """Up to len(mv) body bytes into the memoryview mv -> how many; 0 at the end."""
        if self._done:
            return 0
        if self._chunked and not self._left:
            size = (await _line(self.stream)).split(b";")[0].strip()
            try:
                self._left = int(size, 16)
            except ValueError:
                raise HttpError("bad chunk size %r" % size[:20])
            if not self._left:  # the last chunk: trailers up to an empty line
                while await _line(self.stream):
                    pass
                self._done = True
                return 0
        want = len(mv) if self._left is None else min(len(mv), self._left)
        n = await self.stream.readinto(mv[:want])
        if not n:
            if self._left is None:  # the body ends with the connection
                self._done = True
                return 0
            raise HttpError("the connection closed %d bytes before the end" % self._left)
        if self._left is not None:
            self._left -= n
            if not self._left and not self._chunked:
                self._done = True
            elif not self._left:
                await _line(self.stream)  # the CRLF after a chunk
        return n

    async def close(self):
        try:
            await self.stream.wait_closed()
        except Exception:
            pass


async def request(method, url, *, body=None, length=None, headers=(), ssl=None,
                  timeout_ms=30000, name_server=None, content_type=None):
    """Send the request and read the status line and headers; -> Response (2xx), whose body
    the caller reads. `body`: an iterable of bytes / str sent as it is taken, `length` its
    total (bytes; None: chunked). A redirect is followed for GET (and for PUT / POST with a
    307 or 308, when `body` can be iterated again: a list)."""
    for _ in range(_MAX_REDIRECTS + 1):
        secure, host, port, path = parse(url)
        if secure and ssl is None:
            raise HttpError("https:// needs a CA certificate to verify the server")
        stream = await asyncio.wait_for_ms(_connect(host, port, ssl if secure else None,
                                                    name_server), timeout_ms)
        try:
            head = "%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\nUser-Agent: ocpp-mpy\r\n" % (
                method, path, host if port in (80, 443) else "%s:%d" % (host, port))
            for name, value in headers:
                head += "%s: %s\r\n" % (name, value)
            if body is not None:
                if content_type:
                    head += "Content-Type: %s\r\n" % content_type
                head += "Content-Length: %d\r\n" % length if length is not None else \
                    "Transfer-Encoding: chunked\r\n"
            stream.write(head + "\r\n")
            await stream.drain()
            if body is not None:
                await _send_body(stream, body, length is None)
            status, length_in, chunked, location = await asyncio.wait_for_ms(
                _read_head(stream), timeout_ms)
        except BaseException:
            await _closed(stream)
            raise
        if status in (301, 302, 303, 307, 308) and location:
            await _closed(stream)
            if method != "GET" and (status not in (307, 308) or not isinstance(body, list)):
                raise HttpError("redirected (%d) to %s" % (status, location[:80]), status)
            url = location if "://" in location else _join(url, location)
            continue
        if not 200 <= status < 300:
            await _closed(stream)
            raise HttpError("the server answered %d" % status, status)
        return Response(stream, status, length_in, chunked)
    raise HttpError("more than %d redirects" % _MAX_REDIRECTS)


async def _connect(host, port, ssl, name_server):
    addr = host
    if name_server is not None:
        import udp

        addr = await udp.resolve(host, name_server)
    try:
        stream, _ = await asyncio.open_connection(addr, port, ssl=ssl,
                                                  server_hostname=host if ssl else None)
    except (OSError, ValueError) as e:  # TLS verification failures are ValueErrors
        raise HttpError("cannot connect to %s:%d: %r" % (host, port, e))
    return stream


async def _send_body(stream, body, chunked):
    for piece in body:
        if not piece:
            continue
        if chunked:
            stream.write("%x\r\n" % len(piece))
        mv = memoryview(piece)  # a str yields its UTF-8 bytes: no encoded copy
        for i in range(0, len(mv), _PIECE):
            stream.write(mv[i:i + _PIECE])
            await stream.drain()
        if chunked:
            stream.write(b"\r\n")
    if chunked:
        stream.write(b"0\r\n\r\n")
    await stream.drain()


async def _read_head(stream):
    """(status, Content-Length or None, chunked, Location or None)"""
    line = await _line(stream)
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise HttpError("not an HTTP answer: %r" % line[:60])
    status = int(parts[1])
    length, chunked, location = None, False, None
    for _ in range(_MAX_HEADERS):
        line = await _line(stream)
        if not line:
            return status, length, chunked, location
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip()
        if name == b"content-length":
            if not value.isdigit():
                raise HttpError("bad Content-Length %r" % value[:20])
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = value.lower() == b"chunked"
        elif name == b"location":
            location = value.decode()
    raise HttpError("more than %d header lines" % _MAX_HEADERS)


async def _line(stream):
    line = await stream.readline()
    if not line.endswith(b"\n"):
        raise HttpError("the connection closed in the middle of the answer's head")
    if len(line) > _MAX_LINE:
        raise HttpError("a header line over %d bytes" % _MAX_LINE)
    return line.rstrip(b"\r\n")


def _join(url, location):
    # a redirect to a path on the same server
    secure, host, port, _ = parse(url)
    return "%s://%s:%d%s" % ("https" if secure else "http", host, port,
                             location if location.startswith("/") else "/" + location)


async def _closed(stream):
    try:
        await stream.wait_closed()
    except Exception:
        pass
