"""Speed-ups that must not change a number: each against the formula it replaced, written out.

The references below are the earlier code, copied: every branch evaluated for every
satellite and picked with ``np.select``; the depth curves recomputed per call; ``4.0 * k``
inside the Newton loop. Tolerance 0 (bit for bit): the fast paths do the same floating-point
operations on the same values, they only skip branches whose values are never picked or hoist
loop-invariant products.
"""

from __future__ import annotations

import numpy as np
import pytest

from orbitcloud.environment import radiation
from orbitcloud.spacecraft import power, thermal

SHAPE = (17, 23)  # (n_t, n_sat)


def _sun(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    sh = rng.uniform(-1.0, 1.0, SHAPE)
    sr = rng.uniform(-1.0, 1.0, SHAPE)
    sh[0, :3] = [0.0, -0.0, 1.0]  # edges: zero of either sign, sin(beta) = 1
    return sh, sr


def _array_cosine_reference(pointing, normal, sh, sr):
    single = np.where(
        sh * sh < power.SINGLE_AXIS_YAW_SIN2,
        np.sqrt(np.clip(1.0 - sh * sh, 0.0, 1.0)),
        np.sqrt(np.clip(sh * sh + sr * sr, 0.0, 1.0)),
    )
    body = np.select(
        [normal == 0, normal == 1, normal == 2],
        [np.maximum(sr, 0.0), np.maximum(sh, 0.0), np.maximum(-sh, 0.0)],
        np.abs(sh),
    )
    return np.select([pointing == 0, pointing == 1], [np.ones_like(sh), single], body)


@pytest.mark.parametrize("pointing", [0, 1, 2])
@pytest.mark.parametrize("normal", [0, 1, 2, 3])
def test_array_cosine_one_mode_fleet_is_the_select_of_all_modes(pointing, normal):
    sh, sr = _sun(np.random.default_rng(10 * pointing + normal))
    codes_p = np.full(SHAPE[1], pointing)
    codes_n = np.full(SHAPE[1], normal)
    got = power.array_cosine(codes_p, codes_n, sh, sr)
    want = _array_cosine_reference(codes_p, codes_n, sh, sr)
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    assert np.array_equal(np.signbit(got), np.signbit(want))


def test_array_cosine_mixed_fleet_unchanged():
    rng = np.random.default_rng(3)
    sh, sr = _sun(rng)
    codes_p = rng.integers(0, 3, SHAPE[1])
    codes_n = rng.integers(0, 4, SHAPE[1])
    np.testing.assert_array_equal(
        power.array_cosine(codes_p, codes_n, sh, sr),
        _array_cosine_reference(codes_p, codes_n, sh, sr),
    )


def _radiator_reference(code, two, area, alpha, eps, inc, irr, cz, css, h, ir, alb_f):
    f_perp = thermal.earth_view_factor_perpendicular(h)
    f_nad = thermal.earth_view_factor_nadir(h)
    up = np.maximum(cz, 0.0)
    down = np.maximum(-cz, 0.0)
    alb = alb_f * irr * np.maximum(css, 0.0)
    sides = np.where(two, 2.0, 1.0)

    def earth(f):
        return eps * ir * f + alpha * alb * f

    edge = sides * (earth(f_perp) + alpha * irr * inc)
    nadir = earth(f_nad) + alpha * irr * down
    nadir = nadir + np.where(two, alpha * irr * up, 0.0)
    zen = alpha * irr * up
    zen = zen + np.where(two, earth(f_nad) + alpha * irr * down, 0.0)
    q = np.select([code == 0, code == 1], [edge, nadir], zen)
    return q * area


@pytest.mark.parametrize("orientation", [0, 1, 2, None])
def test_radiator_environment_one_orientation_is_the_select_of_all(orientation):
    rng = np.random.default_rng(7)
    n = SHAPE[1]
    code = rng.integers(0, 3, n) if orientation is None else np.full(n, orientation)
    two = rng.random(n) < 0.5
    area, alpha, eps = rng.uniform(1, 50, n), rng.uniform(0.1, 0.3, n), rng.uniform(0.8, 0.9, n)
    inc = rng.uniform(0.0, 0.1, n)
    irr = rng.uniform(0.0, 1361.0, SHAPE)
    cz, css = rng.uniform(-1, 1, SHAPE), rng.uniform(-1, 1, SHAPE)
    h = rng.uniform(1.04, 1.2, SHAPE)
    got = thermal.radiator_environment_w(code, two, area, alpha, eps, inc, irr, cz, css, h,
                                         237.0, 0.3)  # fmt: skip
    want = _radiator_reference(code, two, area, alpha, eps, inc, irr, cz, css, h, 237.0, 0.3)
    np.testing.assert_array_equal(got, want)


def test_dose_rate_from_coefficients_is_dose_rate_from_weights():
    rng = np.random.default_rng(11)
    w = tuple(np.exp(rng.uniform(-30, -15, SHAPE)) for _ in range(3))
    shield = rng.uniform(0.5, 20.0, SHAPE[1])
    m_e, m_p = rng.uniform(1, 3, (SHAPE[0], 1)), rng.uniform(0.5, 2, (SHAPE[0], 1))
    cp, ce, ch = radiation.depth_dose_coefficients(shield)
    want = (cp * m_p) * w[0] + ce * w[1] + (ch * m_e) * w[2]  # the earlier body
    coef = radiation.depth_dose_coefficients(shield)
    np.testing.assert_array_equal(radiation.dose_rate_from_coefficients(w, coef, m_e, m_p), want)
    np.testing.assert_array_equal(radiation.dose_rate_from_weights(w, shield, m_e, m_p), want)


def _solve_reference(k_rad, lin, rhs, t_start, iters=8):
    rhs = np.maximum(rhs, 0.0)
    upper = np.minimum(np.sqrt(np.sqrt(rhs / k_rad)), rhs / lin)
    upper = np.maximum(upper, 1e-3)
    t = np.clip(t_start, 1e-3, upper)
    for i in range(iters):
        t2 = t * t
        f = k_rad * t2 * t2 + lin * t - rhs
        step = f / (4.0 * k_rad * t2 * t + lin)
        t = np.minimum(t - step, upper)
        if i >= 1 and np.all(np.abs(step) <= 1e-10 * t):
            break
    return np.maximum(t, 0.0)


def test_radiator_newton_solve_unchanged():
    rng = np.random.default_rng(5)
    n = 4000
    k = rng.uniform(1e-8, 1e-6, n)
    lin = rng.uniform(1.0, 500.0, n)
    rhs = rng.uniform(-10.0, 2e5, n)
    t0 = rng.uniform(100.0, 400.0, n)
    np.testing.assert_array_equal(thermal._solve_radiator(k, lin, rhs, t0),
                                  _solve_reference(k, lin, rhs, t0))  # fmt: skip
