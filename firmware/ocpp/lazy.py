"""Code that runs for a moment - opening a connection, editing the configuration, answering one
central-system command - is imported when needed and dropped right after, so its bytecode does
not sit in a small heap all day. (Frozen into flash, such modules cost next to nothing.)"""
import gc
import sys


def use(name):
    """Import ocpp.<name> (may be dotted: "ops.Reset") and return it."""
    full = "ocpp." + name
    mod = sys.modules.get(full)
    if mod is None:
        # Collect first: the module's code (hundreds of blocks, most of them kept until it is
        # dropped) then fills the lowest holes of a heap with no garbage in it, instead of
        # landing beyond garbage that is freed a moment later and leaves holes too small for
        # the next module. Measured (make bench): boot + configuration passes in a 128k heap
        # every time with it, and in few runs without. Only when the module is not already
        # there: callers ask for a loaded one often (the session code on every meter tick).
        gc.collect()
        __import__(full)
        mod = sys.modules[full]
    return mod


def drop(name):
    """Forget ocpp.<name>: once nothing refers to it, the collector frees its code."""
    full = "ocpp." + name
    sys.modules.pop(full, None)
    parent, _, leaf = full.rpartition(".")
    pkg = sys.modules.get(parent)
    if pkg is not None:
        pkg.__dict__.pop(leaf, None)
