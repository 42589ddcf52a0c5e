"""Benchmark: the whole ``orbitcloud run starlink-catalogue`` against bare SGP4.

What is timed
-------------
* **run, issue #3 variant**: ``python -m orbitcloud run <starlink-catalogue, positions + sunlit
  only> --out <tmp> -q`` in a subprocess, from process start to exit: imports, TLE validation,
  SGP4, frames, geodetic, Sun, eclipse, the Parquet tables (6.4 M position rows),
  ``summary.json`` and the move into place -- what the foundation issue benchmarks. The
  spacecraft models and the HTML report, added later and on by default, are switched off.
* **run, as shipped**: ``orbitcloud run starlink-catalogue`` itself, every default stage and the
  report included (informational: the 2x goal was set for the variant above).
* Peak resident memory of each run comes from ``os.wait4`` (the child's own ``ru_maxrss``).
* **baseline**: bare ``sgp4.api.SatrecArray.sgp4`` of the same 4,428 TLEs at the same 1,441
  times, in this process, in one call (TLE parsing excluded): the floor any SGP4-based tool
  pays.
* **parquet write**: the time the run spent encoding Parquet (in its writer thread) and the
  time its main thread waited for that writer, read from the run's ``summary.json``.

Goals (foundation issue): run within 2x of the baseline, peak memory under 2 GB.

Usage: ``python bench/bench_run.py [--quick]`` prints the list of results as JSON (``--quick``:
2 hours instead of 24, for a smoke test). ``orbitcloud bench`` runs it with the others.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np
from sgp4.api import WGS72, Satrec, SatrecArray, jday

from orbitcloud.scenario.loader import builtin_path
from orbitcloud.scenario.yamlio import dump_yaml, load_yaml_file

GOAL_RATIO = 2.0
GOAL_RSS_MB = 2048.0
START = (2023, 7, 18, 0, 0, 0.0)
STEP_S = 60.0


def _tle_file() -> Path:
    return Path(str(resources.files("orbitcloud") / "data" / "starlink-2023-07-18.tle"))


def _bare_satrecs(path: Path) -> list[Satrec]:
    """The catalogue read the bare way: every line-1/line-2 pair straight into sgp4."""
    lines = path.read_text(encoding="ascii").splitlines()
    out = []
    for a, b in itertools.pairwise(lines):
        if a.startswith("1 ") and b.startswith("2 ") and len(a) >= 68 and len(b) >= 68:
            out.append(Satrec.twoline2rv(a, b, WGS72))
    return out


def bare_sgp4_seconds(n_steps: int, repeat: int = 2) -> tuple[float, int]:
    """Best-of-``repeat`` seconds of one ``SatrecArray.sgp4`` call over all TLEs and times."""
    sats = SatrecArray(_bare_satrecs(_tle_file()))
    jd0, fr0 = jday(*START)
    fr = fr0 + np.arange(n_steps) * STEP_S / 86400.0
    jd = np.full(n_steps, jd0)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        e, r, v = sats.sgp4(jd, fr)
        best = min(best, time.perf_counter() - t0)
        del e, r, v
    return float(best), len(sats)


def _scenario(tmp: Path, quick: bool, foundation: bool) -> str:
    """The scenario file to run: the built-in ``starlink-catalogue``, as shipped or trimmed.

    ``foundation``: what issue #3 benchmarks -- positions and sunlit only, so the spacecraft
    models (added later, on by default) and the HTML report are switched off. ``quick``: 2 h.
    """
    if not quick and not foundation:
        return "starlink-catalogue"
    doc, _ = load_yaml_file(builtin_path("starlink-catalogue"))
    tle = doc["constellations"][0]["tle_file"]
    doc["constellations"][0]["tle_file"] = str(builtin_path("starlink-catalogue").parent / tle)
    if quick:
        doc["time"].pop("duration_h", None)
        doc["time"]["duration_s"] = 7200
    if foundation:
        doc["name"] += "-positions"
        doc["constellations"][0]["spacecraft"] = {"enabled": False}
        doc["outputs"] = {"positions": True, "report": False}
    p = tmp / f"{doc['name']}-{int(quick)}.yaml"
    p.write_text(dump_yaml(doc), encoding="utf-8")
    return str(p)


def run_subprocess(scenario: str, out: Path) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS [MB] and summary of one ``orbitcloud run`` in a child process."""
    cmd = [sys.executable, "-m", "orbitcloud", "run", scenario, "--out", str(out), "-q"]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode != 0:
        raise RuntimeError(f"orbitcloud run failed ({proc.returncode}): {err}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return seconds, usage.ru_maxrss / 1024.0, summary  # ru_maxrss is in KiB on Linux


def startup_seconds() -> float:
    """Seconds to start Python and import the command line (part of every run)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import orbitcloud.cli.main"], check=True)
    return time.perf_counter() - t0


def _variant(tmp: Path, quick: bool, foundation: bool, repeat: int) -> dict:
    scenario = _scenario(tmp, quick, foundation)
    tag = "f" if foundation else "s"
    runs = [run_subprocess(scenario, tmp / f"out-{tag}{i}") for i in range(repeat)]
    seconds, _, summary = min(runs, key=lambda r: r[0])
    return {"seconds": seconds, "rss_mb": max(r[1] for r in runs), "summary": summary}


def run(quick: bool = False) -> list[dict]:
    """The bench protocol of docs/CONTRIBUTING.md: a list of result dicts."""
    repeat = 1 if quick else 2
    with tempfile.TemporaryDirectory(prefix="bench_run_") as tmp_s:
        tmp = Path(tmp_s)
        found = _variant(tmp, quick, foundation=True, repeat=repeat)
        shipped = _variant(tmp, quick, foundation=False, repeat=1)
    summary = found["summary"]
    n_steps = int(summary["kpis"]["time_steps"])
    base_s, n_sat = bare_sgp4_seconds(n_steps, repeat=repeat)
    if n_sat != summary["kpis"]["satellites"]:
        raise RuntimeError(f"bare parse found {n_sat} TLEs, orbitcloud {summary['kpis']}")
    baseline = f"bare SatrecArray.sgp4, {n_sat} TLEs x {n_steps} steps, one call"
    common = {"baseline": baseline, "baseline_seconds": round(base_s, 3)}
    out = []
    for label, v in (("positions + sunlit, issue #3", found), ("as shipped", shipped)):
        ratio = v["seconds"] / base_s
        s = v["summary"]
        out.append(
            {
                "name": f"orbitcloud run {s['scenario']} ({label}; subprocess, whole run)",
                "seconds": round(v["seconds"], 3),
                **common,
                "ratio": round(ratio, 3),
                "goal": (
                    f"ratio < {GOAL_RATIO:g}"
                    if v is found
                    else "informational: adds the spacecraft models and the report, whose costs "
                    "bench_spacecraft and bench_report measure against their own goals"
                ),
                "ok": ratio < GOAL_RATIO if v is found else True,
                "run_timings_s": s.get("timings_s", {}),
                "rows": s.get("tables", {}),
            }
        )
        out.append(
            {
                "name": f"orbitcloud run {s['scenario']} ({label}) peak memory",
                "seconds": round(v["seconds"], 3),
                **common,
                "ratio": round(ratio, 3),
                "peak_rss_mb": round(v["rss_mb"], 1),
                "goal": f"peak RSS < {GOAL_RSS_MB:g} MB",
                "ok": v["rss_mb"] < GOAL_RSS_MB,
            }
        )
    timings = summary.get("timings_s", {})
    write_s = float(timings.get("parquet_write", float("nan")))
    wait_s = float(timings.get("parquet_wait", float("nan")))
    out.append(
        {
            "name": "positions Parquet write inside the run (writer thread, issue #3 variant)",
            "seconds": round(write_s, 3),
            **common,
            "ratio": round(write_s / base_s, 3),
            "main_thread_wait_s": round(wait_s, 3),
            "goal": "the main thread waits < 10 % of the run for Parquet",
            "ok": wait_s < 0.1 * found["seconds"],
        }
    )
    out.append(
        {
            "name": "start-up: python -c 'import orbitcloud.cli.main'",
            "seconds": round(startup_seconds(), 3),
            **common,
            "ratio": 0.0,
            "goal": "informational (part of every run)",
            "ok": True,
        }
    )
    out[-1]["ratio"] = round(out[-1]["seconds"] / base_s, 3)
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
