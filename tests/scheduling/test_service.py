"""Inference service of one system: request conservation, bounds of the statistics, rejected
placements, and split-invariance of :func:`orbitcloud.scheduling.service.advance`."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scheduling import Placement, StepView, make_policy
from orbitcloud.scheduling import metrics as mt
from orbitcloud.scheduling import service as svc
from orbitcloud.workloads.latency import N_BINS, hist_percentiles, latency_bin

N_SAT, N_DC, N_CELL, N_CLASS, N_REG = 6, 2, 4, 3, 2
DT = 60.0


def params(rounds: int = 3) -> svc.ServiceParams:
    n = N_SAT + N_DC
    return svc.ServiceParams(
        DT, np.array([1, 0, 2]), np.array([10.0, 2.0, 600.0]), np.array([0.4, 0.2, 5.0]),
        np.array([256.0, 64.0, 1024.0]), rounds, np.array([0, 0, 1, 1]), N_REG, N_SAT,
        ["dc-a", "dc-b"], np.full(n, 1e3), np.full(n, 5e3), np.r_[np.ones(N_SAT), np.ones(N_DC)],
    )  # fmt: skip


def make_step(rng: np.random.Generator, k: int, load: float = 30.0) -> svc.ServiceStep:
    """A random step: a ring of satellites, two links per cell, some servers down, heavy demand."""
    n = N_SAT + N_DC
    ring = np.arange(N_SAT)
    cells = np.arange(N_CELL)
    gsl_ground = np.repeat(cells, 2)
    gsl_sat = rng.integers(0, N_SAT, 2 * N_CELL)
    server_ok = rng.random(n) > 0.2
    work = np.where(server_ok[:, None], rng.uniform(0.05, 2.0, (n, N_CLASS)), np.inf)
    view = StepView(
        k=k, dt_s=DT, n_sat=N_SAT, n_dc=N_DC, n_ground=N_CELL, cells=cells, isl_a=ring,
        isl_b=np.roll(ring, -1), isl_range_m=np.full(N_SAT, 1e6), gsl_ground=gsl_ground,
        gsl_sat=gsl_sat, gsl_range_m=rng.uniform(6e5, 1.5e6, 2 * N_CELL),
        ground_up=np.ones(N_CELL, bool), sat_usable=server_ok[:N_SAT],
        sat_sunlit=np.ones(N_SAT), sat_soc=np.ones(N_SAT), sat_throttled=np.zeros(N_SAT, bool),
        sat_in_saa=np.zeros(N_SAT, bool), sat_eclipse_soon=np.zeros(N_SAT, bool),
        dc_up=server_ok[N_SAT:], cell_fibre_up=rng.random(N_CELL) > 0.2,
        cell_dc_rtt_s=rng.uniform(0.01, 0.2, (N_CELL, N_DC)), gateways=np.zeros(0, np.int64),
        gw_up=np.zeros(0, bool), gw_dc_rtt_s=np.zeros((0, N_DC)), wait_s=np.zeros((n, N_CLASS)),
        full=np.zeros((n, N_CLASS), bool), access_rtt_s=0.01, orbital_access_rtt_s=0.002,
        min_battery_soc=0.3,
    )  # fmt: skip
    cnt = rng.poisson(load, (N_CELL, N_CLASS))
    ci, cc = np.nonzero(cnt)
    return svc.ServiceStep(k, int(rng.integers(0, 3)), view, ci, cc, cnt[ci, cc].astype(np.int64),
                           work, rng.uniform(0.01, 0.5, (n, N_CLASS)),
                           rng.uniform(10, 100, (n, N_CLASS)), server_ok)  # fmt: skip


def steps(seed: int, n: int = 12, load: float = 30.0) -> list[svc.ServiceStep]:
    rng = np.random.default_rng(seed)
    return [make_step(rng, k, load) for k in range(n)]


def empty() -> svc.ServiceState:
    return svc.ServiceState.empty(N_SAT + N_DC, N_CLASS, N_REG)


def assert_states_equal(a: svc.ServiceState, b: svc.ServiceState) -> None:
    for f in dataclasses.fields(svc.ServiceState):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray):
            np.testing.assert_array_equal(x, y, err_msg=f.name)
        else:
            assert x == y, f.name


@pytest.mark.parametrize("policy", ["terrestrial", "nearest", "energy-aware"])
@given(seed=st.integers(0, 2**31), cut=st.integers(1, 11))
@settings(max_examples=15, deadline=None)
def test_advance_is_split_invariant(policy, seed, cut):
    ss, pol, p = steps(seed), make_policy(policy), params()
    whole, rows = svc.advance(empty(), ss, pol, p)
    half, r1 = svc.advance(empty(), ss[:cut], pol, p)
    both, r2 = svc.advance(half, ss[cut:], pol, p)
    assert_states_equal(whole, both)
    for a, b in zip(rows, r1 + r2, strict=True):
        for f in dataclasses.fields(svc.StepRow):
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name))


@pytest.mark.parametrize("policy", ["terrestrial", "nearest"])
@given(seed=st.integers(0, 2**31), load=st.sampled_from([1.0, 30.0, 3000.0]))
@settings(max_examples=15, deadline=None)
def test_every_request_is_admitted_or_dropped_then_served_queued_or_stranded(policy, seed, load):
    ss, p = steps(seed, load=load), params()
    end, rows = svc.advance(empty(), ss, make_policy(policy), p)
    for s, row in zip(ss, rows, strict=True):
        np.testing.assert_array_equal(row.requests, row.admitted + row.dropped)  # per class
        assert row.requests.sum() == s.count.sum()
        assert (row.slo_violations <= row.admitted).all()
    total = sum(int(s.count.sum()) for s in ss)
    assert total == end.served + int(end.queue.sum()) + sum(end.dropped.values()) + end.stranded
    c = end.counts
    np.testing.assert_array_equal(c[..., 0], c[..., 1] + c[..., 2])  # per region, period, class
    np.testing.assert_array_equal(end.hist.sum(axis=-1), c[..., 1])  # one latency per admitted
    summary = mt.system_summary(end, total, policy)
    assert summary["conserved"]
    assert end.e_idle_j >= 0
    assert end.e_dynamic_j >= 0
    assert 0.0 <= end.busy_s <= end.usable_s + 1e-9


@given(seed=st.integers(0, 2**31), load=st.sampled_from([1.0, 300.0, 3000.0]))
@settings(max_examples=20, deadline=None)
def test_served_fractions_are_fractions_and_percentiles_are_ordered(seed, load):
    end, _ = svc.advance(empty(), steps(seed, load=load), make_policy("nearest"), params())
    rows = mt.region_metric_rows("orbital", end, ["r0", "r1"], ["a", "b", "c"], True)
    assert rows
    for r in rows:
        rec = dict(zip(mt.ROW_FIELDS, r, strict=True))
        assert rec["requests"] == rec["admitted"] + rec["dropped"]
        assert 0.0 <= rec["served_fraction"] <= 1.0
        assert 0.0 <= rec["slo_violation_fraction"] <= 1.0
        if rec["admitted"]:
            assert rec["p50_ms"] <= rec["p95_ms"] <= rec["p99_ms"]
        else:
            assert rec["p50_ms"] is None


class AlwaysFirstSatellite:
    """A buggy policy: everything to satellite 0, whether it can compute or not."""

    name = "test-first-satellite"
    system = "orbital"

    def place(self, view: StepView, cell: np.ndarray, cls: np.ndarray) -> Placement:
        return Placement(np.zeros(len(cell), np.int64), np.full(len(cell), 0.01))


def test_placements_on_servers_that_cannot_compute_are_rejected_and_reported():
    ss = steps(7)
    ss = [dataclasses.replace(s, server_ok=np.r_[False, s.server_ok[1:]]) for s in ss]
    end, rows = svc.advance(empty(), ss, AlwaysFirstSatellite(), params())
    total = sum(int(s.count.sum()) for s in ss)
    assert end.dropped["policy_error"] == total
    assert end.served == 0
    assert sum(r.admitted.sum() for r in rows) == 0
    assert len(end.policy_errors_first) == svc.MAX_POLICY_ERRORS
    assert "satellite 0, which cannot compute" in end.policy_errors_first[0]


def test_advance_does_not_change_its_input_state():
    ss, pol, p = steps(11), make_policy("nearest"), params()
    s1, _ = svc.advance(empty(), ss[:4], pol, p)
    copy = svc.advance(s1, [], pol, p)[0]
    svc.advance(s1, ss[4:], pol, p)
    assert_states_equal(s1, copy)


# ------------------------------------------------------------------ latency decomposition, stranding
class _Fixed:
    """One satellite serves everything; cell 0 is 30 ms away (RTT, 10 ms of it access), cell 1
    530 ms away."""

    name = "fixed"
    system = "orbital"

    def place(self, view, cell, cls):
        return Placement(np.zeros(len(cell), np.int64), np.where(cell == 0, 0.030, 0.530))


def _one_sat(counts, server_ok=True, work_s=1.0, prefill_s=0.2, k=0):
    """A step on one satellite (no data centre), one class; ``counts`` per cell (2 cells)."""
    view = StepView(
        k=k, dt_s=DT, n_sat=1, n_dc=0, n_ground=2, cells=np.arange(2), isl_a=np.zeros(0, int),
        isl_b=np.zeros(0, int), isl_range_m=np.zeros(0), gsl_ground=np.zeros(0, int),
        gsl_sat=np.zeros(0, int), gsl_range_m=np.zeros(0), ground_up=np.ones(2, bool),
        sat_usable=np.array([server_ok]), sat_sunlit=np.ones(1), sat_soc=np.ones(1),
        sat_throttled=np.zeros(1, bool), sat_in_saa=np.zeros(1, bool),
        sat_eclipse_soon=np.zeros(1, bool), dc_up=np.zeros(0, bool),
        cell_fibre_up=np.ones(2, bool), cell_dc_rtt_s=np.zeros((2, 0)),
        gateways=np.zeros(0, np.int64), gw_up=np.zeros(0, bool), gw_dc_rtt_s=np.zeros((0, 0)),
        wait_s=np.zeros((1, 1)), full=np.zeros((1, 1), bool), access_rtt_s=0.005,
        orbital_access_rtt_s=0.010, min_battery_soc=0.3,
    )  # fmt: skip
    counts = np.asarray(counts, np.int64)
    ci = np.flatnonzero(counts)
    work = np.full((1, 1), work_s if server_ok else np.inf)
    return svc.ServiceStep(k, 0, view, ci, np.zeros(len(ci), np.int64), counts[ci], work,
                           np.full((1, 1), prefill_s), np.full((1, 1), 50.0),
                           np.array([server_ok]))  # fmt: skip


def _one_sat_params(max_wait_s=1e4):
    return svc.ServiceParams(
        DT, np.array([0]), np.array([max_wait_s]), np.array([10.0]), np.array([100.0]), 1,
        np.array([0, 0]), 1, 1, [], np.full(1, 100.0), np.full(1, 700.0), np.ones(1),
    )  # fmt: skip


HIST_BIN = 10**0.01 - 1.0
"""Relative width of a latency histogram bin (100 per decade: 2.33 %): the resolution of every
percentile, and of which requests count as 'the tail'."""


def test_latency_components_by_hand():
    """Cell 0: 10 requests, cell 1: 1 request, one satellite, 1 s of work each, 0.2 s prefill.

    By hand: 11 arrivals in a 60 s step with deterministic 1 s service: Cobham/Pollaczek-
    Khinchine wait W = lambda E[S^2] / (2 (1 - rho)) = (11/60)(1)/(2 (1 - 11/60)) = 11/98 s.
    Cell 0: access 10 + propagation 20 + queue 112.245 + prefill 200 = 342.245 ms; cell 1:
    10 + 520 + 112.245 + 200 = 842.245 ms (the p95 and p99 requests: 1 of 11 is 9 %)."""
    wait_ms = 11.0 / 98.0 * 1e3
    end, _ = svc.advance(svc.ServiceState.empty(1, 1, 1), [_one_sat([10, 1])], _Fixed(),
                         _one_sat_params())  # fmt: skip
    rows = mt.component_rows("orbital", end, ["r"], ["c"], False)
    by = {r[4]: dict(zip(mt.COMPONENT_FIELDS, r, strict=True))
          for r in rows if r[0] == "all" and r[3] == "all"}  # fmt: skip
    hand_mean = {"access": 10.0, "propagation": (10 * 20.0 + 520.0) / 11, "transfer": 0.0,
                 "queueing": wait_ms, "compute": 200.0}  # fmt: skip
    hand_tail = {"access": 10.0, "propagation": 520.0, "transfer": 0.0, "queueing": wait_ms,
                 "compute": 200.0}  # fmt: skip
    for c in svc.COMPONENTS:
        assert by[c]["mean_ms"] == pytest.approx(hand_mean[c], rel=1e-9), c
        assert by[c]["tail_p99_ms"] == pytest.approx(hand_tail[c], rel=1e-9), c
        assert by[c]["median_ms"] == pytest.approx(
            hand_tail[c] if c != "propagation" else 20.0, rel=1e-9), c  # fmt: skip
    # the components add up to the total, per request set (exact sums, not histograms)
    for f in ("mean_ms", "median_ms", "tail_p95_ms", "tail_p99_ms"):
        assert sum(by[c][f] for c in svc.COMPONENTS) == pytest.approx(by["total"][f], rel=1e-12)
    # percentiles within one histogram bin of the hand values
    assert by["total"]["p50_ms"] == pytest.approx(342.245, rel=HIST_BIN)
    assert by["total"]["p99_ms"] == pytest.approx(842.245, rel=HIST_BIN)
    assert by["propagation"]["p50_ms"] == pytest.approx(20.0, rel=HIST_BIN)
    assert by["transfer"]["p99_ms"] == 0.0
    assert by["propagation"]["share_p99"] == pytest.approx(520.0 / 842.245, rel=1e-5)
    tail = mt.tail_explanation("orbital", end, rows, [_Cls("c", 1e4, 10_000.0)], 0.1, 0.0, "off")
    assert tail is not None
    assert tail["driver"] == "propagation"  # 520 of 842 ms in the slowest request


class _Cls:
    def __init__(self, name, max_wait_s, slo_ttft_ms):
        self.name, self.max_wait_s, self.slo_ttft_ms = name, max_wait_s, slo_ttft_ms


def test_stranded_requests_are_not_served():
    """100 requests of 1 s on one satellite in a 60 s step: 60 served, 40 queued; the next step
    the satellite stops computing (eclipse) and strands the 40. Served fraction 0.6, not 1
    (the old code counted every admitted request as served)."""
    p = _one_sat_params()
    end, _ = svc.advance(svc.ServiceState.empty(1, 1, 1),
                         [_one_sat([100, 0]), _one_sat([0, 0], server_ok=False, k=1)], _Fixed(), p)  # fmt: skip
    assert end.served == 60
    assert end.stranded == 40
    (row,) = [r for r in mt.region_metric_rows("orbital", end, ["r"], ["c"], False)
              if r[0] == "r" and r[3] == "c"]  # fmt: skip
    rec = dict(zip(mt.ROW_FIELDS, row, strict=True))
    assert rec["admitted"] == 100
    assert rec["stranded"] == 40
    assert rec["served_fraction"] == pytest.approx(0.6)
    assert rec["slo_violation_fraction"] >= 0.4  # never served: over any objective


@pytest.mark.parametrize("policy", ["terrestrial", "nearest"])
@given(seed=st.integers(0, 2**31), load=st.sampled_from([1.0, 30.0, 3000.0]))
@settings(max_examples=10, deadline=None)
def test_queue_mix_follows_the_queue_and_stranded_add_up(policy, seed, load):
    end, _ = svc.advance(empty(), steps(seed, load=load), make_policy(policy), params())
    np.testing.assert_array_equal(end.queue_mix.sum(axis=-1), end.queue)
    assert end.stranded_by.sum() == end.stranded
    assert (end.queue_mix >= 0).all()
    np.testing.assert_array_equal(end.comp_hist.sum(axis=-1)[..., 0], end.counts[..., 1])


class _OneServer:
    """Every group to server 0 unless it is full for the class (a test policy)."""

    name = "one-server"
    system = "terrestrial"

    def place(self, view, cell, cls):
        free = ~view.full[0, cls]
        return Placement(np.where(free, 0, -1), np.where(free, 0.0, np.inf))


def _one_server_step(high: int, low: int, dt: float, work: float) -> svc.ServiceStep:
    view = StepView(
        k=0, dt_s=dt, n_sat=0, n_dc=1, n_ground=1, cells=np.array([0]),
        isl_a=np.zeros(0, np.int64), isl_b=np.zeros(0, np.int64), isl_range_m=np.zeros(0),
        gsl_ground=np.zeros(0, np.int64), gsl_sat=np.zeros(0, np.int64), gsl_range_m=np.zeros(0),
        ground_up=np.ones(1, bool), sat_usable=np.zeros(0, bool), sat_sunlit=np.zeros(0),
        sat_soc=np.zeros(0), sat_throttled=np.zeros(0, bool), sat_in_saa=np.zeros(0, bool),
        sat_eclipse_soon=np.zeros(0, bool), dc_up=np.ones(1, bool), cell_fibre_up=np.ones(1, bool),
        cell_dc_rtt_s=np.zeros((1, 1)), gateways=np.zeros(0, np.int64), gw_up=np.zeros(0, bool),
        gw_dc_rtt_s=np.zeros((0, 1)), wait_s=np.zeros((1, 2)), full=np.zeros((1, 2), bool),
        access_rtt_s=0.0, orbital_access_rtt_s=0.0, min_battery_soc=0.3,
    )  # fmt: skip
    return svc.ServiceStep(0, 0, view, np.array([0, 0]), np.array([0, 1]),
                           np.array([high, low], dtype=np.int64), np.full((1, 2), work),
                           np.zeros((1, 2)), np.ones((1, 2)), np.ones(1, bool))  # fmt: skip


def test_low_class_behind_an_overloading_high_class_by_hand():
    # One server, dt = 100 s, deterministic service w = 1 s for both classes, no backlog;
    # class 0 (priority 0, limit 10 s) offers 70 requests, class 1 (priority 1, limit 6 s) 50.
    # Cobham (non-preemptive priority M/G/1), W0 = sum a_i w^2 / (2 dt):
    #   high: W_h = W0 / (1 - s_h)                         (s_h = 70/100 = 0.7)
    #   low:  W_l = W0 / ((1 - s_h)(1 - s_h - y w / dt))   for y low requests admitted.
    # All 70 high fit (W_h(y = 0) = 0.35 / 0.3 = 1.17 s). The low class is admitted while
    # (70 + y) / 200 <= 6 x 0.3 x (0.3 - y / 100)  <=>  0.023 y <= 0.19  <=>  y <= 8.26: 8 of 50
    # (then 1 - s = 0.22 >= sqrt(w / dt) = 0.1: Cobham's piece, no fluid floor). Waits:
    # W_l = 0.39 / (0.3 x 0.22) = 5.909 s <= 6 s and W_h = 0.39 / 0.3 = 1.3 s. The old code
    # admitted all 50 low requests against the wait before the high ones (W_l 53 s > 6 s).
    dt, w = 100.0, 1.0
    p = svc.ServiceParams(
        dt, np.array([0, 1]), np.array([10.0, 6.0]), np.array([100.0, 100.0]),
        np.array([1.0, 1.0]), 1, np.array([0]), 1, 0, ["dc"], np.ones(1), np.ones(1), np.ones(1),
    )  # fmt: skip
    st0 = svc.ServiceState.empty(1, 2, 1)
    st1, _ = svc.advance(st0, [_one_server_step(70, 50, dt, w)], _OneServer(), p)
    admitted = st1.counts[0, 0, :, 1]
    assert admitted.tolist() == [70, 8]
    assert st1.dropped["capacity"] == 42
    q = svc.COMPONENTS.index("queueing")
    wait_s = st1.comp_sum_ms[0, 0, :, :, q].sum(axis=1) / admitted / 1e3
    np.testing.assert_allclose(wait_s, [0.39 / 0.3, 0.39 / (0.3 * 0.22)], rtol=1e-9)
    assert (wait_s <= p.max_wait_s).all()


@pytest.mark.parametrize("policy", ["terrestrial", "nearest", "energy-aware"])
@given(seed=st.integers(0, 2**31), load=st.sampled_from([5.0, 60.0, 400.0]))
@settings(max_examples=15, deadline=None)
def test_no_request_is_admitted_with_a_wait_above_its_class_limit(policy, seed, load):
    ss = steps(seed, 6, load)
    pol, p = make_policy(policy), params()
    state, _ = svc.advance(empty(), ss[:-1], pol, p)  # a backlog from earlier steps
    arr, wait, _, _ = svc._place(state, ss[-1], pol, p)
    over = (arr > 0) & (wait > p.max_wait_s[None, :] * (1 + 1e-9))
    assert not over.any(), wait[over]


# ------------------------------------------------------------------ per-step percentiles (requests)
def test_step_percentiles_of_literal_latencies_by_hand():
    """Two steps on one satellite, as in :func:`test_latency_components_by_hand`: cell 0 sees
    10 + 20 + 112.245 + 200 = 342.245 ms, cell 1 842.245 ms (11 requests of 1 s per 60 s step,
    all served within the step, so each step starts empty and waits 11/98 s).
    Step 0: 10 at 342 ms, 1 at 842 ms: p50 is the 5.5th of 11 -> 342 ms, p95 the 10.45th ->
    842 ms. Step 1: 1 at 342 ms, 10 at 842 ms: p50 and p95 842 ms. The run: 11 and 11, p50 at
    342 ms, p95 at 842 ms."""
    lo, hi = 10 + 20 + 11.0 / 98.0 * 1e3 + 200, 10 + 520 + 11.0 / 98.0 * 1e3 + 200
    ss = [_one_sat([10, 1], k=0), _one_sat([1, 10], k=1)]
    end, rows = svc.advance(svc.ServiceState.empty(1, 1, 1), ss, _Fixed(), _one_sat_params())
    got = [(r.latency_p50_ms[0], r.latency_p95_ms[0]) for r in rows]
    assert got[0] == pytest.approx((lo, hi), rel=HIST_BIN)
    assert got[1] == pytest.approx((hi, hi), rel=HIST_BIN)
    # the same bins as region_metrics: histograms of the literal latencies, summed over the
    # steps, give region_metrics' percentiles exactly
    bins = latency_bin(np.array([lo, hi]))
    h0, h1 = np.zeros(N_BINS), np.zeros(N_BINS)
    np.add.at(h0, bins, [10, 1])
    np.add.at(h1, bins, [1, 10])
    assert got[0] == tuple(hist_percentiles(h0, (50, 95)))
    assert got[1] == tuple(hist_percentiles(h1, (50, 95)))
    (row,) = [r for r in mt.region_metric_rows("orbital", end, ["r"], ["c"], False)
              if r[0] == "r" and r[3] == "c"]  # fmt: skip
    rec = dict(zip(mt.ROW_FIELDS, row, strict=True))
    assert [rec["p50_ms"], rec["p95_ms"]] == hist_percentiles(h0 + h1, (50, 95))
    assert rec["p50_ms"] == pytest.approx(lo, rel=HIST_BIN)
    assert rec["p95_ms"] == pytest.approx(hi, rel=HIST_BIN)


@given(seed=st.integers(0, 2**31), load=st.sampled_from([1.0, 60.0, 3000.0]))
@settings(max_examples=10, deadline=None)
def test_step_percentiles_are_read_from_the_state_histogram_bins(seed, load):
    """Each row's p50/p95 is the percentile of what the step added to ``ServiceState.hist``
    for its region and class (so they add up to region_metrics); NaN exactly where none was
    admitted; p50 <= p95."""
    pol, p, state = make_policy("nearest"), params(), empty()
    for s in steps(seed, 6, load):
        after, (row,) = svc.advance(state, [s], pol, p)
        added = (after.hist - state.hist).sum(axis=1).reshape(N_REG * N_CLASS, N_BINS)
        none = row.admitted == 0
        np.testing.assert_array_equal(np.isnan(row.latency_p50_ms), none)
        np.testing.assert_array_equal(np.isnan(row.latency_p95_ms), none)
        assert (row.latency_p50_ms[~none] <= row.latency_p95_ms[~none]).all()
        for r in np.flatnonzero(~none):
            want = hist_percentiles(added[r], (50, 95))
            assert [row.latency_p50_ms[r], row.latency_p95_ms[r]] == want
        state = after
