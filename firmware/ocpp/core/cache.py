"""The module cache: code that runs now and then (a central-system command, connecting, editing
the configuration, a charging session) is imported when first asked for and stays loaded while
the heap has room; under pressure the least recently used modules are evicted. With a roomy
heap (or frozen code) the agent runs as fast as if everything were resident; in a small heap it
behaves as load-and-drop.

    mod = cache.use("ops.Reset")   # ocpp.ops.Reset: a hit costs a list move, a miss an import
    ...                            # work with mod
    cache.done("ops.Reset")        # finished with it for now: evicted only if the heap is short

The rule is one number, ``reserve``: the free heap (bytes) to keep. A miss first collects and
evicts least recently used modules until that much is free, then imports (a module's code then
fills the holes of a heap without garbage, instead of landing beyond garbage that leaves too
small holes behind); ``done`` evicts every cached module when less than that is free now. A
MemoryError while importing evicts everything and tries once more.
The default reserve is a quarter of the heap (set_reserve): at 128k, where the resident agent
leaves about 30 KB, every module goes as soon as it is done (as the agent needs); at 192k some
20 KB of code stays; at the unix port's default 2 MB everything stays.
Frozen into the firmware image (make firmware), a module's bytecode stays in flash and an
import only makes its functions and globals: the 51 on-demand modules hold 10 KB together on
the 32-bit build against 63 KB as .mpy files (make bench). Dropping one then frees little and
breaks up the heap as much, so start-up sets a sixteenth there (startup.cache_reserve()): in
practice everything stays.

Eviction takes a module out of sys.modules (and its package's namespace); its code is freed
once nothing refers to it, and a task still running it keeps it alive meanwhile. So an
evictable module holds no state of its own and defines no class that outlives it (exceptions
live in resident modules), and it takes the other on-demand modules it needs through use() as
well, never with an import statement (which the cache would not see: a test checks). The cache
is the one process-wide thing in the agent, as sys.modules itself is: every charge point in a
process shares its modules.
"""
import gc
import sys

# Names ("ocpp.ops.Reset") imported through use(), least recently used first.
_lru = []
# [bytes of free heap to keep, whether the heap was short at the last import, how many imports
# are under way]: a list, changed in place (no global statement).
_state = [0, False, 0]


def set_reserve(nbytes=None):
    """Keep ``nbytes`` of free heap (None: a quarter of the whole heap). A board with other
    big users of the heap (TLS, WiFi) may set its own."""
    _state[0] = (gc.mem_free() + gc.mem_alloc()) // 4 if nbytes is None else nbytes


def use(name):
    """The module ocpp.<name> (dotted below ocpp: "ops.Reset"), imported if need be."""
    full = "ocpp." + name
    mod = sys.modules.get(full)
    if mod is None:
        gc.collect()
        i = 0
        # Room is made only by an import of its own: one asked for while another module is
        # being imported would evict what that import just took (which stays in use, and would
        # be loaded twice when asked for again).
        while not _state[2] and i < len(_lru) and gc.mem_free() < _state[0]:
            if full.startswith(_lru[i] + "."):
                i += 1  # its own package: importing would bring it back, unseen by the cache
            else:
                _forget(_lru.pop(i))
                gc.collect()
        _state[2] += 1
        try:
            __import__(full)
        except MemoryError:
            # Room from every cached module (one still being imported further up is not in
            # _lru until its import ends: it stays).
            evict()
            __import__(full)
        finally:
            _state[2] -= 1
        mod = sys.modules[full]
        _state[1] = gc.mem_free() < _state[0]
        _lru.append(full)
    elif full in _lru and _lru[-1] != full:
        _lru.remove(full)
        _lru.append(full)
    return mod


def done(name=None):
    """The caller is finished with ocpp.<name> for now (the name is for the reader: the heap
    decides). When the heap was short at the last import, every cached module goes now, as in
    load-and-drop; otherwise this costs nothing (no heap measure on the fast path)."""
    if _state[1]:
        evict()


def evict(name=None):
    """Forget ocpp.<name>, or (None) every cached module. Its code is freed by the next
    collection once nothing refers to it."""
    if name is not None:
        full = "ocpp." + name
        if full in _lru:
            _lru.remove(full)
        _forget(full)
        return
    while _lru:
        _forget(_lru.pop())
    gc.collect()


def _forget(full):
    sys.modules.pop(full, None)
    parent, _, leaf = full.rpartition(".")
    pkg = sys.modules.get(parent)
    if pkg is not None:
        pkg.__dict__.pop(leaf, None)
