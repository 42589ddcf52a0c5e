"""All-reduce cost models and their mapping on link graphs, against closed forms and NCCL."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from orbitcloud.network import collectives as co

REL = 1e-9
"""Mapped time vs the closed form on graphs where every transfer has its own link (exact)."""

S = 2.0e9  # bytes
B = 800e9  # bit/s per link and direction
HOP = 5e-6  # s


def complete(n):
    a, b = np.array(list(itertools.combinations(range(n), 2))).T
    return a, b


def mapped(alg, members, n_nodes, a, b, cap=B, rng=0.0, hop=HOP):
    m = co.map_schedule(alg, np.asarray(members), S, n_nodes, a, b)
    return co.collective_time(m, np.full(len(a), cap), np.full(len(a), rng), hop, S)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 12])
def test_ring_on_a_cycle_graph_is_the_closed_form(n):
    """A cycle of n satellites 1 km apart: every ring edge is one link (Patarasuk & Yuan)."""
    a = np.arange(n)
    b = (a + 1) % n
    if n == 2:
        a, b = a[:1], b[:1]
    got = mapped("ring", np.arange(n), n, a, b, rng=1000.0)
    alpha = HOP + 1000.0 / co.C_M_S
    want = 2 * (n - 1) * alpha + 2 * (n - 1) / n * S * 8 / B
    assert got.time_s == pytest.approx(want, rel=REL)
    assert got.bandwidth_bps == pytest.approx(B, rel=REL)  # NCCL busbw = the link rate
    assert got.max_share == 1


@pytest.mark.parametrize("n", [2, 4, 6, 7, 8, 16])
@pytest.mark.parametrize("alg", ["ring", "tree", "halving-doubling", "torus"])
def test_every_algorithm_on_a_complete_graph_is_its_closed_form(alg, n):
    """Thakur, Rabenseifner & Gropp (2005) closed forms: direct links, no sharing."""
    a, b = complete(n)
    got = mapped(alg, np.arange(n), n, a, b)
    want = {
        "ring": lambda: co.ring_allreduce_s(S, n, B, HOP),
        "tree": lambda: co.tree_allreduce_s(S, n, B, HOP),
        "halving-doubling": lambda: co.halving_doubling_allreduce_s(S, n, B, HOP),
        "torus": lambda: co.torus_allreduce_s(S, *co.torus_shape(n), B, B, HOP),
    }[alg]()
    assert got.time_s == pytest.approx(want, rel=REL)


def test_closed_forms_by_hand():
    """The formulas themselves, written out for n = 8 (lg 8 = 3)."""
    t_s = S * 8 / B
    assert co.ring_allreduce_s(S, 8, B, HOP) == pytest.approx(14 * HOP + 14 / 8 * t_s, rel=REL)
    assert co.tree_allreduce_s(S, 8, B, HOP) == pytest.approx(6 * (HOP + t_s), rel=REL)
    assert co.halving_doubling_allreduce_s(S, 8, B, HOP) == pytest.approx(
        6 * HOP + 14 / 8 * t_s, rel=REL
    )
    # n = 6: p' = 4, two extra exchanges of the whole vector
    assert co.halving_doubling_allreduce_s(S, 6, B, HOP) == pytest.approx(
        4 * HOP + 6 / 4 * t_s + 2 * (HOP + t_s), rel=REL
    )
    # 4 x 2 torus: rows of 4 on S/4, columns of 2 on S/8
    assert co.torus_allreduce_s(S, 4, 2, B, B, HOP) == pytest.approx(
        6 * (HOP + t_s / 4) + 2 * (HOP + t_s / 8), rel=REL
    )
    assert co.hierarchical_allreduce_s(S, 4, 4 * B, 1.0, 0.0) == pytest.approx(
        6 * t_s / 16 + 1.0, rel=REL
    )


def test_transfers_sharing_a_link_split_its_capacity():
    """Halving-doubling on a path 0-1-2-3: the first round's 0->2 and 1->3 both cross 1->2
    (and 2->0, 3->1 both cross 2->1): each gets B/2. Hand: round 1 = 2 hops + (S/2)/(B/2),
    round 2 = 1 hop + (S/4)/B, each twice (halving, doubling)."""
    a, b = np.array([0, 1, 2]), np.array([1, 2, 3])
    got = mapped("halving-doubling", np.arange(4), 4, a, b)
    t_s = S * 8 / B
    want = 2 * ((2 * HOP + t_s) + (HOP + t_s / 4))
    assert got.time_s == pytest.approx(want, rel=REL)
    assert got.max_share == 2


def test_ring_over_multi_hop_routes_through_non_members():
    """Members at the leaves of a star, the hub not a member: each ring edge is 2 hops and each
    link direction carries one ring edge (no sharing)."""
    n = 5
    a, b = np.arange(1, n + 1), np.zeros(n, np.int64)
    got = mapped("ring", np.arange(1, n + 1), n + 1, a, b)
    want = 2 * (n - 1) * 2 * HOP + 2 * (n - 1) / n * S * 8 / B
    assert got.time_s == pytest.approx(want, rel=REL)


def test_disconnected_members_take_forever():
    a, b = np.array([0, 2]), np.array([1, 3])
    got = mapped("ring", np.arange(4), 4, a, b)
    assert got.time_s == np.inf
    assert got.bandwidth_bps == 0.0


# NCCL all_reduce_perf bus bandwidth at large messages on one 8-GPU node (NVSwitch), as quoted
# by Alaya NeW, "NCCL-tests in practice" (2026-05-06, docs.alayanew.com tech blog; secondary):
# 8 x A100 SXM4 230-250 GB/s, 8 x H100 SXM5 460-480 GB/s (with NVLink SHARP). Link rates per
# GPU and direction: A100 NVLink3 12 x 25 GB/s = 300 GB/s, H100 NVLink4 18 x 25 GB/s = 450
# GB/s (NVIDIA A100 and H100 datasheets: 600 and 900 GB/s both directions together).
NCCL_BUSBW_GBYTE_S = {"a100": ((230.0, 250.0), 300.0), "h100": ((460.0, 480.0), 450.0)}
FACTOR = 1.35
"""The model ignores protocol overhead (NCCL's Simple protocol, about 10-25 % below the link
rate) and in-switch reduction (NVLS lifts H100 above the ring bound): within 1.35x either way."""


@pytest.mark.parametrize("gpu", sorted(NCCL_BUSBW_GBYTE_S))
def test_nccl_all_reduce_bus_bandwidth_on_one_nvswitch_node(gpu):
    """8 GPUs on a switch (a star with the switch as the hub), ring all-reduce of 8 GB."""
    (lo, hi), link = NCCL_BUSBW_GBYTE_S[gpu]
    n = 8
    a, b = np.arange(n), np.full(n, n)
    m = co.map_schedule("ring", np.arange(n), 8e9, n + 1, a, b)
    got = co.collective_time(m, np.full(n, link * 8e9), np.zeros(n), 1e-6, 8e9)
    busbw = got.bandwidth_bps / 8e9
    assert lo / FACTOR <= busbw <= hi * FACTOR, busbw


def test_ring_order_follows_the_links():
    """On a cycle given in shuffled node order the greedy ring takes only 1-hop steps."""
    rng = np.random.default_rng(1)
    n = 12
    perm = rng.permutation(n)
    a, b = perm, np.roll(perm, -1)
    m = co.map_schedule("ring", np.arange(n), S, n, a, b)
    assert all((h == 1).all() for h in m.routes.hops)


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="allowed"):
        co.allreduce_schedule("butterfly", 4, S)


def test_the_time_does_not_depend_on_the_order_links_are_listed_in():
    """The same links, listed in another order and reversed ends, with their capacities."""
    rng = np.random.default_rng(4)
    n = 20
    a = rng.integers(0, n, 50)
    b = (a + 1 + rng.integers(0, n - 1, 50)) % n
    a, b = np.r_[np.arange(n), a], np.r_[(np.arange(n) + 1) % n, b]  # a ring keeps it connected
    _, first = np.unique(np.minimum(a, b) * n + np.maximum(a, b), return_index=True)
    a, b = a[np.sort(first)], b[np.sort(first)]  # one link per pair
    cap = rng.choice([100e9, 400e9, 800e9], len(a))
    rg = rng.uniform(100, 1000, len(a))
    members = np.sort(rng.choice(n, 12, replace=False))
    want = co.GraphAllReduce([(a, b, cap, rg)], n, "ring", S, HOP, 4, 4 * B).time(0, members)
    p = rng.permutation(len(a))
    flip = rng.random(len(a)) < 0.5
    a2, b2 = np.where(flip, b, a)[p], np.where(flip, a, b)[p]
    got = co.GraphAllReduce([(a2, b2, cap[p], rg[p])], n, "ring", S, HOP, 4, 4 * B).time(0, members)
    assert got.time_s == pytest.approx(want.time_s, rel=1e-12)
    assert got.link_capacity_bps == want.link_capacity_bps
