"""make sim (tools/sim.py): the agent boots against the development central system, answers a
GetConfiguration, charges a session and heart-beats; --no-console stops after the demonstration."""
import os
import subprocess
import sys

from agent import ROOT


def test_make_sim_demonstration_runs_through():
    # 176k: the demonstration passed at 152k until the security events came (issue 12); with
    # StartupOfTheDevice sent right after the boot it needs 168k (to be brought down again)
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "sim.py"), "--no-console",
                        "--heap", "176k"], capture_output=True, text=True, timeout=150)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout
    for line in ("SIM_1 -> CS    BootNotification", "CS -> SIM_1    BootNotification.conf",
                 "SIM_1 -> CS    GetConfiguration.conf", "SIM_1 -> CS    StartTransaction",
                 "SIM_1 -> CS    MeterValues", "SIM_1 -> CS    StopTransaction",
                 "SIM_1 -> CS    Heartbeat"):
        assert line in out, line
    assert "status: pilot C, contactor closed" in out
    with open(os.path.join(ROOT, "state", "sim", "agent.log")) as f:
        assert "MemoryError" not in f.read()
