"""Planned routing (searches from a cover of the endpoints, stopped at a radius, in batches)
against the reference: one full Dijkstra from every source endpoint (``route_pairs``).

The equality is exact -- same paths, same float lengths, hops and hashes -- on synthetic moving
networks with outages (unreachable pairs), on networks of several components, and on the
Kuiper K1 example of Hypatia with 40 cities, for all pairs and for random pair lists. Real
geometry has no exact float ties between distinct paths; were there one, a search from the
other end could pick the other path of equal length (module docstring of routeplan).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.contract import NetworkRecord
from orbitcloud.engine.run import simulate
from orbitcloud.network.routeplan import (
    LIMIT_FACTOR,
    LIMIT_MARGIN_M,
    plan_routes,
    reachable_pairs,
    route_planned,
)
from orbitcloud.network.routing import Routes, Snapshot, route_pairs
from orbitcloud.scenario.loader import scenario_from_dict
from orbitcloud.scenario.yamlio import load_yaml_file

FIELDS = ("length_m", "hops", "path_values", "path_offsets", "path_hash")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kuiper-hypatia.yaml"
EARTH_M = 6_371_000.0  # mean radius: the test's own haversine (the limits' basis)


def same_routes(a: Routes, b: Routes) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


def haversine_m(lat1, lon1, lat2, lon2):
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_M * np.arcsin(np.sqrt(h))


def pair_set(kind: str, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    if kind == "all":
        i, j = np.triu_indices(n, 1)
        return i, j
    if kind == "hub":  # one endpoint to every other, both directions
        others = np.arange(1, n)
        return np.r_[np.zeros(n - 1, int), others], np.r_[others, np.zeros(n - 1, int)]
    rng = np.random.default_rng(seed)  # random list with repeats and reversed pairs
    a = rng.integers(0, n, 40)
    b = (a + rng.integers(1, n, 40)) % n
    return np.r_[a, b[:5]], np.r_[b, a[:5]]


def sites(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return np.arcsin(rng.uniform(-0.9, 0.9, n)), rng.uniform(-np.pi, np.pi, n)


@pytest.mark.parametrize("relay", [False, True])
@pytest.mark.parametrize("kind", ["all", "hub", "random"])
def test_planned_routes_equal_full_dijkstra(make_snapshots, relay, kind):
    snaps = make_snapshots(5, 8)  # endpoint 0 has no ground link at steps 3 and 7
    src, dst = pair_set(kind, 12)
    lat, lon = sites(12)
    plan = plan_routes(src, dst, lat, lon)
    unreachable = 0
    for sn in snaps:
        ref = route_pairs(sn, src, dst, relay)
        sn._cache.clear()
        got = route_planned(sn, src, dst, relay, plan)
        assert same_routes(ref, got)
        unreachable += int((~got.reachable).sum())
    assert unreachable > 0  # disconnected pairs were part of the comparison


@pytest.mark.parametrize("relay", [False, True])
def test_radius_and_batches_change_no_answer(make_snapshots, relay):
    sn = make_snapshots(9, 4)[3]  # an outage step
    src, dst = pair_set("all", 12)
    plan = plan_routes(src, dst, *sites(12))
    ref = route_pairs(sn, src, dst, relay)
    for lim in (np.zeros(len(plan.sources)), np.full(len(plan.sources), np.inf), None):
        for batch in (1, 10_000, 1 << 26):  # one search per batch .. all in one
            sn._cache.clear()
            got = route_planned(sn, src, dst, relay, plan, limit_m=lim, batch_bytes=batch)
            assert same_routes(ref, got)


def two_rings(n_ring: int = 10) -> Snapshot:
    """Two ISL rings without a link between them; endpoint 0 sees ring A only, 1 ring B only,
    2 both, 3 nothing."""
    a = np.arange(n_ring)
    isl_a = np.r_[a, a + n_ring]
    isl_b = np.r_[(a + 1) % n_ring, (a + 1) % n_ring + n_ring]
    rng = np.linspace(1.0e6, 1.9e6, 2 * n_ring)
    g = np.array([0, 1, 2, 2])
    s = np.array([0, n_ring + 3, 5, n_ring + 7])
    d = np.array([6e5, 7e5, 8e5, 9e5])
    return Snapshot(2 * n_ring, 4, isl_a, isl_b, rng, np.full(2 * n_ring, 1e9), g, s, d,
                    np.full(4, 1e9))  # fmt: skip


@pytest.mark.parametrize("relay", [False, True])
def test_components_decide_reachability(relay):
    sn = two_rings()
    src, dst = pair_set("all", 4)
    reach = reachable_pairs(sn, src, dst, relay)
    want = {(0, 1): relay, (0, 2): True, (0, 3): False, (1, 2): True, (1, 3): False, (2, 3): False}
    assert (
        dict(zip(zip(src.tolist(), dst.tolist(), strict=True), reach.tolist(), strict=True)) == want
    )
    plan = plan_routes(src, dst, *sites(4))
    ref = route_pairs(sn, src, dst, relay)
    sn._cache.clear()
    got = route_planned(sn, src, dst, relay, plan, limit_m=np.zeros(len(plan.sources)))
    assert same_routes(ref, got)
    np.testing.assert_array_equal(got.reachable, reach)


def test_plan_covers_every_pair_from_one_of_its_ends():
    lat, lon = sites(30, seed=4)
    for kind in ("all", "hub", "random"):
        src, dst = pair_set(kind, 30, seed=5)
        plan = plan_routes(src, dst, lat, lon)
        s = plan.sources[plan.row]
        np.testing.assert_array_equal(np.where(plan.flip, dst, src), s)
        np.testing.assert_array_equal(np.where(plan.flip, src, dst), plan.target)
        # each search's radius covers the estimate of every pair it serves (own haversine)
        gc = haversine_m(lat[src], lon[src], lat[dst], lon[dst])
        assert np.all(plan.limit_m[plan.row] >= LIMIT_FACTOR * gc * (1 - 1e-6) + LIMIT_MARGIN_M)
    assert len(plan_routes(*pair_set("all", 30), lat, lon).sources) == 29  # n - 1: the minimum
    assert len(plan_routes(*pair_set("hub", 30), lat, lon).sources) == 1  # the hub alone
    # the first search starts at an end of the farthest pair
    i, j = pair_set("all", 30)
    far = np.argmax(haversine_m(lat[i], lon[i], lat[j], lon[j]))
    assert plan_routes(i, j, lat, lon).sources[0] in (i[far], j[far])


def test_path_hash_is_the_paths_own(make_snapshots):
    # bug fixed with the planner: the hash of a pair's path also counted the walk steps of the
    # longest path routed with it, so adding a pair changed another pair's hash (and made
    # path_changed fire whenever the longest path of the step changed length)
    sn = make_snapshots(3, 1)[0]
    src, dst = pair_set("all", 12)
    together = route_pairs(sn, src, dst, False)
    p = int(np.argmin(np.where(together.reachable, together.hops, 99)))
    sn._cache.clear()
    alone = route_pairs(sn, src[p : p + 1], dst[p : p + 1], False)
    assert together.hops.max() > alone.hops[0]
    assert together.path_hash[p] == alone.path_hash[0]


def test_kuiper_hypatia_example_with_forty_cities():
    doc, _ = load_yaml_file(EXAMPLE)
    doc["time"] = {"start": "2000-01-01T00:00:00Z", "duration_s": 1200, "step_s": 300}
    doc["ground"]["endpoints"] = []
    doc["ground"]["cities"] = {"top": 40}
    doc["network"]["routes"] = []
    doc["outputs"] = {"positions": False, "report": False}
    snaps: list[Snapshot] = []

    def keep(records):
        rec = records.find(NetworkRecord)
        if rec is not None:
            snaps.extend(rec.view.snapshot(k) for k in range(rec.view.k0, rec.view.k1))

    simulate(scenario_from_dict(doc, base_dir=EXAMPLE.parent), MemorySink(), observe=keep)
    assert len(snaps) == 5
    n = snaps[0].n_ground
    lat, lon = sites(n)  # wrong sites on purpose: the radius estimate must not matter
    for kind in ("all", "random"):
        src, dst = pair_set(kind, n, seed=11)
        plan = plan_routes(src, dst, lat, lon)
        for sn in snaps:
            sn._cache.clear()
            ref = route_pairs(sn, src, dst, False)
            sn._cache.clear()
            assert same_routes(ref, route_planned(sn, src, dst, False, plan))
