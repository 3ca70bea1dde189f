"""WiFi station bring-up with reconnect, and the clock from NTP when reachable.

config.json: "wifi": {"ssid": "...", "password": "...", "hostname": "evse-1" (optional)},
"ntp_host" (optional, default pool.ntp.org). Without "wifi" the board stays offline (the
agent keeps retrying its connection; useful on the bench).

Reconnect: the link is checked every _CHECK_MS; a lost link is re-joined with a back-off from
5 s doubling to 60 s. After each join, and then every _NTP_EVERY_MS, the RTC is set from NTP:
the host resolved through the network's DNS server and asked over UDP without blocking the
event loop (udp.py; ntptime.settime() would hold it for a second per try). If NTP is not
reachable the clock comes from the central system (BootNotification / Heartbeat).

An SNTP request (RFC 4330) is 48 bytes, the first 0x1b (version 3, mode 3: client); the
answer's first byte has mode 4 (server) in its low 3 bits, byte 1 the stratum (0: a
kiss-o'-death, no time), and bytes 40..43 the transmit time, in seconds since 1900.
"""
import asyncio
import time
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

import udp

_CHECK_MS = const(2000)
_JOIN_TIMEOUT_MS = const(15000)
BACKOFF_MIN_MS = const(5000)
BACKOFF_MAX_MS = const(60000)
_NTP_EVERY_MS = const(6 * 3600 * 1000)
_NTP_TIMEOUT_MS = const(3000)
_NTP_PORT = const(123)
_NTP_REQUEST = b"\x1b" + bytes(47)
# 1900 (NTP's epoch) to the port's: 1970 (unix, rp2) or 2000 (esp32)
_NTP_TO_EPOCH = 3155673600 if time.gmtime(0)[0] == 2000 else 2208988800


def failed(status):
    """Whether a WLAN status code says a join attempt has failed for good (no point waiting out
    the timeout): the ports number them differently. rp2 (cyw43): STAT_CONNECT_FAIL -1,
    STAT_NO_AP_FOUND -2, STAT_WRONG_PASSWORD -3; esp32: STAT_BEACON_TIMEOUT 200,
    STAT_NO_AP_FOUND 201, STAT_WRONG_PASSWORD 202, STAT_ASSOC_FAIL 203,
    STAT_HANDSHAKE_TIMEOUT 204 (its good ones are 1000 and up)."""
    return status is not None and (status < 0 or 200 <= status < 300)


class Net:
    """``on_time`` is called with no argument after NTP has set the RTC; ``on_change`` with
    True when the station has joined, False when a joined link is found lost."""

    def __init__(self, settings, log=print):
        wifi = settings.get("wifi") or {}
        self.ssid = wifi.get("ssid")
        self.password = wifi.get("password")
        self.hostname = wifi.get("hostname")
        self.ntp_host = settings.get("ntp_host") or "pool.ntp.org"
        self.log = log
        self.on_time = None
        self.on_change = None
        self.wlan = None
        self.joins = 0
        self.ntp_ok_ms = None  # ticks_ms of the last successful NTP sync
        # timings (attributes so a bench or a test can shorten them)
        self.check_ms = _CHECK_MS
        self.join_timeout_ms = _JOIN_TIMEOUT_MS
        self.backoff_min_ms = BACKOFF_MIN_MS
        self._backoff = BACKOFF_MIN_MS
        self.dns_port = udp.DNS_PORT
        self.ntp_port = _NTP_PORT
        self.ntp_timeout_ms = _NTP_TIMEOUT_MS  # for the look-up, and again for the answer

    @property
    def enabled(self):
        return bool(self.ssid)

    def isconnected(self):
        return self.wlan is not None and self.wlan.isconnected()

    def name_server(self):
        """(address, port) of the DNS server the network gave (DHCP), or None while offline."""
        w = self.wlan
        if w is None or not w.isconnected():
            return None
        return (w.ifconfig()[3], self.dns_port)

    def _wlan(self):
        if self.wlan is None:
            import network

            if self.hostname:
                try:
                    network.hostname(self.hostname)
                except (AttributeError, ValueError, OSError):
                    pass
            self.wlan = network.WLAN(network.STA_IF)
            self.wlan.active(True)
        return self.wlan

    async def join(self):
        """One attempt to join the configured network; True when connected."""
        w = self._wlan()
        if w.isconnected():
            return True
        self.log("net: joining %s" % self.ssid)
        try:
            w.connect(self.ssid, self.password)
        except OSError as e:
            self.log("net: connect failed: %r" % e)
            return False
        t0 = ticks_ms()
        while ticks_diff(ticks_ms(), t0) < self.join_timeout_ms:
            if w.isconnected():
                self.joins += 1
                self.log("net: connected, address %s" % w.ifconfig()[0])
                return True
            if failed(w.status()):  # wrong password, no AP, ...: give up this attempt
                break
            await asyncio.sleep_ms(200)
        self.log("net: join failed (status %s)" % w.status())
        try:
            w.disconnect()
        except OSError:
            pass
        return False

    def _tell(self, up):
        if self.on_change is not None:
            self.on_change(up)

    async def sync_time(self):
        """Set the RTC from NTP; True on success."""
        try:
            host = await udp.resolve(self.ntp_host, self.name_server(), self.ntp_timeout_ms)
            t = await udp.exchange((host, self.ntp_port), _NTP_REQUEST, _ntp_seconds,
                                   self.ntp_timeout_ms)
        except OSError as e:
            self.log("net: NTP %s not reachable: %s" % (self.ntp_host, e))
            return False
        import machine

        tm = time.gmtime(t)
        machine.RTC().datetime((tm[0], tm[1], tm[2], tm[6] + 1, tm[3], tm[4], tm[5], 0))
        self.ntp_ok_ms = ticks_ms()
        self.log("net: clock set from NTP")
        if self.on_time is not None:
            self.on_time()
        return True

    async def run(self):
        """Keep the station connected and the clock synced, forever."""
        if not self.enabled:
            self.log("net: no wifi in config.json: offline")
            return
        up = False
        while True:
            if not self.isconnected():
                if up:
                    up = False
                    self._tell(False)
                if await self.join():
                    up = True
                    self._backoff = self.backoff_min_ms
                    self._tell(True)  # the agent connects at once
                    await self.sync_time()
                else:
                    await asyncio.sleep_ms(self._backoff)
                    self._backoff = min(self._backoff * 2, BACKOFF_MAX_MS)
                    continue
            elif self.ntp_ok_ms is None or ticks_diff(ticks_ms(), self.ntp_ok_ms) > _NTP_EVERY_MS:
                if not await self.sync_time():
                    self.ntp_ok_ms = ticks_add(ticks_ms(), 60000 - _NTP_EVERY_MS)  # retry in 1 min
            await asyncio.sleep_ms(self.check_ms)


def _ntp_seconds(reply):
    """The server's time in the port's epoch seconds, or None for a reply that has none."""
    if len(reply) < 48 or reply[0] & 7 != 4 or reply[1] == 0:
        return None
    return int.from_bytes(reply[40:44], "big") - _NTP_TO_EPOCH
