"""Start-up: read config.json, build the board and the agent, run until a Reset.

On a board this file runs from the flash root. On the unix port (tools/unix-agent) the first
argument is the state directory that plays the flash root.
"""
import asyncio
import gc
import os
import sys

EXIT_BAD_CONFIG = 2  # tools/unix-agent does not restart on this status
GC_THRESHOLD = 8192


def log(msg):
    print(msg)


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
    del sys.modules["settings"]

    import board as board_module
    from store import Store
    from ocpp.config import Config
    from ocpp.chargepoint import ChargePoint

    store = Store("")
    factory = dict(cfg.get("ocpp_keys") or {})
    factory.setdefault("SecurityProfile", profile)
    try:
        config = Config(store, factory=factory, initial_password=cfg.get("authorization_key"),
                        log=log)
    except ValueError as e:
        fatal("config.json: %s" % e)
    config.has_ca_cert = bool(cfg.get("ca_cert"))
    config.has_client_cert = bool(cfg.get("client_cert") and cfg.get("client_key"))
    try:
        board = board_module.Board(cfg, log=log)
    except ValueError as e:  # a bad pins / hardware entry, named by the board
        fatal(str(e))
    from evse.controller import Evse

    evse = Evse(board, store, log=log)
    return board, ChargePoint(cfg, board, evse, store, config, url, log=log)


def main():
    if len(sys.argv) > 1:
        os.chdir(sys.argv[1])
    board, cp = build()
    gc.collect()
    # Collect after every GC_THRESHOLD bytes allocated rather than only when the heap is full:
    # garbage goes before it scatters, so a later block of a few KB still finds room (a
    # heap that is mostly free but fragmented fails just like a full one).
    gc.threshold(GC_THRESHOLD)
    board.heap_after_imports = gc.mem_alloc()
    log("agent: %s starting on %s; heap in use %d, free %d"
        % (cp.cp_id, board.name, gc.mem_alloc(), gc.mem_free()))
    kind = asyncio.run(cp.run())
    board.reset(hard=(kind == "Hard"))


main()
