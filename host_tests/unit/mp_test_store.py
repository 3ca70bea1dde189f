# store.py: atomic JSON documents and the append-only Journal (MicroPython).
import gc
import os
from mp_tmp import fresh_dir, rmtree


from store import Store, Journal


class Log:
    def __init__(self):
        self.lines = []

    def __call__(self, msg):
        self.lines.append(msg)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_bytes(path, data):
    with open(path, "wb") as f:
        f.write(data)


# -- documents --------------------------------------------------------------------------------
def test_json_roundtrip_replace_and_default():
    d = fresh_dir()
    try:
        s = Store(d)
        assert s.read_json("doc.json") is None
        assert s.read_json("doc.json", {"x": 1}) == {"x": 1}
        assert not s.exists("doc.json")
        s.write_json("doc.json", {"a": [1, 2], "b": "é"})
        assert s.exists("doc.json")
        assert s.read_json("doc.json") == {"a": [1, 2], "b": "é"}
        s.write_json("doc.json", {"a": 2})
        assert s.read_json("doc.json") == {"a": 2}
        assert sorted(os.listdir(d)) == ["doc.json"]  # no .tmp left behind
        s.remove("doc.json")
        assert not s.exists("doc.json")
        s.remove("doc.json")  # missing: no error
    finally:
        rmtree(d)


def test_root_created_if_missing():
    d = fresh_dir()
    try:
        s = Store(d + "/a/b")
        s.write_json("x", 1)
        assert Store(d + "/a/b").read_json("x") == 1
    finally:
        rmtree(d)


def test_no_heap_to_read_a_document_is_not_a_corrupt_document():
    import store

    d = fresh_dir()
    real = store.json

    class NoHeap:
        @staticmethod
        def load(f):
            raise MemoryError("memory allocation failed")

    try:
        s = Store(d, log=Log())
        s.write_json("doc.json", {"a": 1})
        store.json = NoHeap
        try:
            s.read_json("doc.json")
            assert False, "MemoryError expected"
        except MemoryError:
            pass
        store.json = real
        assert s.read_json("doc.json") == {"a": 1}  # left where it was, intact
        assert not s.exists("doc.json.bad")
    finally:
        store.json = real
        rmtree(d)


def test_corrupt_document_is_kept_aside_and_default_returned():
    d = fresh_dir()
    try:
        log = Log()
        s = Store(d, log=log)
        write_bytes(d + "/doc.json", b'{"a": [1, 2')  # a cut JSON document
        assert s.read_json("doc.json", "dflt") == "dflt"
        assert any("doc.json" in line for line in log.lines), log.lines
        assert read_bytes(d + "/doc.json.bad") == b'{"a": [1, 2'
        assert not s.exists("doc.json")
        write_bytes(d + "/doc.json", b"\xff\xfe\x00garbage")
        assert s.read_json("doc.json") is None
        s.write_json("doc.json", {"ok": True})  # and the store keeps working
        assert s.read_json("doc.json") == {"ok": True}
    finally:
        rmtree(d)


def test_stale_tmp_from_a_cut_write_is_ignored():
    d = fresh_dir()
    try:
        s = Store(d)
        s.write_json("doc.json", {"v": 1})
        write_bytes(d + "/doc.json.tmp", b'{"v": 2, "pad": "xx')  # cut while streaming v2
        assert s.read_json("doc.json") == {"v": 1}
        s.write_json("doc.json", {"v": 3})
        assert s.read_json("doc.json") == {"v": 3}
    finally:
        rmtree(d)


# -- journal ----------------------------------------------------------------------------------
def test_journal_fifo():
    d = fresh_dir()
    try:
        s = Store(d)
        j = s.journal("q")
        assert s.journal("q") is j
        assert len(j) == 0 and j.peek() is None and list(j.items()) == []
        seqs = [j.append({"n": i}) for i in range(4)]
        assert seqs == [1, 2, 3, 4]
        assert len(j) == 4
        assert j.peek() == (1, {"n": 0})
        assert j.peek() == (1, {"n": 0})  # peek does not consume
        assert list(j.items()) == [(1, {"n": 0}), (2, {"n": 1}), (3, {"n": 2}), (4, {"n": 3})]
        j.pop(1)
        assert j.peek() == (2, {"n": 1}) and len(j) == 3
        j.pop(1)  # already consumed: ignored
        assert len(j) == 3
        j.pop(3)  # consumes 2 and 3 as well
        assert j.peek() == (4, {"n": 3}) and len(j) == 1
        try:
            j.pop(9)
            assert False, "popped a record never appended"
        except ValueError:
            pass
        j.pop(4)
        assert j.peek() is None and len(j) == 0
        assert j.append([1, "two", None]) == 5  # numbers never reused
        assert j.peek() == (5, [1, "two", None])
    finally:
        rmtree(d)


def test_journal_survives_reopen():
    d = fresh_dir()
    try:
        j = Store(d).journal("q")
        for i in range(6):
            j.append({"n": i})
        j.pop(2)
        j2 = Store(d).journal("q")
        assert len(j2) == 4
        assert [s for s, _ in j2.items()] == [3, 4, 5, 6]
        assert j2.peek() == (3, {"n": 2})
        assert j2.append("x") == 7
        j2.pop(7)
        j3 = Store(d).journal("q")
        assert len(j3) == 0 and j3.peek() is None
        assert j3.append("y") == 8
    finally:
        rmtree(d)


def test_journal_compaction_keeps_order_and_numbers():
    d = fresh_dir()
    try:
        s = Store(d)
        j = s.journal("q")
        j.compact_dead = 200
        pad = "p" * 40
        nxt = 1
        sizes = []
        for round_ in range(30):
            for _ in range(3):
                assert j.append({"n": nxt, "pad": pad}) == nxt
                nxt += 1
            first = j.peek()[0]
            j.pop(first)
            j.pop(first + 1)
            sizes.append(os.stat(d + "/q")[6])
        # Live records keep accumulating (one per round); consumed ones are compacted away.
        assert max(sizes) < 30 * 3 * 60, sizes
        assert len(j) == 30
        assert [x[0] for x in j.items()] == list(range(61, 91))  # the oldest are popped first
        j2 = Store(d).journal("q")
        j2.compact_dead = 200
        assert [x for x in j2.items()] == [x for x in j.items()]
        for seq, obj in list(j2.items()):
            assert obj["n"] == seq
            j2.pop(seq)
        assert os.stat(d + "/q")[6] < 200  # emptied queue compacted to one marker frame
        assert j2.append("z") == 91
    finally:
        rmtree(d)


def replay(d):
    """Build a journal step by step: (file size after the step, unconsumed seqs, popped)."""
    j = Store(d).journal("q")
    steps = [(0, [], 0)]
    live = []
    popped = 0
    ops = ["a", "a", "a", "p", "a", "p", "a", "a", "p", "p", "a"]
    for i, op in enumerate(ops):
        if op == "a":
            live.append(j.append({"i": i, "s": "x" * (i * 7 % 23)}))
        else:
            popped = live.pop(0)
            j.pop(popped)
        steps.append((os.stat(d + "/q")[6], list(live), popped))
    return steps


def test_torn_tail_at_every_byte_is_ignored():
    d = fresh_dir()
    try:
        steps = replay(d)
        whole = read_bytes(d + "/q")
        assert len(whole) == steps[-1][0]
        for cut in range(len(whole) + 1):
            os.remove(d + "/q")
            write_bytes(d + "/q", whole[:cut])
            expect = [s for s in steps if s[0] <= cut][-1]
            log = Log()
            j = Store(d, log=log).journal("q")
            got = [seq for seq, _ in j.items()]
            assert got == expect[1], (cut, got, expect)
            assert len(j) == len(expect[1]), cut
            if got:
                assert j.peek()[0] == got[0]
            if cut != expect[0]:
                assert log.lines, cut  # a torn tail is reported
            # keeps working: a new record follows the last durable one, and is read back
            new = j.append({"after": cut})
            assert new == max(expect[1] + [expect[2]]) + 1, (cut, new)
            again = [seq for seq, _ in Store(d).journal("q").items()]
            assert again == expect[1] + [new], (cut, again)
    finally:
        rmtree(d)


def test_garbage_tail_is_ignored():
    d = fresh_dir()
    try:
        steps = replay(d)
        whole = read_bytes(d + "/q")
        lookalike = b"\xa5R\x05\x00\x0c\x00\x00\x00hello\x00\x00\x00\x00"  # bad CRC
        for junk in (b"\x00" * 40, b"\xff" * 9, lookalike, whole[:20]):
            write_bytes(d + "/q", whole + junk)
            j = Store(d, log=Log()).journal("q")
            assert [seq for seq, _ in j.items()] == steps[-1][1]
            seq = j.append("ok")
            assert [s for s, _ in Store(d).journal("q").items()] == steps[-1][1] + [seq]
            whole = read_bytes(d + "/q")
            steps[-1][1].append(seq)
    finally:
        rmtree(d)


def test_flipped_byte_in_last_record_is_not_misparsed():
    d = fresh_dir()
    try:
        j = Store(d).journal("q")
        j.append({"a": 1})
        j.append({"b": 22222})
        data = bytearray(read_bytes(d + "/q"))
        data[-8] ^= 0x01  # inside the last payload: CRC no longer matches
        write_bytes(d + "/q", data)
        j2 = Store(d, log=Log()).journal("q")
        assert list(j2.items()) == [(1, {"a": 1})]
    finally:
        rmtree(d)


def test_record_too_big_is_refused():
    d = fresh_dir()
    try:
        j = Store(d).journal("q")
        try:
            j.append("x" * 70000)
            assert False, "accepted a record over 65535 bytes"
        except ValueError:
            pass
        assert len(j) == 0 and j.append(1) == 1
    finally:
        rmtree(d)


def test_journal_memory_does_not_grow_with_length():
    d = fresh_dir()
    try:
        j = Store(d).journal("q")
        for i in range(300):
            j.append({"n": i, "pad": "y" * 150})
        assert os.stat(d + "/q")[6] > 300 * 150
        gc.collect()
        before = gc.mem_alloc()
        j2 = Journal(d + "/q")
        n = 0
        for seq, obj in j2.items():
            n += 1
        gc.collect()
        kept = gc.mem_alloc() - before
        assert n == 300 and len(j2) == 300
        assert kept < 2048, kept  # the 50 KB file is never held in RAM
    finally:
        rmtree(d)


def test_failed_append_leaves_no_trace():
    # A write that fails half-way (flash full, I/O error) must neither hide later records behind
    # its partial frame nor come back later under a reused number.
    d = fresh_dir()
    try:
        j = Store(d).journal("q")
        assert j.append("one") == 1
        real_put = j._put

        def half(f, kind, seq, data):
            f.write(b"\xa5R\x10")
            raise OSError(28)

        def whole_then_fail(f, kind, seq, data):
            real_put(f, kind, seq, data)
            raise OSError(5)

        expect = [(1, "one")]
        for broken in (half, whole_then_fail):
            j._put = broken
            try:
                j.append("lost")
                assert False, "append did not fail"
            except OSError:
                pass
            del j._put
            assert len(j) == len(expect)
            expect.append((j.append("two"), "two"))
            assert [x for x in Store(d).journal("q").items()] == expect
        j.pop(expect[-1][0])
        assert len(Store(d).journal("q")) == 0
    finally:
        rmtree(d)
