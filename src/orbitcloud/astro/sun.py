"""Apparent position of the Sun (true equator and equinox of date, used as TEME).

Meeus, *Astronomical Algorithms*, 2nd ed., chapter 25 ("Solar coordinates", the "higher
accuracy" variant with nutation in longitude and aberration): accuracy about 0.01 deg over
1950-2050 (measured against Skyfield/DE421 in tests/astro/test_sun.py: well under 0.005 deg).
TEME differs from the true-of-date frame only by the equation of the equinoxes (< 1.2
arcsec), far below this accuracy, so the result is used directly in TEME.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import AU_M
from orbitcloud.astro.timescales import J2000_JD

_DEG = np.pi / 180.0


def sun_position_teme(jd_tt: np.ndarray, fr_tt: np.ndarray) -> np.ndarray:
    """Geocentric apparent Sun position [m], shape ``(n, 3)``, in TEME (~ true of date).

    Parameters
    ----------
    jd_tt, fr_tt : (n,) two-part Julian date in TT (Terrestrial Time)

    References
    ----------
    Meeus, J. (1998). Astronomical Algorithms, 2nd ed., Willmann-Bell, ch. 25, eqs. 25.2-25.8.
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
    r_au = 1.000001018 * (1 - e * e) / (1 + e * np.cos(nu))
    omega = (125.04 - 1934.136 * t) * _DEG
    lam = (true_long - 0.00569 - 0.00478 * np.sin(omega)) * _DEG
    eps0 = 23.0 + (26.0 + (21.448 - (46.8150 + (0.00059 - 0.001813 * t) * t) * t) / 60.0) / 60.0
    eps = (eps0 + 0.00256 * np.cos(omega)) * _DEG
    r = r_au * AU_M
    cl = np.cos(lam)
    sl = np.sin(lam)
    return np.stack([r * cl, r * np.cos(eps) * sl, r * np.sin(eps) * sl], axis=-1)
