"""Trapped-radiation model against SPENVIS SHIELDOSE-2 and the Suncatcher figures, and the\nshape of the AP-8/AE-8 maps (the SAA, the horns)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.elements import sun_synchronous_inclination_rad
from orbitcloud.environment import radiation as R
from orbitcloud.environment import trapped as T

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
    """Inclinations 10-100 deg, depths 1-20 mm: within the factor 2 (the model gives 0.57-1.19
    of SPENVIS there; nothing was fitted to these runs)."""
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
    """The SAA emerges from AP-8: its proton peak at 500 km lies off Brazil (AP-8 with its
    Jensen-Cain 1960 field: about 30 S, 35 W; Heirtzler 2002 maps, shared/VALIDATION.md E),
    the outer-zone electron horns at high latitude, nothing over the equatorial Pacific."""
    lat = np.radians(np.arange(-60.0, 60.1, 1.0))[:, None] + 0.0 * np.zeros(361)
    lon = np.radians(np.arange(-180.0, 180.1, 1.0))[None, :] + 0.0 * lat
    w_p, w_e, _ = R.radiation_weights(lat, lon, np.full(lat.shape, 500e3))
    i, j = np.unravel_index(np.argmax(w_p), w_p.shape)
    assert -40.0 < np.degrees(lat[i, j]) < -20.0
    assert -60.0 < np.degrees(lon[i, j]) < -20.0
    assert w_p[i, j] > 1e4 * w_p[60, 0]  # equator, 180 E
    assert np.degrees(lat[np.unravel_index(np.argmax(w_e), w_e.shape)]) < -15.0
    # horns: L about 4-6 (about 45-50 N over Canada, 50 S in the Indian Ocean sector; AE-8
    # puts none where the local field is strong, e.g. south of Australia at 550 km)
    h = R.radiation_weights(np.radians([0.0, 47.0, -50.0]), np.radians([-150.0, -80.0, 100.0]),
                            np.full(3, 550e3))[2]  # fmt: skip
    assert h[1] > 1e3 * h[0]
    assert h[2] > 1e3 * h[0]
    # the flag: inside at the peak, outside over the Pacific and in the north
    flag = R.in_saa(np.radians([-30.0, 0.0, 30.0]), np.radians([-40.0, -150.0, -40.0]))
    assert flag.tolist() == [True, False, False]


def test_saa_grows_with_altitude():
    """AP-8: the SAA widens with altitude (the flagged fraction of a 53 deg orbit grows)."""
    lat, lon = R.circular_track_samples(53.0, 360, 120)
    frac = [R.in_saa(lat, lon, alt_m=h).mean() for h in (400e3, 550e3, 800e3, 1200e3)]
    assert np.all(np.diff(frac) > 0)
    assert 0.03 < frac[1] < 0.2


def test_grid_interpolation_is_trilinear_and_wraps_in_longitude():
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(-1.4, 1.4, 500), rng.uniform(-np.pi, np.pi, 500)
    alt = rng.uniform(250e3, 2100e3, 500)
    got = T.ln_maps_at(lat, lon, alt)
    # trilinear by hand from the node values
    g = T.load_grid()
    maps = g.ln_maps.reshape(*g.shape, 4)
    fi = (np.degrees(lat) - g.lat0) / g.dlat
    fj = (np.degrees(lon) - g.lon0) / g.dlon
    fk = (alt - g.alt0) / g.dalt
    i, j, k = fi.astype(int), fj.astype(int), fk.astype(int)
    want = 0.0
    for di in (0, 1):
        for dj in (0, 1):
            for dk in (0, 1):
                wgt = (
                    np.where(di, fi - i, 1 - fi + i)
                    * np.where(dj, fj - j, 1 - fj + j)
                    * np.where(dk, fk - k, 1 - fk + k)
                )
                want = want + wgt[:, None] * maps[i + di, j + dj, k + dk]
    np.testing.assert_allclose(got.T, want, atol=1e-3)
    # longitude wraps: -180 and +180 deg are the same place
    w1 = R.radiation_weights(np.radians([-20.0]), np.radians([-180.0]), np.array([800e3]))
    w2 = R.radiation_weights(np.radians([-20.0]), np.radians([180.0]), np.array([800e3]))
    np.testing.assert_allclose(w1, w2, rtol=1e-5)


def test_shielding_and_storms_and_altitude_are_monotonic():
    c1 = R.depth_dose_coefficients(np.array([0.5, 1.0, 5.0, 20.0, 40.0, 80.0]))
    for c in c1:
        assert np.all(np.diff(c) <= 0)
    assert np.all(np.diff(R.electron_storm_multiplier(np.array([0, 15, 50, 200]))) >= 0)
    assert R.electron_storm_multiplier(15.0) == 1.0
    doses = [R.orbit_average_dose_rate_si_rad_s(53.0, h, 5.0) for h in (400, 550, 800, 1200)]
    assert np.all(np.diff(doses) > 0)


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
