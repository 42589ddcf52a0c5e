"""Operations benchmark (issue 6): disaster-resilience at Starlink shell 1 scale.

The built-in ``disaster-resilience`` scenario scaled to the benchmark of the issue: Starlink
shell 1 (72x22 Walker at 550 km, +Grid ISLs, every satellite an H100 node), the 1,000 most
populous cities (plus the Gulf Coast cities and five gateways), 24 h at 60 s, a 12 h hurricane
outage, satellite and ISL failures; orbital (energy-aware) and terrestrial worlds side by side.
Goal: the whole run (tables in memory) under 120 s on 2 cores. Baseline: the same run without
the operations stage (workloads removed), measured in the same process, so ``ratio`` is the
cost of the operations loop relative to geometry + spacecraft + network. The per-stage
breakdown (``timings_s`` of summary.json) is included in the result.

Run ``python bench/bench_operations.py [--quick]`` (quick: 3 h); prints the results as JSON.
``--stories`` times the built-in ``remote-inference`` and ``disaster-resilience`` runs as they
ship (issue 19: the operations stage's wall time from ``timings_s`` and the process CPU time,
which a loaded machine inflates less than wall time); ``--repeat N`` takes the median of N.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.scenario.loader import builtin_path
from orbitcloud.scenario.model import Scenario
from orbitcloud.scenario.yamlio import load_yaml_file


def scenario(hours: float, workloads: bool = True) -> Scenario:
    doc, _ = load_yaml_file(builtin_path("disaster-resilience"))
    doc = dict(doc)
    doc["name"] = "bench-operations"
    doc["time"] = {**doc["time"], "duration_h": hours, "step_s": 60}
    doc["ground"] = {**doc["ground"], "cities": {**doc["ground"]["cities"], "top": 1000}}
    doc["ground"]["cities"].pop("regions", None)
    if not workloads:
        for k in ("workloads", "events"):
            doc.pop(k, None)
        doc["scheduling"] = {}
    return Scenario.model_validate(doc)


def _timed(sc: Scenario) -> tuple[float, dict]:
    t = time.perf_counter()
    ctx = simulate(sc, MemorySink())
    return time.perf_counter() - t, ctx.summary["timings_s"]


def run(quick: bool = False) -> list[dict]:
    hours = 3.0 if quick else 24.0
    sec, timings = _timed(scenario(hours))
    base, base_t = _timed(scenario(hours, workloads=False))
    goal_s = 120.0 * hours / 24.0
    return [
        {
            "name": f"disaster-resilience shell1 72x22 + 1000 cities, {hours:g} h at 60 s",
            "seconds": round(sec, 2),
            "baseline": "same run without the operations stage",
            "baseline_seconds": round(base, 2),
            "ratio": round(sec / base, 3),
            "goal": f"seconds < {goal_s:g}",
            "ok": sec < goal_s,
            "timings_s": timings,
            "baseline_timings_s": base_t,
        }
    ]


def stories(repeat: int = 1) -> list[dict]:
    """Wall, CPU and operations-stage seconds of the shipped operations stories (medians)."""
    out = []
    for name in ("remote-inference", "disaster-resilience"):
        doc, _ = load_yaml_file(builtin_path(name))
        sc = Scenario.model_validate(doc)
        runs = []
        for _ in range(repeat):
            c0 = time.process_time()
            sec, timings = _timed(sc)
            runs.append((sec, time.process_time() - c0, timings["stage_operations"]))
        wall, cpu, ops = (statistics.median(r[i] for r in runs) for i in range(3))
        out.append({"name": name, "seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
                    "operations_stage_seconds": round(ops, 2), "repeat": repeat})  # fmt: skip
    return out


if __name__ == "__main__":
    if "--stories" in sys.argv:
        n = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 1
        print(json.dumps(stories(n), indent=1))
    else:
        print(json.dumps(run("--quick" in sys.argv), indent=1))
