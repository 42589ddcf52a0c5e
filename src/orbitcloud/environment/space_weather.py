"""Space weather over a run: density with storm windows, radiation multipliers, one method choice.

The environment of a run is evaluated once, by one path, for every model that needs it
(spacecraft power and dose, orbit keeping): NRLMSIS 2.1 density along the orbits with the
daily ``ap`` outside storm windows and each storm's ``ap`` inside its window, and the
trapped-particle weights and storm multipliers of :mod:`orbitcloud.environment.radiation`.

Choices that change numbers (grid or direct NRLMSIS evaluation) are made once per run from the
run's size (:func:`atmosphere_method_for_run`), never per chunk, so the answer does not depend on
how the run is sliced (shared/PITFALLS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from orbitcloud.environment import atmosphere, radiation


@dataclass(frozen=True)
class StormWindow:
    """A storm window ``[start_s, end_s)`` [UTC s since 1970] and its effects."""

    start_s: float
    end_s: float
    electron_multiplier: float = 1.0
    proton_multiplier: float = 1.0
    ap: float | None = None


@dataclass
class SpaceWeather:
    """The run's space weather (constant apart from storm windows) and its NRLMSIS caches.

    Attributes
    ----------
    f107, f107a : daily and 81-day mean F10.7 [sfu]
    ap : daily Ap outside storms [-]
    radiation_multiplier : scales every dose rate [-]
    storms : storm windows in time order
    method : "grid" or "direct" for the whole run (see :func:`atmosphere_method_for_run`)
    """

    f107: float
    f107a: float
    ap: float
    radiation_multiplier: float
    storms: tuple[StormWindow, ...]
    method: Literal["grid", "direct"]
    _caches: dict[float, dict] = field(default_factory=dict, repr=False)


def atmosphere_method_for_run(
    requested: str, n_sat: int, n_steps: int,
    direct_max_points: int = atmosphere.DIRECT_MAX_POINTS,
) -> Literal["grid", "direct"]:  # fmt: skip
    """The NRLMSIS evaluation of a whole run: ``requested`` unless "auto", which takes "direct"
    when the whole run has at most ``direct_max_points`` satellite-steps, else "grid".

    Decided once per run (not per chunk, as :func:`atmosphere.density_kg_m3`'s own "auto"
    would), so a run's densities do not depend on its chunk size.
    """
    if requested in ("grid", "direct"):
        return requested  # type: ignore[return-value]
    if requested != "auto":
        raise ValueError(f"atmosphere method must be 'auto', 'grid' or 'direct', not {requested!r}")
    return "direct" if n_sat * n_steps <= direct_max_points else "grid"


def density_kg_m3(
    sw: SpaceWeather,
    unix_s: np.ndarray,
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    alt_m: np.ndarray,
) -> np.ndarray:
    """NRLMSIS 2.1 density (n_t, n_sat) [kg/m^3] with the storm ``ap`` inside storm windows.

    Parameters
    ----------
    sw : the run's space weather (its caches are updated: call in time order)
    unix_s : (n_t,) UTC [s since 1970]
    lat_rad, lon_rad, alt_m : (n_t, n_sat) geodetic position [rad, rad, m]; non-finite gives NaN

    Notes
    -----
    Each ``ap`` keeps its own grid cache (a cached density slab belongs to one ``ap``).
    Source: Emmert et al. (2022), NRLMSIS 2.1, doi:10.1029/2022JA030896, via pymsis; daily Ap
    as NRLMSIS's storm-time input (its 3-hourly history is not used: see docs/models.md).
    """
    lat_deg, lon_deg, alt_km = np.degrees(lat_rad), np.degrees(lon_rad), alt_m / 1000.0
    rho = atmosphere.density_kg_m3(
        unix_s, lat_deg, lon_deg, alt_km, sw.f107, sw.f107a, sw.ap,
        method=sw.method, grid_cache=sw._caches.setdefault(sw.ap, {}),
    )  # fmt: skip
    for s in sw.storms:
        if s.ap is None:
            continue
        on = (unix_s >= s.start_s) & (unix_s < s.end_s)
        if on.any():
            rho[on] = atmosphere.density_kg_m3(
                unix_s[on], lat_deg[on], lon_deg[on], alt_km[on], sw.f107, sw.f107a, s.ap,
                method=sw.method, grid_cache=sw._caches.setdefault(s.ap, {}),
            )  # fmt: skip
    return rho


def radiation_multipliers(sw: SpaceWeather, unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Electron and proton dose multipliers per step (n_t,), (n_t,) [-]: the daily ``ap``'s
    horn-electron enhancement (:func:`radiation.electron_storm_multiplier`) times the
    environment's ``radiation_multiplier``, times each storm's multipliers inside its window."""
    n_t = len(unix_s)
    m_e = np.full(n_t, radiation.electron_storm_multiplier(sw.ap) * sw.radiation_multiplier)
    m_p = np.full(n_t, sw.radiation_multiplier)
    for s in sw.storms:
        on = (unix_s >= s.start_s) & (unix_s < s.end_s)
        m_e[on] *= s.electron_multiplier
        m_p[on] *= s.proton_multiplier
    return m_e, m_p


_BLOCK_ELEMENTS = 65_536
"""Satellite-steps per block of the elementwise radiation chain: its temporaries stay in cache
(about 1.3x faster than whole chunks on the catalogue; bench/bench_spacecraft.py)."""


def radiation_environment(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    alt_m: np.ndarray,
    r_itrf_m: np.ndarray,
    valid: np.ndarray,
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Trapped-particle weights (proton, electron, horn), each (n_t, n_sat), 0 where not
    ``valid``, and the SAA flag (n_t, n_sat) bool, from
    :func:`radiation.radiation_weights` and :func:`radiation.in_saa` (sources there).

    Elementwise, so computed in blocks of rows (the same numbers as in one piece)."""
    n_t, n = valid.shape
    w_all = (np.empty((n_t, n)), np.empty((n_t, n)), np.empty((n_t, n)))
    saa_all = np.empty((n_t, n), dtype=bool)
    rows = max(1, _BLOCK_ELEMENTS // max(n, 1))
    for r0 in range(0, n_t, rows):
        sl = slice(r0, min(n_t, r0 + rows))
        ok = valid[sl]
        allv = bool(ok.all())

        def m(x: np.ndarray, fill: float, ok: np.ndarray = ok, allv: bool = allv) -> np.ndarray:
            return x if allv else np.where(ok, x, fill)

        lat, lon = m(lat_rad[sl], 0.0), m(lon_rad[sl], 0.0)
        weights = radiation.radiation_weights(lat, lon, m(alt_m[sl], 550e3), r_itrf_m[sl])
        for out, w in zip(w_all, weights, strict=True):
            out[sl] = m(w, 0.0)
        saa_all[sl] = radiation.in_saa(lat, lon) & ok
    return w_all, saa_all
