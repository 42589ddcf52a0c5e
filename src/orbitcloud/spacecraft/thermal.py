"""Lumped thermal model: environment loads, radiator, implicit two-node integration, throttling.

Two nodes per satellite: the accelerator node 1 (chips, cold plates; capacity C1) joined by a
conductance G (heat pipes / pumped loop) to the radiator/structure node 2 (capacity C2), which
absorbs sunlight, Earth infrared and albedo and radiates eps sigma A T^4 to space::

    C1 dT1/dt = P_acc - G (T1 - T2)
    C2 dT2/dt = G (T1 - T2) + P_bus + Q_env - eps sigma A_emit T2^4

Integrated with backward Euler (L-stable: any step is stable, and for steps much longer than the
time constants it gives the quasi-steady state), the quartic in T2 solved by Newton's method;
steps longer than ``max_substep_s`` are sub-stepped for accuracy.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.spacecraft.power import STEFAN_BOLTZMANN, uniform_code

ORIENTATION_CODES = {"edge_on": 0, "nadir": 1, "zenith": 2}


def blackbody_emission_w_m2(
    temp_k: np.ndarray | float, emissivity: np.ndarray | float = 1.0, sides: int = 1
) -> np.ndarray:
    """Radiated flux per unit plate area, q = sides x eps sigma T^4 [W/m^2].

    Parameters
    ----------
    temp_k : temperature [K]
    emissivity : hemispherical infrared emissivity [-]
    sides : radiating sides (1 or 2)

    Returns
    -------
    Flux per plate area [W/m^2]

    References
    ----------
    Stefan-Boltzmann law; sigma = 5.670374419e-8 W m^-2 K^-4 (CODATA 2018).
    """
    t = np.asarray(temp_k, dtype=float)
    return sides * np.asarray(emissivity) * STEFAN_BOLTZMANN * t**4


def earth_view_factor_nadir(r_over_re: np.ndarray) -> np.ndarray:
    """View factor from a flat plate facing nadir to the Earth, F = (R / r)^2 [-].

    Parameters
    ----------
    r_over_re : geocentric distance over Earth radius, H = r / R [-]

    References
    ----------
    Gilmore (2002), Spacecraft Thermal Control Handbook vol. 1, app. (plate parallel to the
    surface); Howell, A Catalog of Radiation Heat Transfer Configuration Factors, C-108.
    """
    return 1.0 / np.asarray(r_over_re) ** 2


def earth_view_factor_perpendicular(r_over_re: np.ndarray) -> np.ndarray:
    """View factor from a flat plate perpendicular to the local horizontal to the Earth [-].

    F = (1/pi) [atan(1/sqrt(H^2-1)) - sqrt(H^2-1)/H^2], H = r / R (one side of the plate).

    Parameters
    ----------
    r_over_re : H = r / R [-]

    References
    ----------
    Howell, A Catalog of Radiation Heat Transfer Configuration Factors, C-108 (plate normal
    to the radius vector at 90 deg); Gilmore (2002), vol. 1, app.
    """
    h = np.asarray(r_over_re, dtype=float)
    x = np.sqrt(np.maximum(h * h - 1.0, 1e-12))
    return (np.arctan(1.0 / x) - x / (h * h)) / np.pi


def radiator_environment_w(
    orientation_code: np.ndarray,
    two_sided: np.ndarray,
    area_m2: np.ndarray,
    absorptance: np.ndarray,
    emissivity: np.ndarray,
    sun_incidence: np.ndarray,
    irradiance_w_m2: np.ndarray,
    sun_zenith_cos: np.ndarray,
    sub_solar_cos: np.ndarray,
    r_over_re: np.ndarray,
    earth_ir_w_m2: float,
    albedo: float,
    view_factors: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Heat absorbed by a radiator from the Sun, Earth infrared and albedo [W].

    * edge_on: a plate whose plane contains the nadir; each side sees the Earth with the
      perpendicular view factor, the Sun at the fixed cosine ``sun_incidence`` (0 ideal).
    * nadir: the emitting face looks down (F = 1/H^2); a second face, if any, looks up and
      sees the Sun at max(0, r.s).
    * zenith: the emitting face looks up (no Earth), Sun at max(0, r.s); a second face looks
      down.

    Albedo on a face seeing the Earth with factor F: a S F max(0, cos theta_ss) with theta_ss
    the Sun's zenith angle at the sub-satellite point (valid for small F / low orbits).

    Parameters
    ----------
    orientation_code : (n_sat,) ORIENTATION_CODES
    two_sided : (n_sat,) bool
    area_m2 : (n_sat,) plate area (one side) [m^2]
    absorptance, emissivity : (n_sat,) solar absorptance and IR emissivity [-]
    sun_incidence : (n_sat,) Sun cosine on an edge-on plate [-]
    irradiance_w_m2 : (n_t, n_sat) solar irradiance times sunlit fraction [W/m^2]
    sun_zenith_cos : (n_t, n_sat) r_hat . s_hat at the satellite [-]
    sub_solar_cos : (n_t, n_sat) cosine of the Sun's zenith angle below the satellite [-]
    r_over_re : (n_t, n_sat) H = r / R [-]
    earth_ir_w_m2 : Earth's outgoing longwave radiation [W/m^2] (global mean 237)
    albedo : Earth's Bond albedo [-] (global mean 0.30)
    view_factors : optional precomputed (perpendicular, nadir) Earth view factors of
        ``r_over_re``

    Returns
    -------
    (n_t, n_sat) absorbed power [W]

    References
    ----------
    Gilmore (2002), Spacecraft Thermal Control Handbook vol. 1, ch. 2 (orbital heating: direct
    solar, albedo, Earth IR); global means 237 W/m^2 and 0.30 (shared/VALIDATION.md C).
    """
    if view_factors is None:
        view_factors = (
            earth_view_factor_perpendicular(r_over_re),
            earth_view_factor_nadir(r_over_re),
        )
    f_perp, f_nad = view_factors
    alb = albedo * irradiance_w_m2 * np.maximum(sub_solar_cos, 0.0)

    def up() -> np.ndarray:
        return np.maximum(sun_zenith_cos, 0.0)

    def down() -> np.ndarray:
        return np.maximum(-sun_zenith_cos, 0.0)

    def earth(f: np.ndarray) -> np.ndarray:
        return emissivity * earth_ir_w_m2 * f + absorptance * alb * f

    def edge() -> np.ndarray:
        sides = np.where(two_sided, 2.0, 1.0)
        return sides * (earth(f_perp) + absorptance * irradiance_w_m2 * sun_incidence)

    def nadir() -> np.ndarray:
        q = earth(f_nad) + absorptance * irradiance_w_m2 * down()
        return q + np.where(two_sided, absorptance * irradiance_w_m2 * up(), 0.0)

    def zenith() -> np.ndarray:
        q = absorptance * irradiance_w_m2 * up()
        return q + np.where(two_sided, earth(f_nad) + absorptance * irradiance_w_m2 * down(), 0.0)

    code = uniform_code(orientation_code, alb, sun_zenith_cos, f_perp, f_nad)
    if code is not None:  # one orientation for the whole fleet: that branch only, same values
        q = (edge, nadir)[code]() if code in (0, 1) else zenith()
    else:
        q = np.select([orientation_code == 0, orientation_code == 1], [edge(), nadir()], zenith())
    return q * area_m2


def _solve_radiator(
    k_rad: np.ndarray, lin: np.ndarray, rhs: np.ndarray, t_start: np.ndarray, iters: int = 8
) -> np.ndarray:
    """Positive root of k T^4 + lin T - rhs = 0 (k, lin > 0) by Newton's method.

    f is convex and increasing for T > 0, so from any start in (0, upper] the first step lands
    right of the root and the iteration then decreases monotonically to it; clipping each
    iterate to ``upper = min((rhs/k)^(1/4), rhs/lin)`` (>= the root) bounds the overshoot.
    """
    rhs = np.maximum(rhs, 0.0)
    upper = np.minimum(np.sqrt(np.sqrt(rhs / k_rad)), rhs / lin)
    upper = np.maximum(upper, 1e-3)
    t = np.clip(t_start, 1e-3, upper)
    k4 = 4.0 * k_rad  # loop-invariant (the same product as 4.0 * k_rad inside the loop)
    for i in range(iters):
        t2 = t * t
        f = k_rad * t2 * t2 + lin * t - rhs
        step = f / (k4 * t2 * t + lin)
        t = np.minimum(t - step, upper)  # upper >= root: stays right of it
        if i >= 1 and (np.abs(step) <= 1e-10 * t).all():
            break  # quadratic convergence: the next step would be far below 1e-10 K/K
    return np.maximum(t, 0.0)


def implicit_step(
    t1: np.ndarray,
    t2: np.ndarray,
    p_acc_w: np.ndarray,
    p_rad_w: np.ndarray,
    c1: np.ndarray,
    c2: np.ndarray,
    g: np.ndarray,
    k_rad: np.ndarray,
    dt_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One backward-Euler step of the two-node model.

    Parameters
    ----------
    t1, t2 : accelerator and radiator temperatures [K]
    p_acc_w : heat into node 1 (accelerators) [W]
    p_rad_w : heat into node 2 (bus electronics, absorbed environment) [W]
    c1, c2 : heat capacities [J/K]
    g : conductance node 1 - node 2 [W/K]
    k_rad : eps sigma A_emit [W/K^4]
    dt_s : step [s]

    Returns
    -------
    (t1, t2) at the end of the step [K]

    References
    ----------
    Backward Euler (e.g. Hairer & Wanner, Solving ODEs II, L-stability); lumped-node thermal
    networks: Gilmore (2002) vol. 1, ch. 15 (thermal analysis).
    """
    a1 = c1 / dt_s
    den = a1 + g
    a = (a1 * t1 + p_acc_w) / den  # t1' = a + b t2'
    b = g / den
    lin = c2 / dt_s + g * (1.0 - b)
    rhs = c2 / dt_s * t2 + g * a + p_rad_w
    t2n = _solve_radiator(k_rad, lin, rhs, t2)
    return a + b * t2n, t2n


def throttled_accelerator_power_w(
    t1: np.ndarray,
    t2: np.ndarray,
    t_limit: np.ndarray,
    p_rad_w: np.ndarray,
    c1: np.ndarray,
    c2: np.ndarray,
    g: np.ndarray,
    k_rad: np.ndarray,
    dt_s: float,
) -> np.ndarray:
    """Accelerator heat that brings node 1 exactly to ``t_limit`` at the end of the step [W].

    With T1' = T_lim fixed, node 2 solves C2 (T2' - T2)/dt = G (T_lim - T2') + P_rad - k T2'^4;
    then P = (C1/dt + G) T_lim - C1/dt T1 - G T2'. May be negative (already too hot).

    Parameters
    ----------
    t1, t2 : accelerator and radiator temperatures [K]
    t_limit : the accelerator temperature limit [K]
    p_rad_w : heat into node 2 (bus electronics, absorbed environment) [W]
    c1, c2 : heat capacities [J/K]
    g : conductance node 1 - node 2 [W/K]
    k_rad : eps sigma A_emit [W/K^4]
    dt_s : step [s]

    Returns
    -------
    Allowed accelerator heat [W]

    References
    ----------
    Backward-Euler form of the two-node network (module docstring).
    """
    lin = c2 / dt_s + g
    rhs = c2 / dt_s * t2 + g * t_limit + p_rad_w
    t2n = _solve_radiator(k_rad, lin, rhs, t2)
    return (c1 / dt_s + g) * t_limit - c1 / dt_s * t1 - g * t2n


def equilibrium_accelerator_temperature_k(
    p_acc_w: np.ndarray, p_rad_w: np.ndarray, g: np.ndarray, k_rad: np.ndarray
) -> np.ndarray:
    """Steady-state accelerator temperature of the two-node model [K].

    T2 = ((P_acc + P_rad) / k)^(1/4), T1 = T2 + P_acc / G.

    Parameters
    ----------
    p_acc_w : accelerator heat [W]
    p_rad_w : other heat on the radiator node incl. environment [W]
    g : conductance [W/K]
    k_rad : eps sigma A_emit [W/K^4]

    References
    ----------
    Radiative equilibrium (Gilmore 2002, vol. 1, ch. 2).
    """
    t2 = (np.maximum(p_acc_w + p_rad_w, 0.0) / k_rad) ** 0.25
    return t2 + p_acc_w / g


def radiator_area_required_m2(
    power_w: np.ndarray | float,
    temp_k: np.ndarray | float,
    emissivity: float = 0.9,
    two_sided: bool = True,
    absorbed_w_m2: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Radiator plate area needed to reject ``power_w`` at ``temp_k`` in a given orbit [m^2].

    A = P / (n eps sigma T^4 - q_abs), with q_abs the environmental heat absorbed per m^2 of
    plate (all sides; from :func:`radiator_environment_w` with area 1, e.g. its orbit maximum
    for a hot case). Infinite when the environment alone holds the plate above ``temp_k``.

    Parameters
    ----------
    power_w : heat to reject [W]
    temp_k : radiator temperature [K]
    emissivity : IR emissivity [-]
    two_sided : radiates from both faces
    absorbed_w_m2 : environmental load per plate area [W/m^2]

    Returns
    -------
    Plate area (one side) [m^2]

    References
    ----------
    Stefan-Boltzmann balance; Gilmore (2002), vol. 1, ch. 6 (radiator sizing). Example: a
    two-sided black plate at 20 C emits 837.5 W/m^2 (Starcloud's "838 W/m^2").
    """
    net = blackbody_emission_w_m2(temp_k, emissivity, 2 if two_sided else 1) - np.asarray(
        absorbed_w_m2
    )
    with np.errstate(divide="ignore"):
        return np.where(net > 0, np.asarray(power_w) / np.where(net > 0, net, 1.0), np.inf)
