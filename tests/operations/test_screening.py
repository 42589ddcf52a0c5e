"""Conjunction screening over chunks, assessment and tally (orbitcloud.operations.screening)."""

from __future__ import annotations

import itertools
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.constants import MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.operations import conjunction as cj
from orbitcloud.operations import screening
from orbitcloud.scenario.orbit_ops import ConjunctionSpec

DT, N_T = 60.0, 30
A_M = R_EARTH_M + 550e3
MISS_M = 300.0


def _circle(a_m, inc_rad, u_at_tc, t_s):
    """Circular orbit with its node on +x: position, velocity (n_t, 3) at times t from TCA."""
    n = np.sqrt(MU_EARTH_M3_S2 / a_m**3)
    u = u_at_tc + n * t_s
    p = np.array([1.0, 0.0, 0.0])
    q = np.array([0.0, np.cos(inc_rad), np.sin(inc_rad)])
    r = a_m * (np.cos(u)[:, None] * p + np.sin(u)[:, None] * q)
    v = a_m * n * (-np.sin(u)[:, None] * p + np.cos(u)[:, None] * q)
    return r, v


def _scene(tc_s: float):
    """Satellites 0 and 1 cross the node +x at tc, 300 m apart radially; 2 and 3 are elsewhere
    (satellite 3 never closer than hundreds of km); one background object crosses at tc too."""
    t = np.arange(N_T) * DT - tc_s
    orbits = [(A_M, 0.0, 0.0), (A_M + MISS_M, np.radians(60), 0.0),
              (A_M, np.radians(97), 2.0), (A_M + 20e3, np.radians(30), 4.0)]  # fmt: skip
    rv = [_circle(a, i, u, t) for a, i, u in orbits]
    r = np.stack([x[0] for x in rv], axis=1)
    v = np.stack([x[1] for x in rv], axis=1)
    rb, vb = _circle(A_M - 2 * MISS_M, np.radians(120), 0.0, t)
    return screening.ScreenDrivers(0, r, v, rb[:, None], vb[:, None])


PARAMS = screening.ScreenParams(DT, N_T, 5e3)


def _screen(drivers, edges):
    state, parts = screening.ScreenState(), []
    for a, b in itertools.pairwise(edges):
        state, res = screening.advance(state, drivers.steps(a, b), PARAMS)
        parts.append(res)
    return cj.ScreeningResult.concat(parts)


def _assert_same(a: cj.ScreeningResult, b: cj.ScreeningResult):
    for f in fields(a):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


@pytest.mark.parametrize("tc_s", [12.5 * DT, 13 * DT + 1e-3, 13 * DT - 1e-3])
def test_an_approach_straddling_a_chunk_edge_is_found_once(tc_s):
    """TCA inside interval 12..13, just after step 13 and just before it; the run cut at every
    step (one chunk edge at a time), and in three: the same events, bit for bit."""
    drivers = _scene(tc_s)
    whole = _screen(drivers, [0, N_T])
    own = whole.j < 4
    assert int(np.sum(own & (whole.i == 0) & (whole.j == 1))) == 1
    assert int(np.sum(~own)) == 2  # satellites 0 and 1 with the background object
    k = int(np.floor(tc_s / DT))
    assert np.all(whole.interval == k)
    np.testing.assert_allclose(whole.interval * DT + whole.tca_offset_s, tc_s, atol=0.05)
    np.testing.assert_allclose(whole.miss_m[own], MISS_M, rtol=1e-3)
    for cut in range(N_T + 1):
        _assert_same(_screen(drivers, [0, cut, N_T]), whole)
    _assert_same(_screen(drivers, [0, k, k + 1, k + 2, N_T]), whole)


@settings(max_examples=20, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(0, N_T), max_size=5))
def test_advance_is_split_invariant(cuts):
    drivers = _scene(17.3 * DT)
    whole = _screen(drivers, [0, N_T])
    _assert_same(_screen(drivers, [0, *sorted(cuts), N_T]), whole)


def test_carried_state_is_the_last_step():
    drivers = _scene(12.5 * DT)
    s, _ = screening.advance(screening.ScreenState(), drivers.steps(0, 7), PARAMS)
    assert s.k_last == 6
    np.testing.assert_array_equal(s.r_own_m, drivers.r_own_m[6])
    np.testing.assert_array_equal(s.r_other_m, drivers.r_other_m[6])
    s2, res = screening.advance(s, drivers.steps(7, 7), PARAMS)  # an empty span changes nothing
    assert s2 is s
    assert len(res) == 0


# --- assessment and tally ------------------------------------------------------------------------

SPEC = ConjunctionSpec(pc_threshold=1e-9, screening_distance_km=5.0)


def _assessed(res: cj.ScreeningResult, spec: ConjunctionSpec = SPEC) -> screening.Assessment:
    return screening.assess(res, 4, np.array([5.0, 5.0, 5.0, 8.0]), spec)


def _events(n: int, seed: int) -> cj.ScreeningResult:
    """Random approaches of own satellites 0..3 with each other and 2 background objects."""
    rng = np.random.default_rng(seed)
    i = rng.integers(0, 4, n)
    j = np.where(
        rng.random(n) < 0.5, (i + 1 + rng.integers(0, 3, n)) % 4, 4 + rng.integers(0, 2, n)
    )
    r_i = rng.normal(size=(n, 3)) * 1e3 + [A_M, 0, 0]
    v_i = np.tile([0.0, 7.6e3, 0.0], (n, 1))
    miss = rng.uniform(10, 4000, n)
    r_j = r_i + rng.normal(size=(n, 3)) / np.sqrt(3) * miss[:, None]
    v_j = v_i + rng.normal(size=(n, 3)) * 1e3
    return cj.ScreeningResult(i, j, np.arange(n), rng.uniform(0, DT, n),
                              np.linalg.norm(r_j - r_i, axis=1), r_i, v_i, r_j, v_j)  # fmt: skip


def _part(res: cj.ScreeningResult, a: int, b: int) -> cj.ScreeningResult:
    return cj.ScreeningResult(*(getattr(res, f.name)[a:b] for f in fields(res)))


@settings(max_examples=20, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(0, 60), max_size=4), seed=st.integers(0, 1000))
def test_tally_is_split_invariant_and_conserves_counts(cuts, seed):
    res = _events(60, seed)
    whole = screening.tally(screening.ConjunctionTally.zeros(4), _assessed(res))
    t = screening.ConjunctionTally.zeros(4)
    for a, b in itertools.pairwise([0, *sorted(cuts), 60]):
        t = screening.tally(t, _assessed(_part(res, a, b)))
    for f in fields(t):
        np.testing.assert_array_equal(getattr(t, f.name), getattr(whole, f.name), err_msg=f.name)
    own = int(np.sum(res.j < 4))
    assert t.count == t.own + t.background == 60
    assert t.own == own
    assert int(t.per_sat.sum()) == t.count + t.own  # an own approach counts both satellites
    assert 0 <= t.max_pc <= 1
    assert t.avoidance_dv_m_s == pytest.approx(t.avoidance_dv_per_sat_m_s.sum(), rel=1e-12)


def test_assessment_kinds_radii_and_sigmas():
    res = _events(40, 3)
    a = _assessed(res)
    own = res.j < 4
    np.testing.assert_array_equal(a.own_j, own)
    assert set(a.other_kind[own]) <= {"own"}
    assert set(a.other_kind[~own]) <= {"background"}
    hbr_own = np.array([5.0, 5.0, 5.0, 8.0])
    expected = hbr_own[res.i] + np.where(
        own, hbr_own[a.other_sat], SPEC.background_hard_body_radius_m
    )
    np.testing.assert_array_equal(a.hard_body_radius_m, expected)
    np.testing.assert_allclose(np.linalg.norm(a.ric_m, axis=1), res.miss_m, rtol=1e-12)
    np.testing.assert_allclose(a.sigma_m, np.where(own, np.hypot(100, 100), np.hypot(100, 1000)))
    assert np.all((a.pc >= 0) & (a.pc <= 1))
    np.testing.assert_array_equal(a.action, a.pc >= SPEC.pc_threshold)
    ric = screening.assess(res, 4, hbr_own, ConjunctionSpec(sigma_own_ric_m=[50, 200, 50]))
    assert np.all(np.isnan(ric.sigma_m))
    form = screening.assess(res, 4, hbr_own, SPEC, formation_sigma_m=1.0)
    assert set(form.other_kind) == {"formation"}


def test_tally_summary_rates():
    t = screening.tally(screening.ConjunctionTally.zeros(4), _assessed(_events(30, 5)))
    out = screening.tally_summary(t, SPEC, 2, 1, 0.5, 4)
    assert out["count"] == 30
    assert out["per_day"] == pytest.approx(60.0)
    assert out["background_objects"] == 2
    assert "per_day" not in screening.tally_summary(t, SPEC, 2, 1, 0.0, 4)
