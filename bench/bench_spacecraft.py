"""Spacecraft benchmark: environment + power + thermal + compute + radiation vs the geometry.

The starlink-catalogue scenario (4,428 satellites from the shipped TLE file, 24 h at 60 s,
6.4 M satellite-steps). For every geometry chunk, in the same loop and process, the time to
compute the chunk (``compute_chunk``: SGP4, TEME->ITRF, geodetic, Sun, eclipse -- the baseline)
and the time of the environment and spacecraft stages on it (``EnvironmentStage``: NRLMSIS
density, particle weights; ``SpacecraftStage``: dose rates, power, battery, implicit thermal,
compute, failures and single events). Goal: the models cost less than the
geometry (ratio < 1). Variants:

* ``catalogue-default``: the scenario as shipped (a TLE constellation gets the Starlink-class
  bus: no accelerators);
* ``catalogue-suncatcher``: every satellite a Suncatcher-like TPU satellite (compute, throttling,
  radiation effects all active);
* ``sat_state-table``: building the ``sat_state`` Arrow table of every chunk (23 columns), an
  output cost reported beside the models (goal informational: ratio < 1).

Run: ``python bench/bench_spacecraft.py [--quick]`` (prints the result list as JSON).
"""

from __future__ import annotations

import json
import sys
import time

from sgp4.api import SatrecArray

from orbitcloud.astro.ephemeris import chunk_steps_for, compute_chunk
from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.contract import GeometryRecord, Records
from orbitcloud.engine.run import prepare
from orbitcloud.engine.stage_environment import EnvironmentStage
from orbitcloud.engine.stage_spacecraft import SpacecraftStage
from orbitcloud.scenario.loader import builtin_path, load_scenario, scenario_from_dict


class _CountingSink(MemorySink):
    """Keeps nothing: counts rows (the benchmark must not hold 6.4 M rows in memory)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows = 0

    def write(self, name: str, table, *, background: bool = False) -> None:  # type: ignore[override]
        self.rows += table.num_rows


def _scenario(preset: str | None, quick: bool, sat_state: bool):
    base = load_scenario("starlink-catalogue")
    d = base.model_dump(mode="json", exclude_unset=True)
    d["outputs"] = {"positions": False, "sat_state": sat_state, "report": False}
    if quick:  # all satellites (the per-step loop's cost is per step), 3 hours
        d["time"]["duration_h"] = 3
    if preset:
        d["constellations"][0]["spacecraft"] = {"preset": preset}
    return scenario_from_dict(d, base_dir=builtin_path("starlink-catalogue").parent)


class _TimedTable:
    """Wraps ``SpacecraftStage._table`` to time the sat_state table build alone."""

    seconds = 0.0

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            _TimedTable.seconds += time.perf_counter() - t0


def _measure(preset: str | None, quick: bool, sat_state: bool = False) -> tuple[float, float, int]:
    sc = _scenario(preset, quick, sat_state)
    sink = _CountingSink()
    ctx, stages = prepare(sc, sink)
    env = next(s for s in stages if isinstance(s, EnvironmentStage))
    stage = next(s for s in stages if isinstance(s, SpacecraftStage))
    stage._table = _TimedTable(stage._table)  # type: ignore[method-assign]
    arr = SatrecArray(ctx.sats.satrecs)
    step = chunk_steps_for(len(ctx.sats), ctx.grid.n)
    t_geo = t_sc = 0.0
    for k0 in range(0, ctx.grid.n, step):
        t0 = time.perf_counter()
        chunk = compute_chunk(arr, ctx.grid, k0, min(ctx.grid.n, k0 + step))
        t1 = time.perf_counter()
        records = Records(chunk.k0, chunk.k1)
        records.put(GeometryRecord(chunk, chunk))
        env.process(records, ctx)
        stage.process(records, ctx)
        t2 = time.perf_counter()
        t_geo += t1 - t0
        t_sc += t2 - t1
    stage.finish(Records(), ctx)
    return t_sc, t_geo, len(ctx.sats) * ctx.grid.n


def run(quick: bool = False) -> list[dict]:
    """The bench protocol of docs/CONTRIBUTING.md: one dict per measurement."""
    out = []
    for name, preset in (("catalogue-default", None), ("catalogue-suncatcher", "suncatcher-tpu")):
        t_sc, t_geo, n = _measure(preset, quick)
        out.append({
            "name": f"spacecraft models, {name}" + (" (quick)" if quick else ""),
            "seconds": round(t_sc, 3),
            "baseline": "geometry of the same chunks (SGP4, frames, geodetic, Sun, eclipse)",
            "baseline_seconds": round(t_geo, 3),
            "ratio": round(t_sc / t_geo, 3),
            "goal": "ratio < 1",
            "ok": t_sc < t_geo,
            "satellite_steps": n,
        })  # fmt: skip
    _TimedTable.seconds = 0.0
    _, t_geo, n = _measure(None, quick, sat_state=True)
    t_table = _TimedTable.seconds
    out.append({
        "name": "sat_state table build, catalogue-default" + (" (quick)" if quick else ""),
        "seconds": round(t_table, 3),
        "baseline": "geometry of the same chunks",
        "baseline_seconds": round(t_geo, 3),
        "ratio": round(t_table / t_geo, 3),
        "goal": "ratio < 1 (informational: an output, not a model)",
        "ok": t_table < t_geo,
        "satellite_steps": n,
    })  # fmt: skip
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
