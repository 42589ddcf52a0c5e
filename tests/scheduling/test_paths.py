"""Super-source nearest-server search against brute force Dijkstra from every server."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from orbitcloud.scheduling.paths import (
    best_access,
    isl_graph,
    nearest_server_distances,
    splitmix64,
)


def test_nearest_server_matches_brute_force():
    rng = np.random.default_rng(4)
    n = 60
    a = rng.integers(0, n, 150)
    b = rng.integers(0, n, 150)
    keep = a != b
    a, b = a[keep], b[keep]
    w = rng.uniform(1e5, 2e6, len(a))
    servers = rng.choice(n, 8, replace=False)
    off = rng.uniform(0, 3e6, 8)
    dist, entry = nearest_server_distances(n, a, b, w, servers, off)
    g = csr_array((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n))
    d_all = dijkstra(g, indices=servers) + off[:, None]  # (8, n)
    np.testing.assert_allclose(dist, d_all.min(axis=0), rtol=1e-9)
    reach = np.isfinite(dist)
    np.testing.assert_allclose(d_all[entry[reach], np.flatnonzero(reach)], dist[reach], rtol=1e-9)
    assert (entry[~reach] == -1).all()


def test_best_access_takes_the_cheapest_ground_link():
    dist_sat = np.array([10.0, 1.0, np.inf])
    g = np.array([0, 0, 1, 1])
    s = np.array([0, 1, 1, 2])
    r = np.array([5.0, 20.0, 3.0, 1.0])
    d, acc = best_access(dist_sat, g, s, r, 3)
    np.testing.assert_allclose(d, [15.0, 4.0, np.inf])
    assert acc.tolist() == [0, 1, -1]


def test_splitmix64_is_uniform_enough():
    u = (splitmix64(np.arange(100_000)) >> np.uint64(11)).astype(float) / 2**53
    assert abs(u.mean() - 0.5) < 0.01
    assert abs((u < 0.1).mean() - 0.1) < 0.01


def test_a_shared_isl_graph_gives_the_answer_of_a_fresh_one():
    # one ISL graph reused for several server sets (as within a step), with duplicate links
    # and tied offsets: the same distances and entries as building the graph every time
    rng = np.random.default_rng(18)
    n = 50
    a, b = rng.integers(0, n, 120), rng.integers(0, n, 120)
    w = rng.choice([1e5, 2e5, 3e5], 120)
    graph = isl_graph(n, a, b, w)
    before = (graph.indptr.copy(), graph.indices.copy(), graph.data.copy())
    for _ in range(20):
        servers = rng.integers(0, n, int(rng.integers(1, 12)))
        off = rng.choice([0.0, 1e5, 2e5], len(servers))
        fresh = nearest_server_distances(n, a, b, w, servers, off)
        shared = nearest_server_distances(n, a, b, w, servers, off, graph=graph)
        np.testing.assert_array_equal(shared[0], fresh[0])
        np.testing.assert_array_equal(shared[1], fresh[1])
        g = csr_array((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n))
        d_all = dijkstra(g, indices=servers) + off[:, None]  # brute force, one server at a time
        np.testing.assert_allclose(shared[0], d_all.min(axis=0), rtol=1e-9)
        reach = np.isfinite(shared[0])
        got = d_all[shared[1][reach], np.flatnonzero(reach)]
        np.testing.assert_allclose(got, shared[0][reach], rtol=1e-9)
    for x, y in zip(before, (graph.indptr, graph.indices, graph.data), strict=True):
        np.testing.assert_array_equal(x, y)  # the shared graph is not changed by a search
