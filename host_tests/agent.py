"""Integration-test side of the unix agent: start tools/unix-agent, read its log, drive its EV.

Everything goes through the contracts a user has: config.json in a state directory, the
launcher, and the simulator control port.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(ROOT, "tools", "unix-agent")
sys.path.insert(0, os.path.join(ROOT, "tools"))
from simctl import control as _control  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Agent:
    """One agent process tree (launcher + MicroPython) with its own state directory."""

    def __init__(self, state_dir, config, heap=None):
        self.state = str(state_dir)
        self.config = dict(config)
        self.config.setdefault("sim", {})
        self.config["sim"].setdefault("control_port", free_port())
        self.heap = heap
        self.proc = None
        self.log_path = os.path.join(self.state, "agent.log")
        self._log_file = None

    @property
    def control_port(self):
        return self.config["sim"]["control_port"]

    def write_config(self):
        os.makedirs(self.state, exist_ok=True)
        with open(os.path.join(self.state, "config.json"), "w") as f:
            json.dump(self.config, f)

    def start(self):
        self.write_config()
        env = dict(os.environ)
        env.pop("MICROPY_HEAP", None)
        if self.heap:
            env["MICROPY_HEAP"] = self.heap
        self._log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([LAUNCHER, self.state], stdout=self._log_file,
                                     stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        return self

    def stop(self):
        """SIGTERM, as a user stops it; returns the launcher's exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._log_file.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def kill(self):
        """Power cut: SIGKILL the whole process tree at once."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)
        self._log_file.close()
        self.proc = None

    def wait_exit(self, timeout=10):
        return self.proc.wait(timeout)

    # -- log --------------------------------------------------------------------------------------
    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=15, count=1):
        """Wait until the log matches `pattern` (a regex) at least `count` times."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if len(re.findall(pattern, self.log())) >= count:
                return
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError("log never matched %r (x%d); log tail:\n%s"
                             % (pattern, count, self.log()[-3000:]))

    # -- control port -----------------------------------------------------------------------------
    def control(self, line, timeout=10):
        """Send one control-port command; returns the decoded JSON reply."""
        deadline = time.time() + timeout
        while True:  # the agent may still be starting (or restarting after a Reset)
            try:
                return _control(self.control_port, line)
            except (ConnectionRefusedError, ConnectionResetError):
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def status(self):
        return self.control("status")

    def wait_status(self, predicate, timeout=10):
        deadline = time.time() + timeout
        while True:
            s = self.status()
            if predicate(s):
                return s
            if time.time() > deadline:
                raise AssertionError("status never matched; last: %r" % s)
            time.sleep(0.05)
