"""Trapped-radiation dose rate per satellite and step, from AP-8 MIN / AE-8 MAX at any altitude.

Three dose components, each a map over position times a depth curve (see
:mod:`orbitcloud.environment.trapped` for the maps, :mod:`orbitcloud.environment.dose_depth`
for the dose-depth conversion):

* **trapped protons** (AP-8 MIN), in the South Atlantic Anomaly (SAA) and, above about
  1,000 km, all round the inner belt;
* **inner-zone electrons** (AE-8 MAX, L < 2.5), in the SAA;
* **outer-zone electrons** (AE-8 MAX, L >= 2.5), in the polar horns; these carry the storm
  multiplier (:func:`electron_storm_multiplier`).

The SAA and the horns are where AP-8/AE-8 (with their Jensen-Cain 1960 field, through IRBEM)
put them at each altitude: nothing is fitted to orbit averages. Dose is in silicon at the centre
of a spherical aluminium shield (the SHIELDOSE-2 "4 pi centre of sphere" geometry).

Validity: 300-2,000 km, any inclination; shields 0.05-50 mm Al. AP-8/AE-8 climatology
(solar-minimum protons, solar-maximum electrons): a conservative long-term average, not a
forecast, with the SAA at its 1960s position (it drifts westward about 0.3 deg/yr: Badhwar 1997;
the maps put its centre near 35 W, 30 S at 500 km). Galactic cosmic rays and solar particle
events are not included (a few rad/yr in LEO). Checked against SPENVIS SHIELDOSE-2 at 550 km
(factor 2, tests/environment/test_radiation.py) and against AP-8/AE-8 called directly along
circular orbits at 400-1,200 km with an independent dose-depth integration (factor 1.5).

References
----------
Sawyer & Vette (1976), AP-8, NSSDC 76-06; Vette (1991), AE-8, NSSDC 91-24; IRBEM (ONERA) via
the aep8 package. Seltzer, S. M. (1980), SHIELDOSE, NBS Technical Note 1116; Seltzer (1994),
SHIELDOSE-2, NISTIR 5477. SPENVIS 4.6.11 runs in github.com/pfandzelter/leo-edge-failure-models
(Pfandzelter & Bermbach, 2023). Badhwar, G. D. (1997), Drift rate of the South Atlantic
Anomaly, JGR 102(A2), 2343-2349.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.environment import trapped

SPENVIS_MISSION_S = 1825.0 * 86400.0
"""Duration of the SPENVIS comparison runs (1,825 days) [s]."""

REFERENCE_ALTITUDE_KM = 550.0
"""Altitude of the SPENVIS comparison runs, and of :func:`in_saa` without an altitude [km]."""

SAA_FLUX_THRESHOLD_CM2_S = 10.0
"""AP-8 MIN proton flux above 10 MeV that delimits the SAA in :func:`in_saa` [cm^-2 s^-1]: a
convention (the flux falls by orders of magnitude within a few degrees of the edge, so the
flagged area changes by < 10 % between 1 and 10; 10 % of a 550 km, 53 deg orbit is inside)."""

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


def depth_dose_coefficients(shield_mm_al: np.ndarray | float) -> tuple[np.ndarray, ...]:
    """Dose rate per unit map weight behind ``shield_mm_al`` of aluminium [-].

    Parameters
    ----------
    shield_mm_al : shield thickness, spherical, aluminium [mm]; shape (n_sat,) or scalar

    Returns
    -------
    (proton, electron_inner, electron_outer) depth curves c(x) [-]: the weights of
    :func:`radiation_weights` are dose rates at each component's reference depth (5, 1, 1 mm),
    so ``c * w`` is the dose rate behind ``shield_mm_al``.

    References
    ----------
    :func:`orbitcloud.environment.trapped.depth_curves` (Seltzer 1994 geometry; module
    docstring).
    """
    c = trapped.depth_curves(shield_mm_al)
    return c[0], c[1], c[2]


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
    """Instantaneous dose-rate maps of the three components at each position [rad(Si)/s].

    Parameters
    ----------
    lat_rad, lon_rad : (n_t, n_sat) geodetic latitude and longitude [rad]
    alt_m : (n_t, n_sat) height [m]
    r_itrf_m : unused (kept for callers of the earlier dipole model)

    Returns
    -------
    (w_proton, w_electron_inner, w_electron_outer), each (n_t, n_sat): the AP-8 MIN proton
    dose rate behind 5 mm Al and the AE-8 MAX inner- and outer-zone electron dose rates behind
    1 mm Al; multiply by :func:`depth_dose_coefficients` and sum for another shield.

    References
    ----------
    :func:`orbitcloud.environment.trapped.ln_maps_at` (AP-8/AE-8 via IRBEM, trilinear).
    """
    del r_itrf_m
    ln = trapped.ln_maps_at(lat_rad, lon_rad, alt_m)
    w = np.exp(ln[:3]).astype(np.float64)
    return w[0], w[1], w[2]


def radiation_weights_and_saa(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    alt_m: np.ndarray,
    threshold: float = SAA_FLUX_THRESHOLD_CM2_S,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """:func:`radiation_weights` and :func:`in_saa` at the actual altitude, from one
    interpolation of the maps (the engine's call).

    Parameters
    ----------
    lat_rad, lon_rad : (n_t, n_sat) geodetic latitude and longitude [rad]
    alt_m : (n_t, n_sat) height [m]
    threshold : SAA flux threshold, proton flux above 10 MeV [cm^-2 s^-1]

    Returns
    -------
    ((w_proton, w_electron_inner, w_electron_outer) [rad/s], in_saa bool), each (n_t, n_sat)

    References
    ----------
    :func:`radiation_weights`, :func:`in_saa`.
    """
    ln = trapped.ln_maps_at(lat_rad, lon_rad, alt_m)
    w = np.exp(ln[:3]).astype(np.float64)
    return (w[0], w[1], w[2]), ln[3] > np.float32(np.log(threshold))


def proton_flux_above_10mev_cm2_s(
    lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray | float
) -> np.ndarray:
    """AP-8 MIN omnidirectional proton flux above 10 MeV [cm^-2 s^-1] at each position.

    Parameters
    ----------
    lat_rad, lon_rad : geodetic latitude and longitude [rad]
    alt_m : height [m], broadcastable

    References
    ----------
    Sawyer & Vette (1976), AP-8, via IRBEM/aep8 on the grid of
    :mod:`orbitcloud.environment.trapped`.
    """
    return np.exp(trapped.ln_maps_at(lat_rad, lon_rad, alt_m)[3]).astype(np.float64)


def dose_rate_from_weights(
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    shield_mm_al: np.ndarray | float,
    electron_multiplier: np.ndarray | float = 1.0,
    proton_multiplier: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Dose rate [rad(Si)/s] from :func:`radiation_weights` behind ``shield_mm_al`` [mm Al].

    ``rate = c_p(x) w_p m_p + c_e(x) w_e + c_h(x) w_h m_e``; multipliers broadcast against
    the weights (e.g. ``(n_t, 1)`` storm factors).

    References
    ----------
    Module docstring (AP-8 MIN / AE-8 MAX, SHIELDOSE-2-style dose-depth).
    """
    return dose_rate_from_coefficients(
        weights, depth_dose_coefficients(shield_mm_al), electron_multiplier, proton_multiplier
    )


def dose_rate_from_coefficients(
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    coefficients: tuple[np.ndarray, ...],
    electron_multiplier: np.ndarray | float = 1.0,
    proton_multiplier: np.ndarray | float = 1.0,
) -> np.ndarray:
    """:func:`dose_rate_from_weights` with the shield's :func:`depth_dose_coefficients` given
    (a caller that doses many chunks behind the same shields computes them once) [rad(Si)/s].

    References
    ----------
    :func:`dose_rate_from_weights`.
    """
    cp, ce, ch = coefficients
    w_p, w_e, w_h = weights
    return (cp * proton_multiplier) * w_p + ce * w_e + (ch * electron_multiplier) * w_h


def dose_rate_si_rad_s(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    alt_m: np.ndarray,
    shield_mm_al: np.ndarray | float,
    electron_multiplier: np.ndarray | float = 1.0,
    proton_multiplier: np.ndarray | float = 1.0,
) -> np.ndarray:
    """Ionising dose rate in silicon behind an aluminium shield, per satellite and step.

    rate = c_p(x) w_p m_p + c_e(x) w_e + c_h(x) w_h m_e (:func:`radiation_weights`,
    :func:`depth_dose_coefficients`).

    Parameters
    ----------
    lat_rad, lon_rad : (n_t, n_sat) geodetic latitude and longitude [rad]
    alt_m : (n_t, n_sat) height [m]
    shield_mm_al : (n_sat,) or scalar aluminium shield thickness [mm]
    electron_multiplier : outer-zone electron multiplier (storms) [-], broadcastable
    proton_multiplier : proton multiplier [-], broadcastable

    Returns
    -------
    (n_t, n_sat) dose rate [rad(Si)/s].

    References
    ----------
    Module docstring: AP-8 MIN / AE-8 MAX with a SHIELDOSE-2-style dose-depth conversion.
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
    ap : daily Ap index [-] (storm multiplier of the outer-zone electrons)

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


def in_saa(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    threshold: float = SAA_FLUX_THRESHOLD_CM2_S,
    alt_m: np.ndarray | float = REFERENCE_ALTITUDE_KM * 1000.0,
) -> np.ndarray:
    """Boolean mask: inside the SAA, where the AP-8 MIN proton flux above 10 MeV exceeds
    ``threshold`` [cm^-2 s^-1] at ``alt_m`` [m] (default 550 km).

    Off the SAA longitudes this also flags the inner belt itself where it reaches the orbit
    (everywhere near the magnetic equator above about 1,200 km).

    Parameters
    ----------
    lat_rad, lon_rad : geodetic latitude and longitude [rad]
    threshold : flux threshold [cm^-2 s^-1] (:data:`SAA_FLUX_THRESHOLD_CM2_S`)
    alt_m : height [m], broadcastable

    References
    ----------
    :func:`proton_flux_above_10mev_cm2_s`.
    """
    return trapped.ln_maps_at(lat_rad, lon_rad, alt_m)[3] > np.float32(np.log(threshold))


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
