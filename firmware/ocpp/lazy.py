"""Code that runs for a moment - opening a connection, editing the configuration, answering one
central-system command - is imported when needed and dropped right after, so its bytecode does
not sit in a small heap all day. (Frozen into flash, such modules cost next to nothing.)"""
import sys


def use(name):
    """Import ocpp.<name> (may be dotted: "ops.Reset") and return it."""
    __import__("ocpp." + name)
    return sys.modules["ocpp." + name]


def drop(name):
    """Forget ocpp.<name>: once nothing refers to it, the collector frees its code."""
    full = "ocpp." + name
    sys.modules.pop(full, None)
    parent, _, leaf = full.rpartition(".")
    pkg = sys.modules.get(parent)
    if pkg is not None:
        pkg.__dict__.pop(leaf, None)
