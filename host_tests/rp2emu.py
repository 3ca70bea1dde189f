"""The emulated RP2040 for pytest: tools/rp2emu/emulator.mjs (rp2040js under Node.js) running
the rp2 image of make firmware BOARD=rpi_pico, with the project's own boot ROM.

    chip = Rp2Emulator.start()              # boots the image; the REPL is up
    chip.raw_exec("print(1 + 1)")           # -> "2\\n" (mpremote's raw-REPL protocol)
    chip.run(ms=50)                         # emulated time goes on
    chip.drive(12, 1); chip.gpio(15); chip.pwm(0); chip.adc(1, volts=1.2)

Emulated time is what counts: every figure is the chip's own (its 125 MHz clock), the same on
any host. What is missing and why (images, ROM, Node) is named by `missing()`, so the tests
skip with the reason.
"""
import json
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMU_DIR = os.path.join(ROOT, "tools", "rp2emu")
IMAGE = os.environ.get("RP2_IMAGE") or os.path.join(ROOT, "build", "firmware", "rpi_pico", "obj",
                                                     "firmware.bin")
ROM = os.path.join(ROOT, "build", "rp2emu", "bootrom.bin")

RAW_PROMPT = "raw REPL; CTRL-B to exit\r\n>"


def missing():
    """Why the emulator cannot run here, or None."""
    if not os.path.exists(IMAGE):
        return ("no rp2 image (%s): make firmware BOARD=rpi_pico MICROPY_DIR=<micropython "
                "v1.28 tree>" % os.path.relpath(IMAGE, ROOT))
    if not shutil.which("node"):
        return "no Node.js (Debian: apt-get install nodejs npm)"
    if not os.path.isdir(os.path.join(EMU_DIR, "node_modules", "rp2040js")):
        return "rp2040js not installed: make test-rp2 installs it (npm ci in tools/rp2emu)"
    if not os.path.exists(ROM):
        return "no boot ROM (%s): make test-rp2 builds it" % os.path.relpath(ROM, ROOT)
    return None


class EmulatorError(Exception):
    pass


class DeviceError(Exception):
    """An exception raised by code run on the chip (its traceback is the message)."""


class Rp2Emulator:
    def __init__(self, proc):
        self._proc = proc
        self.t_us = 0.0
        self.output = ""  # everything the chip printed, for failure messages

    @classmethod
    def start(cls, image=IMAGE, boot_ms=3000):
        proc = subprocess.Popen(["node", os.path.join(EMU_DIR, "emulator.mjs"), "--rom", ROM,
                                 "--image", image], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, cwd=EMU_DIR)
        chip = cls(proc)
        chip.wait_repl(boot_ms)
        return chip

    def wait_repl(self, ms=3000):
        """Wait for the REPL after a boot: MicroPython's USB serial port only talks once the
        host has connected (DTR), so the prompt is asked for with a newline."""
        self.run(ms=ms // 2)
        self.write("\r\n")
        self.expect(">>> ", ms - ms // 2)
        self._raw = False

    def close(self):
        if self._proc.poll() is None:
            try:
                self._request("quit")
            except (EmulatorError, OSError, ValueError):
                pass
            self._proc.wait(10)

    # -- the wire to emulator.mjs -------------------------------------------------------------
    def _request(self, op, **kw):
        kw["op"] = op
        try:
            self._proc.stdin.write(json.dumps(kw) + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise EmulatorError("the emulator has exited (%s)" % self._proc.poll())
        line = self._proc.stdout.readline()
        if not line:
            raise EmulatorError("the emulator has exited (%s)" % self._proc.wait(10))
        answer = json.loads(line)
        if "error" in answer:
            raise EmulatorError(answer["error"])
        self.t_us = answer["t_us"]
        return answer

    # -- time and the serial port -------------------------------------------------------------
    def run(self, ms=0, us=0, until=None):
        """Let ``ms`` (+ ``us``) of emulated time pass, or less when the chip prints
        ``until``; True when it did."""
        a = self._request("run", us=ms * 1000 + us, until=until)
        return a.get("found")

    def write(self, data):
        self._request("write", data=data)

    def read(self):
        out = self._request("read")["data"]
        self.output += out
        return out

    def expect(self, text, ms=2000):
        """The output up to and including ``text``; EmulatorError if it does not come within
        ``ms`` of emulated time."""
        got = ""
        deadline = self.t_us + ms * 1000
        while True:
            got += self.read()
            if text in got:
                return got
            if self.t_us >= deadline:
                raise EmulatorError("no %r within %d ms of emulated time; got %r; events %r"
                                    % (text, ms, got[-2000:], self.events()))
            self.run(us=min(deadline - self.t_us, 200000), until=text)

    # -- mpremote's raw REPL ------------------------------------------------------------------
    def enter_raw(self):
        self.write("\r\x03\x03")  # interrupt whatever runs
        self.run(ms=50)
        self.read()
        self.write("\r\x01")
        self.expect(RAW_PROMPT)

    def exit_raw(self):
        self.write("\r\x02")
        self.expect(">>> ")

    def raw_exec(self, code, ms=10000, wait=True):
        """Run ``code`` on the chip (in raw REPL mode, which this enters if need be) and
        return what it printed; DeviceError with the traceback if it raised. ``wait`` False:
        return once the chip has accepted the code (collect with raw_result)."""
        if not getattr(self, "_raw", False):
            self.enter_raw()
            self._raw = True
        self.write(code + "\x04")
        self.expect("OK", ms=max(2000, len(code) // 4))
        if not wait:
            return None
        return self.raw_result(ms)

    def raw_result(self, ms=10000):
        """What the code started by raw_exec(wait=False) printed, once it has finished."""
        got = self.expect("\x04>", ms)
        # OK<stdout>\x04<stderr>\x04>
        body = got.split("\x04>")[0]
        out, _, err = body.partition("\x04")
        out = out[out.find("OK") + 2:] if out.startswith("OK") else out
        if err:
            raise DeviceError(err)
        return out.replace("\r\n", "\n")

    # -- the chip's pins and peripherals ------------------------------------------------------
    def gpio(self, *pins):
        """Each pin's driven level (1/0), or None for a pin that is not an output."""
        levels = self._request("gpio", pins=list(pins))["levels"]
        out = [levels[str(p)] for p in pins]
        return out[0] if len(pins) == 1 else out

    def drive(self, pin, level):
        """Drive an input pin from outside (0/1), None to let go."""
        self._request("drive", pin=pin, level=level)

    def pulses(self, pin, count, period_us, width_us, level=0):
        """A train of ``count`` pulses to ``level`` on ``pin``, starting now."""
        self._request("pulses", pin=pin, count=count, period_us=period_us, width_us=width_us,
                      level=level)

    def adc(self, channel, volts):
        """A steady voltage on ADC ``channel`` (0-3 = GP26-GP29)."""
        self._request("adc", channel=channel, volts=volts)

    def adc_follow(self, channel, pin, high, low):
        """ADC ``channel`` reads ``high`` counts (read_u16 scale) while ``pin`` is high and
        ``low`` while it is low."""
        self._request("adc_pwm", channel=channel, pin=pin, high=high, low=low)

    def pwm(self, slice_):
        """The PWM slice's registers and what they make: freq_hz, duty_a, duty_b."""
        return self._request("pwm", slice=slice_)

    def watch(self, *pins):
        self._request("edges", pins=list(pins))

    def edges(self):
        """[(t_us, pin, level)] recorded since the last call for the watched pins."""
        return [tuple(e) for e in self._request("take_edges")["edges"]]

    def events(self):
        """Resets (watchdog, forced) and breakpoints (faults) so far."""
        return self._request("events")["events"]

    def mirror(self, source, target, invert=False):
        """Input pin ``target`` follows output pin ``source`` (None: it stops following)."""
        self._request("mirror", **{"from": source, "to": target, "invert": invert})

    def card_reader(self, spi, cs):
        """An MFRC522 on SPI bus ``spi`` (0/1) with chip select on GPIO ``cs``."""
        self._request("mfrc522", spi=spi, cs=cs)

    def card(self, uid_hex):
        """An ISO 14443-A card with this UID (hex) in the reader's field; None: no card."""
        return self._request("card", uid=uid_hex)["frames"]
