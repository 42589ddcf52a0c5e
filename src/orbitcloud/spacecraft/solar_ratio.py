"""Space/ground solar energy ratio: a year in orbit against pvlib yields on TMY weather.

Orbital side: the year-round mean of ``sunlit x (1 AU / d)^2`` of a Sun-pointing array on a
circular orbit whose node precesses at the secular J2 rate, from orbitcloud's own Sun
(Meeus 1998 ch. 25) and eclipse (conical shadow, WGS-84 Earth) models, on a coarse grid: one
orbit sampled uniformly every day of the year. Ground side: the shipped table
``data/ground_solar_yield.csv`` built by ``tests/builders/build_ground_solar.py`` with pvlib
(Holmgren et al. 2018, doi:10.21105/joss.00884) on the TMY files pvlib ships (Hay-Davies
transposition, ASHRAE incidence loss, SAPM cell temperature, PVWatts DC at STC-normalised
efficiency; fixed tilt = latitude facing the equator, and a N-S single-axis tracker).

ratio = S0 <sunlit (AU/d)^2> / (1000 W/m^2 x CF_ground), CF_ground = yield / (1 kW/m^2 x 8760 h)
(:func:`orbitcloud.spacecraft.power.space_ground_energy_ratio`): both arrays at the same
STC efficiency; the space side has no temperature, spectrum (AM0) or degradation factor.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from orbitcloud.astro.constants import AU_M, MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.astro.eclipse import sunlit_fraction
from orbitcloud.astro.elements import nodal_rate_rad_s
from orbitcloud.astro.sun import sun_position_teme
from orbitcloud.spacecraft.power import space_ground_energy_ratio

GROUND_TABLE = "ground_solar_yield.csv"
DEFAULT_SITE = "greensboro_nc"
"""The table's default site (a US mid-latitude site, capacity factor near the US median)."""
DEFAULT_MOUNT = "fixed_tilt"


@dataclass(frozen=True)
class GroundYield:
    """One row of the shipped ground table."""

    site: str
    lat_deg: float
    lon_deg: float
    source_file: str
    mount: str
    annual_kwh_per_m2: float
    capacity_factor: float


def load_ground_yields() -> list[GroundYield]:
    """The shipped pvlib ground yields (site x mount), in file order."""
    text = resources.files("orbitcloud").joinpath("data", GROUND_TABLE).read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    return [
        GroundYield(r["site"], float(r["lat_deg"]), float(r["lon_deg"]), r["source_file"],
                    r["mount"], float(r["annual_kwh_per_m2"]), float(r["capacity_factor"]))
        for r in rows
    ]  # fmt: skip


def year_irradiance_factor(
    altitude_m: float,
    inc_rad: float,
    raan_rad: float,
    jd_utc0: float,
    n_days: int = 365,
    n_phase: int = 180,
) -> tuple[float, float]:
    """Year-round sunlit fraction and mean ``sunlit (AU/d)^2`` of a Sun-pointing array [-].

    Circular orbit; the node moves at the secular J2 rate (Vallado 2013, eq. 9-41), so a
    sun-synchronous orbit keeps its local time and a 53 deg shell's beta angle sweeps its
    range. Each day ``d`` of the year, one orbit is sampled at ``n_phase`` equal steps of the
    argument of latitude (time d days + j P / n_phase); eclipse by
    :func:`orbitcloud.astro.eclipse.sunlit_fraction`, Sun by
    :func:`orbitcloud.astro.sun.sun_position_teme` (TT-UTC, 69 s, neglected here).

    Parameters
    ----------
    altitude_m : orbit altitude above the equatorial radius [m]
    inc_rad : inclination [rad]
    raan_rad : right ascension of the ascending node at ``jd_utc0`` [rad]
    jd_utc0 : start of the year, Julian date [d]
    n_days, n_phase : grid (days, samples per orbit)

    Returns
    -------
    (sunlit fraction, irradiance factor) averaged over the grid [-]
    """
    a = R_EARTH_M + altitude_m
    period_s = 2 * np.pi * np.sqrt(a**3 / MU_EARTH_M3_S2)
    j = np.arange(n_phase)
    t_s = (np.arange(n_days)[:, None] * 86400.0 + j[None, :] * period_s / n_phase).ravel()
    u = np.tile(2 * np.pi * j / n_phase, n_days)
    raan = raan_rad + float(nodal_rate_rad_s(a, inc_rad)) * t_s
    cu, su, ci, si = np.cos(u), np.sin(u), np.cos(inc_rad), np.sin(inc_rad)
    r = a * np.stack([np.cos(raan) * cu - np.sin(raan) * ci * su,
                      np.sin(raan) * cu + np.cos(raan) * ci * su,
                      si * su], axis=-1)  # fmt: skip
    sun = sun_position_teme(np.full(t_s.shape, jd_utc0), t_s / 86400.0)
    lit = sunlit_fraction(r[:, None, :], sun)[:, 0]
    d2 = np.sum((sun - r) ** 2, axis=-1)
    return float(lit.mean()), float(np.mean(lit * AU_M * AU_M / d2))


def solar_ratio_table(irradiance_factor: float, ground: list[GroundYield]) -> dict[str, float]:
    """Space/ground energy ratio per ``site/mount`` for one orbital irradiance factor [-]."""
    return {
        f"{g.site}/{g.mount}": round(
            float(space_ground_energy_ratio(irradiance_factor, g.capacity_factor)), 4
        )
        for g in ground
    }


def default_ground(ground: list[GroundYield]) -> GroundYield:
    """The table's default row (:data:`DEFAULT_SITE`, :data:`DEFAULT_MOUNT`)."""
    return next(g for g in ground if (g.site, g.mount) == (DEFAULT_SITE, DEFAULT_MOUNT))


def fleet_solar_ratio(
    satrecs: Sequence[Any],
    shell: np.ndarray,
    names: list[str],
    run_factor: np.ndarray,
    on: np.ndarray,
    jd_start: float,
    ground: list[GroundYield],
    input_capacity_factor: float,
) -> tuple[float | None, dict[str, Any]]:
    """The ``solar_ratio`` summary block and the fleet's year-round ratio (KPI) [-].

    One representative satellite per constellation (the first; its SGP4 mean motion,
    inclination and node, carried from its epoch to the run start at the J2 rate; treated as
    circular) gives the year-round factor (:func:`year_irradiance_factor`, the year starting at
    the run start); the run window's factor is the mean of ``run_factor`` over the
    constellation's counted satellites.

    Parameters
    ----------
    satrecs : (n_sat,) sgp4 ``Satrec`` objects
    shell : (n_sat,) constellation index of each satellite
    names : (n_con,) constellation names
    run_factor : (n_sat,) run-window mean ``sunlit x pointing cosine`` [-]
    on : (n_sat,) satellites counted (enabled, with valid steps)
    jd_start : run start, Julian date (UTC) [d]
    ground : the ground table (:func:`load_ground_yields`)
    input_capacity_factor : the scenario's ``ground_solar_capacity_factor`` (shown only) [-]

    Returns
    -------
    (KPI: the satellite-weighted year-round factor's ratio against the default ground row,
    ``None`` if no satellite counts; the ``solar_ratio`` block)
    """
    shell = np.asarray(shell)
    first = [int(np.argmax(shell == i)) for i in range(len(names))]
    rec = [satrecs[j] for j in first]
    n = np.array([r.no_kozai for r in rec], dtype=float) / 60.0
    inc_rad = np.array([r.inclo for r in rec], dtype=float)
    jd_epoch = np.array([r.jdsatepoch + r.jdsatepochF for r in rec], dtype=float)
    a = (MU_EARTH_M3_S2 / n**2) ** (1.0 / 3.0)
    drift_s = (jd_start - jd_epoch) * 86400.0
    raan0 = np.array([r.nodeo for r in rec]) + nodal_rate_rad_s(a, inc_rad) * drift_s
    w = np.array([np.sum(on & (shell == i)) for i in range(len(names))], dtype=float)
    run_window_factor = np.array([
        np.mean(run_factor[on & (shell == i)]) if w[i] > 0 else np.nan for i in range(len(names))
    ])  # fmt: skip
    g0 = default_ground(ground)
    by_c: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(names):
        if not np.any(shell == i):  # a constellation with no satellite (e.g. an empty filter)
            continue
        lit, f = year_irradiance_factor(float(a[i] - R_EARTH_M), float(inc_rad[i]),
                                        float(raan0[i]), jd_start)  # fmt: skip
        rw = float(run_window_factor[i])
        by_c[name] = {
            "year_sunlit_fraction": round(lit, 6),
            "year_irradiance_factor": round(f, 6),
            "run_window_irradiance_factor": round(rw, 6) if np.isfinite(rw) else None,
            "year_round": solar_ratio_table(f, ground),
            "run_window": solar_ratio_table(rw, ground) if np.isfinite(rw) else None,
        }
    block = {
        "basis": (
            "energy per m2 of array at the same STC efficiency: orbit = 1361 W/m2 x mean(sunlit "
            "x (1 AU/d)^2) of a Sun-pointing array over a year from the run start (year_round) "
            "or the run's own sunlit x pointing cosine (run_window); ground = pvlib yield on TMY "
            "weather (Perez, physical IAM, SAPM cell temperature, PVWatts DC, no inverter loss); "
            f"KPI space_ground_energy_ratio = year_round vs {g0.site}/{g0.mount}"
        ),
        "default_ground": f"{g0.site}/{g0.mount}",
        "ground": [
            {
                "site": g.site,
                "mount": g.mount,
                "lat_deg": g.lat_deg,
                "lon_deg": g.lon_deg,
                "source_file": g.source_file,
                "annual_kwh_per_m2": g.annual_kwh_per_m2,
                "capacity_factor": g.capacity_factor,
            }
            for g in ground
        ],
        "by_constellation": by_c,
        "input_capacity_factor": input_capacity_factor,
        "input_capacity_factor_note": (
            "the scenario's ground_solar_capacity_factor is shown for reference only; the "
            "ratios above use the pvlib table"
        ),
    }
    if not names or w.sum() <= 0:
        return None, block
    f_year = np.array([by_c[n]["year_irradiance_factor"] if n in by_c else 0.0 for n in names])
    f_fleet = float(np.sum(w * f_year) / w.sum())
    return round(float(space_ground_energy_ratio(f_fleet, g0.capacity_factor)), 6), block


def year_ratios(block: dict[str, Any], ground: list[GroundYield]) -> dict[str, float]:
    """Each constellation's year-round space/ground energy ratio against the default ground row
    (the KPI's basis, per constellation) from a :func:`fleet_solar_ratio` block [-]."""
    cf = default_ground(ground).capacity_factor
    return {
        name: round(float(space_ground_energy_ratio(c["year_irradiance_factor"], cf)), 6)
        for name, c in block["by_constellation"].items()
    }
