"""The test side of host_tests/rp2040/rig.py: the EV, the wiring around the board, and a line
protocol to look inside the chip while its loop runs (used by the tests and tools/rp2_bench.py).
"""
import ast
import importlib.util
import os

import rp2emu

HERE = os.path.dirname(os.path.abspath(__file__))


def _pilot_world():
    # the pilot's equations, shared with the unit tests' simulated world (that directory is not
    # put on the path: its fake machine module must not shadow anything here)
    path = os.path.join(os.path.dirname(HERE), "unit", "fake_machine", "pilot_world.py")
    spec = importlib.util.spec_from_file_location("pilot_world", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


pilot_world = _pilot_world()

# boards/rpi_pico_w/board.py's pin map, which the image's frozen board module uses
PINS = {"pilot_pwm": 16, "pilot_adc": 26, "contactor": 15, "contactor_fb": 14, "s0": 13,
        "rcd": 12, "rcd_test": 11, "lock_a": 10, "lock_b": 9, "lock_fb": 8, "rfid_cs": 5}
RFID_SPI = 0  # the board's card reader is on SPI0 (GP2-GP4)
PILOT_ADC_CHANNEL = 0  # GP26

# On the chip: three charging profiles as ocpp/model/schedule.py keeps them (a
# ChargePointMaxProfile and a TxDefaultProfile of 24 hourly periods, a TxProfile of 32
# quarter-hours) in `groups`, from T0: a day's composite schedule has some 80 moments.
SCHEDULE_SRC = r"""
from ocpp.model import schedule

def profile(pid, purpose, stack, start, n, step, first):
    per = []
    for i in range(n):
        per += [i * step, first - 10 * (i % 7), 0]
    return {"id": pid, "purpose": purpose, "stack": stack, "connector": 1, "tx": None,
            "kind": "Absolute", "recur": None, "from": None, "to": None, "start": start,
            "duration": n * step, "unit": "A", "min": None, "periods": per}

T0 = 800000000
groups = ([[profile(1, "ChargePointMaxProfile", 0, T0, 24, 3600, 320)]],
          [[profile(2, "TxProfile", 1, T0 + 600, 32, 900, 250)],
           [profile(3, "TxDefaultProfile", 0, T0, 24, 3600, 160)]])
"""


class Rig:
    """host_tests/rp2040/rig.py running on ``chip``: the board from ``settings`` and an Evse."""

    def __init__(self, chip, settings):
        self.chip = chip
        self._n = 0
        with open(os.path.join(HERE, "rig.py")) as f:
            src = f.read().replace("SETTINGS = {}", "SETTINGS = %r" % (settings,))
        # the world before the board starts: a healthy RCM module whose test winding trips it,
        # the contactor's auxiliary contact following its coil, no EV on the pilot
        chip.mirror(PINS["rcd_test"], PINS["rcd"])
        chip.mirror(PINS["contactor"], PINS["contactor_fb"])
        chip.drive(PINS["s0"], 1)  # the pull-up's idle level
        chip.card_reader(RFID_SPI, PINS["rfid_cs"])  # an MFRC522, no card in its field
        self.ev("A")
        chip.raw_exec(src, wait=False)
        chip.expect("rig: ready", ms=5000)

    def ev(self, state, diode=True):
        """The EV on the pilot: state A..E (E: CP shorted), with or without its diode."""
        high = pilot_world.counts(pilot_world.cp_volts(pilot_world.V_DRIVE, state, diode))
        low = pilot_world.counts(pilot_world.cp_volts(-pilot_world.V_DRIVE, state, diode))
        self.chip.adc_follow(PILOT_ADC_CHANNEL, PINS["pilot_pwm"], high, low)

    def call(self, src, ms=2000):
        """Evaluate ``src`` on the chip while the rig's loop runs (``!stmt`` executes a
        statement); the value, or rp2emu.DeviceError with the chip's exception."""
        self._n += 1
        tag = "\x1e%d " % self._n
        self.chip.write("%d %s\n" % (self._n, src))
        got = self.chip.expect(tag, ms)
        got = got[got.index(tag) + len(tag):]
        while "\n" not in got:
            got += self.chip.expect("\n", ms)
        line = got.split("\n", 1)[0].rstrip("\r")
        if line.startswith("!"):
            raise rp2emu.DeviceError("%s: %s" % (src[:80], line[1:]))
        try:
            return ast.literal_eval(line)
        except (ValueError, SyntaxError):
            return line

    def until(self, src, ms=2000, step_ms=10):
        """Let emulated time pass until ``src`` is true on the chip; the time it took (ms)."""
        t0 = self.chip.t_us
        while not self.call(src):
            if self.chip.t_us - t0 > ms * 1000:
                raise AssertionError("%s not true within %d ms of emulated time; output: %s"
                                     % (src, ms, self.chip.output[-1500:]))
            self.chip.run(ms=step_ms)
        return (self.chip.t_us - t0) / 1000

    def charge(self, amps=16):
        """EV plugged, authorised, charging: the contactor closed."""
        self.ev("B")
        self.until("e.state == 'B'")
        self.call("!e.offer(%d); e.allow(True)" % amps)
        self.ev("C")
        self.until("e.relay_closed", 3000)
        assert self.chip.gpio(PINS["contactor"]) == 1

    def open_after(self, change, ms=150):
        """Do ``change()`` (something to the world) and let ``ms`` of emulated time pass: how
        long after the change the contactor's GPIO fell (us, the emulator's clock), or None."""
        chip = self.chip
        chip.watch(PINS["contactor"])
        t0 = chip.t_us
        change()
        chip.run(ms=ms)
        fell = [t for t, pin, level in chip.edges() if pin == PINS["contactor"] and level == 0]
        return fell[0] - t0 if fell else None
