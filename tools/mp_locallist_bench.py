# make bench's Local Authorization List figures that the agent cannot report itself, run by
# MicroPython's unix port on the compiled bundle (tools/bench.py: MICROPYPATH=<bundle>):
# a list of N entries built as SendLocalList builds it (Full + Differential updates of 255),
# then the time and the heap a look-up takes, for an idTag on the list and one not on it.
#
#     micropython mp_locallist_bench.py <state dir> <entries> <look-ups>
# prints one JSON object.
import asyncio
import gc
import json
import sys
import time

from ocpp.model import locallist as L
from store import Store


def tag(i):
    return "04%018X" % (i * 7919)  # 20 characters, as a 10-byte RFID UID in hex


async def build(store, n):
    version, at = 1, 0
    while at < n:
        k = min(255, n - at)
        batch = L.Batch(255)
        for i in range(at, at + k):
            batch.add(L.pack({"idTag": tag(i), "idTagInfo": {
                "status": "Accepted", "expiryDate": "2027-12-31T23:59:59Z",
                "parentIdTag": "FLEET-%014d" % (i % 7)}}))
        await L.update(store, version, version == 1, batch, 10000)
        version += 1
        at += k


def timed(store, tags, buf):
    gc.collect()
    before = gc.mem_alloc()
    t = time.ticks_us()
    found = 0
    for id_tag in tags:
        if L.lookup(store, id_tag, buf) is not None:
            found += 1
    us = time.ticks_diff(time.ticks_us(), t) / len(tags)
    return us, found, (gc.mem_alloc() - before) // len(tags)


def main():
    root, n, reps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = Store(root + "/")
    t = time.ticks_ms()
    asyncio.run(build(store, n))
    built_ms = time.ticks_diff(time.ticks_ms(), t)
    buf = bytearray(L.SIZE)
    listed = [tag((i * 37) % n).lower() for i in range(reps)]  # any letter case
    unlisted = ["FF%018X" % i for i in range(reps)]
    us_in, found_in, bytes_in = timed(store, listed, buf)
    us_out, found_out, bytes_out = timed(store, unlisted, buf)
    assert found_in == reps and found_out == 0
    print(json.dumps({"entries": L.state(store)["count"], "build_ms": built_ms,
                      "listed_us": round(us_in, 1), "unlisted_us": round(us_out, 1),
                      "listed_bytes": bytes_in, "unlisted_bytes": bytes_out}))


main()
