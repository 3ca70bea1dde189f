"""The CSMS by host name, looked up without blocking the agent: the unix board asks the DNS
server of config "sim": "dns" (here the test's own, on 127.0.0.1) the way a board asks the one
its WiFi network gave, through firmware/udp.py. A name server that does not answer delays the
connection, never the charger: the control port (the same event loop as the connector loops
and the watchdog's feeding) answers meanwhile."""
import socket
import threading
import time

from agent import free_port
from session_helpers import CP


class DnsServer:
    """A UDP name server on 127.0.0.1: A records for ``hosts``, NXDOMAIN otherwise; silent
    while ``silent`` is set. ``asked`` lists the names asked."""

    def __init__(self, hosts):
        self.hosts = hosts
        self.silent = False
        self.asked = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def close(self):
        self._stop = True
        self._thread.join()
        self.sock.close()

    def _serve(self):
        while not self._stop:
            try:
                q, addr = self.sock.recvfrom(512)
            except socket.timeout:
                continue
            i, labels = 12, []
            while q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode())
                i += q[i] + 1
            name = ".".join(labels)
            self.asked.append(name)
            if self.silent:
                continue
            ip = self.hosts.get(name)
            head = bytearray(q[:12])
            head[2], head[3] = 0x81, 0x80 if ip else 0x83
            head[6:8] = b"\x00\x01" if ip else b"\x00\x00"
            out = bytes(head) + q[12:i + 5]
            if ip:
                out += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + socket.inet_aton(ip)
            self.sock.sendto(out, addr)


def test_csms_found_by_name(csms, make_agent):
    dns = DnsServer({"csms.test": "127.0.0.1"})
    try:
        make_agent(None, csms_url="ws://csms.test:%d/ocpp" % csms.port,
                   sim={"control_port": free_port(), "dns": "127.0.0.1:%d" % dns.port})
        csms.wait_for(CP, "BootNotification", timeout=15)
        assert dns.asked == ["csms.test"]
    finally:
        dns.close()


def test_unknown_name_is_logged_and_retried(csms, make_agent):
    dns = DnsServer({})
    try:
        agent = make_agent(None, csms_url="ws://nowhere.test:%d/ocpp" % csms.port,
                           sim={"control_port": free_port(), "dns": "127.0.0.1:%d" % dns.port})
        agent.wait_log("connect failed .*DNS nowhere.test: no such host.*retry in", timeout=10)
        dns.hosts["nowhere.test"] = "127.0.0.1"  # the record appears
        csms.wait_for(CP, "BootNotification", timeout=15)
    finally:
        dns.close()


def test_a_silent_name_server_never_holds_the_charger(csms, make_agent):
    dns = DnsServer({"csms.test": "127.0.0.1"})
    dns.silent = True
    try:
        agent = make_agent(None, csms_url="ws://csms.test:%d/ocpp" % csms.port,
                           sim={"control_port": free_port(), "dns": "127.0.0.1:%d" % dns.port})
        deadline = time.monotonic() + 15
        while len(dns.asked) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(dns.asked) >= 2  # asked, and asked again: a look-up is under way
        # meanwhile the charger works: a session up to the contactor, all within the look-up
        slowest = 0.0
        for line in ("plug", "status", "charge", "status", "unplug", "status"):
            t0 = time.monotonic()
            assert agent.control(line)["ok"]
            slowest = max(slowest, time.monotonic() - t0)
        assert slowest < 0.5, slowest  # not behind the look-up (getaddrinfo would hold it)
        agent.wait_log("connect failed .*DNS csms.test: no answer from 127.0.0.1", timeout=20)
        dns.silent = False
        csms.wait_for(CP, "BootNotification", timeout=20)
    finally:
        dns.close()
