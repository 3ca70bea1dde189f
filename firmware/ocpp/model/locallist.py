"""The Local Authorization List on flash (OCPP 1.6 sections 3.5 and 5.15): thousands of idTags
in a sorted file of fixed-size records, looked up by binary search in 48-byte reads, so the
RAM a look-up takes does not grow with the list. Loaded through the module cache by what
updates or reads the list.

A record (struct _REC, 48 bytes):

    idTag upper-cased (20, NUL-padded: idTags match in any letter case) | status (1: 1 Accepted,
    2 Blocked, 3 Expired, 4 Invalid, 5 ConcurrentTx) | expiryDate (4: port epoch seconds, 0
    none) | parentIdTag (20, NUL-padded) | 3 spare

On flash: "ll_0.bin" or "ll_1.bin" (the records, sorted by idTag) and "locallist.json"
{"version": 3, "count": 1750, "file": 1}. An update writes the whole new list into the other
file, then replaces locallist.json (atomic rename), then removes the old file: a power cut
leaves the old list or the new one, never a mix. An update (at most SendLocalListMaxLength
entries) is sorted in RAM as it arrives (Batch: one bytearray); a Differential one is merged
with the list on flash as both are read in order, a few records at a time.
"""
import struct

from micropython import const

from ocpp.core.clock import parse_iso

DOC = "locallist.json"
_REC = "<20sBI20s3x"
SIZE = 48
_BLOCK = 16  # records read at a time while merging
_PIECE = const(16)  # records per bytearray of a Batch (768 bytes)
STATUSES = ("", "Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")


class Failed(Exception):
    """The update cannot be made (SendLocalList answers Failed); the old list is intact."""


def state(store):
    """{"version", "count", "file"}: version 0 and no file when there is no list."""
    got = store.read_json(DOC, None)
    return got if isinstance(got, dict) else {"version": 0, "count": 0, "file": None}


def _key(id_tag):
    return id_tag.upper().encode()


def pack(entry):
    """The record of an AuthorizationData entry {"idTag", "idTagInfo"?}; status 0 (no
    idTagInfo) marks a deletion in a Differential update."""
    info = entry.get("idTagInfo")
    status, expiry, parent = 0, 0, b""
    if info is not None:
        status = STATUSES.index(info["status"])
        if info.get("expiryDate"):
            expiry = parse_iso(info["expiryDate"]) or 0
        parent = (info.get("parentIdTag") or "").encode()
    key = _key(entry["idTag"])
    if not 0 < len(key) <= 20 or len(parent) > 20:
        raise Failed("idTag or parentIdTag over 20 characters")
    return struct.pack(_REC, key, status, expiry, parent)


def unpack(rec):
    """The idTagInfo of a record."""
    _, status, expiry, parent = struct.unpack(_REC, rec)
    info = {"status": STATUSES[status]}
    if expiry:
        info["expiryT"] = expiry  # port epoch seconds (the caller applies the expiry)
    parent = parent.rstrip(b"\0")
    if parent:
        info["parentIdTag"] = parent.decode()
    return info


def lookup(store, id_tag, buf=None):
    """The idTagInfo the list holds for id_tag (any letter case), or None. Reads log2(count)
    records of 48 bytes into `buf` (a bytearray(SIZE), made when not given)."""
    st = state(store)
    if not st["count"]:
        return None
    key = _key(id_tag)
    if len(key) > 20:
        return None
    key = key + b"\0" * (20 - len(key))
    buf = buf or bytearray(SIZE)
    lo, hi = 0, st["count"]
    with open(store.path(_file(st["file"])), "rb") as f:
        while lo < hi:
            mid = (lo + hi) // 2
            f.seek(mid * SIZE)
            f.readinto(buf)
            k = bytes(buf[:20])
            if k == key:
                return unpack(buf)
            if k < key:
                lo = mid + 1
            else:
                hi = mid
    return None


def _file(n):
    return "ll_%d.bin" % n


class Batch:
    """The entries of one SendLocalList, packed and kept sorted as they arrive, by insertion, in
    bytearrays of _PIECE records made as entries come: an update of 255 entries costs 12 KB of
    RAM and no object per entry, in pieces of 768 bytes (one block of 12 KB is a hole a
    fragmented heap may not have). Full once `most` are in: add() then only counts (`over`),
    so a message with too many entries is read to its end and Failed."""

    def __init__(self, most):
        self.most = most
        self.pieces = []
        self.n = 0
        self.over = 0  # entries beyond `most`
        self.deletions = 0  # entries without idTagInfo (status 0)

    def _key(self, i):
        o = (i % _PIECE) * SIZE
        return self.pieces[i // _PIECE][o:o + 20]

    def add(self, rec):
        """Insert one packed record; Failed when its idTag is in the batch already."""
        n = self.n
        if n >= self.most:
            self.over += 1
            return
        key = rec[:20]
        lo, hi = 0, n
        while lo < hi:  # the first record not below key
            mid = (lo + hi) // 2
            if self._key(mid) < key:
                lo = mid + 1
            else:
                hi = mid
        if lo < n and self._key(lo) == key:
            raise Failed("idTag %s twice" % bytes(key).rstrip(b"\0").decode())
        pieces = self.pieces
        if n == len(pieces) * _PIECE:
            pieces.append(bytearray(_PIECE * SIZE))
        # Records lo..n-1 move up one place, from the last piece down: the last record of a
        # full piece goes to the front of the next one (already moved up, so free).
        first = lo // _PIECE
        for p in range(n // _PIECE, first - 1, -1):
            buf = pieces[p]
            s = (lo - p * _PIECE) * SIZE if p == first else 0
            e = (min(n, (p + 1) * _PIECE) - p * _PIECE) * SIZE
            if e == _PIECE * SIZE:
                pieces[p + 1][0:SIZE] = buf[e - SIZE:e]
                e -= SIZE
            if s < e:
                buf[s + SIZE:e + SIZE] = buf[s:e]
        o = (lo % _PIECE) * SIZE
        pieces[first][o:o + SIZE] = rec
        self.n = n + 1
        if not rec[20]:
            self.deletions += 1

    def __len__(self):
        return self.n + self.over

    def records(self):
        """The records in idTag order (bytes of SIZE each)."""
        for i in range(self.n):
            o = (i % _PIECE) * SIZE
            yield bytes(self.pieces[i // _PIECE][o:o + SIZE])


async def update(store, version, full, batch, most):
    """SendLocalList: the records of `batch` (a Batch) make the new list (full) or change the
    old one (Differential: status 0 deletes). More than `most` entries in the result, or a
    flash error, raise Failed with the old list intact. Returns the count. Yields to the event
    loop every _BLOCK records written, so a long merge never stalls it."""
    st = state(store)
    new = 1 if st["file"] == 0 else 0
    path = store.path(_file(new))
    try:
        with open(path, "wb") as out:
            if full or not st["count"]:
                count = await _write(out, (r for r in batch.records() if r[20]), most)
            else:
                with open(store.path(_file(st["file"])), "rb") as old:
                    count = await _write(out, _merge(_read(old, st["count"]), batch.records()),
                                         most)
    except OSError as e:
        _remove(store, path)
        raise Failed("flash: %r" % (e,))
    except BaseException:  # Failed, or the task cancelled: the old list stays
        _remove(store, path)
        raise
    store.write_json(DOC, {"version": version, "count": count, "file": new if count else None})
    if st["file"] is not None:
        _remove(store, store.path(_file(st["file"])))
    if not count:
        _remove(store, path)
    return count


async def clear(store, version):
    """An empty list with this version (a Full update without entries)."""
    return await update(store, version, True, Batch(0), 0)


async def _write(out, records, most):
    import asyncio

    n = 0
    for r in records:
        n += 1
        if n > most:
            raise Failed("more than LocalAuthListMaxLength (%d) entries" % most)
        out.write(r)
        if not n % _BLOCK:
            await asyncio.sleep_ms(0)
    return n


def _read(f, count):
    left = count
    while left:
        chunk = f.read(SIZE * min(left, _BLOCK))
        if len(chunk) < SIZE:
            raise OSError("the list file is cut short")
        for i in range(0, len(chunk) - SIZE + 1, SIZE):
            yield chunk[i:i + SIZE]
            left -= 1


def _merge(old, updates):
    """The old records with the updates applied, in order: a status 0 update deletes."""
    it = iter(updates)
    u = next(it, None)
    for r in old:
        while u is not None and u[:20] < r[:20]:
            if u[20]:
                yield u
            u = next(it, None)
        if u is not None and u[:20] == r[:20]:
            if u[20]:
                yield u
            u = next(it, None)
        else:
            yield r
    while u is not None:
        if u[20]:
            yield u
        u = next(it, None)


def _remove(store, path):
    import os

    try:
        os.remove(path)
    except OSError:
        pass
