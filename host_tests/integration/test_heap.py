"""make bench's scenarios in a heap as small as a board's: boot + configuration in
MICROPY_HEAP=144k, a charging session (every measurand sampled each second) in 176k; on the
32-bit images (make test-image) in the heaps of HEAPS below.

The 64-bit unix port counts 1.45 times a 32-bit build's bytes, and .mpy code lives in the heap
(frozen code stays in flash): make bench, section images. The agent runs from the compiled
bundle (see conftest.py), linked into the state directory as a board keeps it in its flash root
(tools/unix-agent).

make bench finds the smallest heaps: 135-136k and 146-152k (the same build passes or fails
at 146-151k from run to run: when a collection falls and how messages interleave decide which
holes are left). GetConfiguration's answer is the tight moment of the first: the names of every
module it loads stay interned in the heap for good, some 9 KB, which frozen code keeps in
flash. A CI machine under a full suite's load failed the session at 152k, so these figures
leave 8 KB above the worst run seen. (Session 7: with the certificate work the session failed
at 160k in 2 runs of 3 and at 168k in 1 of 2, always the same way: importing
ops.StopTransaction finds no 1,280 contiguous bytes, even with every cached module evicted.
Resident code grew only 0.6 KB: the holes moved. 176k passed 4 of 4. Frozen code, issue 13,
is the real cure.) So: a change that needs more than that fails here, and one
that needs more heap must give some back, or raise the figure here with its measurements in
the commit (make bench prints them to the KB). The module cache
(ocpp/core/cache.py) keeps a quarter of the heap free here, so every module loaded for a moment
goes when it is done, as on a board.
"""

import os
import subprocess

import pytest
from scenarios import Driver, Failed, boot_and_configuration, charging_session

# The resident agent after start-up (bytes, this 64-bit port, from .mpy): about 115.2 KB now
# (Smart Charging took 3.9 KB; the Local Auth List profile 1.3 KB: its keys, the streaming
# hook in the link and the RPC, the unix board's loop-lag probe; Firmware Management 4.1 KB:
# the log on flash, which every line goes through (0.9 KB with its buffer), the names the
# boot-slot choice and the new keys intern, the update's and the upload's state, the store's
# append / size / rename; the security events 1.6 KB: StartupOfTheDevice raised during
# start-up, whose modules leave their names interned, GetLog's state, the whitepaper's entry
# in the registry; certificates and the last events 0.6 KB: seven more actions in the
# registry, four keys, the clock's and the RPC's hooks for SettingSystemTime and
# MemoryExhaustion, the root the TLS link ended at). More is a decision, not an accident:
# raise it with the figures in the commit.
RESIDENT_BUDGET = 116 * 1024

# On the images of `make firmware BOARD=unix32 [FREEZE=0]` (make test-image, or
# AGENT_MICROPYTHON): the same scenarios in a board's terms. make bench (section images)
# measured, on 2026-12-05: 32-bit .mpy 81,664 B after imports, smallest heaps 101k / 116k;
# 32-bit frozen 26,896 B, 39k / 44k. The heaps below leave 8 KB above those (the .mpy
# session 12 KB: 128k is the round figure a board-sized heap was always meant to pass), and
# the budgets under 1 KB, as above.
# runtime -> (boot + configuration heap, session heap, resident budget in bytes)
HEAPS = {"64-bit .mpy": ("144k", "176k", RESIDENT_BUDGET),
         "32-bit .mpy": ("109k", "128k", 80 * 1024),
         "32-bit frozen": ("47k", "52k", 27 * 1024)}


def runtime():
    """Which runtime the agent runs on: the pinned 64-bit port, or a 32-bit image with the
    agent frozen in or not (tools/unix-agent's AGENT_MICROPYTHON)."""
    binary = os.environ.get("AGENT_MICROPYTHON")
    if not binary:
        return "64-bit .mpy"
    r = subprocess.run([binary, "-c", "import sys\ntry:\n import ocpp\n f = 1\n"
                        "except ImportError:\n f = 0\nprint(sys.maxsize > 2 ** 32, f)"],
                       capture_output=True, text=True, env=dict(os.environ, MICROPYPATH=".frozen"),
                       timeout=30)
    wide, frozen = r.stdout.split()
    if wide == "True":
        assert frozen == "0", "a 64-bit image with the agent frozen in has no figures here"
        return "64-bit .mpy"
    return "32-bit frozen" if frozen == "1" else "32-bit .mpy"


BOOT_HEAP, SESSION_HEAP, BUDGET = HEAPS[runtime()]

CP = "CP_1"


def drive(csms, agent, scenario):
    """Run one of make bench's scenarios (tools/scenarios.py) on this agent; the heap figures."""
    d = Driver(csms, agent, CP, timeout=60)
    try:
        scenario(d)
        d.check()
    except Failed as e:
        pytest.fail(str(e), pytrace=False)
    return d.status()["heap"]


def test_boot_and_configuration_in_a_board_sized_heap(csms, make_agent):
    """144k on the pinned port; BOOT_HEAP on a 32-bit image."""
    csms.cs.boot_interval = 2  # the scenario waits for a Heartbeat
    heap = drive(csms, make_agent(csms, heap=BOOT_HEAP), boot_and_configuration)
    assert heap["after_imports"] <= BUDGET, heap


def test_charging_session_in_a_board_sized_heap(csms, make_agent):
    """176k on the pinned port; SESSION_HEAP on a 32-bit image."""
    heap = drive(csms, make_agent(csms, heap=SESSION_HEAP), charging_session)
    assert heap["after_imports"] <= BUDGET, heap
