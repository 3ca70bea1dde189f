"""Build MicroPython with the agent frozen in: tools/firmware.py BOARD --micropy-dir DIR

    make firmware BOARD=unix32|rpi_pico_w|esp32_devkitc MICROPY_DIR=~/micropython [FREEZE=0]

MICROPY_DIR is a clone of micropython/micropython at the supported release (SUPPORTED below)
with the submodules the port needs (`make -C ports/<port> submodules`). Frozen bytecode lives
in flash (the binary's read-only data on unix), not in the heap: see docs/boards.md for what
that changes. The image and what is left of the flash go to build/firmware/<board>/.

    BOARD          port, MicroPython board        output
    unix32         unix, standard variant 32-bit  micropython  (AGENT_MICROPYTHON=... for
                                                                tools/unix-agent, tests, bench)
    rpi_pico_w     rp2, RPI_PICO_W                firmware.uf2 (make flash BOARD=rpi_pico_w)
    rpi_pico       rp2, tools/rp2emu/RPI_PICO_EMU firmware.uf2: the same board code on the plain
                                                  Pico (no radio), as the RP2040 emulator of make
                                                  test-rp2 runs it
    esp32_devkitc  esp32, ESP32_GENERIC           firmware.bin (needs ESP-IDF; without it the
                                                  manifest is frozen for xtensawin as a check)

FREEZE=0 (--no-freeze) builds the same port without the agent (only the port's own frozen
modules), for measuring the .mpy bundle on it: build/firmware/<board>-mpy/.

Every failure names what is missing: MICROPY_DIR, the release, a submodule, a compiler.
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUPPORTED = (1, 28)  # the release of the pinned unix port (requirements.txt); .mpy v6.3
RP2040_FAMILY = "0xe48bff56"  # UF2 family id of the RP2040 (the RPI-RP2 drive checks it)
RP2040_FLASH_BASE = "0x10000000"

# submodule -> a file that exists once it is checked out
SUBMODULE_MARK = {
    "lib/micropython-lib": "README.md",
    "lib/mbedtls": "include/mbedtls/ssl.h",
    "lib/pico-sdk": "pico_sdk_init.cmake",
    "lib/tinyusb": "src/tusb.h",
    "lib/cyw43-driver": "src/cyw43.h",
    "lib/lwip": "src/include/lwip/init.h",
    "lib/btstack": "src/btstack.h",
    "lib/berkeley-db-1.xx": "btree/bt_open.c",
}

BOARDS = {
    "unix32": {
        "port": "unix",
        "manifest": "boards/unix/manifest.py",
        "submodules": ["lib/micropython-lib", "lib/mbedtls"],
        # btree and ffi need submodules and 32-bit libraries the agent does not use;
        # tls (mbedTLS) and asyncio stay, as in the pinned unix port. mbedTLS takes its memory
        # from the MicroPython heap, as on the rp2 port (its bare-metal configuration), so
        # a TLS session counts in the heap figures as it does on a Pico W.
        "make": ["VARIANT=standard", "MICROPY_FORCE_32BIT=1", "MICROPY_PY_BTREE=0",
                 "MICROPY_PY_FFI=0", "CFLAGS_EXTRA=-DMICROPY_MBEDTLS_CONFIG_BARE_METAL=1 "
                 "-DMICROPY_TRACKED_ALLOC=1"],
        "plain_manifest": "$(VARIANT_DIR)/manifest.py",
    },
    "rpi_pico_w": {
        "port": "rp2",
        "manifest": "boards/rpi_pico_w/manifest.py",
        "submodules": ["lib/pico-sdk", "lib/tinyusb", "lib/cyw43-driver", "lib/lwip",
                       "lib/btstack", "lib/mbedtls", "lib/micropython-lib"],
        "make": ["BOARD=RPI_PICO_W"],
        "mp_board": "RPI_PICO_W",
        "flash_header": "pico_w.h",
        "plain_manifest": "",  # the board's own (make's default)
    },
    "rpi_pico": {
        "port": "rp2",
        "manifest": "tools/rp2emu/RPI_PICO_EMU/manifest.py",
        "submodules": ["lib/pico-sdk", "lib/tinyusb", "lib/lwip", "lib/mbedtls",
                       "lib/micropython-lib"],
        # the project's own board definition (out of tree): the Pico with lwIP, no radio
        "board_dir": "tools/rp2emu/RPI_PICO_EMU",
        "make": ["BOARD_DIR=" + os.path.join(ROOT, "tools/rp2emu/RPI_PICO_EMU")],
        "flash_header": "pico.h",
        "plain_manifest": "",
    },
    "esp32_devkitc": {
        "port": "esp32",
        "manifest": "boards/esp32_devkitc/manifest.py",
        # the image also needs lib/berkeley-db-1.xx (checked with ESP-IDF: build_esp32)
        "submodules": ["lib/micropython-lib"],
        "make": ["BOARD=ESP32_GENERIC"],
        "plain_manifest": "",
    },
}


class Missing(Exception):
    """Something the build needs is not there; the message says what and how to get it."""


def log(msg):
    print("firmware: " + msg, flush=True)


def version_of(mp_dir):
    """(major, minor, micro) of the MicroPython tree, from py/mpconfig.h."""
    try:
        with open(os.path.join(mp_dir, "py", "mpconfig.h")) as f:
            text = f.read()
    except OSError:
        raise Missing("MICROPY_DIR=%s is not a MicroPython source tree (no py/mpconfig.h): "
                      "git clone https://github.com/micropython/micropython" % mp_dir)
    parts = [re.search(r"#define MICROPY_VERSION_%s (\d+)" % k, text) for k in
             ("MAJOR", "MINOR", "MICRO")]
    if not all(parts):
        raise Missing("py/mpconfig.h in %s names no version" % mp_dir)
    return tuple(int(m.group(1)) for m in parts)


def check_tree(mp_dir, board):
    if not mp_dir:
        raise Missing("MICROPY_DIR is not set: make firmware BOARD=%s MICROPY_DIR=<a clone of "
                      "https://github.com/micropython/micropython at v%d.%d.x>"
                      % ((board,) + SUPPORTED))
    if not os.path.isdir(mp_dir):
        raise Missing("MICROPY_DIR=%s does not exist" % mp_dir)
    v = version_of(mp_dir)
    if v[:2] != SUPPORTED:
        raise Missing("MICROPY_DIR holds MicroPython %d.%d.%d; the project supports v%d.%d.x "
                      "(the pinned unix port and the .mpy files of updates): "
                      "git -C %s checkout v%d.%d.0 && git submodule update"
                      % (v + SUPPORTED + (mp_dir,) + SUPPORTED))
    port = BOARDS[board]["port"]
    absent = [s for s in BOARDS[board]["submodules"]
              if not os.path.exists(os.path.join(mp_dir, s, SUBMODULE_MARK[s]))]
    if absent:
        raise Missing("submodules missing in %s: %s: run make -C %s/ports/%s submodules%s"
                      % (mp_dir, ", ".join(absent), mp_dir, port,
                         " BOARD=RPI_PICO_W" if port == "rp2" else ""))
    return v


def _compiles(cmd, source="int main(void){return 0;}\n", suffix=".c"):
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "t" + suffix)
        with open(src, "w") as f:
            f.write(source)
        r = subprocess.run(cmd + [src, "-o", os.path.join(d, "t.out")],
                           capture_output=True, text=True)
        return r.returncode == 0, r.stderr.strip().splitlines()[-1:] or [""]


def check_tools(board):
    port = BOARDS[board]["port"]
    if not shutil.which("make") or not shutil.which("gcc"):
        raise Missing("make and gcc are needed (Debian: apt install build-essential)")
    if port == "unix":
        ok, err = _compiles(["gcc", "-m32"], "#include <stdio.h>\nint main(void){return 0;}\n")
        if not ok:
            raise Missing("gcc cannot build 32-bit programs (%s): apt install gcc-multilib"
                          % err[0])
    elif port == "rp2":
        for tool, pkg in (("arm-none-eabi-gcc", "gcc-arm-none-eabi"), ("cmake", "cmake")):
            if not shutil.which(tool):
                raise Missing("%s not found: apt install %s" % (tool, pkg))
        ok, err = _compiles(["arm-none-eabi-gcc", "-mcpu=cortex-m0plus", "-c"],
                            "#include <string.h>\nint f(void){return (int)strlen(\"x\");}\n")
        if not ok:
            raise Missing("arm-none-eabi-gcc has no C library (%s): apt install "
                          "libnewlib-arm-none-eabi" % err[0])


def run(cmd, cwd, logfile, env=None):
    log("%s (in %s; output in %s)" % (" ".join(cmd), cwd, logfile))
    with open(logfile, "a") as out:
        r = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env)
    if r.returncode != 0:
        with open(logfile) as f:
            tail = f.read().splitlines()[-25:]
        sys.exit("firmware: failed: %s\n%s" % (" ".join(cmd), "\n".join(tail)))


def build_mpy_cross(mp_dir, logfile):
    jobs = "-j%d" % (os.cpu_count() or 2)
    run(["make", jobs, "-C", "mpy-cross"], mp_dir, logfile)
    return os.path.join(mp_dir, "mpy-cross", "build", "mpy-cross")


def size_of(binary, tool="size"):
    """(text, data, bss) of an ELF file."""
    r = subprocess.run([tool, binary], capture_output=True, text=True, check=True)
    text, data, bss = r.stdout.splitlines()[1].split()[:3]
    return int(text), int(data), int(bss)


def _c_value(path, name):
    """The value of `#define NAME (a * b)` or `pico_board_cmake_set_default(NAME, (a * b))`."""
    with open(path) as f:
        m = re.search(r"%s\W+\(?([\d\s\*]+)\)?" % name, f.read())
    if not m:
        return None
    value = 1
    for factor in m.group(1).split("*"):
        value *= int(factor)
    return value


def fresh_obj(out, cmd):
    """The object directory, emptied when the build's options or tree changed (make would not
    see it: objects built with other flags or sources would be linked)."""
    obj = os.path.join(out, "obj")
    stamp = os.path.join(obj, ".options")
    options = "\n".join(a for a in cmd if "=" in a and not a.startswith("FROZEN_MANIFEST="))
    try:
        with open(stamp) as f:
            same = f.read() == options
    except OSError:
        same = False
    if not same:
        shutil.rmtree(obj, ignore_errors=True)
        os.makedirs(obj)
        with open(stamp, "w") as f:
            f.write(options)
    return obj


def build_unix(mp_dir, board, out, manifest, logfile):
    spec = BOARDS[board]
    obj = fresh_obj(out, spec["make"] + ["MICROPY_DIR=" + mp_dir])
    jobs = "-j%d" % (os.cpu_count() or 2)
    run(["make", jobs, "BUILD=" + obj, "FROZEN_MANIFEST=" + manifest] + spec["make"],
        os.path.join(mp_dir, "ports", "unix"), logfile)
    image = os.path.join(out, "micropython")
    shutil.copy2(os.path.join(obj, "micropython"), image)
    text, data, bss = size_of(image)
    frozen = os.path.join(obj, "frozen_content.o")
    fz = size_of(frozen)[0] + size_of(frozen)[1] if os.path.exists(frozen) else 0
    log("image %s: %d bytes (code and read-only data %d, data %d, bss %d); "
        "frozen content %d bytes" % (os.path.relpath(image, ROOT), os.path.getsize(image),
                                    text, data, bss, fz))
    r = subprocess.run([image, "-c", "import sys; print(sys.implementation._mpy & 0x3ff)"],
                       capture_output=True, text=True)
    mpy = int(r.stdout.strip() or 0)
    log(".mpy version the image loads: %d.%d" % (mpy & 0xff, mpy >> 8))
    return image


def build_rp2(mp_dir, board, out, manifest, logfile):
    spec = BOARDS[board]
    # CMake keeps the manifest of its first run in its cache: another one needs a new tree
    obj = fresh_obj(out, spec["make"] + ["MICROPY_DIR=" + mp_dir, "MANIFEST=" + manifest])
    jobs = "-j%d" % (os.cpu_count() or 2)
    env = dict(os.environ)
    # The pico-sdk converts the ELF with picotool, which it downloads and builds when none is
    # installed; with no picotool the .uf2 comes from MicroPython's own uf2conv.py (for the
    # RP2040 the same image: 256-byte blocks at 0x10000000, the RP2040 family id).
    env["CMAKE_ARGS"] = (env.get("CMAKE_ARGS", "") + " -Dpicotool_FOUND=0").strip()
    cmd = ["make", jobs, "BUILD=" + obj] + spec["make"]
    if manifest:
        cmd.append("FROZEN_MANIFEST=" + manifest)
    run(cmd, os.path.join(mp_dir, "ports", "rp2"), logfile, env)
    uf2 = os.path.join(out, "firmware.uf2")
    run([sys.executable, os.path.join(mp_dir, "tools", "uf2conv.py"), "-c", "-b",
         RP2040_FLASH_BASE, "-f", RP2040_FAMILY, "-o", uf2, os.path.join(obj, "firmware.bin")],
        out, logfile)
    image = os.path.getsize(os.path.join(obj, "firmware.bin"))
    flash = _c_value(os.path.join(mp_dir, "lib/pico-sdk/src/boards/include/boards",
                                  spec["flash_header"]), "PICO_FLASH_SIZE_BYTES") or 2 << 20
    board_dir = (os.path.join(ROOT, spec["board_dir"]) if "board_dir" in spec else
                 os.path.join(mp_dir, "ports/rp2/boards", spec["mp_board"]))
    fs = _c_value(os.path.join(board_dir, "mpconfigboard.h"), "MICROPY_HW_FLASH_STORAGE_BYTES")
    frozen = os.path.join(obj, "CMakeFiles", "firmware.dir", "frozen_content.c.o")
    fz = sum(size_of(frozen, "arm-none-eabi-size")[:2]) if os.path.exists(frozen) else 0
    log("image %s: %d bytes (frozen content %d bytes); uf2 %d bytes"
        % (os.path.relpath(os.path.join(obj, "firmware.bin"), ROOT), image, fz,
           os.path.getsize(uf2)))
    if fs:
        room = flash - fs
        log("flash %d KB: %d KB filesystem (as the board defines it), %d KB for the image: "
            "%d KB used, %d KB left" % (flash // 1024, fs // 1024, room // 1024,
                                         (image + 1023) // 1024, (room - image) // 1024))
        if image > room:
            sys.exit("firmware: the image is larger than the flash before the filesystem")
    return uf2


def check_esp32(mp_dir, board, out, manifest, logfile):
    """Without ESP-IDF: freeze the board's manifest for the ESP32's architecture, which checks
    that every module it names exists and compiles, and gives the frozen bytecode's size."""
    mpy_cross = build_mpy_cross(mp_dir, logfile)
    work = os.path.join(out, "manifest-check")
    os.makedirs(os.path.join(work, "genhdr"), exist_ok=True)
    # no port build, so no port qstr list: every qstr counts as the frozen code's own
    with open(os.path.join(work, "genhdr", "qstrdefs.preprocessed.h"), "w") as f:
        f.write("QCFG(BYTES_IN_LEN, (1))\nQCFG(BYTES_IN_HASH, (1))\n")
    env = dict(os.environ, MICROPY_MPYCROSS=mpy_cross)
    run([sys.executable, os.path.join(mp_dir, "tools", "makemanifest.py"), "-o",
         os.path.join(work, "frozen_content.c"), "-b", work, "--mpy-cross-flags=-march=xtensawin",
         "-v", "MPY_DIR=" + mp_dir, "-v", "MPY_LIB_DIR=" + os.path.join(mp_dir, "lib",
                                                                         "micropython-lib"),
         "-v", "PORT_DIR=" + os.path.join(mp_dir, "ports", "esp32"),
         "-v", "BOARD_DIR=" + os.path.join(mp_dir, "ports", "esp32", "boards",
                                           "ESP32_GENERIC"), manifest], mp_dir, logfile, env)
    total = agent = 0
    for d, _, files in os.walk(os.path.join(work, "frozen_mpy")):
        for f in files:
            n = os.path.getsize(os.path.join(d, f))
            total += n
            rel = os.path.relpath(os.path.join(d, f), os.path.join(work, "frozen_mpy"))
            if rel.split(os.sep)[0] in ("ocpp", "evse") or f[:-4] + ".py" in _own_modules():
                agent += n
    log("manifest frozen for xtensawin: %d .mpy bytes (the agent's %d); "
        "no image: ESP-IDF is not installed" % (total, agent))
    return None


def _own_modules():
    names = set(os.listdir(os.path.join(ROOT, "firmware")))
    for d in ("common", "esp32_devkitc", "rpi_pico_w", "unix"):
        names.update(os.listdir(os.path.join(ROOT, "boards", d)))
    return names


def build_esp32(mp_dir, board, out, manifest, logfile):
    if not os.environ.get("IDF_PATH") or not shutil.which("idf.py"):
        log("ESP-IDF not found (IDF_PATH unset or idf.py not on PATH): the image needs it "
            "(https://docs.espressif.com/projects/esp-idf, the version ports/esp32/README.md "
            "names; then `. $IDF_PATH/export.sh`). Checking the manifest instead.")
        return check_esp32(mp_dir, board, out, manifest, logfile)
    mark = os.path.join(mp_dir, "lib", "berkeley-db-1.xx", SUBMODULE_MARK["lib/berkeley-db-1.xx"])
    if not os.path.exists(mark):
        sys.exit("firmware: submodule missing in %s: lib/berkeley-db-1.xx: run make -C "
                 "%s/ports/esp32 submodules" % (mp_dir, mp_dir))
    spec = BOARDS[board]
    obj = fresh_obj(out, spec["make"] + ["MICROPY_DIR=" + mp_dir])
    cmd = ["make", "BUILD=" + obj] + spec["make"]
    if manifest:
        cmd.append("FROZEN_MANIFEST=" + manifest)
    run(cmd, os.path.join(mp_dir, "ports", "esp32"), logfile)
    image = os.path.join(out, "firmware.bin")
    shutil.copy2(os.path.join(obj, "firmware.bin"), image)
    app = os.path.getsize(os.path.join(obj, "micropython.bin"))
    room = 0x1F0000  # the factory app partition of partitions-4MiBplus.csv
    log("image %s: %d bytes; app %d of %d KB (%d KB left); on a 4 MB DevKitC the "
        "filesystem has the 2 MB after the first 2 MB" % (os.path.relpath(image, ROOT),
                                                         os.path.getsize(image), app // 1024,
                                                         room // 1024, (room - app) // 1024))
    return image


BUILDERS = {"unix": build_unix, "rp2": build_rp2, "esp32": build_esp32}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("board", choices=sorted(BOARDS))
    ap.add_argument("--micropy-dir", default=os.environ.get("MICROPY_DIR", ""))
    ap.add_argument("--no-freeze", action="store_true",
                    help="the port without the agent (for the .mpy figures)")
    ap.add_argument("--out", help="default build/firmware/<board>[-mpy]")
    args = ap.parse_args(argv)
    mp_dir = os.path.abspath(os.path.expanduser(args.micropy_dir)) if args.micropy_dir else ""
    try:
        v = check_tree(mp_dir, args.board)
        check_tools(args.board)
    except Missing as e:
        sys.exit("firmware: " + str(e))
    spec = BOARDS[args.board]
    name = args.board + ("-mpy" if args.no_freeze else "")
    out = os.path.abspath(args.out or os.path.join(ROOT, "build", "firmware", name))
    os.makedirs(out, exist_ok=True)
    logfile = os.path.join(out, "build.log")
    open(logfile, "w").close()
    manifest = spec["plain_manifest"] if args.no_freeze else os.path.join(ROOT, spec["manifest"])
    log("MicroPython %d.%d.%d in %s; %s%s" % (v + (mp_dir, name,
                                                   "" if args.no_freeze else
                                                   ", agent frozen through " + spec["manifest"])))
    if spec["port"] != "esp32":
        build_mpy_cross(mp_dir, logfile)
    result = BUILDERS[spec["port"]](mp_dir, args.board, out, manifest, logfile)
    if result:
        with open(result, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        log("done: %s (sha256 %s)" % (os.path.relpath(result, ROOT), digest))


if __name__ == "__main__":
    main()
