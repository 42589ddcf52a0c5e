"""Benchmark: a 20-point sweep on 1, then 2 local Dask workers (the speed-up of scale-out).

What is timed
-------------
The same 20-point sweep (the built-in ``default`` scenario -- 225 satellites -- at 10 altitudes
x 2 inclinations of its Walker shell, ``outputs.report: false``) run by :func:`orbitcloud.sweep.run_sweep` into a
fresh folder on a :func:`~orbitcloud.sweep.runner.make_local_cluster` of 1 worker process,
then of 2. Timed: from the first task submitted to the last point recorded (``run_seconds``:
points, Parquet, summary.json, the rename). Not timed: starting the cluster and the first
import of orbitcloud on each worker (both done before), and the sweep table and report written
after (the same on 1 or 2 workers; reported as ``total_s``).

* **2 workers**: the measured figure; **baseline**: the same sweep on 1 worker. Each is the
  best of 2 runs (1 with ``--quick``), alternating 1 and 2 workers; the load average before
  and after is reported, since other work on the machine distorts the figure.

Goal: ``ratio < 0.75`` -- two worker processes at least 1.33x faster than one (SGP4 holds the
GIL, so processes, not threads: shared/PITFALLS.md measured about 1.7x for bare SGP4 on two
processes here).

Usage: ``python bench/bench_sweep.py [--quick]`` prints the list of results as JSON
(``--quick``: 6 h of simulated time per point instead of 24 h). ``orbitcloud bench`` runs it
with the others.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from orbitcloud.sweep.runner import make_local_cluster, run_sweep
from orbitcloud.sweep.spec import plan_sweep

GOAL_RATIO = 0.75


def sweep_doc(quick: bool) -> dict:
    """The benchmarked sweep: 20 points of the default scenario."""
    return {
        "name": "bench-sweep",
        "base": "default",
        "set": {
            "time.duration_h": 6 if quick else 24,
            "outputs.report": False,
        },
        "parameters": {
            "constellations.0.walker.altitude_km": [500 + 50 * k for k in range(10)],
            "constellations.0.walker.inclination_deg": [53, 97.6],
        },
    }


def timed_sweep(plan, out: Path, workers: int) -> tuple[float, float, int]:
    """(run_seconds, total_seconds, satellites per point) of the plan on a fresh local cluster
    of ``workers``."""
    from distributed import Client

    cluster = make_local_cluster(workers)
    try:
        with Client(cluster) as client:
            client.run(exec, "import orbitcloud.sweep.runner")  # imports, before the clock
            res = run_sweep(plan, out, client=client, write_report=False)
            if res.failed or res.computed != len(plan.unique_hashes):
                raise RuntimeError(f"sweep on {workers} worker(s): {res.records}")
            sats = int(next(iter(res.records.values())).kpis["satellites"])
            return res.run_seconds, res.seconds, sats
    finally:
        cluster.close()


def run(quick: bool = False) -> list[dict]:
    """The bench protocol of docs/CONTRIBUTING.md: a list of result dicts."""
    plan = plan_sweep(sweep_doc(quick), source="bench_sweep.py")
    n = len(plan.points)
    repeat = 1 if quick else 2
    runs: dict[int, list[tuple[float, float, int]]] = {1: [], 2: []}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        for k in range(repeat):  # alternate 1 and 2 workers; best of `repeat` each
            for w in (1, 2):
                runs[w].append(timed_sweep(plan, Path(tmp) / f"w{w}-{k}", w))
    t1, total1, sats = min(runs[1])
    t2, total2, _ = min(runs[2])
    ratio = t2 / t1
    return [
        {
            "name": f"sweep of {n} points on 2 local workers",
            "seconds": round(t2, 3),
            "baseline": f"the same {n}-point sweep on 1 local worker",
            "baseline_seconds": round(t1, 3),
            "ratio": round(ratio, 3),
            "speedup": round(t1 / t2, 3),
            "goal": f"ratio < {GOAL_RATIO:g}",
            "ok": ratio < GOAL_RATIO,
            "points": n,
            "simulated_hours_per_point": plan.points[0].scenario["time"]["duration_h"],
            "satellites_per_point": sats,
            "all_runs_s": {f"{w} worker(s)": [round(r[0], 3) for r in runs[w]] for w in runs},
            "total_s": {"1 worker": round(total1, 3), "2 workers": round(total2, 3)},
            "cpus": os.cpu_count(),
            "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        }
    ]


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
