"""Routes of many ground pairs at one step: fewer, shorter shortest-path searches, bounded memory.

:func:`route_planned` gives the same routes as :func:`~orbitcloud.network.routing.route_pairs`
(one full Dijkstra from every distinct source endpoint) with less work:

* **Source cover.** The routing graph is symmetric (an ISL has one range both ways, an uplink
  the range of its downlink), so pair (a, b) can be served by a search from either end and its
  path read backwards. :func:`plan_routes` picks, once per run, which endpoint serves each pair:
  greedily the endpoint with the most unserved pairs, on a tie the one whose farthest unserved
  partner is farthest (by great circle). Far-flung endpoints are taken first and the last
  searches only connect close neighbours: on all pairs of the 100 largest cities the median
  search radius falls to about half the longest route.
* **Limited searches.** Each search stops at a radius (``scipy.sparse.csgraph.dijkstra``'s
  ``limit``) estimated from the great circles of its pairs (:data:`LIMIT_FACTOR`,
  :data:`LIMIT_MARGIN_M`). Dijkstra settles nodes in distance order, so every node within the
  radius gets its exact distance and predecessor; a pair whose computed length exceeds the
  radius although its ends are connected (connected components, checked per step) has its
  search rerun without a limit. The answer never depends on the estimate, only the time does.
* **Bounded memory.** Searches run in batches whose distance and predecessor rows and pair paths
  fit :data:`BATCH_BYTES`; the step's routes are assembled in pair order at the end.

Equal-length paths (exact float ties) may be broken differently by a search from the other end;
the length is then equal to rounding. Measured in bench/bench_routing_scale.py.

References
----------
E. W. Dijkstra, "A note on two problems in connexion with graphs", *Numerische Mathematik* 1
(1959) 269-271 (nodes settle in order of distance, so a search stopped at radius L is exact
within L); greedy set cover: V. Chvatal, *Math. Oper. Res.* 4 (1979) 233-235.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components, dijkstra

from orbitcloud.network.geometry import great_circle_m
from orbitcloud.network.routing import (
    _HASH_W,
    Routes,
    Snapshot,
    extract_paths,
    path_lengths_m,
)

LIMIT_FACTOR = 1.1
"""Search radius per unit of great-circle distance between a pair's ends (estimate only)."""
LIMIT_MARGIN_M = 1.5e6
"""Added search radius [m] (up- and downlink slant ranges, detours); estimate only. With
LIMIT_FACTOR it covered every route of 9.7k-42k satellite +Grid shells and the 100 largest
cities at 25 deg elevation (bench/bench_routing_scale.py counts the reruns)."""
LIMIT_STEP_M = 1.0e6
"""Radii are rounded up to a multiple of this [m] so that searches of one radius share one
scipy call (each call validates the whole graph: 1.2 ms at 42k satellites)."""
LIMIT_GROWTH = 1.05
"""After a step, a search's radius covers this times its longest route (the next step's routes
are a little longer at most, mostly; a longer one costs one unlimited rerun)."""
BATCH_BYTES = 64 << 20
"""Memory for one batch of searches: distance (8 B) and predecessor (4 B) rows of all nodes
plus the batch's pair paths (:data:`PATH_BYTES_PER_PAIR`)."""
PATH_BYTES_PER_PAIR = 256
"""Working memory per pair while its path is walked and assembled (estimate for batching)."""
MAX_GREEDY_ENDPOINTS = 2048
"""Above this many distinct endpoints the cover keeps each pair's own source (greedy is
quadratic per pick)."""


@dataclass(frozen=True)
class RoutePlan:
    """Which search serves each pair of a fixed pair list (decided once per run).

    Attributes
    ----------
    sources : (S,) ground endpoint each search starts from, in search order
    limit_m : (S,) search radius [m] (``inf``: unlimited); a speed estimate, never an answer
    row : (P,) search serving each pair
    target : (P,) ground endpoint the search reaches for each pair
    flip : (P,) the search starts at the pair's ``dst`` (its path is read backwards)
    """

    sources: np.ndarray
    limit_m: np.ndarray
    row: np.ndarray
    target: np.ndarray
    flip: np.ndarray


def plan_routes(
    src: np.ndarray,
    dst: np.ndarray,
    lat_rad: np.ndarray | None = None,
    lon_rad: np.ndarray | None = None,
) -> RoutePlan:
    """The searches that serve the pairs ``(src[p], dst[p])`` (see the module docstring).

    Parameters
    ----------
    src, dst : (P,) ground endpoint indices
    lat_rad, lon_rad : geodetic latitude and longitude of every ground endpoint [rad]; without
        them searches are ordered by pair count only and unlimited
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    ends, inv = np.unique(np.r_[src, dst], return_inverse=True)
    m, n_p = len(ends), len(src)
    a, b = inv[:n_p], inv[n_p:]
    if lat_rad is not None and lon_rad is not None:
        la, lo = np.asarray(lat_rad)[ends], np.asarray(lon_rad)[ends]
        gc = great_circle_m(la[:, None], lo[:, None], la[None, :], lo[None, :])
        reach_m = LIMIT_FACTOR * gc + LIMIT_MARGIN_M
    else:
        gc = np.zeros((m, m))
        reach_m = np.full((m, m), np.inf)
    owner = a.copy()  # the search (by endpoint position) that serves each pair
    picked = np.arange(m)  # search order of each endpoint position
    if 0 < m <= MAX_GREEDY_ENDPOINTS:
        owner, picked = _greedy_cover(a, b, gc, m)
    used = np.unique(owner)
    order = used[np.argsort(picked[used], kind="stable")]
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(len(order))
    flip = owner != a
    other = np.where(flip, a, b)
    limit = np.zeros(len(order))
    np.maximum.at(limit, rank[owner], reach_m[owner, other])
    limit = np.ceil(limit / LIMIT_STEP_M) * LIMIT_STEP_M  # few distinct radii: few calls
    return RoutePlan(ends[order], limit, rank[owner], ends[other], flip)


def _greedy_cover(
    a: np.ndarray, b: np.ndarray, gc: np.ndarray, m: int
) -> tuple[np.ndarray, np.ndarray]:
    """Endpoint (position) serving each pair and each endpoint's pick order (``m``: never
    picked): most unserved pairs first, then the farthest unserved partner."""
    adj = np.zeros((m, m), dtype=bool)
    adj[a, b] = adj[b, a] = True
    np.fill_diagonal(adj, False)
    w = np.where(adj, gc, -np.inf)
    deg = adj.sum(axis=1)
    far = w.max(axis=1, initial=-np.inf)
    picked = np.full(m, -1, dtype=np.int64)
    for k in range(m):
        if not deg.any():
            break
        best = np.flatnonzero(deg == deg.max())
        c = int(best[np.argmax(far[best])])  # first on a tie: deterministic
        picked[c] = k
        nb = np.flatnonzero(adj[c])
        adj[c, nb] = adj[nb, c] = False
        w[c, nb] = w[nb, c] = -np.inf
        deg[c] = 0
        deg[nb] -= 1
        far[c] = -np.inf
        far[nb] = w[nb].max(axis=1, initial=-np.inf)
    # a pair goes to whichever end was picked first (self-pairs: their only end)
    picked[picked < 0] = m
    return np.where(picked[b] < picked[a], b, a), picked


def reachable_pairs(snap: Snapshot, s: np.ndarray, t: np.ndarray, relay: bool) -> np.ndarray:
    """(P,) whether ground endpoint ``t[p]`` can be reached from ``s[p]`` at all (components).

    Without relaying two endpoints are connected iff a satellite in view of one lies in the
    ISL component of a satellite in view of the other; with relaying, iff they lie in one
    component of the whole graph.
    """
    ns, ng = snap.n_sat, snap.n_ground
    same = s == t
    if relay:
        _, lab = connected_components(snap.graph(True), directed=True, connection="weak")
        has = np.zeros(ng, dtype=bool)
        has[snap.gsl_ground] = True
        return same | (has[s] & has[t] & (lab[ns + s] == lab[ns + t]))
    isl = csr_array(
        (np.ones(len(snap.isl_a)), (snap.isl_a, snap.isl_b)), shape=(max(ns, 1), max(ns, 1))
    )
    _, lab = connected_components(isl, directed=False)
    comp_ids, comp = np.unique(lab[snap.gsl_sat], return_inverse=True)
    seen = csr_array(
        (np.ones(len(comp)), (snap.gsl_ground, comp)), shape=(ng, max(len(comp_ids), 1))
    )
    seen.data[:] = 1.0
    both = seen[s].multiply(seen[t]).sum(axis=1)
    return same | (np.asarray(both).ravel() > 0)


def route_planned(
    snap: Snapshot,
    src: np.ndarray,
    dst: np.ndarray,
    relay_via_ground: bool,
    plan: RoutePlan,
    limit_m: np.ndarray | None = None,
    batch_bytes: int = BATCH_BYTES,
) -> Routes:
    """Shortest routes of the pairs ``(src[p], dst[p])`` at one step, by ``plan``.

    The same :class:`~orbitcloud.network.routing.Routes` as
    :func:`~orbitcloud.network.routing.route_pairs` (paths from ``src`` to ``dst``, lengths
    summed link by link from ``src``, hashes over the path from ``dst`` back), see the module
    docstring. ``limit_m`` overrides the searches' radii (:func:`grown_limits`);
    ``batch_bytes`` bounds the working memory of one batch of searches.
    """
    lim = plan.limit_m if limit_m is None else np.asarray(limit_m, dtype=float)
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    g = snap.graph(relay_via_ground)
    n_node = g.shape[0]
    reach_all = reachable_pairs(snap, src, dst, relay_via_ground)
    pair_of_row = np.argsort(plan.row, kind="stable")
    row_start = np.searchsorted(plan.row[pair_of_row], np.arange(len(plan.sources) + 1))
    parts = []
    for r0, r1 in _batches(row_start, n_node, batch_bytes):
        idx = pair_of_row[row_start[r0] : row_start[r1]]
        parts.append((idx, _route_batch(snap, g, plan, lim, r0, r1, idx, reach_all[idx])))
    return _assemble(snap, plan.flip, parts)


def grown_limits(plan: RoutePlan, length_m: np.ndarray, limit_m: np.ndarray) -> np.ndarray:
    """Search radii [m] grown to cover :data:`LIMIT_GROWTH` times the longest route each
    search served at this step (rounded up to :data:`LIMIT_STEP_M`); never shrunk."""
    need = np.zeros(len(plan.sources))
    np.maximum.at(need, plan.row, np.where(np.isfinite(length_m), length_m, 0.0))
    need = np.ceil(need * LIMIT_GROWTH / LIMIT_STEP_M) * LIMIT_STEP_M
    return np.maximum(limit_m, need)


def _batches(row_start: np.ndarray, n_node: int, budget: int) -> list[tuple[int, int]]:
    """Consecutive search ranges [r0, r1) whose rows and pair paths fit ``budget`` bytes."""
    out = []
    n_rows = len(row_start) - 1
    r0 = 0
    while r0 < n_rows:
        r1 = r0 + 1
        while r1 < n_rows:
            used = (r1 + 1 - r0) * n_node * 12 + (row_start[r1 + 1] - row_start[r0]) * (
                PATH_BYTES_PER_PAIR
            )
            if used > budget:
                break
            r1 += 1
        out.append((r0, r1))
        r0 = r1
    return out


def _route_batch(
    snap: Snapshot,
    g: csr_array,
    plan: RoutePlan,
    limit_m: np.ndarray,
    r0: int,
    r1: int,
    idx: np.ndarray,
    connected: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Searches r0..r1-1 and the paths of their pairs ``idx``: (values, offsets, reach)."""
    nodes = snap.n_sat + plan.sources[r0:r1]
    d = np.empty((r1 - r0, g.shape[0]))
    p = np.empty((r1 - r0, g.shape[0]), dtype=np.int32)
    lims = limit_m[r0:r1]
    for lim in np.unique(lims):  # one call per radius: scipy checks the graph at every call
        i = np.flatnonzero(lims == lim)
        d[i], p[i] = _search(g, nodes[i], float(lim))
    snap.reach_ground(d, p, nodes)
    rows = plan.row[idx] - r0
    tgt = snap.n_sat + plan.target[idx]
    got = d[rows, tgt]
    short = connected & ~(got <= limit_m[plan.row[idx]])
    again = np.unique(rows[short])
    if len(again):  # beyond the estimated radius: search again, unlimited
        da, pa = _search(g, nodes[again], np.inf)
        snap.reach_ground(da, pa, nodes[again])
        d[again], p[again] = da, pa
    got = d[rows, tgt]
    reach = np.isfinite(got) & connected
    values, offsets, _ = extract_paths(p, rows, tgt, reach)
    return values, offsets, reach


def _search(g: csr_array, nodes: np.ndarray, limit_m: float) -> tuple[np.ndarray, np.ndarray]:
    d, p = dijkstra(g, directed=True, indices=nodes, return_predecessors=True, limit=limit_m)
    return np.atleast_2d(d), np.atleast_2d(p)


def _assemble(snap: Snapshot, flip: np.ndarray, parts: list) -> Routes:
    """Routes in pair order from the batches (paths flipped to run from ``src``)."""
    n_pairs = len(flip)
    lens = np.zeros(n_pairs, dtype=np.int64)
    reach = np.zeros(n_pairs, dtype=bool)
    for idx, (_, off, rc) in parts:
        lens[idx] = np.diff(off)
        reach[idx] = rc
    offsets = np.zeros(n_pairs + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    values = np.empty(int(offsets[-1]), dtype=np.int32)
    for idx, (vals, off, _) in parts:
        k = np.diff(off)
        owner = np.repeat(np.arange(len(idx)), k)
        pos = np.arange(len(vals)) - off[:-1][owner]
        pos = np.where(flip[idx][owner], k[owner] - 1 - pos, pos)
        values[offsets[idx][owner] + pos] = vals
    return Routes(
        path_lengths_m(snap, values, offsets, reach),
        np.maximum(np.diff(offsets) - 1, 0),
        values,
        offsets,
        path_hashes(values, offsets, reach),
    )


def path_hashes(values: np.ndarray, offsets: np.ndarray, reach: np.ndarray) -> np.ndarray:
    """(P,) int64 hash of each path, node ``k`` places from its end weighted by
    ``_HASH_W[k]`` (as :func:`~orbitcloud.network.routing.extract_paths` walks it)."""
    lens = np.diff(offsets)
    owner = np.repeat(np.arange(len(lens)), lens)
    from_end = offsets[1:][owner] - 1 - np.arange(len(values))
    with np.errstate(over="ignore"):
        prod = (values.astype(np.int64) + 2) * _HASH_W[from_end % len(_HASH_W)]
        cs = np.r_[np.int64(0), np.cumsum(prod)]
        h = cs[offsets[1:]] - cs[offsets[:-1]]
    return np.where(reach, h, 0)
