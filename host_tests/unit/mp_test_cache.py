"""ocpp/core/cache.py: modules stay loaded while the heap has room, go under pressure."""
import gc
import sys

from ocpp.core import cache

ROOMY = 0  # keep no free heap: nothing is ever evicted for room
TIGHT = 1 << 30  # more than any heap: every module goes when done (a small board)


def fresh(reserve):
    cache.evict()
    cache.set_reserve(reserve)


def test_use_imports_the_module_and_a_hit_returns_the_same_object():
    fresh(ROOMY)
    mod = cache.use("ops.ClearCache")
    assert mod is sys.modules["ocpp.ops.ClearCache"]
    assert hasattr(mod, "handle")
    assert cache.use("ops.ClearCache") is mod
    assert [m[5:] for m in cache._lru] == ["ops.ClearCache"]


def test_in_a_roomy_heap_done_keeps_the_module():
    fresh(ROOMY)
    mod = cache.use("ops.ClearCache")
    cache.done("ops.ClearCache")
    assert sys.modules.get("ocpp.ops.ClearCache") is mod
    assert cache.use("ops.ClearCache") is mod  # no import the second time


def test_in_a_short_heap_done_evicts_as_load_and_drop():
    fresh(TIGHT)
    cache.use("ops.ClearCache")
    cache.done("ops.ClearCache")
    assert "ocpp.ops.ClearCache" not in sys.modules
    ops = sys.modules.get("ocpp.ops")  # (the package goes too when it came with the module)
    assert ops is None or "ClearCache" not in ops.__dict__
    assert [m[5:] for m in cache._lru] == []


def test_least_recently_used_goes_first_when_room_is_needed():
    fresh(ROOMY)
    cache.use("ops.ClearCache")
    cache.use("ops.Reset")
    cache.use("ops.ClearCache")  # now the most recent
    assert [m[5:] for m in cache._lru] == ["ops.Reset", "ops.ClearCache"]
    gc.collect()
    # Ask for a little more free heap than there is: the next import must evict, oldest first.
    cache.set_reserve(gc.mem_free() + 1)
    cache.use("ops.UnlockConnector")
    assert "ocpp.ops.Reset" not in sys.modules
    cache.evict()


def test_an_evicted_module_gives_its_heap_back():
    fresh(ROOMY)
    cache.use("core.config.measurands")  # its names stay interned; the rest must come back
    cache.evict("core.config.measurands")
    gc.collect()
    before = gc.mem_alloc()
    cache.use("core.config.measurands")
    loaded = gc.mem_alloc()
    cache.evict("core.config.measurands")
    gc.collect()
    assert loaded - before > 256, loaded - before  # its code was in the heap
    assert gc.mem_alloc() - before < 64, gc.mem_alloc() - before  # and is gone


def test_a_miss_collects_garbage_before_importing():
    # Garbage left by the caller is gone before the module's code is laid into the heap.
    fresh(ROOMY)
    cache.use("ops.ClearCache")  # names interned once, so the next import allocates its code only
    cache.evict()
    gc.disable()
    try:
        gc.collect()
        clean = gc.mem_alloc()
        for _ in range(100):
            bytearray(200)  # ~20 KB of garbage
        assert gc.mem_alloc() - clean > 16000
        cache.use("ops.ClearCache")
        assert gc.mem_alloc() - clean < 8000  # the module, without the garbage
    finally:
        cache.evict()
        gc.enable()


def test_a_hit_costs_no_collection():
    fresh(ROOMY)
    mod = cache.use("ops.ClearCache")
    try:
        gc.disable()
        gc.collect()
        clean = gc.mem_alloc()
        for _ in range(100):
            bytearray(200)  # garbage the next use() must leave alone (no collection)
        assert cache.use("ops.ClearCache") is mod
        assert gc.mem_alloc() - clean > 16000
    finally:
        cache.evict()
        gc.enable()


def test_a_memory_error_while_importing_evicts_and_retries_once():
    fresh(ROOMY)
    cache.use("ops.Reset")
    failures = [1]

    def flaky(name, *args):
        if name == "ocpp.ops.ClearCache" and failures[0]:
            failures[0] -= 1
            raise MemoryError
        return __import__(name, *args)

    cache.__import__ = flaky  # found in the module's globals before the builtin
    try:
        mod = cache.use("ops.ClearCache")
    finally:
        del cache.__import__
    assert hasattr(mod, "handle")
    assert "ocpp.ops.Reset" not in sys.modules  # evicted to make room
    cache.evict()


def test_the_registry_answers_whole_action_names_only():
    from ocpp import registry

    assert registry.answers("Reset") and registry.answers("TriggerMessage")
    assert registry.sends("StopTransaction") and registry.sends("DataTransfer")
    for bad in ("Rese", "eset", "Reset ", "Change", "", None, 5, "Heartbeat"):
        assert not registry.answers(bad), bad
    assert not registry.sends("Reset")
    assert registry.streams("SendLocalList") and not registry.streams("Reset")
    assert not registry.streams("SendLocal") and not registry.streams("LocalList")
    assert registry.supported() == \
        "Core,FirmwareManagement,LocalAuthListManagement,Reservation,SmartCharging,RemoteTrigger"
    assert list(registry.key_modules())[0] == "model.core_keys"
