# ocpp/model/locallist.py: the Local Authorization List on flash. 1,750 entries built from a Full
# update and seven Differential ones of at most 255, look-ups in any letter case, deletions,
# the LocalAuthListMaxLength bound, duplicates, and a power cut between the two writes.
import asyncio
import gc
import os
import random

from mp_tmp import fresh_dir, rmtree
from ocpp.model import locallist as L
from store import Store


def entry(i, status="Accepted", parent=None):
    e = {"idTag": "Tag-%05d" % i, "idTagInfo": {"status": status}}
    if parent:
        e["idTagInfo"]["parentIdTag"] = parent
    return e


def update(store, version, full, records, most):
    """locallist.update with the records given as a list (a Batch made of them)."""
    batch = L.Batch(len(records))
    for r in records:
        batch.add(r)
    return asyncio.run(L.update(store, version, full, batch, most))


class ListStore:
    """A fresh store directory (removed after), optionally with a list of entries first..last."""

    def __init__(self, entries=(), most=100):
        self.entries, self.most = entries, most

    def __enter__(self):
        self.dir = fresh_dir("mp_ll")
        s = Store(self.dir + "/")
        if self.entries:
            update(s, 1, True, [L.pack(entry(i)) for i in self.entries], self.most)
        return s

    def __exit__(self, *exc):
        rmtree(self.dir)


def allocated(store, tag):
    buf = bytearray(L.SIZE)
    gc.collect()
    before = gc.mem_alloc()
    assert L.lookup(store, tag, buf) is not None
    return gc.mem_alloc() - before


def test_1750_entries_from_a_full_and_seven_differential_updates():
    d = fresh_dir("mp_ll")
    try:
        s = Store(d + "/")
        assert L.state(s)["version"] == 0 and L.lookup(s, "Tag-00001") is None
        ids = list(range(1750))
        random.seed(3)
        for i in range(len(ids) - 1, 0, -1):  # shuffled: updates come in any order
            j = random.getrandbits(16) % (i + 1)
            ids[i], ids[j] = ids[j], ids[i]
        assert update(s, 1, True, [L.pack(entry(i)) for i in ids[:255]], 2000) == 255
        at = 255
        for version in range(2, 9):
            batch = ids[at:at + 215]
            at += len(batch)
            n = update(s, version, False, [L.pack(entry(i, "Accepted", "P%d" % (i % 3)))
                                             for i in batch], 2000)
            assert n == at
        st = L.state(s)
        assert st == {"version": 8, "count": 1750, "file": st["file"]} and at == 1750
        assert os.stat(d + "/" + "ll_%d.bin" % st["file"])[6] == 1750 * L.SIZE
        assert not L.state(s)["file"] is None
        other = d + "/ll_%d.bin" % (1 - st["file"])
        try:
            os.stat(other)
            assert False, "the old file was left"
        except OSError:
            pass
        for i in (0, 1, 254, 255, 1000, 1749):
            info = L.lookup(s, "tag-%05d" % ids[i])  # any letter case
            assert info and info["status"] == "Accepted", (i, info)
            assert ("parentIdTag" in info) == (i >= 255)
        assert L.lookup(s, "Tag-99999") is None and L.lookup(s, "x" * 25) is None
        # a look-up's RAM does not grow with the list: against a list of 10 entries, at most
        # the few 20-byte keys of the extra binary-search steps
        big = allocated(s, "Tag-01000")
        with ListStore(range(1000, 1010)) as small_store:
            small = allocated(small_store, "Tag-01000")
        assert big - small < 1024 and big < 4096, (big, small)
    finally:
        rmtree(d)


def test_differential_changes_and_deletes():
    with ListStore(range(10)) as s:
        n = update(s, 2, False, [L.pack({"idTag": "Tag-00003"}),  # no idTagInfo: deleted
                                   L.pack(entry(5, "Blocked")), L.pack(entry(20))], 100)
        assert n == 10
        assert L.lookup(s, "Tag-00003") is None and L.lookup(s, "Tag-00005")["status"] == "Blocked"
        assert L.lookup(s, "Tag-00020")["status"] == "Accepted"
        assert update(s, 3, True, [], 100) == 0  # a Full update without entries: empty
        assert L.state(s)["count"] == 0 and L.lookup(s, "Tag-00001") is None


def test_too_many_or_twice_fails_with_the_old_list_intact():
    with ListStore(range(8), most=10) as s:
        before = L.state(s)
        for records in ([L.pack(entry(100 + i)) for i in range(3)],  # 11 > 10
                        [L.pack(entry(1)), L.pack(entry(1, "Blocked"))]):  # twice
            try:
                update(s, 2, False, records, 10)  # the second: Batch.add refuses the twin
                assert False
            except L.Failed:
                pass
            assert L.state(s) == before and L.lookup(s, "Tag-00007")["status"] == "Accepted"
        try:
            L.pack({"idTag": "x" * 21, "idTagInfo": {"status": "Accepted"}})
            assert False
        except L.Failed:
            pass


def test_a_power_cut_between_the_writes_leaves_the_old_list():
    with ListStore(range(5)) as s:
        real = s.write_json

        def cut(name, obj):
            raise OSError(5)  # the power goes before the index is replaced

        s.write_json = cut
        try:
            update(s, 2, True, [L.pack(entry(50 + i)) for i in range(5)], 100)
            assert False
        except OSError:
            pass
        s.write_json = real
        s2 = Store(s.root)  # after the reboot
        assert L.state(s2)["version"] == 1 and L.lookup(s2, "Tag-00004") is not None
        assert L.lookup(s2, "Tag-00050") is None
        assert update(s2, 2, True, [L.pack(entry(60))], 100) == 1  # the next one works
        assert L.lookup(s2, "Tag-00060") is not None and L.lookup(s2, "Tag-00004") is None


def test_a_batch_of_255_in_any_order_comes_out_sorted_from_its_pieces():
    """Entries go into 768-byte pieces (no 12 KB block); inserting at the front, the back, a
    piece's edge or in random order moves every later record across the pieces intact."""
    for order in ("random", "descending", "ascending"):
        ids = list(range(255))
        if order == "random":
            random.seed(255)
            for i in range(len(ids) - 1, 0, -1):  # Fisher-Yates: MicroPython has no shuffle
                j = random.getrandbits(16) % (i + 1)
                ids[i], ids[j] = ids[j], ids[i]
        elif order == "descending":
            ids.reverse()
        b = L.Batch(255)
        for i in ids:
            b.add(L.pack(entry(i, parent="P-%d" % i)))
        got = list(b.records())
        assert [r[:9] for r in got] == [b"TAG-%05d" % i for i in range(255)], order
        assert all(r == L.pack(entry(i, parent="P-%d" % i)) for i, r in enumerate(got)), order
        assert len(b.pieces) == 16 and all(len(p) == 16 * L.SIZE for p in b.pieces)


def test_a_batch_sorts_as_it_fills_and_counts_what_does_not_fit():
    b = L.Batch(5)
    for i in (4, 1, 3, 0, 2):
        b.add(L.pack(entry(i)))
    b.add(L.pack({"idTag": "Tag-00009"}))  # the sixth: counted, not kept
    b.add(L.pack(entry(7)))
    keys = [r[:9] for r in b.records()]
    assert keys == [b"TAG-0000%d" % i for i in range(5)], keys
    assert (b.n, b.over, len(b), b.deletions) == (5, 2, 7, 0)
    try:
        L.Batch(3).add(L.pack(entry(1))) or None
        twins = L.Batch(3)
        twins.add(L.pack(entry(1)))
        twins.add(L.pack({"idTag": "tag-00001"}))  # the same idTag in another letter case
        assert False
    except L.Failed as e:
        assert "TAG-00001" in str(e)
