"""Network statistics over a run: route RTTs and path changes, link counts, traffic analysis.

Each statistic is an ``advance(state, drivers, params) -> (state, outputs)`` step over the
steps of a chunk, with its state declared as a frozen dataclass of NumPy arrays and counters.
The steps are folded in time order, one at a time, so the state after two consecutive spans of
steps is bit-identical to the state after the joined span: chunk size and worker count never
change a number. The ``*_kpis`` and ``*_summary`` functions turn a final state into the run's
headline numbers.

* :func:`advance_route_stats`: RTT sum/min/max and reachability per requested pair, steps
  faster than terrestrial fibre, path changes (and when they happened);
* :func:`advance_link_stats`: ISL and ground-link counts and ISL capacity;
* :func:`advance_traffic`: per analysed step, max-min fair rates of a traffic matrix on shortest
  paths (:func:`~orbitcloud.network.routing.allocate_shortest_paths`), the max-flow bound
  (:func:`~orbitcloud.network.routing.max_flow_bound_bps`), link utilisation and bottleneck
  links; run totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from orbitcloud.network.routing import (
    Routes,
    Snapshot,
    allocate_shortest_paths,
    max_flow_bound_bps,
    route_pairs,
)

TRACKED_PAIRS = 20
"""Pairs (the first ones) whose path-change times are kept and summarised."""
MAX_CHANGE_TIMES = 50
"""Path-change times kept per tracked pair (the first ones)."""
MAX_BOTTLENECKS_PER_STEP = 200
"""Bottleneck links counted per analysed step (the first in link order)."""


# ------------------------------------------------------------------------------------ routes
@dataclass(frozen=True)
class RouteDrivers:
    """What the route statistics read at each step: ``n_t`` steps of ``P`` pairs."""

    time_s: np.ndarray
    """(n_t,) time of each step since the run's start [s]"""
    rtt_ms: np.ndarray
    """(n_t, P) round-trip time [ms], inf when unreachable"""
    path_hash: np.ndarray
    """(n_t, P) int64 hash of each pair's path (:attr:`Routes.path_hash`)"""

    @classmethod
    def from_routes(
        cls, routes: Sequence[Routes], time_s: np.ndarray, n_pairs: int
    ) -> RouteDrivers:
        """Stack the routes of consecutive steps (RTT 2 L / c x 1000, as :attr:`Routes.rtt_s`)."""
        if not routes:
            return cls(np.zeros(0), np.zeros((0, n_pairs)), np.zeros((0, n_pairs), np.int64))
        rtt_ms = np.stack([r.rtt_s for r in routes]) * 1e3
        return cls(np.asarray(time_s, dtype=float), rtt_ms, np.stack([r.path_hash for r in routes]))

    def __getitem__(self, steps: slice) -> RouteDrivers:
        """The drivers of a span of steps (a time split)."""
        return RouteDrivers(self.time_s[steps], self.rtt_ms[steps], self.path_hash[steps])


@dataclass(frozen=True)
class RouteStats:
    """Route statistics of ``P`` pairs accumulated over ``steps`` steps."""

    steps: int
    path_hash: np.ndarray
    """(P,) int64 path hashes at the last step (compared with the next step's)"""
    changes: np.ndarray
    """(P,) int64 steps whose path differs from the previous step's"""
    change_times_s: np.ndarray
    """(min(P, TRACKED_PAIRS), MAX_CHANGE_TIMES) time of each path change [s] (rounded to the
    microsecond), NaN after the pair's last kept change"""
    rtt_sum_ms: np.ndarray
    """(P,) sum of the RTTs of reachable steps [ms]"""
    rtt_n: np.ndarray
    """(P,) int64 reachable steps"""
    rtt_min_ms: np.ndarray
    """(P,) [ms], inf before the first reachable step"""
    rtt_max_ms: np.ndarray
    """(P,) [ms], -inf before the first reachable step"""
    faster: int
    """reachable pair-steps with an RTT below the terrestrial fibre's"""

    @classmethod
    def empty(cls, n_pairs: int) -> RouteStats:
        """The state before the first step."""
        return cls(
            steps=0,
            path_hash=np.zeros(n_pairs, dtype=np.int64),
            changes=np.zeros(n_pairs, dtype=np.int64),
            change_times_s=np.full((min(n_pairs, TRACKED_PAIRS), MAX_CHANGE_TIMES), np.nan),
            rtt_sum_ms=np.zeros(n_pairs),
            rtt_n=np.zeros(n_pairs, dtype=np.int64),
            rtt_min_ms=np.full(n_pairs, np.inf),
            rtt_max_ms=np.full(n_pairs, -np.inf),
            faster=0,
        )


def advance_route_stats(
    state: RouteStats, drivers: RouteDrivers, fibre_rtt_ms: np.ndarray
) -> tuple[RouteStats, np.ndarray]:
    """Fold the steps of ``drivers`` into the route statistics, one step at a time.

    A path changes at a step when its hash differs from the previous step's (never at the
    run's first step); an unreachable pair's path hash is 0.

    Parameters
    ----------
    state : statistics before the first step of ``drivers``
    drivers : the steps, in time order
    fibre_rtt_ms : (P,) terrestrial fibre RTT of each pair [ms]

    Returns
    -------
    state : statistics after the last step
    changed : (n_t, P) bool, the pair's path changed at that step
    """
    n_t = len(drivers.time_s)
    hashes = drivers.path_hash
    changed = np.zeros(hashes.shape, dtype=bool)
    if state.steps > 0 and n_t:
        changed[0] = hashes[0] != state.path_hash
    changed[1:] = hashes[1:] != hashes[:-1]
    changes = state.changes.copy()
    times = state.change_times_s.copy()
    rtt_sum, rtt_n = state.rtt_sum_ms.copy(), state.rtt_n.copy()
    rtt_min, rtt_max = state.rtt_min_ms, state.rtt_max_ms
    faster = state.faster
    n_track = times.shape[0]
    for t in range(n_t):
        rtt = drivers.rtt_ms[t]
        reach = np.isfinite(rtt)
        changes += changed[t]
        idx = np.flatnonzero(changed[t, :n_track])
        slot = changes[idx] - 1
        keep = slot < MAX_CHANGE_TIMES
        times[idx[keep], slot[keep]] = round(float(drivers.time_s[t]), 6)
        rtt_sum += np.where(reach, rtt, 0.0)
        rtt_n += reach
        rtt_min = np.where(reach, np.minimum(rtt_min, rtt), rtt_min)
        rtt_max = np.where(reach, np.maximum(rtt_max, rtt), rtt_max)
        faster += int((reach & (rtt < fibre_rtt_ms)).sum())
    last = hashes[-1].copy() if n_t else state.path_hash
    new = RouteStats(state.steps + n_t, last, changes, times, rtt_sum, rtt_n, rtt_min, rtt_max,
                     faster)  # fmt: skip
    return new, changed


def route_kpis(st: RouteStats) -> dict[str, Any]:
    """``network_*`` KPIs of the requested routes (none without pairs)."""
    n_p = len(st.changes)
    if not n_p:
        return {}
    reach_steps = int(st.rtt_n.sum())
    k: dict[str, Any] = {
        "network_route_pairs": n_p,
        "network_reachable_fraction": round(reach_steps / max(n_p * st.steps, 1), 6),
    }
    if reach_steps:
        seen = st.rtt_n > 0
        k["network_rtt_mean_ms"] = round(float(st.rtt_sum_ms.sum() / reach_steps), 4)
        k["network_rtt_min_ms"] = round(float(st.rtt_min_ms[seen].min()), 4)
        k["network_rtt_max_ms"] = round(float(st.rtt_max_ms[seen].max()), 4)
        k["network_faster_than_fibre_fraction"] = round(st.faster / reach_steps, 6)
    k["network_path_changes"] = int(st.changes.sum())
    return k


def route_pair_summary(
    st: RouteStats,
    src_names: Sequence[str],
    dst_names: Sequence[str],
    fibre_rtt_ms: np.ndarray,
    great_circle_m: np.ndarray,
) -> list[dict[str, Any]]:
    """Per-pair summary of the first :data:`TRACKED_PAIRS` pairs (RTTs in ms, 5 decimals)."""
    steps = max(st.steps, 1)
    pairs = []
    for i in range(min(len(st.changes), TRACKED_PAIRS)):
        ok = st.rtt_n[i] > 0
        n_times = min(int(st.changes[i]), MAX_CHANGE_TIMES)
        pairs.append({
            "src": str(src_names[i]), "dst": str(dst_names[i]),
            "rtt_min_ms": round(float(st.rtt_min_ms[i]), 5) if ok else None,
            "rtt_mean_ms": round(float(st.rtt_sum_ms[i] / st.rtt_n[i]), 5) if ok else None,
            "rtt_max_ms": round(float(st.rtt_max_ms[i]), 5) if ok else None,
            "terrestrial_rtt_ms": round(float(fibre_rtt_ms[i]), 5),
            "great_circle_km": round(float(great_circle_m[i]) / 1e3, 3),
            "reachable_fraction": round(float(st.rtt_n[i]) / steps, 6),
            "path_changes": int(st.changes[i]),
            "path_change_times_s": [float(x) for x in st.change_times_s[i, :n_times]],
        })  # fmt: skip
    return pairs


# ------------------------------------------------------------------------------------- links
@dataclass(frozen=True)
class LinkStats:
    """Link counts summed over ``steps`` steps."""

    steps: int = 0
    isl_links: int = 0
    isl_capacity_bps: float = 0.0
    """sum over steps and ISLs of the per-direction capacity [bit/s]"""
    gsl_links: int = 0


def advance_link_stats(state: LinkStats, snaps: Sequence[Snapshot]) -> tuple[LinkStats, None]:
    """Fold the snapshots of consecutive steps into the link counts (no per-step output)."""
    isl, cap, gsl = state.isl_links, state.isl_capacity_bps, state.gsl_links
    for snap in snaps:
        isl += len(snap.isl_a)
        cap += float(snap.isl_capacity_bps.sum())
        gsl += len(snap.gsl_ground)
    return LinkStats(state.steps + len(snaps), isl, cap, gsl), None


def link_kpis(st: LinkStats, broken_link_steps: int, n_ground: int | None) -> dict[str, Any]:
    """``network_*`` KPIs of the links (ground-link ones only with ground endpoints)."""
    steps = max(st.steps, 1)
    k: dict[str, Any] = {
        "network_isl_links_mean": round(st.isl_links / steps, 2),
        "network_isl_broken_link_steps": int(broken_link_steps),
        "network_isl_capacity_mean_gbps": (
            round(st.isl_capacity_bps / st.isl_links / 1e9, 3) if st.isl_links else None
        ),
    }
    if n_ground is not None:
        k["network_ground_endpoints"] = n_ground
        k["network_ground_links_mean"] = round(st.gsl_links / steps, 2)
    return k


# ----------------------------------------------------------------------------------- traffic
@dataclass(frozen=True)
class TrafficParams:
    """A traffic matrix between ground endpoints (``network.traffic``)."""

    src: np.ndarray
    """(F,) source endpoint of each flow"""
    dst: np.ndarray
    """(F,) destination endpoint of each flow"""
    demand_bps: float
    """offered load of every flow [bit/s]"""
    relay_via_ground: bool
    max_flow: bool
    """also compute the max-flow bound (one max-flow per analysed step)"""


@dataclass(frozen=True)
class TrafficStep:
    """The traffic analysis of one step."""

    demand_bps: np.ndarray
    """(F,) offered load [bit/s]"""
    allocated_bps: np.ndarray
    """(F,) max-min fair rate on the flow's shortest path [bit/s]"""
    maxflow_bound_bps: float
    """upper bound on the total throughput [bit/s]; NaN when not computed"""
    utilisation_isl: np.ndarray
    """(n_isl,) carried load over capacity of each ISL, the larger of both directions [1]"""
    utilisation_gsl: np.ndarray
    """(n_gsl,) the same for each ground link [1]"""
    bottleneck_a: np.ndarray
    """(n_b,) smaller node id of each saturated link that limits a flow"""
    bottleneck_b: np.ndarray
    """(n_b,) larger node id"""


def analyse_traffic(snap: Snapshot, p: TrafficParams) -> TrafficStep:
    """Max-min fair rates, max-flow bound, utilisation and bottlenecks at one step.

    References
    ----------
    Bertsekas & Gallager, *Data Networks* (1992), sec. 6.5.2 (max-min fairness); Ahuja,
    Magnanti & Orlin, *Network Flows* (1993), ch. 17 (the multicommodity bound).
    """
    demand = np.full(len(p.src), p.demand_bps)
    relay = p.relay_via_ground
    rt = route_pairs(snap, p.src, p.dst, relay)
    rate, load, bott = allocate_shortest_paths(snap, rt, p.src, demand, relay)
    bound = max_flow_bound_bps(snap, p.src, p.dst, demand, relay) if p.max_flow else np.nan
    u, v, _, cap, kind, lid = snap.directed_links(relay)
    with np.errstate(divide="ignore", invalid="ignore"):
        ud = np.where(cap > 0, load / cap, 0.0)
    # per undirected link: max over both directions
    n_isl = len(snap.isl_a)
    util_isl = np.zeros(n_isl)
    util_gsl = np.zeros(len(snap.gsl_ground))
    isl_m = kind == 0
    np.maximum.at(util_isl, lid[isl_m], ud[isl_m])
    np.maximum.at(util_gsl, lid[~isl_m], ud[~isl_m])
    j = np.flatnonzero(bott)[:MAX_BOTTLENECKS_PER_STEP]
    a, b = u[j], v[j]
    n_user = snap.n_sat + snap.n_ground
    a = np.where(a < n_user, a, a - snap.n_ground)  # a ground endpoint's sending copy
    return TrafficStep(demand, rate, float(bound), util_isl, util_gsl, np.minimum(a, b),
                       np.maximum(a, b))  # fmt: skip


@dataclass(frozen=True)
class TrafficStats:
    """Traffic totals over ``steps`` analysed steps."""

    steps: int = 0
    offered_bps: float = 0.0
    """sum over steps and flows of the offered load [bit/s]"""
    allocated_bps: float = 0.0
    """sum over steps and flows of the allocated rate [bit/s]"""
    maxflow_bps: float = 0.0
    """sum over steps of the max-flow bound [bit/s]"""
    maxflow_steps: int = 0
    utilisation_sum: float = 0.0
    """sum over steps and ISLs of the ISL utilisation [1]"""
    utilisation_n: int = 0
    bottleneck_a: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(n_b,) links (smaller node id) that were bottlenecks, sorted by (a, b)"""
    bottleneck_b: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(n_b,) links (larger node id)"""
    bottleneck_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(n_b,) analysed steps at which each was a bottleneck (a link saturated in both
    directions counts twice)"""


def _accumulate(st: TrafficStats, s: TrafficStep) -> TrafficStats:
    bound = s.maxflow_bound_bps
    util_n = len(s.utilisation_isl)
    a = np.concatenate([st.bottleneck_a, s.bottleneck_a.astype(np.int64)])
    b = np.concatenate([st.bottleneck_b, s.bottleneck_b.astype(np.int64)])
    c = np.concatenate([st.bottleneck_steps, np.ones(len(s.bottleneck_a), dtype=np.int64)])
    keys, inv = np.unique(np.stack([a, b], axis=1), axis=0, return_inverse=True)
    counts = np.zeros(len(keys), dtype=np.int64)
    np.add.at(counts, inv.ravel(), c)
    return replace(
        st,
        steps=st.steps + 1,
        offered_bps=st.offered_bps + float(s.demand_bps.sum()),
        allocated_bps=st.allocated_bps + float(s.allocated_bps.sum()),
        maxflow_bps=st.maxflow_bps + bound if np.isfinite(bound) else st.maxflow_bps,
        maxflow_steps=st.maxflow_steps + int(np.isfinite(bound)),
        utilisation_sum=(
            st.utilisation_sum + float(s.utilisation_isl.sum()) if util_n else st.utilisation_sum
        ),
        utilisation_n=st.utilisation_n + util_n,
        bottleneck_a=keys[:, 0].copy(),
        bottleneck_b=keys[:, 1].copy(),
        bottleneck_steps=counts,
    )


def advance_traffic(
    state: TrafficStats, snaps: Sequence[Snapshot], params: TrafficParams
) -> tuple[TrafficStats, list[TrafficStep]]:
    """Analyse the traffic matrix at each snapshot (:func:`analyse_traffic`) and fold it in.

    Parameters
    ----------
    state : totals before the first snapshot
    snaps : the analysed steps, in time order
    params : the traffic matrix

    Returns
    -------
    state : totals after the last snapshot
    steps : the analysis of each snapshot
    """
    out = []
    for snap in snaps:
        step = analyse_traffic(snap, params)
        state = _accumulate(state, step)
        out.append(step)
    return state, out


def throughput_fraction(st: TrafficStats) -> float | None:
    """Allocated over offered load over the run [1]; None without offered load."""
    return st.allocated_bps / st.offered_bps if st.offered_bps > 0 else None


def traffic_kpis(st: TrafficStats) -> dict[str, Any]:
    """``network_*`` KPIs of the traffic analysis (none without offered load)."""
    frac = throughput_fraction(st)
    if frac is None:
        return {}
    k: dict[str, Any] = {"network_throughput_fraction": round(frac, 6)}
    if st.maxflow_steps:
        k["network_maxflow_bound_mean_gbps"] = round(st.maxflow_bps / st.maxflow_steps / 1e9, 3)
    if st.utilisation_n:
        k["network_isl_utilisation_mean"] = round(st.utilisation_sum / st.utilisation_n, 6)
    return k


def bottleneck_summary(st: TrafficStats, limit: int = 20) -> list[dict[str, int]]:
    """The links most often bottlenecks: ``{"a", "b", "steps"}``, most steps first."""
    order = np.lexsort((st.bottleneck_b, st.bottleneck_a, -st.bottleneck_steps))[:limit]
    return [
        {"a": int(st.bottleneck_a[i]), "b": int(st.bottleneck_b[i]),
         "steps": int(st.bottleneck_steps[i])}
        for i in order
    ]  # fmt: skip
