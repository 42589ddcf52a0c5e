"""The time loop: geometry in chunks ahead, then every stage over each chunk, in order.

Only the engine knows all models (DESIGN.md). Stages are chosen from the scenario in
:func:`build_stages`; each validates what it needs in ``start`` -- before any propagation -- so
bad input fails before work starts.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.astro.constellations import build_satellites
from orbitcloud.astro.ephemeris import (
    EphemerisChunk,
    chunk_steps_for,
    iter_ephemeris,
    workers_from_env,
)
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.engine.context import MemorySink, RunContext, TableSink
from orbitcloud.engine.contract import GeometryRecord, Records, Stage, order_stages
from orbitcloud.engine.stage_geometry import GeometryStage
from orbitcloud.engine.verdicts import add_run_verdicts
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import Scenario


def build_stages(scenario: Scenario) -> list[Stage]:
    """The stages a scenario needs, ordered so that each record is made before it is read.

    Each stage module is imported only when the scenario needs it: some pull in scipy.stats,
    scipy.spatial or pymsis, and start-up counts in every run (bench/bench_run.py). A stage
    whose requirement no stage provides is an input error (:func:`contract.order_stages`).
    """
    spacecraft = any(c.spacecraft.enabled for c in scenario.constellations)
    orbit = scenario.orbit_ops is not None and scenario.orbit_ops.enabled
    stages: list[Stage] = [GeometryStage()]
    if spacecraft or orbit:
        from orbitcloud.engine.stage_environment import EnvironmentStage

        stages.append(EnvironmentStage(radiation=spacecraft))
    if spacecraft:
        from orbitcloud.engine.stage_spacecraft import SpacecraftStage

        stages.append(SpacecraftStage())  # power, thermal, compute, radiation effects
    if scenario.ground is not None or any(
        c.isl.topology != "none" for c in scenario.constellations
    ):
        from orbitcloud.engine.stage_network import NetworkStage

        stages.append(NetworkStage(scenario))
    if scenario.workloads is not None:
        from orbitcloud.engine.stage_operations import OperationsStage

        stages.append(OperationsStage(scenario))  # workloads, scheduling, events, metrics
    if orbit:
        from orbitcloud.engine.stage_orbit import OrbitStage

        stages.append(OrbitStage())
    if scenario.economics is not None:
        from orbitcloud.engine.stage_economics import EconomicsStage

        stages.append(EconomicsStage(scenario))  # prices what the stages before it measured
    return order_stages(stages)


def satellites_table(ctx: RunContext) -> pa.Table:
    s = ctx.sats
    cols = {
        "sat": pa.array(np.arange(len(s), dtype=np.int32)),
        "name": pa.array([str(x) for x in s.name], type=pa.string()),
        "norad_id": pa.array(s.norad_id),
        "source": pa.array([str(x) for x in s.source], type=pa.string()),
        "kind": pa.array([str(x) for x in s.kind], type=pa.string()),
        "shell": pa.array(s.shell.astype(np.int32)),
        "plane": pa.array(s.plane.astype(np.int32)),
        "slot": pa.array(s.slot.astype(np.int32)),
    }
    for k, v in s.extra.items():
        cols[k] = pa.array(v, from_pandas=True)
    return pa.table(cols)


def prepare(
    scenario: Scenario,
    sink: TableSink,
    progress: Callable[[str, float], None] | None = None,
) -> tuple[RunContext, list[Stage]]:
    """Build the satellites, the time grid and the stages, and call every stage's ``start``.

    Everything that can reject the input happens here, before any propagation: TLE/OMM
    files are read and checked, and each stage validates what it needs in ``start``. An error
    that names a scenario field gets the scenario file and the field's line.
    """
    try:
        sats = build_satellites(scenario)
        grid = TimeGrid(scenario.time.start_dt, scenario.time.step_s, scenario.time.n_steps,
                        scenario.time.ut1_utc_s)  # fmt: skip
        ctx = RunContext(scenario=scenario, sats=sats, grid=grid, sink=sink, progress=progress)
        ctx.warnings.extend(scenario.advisories())  # e.g. an event entirely outside the run
        stages = build_stages(scenario)
        for st in stages:
            st.start(ctx)
    except OrbitcloudInputError as exc:
        raise _located(scenario, exc) from None
    return ctx, stages


_FIELD_PATH = re.compile(r"^([a-z_]+)((\[\d+\])|(\.[\w-]+))*$")


def _located(scenario: Scenario, exc: OrbitcloudInputError) -> OrbitcloudInputError:
    """``exc`` with its scenario field path (``constellations.0.walker`` or
    ``constellations[0].walker``) given as ``file, line N: path``; other errors as they are."""
    m = _FIELD_PATH.match(exc.where or "")
    if m is None or m.group(1) not in Scenario.model_fields:
        return exc
    return OrbitcloudInputError(exc.detail, scenario.locate(exc.where or ""))


def check(scenario: Scenario) -> RunContext:
    """Validate a scenario as a run would (files, satellites, every stage's ``start``), no run."""
    ctx, _ = prepare(scenario, MemorySink())
    return ctx


def _geometry(
    ctx: RunContext, stages: list[Stage], step: int, halo: int, workers: int | None, dask: Any
) -> Iterator[EphemerisChunk]:
    """The run's geometry chunks: here (and in ``workers`` processes) or on a Dask cluster,
    whose workers then also build links and route for the network stage."""
    t = ctx.scenario.time
    if dask is None:
        return iter_ephemeris(ctx.sats, ctx.grid, step, t.polar_x_arcsec, t.polar_y_arcsec,
                              workers=workers, halo=halo)  # fmt: skip
    from orbitcloud.engine.distributed import dask_geometry

    return dask_geometry(ctx, stages, step, halo, dask)


def simulate(
    scenario: Scenario,
    sink: TableSink,
    progress: Callable[[str, float], None] | None = None,
    chunk_steps: int | None = None,
    observe: Callable[[Records], None] | None = None,
    workers: int | None = None,
    dask: Any = None,
) -> RunContext:
    """Run a validated scenario, writing tables into ``sink``; returns the run context.

    Parameters
    ----------
    progress : called as ``progress(label, fraction_done)``
    chunk_steps : time steps per geometry chunk (default: about 1e6 satellite-steps). Changes
        speed and memory only, never an answer.
    observe : called with each chunk's records after every stage has seen them, and with the
        run-level records at the end (tests, notebooks); it must not change them
    workers : processes that compute geometry, this one included (1: no worker processes);
        None: the ``ORBITCLOUD_WORKERS`` environment variable, else one per usable core for a
        large run (:func:`orbitcloud.astro.ephemeris.resolve_workers`). Speed only, never an
        answer.
    dask : a ``distributed.Client``: geometry chunks and routing run on its cluster, the stages
        here in time order (:mod:`orbitcloud.engine.distributed`); ``workers`` is then unused.
        Speed only, never an answer.
    """
    if chunk_steps is not None and chunk_steps < 1:
        raise OrbitcloudInputError(f"must be a whole number >= 1, not {chunk_steps}", "chunk_steps")
    if workers is not None and workers < 1:
        raise OrbitcloudInputError(f"must be a whole number >= 1 or None, not {workers}", "workers")
    try:
        workers = workers or workers_from_env()
    except ValueError as exc:
        raise OrbitcloudInputError(str(exc), "ORBITCLOUD_WORKERS") from None
    t0 = time.perf_counter()
    ctx, stages = prepare(scenario, sink, progress)
    sats, grid = ctx.sats, ctx.grid
    timings: dict[str, float] = {"setup": time.perf_counter() - t0}
    ctx.sink.write("satellites", satellites_table(ctx))
    step = chunk_steps or chunk_steps_for(len(sats), grid.n)
    halo = max((s.halo_steps for s in stages), default=0)
    it = _geometry(ctx, stages, step, halo, workers, dask)
    t_geo = 0.0
    t_stage = dict.fromkeys((s.name for s in stages), 0.0)
    if progress:
        progress("simulating", 0.0)
    while True:
        t1 = time.perf_counter()
        ahead = next(it, None)
        t_geo += time.perf_counter() - t1
        if ahead is None:
            break
        chunk = ahead.steps(ahead.k0, min(ahead.k0 + step, grid.n)) if halo else ahead
        records = Records(chunk.k0, chunk.k1)
        records.put(GeometryRecord(chunk, ahead))
        for st in stages:
            t1 = time.perf_counter()
            st.process(records, ctx)
            t_stage[st.name] += time.perf_counter() - t1
        if observe:
            observe(records)
        if progress:
            progress("simulating", chunk.k1 / grid.n)
    final = Records()
    for st in stages:
        t1 = time.perf_counter()
        st.finish(final, ctx)
        t_stage[st.name] += time.perf_counter() - t1
    add_run_verdicts(ctx, stages)  # design and network verdicts of a run without a story
    if observe:
        observe(final)
    timings["geometry"] = t_geo
    timings.update({f"stage_{k}": v for k, v in t_stage.items()})
    ctx.summary["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    return ctx
