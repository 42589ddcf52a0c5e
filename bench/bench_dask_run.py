"""Benchmark: one run on a 2-worker Dask ``LocalCluster`` against the same run in this process.

The run: ``starlink-gen2`` cut to its first 10,000 satellites (bench/bench_scale.py's cut), 2 h
at 60 s, +Grid ISLs in every shell, the 100 most populous cities and all 4,950 pairs routed
every step, positions written, no HTML report. Timed in the same process, alternately:

* **local**: ``orbitcloud.run(...)`` as shipped (geometry and routing worker processes chosen
  automatically, :func:`orbitcloud.astro.ephemeris.resolve_workers`);
* **dask**: ``orbitcloud.run(..., dask=client)`` on a ``LocalCluster(n_workers=2,
  threads_per_worker=1, processes=True)`` started before the timer (its start-up is reported
  apart);
* **wire**: what one chunk's tasks send back to this process now -- its geometry, its link
  snapshots and its routes (routed on the workers from the snapshots there when the run routes
  and a chunk's routes fit ``CHUNK_ROUTES_BYTES``) -- in MB, the time to pickle plus unpickle them
  (what Dask does between a worker and this process) against computing them, and what is
  scattered once per run (the network model's static parts). Before, the snapshots were built
  here and went out again to be routed (``snapshots_mb`` more out per chunk, and their build in
  this process).

Reports wall seconds, the ratio local / dask (> 1: the cluster is faster), the run's stage
timings and the 1-minute load average before and after (another job on the cores changes
everything: say so with the figures).

Run: ``python bench/bench_dask_run.py [--quick]`` (``--quick``: 2,000 satellites, 30 min).
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import tempfile
import time
from pathlib import Path

import orbitcloud
from orbitcloud.astro.ephemeris import chunk_steps_for, satrec_states
from orbitcloud.engine import distributed as dist
from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import prepare
from orbitcloud.network.chunklinks import chunk_links, route_chunk_steps
from orbitcloud.scenario.loader import scenario_from_dict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import scenario_doc  # the same cut of starlink-gen2


def run_doc(n_sat: int, hours: float) -> dict:
    doc = scenario_doc(n_sat, hours, routed=True)  # +Grid, 100 cities, all pairs
    doc["outputs"] = {"positions": True, "report": False}
    return doc


def _mb_and_roundtrip_s(obj: object) -> tuple[float, float]:
    """Pickled size [MB] of ``obj`` (protocol 5, out-of-band buffers, as Dask sends arrays) and
    the time to pickle and unpickle it [s]."""
    t0 = time.perf_counter()
    buffers: list = []
    head = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    pickle.loads(head, buffers=buffers)
    nbytes = len(head) + sum(b.raw().nbytes for b in buffers)
    return round(nbytes / 2**20, 2), round(time.perf_counter() - t0, 3)


def wire_cost(doc: dict) -> dict:
    """What the first default-size chunk task computes and sends back, part by part."""
    ctx, stages = prepare(scenario_from_dict(doc), MemorySink())
    step = chunk_steps_for(len(ctx.sats), ctx.grid.n)
    k1 = min(step, ctx.grid.n)
    work = dist.network_work(ctx, stages, step)
    assert work is not None  # +Grid: links are built with their chunk
    states = satrec_states(ctx.sats, ctx.grid)
    assert states is not None
    geometry = dist.GeometryInputs("bench", states, ctx.grid, 0.0, 0.0)
    t0 = time.perf_counter()
    chunk = dist._geometry_task(geometry, 0, k1)
    geometry_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    links = chunk_links(work.inputs, chunk, work.draws(0, k1))
    links_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    routed = work.inputs.plan is not None
    routes = route_chunk_steps(work.inputs, links, 0, k1) if routed else None
    routes_s = time.perf_counter() - t0
    geo_mb, geo_rt = _mb_and_roundtrip_s(chunk)
    snap_mb, snap_rt = _mb_and_roundtrip_s(links)
    route_mb, route_rt = _mb_and_roundtrip_s(routes)
    inputs_mb, _ = _mb_and_roundtrip_s(work.inputs)
    return {"chunk_steps": step, "routes_on_workers": routed,
            "geometry_mb": geo_mb, "snapshots_mb": snap_mb, "routes_mb": route_mb,
            "link_inputs_mb_once_per_run": inputs_mb,
            "compute_geometry_s": round(geometry_s, 3),
            "compute_snapshots_s": round(links_s, 3), "compute_routes_s": round(routes_s, 3),
            "pickle_roundtrip_s": round(geo_rt + snap_rt + route_rt, 3)}  # fmt: skip


def timed(doc: dict, out: Path, dask=None) -> tuple[float, dict]:
    t0 = time.perf_counter()
    res = orbitcloud.run(doc, out=out, overwrite=True, dask=dask)
    return time.perf_counter() - t0, res.summary.get("timings_s", {})


def run(quick: bool = False) -> dict:
    from distributed import Client, LocalCluster

    n_sat, hours = (2_000, 0.5) if quick else (10_000, 2.0)
    doc = run_doc(n_sat, hours)
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)  # fmt: skip
    client = Client(cluster)
    startup_s = time.perf_counter() - t0
    out: dict = {"satellites": n_sat, "hours": hours, "pairs": 4950,
                 "cluster_startup_s": round(startup_s, 2)}  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as tmp:
            local_s, local_t = timed(doc, Path(tmp) / "local")
            dask_s, dask_t = timed(doc, Path(tmp) / "dask", client)
            local2_s, _ = timed(doc, Path(tmp) / "local")  # alternate: load drifts
            dask2_s, _ = timed(doc, Path(tmp) / "dask", client)
    finally:
        client.close()
        cluster.close()
    best_local, best_dask = min(local_s, local2_s), min(dask_s, dask2_s)
    out.update(
        local_s=[round(local_s, 2), round(local2_s, 2)],
        dask_s=[round(dask_s, 2), round(dask2_s, 2)],
        ratio_local_over_dask=round(best_local / best_dask, 3),
        local_timings_s=local_t,
        dask_timings_s=dask_t,
        wire=wire_cost(doc),
        loadavg_1min=[round(load0, 2), round(os.getloadavg()[0], 2)],
        cores=len(os.sched_getaffinity(0)),
    )
    return out


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
