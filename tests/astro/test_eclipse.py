"""Eclipse: the conical (umbra/penumbra) model against the cylindrical beta-angle formula.

Sources: shared/VALIDATION.md section B (cylindrical-shadow eclipse fraction and its tabulated
durations, R = 6378.137 km; umbra vs penumbra), Montenbruck & Gill (2000) sec. 3.4.2 (the
conical model), and a closed form for the penumbra crossing time derived below.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.constants import AU_M, R_EARTH_M, R_SUN_M
from orbitcloud.astro.eclipse import (
    beta_angle_rad,
    eclipse_fraction_cylindrical,
    sunlit_fraction,
)
from orbitcloud.astro.elements import circular_period_s

TOL_VALIDATION_B_MIN = 0.05  # VALIDATION.md B


@pytest.mark.parametrize(
    ("altitude_km", "beta_deg", "eclipse_min"),
    [(550, 0, 35.611), (650, 0, 35.380), (800, 0, 35.133), (550, 30, 33.584), (550, 60, 20.539)],
)
def test_cylindrical_eclipse_validation_b(altitude_km, beta_deg, eclipse_min):
    h = altitude_km * 1000.0
    f = eclipse_fraction_cylindrical(np.radians(beta_deg), h)
    assert f * circular_period_s(h) / 60.0 == pytest.approx(eclipse_min, abs=TOL_VALIDATION_B_MIN)


def test_cylindrical_no_eclipse_above_critical_beta():
    h = 550e3
    beta_star = np.arcsin(R_EARTH_M / (R_EARTH_M + h))  # 66.9 deg
    f = eclipse_fraction_cylindrical(np.array([beta_star - 1e-3, beta_star + 1e-3, 1.2]), h)
    assert f[0] > 0
    assert f[1] == 0
    assert f[2] == 0
    # scalar, list and array give the same numbers
    assert eclipse_fraction_cylindrical(0.3, h) == eclipse_fraction_cylindrical([0.3], [h])[0]


def _circular_orbit_fraction(altitude_m: float, beta_rad: float, dt_s: float):
    """Sunlit fraction along one circular orbit (spherical Earth), Sun at 1 AU at beta."""
    a = R_EARTH_M + altitude_m
    period = float(circular_period_s(altitude_m))
    t = np.arange(0.0, period, dt_s)
    u = 2.0 * np.pi * t / period
    r = np.stack([a * np.cos(u), a * np.sin(u), np.zeros_like(u)], axis=-1)[:, None, :]
    sun = AU_M * np.array([np.cos(beta_rad), 0.0, np.sin(beta_rad)])
    frac = sunlit_fraction(r, np.broadcast_to(sun, (t.size, 3)), flattening=0.0)[:, 0]
    return frac, period


def _penumbra_closed_form_s(altitude_m: float, beta_rad: float) -> float:
    """Penumbra crossing time: the solar diameter 2 a_S over the rate of the Sun-limb angle.

    With cos(theta) = cos(beta) cos(u) the angle between r and the Sun, the Sun's centre is on
    the limb at theta_b = pi - a_E (a_E = asin(R/a)), where d(theta)/dt = omega cos(beta)
    sin(u_b) / sin(a_E); at beta = 0 this is omega itself (8.5 s at 550 km).
    """
    a = R_EARTH_M + altitude_m
    omega = 2.0 * np.pi / float(circular_period_s(altitude_m))
    a_e = np.arcsin(R_EARTH_M / a)
    a_s = R_SUN_M / AU_M
    cos_ub = -np.cos(a_e) / np.cos(beta_rad)
    rate = omega * np.cos(beta_rad) * np.sqrt(1.0 - cos_ub**2) / np.sin(a_e)
    return 2.0 * a_s / rate


@pytest.mark.parametrize("beta_deg", [0.0, 30.0, 60.0])
def test_conical_against_cylindrical_over_an_orbit(beta_deg):
    """Integrated shadow (1 - fraction) of the conical model equals the cylinder's eclipse.

    The cone's half-light line is the tangent to the Earth parallel to the Sun's direction,
    i.e. the cylinder, and the penumbra is nearly antisymmetric about it. Tolerance 0.5 s:
    the 0.1 s sampling plus the Sun's parallax across the orbit (|r|/AU = 5e-5 rad, 0.05 s).
    """
    h = 550e3
    dt = 0.1
    frac, period = _circular_orbit_fraction(h, np.radians(beta_deg), dt)
    eclipse_s = np.sum(1.0 - frac) * dt
    cylinder_s = float(eclipse_fraction_cylindrical(np.radians(beta_deg), h)) * period
    assert eclipse_s == pytest.approx(cylinder_s, abs=0.5)
    # penumbra per transition against the closed form (0.3 s: 0.1 s sampling at each edge
    # plus the small-angle, flat-disk linearisation)
    penumbra_s = np.count_nonzero((frac > 0) & (frac < 1)) * dt / 2.0
    assert penumbra_s == pytest.approx(_penumbra_closed_form_s(h, np.radians(beta_deg)), abs=0.3)
    # the cylinder overestimates the umbra by about one penumbra crossing (VALIDATION B:
    # "about 10 s per LEO eclipse"; 8.5 s at beta 0, 25 s at beta 60)
    umbra_s = np.count_nonzero(frac == 0) * dt
    assert cylinder_s - umbra_s == pytest.approx(penumbra_s, abs=0.5)


def test_penumbra_of_order_ten_seconds_in_leo():
    """VALIDATION B: penumbra of order 10 s per LEO pass at low beta (400-1200 km)."""
    for h in (400e3, 550e3, 800e3, 1200e3):
        dur = _penumbra_closed_form_s(h, 0.0)
        frac, _ = _circular_orbit_fraction(h, 0.0, 0.1)
        measured = np.count_nonzero((frac > 0) & (frac < 1)) * 0.1 / 2.0
        assert 6.0 < measured < 15.0
        assert measured == pytest.approx(dur, abs=0.3)


def test_sunlit_fraction_simple_geometry():
    sun = np.array([[AU_M, 0.0, 0.0]])
    r = np.array(
        [
            [[7e6, 0.0, 0.0]],  # between Earth and Sun
            [[-7e6, 0.0, 0.0]],  # behind the Earth: umbra
            [[0.0, 7e6, 0.0]],  # quadrature
            [[np.nan, np.nan, np.nan]],  # a flagged SGP4 row
            [[-3e9, 0.0, 0.0]],  # far behind the Earth: annular, Earth's disk inside the Sun's
        ]
    )
    f = sunlit_fraction(r[:, 0][:, None, :], np.repeat(sun, 5, axis=0))
    assert f.shape == (5, 1)
    assert f[0, 0] == 1.0
    assert f[1, 0] == 0.0
    assert f[2, 0] == 1.0
    assert np.isnan(f[3, 0])
    a_s = np.arcsin(R_SUN_M / (AU_M + 3e9))
    a_e = np.arcsin(R_EARTH_M / 3e9)  # the oblate Earth seen along the equator: nearly so
    assert f[4, 0] == pytest.approx(1.0 - (a_e / a_s) ** 2, rel=1e-2)


@settings(max_examples=200, deadline=None)
@given(
    x=st.floats(-5e7, 5e7),
    y=st.floats(-5e7, 5e7),
    z=st.floats(-5e7, 5e7),
    lon=st.floats(0, 2 * np.pi),
    lat=st.floats(-0.41, 0.41),
)
def test_sunlit_fraction_bounds_and_oblate_shadow_smaller(x, y, z, lon, lat):
    """0 <= fraction <= 1, and the oblate Earth (inside the sphere of radius a) casts a shadow
    no larger than the sphere's, up to the 1e-3 the z-scaling costs the Sun's disk."""
    r = np.array([[[x, y, z]]])
    if np.linalg.norm(r) < R_EARTH_M + 100e3:
        return
    sun = AU_M * np.array([[np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]])
    oblate = sunlit_fraction(r, sun)
    sphere = sunlit_fraction(r, sun, flattening=0.0)
    assert 0.0 <= oblate[0, 0] <= 1.0
    assert 0.0 <= sphere[0, 0] <= 1.0
    assert oblate[0, 0] >= sphere[0, 0] - 1e-3


def test_beta_angle_against_orbit_normal():
    """beta = asin(s . h_hat) with h_hat = (sin i sin RAAN, -sin i cos RAAN, cos i)."""
    rng = np.random.default_rng(5)
    inc = rng.uniform(0, np.pi, 50)
    raan = rng.uniform(0, 2 * np.pi, 50)
    u = rng.uniform(0, 2 * np.pi, 50)
    a = 6.9e6
    # position/velocity on a circular orbit from (i, RAAN, u)
    p_hat = np.stack([np.cos(raan), np.sin(raan), np.zeros(50)], -1)
    q_hat = np.stack([-np.cos(inc) * np.sin(raan), np.cos(inc) * np.cos(raan), np.sin(inc)], -1)
    r = a * (np.cos(u)[:, None] * p_hat + np.sin(u)[:, None] * q_hat)
    v = 7.6e3 * (-np.sin(u)[:, None] * p_hat + np.cos(u)[:, None] * q_hat)
    sun = AU_M * np.array([[0.3, -0.5, 0.81]])
    sun = sun / np.linalg.norm(sun) * AU_M
    beta = beta_angle_rad(r[None], v[None], sun)[0]
    h_hat = np.stack([np.sin(inc) * np.sin(raan), -np.sin(inc) * np.cos(raan), np.cos(inc)], -1)
    expected = np.arcsin(h_hat @ (sun[0] / AU_M))
    np.testing.assert_allclose(beta, expected, atol=1e-12)


def _plain_cone(r_sat: np.ndarray, sun: np.ndarray) -> np.ndarray:
    """Montenbruck & Gill (2000) eqs. 3.85-3.87 written out directly over every satellite-step
    (angles by arcsin/arccos, no shortcuts), with the oblate Earth scaled to a sphere."""
    from orbitcloud.astro.constants import WGS84_F

    k = np.array([1.0, 1.0, 1.0 / (1.0 - WGS84_F)])
    r = r_sat * k
    s = (sun * k)[:, None, :]
    dvec = s - r
    rn = np.linalg.norm(r, axis=-1)
    dn = np.linalg.norm(dvec, axis=-1)
    a = np.arcsin(np.minimum(R_SUN_M / dn, 1.0))
    b = np.arcsin(np.minimum(R_EARTH_M / rn, 1.0))
    c = np.arccos(np.clip(-np.sum(r * dvec, axis=-1) / (rn * dn), -1.0, 1.0))
    frac = np.ones_like(c)
    frac[c <= b - a] = 0.0
    part = (c < a + b) & (c > b - a)
    x = (c * c + a * a - b * b) / (2 * c)
    y = np.sqrt(np.maximum(a * a - x * x, 0.0))
    area = (
        a * a * np.arccos(np.clip(x / a, -1, 1))
        + b * b * np.arccos(np.clip((c - x) / b, -1, 1))
        - c * y
    )
    frac[part] = np.clip(1.0 - area[part] / (np.pi * a[part] ** 2), 0.0, 1.0)
    return frac


def test_catalogue_day_eclipse_shortcuts_change_no_answer(starlink_catalogue):
    """The whole shipped catalogue over a day at 60 s (6.4 M satellite-steps): sunlit_fraction
    (tiled, cosines first, inverse trig only near the penumbra) classifies every satellite-step
    exactly as the plain cone does -- full sun, umbra, penumbra -- and its penumbra fractions
    agree within 1e-9 (rounding; a penumbra lasts ~10 s in LEO, so 1e-9 is ~1e-8 s)."""
    from datetime import UTC, datetime

    from sgp4.api import SatrecArray

    from orbitcloud.astro.ephemeris import chunk_steps_for, compute_chunk
    from orbitcloud.astro.timescales import TimeGrid

    arr = SatrecArray([s for _, s in starlink_catalogue])
    grid = TimeGrid(datetime(2023, 7, 18, tzinfo=UTC), 60.0, 1441)
    step = chunk_steps_for(len(starlink_catalogue), grid.n)
    counts = np.zeros(3, dtype=np.int64)
    for k0 in range(0, grid.n, step):
        chunk = compute_chunk(arr, grid, k0, min(grid.n, k0 + step))
        got = chunk.sunlit
        ref = _plain_cone(chunk.r_itrf, chunk.sun_itrf)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(ref))
        np.testing.assert_array_equal(got == 1.0, ref == 1.0)
        np.testing.assert_array_equal(got == 0.0, ref == 0.0)
        np.testing.assert_array_equal(got < 0.5, ref < 0.5)
        part = (got > 0) & (got < 1)
        np.testing.assert_allclose(got[part], ref[part], rtol=0, atol=1e-9)
        counts += [(got == 1).sum(), (got == 0).sum(), part.sum()]
    assert (counts > 0).all()  # every branch was exercised
