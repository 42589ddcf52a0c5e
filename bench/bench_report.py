"""Report benchmark: writing report.html (and report.czml) against the run that made the tables.

The run of ``starlink-catalogue`` (4,428 satellites, 24 h at 60 s: 6.4 M rows of positions and
of sat_state) is made once, without the report; then ``write_report`` and ``write_czml`` are
timed on its folder. The baseline is the run itself (``orbitcloud.run`` without finalizers),
timed in the same process, so a busy machine slows both alike. Goals: the report adds less than
half of what the run costs (quick: three times, the fixed cost of the page
dominates a small run), and stays under 30 MB (it must open in the browser in under 10 s:
tests/report/test_browser.py measures that). ``--quick`` uses the built-in default scenario.

Memory (issue 19): ``--memory`` measures the peak RSS of ``orbitcloud report <folder>`` in a
fresh subprocess, and the size of the page it writes, for ``starlink-catalogue`` run for 1 day
and for 5 days (goal: the 5-day peak and page within 10 % of the 1-day ones: the report streams
its tables and draws at most ``MAX_POINTS`` points per per-step line, report/stream.py), and, with
``--base SRC`` (the ``src`` folder of the previous version, e.g. a ``git worktree``), the
catalogue report's write time and size against that version's in the same run (goal: at most
1.2x), and the peak RSS of the whole chain ``orbitcloud run starlink-gen2 --set
time.duration_h=6`` (process tree, sampled every 50 ms) before and after (``--gen2``).

Run: ``python bench/bench_report.py [--quick]`` (prints the result list as JSON);
``python bench/bench_report.py --memory [--base /tmp/base/src] [--gen2]``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from orbitcloud.report import write_czml, write_report
from orbitcloud.results.api import run as run_tables

GOAL_RATIO = 0.5
GOAL_RATIO_QUICK = 3.0  # a small run: the report's fixed cost (plotly, map, page) dominates
GOAL_MB = 30.0


def run(quick: bool = False) -> list[dict]:
    scenario = "default" if quick else "starlink-catalogue"
    goal = GOAL_RATIO_QUICK if quick else GOAL_RATIO
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        t0 = time.perf_counter()
        res = run_tables(scenario, out=tmp / "run")  # no finalizers: tables only
        run_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        html = write_report(res.path)
        report_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        czml = write_czml(res.path)
        czml_s = time.perf_counter() - t0
        size_mb = html.stat().st_size / 1e6
        return [
            {
                "name": f"report.html of {scenario}",
                "seconds": round(report_s, 3),
                "baseline": f"orbitcloud run {scenario} (tables only)",
                "baseline_seconds": round(run_s, 3),
                "ratio": round(report_s / run_s, 3),
                "goal": f"ratio < {goal:g} and size < {GOAL_MB:g} MB",
                "ok": report_s / run_s < goal and size_mb < GOAL_MB,
                "size_mb": round(size_mb, 2),
            },
            {
                "name": f"report.czml of {scenario}",
                "seconds": round(czml_s, 3),
                "baseline": f"orbitcloud run {scenario} (tables only)",
                "baseline_seconds": round(run_s, 3),
                "ratio": round(czml_s / run_s, 3),
                "goal": f"ratio < {goal:g}",
                "ok": czml_s / run_s < goal,
                "size_mb": round(czml.stat().st_size / 1e6, 2),
            },
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


GOAL_MEMORY_RATIO = 1.10
GOAL_BASE_RATIO = 1.2


def tree_rss_mb(proc: psutil.Process) -> float:
    """Resident memory of ``proc`` and all its descendants [MiB] (a process that ends while
    being read counts 0; shared-memory pages count in every process mapping them)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total / 2**20


def measure(cmd: list[str], src: str | None = None) -> dict:
    """Run ``cmd`` in a fresh process (with ``PYTHONPATH=src`` if given): wall seconds, the
    peak RSS of its process tree (sampled every 50 ms) and its own ``ru_maxrss`` [MiB]."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src
    peak = [0.0]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    done = threading.Event()

    def sample() -> None:
        with contextlib.suppress(psutil.Error):
            me = psutil.Process(proc.pid)
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_mb(me))
                done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {err[-2000:]}")
    own = usage.ru_maxrss / 1024.0
    return {"seconds": round(seconds, 2), "peak_mb": round(max(peak[0], own), 1),
            "own_mb": round(own, 1)}  # fmt: skip


def _oc(*args: str) -> list[str]:
    return [sys.executable, "-m", "orbitcloud", *args]


def run_memory(base: str | None = None, gen2: bool = False) -> list[dict]:
    """Peak RSS of ``orbitcloud report`` at 1 and 5 days; against ``base`` if given."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-mem-"))
    out: list[dict] = []
    try:
        rep: dict[int, dict] = {}
        for days in (1, 5):
            folder = tmp / f"cat-{days}d"
            subprocess.run(_oc("run", "starlink-catalogue", "--set", f"time.duration_h={24 * days}",
                               "--set", "outputs.report=false", "-q", "-o", str(folder)),
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            rep[days] = measure(_oc("report", str(folder)))
            rep[days]["size_mb"] = round((folder / "report.html").stat().st_size / 1e6, 3)
            if base and days == 1:
                old = measure(_oc("report", str(folder)), src=base)
                old_size = (folder / "report.html").stat().st_size / 1e6
                new = measure(_oc("report", str(folder)))  # again: the same load as the old
                size = (folder / "report.html").stat().st_size / 1e6
                secs = min(rep[1]["seconds"], new["seconds"])
                out.append({
                    "name": "orbitcloud report starlink-catalogue (1 day): time and size",
                    "seconds": secs, "size_mb": round(size, 2),
                    "baseline": f"the same with PYTHONPATH={base}",
                    "baseline_seconds": old["seconds"], "baseline_size_mb": round(old_size, 2),
                    "baseline_peak_mb": old["peak_mb"], "peak_mb": rep[1]["peak_mb"],
                    "ratio": round(secs / old["seconds"], 3),
                    "goal": f"time and size ratio <= {GOAL_BASE_RATIO:g}",
                    "ok": secs / old["seconds"] <= GOAL_BASE_RATIO
                    and size / old_size <= GOAL_BASE_RATIO,
                })  # fmt: skip
            if days == 5:
                shutil.rmtree(folder, ignore_errors=True)
        ratio = rep[5]["peak_mb"] / rep[1]["peak_mb"]
        size_ratio = rep[5]["size_mb"] / rep[1]["size_mb"]
        out.append({
            "name": "orbitcloud report starlink-catalogue: peak RSS and page size at 5 days",
            "peak_mb": rep[5]["peak_mb"], "seconds": rep[5]["seconds"],
            "size_mb": rep[5]["size_mb"],
            "baseline": "the same at 1 day", "baseline_peak_mb": rep[1]["peak_mb"],
            "baseline_seconds": rep[1]["seconds"], "baseline_size_mb": rep[1]["size_mb"],
            "ratio": round(ratio, 3), "size_ratio": round(size_ratio, 3),
            "goal": f"peak RSS and page size ratios <= {GOAL_MEMORY_RATIO:g}",
            "ok": ratio <= GOAL_MEMORY_RATIO and size_ratio <= GOAL_MEMORY_RATIO,
        })  # fmt: skip
        if gen2:
            cmd = ("run", "starlink-gen2", "--set", "time.duration_h=6", "-q", "-o")
            new = measure(_oc(*cmd, str(tmp / "g2-new")))
            shutil.rmtree(tmp / "g2-new", ignore_errors=True)
            row = {"name": "orbitcloud run starlink-gen2 (6 h, with the report): peak RSS",
                   "peak_mb": new["peak_mb"], "seconds": new["seconds"]}  # fmt: skip
            if base:
                old = measure(_oc(*cmd, str(tmp / "g2-old")), src=base)
                row.update(baseline=f"the same with PYTHONPATH={base}",
                           baseline_peak_mb=old["peak_mb"], baseline_seconds=old["seconds"],
                           ratio=round(new["peak_mb"] / old["peak_mb"], 3))  # fmt: skip
            out.append(row)
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    argv = sys.argv[1:]
    if "--memory" in argv:
        base = argv[argv.index("--base") + 1] if "--base" in argv else None
        print(json.dumps(run_memory(base, gen2="--gen2" in argv), indent=2))
    else:
        print(json.dumps(run(quick="--quick" in argv), indent=2))
