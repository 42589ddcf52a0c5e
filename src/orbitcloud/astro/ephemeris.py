"""Geometry ahead of the time loop, in time chunks: positions, frames, geodetic, Sun, eclipse.

Geometry does not depend on what the satellites do, so it is computed in chunks of time steps
(bounded memory: a month at 60 s streams through) and consumed chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sgp4.api import SatrecArray

from orbitcloud.astro.eclipse import sunlit_fraction
from orbitcloud.astro.elements import SatelliteSet
from orbitcloud.astro.frames import itrf_to_geodetic, position_teme_to_itrf
from orbitcloud.astro.propagate import propagate_teme
from orbitcloud.astro.sun import sun_position_teme
from orbitcloud.astro.timescales import TimeGrid, gmst82_rad, jd_tt

DEFAULT_CHUNK_SAT_STEPS = 1_000_000
"""Satellite-steps per chunk: about 130 MB of arrays per chunk (bench/bench_geometry.py)."""


@dataclass
class EphemerisChunk:
    """Geometry of steps ``k0 .. k1-1`` for all satellites (see the astro package docstring)."""

    k0: int
    k1: int
    jd: np.ndarray
    fr: np.ndarray
    gmst_rad: np.ndarray
    r_teme: np.ndarray
    v_teme: np.ndarray
    r_itrf: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    sunlit: np.ndarray
    sun_teme: np.ndarray
    sun_itrf: np.ndarray
    error: np.ndarray

    @property
    def n_time(self) -> int:
        return self.k1 - self.k0

    @property
    def valid(self) -> np.ndarray:
        return self.error == 0


def chunk_steps_for(n_sat: int, n_steps: int, budget: int = DEFAULT_CHUNK_SAT_STEPS) -> int:
    """Steps per chunk so that one chunk holds about ``budget`` satellite-steps."""
    return int(max(1, min(n_steps, budget // max(n_sat, 1))))


def compute_chunk(
    sat_array: SatrecArray,
    grid: TimeGrid,
    k0: int,
    k1: int,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
) -> EphemerisChunk:
    """All geometry for steps k0..k1-1: SGP4, TEME->ITRF, geodetic, Sun and sunlit fraction."""
    jd, fr = grid.jd_utc(k0, k1)
    r_teme, v_teme, err = propagate_teme(sat_array, jd, fr)
    gmst, _ = gmst82_rad(jd, fr + grid.ut1_utc_s / 86400.0)
    r_itrf = position_teme_to_itrf(r_teme, gmst, xp_arcsec, yp_arcsec)
    lat, lon, alt = itrf_to_geodetic(r_itrf)
    jt, ft = jd_tt(jd, fr)
    sun_teme = sun_position_teme(jt, ft)
    sun_itrf = position_teme_to_itrf(sun_teme, gmst, xp_arcsec, yp_arcsec)
    sunlit = sunlit_fraction(r_itrf, sun_itrf)
    return EphemerisChunk(
        k0, k1, jd, fr, gmst, r_teme, v_teme, r_itrf, lat, lon, alt, sunlit, sun_teme,
        sun_itrf, err,
    )  # fmt: skip


def iter_ephemeris(
    sats: SatelliteSet,
    grid: TimeGrid,
    chunk_steps: int | None = None,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
) -> Iterator[EphemerisChunk]:
    """Yield the geometry of the whole run chunk by chunk, in time order."""
    sat_array = SatrecArray(sats.satrecs)
    step = chunk_steps or chunk_steps_for(len(sats), grid.n)
    for k0 in range(0, grid.n, step):
        yield compute_chunk(sat_array, grid, k0, min(grid.n, k0 + step), xp_arcsec, yp_arcsec)
