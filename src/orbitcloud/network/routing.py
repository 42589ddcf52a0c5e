"""Snapshot graphs as sparse arrays, shortest paths by propagation delay, paths and RTTs.

One snapshot per time step: satellites are nodes ``0..n_sat-1``, ground endpoint ``g`` is node
``n_sat + g``. So that a ground endpoint never relays traffic (Hypatia's
``algorithm_free_one_only_over_isls``) the routing graph carries only uplinks out of ground
nodes; a destination endpoint is then reached by one vectorised step over its ground links
(best satellite in view + downlink). With ``relay_via_ground`` downlinks join the graph and
endpoints may relay. The capacity graph (max-flow, allocation) gives each endpoint a separate
sending copy ``n_sat + n_ground + g`` instead, so that flows cannot pass through it either.

Shortest paths come from ``scipy.sparse.csgraph.dijkstra`` run from the nodes that start a
requested route only (never all pairs, never a networkx graph per step).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra, maximum_flow

C_M_S = 299_792_458.0
"""Speed of light in vacuum [m/s]; Hypatia's RTT = 2 x path length / c."""

_HASH_W = np.random.default_rng(20201027).integers(1, 2**63 - 1, size=512, dtype=np.int64) | 1
"""Fixed odd weights for path hashes (path-change detection); not a simulation random draw."""


@dataclass
class Snapshot:
    """The links of one time step.

    Attributes
    ----------
    n_sat, n_ground : node counts
    isl_a, isl_b : (m,) satellite ends of each ISL (undirected)
    isl_range_m, isl_capacity_bps : (m,) per ISL (capacity per direction)
    gsl_ground, gsl_sat : (q,) ground index and satellite of each ground link
    gsl_range_m, gsl_capacity_bps : (q,) per ground link (capacity per direction)
    """

    n_sat: int
    n_ground: int
    isl_a: np.ndarray
    isl_b: np.ndarray
    isl_range_m: np.ndarray
    isl_capacity_bps: np.ndarray
    gsl_ground: np.ndarray
    gsl_sat: np.ndarray
    gsl_range_m: np.ndarray
    gsl_capacity_bps: np.ndarray
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n_nodes(self) -> int:
        """Nodes users see: satellites then ground endpoints."""
        return self.n_sat + self.n_ground

    def directed_links(self, relay_via_ground: bool) -> tuple[np.ndarray, ...]:
        """Directed links of the routing graph: (u, v, range_m, capacity_bps, kind, link_id).

        ``kind`` is 0 for ISL, 1 for ground->satellite, 2 for satellite->ground; ``link_id``
        indexes the undirected ISLs (kind 0) or ground links (kinds 1, 2).
        """
        key = ("links", relay_via_ground)
        if key in self._cache:
            return self._cache[key]
        ns, ng = self.n_sat, self.n_ground
        gsink = ns + self.gsl_ground
        gsrc = gsink if relay_via_ground else ns + ng + self.gsl_ground
        m, q = len(self.isl_a), len(self.gsl_ground)
        u = np.concatenate([self.isl_a, self.isl_b, gsrc, self.gsl_sat])
        v = np.concatenate([self.isl_b, self.isl_a, self.gsl_sat, gsink])
        rng = np.concatenate(
            [self.isl_range_m, self.isl_range_m, self.gsl_range_m, self.gsl_range_m]
        )
        cap = np.concatenate([self.isl_capacity_bps, self.isl_capacity_bps,
                              self.gsl_capacity_bps, self.gsl_capacity_bps])  # fmt: skip
        kind = np.concatenate(
            [np.zeros(2 * m, np.int8), np.ones(q, np.int8), np.full(q, 2, np.int8)]
        )
        lid = np.concatenate([np.arange(m), np.arange(m), np.arange(q), np.arange(q)])
        out = (u.astype(np.int64), v.astype(np.int64), rng, cap, kind, lid)
        self._cache[key] = out
        return out

    def graph_nodes(self, relay_via_ground: bool) -> int:
        """Node count of the capacity graph (with source copies when not relaying)."""
        return self.n_sat + self.n_ground * (1 if relay_via_ground else 2)

    def source_node(self, g: np.ndarray, relay_via_ground: bool) -> np.ndarray:
        """Capacity-graph node from which ground endpoints ``g`` send."""
        g = np.asarray(g, dtype=np.int64)
        return self.n_sat + g + (0 if relay_via_ground else self.n_ground)

    def graph(self, relay_via_ground: bool) -> csr_array:
        """Sparse routing graph over user node ids, weights = link range [m].

        ISLs both ways and uplinks (ground -> satellite); downlinks (satellite -> ground) only
        with ``relay_via_ground``. Without them no path can pass through a ground endpoint;
        destinations are reached through :meth:`shortest_from_ground`'s ground-link step.
        """
        key = ("graph", relay_via_ground)
        if key not in self._cache:
            ns = self.n_sat
            parts_u = [self.isl_a, self.isl_b, ns + self.gsl_ground]
            parts_v = [self.isl_b, self.isl_a, self.gsl_sat]
            parts_w = [self.isl_range_m, self.isl_range_m, self.gsl_range_m]
            if relay_via_ground:
                parts_u.append(self.gsl_sat)
                parts_v.append(ns + self.gsl_ground)
                parts_w.append(self.gsl_range_m)
            n = self.n_nodes
            self._cache[key] = csr_array(
                (np.concatenate(parts_w), (np.concatenate(parts_u), np.concatenate(parts_v))),
                shape=(n, n),
            )
        return self._cache[key]

    def shortest_from_ground(
        self, sources: np.ndarray, relay_via_ground: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dijkstra from ground endpoints ``sources``: (distance [m], predecessor) arrays.

        Both are ``(len(sources), n_sat + n_ground)`` over user node ids; unreachable nodes have
        ``inf`` / -9999. A ground endpoint's distance is its best downlink:
        min over its ground links (h, s) of dist[s] + range(h, s), and its predecessor that
        satellite (the source itself keeps 0). Cached per (sources, relay).
        """
        src = np.asarray(sources, dtype=np.int64)
        return self.shortest_from_nodes(self.n_sat + src, relay_via_ground)

    def shortest_from_nodes(
        self, nodes: np.ndarray, relay_via_ground: bool, warm: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`shortest_from_ground`, from any nodes (satellites or ground endpoints).

        ``warm``: the raw predecessor array of the previous step for the same sources (see
        :func:`tree_distances`); rows whose old tree is still a shortest-path tree skip
        Dijkstra. The raw result is kept in ``self.raw_pred`` and the number of sources
        recomputed in ``self.recomputed``.
        """
        nodes = np.asarray(nodes, dtype=np.int64)
        key = ("dij", relay_via_ground, nodes.tobytes())
        if key not in self._cache:
            d, p = self._raw_shortest(nodes, relay_via_ground, warm)
            self.raw_pred = p.copy()
            self.reach_ground(d, p, nodes)
            self._cache[key] = (d, p)
        return self._cache[key]

    def reach_ground(self, d: np.ndarray, p: np.ndarray, nodes: np.ndarray) -> None:
        """Set the ground columns of Dijkstra rows from ``nodes`` in place: each endpoint's
        best downlink (min over its ground links (h, s) of d[s] + range, the first such link on
        a tie) and, as predecessor, that satellite; each row's own node gets 0 / -9999."""
        q = len(self.gsl_ground)
        if q:
            g = self.gsl_ground
            starts = np.r_[0, np.flatnonzero(np.diff(g)) + 1]
            vals = d[:, self.gsl_sat] + self.gsl_range_m[None, :]
            best = np.minimum.reduceat(vals, starts, axis=1)
            grp = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, q]))
            cand = np.where(vals == best[:, grp], np.arange(q)[None, :], q)
            first = np.minimum.reduceat(cand, starts, axis=1)
            cols = self.n_sat + g[starts]
            ok = np.isfinite(best)
            sat = self.gsl_sat[np.minimum(first, q - 1)]
            d[:, cols] = np.where(ok, best, np.inf)
            p[:, cols] = np.where(ok, sat, -9999)
        rows = np.arange(len(nodes))
        d[rows, nodes] = 0.0
        p[rows, nodes] = -9999

    def _edge_index(self, relay_via_ground: bool) -> tuple[np.ndarray, ...]:
        """Directed edges of the routing graph: sorted keys u*n+v, weights, u, v."""
        key = ("edges", relay_via_ground)
        if key not in self._cache:
            g = self.graph(relay_via_ground)
            n = g.shape[0]
            u = np.repeat(np.arange(n), np.diff(g.indptr))
            v = g.indices.astype(np.int64)
            keys = u * n + v
            o = np.argsort(keys)
            self._cache[key] = (keys[o], g.data[o], u[o], v[o])
        return self._cache[key]

    def _raw_shortest(
        self, nodes: np.ndarray, relay: bool, warm: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        g = self.graph(relay)
        n = g.shape[0]
        self.recomputed = len(nodes)
        if warm is None or warm.shape != (len(nodes), n):
            d, p = dijkstra(g, directed=True, indices=nodes, return_predecessors=True)
            return np.atleast_2d(d), np.atleast_2d(p)
        skeys, sw, eu, ev = self._edge_index(relay)
        d = tree_distances(warm, nodes, skeys, sw, n)
        # certificate: a tree is a shortest-path tree iff no link can shorten it
        dv = d[:, ev]
        with np.errstate(invalid="ignore"):
            slack = d[:, eu] + sw[None, :] - dv
            tol = 1e-6 + 1e-12 * np.where(np.isfinite(dv), dv, 0.0)  # [m], rounding only
            bad = (slack < -tol).any(axis=1)
        p = warm.copy()
        p[~np.isfinite(d)] = -9999
        if bad.any():
            d2, p2 = dijkstra(g, directed=True, indices=nodes[bad], return_predecessors=True)
            d[bad] = d2
            p[bad] = p2
        self.recomputed = int(bad.sum())
        return d, p


def tree_distances(
    pred: np.ndarray, roots: np.ndarray, edge_keys: np.ndarray, edge_w: np.ndarray, n: int
) -> np.ndarray:
    """Distances along given shortest-path trees with the current link lengths [m].

    Pointer jumping (parallel prefix sums up the tree, log2(depth) rounds): each node adds its
    parent's accumulated length and jumps to its grandparent. A tree link that no longer exists
    makes its subtree ``inf`` (and the certificate then sends the row back to Dijkstra if the
    subtree is still reachable).

    Parameters
    ----------
    pred : (n_src, n) predecessors (negative: none), one tree per row
    roots : (n_src,) root node of each row
    edge_keys, edge_w : sorted keys ``u * n + v`` of the current directed links, their lengths
    n : node count

    References
    ----------
    J. JaJa, *An Introduction to Parallel Algorithms* (1992), sec. 3.1 (pointer jumping);
    the optimality certificate d[v] <= d[u] + w(u, v) for every link: Ahuja, Magnanti &
    Orlin, *Network Flows* (1993), Theorem 5.1.
    """
    n_src = pred.shape[0]
    idx = np.arange(n)
    orphan = pred < 0
    par = np.where(orphan, idx[None, :], pred).astype(np.int64)
    q = (par * n + idx[None, :]).ravel()
    if len(edge_keys):
        pos = np.minimum(np.searchsorted(edge_keys, q), len(edge_keys) - 1)
        acc = np.where(edge_keys[pos] == q, edge_w[pos], np.inf).reshape(n_src, n)
    else:
        acc = np.full((n_src, n), np.inf)
    rows = np.arange(n_src)
    acc[orphan] = np.inf
    acc[rows, roots] = 0.0
    par[rows, roots] = roots
    flat_p = (par + (rows * n)[:, None]).ravel()
    a = acc.ravel()
    for _ in range(64):
        pp = flat_p[flat_p]
        if np.array_equal(pp, flat_p):
            break
        a = a + a[flat_p]
        flat_p = pp
    return a.reshape(n_src, n)


@dataclass
class Routes:
    """Shortest routes of requested ground pairs at one step.

    Attributes
    ----------
    length_m : (P,) path length [m] (inf when unreachable)
    hops : (P,) links on the path (0 when unreachable)
    path_values, path_offsets : CSR-style node lists (user node ids, ground ``n_sat + g``);
        pair p's path is ``path_values[path_offsets[p]:path_offsets[p+1]]``
    path_hash : (P,) int64 hash of each path (0 when unreachable), for change detection
    """

    length_m: np.ndarray
    hops: np.ndarray
    path_values: np.ndarray
    path_offsets: np.ndarray
    path_hash: np.ndarray

    @property
    def reachable(self) -> np.ndarray:
        return np.isfinite(self.length_m)

    @property
    def rtt_s(self) -> np.ndarray:
        """Round-trip time 2 L / c [s] (inf when unreachable)."""
        return 2.0 * self.length_m / C_M_S


def extract_paths(
    pred: np.ndarray, rows: np.ndarray, targets: np.ndarray, reachable: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk predecessor arrays back from ``targets`` for all pairs at once (vectorised).

    Parameters
    ----------
    pred : (n_src, n_node) predecessors from dijkstra (negative: none)
    rows : (P,) row of ``pred`` for each pair
    targets : (P,) target node of each pair
    reachable : (P,) bool

    Returns
    -------
    values, offsets : node sequences source -> target (int32), CSR-style
    path_hash : (P,) int64 hash of each node sequence (0 when unreachable)
    """
    n_pairs = len(targets)
    n_node = pred.shape[1]
    ext = np.empty((pred.shape[0], n_node + 1), dtype=np.int32)  # column n_node: "done"
    ext[:, :n_node] = pred
    ext[ext < 0] = n_node
    ext[:, n_node] = n_node
    flat = ext.ravel()
    base = np.asarray(rows, dtype=np.int64) * (n_node + 1)
    cur = np.where(reachable, targets, n_node).astype(np.int32)
    trail = [cur]
    h = np.zeros(n_pairs, dtype=np.int64)
    k = 0
    with np.errstate(over="ignore"):
        while True:  # a finished walk (cur == n_node) adds nothing: a hash is its path's own
            h += np.where(cur != n_node, (cur.astype(np.int64) + 2) * _HASH_W[k % len(_HASH_W)], 0)
            k += 1
            cur = flat[base + cur]
            if (cur == n_node).all():
                break
            trail.append(cur)
    back = np.stack(trail, axis=1)  # (P, L): target first, n_node after the source
    lengths = (back != n_node).sum(axis=1)
    offsets = np.zeros(n_pairs + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    owner = np.repeat(np.arange(n_pairs), lengths)
    pos = np.arange(total) - offsets[:-1][owner]
    values = back[owner, lengths[owner] - 1 - pos]
    return values, offsets, np.where(reachable, h, 0)


def route_pairs(
    snap: Snapshot,
    src: np.ndarray,
    dst: np.ndarray,
    relay_via_ground: bool,
    warm: np.ndarray | None = None,
) -> Routes:
    """Shortest paths by propagation delay between ground endpoint pairs at one step.

    Dijkstra runs from the distinct sources only; each pair then reads its destination's
    distance and walks the predecessors back. With ``warm`` (the previous step's
    ``snap.raw_pred`` for the same sources) sources whose previous tree is still optimal skip
    Dijkstra (:func:`tree_distances` and its certificate); the result is the same.

    Parameters
    ----------
    snap : the step's snapshot
    src, dst : (P,) ground endpoint indices

    Returns
    -------
    Routes with paths as user node ids (ground endpoint g -> ``n_sat + g``).
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    uniq, rows = np.unique(src, return_inverse=True)
    dist, pred = snap.shortest_from_nodes(snap.n_sat + uniq, relay_via_ground, warm)
    target = snap.n_sat + dst
    reach = np.isfinite(dist[rows, target])
    values, offsets, h = extract_paths(pred, rows, target, reach)
    hops = np.maximum(np.diff(offsets) - 1, 0)
    length = path_lengths_m(snap, values, offsets, reach)
    return Routes(length, hops, values.astype(np.int32), offsets, h)


def path_lengths_m(
    snap: Snapshot, values: np.ndarray, offsets: np.ndarray, reachable: np.ndarray
) -> np.ndarray:
    """Length of each path [m], summed link by link from its source, for all paths at once.

    The sum runs in the order Dijkstra accumulates it (``d[v] = d[u] + w(u, v)`` from the
    source), so a path's length is the same float whether its tree came from Dijkstra or from a
    warm start (:func:`tree_distances` adds in another order, which differs in the last bits):
    routes then do not depend on which steps were warm-started, i.e. on chunking or workers.

    Parameters
    ----------
    snap : the step's snapshot
    values, offsets : node paths (user node ids), CSR-style, as from :func:`extract_paths`
    reachable : (P,) bool; unreachable paths get ``inf``
    """
    ns, n = snap.n_sat, snap.n_nodes
    gnd = ns + snap.gsl_ground
    u = np.concatenate([snap.isl_a, snap.isl_b, gnd, snap.gsl_sat]).astype(np.int64)
    v = np.concatenate([snap.isl_b, snap.isl_a, snap.gsl_sat, gnd]).astype(np.int64)
    w = np.concatenate([snap.isl_range_m, snap.isl_range_m, snap.gsl_range_m, snap.gsl_range_m])
    keys = u * n + v
    o = np.argsort(keys, kind="stable")
    keys, w = keys[o], w[o]
    lens = np.diff(offsets)
    start = offsets[:-1]
    out = np.zeros(len(lens))
    for h in range(1, int(lens.max(initial=0))):
        sel = np.flatnonzero(lens > h)
        a = values[start[sel] + h - 1].astype(np.int64)
        b = values[start[sel] + h].astype(np.int64)
        pos = np.minimum(np.searchsorted(keys, a * n + b), len(keys) - 1)
        out[sel] = out[sel] + np.where(keys[pos] == a * n + b, w[pos], np.inf)
    return np.where(reachable, out, np.inf)


def path_length_m(snap: Snapshot, path: np.ndarray, relay_via_ground: bool = True) -> float:
    """Sum of the ranges of the links along a node path (user node ids) [m]; inf if broken."""
    u, v, rng, *_ = snap.directed_links(True)
    n = snap.n_sat + snap.n_ground
    keys = u * n + v
    order = np.argsort(keys)
    path = np.asarray(path, dtype=np.int64)
    want = path[:-1] * n + path[1:]
    pos = np.searchsorted(keys[order], want)
    pos = np.minimum(pos, len(order) - 1)
    ok = keys[order][pos] == want
    if not ok.all():
        return float("inf")
    return float(rng[order][pos].sum())


# ---------------------------------------------------------------------------------------------
# capacity


def max_flow_bound_bps(
    snap: Snapshot,
    src: np.ndarray,
    dst: np.ndarray,
    demand_bps: np.ndarray,
    relay_via_ground: bool,
    unit_bps: float | None = None,
) -> float:
    """Upper bound on the total throughput of a traffic matrix [bit/s] (one max-flow).

    Every commodity's flow runs from its source endpoint to its destination endpoint, so the
    merged flow is a feasible single-commodity flow from a super-source (linked to each source
    with its total offered demand) to a super-sink (linked from each destination with its total
    demand): the maximum of that flow bounds the multi-commodity throughput from above.
    Capacities are scaled to integers (``unit_bps``, default chosen so the largest fits int32).

    References
    ----------
    Ahuja, Magnanti & Orlin, *Network Flows* (1993), ch. 17 (multicommodity flow bounds);
    ``scipy.sparse.csgraph.maximum_flow`` (Dinic's algorithm).
    """
    u, v, _, cap, *_ = snap.directed_links(relay_via_ground)
    n = snap.graph_nodes(relay_via_ground)
    s_node, t_node = n, n + 1
    src_out = snap.source_node(src, relay_via_ground)
    dst_in = snap.n_sat + np.asarray(dst, dtype=np.int64)
    d_src = np.bincount(np.searchsorted(np.unique(src_out), src_out), weights=demand_bps)
    d_dst = np.bincount(np.searchsorted(np.unique(dst_in), dst_in), weights=demand_bps)
    uu = np.concatenate([u, np.full(len(d_src), s_node), np.unique(dst_in)])
    vv = np.concatenate([v, np.unique(src_out), np.full(len(d_dst), t_node)])
    cc = np.concatenate([cap, d_src, d_dst])
    if unit_bps is None:
        unit_bps = max(1.0, float(cc.max(initial=1.0)) / 2.0e9, float(cc.sum()) / 2.0e9)
    ci = np.floor(cc / unit_bps).astype(np.int32)
    keep = (ci > 0) & (uu != vv)
    g = csr_array((ci[keep], (uu[keep], vv[keep])), shape=(n + 2, n + 2))
    g.sum_duplicates()
    return float(maximum_flow(g, s_node, t_node).flow_value) * unit_bps


def pair_max_flow_bps(
    snap: Snapshot, s: int, t: int, relay_via_ground: bool, unit_bps: float | None = None
) -> float:
    """Maximum flow from endpoint ``s`` to endpoint ``t`` alone [bit/s] (single commodity)."""
    total = float(snap.isl_capacity_bps.sum() + snap.gsl_capacity_bps.sum())  # > any flow
    return max_flow_bound_bps(snap, np.array([s]), np.array([t]), np.array([total]),
                              relay_via_ground, unit_bps)  # fmt: skip


def allocate_shortest_paths(
    snap: Snapshot,
    routes: Routes,
    src: np.ndarray,
    demand_bps: np.ndarray,
    relay_via_ground: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Max-min fair rates for flows pinned to their shortest paths, within link capacities.

    Progressive filling (water filling): all unfrozen flows grow at the same rate until a link
    saturates or a flow meets its demand; flows through a saturated link freeze. Each direction
    of a link has its own capacity.

    Parameters
    ----------
    snap : the step's snapshot
    routes : shortest routes of the flows (:func:`route_pairs`)
    src : (F,) source endpoint of each flow (the path's first node is the source)
    demand_bps : (F,) offered load [bit/s]

    Returns
    -------
    rate_bps : (F,) allocated rate (0 for unreachable flows)
    load_bps : (n_directed_links,) carried load per directed link (order of
        :meth:`Snapshot.directed_links`)
    bottleneck : (n_directed_links,) bool, saturated links that limit some flow

    References
    ----------
    D. Bertsekas & R. Gallager, *Data Networks*, 2nd ed. (1992), sec. 6.5.2 (max-min fairness,
    progressive filling).
    """
    u, v, _, cap, *_ = snap.directed_links(relay_via_ground)
    n_link = len(u)
    n_user = snap.n_sat + snap.n_ground
    n_g = snap.graph_nodes(relay_via_ground)
    keys = u * n_g + v
    order = np.argsort(keys, kind="stable")
    skeys = keys[order]
    counts = np.diff(routes.path_offsets)
    flow_of = np.repeat(np.arange(len(counts)), counts)
    vals = routes.path_values.astype(np.int64)
    first = np.zeros(len(vals), dtype=bool)
    first[routes.path_offsets[:-1][counts > 0]] = True
    # the first hop leaves the source copy when ground stations do not relay
    a = vals[:-1].copy()
    b = vals[1:]
    same = flow_of[:-1] == flow_of[1:]
    if not relay_via_ground:
        a = np.where(first[:-1], a + snap.n_ground * (a >= snap.n_sat), a)
    a, b, fl = a[same], b[same], flow_of[:-1][same]
    want = a * n_g + b
    pos = (
        np.clip(np.searchsorted(skeys, want), 0, len(skeys) - 1) if len(skeys) else np.zeros(0, int)
    )
    hit = skeys[pos] == want if len(skeys) else np.zeros(0, bool)
    link = order[pos[hit]]
    fl = fl[hit]
    del n_user
    n_flow = len(counts)
    rate = np.zeros(n_flow)
    demand = np.asarray(demand_bps, dtype=float)
    active = routes.reachable & (demand > 0)
    residual = cap.astype(float).copy()
    bottleneck = np.zeros(n_link, dtype=bool)
    eps = 1e-9
    for _ in range(10 * n_flow + 10):
        if not active.any():
            break
        act_e = active[fl]
        n_act = np.bincount(link[act_e], minlength=n_link)
        share = np.where(n_act > 0, residual / np.maximum(n_act, 1), np.inf)
        delta = min(float(share[n_act > 0].min(initial=np.inf)),
                    float((demand - rate)[active].min(initial=np.inf)))  # fmt: skip
        if not np.isfinite(delta):  # flows without links (cannot happen for ground pairs)
            rate[active] = demand[active]
            break
        rate[active] += delta
        residual -= delta * n_act
        sat_link = (n_act > 0) & (residual <= eps * np.maximum(cap, 1.0))
        bottleneck |= sat_link
        frozen = np.zeros(n_flow, dtype=bool)
        frozen[fl[sat_link[link]]] = True
        frozen |= rate >= demand * (1 - 1e-12)
        active &= ~frozen
    load = np.bincount(link, weights=rate[fl], minlength=n_link)
    return rate, load, bottleneck
