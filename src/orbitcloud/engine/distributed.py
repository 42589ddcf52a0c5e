"""One run's stateless work on a Dask cluster: geometry, link snapshots and routes by chunk.

The stages run in this process, chunk after chunk in time order, exactly as in a local run;
what does not depend on their state is computed by the cluster's workers:

* **Geometry**: each time chunk (its halo included) is one task running
  :func:`orbitcloud.astro.ephemeris.compute_chunk`. The satellites go to the workers once: the
  picklable states that rebuild their ``Satrec`` objects bit for bit
  (:func:`~orbitcloud.astro.ephemeris.satrec_states`; ``Satrec`` does not pickle), with the
  time grid and polar motion, scattered to every worker; each worker rebuilds the
  ``SatrecArray`` once per run (:func:`_geometry_task`). At most ``in_flight`` chunks are
  submitted ahead of the one the stages consume (a worker keeps a finished chunk until it is
  fetched, so memory is bounded by chunks, not by the run's length), and they are taken
  strictly in time order.
* **Links**: when no ISL rule carries links over steps (+Grid or no ISLs), the same task then
  builds the chunk's snapshots (ISLs, ground links, ranges, capacities) with
  :func:`orbitcloud.network.chunklinks.chunk_links` -- the network model's static parts are
  scattered once per run, like the satellites; the weather's random generators of the chunk's
  periods go with the task. When the run routes and one chunk's routes fit
  :data:`CHUNK_ROUTES_BYTES`, routing tasks submitted with the chunk route slices of its steps
  (:func:`~orbitcloud.network.chunklinks.route_chunk_steps`) on the workers, reading the
  snapshots there. The network stage here takes snapshots and routes in time order through its
  :class:`~orbitcloud.network.chunklinks.ChunkFeed` and keeps all its state (statistics,
  tables). Nearest-k, mesh and inter-shell links depend on the previous step's: their
  snapshots are built here, in order.
* **Routing** not done with its chunk: the network stage's
  :class:`~orbitcloud.network.stepping.StepRouter` hands its tasks (a few consecutive steps'
  snapshots each) to :class:`DaskExecutor` instead of a local process pool, ahead of queued
  chunks (a higher Dask priority): the stages wait for routes, not for prefetched chunks.

What moves over the wire per chunk: the chunk's geometry from a worker to this process (about
129 B per satellite-step: TEME position and velocity, ITRF position, latitude, longitude,
altitude, sunlit fraction, error code), with its snapshots (ISL and ground-link lists: ends,
range, capacity) and routes (path, RTT, hops per pair and step) when the worker made them;
snapshots go out again only for routing not done with their chunk (bench/bench_dask_run.py
measures the bytes). A worker computes the very same numbers as this process would, so a
run's tables are identical with or without a cluster (tests/engine/test_dask_run.py).

A task that raises ends the run with :class:`DistributedRunError` naming the work and the
worker's error (the results runner then removes its staging folder); so does a cluster without
any worker for :data:`NO_WORKERS_TIMEOUT_S`: a run never waits forever.
"""

from __future__ import annotations

import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from itertools import pairwise
from typing import Any

import numpy as np
from sgp4.api import SatrecArray

from orbitcloud.astro import ephemeris
from orbitcloud.astro.elements import SatelliteSet
from orbitcloud.astro.ephemeris import EphemerisChunk, iter_ephemeris, satrec_array, satrec_states
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import Stage
from orbitcloud.network.chunklinks import (
    ChunkFeed,
    ChunkLinks,
    LinkInputs,
    chunk_links,
    route_chunk_steps,
)
from orbitcloud.network.stepping import ROUTE_BYTES_PER_PAIR_STEP, StepRouter

WATCH_INTERVAL_S = 5.0
"""How often a wait for a task checks that the cluster still has workers."""
NO_WORKERS_TIMEOUT_S = 300.0
"""A cluster without any worker this long ends the run (:class:`DistributedRunError`)."""
ROUTING_PRIORITY = 1
"""Dask priority of routing tasks (geometry: 0): the stages wait for routes now, while queued
geometry chunks are only prefetched."""
CHUNK_ROUTES_BYTES = 256 << 20
"""A chunk's routes are made with it on a worker when they are estimated
(:data:`~orbitcloud.network.stepping.ROUTE_BYTES_PER_PAIR_STEP`) within this: this process
holds one chunk's routes at a time, each worker those of its chunks in flight. Above it (e.g.
1,000 cities) the network stage routes blocks of steps through :class:`DaskExecutor`."""
ROUTE_TASKS_PER_THREAD = 2
"""Routing tasks per cluster thread that a chunk's steps are cut into (a run of one or two
long chunks still routes on every worker)."""
SHARE_MIN_BYTES = 1 << 20
"""An argument of routing tasks this large, passed again (the same object), is scattered once
instead of being sent with every task (e.g. the pairs of 1,000 cities)."""


class DistributedRunError(RuntimeError):
    """Work of a run failed on the Dask cluster (the message names the work and the error)."""


def cluster_threads(client: Any) -> int:
    """Worker threads of the cluster (at least 1)."""
    return max(sum(client.nthreads().values()), 1)


def wait(client: Any, future: Any, what: str) -> Any:
    """The result of ``future``; a task error or a cluster without workers for
    :data:`NO_WORKERS_TIMEOUT_S` raises :class:`DistributedRunError` naming ``what``."""
    idle_s = 0.0
    while True:
        try:
            return future.result(timeout=WATCH_INTERVAL_S)
        except TimeoutError:
            workers = client.scheduler_info().get("workers", {})
            idle_s = 0.0 if workers else idle_s + WATCH_INTERVAL_S
            if idle_s >= NO_WORKERS_TIMEOUT_S:
                raise DistributedRunError(
                    f"{what}: the Dask cluster has had no worker for {idle_s:.0f} s"
                ) from None
        except Exception as exc:
            raise DistributedRunError(
                f"{what} failed on the Dask cluster: {type(exc).__name__}: {exc}"
            ) from exc


@dataclass(frozen=True)
class GeometryInputs:
    """What every worker needs for any geometry chunk of one run (scattered once)."""

    token: str
    states: list[tuple]
    grid: TimeGrid
    xp_arcsec: float
    yp_arcsec: float


_ARRAYS: dict[str, SatrecArray] = {}
"""Per worker process: the rebuilt satellites of the runs it served last (by token)."""
_KEEP_RUNS = 2


def _geometry_task(inputs: GeometryInputs, k0: int, k1: int) -> EphemerisChunk:
    """On a worker: the geometry of steps ``k0 .. k1-1`` (``compute_chunk``, same numbers)."""
    arr = _ARRAYS.get(inputs.token)
    if arr is None:
        arr = satrec_array(inputs.states)
        while len(_ARRAYS) >= _KEEP_RUNS:
            _ARRAYS.pop(next(iter(_ARRAYS)))
        _ARRAYS[inputs.token] = arr
    return ephemeris.compute_chunk(arr, inputs.grid, k0, k1, inputs.xp_arcsec, inputs.yp_arcsec)


def _chunk_task(
    geometry: GeometryInputs,
    links: LinkInputs | None,
    k0: int,
    k1: int,
    k1_halo: int,
    draws: dict[str, np.random.Generator],
) -> tuple[EphemerisChunk, ChunkLinks | None]:
    """On a worker: the geometry of steps ``k0 .. k1_halo-1``, and with ``links`` the snapshots
    (and routes) of steps ``k0 .. k1-1`` (:func:`~orbitcloud.network.chunklinks.chunk_links`)."""
    chunk = _geometry_task(geometry, k0, k1_halo)
    if links is None:
        return chunk, None
    return chunk, chunk_links(links, chunk.steps(k0, k1) if k1 < k1_halo else chunk, draws)


@dataclass
class NetworkWork:
    """The network stage's share of the chunk tasks of one run."""

    inputs: LinkInputs
    feed: ChunkFeed
    rng: Callable[[str], np.random.Generator]

    def draws(self, k0: int, k1: int) -> dict[str, np.random.Generator]:
        """The run's generators that the snapshots of steps ``k0 .. k1-1`` draw from."""
        m = self.inputs.model
        return {p: self.rng(p) for p in m.weather_streams(k0, k1, self.inputs.step_s)}


def network_work(ctx: RunContext, stages: list[Stage], chunk_steps: int) -> NetworkWork | None:
    """What the chunk tasks build for the network stage, if it is there and its links do not
    carry over steps; routes go with them when a chunk's routes fit :data:`CHUNK_ROUTES_BYTES`
    (decided once per run)."""
    from orbitcloud.engine.stage_network import NetworkStage

    st = next((s for s in stages if isinstance(s, NetworkStage)), None)
    if st is None or st.model.carries_links:
        return None
    n_pairs = len(st.src)
    fits = chunk_steps * n_pairs * ROUTE_BYTES_PER_PAIR_STEP <= CHUNK_ROUTES_BYTES
    plan = st.router.plan if n_pairs and fits else None
    inputs = LinkInputs.of(st.model, ctx.grid.step_s, st.src, st.dst, st.relay, plan)
    return NetworkWork(inputs, st.feed, ctx.rng)


def iter_ephemeris_dask(
    client: Any,
    sats: SatelliteSet,
    grid: TimeGrid,
    chunk_steps: int,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
    halo: int = 0,
    in_flight: int | None = None,
    network: NetworkWork | None = None,
) -> Iterator[EphemerisChunk]:
    """The run's geometry chunk by chunk, in time order, computed on the cluster of ``client``.

    Same chunks as :func:`orbitcloud.astro.ephemeris.iter_ephemeris` (``halo`` included).
    ``in_flight``: chunks submitted ahead (default: the cluster's threads + 1). With
    ``network``, each task also builds the chunk's links, handed to ``network.feed`` just
    before the chunk is yielded. If the satellites cannot be rebuilt bit for bit elsewhere,
    geometry (and links) are computed here (a RuntimeWarning says so).
    """
    states = satrec_states(sats, grid)
    if states is None:
        warnings.warn(
            "these satellites cannot be rebuilt exactly on Dask workers; computing geometry in "
            "this process",
            RuntimeWarning,
            stacklevel=2,
        )
        yield from iter_ephemeris(sats, grid, chunk_steps, xp_arcsec, yp_arcsec, 1, halo)
        return
    token = uuid.uuid4().hex
    geometry = GeometryInputs(token, states, grid, xp_arcsec, yp_arcsec)
    shared = [client.scatter(geometry, broadcast=True, hash=False)]
    if network is not None:
        shared.append(client.scatter(network.inputs, broadcast=True, hash=False))
    ahead = in_flight or cluster_threads(client) + 1
    starts = list(range(0, grid.n, chunk_steps))
    queue: deque[_Submitted] = deque()
    nxt = 0
    try:
        for _ in starts:
            while nxt < len(starts) and len(queue) < ahead:
                k0 = starts[nxt]
                k1 = min(grid.n, k0 + chunk_steps)
                k1h = min(grid.n, k0 + chunk_steps + max(halo, 0))
                queue.append(_submit_chunk(client, shared, network, token, k0, k1, k1h))
                nxt += 1
            sub = queue.popleft()
            chunk, built = wait(client, sub.chunk, f"geometry of steps {sub.k0}..{sub.k1h - 1}")
            if built is not None:
                assert network is not None  # links are built only for the network stage
                if sub.routes:
                    built.routes = [r for f in sub.routes for r in wait(client, f, sub.what)]
                network.feed.put(built)
            for f in [sub.chunk, *sub.routes]:
                f.release()
            yield chunk
    finally:
        client.cancel([f for s in queue for f in (s.chunk, *s.routes)] + shared)


@dataclass
class _Submitted:
    """One chunk's futures: its task (geometry and links) and its routing tasks in order."""

    k0: int
    k1h: int
    chunk: Any
    routes: list[Any]
    what: str


def _links_part(result: tuple[EphemerisChunk, ChunkLinks | None]) -> ChunkLinks | None:
    """On a worker: the links of a chunk task's result (what its routing tasks read)."""
    return result[1]


def _submit_chunk(
    client: Any,
    shared: list[Any],
    network: NetworkWork | None,
    token: str,
    k0: int,
    k1: int,
    k1h: int,
) -> _Submitted:
    """Submit the task of steps ``k0 .. k1h-1`` and, if the run routes with its links, the
    routing of ``k1 - k0`` steps in up to :data:`ROUTE_TASKS_PER_THREAD` slices per cluster
    thread: the snapshots go from worker to worker, never through this process."""
    draws = network.draws(k0, k1) if network else {}
    links = shared[1] if network else None
    key = f"orbitcloud-geometry{'-links' if network else ''}-{token}-{k0}"
    future = client.submit(_chunk_task, shared[0], links, k0, k1, k1h, draws, key=key)
    routes: list[Any] = []
    if network is not None and network.inputs.plan is not None and len(network.inputs.src):
        part = client.submit(_links_part, future, key=f"orbitcloud-links-{token}-{k0}")
        n = min(k1 - k0, ROUTE_TASKS_PER_THREAD * cluster_threads(client))
        cuts = np.linspace(0, k1 - k0, n + 1).astype(int)
        routes = [client.submit(route_chunk_steps, links, part, int(i0), int(i1),
                                key=f"orbitcloud-routes-{token}-{k0}-{i0}")
                  for i0, i1 in pairwise(cuts)]  # fmt: skip
    return _Submitted(k0, k1h, future, routes, f"routes of steps {k0}..{k1 - 1}")


def dask_geometry(
    ctx: RunContext, stages: list[Stage], chunk_steps: int, halo: int, client: Any
) -> Iterator[EphemerisChunk]:
    """The run's chunks from the cluster of ``client``: geometry, and the network stage's
    links (:func:`network_work`); routing not done with its chunk goes through
    :class:`DaskExecutor`. Scattered objects are released when the iteration ends."""
    t = ctx.scenario.time
    executor = DaskExecutor(client)
    for st in stages:  # the network stage's router (made in its start)
        router = getattr(st, "router", None)
        if isinstance(router, StepRouter):
            router.use_executor(executor, cluster_threads(client))  # type: ignore[arg-type]
    network = network_work(ctx, stages, chunk_steps)
    try:
        yield from iter_ephemeris_dask(client, ctx.sats, ctx.grid, chunk_steps, t.polar_x_arcsec,
                                       t.polar_y_arcsec, halo, network=network)  # fmt: skip
    finally:
        executor.shutdown()


class DaskTask:
    """A routing task on the cluster, as :class:`~orbitcloud.network.stepping.StepRouter`
    sees a future: ``cancel`` never takes a task back (this process cannot tell whether a
    worker has started it), so the router leaves every task to the cluster."""

    def __init__(self, client: Any, future: Any, what: str) -> None:
        self.client, self.future, self.what = client, future, what

    def cancel(self) -> bool:
        return False

    def done(self) -> bool:
        return bool(self.future.done())

    def result(self, timeout: float | None = None) -> Any:
        return wait(self.client, self.future, self.what)


class DaskExecutor:
    """Submits a router's tasks to a Dask cluster (``submit(fn, *args)`` like an Executor).

    An argument of at least :data:`SHARE_MIN_BYTES` passed again -- the very same object, as a
    router's pairs and plan are for a whole run -- is scattered to the workers once and sent
    by reference afterwards; such objects must not change in place while the run lasts.
    """

    def __init__(self, client: Any, priority: int = ROUTING_PRIORITY) -> None:
        self.client = client
        self.priority = priority
        self._seen: dict[int, tuple[Any, Any]] = {}  # id -> (object, its future or None)

    def submit(self, fn: Callable[..., Any], *args: Any) -> DaskTask:
        shared = [self._share(a) for a in args]
        future = self.client.submit(fn, *shared, pure=False, priority=self.priority)
        return DaskTask(self.client, future, f"routing task ({getattr(fn, '__name__', fn)})")

    def _share(self, obj: Any) -> Any:
        if _nbytes(obj) < SHARE_MIN_BYTES:
            return obj
        held = self._seen.get(id(obj))
        if held is None or held[0] is not obj:
            self._seen[id(obj)] = (obj, None)  # keeps the object (and so its id) alive
            return obj
        if held[1] is None:
            self._seen[id(obj)] = (obj, self.client.scatter(obj, broadcast=True, hash=False))
        return self._seen[id(obj)][1]

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """Forget the scattered objects (the cluster belongs to the caller)."""
        futures = [f for _, f in self._seen.values() if f is not None]
        self._seen.clear()
        if futures:
            self.client.cancel(futures)


def _nbytes(obj: Any) -> int:
    """Bytes of an array, or of a dataclass's array fields (0 for anything else)."""
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if is_dataclass(obj) and not isinstance(obj, type):
        return sum(_nbytes(getattr(obj, f.name)) for f in fields(obj))
    return 0
