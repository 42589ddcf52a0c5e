"""Routes of the requested pairs over consecutive steps: warm starts and worker processes.

:func:`route_steps` routes step after step, each warm-started from the previous step's
shortest-path trees (:func:`~orbitcloud.network.routing.route_pairs` with ``warm``), which gives
the same routes as cold Dijkstra, only faster. :class:`StepRouter` splits a chunk's steps over
fork-started worker processes (Dijkstra holds the GIL, so threads do not help); every part
starts cold, so the answer does not depend on the number of workers. Measured in
bench/bench_network.py.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np

from orbitcloud.network.routing import Routes, Snapshot, route_pairs

MAX_DEFAULT_WORKERS = 3
"""Most worker processes taken by default (one per spare core up to this)."""
MIN_PAIRS_FOR_WORKERS = 64
"""Fewer pairs than this route faster in one process than the hand-over costs."""
MIN_STEPS_PER_PROCESS = 4
"""Each process (the caller's included) gets at least this many steps, or no workers run."""


def bare_snapshot(snap: Snapshot) -> Snapshot:
    """The snapshot without its caches (cheap to send to a worker process)."""
    return Snapshot(snap.n_sat, snap.n_ground, snap.isl_a, snap.isl_b, snap.isl_range_m,
                    snap.isl_capacity_bps, snap.gsl_ground, snap.gsl_sat, snap.gsl_range_m,
                    snap.gsl_capacity_bps)  # fmt: skip


def route_steps(
    snaps: list[Snapshot], src: np.ndarray, dst: np.ndarray, relay: bool
) -> list[Routes]:
    """Routes of the pairs at consecutive steps, each step warm-started from the previous one.

    A source whose previous shortest-path tree is still optimal (checked exactly) skips
    Dijkstra; when most sources fail the check (coarse steps), warm starts back off
    exponentially. Dijkstra caches are dropped after each step (memory stays per step).

    Parameters
    ----------
    snaps : consecutive steps' snapshots
    src, dst : (P,) ground endpoint indices of the pairs
    relay : ``network.relay_via_ground``
    """
    out = []
    warm: np.ndarray | None = None
    skip = 0
    backoff = 1
    n_src = len(np.unique(src))
    for sn in snaps:
        use = warm if skip == 0 else None
        out.append(route_pairs(sn, src, dst, relay, use))
        if use is not None:
            if sn.recomputed > 0.5 * n_src:
                backoff = min(2 * backoff, 64)
                skip = backoff
            else:
                backoff = 1
        else:
            skip = max(skip - 1, 0)
        warm = sn.raw_pred
        sn._cache.clear()
        del sn.raw_pred
    return out


def routing_workers(requested: int | None) -> int:
    """Worker processes for routing: ``requested``, else one per spare core (at most
    :data:`MAX_DEFAULT_WORKERS`; none inside a daemon process or off POSIX)."""
    if requested is not None:
        return max(int(requested), 0)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if mp.current_process().daemon or os.name != "posix":
        return 0
    return max(min((cores or 1) - 1, MAX_DEFAULT_WORKERS), 0)


class StepRouter:
    """Routes chunks of steps, over worker processes when that pays (:func:`route_steps`).

    The pool is started on first use and kept until :meth:`close`.
    """

    def __init__(self, n_workers: int) -> None:
        self.n_workers = n_workers
        self._executor: Executor | None = None
        self._own_executor = True

    def use_executor(self, executor: Executor, n_workers: int) -> None:
        """Route on ``executor`` instead of local worker processes (a Dask backend:
        :class:`orbitcloud.engine.distributed.DaskExecutor`), as if it had ``n_workers``
        workers. The caller owns it: :meth:`close` leaves it running."""
        self.close()
        self._executor, self._own_executor, self.n_workers = executor, False, n_workers

    def route(
        self, snaps: list[Snapshot], src: np.ndarray, dst: np.ndarray, relay: bool
    ) -> list[Routes]:
        """Routes of the pairs at every step of ``snaps`` (identical with or without workers).

        The steps are split into equal consecutive parts, one per process; the caller's
        process routes the first part while the workers route the others.
        """
        pool = self._pool(len(snaps), len(src))
        if pool is None:
            return route_steps(snaps, src, dst, relay)
        parts = np.array_split(np.arange(len(snaps)), self.n_workers + 1)
        futures = [
            pool.submit(route_steps, [bare_snapshot(snaps[i]) for i in part], src, dst, relay)
            for part in parts[1:]
        ]
        out = route_steps([snaps[i] for i in parts[0]], src, dst, relay)
        for f in futures:
            out.extend(f.result())
        return out

    def _pool(self, n_steps: int, n_pairs: int) -> Executor | None:
        too_few = n_steps < MIN_STEPS_PER_PROCESS * (self.n_workers + 1)
        if self.n_workers <= 0 or too_few or n_pairs < MIN_PAIRS_FOR_WORKERS:
            return None
        if self._executor is None:
            self._executor = ProcessPoolExecutor(self.n_workers, mp_context=mp.get_context("fork"))
        return self._executor

    def close(self) -> None:
        """Stop the worker processes (if any were started)."""
        if self._executor is not None and self._own_executor:
            self._executor.shutdown()
        self._executor, self._own_executor = None, True
