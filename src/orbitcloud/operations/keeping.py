"""Orbit keeping over a run: drag accumulated step by step, then each satellite's yearly cost.

:func:`advance` is the per-chunk step: it takes the states and the air density of a span of
steps and adds each satellite's drag, density, altitude, decay rate and area in the flow to
running sums (:class:`DragState`). Sums are added one step at a time, in time order, so a run
cut into chunks anywhere gives bit-identical sums. :func:`keeping_results` turns the sums into
the per-satellite figures of the ``orbit_keeping`` table: station-keeping delta-v, propellant,
thruster duty, reboost interval and lifetime without propellant (docs/models-orbit.md).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from orbitcloud.environment.atmosphere import global_mean_density_kg_m3
from orbitcloud.operations import drag, stationkeeping
from orbitcloud.operations.body import Bodies
from orbitcloud.operations.summary import round_sig, stats

__all__ = [
    "DragDrivers",
    "DragOutputs",
    "DragState",
    "KeepingResults",
    "advance",
    "keeping_results",
    "keeping_summary",
    "lifetime_without_propellant_s",
    "orbit_keeping_columns",
    "running_sum",
]

_DAY_S = 86400.0


def running_sum(total: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``total + x[0] + x[1] + ...`` added in this order, so the result of two spans added one
    after the other is bit-identical to that of the joined span.

    Parameters
    ----------
    total : (n,) running sum so far
    x : (n_t, n) values to add, in time order

    Returns
    -------
    (n,) new running sum (a new array)
    """
    out = np.array(total, dtype=float)
    if len(x) == 0:
        return out
    if x.ndim == 2 and x.shape[1] >= 64:  # wide rows: in place, row by row (fastest)
        for row in x:
            out += row
        return out
    acc = np.array(x, dtype=float)  # many short rows: an accumulation, sequential by definition
    acc[0] += out
    return np.cumsum(acc, axis=0)[-1]


@dataclass(frozen=True)
class DragState:
    """Running sums over the valid steps of each satellite, (n_sat,) arrays."""

    n_valid: np.ndarray
    """int64 number of valid steps"""
    sum_area_m2: np.ndarray
    sum_drag_m_s2: np.ndarray
    sum_density_kg_m3: np.ndarray
    sum_altitude_m: np.ndarray
    sum_decay_m_s: np.ndarray
    """sum of da/dt (negative) [m/s]"""
    max_drag_m_s2: np.ndarray

    @staticmethod
    def zeros(n_sat: int) -> DragState:
        z = [np.zeros(n_sat) for _ in range(6)]
        return DragState(np.zeros(n_sat, dtype=np.int64), *z)


@dataclass(frozen=True)
class DragDrivers:
    """What drives drag over a span of steps."""

    r_m: np.ndarray
    """(n_t, n_sat, 3) TEME position [m]"""
    v_m_s: np.ndarray
    """(n_t, n_sat, 3) TEME velocity [m/s]"""
    sun_m: np.ndarray
    """(n_t, 3) Sun position in TEME [m]"""
    altitude_m: np.ndarray
    """(n_t, n_sat) geodetic altitude [m]"""
    valid: np.ndarray
    """(n_t, n_sat) bool: the state is valid"""
    density_kg_m3: np.ndarray
    """(n_t, n_sat) air density [kg/m^3]"""

    def steps(self, a: int, b: int) -> DragDrivers:
        """Steps a..b-1 of the span."""
        return DragDrivers(*(getattr(self, f.name)[a:b] for f in fields(self)))


@dataclass(frozen=True)
class DragOutputs:
    """Per step and satellite of the span, (n_t, n_sat)."""

    area_m2: np.ndarray
    bc_kg_m2: np.ndarray
    drag_m_s2: np.ndarray
    decay_m_s: np.ndarray
    ok: np.ndarray
    """valid state and finite drag: the steps that count"""


def advance(
    state: DragState, drivers: DragDrivers, bodies: Bodies
) -> tuple[DragState, DragOutputs]:
    """Drag of every satellite over a span of steps, added to the running sums.

    Parameters
    ----------
    state : sums so far
    drivers : states and density of the span
    bodies : mass, drag coefficient, fixed BC or attitude-dependent area of every satellite

    Returns
    -------
    (new state, per-step drag). The drag is :func:`drag.drag_acceleration_m_s2` at the speed
    relative to the co-rotating atmosphere, with BC = m / (Cd A) from the area in the flow
    (:func:`drag.drag_area_m2`) where no BC is fixed; the decay is
    :func:`drag.decay_rate_circular_m_s` at the radius |r|.

    References
    ----------
    Vallado (2013), sec. 8.6.2 and 9.6 (via :mod:`orbitcloud.operations.drag`).
    """
    r, v = drivers.r_m, drivers.v_m_s
    rho = drivers.density_kg_m3
    vrel = drag.velocity_relative_atmosphere_m_s(r, v)
    speed = np.linalg.norm(vrel, axis=-1)
    area = drag.drag_area_m2(bodies.fixed_area_m2, bodies.array_area_m2, bodies.attitude,
                             r, v, drivers.sun_m, vrel)  # fmt: skip
    fixed = np.isfinite(bodies.bc_fixed_kg_m2)
    with np.errstate(divide="ignore"):
        bc = np.where(
            fixed, bodies.bc_fixed_kg_m2, bodies.mass_kg / (bodies.drag_coefficient * area)
        )
    acc = drag.drag_acceleration_m_s2(rho, speed, bc)
    decay = drag.decay_rate_circular_m_s(rho, np.linalg.norm(r, axis=-1), bc)
    ok = drivers.valid & np.isfinite(acc)
    s = state
    new = DragState(
        s.n_valid + ok.sum(axis=0),
        running_sum(s.sum_area_m2, np.where(ok, area, 0.0)),
        running_sum(s.sum_drag_m_s2, np.where(ok, acc, 0.0)),
        running_sum(s.sum_density_kg_m3, np.where(ok, rho, 0.0)),
        running_sum(s.sum_altitude_m, np.where(ok, drivers.altitude_m, 0.0)),
        running_sum(s.sum_decay_m_s, np.where(ok, decay, 0.0)),
        np.maximum(s.max_drag_m_s2, np.where(ok, acc, 0.0).max(axis=0, initial=0.0)),
    )
    return new, DragOutputs(area, bc, acc, decay, ok)


@functools.lru_cache(maxsize=16)
def _mean_density_profile(alts_km: tuple[float, ...], f107: float, f107a: float, ap: float):
    # memo of a pure function: a sweep asks for the same profile once per point
    return np.asarray(global_mean_density_kg_m3(np.array(alts_km), f107, f107a, ap), dtype=float)


def lifetime_without_propellant_s(
    mean_altitude_m: np.ndarray,
    bc_kg_m2: np.ndarray,
    reentry_altitude_km: float,
    f107: float,
    f107a: float,
    ap: float,
) -> np.ndarray:
    """Time to decay uncontrolled from the mean altitude to re-entry, in the global-mean
    atmosphere of fixed space weather.

    The NRLMSIS 2.1 global mean density on a 25 km altitude grid from the re-entry altitude to
    25-50 km above the highest satellite (at most 3,000 km) feeds
    :func:`drag.lifetime_circular_s`.

    Parameters
    ----------
    mean_altitude_m : (n_sat,) mean altitude over the run [m] (NaN: no valid step)
    bc_kg_m2 : (n_sat,) ballistic coefficient [kg/m^2]
    reentry_altitude_km : altitude counted as re-entry [km]
    f107, f107a, ap : daily and 81-day F10.7 [sfu], daily Ap [-]

    Returns
    -------
    (n_sat,) lifetime [s] (NaN where the altitude is unknown)

    References
    ----------
    King-Hele (1987), ch. 4; Vallado (2013), sec. 9.6 (via :func:`drag.lifetime_circular_s`).
    """
    end_km = reentry_altitude_km
    top = np.nanmax(mean_altitude_m, initial=end_km * 1000.0) / 1000.0
    top_km = min(max(top + 25.0, end_km + 50.0), 3000.0)
    alts = tuple(np.round(np.arange(end_km, top_km + 25.0, 25.0), 3).tolist())
    rho = _mean_density_profile(alts, f107, f107a, ap)
    return drag.lifetime_circular_s(
        mean_altitude_m, bc_kg_m2, np.array(alts) * 1000.0, rho, end_km * 1000.0
    )


@dataclass(frozen=True)
class KeepingResults:
    """Per-satellite orbit keeping over the run, (n_sat,) arrays (NaN: no valid step)."""

    bc_kg_m2: np.ndarray
    """fixed BC, or m / (Cd <A>) with the run-mean area"""
    mean_area_m2: np.ndarray
    mean_altitude_m: np.ndarray
    mean_density_kg_m3: np.ndarray
    mean_drag_m_s2: np.ndarray
    max_drag_m_s2: np.ndarray
    decay_m_s: np.ndarray
    """mean da/dt (negative) [m/s]"""
    dv_m_s_per_year: np.ndarray
    propellant_kg_per_year: np.ndarray
    thruster_duty: np.ndarray
    """burn time / time [-]; > 1: the thruster cannot keep up"""
    reboost_interval_s: np.ndarray
    lifetime_s: np.ndarray


def keeping_results(
    state: DragState,
    bodies: Bodies,
    isp_s: float,
    thrust_n: float,
    altitude_band_m: float,
    reentry_altitude_km: float,
    space_weather: tuple[float, float, float],
) -> KeepingResults:
    """Station keeping and lifetime of every satellite from the run's drag sums.

    Parameters
    ----------
    state : drag sums of the whole run
    bodies : the satellites' bodies
    isp_s : thruster specific impulse [s]
    thrust_n : thruster thrust [N]
    altitude_band_m : allowed altitude band (reboost when decayed through it) [m]
    reentry_altitude_km : re-entry altitude of the lifetime [km]
    space_weather : (F10.7 [sfu], F10.7a [sfu], Ap [-]) of the lifetime's atmosphere

    Returns
    -------
    :class:`KeepingResults`: drag-makeup delta-v = mean drag x Julian year, propellant
    (Tsiolkovsky), duty, reboost interval, lifetime (:func:`lifetime_without_propellant_s`)

    References
    ----------
    Wertz & Larson (1999), SMAD sec. 7.4; :mod:`orbitcloud.operations.stationkeeping`.
    """
    s = state
    cnt = np.maximum(s.n_valid, 1)
    seen = s.n_valid > 0

    def mean(x: np.ndarray) -> np.ndarray:
        return np.where(seen, x / cnt, np.nan)

    mean_area = mean(s.sum_area_m2)
    mean_alt = mean(s.sum_altitude_m)
    mean_drag = mean(s.sum_drag_m_s2)
    decay = mean(s.sum_decay_m_s)
    with np.errstate(divide="ignore", invalid="ignore"):
        bc = np.where(np.isfinite(bodies.bc_fixed_kg_m2), bodies.bc_fixed_kg_m2,
                      bodies.mass_kg / (bodies.drag_coefficient * mean_area))  # fmt: skip
    year = stationkeeping.JULIAN_YEAR_S
    dv_year = mean_drag * year
    return KeepingResults(
        bc,
        mean_area,
        mean_alt,
        mean(s.sum_density_kg_m3),
        mean_drag,
        np.where(seen, s.max_drag_m_s2, np.nan),
        decay,
        dv_year,
        stationkeeping.propellant_mass_kg(dv_year, bodies.mass_kg, isp_s),
        stationkeeping.burn_time_s(dv_year, bodies.mass_kg, thrust_n) / year,
        stationkeeping.reboost_interval_s(altitude_band_m, decay),
        lifetime_without_propellant_s(mean_alt, bc, reentry_altitude_km, *space_weather),
    )


def orbit_keeping_columns(
    res: KeepingResults,
    bodies: Bodies,
    formation_dv_m_s_per_year: np.ndarray,
    conjunctions: np.ndarray,
    avoidance_dv_m_s: np.ndarray,
    years: float,
) -> dict[str, np.ndarray]:
    """The per-satellite columns of the ``orbit_keeping`` table, in the units of their names.

    Parameters
    ----------
    res : :func:`keeping_results`
    bodies : the satellites' bodies
    formation_dv_m_s_per_year : (n_sat,) formation-keeping delta-v (NaN: not a member) [m/s/yr]
    conjunctions : (n_sat,) close approaches each satellite took part in
    avoidance_dv_m_s : (n_sat,) avoidance delta-v over the run [m/s]
    years : run length [Julian years]

    Returns
    -------
    dict of (n_sat,) arrays (``sat`` and ``conjunctions`` int32, the rest float; NaN: unknown)
    """
    n = len(bodies.mass_kg)
    year = stationkeeping.JULIAN_YEAR_S
    return {
        "sat": np.arange(n, dtype=np.int32),
        "ballistic_coefficient_kg_m2": res.bc_kg_m2,
        "mass_kg": bodies.mass_kg,
        "mean_drag_area_m2": np.where(np.isfinite(bodies.bc_fixed_kg_m2), np.nan, res.mean_area_m2),
        "mean_altitude_km": res.mean_altitude_m / 1000.0,
        "mean_density_kg_m3": res.mean_density_kg_m3,
        "mean_drag_m_s2": res.mean_drag_m_s2,
        "max_drag_m_s2": res.max_drag_m_s2,
        "decay_m_per_day": -res.decay_m_s * _DAY_S,
        "stationkeeping_dv_m_s_per_year": res.dv_m_s_per_year,
        "propellant_kg_per_year": res.propellant_kg_per_year,
        "thruster_duty": res.thruster_duty,
        "reboost_interval_days": res.reboost_interval_s / _DAY_S,
        "lifetime_years": res.lifetime_s / year,
        "formation_dv_m_s_per_year": formation_dv_m_s_per_year,
        "conjunctions": conjunctions.astype(np.int32),
        "avoidance_dv_m_s_per_year": (
            avoidance_dv_m_s / years if years > 0 else np.full(n, np.nan)
        ),
    }


def keeping_summary(res: KeepingResults, reentry_altitude_km: float) -> dict[str, Any]:
    """Distribution over the satellites of each orbit-keeping figure (rounded, for the summary)."""
    year = stationkeeping.JULIAN_YEAR_S
    return {
        "ballistic_coefficient_kg_m2": stats(res.bc_kg_m2),
        "stationkeeping_dv_m_s_per_year": stats(res.dv_m_s_per_year),
        "propellant_kg_per_year": stats(res.propellant_kg_per_year),
        "propellant_kg_per_year_total": round_sig(np.nansum(res.propellant_kg_per_year)),
        "decay_m_per_day": stats(-res.decay_m_s * _DAY_S),
        "lifetime_years": stats(res.lifetime_s / year),
        "reentry_altitude_km": reentry_altitude_km,
        "thruster_duty": stats(res.thruster_duty),
        "reboost_interval_days": stats(res.reboost_interval_s / _DAY_S),
    }
