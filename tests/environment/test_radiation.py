"""Trapped-radiation model against SPENVIS SHIELDOSE-2 and the Suncatcher figures."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.elements import sun_synchronous_inclination_rad
from orbitcloud.environment import radiation as R

DATA = Path(__file__).parent / "data" / "spenvis_shieldose2_550km.csv"
YEAR_S = 365.25 * 86400.0
FACTOR_2 = 2.0  # shared/VALIDATION.md E: a parametric model within a factor 2 of SHIELDOSE-2


def _five_year_dose(inc_deg: float, alt_km: float, mm: float) -> float:
    return R.orbit_average_dose_rate_si_rad_s(inc_deg, alt_km, mm) * R.SPENVIS_MISSION_S


def test_spenvis_shieldose2_550km_55deg():
    """VALIDATION E: 550 km, 55 deg, 5 years, Si at the centre of Al spheres."""
    published = {1.0: 26.2e3, 2.0: 9.55e3, 5.0: 1.60e3, 10.0: 765.0, 20.0: 552.0}
    for mm, ref in published.items():
        got = _five_year_dose(55.0, 550.0, mm)
        assert ref / FACTOR_2 < got < ref * FACTOR_2, (mm, got, ref)


def test_spenvis_shieldose2_550km_all_inclinations():
    """Inclinations 10-100 deg, depths 1-20 mm: within the factor 2 (fit reaches 0.62-1.6x)."""
    with DATA.open() as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    worst = 1.0
    for r in rows:
        inc, mm = float(r["inclination_deg"]), float(r["depth_mm"])
        if mm < 1.0 or inc < 10.0:
            continue
        ref = sum(float(r[k]) for k in ("electrons_rad", "bremsstrahlung_rad", "protons_rad"))
        got = _five_year_dose(inc, 550.0, mm)
        worst = max(worst, got / ref, ref / got)
    assert worst < FACTOR_2


def test_equatorial_orbit_dose_is_small():
    """SPENVIS gives < 1 rad in 5 years behind 1 mm at i = 0; the model stays below 5 rad/yr."""
    assert R.orbit_average_dose_rate_si_rad_s(0.0, 550.0, 1.0) * YEAR_S < 5.0


def test_suncatcher_dose_and_tolerance():
    """Suncatcher (arXiv:2511.19468): ~750 rad(Si) expected in 5 years shielded at ~650 km
    dawn-dusk SSO; the TPU showed no hard failures to 15 krad and HBM irregularities from
    ~2 krad. The preset's 10 mm gives a 5-year dose within a factor 2 of 750 rad, below both."""
    inc = np.degrees(sun_synchronous_inclination_rad(650e3))
    five_years = R.orbit_average_dose_rate_si_rad_s(inc, 650.0, 10.0) * 5 * YEAR_S
    assert 750.0 / FACTOR_2 < five_years < 750.0 * FACTOR_2
    assert five_years < 2_000.0 < 15_000.0


def test_saa_sits_off_brazil_and_horns_at_high_magnetic_latitude():
    lat = np.radians(np.array([-30.0, 30.0, -30.0, 0.0]))
    lon = np.radians(np.array([-55.0, -55.0, 100.0, -55.0]))
    w = R.saa_weight(lat, lon)
    assert w[0] > 0.99
    assert w[1] < 1e-6
    assert w[2] < 1e-4
    assert w[3] < 0.01
    assert R.in_saa(lat, lon).tolist() == [True, False, False, False]
    # horns: magnetic latitude ~ 60 deg (geographic ~ 52 N over Canada, 55 S south of
    # Australia, where the tilted dipole brings them); none on the equator
    h = R.horn_weight(np.radians([0.0, 52.0, -55.0]), np.radians([0.0, -70.0, 140.0]),
                      np.full(3, 550e3))  # fmt: skip
    assert h[0] < 1e-3
    assert h[1] > 0.3
    assert h[2] > 0.3


def test_ecef_and_geodetic_l_shells_agree():
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-1.4, 1.4, 200), rng.uniform(-np.pi, np.pi, 200)
    alt = rng.uniform(3e5, 1e6, 200)
    r = (R.R_EARTH_M + alt)[:, None] * np.stack(
        [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], 1
    )
    np.testing.assert_allclose(R.mcilwain_l_dipole_ecef(r), R.mcilwain_l_dipole(lat, lon, alt),
                               rtol=1e-12)  # fmt: skip


def test_shielding_and_storms_and_altitude_are_monotonic():
    c1 = R.depth_dose_coefficients(np.array([0.5, 1.0, 5.0, 20.0, 40.0]))
    for c in c1:
        assert np.all(np.diff(c) <= 0)
    assert np.all(np.diff(R.electron_storm_multiplier(np.array([0, 15, 50, 200]))) >= 0)
    assert R.electron_storm_multiplier(15.0) == 1.0
    fp, fe = R.altitude_factors(np.array([400e3, 550e3, 800e3]))
    assert fp[1] == fe[1] == 1.0
    assert np.all(np.diff(fp) > 0)
    assert np.all(np.diff(fe) > 0)


def test_fetzer_triple_junction_degradation():
    """VALIDATION C: 0.89 of BOL power after 5e14 1-MeV e/cm2, 0.84 after 1e15 (1 pp)."""
    dose = np.array([5e14, 1e15]) * R.RAD_PER_1MEV_E_CM2
    np.testing.assert_allclose(R.solar_cell_remaining_factor(dose), [0.89, 0.84], atol=0.01)


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(-90, 90), lon=st.floats(-180, 180), alt=st.floats(200, 2000),
    mm=st.floats(0, 100), ap=st.floats(0, 400),
)  # fmt: skip
def test_dose_rate_finite_and_non_negative(lat, lon, alt, mm, ap):
    rate = R.dose_rate_si_rad_s(np.radians([[lat]]), np.radians([[lon]]), np.array([[alt * 1e3]]),
                                mm, R.electron_storm_multiplier(ap))  # fmt: skip
    assert np.all(np.isfinite(rate))
    assert np.all(rate >= 0)
