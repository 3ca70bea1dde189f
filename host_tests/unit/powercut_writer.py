# MicroPython helper for host_tests/integration/test_store_powercut.py (not a test module).
#
#   micropython powercut_writer.py write DIR SEED   loop forever on DIR's store, printing one line
#                                                   after each durable operation:
#                                                     W <v>         doc.json now holds version v
#                                                     A <seq> <k>   journal record seq (payload k)
#                                                     P <seq>       journal record seq consumed
#   micropython powercut_writer.py read DIR KEY     check what survived; print it; append one record
#                                                   with payload KEY; re-open and list again
#
# The test SIGKILLs the writer at random instants (a power cut as far as the files are concerned)
# and compares the reader's view with the acknowledged lines.
import os
import sys
import random

from store import Store

DOC = "doc.json"


def gen_doc(v):
    """Version v of the document; its size grows with v (and wraps to stay bounded)."""
    n = v % 40
    return {"v": v, "items": [v * 31 + i for i in range(n)], "text": "d" * (v * 13 % 300)}


def gen_rec(k):
    return {"k": k, "pad": "r" * (k % 90)}


def valid_rec(obj):
    return isinstance(obj, dict) and "k" in obj and obj == gen_rec(obj["k"])


def ack(line):
    # One write per line: a kill cannot split it (the test also drops an unterminated line).
    sys.stdout.write(line + "\n")


def write(root, seed):
    random.seed(seed)
    store = Store(root, log=lambda m: None)
    journal = store.journal("q")
    journal.compact_dead = 300  # compact often, so cuts land inside compactions too
    doc = store.read_json(DOC)
    v = doc["v"] if doc else 0
    while True:
        r = random.getrandbits(8) % 10
        n = len(journal)
        if r < 2:
            v += 1
            store.write_json(DOC, gen_doc(v))
            ack("W %d" % v)
        elif n and (r < 6 or n > 40):
            seq = journal.peek()[0]
            journal.pop(seq)
            ack("P %d" % seq)
        else:
            k = random.getrandbits(16)
            seq = journal.append(gen_rec(k))
            ack("A %d %d" % (seq, k))


def listing(store):
    out = []
    for seq, obj in store.journal("q").items():
        if not valid_rec(obj):
            print("BADREC", seq)
        else:
            out.append("%d:%d" % (seq, obj["k"]))
    return " ".join(out)


def read(root, key):
    logs = []
    store = Store(root, log=logs.append)
    for name in os.listdir(root):
        if name.endswith(".bad"):
            print("BADFILE", name)
    print("TMP", int(store.exists(DOC + ".tmp")))
    doc = store.read_json(DOC)
    if doc is None:
        print("DOC none")
    elif doc.get("v") is None or doc != gen_doc(doc["v"]):
        print("DOC corrupt")
    else:
        print("DOC", doc["v"])
    for name in os.listdir(root):
        if name.endswith(".bad"):
            print("BADFILE", name)
    journal = store.journal("q")
    print("LIST", listing(store))
    print("LEN", len(journal))
    print("TORN", int(any("torn" in m for m in logs)))
    seq = journal.append(gen_rec(key))
    print("A", seq, key)
    print("RELIST", listing(Store(root)))


def main():
    mode, root, arg = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "write":
        write(root, arg)
    else:
        read(root, arg)


main()
