"""Apparent position of the Sun (true equator and equinox of date, used as TEME).

Meeus, *Astronomical Algorithms*, 2nd ed. (1998), chapter 25 ("Solar coordinates", the
low-accuracy theory with nutation in longitude and aberration), plus the Earth's monthly motion
about the Earth-Moon barycentre, which that theory leaves out: the Earth sits 4,671 km from the
barycentre, opposite the Moon (mean distance 384,400 km, Earth/Moon mass ratio 81.30057, IAU
2009), which moves the Sun by 6.44" sin D in longitude, D being the Moon's mean elongation
(Meeus eq. 47.2).

The theory gives the Sun in the true equator and equinox of date. TEME has the true equator
but the *mean* equinox: the two differ by a rotation about z by the equation of the equinoxes,
Delta-psi cos(epsilon), up to 17.6" (1.2 s of time), applied here with the four main nutation
terms of Meeus (1998) ch. 22 (good to 0.5").

Accuracy, measured against JPL DE421 through Skyfield's TEME (tests/astro/test_sun.py,
1950-2050): worst 29" (0.0082 deg), 95 % of dates within 22"; Meeus quotes 0.01 deg for the
theory. A 0.01 deg error in the Sun's direction moves a LEO shadow entry by about 0.2 s.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import AU_M
from orbitcloud.astro.timescales import J2000_JD

_DEG = np.pi / 180.0
_EARTH_MOON_MASS_RATIO = 81.30057  # IAU 2009 system of astronomical constants
_MOON_MEAN_DISTANCE_M = 384_400e3
_EMB_OFFSET_M = _MOON_MEAN_DISTANCE_M / (1.0 + _EARTH_MOON_MASS_RATIO)  # 4,671 km


def sun_position_teme(jd_tt: np.ndarray, fr_tt: np.ndarray) -> np.ndarray:
    """Geocentric apparent Sun position [m], shape ``(n, 3)``, in TEME (~ true of date).

    Parameters
    ----------
    jd_tt, fr_tt : (n,) two-part Julian date in TT (Terrestrial Time) [d]

    Returns
    -------
    (n, 3) position [m]; direction good to 0.0082 deg (worst, 1950-2050), distance to 1e-4.

    References
    ----------
    Meeus, J. (1998). Astronomical Algorithms, 2nd ed., Willmann-Bell, ch. 25, eqs. 25.2-25.8
    (Sun), eq. 47.2 (the Moon's mean elongation D), ch. 22 (obliquity).
    """
    t = (np.asarray(jd_tt, dtype=float) - J2000_JD + np.asarray(fr_tt, dtype=float)) / 36525.0
    l0 = 280.46646 + (36000.76983 + 0.0003032 * t) * t
    m = (357.52911 + (35999.05029 - 0.0001537 * t) * t) * _DEG
    e = 0.016708634 - (0.000042037 + 0.0000001267 * t) * t
    c = (
        (1.914602 - (0.004817 + 0.000014 * t) * t) * np.sin(m)
        + (0.019993 - 0.000101 * t) * np.sin(2 * m)
        + 0.000289 * np.sin(3 * m)
    )
    true_long = l0 + c
    nu = m + c * _DEG
    r_m = 1.000001018 * (1 - e * e) / (1 + e * np.cos(nu)) * AU_M
    # Earth about the Earth-Moon barycentre (Moon's mean elongation D, Meeus eq. 47.2)
    d = (297.8501921 + 445267.1114034 * t) * _DEG
    emb_lon_deg = (_EMB_OFFSET_M / r_m) * np.sin(d) / _DEG
    r_m = r_m + _EMB_OFFSET_M * np.cos(d)
    omega = (125.04 - 1934.136 * t) * _DEG
    lam = (true_long + emb_lon_deg - 0.00569 - 0.00478 * np.sin(omega)) * _DEG
    eps0 = 23.0 + (26.0 + (21.448 - (46.8150 + (0.00059 - 0.001813 * t) * t) * t) / 60.0) / 60.0
    eps = (eps0 + 0.00256 * np.cos(omega)) * _DEG
    cl = np.cos(lam)
    sl = np.sin(lam)
    x = r_m * cl
    y = r_m * np.cos(eps) * sl
    z = r_m * np.sin(eps) * sl
    # true equinox of date -> TEME's mean equinox: rotate by -(equation of the equinoxes)
    sun_mean_lon = (280.4665 + 36000.7698 * t) * _DEG
    moon_mean_lon = (218.3165 + 481267.8813 * t) * _DEG
    dpsi_arcsec = (
        -17.20 * np.sin(omega)
        - 1.32 * np.sin(2 * sun_mean_lon)
        - 0.23 * np.sin(2 * moon_mean_lon)
        + 0.21 * np.sin(2 * omega)
    )  # Meeus (1998) ch. 22, nutation in longitude to 0.5"
    eqeq = dpsi_arcsec / 3600.0 * _DEG * np.cos(eps)
    ce = np.cos(eqeq)
    se = np.sin(eqeq)
    return np.stack([ce * x + se * y, ce * y - se * x, z], axis=-1)
