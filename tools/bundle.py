"""Build the file set a board runs from flash: tools/bundle.py BOARD [--out DIR] [--version V]
[--pack FILE]

Compiles firmware/ and the board's own files with mpy-cross for the board's architecture
into build/<board>/, keeping the directory layout (ocpp/, evse/ stay packages). main.py
stays source: the ports only run a main.py. Prints the bundle size.

    BOARD          files                                       mpy-cross -march
    esp32_devkitc  firmware + boards/common + boards/esp32_devkitc   xtensawin
    rpi_pico_w     firmware + boards/common + boards/rpi_pico_w      armv6m
    unix           firmware + boards/unix                             (host bytecode)

Plain bytecode is the same for every architecture; -march matters for @native/@viper code
and marks the .mpy for the port that may load it.

--version V builds version.py saying V (BootNotification's firmwareVersion). --pack FILE also
packs the bundle into one file for UpdateFirmware (firmware/ocpp/model/firmware.py), read and
checked as it streams, never whole:

    ocpp-mpy-bundle 1 <board> <version> <number of files>\n
    <size> <sha256 hex> <path>\n<size bytes>      one per file, paths below the slot
    ...
    end\n

main.py, boot.py and bootslot.mpy stay out of it: they run from the flashed root and choose
the bundle.
"""
import argparse
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = {
    "esp32_devkitc": ("xtensawin", ["boards/common", "boards/esp32_devkitc"]),
    "rpi_pico_w": ("armv6m", ["boards/common", "boards/rpi_pico_w"]),
    "unix": (None, ["boards/unix"]),
}
KEEP_SOURCE = {"main.py", "boot.py"}
SKIP = {"manifest.py"}  # freezing recipes, not code for the flash


def mpy_cross():
    exe = os.path.join(os.path.dirname(sys.executable), "mpy-cross")
    if os.path.exists(exe):
        return exe
    found = shutil.which("mpy-cross")
    if not found:
        sys.exit("bundle: mpy-cross not found: run 'make venv' first")
    return found


def sources(board):
    """(source path, path in the bundle) for every file the board needs."""
    out = []
    for base, _, files in sorted(os.walk(os.path.join(ROOT, "firmware"))):
        for f in sorted(files):
            if f.endswith(".py"):
                src = os.path.join(base, f)
                out.append((src, os.path.relpath(src, os.path.join(ROOT, "firmware"))))
    for d in BOARDS[board][1]:
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith(".py") and f not in SKIP:
                out.append((os.path.join(ROOT, d, f), f))
    seen = {}
    for src, dst in out:
        if dst in seen:
            sys.exit("bundle: %s and %s both become %s" % (seen[dst], src, dst))
        seen[dst] = src
    return out


def build(board, out_dir, version=None):
    arch = BOARDS[board][0]
    exe = mpy_cross()
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    total = 0
    rows = []
    for src, rel in sources(board):
        if rel == "version.py" and version:
            src = os.path.join(out_dir + ".version.py")
            os.makedirs(os.path.dirname(os.path.abspath(src)), exist_ok=True)
            with open(src, "w") as f:
                f.write("VERSION = %r\n" % version)
        if os.path.basename(rel) in KEEP_SOURCE and os.path.dirname(rel) == "":
            dst = os.path.join(out_dir, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copyfile(src, dst)
        else:
            dst = os.path.join(out_dir, rel[:-3] + ".mpy")
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            cmd = [exe, "-o", dst, "-s", rel]
            if arch:
                cmd.append("-march=" + arch)
            r = subprocess.run(cmd + [src], capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit("bundle: mpy-cross failed on %s:\n%s%s" % (rel, r.stdout, r.stderr))
        size = os.path.getsize(dst)
        total += size
        rows.append((os.path.relpath(dst, out_dir), size))
    if version:
        os.remove(out_dir + ".version.py")
    return rows, total


def pack(board, out_dir, version, path):
    """Pack the built bundle in out_dir into one update file at `path` (format above)."""
    import hashlib

    files = []
    for base, _, names in sorted(os.walk(out_dir)):
        for name in sorted(names):
            rel = os.path.relpath(os.path.join(base, name), out_dir).replace(os.sep, "/")
            if rel not in KEEP_SOURCE and rel != "bootslot.mpy" and not name.startswith("."):
                files.append(rel)
    with open(path, "wb") as out:
        out.write(("ocpp-mpy-bundle 1 %s %s %d\n" % (board, version, len(files))).encode())
        for rel in files:
            with open(os.path.join(out_dir, rel), "rb") as f:
                data = f.read()
            out.write(("%d %s %s\n" % (len(data), hashlib.sha256(data).hexdigest(), rel)).encode())
            out.write(data)
        out.write(b"end\n")
    return len(files), os.path.getsize(path)


def current_version():
    with open(os.path.join(ROOT, "firmware", "version.py")) as f:
        for line in f:
            if line.startswith("VERSION"):
                return line.split("=", 1)[1].strip().strip("\"'")
    return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("board", choices=sorted(BOARDS))
    ap.add_argument("--out", help="output directory (default build/<board>)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every file")
    ap.add_argument("--version", help="the version the bundle says it is (default: "
                    "firmware/version.py's)")
    ap.add_argument("--pack", metavar="FILE", help="also pack it into one update file")
    args = ap.parse_args()
    out_dir = args.out or os.path.join(ROOT, "build", args.board)
    rows, total = build(args.board, out_dir, args.version)
    if args.verbose:
        for name, size in rows:
            print("  %7d  %s" % (size, name))
    arch = BOARDS[args.board][0] or "host bytecode"
    print("bundle %s (%s): %d files, %d bytes in %s"
          % (args.board, arch, len(rows), total, os.path.relpath(out_dir, ROOT)))
    if args.pack:
        n, size = pack(args.board, out_dir, args.version or current_version(), args.pack)
        print("packed %d files into %s: %d bytes" % (n, args.pack, size))


if __name__ == "__main__":
    main()
