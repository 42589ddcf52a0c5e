"""ISL topology rules: +Grid, nearest-k (terminal-limited matching), mesh, links between shells.

Edges are ``(n_edge, 2)`` int arrays of satellite indices with ``a < b``. The +Grid is fixed;
nearest-k, mesh and inter-shell links are re-chosen at every step from the positions, keeping a
link while it stays valid (a terminal that holds a link is not re-pointed needlessly).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def plus_grid_edges(
    plane: np.ndarray, slot: np.ndarray, planes: int, sats_per_plane: int, shift: int = 0
) -> np.ndarray:
    """+Grid ISLs: each satellite links to (plane i, slot j+1) and (plane i+1, slot j+shift).

    Parameters
    ----------
    plane, slot : (n,) plane and slot of each satellite of one shell (dense 0..p-1, 0..s-1)
    planes, sats_per_plane : shell size
    shift : inter-plane slot shift (Hypatia's ``isl_shift``; 0 for Hypatia's shells)

    Returns
    -------
    edges : (n_edge, 2) int64 satellite indices into the given arrays, a < b, unique

    References
    ----------
    Hypatia ``satgenpy/satgen/isls/generate_plus_grid_isls.py``; Kassing et al., IMC 2020.
    """
    index = np.full((planes, sats_per_plane), -1, dtype=np.int64)
    index[plane, slot] = np.arange(len(plane))
    p = np.repeat(np.arange(planes), sats_per_plane)
    s = np.tile(np.arange(sats_per_plane), planes)
    me = index[p, s]
    intra = index[p, (s + 1) % sats_per_plane]
    inter = index[(p + 1) % planes, (s + shift) % sats_per_plane]
    e = np.concatenate([np.stack([me, intra], 1), np.stack([me, inter], 1)])
    e = e[(e[:, 0] >= 0) & (e[:, 1] >= 0) & (e[:, 0] != e[:, 1])]
    e.sort(axis=1)
    return np.unique(e, axis=0)


def greedy_b_matching(
    a: np.ndarray, b: np.ndarray, key: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Greedy b-matching: take candidate edges by increasing key while both ends have a free
    terminal. Vectorised; returns the same set as the sequential greedy.

    In each round an edge is accepted when it ranks within the free capacity of *both* its ends
    among their remaining candidates (a "locally dominant" edge): the sequential greedy accepts
    every such edge, so all are taken at once; saturated ends then drop their other candidates.
    Rounds repeat until no candidate is left (typically a handful).

    Parameters
    ----------
    a, b : (m,) candidate edge ends (node indices)
    key : (m,) priority, smaller first (e.g. length); ties broken by candidate order
    capacity : (n_node,) terminals free at each node

    Returns
    -------
    chosen : (m,) bool, the accepted candidates

    References
    ----------
    R. Preis, "Linear time 1/2-approximation algorithm for maximum weighted matching in general
    graphs", STACS 1999 (locally dominant edges); the b-matching extension is the same argument.
    """
    m = len(a)
    chosen = np.zeros(m, dtype=bool)
    if m == 0:
        return chosen
    order = np.lexsort((np.arange(m), key))
    a = np.asarray(a)[order]
    b = np.asarray(b)[order]
    cap = np.asarray(capacity, dtype=np.int64).copy()
    alive = (cap[a] > 0) & (cap[b] > 0) & (a != b)
    idx = np.arange(m)
    while alive.any():
        live = idx[alive]
        ends = np.concatenate([a[live], b[live]])
        pos = np.concatenate([live, live])
        o = np.lexsort((pos, ends))
        ends_s = ends[o]
        start = np.r_[0, np.flatnonzero(np.diff(ends_s)) + 1]
        counts = np.diff(np.r_[start, len(ends_s)])
        rank_s = np.arange(len(ends_s)) - np.repeat(start, counts)
        rank = np.empty_like(rank_s)
        rank[o] = rank_s
        ok_end = rank < cap[ends]
        n_live = len(live)
        take = ok_end[:n_live] & ok_end[n_live:]
        taken = live[take]
        if len(taken) == 0:  # pragma: no cover - the first live edge of each end always ranks 0
            break
        chosen[taken] = True
        np.subtract.at(cap, a[taken], 1)
        np.subtract.at(cap, b[taken], 1)
        alive[taken] = False
        alive &= (cap[a] > 0) & (cap[b] > 0)
    out = np.zeros(m, dtype=bool)
    out[order] = chosen
    return out


def knn_candidates(
    r: np.ndarray, k: int, max_range_m: float, valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs: each point's ``k`` nearest neighbours within ``max_range_m``.

    Parameters
    ----------
    r : (n, 3) positions [m]
    k : neighbours per point
    max_range_m : range limit [m]
    valid : (n,) bool, points that may link (default all finite)

    Returns
    -------
    a, b, d : candidate ends (a < b, unique) and their distance [m]
    """
    n = len(r)
    ok = np.isfinite(r).all(axis=1) if valid is None else valid & np.isfinite(r).all(axis=1)
    ids = np.flatnonzero(ok)
    if len(ids) < 2:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    tree = cKDTree(r[ids])
    kk = min(k + 1, len(ids))
    d, j = tree.query(r[ids], k=kk, distance_upper_bound=max_range_m)
    a = np.repeat(ids, kk).reshape(len(ids), kk)
    found = np.isfinite(d) & (j < len(ids))
    bj = ids[np.where(found, j, 0)]
    a, b, d = a[found], bj[found], d[found]
    keep = a != b
    a, b, d = a[keep], b[keep], d[keep]
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    key = lo * n + hi
    _, first = np.unique(key, return_index=True)
    return lo[first], hi[first], d[first]


def radius_candidates(
    r: np.ndarray, radius_m: float, valid: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs within ``radius_m`` (a < b) and their distance [m] (formation mesh)."""
    ok = np.isfinite(r).all(axis=1) if valid is None else valid & np.isfinite(r).all(axis=1)
    ids = np.flatnonzero(ok)
    if len(ids) < 2:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    pairs = cKDTree(r[ids]).query_pairs(radius_m, output_type="ndarray")
    a = ids[pairs[:, 0]]
    b = ids[pairs[:, 1]]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    d = np.linalg.norm(r[lo] - r[hi], axis=1)
    return lo, hi, d


def bipartite_candidates(
    r: np.ndarray, set_a: np.ndarray, set_b: np.ndarray, k: int, max_range_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate links between two satellite sets: each of A's k nearest in B, and B's in A."""
    fin = np.isfinite(r).all(axis=1)
    sa = set_a[fin[set_a]]
    sb = set_b[fin[set_b]]
    out_a, out_b, out_d = [], [], []
    n = len(r)
    for src, dst in ((sa, sb), (sb, sa)):
        if len(src) == 0 or len(dst) == 0:
            continue
        kk = min(k, len(dst))
        d, j = cKDTree(r[dst]).query(r[src], k=kk, distance_upper_bound=max_range_m)
        d = d.reshape(len(src), kk)
        j = j.reshape(len(src), kk)
        found = np.isfinite(d)
        out_a.append(np.repeat(src, kk).reshape(len(src), kk)[found])
        out_b.append(dst[np.where(found, j, 0)][found])
        out_d.append(d[found])
    if not out_a:
        e = np.zeros(0, dtype=np.int64)
        return e, e, np.zeros(0)
    a = np.concatenate(out_a)
    b = np.concatenate(out_b)
    d = np.concatenate(out_d)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    _, first = np.unique(lo * n + hi, return_index=True)
    return lo[first], hi[first], d[first]


def edge_keys(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """A unique int64 key per undirected edge (a < b)."""
    return np.asarray(a, dtype=np.int64) * n + np.asarray(b, dtype=np.int64)
