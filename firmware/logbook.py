"""The agent's log: every line printed (the serial console; the unix launcher's log file) and kept
on flash in a rolling file, which GetDiagnostics uploads (ocpp/model/diagnostics.py).

    diag.log     the newest lines, each "<epoch seconds> <text>\\n"
    diag.1.log   the lines before: when diag.log passes `size` bytes it becomes diag.1.log
                 (rename: atomic), so the log takes at most 2 x size of flash and survives
                 reboots

Lines collect in a small buffer and reach flash when it fills, FLUSH_S after the oldest line
in it, and when the agent asks (flush(): before an upload, before a reset). A power cut loses
at most those seconds. The OCPP frames of MeterValues and Heartbeat (the bulk of a day's log)
stay out unless `verbose` is on (the vendor key VerboseOcppLog, seed 004: for 24 hours).
"""
import time

from micropython import const

NAME = "diag.log"
OLD = "diag.1.log"
FLUSH_S = const(10)
_VERBOSE_S = const(86400)


class Logbook:
    def __init__(self, store, size=32768, buffer=256):
        self.store = store
        self.size = size
        self.buf = bytearray(buffer)
        self.n = 0
        self.oldest = 0  # when the oldest line in the buffer came
        self.now = time.time  # the charge point's clock replaces it (ocpp/core/clock.py)
        self.verbose_until = 0  # epoch seconds; 0: not verbose
        self.on_verbose_end = None  # fn(): the 24 hours are over

    def __call__(self, line):
        """Log one line."""
        print(line)
        now = self.now()
        if (line.startswith(">> ") or line.startswith("<< ")) and (
                '"MeterValues"' in line or '"Heartbeat"' in line):
            if not self.verbose_until:
                return
            if now >= self.verbose_until:
                self.verbose_until = 0
                if self.on_verbose_end:
                    self.on_verbose_end()
                return
        text = ("%d %s\n" % (now, line)).encode()
        n = len(text)
        if self.n + n > len(self.buf):
            self.flush()
        if n > len(self.buf):
            self._write(text)
            return
        if not self.n:
            self.oldest = now
        self.buf[self.n:self.n + n] = text
        self.n += n
        if now - self.oldest >= FLUSH_S:
            self.flush()

    def verbose(self, on):
        """Log MeterValues and Heartbeat frames too, for 24 hours from now (or stop)."""
        self.verbose_until = self.now() + _VERBOSE_S if on else 0

    def follow(self, config):
        """`verbose` follows the key VerboseOcppLog, which goes false after its 24 hours."""
        config.watch("VerboseOcppLog", self.verbose)
        self.on_verbose_end = lambda: config.set("VerboseOcppLog", False)
        self.verbose(config.get("VerboseOcppLog"))

    def flush(self):
        """Write the buffered lines to flash (never raises: a log must not stop the agent)."""
        if self.n:
            n, self.n = self.n, 0
            self._write(memoryview(self.buf)[:n])

    def _write(self, data):
        append(self.store, NAME, OLD, self.size, data)


def append(store, name, old, size, data):
    """Append `data` to the rolling file `name`, which becomes `old` once it passed `size`
    bytes (the security log rolls the same way). Never raises: a log must not stop the agent."""
    try:
        if store.size(name) >= size:
            store.rename(name, old)
        store.append(name, data)
    except OSError as e:
        print("logbook: cannot write %s: %r" % (name, e))
