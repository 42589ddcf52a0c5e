"""Regions of ground points: named boxes and circles, else the continent of the country."""

from __future__ import annotations

import numpy as np

from orbitcloud.scenario import geonames
from orbitcloud.scenario.operations import RegionSpec

R_MEAN_M = 6_371_008.8
"""IUGG mean Earth radius R1 [m] (Moritz 2000, Geodetic Reference System 1980)."""

CONTINENTS = {"AF": "Africa", "AS": "Asia", "EU": "Europe", "NA": "North America",
              "OC": "Oceania", "SA": "South America", "AN": "Antarctica"}  # fmt: skip
"""GeoNames continent codes and names."""


def in_region(lat_rad: np.ndarray, lon_rad: np.ndarray, region: RegionSpec) -> np.ndarray:
    """True where ground points lie in a region (box, antimeridian wrap allowed; or circle).

    Parameters
    ----------
    lat_rad, lon_rad : geodetic latitude and longitude [rad]
    region : the region (``bbox_deg`` or ``center_deg`` + ``radius_km``)

    Returns
    -------
    bool array of the broadcast shape. Circles use the haversine great-circle distance on the
    mean sphere (Sinnott 1984, Sky and Telescope 68(2) 159).
    """
    lat = np.degrees(np.asarray(lat_rad, dtype=float))
    lon = np.degrees(np.asarray(lon_rad, dtype=float))
    lon = np.where(lon > 180.0, lon - 360.0, lon)
    if region.bbox_deg is not None:
        lo0, la0, lo1, la1 = region.bbox_deg
        inside_lon = (lon >= lo0) & (lon <= lo1) if lo0 <= lo1 else (lon >= lo0) | (lon <= lo1)
        return (lat >= la0) & (lat <= la1) & inside_lon
    assert region.center_deg is not None  # RegionSpec._shape: a circle otherwise
    assert region.radius_km is not None
    c_lat, c_lon = np.radians(region.center_deg[0]), np.radians(region.center_deg[1])
    la, lo = np.radians(lat), np.radians(lon)
    h = np.sin((la - c_lat) / 2) ** 2 + np.cos(la) * np.cos(c_lat) * np.sin((lo - c_lon) / 2) ** 2
    d = 2.0 * R_MEAN_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return d <= region.radius_km * 1e3


def continent_names(country_codes: np.ndarray) -> np.ndarray:
    """Continent name of each ISO 3166 alpha-2 country code (``Other`` if unknown or empty).

    Uses GeoNames' country table, installed with orbitcloud (:mod:`orbitcloud.scenario.geonames`).
    """
    table = {k: CONTINENTS.get(v["continentcode"], "Other")
             for k, v in geonames.countries().items()}  # fmt: skip
    return np.array([table.get(str(c), "Other") for c in country_codes], dtype=object)


def assign_regions(
    lat_rad: np.ndarray, lon_rad: np.ndarray, country: np.ndarray, regions: list[RegionSpec]
) -> tuple[np.ndarray, list[str]]:
    """Region index of every ground point and the region names.

    The first named region containing a point wins; other points get their continent.

    Returns
    -------
    index : (n,) int64 into ``names``
    names : region names (named regions first, then continents that occur)
    """
    n = len(lat_rad)
    label = np.full(n, "", dtype=object)
    for r in regions:
        m = in_region(lat_rad, lon_rad, r) & (label == "")
        label[m] = r.name
    rest = label == ""
    if rest.any():
        label[rest] = continent_names(np.asarray(country)[rest])
    names = [r.name for r in regions]
    names += sorted({str(x) for x in label} - set(names))
    lookup = {nm: i for i, nm in enumerate(names)}
    return np.array([lookup[str(x)] for x in label], dtype=np.int64), names
