"""Firmware images (tools/firmware.py, make firmware / make flash, AGENT_MICROPYTHON).

CPython tests of the tooling. CI has no MicroPython source: there the build's checks are
tested (every missing piece named); a real build runs when MICROPY_DIR names a clone
(docs/boards.md), and the image tests run when an image exists.
"""
import os
import subprocess
import sys

import pytest

from mphost import MICROPYTHON, ROOT

FIRMWARE = [sys.executable, os.path.join(ROOT, "tools", "firmware.py")]
FLASH = os.path.join(ROOT, "tools", "flash.sh")
UNIX32 = os.environ.get("AGENT_MICROPYTHON") or os.path.join(ROOT, "build", "firmware",
                                                             "unix32", "micropython")
MICROPY_DIR = os.environ.get("MICROPY_DIR", "")


def firmware(*args, env=None):
    e = {k: v for k, v in os.environ.items() if k != "MICROPY_DIR"}  # only when asked
    e.update(env or {})
    return subprocess.run(FIRMWARE + list(args), capture_output=True, text=True, env=e,
                          timeout=900)


def fake_tree(tmp_path, version=(1, 28, 0), submodules=()):
    """A directory that looks like a micropython clone to the checks (no real source)."""
    tree = tmp_path / "micropython"
    (tree / "py").mkdir(parents=True)
    (tree / "py" / "mpconfig.h").write_text(
        "#define MICROPY_VERSION_MAJOR %d\n#define MICROPY_VERSION_MINOR %d\n"
        "#define MICROPY_VERSION_MICRO %d\n" % version)
    marks = {"lib/micropython-lib": "README.md", "lib/mbedtls": "include/mbedtls/ssl.h",
             "lib/pico-sdk": "pico_sdk_init.cmake"}
    for s in submodules:
        f = tree / s / marks[s]
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("")
    return str(tree)


def test_firmware_without_micropy_dir_says_what_to_clone():
    r = firmware("unix32")
    assert r.returncode != 0
    assert "MICROPY_DIR is not set" in r.stderr and "v1.28.x" in r.stderr, r.stderr


def test_firmware_names_a_tree_that_is_not_micropython(tmp_path):
    r = firmware("rpi_pico_w", "--micropy-dir", str(tmp_path))
    assert r.returncode != 0 and "is not a MicroPython source tree" in r.stderr, r.stderr
    r = firmware("rpi_pico_w", "--micropy-dir", str(tmp_path / "nowhere"))
    assert r.returncode != 0 and "does not exist" in r.stderr, r.stderr


def test_firmware_refuses_another_release(tmp_path):
    tree = fake_tree(tmp_path, version=(1, 27, 0))
    r = firmware("unix32", "--micropy-dir", tree)
    assert r.returncode != 0
    assert "holds MicroPython 1.27.0" in r.stderr and "checkout v1.28.0" in r.stderr, r.stderr


def test_firmware_names_the_missing_submodules(tmp_path):
    tree = fake_tree(tmp_path, submodules=("lib/micropython-lib",))
    r = firmware("unix32", "--micropy-dir", tree)
    assert r.returncode != 0 and "submodules missing" in r.stderr, r.stderr
    assert "lib/mbedtls" in r.stderr and "lib/micropython-lib" not in r.stderr.split(":")[2]
    r = firmware("rpi_pico_w", "--micropy-dir", tree)
    for s in ("lib/pico-sdk", "lib/tinyusb", "lib/cyw43-driver", "lib/lwip", "lib/btstack"):
        assert s in r.stderr, r.stderr
    assert "ports/rp2 submodules BOARD=RPI_PICO_W" in r.stderr


def test_make_firmware_checks_the_board():
    r = subprocess.run(["make", "--no-print-directory", "firmware", "BOARD=nano"], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode != 0 and "invalid choice: 'nano'" in r.stderr, r.stderr


def flash(*args, uf2=None):
    env = dict(os.environ)
    if uf2:
        env["UF2"] = uf2
    return subprocess.run([FLASH] + list(args), capture_output=True, text=True, env=env)


def test_flash_copies_the_uf2_to_a_pico_in_bootsel_mode(tmp_path):
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(b"UF2\n" + bytes(508))
    drive = tmp_path / "RPI-RP2"
    drive.mkdir()
    (drive / "INFO_UF2.TXT").write_text("UF2 Bootloader v3.0\nModel: Raspberry Pi RP2\n"
                                        "Board-ID: RPI-RP2\n")
    r = flash("rpi_pico_w", str(drive), uf2=str(uf2))
    assert r.returncode == 0, r.stderr
    assert (drive / "firmware.uf2").read_bytes() == uf2.read_bytes()
    assert "make deploy BOARD=rpi_pico_w" in r.stdout


def test_flash_fails_clearly_without_a_pico(tmp_path):
    uf2 = tmp_path / "firmware.uf2"
    uf2.write_bytes(b"x")
    r = flash("rpi_pico_w", uf2=str(uf2))
    assert r.returncode != 0 and "no Pico in BOOTSEL mode found" in r.stderr, r.stderr
    r = flash("rpi_pico_w", str(tmp_path), uf2=str(uf2))
    assert r.returncode != 0 and "is not a Pico's boot drive" in r.stderr, r.stderr
    r = flash("rpi_pico_w", uf2=str(tmp_path / "none.uf2"))
    assert r.returncode != 0 and "make firmware BOARD=rpi_pico_w" in r.stderr, r.stderr
    r = flash("esp32_devkitc")
    assert r.returncode != 0 and "esptool.py" in r.stderr


def test_launcher_names_a_missing_agent_micropython(tmp_path):
    env = dict(os.environ, AGENT_MICROPYTHON=str(tmp_path / "micropython"))
    r = subprocess.run([os.path.join(ROOT, "tools", "unix-agent"), str(tmp_path)],
                       capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 2 and "AGENT_MICROPYTHON=" in r.stderr, r.stderr


needs_image = pytest.mark.skipif(not os.access(UNIX32, os.X_OK),
                                 reason="no unix32 image (make firmware BOARD=unix32)")


@needs_image
def test_unix32_image_holds_the_agent_frozen_and_loads_the_pinned_mpy_version():
    """Updates are .mpy files made by the pinned mpy-cross: the image must load them."""
    r = subprocess.run([UNIX32, "-c", "import sys, ocpp, evse, board, version, startup\n"
                        "print(sys.maxsize, sys.implementation._mpy & 0x3ff)"],
                       capture_output=True, text=True, env=dict(os.environ,
                                                                MICROPYPATH=".frozen"))
    assert r.returncode == 0, r.stderr
    maxsize, mpy = map(int, r.stdout.split())
    assert maxsize == 2 ** 31 - 1  # a 32-bit build
    cross = subprocess.run([os.path.join(ROOT, ".venv", "bin", "mpy-cross"), "--version"],
                           capture_output=True, text=True).stdout
    assert "mpy v%d.%d" % (mpy & 0xff, mpy >> 8) in cross, (mpy, cross)


@pytest.mark.skipif(not MICROPY_DIR, reason="MICROPY_DIR names no micropython clone")
def test_esp32_manifest_freezes_for_xtensawin_without_esp_idf():
    env = {"MICROPY_DIR": MICROPY_DIR, "IDF_PATH": ""}
    r = firmware("esp32_devkitc", "--out", os.path.join(ROOT, "build", "firmware",
                                                         "esp32-test"), env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "manifest frozen for xtensawin" in r.stdout and "ESP-IDF not found" in r.stdout


@needs_image
def test_the_module_cache_knows_frozen_code_from_files(tmp_path):
    """Frozen code keeps the cache's on-demand modules resident (a small reserve)."""
    code = ("import gc, startup\nfrom ocpp.core import cache\n"
            "print(startup.cache_reserve(cache) * 100 // (gc.mem_free() + gc.mem_alloc()))")
    r = subprocess.run([UNIX32, "-X", "heapsize=128k", "-c", code], capture_output=True,
                       text=True, cwd=str(tmp_path), env=dict(os.environ, MICROPYPATH=".frozen"))
    assert r.returncode == 0 and r.stdout.split() == ["6"], r.stdout + r.stderr
    r = subprocess.run([MICROPYTHON, "-X", "heapsize=128k", "-c", code], capture_output=True,
                       text=True, cwd=str(tmp_path),
                       env=dict(os.environ, MICROPYPATH=os.path.join(ROOT, "firmware")))
    assert r.returncode == 0 and r.stdout.split() == ["25"], r.stdout + r.stderr


def test_release_packs_signs_and_sums_each_board(tmp_path):
    import base64
    import hashlib

    from certs import make_certs
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    paths = make_certs(str(tmp_path / "pki"))  # P-256 keys: the CA signs the release
    with open(paths["ca_key_pem"], "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    out = tmp_path / "release"
    env = {k: v for k, v in os.environ.items() if k != "MICROPY_DIR"}
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "release.py"), "--untagged",
                        "--sign-key", paths["ca_key_pem"], "--sign-cert",
                        paths["ca_cert_pem"], "--out", str(out)],
                       capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no .uf2" in r.stdout
    sums = dict(reversed(line.split("  ")) for line in
                (out / "SHA256SUMS").read_text().splitlines())
    for board in ("esp32_devkitc", "rpi_pico_w"):
        for suffix in (".update", ".tar.gz", ".update.sig"):
            name = [n for n in sums if n.endswith(board + suffix)]
            assert len(name) == 1, sums
            data = (out / name[0]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sums[name[0]]
        update = [n for n in sums if n.endswith(board + ".update")][0]
        data = (out / update).read_bytes()
        assert data.startswith(b"ocpp-mpy-bundle 1 %s " % board.encode())
        sig = base64.b64decode((out / (update + ".sig")).read_text())
        key.public_key().verify(sig, data, ec.ECDSA(hashes.SHA256()))  # raises if wrong
    with open(paths["ca_cert_pem"], "rb") as f:
        assert (out / "signing-cert.pem").read_bytes() == f.read()


def test_release_refuses_an_untagged_tree_and_a_key_without_its_certificate(tmp_path):
    release = [sys.executable, os.path.join(ROOT, "tools", "release.py"), "--out",
               str(tmp_path / "r")]
    r = subprocess.run(release + ["--sign-key", "k.pem"], capture_output=True, text=True)
    assert r.returncode != 0 and "SIGN_KEY and SIGN_CERT go together" in r.stderr
    r = subprocess.run(release, capture_output=True, text=True, timeout=300)
    if r.returncode == 0:
        pytest.skip("HEAD is tagged with version.py's version and the tree is clean")
    assert "git tag v" in r.stderr and "--untagged" in r.stderr, r.stderr


PICO_UF2 = os.path.join(ROOT, "build", "firmware", "rpi_pico_w", "firmware.uf2")


@pytest.mark.skipif(not os.path.exists(PICO_UF2), reason="no rp2 image (make firmware "
                    "BOARD=rpi_pico_w)")
def test_the_pico_uf2_carries_the_image_for_the_rp2040_boot_loader():
    """What the RPI-RP2 drive takes: 512-byte UF2 blocks of 256 bytes each, the RP2040's family
    id, consecutive from the start of flash, together the linked image."""
    import struct
    with open(PICO_UF2, "rb") as f:
        data = f.read()
    with open(os.path.join(os.path.dirname(PICO_UF2), "obj", "firmware.bin"), "rb") as f:
        image = f.read()
    assert len(data) % 512 == 0
    blocks = len(data) // 512
    payload = bytearray()
    for i in range(blocks):
        block = data[i * 512:(i + 1) * 512]
        magic0, magic1, flags, addr, size, number, total, family = struct.unpack("<8I",
                                                                                 block[:32])
        assert (magic0, magic1) == (0x0A324655, 0x9E5D5157)
        assert struct.unpack("<I", block[508:])[0] == 0x0AB16F30
        assert flags & 0x2000 and family == 0xE48BFF56  # family id present: RP2040
        assert (addr, size, number, total) == (0x10000000 + 256 * i, 256, i, blocks)
        payload += block[32:32 + size]
    assert bytes(payload[:len(image)]) == image and not any(payload[len(image):])


FAKE_MPREMOTE = """#!/bin/sh
# a board for tools/deploy.sh: logs each mpremote command; the agent frozen in or not
echo "$*" >> "$FAKE_LOG"
case "$*" in *".frozen"*) echo "$FAKE_BOARD" ;; esac
exit 0
"""


@pytest.mark.parametrize("board", ["FROZEN", "FILES"])
def test_deploy_copies_only_main_and_config_to_a_board_with_the_frozen_image(tmp_path, board):
    fake = tmp_path / "mpremote"
    fake.write_text(FAKE_MPREMOTE)
    fake.chmod(0o755)
    config = tmp_path / "config.json"
    config.write_text('{"charge_point_id": "CP_1", "csms_url": "ws://10.0.0.1/ocpp"}')
    log = tmp_path / "mpremote.log"
    subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bundle.py"), "rpi_pico_w"],
                   check=True, capture_output=True)
    r = subprocess.run([os.path.join(ROOT, "tools", "deploy.sh"), "rpi_pico_w", "/dev/null",
                        str(config)], capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, MPREMOTE=str(fake), FAKE_LOG=str(log),
                                FAKE_BOARD=board))
    assert r.returncode == 0, r.stdout + r.stderr
    calls = log.read_text()
    copies = [line for line in calls.splitlines() if " fs cp " in line]
    if board == "FROZEN":
        assert "agent frozen in: main.py and config.json only" in r.stdout
        assert [c.split()[-1] for c in copies] == [":main.py", ":config.json"], copies
        assert "keep=set('''main.py" in calls  # every other .py/.mpy is removed
    else:
        assert any("fs cp -r . :" in c for c in copies), copies
        assert "ocpp/core/cache.mpy" in calls  # the bundle's files are kept


def test_make_test_image_names_the_missing_image(tmp_path):
    r = subprocess.run(["make", "--no-print-directory", "test-image",
                        "IMAGE=%s" % (tmp_path / "micropython")], cwd=ROOT,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "make firmware BOARD=unix32" in r.stderr, r.stderr
