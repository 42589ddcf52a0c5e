"""Trapped-radiation dose rate per satellite and step: South Atlantic Anomaly, polar horns, storms.

A parametric model of the ionising dose in silicon behind a spherical aluminium shield, built
so that its *orbit averages* reproduce SPENVIS SHIELDOSE-2 (AP-8 MIN protons, AE-8 MAX
electrons) at 550 km for every inclination 0-100 deg, while the *instantaneous* rate is
localised where the particles are:

* **trapped protons** and **inner-belt electrons** in the South Atlantic Anomaly (SAA): a
  Gaussian in geographic latitude and longitude. Its latitude centre and width are fitted
  (separately for protons and electrons) to the inclination dependence of the SPENVIS doses;
  its longitude centre and width (-55 deg, 30 deg) cannot be fitted from orbit averages and are
  taken from maps of the SAA at 500-600 km (the weakest-field region off Brazil; Heirtzler 2002;
  Ginet et al. 2007, AFRL-RV-HA-TR-2008-1060).
* **outer-belt electrons** in the polar horns: a log-normal band in the McIlwain L shell of a
  centred tilted dipole (IGRF-13 2020 pole, 80.65 N, 72.68 W), fitted to the same data
  (centre L about 4.8, the horns at invariant latitudes 55-70 deg).

Dose at depth ``x`` [mm Al], per unit of map weight, comes from per-component depth-dose
tables fitted at the SHIELDOSE-2 depths (interpolated in ln(dose) linearly in depth). The fit
reproduces the SPENVIS totals within 0.62-1.36x at 1-20 mm for inclinations 10-100 deg
(``tests/environment/test_radiation.py``; factor 2 is the acceptance band); equatorial orbits
(i < 10 deg) are overestimated but stay below 5 rad/yr.

Validity: circular LEO, 400-1,000 km (the altitude scaling, :func:`altitude_factors`, is an
assumed exponential and not validated: the calibration set is 550 km only); shields 0.05-20 mm
Al (extrapolated beyond 20 mm along the proton slope); AP-8/AE-8 climatology (solar-minimum
protons, solar-maximum electrons), i.e. a conservative long-term average, not a forecast.
Galactic cosmic rays and solar particle events are not included (a few rad/yr in LEO).

References
----------
SPENVIS 4.6.11 SHIELDOSE-2 runs (550 km, i = 0-180 deg, 5 years) in
github.com/pfandzelter/leo-edge-failure-models, ``compute-failure/results/<i>.txt`` (Pfandzelter
& Bermbach, 2023). Seltzer, S. M. (1994), SHIELDOSE-2, NISTIR 5477. Sawyer & Vette (1976), AP-8,
NSSDC 76-06; Vette (1991), AE-8, NSSDC 91-24. Heirtzler, J. R. (2002), JASTP 64, 1701-1708.
Alken, P. et al. (2021), IGRF-13, Earth Planets Space 73:49. McIlwain, C. E. (1961), JGR 66.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import R_EARTH_M

SPENVIS_MISSION_S = 1825.0 * 86400.0
"""Duration of the SPENVIS calibration runs (1,825 days) [s]."""

REFERENCE_ALTITUDE_KM = 550.0
"""Altitude of the calibration runs [km]."""

R_MAG_M = 6_371_200.0
"""Reference radius of the geomagnetic field model (IGRF) [m]."""

DIPOLE_POLE_LAT_DEG = 80.65
DIPOLE_POLE_LON_DEG = -72.68
"""Geomagnetic north pole of the IGRF-13 dipole at 2020.0 (Alken et al. 2021, table 3)."""

SAA_LON_DEG = -55.0
SAA_LON_SIGMA_DEG = 30.0
"""Longitude centre and 1-sigma half-width of the SAA at 500-600 km [deg] (assumed from maps;
Heirtzler 2002; Ginet et al. 2007). Orbit averages do not constrain them."""

# ---- fitted by tests/builders/fit_radiation_model.py to the SPENVIS 550 km set -------------
SAA_PROTON_LAT_DEG = -30.12
SAA_PROTON_LAT_SIGMA_DEG = 8.054
SAA_ELECTRON_LAT_DEG = -33.90
SAA_ELECTRON_LAT_SIGMA_DEG = 4.744
HORN_L0 = 4.786
HORN_SIGMA_LN_L = 0.3204

DEPTH_MM = np.array([0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 20.0])
"""Depths of the fitted depth-dose tables [mm Al]."""

# dose in Si over the 1,825-day calibration mission per unit orbit-mean map weight [rad]
PROTON_RAD = np.array([
    412380.3, 246248.4, 148564.4, 83769.65, 57454.20, 42399.71, 36002.95, 29848.41,
    26582.18, 23269.59, 20103.58, 16587.68,
])  # fmt: skip
ELECTRON_SAA_RAD = np.array([
    39102510.0, 22383356.0, 9290741.0, 1070939.6, 125055.9, 19183.84, 7240.398, 1212.328,
    216.462, 187.294, 139.613, 100.576,
])  # fmt: skip
ELECTRON_HORN_RAD = np.array([
    2728034.5, 2133008.8, 1332574.4, 441479.57, 167340.1, 57669.89, 25557.02, 4878.185,
    838.392, 92.82, 58.98, 46.916,
])  # fmt: skip
# ---------------------------------------------------------------------------------------------

PROTON_SCALE_HEIGHT_KM = 120.0
ELECTRON_SCALE_HEIGHT_KM = 300.0
"""Assumed e-folding heights of the trapped proton and electron dose with altitude near 550 km
[km]. Order-of-magnitude: the SAA proton flux rises steeply above the atmospheric cut-off
(AP-8 >10 MeV flux grows about tenfold from 500 to 800 km), the horn electrons slowly. Not
validated (the calibration set is 550 km only)."""

AP_QUIET = 15.0
"""Ap at or below which the outer-belt electrons are at their AE-8 climatological level [-]."""

SOLAR_CELL_C = 0.2217
SOLAR_CELL_PHI_X_CM2 = 2.342e14
"""Fit of P/P0 = 1 - C log10(1 + phi/phi_x) through Fetzer et al.'s triple-junction points
(0.89 at 5e14, 0.84 at 1e15 1-MeV e/cm^2; shared/VALIDATION.md C)."""

PROTON_RAD_CM2 = 1.38e-7
"""Dose in Si per unit fluence of the trapped protons that dominate behind shielding [rad cm^2]:
stopping power of Si at about 60 MeV, 8.6 MeV cm^2/g (NIST PSTAR) x 1.602e-8 rad g / MeV.
Converts proton dose rate to flux for single-event rates."""

RAD_PER_1MEV_E_CM2 = 2.39e-8
"""Dose in Si per unit fluence of 1 MeV electrons [rad cm^2]: collision stopping power of Si
1.494 MeV cm^2/g (NIST ESTAR) x 1.602e-8 rad g / MeV."""


def _wrap_deg(x: np.ndarray) -> np.ndarray:
    """Wrap to [-180, 180) for inputs within one turn of it (angle differences of longitudes)."""
    x = np.where(x >= 180.0, x - 360.0, x)
    return np.where(x < -180.0, x + 360.0, x)


def saa_weight(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    lat0_deg: float = SAA_PROTON_LAT_DEG,
    lat_sigma_deg: float = SAA_PROTON_LAT_SIGMA_DEG,
    lon0_deg: float = SAA_LON_DEG,
    lon_sigma_deg: float = SAA_LON_SIGMA_DEG,
) -> np.ndarray:
    """Relative intensity of the South Atlantic Anomaly at a geographic position, in [0, 1].

    Gaussian in latitude and (wrapped) longitude around the SAA centre.

    Parameters
    ----------
    lat_rad, lon_rad : geodetic latitude and longitude [rad], any broadcastable shape
    lat0_deg, lat_sigma_deg : latitude centre and 1-sigma width [deg]
    lon0_deg, lon_sigma_deg : longitude centre and 1-sigma width [deg]

    Returns
    -------
    Weight [-], 1 at the centre.

    References
    ----------
    Heirtzler, J. R. (2002), The future of the South Atlantic anomaly and implications for
    radiation damage in space, JASTP 64, 1701-1708 (location); widths fitted to SPENVIS
    SHIELDOSE-2 runs (module docstring).
    """
    dlat = (np.degrees(lat_rad) - lat0_deg) / lat_sigma_deg
    dlon = _wrap_deg(np.degrees(lon_rad) - lon0_deg) / lon_sigma_deg
    return np.exp(-0.5 * (dlat * dlat + dlon * dlon))


def mcilwain_l_dipole(lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
    """McIlwain L of a centred tilted dipole: L = (r / R) / cos^2(magnetic latitude) [-].

    Parameters
    ----------
    lat_rad, lon_rad : latitude and longitude [rad] (geodetic taken as geocentric: < 0.2 deg)
    alt_m : height above the ellipsoid [m]

    Returns
    -------
    L shell [Earth radii]; large (1e9) on the magnetic poles.

    References
    ----------
    McIlwain, C. E. (1961), JGR 66, 3681 (dipole field line r = L R cos^2 lambda); pole of
    IGRF-13 at 2020.0, Alken et al. (2021), Earth Planets Space 73:49.
    """
    plat = np.radians(DIPOLE_POLE_LAT_DEG)
    plon = np.radians(DIPOLE_POLE_LON_DEG)
    cl = np.cos(lat_rad)
    sin_m = (
        cl * np.cos(lon_rad) * (np.cos(plat) * np.cos(plon))
        + cl * np.sin(lon_rad) * (np.cos(plat) * np.sin(plon))
        + np.sin(lat_rad) * np.sin(plat)
    )
    cos2 = np.maximum(1.0 - sin_m * sin_m, 1e-9)
    r_over_re = (R_EARTH_M + np.asarray(alt_m)) / R_MAG_M
    return r_over_re / cos2


def mcilwain_l_dipole_ecef(r_itrf_m: np.ndarray) -> np.ndarray:
    """McIlwain L of the centred tilted dipole from Earth-fixed positions (no trigonometry) [-].

    Parameters
    ----------
    r_itrf_m : (..., 3) Earth-fixed (ITRF) positions [m]

    Returns
    -------
    L shell [Earth radii]

    References
    ----------
    As :func:`mcilwain_l_dipole`.
    """
    plat = np.radians(DIPOLE_POLE_LAT_DEG)
    plon = np.radians(DIPOLE_POLE_LON_DEG)
    pole = np.array([np.cos(plat) * np.cos(plon), np.cos(plat) * np.sin(plon), np.sin(plat)])
    r = np.linalg.norm(r_itrf_m, axis=-1)
    sin_m = (r_itrf_m @ pole) / r
    cos2 = np.maximum(1.0 - sin_m * sin_m, 1e-9)
    return (r / R_MAG_M) / cos2


def horn_weight_from_l(l_shell: np.ndarray) -> np.ndarray:
    """Horn weight ``exp(-0.5 (ln(L/L0)/s)^2)`` from the L shell [-] (see :func:`horn_weight`)."""
    ln_l = np.log(l_shell / HORN_L0) / HORN_SIGMA_LN_L
    return np.exp(-0.5 * ln_l * ln_l)


def horn_weight(lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray) -> np.ndarray:
    """Relative intensity of the outer-belt electron horns, in [0, 1].

    Log-normal band in the dipole L shell, ``exp(-0.5 (ln(L/L0)/s)^2)``.

    Parameters
    ----------
    lat_rad, lon_rad : latitude and longitude [rad]
    alt_m : height [m]

    Returns
    -------
    Weight [-].

    References
    ----------
    L0 and s fitted to SPENVIS AE-8 MAX / SHIELDOSE-2 runs at 550 km (module docstring); the
    horns as the low-altitude footprint of the outer belt: e.g. Gussenhoven et al. (1998),
    Adv. Space Res. 21(12), 1651 (APEX, CRRES, DMSP dosimetry).
    """
    return horn_weight_from_l(mcilwain_l_dipole(lat_rad, lon_rad, alt_m))


def _log_interp_depth(x_mm: np.ndarray, table: np.ndarray) -> np.ndarray:
    x = np.asarray(x_mm, dtype=float)
    ln = np.log(np.maximum(table, 1e-300))
    inside = np.interp(np.clip(x, DEPTH_MM[0], DEPTH_MM[-1]), DEPTH_MM, ln)
    slope = (ln[-1] - ln[-2]) / (DEPTH_MM[-1] - DEPTH_MM[-2])
    beyond = ln[-1] + slope * (x - DEPTH_MM[-1])
    return np.exp(np.where(x > DEPTH_MM[-1], beyond, inside))


def depth_dose_coefficients(shield_mm_al: np.ndarray | float) -> tuple[np.ndarray, ...]:
    """Dose rate per unit map weight behind ``shield_mm_al`` of aluminium, at 550 km.

    Parameters
    ----------
    shield_mm_al : shield thickness, spherical, aluminium [mm]; shape (n_sat,) or scalar

    Returns
    -------
    (proton, electron_saa, electron_horn) dose rates in Si [rad/s] per unit orbit-mean map
    weight; multiply by the instantaneous weights (:func:`saa_weight`, :func:`horn_weight`).

    References
    ----------
    Seltzer (1994), SHIELDOSE-2, NISTIR 5477, via SPENVIS runs (module docstring); tables fitted
    by ``tests/builders/fit_radiation_model.py``; ln(dose) interpolated linearly in depth.
    """
    x = np.asarray(shield_mm_al, dtype=float)
    return (
        _log_interp_depth(x, PROTON_RAD) / SPENVIS_MISSION_S,
        _log_interp_depth(x, ELECTRON_SAA_RAD) / SPENVIS_MISSION_S,
        _log_interp_depth(x, ELECTRON_HORN_RAD) / SPENVIS_MISSION_S,
    )


def altitude_factors(alt_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scaling of the trapped proton and electron dose with altitude, 1 at 550 km [-].

    ``exp((h - 550 km) / H)`` with H = 120 km (protons) and 300 km (electrons), capped at
    h = 1,200 km. An assumption (module docstring): use 400-1,000 km.

    Parameters
    ----------
    alt_m : height [m]

    Returns
    -------
    (proton_factor, electron_factor) [-]

    References
    ----------
    Order of magnitude from AP-8/AE-8 flux-altitude trends (Sawyer & Vette 1976; Vette 1991).
    """
    dh_km = np.minimum(np.asarray(alt_m) / 1000.0, 1200.0) - REFERENCE_ALTITUDE_KM
    return np.exp(dh_km / PROTON_SCALE_HEIGHT_KM), np.exp(dh_km / ELECTRON_SCALE_HEIGHT_KM)


def electron_storm_multiplier(ap: float | np.ndarray) -> np.ndarray:
    """Enhancement of the outer-belt (horn) electron dose with geomagnetic activity [-].

    ``sqrt(max(Ap, 15) / 15)``: 1 when quiet, 2.6 at Ap = 100, 4.5 at Ap = 300. A heuristic for
    the well-documented storm-time enhancement of outer-zone electrons at low altitude.

    Parameters
    ----------
    ap : daily Ap index [-]

    Returns
    -------
    Multiplier [-], >= 1.

    References
    ----------
    Gussenhoven, M. S. et al. (1998), Adv. Space Res. 21(12), 1651-1660: the outer-zone electron
    contribution at low altitude "has significant variation with magnetic activity".
    """
    return np.sqrt(np.maximum(np.asarray(ap, dtype=float), AP_QUIET) / AP_QUIET)


def radiation_weights(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    alt_m: np.ndarray,
    r_itrf_m: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Instantaneous map weights of the three dose components, altitude scaling included [-].

    Parameters
    ----------
    lat_rad, lon_rad : (n_t, n_sat) geodetic latitude and longitude [rad]
    alt_m : (n_t, n_sat) height [m]
    r_itrf_m : optional (n_t, n_sat, 3) Earth-fixed positions [m]; when given, the L shell
        comes from them (:func:`mcilwain_l_dipole_ecef`, faster) instead of lat/lon/alt

    Returns
    -------
    (w_proton, w_electron_saa, w_electron_horn), each (n_t, n_sat): multiply by the
    coefficients of :func:`depth_dose_coefficients` and sum for the dose rate.

    References
    ----------
    :func:`saa_weight`, :func:`horn_weight`, :func:`altitude_factors`.
    """
    # each weight is one exp: map exponent + altitude exponent (see altitude_factors)
    dh_km = np.minimum(np.asarray(alt_m) * 1e-3, 1200.0) - REFERENCE_ALTITUDE_KM
    a_p = dh_km * (1.0 / PROTON_SCALE_HEIGHT_KM)
    a_e = dh_km * (1.0 / ELECTRON_SCALE_HEIGHT_KM)
    lat_deg = np.degrees(lat_rad)
    dlon = _wrap_deg(np.degrees(lon_rad) - SAA_LON_DEG) / SAA_LON_SIGMA_DEG
    lon_term = -0.5 * dlon * dlon  # shared by the proton and electron SAA maps
    dp = (lat_deg - SAA_PROTON_LAT_DEG) / SAA_PROTON_LAT_SIGMA_DEG
    de = (lat_deg - SAA_ELECTRON_LAT_DEG) / SAA_ELECTRON_LAT_SIGMA_DEG
    w_p = np.exp(lon_term - 0.5 * dp * dp + a_p)
    w_e = np.exp(lon_term - 0.5 * de * de + a_e)
    if r_itrf_m is None:
        l_shell = mcilwain_l_dipole(lat_rad, lon_rad, alt_m)
    else:
        l_shell = mcilwain_l_dipole_ecef(r_itrf_m)
    ln_l = np.log(l_shell * (1.0 / HORN_L0)) * (1.0 / HORN_SIGMA_LN_L)
    w_h = np.exp(a_e - 0.5 * ln_l * ln_l)
    return w_p, w_e, w_h


def dose_rate_from_weights(
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    shield_mm_al: np.ndarray | float,
    electron_multiplier: np.ndarray | float = 1.0,
    proton_multiplier: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Dose rate [rad(Si)/s] from :func:`radiation_weights` behind ``shield_mm_al`` [mm Al].

    ``rate = P(x) w_p m_p + E_saa(x) w_e + E_horn(x) w_h m_e``; multipliers broadcast against
    the weights (e.g. ``(n_t, 1)`` storm factors).

    References
    ----------
    Module docstring (SPENVIS AP-8 MIN / AE-8 MAX / SHIELDOSE-2 calibration at 550 km).
    """
    cp, ces, ceh = depth_dose_coefficients(shield_mm_al)
    w_p, w_e, w_h = weights
    return (cp * proton_multiplier) * w_p + ces * w_e + (ceh * electron_multiplier) * w_h


def dose_rate_si_rad_s(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    alt_m: np.ndarray,
    shield_mm_al: np.ndarray | float,
    electron_multiplier: np.ndarray | float = 1.0,
    proton_multiplier: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Ionising dose rate in silicon behind an aluminium shield, per satellite and step.

    rate = P(x) g_saa,p f_p(h) m_p + E_saa(x) g_saa,e f_e(h) + E_horn(x) g_horn f_e(h) m_e

    Parameters
    ----------
    lat_rad, lon_rad : (n_t, n_sat) geodetic latitude and longitude [rad]
    alt_m : (n_t, n_sat) height [m]
    shield_mm_al : (n_sat,) or scalar aluminium shield thickness [mm]
    electron_multiplier : horn-electron multiplier (storms) [-], broadcastable
    proton_multiplier : proton multiplier [-], broadcastable

    Returns
    -------
    (n_t, n_sat) dose rate [rad(Si)/s]; NaN where the position is NaN.

    References
    ----------
    Module docstring: SPENVIS AP-8 MIN / AE-8 MAX / SHIELDOSE-2 calibration at 550 km.
    """
    w = radiation_weights(lat_rad, lon_rad, alt_m)
    return dose_rate_from_weights(w, shield_mm_al, electron_multiplier, proton_multiplier)


def circular_track_samples(
    inclination_deg: float, n_u: int = 720, n_node: int = 360
) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude [rad] sampling a circular orbit uniformly in time and longitude.

    Over weeks the Earth turns under the orbit, so the ground track covers all longitudes
    evenly: sample argument of latitude u and node longitude uniformly.

    Parameters
    ----------
    inclination_deg : orbit inclination [deg]
    n_u, n_node : samples in argument of latitude and node longitude

    Returns
    -------
    (lat, lon) each (n_u, n_node) [rad]

    References
    ----------
    Spherical trigonometry of a circular orbit: sin(lat) = sin(i) sin(u),
    lon = node + atan2(cos(i) sin(u), cos(u)) (e.g. Vallado, sec. 2.2).
    """
    i = np.radians(inclination_deg)
    u = np.linspace(0.0, 2.0 * np.pi, n_u, endpoint=False)
    node = np.linspace(0.0, 2.0 * np.pi, n_node, endpoint=False)
    lat = np.arcsin(np.sin(i) * np.sin(u))[:, None] + 0.0 * node[None, :]
    lon = node[None, :] + np.arctan2(np.cos(i) * np.sin(u), np.cos(u))[:, None]
    return lat, lon


def orbit_average_dose_rate_si_rad_s(
    inclination_deg: float,
    altitude_km: float,
    shield_mm_al: float,
    ap: float = AP_QUIET,
) -> float:
    """Long-term mean dose rate of a circular orbit [rad(Si)/s] (the model averaged in time).

    Parameters
    ----------
    inclination_deg : inclination [deg]
    altitude_km : circular altitude [km]
    shield_mm_al : aluminium shield thickness [mm]
    ap : daily Ap index [-] (storm multiplier of the horn electrons)

    Returns
    -------
    Mean dose rate [rad/s].

    References
    ----------
    Module docstring; :func:`circular_track_samples`.
    """
    lat, lon = circular_track_samples(inclination_deg)
    alt = np.full(lat.shape, altitude_km * 1000.0)
    rate = dose_rate_si_rad_s(lat, lon, alt, shield_mm_al, electron_storm_multiplier(ap))
    return float(rate.mean())


def in_saa(lat_rad: np.ndarray, lon_rad: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Boolean mask: inside the proton SAA (weight above ``threshold``, default its half-maximum).

    Evaluated on the Gaussian's exponent (no exp): weight > t  <=>  q < -2 ln t.

    Parameters
    ----------
    lat_rad, lon_rad : geodetic latitude and longitude [rad]
    threshold : weight threshold [-]

    References
    ----------
    :func:`saa_weight`.
    """
    dlat = (np.degrees(lat_rad) - SAA_PROTON_LAT_DEG) / SAA_PROTON_LAT_SIGMA_DEG
    dlon = _wrap_deg(np.degrees(lon_rad) - SAA_LON_DEG) / SAA_LON_SIGMA_DEG
    return dlat * dlat + dlon * dlon < -2.0 * np.log(threshold)


def solar_cell_remaining_factor(
    cell_dose_rad: np.ndarray, c: float = SOLAR_CELL_C, phi_x_cm2: float = SOLAR_CELL_PHI_X_CM2
) -> np.ndarray:
    """Remaining fraction of solar-cell maximum power after radiation damage [-].

    P/P0 = 1 - C log10(1 + phi / phi_x), phi = 1-MeV-electron equivalent fluence, taken here as
    the ionising dose at the cell (behind its cover glass) divided by the 1 MeV electron dose
    per unit fluence (:data:`RAD_PER_1MEV_E_CM2`). This treats all dose as electron-like: it
    underestimates proton displacement damage (higher NIEL per rad), acceptable in LEO where
    cover-glass doses are electron-dominated.

    Parameters
    ----------
    cell_dose_rad : accumulated dose at the cell [rad(Si)]
    c : fitted coefficient [-]
    phi_x_cm2 : critical fluence [e/cm^2]

    Returns
    -------
    Remaining power factor [-] in (0, 1].

    References
    ----------
    Tada, H. Y. et al. (1982), Solar Cell Radiation Handbook, JPL 82-69 (the log form);
    Fetzer, C. M. et al., Spectrolab triple-junction cells, IEEE PVSC (0.89 at 5e14, 0.84 at
    1e15 1 MeV e/cm^2, shared/VALIDATION.md C).
    """
    phi = np.maximum(np.asarray(cell_dose_rad, dtype=float), 0.0) / RAD_PER_1MEV_E_CM2
    return np.clip(1.0 - c * np.log10(1.0 + phi / phi_x_cm2), 0.01, 1.0)
