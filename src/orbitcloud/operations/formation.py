"""Close-formation relative motion: Hill frame, HCW and Schweighart-Sedwick, J2 drift, keeping cost.

The formation members' absolute motion comes from SGP4 like every other satellite (DESIGN.md,
"one propagation path"); this module is the analysis on top of it:

* the chief's Hill frame (x radial, y along-track, z cross-track = orbit normal) and relative
  states in it;
* the Hill-Clohessy-Wiltshire (HCW) linear relative motion about a circular orbit, as a closed-form
  state transition matrix, and its J2-linearised extension by Schweighart & Sedwick (2002);
* quasi-nonsingular relative orbital elements (ROE; D'Amico 2010), their linear map to the Hill
  frame, and their secular drift under J2 (Koenig, Guffanti & D'Amico 2017) -- the part that
  costs formation-keeping delta-v every year: the relative eccentricity vector turns at the
  apsidal rate, and members with an inclination offset precess their node at a different rate;
* the delta-v per year to hold the design shape against J2 and differential drag.

Linearised models: valid while member distances are << the orbit radius (1 km vs 7,000 km:
second-order errors of order rho^2 / a ~ 0.1 m) and for a near-circular chief (e < ~0.01).

Glossary: ``n`` mean motion [rad/s], ``a`` chief semi-major axis [m], ``u`` chief argument of
latitude [rad], ROE (dimensionless): ``da`` = (a_d - a_c)/a_c, ``dlambda`` = (u_d - u_c) +
(RAAN_d - RAAN_c) cos i_c, ``dex, dey`` = e_d (cos w_d, sin w_d) - e_c (cos w_c, sin w_c),
``dix`` = i_d - i_c, ``diy`` = (RAAN_d - RAAN_c) sin i_c.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from orbitcloud.astro.constants import J2, MU_EARTH_M3_S2, R_EARTH_M

__all__ = [
    "RelativeElements",
    "argument_of_latitude_rad",
    "formation_keeping_dv_rates_m_s2",
    "gco_position_hill_m",
    "hcw_stm",
    "hill_rotation",
    "j2_kappa_rad_s",
    "relative_elements_from_mean",
    "relative_elements_j2_secular",
    "relative_position_hill_m",
    "relative_state_hill",
    "roe_j2_rates",
    "roe_to_hill_position_m",
    "schweighart_sedwick_matrix",
    "schweighart_sedwick_s",
    "schweighart_sedwick_stm",
]


class RelativeElements(NamedTuple):
    """Quasi-nonsingular relative orbital elements (D'Amico 2010), arrays of one shape [-]."""

    da: np.ndarray
    dlambda: np.ndarray
    dex: np.ndarray
    dey: np.ndarray
    dix: np.ndarray
    diy: np.ndarray


# --- Hill frame -------------------------------------------------------------------------------


def hill_rotation(r_m: np.ndarray, v_m_s: np.ndarray) -> np.ndarray:
    """Rotation from the inertial frame to the chief's Hill (RIC / LVLH) frame.

    Parameters
    ----------
    r_m : (..., 3) chief inertial position [m]
    v_m_s : (..., 3) chief inertial velocity [m/s]

    Returns
    -------
    (..., 3, 3) matrix whose rows are x = r/|r| (radial), y = z x x (along-track, in the
    direction of motion), z = h/|h| (orbit normal); ``rot @ dr`` gives Hill components.

    References
    ----------
    Vallado (2013), sec. 3.3 (RSW / RIC frame); Hill (1878); Clohessy & Wiltshire (1960).
    """
    r = np.asarray(r_m, dtype=float)
    h = np.cross(r, np.asarray(v_m_s, dtype=float))
    x = r / np.linalg.norm(r, axis=-1, keepdims=True)
    z = h / np.linalg.norm(h, axis=-1, keepdims=True)
    y = np.cross(z, x)
    return np.stack([x, y, z], axis=-2)


def relative_position_hill_m(
    r_chief_m: np.ndarray, v_chief_m_s: np.ndarray, r_m: np.ndarray
) -> np.ndarray:
    """Positions relative to a chief, in the chief's Hill frame (rectilinear).

    Parameters
    ----------
    r_chief_m : (n_t, 3) chief inertial position [m]
    v_chief_m_s : (n_t, 3) chief inertial velocity [m/s]
    r_m : (n_t, n, 3) inertial positions of the members [m]

    Returns
    -------
    (n_t, n, 3) Hill-frame offsets (x radial, y along-track, z cross-track) [m]. Rectilinear:
    differs from the curvilinear HCW coordinates by about rho^2 / (2 a) (0.07 m at 1 km).

    References
    ----------
    Vallado (2013), sec. 6.8 (relative motion; the RSW frame of the target).
    """
    rot = hill_rotation(r_chief_m, v_chief_m_s)
    dr = np.asarray(r_m, dtype=float) - np.asarray(r_chief_m, dtype=float)[:, None, :]
    return np.einsum("tij,tnj->tni", rot, dr)


def relative_state_hill(
    r_chief_m: np.ndarray, v_chief_m_s: np.ndarray, r_m: np.ndarray, v_m_s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Relative position and velocity in the chief's rotating Hill frame.

    Parameters
    ----------
    r_chief_m, v_chief_m_s : (..., 3) chief inertial state [m, m/s]
    r_m, v_m_s : (..., 3) deputy inertial state [m, m/s] (same leading shape)

    Returns
    -------
    rho_m : (..., 3) relative position [m]
    rho_dot_m_s : (..., 3) relative velocity seen in the rotating frame [m/s]:
        R (v - v_c) - omega x rho with omega = |h| / |r|^2 about the orbit normal

    References
    ----------
    Vallado (2013), sec. 6.8; Schaub & Junkins (2018), Analytical Mechanics of Space Systems,
    4th ed., sec. 14.2 (transport theorem).
    """
    rc = np.asarray(r_chief_m, dtype=float)
    vc = np.asarray(v_chief_m_s, dtype=float)
    rot = hill_rotation(rc, vc)
    rho = np.einsum("...ij,...j->...i", rot, np.asarray(r_m, dtype=float) - rc)
    drel = np.einsum("...ij,...j->...i", rot, np.asarray(v_m_s, dtype=float) - vc)
    w = np.linalg.norm(np.cross(rc, vc), axis=-1) / np.sum(rc * rc, axis=-1)
    omega_x_rho = np.stack([-w * rho[..., 1], w * rho[..., 0], np.zeros_like(w)], axis=-1)
    return rho, drel - omega_x_rho


def argument_of_latitude_rad(r_m: np.ndarray, v_m_s: np.ndarray) -> np.ndarray:
    """Osculating argument of latitude u (angle from the ascending node to r, in the orbit plane).

    Parameters
    ----------
    r_m : (..., 3) inertial position [m]
    v_m_s : (..., 3) inertial velocity [m/s]

    Returns
    -------
    u in [-pi, pi] [rad]; undefined for an equatorial orbit (then measured from +x)

    References
    ----------
    Vallado (2013), sec. 2.4 (argument of latitude, algorithm 9 special cases).
    """
    r = np.asarray(r_m, dtype=float)
    h = np.cross(r, np.asarray(v_m_s, dtype=float))
    node = np.stack([-h[..., 1], h[..., 0], np.zeros(h.shape[:-1])], axis=-1)
    nn = np.linalg.norm(node, axis=-1, keepdims=True)
    node = np.where(nn > 0, node / np.where(nn > 0, nn, 1.0), np.array([1.0, 0.0, 0.0]))
    hh = h / np.linalg.norm(h, axis=-1, keepdims=True)
    m = np.cross(hh, node)
    return np.arctan2(np.sum(r * m, axis=-1), np.sum(r * node, axis=-1))


# --- linear relative dynamics -----------------------------------------------------------------


def hcw_stm(n_rad_s: float, t_s: np.ndarray | float) -> np.ndarray:
    """Hill-Clohessy-Wiltshire state transition matrix.

    State (x, y, z, xdot, ydot, zdot) in the Hill frame of a chief on a circular orbit of mean
    motion n; ``stm(t) @ state0`` is the state at time t.

    Parameters
    ----------
    n_rad_s : chief mean motion [rad/s]
    t_s : scalar or (n_t,) elapsed time [s]

    Returns
    -------
    (6, 6) or (n_t, 6, 6) transition matrix [SI mixed units]

    References
    ----------
    Clohessy, W. H. & Wiltshire, R. S. (1960). Terminal guidance system for satellite
    rendezvous. J. Aerospace Sci. 27(9), 653-658; Vallado (2013), sec. 6.8, the CW solution.
    """
    t = np.asarray(t_s, dtype=float)
    nt = n_rad_s * t
    c, s = np.cos(nt), np.sin(nt)
    n = n_rad_s
    z = np.zeros_like(nt)
    o = np.ones_like(nt)
    rows = [
        [4 - 3 * c, z, z, s / n, 2 * (1 - c) / n, z],
        [6 * (s - nt), o, z, -2 * (1 - c) / n, (4 * s - 3 * nt) / n, z],
        [z, z, c, z, z, s / n],
        [3 * n * s, z, z, c, 2 * s, z],
        [-6 * n * (1 - c), z, z, -2 * s, 4 * c - 3, z],
        [z, z, -n * s, z, z, c],
    ]
    return np.moveaxis(np.array(rows, dtype=float), (0, 1), (-2, -1))


def schweighart_sedwick_s(a_m: float, inc_rad: float) -> float:
    """The J2 parameter s of the Schweighart-Sedwick equations, s = 3 J2 Re^2 (1 + 3 cos 2i) / (8 a^2).

    Parameters
    ----------
    a_m : reference orbit radius [m]
    inc_rad : reference inclination [rad]

    Returns
    -------
    s [-] (|s| < 1e-3 in LEO); c = sqrt(1 + s)

    References
    ----------
    Schweighart, S. A. & Sedwick, R. J. (2002). High-fidelity linearized J2 model for satellite
    formation flight. J. Guidance, Control, and Dynamics 25(6), 1073-1080, doi:10.2514/2.4986.
    """
    return float(3.0 * J2 * R_EARTH_M**2 * (1.0 + 3.0 * np.cos(2.0 * inc_rad)) / (8.0 * a_m**2))


def schweighart_sedwick_matrix(n_rad_s: float, s: float) -> np.ndarray:
    """System matrix of the homogeneous Schweighart-Sedwick linearised J2 relative motion.

    xddot = 2 n c ydot + (5c^2 - 2) n^2 x;  yddot = -2 n c xdot;  zddot = -(3c^2 - 2) n^2 z,
    with c = sqrt(1 + s). The forcing terms of the paper act alike on every member around the
    same reference and cancel between members; the cross-track equation here is the paper's
    gradient form, which omits the differential nodal precession of members in different
    planes (see :func:`roe_j2_rates` for that secular term). s = 0 gives HCW.

    Parameters
    ----------
    n_rad_s : reference mean motion [rad/s]
    s : J2 parameter from :func:`schweighart_sedwick_s` [-]

    Returns
    -------
    (6, 6) matrix A of d(state)/dt = A state, state (x, y, z, xdot, ydot, zdot)

    References
    ----------
    Schweighart & Sedwick (2002), doi:10.2514/2.4986 (the linearised J2 equations of relative motion).
    """
    c2 = 1.0 + s
    c = np.sqrt(c2)
    n = n_rad_s
    a = np.zeros((6, 6))
    a[0, 3] = a[1, 4] = a[2, 5] = 1.0
    a[3, 0] = (5.0 * c2 - 2.0) * n * n
    a[3, 4] = 2.0 * n * c
    a[4, 3] = -2.0 * n * c
    a[5, 2] = -(3.0 * c2 - 2.0) * n * n
    return a


def schweighart_sedwick_stm(n_rad_s: float, s: float, t_s: np.ndarray | float) -> np.ndarray:
    """Closed-form transition matrix of :func:`schweighart_sedwick_matrix`.

    In-plane: with A = 2 n c and w = n sqrt(2 - c^2), ydot = ydot0 - A (x - x0) and
    x = x_p + (x0 - x_p) cos wt + (xdot0 / w) sin wt, x_p = (A ydot0 + A^2 x0) / w^2; y follows
    by integration. Cross-track: harmonic at n sqrt(3c^2 - 2). Bounded (no along-track drift)
    when ydot0 = -2 n c x0. Reduces to :func:`hcw_stm` for s = 0.

    Parameters
    ----------
    n_rad_s : reference mean motion [rad/s]
    s : J2 parameter [-]
    t_s : scalar or (n_t,) elapsed time [s]

    Returns
    -------
    (6, 6) or (n_t, 6, 6) transition matrix

    References
    ----------
    Schweighart & Sedwick (2002), doi:10.2514/2.4986 (solution of the in-plane equations).
    """
    t = np.asarray(t_s, dtype=float)
    n = n_rad_s
    c = np.sqrt(1.0 + s)
    amp = 2.0 * n * c
    w = n * np.sqrt(2.0 - c * c)
    wz = n * np.sqrt(3.0 * c * c - 2.0)
    cw, sw = np.cos(w * t), np.sin(w * t)
    cz, sz = np.cos(wz * t), np.sin(wz * t)
    eye = np.eye(6)
    out = np.zeros((*t.shape, 6, 6))
    for k in range(6):  # columns: response to a unit initial state (6 fixed iterations)
        x0, y0, z0, xd0, yd0, zd0 = eye[k]
        xp = (amp * yd0 + amp * amp * x0) / (w * w)
        x = xp + (x0 - xp) * cw + (xd0 / w) * sw
        xd = -(x0 - xp) * w * sw + xd0 * cw
        yd = yd0 - amp * (x - x0)
        y = y0 + (yd0 + amp * x0) * t - amp * (xp * t + (x0 - xp) * sw / w + xd0 * (1 - cw) / w**2)
        zz = z0 * cz + (zd0 / wz) * sz
        zd = -z0 * wz * sz + zd0 * cz
        out[..., :, k] = np.stack(np.broadcast_arrays(x, y, zz, xd, yd, zd), axis=-1)
    return out


# --- relative orbital elements ----------------------------------------------------------------


def relative_elements_from_mean(
    a_m: np.ndarray,
    ecc: np.ndarray,
    inc_rad: np.ndarray,
    raan_rad: np.ndarray,
    argp_rad: np.ndarray,
    mean_anomaly_rad: np.ndarray,
    chief: int,
) -> RelativeElements:
    """Quasi-nonsingular ROE of every satellite with respect to one of them (the chief).

    Parameters
    ----------
    a_m, ecc, inc_rad, raan_rad, argp_rad, mean_anomaly_rad : (n,) mean elements [m, -, rad]
    chief : index of the chief in those arrays

    Returns
    -------
    :class:`RelativeElements` of (n,) arrays (the chief's are zero)

    References
    ----------
    D'Amico, S. (2010). Autonomous Formation Flying in Low Earth Orbit. PhD thesis, TU Delft,
    sec. 2.2 (quasi-nonsingular relative orbital elements).
    """

    def wrap(x: np.ndarray) -> np.ndarray:
        return np.mod(x + np.pi, 2.0 * np.pi) - np.pi

    a = np.asarray(a_m, dtype=float)
    e = np.asarray(ecc, dtype=float)
    i = np.asarray(inc_rad, dtype=float)
    o = np.asarray(raan_rad, dtype=float)
    w = np.asarray(argp_rad, dtype=float)
    m = np.asarray(mean_anomaly_rad, dtype=float)
    c = chief
    d_raan = wrap(o - o[c])
    return RelativeElements(
        da=(a - a[c]) / a[c],
        dlambda=wrap((m + w) - (m[c] + w[c]) + d_raan * np.cos(i[c])),
        dex=e * np.cos(w) - e[c] * np.cos(w[c]),
        dey=e * np.sin(w) - e[c] * np.sin(w[c]),
        dix=i - i[c],
        diy=d_raan * np.sin(i[c]),
    )


def roe_to_hill_position_m(a_m: float, u_rad: np.ndarray, roe: RelativeElements) -> np.ndarray:
    """Hill-frame position of a member from its ROE (linear map, near-circular chief).

    x/a = da - dex cos u - dey sin u;  y/a = dlambda + 2 dex sin u - 2 dey cos u;
    z/a = dix sin u - diy cos u. (The along-track drift -3/2 da (u - u0) of the Keplerian
    solution is carried by ``dlambda`` itself; see :func:`relative_elements_j2_secular`.)

    Parameters
    ----------
    a_m : chief semi-major axis [m]
    u_rad : chief argument of latitude [rad], broadcastable against the ROE arrays
    roe : :class:`RelativeElements` [-]

    Returns
    -------
    (..., 3) position (x radial, y along-track, z cross-track) [m]

    References
    ----------
    D'Amico (2010), eq. 2.22 (first-order map of ROE to the Hill frame).
    """
    u = np.asarray(u_rad, dtype=float)
    cu, su = np.cos(u), np.sin(u)
    x = roe.da - roe.dex * cu - roe.dey * su
    y = roe.dlambda + 2.0 * roe.dex * su - 2.0 * roe.dey * cu
    z = roe.dix * su - roe.diy * cu
    return a_m * np.stack(np.broadcast_arrays(x, y, z), axis=-1)


def gco_position_hill_m(
    disk_x_m: np.ndarray, disk_y_m: np.ndarray, u_rad: np.ndarray
) -> np.ndarray:
    """Design position of a cluster member on an HCW general circular orbit (GCO).

    A member at disk coordinates (p, q), rho = |(p, q)|, alpha = atan2(p, q) is at
    x = (rho/2) sin(u + alpha), y = rho cos(u + alpha), z = (sqrt(3)/2) rho sin(u + alpha): the
    disk keeps all mutual distances and turns rigidly once per orbit (the layout of
    :func:`orbitcloud.astro.elements.cluster_relative_elements`).

    Parameters
    ----------
    disk_x_m, disk_y_m : (n,) disk coordinates [m]
    u_rad : (n_t, 1) or broadcastable chief argument of latitude [rad]

    Returns
    -------
    (n_t, n, 3) Hill-frame design positions [m]

    References
    ----------
    Sabol, C., Burns, R. & McLaughlin, C. A. (2001). Satellite formation flying design and
    evolution. J. Spacecraft and Rockets 38(2), 270-278 (circular HCW formations); Alfriend, K.
    T. et al. (2010), Spacecraft Formation Flying, Elsevier, sec. 5.
    """
    p = np.asarray(disk_x_m, dtype=float)
    q = np.asarray(disk_y_m, dtype=float)
    rho = np.hypot(p, q)
    ang = np.asarray(u_rad, dtype=float) + np.arctan2(p, q)
    s = np.sin(ang)
    return np.stack(
        np.broadcast_arrays(0.5 * rho * s, rho * np.cos(ang), 0.5 * np.sqrt(3.0) * rho * s),
        axis=-1,
    )


def j2_kappa_rad_s(a_m: float, ecc: float = 0.0) -> float:
    """kappa = (3/4) J2 Re^2 sqrt(mu) / (a^(7/2) eta^4), the J2 secular-rate scale [rad/s].

    References
    ----------
    Koenig, A. W., Guffanti, T. & D'Amico, S. (2017). New state transition matrices for
    spacecraft relative motion in perturbed orbits. J. Guidance, Control, and Dynamics 40(7),
    1749-1768, doi:10.2514/1.G002409 (definition of kappa).
    """
    eta = np.sqrt(1.0 - ecc * ecc)
    return float(0.75 * J2 * R_EARTH_M**2 * np.sqrt(MU_EARTH_M3_S2) / (a_m**3.5 * eta**4))


def roe_j2_rates(a_m: float, inc_rad: float, roe: RelativeElements) -> RelativeElements:
    """Secular J2 rates of the ROE for a near-circular chief (first order in the ROE).

    With kappa from :func:`j2_kappa_rad_s`, P = 3 cos^2 i - 1, Q = 5 cos^2 i - 1, S = sin 2i,
    T = sin^2 i and e_chief = 0 (eta = 1, E = 2, F = 7, G = 1)::

        da'      = 0
        dlambda' = -(3/2 n + 7 kappa P) da - 7 kappa S dix
        de'      = kappa Q (-dey, dex)           (rotation at the apsidal rate)
        dix'     = 0
        diy'     = (7/2) kappa S da + 2 kappa T dix   (differential nodal precession)

    Parameters
    ----------
    a_m : chief mean semi-major axis [m]
    inc_rad : chief mean inclination [rad]
    roe : :class:`RelativeElements` [-]

    Returns
    -------
    :class:`RelativeElements` of rates [1/s]

    References
    ----------
    Koenig, Guffanti & D'Amico (2017), doi:10.2514/1.G002409, the J2 plant matrix for
    quasi-nonsingular ROE (with e_c = 0); equivalently the derivatives of the classical
    secular rates (Vallado 2013, sec. 9.6) with respect to a and i.
    """
    n = np.sqrt(MU_EARTH_M3_S2 / a_m**3)
    k = j2_kappa_rad_s(a_m)
    ci, si = np.cos(inc_rad), np.sin(inc_rad)
    p = 3.0 * ci * ci - 1.0
    q = 5.0 * ci * ci - 1.0
    s2 = 2.0 * si * ci
    t = si * si
    zero = np.zeros_like(np.asarray(roe.da, dtype=float))
    return RelativeElements(
        da=zero,
        dlambda=-(1.5 * n + 7.0 * k * p) * roe.da - 7.0 * k * s2 * roe.dix,
        dex=-k * q * roe.dey,
        dey=k * q * roe.dex,
        dix=zero,
        diy=3.5 * k * s2 * roe.da + 2.0 * k * t * roe.dix,
    )


def relative_elements_j2_secular(
    a_m: float, inc_rad: float, roe0: RelativeElements, t_s: np.ndarray
) -> RelativeElements:
    """ROE after time t under the secular J2 dynamics of :func:`roe_j2_rates` (exact solution).

    da and dix are constant, (dex, dey) turns by kappa Q t, dlambda and diy grow linearly.

    Parameters
    ----------
    a_m, inc_rad : chief mean semi-major axis [m] and inclination [rad]
    roe0 : :class:`RelativeElements` at t = 0, (n,) arrays
    t_s : (n_t, 1) or broadcastable time since t = 0 [s]

    Returns
    -------
    :class:`RelativeElements` broadcast to (n_t, n)

    References
    ----------
    Koenig, Guffanti & D'Amico (2017), doi:10.2514/1.G002409, J2 state transition matrix
    (secular part, e_c = 0).
    """
    t = np.asarray(t_s, dtype=float)
    rate = roe_j2_rates(a_m, inc_rad, roe0)
    k = j2_kappa_rad_s(a_m)
    q = 5.0 * np.cos(inc_rad) ** 2 - 1.0
    ang = k * q * t
    ca, sa = np.cos(ang), np.sin(ang)
    shape = np.broadcast_shapes(t.shape, np.shape(roe0.da))
    return RelativeElements(
        da=np.broadcast_to(roe0.da, shape),
        dlambda=roe0.dlambda + rate.dlambda * t,
        dex=roe0.dex * ca - roe0.dey * sa,
        dey=roe0.dex * sa + roe0.dey * ca,
        dix=np.broadcast_to(roe0.dix, shape),
        diy=roe0.diy + rate.diy * t,
    )


def formation_keeping_dv_rates_m_s2(
    a_m: float,
    inc_rad: float,
    roe: RelativeElements,
    differential_drag_m_s2: np.ndarray | float = 0.0,
) -> dict[str, np.ndarray]:
    """Delta-v rate to hold each member's design ROE against J2 and differential drag.

    Every secular ROE drift is cancelled as it accrues, with the minimum-delta-v impulses of
    Gaias & D'Amico (2015): an in-plane change |d(de)| costs (v/2) |d(de)| (two tangential
    burns half an orbit apart), an out-of-plane change |d(di)| costs v |d(di)|, and a steady
    differential drag costs its own magnitude. The along-track drift from dix is cancelled once,
    by a semi-major-axis bias da* = -7 kappa S dix / (3/2 n + 7 kappa P) (cost v |da*| / 2),
    so it is not a yearly cost.

    Parameters
    ----------
    a_m, inc_rad : chief mean semi-major axis [m] and inclination [rad]
    roe : :class:`RelativeElements` of the members (design values) [-]
    differential_drag_m_s2 : drag acceleration difference of each member to the chief [m/s^2]

    Returns
    -------
    dict of (n,) arrays: ``in_plane_j2`` (e-vector rotation), ``out_of_plane_j2`` (nodal
    precession), ``drag`` [m/s^2 = m/s per s]; ``total``; and ``one_time_bias_m_s`` [m/s]

    References
    ----------
    Gaias, G. & D'Amico, S. (2015). Impulsive maneuvers for formation reconfiguration using
    relative orbital elements. J. Guidance, Control, and Dynamics 38(6), 1036-1049,
    doi:10.2514/1.G000189 (delta-v lower bounds); Koenig et al. (2017) for the J2 rates.
    """
    n = np.sqrt(MU_EARTH_M3_S2 / a_m**3)
    v = n * a_m
    rate = roe_j2_rates(a_m, inc_rad, roe)
    k = j2_kappa_rad_s(a_m)
    ci, si = np.cos(inc_rad), np.sin(inc_rad)
    in_plane = 0.5 * v * np.hypot(rate.dex, rate.dey)
    out_plane = v * np.abs(rate.diy)
    drag = np.abs(np.asarray(differential_drag_m_s2, dtype=float)) * np.ones_like(in_plane)
    da_bias = -7.0 * k * 2.0 * si * ci * roe.dix / (1.5 * n + 7.0 * k * (3.0 * ci * ci - 1.0))
    return {
        "in_plane_j2": in_plane,
        "out_of_plane_j2": out_plane,
        "drag": drag,
        "total": in_plane + out_plane + drag,
        "one_time_bias_m_s": 0.5 * v * np.abs(da_bias - roe.da),
    }
