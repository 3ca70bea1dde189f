"""Test helper: which modules ocpp/lazy.py imports while a function runs (MicroPython)."""
from ocpp import lazy


def imports_during(fn):
    """The names passed to lazy.use() while fn() runs, in order; fn's result is discarded."""
    used = []
    use = lazy.use

    def spy(name):
        used.append(name)
        return use(name)

    lazy.use = spy
    try:
        fn()
    finally:
        lazy.use = use
    return used
