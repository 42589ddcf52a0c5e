"""Space weather over a run: density with storm windows, radiation multipliers, one method choice.

The environment of a run is evaluated once, by one path, for every model that needs it
(spacecraft power and dose, orbit keeping): NRLMSIS 2.1 density along the orbits -- from a
time series of 3-hourly ap and daily F10.7 (:mod:`orbitcloud.environment.indices`) when the
scenario gives one, else with the daily ``ap`` outside storm windows and each storm's ``ap``
inside its window, optionally with a storm enhancement -- and the
trapped-particle weights and storm multipliers of :mod:`orbitcloud.environment.radiation`.

Choices that change numbers (grid or direct NRLMSIS evaluation) are made once per run from the
run's size (:func:`atmosphere_method_for_run`), never per chunk, so the answer does not depend on
how the run is sliced (shared/PITFALLS.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from orbitcloud.environment import atmosphere, radiation
from orbitcloud.environment.indices import IndexSeries
from orbitcloud.scenario.environment import SpaceWeatherTable
from orbitcloud.scenario.errors import OrbitcloudInputError


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
    series : optional index time series (3-hourly ap, daily F10.7, F10.7a) for the density;
        when given it replaces ``f107``, ``f107a``, ``ap`` and storm ``ap`` windows in NRLMSIS
    storm_density_factor : k of the optional storm enhancement (1: NRLMSIS as it is), see
        :func:`enhance_storm_density`
    quiet_ap : the quiet ap of that enhancement's baseline [-]
    """

    f107: float
    f107a: float
    ap: float
    radiation_multiplier: float
    storms: tuple[StormWindow, ...]
    method: Literal["grid", "direct"]
    series: IndexSeries | None = None
    storm_density_factor: float = 1.0
    quiet_ap: float = 4.0
    _caches: dict = field(default_factory=dict, repr=False)


def series_for_run(
    table: SpaceWeatherTable, storm_time: bool, start_s: float, end_s: float
) -> IndexSeries:
    """The index series of a space-weather table, checked to cover the run.

    Every step in ``[start_s, end_s]`` needs every NRLMSIS input (57 h of ap history, the
    previous day's F10.7, the day's F10.7a).

    Raises
    ------
    OrbitcloudInputError
        Naming the table, the span it covers and the span the run needs.
    """
    series = IndexSeries.from_days(
        table.day0_unix_s, table.ap, table.f107, table.daily_ap, table.f107a, storm_time
    )
    lo, hi = series.valid_span_s()
    if not (np.isfinite(lo) and lo <= start_s and end_s < hi):

        def utc(x: float) -> str:
            return str(np.datetime64(int(np.floor(x)), "s")) + "Z"

        has = f"gives every input from {utc(lo)} to {utc(hi)}" if np.isfinite(lo) else (
            "gives no time with every input"
        )  # fmt: skip
        raise OrbitcloudInputError(
            f"the space-weather table {has}; the run needs {utc(start_s)} to {utc(end_s)}. "
            "A table must begin 57 h before the run (the 3-hourly ap history) and a day before "
            "it (the previous day's F10.7), last to its end, and, without an f107a column, "
            "reach 40 days either side (the 81-day mean)",
            table.source,
        )
    return series


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
    """NRLMSIS 2.1 density (n_t, n_sat) [kg/m^3] of the run's space weather.

    With a time series (``sw.series``) every step gets the F10.7, F10.7a and ap array of its own
    time (storm-time ap mode); else the constant ``f107``, ``f107a``, ``ap``, with each storm's
    ``ap`` inside its window. With ``storm_density_factor`` k != 1 the result is
    :func:`enhance_storm_density` of it.

    Parameters
    ----------
    sw : the run's space weather (its caches are updated: call in time order)
    unix_s : (n_t,) UTC [s since 1970]
    lat_rad, lon_rad, alt_m : (n_t, n_sat) geodetic position [rad, rad, m]; non-finite gives NaN

    Returns
    -------
    (n_t, n_sat) mass density [kg/m^3]

    Notes
    -----
    Each space weather keeps its own grid cache (a cached density slab belongs to one).

    References
    ----------
    Emmert et al. (2022), NRLMSIS 2.1, doi:10.1029/2022JA030896, via pymsis; the ap array as in
    Picone et al. (2002), doi:10.1029/2002JA009430 (see :mod:`orbitcloud.environment.indices`).
    """
    lat_deg, lon_deg, alt_km = np.degrees(lat_rad), np.degrees(lon_rad), alt_m / 1000.0
    rho = _msis(sw, sw.series, sw.ap, unix_s, lat_deg, lon_deg, alt_km, "run")
    if sw.series is None:
        for s in sw.storms:
            if s.ap is None:
                continue
            on = (unix_s >= s.start_s) & (unix_s < s.end_s)
            if on.any():
                rho[on] = _msis(
                    sw, None, s.ap, unix_s[on], lat_deg[on], lon_deg[on], alt_km[on], "storm"
                )
    if sw.storm_density_factor != 1.0:
        quiet = None if sw.series is None else _quiet_series(sw.series, sw.quiet_ap)
        rho_q = _msis(sw, quiet, sw.quiet_ap, unix_s, lat_deg, lon_deg, alt_km, "quiet")
        rho = enhance_storm_density(rho, rho_q, sw.storm_density_factor)
    return rho


def _msis(
    sw: SpaceWeather,
    series: IndexSeries | None,
    ap: float,
    unix_s: np.ndarray,
    lat_deg: np.ndarray,
    lon_deg: np.ndarray,
    alt_km: np.ndarray,
    role: str,
) -> np.ndarray:
    key = (role, "series") if series is not None else ("ap", float(ap))
    return atmosphere.density_kg_m3(
        unix_s, lat_deg, lon_deg, alt_km, sw.f107, sw.f107a, ap,
        method=sw.method, grid_cache=sw._caches.setdefault(key, {}), drivers=series,
    )  # fmt: skip


def _quiet_series(series: IndexSeries, quiet_ap: float) -> IndexSeries:
    """The series with every ap at ``quiet_ap`` (daily mode): the enhancement's baseline."""
    q = float(quiet_ap)
    return replace(
        series,
        ap3=np.full_like(series.ap3, q),
        daily_ap=np.full_like(series.daily_ap, q),
        storm_time=False,
    )


STORM_DENSITY_FACTOR_KATAOKA_2022 = 2.0
"""k that takes NRLMSIS 2.0's storm density increase at ~200 km for 3-4 February 2022 (less
than 25 %) to the up-to-50 % of the real-time GAIA simulation and of the drag SpaceX reported
from on-board GPS: Kataoka, R. et al. (2022), Unexpected space weather causing the reentry of 38
Starlink satellites in February 2022, J. Space Weather Space Clim. 12, 41,
doi:10.1051/swsc/2022034 (abstract and sec. 4)."""


def enhance_storm_density(rho: np.ndarray, rho_quiet: np.ndarray, k: float) -> np.ndarray:
    """Optional storm enhancement: the increase over a quiet baseline, scaled by ``k``.

    rho' = rho_q (1 + k (rho / rho_q - 1)), rho_q the NRLMSIS density with quiet ap (same
    F10.7, F10.7a, time and place). k = 1 is NRLMSIS unchanged; k = 2
    (:data:`STORM_DENSITY_FACTOR_KATAOKA_2022`) doubles the storm-time increase, as the
    comparison of NRLMSIS 2.0 with the GAIA simulation and the observed drag in February 2022
    suggests (Kataoka et al. 2022). It is one event's ratio, not a validated model: the
    shortfall of empirical models grows with storm strength and varies with latitude and local
    time (Kataoka et al. 2022; Dang, T. et al. 2022, Space Weather, doi:10.1029/2022SW003152:
    about +20-30 % at 210 km in a solar-wind-driven model, regionally over +60 %).
    Never below ``rho_q`` times 0.1 (a quiet-side ratio times k stays physical).

    Parameters
    ----------
    rho : NRLMSIS density [kg/m^3]
    rho_quiet : NRLMSIS density with quiet ap at the same points [kg/m^3]
    k : enhancement factor [-]

    Returns
    -------
    enhanced density, the shape of ``rho`` [kg/m^3]
    """
    ratio = 1.0 + k * (rho / rho_quiet - 1.0)
    return rho_quiet * np.maximum(ratio, 0.1)


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
    ``valid``, and the SAA flag (n_t, n_sat) bool at each satellite's altitude, from
    :func:`radiation.radiation_weights_and_saa` (sources there); ``r_itrf_m`` is unused.

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
        weights, saa = radiation.radiation_weights_and_saa(lat, lon, m(alt_m[sl], 550e3))
        for out, w in zip(w_all, weights, strict=True):
            out[sl] = m(w, 0.0)
        saa_all[sl] = saa & ok
    return w_all, saa_all
