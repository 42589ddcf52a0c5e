"""Flows to the ground: routes over ISLs to a station, max-min fair rates, against exact LPs.

References: the water filling is checked against the lexicographic max-min fair linear
programmes of Radunovic & Le Boudec, "A unified framework for max-min and min-max fairness with
applications", IEEE/ACM Trans. Networking 15(5), 2007 (sec. IV, the "MP" water-filling
programme), solved with ``scipy.optimize.linprog`` (HiGHS); the single-path approximation's
total against the exact maximum throughput (an LP over all paths: a single-commodity flow to a
super-sink, Ahuja, Magnanti & Orlin, *Network Flows*, 1993, ch. 6).
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from orbitcloud.network import flows as fl

LP_RTOL = 1e-7
"""HiGHS's default primal feasibility tolerance is 1e-7 (relative to rates of order 1)."""


def lp_max_min_fair(hop_flow, hop_res, cap, demand):
    """Exact max-min fair rates on fixed paths: a sequence of LPs (Radunovic & Le Boudec 2007).

    Each round maximises the common floor t of the flows not yet fixed; a flow whose rate cannot
    exceed t (a second LP maximising it alone, the others held at >= t) is fixed at t.
    """
    n_f, n_r = len(demand), len(cap)
    a = np.zeros((n_r, n_f))
    np.add.at(a, (hop_res, hop_flow), 1.0)
    fixed = np.full(n_f, np.nan)
    has = np.zeros(n_f, bool)
    has[hop_flow] = True
    fixed[~has] = 0.0
    while np.isnan(fixed).any():
        free = np.isnan(fixed)
        # variables: rates (n_f) and t; maximise t
        c = np.zeros(n_f + 1)
        c[-1] = -1.0
        a_ub = [np.c_[a, np.zeros(n_r)]]
        b_ub = [cap]
        rows = np.zeros((int(free.sum()), n_f + 1))
        rows[np.arange(free.sum()), np.flatnonzero(free)] = -1.0
        rows[:, -1] = 1.0  # t - x_f <= 0
        a_ub.append(rows)
        b_ub.append(np.zeros(len(rows)))
        bounds = [
            (v, v) if not np.isnan(v) else (0.0, d) for v, d in zip(fixed, demand, strict=True)
        ]
        res = linprog(c, A_ub=np.vstack(a_ub), b_ub=np.concatenate(b_ub),
                      bounds=[*bounds, (0, None)], method="highs")  # fmt: skip
        assert res.status == 0
        t = res.x[-1]
        for f in np.flatnonzero(free):
            c2 = np.zeros(n_f + 1)
            c2[f] = -1.0
            b2 = [(v, v) if not np.isnan(v) else (t, d) for v, d in zip(fixed, demand, strict=True)]
            r2 = linprog(c2, A_ub=np.c_[a, np.zeros(n_r)], b_ub=cap, bounds=[*b2, (0, 0)],
                         method="highs")  # fmt: skip
            if -r2.fun <= t * (1 + 1e-9) + 1e-9:
                fixed[f] = t
    return fixed


def lp_max_throughput(n_sat, isl_a, isl_b, isl_cap, down, sources, demand):
    """Exact maximum total rate from the sources to the ground over all paths (an LP).

    Variables: flow on each directed ISL, on each satellite's downlink, and each source's
    injection; conservation at every satellite.
    """
    m = len(isl_a)
    n_var = 2 * m + n_sat + len(sources)
    eq = np.zeros((n_sat, n_var))
    for e, (a, b) in enumerate(zip(isl_a, isl_b, strict=True)):
        eq[a, e] -= 1.0  # a -> b leaves a
        eq[b, e] += 1.0
        eq[b, m + e] -= 1.0  # b -> a
        eq[a, m + e] += 1.0
    for s in range(n_sat):
        eq[s, 2 * m + s] -= 1.0  # downlink leaves s
    for i, s in enumerate(sources):
        eq[s, 2 * m + n_sat + i] += 1.0
    c = np.zeros(n_var)
    c[2 * m + n_sat :] = -1.0
    bounds = ([(0, x) for x in isl_cap] * 2 + [(0, x) for x in down]
              + [(0, x) for x in demand])  # fmt: skip
    res = linprog(c, A_eq=eq, b_eq=np.zeros(n_sat), bounds=bounds, method="highs")
    assert res.status == 0
    return -res.fun


def routes(n_sat, isl_a, isl_b, rng_m, cap, down, sources):
    return fl.routes_to_ground(n_sat, np.array(isl_a, int), np.array(isl_b, int),
                               np.array(rng_m, float), np.array(cap, float),
                               np.array(down, float), np.array(sources))  # fmt: skip


def test_route_takes_the_shortest_isl_path_to_a_satellite_with_a_station():
    # chain 0 - 1 - 2 - 3, and a long shortcut 0 - 3; only 3 and 4 see a station (4 is isolated)
    r = routes(5, [0, 1, 2, 0], [1, 2, 3, 3], [100, 100, 100, 1000], [1, 2, 3, 4],
               [0, 0, 0, 7, 9], [0, 2, 4, 1])  # fmt: skip
    assert r.reachable.all()
    np.testing.assert_array_equal(r.isl_hops, [3, 1, 0, 2])
    # source 0: 0->1 (ISL 0 forward), 1->2 (ISL 1 forward), 2->3 (ISL 2), then downlink of 3
    got = sorted(r.hop_res[r.hop_flow == 0].tolist())
    assert got == [0, 1, 2, 8 + 3]
    assert r.hop_res[r.hop_flow == 2].tolist() == [8 + 4]  # goes down itself
    np.testing.assert_array_equal(r.path_capacity_bps(), [1, 3, 9, 2])


def test_route_backwards_over_an_isl_uses_its_reverse_direction():
    r = routes(2, [1], [0], [50.0], [5.0], [0, 3], [0])
    assert sorted(r.hop_res.tolist()) == [1, 2 + 1]  # ISL 0 reversed (0 -> 1), then down at 1


def test_a_link_without_capacity_relays_nothing():
    # 0 - 1 short but dead (capacity 0), 0 - 2 - 1 long and live; only 1 sees a station
    r = routes(3, [0, 0, 2], [1, 2, 1], [10.0, 100.0, 100.0], [0.0, 5.0, 5.0], [0, 9, 0], [0])
    np.testing.assert_array_equal(r.isl_hops, [2])
    assert r.n_isl_dir == 4  # the dead link is not a resource
    np.testing.assert_array_equal(r.path_capacity_bps(), [5.0])


def test_unreachable_source_gets_no_route_and_no_rate():
    r = routes(3, [0], [1], [10.0], [5.0], [0, 0, 4], [0, 2])
    np.testing.assert_array_equal(r.reachable, [False, True])
    rate, _ = fl.allocate_to_ground(r, np.array([10.0, 10.0]))
    np.testing.assert_array_equal(rate, [0.0, 4.0])


def test_best_downlink_takes_the_best_station_that_is_up():
    g = np.array([0, 1, 0, 1])
    s = np.array([0, 0, 2, 2])
    cap = np.array([1e9, 3e9, 2e9, 5e9])
    up = np.array([True, False])
    np.testing.assert_array_equal(fl.best_downlink_bps(g, s, cap, up, 3), [1e9, 0, 2e9])
    np.testing.assert_array_equal(fl.best_downlink_bps(g, s, cap, up, 3, 4e8), [4e8, 0, 4e8])


def test_water_filling_by_hand():
    # flows 0, 1 share resource 0 (capacity 10); flow 1 also crosses resource 1 (capacity 3);
    # flow 2 alone on resource 2 with demand 1: flow 1 -> 3, flow 0 -> 7, flow 2 -> 1
    rate, load = fl.max_min_fair(np.array([0, 1, 1, 2]), np.array([0, 0, 1, 2]),
                                 np.array([10.0, 3.0, 5.0]), np.array([20.0, 20.0, 1.0]))  # fmt: skip
    np.testing.assert_allclose(rate, [7.0, 3.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(load, [10.0, 3.0, 1.0], rtol=1e-12)


@st.composite
def path_problems(draw):
    n_f = draw(st.integers(1, 5))
    n_r = draw(st.integers(1, 5))
    hops = [draw(st.lists(st.integers(0, n_r - 1), min_size=1, max_size=n_r, unique=True))
            for _ in range(n_f)]  # fmt: skip
    hf = np.concatenate([[f] * len(h) for f, h in enumerate(hops)]).astype(int)
    hr = np.concatenate(hops).astype(int)
    cap = np.array(draw(st.lists(st.integers(0, 20), min_size=n_r, max_size=n_r)), float)
    dem = np.array(draw(st.lists(st.integers(0, 20), min_size=n_f, max_size=n_f)), float)
    return hf, hr, cap, dem


@given(path_problems())
@settings(max_examples=60, deadline=None)
def test_water_filling_equals_the_lexicographic_lp(problem):
    hf, hr, cap, dem = problem
    rate, load = fl.max_min_fair(hf, hr, cap, dem)
    exact = lp_max_min_fair(hf, hr, cap, dem)
    np.testing.assert_allclose(rate, exact, rtol=LP_RTOL, atol=LP_RTOL)
    assert (load <= cap * (1 + 1e-12) + 1e-12).all()
    assert (rate <= dem).all()


def test_single_path_total_is_half_the_lp_optimum_when_a_parallel_relay_idles():
    # sources 0 and 1 both reach relay 2 in one short hop; source 1 also reaches relay 3 (longer).
    # Each relay's downlink carries 1; the shortest paths put both flows on relay 2: total 1.
    # Over all paths (the LP) source 1 goes by relay 3: total 2.
    n, a, b, rng_m, cap = 4, [0, 1, 1], [2, 2, 3], [100, 100, 200], [10, 10, 10]
    down, src, dem = [0, 0, 1, 1], [0, 1], np.array([10.0, 10.0])
    rate, _ = fl.allocate_to_ground(routes(n, a, b, rng_m, cap, down, src), dem)
    np.testing.assert_allclose(rate, [0.5, 0.5], rtol=1e-12)
    exact = lp_max_throughput(n, a, b, cap, down, src, dem)
    assert abs(exact - 2.0) < LP_RTOL
    assert abs(rate.sum() / exact - 0.5) < LP_RTOL


@given(st.integers(0, 2**31))
@settings(max_examples=40, deadline=None)
def test_single_path_total_never_exceeds_the_lp_optimum(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 9))
    i, j = np.triu_indices(n, 1)
    keep = rng.random(len(i)) < 0.4
    a, b = i[keep], j[keep]
    rng_m = rng.uniform(1, 10, len(a))
    cap = rng.integers(1, 10, len(a)).astype(float)
    down = np.where(rng.random(n) < 0.4, rng.integers(1, 10, n), 0).astype(float)
    src = np.flatnonzero(rng.random(n) < 0.5)
    dem = rng.integers(0, 20, len(src)).astype(float)
    r = routes(n, a, b, rng_m, cap, down, src)
    rate, load = fl.allocate_to_ground(r, dem)
    exact = lp_max_throughput(n, a, b, cap, down, src, dem)
    assert rate.sum() <= exact * (1 + LP_RTOL) + LP_RTOL
    assert (load <= r.capacity_bps * (1 + 1e-12)).all()
    # routes that share no resource: each flow gets min(demand, its path's narrowest link)
    shared = np.bincount(r.hop_res[dem[r.hop_flow] > 0], minlength=1).max(initial=0) > 1
    if not shared:
        np.testing.assert_allclose(rate, np.minimum(dem, r.path_capacity_bps()), rtol=1e-12)


def test_direct_routes_give_min_of_demand_and_own_downlink():
    r = routes(3, [], [], [], [], [2.0, 0.0, 5.0], [0, 1, 2])
    assert r.direct
    rate, _ = fl.allocate_to_ground(r, np.array([3.0, 3.0, 3.0]), 60.0 / 8.0)
    np.testing.assert_allclose(rate, [3.0, 0.0, 3.0])
    rate, _ = fl.allocate_to_ground(r, np.array([30.0, 30.0, 30.0]), 60.0 / 8.0)
    np.testing.assert_allclose(rate, [15.0, 0.0, 30.0 * 1.0])


def test_payload_flow_by_hand_processor_sharing():
    # endpoint 0 sees satellites 0 and 1 (uplinks 10 each, 500 m); server is satellite 2;
    # ISL 0-2: capacity 4, 100 m; ISL 1-2: capacity 100, 300 m. Shortest: up to 0, then 0 -> 2.
    isl = (np.array([0, 1]), np.array([2, 2]), np.array([100.0, 300.0]), np.array([4.0, 100.0]))
    gsl = (np.array([0, 0]), np.array([0, 1]), np.array([500.0, 500.0]), np.array([10.0, 10.0]))
    b = 1.0  # bits per payload
    # demand 2 on capacity 4: rho = 0.5, all carried, delay (b / 4) / (1 - 0.5) = b / 2
    carried, delay = fl.payload_delivery(3, isl, gsl, np.array([0]), np.array([2]),
                                         np.array([2.0]), np.array([b]))  # fmt: skip
    np.testing.assert_allclose(carried, [1.0], rtol=1e-12)
    np.testing.assert_allclose(delay, [b / 2], rtol=1e-12)
    # demand 8: rho = 2, carried RHO_MAX / 2, delay (b / 4) / (1 - RHO_MAX)
    carried, delay = fl.payload_delivery(3, isl, gsl, np.array([0]), np.array([2]),
                                         np.array([8.0]), np.array([b]))  # fmt: skip
    np.testing.assert_allclose(carried, [fl.RHO_MAX / 2], rtol=1e-12)
    np.testing.assert_allclose(delay, [b / 4 / (1 - fl.RHO_MAX)], rtol=1e-12)
    # two flows on the same ISL (demands 1 and 1): each sees 4 - 1 = 3 left, rho = 1/3
    carried, delay = fl.payload_delivery(3, isl, gsl, np.array([0, 0]), np.array([2, 2]),
                                         np.array([1.0, 1.0]), np.array([b, b]))  # fmt: skip
    np.testing.assert_allclose(carried, [1.0, 1.0], rtol=1e-12)
    np.testing.assert_allclose(delay, [b / 3 / (1 - 1 / 3)] * 2, rtol=1e-12)


def test_payload_without_a_path_is_not_carried():
    isl = (np.array([0]), np.array([1]), np.array([100.0]), np.array([4.0]))
    gsl = (np.array([1]), np.array([0]), np.array([500.0]), np.array([10.0]))  # endpoint 1 only
    carried, delay = fl.payload_delivery(3, isl, gsl, np.array([0, 1, 1]), np.array([1, 1, 2]),
                                         np.array([1.0, 1.0, 1.0]), np.array([1.0] * 3))  # fmt: skip
    np.testing.assert_array_equal(carried, [0.0, 1.0, 0.0])  # sat 2 is not connected
    assert np.isinf(delay[[0, 2]]).all()
    assert np.isfinite(delay[1])
