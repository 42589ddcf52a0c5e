"""Scale benchmark (issue 19): the whole chain at 10k / 20k / 42k satellites, per stage.

The satellites are the built-in ``starlink-gen2`` layout (41,956 satellites in 17 Walker
shells), cut to the first shells up to each count (the last shell takes ``limit:``). Each size
runs as ``python -m orbitcloud run <scenario> --out <tmp> -q`` in a subprocess -- positions,
sunlit, the spacecraft models and the HTML report, as the built-in ships -- and reports:

* wall seconds of the whole process and of each stage, from the run's ``summary.json``
  ``timings_s`` (``setup``, ``geometry``, ``stage_<name>``, ``parquet_write`` in the writer
  thread); ``report_and_exit`` is the process's wall time after the run's own ``wall_time_s``
  less the interpreter start-up measured alone (the HTML report and the move into place);
* peak memory: the largest sum of the RSS of the run and its worker processes, sampled every
  50 ms with psutil (shared-memory slots count in each process mapping them: an overstatement),
  and the run process's own ``ru_maxrss``;
* **baseline**, timed in the same run: bare single-core ``SatrecArray.sgp4`` of the same
  satellites' elements at the same times, in the same time chunks (what any SGP4-based tool
  pays). Runs and baselines alternate, and each figure is the median of ``repeats`` (1, or 3
  with ``--repeat``).

Goal (issue 19): ``starlink-gen2``, 24 h at 60 s, positions + sunlit + spacecraft + report,
under 90 s and 2 GB peak. ``--quick`` runs 10k satellites for 1 hour (< 60 s).

``--routes``: the same chain at 42k with +Grid ISLs, the 100 most populous cities and all 4,950
pairs routed, run for 1 h and 3 h and extrapolated to a day (goal: under 5 minutes).

Run: ``python bench/bench_scale.py [--quick] [--repeat] [--routes]``; ``orbitcloud bench`` runs it too.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_geometry import time_bare_sgp4
from bench_report import measure as measure_process
from orbitcloud.astro.constellations import build_satellites
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.scenario.loader import load_scenario, scenario_from_dict
from orbitcloud.scenario.yamlio import dump_yaml

SIZES = (10_000, 20_000, 41_956)
GOAL_SECONDS = 90.0
GOAL_PEAK_MB = 2048.0


def scenario_doc(n_sat: int, hours: float, routed: bool = False) -> dict:
    """``starlink-gen2`` cut to its first ``n_sat`` satellites and ``hours`` hours; ``routed``:
    with +Grid ISLs in every shell, the 100 most populous cities (25 deg elevation) and all
    4,950 pairs routed every step (issue 19's second goal)."""
    doc = load_scenario("starlink-gen2").model_dump(mode="json", exclude_unset=True)
    shells, left = [], n_sat
    for c in doc["constellations"]:
        if left <= 0:
            break
        size = c["walker"]["planes"] * c["walker"]["sats_per_plane"]
        if size > left:
            c["limit"] = left
        shells.append(c)
        left -= min(size, left)
    doc["constellations"] = shells
    doc["name"] = f"starlink-gen2-{n_sat}"
    doc["time"].pop("duration_h", None)
    doc["time"]["duration_s"] = hours * 3600.0
    if routed:
        for c in doc["constellations"]:
            c["isl"] = {"topology": "plus-grid"}
        doc["name"] += "-routed"
        doc["ground"] = {"cities": {"top": 100}, "link": {"min_elevation_deg": 25}}
        doc["network"] = {"routes": "all"}
    return doc


def bare_sgp4_seconds(doc: dict) -> float:
    """Single-core SatrecArray.sgp4 over the run's satellites and times, in its time chunks
    (:func:`bench_geometry.time_bare_sgp4`)."""
    sc = scenario_from_dict(doc)
    grid = TimeGrid(sc.time.start_dt, sc.time.step_s, sc.time.n_steps, sc.time.ut1_utc_s)
    return time_bare_sgp4(build_satellites(sc), grid)


def run_once(scenario: Path, out: Path) -> dict:
    """One ``orbitcloud run`` in a subprocess: wall seconds, peak memory
    (:func:`bench_report.measure`), summary."""
    cmd = [sys.executable, "-m", "orbitcloud", "run", str(scenario), "--out", str(out), "-q"]
    m = measure_process(cmd)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {**m, "summary": summary}


def startup_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import orbitcloud.cli.main"], check=True)
    return time.perf_counter() - t0


def _stages(run: dict, startup: float) -> dict[str, float]:
    s = run["summary"]
    stages = {k: float(v) for k, v in s.get("timings_s", {}).items()}
    stages["report_and_exit"] = max(
        run["seconds"] - float(s.get("wall_time_s", 0.0)) - startup, 0.0
    )
    return stages


def measure(n_sat: int, hours: float, repeats: int, tmp: Path, routed: bool = False) -> dict:
    doc = scenario_doc(n_sat, hours, routed)
    path = tmp / f"{doc['name']}.yaml"
    path.write_text(dump_yaml(doc), encoding="utf-8")
    runs, bases = [], []
    for i in range(repeats):  # alternate: a busy machine hits both alike
        bases.append(bare_sgp4_seconds(doc))
        runs.append(run_once(path, tmp / f"out-{doc['name']}-{hours:g}-{i}"))
    startup = startup_seconds()
    per_stage = [_stages(r, startup) for r in runs]
    med = statistics.median(r["seconds"] for r in runs)
    return {
        "seconds": med,
        "baseline_seconds": statistics.median(bases),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "own_mb": max(r["own_mb"] for r in runs),
        "stages_s": {k: round(statistics.median(p[k] for p in per_stage), 3) for k in per_stage[0]},
        "steps": runs[0]["summary"]["kpis"]["time_steps"],
        "satellites": runs[0]["summary"]["kpis"]["satellites"],
        "startup_s": startup,
    }


def run(quick: bool = False, repeats: int = 1) -> list[dict]:
    """The bench protocol of docs/CONTRIBUTING.md: one dict per size."""
    sizes, hours = ((SIZES[0],), 1.0) if quick else (SIZES, 24.0)
    out = []
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp_s:
        for n in sizes:
            m = measure(n, hours, repeats, Path(tmp_s))
            full = n == SIZES[-1] and not quick
            stages = m["stages_s"]
            top = max((k for k in stages if k != "parquet_write"), key=stages.get)
            out.append({
                "name": f"starlink-gen2 first {m['satellites']:,} satellites, {hours:g} h at "
                        "60 s, whole chain (positions, sunlit, spacecraft, report)",
                "seconds": round(m["seconds"], 3),
                "baseline": "bare single-core SatrecArray.sgp4, same elements, times and chunks, "
                            "same run (median of alternating runs)",
                "baseline_seconds": round(m["baseline_seconds"], 3),
                "ratio": round(m["seconds"] / m["baseline_seconds"], 3),
                "goal": (f"< {GOAL_SECONDS:g} s and peak < {GOAL_PEAK_MB:g} MB (issue 19)"
                         if full else "informational (the goal is set for 42k, 24 h)"),
                "ok": (m["seconds"] < GOAL_SECONDS and m["peak_mb"] < GOAL_PEAK_MB) if full
                      else True,
                "peak_rss_mb": round(m["peak_mb"], 1),
                "run_process_rss_mb": round(m["own_mb"], 1),
                "stages_s": stages,
                "dominant_stage": top,
                "satellite_steps": m["satellites"] * m["steps"],
                "startup_s": round(m["startup_s"], 3),
                "load_average_1min_at_start": round(load, 2),
            })  # fmt: skip
    return out


def run_routed(hours: tuple[float, float] = (1.0, 3.0), repeats: int = 1) -> list[dict]:
    """The whole chain with routing at 42k (+Grid, 100 cities, all pairs) for two lengths,
    extrapolated to a day along the line through them (fixed costs -- start-up, pair plan,
    the report's page -- counted once): goal under 5 minutes (issue 19)."""
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_scale_routed_") as tmp_s:
        ms = [measure(SIZES[-1], h, repeats, Path(tmp_s), routed=True) for h in hours]
    per_h = (ms[1]["seconds"] - ms[0]["seconds"]) / (hours[1] - hours[0])
    day = ms[0]["seconds"] + per_h * (24.0 - hours[0])
    return [{
        "name": f"starlink-gen2 ({ms[0]['satellites']:,} satellites) + Grid ISLs, 100 cities, "
                "all 4,950 pairs routed, 60 s steps, whole chain with the report: a day "
                f"extrapolated from {hours[0]:g} h and {hours[1]:g} h",
        "seconds": round(day, 1),
        "measured_s": {f"{h:g}h": round(m["seconds"], 1) for h, m in zip(hours, ms, strict=True)},
        "stages_s": {f"{h:g}h": m["stages_s"] for h, m in zip(hours, ms, strict=True)},
        "baseline": "bare single-core SatrecArray.sgp4 of the same day (scaled from the runs)",
        "baseline_seconds": round(ms[1]["baseline_seconds"] * 24.0 / hours[1], 1),
        "goal": "< 300 s for the day (issue 19)",
        "ok": day < 300.0,
        "peak_rss_mb": round(max(m["peak_mb"] for m in ms), 1),
        "load_average_1min_at_start": round(load, 2),
    }]  # fmt: skip


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--routes" in args:
        print(json.dumps(run_routed(repeats=3 if "--repeat" in args else 1), indent=2))
        sys.exit(0)
    print(
        json.dumps(run(quick="--quick" in args, repeats=3 if "--repeat" in args else 1), indent=2)
    )
