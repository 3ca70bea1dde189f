"""Building the charge point from config.json: every object of the agent, wired in one place.

Imported by main.py once at start-up and dropped after it (a build runs once per boot), so this
code and the config.json validation (settings.py) give their heap back before the agent runs.
"""
import sys

EXIT_BAD_CONFIG = 2  # tools/unix-agent does not restart on this status
# The agent's log. The builtin itself, not a function of this module: a function defined here
# would keep the whole module (and build()) alive after main.py drops it.
log = print


def fatal(msg):
    log("FATAL " + msg)
    sys.exit(EXIT_BAD_CONFIG)


def build():
    """Every object of the charge point, built in one place. Returns (board, charge point)."""
    import settings

    try:
        cfg = settings.load()
    except settings.SettingsError as e:
        fatal(str(e))
    url = settings.ocpp_url(cfg)
    profile = settings.security_profile(cfg)
    # settings is only needed at start-up: give its code back to the heap
    del settings, sys.modules["settings"]
    from ocpp.core import cache

    cache.set_reserve()  # a quarter of the heap kept free: start-up code goes when done

    # Each piece is imported just before it is built, so the configuration's loading code
    # (a big moment) runs while little else is in the heap.
    from store import Store

    store = Store("")
    # From here on every line is also kept on flash for GetDiagnostics (logbook.py).
    from logbook import Logbook

    global log
    log = Logbook(store)
    from ocpp.core.config import Config

    factory = dict(cfg.get("ocpp_keys") or {})
    factory.setdefault("SecurityProfile", profile)
    try:
        config = Config(store, factory=factory, initial_password=cfg.get("authorization_key"),
                        log=log)
    except ValueError as e:
        fatal("config.json: %s" % e)
    config.secure_url = url is not None and url.startswith("wss://")
    # the certificates the central system installed count too (ocpp/model/certificates.py)
    installed = store.read_json("certs.json") or {}
    config.has_ca_cert = bool(cfg.get("ca_cert")) or any(
        c[0] == "C" for c in installed.get("certs", ()))
    config.has_client_cert = bool(cfg.get("client_cert") and cfg.get("client_key")) or \
        store.exists("cpcert.json")
    del installed
    import board as board_module

    try:
        board = board_module.Board(cfg, log=log)
    except ValueError as e:  # a bad pins / hardware entry, named by the board
        fatal(str(e))
    from evse.controller import Evse

    # One EVSE per outlet: the board is its own first outlet (every board), outlet(n) the
    # others (a board with more than one connector says how many).
    evses = [Evse(board, store, log=log)]
    for n in range(2, getattr(board, "connectors", 1) + 1):
        evses.append(Evse(board.outlet(n), store, log=log, n=n))
    from ocpp.model.chargepoint import ChargePoint

    cp = ChargePoint(cfg, evses, store, config, url, log=log)
    log.now = cp.clock.now
    log.follow(config)
    cp.logbook = log
    # The wiring between the board and the agent, both ways: the protocol layer never calls
    # the board, the board only these.
    cp.model = board.name
    cp.feed_watchdog = board.feed_watchdog
    board.on_card = cp.card
    board.on_time = cp.time_set
    board.status_fields = cp.status_fields
    board.on_network = cp.network_changed
    cp.start_with = board.start
    cp.reset_board = board.reset
    cp.name_server = board.name_server
    # Raised here, so the code it loads goes with the rest of start-up's below.
    cp.security_event("StartupOfTheDevice")
    cache.evict()  # what start-up loaded for a moment; the rest is the resident agent
    cache.set_reserve(getattr(board, "heap_reserve", None) or cache_reserve(cache))
    return board, cp


def cache_reserve(cache):
    """The free heap the module cache keeps while the agent runs (ocpp/core/cache.py): a
    quarter of the heap; a sixteenth when the agent is frozen into the firmware, where its
    on-demand modules cost little to keep (10 KB for all 51 on the 32-bit build, against 63 KB
    as .mpy files: make bench, section images). Decided here, at start-up, so that the
    resident agent carries none of it."""
    import gc
    import os

    heap = gc.mem_free() + gc.mem_alloc()
    try:
        os.stat(cache.__file__)  # .py or .mpy on the filesystem
        return heap // 4
    except OSError:
        return heap // 16  # a frozen module's __file__ names no file
