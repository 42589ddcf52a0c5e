"""One run's stateless work on a Dask cluster: geometry chunks and routing steps.

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
* **Routing**: the network stage's :class:`~orbitcloud.network.stepping.StepRouter` hands its
  tasks (a few consecutive steps' snapshots each) to :class:`DaskExecutor` instead of a local
  process pool, ahead of queued geometry (a higher Dask priority): the stages wait for routes,
  not for geometry that is only prefetched.

What moves over the wire per chunk: the chunk's arrays from a worker to this process (about
129 B per satellite-step: TEME position and velocity, ITRF position, latitude, longitude,
altitude, sunlit fraction, error code), and per routing task its snapshots' ISL and ground-link
lists out and the routes back. A worker computes the very same numbers as this process would,
so a run's tables are identical with or without a cluster (tests/engine/test_dask_run.py).

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
from typing import Any

import numpy as np
from sgp4.api import SatrecArray

from orbitcloud.astro import ephemeris
from orbitcloud.astro.elements import SatelliteSet
from orbitcloud.astro.ephemeris import EphemerisChunk, iter_ephemeris, satrec_array, satrec_states
from orbitcloud.astro.timescales import TimeGrid

WATCH_INTERVAL_S = 5.0
"""How often a wait for a task checks that the cluster still has workers."""
NO_WORKERS_TIMEOUT_S = 300.0
"""A cluster without any worker this long ends the run (:class:`DistributedRunError`)."""
ROUTING_PRIORITY = 1
"""Dask priority of routing tasks (geometry: 0): the stages wait for routes now, while queued
geometry chunks are only prefetched."""
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


def iter_ephemeris_dask(
    client: Any,
    sats: SatelliteSet,
    grid: TimeGrid,
    chunk_steps: int,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
    halo: int = 0,
    in_flight: int | None = None,
) -> Iterator[EphemerisChunk]:
    """The run's geometry chunk by chunk, in time order, computed on the cluster of ``client``.

    Same chunks as :func:`orbitcloud.astro.ephemeris.iter_ephemeris` (``halo`` included).
    ``in_flight``: chunks submitted ahead (default: the cluster's threads + 1). If the
    satellites cannot be rebuilt bit for bit elsewhere, geometry is computed here (a
    RuntimeWarning says so).
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
    inputs = GeometryInputs(token, states, grid, xp_arcsec, yp_arcsec)
    shared = client.scatter(inputs, broadcast=True, hash=False)
    ahead = in_flight or cluster_threads(client) + 1
    starts = list(range(0, grid.n, chunk_steps))
    queue: deque[tuple[int, int, Any]] = deque()
    nxt = 0
    try:
        for _ in starts:
            while nxt < len(starts) and len(queue) < ahead:
                k0 = starts[nxt]
                k1 = min(grid.n, k0 + chunk_steps + max(halo, 0))
                key = f"orbitcloud-geometry-{token}-{k0}"
                queue.append((k0, k1, client.submit(_geometry_task, shared, k0, k1, key=key)))
                nxt += 1
            k0, k1, future = queue.popleft()
            chunk = wait(client, future, f"geometry of steps {k0}..{k1 - 1}")
            future.release()
            yield chunk
    finally:
        client.cancel([f for _, _, f in queue] + [shared])


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
