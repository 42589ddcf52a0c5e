"""Station keeping against drag: delta-v, propellant, thruster duty and reboost interval.

A satellite held at its altitude must give back, as thrust, the momentum drag takes: for a
near-circular orbit the drag-makeup delta-v equals the time integral of the drag acceleration
(Vallado 2013, sec. 9.6; Wertz & Larson 1999, SMAD sec. 7.4, table 7-5). Pure array functions
in SI units.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import MU_EARTH_M3_S2

__all__ = [
    "G0_M_S2",
    "JULIAN_YEAR_S",
    "burn_time_s",
    "propellant_mass_kg",
    "reboost_interval_s",
    "stationkeeping_dv_per_year_m_s",
]

G0_M_S2 = 9.80665
"""Standard gravity, the reference of the specific impulse [m/s^2] (CGPM 1901; ISO 80000-3)."""

JULIAN_YEAR_S = 365.25 * 86400.0
"""Julian year [s] (IAU): the 'per year' of every orbit-keeping figure."""


def stationkeeping_dv_per_year_m_s(
    density_kg_m3: np.ndarray | float,
    a_m: np.ndarray | float,
    bc_kg_m2: np.ndarray | float,
    speed_m_s: np.ndarray | float | None = None,
) -> np.ndarray:
    """Drag-makeup delta-v per year to hold a circular orbit, dv = (1/2) rho v^2 / BC * year.

    Parameters
    ----------
    density_kg_m3 : orbit-averaged mass density [kg/m^3] (e.g. the NRLMSIS global mean)
    a_m : semi-major axis [m]
    bc_kg_m2 : ballistic coefficient m / (Cd A) [kg/m^2]
    speed_m_s : speed relative to the atmosphere [m/s]; default the circular speed
        sqrt(mu / a) (the usual textbook figure; the co-rotating atmosphere lowers it by
        0-6 %)

    Returns
    -------
    delta-v per Julian year [m/s]

    References
    ----------
    Wertz, J. R. & Larson, W. J. (1999). Space Mission Analysis and Design, 3rd ed., sec. 7.4
    (drag makeup, table 7-5); Vallado (2013), sec. 9.6; shared VALIDATION.md section F
    (550 km, solar maximum, BC = 50 kg/m^2: of order 35 m/s per year).
    """
    v = (
        np.sqrt(MU_EARTH_M3_S2 / np.asarray(a_m, dtype=float))
        if speed_m_s is None
        else np.asarray(speed_m_s, dtype=float)
    )
    return (
        0.5
        * np.asarray(density_kg_m3, dtype=float)
        * v
        * v
        / np.asarray(bc_kg_m2, dtype=float)
        * JULIAN_YEAR_S
    )


def propellant_mass_kg(
    dv_m_s: np.ndarray | float, mass_kg: np.ndarray | float, isp_s: np.ndarray | float
) -> np.ndarray:
    """Propellant to give ``dv`` to a spacecraft of initial (wet) mass ``mass_kg``.

    Tsiolkovsky: m_p = m0 (1 - exp(-dv / (g0 Isp))).

    Parameters
    ----------
    dv_m_s : delta-v [m/s]
    mass_kg : initial mass [kg]
    isp_s : specific impulse [s]

    Returns
    -------
    propellant mass [kg]

    References
    ----------
    Tsiolkovsky (1903); Sutton, G. P. & Biblarz, O. (2016), Rocket Propulsion Elements, 9th ed.,
    ch. 4 (the ideal rocket equation).
    """
    dv = np.asarray(dv_m_s, dtype=float)
    ve = G0_M_S2 * np.asarray(isp_s, dtype=float)
    return np.asarray(mass_kg, dtype=float) * -np.expm1(-dv / ve)


def burn_time_s(
    dv_m_s: np.ndarray | float, mass_kg: np.ndarray | float, thrust_n: np.ndarray | float
) -> np.ndarray:
    """Thruster on-time to deliver ``dv`` at constant thrust (mass change neglected).

    t = m dv / F; with a year's drag makeup this gives the thruster duty cycle. Overestimates
    the on-time by the propellant fraction (a few per cent for electric propulsion).

    Parameters
    ----------
    dv_m_s : delta-v [m/s]
    mass_kg : spacecraft mass [kg]
    thrust_n : total thrust [N]

    Returns
    -------
    on-time [s]

    References
    ----------
    Newton's second law; Sutton & Biblarz (2016), ch. 2.
    """
    return (
        np.asarray(mass_kg, dtype=float)
        * np.asarray(dv_m_s, dtype=float)
        / np.asarray(thrust_n, dtype=float)
    )


def reboost_interval_s(
    band_m: np.ndarray | float, decay_rate_m_s: np.ndarray | float
) -> np.ndarray:
    """Time for drag to take a satellite through its altitude band: the reboost interval.

    Parameters
    ----------
    band_m : full width of the allowed altitude band [m]
    decay_rate_m_s : da/dt [m/s] (negative; see
        :func:`orbitcloud.operations.drag.decay_rate_circular_m_s`)

    Returns
    -------
    interval between reboosts [s]; inf where there is no decay

    References
    ----------
    Wertz & Larson (1999), SMAD sec. 7.4 (altitude maintenance by periodic reboost).
    """
    rate = np.abs(np.asarray(decay_rate_m_s, dtype=float))
    with np.errstate(divide="ignore"):
        return np.where(rate > 0, np.asarray(band_m, dtype=float) / rate, np.inf)
