"""Collective communication over the ISL graph: all-reduce cost models and their mapping on links.

Closed forms (the alpha-beta model: a message of S bytes between two ranks costs
alpha + S / B; the reduction arithmetic is not counted, gamma = 0):

- ring all-reduce (reduce-scatter then all-gather around a ring of n ranks):
  2 (n - 1) alpha + 2 (n - 1) / n x S / B;
- binomial-tree all-reduce (a binomial-tree reduce then a binomial-tree broadcast of the whole
  vector): 2 ceil(log2 n) (alpha + S / B);
- recursive halving-doubling (Rabenseifner: reduce-scatter by recursive halving, all-gather by
  recursive doubling), n a power of two: 2 log2 n alpha + 2 (n - 1) / n x S / B; for other n
  the ranks above the largest power of two p' first hand their vector to a partner and get the
  result back at the end: + 2 (alpha + S / B);
- 2-D torus (reduce-scatter along rows of nx, all-reduce along columns of ny on S / nx,
  all-gather along rows): 2 (nx - 1) alpha + 2 (nx - 1) / nx x S / Bx
  + 2 (ny - 1) alpha + 2 (ny - 1) / ny x S / (nx By);
- hierarchical (within a satellite of a accelerators, then between satellites): the
  satellite's a shards travel as a parallel rings that share its links, so the inter-satellite
  term is the ring's with the whole vector S (see :func:`hierarchical_allreduce_s`).

On the real graph (:func:`map_schedule`), a collective is a list of phases; in each phase some
member pairs exchange a number of bytes, every transfer routed over the shortest path (hops) of
the ISL graph. Transfers of one phase that cross the same link in the same direction share it:
each gets capacity / (transfers over that link and direction); a transfer runs at its path's
bottleneck, and the phase lasts as long as its slowest transfer (its alpha: the hops x a
per-hop latency plus the path's light time). On a graph where every ring edge is a link of
capacity B this gives the closed forms exactly (tests/network/test_collectives.py, 1e-9).

References
----------
R. Thakur, R. Rabenseifner, W. Gropp, "Optimization of collective communication operations in
MPICH", Int. J. High Perform. Comput. Appl. 19(1) 49-66 (2005), sec. 4.4-4.5 (all-reduce:
recursive doubling, Rabenseifner's reduce-scatter + all-gather, binomial tree) and sec. 3
(the cost model). P. Patarasuk, X. Yuan, "Bandwidth optimal all-reduce algorithms for clusters
of workstations", J. Parallel Distrib. Comput. 69(2) 117-124 (2009) (ring all-reduce is
bandwidth-optimal: 2 (n - 1) / n x S / B). 2-D torus all-reduce: C. Ying et al., "Image
classification at supercomputer scale", arXiv:1811.06992 (2018), sec. 3.3 (TPU v3 pods).
NCCL's bus bandwidth (busbw = algbw x 2 (n - 1) / n for all-reduce): NVIDIA nccl-tests,
doc/PERFORMANCE.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path

C_M_S = 299_792_458.0
"""Speed of light in vacuum [m/s]."""

ALGORITHMS = ("ring", "torus", "halving-doubling", "tree")
"""All-reduce algorithms :func:`allreduce_schedule` maps on the graph."""


# --- closed forms -------------------------------------------------------------------------


def ring_allreduce_s(size_b: float, n: int, bandwidth_bps: float, alpha_s: float) -> float:
    """Ring all-reduce time 2 (n - 1) alpha + 2 (n - 1) / n x S / B [s].

    Parameters
    ----------
    size_b : vector size S [byte]
    n : ranks [1]
    bandwidth_bps : bandwidth of each ring edge, one direction, B [bit/s]
    alpha_s : latency per message [s]

    References
    ----------
    Patarasuk & Yuan, J. Parallel Distrib. Comput. 69(2) 117 (2009); Thakur et al., IJHPCA
    19(1) 49 (2005), sec. 4.5.
    """
    if n <= 1:
        return 0.0
    return 2.0 * (n - 1) * alpha_s + 2.0 * (n - 1) / n * size_b * 8.0 / bandwidth_bps


def tree_allreduce_s(size_b: float, n: int, bandwidth_bps: float, alpha_s: float) -> float:
    """Binomial-tree reduce then broadcast: 2 ceil(log2 n) (alpha + S / B) [s].

    References
    ----------
    Thakur, Rabenseifner & Gropp, IJHPCA 19(1) 49 (2005), sec. 4.3 (binomial reduce:
    ceil(lg p)(alpha + n beta + n gamma)) and 4.1 (binomial broadcast: ceil(lg p)(alpha + n
    beta)), with gamma = 0.
    """
    if n <= 1:
        return 0.0
    return 2.0 * int(np.ceil(np.log2(n))) * (alpha_s + size_b * 8.0 / bandwidth_bps)


def halving_doubling_allreduce_s(
    size_b: float, n: int, bandwidth_bps: float, alpha_s: float
) -> float:
    """Rabenseifner's all-reduce: 2 lg p' alpha + 2 (p' - 1) / p' x S / B [s], p' = 2^floor(lg n).

    When n is not a power of two, the n - p' extra ranks send their vector to a partner first
    and receive the result last: + 2 (alpha + S / B).

    References
    ----------
    Thakur, Rabenseifner & Gropp, IJHPCA 19(1) 49 (2005), sec. 4.5 (eq. for p a power of two,
    and the handling of p not a power of two), gamma = 0.
    """
    if n <= 1:
        return 0.0
    k = int(np.floor(np.log2(n)))
    p2 = 2**k
    t = 2.0 * k * alpha_s + 2.0 * (p2 - 1) / p2 * size_b * 8.0 / bandwidth_bps
    if p2 < n:
        t += 2.0 * (alpha_s + size_b * 8.0 / bandwidth_bps)
    return t


def torus_allreduce_s(
    size_b: float, nx: int, ny: int, bx_bps: float, by_bps: float, alpha_s: float
) -> float:
    """2-D torus all-reduce: rows reduce-scatter, columns all-reduce S / nx, rows all-gather [s].

    2 (nx - 1) (alpha + S / (nx Bx)) + 2 (ny - 1) (alpha + S / (nx ny By)).

    References
    ----------
    Ying et al., arXiv:1811.06992 (2018), sec. 3.3 (2-D gradient summation on the TPU torus).
    """
    t = 0.0
    if nx > 1:
        t += 2.0 * (nx - 1) * (alpha_s + size_b * 8.0 / (nx * bx_bps))
    if ny > 1:
        t += 2.0 * (ny - 1) * (alpha_s + size_b * 8.0 / (nx * ny * by_bps))
    return t


def hierarchical_allreduce_s(
    size_b: float,
    per_node: int,
    intra_bps: float,
    inter_s: float,
    intra_alpha_s: float = 0.0,
) -> float:
    """Within-satellite reduce-scatter and all-gather around an inter-satellite phase [s].

    The a = ``per_node`` accelerators of a satellite reduce-scatter (a ring on their own
    interconnect), the a shards of S / a bytes then cross the ISLs as a parallel rings sharing
    the satellite's links (``inter_s``: the inter-satellite all-reduce of the whole S), and an
    all-gather returns the result: 2 (a - 1) (alpha_intra + S / (a B_intra)) + inter_s.

    References
    ----------
    As NCCL's hierarchical (intra-node then inter-node) rings; J. Sergeev & M. Del Balso,
    "Horovod", arXiv:1802.05799 (2018), and Thakur et al. (2005) for the ring terms.
    """
    a = max(int(per_node), 1)
    if a == 1:
        return inter_s
    return 2.0 * (a - 1) * (intra_alpha_s + size_b * 8.0 / (a * intra_bps)) + inter_s


# --- schedules: which member pairs talk in each phase -------------------------------------


@dataclass(frozen=True)
class Phase:
    """One phase of a collective: transfers that run at the same time.

    Attributes
    ----------
    src, dst : (k,) member positions (0..n-1) of each transfer's ends
    size_b : (k,) bytes each transfer carries [byte]
    repeat : how many identical phases follow each other [1]
    """

    src: np.ndarray
    dst: np.ndarray
    size_b: np.ndarray
    repeat: int = 1


def _ring_phase(groups: list[np.ndarray], size_b: float, repeat: int) -> Phase:
    src = np.concatenate([g for g in groups if len(g) > 1] or [np.zeros(0, np.int64)])
    dst = np.concatenate([np.roll(g, -1) for g in groups if len(g) > 1] or [np.zeros(0, np.int64)])
    return Phase(src, dst, np.full(len(src), size_b), repeat)


def torus_shape(n: int) -> tuple[int, int]:
    """(nx, ny): the most square nx x ny = n factorisation with nx >= ny."""
    ny = int(np.floor(np.sqrt(n)))
    while n % ny:
        ny -= 1
    return n // ny, ny


def allreduce_schedule(algorithm: str, n: int, size_b: float) -> list[Phase]:
    """The phases of an all-reduce of ``size_b`` bytes among members 0..n-1 (in ring order).

    ``ring``: 2 (n - 1) phases, each member sending S / n to the next. ``torus``: members in
    rows of nx (consecutive in ring order, :func:`torus_shape`): 2 (nx - 1) row phases of
    S / nx and 2 (ny - 1) column phases of S / (nx ny). ``halving-doubling``: Rabenseifner
    (partners at distance 2^k, halving then doubling). ``tree``: binomial reduce then
    broadcast of the whole vector.
    """
    if n <= 1:
        return []
    idx = np.arange(n)
    if algorithm == "ring":
        return [_ring_phase([idx], size_b / n, 2 * (n - 1))]
    if algorithm == "torus":
        nx, ny = torus_shape(n)
        grid = idx.reshape(ny, nx)
        out = []
        if nx > 1:
            out.append(_ring_phase(list(grid), size_b / nx, 2 * (nx - 1)))
        if ny > 1:
            out.append(_ring_phase(list(grid.T), size_b / (nx * ny), 2 * (ny - 1)))
        return out
    k = int(np.floor(np.log2(n)))
    p2 = 2**k
    extra = idx[p2:]
    if algorithm == "halving-doubling":
        phases: list[Phase] = []
        if len(extra):
            phases.append(Phase(extra, extra - p2, np.full(len(extra), size_b)))
        core = idx[:p2]
        halving = []
        for j in range(k):  # partners at distance 2^(k-1-j), half the remaining vector each
            d = 2 ** (k - 1 - j)
            halving.append(Phase(core, core ^ d, np.full(p2, size_b / 2 ** (j + 1))))
        phases += halving + halving[::-1]  # recursive doubling mirrors the halving
        if len(extra):
            phases.append(Phase(extra - p2, extra, np.full(len(extra), size_b)))
        return phases
    if algorithm == "tree":
        reduce_ = []
        for j in range(int(np.ceil(np.log2(n)))):  # binomial tree rooted at 0
            d = 2**j
            s = idx[(idx % (2 * d) == d)]
            reduce_.append(Phase(s, s - d, np.full(len(s), size_b)))
        bcast = [Phase(p.dst, p.src, p.size_b) for p in reduce_[::-1]]
        return reduce_ + bcast
    raise ValueError(f"unknown all-reduce algorithm {algorithm!r}; allowed: {ALGORITHMS}")


# --- mapping on the graph -----------------------------------------------------------------


def ring_order(nodes: np.ndarray, hops: np.ndarray) -> np.ndarray:
    """A Hamiltonian-ish ring over ``nodes``: greedy nearest (fewest hops) unvisited next.

    Parameters
    ----------
    nodes : (n,) graph nodes of the members
    hops : (n, n) hop counts between them (inf where not connected)

    Returns
    -------
    (n,) positions into ``nodes`` in ring order, starting at the first.
    """
    n = len(nodes)
    order = np.zeros(n, np.int64)
    seen = np.zeros(n, bool)
    seen[0] = True
    cur = 0
    for i in range(1, n):  # n is a job's satellites (tens to hundreds); cached per topology
        d = np.where(seen, np.inf, hops[cur])
        cur = int(np.argmin(d))  # ties: the lowest position (deterministic)
        order[i] = cur
        seen[cur] = True
    return order


@dataclass(frozen=True)
class Routes:
    """Each transfer of each phase as the node pairs (hops) it crosses, in order of discovery."""

    u: list[np.ndarray]
    """per phase: sending end of every hop of every transfer"""
    v: list[np.ndarray]
    """per phase: receiving end of every hop"""
    owner: list[np.ndarray]
    """per phase: the transfer each hop belongs to"""
    hops: list[np.ndarray]
    """per phase: (k,) hops of each transfer"""


@dataclass(frozen=True)
class CollectiveTime:
    """An all-reduce mapped on the links of one step."""

    time_s: float
    """duration of the all-reduce [s] (inf when members are not connected)"""
    bandwidth_bps: float
    """bus bandwidth 2 (n - 1) / n x S / (time - latency), NCCL's busbw [bit/s]"""
    latency_s: float
    """the latency part: sum over phases of the slowest transfer's alpha [s]"""
    max_share: int
    """most transfers of one phase sharing one link direction [1]"""
    link_s: float = 0.0
    """the part set by ISL capacity (falls as 1 / capacity): bytes / bottleneck summed [s]"""
    link_capacity_bps: float = 0.0
    """capacity of the binding link direction (the bottleneck of the slowest transfer of the
    costliest phase) [bit/s]: the capacity the knee refers to"""


class LinkGraph:
    """The undirected graph of a link set, independent of the order links are listed in.

    Built from the sorted distinct node pairs, so routes and ring orders depend only on which
    links are up. Breadth-first trees (hop distance and predecessor rows) are computed on
    demand per source and kept.
    """

    def __init__(self, isl_a: np.ndarray, isl_b: np.ndarray, n_nodes: int) -> None:
        lo = np.minimum(isl_a, isl_b).astype(np.int64)
        hi = np.maximum(isl_a, isl_b).astype(np.int64)
        self.key = np.unique(lo * n_nodes + hi)
        self.n = n_nodes
        pa, pb = np.divmod(self.key, n_nodes)
        self.g = csr_array(
            (np.ones(2 * len(pa)), (np.concatenate([pa, pb]), np.concatenate([pb, pa]))),
            shape=(n_nodes, n_nodes),
        )
        self.g.sort_indices()
        self._rows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._adj: tuple[list[int], list[int]] | None = None

    @staticmethod
    def key_of(isl_a: np.ndarray, isl_b: np.ndarray, n_nodes: int) -> bytes:
        """The graph's identity: its sorted distinct pairs."""
        lo = np.minimum(isl_a, isl_b).astype(np.int64)
        hi = np.maximum(isl_a, isl_b).astype(np.int64)
        return np.unique(lo * n_nodes + hi).tobytes()

    def has(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Whether a link joins u and v (either way)."""
        if not len(self.key):
            return np.zeros(len(u), bool)
        k = np.minimum(u, v).astype(np.int64) * self.n + np.maximum(u, v)
        i = np.minimum(np.searchsorted(self.key, k), len(self.key) - 1)
        return self.key[i] == k

    def rows(self, src: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(hops, predecessor) rows of the breadth-first trees from nodes ``src``."""
        need = [int(x) for x in dict.fromkeys(src.tolist()) if int(x) not in self._rows]
        if need:
            d, p = shortest_path(self.g, unweighted=True, indices=need, return_predecessors=True)
            for i, x in enumerate(need):
                self._rows[x] = (d[i], p[i])
        if not len(src):
            return np.zeros((0, self.n)), np.zeros((0, self.n), np.int64)
        return (np.stack([self._rows[int(x)][0] for x in src]),
                np.stack([self._rows[int(x)][1] for x in src]))  # fmt: skip

    def adjacency(self) -> tuple[list[int], list[int]]:
        """CSR (indptr, indices) as lists, neighbours in increasing order."""
        if self._adj is None:
            self._adj = (self.g.indptr.tolist(), self.g.indices.tolist())
        return self._adj


def _graph(n_nodes: int, isl_a: np.ndarray, isl_b: np.ndarray) -> csr_array:
    return LinkGraph(isl_a, isl_b, n_nodes).g


@dataclass(frozen=True)
class Mapping:
    """A collective's phases and routes on one link set (reused while the links stay up)."""

    phases: list[Phase]
    routes: Routes
    connected: bool
    n: int
    """members taking part"""
    lookup: _DirectedLinks | None = None
    """directed link ids of the links it was mapped on (when given as arrays)"""


def map_schedule(
    algorithm: str,
    members: np.ndarray,
    size_b: float,
    n_nodes: int,
    isl_a: np.ndarray,
    isl_b: np.ndarray,
) -> Mapping:
    """Order the members in a ring, build the algorithm's phases, route them on the links.

    Parameters
    ----------
    algorithm : one of :data:`ALGORITHMS`
    members : (n,) graph nodes taking part (e.g. satellites)
    size_b : vector size per member [byte]
    n_nodes : nodes of the graph
    isl_a, isl_b : (q,) undirected links
    """
    m = map_on(LinkGraph(isl_a, isl_b, n_nodes), algorithm, members, size_b)
    return Mapping(m.phases, m.routes, m.connected, m.n, _DirectedLinks(isl_a, isl_b, n_nodes))


def map_on(graph: LinkGraph, algorithm: str, members: np.ndarray, size_b: float) -> Mapping:
    """:func:`map_schedule` on a prepared :class:`LinkGraph` (routes as node pairs)."""
    order = greedy_ring(members, graph)
    if order is None:
        return Mapping([], Routes([], [], [], []), False, len(members))
    ordered = members[order]
    phases = allreduce_schedule(algorithm, len(members), size_b)
    return Mapping(phases, _route(phases, ordered, graph), True, len(members))


def greedy_ring(members: np.ndarray, graph: LinkGraph | csr_array) -> np.ndarray | None:
    """A Hamiltonian-ish ring over ``members``: from the first, go to the nearest (fewest hops)
    unvisited member, the lowest position on ties; a direct neighbour when there is one, else
    the breadth-first tree from where the walk is. None when some member cannot be reached.

    Same order as :func:`ring_order` on the hop matrix, without the all-pairs search.
    """
    if not isinstance(graph, LinkGraph):
        a, b = graph.nonzero()
        graph = LinkGraph(a, b, graph.shape[0])
    n = len(members)
    pos = np.full(graph.n, -1, np.int64)
    pos[members] = np.arange(n)
    indptr, nbr = graph.adjacency()
    posl = pos.tolist()
    mem = members.tolist()
    seen = [False] * n
    seen[0] = True
    order = [0]
    cur = 0
    for _ in range(n - 1):  # a job's satellites: tens to hundreds
        node = mem[cur]
        nxt = [posl[q] for q in nbr[indptr[node] : indptr[node + 1]]]
        nxt = [q for q in nxt if q >= 0 and not seen[q]]
        if nxt:
            cur = min(nxt)
        else:
            d = graph.rows(np.array([node]))[0][0][members]
            d[np.asarray(seen)] = np.inf
            cur = int(np.argmin(d))
            if not np.isfinite(d[cur]):
                return None
        seen[cur] = True
        order.append(cur)
    return np.asarray(order, np.int64)


class _DirectedLinks:
    """Directed link id (2 x link + 0 for a->b, + 1 for b->a) of node pairs; the first link
    listed wins when two join the same pair."""

    def __init__(self, isl_a: np.ndarray, isl_b: np.ndarray, n_nodes: int) -> None:
        q = len(isl_a)
        key = np.empty(2 * q, np.int64)
        key[0::2] = isl_a.astype(np.int64) * n_nodes + isl_b
        key[1::2] = isl_b.astype(np.int64) * n_nodes + isl_a
        order = np.argsort(key, kind="stable")  # equal keys keep the lower id first
        self.key = key[order]
        self.id = order
        self.n = n_nodes

    def __call__(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = u.astype(np.int64) * self.n + v
        return self.id[np.searchsorted(self.key, k)]


def _route(phases: list[Phase], ordered: np.ndarray, graph: LinkGraph) -> Routes:
    """Each transfer's hops: the direct link if there is one, else the walk back from its
    destination along the breadth-first tree of its source, all transfers of a phase at once."""
    us, vs, owner, hops = [], [], [], []
    for ph in phases:
        root = ordered[ph.src]
        v = ordered[ph.dst].copy()
        hp = np.zeros(len(root), np.int64)
        direct = graph.has(root, v)
        dl = np.flatnonzero(direct)
        lu, lv, ow = [root[dl]], [v[dl]], [dl]
        hp[dl] = 1
        act = np.flatnonzero(~direct & (v != root))
        if len(act):
            srcs = np.unique(root[act])
            pred = graph.rows(srcs)[1]
            row = np.searchsorted(srcs, root)
        while len(act):
            u = pred[row[act], v[act]]
            lu.append(u)
            lv.append(v[act].copy())
            ow.append(act)
            hp[act] += 1
            v[act] = u
            act = act[u != root[act]]
        us.append(np.concatenate(lu))
        vs.append(np.concatenate(lv))
        owner.append(np.concatenate(ow))
        hops.append(hp)
    return Routes(us, vs, owner, hops)


def collective_time(
    mapping: Mapping,
    capacity_bps: np.ndarray,
    range_m: np.ndarray,
    hop_latency_s: float,
    size_b: float,
    lookup: _DirectedLinks | None = None,
) -> CollectiveTime:
    """Time of a mapped collective on this step's link capacities.

    Each phase lasts max over its transfers of (hops x ``hop_latency_s`` + light time of the
    path + bytes / bottleneck), bottleneck = min over the path's link directions of capacity /
    (the phase's transfers over that direction).

    Parameters
    ----------
    mapping : :func:`map_schedule` on this step's links
    capacity_bps : (q,) capacity per link and direction [bit/s]
    range_m : (q,) link range [m]
    hop_latency_s : per-hop latency (terminal, switching, software) [s]
    size_b : the all-reduced vector [byte] (for the bus bandwidth)
    lookup : directed link ids of this step's link arrays (default: the mapping's own)
    """
    lookup = lookup if lookup is not None else mapping.lookup
    if not mapping.connected:
        return CollectiveTime(np.inf, 0.0, np.inf, 0, np.inf, 0.0)
    if not mapping.phases:
        return CollectiveTime(0.0, np.inf, 0.0, 0, 0.0, 0.0)
    cap2 = np.repeat(np.asarray(capacity_bps, float), 2)
    light2 = np.repeat(np.asarray(range_m, float), 2) / C_M_S
    total = lat_total = 0.0
    share = 0
    worst, cap_ref = -1.0, 0.0
    assert lookup is not None, "collective_time needs the step's link ids"
    r = mapping.routes
    for ph, hu, hv, ow, hp in zip(mapping.phases, r.u, r.v, r.owner, r.hops, strict=True):
        ls = lookup(hu, hv)
        k = len(ph.src)
        load = np.bincount(ls, minlength=len(cap2))
        share = max(share, int(load.max(initial=0)))
        per = cap2[ls] / load[ls]
        bott = np.full(k, np.inf)
        np.minimum.at(bott, ow, per)
        light = np.bincount(ow, weights=light2[ls], minlength=k)
        alpha = hp * hop_latency_s + light
        with np.errstate(divide="ignore"):
            t = np.where(hp > 0, alpha + ph.size_b * 8.0 / bott, 0.0)
        j = int(np.argmax(t))
        total += ph.repeat * float(t[j])
        lat_total += ph.repeat * float(alpha[j])
        if ph.repeat * float(t[j] - alpha[j]) > worst:  # the phase that costs the most
            worst = ph.repeat * float(t[j] - alpha[j])
            mine = ow == j
            cap_ref = float(cap2[ls[mine]][np.argmin(per[mine])]) if mine.any() else 0.0
    n = mapping.n
    bw_t = total - lat_total
    bus = 2.0 * (n - 1) / n * size_b * 8.0 / bw_t if bw_t > 0 else np.inf
    return CollectiveTime(total, bus, lat_total, share, bw_t, cap_ref)


class GraphAllReduce:
    """A job's gradient all-reduce on the ISLs of each step of a chunk (hierarchical).

    :meth:`time` maps the collective on the links up at a step among the satellites chosen
    (:func:`map_schedule`, reused while the links and the satellites stay the same), prices it
    on that step's capacities (:func:`collective_time`) and adds the within-satellite
    reduce-scatter and all-gather (:func:`hierarchical_allreduce_s`).

    Parameters
    ----------
    links : per step, (isl_a, isl_b, capacity_bps per direction, range_m)
    n_nodes : satellites in the run (link ends index 0..n_nodes-1)
    algorithm : one of :data:`ALGORITHMS` (between satellites)
    size_b : gradient bytes per data-parallel replica [byte]
    hop_latency_s : latency per ISL hop [s]
    per_node : accelerators per satellite taking part [1]
    intra_bps : accelerator interconnect within a satellite, per direction [bit/s]
    intra_size_b : bytes each satellite's data-parallel ranks reduce among themselves
        (default ``size_b``; ``size_b`` / tensor-parallel degree when the model is sharded)
    """

    def __init__(
        self,
        links: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
        n_nodes: int,
        algorithm: str,
        size_b: float,
        hop_latency_s: float,
        per_node: int,
        intra_bps: float,
        intra_size_b: float | None = None,
    ) -> None:
        if algorithm not in ALGORITHMS:
            raise ValueError(f"unknown all-reduce algorithm {algorithm!r}; allowed: {ALGORITHMS}")
        self.links = links
        self.n_nodes = n_nodes
        self.algorithm = algorithm
        self.size_b = size_b
        self.hop_latency_s = hop_latency_s
        self.per_node = per_node
        self.intra_bps = intra_bps
        self.intra_size_b = size_b if intra_size_b is None else intra_size_b
        self._graph_key: bytes | None = None
        self._graph: LinkGraph | None = None
        self._maps: dict[bytes, Mapping] = {}

    def time(self, t: int, nodes: np.ndarray) -> CollectiveTime:
        """The all-reduce among satellites ``nodes`` at step ``t`` of the chunk."""
        a, b, cap, rng = self.links[t]
        nodes = np.sort(np.asarray(nodes, np.int64))
        gkey = LinkGraph.key_of(a, b, self.n_nodes)
        if gkey != self._graph_key or self._graph is None:  # a pure function of the link set
            self._graph, self._graph_key, self._maps = LinkGraph(a, b, self.n_nodes), gkey, {}
        mapping = self._maps.get(nodes.tobytes())
        if mapping is None:
            mapping = map_on(self._graph, self.algorithm, nodes, self.size_b)
            self._maps[nodes.tobytes()] = mapping
        lookup = _DirectedLinks(a, b, self.n_nodes)
        inter = collective_time(mapping, cap, rng, self.hop_latency_s, self.size_b, lookup)
        total = hierarchical_allreduce_s(
            self.intra_size_b, self.per_node, self.intra_bps, inter.time_s
        )
        return CollectiveTime(total, inter.bandwidth_bps, inter.latency_s, inter.max_share,
                              inter.link_s, inter.link_capacity_bps)  # fmt: skip

    def steps(self, a: int, b: int) -> GraphAllReduce:
        """The same collective over steps a..b-1."""
        return GraphAllReduce(self.links[a:b], self.n_nodes, self.algorithm, self.size_b,
                              self.hop_latency_s, self.per_node, self.intra_bps,
                              self.intra_size_b)  # fmt: skip


@dataclass(frozen=True)
class TerrestrialPod:
    """A terrestrial training fabric with published interconnect figures (the side-by-side)."""

    name: str
    per_node: int
    """accelerators per node (NVLink / ICI domain) [1]"""
    intra_bps: float
    """accelerator interconnect inside a node, per accelerator and direction [bit/s]"""
    node_bps: float
    """network bandwidth of a node, one direction [bit/s]"""
    alpha_s: float
    """latency per message between nodes [s]"""
    source: str


DGX_H100_POD = TerrestrialPod(
    name="DGX H100 SuperPOD",
    per_node=8,
    intra_bps=450e9 * 8,
    node_bps=8 * 400e9,
    alpha_s=10e-6,
    source=(
        "NVIDIA DGX H100 datasheet: 8 H100 per node, NVLink4 900 GB/s per GPU (450 GB/s each "
        "way), 8 x 400 Gb/s ConnectX-7 (InfiniBand NDR) per node on a non-blocking fat tree "
        "(NVIDIA DGX SuperPOD reference architecture); 10 us per message assumed"
    ),
)
"""The terrestrial pod the training summary compares with."""


def pod_allreduce_s(size_b: float, accelerators: int, pod: TerrestrialPod) -> float:
    """Hierarchical all-reduce of ``size_b`` bytes on a terrestrial pod of ``accelerators`` [s].

    Within nodes over the accelerator interconnect, then a ring over ceil(accelerators /
    per_node) nodes at the node's network bandwidth (a non-blocking fat tree gives every ring
    edge the node's full bandwidth): :func:`hierarchical_allreduce_s` around
    :func:`ring_allreduce_s`.
    """
    per = min(pod.per_node, accelerators)
    nodes = -(-accelerators // pod.per_node)
    inter = ring_allreduce_s(size_b, nodes, pod.node_bps, pod.alpha_s)
    return hierarchical_allreduce_s(size_b, per, pod.intra_bps, inter)
