"""What the environment does to each satellite, per step: the drivers of the spacecraft models.

Nothing here depends on a satellite's state (battery, temperatures, health), only on its orbit,
the Sun and the trapped-particle environment, so a whole chunk of steps is computed at once,
vectorised over steps and satellites, before :func:`orbitcloud.spacecraft.simulate.advance`
steps the state through it. Every value of a step depends on that step's inputs only: any
split of a run into chunks gives the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orbitcloud.astro.constants import MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.environment import radiation
from orbitcloud.spacecraft import power, thermal
from orbitcloud.spacecraft.design import FleetParams

BLOCK_ELEMENTS = 65_536
"""Satellite-steps per block of the elementwise environment/power chains: 0.5 MB per float64
array, so a chain's temporaries stay in cache (~2x faster than whole chunks;
bench/bench_spacecraft.py). Blocks never change a value: every operation is per element."""

DEFAULT_ALTITUDE_M = 550e3
"""Altitude used for the Earth view factor of a satellite without a valid state [m] (the value
is never used for a result: such rows are masked)."""


@dataclass(frozen=True, eq=False)
class EnvironmentRows:
    """The environment of every satellite at every step of a chunk: ``(n_t, n_sat)`` arrays.

    Rows of satellites without a valid state (or without spacecraft models) are 0 (``in_saa``
    False), except ``array_temp_k``, which is the cold equilibrium of an unlit panel there.
    """

    dose_rate_rad_s: np.ndarray
    """ionising dose rate in Si behind the electronics shield [rad/s]"""
    cell_dose_rate_rad_s: np.ndarray
    """dose rate behind the solar cells' cover glass [rad/s]"""
    proton_dose_rate_rad_s: np.ndarray
    """trapped-proton part of ``dose_rate_rad_s`` [rad/s]"""
    in_saa: np.ndarray
    """bool: inside the South Atlantic Anomaly"""
    sunlit: np.ndarray
    """visible fraction of the solar disk [0..1]"""
    irradiance_w_m2: np.ndarray
    """solar irradiance times ``sunlit`` [W/m^2]"""
    array_cosine: np.ndarray
    """cosine of the Sun on the array plane [-]"""
    sun_dot_h: np.ndarray
    """sine of the beta angle: the Sun direction on the orbit normal [-] (for diagnoses)"""
    array_temp_k: np.ndarray
    """solar-array equilibrium temperature [K]"""
    gen_bol_w: np.ndarray
    """array output before age and radiation degradation [W]"""
    radiator_env_w: np.ndarray
    """heat absorbed by the radiator from the Sun, Earth infrared and albedo [W]"""


_FIELDS = (
    "dose_rate_rad_s", "cell_dose_rate_rad_s", "proton_dose_rate_rad_s", "sunlit",
    "irradiance_w_m2", "array_cosine", "sun_dot_h", "array_temp_k", "gen_bol_w",
    "radiator_env_w",
)  # fmt: skip


def environment_rows(
    r_teme_m: np.ndarray,
    v_teme_m_s: np.ndarray,
    sun_teme_m: np.ndarray,
    sunlit: np.ndarray,
    valid: np.ndarray,
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    in_saa: np.ndarray,
    electron_multiplier: np.ndarray,
    proton_multiplier: np.ndarray,
    params: FleetParams,
    earth_ir_w_m2: float,
    albedo: float,
    block_elements: int = BLOCK_ELEMENTS,
) -> EnvironmentRows:
    """Dose rates, Sun geometry, array power before degradation and radiator loads.

    Parameters
    ----------
    r_teme_m, v_teme_m_s : (n_t, n_sat, 3) position [m] and velocity [m/s], TEME
    sun_teme_m : (n_t, 3) Sun position, TEME [m]
    sunlit : (n_t, n_sat) visible fraction of the solar disk [-]
    valid : (n_t, n_sat) bool: a valid state and spacecraft models
    weights : (proton, electron, horn) map weights, each (n_t, n_sat) [-]
        (:func:`orbitcloud.environment.radiation.radiation_weights`)
    in_saa : (n_t, n_sat) bool
    electron_multiplier, proton_multiplier : (n_t,) storm and environment multipliers [-]
    params : per-satellite design
    earth_ir_w_m2 : Earth's outgoing longwave radiation [W/m^2]
    albedo : Earth's Bond albedo [-]
    block_elements : satellite-steps per block (speed only; see :data:`BLOCK_ELEMENTS`)

    Returns
    -------
    :class:`EnvironmentRows`

    References
    ----------
    Dose: :func:`orbitcloud.environment.radiation.dose_rate_from_weights` (AP-8/AE-8 maps);
    array temperature and efficiency: :func:`orbitcloud.spacecraft.power.array_temperature_k`
    and :func:`~orbitcloud.spacecraft.power.cell_efficiency` solved together by fixed-point
    iteration (two passes: the efficiency moves the temperature by < 0.1 K after the first);
    radiator loads: :func:`orbitcloud.spacecraft.thermal.radiator_environment_w` (Gilmore 2002).
    """
    n_t, n = valid.shape
    out = {name: np.empty((n_t, n)) for name in _FIELDS}
    saa = np.empty((n_t, n), bool)
    rows = max(1, block_elements // max(n, 1))
    # depth curves of the shields: per satellite, once per call (not per block)
    coef = (radiation.depth_dose_coefficients(params.shield_mm),
            radiation.depth_dose_coefficients(params.coverglass_mm))  # fmt: skip
    for r0 in range(0, n_t, rows):
        sl = slice(r0, min(n_t, r0 + rows))
        part = _rows(
            r_teme_m[sl], v_teme_m_s[sl], sun_teme_m[sl], sunlit[sl], valid[sl],
            (weights[0][sl], weights[1][sl], weights[2][sl]),
            electron_multiplier[sl, None], proton_multiplier[sl, None], params,
            earth_ir_w_m2, albedo, coef,
        )  # fmt: skip
        for name in _FIELDS:
            out[name][sl] = part[name]
        saa[sl] = in_saa[sl] & valid[sl]
    return EnvironmentRows(in_saa=saa, **out)


def _masked(valid: np.ndarray, all_valid: bool, x: np.ndarray, fill: float) -> np.ndarray:
    """``np.where(valid, x, fill)``, skipped when every row is valid (the common case)."""
    return x if all_valid else np.where(valid, x, fill)


def _rows(
    r: np.ndarray,
    v: np.ndarray,
    sun: np.ndarray,
    sunlit0: np.ndarray,
    valid: np.ndarray,
    weights: tuple[np.ndarray, np.ndarray, np.ndarray],
    m_e: np.ndarray,
    m_p: np.ndarray,
    p: FleetParams,
    earth_ir_w_m2: float,
    albedo: float,
    coef: tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]],
) -> dict[str, np.ndarray]:
    """:func:`environment_rows` on one block of rows (arrays as there, multipliers (rows, 1));
    ``coef``: the depth-dose coefficients of the shield and of the cover glass."""
    allv = bool(valid.all())
    w = (_masked(valid, allv, weights[0], 0.0),
         _masked(valid, allv, weights[1], 0.0),
         _masked(valid, allv, weights[2], 0.0))  # fmt: skip
    out = {
        "dose_rate_rad_s": radiation.dose_rate_from_coefficients(w, coef[0], m_e, m_p),
        "cell_dose_rate_rad_s": radiation.dose_rate_from_coefficients(w, coef[1], m_e, m_p),
        "proton_dose_rate_rad_s": coef[0][0] * m_p * w[0],
    }
    rn, irr0, sh, sr, cz = power.sun_geometry(r, v, sun)
    sunlit = _masked(valid, allv, sunlit0, 0.0)
    irr = _masked(valid, allv, irr0 * sunlit, 0.0)
    cosf = _masked(valid, allv, power.array_cosine(p.pointing, p.body_normal, sh, sr), 0.0)
    cos_zen = _masked(valid, allv, cz, 0.0)
    big_h = _masked(valid, allv, rn, R_EARTH_M + DEFAULT_ALTITUDE_M) / R_EARTH_M
    f_perp = thermal.earth_view_factor_perpendicular(big_h)
    albedo_flux = albedo * irr * np.maximum(cos_zen, 0.0)
    earth_load = (p.array_eps_f + p.array_eps_b) * earth_ir_w_m2 * f_perp
    earth_load += p.array_alpha * albedo_flux * f_perp
    g_arr = irr * cosf
    eta = p.cell_eff
    for _ in range(2):  # array temperature and efficiency, fixed point
        t_arr = power.array_temperature_k(g_arr, earth_load, p.array_alpha, p.array_eps_f,
                                          p.array_eps_b, eta * p.packing)  # fmt: skip
        eta = power.cell_efficiency(t_arr, p.cell_eff, p.cell_gamma, p.cell_ref_k)
    out.update(
        sunlit=sunlit, irradiance_w_m2=irr, array_cosine=cosf, array_temp_k=t_arr,
        sun_dot_h=_masked(valid, allv, sh, 0.0),
        gen_bol_w=g_arr * p.array_area_m2 * p.packing * eta,
        radiator_env_w=thermal.radiator_environment_w(
            p.rad_orientation, p.rad_two_sided, p.rad_area_m2, p.rad_alpha, p.rad_eps,
            p.rad_sun_incidence, irr, cos_zen, cos_zen, big_h, earth_ir_w_m2, albedo,
            (f_perp, thermal.earth_view_factor_nadir(big_h)),
        ),
    )  # fmt: skip
    return out


def mean_altitude_inclination(
    mean_motion_rad_min: np.ndarray, inclination_rad: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Mean altitude above the equatorial radius [m] and inclination [deg] from SGP4 elements.

    Parameters
    ----------
    mean_motion_rad_min : (n_sat,) Kozai mean motion [rad/min] (``Satrec.no_kozai``)
    inclination_rad : (n_sat,) inclination [rad] (``Satrec.inclo``)

    Returns
    -------
    (altitude [m], inclination [deg]), each (n_sat,)

    References
    ----------
    Kepler's third law a = (mu / n^2)^(1/3) (Vallado 2013, eq. 1-26), circular orbit.
    """
    n = np.asarray(mean_motion_rad_min, dtype=float) / 60.0  # rad/s
    a = (MU_EARTH_M3_S2 / np.maximum(n, 1e-9) ** 2) ** (1.0 / 3.0)
    return a - R_EARTH_M, np.asarray(np.degrees(inclination_rad))


def orbit_average_dose_rates(
    altitude_m: np.ndarray,
    inclination_deg: np.ndarray,
    shield_mm: np.ndarray,
    coverglass_mm: np.ndarray,
    ap: float,
    radiation_multiplier: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Orbit-average dose rates of circular orbits, per satellite [rad/s].

    Satellites are binned (10 km in altitude, 1 deg in inclination, the same shields) and each
    bin is averaged over a circular ground track sampled uniformly in argument of latitude and
    node longitude (:func:`orbitcloud.environment.radiation.circular_track_samples`).

    Parameters
    ----------
    altitude_m : (n_sat,) mean altitude [m]
    inclination_deg : (n_sat,) inclination [deg]
    shield_mm : (n_sat,) electronics shield, spherical Al [mm]
    coverglass_mm : (n_sat,) solar-cell cover glass, Al equivalent [mm]
    ap : daily Ap index [-] (electron storm multiplier)
    radiation_multiplier : scale of every dose rate [-]

    Returns
    -------
    (behind the shield, behind the cover glass, protons behind the shield), each (n_sat,)
    [rad/s]

    References
    ----------
    :mod:`orbitcloud.environment.radiation` (AP-8 MIN / AE-8 MAX, SHIELDOSE-2-style depth).
    """
    n = len(altitude_m)
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    alt_km = np.round(np.asarray(altitude_m) / 10_000.0) * 10.0  # 10 km and 1 deg bins
    inc = np.round(inclination_deg, 0)
    keys = np.stack([alt_km, inc, shield_mm, coverglass_mm], 1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    rates = np.zeros((len(uniq), 3))
    for j, (h, i, x, xc) in enumerate(uniq):
        lat, lon = radiation.circular_track_samples(i, 120, 60)
        alt = np.full(lat.shape, h * 1000.0)
        w = radiation.radiation_weights(lat, lon, alt)
        m_e = radiation.electron_storm_multiplier(ap) * radiation_multiplier
        m_p = radiation_multiplier
        rates[j, 0] = radiation.dose_rate_from_weights(w, x, m_e, m_p).mean()
        rates[j, 1] = radiation.dose_rate_from_weights(w, xc, m_e, m_p).mean()
        cp, _, _ = radiation.depth_dose_coefficients(x)
        rates[j, 2] = (cp * m_p * w[0]).mean()
    rate, cell_rate, proton_rate = rates[inv.ravel()].T
    return rate, cell_rate, proton_rate
