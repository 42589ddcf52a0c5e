"""Link geometry: ranges, line of sight above a grazing altitude, ground-link limits, distances.

Closed forms for the limits (maximum ISL length for a grazing altitude, maximum slant range for
an elevation) and vectorised checks on position arrays. Positions are Earth-fixed (ITRF) [m];
any frame works for satellite-to-satellite geometry.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.astro.constants import R_EARTH_M

R_WGS72_M = 6_378_135.0
"""WGS72 equatorial radius [m], Hypatia's Earth radius (satgenpy distance_tools)."""

R_MEAN_M = 6_371_008.8
"""IUGG mean Earth radius R1 [m] (Moritz 2000, Geodetic Reference System 1980)."""


def max_isl_length_m(
    altitude_m: np.ndarray | float, grazing_altitude_m: float = 80e3, radius_m: float = R_WGS72_M
) -> np.ndarray:
    """Longest ISL between two satellites at one altitude whose line of sight stays above a
    grazing altitude: 2 sqrt((R + h)^2 - (R + h_g)^2) [m].

    Parameters
    ----------
    altitude_m : satellite altitude h [m]
    grazing_altitude_m : lowest altitude the line of sight may pass, h_g [m] (Hypatia: 80 km)
    radius_m : spherical Earth radius R [m] (Hypatia: WGS72, 6378135 m)

    References
    ----------
    Kassing et al., "Exploring the 'Internet from space' with Hypatia", IMC 2020;
    ``satgenpy/tests/test_end_to_end_kuiper_duo.py`` (``MAX_ISL_LENGTH_M``).
    """
    h = np.asarray(altitude_m, dtype=float)
    return 2.0 * np.sqrt((radius_m + h) ** 2 - (radius_m + grazing_altitude_m) ** 2)


def slant_range_for_elevation_m(
    altitude_m: np.ndarray | float, elevation_rad: np.ndarray | float, radius_m: float = R_EARTH_M
) -> np.ndarray:
    """Slant range from a ground point to a satellite seen at elevation epsilon [m].

    rho = sqrt((R + h)^2 - R^2 cos^2 eps) - R sin eps (spherical Earth, site at radius R).
    This is the largest range of a ground link under a minimum-elevation rule.

    References
    ----------
    Standard spherical-Earth geometry, e.g. Maral & Bousquet, *Satellite Communications
    Systems*, 5th ed. (2009), sec. 2.2.4.
    """
    h = np.asarray(altitude_m, dtype=float)
    e = np.asarray(elevation_rad, dtype=float)
    return np.sqrt((radius_m + h) ** 2 - (radius_m * np.cos(e)) ** 2) - radius_m * np.sin(e)


def hypatia_max_gsl_length_m(altitude_m: float, cone_radius_m: float) -> float:
    """Hypatia's maximum ground-link length sqrt(cone^2 + h^2) [m] (a flat-Earth cone).

    Hypatia sets the cone radius to h / tan(eps_min) (Kuiper: 30 deg, Telesat: 10 deg) or a
    given value (Starlink: 940.7 km). It is not the spherical slant range
    (:func:`slant_range_for_elevation_m`); both rules are supported (``ground.link``).

    References
    ----------
    Hypatia ``paper/satellite_networks_state/main_*.py`` (``MAX_GSL_LENGTH_M``).
    """
    return float(np.sqrt(cone_radius_m**2 + altitude_m**2))


def segment_min_radius_m(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest distance from the Earth's centre to the segment a-b [m].

    ``a`` and ``b`` are ``(..., 3)`` positions [m]. The closest point of the line
    a + t (b - a) to the origin is at t* = -a.(b-a) / |b-a|^2; clamped to [0, 1].
    """
    d = b - a
    dd = np.einsum("...i,...i->...", d, d)
    t = np.clip(-np.einsum("...i,...i->...", a, d) / np.where(dd > 0, dd, 1.0), 0.0, 1.0)
    p = a + t[..., None] * d
    return np.sqrt(np.einsum("...i,...i->...", p, p))


def line_of_sight_clear(
    a: np.ndarray, b: np.ndarray, grazing_altitude_m: float, radius_m: float = R_EARTH_M
) -> np.ndarray:
    """True where the segment a-b stays above ``radius_m + grazing_altitude_m`` from the centre.

    A sphere of the equatorial radius is used: conservative (the real surface is lower away
    from the equator, by up to 21 km at the poles).
    """
    return segment_min_radius_m(a, b) > radius_m + grazing_altitude_m


def great_circle_m(
    lat1_rad: np.ndarray, lon1_rad: np.ndarray, lat2_rad: np.ndarray, lon2_rad: np.ndarray,
    radius_m: float = R_MEAN_M,
) -> np.ndarray:  # fmt: skip
    """Great-circle distance on a sphere [m] (haversine form, well conditioned at all ranges).

    References
    ----------
    R. W. Sinnott, "Virtues of the haversine", Sky and Telescope 68(2) (1984) 159.
    """
    dlat = lat2_rad - lat1_rad
    dlon = lon2_rad - lon1_rad
    h = np.sin(dlat / 2) ** 2 + np.cos(lat1_rad) * np.cos(lat2_rad) * np.sin(dlon / 2) ** 2
    return 2.0 * radius_m * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def fibre_rtt_s(
    distance_m: np.ndarray | float, path_stretch: float = 1.0, refractive_index: float = 1.47
) -> np.ndarray:
    """Round-trip time over terrestrial fibre: 2 x distance x stretch / (c / n) [s].

    References
    ----------
    Light in silica fibre travels at about c / 1.47 (group index of SMF-28 at 1550 nm,
    Corning data sheet); path stretch: routes are longer than the great circle.
    """
    return (
        2.0 * np.asarray(distance_m, dtype=float) * path_stretch * refractive_index / 299_792_458.0
    )
