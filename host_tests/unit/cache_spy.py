"""Test helper: which modules ocpp/core/cache.py imports while a function runs (MicroPython)."""
from ocpp.core import cache


def imports_during(fn):
    """The names passed to cache.use() while fn() runs, in order; fn's result is discarded."""
    used = []
    use = cache.use

    def spy(name):
        used.append(name)
        return use(name)

    cache.use = spy
    try:
        fn()
    finally:
        cache.use = use
    return used
