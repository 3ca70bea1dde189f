"""Start-up: choose the bundle to run, read config.json, build the board and the agent
(startup.py), run until a Reset.

On a board this file runs from the flash root. On the unix port (tools/unix-agent) the first
argument is the state directory that plays the flash root.

The bundle: the files flashed into the root, or an update installed into a slot (app0/,
app1/) by UpdateFirmware; bootslot.py chooses, before any module of a bundle is imported.
"""
import asyncio
import gc
import os
import sys

GC_THRESHOLD = 4096  # bytes allocated between collections, at least
GC_SHARE = 32  # ... or this part of the heap


def main():
    if len(sys.argv) > 1:
        os.chdir(sys.argv[1])
    import bootslot  # from the flashed root: nothing of a bundle is imported before it

    bootslot.choose()
    del bootslot, sys.modules["bootslot"]  # once per boot: give its code back
    import startup

    board, cp = startup.build()
    del startup, sys.modules["startup"]  # built once per boot: give its code back
    gc.collect()
    # Collect after every 1/GC_SHARE of the heap allocated (at least GC_THRESHOLD bytes) rather
    # than only when the heap is full: garbage goes before it scatters, so a later block of a
    # few hundred bytes still finds room (a heap that is mostly free but fragmented fails just
    # like a full one). Measured: boot + configuration in 128k passed 20 runs of 20 at 4 KB, 6
    # of 8 at 8 KB; in a roomy heap collections stay rare, so they cost the answers nothing.
    gc.threshold(max(GC_THRESHOLD, (gc.mem_free() + gc.mem_alloc()) // GC_SHARE))
    board.heap_after_imports = gc.mem_alloc()
    print("agent: %s starting on %s; heap in use %d, free %d"
          % (cp.cp_id, board.name, gc.mem_alloc(), gc.mem_free()))
    kind = asyncio.run(cp.run())
    board.reset(hard=(kind == "Hard"))


main()
