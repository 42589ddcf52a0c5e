"""Orbital elements: periods, J2 rates, sun-synchronous inclinations, SGP4 mean elements.

Sources: shared/VALIDATION.md section A (two-body periods; J2 nodal rate formula and computed
values; sun-synchronous inclinations), Vallado, *Fundamentals of Astrodynamics* (secular J2),
Hoots & Roehrich (1980) Spacetrack Report #3 (SGP4's Kozai -> Brouwer mean motion, ``initl``),
and SGP4 itself (its ``nodedot`` and mean semi-major axis, as the independent implementation).
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.constants import R_EARTH_M, TROPICAL_YEAR_S
from orbitcloud.astro.elements import (
    circular_period_s,
    hex_disk_points,
    kozai_mean_motion_for_altitude,
    make_satrecs,
    mean_latitude_rate_rad_s,
    nodal_rate_rad_s,
    sun_synchronous_inclination_rad,
    sun_synchronous_inclination_sgp4_rad,
)

DEG = np.pi / 180.0
DAY_S = 86400.0


@pytest.mark.parametrize(
    ("altitude_km", "period_min"),
    [(550, 95.650), (400, 92.560), (650, 97.728), (800, 100.874), (1015, 105.439)],
)
def test_circular_period_validation_a(altitude_km, period_min):
    assert circular_period_s(altitude_km * 1e3) / 60.0 == pytest.approx(period_min, rel=1e-4)


def test_circular_speed_and_revs_per_day_at_550_km():
    """VALIDATION A: 7585.1 m/s and 15.055 rev/day at 550 km."""
    period = circular_period_s(550e3)
    assert 2 * np.pi * (R_EARTH_M + 550e3) / period == pytest.approx(7585.1, rel=1e-4)
    assert DAY_S / period == pytest.approx(15.055, rel=1e-4)


@pytest.mark.parametrize(
    ("altitude_km", "inc_deg", "rate_deg_day"), [(550, 53.0, -4.4892), (630, 51.9, -4.4214)]
)
def test_j2_nodal_rate_validation_a(altitude_km, inc_deg, rate_deg_day):
    rate = nodal_rate_rad_s(R_EARTH_M + altitude_km * 1e3, inc_deg * DEG)
    assert rate / DEG * DAY_S == pytest.approx(rate_deg_day, rel=1e-3)


@pytest.mark.parametrize(("altitude_km", "inc_deg"), [(550, 97.593), (650, 97.986), (800, 98.603)])
def test_sun_synchronous_inclination_validation_a(altitude_km, inc_deg):
    assert sun_synchronous_inclination_rad(altitude_km * 1e3) / DEG == pytest.approx(
        inc_deg, abs=0.01
    )


def _satrec(altitude_km: float, inc_rad: float, ecc: float = 0.0):
    n = kozai_mean_motion_for_altitude(np.array([altitude_km * 1e3]), inc_rad, ecc)
    return make_satrecs(datetime(2025, 1, 1, tzinfo=UTC), n, ecc, inc_rad, 0.0, 0.0, 0.0)[0]


@pytest.mark.parametrize(("altitude_km", "inc_deg"), [(550, 53.0), (630, 51.9), (550, 97.6)])
def test_j2_nodal_rate_against_sgp4(altitude_km, inc_deg):
    """SGP4's secular node rate = the J2 formula + J2^2 and J4 terms: 0.3-0.4% apart in LEO.

    Tolerance 0.5%: J4/J2 (Re/a)^2 ~ 1.3e-3 and J2 (Re/a)^2 ~ 1e-3 with O(1) coefficients.
    """
    s = _satrec(altitude_km, inc_deg * DEG)
    ours = nodal_rate_rad_s(R_EARTH_M + altitude_km * 1e3, inc_deg * DEG)
    assert s.nodedot / 60.0 == pytest.approx(ours, rel=5e-3)


@pytest.mark.parametrize("altitude_km", [550, 650, 800])
def test_sgp4_sun_synchronous_inclination(altitude_km):
    """The SGP4-matched inclination makes SGP4's node turn 360 deg per tropical year, and sits
    0.02-0.03 deg above the J2-only value (the J2^2/J4 share of the node rate)."""
    inc = sun_synchronous_inclination_sgp4_rad(altitude_km * 1e3)
    s = _satrec(altitude_km, inc)
    assert s.nodedot / 60.0 == pytest.approx(2 * np.pi / TROPICAL_YEAR_S, rel=1e-9)
    delta_deg = (inc - sun_synchronous_inclination_rad(altitude_km * 1e3)) / DEG
    assert 0.015 < delta_deg < 0.035


@settings(max_examples=60, deadline=None)
@given(
    altitude_km=st.floats(300, 2000),
    inc_deg=st.floats(0.5, 179.5),
    ecc=st.floats(0.0, 0.02),
)
def test_kozai_inversion_sgp4_mean_sma(altitude_km, inc_deg, ecc):
    """SGP4's mean semi-major axis (``satrec.a`` earth radii x WGS72 radius) is R_E + altitude
    within 1 m: the fixed-point inversion of Spacetrack Report #3's Kozai -> Brouwer step."""
    s = _satrec(altitude_km, inc_deg * DEG, ecc)
    a_m = s.a * s.radiusearthkm * 1000.0
    assert a_m == pytest.approx(R_EARTH_M + altitude_km * 1e3, abs=1.0)


def test_mean_latitude_rate_against_sgp4():
    """d(M + w + RAAN cos i)/dt from the first-order formula vs SGP4's secular rates.

    Absolute rates agree to 5e-6 of n (measured 2.4e-6: SGP4's WGS72 mu is 9e-7 larger, and
    its J2^2/J4 terms are ~1e-6 of n); differences between two inclinations 1e-4 rad apart
    agree to 2% (the part the formation design relies on).
    """
    a = R_EARTH_M + 650e3
    i0 = 98.0 * DEG
    sats = [_satrec(650, i0), _satrec(650, i0 + 1e-4)]
    sgp4_rate = np.array([(s.mdot + s.argpdot + s.nodedot * np.cos(s.inclo)) / 60 for s in sats])
    ours = mean_latitude_rate_rad_s(a, np.array([i0, i0 + 1e-4]))
    np.testing.assert_allclose(sgp4_rate, ours, rtol=5e-6)
    assert np.diff(sgp4_rate)[0] == pytest.approx(np.diff(ours)[0], rel=0.02)


def test_hex_disk_points():
    pts = hex_disk_points(81, 200.0)
    assert pts.shape == (81, 2)
    assert np.array_equal(pts[0], [0.0, 0.0])  # the centre comes first
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1)
    np.fill_diagonal(d, np.inf)
    np.testing.assert_allclose(d.min(axis=1), 200.0)  # every point has a neighbour at pitch
    assert len(np.unique(pts.round(6), axis=0)) == 81
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert np.all(np.diff(r) >= -1e-9)  # nearest the centre first
    assert 900.0 < r.max() < 1000.0  # "81 satellites within a 1 km radius" (VALIDATION D)
    np.testing.assert_array_equal(hex_disk_points(81, 200.0), pts)  # deterministic
