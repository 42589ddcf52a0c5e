"""Earth observation chain: capture, downlink, both modes' queues (conservation,
split-invariance) and the capture-to-insight summary."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scenario.operations import RegionSpec
from orbitcloud.workloads import earth_observation as eo

DT = 60.0
FPB, FRAC = 2e4, 0.02


def drivers(seed: int, n_t: int = 80, n: int = 5) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    cap = np.where(rng.random((n_t, n)) > 0.6, 6e9, 0.0)  # 800 Mbit/s for 60 s, or nothing
    down = np.where(rng.random((n_t, n)) > 0.85, 6e9, 0.0)
    flops = np.where(rng.random((n_t, n)) > 0.3, 2e15, 0.0)
    return cap, down, flops


@given(st.integers(0, 2**31), st.integers(1, 79))
@settings(max_examples=40, deadline=None)
def test_advance_is_split_invariant(seed, cut):
    cap, down, flops = drivers(seed)
    s0 = eo.Backlog.empty(cap.shape[1])
    whole, out = eo.advance(s0, cap, down, flops, DT, FPB, FRAC)
    half, o1 = eo.advance(s0, cap[:cut], down[:cut], flops[:cut], DT, FPB, FRAC)
    both, o2 = eo.advance(half, cap[cut:], down[cut:], flops[cut:], DT, FPB, FRAC)
    for f in ("raw_b", "unprocessed_b", "product_b"):
        np.testing.assert_array_equal(getattr(whole, f), getattr(both, f))
    for f in ("captured_b", "raw_done_b", "edge_done_b", "product_down_b"):
        np.testing.assert_array_equal(getattr(out, f),
                                      np.vstack([getattr(o1, f), getattr(o2, f)]))  # fmt: skip


@given(st.integers(0, 2**31))
@settings(max_examples=40, deadline=None)
def test_every_byte_is_downlinked_or_still_on_board(seed):
    cap, down, flops = drivers(seed)
    end, out = eo.advance(eo.Backlog.empty(cap.shape[1]), cap, down, flops, DT, FPB, FRAC)
    np.testing.assert_allclose(out.raw_done_b.sum(0) + end.raw_b, cap.sum(0), rtol=1e-12)
    # orbital edge, in raw-byte units: products downlinked + products waiting + unprocessed
    np.testing.assert_allclose(out.edge_done_b.sum(0) + end.product_b / FRAC + end.unprocessed_b,
                               cap.sum(0), rtol=1e-9)  # fmt: skip
    assert (out.raw_done_b <= down + 1e-6).all()
    assert (out.product_down_b <= down + 1e-6).all()


def test_downlink_takes_the_best_station_that_is_up():
    # links: imager 0 (sat 2) to stations 0 (1 Gbit/s) and 1 (2 Gbit/s, down); sat 3 is no imager
    gsl_ground = np.array([0, 1, 0])
    gsl_sat = np.array([2, 2, 3])
    rate = np.array([1e9, 2e9, 5e9])
    imager = np.array([-1, -1, 0, -1])
    up = np.array([True, False])
    got = eo.downlink_bytes(gsl_ground, gsl_sat, rate, up, imager, 1, DT)
    np.testing.assert_allclose(got, [1e9 / 8 * DT])
    fixed = eo.downlink_bytes(gsl_ground, gsl_sat, rate, np.array([True, True]), imager, 1, DT,
                              downlink_bps=3e8)  # fmt: skip
    np.testing.assert_allclose(fixed, [3e8 / 8 * DT])


def test_capture_only_over_the_region_and_in_daylight():
    region = RegionSpec(name="box", bbox_deg=[-10.0, 30.0, 30.0, 60.0])
    lat = np.radians([[45.0, 45.0, -20.0]])
    lon = np.radians([[10.0, 10.0, 10.0]])
    valid = np.array([[True, False, True]])
    got = eo.capture_bytes(lat, lon, valid, [region], 800.0, DT)
    np.testing.assert_allclose(got, [[800e6 / 8 * DT, 0.0, 0.0]])
    # the same point with the Sun overhead, then behind the Earth
    r = np.array([[[7e6, 0.0, 0.0]] * 3])
    day = eo.capture_bytes(lat, lon, valid, [region], 800.0, DT, r, np.array([[1.5e11, 0, 0]]))
    night = eo.capture_bytes(lat, lon, valid, [region], 800.0, DT, r, np.array([[-1.5e11, 0, 0]]))
    np.testing.assert_allclose(day, got)
    assert (night == 0).all()


def test_insight_summary_of_a_hand_made_stream():
    # 10 B captured at step 0; raw goes down at step 3, the product at step 1
    cap = np.array([[10.0], [0], [0], [0]])
    raw = np.array([[0.0], [0], [0], [10]])
    edge = np.array([[0.0], [10], [0], [0]])
    out = eo.insight_summary(cap, raw, edge, edge * FRAC, DT, 1800.0)
    r, e = out["raw-downlink"], out["orbital-edge"]
    assert r["captured_gb"] == e["captured_gb"] == 10 / 1e9
    assert r["pending_gb"] == e["pending_gb"] == 0.0
    # latency: steps from capture to done + one step (+ ground processing for raw)
    assert abs(r["insight_p50_min"] - (3 * DT + DT + 1800.0) / 60.0) < 0.03 * r["insight_p50_min"]
    assert abs(e["insight_p50_min"] - (1 * DT + DT) / 60.0) < 0.03 * e["insight_p50_min"]
    for m in (r, e):
        assert m["insight_p50_min"] <= m["insight_p95_min"] <= m["insight_p99_min"]
    assert e["downlinked_gb"] == FRAC * r["downlinked_gb"]
