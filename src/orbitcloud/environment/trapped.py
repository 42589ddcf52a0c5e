"""AP-8 MIN / AE-8 MAX trapped-particle dose maps at any LEO position, from a shipped grid.

``data/trapped_ap8min_ae8max.npz`` holds, on a geodetic grid (latitude every 2.5 deg,
longitude every 5 deg, altitude 250-2,100 km every 50 km), ln of three dose rates in silicon
at the centre of aluminium spheres, each at its reference depth, and ln of the AP-8 MIN proton
flux above 10 MeV:

* ``p``: trapped protons (AP-8 MIN) behind 5 mm;
* ``e``: inner-zone electrons (AE-8 MAX, McIlwain L < 2.5: the SAA) behind 1 mm;
* ``h``: outer-zone electrons (L >= 2.5: the polar horns) behind 1 mm;

and for each component a depth curve ``c(x)`` (1 at the reference depth): the dose behind
``x`` mm is ``c(x) w(position)``. The maps come straight from AP-8/AE-8 (IRBEM, through the
``aep8`` package, with the Jensen-Cain 1960 field that aep8 pairs with both models), so the
South Atlantic Anomaly and the horns are where the models put them, at every altitude. The
depth curves are circular-orbit averages (300-2,000 km, 0-100 deg; geometric mean): the
factorisation holds orbit averages within about 15 % behind 2-20 mm (protons) and 0.2-3 mm
(electrons), and locally within a factor of about 2 at the edges of the belts where the
spectrum is softer or harder than average. Built by ``tests/builders/build_trapped_grid.py``
with the dose-depth conversion of :mod:`orbitcloud.environment.dose_depth`.

Everything here is interpolation: trilinear in (latitude, longitude, altitude) of the ln
maps, linear in depth of ln c. Altitudes outside 250-2,100 km take the nearest end plane.

References
----------
Sawyer, D. M. & Vette, J. I. (1976), AP-8 trapped proton environment for solar maximum and
solar minimum, NSSDC/WDC-A-R&S 76-06. Vette, J. I. (1991), The AE-8 trapped electron model
environment, NSSDC/WDC-A-R&S 91-24. Boscher, D. et al., IRBEM library (ONERA), via aep8
(m4opt). Seltzer, S. M. (1994), SHIELDOSE-2, NISTIR 5477 (the dose-depth geometry).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

GRID_FILE = "trapped_ap8min_ae8max.npz"
COMPONENTS = ("p", "e", "h")
REF_DEPTH_MM = {"p": 5.0, "e": 1.0, "h": 1.0}
"""Reference depth of each map [mm Al]: where the component's dose matters most."""


@dataclass(frozen=True)
class TrappedGrid:
    """The shipped maps (see the module docstring).

    Attributes
    ----------
    lat0, dlat, lon0, dlon, alt0, dalt : grid origin and steps [deg, deg, m]
    shape : (n_lat, n_lon, n_alt)
    ln_maps : (n_lat * n_lon * n_alt, 4) float32: ln w_p, ln w_e, ln w_h [ln rad/s],
        ln F(>10 MeV) [ln cm^-2 s^-1], rows in C order of (lat, lon, alt)
    depth_mm : (n_depth,) depths of the depth curves [mm]
    ln_c : (3, n_depth) ln c(x) of p, e, h [-]
    """

    lat0: float
    dlat: float
    lon0: float
    dlon: float
    alt0: float
    dalt: float
    shape: tuple[int, int, int]
    ln_maps: np.ndarray
    depth_mm: np.ndarray
    ln_c: np.ndarray


@lru_cache(maxsize=1)
def load_grid() -> TrappedGrid:
    """The shipped grid, read once per process."""
    with resources.files("orbitcloud.data").joinpath(GRID_FILE).open("rb") as f:
        z = np.load(f)
        lat, lon, alt = z["lat_deg"], z["lon_deg"], z["alt_km"] * 1000.0
        step = float(z["ln_step"])
        maps = [z[f"ln_w_{k}"] for k in COMPONENTS] + [z["ln_f10_p"]]
        ln_maps = np.stack([m.astype(np.float32) * np.float32(step) for m in maps], -1)
        ln_c = np.stack([z[f"ln_c_{k}"] for k in COMPONENTS])
        depth = np.asarray(z["depth_mm"], dtype=float)
    return TrappedGrid(
        float(lat[0]), float(lat[1] - lat[0]), float(lon[0]), float(lon[1] - lon[0]),
        float(alt[0]), float(alt[1] - alt[0]), (len(lat), len(lon), len(alt)),
        np.ascontiguousarray(ln_maps.reshape(-1, 4)), depth, ln_c,
    )  # fmt: skip


def _stencil(
    g: TrappedGrid, lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat index of the lower corner and the three fractional offsets of each position."""
    n_lat, n_lon, n_alt = g.shape
    fi = np.clip((np.degrees(lat_rad) - g.lat0) * (1.0 / g.dlat), 0.0, n_lat - 1.000001)
    lon_deg = np.degrees(lon_rad)
    lon_deg = np.where(lon_deg >= 180.0, lon_deg - 360.0, lon_deg)
    lon_deg = np.where(lon_deg < -180.0, lon_deg + 360.0, lon_deg)
    fj = np.clip((lon_deg - g.lon0) * (1.0 / g.dlon), 0.0, n_lon - 1.000001)
    fk = np.clip((np.asarray(alt_m) - g.alt0) * (1.0 / g.dalt), 0.0, n_alt - 1.000001)
    i, j, k = fi.astype(np.intp), fj.astype(np.intp), fk.astype(np.intp)
    flat = (i * n_lon + j) * n_alt + k
    return flat, fi - i, fj - j, fk - k


def ln_maps_at(lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: np.ndarray | float) -> np.ndarray:
    """The four ln maps at each position, trilinear, shape (..., 4) [ln rad/s, ln cm^-2 s^-1].

    Parameters
    ----------
    lat_rad, lon_rad : geodetic latitude and longitude [rad], any shape (NaN-free)
    alt_m : height above the WGS-84 ellipsoid [m], broadcastable to them

    References
    ----------
    Module docstring.
    """
    g = load_grid()
    lat, lon, alt = np.broadcast_arrays(lat_rad, lon_rad, alt_m)
    flat, a, b, c = _stencil(g, lat, lon, alt)
    n_lon, n_alt = g.shape[1], g.shape[2]
    m = g.ln_maps
    a, b, c = (x[..., None].astype(np.float32) for x in (a, b, c))
    out = None
    for di, wa in ((0, 1.0 - a), (n_lon * n_alt, a)):
        inner = None
        for dj, wb in ((0, 1.0 - b), (n_alt, b)):
            base = flat + (di + dj)
            v = m[base] * (1.0 - c) + m[base + 1] * c
            inner = v * wb if inner is None else inner + v * wb
        assert inner is not None
        out = inner * wa if out is None else out + inner * wa
    assert out is not None
    return out


@lru_cache(maxsize=8)
def _plane(alt_m: float) -> np.ndarray:
    """(n_lat, n_lon, 4) ln maps at one altitude (linear between the two nearest planes)."""
    g = load_grid()
    m = g.ln_maps.reshape(*g.shape, 4)
    fk = min(max((alt_m - g.alt0) / g.dalt, 0.0), g.shape[2] - 1.000001)
    k = int(fk)
    return m[:, :, k] * np.float32(1.0 - (fk - k)) + m[:, :, k + 1] * np.float32(fk - k)


def ln_maps_at_altitude(lat_rad: np.ndarray, lon_rad: np.ndarray, alt_m: float) -> np.ndarray:
    """:func:`ln_maps_at` at one altitude for every position (bilinear on a cached plane; the
    same numbers as :func:`ln_maps_at` up to float32 rounding), shape (..., 4)."""
    g = load_grid()
    plane = _plane(float(alt_m)).reshape(-1, 4)
    flat, a, b, _ = _stencil(g, lat_rad, lon_rad, np.zeros(np.shape(lat_rad)))
    n_lon, n_alt = g.shape[1], g.shape[2]
    flat = flat // n_alt
    a, b = a[..., None].astype(np.float32), b[..., None].astype(np.float32)
    lo = plane[flat] * (1.0 - b) + plane[flat + 1] * b
    hi = plane[flat + n_lon] * (1.0 - b) + plane[flat + n_lon + 1] * b
    return lo * (1.0 - a) + hi * a


def depth_curves(shield_mm: np.ndarray | float) -> np.ndarray:
    """c(x) of the three components behind ``shield_mm`` of Al, shape (3, ...) [-].

    ln c is interpolated linearly in depth; beyond the last tabulated depth (50 mm) it is
    extended along the last slope, below the first (0.05 mm) held.

    References
    ----------
    Module docstring; :mod:`orbitcloud.environment.dose_depth`.
    """
    g = load_grid()
    x = np.asarray(shield_mm, dtype=float)
    d = g.depth_mm
    out = []
    for ln in g.ln_c:
        inside = np.interp(np.clip(x, d[0], d[-1]), d, ln)
        slope = (ln[-1] - ln[-2]) / (d[-1] - d[-2])
        out.append(np.exp(np.where(x > d[-1], ln[-1] + slope * (x - d[-1]), inside)))
    return np.stack(out)
