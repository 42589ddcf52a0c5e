"""Eclipse (umbra and penumbra) and the beta angle.

The sunlit fraction is the visible fraction of the solar disk seen from the satellite, with the
Earth an occulting disk: the conical shadow model of Montenbruck & Gill, *Satellite Orbits*
(2000), sec. 3.4.2, eqs. 3.85-3.87. Earth's oblateness is included by scaling z by a/b before
the geometry (the "oblate Earth" shadow of e.g. Vallado sec. 5.3), which maps the ellipsoid to
a sphere of radius a; the solar disk is treated as flat (its 0.27 deg radius makes that exact
to about 1e-4 in the fraction).
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import R_EARTH_M, R_SUN_M, WGS84_F


def sunlit_fraction(
    r_sat: np.ndarray,
    r_sun: np.ndarray,
    earth_radius_m: float = R_EARTH_M,
    flattening: float = WGS84_F,
) -> np.ndarray:
    """Fraction of the solar disk visible from each satellite, in [0, 1].

    Parameters
    ----------
    r_sat : (n_time, n_sat, 3) or (n_sat, 3) geocentric satellite positions [m], in an
        Earth-centred frame whose z axis is the polar axis (ITRF; TEME is within 0.5 arcmin)
    r_sun : (n_time, 3) or (3,) geocentric Sun positions in the same frame [m]
    earth_radius_m : equatorial radius of the occulting Earth [m]
    flattening : Earth flattening; 0 for a spherical Earth

    Returns
    -------
    (n_time, n_sat) float array; 1 in full sunlight, 0 in umbra, between in penumbra; NaN
    where the satellite position is NaN (a flagged SGP4 result).

    References
    ----------
    Montenbruck, O., Gill, E. (2000). Satellite Orbits, Springer, sec. 3.4.2.
    """
    r_sat = np.asarray(r_sat, dtype=float)
    sun = np.asarray(r_sun, dtype=float)
    if r_sat.ndim == 2:
        r_sat = r_sat[None]
    if sun.ndim == 1:
        sun = sun[None]
    n_time, n_sat = r_sat.shape[:2]
    if n_time * n_sat <= BLOCK_ELEMENTS or sun.shape[0] != n_time:
        return _sunlit_cone(r_sat, sun, earth_radius_m, flattening)
    # tiles of about BLOCK_ELEMENTS satellite-steps keep the temporaries in the CPU cache
    # (1.5x on a geometry chunk, bench/bench_geometry.py); every element gets the same
    # arithmetic, so the same bits as one call over the whole array
    frac = np.empty((n_time, n_sat))
    dt = max(1, BLOCK_ELEMENTS // n_sat)
    ds = min(n_sat, BLOCK_ELEMENTS)
    for t0 in range(0, n_time, dt):
        for s0 in range(0, n_sat, ds):
            frac[t0 : t0 + dt, s0 : s0 + ds] = _sunlit_cone(
                r_sat[t0 : t0 + dt, s0 : s0 + ds], sun[t0 : t0 + dt], earth_radius_m, flattening
            )
    return frac


BLOCK_ELEMENTS = 32768
"""Satellite-steps per tile in :func:`sunlit_fraction` (64 KB per temporary)."""


def _sunlit_cone(
    r_sat: np.ndarray, sun: np.ndarray, earth_radius_m: float, flattening: float
) -> np.ndarray:
    """The conical shadow model of :func:`sunlit_fraction` on (n_time, n_sat, 3) and (n_time, 3)."""
    zscale = 1.0 / (1.0 - flattening)
    sx, sy, sz = sun[:, None, 0], sun[:, None, 1], sun[:, None, 2] * zscale
    x = r_sat[..., 0]
    y = r_sat[..., 1]
    z = r_sat[..., 2] * zscale
    r2 = x * x + y * y + z * z
    # vector satellite -> sun
    dx = sx - x
    dy = sy - y
    dz = sz - z
    d2 = dx * dx + dy * dy + dz * dz
    r = np.sqrt(r2)
    d = np.sqrt(d2)
    cos_sep = -(x * dx + y * dy + z * dz) / (r * d)
    # Sorting by cosines first: sep >= a_earth + a_sun (full sun) and sep <= a_earth - a_sun
    # (umbra) compare cos(sep) with cos(a_earth -+ a_sun), which needs square roots only; the
    # inverse trig functions (most of the cost) run on the satellite-steps within _COS_MARGIN of
    # the penumbra, with the decisions below, so every answer has the bits of the plain cone
    sin_e = np.minimum(earth_radius_m / r, 1.0)
    sin_s = np.minimum(R_SUN_M / d, 1.0)
    cc = np.sqrt(1.0 - sin_e * sin_e) * np.sqrt(1.0 - sin_s * sin_s)
    ss = sin_e * sin_s
    frac = np.ones(r2.shape)
    with np.errstate(invalid="ignore"):
        sure_sun = cos_sep < cc - ss - _COS_MARGIN
        sure_umbra = (cos_sep > cc + ss + _COS_MARGIN) & (sin_e > sin_s + _COS_MARGIN)
    frac[sure_umbra] = 0.0
    todo = ~(sure_sun | sure_umbra)  # includes NaN positions
    if not todo.any():
        return frac
    r, d, cos_sep = r[todo], d[todo], cos_sep[todo]
    a_sun = np.arcsin(np.minimum(R_SUN_M / d, 1.0))  # apparent solar radius
    a_earth = np.arcsin(np.minimum(earth_radius_m / r, 1.0))  # apparent Earth radius
    sep = np.arccos(np.clip(cos_sep, -1.0, 1.0))  # angle between Earth centre and Sun centre
    part = np.ones_like(sep)
    part[np.isnan(sep)] = np.nan  # a flagged (NaN) position has no sunlight value
    umbra = sep <= a_earth - a_sun
    partial = (sep < a_earth + a_sun) & ~umbra
    part[umbra] = 0.0
    if np.any(partial):
        with np.errstate(divide="ignore", invalid="ignore"):
            part[partial] = _visible_fraction(sep[partial], a_sun[partial], a_earth[partial])
    frac[todo] = part
    return frac


_COS_MARGIN = 1e-6
"""Cosines this close to the penumbra's edges go through the inverse trig functions. Rounding
in the cosines is at most about 1e-8 (a square root of 1 - x near x = 1), in the angles the
same: the margin is 100x that, so a satellite-step decided by cosines is decided the same way
by the angles (tests/astro/test_eclipse.py checks a whole catalogue day bit for bit)."""


def _visible_fraction(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 - overlap / solar disk, for disks of radii a (Sun), b (Earth) at centre distance c.

    Overlap area of two disks, Montenbruck & Gill (2000) eq. 3.87; when the Earth's disk lies
    wholly inside the Sun's (an annular eclipse, only beyond about 1.4 million km) the overlap
    is the Earth's whole disk.
    """
    xx = (c * c + a * a - b * b) / (2.0 * c)
    yy = np.sqrt(np.maximum(a * a - xx * xx, 0.0))
    area = (
        a * a * np.arccos(np.clip(xx / a, -1, 1))
        + b * b * np.arccos(np.clip((c - xx) / b, -1, 1))
        - c * yy
    )
    area = np.where(c <= a - b, np.pi * b * b, area)
    return np.clip(1.0 - area / (np.pi * a * a), 0.0, 1.0)


def beta_angle_rad(r: np.ndarray, v: np.ndarray, r_sun: np.ndarray) -> np.ndarray:
    """Beta angle: elevation of the Sun above the orbit plane [rad].

    beta = asin( s_hat . h_hat ), h = r x v (inertial frame, e.g. TEME). Standard definition
    (e.g. Vallado, sec. 5.3; NASA TFAWS).

    Parameters
    ----------
    r, v : (n_time, n_sat, 3) inertial position [m] and velocity [m/s]
    r_sun : (n_time, 3) Sun position in the same frame [m]
    """
    h = np.cross(r, v)
    h /= np.linalg.norm(h, axis=-1, keepdims=True)
    s = np.asarray(r_sun, dtype=float)
    s = s / np.linalg.norm(s, axis=-1, keepdims=True)
    return np.arcsin(np.clip(np.einsum("tsk,tk->ts", h, s), -1.0, 1.0))


def eclipse_fraction_cylindrical(
    beta_rad: np.ndarray, altitude_m: np.ndarray, earth_radius_m: float = R_EARTH_M
) -> np.ndarray:
    """Fraction of a circular orbit spent in a cylindrical Earth shadow.

    f = (1/pi) acos( sqrt(h^2 + 2 R h) / ((R + h) cos beta) ) for |beta| < asin(R/(R+h)),
    else 0. Standard closed form (NASA TFAWS thermal course; CNES CelestLab
    ``CL_gm_betaEclipse``); used to check the conical model and for quick sizing.
    """
    beta = np.asarray(beta_rad, dtype=float)
    h = np.asarray(altitude_m, dtype=float)
    rr = earth_radius_m
    beta_star = np.arcsin(rr / (rr + h))
    arg = np.sqrt(h * h + 2 * rr * h) / ((rr + h) * np.cos(beta))
    f = np.arccos(np.clip(arg, -1.0, 1.0)) / np.pi
    return np.where(np.abs(beta) < beta_star, f, 0.0)


def eclipse_within(sunlit: np.ndarray, n_out: int, look_steps: int) -> np.ndarray:
    """Whether any of the next ``look_steps`` steps is in eclipse (sunlit < 0.5), per step.

    Parameters
    ----------
    sunlit : (n, n_sat) sunlit fraction of steps t0 .. t0+n-1, where the rows past ``n_out``
        are the look-ahead (a halo; fewer than ``look_steps`` at the end of a run)
    n_out : steps to answer for (the first ``n_out`` rows)
    look_steps : look-ahead [steps]

    Returns
    -------
    (n_out, n_sat) bool: row t is True when a step in t+1 .. t+look_steps (those present in
    ``sunlit``) has sunlit < 0.5. Computed with prefix sums, so it is exact whatever ``n``.
    """
    dark = (np.asarray(sunlit) < 0.5).astype(np.int32)
    n = dark.shape[0]
    csum = np.vstack([np.zeros((1, *dark.shape[1:]), np.int32), np.cumsum(dark, axis=0)])
    t = np.arange(n_out)
    hi = np.minimum(t + 1 + look_steps, n)
    return (csum[hi] - csum[np.minimum(t + 1, n)]) > 0
