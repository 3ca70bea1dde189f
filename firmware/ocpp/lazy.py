"""Code that runs for a moment - opening a connection, editing the configuration - is imported
when needed and dropped right after, so its bytecode does not sit in a small heap all day.
(Frozen into flash, such modules cost next to nothing either way.)"""
import sys


def use(name):
    """Import ocpp.<name> and return it."""
    __import__("ocpp." + name)
    return sys.modules["ocpp." + name]


def drop(name):
    """Forget ocpp.<name>: once nothing refers to it, the collector frees its code."""
    sys.modules.pop("ocpp." + name, None)
    pkg = sys.modules.get("ocpp")
    if pkg is not None:
        pkg.__dict__.pop(name, None)
