"""Wall-clock time in UTC for OCPP timestamps.

Boards may boot without a real-time clock; the central system's currentTime (BootNotification,
Heartbeat) then sets it. Only an offset against time.time() is kept, so the epoch of the port
(1970 on unix and rp2, 2000 on ESP32) never matters: gmtime/mktime do the calendar work.
"""
import time


class Clock:
    def __init__(self):
        self.offset = 0  # seconds to add to time.time()
        self.synced = False
        self.ntp = False  # the board keeps the time from NTP: the central system's is ignored
        self.on_change = None  # fn(seconds moved) after the time moved by more than a second

    def now(self):
        """Seconds since the port's epoch, corrected by the last sync."""
        return int(time.time()) + self.offset

    def iso(self, t=None):
        """ISO 8601 UTC, e.g. 2026-11-24T08:42:11Z."""
        y, mo, d, h, mi, s = time.gmtime(self.now() if t is None else t)[:6]
        return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (y, mo, d, h, mi, s)

    def sync(self, text):
        """Adopt the central system's time; False (and no change) if it cannot be parsed."""
        t = parse_iso(text)
        if t is None or self.ntp:
            return False
        old, self.offset = self.offset, t - int(time.time())
        self.synced = True
        if abs(self.offset - old) > 1 and self.on_change is not None:
            self.on_change(self.offset - old)
        return True


def parse_iso(text):
    """ISO 8601 date-time with optional fraction and Z or +hh:mm -> port epoch seconds, or None."""
    try:
        if len(text) < 19 or text[4] != "-" or text[7] != "-" or text[10] not in "Tt " \
                or text[13] != ":" or text[16] != ":":
            return None
        y, mo, d = int(text[0:4]), int(text[5:7]), int(text[8:10])
        h, mi, s = int(text[11:13]), int(text[14:16]), int(text[17:19])
        if not (1 <= mo <= 12 and 1 <= d <= 31 and h < 24 and mi < 60 and s < 61):
            return None
        i = 19
        if i < len(text) and text[i] == ".":
            i += 1
            while i < len(text) and "0" <= text[i] <= "9":
                i += 1
        tz = text[i:]
        shift = 0
        if tz in ("Z", "z", ""):
            pass
        elif len(tz) == 6 and tz[0] in "+-" and tz[3] == ":":
            shift = (int(tz[1:3]) * 60 + int(tz[4:6])) * 60
            if tz[0] == "-":
                shift = -shift
        else:
            return None
        return time.mktime((y, mo, d, h, mi, s, 0, 0)) - shift
    except (ValueError, IndexError, OverflowError, TypeError):
        return None
