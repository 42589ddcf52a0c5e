"""Snapshot graphs, shortest paths, path extraction, capacity (against networkx in tests)."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.network.routing import (
    C_M_S,
    Snapshot,
    allocate_shortest_paths,
    max_flow_bound_bps,
    pair_max_flow_bps,
    path_length_m,
    route_pairs,
)


def random_snapshot(seed: int, n_sat: int = 30, n_ground: int = 5, p_isl: float = 0.15):
    rng = np.random.default_rng(seed)
    iu = np.triu_indices(n_sat, 1)
    keep = rng.random(len(iu[0])) < p_isl
    a, b = iu[0][keep], iu[1][keep]
    g = np.repeat(np.arange(n_ground), 3)
    s = rng.integers(0, n_sat, len(g))
    gs = np.unique(np.stack([g, s], 1), axis=0)
    return Snapshot(
        n_sat,
        n_ground,
        a,
        b,
        rng.uniform(1e5, 2e6, len(a)),
        rng.uniform(1e9, 1e10, len(a)),
        gs[:, 0],
        gs[:, 1],
        rng.uniform(5e5, 1.2e6, len(gs)),
        rng.uniform(1e9, 5e9, len(gs)),
    )


def nx_graph(sn: Snapshot, relay: bool) -> nx.DiGraph:
    G = nx.DiGraph()
    ns = sn.n_sat
    for a, b, w in zip(sn.isl_a, sn.isl_b, sn.isl_range_m, strict=True):
        G.add_edge(int(a), int(b), weight=w)
        G.add_edge(int(b), int(a), weight=w)
    for g, s, w in zip(sn.gsl_ground, sn.gsl_sat, sn.gsl_range_m, strict=True):
        G.add_edge(ns + int(g), int(s), weight=w)
        if relay:
            G.add_edge(int(s), ns + int(g), weight=w)
        else:
            G.add_edge(int(s), ("sink", int(g)), weight=w)
    return G


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), relay=st.booleans())
def test_routes_match_networkx_and_path_sums(seed, relay):
    sn = random_snapshot(seed)
    src, dst = np.triu_indices(sn.n_ground, 1)
    rt = route_pairs(sn, src, dst, relay)
    G = nx_graph(sn, relay)
    for p, (a, b) in enumerate(zip(src, dst, strict=True)):
        target = sn.n_sat + b if relay else ("sink", int(b))
        try:
            want = nx.shortest_path_length(G, sn.n_sat + int(a), target, weight="weight")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            want = np.inf
        assert rt.length_m[p] == pytest.approx(want, rel=1e-12)
        if np.isfinite(want):
            path = rt.path_values[rt.path_offsets[p] : rt.path_offsets[p + 1]]
            assert path[0] == sn.n_sat + a
            assert path[-1] == sn.n_sat + b
            assert rt.hops[p] == len(path) - 1
            # path RTT equals the sum of its links
            assert path_length_m(sn, path) == pytest.approx(rt.length_m[p], rel=1e-12)
            assert rt.rtt_s[p] == pytest.approx(2 * path_length_m(sn, path) / C_M_S, rel=1e-12)
            if not relay:  # no ground endpoint inside a path
                assert np.all(path[1:-1] < sn.n_sat)


def test_relay_via_ground_can_shorten():
    # two satellites without an ISL, both seen by a relay station in the middle
    sn = Snapshot(2, 3, np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(0),
                  np.array([0, 1, 1, 2]), np.array([0, 0, 1, 1]),
                  np.array([1e6, 1e6, 1e6, 1e6]), np.full(4, 1e9))  # fmt: skip
    no = route_pairs(sn, np.array([0]), np.array([2]), False)
    yes = route_pairs(sn, np.array([0]), np.array([2]), True)
    assert not no.reachable[0]
    assert yes.length_m[0] == pytest.approx(4e6)
    assert list(yes.path_values) == [2, 0, 3, 1, 4]


def test_path_hash_detects_changes():
    sn = random_snapshot(7)
    src, dst = np.triu_indices(sn.n_ground, 1)
    r1 = route_pairs(sn, src, dst, False)
    r2 = route_pairs(sn, src, dst, False)
    np.testing.assert_array_equal(r1.path_hash, r2.path_hash)


def test_max_flow_bound_and_allocation():
    # a chain: ground 0 - sat 0 - sat 1 - ground 1, ISL of 10 Gbps, ground links 20 Gbps
    sn = Snapshot(2, 2, np.array([0]), np.array([1]), np.array([1e6]), np.array([10e9]),
                  np.array([0, 1]), np.array([0, 1]), np.array([8e5, 8e5]), np.array([20e9, 20e9]))  # fmt: skip
    src, dst = np.array([0]), np.array([1])
    assert pair_max_flow_bps(sn, 0, 1, False) == pytest.approx(10e9, rel=1e-6)
    demand = np.array([15e9])
    assert max_flow_bound_bps(sn, src, dst, demand, False) == pytest.approx(10e9, rel=1e-6)
    rt = route_pairs(sn, src, dst, False)
    rate, _load, bott = allocate_shortest_paths(sn, rt, src, demand, False)
    assert rate[0] == pytest.approx(10e9)
    assert bott.sum() == 1  # the ISL direction 0 -> 1
    u, v, *_ = sn.directed_links(False)
    j = int(np.flatnonzero(bott)[0])
    assert (u[j], v[j]) == (0, 1)
    # two flows sharing the ISL get half each (max-min fair)
    src2, dst2 = np.array([0, 0]), np.array([1, 1])
    rt2 = route_pairs(sn, src2, dst2, False)
    rate2, _, _ = allocate_shortest_paths(sn, rt2, src2, np.array([15e9, 15e9]), False)
    np.testing.assert_allclose(rate2, [5e9, 5e9])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_allocation_respects_capacity_and_bound(seed):
    sn = random_snapshot(seed, n_sat=25, n_ground=6, p_isl=0.2)
    src, dst = np.triu_indices(sn.n_ground, 1)
    demand = np.full(len(src), 4e9)
    rt = route_pairs(sn, src, dst, False)
    rate, load, _ = allocate_shortest_paths(sn, rt, src, demand, False)
    *_, cap, _, _ = sn.directed_links(False)
    assert np.all(load <= cap * (1 + 1e-9))
    assert np.all(rate <= demand * (1 + 1e-12))
    bound = max_flow_bound_bps(sn, src, dst, demand, False, unit_bps=1e3)
    assert rate.sum() <= bound + 1e3 * len(sn.isl_a) + 1e6


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1), relay=st.booleans(), jitter=st.sampled_from([1e-6, 1e-3, 0.3])
)
def test_warm_start_equals_cold(seed, relay, jitter):
    rng = np.random.default_rng(seed)
    prev = random_snapshot(seed)
    src, dst = np.triu_indices(prev.n_ground, 1)
    route_pairs(prev, src, dst, relay)
    warm = prev.raw_pred
    keep = rng.random(len(prev.isl_a)) > 0.1  # some links break, lengths drift (stay > 0)
    keep_g = rng.random(len(prev.gsl_ground)) > 0.1
    nxt = Snapshot(
        prev.n_sat, prev.n_ground, prev.isl_a[keep], prev.isl_b[keep],
        prev.isl_range_m[keep] * (1 + jitter * rng.uniform(-1, 1, keep.sum())),
        prev.isl_capacity_bps[keep], prev.gsl_ground[keep_g], prev.gsl_sat[keep_g],
        prev.gsl_range_m[keep_g] * (1 + jitter * rng.uniform(-1, 1, keep_g.sum())),
        prev.gsl_capacity_bps[keep_g],
    )  # fmt: skip
    cold = route_pairs(nxt, src, dst, relay)
    nxt2 = Snapshot(*(getattr(nxt, f) for f in (
        "n_sat", "n_ground", "isl_a", "isl_b", "isl_range_m", "isl_capacity_bps",
        "gsl_ground", "gsl_sat", "gsl_range_m", "gsl_capacity_bps")))  # fmt: skip
    hot = route_pairs(nxt2, src, dst, relay, warm)
    np.testing.assert_allclose(hot.length_m, cold.length_m, rtol=1e-12)
    np.testing.assert_array_equal(hot.path_hash, cold.path_hash)
