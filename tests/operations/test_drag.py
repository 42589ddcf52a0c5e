"""Drag, decay and lifetime (orbitcloud.operations.drag) against closed forms and integration."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp

from orbitcloud.astro.constants import MU_EARTH_M3_S2, OMEGA_EARTH_RAD_S, R_EARTH_M
from orbitcloud.operations.drag import (
    ballistic_coefficient_kg_m2,
    decay_rate_circular_m_s,
    drag_acceleration_m_s2,
    lifetime_circular_s,
    semi_major_axis_constant_density_m,
    velocity_relative_atmosphere_m_s,
)

DECAY_TOL = 0.01
"""VALIDATION.md F: the circular decay law holds to 1 % against an integration of the full
equations of motion (residual: the small eccentricity drag induces, and the sampling of the
osculating semi-major axis over an orbit)."""


@pytest.mark.parametrize(
    ("rho", "v", "bc", "expected"),
    [
        (1e-12, 7600.0, 50.0, 0.5 * 1e-12 * 7600.0**2 / 50.0),
        ([1e-12, 2e-12], [7600.0, 7600.0], 50.0, [5.776e-7, 1.1552e-6]),
        (np.array([3e-13]), np.array([7500.0]), np.array([20.0]), [0.5 * 3e-13 * 7500.0**2 / 20]),
    ],
)
def test_drag_acceleration_scalar_list_array(rho, v, bc, expected):
    np.testing.assert_allclose(drag_acceleration_m_s2(rho, v, bc), expected, rtol=1e-12)


def test_ballistic_coefficient():
    assert ballistic_coefficient_kg_m2(300.0, 2.2, 2.7) == pytest.approx(50.505050505)


def test_velocity_relative_to_corotating_atmosphere_equatorial():
    r = 7e6
    v = np.sqrt(MU_EARTH_M3_S2 / r)
    out = velocity_relative_atmosphere_m_s(np.array([r, 0, 0.0]), np.array([0, v, 0.0]))
    np.testing.assert_allclose(out, [0.0, v - OMEGA_EARTH_RAD_S * r, 0.0], rtol=1e-15)
    # polar orbit over the pole: no co-rotation effect
    out = velocity_relative_atmosphere_m_s(np.array([0, 0, r]), np.array([v, 0, 0.0]))
    np.testing.assert_allclose(out, [v, 0, 0], rtol=1e-15)


def test_decay_rate_against_integration_of_the_equations_of_motion():
    """Two-body + drag (constant density, non-rotating atmosphere), 10 orbits, vs the closed form."""
    rho, bc = 2e-11, 50.0
    a0 = R_EARTH_M + 500e3
    v0 = np.sqrt(MU_EARTH_M3_S2 / a0)

    def rhs(_t, y):
        r, v = y[:3], y[3:]
        acc = -MU_EARTH_M3_S2 * r / np.linalg.norm(r) ** 3
        acc -= 0.5 * rho * np.linalg.norm(v) * v / bc
        return np.concatenate([v, acc])

    period = 2 * np.pi * np.sqrt(a0**3 / MU_EARTH_M3_S2)
    t_end = 10 * period
    t_eval = np.linspace(t_end - period, t_end, 400)  # average the osculating a over the last orbit
    sol = solve_ivp(
        rhs, (0, t_end), [a0, 0, 0, 0, v0, 0], t_eval=t_eval, rtol=1e-11, atol=1e-6, method="DOP853"
    )
    r = np.linalg.norm(sol.y[:3], axis=0)
    v2 = np.sum(sol.y[3:] ** 2, axis=0)
    a_osc = 1.0 / (2.0 / r - v2 / MU_EARTH_M3_S2)
    drop_numeric = a0 - a_osc.mean()
    a_closed = semi_major_axis_constant_density_m(a0, rho, bc, t_eval).mean()
    drop_closed = a0 - a_closed
    assert drop_numeric > 1000.0  # a measurable decay
    assert drop_numeric == pytest.approx(drop_closed, rel=DECAY_TOL)
    # and the rate function is the derivative of the closed form
    t = 1e5
    h = 1.0
    num = (
        semi_major_axis_constant_density_m(a0, rho, bc, t + h)
        - semi_major_axis_constant_density_m(a0, rho, bc, t - h)
    ) / (2 * h)
    a_t = semi_major_axis_constant_density_m(a0, rho, bc, t)
    assert num == pytest.approx(decay_rate_circular_m_s(rho, a_t, bc), rel=1e-6)


def test_lifetime_constant_density_is_the_closed_form():
    rho, bc, h0, h1 = 1e-12, 40.0, 550e3, 200e3
    z = np.linspace(150e3, 700e3, 12)
    t = lifetime_circular_s(h0, bc, z, np.full_like(z, rho), h1)
    closed = (
        2
        * bc
        * (np.sqrt(R_EARTH_M + h0) - np.sqrt(R_EARTH_M + h1))
        / (rho * np.sqrt(MU_EARTH_M3_S2))
    )
    assert t == pytest.approx(closed, rel=1e-5)  # midpoint rule per 50 km cell: 2nd order


def test_lifetime_exponential_atmosphere_against_quadrature():
    rho0, hs, bc = 4e-13, 60e3, 80.0

    def rho(h):
        return rho0 * np.exp(-(h - 500e3) / hs)

    z = np.arange(200e3, 800e3 + 1, 25e3)
    h0 = np.array([300e3, 512.3e3, 777e3])
    t = lifetime_circular_s(h0, bc, z, rho(z), 200e3)
    for hi, ti in zip(h0, t, strict=True):
        ref = (
            bc
            * quad(
                lambda h: 1.0 / (rho(h) * np.sqrt(MU_EARTH_M3_S2 * (R_EARTH_M + h))),
                200e3,
                hi,
                epsrel=1e-12,
            )[0]
        )
        assert ti == pytest.approx(ref, rel=1e-6)


def test_lifetime_vectorised_edges_and_monotonic():
    z = np.arange(200e3, 1000e3 + 1, 25e3)
    rho = 1e-9 * np.exp(-(z - 200e3) / 55e3)
    h0 = np.array([150e3, 200e3, 400e3, 600e3, 900e3, 2000e3])
    bc = np.array([50.0, 50.0, 50.0, 50.0, 50.0, 50.0])
    t = lifetime_circular_s(h0, bc, z, rho, 200e3)
    assert t[0] == 0
    assert t[1] == 0
    assert np.all(np.diff(t[1:5]) > 0)
    assert np.isnan(t[5])  # above the grid: unknown, not extrapolated
    t2 = lifetime_circular_s(h0[2:5], 2 * bc[2:5], z, rho, 200e3)
    np.testing.assert_allclose(t2, 2 * t[2:5], rtol=1e-12)  # linear in BC
