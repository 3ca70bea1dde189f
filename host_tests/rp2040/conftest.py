"""The rp2 board code and the EVSE layer on an emulated RP2040 (host_tests/rp2emu.py): each
test boots the image of make firmware BOARD=rpi_pico in a fresh chip. Without an image (or
Node.js, or the emulator's packages) every test here skips and says what is missing."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
for p in (HERE, os.path.dirname(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import rp2emu  # noqa: E402
from rp2rig import Rig  # noqa: E402


def pytest_collection_modifyitems(config, items):
    why = rp2emu.missing()
    if why:
        for item in items:
            if item.fspath.dirname == HERE:
                item.add_marker(pytest.mark.skip(reason=why))


@pytest.fixture
def chip():
    c = rp2emu.Rp2Emulator.start()
    yield c
    c.close()
    assert "Traceback" not in c.output, c.output[-3000:]


@pytest.fixture
def rig(chip):
    return Rig(chip, {})
