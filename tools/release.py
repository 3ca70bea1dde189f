"""What a release ships: tools/release.py [--micropy-dir DIR] [--sign-key KEY --sign-cert CERT]

    make release [MICROPY_DIR=~/micropython] [SIGN_KEY=key.pem SIGN_CERT=cert.pem]

The version is firmware/version.py's (BootNotification's firmwareVersion): bump it, commit,
tag v<version>, then release. Into build/release/<version>/:

    agent-<version>-<board>.update       the bundle packed for UpdateFirmware (tools/bundle.py
                                         --pack): what a central system serves for the update
    agent-<version>-<board>.tar.gz       the same files as a tree, for `mpremote fs cp -r`
    agent-<version>-rpi_pico_w.uf2       MicroPython with the agent frozen in (MICROPY_DIR
                                         given: make firmware), for the RPI-RP2 drive
    *.sig                                with SIGN_KEY/SIGN_CERT: the base64 signature of each
                                         .update file (RSA-PSS or ECDSA over SHA-256), the
                                         `signature` of SignedUpdateFirmware; signing-cert.pem
                                         is its `signingCertificate`
    SHA256SUMS                           the digest of every file above (sha256sum -c)

A tree that differs from its tag is refused unless --untagged (a test build).
"""
import argparse
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOARDS = ("esp32_devkitc", "rpi_pico_w")


def version():
    with open(os.path.join(ROOT, "firmware", "version.py")) as f:
        return re.search(r'VERSION = "([^"]+)"', f.read()).group(1)


def git(*args):
    r = subprocess.run(["git", "-C", ROOT] + list(args), capture_output=True, text=True)
    return r.returncode, r.stdout.strip()


def tagged(v):
    """None when HEAD is tag v<version> with a clean tree, else why not."""
    rc, tags = git("tag", "--points-at", "HEAD")
    if rc != 0:
        return "not a git checkout"
    if "v" + v not in tags.split():
        return "HEAD is not tagged v%s" % v
    rc, dirty = git("status", "--porcelain", "--untracked-files=no")
    return "the tree has changes" if dirty else None


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(65536), b""):
            h.update(block)
    return h.hexdigest()


def sign(key_path, path):
    """The signature SignedUpdateFirmware checks: over the file's SHA-256, RSA-PSS (salt 32)
    or ECDSA, by the key type."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    with open(path, "rb") as f:
        data = f.read()
    if isinstance(key, rsa.RSAPrivateKey):
        sig = key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        sig = key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        sys.exit("release: %s is neither an RSA nor an EC key" % key_path)
    return base64.b64encode(sig).decode()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--micropy-dir", default=os.environ.get("MICROPY_DIR", ""))
    ap.add_argument("--sign-key", default=os.environ.get("SIGN_KEY", ""))
    ap.add_argument("--sign-cert", default=os.environ.get("SIGN_CERT", ""))
    ap.add_argument("--untagged", action="store_true", help="release a tree that is not tagged")
    ap.add_argument("--out", help="default build/release/<version>")
    args = ap.parse_args(argv)
    if bool(args.sign_key) != bool(args.sign_cert):
        sys.exit("release: SIGN_KEY and SIGN_CERT go together (the key signs, the certificate "
                 "is what the charge point checks the signature with)")
    v = version()
    why = tagged(v)
    if why and not args.untagged:
        sys.exit("release: %s (version.py says %s): commit, git tag v%s, or --untagged for a "
                 "test build" % (why, v, v))
    out = os.path.abspath(args.out or os.path.join(ROOT, "build", "release", v))
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    files = []
    for board in BOARDS:
        tree = os.path.join(out, "tree-" + board)
        update = os.path.join(out, "agent-%s-%s.update" % (v, board))
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bundle.py"), board,
                            "--out", tree, "--pack", update], capture_output=True, text=True)
        if r.returncode:
            sys.exit("release: bundle %s failed:\n%s%s" % (board, r.stdout, r.stderr))
        tgz = os.path.join(out, "agent-%s-%s.tar.gz" % (v, board))
        with tarfile.open(tgz, "w:gz") as t:
            t.add(tree, arcname="agent-%s-%s" % (v, board))
        shutil.rmtree(tree)
        files += [update, tgz]
        if args.sign_key:
            sig = update + ".sig"
            with open(sig, "w") as f:
                f.write(sign(args.sign_key, update) + "\n")
            files.append(sig)
    if args.sign_cert:
        shutil.copy(args.sign_cert, os.path.join(out, "signing-cert.pem"))
        files.append(os.path.join(out, "signing-cert.pem"))
    if args.micropy_dir:
        r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "firmware.py"),
                            "rpi_pico_w", "--micropy-dir", args.micropy_dir])
        if r.returncode:
            sys.exit("release: make firmware BOARD=rpi_pico_w failed")
        uf2 = os.path.join(out, "agent-%s-rpi_pico_w.uf2" % v)
        shutil.copy(os.path.join(ROOT, "build", "firmware", "rpi_pico_w", "firmware.uf2"), uf2)
        files.append(uf2)
    else:
        print("release: no MICROPY_DIR: no .uf2 (make release MICROPY_DIR=<micropython clone>)")
    with open(os.path.join(out, "SHA256SUMS"), "w") as f:
        for path in files:
            f.write("%s  %s\n" % (sha256(path), os.path.basename(path)))
    print("release %s%s -> %s" % (v, " (untagged: %s)" % why if why else "",
                                  os.path.relpath(out, ROOT)))
    for path in files:
        print("  %-40s %9d bytes" % (os.path.basename(path), os.path.getsize(path)))


if __name__ == "__main__":
    main()
