"""WiFi station bring-up with reconnect, and the clock from NTP when reachable.

config.json: "wifi": {"ssid": "...", "password": "...", "hostname": "evse-1" (optional)},
"ntp_host" (optional, default pool.ntp.org). Without "wifi" the board stays offline (the
agent keeps retrying its connection; useful on the bench).

Reconnect: the link is checked every _CHECK_MS; a lost link is re-joined with a back-off from
5 s doubling to 60 s. After each join, and then every _NTP_EVERY_MS, the RTC is set from NTP
(ntptime.settime() blocks for at most ``ntptime.timeout`` s: kept at 1 s). If NTP is not
reachable the clock comes from the central system (BootNotification / Heartbeat).
"""
import asyncio
from time import ticks_add, ticks_diff, ticks_ms

from micropython import const

_CHECK_MS = const(2000)
_JOIN_TIMEOUT_MS = const(15000)
BACKOFF_MIN_MS = const(5000)
BACKOFF_MAX_MS = const(60000)
_NTP_EVERY_MS = const(6 * 3600 * 1000)


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

    @property
    def enabled(self):
        return bool(self.ssid)

    def isconnected(self):
        return self.wlan is not None and self.wlan.isconnected()

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

    def sync_time(self):
        """Set the RTC from NTP; True on success."""
        import ntptime

        ntptime.host = self.ntp_host
        ntptime.timeout = 1
        try:
            ntptime.settime()
        except (OSError, OverflowError, IndexError) as e:
            self.log("net: NTP %s not reachable: %r" % (self.ntp_host, e))
            return False
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
                    self.sync_time()
                else:
                    await asyncio.sleep_ms(self._backoff)
                    self._backoff = min(self._backoff * 2, BACKOFF_MAX_MS)
                    continue
            elif self.ntp_ok_ms is None or ticks_diff(ticks_ms(), self.ntp_ok_ms) > _NTP_EVERY_MS:
                if not self.sync_time():
                    self.ntp_ok_ms = ticks_add(ticks_ms(), 60000 - _NTP_EVERY_MS)  # retry in 1 min
            await asyncio.sleep_ms(self.check_ms)
