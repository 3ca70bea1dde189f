"""Build, deploy and check tooling for the boards (boards.mk, tools/bundle.py, tools/deploy.sh).

CPython tests: they run make and the tools as a developer would. The unix bundle is run as
the agent (compiled .mpy only, no source on the module path) against the test CSMS.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from mphost import MICROPYTHON, ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
from csms import CentralSystemThread  # noqa: E402


def make(*args, timeout=600):
    """make with boards.mk, whether or not the Makefile includes it yet."""
    with open(os.path.join(ROOT, "Makefile")) as f:
        included = re.search(r"^-?include\s+boards\.mk", f.read(), re.M)
    cmd = ["make", "--no-print-directory"]
    if not included:
        cmd += ["-f", "Makefile", "-f", "boards.mk"]
    return subprocess.run(cmd + list(args), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def firmware_modules():
    out = set()
    for base, _, files in os.walk(os.path.join(ROOT, "firmware")):
        for f in files:
            if f.endswith(".py"):
                out.add(os.path.relpath(os.path.join(base, f), os.path.join(ROOT, "firmware")))
    return out


@pytest.mark.parametrize("board,arch,own", [
    ("esp32_devkitc", "xtensawin", ["board", "hwboard", "pilot_frontend", "mfrc522", "pcnt_meter"]),
    ("rpi_pico_w", "armv6m", ["board", "hwboard", "pilot_frontend", "mfrc522", "net"]),
    ("unix", "host bytecode", ["board", "control_port"]),
])
def test_bundle_compiles_firmware_and_board_and_reports_its_size(board, arch, own):
    r = make("bundle", "BOARD=" + board)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"bundle %s \(%s\): (\d+) files, (\d+) bytes" % (board, arch), r.stdout)
    assert m, r.stdout
    out = os.path.join(ROOT, "build", board)
    files = []
    for base, _, names in os.walk(out):
        files += [os.path.join(base, n) for n in names]
    assert int(m.group(1)) == len(files)
    assert int(m.group(2)) == sum(os.path.getsize(f) for f in files)
    rel = {os.path.relpath(f, out) for f in files}
    assert "main.py" in rel  # the ports only run a main.py
    for mod in firmware_modules() - {"main.py"}:
        assert mod[:-3] + ".mpy" in rel, mod
    for mod in own:
        assert mod + ".mpy" in rel, mod
    assert not any(f.endswith(".py") for f in rel - {"main.py"})
    assert "manifest.mpy" not in rel
    with open(os.path.join(out, "settings.mpy"), "rb") as f:
        assert f.read(2) == b"M\x06"  # mpy version 6: what MicroPython 1.2x loads
    if board == "esp32_devkitc":
        assert "pcnt_meter.mpy" in rel
    else:
        assert "pcnt_meter.mpy" not in rel


def test_manifest_freezes_every_firmware_module():
    """A frozen build runs only main.py from the filesystem: every other firmware module must be
    in manifest.py (a package covers its directory)."""
    with open(os.path.join(ROOT, "manifest.py")) as f:
        text = f.read()
    packages = re.findall(r'^package\("(\w+)", base_path="firmware"\)', text, re.M)
    modules = set(re.findall(r'^module\("([\w.]+)", base_path="firmware"\)', text, re.M))
    assert packages and modules
    missing = [m for m in sorted(firmware_modules() - {"main.py"})
               if m not in modules and m.split(os.sep)[0] not in packages]
    assert missing == [], "not frozen by manifest.py: %s" % missing


def test_bundle_needs_a_known_board():
    r = make("bundle", "BOARD=arduino")
    assert r.returncode != 0 and "BOARD=esp32_devkitc, rpi_pico_w or unix" in r.stderr


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_unix_bundle_runs_the_agent(tmp_path):
    """What is deployed is what was tested: the compiled bundle alone runs the agent."""
    r = make("bundle", "BOARD=unix")
    assert r.returncode == 0, r.stderr
    bundle = os.path.join(ROOT, "build", "unix")
    cs = CentralSystemThread(boot_interval=300).start()
    state = tmp_path / "state"
    state.mkdir()
    port = _free_port()
    (state / "config.json").write_text(json.dumps({
        "charge_point_id": "CP_B", "csms_url": "ws://127.0.0.1:%d/ocpp" % cs.port,
        "sim": {"control_port": port}}))
    # only the bundle on the path: the script's own directory (build/unix) comes first, and
    # no firmware/ source directory is reachable
    env = dict(os.environ, MICROPYPATH=".frozen:" + bundle)
    log = open(tmp_path / "agent.log", "w")
    proc = subprocess.Popen([MICROPYTHON, "-X", "heapsize=256k", os.path.join(bundle, "main.py"),
                             str(state)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        cs.wait_for("CP_B", "BootNotification", timeout=20)
        deadline = time.time() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
                    s.sendall(b"status\n")
                    reply = json.loads(s.makefile().readline())
                break
            except ConnectionRefusedError:
                assert time.time() < deadline
                time.sleep(0.1)
        assert reply["ok"] and reply["pilot_state"] == "A"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)
        log.close()
        cs.stop()
    text = (tmp_path / "agent.log").read_text()
    assert "starting on unix" in text, text
    assert cs.violations == []


def test_deploy_with_no_board_attached_fails_with_a_clear_message():
    r = make("deploy", "BOARD=esp32_devkitc", "PORT=/dev/ttyUSB-not-here")
    assert r.returncode != 0
    assert "deploy: no board at /dev/ttyUSB-not-here" in r.stderr, r.stderr
    r = make("console", "PORT=/dev/ttyACM-not-here")
    assert r.returncode != 0 and "no board at /dev/ttyACM-not-here" in r.stderr


def test_deploy_auto_port_finds_no_board_here():
    devs = subprocess.run([os.path.join(ROOT, ".venv", "bin", "mpremote"), "devs"],
                          capture_output=True, text=True)
    usb = [ln for ln in devs.stdout.splitlines()
           if len(ln.split()) > 2 and ln.split()[2] not in ("0000:0000", "None")]
    if usb:
        pytest.skip("a serial device is attached: not deploying to it from a test")
    r = make("deploy", "BOARD=rpi_pico_w", "PORT=auto")
    assert r.returncode != 0 and "no board found on any serial port" in r.stderr, r.stderr


def test_deploy_refuses_the_unix_board():
    r = subprocess.run([os.path.join(ROOT, "tools", "deploy.sh"), "unix", "/dev/null"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "tools/unix-agent" in r.stderr


def test_check_passes_for_both_boards():
    r = make("check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "check esp32_devkitc against the esp32 stubs" in r.stdout
    assert "check rpi_pico_w against the rp2 stubs" in r.stdout


def _broken_copy(tmp_path, board, code):
    common = tmp_path / "common"
    own = tmp_path / board
    shutil.copytree(os.path.join(ROOT, "boards", "common"), common)
    shutil.copytree(os.path.join(ROOT, "boards", board), own)
    with open(own / "board.py", "a") as f:
        f.write("\n\ndef _broken():\n" + "".join("    %s\n" % line for line in code))
    return "CHECK_SRC=%s %s" % (common, own)


@pytest.mark.parametrize("board,code,error", [
    # rp2 has no PCNT: machine.Counter does not exist there
    ("rpi_pico_w", ["machine.Counter(0, src=machine.Pin(4))"], 'has no attribute "Counter"'),
    # read_uv() is esp32-only
    ("rpi_pico_w", ["machine.ADC(machine.Pin(26)).read_uv()"], 'has no attribute "read_uv"'),
    ("esp32_devkitc", ["machine.PWM(machine.Pin(25)).duty_percent(50)"],
     'has no attribute "duty_percent"'),
    ("esp32_devkitc", ["machine.WDT(timeout_ms=2000)"], 'Unexpected keyword argument "timeout_ms"'),
])
def test_check_catches_a_machine_api_the_port_does_not_have(tmp_path, board, code, error):
    r = make("check-" + board, _broken_copy(tmp_path, board, code))
    assert r.returncode != 0, r.stdout
    assert error in r.stdout, r.stdout + r.stderr


def test_the_same_call_passes_on_the_port_that_has_it(tmp_path):
    r = make("check-esp32_devkitc",
             _broken_copy(tmp_path, "esp32_devkitc", ["machine.ADC(machine.Pin(36)).read_uv()"]))
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_validation_texts_are_numbered_once_and_in_their_order():
    """validate/__init__.py numbers the texts of validate/text.py (loaded only for an invalid
    payload, so the numbers cannot be imported from it): text.py defines none of them, and each
    number names the text it means in text.py's _TEXTS."""
    def read(rel):
        with open(os.path.join(ROOT, "firmware", "ocpp", "core", "validate", rel)) as f:
            return f.read()

    numbers = {k: int(v) for k, v in re.findall(r"^(_[CWT]_[A-Z0-9_]+) = const\((\d+)\)",
                                                  read("__init__.py"), re.M)}
    text = read("text.py")
    assert not re.findall(r"^_[CWT]_[A-Z0-9_]+ = const", text, re.M)
    words = eval(re.search(r"^_TEXTS = (\(.*?\))$", text, re.M | re.S).group(1)).split("|")
    meant = {"_C_FORMATION": "FormationViolation", "_W_OBJECT": "object",
             "_W_STRING": "string", "_W_INTEGER": "integer", "_W_NUMBER": "number",
             "_W_BOOLEAN": "boolean", "_W_ARRAY": "array", "_W_PAYLOAD": "a JSON object",
             "_T_NAME_TYPE": "field name is not", "_T_UNKNOWN": "unknown field",
             "_T_CODE": "no validator", "_T_MISSING": "required field", "_T_FEWER": "fewer than",
             "_T_MORE": "more than %d items", "_T_EXPECTED": "expected %s",
             "_T_LONGER": "longer than", "_T_DATETIME": "not an ISO 8601",
             "_T_ENUM": "value \"%s\"", "_T_FINITE": "not a finite", "_T_DECIMAL": "more than one",
             "_T_BELOW": "below the minimum", "_T_ABOVE": "above the maximum"}
    assert set(meant) == set(numbers), set(meant) ^ set(numbers)
    for name, start in meant.items():
        assert words[numbers[name]].startswith(start), (name, words[numbers[name]])


def test_websocket_opcodes_are_defined_once():
    """The resident client (ws/__init__.py) defines RFC 6455's opcodes; the parts loaded on
    demand use its public names rather than consts of their own."""
    ws_dir = os.path.join(ROOT, "firmware", "ocpp", "core", "ws")
    for f in os.listdir(ws_dir):
        if f.endswith(".py") and f != "__init__.py":
            with open(os.path.join(ws_dir, f)) as fh:
                assert not re.findall(r"_OP_[A-Z]+ = const|0x[0-9A]\b.*# opcode", fh.read()), f


def test_a_module_loaded_through_the_cache_is_never_imported_by_a_statement():
    """ocpp/core/cache.py evicts only what use() imported: an on-demand module that another
    one imports with an import statement would stay in the heap for good. So every module named
    in a cache.use("...") call is never the target of `import` / `from ... import` in the
    firmware (packages of several on-demand modules are fine: their own code is tiny)."""
    firmware = os.path.join(ROOT, "firmware")
    used, imported = set(), {}
    for base, _, files in os.walk(firmware):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(base, f)
            text = open(path).read()
            used |= {"ocpp." + m for m in re.findall(r'cache\.use\("([A-Za-z0-9_.]+)"\)', text)}
            for m in re.findall(r"^[ \t]*from (ocpp[A-Za-z0-9_.]*) import (\([^)]*\)|[^\n]*)",
                                text, re.M):
                names = [n.strip().split(" as ")[0] for n in m[1].replace("(", "").replace(
                    ")", "").split(",") if n.strip()]
                imported.setdefault(m[0], []).append(os.path.relpath(path, ROOT))
                for n in names:
                    imported.setdefault(m[0] + "." + n, []).append(os.path.relpath(path, ROOT))
            for m in re.findall(r"^[ \t]*import (ocpp[A-Za-z0-9_.]*)", text, re.M):
                imported.setdefault(m, []).append(os.path.relpath(path, ROOT))
    assert len(used) > 20, used  # the regex still finds them
    # a key declaration module imports the consts of the key table that is importing it
    allowed = {"ocpp.core.config.keys"}
    clash = {m: imported[m] for m in used if m in imported and m not in allowed}
    assert not clash, clash
