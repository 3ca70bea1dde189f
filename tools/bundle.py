"""Build the file set a board runs from flash: tools/bundle.py BOARD [--out DIR]

Compiles firmware/ and the board's own files with mpy-cross for the board's architecture
into build/<board>/, keeping the directory layout (ocpp/, evse/ stay packages). main.py
stays source: the ports only run a main.py. Prints the bundle size.

    BOARD          files                                       mpy-cross -march
    esp32_devkitc  firmware + boards/common + boards/esp32_devkitc   xtensawin
    rpi_pico_w     firmware + boards/common + boards/rpi_pico_w      armv6m
    unix           firmware + boards/unix                             (host bytecode)

Plain bytecode is the same for every architecture; -march matters for @native/@viper code
and marks the .mpy for the port that may load it.
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


def build(board, out_dir):
    arch = BOARDS[board][0]
    exe = mpy_cross()
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    total = 0
    rows = []
    for src, rel in sources(board):
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
    return rows, total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("board", choices=sorted(BOARDS))
    ap.add_argument("--out", help="output directory (default build/<board>)")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every file")
    args = ap.parse_args()
    out_dir = args.out or os.path.join(ROOT, "build", args.board)
    rows, total = build(args.board, out_dir)
    if args.verbose:
        for name, size in rows:
            print("  %7d  %s" % (size, name))
    arch = BOARDS[args.board][0] or "host bytecode"
    print("bundle %s (%s): %d files, %d bytes in %s"
          % (args.board, arch, len(rows), total, os.path.relpath(out_dir, ROOT)))


if __name__ == "__main__":
    main()
