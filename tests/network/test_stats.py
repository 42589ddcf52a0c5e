"""Network run statistics: hand examples, bounds, and split invariance (bit-identical states
whether the steps arrive in one span or in two)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.network.routing import Snapshot
from orbitcloud.network.stats import (
    MAX_CHANGE_TIMES,
    TRACKED_PAIRS,
    LinkStats,
    RouteDrivers,
    RouteStats,
    TrafficParams,
    TrafficStats,
    advance_link_stats,
    advance_route_stats,
    advance_traffic,
    bottleneck_summary,
    link_kpis,
    route_kpis,
    route_pair_summary,
    throughput_fraction,
    traffic_kpis,
)
from orbitcloud.network.stepping import route_steps

INF = np.inf
MAXFLOW_SCALE = 1e-7
"""Relative error of a max-flow bound from integer capacities in units of total / 2e9 [bit/s]
(:func:`~orbitcloud.network.routing.max_flow_bound_bps`): tens of bit/s in Gbit/s here."""
FILL = 1e-9
"""Relative overshoot of a saturated link's load from progressive filling (float rounding)."""


def same_state(a, b) -> bool:
    """Every field equal, arrays bit for bit (NaN padding counts as equal)."""
    for f in dataclasses.fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            if x.dtype != y.dtype or x.shape != y.shape:
                return False
            if not np.array_equal(x.view(np.uint8), y.view(np.uint8)):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


# ------------------------------------------------------------------------------------ routes
def hand_drivers() -> RouteDrivers:
    return RouteDrivers(
        time_s=np.array([0.0, 60.0, 120.0]),
        rtt_ms=np.array([[10.0, INF], [20.0, 30.0], [15.0, 40.0]]),
        path_hash=np.array([[1, 0], [1, 5], [2, 6]], dtype=np.int64),
    )


def test_route_stats_hand_example():
    fibre = np.array([16.0, 35.0])
    st_, changed = advance_route_stats(RouteStats.empty(2), hand_drivers(), fibre)
    # no change at the first step; pair 1's path changes at 60 s and 120 s, pair 0's at 120 s
    assert changed.tolist() == [[False, False], [False, True], [True, True]]
    assert st_.changes.tolist() == [1, 2]
    assert st_.steps == 3
    assert st_.rtt_sum_ms.tolist() == [45.0, 70.0]
    assert st_.rtt_n.tolist() == [3, 2]
    assert st_.rtt_min_ms.tolist() == [10.0, 30.0]
    assert st_.rtt_max_ms.tolist() == [20.0, 40.0]
    assert st_.faster == 3  # 10 < 16; 30 < 35; 15 < 16
    k = route_kpis(st_)
    assert k == {
        "network_route_pairs": 2,
        "network_reachable_fraction": round(5 / 6, 6),
        "network_rtt_mean_ms": 23.0,  # 115 / 5
        "network_rtt_min_ms": 10.0,
        "network_rtt_max_ms": 40.0,
        "network_faster_than_fibre_fraction": 0.6,
        "network_path_changes": 3,
    }
    pairs = route_pair_summary(st_, ["A", "A"], ["B", "C"], fibre, np.array([1000.0, 2500.0]))
    assert pairs[0] == {
        "src": "A", "dst": "B", "rtt_min_ms": 10.0, "rtt_mean_ms": 15.0, "rtt_max_ms": 20.0,
        "terrestrial_rtt_ms": 16.0, "great_circle_km": 1.0, "reachable_fraction": 1.0,
        "path_changes": 1, "path_change_times_s": [120.0],
    }  # fmt: skip
    assert pairs[1]["rtt_mean_ms"] == 35.0
    assert pairs[1]["reachable_fraction"] == round(2 / 3, 6)
    assert pairs[1]["path_change_times_s"] == [60.0, 120.0]


def test_route_stats_never_reached_pair():
    d = RouteDrivers(np.array([0.0]), np.array([[INF]]), np.zeros((1, 1), np.int64))
    st_, _ = advance_route_stats(RouteStats.empty(1), d, np.array([5.0]))
    assert route_kpis(st_) == {
        "network_route_pairs": 1, "network_reachable_fraction": 0.0, "network_path_changes": 0,
    }  # fmt: skip
    p = route_pair_summary(st_, ["A"], ["B"], np.array([5.0]), np.array([1.0]))[0]
    assert p["rtt_min_ms"] is None
    assert p["rtt_mean_ms"] is None
    assert route_kpis(RouteStats.empty(0)) == {}


def test_change_times_keep_the_first_fifty():
    n_t = MAX_CHANGE_TIMES + 30
    d = RouteDrivers(np.arange(n_t) * 10.0, np.ones((n_t, 1)), np.arange(n_t)[:, None])
    st_, changed = advance_route_stats(RouteStats.empty(1), d, np.array([0.0]))
    assert int(st_.changes[0]) == n_t - 1 == changed.sum()
    times = route_pair_summary(st_, ["A"], ["B"], np.zeros(1), np.zeros(1))[0]
    assert times["path_change_times_s"] == [10.0 * k for k in range(1, MAX_CHANGE_TIMES + 1)]


def random_drivers(seed: int, n_t: int, n_p: int) -> RouteDrivers:
    rng = np.random.default_rng(seed)
    rtt = rng.uniform(5.0, 200.0, (n_t, n_p))
    rtt[rng.random((n_t, n_p)) < 0.2] = INF
    h = rng.integers(1, 4, (n_t, n_p)).astype(np.int64)  # few paths: repeats and changes
    h[~np.isfinite(rtt)] = 0
    return RouteDrivers(np.arange(n_t) * 0.1 + 0.3 * rng.random(), rtt, h)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_t=st.integers(1, 60), n_p=st.integers(1, 30),
       cut=st.floats(0, 1), cut2=st.floats(0, 1))  # fmt: skip
def test_route_stats_split_invariant(seed, n_t, n_p, cut, cut2):
    d = random_drivers(seed, n_t, n_p)
    fibre = np.random.default_rng(seed + 1).uniform(5.0, 200.0, n_p)
    whole, ch = advance_route_stats(RouteStats.empty(n_p), d, fibre)
    b = int(cut * n_t)
    c = b + int(cut2 * (n_t - b))
    s = RouteStats.empty(n_p)
    parts = []
    for span in (slice(0, b), slice(b, c), slice(c, n_t)):
        s, part = advance_route_stats(s, d[span], fibre)
        parts.append(part)
    assert same_state(whole, s)
    assert np.array_equal(ch, np.concatenate(parts))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_t=st.integers(1, 60), n_p=st.integers(1, 30))
def test_route_stats_bounds(seed, n_t, n_p):
    d = random_drivers(seed, n_t, n_p)
    fibre = np.full(n_p, 100.0)
    s, changed = advance_route_stats(RouteStats.empty(n_p), d, fibre)
    k = route_kpis(s)
    assert 0.0 <= k["network_reachable_fraction"] <= 1.0
    assert (s.rtt_n <= n_t).all()
    assert 0 <= s.faster <= s.rtt_n.sum()
    if "network_faster_than_fibre_fraction" in k:
        assert 0.0 <= k["network_faster_than_fibre_fraction"] <= 1.0
    seen = s.rtt_n > 0
    mean = s.rtt_sum_ms[seen] / s.rtt_n[seen]
    assert (s.rtt_min_ms[seen] <= mean * (1 + 1e-12)).all()
    assert (mean <= s.rtt_max_ms[seen] * (1 + 1e-12)).all()
    assert (s.changes <= n_t - 1).all()
    assert not changed[0].any()
    for i in range(min(n_p, TRACKED_PAIRS)):
        kept = s.change_times_s[i][np.isfinite(s.change_times_s[i])]
        assert len(kept) == min(int(s.changes[i]), MAX_CHANGE_TIMES)
        assert (np.diff(kept) > 0).all()
        assert set(kept) <= set(np.round(d.time_s[changed[:, i]], 6))
    for p in route_pair_summary(s, ["x"] * n_p, ["y"] * n_p, fibre, np.ones(n_p)):
        assert 0.0 <= p["reachable_fraction"] <= 1.0


def test_route_stats_of_real_routes_split_invariant(make_snapshots):
    src, dst = np.triu_indices(12, k=1)
    fibre = np.full(len(src), 60.0)
    n_t = 9

    def drivers(b: int, c: int) -> RouteDrivers:
        snaps = make_snapshots(5, n_t)[b:c]
        rts = route_steps(snaps, src, dst, False)
        return RouteDrivers.from_routes(rts, np.arange(b, c) * 60.0, len(src))

    whole, _ = advance_route_stats(RouteStats.empty(len(src)), drivers(0, n_t), fibre)
    s, _ = advance_route_stats(RouteStats.empty(len(src)), drivers(0, 4), fibre)
    s, _ = advance_route_stats(s, drivers(4, n_t), fibre)
    assert same_state(whole, s)
    assert whole.changes.sum() > 0
    assert 0 < whole.rtt_n.sum() < n_t * len(src)  # endpoint 0 drops out at some steps


# ------------------------------------------------------------------------------------- links
def test_link_stats_hand_and_split(make_snapshots):
    snaps = make_snapshots(1, 8)
    whole, _ = advance_link_stats(LinkStats(), snaps)
    # 24 ring links + 8 chords per step; endpoint 0 loses its 2 links at steps 3 and 7
    assert whole.steps == 8
    assert whole.isl_links == 8 * 32
    assert whole.gsl_links == 8 * 24 - 4
    assert whole.isl_capacity_bps == pytest.approx(8 * float(snaps[0].isl_capacity_bps.sum()))
    s, _ = advance_link_stats(LinkStats(), snaps[:3])
    s, _ = advance_link_stats(s, snaps[3:])
    assert s == whole
    k = link_kpis(whole, broken_link_steps=5, n_ground=12)
    assert k["network_isl_links_mean"] == 32.0
    assert k["network_isl_broken_link_steps"] == 5
    assert k["network_ground_endpoints"] == 12
    assert k["network_ground_links_mean"] == round((8 * 24 - 4) / 8, 2)
    assert "network_ground_links_mean" not in link_kpis(whole, 0, None)
    assert link_kpis(LinkStats(), 0, None)["network_isl_capacity_mean_gbps"] is None


# ----------------------------------------------------------------------------------- traffic
def chain(uplink_bps: float) -> Snapshot:
    """Endpoint 0 - satellite 0 - (1 Gbit/s ISL) - satellite 1 - endpoint 1."""
    i = np.array
    return Snapshot(2, 2, i([0]), i([1]), i([1e6]), i([1e9]), i([0, 1]), i([0, 1]),
                    i([5e5, 5e5]), i([uplink_bps, 10e9]))  # fmt: skip


ONE_FLOW = TrafficParams(np.array([0]), np.array([1]), 5e9, False, True)


def test_traffic_chain_by_hand():
    s, steps = advance_traffic(TrafficStats(), [chain(10e9), chain(10e9)], ONE_FLOW)
    a = steps[0]
    # 5 Gbit/s offered, the 1 Gbit/s ISL carries 1: it saturates, the ground links are at 1/10
    assert a.demand_bps.tolist() == [5e9]
    assert a.allocated_bps == pytest.approx([1e9], rel=1e-12)
    assert a.maxflow_bound_bps == pytest.approx(1e9, rel=MAXFLOW_SCALE)
    assert a.utilisation_isl == pytest.approx([1.0], rel=1e-12)
    assert a.utilisation_gsl == pytest.approx([0.1, 0.1], rel=1e-12)
    assert (a.bottleneck_a.tolist(), a.bottleneck_b.tolist()) == ([0], [1])
    assert s.steps == 2
    assert throughput_fraction(s) == pytest.approx(0.2, rel=1e-12)
    assert traffic_kpis(s) == {
        "network_throughput_fraction": 0.2,
        "network_maxflow_bound_mean_gbps": 1.0,
        "network_isl_utilisation_mean": 1.0,
    }
    assert bottleneck_summary(s) == [{"a": 0, "b": 1, "steps": 2}]


def test_traffic_uplink_bottleneck_is_the_ground_node():
    # a 0.5 Gbit/s uplink limits the flow: it leaves endpoint 0's sending copy (node 4), which
    # the summary names as the endpoint itself (node n_sat + 0 = 2)
    s, steps = advance_traffic(TrafficStats(), [chain(0.5e9)], ONE_FLOW)
    assert steps[0].allocated_bps == pytest.approx([0.5e9], rel=1e-12)
    assert bottleneck_summary(s) == [{"a": 0, "b": 2, "steps": 1}]
    assert throughput_fraction(s) == pytest.approx(0.1, rel=1e-12)


def test_traffic_without_max_flow_or_load():
    p = dataclasses.replace(ONE_FLOW, max_flow=False)
    s, steps = advance_traffic(TrafficStats(), [chain(10e9)], p)
    assert np.isnan(steps[0].maxflow_bound_bps)
    assert "network_maxflow_bound_mean_gbps" not in traffic_kpis(s)
    assert traffic_kpis(TrafficStats()) == {}
    assert throughput_fraction(TrafficStats()) is None


def test_bottleneck_summary_order():
    s = TrafficStats(bottleneck_a=np.array([0, 1, 2, 3]), bottleneck_b=np.array([5, 4, 3, 9]),
                     bottleneck_steps=np.array([2, 3, 2, 1]))  # fmt: skip
    # most steps first, ties by (a, b)
    assert bottleneck_summary(s, limit=3) == [
        {"a": 1, "b": 4, "steps": 3}, {"a": 0, "b": 5, "steps": 2}, {"a": 2, "b": 3, "steps": 2},
    ]  # fmt: skip


@pytest.mark.parametrize("cut", [0, 1, 3, 5])
def test_traffic_split_invariant_and_bounded(make_snapshots, cut):
    src, dst = np.triu_indices(12, k=1)
    p = TrafficParams(src, dst, 2e9, False, True)
    n_t = 5
    whole, steps = advance_traffic(TrafficStats(), make_snapshots(9, n_t), p)
    snaps = make_snapshots(9, n_t)  # fresh snapshots: no shortest-path caches from the first run
    s, first = advance_traffic(TrafficStats(), snaps[:cut], p)
    s, second = advance_traffic(s, snaps[cut:], p)
    assert same_state(whole, s)
    for x, y in zip(steps, first + second, strict=True):
        assert same_state(x, y)
    # bounds: rates within demand, loads within capacity, throughput fraction in [0, 1]
    frac = throughput_fraction(whole)
    assert frac is not None
    assert 0.0 < frac < 1.0  # the 1-2 Gbit/s ISLs cannot carry 66 x 2 Gbit/s
    assert 0.0 <= traffic_kpis(whole)["network_throughput_fraction"] <= 1.0
    for x in steps:
        assert (x.allocated_bps >= 0).all()
        assert (x.allocated_bps <= x.demand_bps * (1 + 1e-12)).all()
        assert x.allocated_bps.sum() <= x.maxflow_bound_bps * (1 + MAXFLOW_SCALE)
        for u in (x.utilisation_isl, x.utilisation_gsl):
            assert ((u >= 0) & (u <= 1 + FILL)).all()
    assert whole.bottleneck_steps.sum() == sum(len(x.bottleneck_a) for x in steps)
