"""Frame conversions: TEME -> PEF -> ITRF, ITRF <-> WGS84 geodetic, topocentric look angles.

All functions take arrays shaped ``(..., 3)`` (xyz last) and broadcast over leading axes.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import OMEGA_EARTH_RAD_S, R_EARTH_M, WGS84_F

_ARCSEC = np.pi / (180.0 * 3600.0)


def _polar_motion(r: np.ndarray, xp_rad: float, yp_rad: float) -> np.ndarray:
    """Apply W = R1(yp) R2(xp) (Vallado et al. 2006, AIAA 2006-6753, App. C; as in Skyfield)."""
    cx, sx = np.cos(xp_rad), np.sin(xp_rad)
    cy, sy = np.cos(yp_rad), np.sin(yp_rad)
    w = np.array([[1, 0, 0], [0, cy, -sy], [0, sy, cy]]) @ np.array(
        [[cx, 0, sx], [0, 1, 0], [-sx, 0, cx]]
    )
    return r @ w.T


def _leading(angle: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Reshape a per-time angle array so it broadcasts over the leading axes of ``r`` (..., 3)."""
    a = np.asarray(angle, dtype=float)
    return a.reshape(a.shape + (1,) * (r.ndim - 1 - a.ndim))


def position_teme_to_itrf(
    r_teme: np.ndarray,
    gmst_rad: np.ndarray | float,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Rotate TEME positions into ITRF (Earth-fixed).

    r_PEF = ROT3(GMST82) r_TEME (Vallado's frame rotation; Skyfield's ``rot_z(-theta)``), then
    r_ITRF = W r_PEF with W = R1(yp) R2(xp) for polar motion (xp, yp). From Vallado, Crawford, Hujsak & Kelso 2006, "Revisiting Spacetrack Report #3",
    AIAA 2006-6753, Appendix C (the same steps as Skyfield's ``TEME_to_ITRF``). Checked against
    the paper's worked example in tests/astro/test_frames.py.

    Parameters
    ----------
    r_teme : (n_time, n_sat, 3), (n_time, 3) or (3,) position [any length unit, e.g. m]
    gmst_rad : (n_time,) or scalar Greenwich mean sidereal time (IAU 1982) [rad], from
        :func:`orbitcloud.astro.timescales.gmst82_rad` of UT1; it broadcasts over the leading
        (time) axis of ``r_teme``
    xp_arcsec, yp_arcsec : polar motion [arcsec]; 0 omits it (an error of up to about 15 m at
        the surface, 16.5 m in the Appendix C example)
    out : optional output array of r_teme's shape (may not be ``r_teme`` itself)

    Returns
    -------
    r_itrf : same shape and unit as r_teme
    """
    r_teme = np.asarray(r_teme, dtype=float)
    c = _leading(np.cos(gmst_rad), r_teme)
    s = _leading(np.sin(gmst_rad), r_teme)
    if out is None:
        out = np.empty_like(r_teme)
    x = r_teme[..., 0]
    y = r_teme[..., 1]
    np.multiply(c, x, out=out[..., 0])
    out[..., 0] += s * y
    np.multiply(c, y, out=out[..., 1])
    out[..., 1] -= s * x
    out[..., 2] = r_teme[..., 2]
    if xp_arcsec or yp_arcsec:
        out[...] = _polar_motion(out, xp_arcsec * _ARCSEC, yp_arcsec * _ARCSEC)
    return out


def velocity_teme_to_itrf(
    r_teme: np.ndarray,
    v_teme: np.ndarray,
    gmst_rad: np.ndarray | float,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
    lod_s: float = 0.0,
) -> np.ndarray:
    """Velocity in ITRF: v_PEF = R3(GMST82) v_TEME - omega x r_PEF, then polar motion.

    Vallado et al. 2006 (AIAA 2006-6753) Appendix C, with the Earth rotation rate
    omega = 7.29211514670698e-5 (1 - LOD / 86400) rad/s. Units follow the inputs ([m], [m/s]).

    Parameters
    ----------
    r_teme, v_teme : TEME position [m] and velocity [m/s], shapes as in
        :func:`position_teme_to_itrf`
    gmst_rad : GMST82 of UT1 [rad]
    xp_arcsec, yp_arcsec : polar motion [arcsec]
    lod_s : excess length of day [s] (IERS); 0 neglects it, an error of about
        2e-8 of the rotational velocity (1e-5 m/s in LEO)
    """
    omega = OMEGA_EARTH_RAD_S * (1.0 - lod_s / 86400.0)
    r_pef = position_teme_to_itrf(r_teme, gmst_rad)
    v_pef = position_teme_to_itrf(v_teme, gmst_rad)
    v_pef[..., 0] += omega * r_pef[..., 1]
    v_pef[..., 1] -= omega * r_pef[..., 0]
    if xp_arcsec or yp_arcsec:
        v_pef = _polar_motion(v_pef, xp_arcsec * _ARCSEC, yp_arcsec * _ARCSEC)
    return v_pef


def itrf_to_geodetic(
    r_itrf: np.ndarray, a_m: float = R_EARTH_M, f: float = WGS84_F
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ITRF/ECEF Cartesian -> geodetic latitude, longitude [rad] and height [m].

    Heikkinen's closed form (Heikkinen 1982, Z. Vermess. 107; as given by Zhu 1994, IEEE TAES
    30(3), "Conversion of Earth-centered Earth-fixed coordinates to geodetic coordinates"):
    exact, no iteration. Round trip with :func:`geodetic_to_itrf` within 2e-8 m for heights
    -10 km .. 40,000 km (tests/astro/test_frames.py); not meant for points within ~10 km of the
    geocentre.

    Parameters
    ----------
    r_itrf : (..., 3) Earth-fixed position [m]
    a_m : ellipsoid equatorial radius [m] (WGS84)
    f : flattening (WGS84)

    Returns
    -------
    lat_rad, lon_rad, h_m : arrays of the leading shape
    """
    x = r_itrf[..., 0]
    y = r_itrf[..., 1]
    z = r_itrf[..., 2]
    b = a_m * (1.0 - f)
    e2 = f * (2.0 - f)
    ep2 = e2 / (1.0 - e2)
    a2 = a_m * a_m
    b2 = b * b
    p2 = x * x + y * y
    p = np.sqrt(p2)
    z2 = z * z
    big_f = 54.0 * b2 * z2
    g = p2 + (1.0 - e2) * z2 - e2 * (a2 - b2)
    c = (e2 * e2) * big_f * p2 / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    big_p = big_f / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * e2 * e2 * big_p)
    r0 = -big_p * e2 * p / (1.0 + q) + np.sqrt(
        np.maximum(
            0.5 * a2 * (1.0 + 1.0 / q)
            - big_p * (1.0 - e2) * z2 / (q * (1.0 + q))
            - 0.5 * big_p * p2,
            0.0,
        )
    )
    t = p - e2 * r0
    t2 = t * t
    u = np.sqrt(t2 + z2)
    v = np.sqrt(t2 + (1.0 - e2) * z2)
    z0 = b2 * z / (a_m * v)
    h = u * (1.0 - b2 / (a_m * v))
    lat = np.arctan2(z + ep2 * z0, p)
    lon = np.arctan2(y, x)
    return lat, lon, h


def geodetic_to_itrf(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    h_m: np.ndarray,
    a_m: float = R_EARTH_M,
    f: float = WGS84_F,
) -> np.ndarray:
    """WGS84 geodetic -> ITRF Cartesian [m], shape ``(..., 3)``.

    x = (N + h) cos(lat) cos(lon), y = (N + h) cos(lat) sin(lon), z = (N (1 - e^2) + h) sin(lat),
    N = a / sqrt(1 - e^2 sin^2 lat) (e.g. Vallado, *Fundamentals of Astrodynamics*, sec. 3.2).

    Parameters
    ----------
    lat_rad, lon_rad : geodetic latitude and longitude [rad], broadcastable
    h_m : height above the ellipsoid [m]
    a_m, f : ellipsoid radius [m] and flattening
    """
    lat = np.asarray(lat_rad, dtype=float)
    lon = np.asarray(lon_rad, dtype=float)
    h = np.asarray(h_m, dtype=float)
    e2 = f * (2.0 - f)
    sl = np.sin(lat)
    n = a_m / np.sqrt(1.0 - e2 * sl * sl)
    cl = np.cos(lat)
    return np.stack(
        [(n + h) * cl * np.cos(lon), (n + h) * cl * np.sin(lon), (n * (1.0 - e2) + h) * sl],
        axis=-1,
    )


def elevation_rad(r_ground_itrf: np.ndarray, r_sat_itrf: np.ndarray) -> np.ndarray:
    """Elevation of satellites above the geodetic horizon of ground points [rad].

    ``r_ground_itrf`` (..., 3) and ``r_sat_itrf`` (..., 3) broadcast against each other. The
    local vertical is the ellipsoid normal (geodetic up), as in any topocentric SEZ/ENU frame.
    """
    lat, lon, _ = itrf_to_geodetic(r_ground_itrf)
    up = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    d = r_sat_itrf - r_ground_itrf
    rng = np.linalg.norm(d, axis=-1)
    return np.arcsin(np.clip(np.sum(d * up, axis=-1) / rng, -1.0, 1.0))
