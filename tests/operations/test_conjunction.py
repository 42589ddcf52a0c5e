"""Conjunction screening, Pc and avoidance (orbitcloud.operations.conjunction)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import dblquad, solve_ivp
from scipy.optimize import minimize_scalar

from orbitcloud.astro.constants import MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.operations import conjunction as cj

# --- a synthetic population on circular Keplerian orbits (exact positions at any time) -------


def _population(n: int, seed: int):
    rng = np.random.default_rng(seed)
    a = R_EARTH_M + 550e3 + rng.uniform(-10e3, 10e3, n)
    inc = np.radians(rng.uniform(40, 100, n))
    raan = rng.uniform(0, 2 * np.pi, n)
    u0 = rng.uniform(0, 2 * np.pi, n)
    cO, sO, ci, si = np.cos(raan), np.sin(raan), np.cos(inc), np.sin(inc)
    p = np.stack([cO, sO, np.zeros(n)], -1)
    q = np.stack([-sO * ci, cO * ci, si], -1)
    nn = np.sqrt(MU_EARTH_M3_S2 / a**3)
    return a, p, q, u0, nn


def _states(pop, t):
    a, p, q, u0, nn = pop
    t = np.atleast_1d(np.asarray(t, dtype=float))
    u = u0[None, :] + nn[None, :] * t[:, None]
    cu, su = np.cos(u)[..., None], np.sin(u)[..., None]
    r = a[None, :, None] * (cu * p + su * q)
    v = (a * nn)[None, :, None] * (-su * p + cu * q)
    return r, v


def _brute_force_minima(pop, t_end, limit):
    """Exact minimum distance over [0, t_end] of every pair: all pairs, fine sampling, refinement."""
    n = len(pop[0])
    ts = np.arange(0.0, t_end + 1e-9, 2.0)
    best = np.full((n, n), np.inf)
    arg = np.zeros((n, n))
    for t in ts:
        r, _ = _states(pop, t)
        d = np.linalg.norm(r[0, :, None] - r[0, None, :], axis=-1)
        better = d < best
        best[better] = d[better]
        arg[better] = t
    i, j = np.nonzero(np.triu(best < limit + 2.0 * 16e3, 1))  # 2 s at <= 16 km/s
    out = {}
    for a_, b_ in zip(i, j, strict=True):

        def dist(t, a_=a_, b_=b_):
            r, _ = _states(pop, t)
            return float(np.linalg.norm(r[0, a_] - r[0, b_]))

        t0 = arg[a_, b_]
        res = minimize_scalar(
            dist, bounds=(max(0.0, t0 - 2.0), min(t_end, t0 + 2.0)), method="bounded",
            options={"xatol": 1e-6},
        )  # fmt: skip
        out[(int(a_), int(b_))] = min(res.fun, dist(0.0), dist(t_end))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_screening_finds_the_brute_force_pairs(seed):
    """k-d tree screening + Hermite refinement = all-pairs brute force on a random population."""
    pop = _population(300, seed)
    dt, n_t, d = 60.0, 11, 30e3
    t = np.arange(n_t) * dt
    r, v = _states(pop, t)
    res = cj.screen_window(dt, r, v, d)
    found: dict[tuple[int, int], float] = {}
    for i, j, m in zip(res.i, res.j, res.miss_m, strict=True):
        key = (int(i), int(j))
        found[key] = min(found.get(key, np.inf), float(m))
    truth = _brute_force_minima(pop, t[-1], d)
    tol = 1.0  # m: Hermite interpolation error at 60 s (about 0.3 m) plus refinement
    must = {k for k, m in truth.items() if m < d - tol}
    assert must, "the population should have close pairs"
    assert must <= set(found)
    for k, m in found.items():
        assert truth[k] < d + tol
        assert m == pytest.approx(truth[k], abs=tol)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), split=st.integers(2, 19))
def test_screening_does_not_depend_on_the_chunking(seed, split):
    """Screening two windows with one carried step gives the events of one window, exactly."""
    pop = _population(120, seed)
    dt = 60.0
    r, v = _states(pop, np.arange(21) * dt)
    whole = cj.screen_window(dt, r, v, 200e3)
    a = cj.screen_window(dt, r[:split], v[:split], 200e3, run_ends=False)
    b = cj.screen_window(
        dt, r[split - 1 :], v[split - 1 :], 200e3, first_interval=split - 1, run_starts=False
    )
    parts = cj.ScreeningResult.concat([a, b])

    def keyed(x):
        order = np.lexsort((x.j, x.i, x.interval))
        return x.interval[order], x.i[order], x.j[order], x.miss_m[order]

    for p_, w_ in zip(keyed(parts), keyed(whole), strict=True):
        np.testing.assert_allclose(p_, w_, rtol=1e-9)


def test_screening_against_a_background_and_groups():
    pop = _population(200, 7)
    r, v = _states(pop, np.arange(6) * 60.0)
    group = np.full(100, -1)
    group[:50] = 0
    res = cj.screen_window(60.0, r[:, :100], v[:, :100], 100e3, r[:, 100:], v[:, 100:], group)
    assert len(res)
    assert np.all(res.i < 100)
    own = res.j < 100
    assert not np.any(own & (res.i < 50) & (res.j < 50))  # same formation: skipped
    assert np.any(~own)  # background found
    # an own-background event is the same approach as in a joint screen
    joint = cj.screen_window(60.0, r, v, 100e3)
    mixed = (joint.i < 100) & (joint.j >= 100)
    assert int(mixed.sum()) == int((~own).sum())


# --- collision probability ---------------------------------------------------------------------


@pytest.mark.parametrize("sigma", [1.0, 10.0, 100.0, 1000.0])
@pytest.mark.parametrize("hbr", [1.0, 10.0, 20.0])
def test_pc_zero_miss_closed_form(sigma, hbr):
    """Isotropic 2-D Gaussian, zero miss: Pc = 1 - exp(-R^2 / (2 sigma^2)) (Chan 2008)."""
    expected = -np.expm1(-(hbr**2) / (2 * sigma**2))
    assert cj.pc_circle_isotropic(0.0, sigma, hbr) == pytest.approx(expected, rel=1e-10)
    cov = np.array([[[sigma**2, 0], [0, sigma**2]]])
    if sigma >= hbr / 5:  # the quadrature's stated range
        assert cj.pc_foster_2d(np.array([0.0]), cov, hbr)[0] == pytest.approx(expected, rel=1e-6)


def test_pc_maximum_over_sigma_alfriend():
    """Small-object limit: max over sigma of Pc is R^2 / (e d^2) at sigma = d / sqrt(2).

    Alfriend, K. T. et al. (1999). Probability of collision error analysis. Space Debris 1(1),
    21-35 (the maximum-probability bound used when the covariance is unknown).
    """
    d, hbr = 500.0, 5.0
    sig = np.linspace(50, 2000, 4000)
    pc = cj.pc_circle_isotropic(d, sig, hbr)
    assert pc.max() == pytest.approx(hbr**2 / (np.e * d**2), rel=2e-3)
    assert sig[np.argmax(pc)] == pytest.approx(d / np.sqrt(2), rel=2e-3)


def test_pc_foster_anisotropic_against_direct_integration():
    cov = np.array([[[400.0**2, 0.3 * 400 * 80], [0.3 * 400 * 80, 80.0**2]]])
    miss, hbr = 150.0, 15.0
    inv = np.linalg.inv(cov[0])
    norm = 1.0 / (2 * np.pi * np.sqrt(np.linalg.det(cov[0])))

    def f(y, x):
        dx = np.array([x - miss, y])
        return norm * np.exp(-0.5 * dx @ inv @ dx)

    ref, _ = dblquad(
        f,
        -hbr,
        hbr,
        lambda x: -np.sqrt(hbr**2 - x**2),
        lambda x: np.sqrt(hbr**2 - x**2),
        epsabs=1e-14,
    )
    assert cj.pc_foster_2d(np.array([miss]), cov, hbr)[0] == pytest.approx(ref, rel=1e-6)


def test_encounter_plane_projection_of_isotropic_covariance():
    dr = np.array([[100.0, 0, 0]])
    dv = np.array([[0, 1000.0, 10.0]])
    cov = np.eye(3)[None] * 50.0**2
    miss, cov2 = cj.encounter_plane_covariance(dr, dv, cov)
    assert miss[0] == pytest.approx(100.0)
    np.testing.assert_allclose(cov2[0], np.eye(2) * 2500.0, atol=1e-9)
    # RIC covariance is a similarity transform of the diagonal
    r = np.array([[7e6, 0, 0.0]])
    v = np.array([[0, 7.5e3, 0.0]])
    c3 = cj.ric_covariance(r, v, [10.0, 200.0, 30.0])
    np.testing.assert_allclose(np.diag(c3[0]), [100.0, 40000.0, 900.0])


# --- avoidance ---------------------------------------------------------------------------------


def test_avoidance_along_track_reaches_the_target_miss_in_two_body():
    """The HCW-sized tangential burn, flown in a two-body integration, gives the target miss."""
    a = R_EARTH_M + 550e3
    vc = np.sqrt(MU_EARTH_M3_S2 / a)
    inc = np.radians(53.0)
    r_p = np.array([a, 0.0, 0.0])
    v_p = vc * np.array([0.0, np.cos(inc), np.sin(inc)])
    cross = np.radians(70.0)  # secondary's plane turned about the radial axis
    v_s = vc * np.array([0.0, np.cos(inc + cross), np.sin(inc + cross)])
    miss0 = np.array([40.0, 0.0, 0.0]) + 30.0 * np.cross(v_s - v_p, [1.0, 0, 0]) / np.linalg.norm(
        v_s - v_p
    )
    r_s = r_p + miss0
    lead, target = 3 * 3600.0, 1000.0
    dv = cj.avoidance_dv_along_track_m_s(
        (r_s - r_p)[None], (v_s - v_p)[None], r_p[None], v_p[None], lead, target
    )[0]
    assert 0 < abs(dv) < 0.5

    def kepler(y0, t_span, t_eval=None):
        return solve_ivp(
            lambda _t, y: np.concatenate([y[3:], -MU_EARTH_M3_S2 * y[:3] / np.linalg.norm(y[:3]) ** 3]),
            t_span, y0, t_eval=t_eval, rtol=1e-12, atol=1e-7, method="DOP853",
        )  # fmt: skip

    back = kepler(np.concatenate([r_p, v_p]), (0.0, -lead))
    y_burn = back.y[:, -1].copy()
    y_burn[3:] += dv * y_burn[3:] / np.linalg.norm(y_burn[3:])
    ts = np.linspace(-30.0, 30.0, 601)
    prim = kepler(y_burn, (-lead, 30.0), t_eval=ts).y[:3].T
    sec = np.concatenate(
        [kepler(np.concatenate([r_s, v_s]), (0.0, -30.0), t_eval=ts[ts <= 0][::-1]).y[:3].T[::-1][:-1],
         kepler(np.concatenate([r_s, v_s]), (0.0, 30.0), t_eval=ts[ts >= 0]).y[:3].T]
    )  # fmt: skip
    new_miss = np.min(np.linalg.norm(sec - prim, axis=1))
    assert new_miss == pytest.approx(target, rel=0.05)
    # already far enough: no manoeuvre
    assert (
        cj.avoidance_dv_along_track_m_s(
            (r_s - r_p)[None] * 100, (v_s - v_p)[None], r_p[None], v_p[None], lead, target
        )[0]
        == 0.0
    )


def test_refine_closest_approach_straight_line():
    """Uniform relative motion: the Hermite curve is exact, the TCA is -dr.dv/|dv|^2."""
    dr0 = np.array([[-3000.0, 200.0, 50.0]])
    dv = np.array([[100.0, 0.0, 0.0]])
    tau, miss, _ = cj.refine_closest_approach(dr0, dv, dr0 + 60 * dv, dv, 60.0)
    assert tau[0] * 60 == pytest.approx(30.0, abs=1e-9)
    assert miss[0] == pytest.approx(np.hypot(200.0, 50.0), abs=1e-9)


def test_screening_a_slow_formation_against_brute_force():
    """Formation members (relative speeds ~1 m/s): the per-step velocity bound keeps the padded
    radius small, and every approach under 150 m is found with its exact miss distance."""
    n = 40
    rng = np.random.default_rng(5)
    a = np.full(n, R_EARTH_M + 650e3)
    inc = np.radians(97.9) + rng.normal(0, 2e-5, n)
    raan = rng.normal(0, 2e-5, n)
    u0 = rng.normal(0, 2e-5, n)
    cO, sO, ci, si = np.cos(raan), np.sin(raan), np.cos(inc), np.sin(inc)
    p = np.stack([cO, sO, np.zeros(n)], -1)
    q = np.stack([-sO * ci, cO * ci, si], -1)
    pop = (a, p, q, u0, np.sqrt(MU_EARTH_M3_S2 / a**3))
    dt = 60.0
    t = np.arange(0, 5900.0, dt)
    r, v = _states(pop, t)
    assert cj.relative_speed_bound_m_s(v) < 20.0
    res = cj.screen_window(dt, r, v, 150.0)
    fine = np.arange(0, t[-1] + 1e-9, 0.5)
    rf, _ = _states(pop, fine)
    d = np.linalg.norm(rf[:, :, None] - rf[:, None, :], axis=-1).min(axis=0)
    i, j = np.nonzero(np.triu(d < 149.0, 1))
    assert len(i) > 0
    found = {}
    for a_, b_, m in zip(res.i, res.j, res.miss_m, strict=True):
        found[(int(a_), int(b_))] = min(found.get((int(a_), int(b_)), np.inf), m)
    for a_, b_ in zip(i, j, strict=True):
        assert found[(int(a_), int(b_))] == pytest.approx(d[a_, b_], abs=0.05)
