"""make bench: the agent's figures, measured as users run it; prints them, asserts nothing.

    .venv/bin/python tools/bench.py [--quick]
                                    [--only heap|rpc|smart|list|crypto|latency|bundle|images|rp2]

The agent is tools/unix-agent on the compiled unix bundle (build/unix-bench, AGENT_MODULES),
against tools/csms's CentralSystemThread in this process, its EV driven over the simulator
control port. Figures:

  heap     the smallest MICROPY_HEAP (bisected in 8k steps, then in 1k steps within the last
           one) at which the boot + configuration scenario, and a full charging session, pass;
           heap after imports and live peak of each at a comfortable 256k (status "heap");
           scenarios: boot + configuration, a charging session, the session with 24 profiles
  rpc      CALL -> CALLRESULT latency (median, p99) as the central system times it, for the agent
           at the unix port's default heap, a CPython charge point on the `ocpp` package
           (tools/peer_cp.py peer) and the loopback floor (tools/peer_cp.py floor, canned
           answers), and the agent's time above the floor over the peer's
  smart    with every charging profile the agent takes (24 of 32 periods) installed: heap after
           start-up with them on flash and without, the live peak while they are worked out,
           GetCompositeSchedule's round trip (a day) beside a one-key GetConfiguration's
  list     the Local Authorization List at MICROPY_HEAP=192k: 1,750 entries (20-character
           idTags with parent and expiry) from a Full SendLocalList of 255 and Differential ones,
           each read as it arrives; the time to apply one of 255 (CALL -> CALLRESULT) and the
           event loop's worst lateness meanwhile (status "loop_lag_max_ms"); heap after start-up
           with the list on flash against without, the live peak; a look-up's time and heap for
           a listed and an unlisted idTag (tools/mp_locallist_bench.py, on the same bundle)
  latency  contactor timing (status "contactor_latency", the simulator's ms clock): EV enters C
           -> closed, EV leaves C (pause / unplug) -> open; min/median/max, idle and while the
           central system keeps the agent busy (a full GetConfiguration and a 60 kB frame)
  bundle   bundle sizes for every board (tools/bundle.py)
  images   side by side, for each runtime built (make firmware BOARD=unix32 [FREEZE=0]): the
           pinned 64-bit unix port on the .mpy bundle, the 32-bit build on it, and the 32-bit
           build with the agent frozen in: heap after imports and live peak at 256k and the
           smallest heap for boot + configuration, a session, a session with 24 profiles; and
           what the module cache's on-demand modules hold once imported, a miss's and a hit's
           time (tools/mp_cache_bench.py); the heap a TLS client session holds and the smallest
           heap its handshake fits in, RSA-2048 and P-256 servers (tools/mp_tls_bench.py).
           Absent images are named and skipped.
  rp2      on the emulated RP2040 (the image of make firmware BOARD=rpi_pico, make test-rp2's
           emulator; tools/rp2_bench.py), in the chip's own time at 125 MHz: the contactor's
           opening after the EV leaves C (pin edge), the EVSE control step, a 16 KB WebSocket
           mask (viper and plain), a day's composite schedule of three profiles, json.loads of
           a 4 KB SetChargingProfile frame. Skipped, with the reason, without an image.

AGENT_MICROPYTHON=path runs every section on that MicroPython binary instead of the pinned
unix port (tools/unix-agent honours it: e.g. the 32-bit frozen image).

The report goes to stdout and, as JSON, to build/bench.json. The exit status is 1 only when
something is broken (a scenario fails even in the largest heap, a session cannot run).
"""
import argparse
import datetime
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "host_tests"))
from csms import CentralSystemThread  # noqa: E402
from agent import Agent  # noqa: E402
from scenarios import (TAG, Driver, Failed, line_with,  # noqa: E402
                       boot_and_configuration, booted, charging_session, full_profiles,
                       session_with_profiles)

CP = "BENCH_1"
BUNDLE_DIR = os.path.join(ROOT, "build", "unix-bench")
REPORT_JSON = os.path.join(ROOT, "build", "bench.json")
BOARDS = ("esp32_devkitc", "rpi_pico_w", "unix")
COMFORTABLE_HEAP_K = 256
PROBE_TIMEOUT_S = 40
BIG_FRAME_CHARS = 60000


# -- one agent against one central system ------------------------------------------------------

class Run(Driver):
    """A fresh central system and agent (own state directory), driven with a deadline."""

    def __init__(self, heap_k, timeout, boot_interval=300, tls=False):
        Driver.__init__(self, None, None, CP, timeout)
        self.heap_k = heap_k
        self.boot_interval = boot_interval
        self.tls = tls  # wss:// to a server with an RSA-2048 certificate, security profile 2
        self._state = None

    def __enter__(self):
        self._state = tempfile.TemporaryDirectory(prefix="bench-")
        try:
            config = {"charge_point_id": CP, "vendor": "Bench", "model": "UnixSim",
                      "serial_number": "BENCH-0001"}
            state = os.path.join(self._state.name, "agent")
            if self.tls:
                from certs import make_certs, server_ssl_context
                paths = make_certs(os.path.join(self._state.name, "certs"), key_type="rsa")
                self.csms = CentralSystemThread(boot_interval=self.boot_interval,
                                                ssl_context=server_ssl_context(paths),
                                                passwords={CP: TLS_PASSWORD}).start()
                config.update(csms_url="wss://localhost:%d/ocpp" % self.csms.port,
                              security_profile=2, authorization_key=TLS_PASSWORD,
                              ca_cert="ca.pem")
                os.makedirs(state)
                shutil.copy(paths["ca_cert_pem"], os.path.join(state, "ca.pem"))
            else:
                self.csms = CentralSystemThread(boot_interval=self.boot_interval).start()
                config["csms_url"] = "ws://127.0.0.1:%d/ocpp" % self.csms.port
            self.agent = Agent(state, config, heap="%dk" % self.heap_k).start()
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        try:
            if self.agent is not None:
                self.agent.stop()  # SIGTERM, then SIGKILL of its process group
        finally:
            if self.csms is not None:
                self.csms.stop()
            self._state.cleanup()


SCENARIOS = {"boot_config": (boot_and_configuration, 2),  # (steps, boot interval = heartbeat)
             "session": (charging_session, 300),
             "session_profiles": (session_with_profiles, 300)}
TLS_SCENARIOS = {"session_tls": (charging_session, 300)}  # the same over wss:// (images only)
TITLES = {"boot_config": "boot + configuration", "session": "charging session",
          "session_profiles": "session, 24 profiles", "session_tls": "session over TLS"}
TLS_PASSWORD = "0123456789abcdef"


def probe(name, heap_k, timeout=PROBE_TIMEOUT_S):
    """Run scenario `name` once in MICROPY_HEAP=heap_k: (passed, reason, status "heap")."""
    steps, boot_interval = SCENARIOS.get(name) or TLS_SCENARIOS[name]
    with Run(heap_k, timeout, boot_interval, tls=name in TLS_SCENARIOS) as run:
        try:
            steps(run)
            run.check()
            return True, "", run.status()["heap"]
        except Failed as e:
            return False, str(e), None
        except Exception as e:  # noqa: BLE001 - e.g. the control port gone in a small heap
            try:
                run.check()
            except Failed as why:
                return False, str(why), None
            return False, "%s: %s" % (type(e).__name__, e), None


# -- 1, 2: heap -----------------------------------------------------------------------------------

def smallest_heap(name, lo_k, hi_k, step_k, out, confirm=True):
    """Bisect the smallest heap (k, a multiple of step_k in lo_k..hi_k) at which scenario `name`
    passes, assuming more heap never hurts. Returns (k or None, probes); k is lo_k when even
    that passes (so "<= lo_k"), None when hi_k fails. Near the limit a probe's fate depends on
    where the collector runs, so with `confirm` the answer must pass a second time; if it does
    not, the next size up is tried."""
    sizes = list(range(lo_k, hi_k + 1, step_k))
    probes = []

    def passes(i):
        k = sizes[i]
        t = time.monotonic()
        ok, reason, _ = probe(name, k)
        probes.append({"heap_k": k, "passed": ok, "reason": reason,
                       "seconds": round(time.monotonic() - t, 1)})
        out("    %-20s %4dk  %-4s %5.1f s  %s" % (TITLES[name], k, "ok" if ok else "FAIL",
                                                  probes[-1]["seconds"], reason[:90]))
        return ok

    if not passes(len(sizes) - 1):
        return None, probes
    lo, hi = 0, len(sizes) - 1  # sizes[hi] passes
    while lo < hi:
        mid = (lo + hi) // 2
        if passes(mid):
            hi = mid
        else:
            lo = mid + 1
    while confirm and hi < len(sizes) - 1 and not passes(hi):
        hi += 1
    return sizes[hi], probes


def heap_figures(lo_k, hi_k, step_k, out, confirm=True, refine=True):
    """The smallest heap per scenario on the step_k grid ("smallest_k") and, with `refine`, to
    the 1k within the last step ("smallest_1k_k"): how much room the agent has left."""
    result = {"range_k": [lo_k, hi_k, step_k], "smallest_k": {}, "smallest_1k_k": {},
              "probes": {}, "at_%dk" % COMFORTABLE_HEAP_K: {}}
    broken = []
    out("Smallest MICROPY_HEAP (bisect %dk..%dk, step %dk%s):"
        % (lo_k, hi_k, step_k, ", then 1k" if refine else ""))
    for name in SCENARIOS:
        k, probes = smallest_heap(name, lo_k, hi_k, step_k, out, confirm)
        result["smallest_k"][name] = k
        if refine and k is not None and k > lo_k:
            fine, more = smallest_heap(name, k - step_k + 1, k, 1, out, confirm)
            probes += more
            result["smallest_1k_k"][name] = fine
        result["probes"][name] = probes
        if k is None:
            broken.append("%s fails even at %dk: %s" % (TITLES[name], hi_k, probes[-1]["reason"]))
    for name in SCENARIOS:
        ok, reason, heap = probe(name, COMFORTABLE_HEAP_K)
        if not ok:
            broken.append("%s fails at %dk: %s" % (TITLES[name], COMFORTABLE_HEAP_K, reason))
            heap = {}
        result["at_%dk" % COMFORTABLE_HEAP_K][name] = {
            "after_imports": heap.get("after_imports"), "live_peak": heap.get("live_peak")}
    return result, broken


def print_heap(result, out):
    at = result["at_%dk" % COMFORTABLE_HEAP_K]
    lo_k = result["range_k"][0]
    out("")
    out("  smallest MICROPY_HEAP that passes; heap in use (bytes) at %dk. The 64-bit unix port"
        % COMFORTABLE_HEAP_K)
    out("  counts 1.45 times a 32-bit build's bytes, and .mpy code sits in the heap here (section")
    out("  images: the 32-bit and frozen builds measured).")
    out("  %-22s %14s %8s %15s %12s" % ("scenario", "smallest heap", "(1k)", "after imports",
                                          "live peak"))
    for name in SCENARIOS:
        k = result["smallest_k"][name]
        smallest = "FAILS" if k is None else ("<= %dk" % k if k == lo_k else "%dk" % k)
        fine = result.get("smallest_1k_k", {}).get(name)
        out("  %-22s %14s %8s %15s %12s" % (TITLES[name], smallest,
                                            "-" if fine is None else "%dk" % fine,
                                         _num(at[name]["after_imports"]),
                                         _num(at[name]["live_peak"])))


def _num(n):
    return "-" if n is None else "{:,}".format(n)


# -- 3: contactor timing --------------------------------------------------------------------------

def _keep_busy(run, n):
    """A full GetConfiguration and a 60 kB DataTransfer frame (the agent refuses it with a
    CALLERROR), each from its own thread: the agent reads, answers and refuses while the EV
    moves. Returns (threads, {unique id: what}, errors)."""
    big_id, get_id = "bench-big-%d" % n, "bench-getconf-%d" % n
    big = json.dumps([2, big_id, "DataTransfer", {"vendorId": "bench",
                                                  "data": "A" * BIG_FRAME_CHARS}])
    errors = []

    def get_configuration():
        try:
            run.csms.call(CP, "GetConfiguration", {}, timeout=15, unique_id=get_id)
        except Exception as e:  # noqa: BLE001 - reported as broken by the caller
            errors.append("GetConfiguration: %s" % e)

    threads = [threading.Thread(target=get_configuration),
               threading.Thread(target=lambda: run.csms.send_raw(CP, big))]
    for t in threads:
        t.start()
    return threads, {big_id: "60 kB frame", get_id: "GetConfiguration"}, errors


def _load_done(run, load, since):
    """Wait for the load to end; returns ms from `since` (time.time()) to the agent's last
    reply to it: > 0 means the agent was still busy with it after the EV left C."""
    threads, ids, errors = load
    for t in threads:
        t.join(20)
    last = None
    for uid, what in ids.items():
        reply = run.csms.wait_reply(uid, cp_id=CP, timeout=max(run.left(), 1))
        if what == "60 kB frame" and reply.parsed[0] != 4:
            errors.append("the 60 kB frame was not refused with a CALLERROR")
        last = reply.time if last is None else max(last, reply.time)
    if errors:
        raise Failed("; ".join(errors))
    return round((last - since) * 1000, 1)


def _switch(run, command, closed):
    """Send `command`; wait for the contactor to be `closed`. Returns (simulator ms from the
    status, host ms for the control port's reply to the command). The status is first asked for
    after the contactor should have moved: every status answer runs a collection in the agent,
    and polling it hard would slow down the very loop being timed."""
    t = time.monotonic()
    run.ev(command)
    reply_ms = (time.monotonic() - t) * 1000
    time.sleep(0.3 if closed else 0.1)
    s = run.wait_status(lambda s: s["relay_closed"] is closed,
                        "the contactor %s" % ("closed" if closed else "open"))
    return s["contactor_latency"]["close_ms" if closed else "open_ms"], reply_ms


def contactor_timing(reps, busy, out):
    """`reps` sessions on one agent at the comfortable heap, each: plug, card, charge (close),
    pause (open), charge (close), unplug (open). busy: load the agent as the EV leaves C."""
    keys = ["close_ms", "open_pause_ms", "open_unplug_ms", "reply_pause_ms",
            "reply_unplug_ms"] + (["busy_until_ms"] if busy else [])
    series = {k: [] for k in keys}
    timeout = 30 + reps * 8
    with Run(COMFORTABLE_HEAP_K, timeout) as run:
        booted(run)
        for n in range(reps):
            mark = run.csms.mark()
            run.ev("plug")
            run.wait_call("StatusNotification", since=mark, connectorId=1, status="Preparing")
            run.ev("card " + TAG)
            run.answer(run.wait_call("StartTransaction", since=mark, idTag=TAG))
            for leave in ("pause", "unplug"):
                series["close_ms"].append(_switch(run, "charge", True)[0])
                # the load is on its way (threads into the central system's loop) as the EV
                # leaves C
                load = _keep_busy(run, 2 * n + (leave == "unplug")) if busy else None
                left_c = time.time()
                sim_ms, reply_ms = _switch(run, leave, False)
                series["open_%s_ms" % leave].append(sim_ms)
                series["reply_%s_ms" % leave].append(round(reply_ms, 1))
                if load:
                    series["busy_until_ms"].append(_load_done(run, load, left_c))
            run.wait_call("StopTransaction", since=mark)
            run.wait_status(lambda s: s["connector_status"] == "Available"
                            and not s.get("in_transaction"), "Available")
        run.check()
    out("    %s: %d sessions done" % ("busy" if busy else "idle", reps))
    return {k: summary(v) for k, v in series.items()}


def summary(values):
    if not values:
        return {"n": 0}
    return {"n": len(values), "min": min(values), "median": round(statistics.median(values), 1),
            "max": max(values), "samples": values}


def latency_figures(reps, out):
    out("Contactor timing (%d sessions idle, %d busy):" % (reps, reps))
    result, broken = {}, []
    for mode in ("idle", "busy"):
        try:
            result[mode] = contactor_timing(reps, mode == "busy", out)
        except Failed as e:
            broken.append("contactor timing (%s): %s" % (mode, e))
        except Exception as e:  # noqa: BLE001 - e.g. the control port gone: broken, say why
            broken.append("contactor timing (%s): %s: %s" % (mode, type(e).__name__, e))
    result["worst_open_ms"] = {m: max(result[m][k]["max"] for k in ("open_pause_ms",
                                                                    "open_unplug_ms"))
                               for m in ("idle", "busy") if m in result}
    return result, broken


def print_latency(result, out):
    out("")
    out("  simulator ms clock: the EV changes state -> the contactor moves (closing waits out")
    out("  the pilot debounce on purpose; opening is what IEC 61851-1 bounds at 100 ms);")
    out("  host ms: the control port's reply to pause/unplug (how soon the agent's loop took it),")
    out("  and the agent's last reply to the load after the EV left C (the load overlapped)")
    out("  %-36s %5s %8s %8s %8s" % ("", "n", "min", "median", "max"))
    rows = (("charge -> closed", "close_ms"), ("pause -> open", "open_pause_ms"),
            ("unplug -> open", "open_unplug_ms"), ("pause reply (host)", "reply_pause_ms"),
            ("unplug reply (host)", "reply_unplug_ms"),
            ("last reply to the load (host)", "busy_until_ms"))
    for mode in ("idle", "busy"):
        if mode not in result:
            continue
        for title, key in rows:
            if key not in result[mode]:
                continue
            s = result[mode][key]
            out("  %-36s %5d %8s %8s %8s" % ("%s, %s" % (title, mode), s["n"], _ms(s.get("min")),
                                             _ms(s.get("median")), _ms(s.get("max"))))
    worst = result.get("worst_open_ms") or {}
    out("  worst contactor opening (simulator clock): %s"
        % ", ".join("%s %s ms" % (m, _ms(v)) for m, v in worst.items()))


def _ms(v):
    return "-" if v is None else ("%d" % v if float(v).is_integer() else "%.1f" % v)


# -- 3: CALL -> CALLRESULT latency ---------------------------------------------------------------

# The calls timed, each answered by the agent, the peer and the floor alike (tools/peer_cp.py).
RPC_CALLS = (("GetConfiguration", {}),
             ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "300"}),
             ("DataTransfer", {"vendorId": "bench.example", "messageId": "ping", "data": "x"}))


async def _time_calls(cs, cp_id, n):
    """In the central system's loop: n rounds of RPC_CALLS to cp_id; {action: [seconds]}."""
    times = {action: [] for action, _ in RPC_CALLS}
    for _ in range(n):
        for action, payload in RPC_CALLS:
            t0 = time.perf_counter()
            await cs.call(cp_id, action, payload, 10, validate=False)
            times[action].append(time.perf_counter() - t0)
    return times


def _rpc_series(csms, cp_id, n, warmup=5):
    """{action: sorted ms} of n calls of each of RPC_CALLS."""
    import asyncio

    def run(k):
        return asyncio.run_coroutine_threadsafe(_time_calls(csms.cs, cp_id, k),
                                                csms._loop).result(600)

    run(warmup)  # modules loaded, buffers grown, caches warm
    return {a: sorted(t * 1000 for t in ts) for a, ts in run(n).items()}


def _pct(sorted_ms, q):
    return sorted_ms[min(len(sorted_ms) - 1, int(q * len(sorted_ms)))]


def rpc_latency(reps, out):
    """Median and p99 (ms) of a CALL -> CALLRESULT as the central system sees it, for the agent
    (default heap: the unix port's 2 MB), the CPython peer on the `ocpp` package, and the
    loopback floor; with the ratio of the time each spends above the floor."""
    result, broken = {}, []
    with tempfile.TemporaryDirectory(prefix="bench-rpc-") as tmp:
        csms = CentralSystemThread(boot_interval=300).start()
        procs = []
        try:
            url = "ws://127.0.0.1:%d/ocpp/" % csms.port
            for name in ("floor", "peer"):
                procs.append(subprocess.Popen([sys.executable, os.path.join(HERE, "peer_cp.py"),
                                               name, url + name.upper()]))
            agent = Agent(os.path.join(tmp, "agent"),
                          {"charge_point_id": CP, "csms_url": url.rstrip("/")}, heap=None)
            agent.start()
            try:
                csms.wait_for(CP, "StatusNotification", timeout=30,
                              predicate=lambda p: p["connectorId"] == 1)
                for name in ("FLOOR", "PEER"):
                    csms.wait_connected(name, timeout=30)
                for name, cp_id in (("floor", "FLOOR"), ("peer", "PEER"), ("agent", CP)):
                    series = _rpc_series(csms, cp_id, reps)
                    every = sorted(t for ts in series.values() for t in ts)
                    result[name] = {"n": len(every), "median": round(statistics.median(every), 3),
                                    "p99": round(_pct(every, 0.99), 3),
                                    "per_call": {a: round(statistics.median(ts), 3)
                                                 for a, ts in series.items()}}
                    out("    %s: %d calls" % (name, len(every)))
                if "MemoryError" in agent.log() or "Traceback" in agent.log():
                    broken.append("rpc latency: the agent failed: "
                                  + line_with(agent.log(), "Error"))
            finally:
                agent.stop()
        except Exception as e:  # noqa: BLE001 - a run that cannot be made is broken, say why
            broken.append("rpc latency: %s: %s" % (type(e).__name__, e))
        finally:
            for p in procs:
                p.terminate()
                p.wait(10)
            csms.stop()
    if {"floor", "peer", "agent"} <= set(result):
        # each call's median above the floor's, summed over the calls: steadier than the
        # median of a mixture of cheap and dear calls
        above = {k: sum(result[k]["per_call"][a] - result["floor"]["per_call"][a]
                        for a, _ in RPC_CALLS) for k in ("agent", "peer")}
        result["ratio_above_floor"] = round(above["agent"] / above["peer"], 2) \
            if above["peer"] > 0 else None
    return result, broken


def print_rpc(result, out):
    out("")
    out("  CALL -> CALLRESULT as the central system times it (GetConfiguration of every key,")
    out("  a ChangeConfiguration, a DataTransfer), ms; the agent at the unix port's default heap")
    out("  %-34s %6s %9s %9s" % ("", "n", "median", "p99"))
    titles = (("agent (MicroPython, this firmware)", "agent"),
              ("peer (CPython, the ocpp package)", "peer"), ("loopback floor", "floor"))
    for title, key in titles:
        if key in result:
            r = result[key]
            out("  %-34s %6d %9.3f %9.3f   %s" % (title, r["n"], r["median"], r["p99"], "  ".join(
                "%s %.3f" % (a, m) for a, m in r["per_call"].items())))
    if result.get("ratio_above_floor") is not None:
        out("  agent / peer, time above the floor (sum of each call's median): %.2f"
            % result["ratio_above_floor"])


# -- 4: smart charging ----------------------------------------------------------------------------

def smart_figures(reps, out):
    """With every profile the agent takes installed (scenarios.full_profiles: 24 x 32 periods):
    the heap after start-up with them on flash against without, the live peak while they are
    worked out, and GetCompositeSchedule's round trip (a day, connector 1 and 0) beside a
    one-key GetConfiguration's."""
    result, broken = {}, []
    try:
        with Run(COMFORTABLE_HEAP_K, 300) as run:
            booted(run)
            before = run.status()["heap"]["after_imports"]
            full_profiles(run)
            run.agent.stop()  # the profiles on flash from the start, as after a reboot
            mark = run.csms.mark()
            run.agent.start()
            run.wait_call("StatusNotification", since=mark, connectorId=1)
            after = run.status()["heap"]["after_imports"]
            times = {"GetCompositeSchedule 1": [], "GetCompositeSchedule 0": [],
                     "GetConfiguration 1 key": []}
            for _ in range(reps):
                for name, action, payload in (
                        ("GetCompositeSchedule 1", "GetCompositeSchedule",
                         {"connectorId": 1, "duration": 86400}),
                        ("GetCompositeSchedule 0", "GetCompositeSchedule",
                         {"connectorId": 0, "duration": 86400}),
                        ("GetConfiguration 1 key", "GetConfiguration",
                         {"key": ["HeartbeatInterval"]})):
                    t = time.perf_counter()
                    got = run.call(action, payload)
                    times[name].append((time.perf_counter() - t) * 1000)
                    if action == "GetCompositeSchedule":
                        result["periods " + name[-1]] = len(
                            got["chargingSchedule"]["chargingSchedulePeriod"])
            result["after_imports"] = {"without": before, "with": after}
            result["live_peak"] = run.status()["heap"]["live_peak"]
            result["ms"] = {k: round(statistics.median(v), 1) for k, v in times.items()}
            run.check()
    except Failed as e:
        broken.append("smart charging: %s" % e)
    return result, broken


def print_smart(result, out):
    if not result:
        return
    a = result["after_imports"]
    out("  heap after start-up: %s without profiles, %s with 24 x 32 on flash (%+d)"
        % (_num(a["without"]), _num(a["with"]), a["with"] - a["without"]))
    out("  live peak at %dk, where every module stays cached: %s (what they need: the smallest"
        % (COMFORTABLE_HEAP_K, _num(result["live_peak"])))
    out("  heap of 'session, 24 profiles' above)")
    for name, ms in result["ms"].items():
        extra = ""
        if name.startswith("GetComposite"):
            extra = " (%d periods)" % result["periods " + name[-1]]
        out("  %-24s median %7.1f ms%s" % (name, ms, extra))


def list_entries(first, n):
    """n realistic AuthorizationData entries: 20-character idTags (a 10-byte UID in hex), a
    parentIdTag and an expiryDate each."""
    return [{"idTag": "04%018X" % (i * 7919), "idTagInfo": {
        "status": "Accepted", "expiryDate": "2027-12-31T23:59:59Z",
        "parentIdTag": "FLEET-%014d" % (i % 7)}} for i in range(first, first + n)]


LIST_HEAP_K = 192


def list_figures(reps, out):
    result, broken = {}, []
    try:
        with Run(LIST_HEAP_K, 300) as run:
            booted(run)
            before = run.status()["heap"]["after_imports"]
            apply_ms, lag_ms, sizes = [], [], []
            at, version = 0, 1
            while at < 1750:
                n = 255 if version == 1 else min(214, 1750 - at)
                entries = list_entries(at, n)
                sizes.append(len(json.dumps(entries)))
                run.agent.control("lag reset")
                t = time.perf_counter()
                got = run.call("SendLocalList", {"listVersion": version, "updateType":
                                                 "Full" if version == 1 else "Differential",
                                                 "localAuthorizationList": entries})
                ms = (time.perf_counter() - t) * 1000
                if got["status"] != "Accepted":
                    raise Failed("SendLocalList %d: %s" % (version, got["status"]))
                lag = run.status()["loop_lag_max_ms"]
                if version == 1:
                    result["apply_255_ms"], result["lag_255_ms"] = round(ms), lag
                else:
                    apply_ms.append(ms)
                    lag_ms.append(lag)
                at += n
                version += 1
            result["message_bytes"] = max(sizes)
            result["differential_ms"] = round(statistics.median(apply_ms))
            result["differential_lag_ms"] = max(lag_ms)
            result["live_peak"] = run.status()["heap"]["live_peak"]
            run.agent.stop()  # the list on flash from the start, as after a reboot
            mark = run.csms.mark()
            run.agent.start()
            run.wait_call("StatusNotification", since=mark, connectorId=1)
            result["after_imports"] = {"without": before,
                                       "with": run.status()["heap"]["after_imports"]}
            run.check()
    except Failed as e:
        broken.append("local list: %s" % e)
        return result, broken
    with tempfile.TemporaryDirectory(prefix="bench-list-") as d:
        env = dict(os.environ, MICROPYPATH=".frozen:" + os.environ["AGENT_MODULES"])
        r = subprocess.run([micropython(), os.path.join(HERE, "mp_locallist_bench.py"), d, "1750",
                            str(reps * 100)], env=env, capture_output=True, text=True,
                           timeout=300)
        if r.returncode:
            broken.append("local list look-ups: %s" % (r.stderr or r.stdout)[-300:])
        else:
            result["lookup"] = json.loads(r.stdout.strip().splitlines()[-1])
    return result, broken


def print_list(result, out):
    if "after_imports" not in result:
        return
    a = result["after_imports"]
    out("  SendLocalList Full, 255 entries (%s bytes):  %5d ms to apply; event loop late by "
        "at most %d ms" % (_num(result["message_bytes"]), result["apply_255_ms"],
                           result["lag_255_ms"]))
    out("  SendLocalList Differential, 214 more:     %5d ms (median of 7), late by at most %d ms"
        % (result["differential_ms"], result["differential_lag_ms"]))
    out("  heap after start-up: %s without a list, %s with 1,750 entries on flash (%+d);"
        % (_num(a["without"]), _num(a["with"]), a["with"] - a["without"]))
    out("  live peak while the list was built: %s" % _num(result["live_peak"]))
    look = result.get("lookup")
    if look:
        out("  look-up in %d entries: listed %.0f us (%d bytes of heap), unlisted %.0f us "
            "(%d bytes)" % (look["entries"], look["listed_us"], look["listed_bytes"],
                            look["unlisted_us"], look["unlisted_bytes"]))


# -- public-key work: the time and the heap on this port, and an estimate for the boards ---------

# The estimate's basis (a model, not a measurement): the work is MicroPython's mpz arithmetic.
# This host's mpz uses 32-bit digits; a 32-bit port's uses 16-bit digits, so a 256-bit product
# takes 16x16 digit products instead of 8x8 (4x). The clock: an ESP32 runs at 240 MHz, an RP2040
# at 125 MHz; their cores do about a third of the work per cycle of this host's (no wide
# multiplier on the RP2040's Cortex-M0+). So ESP32 ~ 4 x (host MHz / 240) x 2.5 and RP2040 ~
# 4 x (host MHz / 125) x 3 times this host's figures.
ESP32_FACTOR = (4 * 2.5, 240)
RP2040_FACTOR = (4 * 3, 125)


def _host_mhz():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1])
    except OSError:
        pass
    return 2600.0


def crypto_vectors(path):
    """Signatures and certificates made by the `cryptography` package, as hex, for
    tools/mp_crypto_bench.py."""
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.x509.oid import NameOID

    data = b"firmware" * 4096
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Root")])
    now = datetime.datetime.now(datetime.timezone.utc)
    root = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(ec_key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(ec_key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(leaf_key.public_key()).serial_number(2).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(ec_key, hashes.SHA256()))
    der = serialization.Encoding.DER
    v = {"digest": hashlib.sha256(data).digest(),
         "rsa_n": rsa_key.public_key().public_numbers().n.to_bytes(256, "big"),
         "rsa_pss": rsa_key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32),
                                 hashes.SHA256()),
         "rsa_pkcs1": rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256()),
         "ec_pub": ec_key.public_key().public_bytes(
             der.X962, serialization.PublicFormat.UncompressedPoint),
         "ec_sig": ec_key.sign(data, ec.ECDSA(hashes.SHA256())),
         "cert": leaf.public_bytes(der), "issuer": root.public_bytes(der)}
    with open(path, "w") as f:
        json.dump({k: x.hex() for k, x in v.items()}, f)


def crypto_figures(reps, out):
    broken = []
    with tempfile.TemporaryDirectory(prefix="bench-crypto-") as d:
        path = os.path.join(d, "vectors.json")
        crypto_vectors(path)
        env = dict(os.environ, MICROPYPATH=".frozen:" + os.environ["AGENT_MODULES"])
        r = subprocess.run([micropython(), os.path.join(HERE, "mp_crypto_bench.py"), path,
                            str(reps)],
                           env=env, capture_output=True, text=True, timeout=600)
        if r.returncode:
            broken.append("public-key figures: %s" % (r.stderr or r.stdout)[-300:])
            return {}, broken
        result = json.loads(r.stdout.strip().splitlines()[-1])
        result["host_mhz"] = _host_mhz()
        # the smallest heap each runs in (bisected in 1 KB steps), less the modules' alone
        smallest = {}
        for op in ("none", "rsa_pss", "rsa_pkcs1", "ecdsa_verify", "cert_check",
                   "key_pair_csr"):
            lo, hi = 8, 512
            while hi - lo > 1:
                mid = (lo + hi) // 2
                p = subprocess.run([micropython(), "-X", "heapsize=%dk" % mid,
                                    os.path.join(HERE, "mp_crypto_bench.py"), path, "1", op],
                                   env=env, capture_output=True, text=True, timeout=120)
                lo, hi = (lo, mid) if p.returncode == 0 else (mid, hi)
            smallest[op] = hi
        for op, k in smallest.items():
            if op != "none":
                result[op]["heap_k"] = k - smallest["none"]
        result["modules_heap_k"] = smallest["none"]
    return result, broken


def print_crypto(result, out):
    if "rsa_pss" not in result:
        return
    mhz = result["host_mhz"]
    esp, rp = (ESP32_FACTOR[0] * mhz / ESP32_FACTOR[1], RP2040_FACTOR[0] * mhz / RP2040_FACTOR[1])
    out("  %-40s %9s %9s %12s %12s" % ("", "unix ms", "+heap", "ESP32 ~ms", "RP2040 ~ms"))
    for key, label in (("rsa_pss", "RSA-2048 PSS signature check"),
                       ("rsa_pkcs1", "RSA-2048 PKCS#1 v1.5 signature check"),
                       ("ecdsa_verify", "ECDSA P-256 signature check"),
                       ("cert_check", "certificate read + ECDSA check"),
                       ("key_pair_csr", "P-256 key pair + PKCS#10 request")):
        f = result[key]
        out("  %-40s %9.1f %8dk %12.0f %12.0f" % (label, f["ms"], f["heap_k"],
                                                  f["ms"] * esp, f["ms"] * rp))
    out("  the event loop waits at most %d ms between two of the curve's yields (16 bits)"
        % result["loop_gap_ms"])
    out("  code once imported: " + ", ".join("%s %s" % (k, _num(v))
                                             for k, v in result["code"].items()))
    out("  +heap: the smallest heap it runs in, less the %dk the interpreter and these "
        "modules alone need" % result["modules_heap_k"])
    out("  boards: estimates (x%.0f for ESP32, x%.0f for RP2040: 16-bit mpz digits, clock, "
        "core; tools/bench.py says how)" % (esp, rp))


# -- 6: firmware images side by side ---------------------------------------------------------------

# The runtimes the agent is measured on, when built (make firmware BOARD=unix32 [FREEZE=0]):
# the pinned 64-bit unix port running the .mpy bundle (what every other section uses), the same
# MicroPython release built 32-bit (a board's word size) running the bundle, and the 32-bit
# build with the agent frozen in (a board flashed with the project's image).
IMAGES = (("64-bit .mpy", os.path.join(ROOT, ".venv", "bin", "micropython")),
          ("32-bit .mpy", os.path.join(ROOT, "build", "firmware", "unix32-mpy", "micropython")),
          ("32-bit frozen", os.path.join(ROOT, "build", "firmware", "unix32", "micropython")))
IMAGE_SCENARIOS = ("boot_config", "session", "session_profiles", "session_tls")


def micropython():
    """The MicroPython binary the agent runs on: AGENT_MICROPYTHON, else the pinned unix port."""
    return os.environ.get("AGENT_MICROPYTHON") or os.path.join(ROOT, ".venv", "bin",
                                                               "micropython")


class TlsEcho:
    """A TLS server on loopback with the tests' certificates for "localhost" (host_tests/certs.py,
    RSA-2048 or P-256 keys): reads 5 bytes and answers them, the far end of
    tools/mp_tls_bench.py (which trusts the tests' CA)."""

    def __init__(self, kind, directory):
        import socket
        from certs import make_certs, server_ssl_context

        paths = make_certs(os.path.join(directory, kind),
                           key_type="ec" if kind == "p256" else "rsa")
        self.ca = paths["ca_cert_der"]
        self._ctx = server_ssl_context(paths)
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # closed
            try:
                conn.settimeout(10)
                with self._ctx.wrap_socket(conn, server_side=True) as t:
                    t.sendall(t.recv(5))
            except OSError:
                pass  # the client ran out of heap mid-handshake: that is what is measured

    def close(self):
        self._sock.close()


def tls_figures(binary, bisect=True):
    """Per server key: the heap a TLS client session holds, and (`bisect`) the smallest heap in
    which the handshake fits (1k steps), on `binary`."""
    result = {}
    script = os.path.join(HERE, "mp_tls_bench.py")
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as d:
        for kind in ("rsa2048", "p256"):
            server = TlsEcho(kind, d)
            try:
                r = subprocess.run([binary, script, str(server.port), server.ca],
                                   capture_output=True, text=True, timeout=60)
                if r.returncode:
                    result[kind] = {"error": (r.stdout + r.stderr)[-200:]}
                    continue
                fig = json.loads(r.stdout.strip().splitlines()[-1])
                lo, hi = 4, 256
                while bisect and hi - lo > 1:
                    mid = (lo + hi) // 2
                    p = subprocess.run([binary, "-X", "heapsize=%dk" % mid, script,
                                        str(server.port), server.ca],
                                       capture_output=True, text=True, timeout=60)
                    lo, hi = (lo, mid) if p.returncode == 0 else (mid, hi)
                fig["smallest_k"] = hi if bisect else None
                result[kind] = fig
            finally:
                server.close()
    return result


def image_figures(quick, out):
    """Per available image: heap after imports and live peak at the comfortable heap, the
    smallest heap per scenario, and the module cache's figures (tools/mp_cache_bench.py)."""
    result, broken = {}, []
    saved = os.environ.get("AGENT_MICROPYTHON")
    try:
        for label, binary in IMAGES:
            if not os.access(binary, os.X_OK):
                out("  %s: no image (%s): make firmware BOARD=unix32%s MICROPY_DIR=..."
                    % (label, os.path.relpath(binary, ROOT),
                       " FREEZE=0" if "mpy" in label and "32" in label else ""))
                continue
            os.environ["AGENT_MICROPYTHON"] = binary
            out("  %s: %s" % (label, os.path.relpath(binary, ROOT)))
            fig = {"binary": os.path.relpath(binary, ROOT), "at": {}, "smallest_k": {}}
            for name in IMAGE_SCENARIOS:
                ok, reason, heap = probe(name, COMFORTABLE_HEAP_K)
                if not ok:
                    broken.append("%s: %s fails at %dk: %s" % (label, TITLES[name],
                                                               COMFORTABLE_HEAP_K, reason))
                    continue
                fig["at"][name] = {"after_imports": heap.get("after_imports"),
                                   "live_peak": heap.get("live_peak")}
                if quick:
                    continue  # the bisections take minutes
                k, _ = smallest_heap(name, 16, COMFORTABLE_HEAP_K, 8, out)
                if k is not None and k > 16:
                    k, _ = smallest_heap(name, k - 7, k, 1, out)
                fig["smallest_k"][name] = k
            env = dict(os.environ, MICROPYPATH=".frozen:" + os.environ["AGENT_MODULES"])
            r = subprocess.run([binary, os.path.join(HERE, "mp_cache_bench.py"),
                                "3" if quick else "9"], env=env, capture_output=True,
                               text=True, timeout=300, cwd=tempfile.gettempdir())
            if r.returncode:
                broken.append("%s: cache figures: %s" % (label, (r.stderr or r.stdout)[-300:]))
            else:
                fig["cache"] = json.loads(r.stdout.strip().splitlines()[-1])
            fig["tls"] = tls_figures(binary, bisect=not quick)
            result[label] = fig
    finally:
        if saved is None:
            os.environ.pop("AGENT_MICROPYTHON", None)
        else:
            os.environ["AGENT_MICROPYTHON"] = saved
    return result, broken


def print_images(result, out):
    if not result:
        return
    out("")
    out("  heap in use (bytes) at %dk; smallest MICROPY_HEAP that passes (1k steps)"
        % COMFORTABLE_HEAP_K)
    out("  %-15s %-22s %15s %12s %14s" % ("image", "scenario", "after imports", "live peak",
                                          "smallest heap"))
    for label, fig in result.items():
        for name in IMAGE_SCENARIOS:
            at = fig["at"].get(name, {})
            k = fig["smallest_k"].get(name)
            out("  %-15s %-22s %15s %12s %14s" % (label, TITLES[name],
                                                  _num(at.get("after_imports")),
                                                  _num(at.get("live_peak")),
                                                  "-" if k is None else "%dk" % k))
    out("")
    out("  module cache: the on-demand modules (ops.*, on-demand model/core) all imported at once")
    out("  %-15s %8s %12s %10s %8s" % ("image", "modules", "heap held", "miss us", "hit us"))
    for label, fig in result.items():
        c = fig.get("cache")
        if c:
            out("  %-15s %8d %12s %10d %8d" % (label, c["modules"], _num(c["heap_all"]),
                                                c["miss_us"], c["hit_us"]))
    out("")
    out("  TLS client session (tools/mp_tls_bench.py; the unix32 builds' mbedTLS allocates from")
    out("  the MicroPython heap as on the rp2 port, the pinned unix port's from malloc):")
    out("  %-15s %-12s %14s %18s" % ("image", "server key", "heap held", "handshake fits in"))
    for label, fig in result.items():
        for kind, t in sorted(fig.get("tls", {}).items()):
            if "error" in t:
                out("  %-15s %-12s %s" % (label, kind, t["error"]))
            else:
                out("  %-15s %-12s %14s %18s" % (label, kind, _num(t["session"]),
                                                  "-" if t["smallest_k"] is None
                                                  else "%dk" % t["smallest_k"]))


# -- 5: bundle sizes ------------------------------------------------------------------------------

_BUNDLE_LINE = re.compile(r"bundle (\S+) \(([^)]*)\): (\d+) files, (\d+) bytes")


def bundle(board, out_dir):
    """tools/bundle.py BOARD --out out_dir; returns (files, bytes, arch, the line it printed)."""
    r = subprocess.run([sys.executable, os.path.join(HERE, "bundle.py"), board, "--out", out_dir],
                       capture_output=True, text=True)
    line = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    m = _BUNDLE_LINE.search(line)
    if r.returncode != 0 or not m:
        raise Failed("bundle %s failed: %s%s" % (board, r.stdout, r.stderr))
    return int(m.group(3)), int(m.group(4)), m.group(2), line


def bundle_figures(out, unix_dir):
    result, broken = {}, []
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp:
        for board in BOARDS:
            # the unix bundle is the one the agent runs from; the others go to a scratch
            # directory so nobody's build/<board> changes under them
            out_dir = unix_dir if board == "unix" else os.path.join(tmp, board)
            try:
                files, size, arch, _ = bundle(board, out_dir)
                result[board] = {"files": files, "bytes": size, "arch": arch}
            except Failed as e:
                broken.append(str(e))
    return result, broken


def print_bundles(result, out):
    out("")
    out("  %-15s %-15s %6s %10s" % ("board", "code", "files", "bytes"))
    for board in BOARDS:
        if board in result:
            b = result[board]
            out("  %-15s %-15s %6d %10s" % (board, b["arch"], b["files"], _num(b["bytes"])))


# -- main -----------------------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer repetitions and a narrower bisect (a smoke run)")
    ap.add_argument("--only", choices=("heap", "latency", "rpc", "smart", "list", "crypto",
                                       "bundle", "images", "rp2"),
                    help="one section")
    ap.add_argument("--heap-range", metavar="LO:HI",
                    help="bisect between these heaps in k (default 96:320, quick 160:224)")
    ap.add_argument("--reps", type=int, help="sessions per contactor-timing run (default 10, "
                    "quick 3)")
    ap.add_argument("--json", default=REPORT_JSON,
                    help="where the figures go (default %(default)s)")
    ap.add_argument("--bundle-dir", default=BUNDLE_DIR,
                    help="where the agent's unix bundle is built (default %(default)s)")
    args = ap.parse_args(argv)
    lo_k, hi_k = (160, 224) if args.quick else (96, 320)
    if args.heap_range:
        lo_k, hi_k = (int(x) for x in args.heap_range.lower().replace("k", "").split(":"))
    reps = args.reps or (3 if args.quick else 10)
    sections = [args.only] if args.only else ["bundle", "heap", "rpc", "smart", "list",
                                              "crypto", "latency", "images", "rp2"]

    def out(text=""):
        print(text, flush=True)

    started = time.monotonic()
    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "quick": args.quick}
    broken = []
    out("make bench: the agent on the MicroPython unix port, from the compiled bundle %s"
        % os.path.relpath(args.bundle_dir, ROOT))
    if os.environ.get("AGENT_MICROPYTHON"):
        out("  on AGENT_MICROPYTHON=%s (a frozen agent there comes before the bundle)"
            % os.environ["AGENT_MICROPYTHON"])
    # the agent always runs from a fresh unix bundle; the bundle section builds it with the others
    if "bundle" in sections:
        out("\n== Bundle sizes (tools/bundle.py)")
        report["bundle"], why = bundle_figures(out, args.bundle_dir)
        broken += why
        print_bundles(report["bundle"], out)
        if "unix" not in report["bundle"] and sections != ["bundle"]:
            sections = []  # no bundle to run the agent from
    else:
        bundle("unix", args.bundle_dir)
    os.environ["AGENT_MODULES"] = os.path.abspath(args.bundle_dir)
    if "heap" in sections:
        out("\n== Heap")
        report["heap"], why = heap_figures(lo_k, hi_k, 8, out, confirm=not args.quick,
                                           refine=not args.quick)
        broken += why
        print_heap(report["heap"], out)
    if "rpc" in sections:
        out("\n== CALL -> CALLRESULT latency")
        report["rpc"], why = rpc_latency(30 if args.quick else 200, out)
        broken += why
        print_rpc(report["rpc"], out)
    if "smart" in sections:
        out("\n== Smart Charging: every profile installed, at MICROPY_HEAP=%dk"
            % COMFORTABLE_HEAP_K)
        report["smart"], why = smart_figures(3 if args.quick else 9, out)
        broken += why
        print_smart(report["smart"], out)
    if "list" in sections:
        out("\n== Local Authorization List at MICROPY_HEAP=%dk" % LIST_HEAP_K)
        report["list"], why = list_figures(3 if args.quick else 10, out)
        broken += why
        print_list(report["list"], out)
    if "crypto" in sections:
        out("\n== Public-key work in MicroPython (ocpp/core/pki)")
        report["crypto"], why = crypto_figures(3 if args.quick else 9, out)
        broken += why
        print_crypto(report["crypto"], out)
    if "latency" in sections:
        out("\n== Contactor timing at MICROPY_HEAP=%dk" % COMFORTABLE_HEAP_K)
        report["latency"], why = latency_figures(reps, out)
        broken += why
        print_latency(report["latency"], out)
    if "images" in sections:
        out("\n== Firmware images side by side (make firmware BOARD=unix32 [FREEZE=0])")
        report["images"], why = image_figures(args.quick, out)
        broken += why
        print_images(report["images"], out)
    if "rp2" in sections:
        out("\n== On the emulated RP2040 (make firmware BOARD=rpi_pico; tools/rp2_bench.py)")
        import rp2_bench

        report["rp2"], why = rp2_bench.rp2_figures(args.quick, out)
        broken += why
        rp2_bench.print_rp2(report["rp2"], out)
    report["seconds"] = round(time.monotonic() - started, 1)
    report["broken"] = broken
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)
    out("\n%d s; figures in %s" % (report["seconds"], os.path.relpath(args.json, ROOT)))
    for why in broken:
        out("BROKEN: " + why)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
