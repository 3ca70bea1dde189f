"""pytest glue: MicroPython unit tests (host_tests/unit/mp_test_*.py) run under the unix port.

Each mp_test_*.py file is run once by host_tests/mp_runner.py under .venv/bin/micropython; every
test_* function in it becomes one pytest item. The firmware is never imported by CPython.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mphost import MICROPYTHON, MICROPYPATH, ROOT, RUNNER, run_micropython  # noqa: E402,F401


def pytest_pycollect_makemodule(module_path, parent):
    # pytest.ini lists mp_test_*.py among python_files; they are run by MicroPython, never imported.
    if module_path.name.startswith("mp_test_"):
        return MpFile.from_parent(parent, path=module_path)


class MpFile(pytest.File):
    results = None

    def collect(self):
        r = run_micropython([RUNNER, str(self.path), "--list"])
        if r.returncode != 0:
            raise pytest.fail.Exception("cannot load %s under MicroPython:\n%s%s"
                                        % (self.path, r.stdout, r.stderr), pytrace=False)
        for line in r.stdout.splitlines():
            if line.startswith("TEST\t"):
                yield MpItem.from_parent(self, name=line.split("\t", 1)[1])

    def run_all(self):
        if self.results is None:
            r = run_micropython([RUNNER, str(self.path)], timeout=600)
            self.results = {}
            for line in r.stdout.splitlines():
                if line.startswith("RESULT\t"):
                    _, name, verdict, detail = line.split("\t", 3)
                    self.results[name] = (verdict, detail.replace("\\n", "\n"))
            self.output = r.stdout + r.stderr
        return self.results


class MpItem(pytest.Item):
    def runtest(self):
        results = self.parent.run_all()
        if self.name not in results:
            raise MpFailure("test did not report (crash?):\n" + self.parent.output[-3000:])
        verdict, detail = results[self.name]
        if verdict != "PASS":
            raise MpFailure(detail)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, MpFailure):
            return "MicroPython: " + str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, 0, "mp: " + self.name


class MpFailure(Exception):
    pass
