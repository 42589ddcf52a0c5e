"""Routing over consecutive steps (warm starts, worker processes) and the per-chunk view."""

from __future__ import annotations

import numpy as np
import pytest

from orbitcloud.network.routeplan import plan_routes
from orbitcloud.network.routing import C_M_S, Routes, route_pairs
from orbitcloud.network.stepping import (
    MAX_DEFAULT_WORKERS,
    ROUTE_BYTES_PER_PAIR_STEP,
    ROUTES_BLOCK_BYTES,
    StepRouter,
    bare_snapshot,
    route_steps,
    route_steps_planned,
    routing_workers,
    steps_per_block,
)
from orbitcloud.network.view import NetworkChunkState

SRC, DST = np.triu_indices(12, k=1)  # 66 pairs: enough for worker processes


def same_routes(a: Routes, b: Routes) -> bool:
    return all(
        np.array_equal(getattr(a, f), getattr(b, f))
        for f in ("length_m", "hops", "path_values", "path_offsets", "path_hash")
    )


@pytest.mark.parametrize("relay", [False, True])
def test_warm_started_steps_equal_cold_routing(make_snapshots, relay):
    warm = route_steps(make_snapshots(3, 12), SRC, DST, relay)
    cold = [route_pairs(s, SRC, DST, relay) for s in make_snapshots(3, 12)]
    assert all(same_routes(a, b) for a, b in zip(warm, cold, strict=True))


def test_route_steps_drops_caches(make_snapshots):
    snaps = make_snapshots(3, 3)
    route_steps(snaps, SRC, DST, False)
    assert all(not s._cache and not hasattr(s, "raw_pred") for s in snaps)


def test_bare_snapshot_has_the_links_only(make_snapshots):
    s = make_snapshots(2, 1)[0]
    route_pairs(s, SRC, DST, False)
    b = bare_snapshot(s)
    assert s._cache
    assert not b._cache
    assert np.array_equal(b.isl_range_m, s.isl_range_m)
    assert np.array_equal(b.gsl_capacity_bps, s.gsl_capacity_bps)


def test_worker_processes_give_identical_routes(make_snapshots):
    one = route_steps(make_snapshots(4, 10), SRC, DST, False)
    router = StepRouter(1)
    try:
        two = router.route(make_snapshots(4, 10), SRC, DST, False)
        assert router._executor is not None  # the worker did take a share of the steps
    finally:
        router.close()
    assert router._executor is None
    assert all(same_routes(a, b) for a, b in zip(one, two, strict=True))


def test_no_pool_for_small_work(make_snapshots):
    router = StepRouter(2)
    out = router.route(make_snapshots(4, 11), SRC, DST, False)  # < 4 steps per process
    assert len(out) == 11
    assert router._executor is None
    router.route(make_snapshots(4, 20), SRC[:10], DST[:10], False)  # < 64 pairs
    assert router._executor is None
    router.close()


def test_routing_workers():
    assert routing_workers(2) == 2
    assert routing_workers(0) == 0
    assert 0 <= routing_workers(None) <= MAX_DEFAULT_WORKERS


def test_chunk_view_paths_and_rtts(make_snapshots):
    snaps = make_snapshots(6, 4)
    names = np.array([f"E{i}" for i in range(12)], dtype=object)
    view = NetworkChunkState(100, snaps, names, False)
    assert (view.k0, view.k1, view.n_sat, view.n_ground) == (100, 104, 24, 12)
    assert view.snapshot(102) is snaps[2]
    a, b = view.ground_node("E2"), view.ground_node("E9")
    assert (a, b) == (24 + 2, 24 + 9)
    nodes, length = view.path(102, a, b)
    rt = route_pairs(snaps[2], np.array([2]), np.array([9]), False)
    assert nodes == rt.path_values.tolist()
    assert length == pytest.approx(float(rt.length_m[0]), rel=1e-12)
    assert view.rtt_s(102, a, b) == pytest.approx(2 * length / C_M_S, rel=1e-12)
    rtt = view.rtt_ground_to_sat_s(102)
    assert rtt.shape == (12, 24)
    # the first satellite on E2's path is reached over its uplink alone
    up = snaps[2].gsl_range_m[(snaps[2].gsl_ground == 2) & (snaps[2].gsl_sat == nodes[1])]
    assert rtt[2, nodes[1]] == pytest.approx(2 * up.min() / C_M_S, rel=1e-12)
    # endpoint 0 has no ground link at step 3 (k = 103): unreachable
    assert view.path(103, view.ground_node("E0"), b) == ([], float("inf"))
    assert np.isinf(view.rtt_ground_to_sat_s(103)[0]).all()


def _plan():
    rng = np.random.default_rng(2)
    return plan_routes(SRC, DST, np.arcsin(rng.uniform(-1, 1, 12)), rng.uniform(-3, 3, 12))


def test_planned_steps_learn_radii_and_equal_cold_routing(make_snapshots):
    plan = _plan()
    tiny = np.zeros(len(plan.sources))  # every search falls short and is rerun at first
    got, lim = route_steps_planned(make_snapshots(3, 12), SRC, DST, False, plan, tiny)
    cold = [route_pairs(s, SRC, DST, False) for s in make_snapshots(3, 12)]
    assert all(same_routes(a, b) for a, b in zip(got, cold, strict=True))
    longest = np.zeros(len(plan.sources))
    for r in cold:
        np.maximum.at(longest, plan.row, np.where(r.reachable, r.length_m, 0.0))
    assert np.all(lim >= longest)  # radii grew to cover every route found
    again, lim2 = route_steps_planned(make_snapshots(3, 12), SRC, DST, False, plan, lim)
    assert np.all(lim2 >= lim)  # never shrink
    assert all(same_routes(a, b) for a, b in zip(again, cold, strict=True))


def test_planned_worker_processes_give_identical_routes(make_snapshots):
    plan = _plan()
    one = StepRouter(0, plan).route(make_snapshots(4, 16), SRC, DST, False)
    router = StepRouter(1, plan)
    try:
        two = router.route(make_snapshots(4, 16), SRC, DST, False)
        assert router._executor is not None
        three = router.route(make_snapshots(4, 16), SRC, DST, False)  # learnt radii
    finally:
        router.close()
    cold = [route_pairs(s, SRC, DST, False) for s in make_snapshots(4, 16)]
    for out in (one, two, three):
        assert all(same_routes(a, b) for a, b in zip(out, cold, strict=True))


def test_routes_memory_is_bounded_by_the_pair_count():
    # 1,000 cities, all pairs: one step at a time; 100 cities: a block of steps
    assert steps_per_block(499_500) == 1
    for n_pairs in (1, 66, 4_950, 49_500):
        k = steps_per_block(n_pairs)
        assert k * n_pairs * ROUTE_BYTES_PER_PAIR_STEP <= ROUTES_BLOCK_BYTES
        assert (k + 1) * n_pairs * ROUTE_BYTES_PER_PAIR_STEP > ROUTES_BLOCK_BYTES
    assert steps_per_block(66, budget=3 * 66 * ROUTE_BYTES_PER_PAIR_STEP) == 3
