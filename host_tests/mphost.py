"""Running firmware under the MicroPython unix port from CPython tests.

Import this (host_tests is on sys.path) rather than conftest: pytest has one conftest per folder.
"""
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, ".venv", "bin", "micropython")
RUNNER = os.path.join(ROOT, "host_tests", "mp_runner.py")
# ".frozen" keeps the port's frozen modules (asyncio) importable.
MICROPYPATH = ":".join(
    [".frozen"] + [os.path.join(ROOT, p) for p in ("firmware", "boards/unix", "host_tests/unit")]
)


def run_micropython(args, timeout=120, heap=None, cwd=None):
    """Run the unix port with the project's module path; returns CompletedProcess."""
    env = dict(os.environ, MICROPYPATH=MICROPYPATH)
    cmd = [MICROPYTHON]
    if heap:
        cmd += ["-X", "heapsize=" + heap]
    return subprocess.run(cmd + list(args), env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


