"""Start-up: read config.json, build the board and the agent (startup.py), run until a Reset.

On a board this file runs from the flash root. On the unix port (tools/unix-agent) the first
argument is the state directory that plays the flash root.
"""
import asyncio
import gc
import os
import sys

GC_THRESHOLD = 8192


def main():
    if len(sys.argv) > 1:
        os.chdir(sys.argv[1])
    import startup

    board, cp = startup.build()
    del startup, sys.modules["startup"]  # built once per boot: give its code back
    gc.collect()
    # Collect after every GC_THRESHOLD bytes allocated rather than only when the heap is full:
    # garbage goes before it scatters, so a later block of a few KB still finds room (a
    # heap that is mostly free but fragmented fails just like a full one).
    gc.threshold(GC_THRESHOLD)
    board.heap_after_imports = gc.mem_alloc()
    print("agent: %s starting on %s; heap in use %d, free %d"
          % (cp.cp_id, board.name, gc.mem_alloc(), gc.mem_free()))
    kind = asyncio.run(cp.run())
    board.reset(hard=(kind == "Hard"))


main()
