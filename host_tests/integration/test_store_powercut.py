"""Power cuts against store.py: a MicroPython writer is SIGKILLed at random instants.

The writer (host_tests/unit/powercut_writer.py) loops over write_json of a growing document and
journal append/pop, printing a line after each operation is durable. After each kill a
MicroPython reader reports what survived, and this test checks it against the acknowledged
lines: the document is the last acknowledged version or the one in flight, never corrupt and
never missing once written; every acknowledged record is there, in order, unless popped; no
popped record comes back; at most the single operation in flight may or may not have happened;
and the journal keeps working (the reader appends a record, which the next writer inherits).
"""
import os
import random
import signal
import subprocess
import time

from mphost import MICROPYTHON, MICROPYPATH, ROOT, run_micropython  # noqa: E402

SCRIPT = os.path.join(ROOT, "host_tests", "unit", "powercut_writer.py")
KILLS = 80
MIN_KILLS = 40
BUDGET_S = 20.0


def start_writer(root, seed):
    env = dict(os.environ, MICROPYPATH=MICROPYPATH)
    return subprocess.Popen([MICROPYTHON, SCRIPT, "write", root, str(seed)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def parse_listing(text):
    return [tuple(int(x) for x in item.split(":")) for item in text.split()]


def read_back(root, key):
    r = run_micropython([SCRIPT, "read", root, str(key)], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    out = {}
    for line in r.stdout.splitlines():
        tag, _, rest = line.partition(" ")
        assert tag not in ("BADFILE", "BADREC"), r.stdout
        out[tag] = rest
    return out


def test_store_survives_random_power_cuts(tmp_path):
    rng = random.Random(20240607)
    root = str(tmp_path / "flash")
    os.mkdir(root)
    doc_v = 0  # 0: never written
    live = []  # [(seq, k)] unconsumed records, oldest first
    last_seq = 0  # highest sequence number ever handed out
    kills = torn = stale_tmp = in_flight_seen = 0
    t0 = time.monotonic()
    while kills < KILLS and (time.monotonic() - t0 < BUDGET_S or kills < MIN_KILLS):
        writer = start_writer(root, rng.randrange(1 << 30))
        time.sleep(rng.uniform(0.02, 0.12))
        writer.send_signal(signal.SIGKILL)
        out, err = writer.communicate(timeout=30)
        assert writer.returncode == -signal.SIGKILL, err  # it was cut, it did not crash
        kills += 1

        # Replay the acknowledged operations on the model.
        queue = list(live)
        lines = out.split("\n")[:-1]  # the text after the last newline may be a cut line
        for line in lines:
            f = line.split()
            if f[0] == "W":
                assert int(f[1]) == doc_v + 1, line
                doc_v += 1
            elif f[0] == "A":
                seq, k = int(f[1]), int(f[2])
                assert seq == last_seq + 1, (line, last_seq)  # numbers never reused
                last_seq = seq
                queue.append((seq, k))
            elif f[0] == "P":
                assert queue and queue[0][0] == int(f[1]), (line, queue[:2])  # FIFO
                queue.pop(0)
            else:
                raise AssertionError("unexpected writer line %r" % line)

        key = rng.randrange(1 << 16)
        seen = read_back(root, key)
        torn += int(seen["TORN"])
        stale_tmp += int(seen["TMP"])

        # Documents: complete, never missing once written; at most the write in flight landed.
        assert seen["DOC"] != "corrupt", (kills, seen)
        got_v = 0 if seen["DOC"] == "none" else int(seen["DOC"])
        assert got_v in (doc_v, doc_v + 1), (kills, got_v, doc_v)
        flights = int(got_v == doc_v + 1)
        doc_v = got_v

        # Journal: acknowledged records present and in order; popped ones gone for good.
        records = parse_listing(seen["LIST"])
        assert int(seen["LEN"]) == len(records)
        if records == queue:
            pass
        elif records[:-1] == queue and records[-1][0] == last_seq + 1:
            flights += 1  # the append in flight was durable, not yet acknowledged
            last_seq += 1
        elif queue and records == queue[1:]:
            flights += 1  # the pop in flight was durable, not yet acknowledged
        else:
            raise AssertionError("after kill %d: journal %r, expected %r" % (kills, records, queue))
        assert flights <= 1, (kills, "two unacknowledged operations took effect")
        in_flight_seen += flights

        # The journal keeps working after the cut: the reader's append is durable and next.
        assert seen["A"] == "%d %d" % (last_seq + 1, key), (seen["A"], last_seq)
        last_seq += 1
        live = records + [(last_seq, key)]
        assert parse_listing(seen["RELIST"]) == live

    print("power cuts: %d kills in %.1f s; torn journal tails %d, stale doc tmp %d, "
          "unacknowledged-but-durable ops %d; %d records live, doc v%d"
          % (kills, time.monotonic() - t0, torn, stale_tmp, in_flight_seen, len(live), doc_v))
    assert kills >= MIN_KILLS
    assert doc_v > 0 and last_seq > 0  # the writer did real work between the kills
