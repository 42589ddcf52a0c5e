"""Traffic that uses capacity: flows from satellites to the ground, max-min fair on their routes.

Data that has to reach *any* ground station (Earth-observation imagery, in-orbit products) is
routed per time step as one flow per source satellite:

1. **route** (:func:`routes_to_ground`): each source takes the shortest path by propagation
   delay over the ISLs to the nearest satellite that has a ground station in view (one
   multi-source Dijkstra per step, rooted at those satellites), then that satellite's best
   downlink (one station at a time, as :func:`best_downlink_bps` picks it);
2. **allocate** (:func:`max_min_fair`): rates by progressive filling (water filling) on those
   fixed paths, each direction of an ISL and each satellite's downlink a resource with its own
   capacity (Bertsekas & Gallager, *Data Networks*, 2nd ed., 1992, sec. 6.5.2).

This is a single-path approximation of the multi-path flow problem: the allocation is exactly
max-min fair *given the shortest paths*, but it does not split a source's traffic over other
paths, so its total can fall short of the exact maximum throughput (a linear programme over all
paths). ``tests/network/test_flows.py`` solves both on small graphs with
``scipy.optimize.linprog`` (HiGHS): the water filling matches the LP max-min fair rates on the
same paths to 1e-9, and on the hand-made case where two sources share a relay while a parallel
relay stays idle the single-path total is 1/2 of the LP optimum. It is never above the LP
optimum, and equal to it when no route shares a saturated resource with another.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra


def best_downlink_bps(
    gsl_ground: np.ndarray,
    gsl_sat: np.ndarray,
    gsl_capacity_bps: np.ndarray,
    station_up: np.ndarray,
    n_sat: int,
    downlink_bps: float | None = None,
) -> np.ndarray:
    """Downlink rate of each satellite: its best ground link to a station that is up.

    Parameters
    ----------
    gsl_ground, gsl_sat, gsl_capacity_bps : (q,) ground links of the step: ground endpoint,
        satellite and capacity per direction [bit/s]
    station_up : (n_ground,) bool, the endpoint is a ground station and is up
    n_sat : satellites
    downlink_bps : fixed rate [bit/s]; None (or 0) takes each link's capacity

    Returns
    -------
    (n_sat,) rate [bit/s], 0 without a station in view (one station at a time)
    """
    m = station_up[gsl_ground]
    rate = np.full(int(m.sum()), downlink_bps) if downlink_bps else gsl_capacity_bps[m]
    best = np.zeros(n_sat)
    np.maximum.at(best, gsl_sat[m], rate)
    return best


@dataclass(frozen=True)
class GroundRoutes:
    """Routes of one flow per source to the ground at one step, as hops over resources.

    Resources are the directed ISLs (``2 m``: ``a -> b`` then ``b -> a``) followed by one
    downlink per satellite (``n_isl_dir + sat``).

    Attributes
    ----------
    capacity_bps : (2 m + n_sat,) capacity of each resource [bit/s]
    n_isl_dir : directed ISL resources (2 m)
    hop_flow, hop_res : (h,) flow (source position) and resource of each hop
    isl_hops : (n_src,) ISL hops on each route (0 when the source itself has a station in view)
    reachable : (n_src,) bool, the source has a route to a station
    """

    capacity_bps: np.ndarray
    n_isl_dir: int
    hop_flow: np.ndarray
    hop_res: np.ndarray
    isl_hops: np.ndarray
    reachable: np.ndarray

    @property
    def direct(self) -> bool:
        """No ISL hop and no resource shared by two flows (each source has its own downlink)."""
        return not self.isl_hops.any() and bool(
            np.bincount(self.hop_res, minlength=1).max(initial=0) <= 1
        )

    def path_capacity_bps(self) -> np.ndarray:
        """(n_src,) smallest capacity along each route [bit/s] (0 when unreachable)."""
        out = np.full(len(self.reachable), np.inf)
        np.minimum.at(out, self.hop_flow, self.capacity_bps[self.hop_res])
        return np.where(self.reachable, out, 0.0)


def routes_to_ground(
    n_sat: int,
    isl_a: np.ndarray,
    isl_b: np.ndarray,
    isl_range_m: np.ndarray,
    isl_capacity_bps: np.ndarray,
    down_bps: np.ndarray,
    sources: np.ndarray,
    use_isls: bool = True,
) -> GroundRoutes:
    """Shortest route from each source satellite to a satellite with a station in view.

    One multi-source Dijkstra on the ISL graph (weights = range) rooted at every satellite
    with a downlink (``down_bps > 0``); ``min_only`` keeps each node's nearest root, and the
    predecessor chain from a source leads to it (the graph is undirected). The route then ends
    with that root's downlink. Without ISLs (or ``use_isls`` False) a source goes down
    directly when it has a station in view.

    Parameters
    ----------
    n_sat : satellites
    isl_a, isl_b, isl_range_m, isl_capacity_bps : (m,) ISLs of the step (capacity per
        direction [bit/s], range [m])
    down_bps : (n_sat,) downlink rate of each satellite [bit/s] (:func:`best_downlink_bps`)
    sources : (n_src,) source satellites
    use_isls : relay over ISLs (those with capacity > 0; resource ``e`` and ``m + e`` then
        index the ISLs that are left, in their order)

    References
    ----------
    E. W. Dijkstra, "A note on two problems in connexion with graphs", Numer. Math. 1 (1959);
    multi-source form: ``scipy.sparse.csgraph.dijkstra(..., min_only=True)``.
    """
    src = np.asarray(sources, dtype=np.int64)
    live = np.asarray(isl_capacity_bps) > 0  # a link that carries nothing relays nothing
    if use_isls and not live.all():
        isl_a, isl_b, isl_range_m, isl_capacity_bps = (
            x[live] for x in (isl_a, isl_b, isl_range_m, isl_capacity_bps)
        )
    m = len(isl_a) if use_isls else 0
    cap = np.concatenate([isl_capacity_bps[:m], isl_capacity_bps[:m], down_bps]).astype(float)
    roots = np.flatnonzero(down_bps > 0)
    if m == 0 or len(roots) == 0 or len(src) == 0:
        ok = down_bps[src] > 0
        idx = np.flatnonzero(ok)
        return GroundRoutes(cap, 2 * m, idx, 2 * m + src[idx], np.zeros(len(src), np.int64), ok)
    a = np.asarray(isl_a[:m], dtype=np.int64)
    b = np.asarray(isl_b[:m], dtype=np.int64)
    g = csr_array((np.asarray(isl_range_m[:m], float), (a, b)), shape=(n_sat, n_sat))
    dist, pred, _ = dijkstra(g, directed=False, indices=roots, min_only=True,
                          return_predecessors=True)  # fmt: skip
    ok = np.isfinite(dist[src])
    keys = np.concatenate([a * n_sat + b, b * n_sat + a])
    order = np.argsort(keys, kind="stable")
    skeys = keys[order]
    flows, res = [], []
    cur = src[ok]
    who = np.flatnonzero(ok)
    hops = np.zeros(len(src), np.int64)
    while len(cur):
        nxt = pred[cur]
        go = nxt >= 0
        end = ~go  # reached a root: its downlink
        flows.append(who[end])
        res.append(2 * m + cur[end])
        cur, nxt, who = cur[go], nxt[go], who[go]
        want = cur * n_sat + nxt
        flows.append(who)
        res.append(order[np.searchsorted(skeys, want)])
        hops[who] += 1
        cur = nxt
    hf = np.concatenate(flows) if flows else np.zeros(0, np.int64)
    hr = np.concatenate(res) if res else np.zeros(0, np.int64)
    o = np.lexsort((hr, hf))
    return GroundRoutes(cap, 2 * m, hf[o], hr[o], hops, ok)


def max_min_fair(
    hop_flow: np.ndarray, hop_res: np.ndarray, capacity: np.ndarray, demand: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Max-min fair rates of flows on fixed paths (progressive filling).

    All unfrozen flows grow at the same rate until a resource saturates or a flow meets its
    demand; flows through a saturated resource freeze. A flow without hops gets nothing.

    Parameters
    ----------
    hop_flow, hop_res : (h,) flow and resource of each hop (a flow uses a resource once)
    capacity : (n_res,) capacity of each resource [bit/s]
    demand : (n_flow,) offered rate of each flow [bit/s]

    Returns
    -------
    rate : (n_flow,) allocated rate [bit/s], ``<= demand``
    load : (n_res,) carried rate per resource [bit/s], ``<= capacity``

    References
    ----------
    D. Bertsekas & R. Gallager, *Data Networks*, 2nd ed. (1992), sec. 6.5.2 (max-min fairness,
    progressive filling).
    """
    n_f, n_r = len(demand), len(capacity)
    dem = np.asarray(demand, dtype=float)
    rate = np.zeros(n_f)
    has = np.zeros(n_f, dtype=bool)
    has[hop_flow] = True
    active = has & (dem > 0)
    residual = np.asarray(capacity, dtype=float).copy()
    tol = 1e-12 * np.maximum(residual, 1.0)
    for _ in range(n_f + 1):
        if not active.any():
            break
        on = active[hop_flow]
        n_act = np.bincount(hop_res[on], minlength=n_r)
        used = n_act > 0
        delta = min(float((residual[used] / n_act[used]).min()),
                    float((dem - rate)[active].min()))  # fmt: skip
        delta = max(delta, 0.0)
        rate[active] += delta
        residual -= delta * n_act
        full = used & (residual <= tol)
        frozen = np.zeros(n_f, dtype=bool)
        frozen[hop_flow[full[hop_res]]] = True
        active &= ~frozen & (rate < dem * (1.0 - 1e-12))
    rate = np.minimum(rate, dem)
    load = np.bincount(hop_res, weights=rate[hop_flow], minlength=n_r)
    return rate, load


def allocate_to_ground(
    routes: GroundRoutes, demand: np.ndarray, unit_per_bps: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Max-min fair rates of the sources' flows on their routes (:func:`max_min_fair`).

    Parameters
    ----------
    routes : the step's routes
    demand : (n_src,) offered amount, in the unit of ``capacity_bps * unit_per_bps``
    unit_per_bps : capacity unit per bit/s (``step_s / 8`` allocates bytes per step)

    Returns
    -------
    rate : (n_src,) allocated amount; load : (n_res,) carried amount per resource (same unit).
    On a direct step (:attr:`GroundRoutes.direct`) this is ``min(demand, capacity)`` of each
    source's own downlink, computed as such.
    """
    dem = np.where(routes.reachable, np.asarray(demand, dtype=float), 0.0)
    cap = routes.capacity_bps * unit_per_bps
    if routes.direct:
        own = np.zeros(len(dem))
        own[routes.hop_flow] = cap[routes.hop_res]
        rate = np.minimum(dem, own)
        load = np.bincount(routes.hop_res, weights=rate[routes.hop_flow], minlength=len(cap))
        return rate, load
    return max_min_fair(routes.hop_flow, routes.hop_res, cap, dem)


RHO_MAX = 0.95
"""Highest load a flow's path is offered (processor sharing, :func:`payload_delivery`); the
rest of its demand is refused, so the delay stays finite (at most 20 x the transfer time)."""


def payload_delivery(
    n_sat: int,
    isl: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    gsl: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    src_ground: np.ndarray,
    dst_sat: np.ndarray,
    demand_bps: np.ndarray,
    payload_bits: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Request payloads sent from ground endpoints up to serving satellites, as flows.

    Each flow (a group of requests from endpoint ``src_ground`` served on ``dst_sat``) takes
    the uplink and ISL path of least length (Dijkstra over the live ISLs from each distinct
    server; the endpoint picks the ground link minimising range + ISL distance), rates are
    max-min fair over the directed ISLs and uplinks (:func:`max_min_fair`). The capacity left
    to a flow, c = min over its links of (capacity - others' load), serves its requests as a
    processor-sharing queue: load rho = demand / c, offered up to :data:`RHO_MAX` (the rest is
    refused), and a payload of b bits takes (b / c) / (1 - rho) on average (M/G/1-PS mean
    sojourn time: L. Kleinrock, *Queueing Systems, Vol. 2*, 1976, sec. 4.4).

    Parameters
    ----------
    n_sat : satellites
    isl : (isl_a, isl_b, range [m], capacity per direction [bit/s]) of the ISLs that are up
    gsl : (ground, satellite, range [m], capacity [bit/s]) of the usable ground links
    src_ground, dst_sat : (P,) endpoint and serving satellite of each flow
    demand_bps : (P,) offered payload rate of each flow [bit/s] (requests x bits / step)
    payload_bits : (P,) bits of one request's payload

    Returns
    -------
    carried : (P,) fraction of the flow's requests carried [1] (0 without a path)
    delay_s : (P,) mean transfer time of a carried payload [s] (inf without a path)
    """
    isl_a, isl_b, isl_r, isl_c = (np.asarray(x) for x in isl)
    g_g, g_s, g_r, g_c = (np.asarray(x) for x in gsl)
    live = isl_c > 0
    a, b = isl_a[live].astype(np.int64), isl_b[live].astype(np.int64)
    m, n_p = len(a), len(src_ground)
    cap = np.concatenate([isl_c[live], isl_c[live], g_c]).astype(float)
    dst, row = np.unique(np.asarray(dst_sat, dtype=np.int64), return_inverse=True)
    graph = csr_array((isl_r[live].astype(float), (a, b)), shape=(n_sat, n_sat))
    dist, pred = dijkstra(graph, directed=False, indices=dst, return_predecessors=True)
    dist, pred = np.atleast_2d(dist), np.atleast_2d(pred)
    # best ground link of each flow: min over its endpoint's links of range + distance (the
    # links of every flow's endpoint gathered as one flat array, no (flows x links) matrix)
    by_g = np.argsort(g_g, kind="stable")
    src = np.asarray(src_ground, dtype=np.int64)
    lo = np.searchsorted(g_g[by_g], src, side="left")
    cnt = np.searchsorted(g_g[by_g], src, side="right") - lo
    owner = np.repeat(np.arange(n_p), cnt)
    link = by_g[np.arange(int(cnt.sum())) - np.repeat(np.cumsum(cnt) - cnt, cnt) + lo[owner]]
    total = g_r[link] + dist[row[owner], g_s[link]]
    best = np.full(n_p, np.inf)
    np.minimum.at(best, owner, total)
    ok = np.isfinite(best)
    up = np.zeros(n_p, np.int64)
    win = np.flatnonzero(total == best[owner])[::-1]  # the first best link wins (written last)
    up[owner[win]] = link[win]
    keys = np.concatenate([a * n_sat + b, b * n_sat + a])
    order = np.argsort(keys, kind="stable")
    flows, res = [np.flatnonzero(ok)], [2 * m + up[ok]]
    who = np.flatnonzero(ok)
    cur = g_s[up[ok]].astype(np.int64)
    while len(who):
        nxt = pred[row[who], cur]
        go = nxt >= 0
        who, cur, nxt = who[go], cur[go], nxt[go]
        flows.append(who)
        res.append(order[np.searchsorted(keys[order], cur * n_sat + nxt)])
        cur = nxt
    hf, hr = np.concatenate(flows), np.concatenate(res)
    dem = np.where(ok, np.asarray(demand_bps, dtype=float), 0.0)
    rate, load = max_min_fair(hf, hr, cap, dem)
    left = np.full(n_p, np.inf)
    np.minimum.at(left, hf, cap[hr] - load[hr] + rate[hf])
    left = np.where(ok, np.maximum(left, 0.0), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(left > 0, dem / left, np.inf)
        carried = np.where(ok & (left > 0), np.minimum(1.0, RHO_MAX / np.maximum(rho, 1e-300)), 0.0)
        carried = np.where(ok & (dem <= 0), 1.0, carried)
        delay = np.where(left > 0, np.asarray(payload_bits) / left / (1 - np.minimum(rho, RHO_MAX)),
                         np.inf)  # fmt: skip
    return carried, np.where(ok, delay, np.inf)
