"""An HTTP(S) file server of the tests' own (CPython), for UpdateFirmware downloads and
GetDiagnostics uploads.

    fs = FileServer().start()                 # or FileServer(ssl_context=...) for https
    fs.files["/fw.bin"] = data                # GET serves it (Content-Length, or chunked)
    fs.fail["/fw.bin"] = [503, 503]           # the next GETs answer these statuses first
    url = fs.url("/fw.bin")
    fs.uploads                                # [(path, body bytes, headers)] of every PUT
    fs.requests                               # [(method, path)] in order
    fs.stop()
"""
import http.server
import threading
import time


class FileServer:
    def __init__(self, ssl_context=None, chunked=False, delay=0.0):
        self.files = {}
        self.fail = {}
        self.uploads = []
        self.requests = []
        self.chunked = chunked
        self.delay = delay  # seconds between 1000-byte pieces of a GET (a slow server)
        self._ssl = ssl_context
        self._server = None

    def start(self):
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _failing(self):
                queue = owner.fail.get(self.path)
                if queue:
                    status = queue.pop(0)
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return True
                return False

            def do_GET(self):
                owner.requests.append(("GET", self.path))
                if self._failing():
                    return
                data = owner.files.get(self.path)
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if owner.delay:
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    for i in range(0, len(data), 1000):
                        self.wfile.write(data[i:i + 1000])
                        self.wfile.flush()
                        time.sleep(owner.delay)
                elif owner.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(data), 1000):
                        piece = data[i:i + 1000]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def do_PUT(self):
                owner.requests.append(("PUT", self.path))
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0], 16)
                        if not size:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self._failing():
                    return
                owner.uploads.append((self.path, body, dict(self.headers)))
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_PUT

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self._ssl is not None:
            self._server.socket = self._ssl.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def port(self):
        return self._server.server_address[1]

    def url(self, path):
        # https: the name the test certificate holds
        return "%s://%s:%d%s" % ("https" if self._ssl else "http",
                                 "localhost" if self._ssl else "127.0.0.1", self.port, path)

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
