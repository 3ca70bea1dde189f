"""make bench's scenarios in a heap as small as a board's: boot + configuration in
MICROPY_HEAP=144k, a charging session (every measurand sampled each second) in 176k.

The 64-bit unix port counts about 1.45 times a 32-bit board's bytes (issue 13's 32-bit build),
and .mpy code lives in the heap (frozen code would live in flash). The agent runs from the compiled bundle (see conftest.py),
linked into the state directory as a board keeps it in its flash root (tools/unix-agent).

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


def test_boot_and_configuration_in_144k(csms, make_agent):
    csms.cs.boot_interval = 2  # the scenario waits for a Heartbeat
    heap = drive(csms, make_agent(csms, heap="144k"), boot_and_configuration)
    assert heap["after_imports"] <= RESIDENT_BUDGET, heap


def test_charging_session_in_176k(csms, make_agent):
    heap = drive(csms, make_agent(csms, heap="176k"), charging_session)
    assert heap["after_imports"] <= RESIDENT_BUDGET, heap
