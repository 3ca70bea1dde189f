"""Persistence in the flash root: every byte the agent keeps goes through this module.

Power may be cut at any instant, so nothing here ever overwrites data in place:

* Documents (small JSON objects: settings the CSMS changed, availability, ...) are replaced
  atomically: the new version is streamed to "<name>.tmp", then os.rename() puts it over
  "<name>". LittleFS (ESP32, RP2040) and POSIX make that rename atomic, so a reader sees the
  old complete version or the new complete version, never a mixture. (FAT's rename is not
  atomic: do not use this module on FAT.) A stale "<name>.tmp" left by a cut is ignored and
  overwritten by the next write.
* The transaction-message queue is a Journal: an append-only file of framed records (below).
* Logs are plain appended text (append()): a cut loses at most the lines being written, and
  a torn last line is only a torn line. A log rotates by rename() (atomic).
* Big files (a downloaded firmware bundle, the bundle's files unpacked into a slot) are
  written under a temporary name and renamed once whole, or made in a directory that nothing
  uses until a document (written atomically) says so: store_files.py, this module's rarely
  used half, opens, makes and removes them.

Durability: LittleFS commits a file on close (flush() is a sync too); a cut before that leaves
the file as it was at its last commit. The unix port has no fsync: there a completed write()
survives the process being killed, which is what the power-cut test exercises.
"""
import json
import os
import struct
from binascii import crc32

from micropython import const

# -- Journal on-flash format ----------------------------------------------------------------
#
#   file  = frame*                  appended only; rewritten whole (tmp + rename) to compact
#   frame = +------+------+---------+---------+-----------------+---------+
#           | 0xA5 | kind | len u16 | seq u32 | payload         | crc u32 |   integers little-endian
#           +------+------+---------+---------+-----------------+---------+
#           0      1      2         4         8                 8+len     12+len
#   kind  = 'R' record: payload is the record as compact UTF-8 JSON, seq its sequence number
#           'P' pop:    no payload; records with sequence number <= seq are consumed
#   crc   = CRC-32 of bytes 1 .. 8+len-1 (kind, len, seq, payload)
#
# Sequence numbers are consecutive (each append is last + 1) and never reused: a compacted
# file starts with a 'P' frame carrying the last consumed number, followed by the records not
# consumed yet, copied byte for byte. So, after a scan, unconsumed = last_seq - popped, and
# a record whose number is not last_seq + 1 cannot be ours: the scan stops there too.
#
# A cut in the middle of an append leaves a torn last frame: too short for its length, or a
# CRC that does not match (a prefix of a frame, zero fill, or stale bytes). The scan at open
# stops at the first frame that does not check out; everything from there is ignored, and the
# file is compacted before anything else is appended, so a torn tail can never hide a later
# frame or be mis-parsed as one. Only the last frame can be torn: frames are never rewritten.
#
# Delivery is at-least-once: a record whose message was sent but whose 'P' frame was not yet
# written when power went is offered again by peek() after the restart.

_MAGIC = const(0xA5)
_REC = const(0x52)  # 'R'
_POP = const(0x50)  # 'P'
_HDR = const(8)
_CRC = const(4)
_MAX_PAYLOAD = const(65535)
_CHUNK = const(128)  # read buffer for CRC checks and copies: the journal is never read whole
_COMPACT_DEAD = const(4096)  # compact when this many consumed bytes lead the file ...
# ... and they are at least as many as the live bytes (so compaction costs are amortised).


def _join(root, name):
    return root + "/" + name if root else name


class Store:
    """Files in the flash root (``root`` = "" is the current directory; created if missing)."""

    def __init__(self, root="", log=print):
        self.root = root
        self.log = log
        self._journals = {}
        if root:
            try:
                os.stat(root)
            except OSError:
                _mkdirs(root)

    def path(self, name):
        """The file name of ``name`` in this store."""
        return _join(self.root, name)

    def read_json(self, name, default=None):
        """The document ``name``, or ``default`` if it is missing or unusable.

        An unreadable or corrupt document is logged and kept aside as ``name + ".bad"`` (for
        diagnosis) so the next write starts clean. Never raises because of the file's content;
        a MemoryError (no heap to read it into) is raised and the document left as it is.
        """
        path = self.path(name)
        try:
            f = open(path)
        except OSError:
            return default
        try:
            with f:
                return json.load(f)
        except MemoryError:
            raise  # the heap, not the document: it stays where it is
        except Exception as e:  # ValueError (bad JSON), OSError, UnicodeError, ...
            self.log("store: %s unreadable (%r); kept as %s.bad" % (name, e, name))
        try:
            os.rename(path, path + ".bad")
        except OSError as e:
            self.log("store: cannot move %s aside (%r)" % (name, e))
        return default

    def write_json(self, name, obj):
        """Replace document ``name`` by ``obj`` atomically (stream to name.tmp, then rename).

        When this returns the new version is durable; if power goes earlier, the old one stays.
        """
        path = self.path(name)
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(obj, f, separators=(",", ":"))
        os.rename(tmp, path)

    def remove(self, name):
        """Delete ``name`` (no error if it is missing). Forgets its Journal, if one is open."""
        self._journals.pop(name, None)
        try:
            os.remove(self.path(name))
        except OSError:
            pass

    def append(self, name, data):
        """Append ``data`` (bytes, a str or a memoryview of either) to file ``name``."""
        with open(self.path(name), "ab") as f:
            f.write(data)

    def size(self, name):
        """The size of file ``name`` in bytes (0 if it is missing)."""
        try:
            return os.stat(self.path(name))[6]
        except OSError:
            return 0

    def rename(self, old, new):
        """Rename file ``old`` to ``new`` (atomic; replaces ``new``)."""
        os.rename(self.path(old), self.path(new))

    def exists(self, name):
        try:
            os.stat(self.path(name))
            return True
        except OSError:
            return False

    def journal(self, name):
        """The Journal stored in ``name`` (one object per name; opened and checked on first use)."""
        j = self._journals.get(name)
        if j is None:
            j = self._journals[name] = Journal(self.path(name), self.log)
        return j


def _mkdirs(path):
    part = "/" if path.startswith("/") else ""
    for piece in path.split("/"):
        if piece:
            part += piece
            try:
                os.mkdir(part)
            except OSError:
                pass  # exists already
            part += "/"


class Journal:
    """An append-only durable FIFO of JSON records (the transaction-message queue).

    Records are numbered by ``append`` (1, 2, ...; never reused). ``peek`` gives the oldest one
    not consumed, ``pop(seq)`` consumes it (and anything older). Both are durable when they
    return. Memory stays small whatever the length: one record is decoded at a time.
    """

    compact_dead = _COMPACT_DEAD  # per instance overridable (tests compact often)

    def __init__(self, path, log=print):
        self.path = path
        self.log = log
        self._buf = bytearray(_CHUNK)
        self._hdr = memoryview(self._buf)[:_HDR]
        self._open()

    # -- public API ---------------------------------------------------------------------------
    def append(self, obj):
        """Add ``obj`` (anything JSON can encode) at the end; returns its sequence number.

        Durable when it returns. Raises ValueError if the encoded record exceeds 65535 bytes.
        """
        data = json.dumps(obj, separators=(",", ":")).encode()
        if len(data) > _MAX_PAYLOAD:
            raise ValueError("journal record too big")
        if self._torn:
            self._compact()
        seq = self._last + 1
        self._write_frame(_REC, seq, data)
        self._last = seq
        return seq

    def peek(self):
        """The oldest unconsumed record as ``(seq, obj)``, or None when the queue is empty."""
        if self._last == self._popped:
            return None
        if self._head is None:
            for item in self._records(True):
                self._head = item
                break
        return self._head

    def pop(self, seq):
        """Consume record ``seq`` and every older one, durably.

        A number already consumed is ignored; one never appended raises ValueError.
        """
        if seq <= self._popped:
            return
        if seq > self._last:
            raise ValueError("journal: no record %d" % seq)
        if self._torn:
            self._compact()
        self._write_frame(_POP, seq, b"")
        self._popped = seq
        self._head = None
        self._skip_consumed()
        dead = self._head_off
        if dead >= self.compact_dead and dead >= self._end - dead:
            self._compact()

    def __len__(self):
        return self._last - self._popped

    def items(self):
        """Iterate the unconsumed records ``(seq, obj)``, oldest first, reading one at a time."""
        return self._records(False)

    # -- file scanning ------------------------------------------------------------------------
    def _open(self):
        """Scan the file once: sequence numbers, valid end; repair a torn tail."""
        self._popped = 0
        self._last = 0
        self._end = 0  # end of the last good frame
        self._head_off = 0  # no unconsumed record starts before this offset
        self._head = None
        self._torn = False
        try:
            f = open(self.path, "rb")
        except OSError:
            return
        with f:
            while True:
                frame = self._read_frame(f, self._end, True)
                if frame is None:
                    break
                kind, seq, n = frame
                if kind == _POP:
                    self._popped = max(self._popped, seq)
                    self._last = max(self._last, seq)  # a compacted file starts with 'P'
                elif seq == self._last + 1:
                    self._last = seq
                else:
                    break  # records are consecutive: anything else is not ours
                self._end += _HDR + n + _CRC
            size = f.seek(0, 2)
        if size != self._end:
            self.log("journal: %s: %d bytes of torn tail ignored" % (self.path, size - self._end))
            self._torn = True
            self._compact()

    def _read_frame(self, f, off, check):
        """Read the frame header at ``off`` -> (kind, seq, len), or None if absent or bad.

        With ``check`` the payload's CRC is verified (reading it in chunks); without, the file
        position is left at the start of the payload.
        """
        f.seek(off)
        hdr = self._hdr
        if f.readinto(hdr) != _HDR:
            return None
        magic, kind, n, seq = struct.unpack_from("<BBHI", hdr)
        if magic != _MAGIC or kind not in (_REC, _POP) or (kind == _POP and n):
            return None
        if not check:
            return kind, seq, n
        crc = crc32(hdr[1:])
        buf = self._buf
        left = n
        while left:
            want = min(left, _CHUNK)
            mv = memoryview(buf)[:want]
            if f.readinto(mv) != want:
                return None
            crc = crc32(mv, crc)
            left -= want
        tail = memoryview(buf)[:_CRC]
        if f.readinto(tail) != _CRC or struct.unpack_from("<I", tail)[0] != crc:
            return None
        return kind, seq, n

    def _skip_consumed(self):
        """Move _head_off past the frames that are consumed (headers only are read)."""
        try:
            f = open(self.path, "rb")
        except OSError:
            return
        with f:
            off = self._head_off
            while off < self._end:
                frame = self._read_frame(f, off, False)
                if frame is None or (frame[0] == _REC and frame[1] > self._popped):
                    break
                off += _HDR + frame[2] + _CRC
            self._head_off = off

    def _records(self, first_only):
        """Generator of unconsumed (seq, obj) from _head_off up to _end."""
        if self._last == self._popped:
            return
        with open(self.path, "rb") as f:
            off = self._head_off
            end = self._end
            while off < end:
                frame = self._read_frame(f, off, False)
                if frame is None:
                    return
                kind, seq, n = frame
                if kind == _REC and seq > self._popped:
                    data = f.read(n)
                    try:
                        obj = json.loads(data)
                    except ValueError:
                        # CRC was good at open, so only flash decay gets here; skip, do not wedge.
                        self.log("journal: record %d undecodable, skipped" % seq)
                        off += _HDR + n + _CRC
                        continue
                    yield seq, obj
                    if first_only:
                        return
                off += _HDR + n + _CRC

    # -- writing ------------------------------------------------------------------------------
    def _write_frame(self, kind, seq, data):
        start = self._end
        try:
            with open(self.path, "ab") as f:
                self._end += self._put(f, kind, seq, data)
        except Exception:
            # Whatever reached flash is not acknowledged: forget it (compact before the next
            # write), so a record the caller saw fail never comes back under a reused number.
            self._end = start
            self._torn = True
            raise

    def _put(self, f, kind, seq, data):
        hdr = self._hdr
        struct.pack_into("<BBHI", hdr, 0, _MAGIC, kind, len(data), seq)
        crc = crc32(data, crc32(hdr[1:]))
        # Three writes, not one joined copy: saves RAM, and a torn frame is detected anyway.
        f.write(hdr)
        f.write(data)
        f.write(struct.pack("<I", crc))
        return _HDR + len(data) + _CRC

    def _compact(self):
        """Rewrite the file as ['P' popped] + unconsumed records (tmp + atomic rename)."""
        tmp = self.path + ".tmp"
        buf = self._buf
        with open(tmp, "wb") as out:
            end = self._put(out, _POP, self._popped, b"")
            head = end
            try:
                src = open(self.path, "rb")
            except OSError:
                src = None
            if src is not None:
                with src:
                    off = self._head_off
                    while off < self._end:
                        frame = self._read_frame(src, off, False)
                        if frame is None:
                            break
                        size = _HDR + frame[2] + _CRC
                        if frame[0] == _REC and frame[1] > self._popped:
                            src.seek(off)
                            left = size
                            while left:
                                mv = memoryview(buf)[:min(left, _CHUNK)]
                                got = src.readinto(mv)
                                if not got:
                                    raise OSError("journal: short read")
                                out.write(mv[:got])
                                left -= got
                            end += size
                        off += size
        os.rename(tmp, self.path)
        self._end = end
        self._head_off = head
        self._torn = False
