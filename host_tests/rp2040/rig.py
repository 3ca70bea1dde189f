# Runs on the emulated RP2040 (sent by host_tests/rp2040/conftest.py through the raw REPL): the
# rp2 board code and the EVSE controller as start-up builds them, running in asyncio, and a
# line protocol on the serial port so the test can look inside while the loop runs:
#     host -> chip   "<n> <python expression or !statement>\n"
#     chip -> host   "\x1e<n> <repr of the result>\n"   or   "\x1e<n> !<exception>\n"
# Everything else the chip prints (the board's and the controller's log) passes through.
import asyncio
import gc
import os
import select
import sys
import time

import board as board_module
from evse.controller import Evse
from store import Store

SETTINGS = {}  # replaced by the test (the config.json this rig's board reads)


def _log(msg):
    print("log:", msg)


def _dir(path):
    try:
        os.mkdir(path)
    except OSError:
        pass
    for f in os.listdir(path):
        os.remove(path + "/" + f)
    return path + "/"


async def _serve(ns):
    poll = select.poll()
    poll.register(sys.stdin, select.POLLIN)
    line = ""
    while True:
        if not poll.poll(0):
            await asyncio.sleep_ms(2)
            continue
        ch = sys.stdin.read(1)
        if ch != "\n":
            line += ch
            continue
        n, _, src = line.partition(" ")
        line = ""
        try:
            if src.startswith("!"):
                exec(src[1:], ns)
                r = None
            else:
                r = eval(src, ns)
            print("\x1e%s %r" % (n, r))
        except Exception as e:  # the test sees it; the loop goes on
            print("\x1e%s !%r" % (n, e))


async def _main():
    b = board_module.Board(SETTINGS, log=_log)
    e = Evse(b, Store(_dir("/rig")), log=_log)
    cards = []  # idTags the card reader reported, as start-up's on_card would get them
    b.on_card = lambda tag, connector=None: cards.append(tag)
    ns = {"b": b, "e": e, "cards": cards, "gc": gc, "time": time, "asyncio": asyncio}
    asyncio.create_task(e.run())
    if b.cards is not None:
        asyncio.create_task(b.cards.run())
    print("rig: ready")
    await _serve(ns)


asyncio.run(_main())
