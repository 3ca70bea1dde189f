"""ocpp/lazy.py: modules imported for a moment and dropped after it."""
import gc
import sys

from ocpp import lazy


def test_use_imports_and_drop_forgets():
    mod = lazy.use("ops.ClearCache")
    assert mod is sys.modules["ocpp.ops.ClearCache"]
    assert hasattr(mod, "handle")
    lazy.drop("ops.ClearCache")
    assert "ocpp.ops.ClearCache" not in sys.modules
    assert "ClearCache" not in sys.modules["ocpp.ops"].__dict__


def test_a_dropped_module_gives_its_heap_back():
    lazy.use("config_measurands")  # its names stay interned; the rest must come back
    lazy.drop("config_measurands")
    gc.collect()
    before = gc.mem_alloc()
    lazy.use("config_measurands")
    loaded = gc.mem_alloc()
    lazy.drop("config_measurands")
    gc.collect()
    assert loaded - before > 256, loaded - before  # its code was in the heap
    assert gc.mem_alloc() - before < 64, gc.mem_alloc() - before  # and is gone


def test_use_collects_garbage_before_importing():
    # Garbage left by the caller is gone before the module's code is laid into the heap.
    lazy.use("ops.ClearCache")  # names interned once, so the next import allocates its code only
    lazy.drop("ops.ClearCache")
    gc.disable()
    try:
        gc.collect()
        clean = gc.mem_alloc()
        for _ in range(100):
            bytearray(200)  # ~20 KB of garbage
        assert gc.mem_alloc() - clean > 16000
        lazy.use("ops.ClearCache")
        assert gc.mem_alloc() - clean < 8000  # the module, without the garbage
    finally:
        lazy.drop("ops.ClearCache")
        gc.enable()


def test_a_module_already_loaded_costs_no_collection():
    mod = lazy.use("ops.ClearCache")
    try:
        gc.disable()
        gc.collect()
        clean = gc.mem_alloc()
        for _ in range(100):
            bytearray(200)  # garbage the next use() must leave alone (no collection)
        assert lazy.use("ops.ClearCache") is mod
        assert gc.mem_alloc() - clean > 16000
    finally:
        lazy.drop("ops.ClearCache")
        gc.enable()
