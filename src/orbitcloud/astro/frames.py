"""Frame conversions: TEME -> PEF -> ITRF, ITRF <-> WGS84 geodetic, topocentric look angles.

All functions take arrays shaped ``(..., 3)`` (xyz last) and broadcast over leading axes.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import OMEGA_EARTH_RAD_S, R_EARTH_M, WGS84_F

_ARCSEC = np.pi / (180.0 * 3600.0)

TILE_POINTS = 16384
"""Points (vectors) per tile in :func:`position_teme_to_itrf` and :func:`itrf_to_geodetic`
(128 KB per temporary, within the L2 cache); elementwise work, so tiling never changes a bit
(docs/scale.md "Hot paths" has the timings)."""


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
    if out is None:
        out = np.empty_like(r_teme)
    c, s = np.cos(gmst_rad), np.sin(gmst_rad)
    if r_teme.ndim == 3 and np.shape(gmst_rad) == r_teme.shape[:1]:
        # tiles of whole steps (about TILE_POINTS vectors) keep the temporary in the cache:
        # elementwise, so the same bits as one whole-array pass (docs/scale.md "Hot paths")
        n_time, n_sat = r_teme.shape[:2]
        dt, ds = max(1, TILE_POINTS // max(n_sat, 1)), max(min(n_sat, TILE_POINTS), 1)
        tmp = np.empty(min(n_time, dt) * ds)
        for t0 in range(0, n_time, dt):
            for s0 in range(0, n_sat, ds):
                tile = (slice(t0, t0 + dt), slice(s0, s0 + ds))
                _rot3_into(r_teme[tile], c[t0 : t0 + dt, None], s[t0 : t0 + dt, None], out[tile],
                           tmp)  # fmt: skip
    else:
        _rot3_into(r_teme, _leading(c, r_teme), _leading(s, r_teme), out, None)
    if xp_arcsec or yp_arcsec:
        out[...] = _polar_motion(out, xp_arcsec * _ARCSEC, yp_arcsec * _ARCSEC)
    return out


def _rot3_into(
    r: np.ndarray, c: np.ndarray, s: np.ndarray, out: np.ndarray, tmp: np.ndarray | None
) -> None:
    """out = ROT3(theta) r with c = cos(theta), s = sin(theta) broadcasting over r[..., 0];
    ``tmp`` is scratch of at least r[..., 0].size elements (None: allocate)."""
    x, y = r[..., 0], r[..., 1]
    w = np.empty(x.shape) if tmp is None else tmp[: x.size].reshape(x.shape)
    np.multiply(c, x, out=out[..., 0])
    np.multiply(s, y, out=w)
    out[..., 0] += w  # c*x + s*y
    np.multiply(c, y, out=out[..., 1])
    np.multiply(s, x, out=w)
    out[..., 1] -= w  # c*y - s*x
    out[..., 2] = r[..., 2]


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
    geocentre. Computed in tiles of :data:`TILE_POINTS` points with the temporaries reused
    in place (:func:`_heikkinen_into`): every point gets the same operations in the same
    order as the formula written out, so the same bits whatever the tiling (checked against
    the plain formula in tests/astro/test_frames.py).

    Parameters
    ----------
    r_itrf : (..., 3) Earth-fixed position [m]
    a_m : ellipsoid equatorial radius [m] (WGS84)
    f : flattening (WGS84)

    Returns
    -------
    lat_rad, lon_rad, h_m : arrays of the leading shape
    """
    r = np.asarray(r_itrf, dtype=float)
    lead = r.shape[:-1]
    flat = r.reshape(-1, 3)
    n = flat.shape[0]
    lat, lon, h = np.empty(n), np.empty(n), np.empty(n)
    work = np.empty((_N_WORK, min(n, TILE_POINTS)))
    for s0 in range(0, n, TILE_POINTS):
        s1 = min(n, s0 + TILE_POINTS)
        _heikkinen_into(flat[s0:s1], lat[s0:s1], lon[s0:s1], h[s0:s1], work[:, : s1 - s0], a_m, f)
    return lat.reshape(lead)[()], lon.reshape(lead)[()], h.reshape(lead)[()]


_N_WORK = 7


def _heikkinen_into(
    r: np.ndarray,
    lat: np.ndarray,
    lon: np.ndarray,
    h: np.ndarray,
    work: np.ndarray,
    a_m: float,
    f: float,
) -> None:
    """Heikkinen's closed form on ``r`` (n, 3) into ``lat``, ``lon``, ``h`` (n,), using the
    (7, n) scratch ``work``. Each line evaluates the formula left to right exactly as written
    in the comment beside it (numpy's order for the expression), so the bits are the formula's.
    """
    b = a_m * (1.0 - f)
    e2 = f * (2.0 - f)
    ep2 = e2 / (1.0 - e2)
    a2 = a_m * a_m
    b2 = b * b
    x, y, z = r[:, 0], r[:, 1], r[:, 2]
    p2, p, z2, big, g, w1, w2 = work
    np.multiply(x, x, out=p2)
    np.multiply(y, y, out=w1)
    p2 += w1  # p2 = x*x + y*y
    np.sqrt(p2, out=p)  # p = sqrt(p2)
    np.multiply(z, z, out=z2)  # z2 = z*z
    np.multiply(54.0 * b2, z2, out=big)  # F = 54*b2*z2
    np.multiply(1.0 - e2, z2, out=w1)
    np.add(p2, w1, out=g)
    g -= e2 * (a2 - b2)  # G = p2 + (1-e2)*z2 - e2*(a2-b2)
    np.multiply(e2 * e2, big, out=w2)
    w2 *= p2
    np.multiply(g, g, out=w1)
    w1 *= g
    w2 /= w1  # c = e2*e2*F*p2 / (G*G*G)
    np.multiply(w2, w2, out=w1)
    np.multiply(2.0, w2, out=h)  # h: scratch until its last line
    w1 += h
    np.sqrt(w1, out=w1)
    np.add(1.0, w2, out=h)
    h += w1
    np.cbrt(h, out=h)  # s = cbrt(1 + c + sqrt(c*c + 2*c))
    np.add(h, 1.0, out=w1)
    np.divide(1.0, h, out=w2)
    w1 += w2  # k = s + 1 + 1/s
    np.multiply(3.0, w1, out=w2)
    w2 *= w1
    w2 *= g
    w2 *= g
    big /= w2  # P = F / (3*k*k*G*G)
    np.multiply(2.0 * e2 * e2, big, out=g)
    g += 1.0  # (addition commutes exactly: 1 + x == x + 1)
    np.sqrt(g, out=g)  # Q = sqrt(1 + 2*e2*e2*P)
    np.add(1.0, g, out=w1)  # 1 + Q
    np.negative(big, out=w2)
    w2 *= e2
    w2 *= p
    w2 /= w1  # -P*e2*p / (1 + Q)
    np.divide(1.0, g, out=h)
    h += 1.0
    h *= 0.5 * a2  # 0.5*a2*(1 + 1/Q)  (multiplication commutes exactly)
    w1 *= g  # Q*(1 + Q)  (commutes exactly)
    np.multiply(big, 1.0 - e2, out=g)
    g *= z2
    g /= w1  # P*(1-e2)*z2 / (Q*(1 + Q))
    h -= g
    np.multiply(0.5, big, out=g)
    g *= p2
    h -= g
    np.maximum(h, 0.0, out=h)
    np.sqrt(h, out=h)
    w2 += h  # r0 = -P*e2*p/(1+Q) + sqrt(max(0.5*a2*(1+1/Q) - P*(1-e2)*z2/(Q*(1+Q)) - 0.5*P*p2, 0))
    w2 *= e2
    np.subtract(p, w2, out=w2)  # t = p - e2*r0
    w2 *= w2  # t*t
    np.multiply(1.0 - e2, z2, out=w1)
    w1 += w2
    np.sqrt(w1, out=w1)  # V = sqrt(t*t + (1-e2)*z2)
    w1 *= a_m  # a*V  (commutes exactly)
    w2 += z2
    np.sqrt(w2, out=w2)  # U = sqrt(t*t + z2)
    np.multiply(b2, z, out=g)
    g /= w1  # z0 = b2*z / (a*V)
    np.divide(b2, w1, out=w1)
    np.subtract(1.0, w1, out=w1)
    np.multiply(w2, w1, out=h)  # h = U*(1 - b2/(a*V))
    g *= ep2  # (commutes exactly)
    g += z
    np.arctan2(g, p, out=lat)  # lat = arctan2(z + ep2*z0, p)
    np.arctan2(y, x, out=lon)  # lon = arctan2(y, x)


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
