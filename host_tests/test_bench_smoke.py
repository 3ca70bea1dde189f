"""tools/bench.py (make bench): its bisection, and one --quick run end to end.

The benchmark asserts nothing about the figures; these tests check that it measures: it runs the
real agent, finds a heap size in its range, times the contactor and sizes the bundles, and says so
in its JSON report. CPython only: bench.py is a host tool."""
import json
import os
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, os.path.join(ROOT, "tools"))
import bench  # noqa: E402


def fake_probes(monkeypatch, answers):
    """bench.probe answering from `answers` (heap_k -> list of verdicts, consumed in order, the
    last one repeating); returns the list of heaps probed."""
    asked = []

    def probe(name, heap_k, timeout=None):
        asked.append(heap_k)
        verdicts = answers(heap_k)
        ok = verdicts.pop(0) if len(verdicts) > 1 else verdicts[0]
        return ok, "" if ok else "MemoryError", None

    monkeypatch.setattr(bench, "probe", probe)
    return asked


def test_bisect_finds_the_smallest_passing_heap(monkeypatch):
    asked = fake_probes(monkeypatch, lambda k: [k >= 184])
    k, probes = bench.smallest_heap("session", 96, 320, 8, lambda line: None)
    assert k == 184
    assert len(asked) <= 8  # a bisection, not a walk over 29 sizes
    assert [p["heap_k"] for p in probes] == asked
    assert {p["passed"] for p in probes if p["heap_k"] < 184} <= {False}


def test_bisect_says_when_the_range_is_wrong(monkeypatch):
    fake_probes(monkeypatch, lambda k: [True])
    assert bench.smallest_heap("session", 96, 320, 8, lambda line: None)[0] == 96
    fake_probes(monkeypatch, lambda k: [False])
    assert bench.smallest_heap("session", 96, 320, 8, lambda line: None)[0] is None


def test_the_last_8k_step_is_refined_to_the_1k(monkeypatch):
    def probe(name, heap_k, timeout=None):
        ok = heap_k >= 179
        return ok, "" if ok else "MemoryError", {"after_imports": 1, "live_peak": 2}

    monkeypatch.setattr(bench, "probe", probe)
    result, broken = bench.heap_figures(96, 320, 8, lambda line: None)
    assert broken == []
    for name in bench.SCENARIOS:
        assert result["smallest_k"][name] == 184
        assert result["smallest_1k_k"][name] == 179
    lines = []
    bench.print_heap(result, lines.append)
    assert any("184k" in line and "179k" in line for line in lines), lines


def test_a_size_that_passes_only_once_is_not_reported(monkeypatch):
    flaky = [True, False]  # 176k passes in the bisection, fails when confirmed
    fake_probes(monkeypatch, lambda k: flaky if k == 176 else [k >= 184])
    assert bench.smallest_heap("boot_config", 160, 224, 8, lambda line: None)[0] == 184


def test_quick_run_measures_everything(tmp_path):
    report_path = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "bench.py"), "--quick",
                        "--json", str(report_path), "--bundle-dir", str(tmp_path / "unix")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(report_path.read_text())
    assert report["broken"] == []
    assert set(report["bundle"]) == {"esp32_devkitc", "rpi_pico_w", "unix"}
    assert all(b["bytes"] > 0 and b["files"] > 0 for b in report["bundle"].values())
    lo_k, hi_k, step_k = report["heap"]["range_k"]
    for name in ("boot_config", "session"):
        k = report["heap"]["smallest_k"][name]
        assert lo_k <= k <= hi_k and (k - lo_k) % step_k == 0, (name, k)
        at = report["heap"]["at_256k"][name]
        assert 0 < at["after_imports"] <= at["live_peak"] < 256 * 1024
    for mode in ("idle", "busy"):
        timing = report["latency"][mode]
        assert timing["close_ms"]["n"] == 6  # 3 sessions, 2 closings each
        assert timing["open_pause_ms"]["n"] == timing["open_unplug_ms"]["n"] == 3
    assert report["latency"]["busy"]["busy_until_ms"]["n"] == 6
    # the pinned port is always there; the unix32 images only where they were built
    images = report["images"]
    cache = images["64-bit .mpy"]["cache"]
    assert cache["modules"] > 40 and cache["heap_all"] > 0 and not cache["frozen"]
    for label, fig in images.items():
        assert set(fig["at"]) == {"boot_config", "session", "session_profiles",
                                  "session_tls"}, label
        assert all(t.get("session", -1) >= 0 for t in fig["tls"].values()), fig["tls"]
    if "32-bit frozen" in images:
        assert images["32-bit frozen"]["cache"]["frozen"]
    for section in ("Bundle sizes", "Heap", "Contactor timing", "charging session",
                    "Firmware images side by side"):
        assert section in r.stdout
