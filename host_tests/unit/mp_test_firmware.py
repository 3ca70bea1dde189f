# ocpp/model/firmware.py and bootslot.py under MicroPython: a packed bundle checked and
# installed into a slot, a power cut at every file of the installation leaving the old bundle
# to run, the boot counter going back after MAX_TRIES, and the bundles it refuses.
import asyncio
import hashlib
import os
import sys

import store_files
from mp_tmp import fresh_dir, rmtree
from store import Store


def packed(files, board="unix", version="1.2.3", count=None, end=b"end\n"):
    out = b"ocpp-mpy-bundle 1 %s %s %d\n" % (board.encode(), version.encode(),
                                              len(files) if count is None else count)
    for path, data in files:
        digest = "".join("%02x" % b for b in hashlib.sha256(data).digest())
        out += b"%d %s %s\n" % (len(data), digest.encode(), path.encode()) + data
    return out + end


FILES = [("a.mpy", b"A" * 3000), ("ocpp/b.mpy", b"B" * 10), ("ocpp/core/c.mpy", b"\x00\xff" * 700)]


class FakeCp:
    def __init__(self, root):
        self.store = Store(root)
        self.model = "unix"
        self.logs = []
        self.log = self.logs.append


def with_bundle(data):
    d = fresh_dir("mp_fw")
    cp = FakeCp(d + "/")
    with open(d + "/fw.bin", "wb") as f:
        f.write(data)
    return d, cp


def fw():
    from ocpp.model import firmware

    return firmware


def choose(d):
    """bootslot.choose() in directory d -> the slot put on sys.path (None: the root)."""
    import bootslot

    here = os.getcwd()
    before = list(sys.path)
    os.chdir(d)
    try:
        bootslot.choose()
        return sys.path[0] if sys.path[0] not in before else None
    finally:
        sys.path[:] = before
        os.chdir(here)


def test_a_bundle_installs_into_the_inactive_slot():
    d, cp = with_bundle(packed(FILES))
    try:
        fw()._check(cp, "fw.bin")
        slot = asyncio.run(fw()._install(cp))
        assert slot == "app0"
        for path, data in FILES:
            with open(d + "/app0/" + path, "rb") as f:
                assert f.read() == data, path
        boot = cp.store.read_json("boot.json")
        assert boot == {"run": "app0", "good": None, "tries": 0}, boot
        assert not cp.store.exists("fw.bin")
        # the next one goes into the other slot once app0 is good
        cp.store.write_json("boot.json", {"run": "app0", "good": "app0", "tries": 0})
        with open(d + "/fw.bin", "wb") as f:
            f.write(packed(FILES[:1], version="1.2.4"))
        assert asyncio.run(fw()._install(cp)) == "app1"
        assert cp.store.read_json("boot.json") == {"run": "app1", "good": "app0", "tries": 0}
    finally:
        rmtree(d)


def test_a_power_cut_at_any_file_of_the_install_leaves_the_old_bundle():
    for cut_at in range(len(FILES) + 1):
        d, cp = with_bundle(packed(FILES))
        real = store_files.open_file
        opened = [0]

        def cutting(store, name, mode="rb"):
            if "w" in mode:
                if opened[0] == cut_at:
                    raise OSError(5)  # the power goes here
                opened[0] += 1
            return real(store, name, mode)

        store_files.open_file = cutting
        try:
            cp.store.write_json("boot.json", {"run": "app1", "good": "app1", "tries": 0})
            try:
                asyncio.run(fw()._install(cp))
                assert cut_at == len(FILES), cut_at  # only past the last file it completes
            except OSError:
                # the old bundle still runs after the reboot, whatever the slot holds
                assert cp.store.read_json("boot.json")["run"] == "app1"
                assert choose(d) == "app1"
        finally:
            store_files.open_file = real
            rmtree(d)


def test_an_unconfirmed_bundle_goes_back_after_max_tries():
    import bootslot

    d = fresh_dir("mp_fw")
    try:
        s = Store(d + "/")
        s.write_json("boot.json", {"run": "app1", "good": "app0", "tries": 0})
        for n in range(bootslot.MAX_TRIES):
            assert choose(d) == "app1"
            assert s.read_json("boot.json")["tries"] == n + 1
        assert choose(d) == "app0"  # one boot too many: back to the good one
        boot = s.read_json("boot.json")
        assert boot["run"] == "app0" and boot["failed"] == "app1" and boot["tries"] == 0
        assert choose(d) == "app0"  # and it stays there
        s.write_json("boot.json", {"run": None, "good": None})
        assert choose(d) is None  # the flashed root
        s.remove("boot.json")
        assert choose(d) is None
    finally:
        rmtree(d)


def test_bad_bundles_are_refused():
    cases = (
        (packed(FILES, board="esp32_devkitc"), "a bundle for esp32_devkitc"),
        (packed([("../../etc/x", b"x")]), "outside the slot"),
        (packed([("/abs.mpy", b"x")]), "outside the slot"),
        (packed(FILES)[:-30], "cut short"),
        (packed(FILES, count=4), "malformed"),
        (packed(FILES, end=b"more\n"), "no end line"),
        (b"PK\x03\x04 a zip file\n", "not a bundle"),
    )
    for data, why in cases:
        d, cp = with_bundle(data)
        try:
            try:
                fw()._check(cp, "fw.bin")
                asyncio.run(fw()._install(cp))
                assert False, why
            except fw().Bad as e:
                assert why in str(e), (why, e)
            assert not cp.store.exists("boot.json")
        finally:
            rmtree(d)
    # a digest that differs: one byte of a file changed
    data = bytearray(packed(FILES))
    data[-5] ^= 1
    d, cp = with_bundle(bytes(data))
    try:
        try:
            fw()._check(cp, "fw.bin")
            assert False
        except fw().Bad as e:
            assert "SHA-256" in str(e)
    finally:
        rmtree(d)
