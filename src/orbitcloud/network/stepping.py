"""Routes of the requested pairs over consecutive steps: planned searches and worker processes.

:func:`route_steps_planned` routes step after step with
:func:`~orbitcloud.network.routeplan.route_planned` (searches from a cover of the endpoints,
each stopped at a radius), and learns each search's radius from the routes it found (speed
only: a search that falls short is rerun unlimited). :class:`StepRouter` shares a chunk's steps
with fork-started worker processes (Dijkstra holds the GIL, so threads do not help): the steps
are cut into small tasks, workers take them from the front and this process from the back, so a
worker slowed by a busy core takes fewer. Every step is routed on its own, so the answer does
not depend on the number of workers or on which process routed a step.

:func:`route_steps` is the previous method (a full Dijkstra from every source endpoint,
warm-started from the previous step's trees when an optimality certificate holds), kept as the
baseline of bench/bench_routing_scale.py and for the equality tests. The certificate is not used
by runs: at 60 s steps it rarely held and cost about 16 % of routing (issue 19); at Hypatia's
0.1 s steps planned searches without it are as fast as warm starts (the bench measures both).
"""

from __future__ import annotations

import multiprocessing as mp
import os
from concurrent.futures import Executor, ProcessPoolExecutor

import numpy as np

from orbitcloud.astro.ephemeris import MAX_AUTO_PROCESSES, usable_cores
from orbitcloud.network.routeplan import RoutePlan, grown_limits, route_planned
from orbitcloud.network.routing import Routes, Snapshot, route_pairs

MAX_DEFAULT_WORKERS = MAX_AUTO_PROCESSES - 1
"""Most worker processes taken by default: with this process, one per usable core up to
:data:`~orbitcloud.astro.ephemeris.MAX_AUTO_PROCESSES` (the geometry's rule,
:func:`orbitcloud.astro.ephemeris.resolve_workers`)."""
ROUTES_BLOCK_BYTES = 64 << 20
"""Memory for the routes of one block of steps (:func:`steps_per_block`)."""
ROUTE_BYTES_PER_PAIR_STEP = 256
"""Memory per pair and step while routes are built, folded and written: path (about 12 nodes
of 4 B), length, hops, hash, offsets, and the table's columns (estimate)."""
TASKS_PER_PROCESS = 4
"""Tasks each process's share of a chunk is cut into (work sharing with a busy core)."""
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


def steps_per_block(n_pairs: int, budget: int | None = None) -> int:
    """Steps routed (and written) together so their routes fit ``budget`` bytes (default
    :data:`ROUTES_BLOCK_BYTES`): memory is bounded by the pair count, whatever the chunk length
    (at least one step)."""
    budget = ROUTES_BLOCK_BYTES if budget is None else budget
    return max(1, budget // max(n_pairs * ROUTE_BYTES_PER_PAIR_STEP, 1))


def route_steps_planned(
    snaps: list[Snapshot],
    src: np.ndarray,
    dst: np.ndarray,
    relay: bool,
    plan: RoutePlan,
    limit_m: np.ndarray | None = None,
) -> tuple[list[Routes], np.ndarray]:
    """Routes of the pairs at consecutive steps by ``plan``, and the search radii learnt.

    ``limit_m`` (default ``plan.limit_m``) are the searches' starting radii; after each step a
    radius grows to cover the longest route its search found (:func:`grown_limits`). Radii
    change the time only, never a route. Caches are dropped after each step.
    """
    lim = plan.limit_m if limit_m is None else limit_m
    out = []
    for sn in snaps:
        r = route_planned(sn, src, dst, relay, plan, limit_m=lim)
        lim = grown_limits(plan, r.length_m, lim)
        out.append(r)
        sn._cache.clear()
    return out, lim


def routing_workers(requested: int | None) -> int:
    """Worker processes for routing: ``requested``, else one per usable core besides this
    process (at most :data:`MAX_DEFAULT_WORKERS`; none inside a daemon process or off POSIX)."""
    if requested is not None:
        return max(int(requested), 0)
    if mp.current_process().daemon or os.name != "posix":
        return 0
    return max(min(usable_cores(), MAX_AUTO_PROCESSES) - 1, 0)


class StepRouter:
    """Routes chunks of steps, over worker processes when that pays.

    With a :class:`~orbitcloud.network.routeplan.RoutePlan` steps are routed by
    :func:`route_steps_planned` and shared out as tasks (see the module docstring); without one,
    by :func:`route_steps` in equal consecutive parts. The pool is started on first use and kept
    until :meth:`close`.
    """

    def __init__(self, n_workers: int, plan: RoutePlan | None = None) -> None:
        self.n_workers = n_workers
        self.plan = plan
        self.limit_m = np.zeros(0) if plan is None else plan.limit_m
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
        """Routes of the pairs at every step of ``snaps`` (identical with or without workers)."""
        pool = self._pool(len(snaps), len(src))
        if self.plan is not None:
            return self._route_planned(pool, self.plan, snaps, src, dst, relay)
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

    def _route_planned(
        self,
        pool: Executor | None,
        plan: RoutePlan,
        snaps: list[Snapshot],
        src: np.ndarray,
        dst: np.ndarray,
        relay: bool,
    ) -> list[Routes]:
        if pool is None:
            done, self.limit_m = route_steps_planned(snaps, src, dst, relay, plan, self.limit_m)
            return done
        n_tasks = min(len(snaps), TASKS_PER_PROCESS * (self.n_workers + 1))
        tasks = np.array_split(np.arange(len(snaps)), n_tasks)
        futures = [
            pool.submit(route_steps_planned, [bare_snapshot(snaps[i]) for i in t], src, dst,
                        relay, plan, self.limit_m)
            for t in tasks
        ]  # fmt: skip
        results: list = [None] * n_tasks
        for j in range(n_tasks - 1, -1, -1):  # this process works from the back
            if not futures[j].cancel():
                break  # the workers hold every task before this one
            results[j] = route_steps_planned([snaps[i] for i in tasks[j]], src, dst, relay,
                                             plan, self.limit_m)  # fmt: skip
        out: list[Routes] = []
        lim = self.limit_m
        for j in range(n_tasks):
            routes, grown = results[j] if results[j] is not None else futures[j].result()
            out.extend(routes)
            lim = np.maximum(lim, grown)
        self.limit_m = lim
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
