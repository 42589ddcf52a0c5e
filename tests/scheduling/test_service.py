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
