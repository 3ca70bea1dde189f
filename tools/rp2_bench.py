"""make bench, section rp2: figures from the emulated RP2040 (host_tests/rp2emu.py), the real
rp2 port's bytecode and native code at the chip's 125 MHz. Every time here is the chip's own
clock (time.ticks_us on the chip, or the emulator's clock for a pin edge), so it is the same on
any host; rp2040js counts cycles per instruction as the Cortex-M0+ does, but not the flash's
XIP cache misses, and the soft-float routines of our boot ROM are slower than Raspberry Pi's
(so float-heavy figures are upper bounds).
"""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
sys.path.insert(0, os.path.join(ROOT, "host_tests", "rp2040"))

# On the chip, after N = repetitions and rp2rig.SCHEDULE_SRC: each figure as
# "fig <name> <min us> <median us> <max us> <n>".
_TIMINGS = r"""
import gc, json, sys, time
__import__("ocpp.core.ws.mask")  # the package keeps only the function; its module, here
_m = sys.modules["ocpp.core.ws.mask"]

def fig(name, fn, n):
    t = []
    for _ in range(n):
        gc.collect()
        t0 = time.ticks_us()
        fn()
        t.append(time.ticks_diff(time.ticks_us(), t0))
    t.sort()
    print("fig", name, t[0], t[len(t) // 2], t[-1], n)

fig("evse_step", e.step, N)

mask = _m.compiled()
buf = bytearray(16384)
key = b"\x12\x34\x56\x78"
fig("ws_mask_16k_" + ("viper" if mask is not _m.mask_py else "python"),
    lambda: mask(buf, 0, len(buf), key, 0), N)
fig("ws_mask_16k_python", lambda: _m.mask_py(buf, 0, len(buf), key, 0), 1)

# groups, T0: SCHEDULE_SRC, run before this
fig("composite_schedule_24h", lambda: schedule.composite(groups, T0, 86400, T0, 230, 3, 32), N)
# what a period boundary costs the control side: the limit in force and the next change
fig("schedule_limit_at", lambda: (schedule.limit_at(groups, T0 + 5000, T0, 230, 3, 32),
                                  schedule.next_change_of(groups, T0 + 5000, T0)), N)

frame = json.dumps([2, "4f1c7d2a-1", "SetChargingProfile", {
    "connectorId": 1, "csChargingProfiles": {"chargingProfileId": 7, "stackLevel": 1, "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute", "chargingSchedule": {
        "startSchedule": "2026-12-05T00:00:00Z", "chargingRateUnit": "A", "duration": 86400,
        "chargingSchedulePeriod": [{"startPeriod": i * 900, "limit": 16.0 + (i % 9),
                                    "numberPhases": 3} for i in range(64)]}}}])
print("frame_bytes", len(frame))
fig("json_parse_%dB" % len(frame), lambda: json.loads(frame), N)
"""


def rp2_figures(quick, out):
    """(figures, broken): the chip's timings, or {"skipped": why} without an image."""
    import rp2emu

    why = rp2emu.missing()
    if why:
        out("  skipped: " + why)
        return {"skipped": why}, []
    from rp2rig import SCHEDULE_SRC, Rig

    n = 5 if quick else 21
    chip = rp2emu.Rp2Emulator.start()
    try:
        rig = Rig(chip, {"hardware": {"max_current_a": 32}})
        figures = {"image": os.path.relpath(rp2emu.IMAGE, ROOT)}
        # the contactor: EV leaves C -> the coil's GPIO low, from the emulator's clock
        opens = []
        for _ in range(3 if quick else 8):
            rig.charge()
            chip.run(ms=37)  # a different phase of the 10 ms control step each time
            us = rig.open_after(lambda: rig.ev("B"))
            if us is not None:
                opens.append(us / 1000)
            rig.until("e.state == 'B'")
        opens.sort()
        figures["contactor_open_ms"] = {"min": opens[0], "median": opens[len(opens) // 2],
                                        "max": opens[-1], "n": len(opens)}
        src = "N = %d\n%s%s" % (n, SCHEDULE_SRC, _TIMINGS)
        # the rig's namespace has b and e; run the timing code in it, line protocol aside
        rig.call("!exec(%r, globals())" % src, ms=600000)
        for line in chip.output.splitlines():
            parts = line.split()
            if parts[:1] == ["fig"]:
                figures[parts[1]] = {"min": int(parts[2]), "median": int(parts[3]),
                                     "max": int(parts[4]), "n": int(parts[5])}
            elif parts[:1] == ["frame_bytes"]:
                figures["frame_bytes"] = int(parts[1])
        return figures, []
    except Exception as e:  # a figure that cannot be had is reported, not hidden
        return {"error": repr(e)}, ["rp2: %r" % e]
    finally:
        chip.close()


def print_rp2(report, out):
    if "skipped" in report or "error" in report:
        return
    out("  image %s; times are the emulated chip's (125 MHz clock)" % report["image"])
    out("  %-46s %10s %10s %10s %4s" % ("", "min", "median", "max", "n"))
    c = report["contactor_open_ms"]
    out("  %-46s %8.1f ms %7.1f ms %7.1f ms %4d" % ("contactor open after EV leaves C",
                                                     c["min"], c["median"], c["max"], c["n"]))
    for name, label in (("evse_step", "EVSE control step (incl. 1.1 ms pilot window)"),
                        ("ws_mask_16k_viper", "WebSocket mask, 16 KB (viper)"),
                        ("ws_mask_16k_python", "WebSocket mask, 16 KB (plain Python)"),
                        ("composite_schedule_24h", "composite schedule, 24 h, 3 profiles"),
                        ("schedule_limit_at", "limit in force + next change, 3 profiles")):
        if name in report:
            f = report[name]
            out("  %-46s %7d us %7d us %7d us %4d" % (label, f["min"], f["median"],
                                                       f["max"], f["n"]))
    for name, f in report.items():
        if name.startswith("json_parse_"):
            out("  %-46s %7d us %7d us %7d us %4d" % (
                "json.loads, %d-byte frame" % report.get("frame_bytes", 0), f["min"],
                f["median"], f["max"], f["n"]))
