"""Solar power: irradiance, array pointing, cell temperature and efficiency, degradation.

Glossary: ``s_hat`` unit vector satellite->Sun, ``r_hat`` zenith (radial), ``h_hat`` orbit normal
(r x v); irradiance ``G`` on the array plane [W/m^2]; ``sunlit`` the visible fraction of the
solar disk (astro.eclipse).
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import AU_M, SOLAR_CONSTANT_W_M2

STEFAN_BOLTZMANN = 5.670374419e-8
"""Stefan-Boltzmann constant [W m^-2 K^-4] (CODATA 2018)."""

GROUND_PEAK_IRRADIANCE_W_M2 = 1000.0
"""Standard test condition irradiance of terrestrial PV ratings [W/m^2] (IEC 60904-3, AM1.5G)."""

POINTING_CODES = {"sun_tracking": 0, "single_axis": 1, "body_fixed": 2}
SINGLE_AXIS_YAW_SIN2 = 0.5
"""sin^2 of the beta angle from which a single-axis spacecraft flies yawed, drive axis
along-track (45 deg: the choice that maximises the worst cosine, cos 45 deg; assumed)."""
BODY_NORMAL_CODES = {
    "zenith": 0,
    "orbit_normal": 1,
    "anti_orbit_normal": 2,
    "orbit_normal_sunward": 3,
}


def unit(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis (zero vectors stay zero)."""
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def solar_irradiance_w_m2(r_sat_m: np.ndarray, r_sun_m: np.ndarray) -> np.ndarray:
    """Solar irradiance at each satellite, inverse-square in the Sun distance [W/m^2].

    Parameters
    ----------
    r_sat_m : (n_t, n_sat, 3) satellite positions [m]
    r_sun_m : (n_t, 3) Sun positions, same frame [m]

    Returns
    -------
    (n_t, n_sat) irradiance outside any shadow [W/m^2]

    References
    ----------
    Kopp, G., Lean, J. L. (2011), GRL 38, L01706: TSI 1360.8 +- 0.5 W/m^2 at 1 AU.
    """
    d = np.linalg.norm(r_sun_m[:, None, :] - r_sat_m, axis=-1)
    return SOLAR_CONSTANT_W_M2 * (AU_M / d) ** 2


def array_cosine(
    pointing_code: np.ndarray,
    normal_code: np.ndarray,
    sun_dot_h: np.ndarray,
    sun_dot_r: np.ndarray,
) -> np.ndarray:
    """Cosine of the Sun's incidence on the array for each pointing mode, in [0, 1].

    * sun_tracking (2 axes): 1.
    * single_axis, one drive axis, yaw-steered: at |beta| < 45 deg the axis lies along the orbit
      normal and the array turns to the Sun within the orbit plane, cos = cos(beta) =
      sqrt(1 - (s.h)^2); at |beta| >= 45 deg the spacecraft flies yawed by 90 deg, the axis
      along-track, and the array turns about it: cos = sqrt(1 - (s.t)^2) = sqrt((s.h)^2 +
      (s.r)^2) (t = h x r completes the orthonormal r, t, h). The worst cosine is cos 45 deg.
      A single-axis array that never yaws is edge-on to the Sun at |beta| -> 90 deg, in full
      sun: no operator flies that (Iridium locks its array gimbals in another geometry at high
      beta; Starlink's array is seen with its long edge along track, Cole 2020), so the
      un-yawed model was an artefact that browned out polar Starlink planes at high beta.
    * body_fixed: max(0, n.s) with n the zenith, +h, -h, or the sunward orbit normal (a
      spacecraft that yaw-flips twice a year, as in dawn-dusk orbits: |s.h|).

    Parameters
    ----------
    pointing_code, normal_code : (n_sat,) int codes (POINTING_CODES, BODY_NORMAL_CODES)
    sun_dot_h : (n_t, n_sat) s_hat . h_hat, Sun direction on the orbit normal [-]
    sun_dot_r : (n_t, n_sat) s_hat . r_hat, Sun direction on the zenith [-]

    Returns
    -------
    (n_t, n_sat) cosine factor [-]

    References
    ----------
    Standard incidence geometry, e.g. Wertz & Larson, Space Mission Analysis and Design, 3rd
    ed., sec. 11.4 (solar array sizing, cosine loss); high-beta yaw of single-axis arrays:
    Iridium array gimbal rules vs beta (R. Matson, SeeSat-L, 2001-03); Starlink array
    orientation: R. Cole, "Modelling of Starlink trail brightness", SatTrackCam guest post
    (2020-05-04).
    """
    sh, sr = sun_dot_h, sun_dot_r

    def single() -> np.ndarray:
        return np.where(
            sh * sh < SINGLE_AXIS_YAW_SIN2,
            np.sqrt(np.clip(1.0 - sh * sh, 0.0, 1.0)),
            np.sqrt(np.clip(sh * sh + sr * sr, 0.0, 1.0)),
        )

    bodies = (lambda: np.maximum(sr, 0.0), lambda: np.maximum(sh, 0.0),
              lambda: np.maximum(-sh, 0.0), lambda: np.abs(sh))  # fmt: skip

    def body() -> np.ndarray:
        code = uniform_code(normal_code, sh, sr)
        if code is not None:  # one body normal for the whole fleet: that branch only
            return bodies[code if code in (0, 1, 2) else 3]()
        return np.select([normal_code == 0, normal_code == 1, normal_code == 2],
                         [f() for f in bodies[:3]], bodies[3]())  # fmt: skip

    code = uniform_code(pointing_code, sh, sr)
    if code is not None:  # one pointing mode (the usual fleet): the same values, one branch
        return np.ones_like(sh) if code == 0 else single() if code == 1 else body()
    return np.select([pointing_code == 0, pointing_code == 1], [np.ones_like(sh), single()],
                     body())  # fmt: skip


def uniform_code(code: np.ndarray, *like: np.ndarray) -> int | None:
    """The integer code when every satellite has the same one and ``like`` are float64 arrays
    of one shape that the codes broadcast to (then a per-satellite ``np.select`` on the code
    returns exactly the one branch's array: evaluating only that branch gives the same values),
    else None."""
    c = np.asarray(code)
    if c.size == 0 or not all(isinstance(x, np.ndarray) and x.dtype == np.float64 for x in like):
        return None
    shape = like[0].shape
    if any(x.shape != shape for x in like) or np.broadcast_shapes(c.shape, shape) != shape:
        return None
    first = c.flat[0]
    return int(first) if bool((c == first).all()) else None


def sun_geometry(r_m: np.ndarray, v_m_s: np.ndarray, r_sun_m: np.ndarray) -> tuple[np.ndarray, ...]:
    """Distances and cosines of the Sun seen from each satellite, component-wise (fast).

    Parameters
    ----------
    r_m, v_m_s : (n_t, n_sat, 3) inertial position [m] and velocity [m/s]
    r_sun_m : (n_t, 3) Sun position, same frame [m]

    Returns
    -------
    (r_norm [m], irradiance outside shadow [W/m^2], s.h, s.r, cos of the Sun's zenith angle at
    the sub-satellite point), each (n_t, n_sat).

    References
    ----------
    Inverse-square irradiance with TSI 1361 W/m^2 (Kopp & Lean 2011, GRL 38, L01706).
    """
    # component-major copies: the arithmetic below then runs on contiguous memory (3-5x
    # faster than on the xyz-last strided views, measured on (226, 4428, 3) chunks)
    rx, ry, rz = np.ascontiguousarray(np.moveaxis(r_m, -1, 0))
    vx, vy, vz = np.ascontiguousarray(np.moveaxis(v_m_s, -1, 0))
    sx, sy, sz = r_sun_m[:, None, 0], r_sun_m[:, None, 1], r_sun_m[:, None, 2]
    rn = np.sqrt(rx * rx + ry * ry + rz * rz)
    tx, ty, tz = sx - rx, sy - ry, sz - rz
    d2 = tx * tx + ty * ty + tz * tz
    inv_d = 1.0 / np.sqrt(d2)
    hx, hy, hz = ry * vz - rz * vy, rz * vx - rx * vz, rx * vy - ry * vx
    inv_hd = inv_d / np.sqrt(hx * hx + hy * hy + hz * hz)
    sh = (hx * tx + hy * ty + hz * tz) * inv_hd
    inv_rn = 1.0 / rn
    sr = (rx * tx + ry * ty + rz * tz) * (inv_rn * inv_d)
    sun_n = np.linalg.norm(r_sun_m, axis=-1)[:, None]
    cz = (rx * sx + ry * sy + rz * sz) * (inv_rn / sun_n)
    irr = (SOLAR_CONSTANT_W_M2 * AU_M * AU_M) / d2
    return rn, irr, sh, sr, cz


def cell_efficiency(
    temp_k: np.ndarray,
    efficiency_ref: np.ndarray,
    temp_coeff_per_k: np.ndarray,
    ref_temp_k: np.ndarray,
) -> np.ndarray:
    """Cell efficiency at temperature, linear in T [-].

    eta(T) = eta_ref (1 + gamma (T - T_ref)); gamma about -0.2 %/K (relative) for GaInP/GaAs/Ge
    triple junction cells.

    Parameters
    ----------
    temp_k : cell temperature [K]
    efficiency_ref : efficiency at ``ref_temp_k`` (AM0) [-]
    temp_coeff_per_k : relative temperature coefficient gamma [1/K]
    ref_temp_k : reference temperature [K] (28 C for space cells)

    Returns
    -------
    Efficiency [-], clipped to >= 0.

    References
    ----------
    Fetzer et al., Spectrolab triple-junction space cells, IEEE PVSC (29.8 % BOL at 28 C AM0);
    Evans, D. L. (1981), Solar Energy 27, 555 (linear efficiency-temperature model).
    """
    return np.maximum(efficiency_ref * (1.0 + temp_coeff_per_k * (temp_k - ref_temp_k)), 0.0)


def array_temperature_k(
    irradiance_w_m2: np.ndarray,
    earth_load_w_m2: np.ndarray,
    absorptance: np.ndarray,
    emissivity_front: np.ndarray,
    emissivity_back: np.ndarray,
    efficiency: np.ndarray,
) -> np.ndarray:
    """Equilibrium temperature of a thin solar panel [K].

    (alpha - eta) G + q_earth = (eps_f + eps_b) sigma T^4: the panel's time constant (minutes)
    is short against its exposure, so it is taken at equilibrium each step (in eclipse it is
    cold and produces nothing, so the error there does not matter).

    Parameters
    ----------
    irradiance_w_m2 : solar irradiance on the panel plane [W/m^2]
    earth_load_w_m2 : absorbed Earth infrared and albedo per panel area [W/m^2]
    absorptance : front solar absorptance [-]
    emissivity_front, emissivity_back : infrared emissivities [-]
    efficiency : electrical conversion efficiency (heat leaving as power) [-]

    Returns
    -------
    Temperature [K]

    References
    ----------
    Gilmore, D. G. (ed.) (2002), Spacecraft Thermal Control Handbook, vol. 1, ch. 2 (radiative
    equilibrium of a flat plate).
    """
    q = np.maximum((absorptance - efficiency) * irradiance_w_m2 + earth_load_w_m2, 1e-6)
    return np.sqrt(np.sqrt(q / ((emissivity_front + emissivity_back) * STEFAN_BOLTZMANN)))


def space_ground_energy_ratio(
    mean_irradiance_factor: float | np.ndarray,
    ground_capacity_factor: float,
    space_efficiency_ratio: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Energy from one panel in orbit over the same panel on the ground, per year [-].

    ratio = S0 <sunlit cos> eta_space / (1000 W/m^2 CF eta_ground): the space panel sees the
    full TSI whenever sunlit; the ground panel's yield is its STC rating times a capacity factor.

    Parameters
    ----------
    mean_irradiance_factor : time mean of sunlit fraction x cosine factor in orbit [-]
    ground_capacity_factor : annual yield / (rating x 8,766 h) of the ground site [-]
    space_efficiency_ratio : in-orbit efficiency over ground efficiency (temperature, AM0
        spectrum, degradation) [-]

    Returns
    -------
    Energy ratio [-] (Google's "up to 8x"; 5.6-8x for 0.96-0.99 sunlit and CF 0.17-0.24).

    References
    ----------
    Google Research blog, 2025-11-04 (Project Suncatcher, secondary); Starcloud white paper
    ("Why we should train AI in space", secondary): > 95 % sunlit vs 24 % US median capacity
    factor; shared/VALIDATION.md C.
    """
    return (
        SOLAR_CONSTANT_W_M2
        * np.asarray(mean_irradiance_factor)
        * space_efficiency_ratio
        / (GROUND_PEAK_IRRADIANCE_W_M2 * ground_capacity_factor)
    )
