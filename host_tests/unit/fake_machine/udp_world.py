"""The network's DNS and NTP servers for the board tests: one UDP socket on 127.0.0.1 that
answers DNS A queries for the names in ``hosts`` and SNTP requests with ``unix_time``, run as a
task in the test's own event loop. ``silent`` keeps it from answering (a server that is down or
too slow); ``asked`` lists what it was asked ("dns NAME" / "ntp")."""
import asyncio
import socket
import time


class Ticker:
    """A task that notes the time every 10 ms: gaps() shows whether anything held the event
    loop meanwhile (a blocking look-up would leave a gap as long as itself)."""

    def __init__(self):
        self.ticks = []
        self._task = asyncio.create_task(self._run())

    async def _run(self):
        while True:
            self.ticks.append(time.ticks_ms())
            await asyncio.sleep_ms(10)

    def stop(self):
        self._task.cancel()

    def longest_gap(self):
        t = self.ticks
        return max(time.ticks_diff(b, a) for a, b in zip(t, t[1:]))


class UdpWorld:
    def __init__(self, port, hosts=None, unix_time=1764936000):
        self.port = port
        self.hosts = hosts or {}
        self.unix_time = unix_time
        self.silent = False
        self.asked = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(socket.getaddrinfo("127.0.0.1", port)[0][-1])
        self._sock.setblocking(False)
        self._task = asyncio.create_task(self._serve())

    def close(self):
        self._task.cancel()
        self._sock.close()

    async def _serve(self):
        while True:
            try:
                data, addr = self._sock.recvfrom(512)
            except OSError:
                await asyncio.sleep_ms(5)
                continue
            reply = self._ntp(data) if len(data) == 48 and data[0] & 7 == 3 else self._dns(data)
            if reply is not None and not self.silent:
                self._sock.sendto(reply, addr)

    def _ntp(self, data):
        self.asked.append("ntp")
        r = bytearray(48)
        r[0] = 0x1C  # version 3, mode 4 (server)
        r[1] = 2  # stratum
        r[40:44] = (self.unix_time + 2208988800).to_bytes(4, "big")
        return bytes(r)

    def _dns(self, q):
        i, labels = 12, []
        while q[i]:
            labels.append(bytes(q[i + 1:i + 1 + q[i]]).decode())
            i += q[i] + 1
        name = ".".join(labels)
        self.asked.append("dns " + name)
        end = i + 5
        addr = self.hosts.get(name)
        head = bytearray(q[:12])
        head[2] = 0x81
        head[3] = 0x80 if addr else 0x83  # NXDOMAIN for a name it does not know
        head[6:8] = b"\x00\x01" if addr else b"\x00\x00"
        out = head + q[12:end]
        if addr:
            out += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04"
            out += bytes(int(p) for p in addr.split("."))
        return bytes(out)
