"""Routing at mega-constellation scale (issue 19, part 3): planned searches against the previous
method, in the same run.

(a) Per-step routing CPU time at about 10k / 20k / 42k satellites: the first 6, 8 and all 17
    circular Walker shells of the issue's Starlink Gen1 + Gen2 + V-band layout (9,688 / 20,248 /
    41,956 satellites; src/orbitcloud/scenario/builtin/starlink-gen2.yaml), +Grid per shell, the
    100 most populous cities at 25 deg elevation, all 4,950 pairs, ``STEPS`` consecutive steps
    at 60 s. Baseline: the previous routing (a full Dijkstra from each of the 99 source cities,
    warm-started when its certificate holds: ``stepping.route_steps``); new: planned searches
    (``stepping.route_steps_planned``: endpoint cover, limited searches, learnt radii). Every
    route of every step is checked identical (paths, lengths, hops, hashes).
(b) The same steps through ``StepRouter`` with the default worker count (one process per usable
    core), wall time, on the quiet machine and with one core held by a busy loop (a child
    process this bench starts and stops), against one process.
(c) The extrapolated 42k day at 60 s: 1,440 steps x the per-step CPU time of (a) in one
    process (and x the wall time of (b) with workers); goal: under 5 minutes.
(d) 1,000 cities (499,500 pairs) on Starlink shell 1 (1,584 satellites), whole runs of 3 and 9
    steps with the routes table written, each in a fresh subprocess: peak memory (ru_maxrss);
    bounded means the 9-step run peaks no higher than the 3-step one (+10 %).

Run ``python bench/bench_routing_scale.py [--quick]`` (quick: 10k and 20k only, 2 steps); prints
the list of results as JSON. CPU times are process times (fair when other jobs share the
machine); the load average is reported with each result.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_network import _snapshots  # the run's own snapshot builder

SHELLS = [  # planes, sats per plane, altitude [km], inclination [deg] (starlink-gen2.yaml)
    (72, 22, 550, 53), (72, 22, 540, 53.2), (36, 20, 570, 70), (6, 58, 560, 97.6),
    (4, 43, 560, 97.6), (48, 110, 340, 53), (48, 110, 345, 46), (48, 110, 350, 38),
    (30, 120, 360, 96.9), (28, 120, 525, 53), (28, 120, 530, 43), (28, 120, 535, 33),
    (12, 12, 604, 148), (18, 18, 614, 115.7), (42, 60, 335.9, 42), (42, 60, 340.8, 48),
    (42, 60, 345.6, 53),
]  # fmt: skip
SIZES = {"10k": 6, "20k": 8, "42k": 17}
STEPS = 6
DAY_STEPS = 1440
GOAL_DAY_S = 300.0


def _scenario(n_shells: int, cities: int = 100, steps: int = STEPS) -> dict:
    cons = []
    for i, (p, s, alt, inc) in enumerate(SHELLS[:n_shells]):
        raan0 = {"raan0_deg": 15} if i == 4 else {}
        cons.append({"name": f"s{i}", "isl": {"topology": "plus-grid"},
                     "walker": {"planes": p, "sats_per_plane": s, "altitude_km": alt,
                                "inclination_deg": inc, "phase_factor": 1, **raan0}})  # fmt: skip
    return {
        "name": "bench-routing-scale", "seed": 1,
        "time": {"start": "2025-01-01T00:00:00Z", "duration_s": 60 * (steps - 1), "step_s": 60},
        "constellations": cons,
        "ground": {"cities": {"top": cities}, "link": {"min_elevation_deg": 25}},
        "network": {"routes": "all"}, "outputs": {"positions": False, "report": False},
    }  # fmt: skip


def _same(a, b) -> bool:
    return all(
        np.array_equal(getattr(a, f), getattr(b, f))
        for f in ("length_m", "hops", "path_values", "path_offsets", "path_hash")
    )


def _busy() -> None:  # pragma: no cover - runs in the busy child
    while True:
        pass


def per_step(label: str, n_shells: int, steps: int) -> list[dict]:
    """(a) and (b) for one constellation size."""
    from orbitcloud.network.model import check_network_inputs
    from orbitcloud.network.routeplan import plan_routes
    from orbitcloud.network.stepping import (
        StepRouter,
        route_steps,
        route_steps_planned,
        routing_workers,
    )
    from orbitcloud.scenario.loader import load_scenario

    sc = _scenario(n_shells, steps=steps)
    snaps, n_g = _snapshots(sc, list(range(steps)))
    ground = check_network_inputs(load_scenario(sc))
    assert ground is not None
    src, dst = np.triu_indices(n_g, 1)
    plan = plan_routes(src, dst, ground.lat_rad, ground.lon_rad)
    t0 = time.process_time()
    old = route_steps(snaps, src, dst, False)
    t_old = (time.process_time() - t0) / steps
    t0 = time.process_time()
    new, _ = route_steps_planned(snaps, src, dst, False, plan)
    t_new = (time.process_time() - t0) / steps
    same = all(_same(a, b) for a, b in zip(old, new, strict=True))
    unreachable = int(sum((~r.reachable).sum() for r in new))
    out = [{
        "name": f"routing_{label}_per_step_cpu", "n_sat": snaps[0].n_sat, "pairs": len(src),
        "searches": len(plan.sources), "seconds": t_new,
        "baseline": "previous routing (full Dijkstra from 99 sources, warm-start certificate), "
                    "same steps, CPU time", "baseline_seconds": t_old, "ratio": t_new / t_old,
        "identical_routes": same, "unreachable_pair_steps": unreachable,
        "goal": "identical routes, faster", "ok": same and t_new < t_old,
        "load_average": os.getloadavg(),
    }]  # fmt: skip
    workers = routing_workers(None)
    walls = {}
    for busy in (False, True):
        hog = mp.get_context("fork").Process(target=_busy, daemon=True) if busy else None
        if hog is not None:
            hog.start()
        try:
            for n_w in (0, workers):
                router = StepRouter(n_w, plan)
                router.route(snaps[:1], src, dst, False)  # learn radii, start nothing
                t0 = time.perf_counter()
                router.route(snaps * 2, src, dst, False)
                walls[(busy, n_w)] = (time.perf_counter() - t0) / (2 * steps)
                router.close()
        finally:
            if hog is not None:
                hog.terminate()
                hog.join()
    for busy in (False, True):
        one, many = walls[(busy, 0)], walls[(busy, workers)]
        out.append({
            "name": f"routing_{label}_per_step_wall_{'busy_core' if busy else 'quiet'}",
            "seconds": many, "workers": workers,
            "baseline": "planned routing in one process, same steps, wall time"
                        + (", one core held by a busy loop" if busy else ""),
            "baseline_seconds": one, "ratio": many / one,
            "goal": "not slower than one process", "ok": many <= one * 1.05,
            "load_average": os.getloadavg(),
        })  # fmt: skip
    return out


_MEM_CHILD = """
import json, resource, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {bench!r})
from bench_routing_scale import _scenario
from orbitcloud.results.api import run
sc = _scenario(1, cities=1000, steps={steps})
with tempfile.TemporaryDirectory() as d:
    t0 = time.perf_counter()
    res = run(sc, out=Path(d) / "r")
    secs = time.perf_counter() - t0
print(json.dumps({{"seconds": secs, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                  / 1024, "route_rows": res.summary["tables"].get("routes")}}))
"""


def thousand_cities(steps: int) -> dict:
    """(d): one whole run in a fresh subprocess; its peak memory and time."""
    code = _MEM_CHILD.format(bench=str(Path(__file__).resolve().parent), steps=steps)
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           cwd=d, check=True)  # fmt: skip
    return json.loads(r.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[dict]:
    """Run the routing-scale benchmarks; see the module docstring."""
    out: list[dict] = []
    steps = 2 if quick else STEPS
    for label, n_shells in SIZES.items():
        if quick and label == "42k":
            continue
        out.extend(per_step(label, n_shells, steps))
    by = {r["name"]: r for r in out}
    big = "42k" if not quick else "20k"
    cpu = by[f"routing_{big}_per_step_cpu"]
    wall = by[f"routing_{big}_per_step_wall_quiet"]
    out.append({
        "name": f"routing_{big}_day_extrapolated", "seconds": cpu["seconds"] * DAY_STEPS,
        "baseline": "previous routing's CPU time per step x 1,440 (both one process, this run)",
        "baseline_seconds": cpu["baseline_seconds"] * DAY_STEPS, "ratio": cpu["ratio"],
        "wall_with_workers_seconds": wall["seconds"] * DAY_STEPS,
        "goal": f"under {GOAL_DAY_S:.0f} s for the day (routing only)",
        "ok": cpu["seconds"] * DAY_STEPS < GOAL_DAY_S, "load_average": os.getloadavg(),
    })  # fmt: skip
    short, long_ = thousand_cities(3), thousand_cities(9)
    out.append({
        "name": "routing_1000_cities_peak_memory", "seconds": long_["seconds"],
        "peak_mib": long_["peak_mib"], "route_rows": long_["route_rows"],
        "baseline": "the same run with 3 steps (fresh subprocess)",
        "baseline_peak_mib": short["peak_mib"], "ratio": long_["peak_mib"] / short["peak_mib"],
        "goal": "peak memory independent of the run length (9 steps within 1.1x of 3)",
        "ok": long_["peak_mib"] <= 1.1 * short["peak_mib"],
    })  # fmt: skip
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
