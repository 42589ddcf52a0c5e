"""Earth observation as flows: hand-computable bottlenecks, sharing, and the direct-downlink case.

The time to insight of a burst of X bytes captured in one step and drained at C bytes per step
through its narrowest link is ceil(X / C) steps (the completion step counts whole, capture
starts at the step's start): a hand-made figure that cutting C must move by the hand-made
amount.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.network import flows as fl
from orbitcloud.workloads import earth_observation as eo

DT = 60.0
ALLOC = fl.allocate_to_ground
FPB, FRAC = 2e4, 0.02
GB = 1e9


def relay_routes(n_t: int, isl_bps: float, down_bps: float, n_imagers: int = 1):
    """Imagers 0..n-1 see no station; each has one ISL to relay n, whose downlink is down_bps."""
    n = n_imagers
    a = np.arange(n)
    b = np.full(n, n)
    down = np.zeros(n + 1)
    down[n] = down_bps
    r = fl.routes_to_ground(n + 1, a, b, np.full(n, 1e6), np.full(n, isl_bps), down, a)
    return [r] * n_t


def burst(n_t: int, x_b: float, n: int = 1) -> np.ndarray:
    cap = np.zeros((n_t, n))
    cap[0] = x_b
    return cap


def time_to_insight_min(isl_bps: float, down_bps: float, x_b: float, n: int = 1) -> dict:
    n_t = 40
    routes = relay_routes(n_t, isl_bps, down_bps, n)
    flops = np.zeros((n_t, n))
    _, out, use = eo.advance_routed(eo.Backlog.empty(n), burst(n_t, x_b, n), routes, ALLOC, flops, DT,
                                    FPB, FRAC)  # fmt: skip
    s = eo.insight_summary(out.captured_b, out.raw_done_b, out.edge_done_b, out.product_down_b,
                           DT, 0.0)  # fmt: skip
    return {"summary": s["raw-downlink"], "use": use["raw-downlink"], "out": out}


def test_cutting_the_isl_moves_time_to_insight_by_the_hand_computed_amount():
    x = 30 * GB  # 30 GB burst; ISL 1 Gbit/s moves 7.5 GB a step, 0.4 Gbit/s moves 3 GB
    fast = time_to_insight_min(1e9, 10e9, x)["summary"]
    slow = time_to_insight_min(0.4e9, 10e9, x)["summary"]
    assert fast["insight_mean_min"] == math.ceil(30 / 7.5)  # 4 steps of one minute
    assert slow["insight_mean_min"] == math.ceil(30 / 3.0)  # 10
    assert slow["insight_mean_min"] - fast["insight_mean_min"] == 6
    # the histogram percentile agrees within its bin width (2.3 %)
    assert abs(slow["insight_p50_min"] / 10 - 1) < 0.023


def test_the_narrowest_link_sets_the_pace_downlink_then_isl():
    x = 12 * GB
    # downlink 0.8 Gbit/s = 6 GB a step: 2 steps; ISL 10 Gbit/s is not the bottleneck
    got = time_to_insight_min(10e9, 0.8e9, x)
    assert got["summary"]["insight_mean_min"] == 2
    use = got["use"]
    c = {k: i for i, k in enumerate(eo.USE_COLUMNS)}
    np.testing.assert_allclose(use[:2, c["downlink_utilisation_max"]], [1.0, 1.0])
    np.testing.assert_allclose(use[:2, c["isl_utilisation_max"]], [6 / 75, 6 / 75])
    np.testing.assert_allclose(use[:3, c["queued_b"]], [6 * GB, 0.0, 0.0])
    np.testing.assert_allclose(use[:3, c["sent_b"]], [6 * GB, 6 * GB, 0.0])
    # downlink cut to 0.2 Gbit/s = 1.5 GB a step: 8 steps
    assert time_to_insight_min(10e9, 0.2e9, x)["summary"]["insight_mean_min"] == 8


def test_imagers_sharing_a_relay_share_its_downlink_fairly():
    # two imagers, 6 GB each, one relay downlink of 0.8 Gbit/s (6 GB a step): 3 GB each a step,
    # both done after 2 steps; alone, each would take 1 step
    got = time_to_insight_min(10e9, 0.8e9, 6 * GB, n=2)
    np.testing.assert_allclose(got["out"].raw_done_b[:2], [[3 * GB, 3 * GB]] * 2)
    assert got["summary"]["insight_mean_min"] == 2
    assert time_to_insight_min(10e9, 0.8e9, 6 * GB, n=1)["summary"]["insight_mean_min"] == 1


def drivers(seed: int, n_t: int = 60, n: int = 4):
    rng = np.random.default_rng(seed)
    cap = np.where(rng.random((n_t, n)) > 0.6, 6e9, 0.0)
    down_bps = np.where(rng.random((n_t, n)) > 0.7, rng.choice([0.4e9, 0.8e9], (n_t, n)), 0.0)
    flops = np.where(rng.random((n_t, n)) > 0.3, 2e15, 0.0)
    return cap, down_bps, flops


def isl_ring_routes(down_bps: np.ndarray, seed: int):
    """A ring of the imagers with ISLs of random capacity (changing per step)."""
    n_t, n = down_bps.shape
    rng = np.random.default_rng(seed + 1)
    a = np.arange(n)
    b = (a + 1) % n
    out = []
    for k in range(n_t):
        cap = rng.choice([0.1e9, 1e9, 10e9], n)
        out.append(fl.routes_to_ground(n, a, b, rng.uniform(1e5, 1e6, n), cap, down_bps[k], a))
    return out


@given(st.integers(0, 2**31))
@settings(max_examples=30, deadline=None)
def test_direct_routes_reproduce_the_fifo_model(seed):
    cap, down_bps, flops = drivers(seed)
    n = cap.shape[1]
    routes = [fl.routes_to_ground(n, np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(0),
                                  d, np.arange(n)) for d in down_bps]  # fmt: skip
    s0 = eo.Backlog.empty(n)
    ref_state, ref = eo.advance(s0, cap, down_bps * (DT / 8.0), flops, DT, FPB, FRAC)
    state, out, _ = eo.advance_routed(s0, cap, routes, ALLOC, flops, DT, FPB, FRAC)
    for f in ("raw_done_b", "edge_done_b", "product_down_b"):
        np.testing.assert_array_equal(getattr(out, f), getattr(ref, f))
    np.testing.assert_array_equal(state.raw_b, ref_state.raw_b)


@given(st.integers(0, 2**31), st.integers(1, 59))
@settings(max_examples=30, deadline=None)
def test_routed_advance_is_split_invariant_and_conserves_bytes(seed, cut):
    cap, down_bps, flops = drivers(seed)
    routes = isl_ring_routes(down_bps, seed)
    s0 = eo.Backlog.empty(cap.shape[1])
    whole, out, use = eo.advance_routed(s0, cap, routes, ALLOC, flops, DT, FPB, FRAC)
    half, o1, u1 = eo.advance_routed(s0, cap[:cut], routes[:cut], ALLOC, flops[:cut], DT, FPB, FRAC)
    both, o2, u2 = eo.advance_routed(
        half, cap[cut:], routes[cut:], ALLOC, flops[cut:], DT, FPB, FRAC
    )
    for f in ("raw_b", "unprocessed_b", "product_b"):
        np.testing.assert_array_equal(getattr(whole, f), getattr(both, f))
    for f in ("raw_done_b", "edge_done_b", "product_down_b"):
        np.testing.assert_array_equal(getattr(out, f), np.vstack([getattr(o1, f), getattr(o2, f)]))
    for m in eo.MODES:
        np.testing.assert_array_equal(use[m], np.vstack([u1[m], u2[m]]))
    np.testing.assert_allclose(out.raw_done_b.sum(0) + whole.raw_b, cap.sum(0), rtol=1e-12)
    c = {k: i for i, k in enumerate(eo.USE_COLUMNS)}
    for m in eo.MODES:
        u = use[m]
        assert (u[:, c["isl_utilisation_max"]] <= 1 + 1e-9).all()
        assert (u[:, c["downlink_utilisation_max"]] <= 1 + 1e-9).all()
        assert (u[:, c["downlink_load_b"]] <= u[:, c["downlink_capacity_b"]] * (1 + 1e-12)).all()
    # what reached the ground per step is what the queue lost
    np.testing.assert_allclose(use["raw-downlink"][:, c["sent_b"]], out.raw_done_b.sum(1),
                               rtol=1e-12)  # fmt: skip


def test_relaying_over_isls_delivers_more_and_sooner_than_waiting_for_a_pass():
    cap, down_bps, flops = drivers(7, n_t=200)
    n = cap.shape[1]
    s0 = eo.Backlog.empty(n)
    direct = [fl.routes_to_ground(n, np.zeros(0, int), np.zeros(0, int), np.zeros(0), np.zeros(0),
                                  d, np.arange(n)) for d in down_bps]  # fmt: skip
    _, o_direct, _ = eo.advance_routed(s0, cap, direct, ALLOC, flops, DT, FPB, FRAC)
    _, o_isl, _ = eo.advance_routed(
        s0, cap, isl_ring_routes(down_bps, 7), ALLOC, flops, DT, FPB, FRAC
    )
    assert o_isl.raw_done_b.sum() >= o_direct.raw_done_b.sum()
    s_d = eo.insight_summary(cap, o_direct.raw_done_b, o_direct.edge_done_b,
                             o_direct.product_down_b, DT, 0.0)  # fmt: skip
    s_i = eo.insight_summary(cap, o_isl.raw_done_b, o_isl.edge_done_b, o_isl.product_down_b, DT,
                             0.0)  # fmt: skip
    assert s_i["raw-downlink"]["insight_mean_min"] < s_d["raw-downlink"]["insight_mean_min"]
