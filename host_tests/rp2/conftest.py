"""The rp2 board code and the EVSE layer on an emulated RP2040 (host_tests/rp2emu.py): each
test boots the image of make firmware BOARD=rpi_pico in a fresh chip. Without an image (or
Node.js, or the emulator's packages) every test here skips and says what is missing."""
import ast
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "unit", "fake_machine"))

import pilot_world  # noqa: E402  (the pilot's equations, shared with the unit tests' world)
import rp2emu  # noqa: E402

# boards/rpi_pico_w/board.py's pin map, which the image's frozen board module uses
PINS = {"pilot_pwm": 16, "pilot_adc": 26, "contactor": 15, "contactor_fb": 14, "s0": 13,
        "rcd": 12, "rcd_test": 11, "lock_a": 10, "lock_b": 9, "lock_fb": 8}
PILOT_ADC_CHANNEL = 0  # GP26


def pytest_collection_modifyitems(config, items):
    why = rp2emu.missing()
    if why:
        for item in items:
            if item.fspath.dirname == HERE:
                item.add_marker(pytest.mark.skip(reason=why))


class Rig:
    """host_tests/rp2/rig.py running on ``chip``: the board from ``settings`` and an Evse."""

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
            raise rp2emu.DeviceError("%s: %s" % (src, line[1:]))
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


@pytest.fixture
def chip():
    c = rp2emu.Rp2Emulator.start()
    yield c
    c.close()
    assert "Traceback" not in c.output, c.output[-3000:]


@pytest.fixture
def rig(chip):
    return Rig(chip, {})
