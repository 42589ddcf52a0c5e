"""Trapped-radiation dose at 400-1,200 km against AP-8/AE-8 called directly along the orbit.

The reference is computed here, without the package's grid, depth curves or dose-depth code:
``aep8`` (IRBEM AP-8 MIN, AE-8 MAX) is called at every sample of a circular ground track for
the differential spectra, and the spectra are integrated with this module's own straight-ahead
dose-depth conversion (Bethe stopping and a CSDA range integrated by steps for protons; the
Katz & Penfold practical range and Bethe's electron stopping power for electrons).
Acceptance: a factor 1.5 (issue 14), at 2, 5 and 10 mm Al, 400-1,200 km, 30/53/97.6 deg.
"""

from __future__ import annotations

import numpy as np
import pytest

aep8 = pytest.importorskip("aep8")
u = pytest.importorskip("astropy.units")
coords = pytest.importorskip("astropy.coordinates")
atime = pytest.importorskip("astropy.time")

from orbitcloud.environment import radiation as R  # noqa: E402

FACTOR = 1.5  # issue 14: an independent AP-8/AE-8 + dose-depth calculation within 1.5
ALTS_KM = (400.0, 550.0, 800.0, 1000.0, 1200.0)
INCS_DEG = (30.0, 53.0, 97.6)
DEPTHS_MM = np.array([2.0, 5.0, 10.0])
MEV_G_TO_RAD = 1.602e-8
AL_G_CM3 = 2.70
E_P = np.geomspace(1.0, 299.0, 90)
E_E = np.geomspace(0.05, 6.9, 70)
FINE_P = np.geomspace(1.0, 299.0, 4000)  # the kernels jump where a particle just gets through
FINE_E = np.geomspace(0.05, 6.9, 4000)


def _bethe(e_mev: np.ndarray, z_over_a: float, i_ev: float) -> np.ndarray:
    """Proton stopping power [MeV cm^2/g], Bethe-Bloch with T_max ~ 2 m c^2 b^2 g^2 (M >> m)."""
    gamma = 1.0 + e_mev / 938.272
    b2 = 1.0 - 1.0 / gamma**2
    x = 2.0 * 0.511 * b2 * gamma**2 / (i_ev * 1e-6)
    return np.maximum(0.307075 * z_over_a / b2 * (np.log(x) - b2), 1e-3)


def _proton_residual(e_mev: np.ndarray, t_g_cm2: float) -> np.ndarray:
    """Energy after t of Al by 200 explicit steps of dE = -S dx (0 once stopped)."""
    e = np.array(e_mev, dtype=float)
    dx = t_g_cm2 / 200.0
    for _ in range(200):
        e = np.where(e > 0.3, e - _bethe(np.maximum(e, 0.3), 13 / 26.98, 166.0) * dx, 0.0)
    return np.maximum(e, 0.0)


def _electron_residual(e_mev: np.ndarray, t_g_cm2: float) -> np.ndarray:
    """Katz & Penfold (1952) practical range R(E), inverted numerically for R(E') = R(E) - t."""

    def rng(e: np.ndarray) -> np.ndarray:
        return np.where(e <= 2.5, 0.412 * e ** (1.265 - 0.0954 * np.log(e)), 0.530 * e - 0.106)

    table = np.geomspace(0.005, 10.0, 3000)
    r = rng(e_mev) - t_g_cm2
    return np.where(r > rng(table[0]), np.interp(r, rng(table), table), 0.0)


def _electron_stopping_si(e_mev: np.ndarray) -> np.ndarray:
    """Electron collision stopping power of Si [MeV cm^2/g]: Bethe's formula for electrons as
    written in Leo (1994), Techniques for Nuclear and Particle Physics Experiments, eq. 2.33
    (no density or shell correction)."""
    gamma = 1.0 + e_mev / 0.511
    b2 = 1.0 - 1.0 / gamma**2
    tau = gamma - 1.0
    i_rel = 173e-6 / 0.511
    f = 1.0 - b2 + (tau**2 / 8.0 - (2.0 * tau + 1.0) * np.log(2.0)) / (tau + 1.0) ** 2
    return (
        0.5 * 0.307075 * (14 / 28.09) / b2 * (np.log(tau**2 * (tau + 2.0) / (2.0 * i_rel**2)) + f)
    )


def _kernels() -> tuple[np.ndarray, np.ndarray]:
    """Dose per fluence [rad cm^2] of protons (FINE_P x depth) and electrons (FINE_E x depth)."""
    kp = np.zeros((len(FINE_P), len(DEPTHS_MM)))
    ke = np.zeros((len(FINE_E), len(DEPTHS_MM)))
    for j, mm in enumerate(DEPTHS_MM):
        t = mm * 0.1 * AL_G_CM3
        ep = _proton_residual(FINE_P, t)
        kp[:, j] = np.where(ep > 0, _bethe(np.maximum(ep, 0.3), 14 / 28.09, 173.0), 0.0)
        ee = _electron_residual(FINE_E, t)
        ke[:, j] = np.where(ee > 0, _electron_stopping_si(np.maximum(ee, 0.01)), 0.0)
    return kp * MEV_G_TO_RAD, ke * MEV_G_TO_RAD


def _track(inc_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Geodetic lat, lon [rad] of a circular orbit, uniform in argument of latitude and node."""
    i = np.radians(inc_deg)
    uu = np.linspace(0.0, 2.0 * np.pi, 120, endpoint=False)[:, None]
    node = np.linspace(-np.pi, np.pi, 36, endpoint=False)[None, :]
    lat = np.arcsin(np.sin(i) * np.sin(uu)) + 0.0 * node
    lon = (node + np.arctan2(np.cos(i) * np.sin(uu), np.cos(uu)) + np.pi) % (2 * np.pi) - np.pi
    return lat.ravel(), lon.ravel()


def _dose(j: np.ndarray, e: np.ndarray, fine: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Orbit-mean dose rate: the orbit-mean differential spectrum (the dose is linear in the
    flux) interpolated log-log from e onto the fine grid, times the kernels k (n_fine, n_depth),
    trapezoid in energy."""
    jm = j.mean(0)
    pos = jm > 0
    jf = np.exp(
        np.interp(np.log(fine), np.log(e[pos]), np.log(jm[pos]), left=-np.inf, right=-np.inf)
    )
    y = jf[:, None] * k
    return (0.5 * (y[1:] + y[:-1]) * np.diff(fine)[:, None]).sum(0)


@pytest.fixture(scope="module")
def reference() -> dict[tuple[float, float], tuple[np.ndarray, np.ndarray]]:
    """(inc, alt) -> (reference dose rates at DEPTHS_MM, the model's at the same samples)."""
    kp, ke = _kernels()
    mp, me = aep8.model("p", "min"), aep8.model("e", "max")
    when = atime.Time("2024-01-01T00:00:00", scale="utc")
    out = {}
    for inc in INCS_DEG:
        lat, lon = _track(inc)
        for alt in ALTS_KM:
            loc = coords.EarthLocation.from_geodetic(
                np.degrees(lon) * u.deg, np.degrees(lat) * u.deg, np.full(lat.size, alt) * u.km
            )
            spectra = []
            for m, e in ((mp, E_P), (me, E_E)):
                ell, bb = m.geomagnetic_coordinates(loc, when)
                with np.errstate(invalid="ignore"):
                    j = m.differential_flux_for_geomagnetic_coordinates(
                        np.asarray(ell)[:, None], np.asarray(bb)[:, None], e * u.MeV
                    )
                spectra.append(np.nan_to_num(np.asarray(j.value)))
            jp, je = spectra
            ref = _dose(jp, E_P, FINE_P, kp) + _dose(je, E_E, FINE_E, ke)
            alt_m = np.full(lat.size, alt * 1e3)
            got = np.array([R.dose_rate_si_rad_s(lat, lon, alt_m, mm).mean() for mm in DEPTHS_MM])
            out[(inc, alt)] = (ref, got)
    return out


@pytest.mark.parametrize("inc", INCS_DEG)
def test_dose_within_factor_1p5_of_direct_ap8_ae8(reference, inc):
    """Issue 14: 2, 5, 10 mm Al at 400, 550, 800, 1,000, 1,200 km within a factor 1.5."""
    for alt in ALTS_KM:
        ref, got = reference[(inc, alt)]
        ratio = got / ref
        assert np.all((ratio > 1 / FACTOR) & (ratio < FACTOR)), (inc, alt, ratio)


def test_dose_grows_with_altitude_as_ap8_does(reference):
    """The old exp((h - 550)/H) scaling was 11x high at 1,200 km; the 1,200/550 km dose ratio
    now follows AP-8 (within 1.5x of the direct calculation's, behind 10 mm)."""
    for inc in INCS_DEG:
        r_ref = reference[(inc, 1200.0)][0][2] / reference[(inc, 550.0)][0][2]
        r_got = reference[(inc, 1200.0)][1][2] / reference[(inc, 550.0)][1][2]
        assert 1 / FACTOR < r_got / r_ref < FACTOR, (inc, r_got, r_ref)


def test_saa_proton_flux_map_matches_ap8_pointwise():
    """The SAA is AP-8's, point by point: at 2,000 random positions over the South Atlantic
    (300-2,000 km) the interpolated flux above 10 MeV against aep8 called there. Where AP-8
    gives more than 100 cm^-2 s^-1, 98 % within a factor 1.25 (trilinear in ln on a 2.5 deg x
    5 deg x 50 km grid; the misses are on the steep edges); the flux-weighted sum within 5 %."""
    rng = np.random.default_rng(1)
    n = 2000
    lat, lon = rng.uniform(-60.0, 10.0, n), rng.uniform(-100.0, 20.0, n)
    alt = rng.uniform(300.0, 2000.0, n)
    loc = coords.EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, alt * u.km)
    m = aep8.model("p", "min")
    ell, bb = m.geomagnetic_coordinates(loc, atime.Time("2024-01-01T00:00:00", scale="utc"))
    with np.errstate(invalid="ignore"):
        f = np.nan_to_num(m.integral_flux_for_geomagnetic_coordinates(ell, bb, 10 * u.MeV).value)
    got = R.proton_flux_above_10mev_cm2_s(np.radians(lat), np.radians(lon), alt * 1e3)
    strong = f > 100.0
    assert strong.sum() > 500
    ratio = got[strong] / f[strong]
    assert np.mean((ratio > 1 / 1.25) & (ratio < 1.25)) > 0.98
    assert abs(got[strong].sum() / f[strong].sum() - 1.0) < 0.05
