"""Super-source nearest-server search against brute force Dijkstra from every server."""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from orbitcloud.scheduling.paths import best_access, nearest_server_distances, splitmix64


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
