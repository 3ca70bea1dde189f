# ocpp/core/http.py against fake streams (MicroPython): bodies by Content-Length, chunked and
# to the close, redirects, statuses, malformed answers, and what a PUT puts on the wire.

from ocpp.core import http


class FakeStream:
    def __init__(self, answer, piece=7):
        self.data = answer
        self.at = 0
        self.piece = piece
        self.sent = b""
        self.closed = False

    async def readline(self):
        end = self.data.find(b"\n", self.at)
        end = len(self.data) if end < 0 else end + 1
        line, self.at = self.data[self.at:end], end
        return line

    async def readinto(self, mv):
        n = min(len(mv), self.piece, len(self.data) - self.at)
        mv[:n] = self.data[self.at:self.at + n]
        self.at += n
        return n

    def write(self, data):
        self.sent += bytes(data) if not isinstance(data, str) else data.encode()

    async def drain(self):
        pass

    async def wait_closed(self):
        self.closed = True


def serve(*answers):
    """http._connect replaced: each connection gets the next answer; -> the streams made."""
    made = []
    queue = list(answers)

    async def connect(host, port, ssl, name_server):
        s = FakeStream(queue.pop(0))
        s.host, s.port = host, port
        made.append(s)
        return s

    http._connect = connect
    return made


async def body_of(resp, size=5):
    buf = bytearray(size)
    out = b""
    while True:
        n = await resp.readinto(memoryview(buf))
        if not n:
            return out
        out += buf[:n]


async def test_bodies_by_length_chunked_and_to_the_close():
    for answer, want in (
            (b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world", b"hello world"),
            (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: y\r\n\r\n", b"hello world"),
            (b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nuntil the end", b"until the end"),
            (b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", b"")):
        made = serve(answer)
        resp = await http.request("GET", "http://files.example:8080/a/b?c=1")
        assert await body_of(resp) == want, answer
        await resp.close()
        assert made[0].closed and (made[0].host, made[0].port) == ("files.example", 8080)
        assert made[0].sent.startswith(b"GET /a/b?c=1 HTTP/1.1\r\nHost: files.example:8080\r\n")


async def test_redirects_are_followed_for_get():
    made = serve(b"HTTP/1.1 302 Found\r\nLocation: /moved/fw.bin\r\nContent-Length: 0\r\n\r\n",
                 b"HTTP/1.1 301 Moved\r\nLocation: http://other.example/fw.bin\r\n\r\n",
                 b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    resp = await http.request("GET", "http://files.example/fw.bin")
    assert await body_of(resp) == b"ok"
    assert [s.sent.split(b"\r\n")[0] for s in made] == [
        b"GET /fw.bin HTTP/1.1", b"GET /moved/fw.bin HTTP/1.1", b"GET /fw.bin HTTP/1.1"]
    assert made[2].host == "other.example"
    serve(*[b"HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n"] * 5)
    try:
        await http.request("GET", "http://files.example/loop")
        assert False
    except http.HttpError as e:
        assert "redirects" in str(e)


async def test_statuses_and_malformed_answers_raise():
    for answer, why, status in (
            (b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", "404", 404),
            (b"SSH-2.0-OpenSSH\r\n", "not an HTTP answer", None),
            (b"HTTP/1.1 200 OK\r\nContent-Length: 12x\r\n\r\n", "Content-Length", None),
            (b"HTTP/1.1 200 OK\r\nContent-Len", "head", None)):
        serve(answer)
        try:
            await http.request("GET", "http://files.example/x")
            assert False, answer
        except http.HttpError as e:
            assert why in str(e) and e.status == status, (answer, e)
    serve(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")
    resp = await http.request("GET", "http://files.example/x")
    try:
        await body_of(resp)
        assert False
    except http.HttpError as e:
        assert "5 bytes before the end" in str(e)


async def test_schemes():
    assert http.parse("https://h.example/p") == (True, "h.example", 443, "/p")
    assert http.parse("HTTP://h.example:81") == (False, "h.example", 81, "/")
    for url in ("ftp://h.example/x", "ftps://h/x", "file:///etc"):
        try:
            http.parse(url)
            assert False, url
        except http.Unsupported as e:
            assert "not supported" in str(e)
    try:
        await http.request("GET", "https://h.example/x")  # no CA: never unverified
        assert False
    except http.HttpError as e:
        assert "CA" in str(e)


async def test_a_put_streams_its_body_with_a_length_or_chunked():
    made = serve(b"HTTP/1.1 201 Created\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\n")
    resp = await http.request("PUT", "http://up.example/d.log", body=[b"abc", "d\u00e9", b""],
                              length=6, content_type="text/plain")
    assert resp.status == 201
    head, _, body = made[0].sent.partition(b"\r\n\r\n")
    assert b"Content-Length: 6" in head and b"Content-Type: text/plain" in head
    assert body == "abcd\u00e9".encode()
    await http.request("PUT", "http://up.example/d.log", body=iter([b"abc", b"de"]))
    head, _, body = made[1].sent.partition(b"\r\n\r\n")
    assert b"Transfer-Encoding: chunked" in head
    assert body == b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
