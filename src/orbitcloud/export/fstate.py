"""Hypatia's forwarding state of one time step, for every (node, destination ground station).

Reproduces the rules of Hypatia's ``satgenpy`` (Kassing et al., "Exploring the 'Internet from
space' with Hypatia", ACM IMC 2020; ``satgenpy/satgen/dynamic_state/fstate_calculation.py``),
with scipy's Dijkstra instead of networkx's Floyd-Warshall per step (shared/PITFALLS.md: 18 ms
against 6.5 s per step on a 1,584-satellite +Grid):

* ``calculate_fstate_shortest_path_without_gs_relaying`` (``relay=False``; Hypatia's
  ``algorithm_free_one_only_over_isls``): a satellite forwards towards the satellite in range of
  the destination ground station that minimises (ISL path + last GSL); the destination
  satellite hands over to the ground station; a source ground station picks the satellite in
  its range that minimises (first GSL + what that satellite offers). Ground stations never
  relay. Entries: every satellite to every ground station, then every ordered pair of distinct
  ground stations.
* ``calculate_fstate_shortest_path_with_gs_relaying`` (``relay=True``; Hypatia's
  ``algorithm_free_one_only_gs_relays``): shortest paths over satellites and ground stations
  together. Entries: every node to every ground station other than itself.

Interfaces as satgenpy numbers them for one GSL interface per node: a satellite's ISL
interfaces are 0.. in the order its ISLs appear in ``isls.txt``, its GSL interface comes after
them (index = its number of ISLs); a ground station has interface 0. An unreachable destination
is ``(-1, -1, -1)``.

Shortest paths are computed in the reversed graph from each destination ground station, so
one Dijkstra call per step gives every node's distance *to* each destination and, as the
predecessor, its next hop. Where two paths are exactly equally long the next hop may be a
different, equally short one than networkx's (satgenpy breaks such ties by neighbour order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

__all__ = ["IslInterfaces", "forwarding_state"]


@dataclass(frozen=True)
class IslInterfaces:
    """satgenpy's ISL interface numbering for an ``isls.txt`` list.

    ``if_of(a, b)`` is the interface of satellite ``a`` towards ``b``; ``count[s]`` the number
    of ISL interfaces of satellite ``s`` (so its GSL interface is ``count[s]``).
    """

    n_sat: int
    keys: np.ndarray  # sorted a * n_sat + b
    values: np.ndarray
    count: np.ndarray

    @staticmethod
    def from_isls(isls: np.ndarray, n_sat: int) -> IslInterfaces:
        """Number the interfaces as satgenpy's ``generate_dynamic_state_at`` does.

        For each ISL ``(a, b)`` in file order: ``if(a->b) = count[a]``, ``if(b->a) = count[b]``,
        then both counts grow by one.
        """
        isls = np.asarray(isls, dtype=np.int64).reshape(-1, 2)
        # the k-th appearance of a satellite (in file order, a before b) gets interface k
        ends = isls.reshape(-1)  # a0, b0, a1, b1, ...
        order = np.argsort(ends, kind="stable")
        sorted_ends = ends[order]
        first = np.searchsorted(sorted_ends, sorted_ends, side="left")
        rank = np.empty_like(ends)
        rank[order] = np.arange(len(ends)) - first
        if_a, if_b = rank[0::2], rank[1::2]
        a, b = isls[:, 0], isls[:, 1]
        keys = np.concatenate([a * n_sat + b, b * n_sat + a])
        values = np.concatenate([if_a, if_b])
        srt = np.argsort(keys)
        count = np.bincount(ends, minlength=n_sat)
        return IslInterfaces(n_sat, keys[srt], values[srt], count)

    def if_of(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Interface of satellite ``a`` towards satellite ``b`` (-1 where there is no ISL)."""
        k = np.asarray(a, dtype=np.int64) * self.n_sat + np.asarray(b, dtype=np.int64)
        i = np.clip(np.searchsorted(self.keys, k), 0, max(len(self.keys) - 1, 0))
        if len(self.keys) == 0:
            return np.full(k.shape, -1, dtype=np.int64)
        return np.where(self.keys[i] == k, self.values[i], -1)


def _graph(
    n: int, isl: tuple[np.ndarray, np.ndarray, np.ndarray],
    gsl: tuple[np.ndarray, np.ndarray, np.ndarray], relay: bool,
) -> csr_matrix:  # fmt: skip
    """The step's graph, reversed: entry (u, v) is the edge v -> u of the network.

    ISLs both ways; a GSL (g, s) as s -> g (a satellite hands to the ground station) and, with
    ``relay``, also g -> s. Without relaying, ground stations have no outgoing edge, so no path
    runs through one. Parallel entries keep the shortest.
    """
    ia, ib, im = isl
    gg, gs, gm = gsl
    rows = [ia, ib, gg]  # reversed graph: row = head of the network edge
    cols = [ib, ia, gs]
    w = [im, im, gm]
    if relay:
        rows.append(gs)
        cols.append(gg)
        w.append(gm)
    r = np.concatenate(rows).astype(np.int64)
    c = np.concatenate(cols).astype(np.int64)
    d = np.concatenate(w).astype(np.float64)
    key = r * n + c
    order = np.lexsort((d, key))
    key, d = key[order], d[order]
    keep = np.ones(len(key), dtype=bool)
    keep[1:] = key[1:] != key[:-1]
    key, d = key[keep], d[keep]
    return csr_matrix((d, (key // n, key % n)), shape=(n, n))


def forwarding_state(
    n_sat: int,
    n_gs: int,
    isl: tuple[np.ndarray, np.ndarray, np.ndarray],
    gsl: tuple[np.ndarray, np.ndarray, np.ndarray],
    interfaces: IslInterfaces,
    relay: bool = False,
    gsl_if_per_ground_station: bool = False,
) -> np.ndarray:
    """The forwarding state of one step as rows ``(current, destination, next_hop, my_if,
    next_if)``, in satgenpy's order.

    Parameters
    ----------
    n_sat, n_gs : satellites (nodes 0..n_sat-1) and ground stations (nodes n_sat..)
    isl : ``(a, b, length_m)`` of the ISLs up at this step (satellite indices) [-, -, m]
    gsl : ``(ground_station_node, sat, length_m)`` of the ground links in range [-, -, m]
    interfaces : the ISL interface numbering of ``isls.txt``
    relay : ground stations may relay (see the module docstring)
    gsl_if_per_ground_station : a satellite has one GSL interface per ground station (index
        ``ISLs + gid``, satgenpy's ``gid_to_sat_gsl_if_idx = range(n_gs)`` of its "paired many"
        algorithm and its unit tests) instead of one shared by all (index ``ISLs``, the "free
        one" algorithms)

    Returns
    -------
    (k, 5) int64 array, the lines of ``fstate_<t>.txt`` before the "changed only" filter
    """
    n = n_sat + n_gs
    gs_nodes = np.arange(n_sat, n, dtype=np.int64)
    if n_gs == 0:
        return np.empty((0, 5), dtype=np.int64)
    g = _graph(n, isl, gsl, relay)
    dist, pred = dijkstra(g, directed=True, indices=gs_nodes, return_predecessors=True)
    # dist[j, v]: length of the best path v -> ground station j; pred[j, v]: v's next hop
    cur = np.arange(n, dtype=np.int64) if relay else np.arange(n_sat, dtype=np.int64)
    cur_m, dst_m = np.meshgrid(cur, np.arange(n_gs), indexing="ij")  # current-major
    nh = pred[dst_m, cur_m].astype(np.int64)
    ok = np.isfinite(dist[dst_m, cur_m]) & (nh >= 0)
    rows = np.stack([cur_m, dst_m + n_sat, nh, nh, nh], axis=-1).reshape(-1, 5)
    ok = ok.reshape(-1)
    if relay:
        rows = rows[rows[:, 0] != rows[:, 1]]
        ok = ok[(cur_m != dst_m + n_sat).reshape(-1)]
    else:
        rows = np.concatenate([rows, _gs_to_gs(n_sat, n_gs, gsl, dist, interfaces)])
        ok = np.concatenate([ok, np.ones(n_gs * (n_gs - 1), dtype=bool)])
        ok &= rows[:, 2] >= 0
    _set_interfaces(rows, ok, n_sat, interfaces, gsl_if_per_ground_station)
    return rows


def _gs_to_gs(
    n_sat: int, n_gs: int, gsl: tuple[np.ndarray, np.ndarray, np.ndarray], dist: np.ndarray,
    interfaces: IslInterfaces,
) -> np.ndarray:  # fmt: skip
    """Without relaying: ground station s sends to the satellite a in its range minimising
    GSL(s, a) + dist(a -> g); equal sums go to the lower satellite index (satgenpy sorts
    (distance, satellite) tuples)."""
    gg, gs, gm = (np.asarray(x) for x in gsl)
    out = np.full((n_gs, n_gs, 5), -1, dtype=np.int64)
    order = np.lexsort((gs, gg))
    gg, gs, gm = gg[order], gs[order], gm[order]
    bounds = np.searchsorted(gg, np.arange(n_sat, n_sat + n_gs + 1))
    for s in range(n_gs):  # one iteration per ground station, vectorised over satellites
        a = gs[bounds[s] : bounds[s + 1]]
        out[s, :, 0] = n_sat + s
        out[s, :, 1] = n_sat + np.arange(n_gs)
        if len(a):
            cost = gm[bounds[s] : bounds[s + 1], None] + dist[:, a].T  # (|a|, n_gs)
            best = np.argmin(cost, axis=0)  # first minimum: the lowest satellite index
            reach = np.isfinite(cost[best, np.arange(n_gs)])
            out[s, reach, 2] = a[best[reach]]
    keep = ~np.eye(n_gs, dtype=bool)
    return out[keep].reshape(-1, 5)


def _set_interfaces(
    rows: np.ndarray, ok: np.ndarray, n_sat: int, ifs: IslInterfaces, per_gs: bool
) -> None:
    """Fill ``my_if`` and ``next_if`` in place from (current, next hop); -1s where not ok."""
    cur, nh = rows[:, 0].copy(), rows[:, 2].copy()
    rows[~ok, 2:] = -1
    sat_sat = ok & (cur < n_sat) & (nh < n_sat)
    sat_gs = ok & (cur < n_sat) & (nh >= n_sat)
    gs_sat = ok & (cur >= n_sat)
    rows[sat_sat, 3] = ifs.if_of(cur[sat_sat], nh[sat_sat])
    rows[sat_sat, 4] = ifs.if_of(nh[sat_sat], cur[sat_sat])
    rows[sat_gs, 3] = ifs.count[cur[sat_gs]] + ((nh[sat_gs] - n_sat) if per_gs else 0)
    rows[sat_gs, 4] = 0
    rows[gs_sat, 3] = 0
    rows[gs_sat, 4] = ifs.count[nh[gs_sat]] + ((cur[gs_sat] - n_sat) if per_gs else 0)
