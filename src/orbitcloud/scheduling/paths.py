"""Fast path queries for placement: nearest server for every user at once, one Dijkstra a step.

Placement needs, for every user cell, the closest eligible server through the network (ground
link up to a satellite in view, then ISLs). Running Dijkstra from every cell (1,000 cells x
1,584 satellites x 1,440 steps) is far too slow; instead one search runs from a virtual
*super-source* linked to every eligible server with a weight equal to that server's penalty
(0 for "nearest"; a queue or fibre leg for others). The distance to a satellite is then its
distance to the best server, and each cell takes its best ground link:
d(cell) = min over links (cell, s) of range(cell, s) + d(s). The server is the root of the
shortest-path tree, found by pointer jumping (log2 depth vectorised passes).

References
----------
Multi-source shortest paths by a super-source: Cormen et al., *Introduction to Algorithms*,
3rd ed., ex. 24.1-4 / sec. 25.3 (added vertex); ``scipy.sparse.csgraph.dijkstra``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

C_M_S = 299_792_458.0
"""Speed of light in vacuum [m/s]."""

_EPS_M = 1e-3
"""Smallest super-source edge weight [m] (sparse graphs must not rely on explicit zeros)."""


def isl_graph(
    n_sat: int, isl_a: np.ndarray, isl_b: np.ndarray, isl_range_m: np.ndarray
) -> csr_array:
    """The undirected ISL graph as a canonical CSR array of n_sat + 1 nodes, the last one (the
    super-source of :func:`nearest_server_distances`) without edges yet.

    Parameters
    ----------
    n_sat : satellites (nodes 0..n_sat-1)
    isl_a, isl_b, isl_range_m : (m,) ISLs that are up and their ranges [m]
    """
    u = np.concatenate([isl_a, isl_b]).astype(np.int64)
    v = np.concatenate([isl_b, isl_a]).astype(np.int64)
    w = np.concatenate([isl_range_m, isl_range_m]).astype(float)
    return csr_array((w, (u, v)), shape=(n_sat + 1, n_sat + 1))


def nearest_server_distances(
    n_sat: int,
    isl_a: np.ndarray,
    isl_b: np.ndarray,
    isl_range_m: np.ndarray,
    server_sat: np.ndarray,
    offset_m: np.ndarray,
    graph: csr_array | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance [m] from every satellite to its best server, and which entry that is.

    Parameters
    ----------
    n_sat : satellites (nodes 0..n_sat-1)
    isl_a, isl_b, isl_range_m : (m,) undirected ISLs that are up and their ranges [m]
    server_sat : (q,) satellite where each server entry attaches (repeats allowed)
    offset_m : (q,) penalty of each entry [m] (>= 0), added to the path length
    graph : :func:`isl_graph` of the same ISLs, when several searches share them (the same
        answer, without rebuilding the sparse graph each time)

    Returns
    -------
    dist_m : (n_sat,) min over entries e of offset_e + ISL path length(sat, server_sat_e)
        (``inf`` if none reachable)
    entry : (n_sat,) index into ``server_sat`` of the minimising entry (-1 if unreachable)
    """
    q = len(server_sat)
    if q == 0:
        return np.full(n_sat, np.inf), np.full(n_sat, -1, dtype=np.int64)
    # per satellite keep its cheapest entry (the super-source links once to each satellite)
    order = np.lexsort((offset_m, server_sat))
    first = np.r_[True, np.diff(server_sat[order]) != 0]
    keep = order[first]
    s_node = n_sat
    if graph is None:
        graph = isl_graph(n_sat, isl_a, isl_b, isl_range_m)
    # the super-source's row is the last: append it (its columns ascending, as lexsorted)
    indptr = graph.indptr.copy()
    indptr[-1] += len(keep)
    w_src = np.maximum(offset_m[keep], 0.0) + _EPS_M
    g = csr_array((np.concatenate([graph.data, w_src]),
                   np.concatenate([graph.indices, server_sat[keep].astype(graph.indices.dtype)]),
                   indptr), shape=graph.shape)  # fmt: skip
    dist, pred = dijkstra(g, directed=True, indices=s_node, return_predecessors=True)
    dist = dist[:n_sat]
    parent = pred[:n_sat].astype(np.int64)
    reach = np.isfinite(dist)
    # pointer jumping to the root (the satellite whose parent is the super-source)
    root = np.where(parent == s_node, np.arange(n_sat), np.where(parent < 0, -1, parent))
    for _ in range(64):
        nxt = np.where(root >= 0, root[np.maximum(root, 0)], -1)
        if np.array_equal(nxt, root):
            break
        root = nxt
    entry_of_sat = np.full(n_sat, -1, dtype=np.int64)
    entry_of_sat[server_sat[keep]] = keep
    entry = np.where(reach & (root >= 0), entry_of_sat[np.maximum(root, 0)], -1)
    return np.where(reach, dist - _EPS_M, np.inf), entry


def best_access(
    dist_sat_m: np.ndarray,
    gsl_ground: np.ndarray,
    gsl_sat: np.ndarray,
    gsl_range_m: np.ndarray,
    n_ground: int,
    ground_ok: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best ground link of every ground endpoint: min over its links of range + dist_sat.

    Parameters
    ----------
    dist_sat_m : (n_sat,) distance from each satellite onward [m]
    gsl_ground, gsl_sat, gsl_range_m : (q,) ground links of the step
    n_ground : ground endpoints
    ground_ok : (n_ground,) endpoints allowed to use their links (default all)

    Returns
    -------
    dist_m : (n_ground,) total distance [m] (inf without a usable link)
    access_sat : (n_ground,) satellite of the best link (-1 if none)
    """
    total = gsl_range_m + dist_sat_m[gsl_sat]
    if ground_ok is not None:
        total = np.where(ground_ok[gsl_ground], total, np.inf)
    dist = np.full(n_ground, np.inf)
    np.minimum.at(dist, gsl_ground, total)
    best = np.isfinite(total) & (total == dist[gsl_ground])
    access = np.full(n_ground, -1, dtype=np.int64)
    idx = np.flatnonzero(best)[::-1]  # the first best link wins (written last)
    access[gsl_ground[idx]] = gsl_sat[idx]
    return dist, access


def splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser: a well-mixed 64-bit hash of integer keys (uint64 arithmetic).

    References
    ----------
    Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014.
    """
    z = np.asarray(x).astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))
