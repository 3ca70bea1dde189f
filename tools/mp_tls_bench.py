# make bench's TLS figures, run by a MicroPython unix binary (tools/bench.py): the heap a TLS
# client session holds once its handshake is done (mbedTLS's record buffers and state), when
# mbedTLS takes its memory from the MicroPython heap (the rp2 port; make firmware BOARD=unix32);
# the pinned unix port's mbedTLS uses the C library's malloc, so there it counts nearly nothing.
#
#     micropython [-X heapsize=N] mp_tls_bench.py <port> <ca.der>
# connects to 127.0.0.1:<port> (a TLS server of tools/bench.py's, certificate for "localhost")
# and prints one JSON object {"context": bytes, "session": bytes}; exits 1 if it did not fit.
import gc
import socket
import sys

import tls


def main():
    port, ca = int(sys.argv[1]), sys.argv[2]
    with open(ca, "rb") as f:
        der = f.read()
    gc.collect()
    base = gc.mem_alloc()
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    ctx.verify_mode = tls.CERT_REQUIRED
    ctx.load_verify_locations(der)
    gc.collect()
    context = gc.mem_alloc() - base
    s = socket.socket()
    s.connect(socket.getaddrinfo("127.0.0.1", port)[0][-1])
    gc.collect()
    before = gc.mem_alloc()
    try:
        t = ctx.wrap_socket(s, server_hostname="localhost")
        t.write(b"hello")
        t.read(5)
    except (OSError, MemoryError) as e:
        print("did not fit: %r" % (e,))
        sys.exit(1)
    gc.collect()
    session = gc.mem_alloc() - before
    t.close()
    print('{"context": %d, "session": %d}' % (context, session))


main()
