"""make sim: the agent on the simulated board against the development central system.

Starts tools/csms's CentralSystem (printing every message), starts tools/unix-agent with a
fresh state directory (state/sim), runs a short scripted demonstration, then leaves you in the
central system's console. Lines starting with "ev " go to the simulator control port instead
(ev plug, ev charge, ev pause, ev unplug, ev card <idTag>, ev status ...).

Usage: .venv/bin/python tools/sim.py [--no-console] [--heap 160k]

The agent runs from the compiled unix bundle (build/unix-sim), as a board runs it; a whole
charging session needs about 140k of heap on this port (make bench).
"""
import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from csms import CentralSystem, console  # noqa: E402
from simctl import control  # noqa: E402

CP = "SIM_1"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(text):
    print("\n=== " + text, flush=True)


def ev_do(port, command):
    reply = control(port, command)
    print("    ev> %-12s %s" % (command, "ok" if reply.get("ok") else reply), flush=True)
    return reply


def show_status(port):
    s = control(port, "status")
    if not s.get("ok"):
        print("    status: %s" % s.get("error"), flush=True)
        return
    print("    status: pilot %s, contactor %s, %s A offered, %d W, %d Wh, connector %s, tx %s"
          % (s["pilot_state"], "closed" if s["relay_closed"] else "open", s["offered_a"],
             s["power_w"], s["energy_wh"], s["connector_status"], s["transaction_id"]), flush=True)


async def demo(cs, port):
    say("waiting for the agent to boot")
    await cs.wait_call(CP, "BootNotification")
    await cs.wait_call(CP, "StatusNotification")
    say("booted; the central system reads some configuration keys and sets the meter interval")
    await cs.call(CP, "GetConfiguration", {"key": ["HeartbeatInterval", "MeterValueSampleInterval",
                                                   "NumberOfConnectors", "NoSuchKey"]})
    await cs.call(CP, "ChangeConfiguration", {"key": "MeterValueSampleInterval", "value": "3"})
    say("a charging session: the driver plugs in and presents a card")
    mark = len(cs.messages)
    ev_do(port, "plug")
    await asyncio.sleep(0.5)
    ev_do(port, "card 04A2B3C4")
    await cs.wait_call(CP, "StartTransaction", since=mark)
    say("the EV asks for energy (state C): the contactor closes")
    ev_do(port, "charge")
    await asyncio.sleep(1)
    show_status(port)
    say("charging for 8 s: MeterValues every 3 s")
    await asyncio.sleep(8)
    show_status(port)
    say("the driver presents the same card: the transaction stops")
    mark = len(cs.messages)
    ev_do(port, "card 04A2B3C4")
    await cs.wait_call(CP, "StopTransaction", since=mark)
    ev_do(port, "unplug")
    await asyncio.sleep(1)
    show_status(port)
    say("idle: after HeartbeatInterval (10 s) of silence the agent sends a Heartbeat")
    await cs.wait_call(CP, "Heartbeat", since=len(cs.messages), timeout=15)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-console", action="store_true", help="stop after the demonstration")
    ap.add_argument("--heap", default=os.environ.get("MICROPY_HEAP", "256k"))
    args = ap.parse_args()
    asyncio.run(run(args))


async def run(args):
    cs = CentralSystem(port=0, boot_interval=10, echo=True)
    await cs.start()
    ctl_port = free_port()
    state = os.path.join(ROOT, "state", "sim")
    shutil.rmtree(state, ignore_errors=True)
    os.makedirs(state)
    with open(os.path.join(state, "config.json"), "w") as f:
        json.dump({"charge_point_id": CP, "csms_url": "ws://127.0.0.1:%d/ocpp" % cs.port,
                   "vendor": "Sim", "model": "UnixSim",
                   "sim": {"control_port": ctl_port}}, f)
    log = open(os.path.join(state, "agent.log"), "wb")
    env = dict(os.environ, MICROPY_HEAP=args.heap)
    if "AGENT_MODULES" not in env:
        # the compiled bundle, as a board runs it: from .py sources the port compiles each
        # module on import, which a board-sized --heap (128k) cannot hold
        bundle = os.path.join(ROOT, "build", "unix-sim")
        subprocess.run([sys.executable, os.path.join(HERE, "bundle.py"), "unix", "--out", bundle],
                       check=True, stdout=subprocess.DEVNULL)
        env["AGENT_MODULES"] = bundle
    agent = subprocess.Popen([os.path.join(ROOT, "tools", "unix-agent"), state], stdout=log,
                             stderr=subprocess.STDOUT, env=env)
    print("central system on ws://127.0.0.1:%d/ocpp, agent log in %s, control port %d"
          % (cs.port, os.path.relpath(log.name, ROOT), ctl_port))
    try:
        await demo(cs, ctl_port)
        if not args.no_console and sys.stdin.isatty():
            say("console: central-system commands (help), e.g. RemoteStartTransaction "
                "{\"idTag\": \"ABC\"}; or ev <command> for the EV: ev plug, ev charge, ev status")
            await console(cs, stdin=_split_ev_lines(ctl_port))
    finally:
        agent.terminate()
        agent.wait(10)
        await cs.stop()


def _split_ev_lines(port):
    """A file for the console: stdin minus the `ev ...` lines, which go to the control port."""
    r, w = os.pipe()
    reader, writer = os.fdopen(r, "r"), os.fdopen(w, "w")

    def pump():
        for line in sys.stdin:
            if line.startswith("ev "):
                try:
                    print(json.dumps(control(port, line[3:].strip())), flush=True)
                except OSError as e:
                    print("control port: %s" % e, flush=True)
            else:
                writer.write(line)
                writer.flush()
        writer.close()

    threading.Thread(target=pump, daemon=True).start()
    return reader


if __name__ == "__main__":
    main()
