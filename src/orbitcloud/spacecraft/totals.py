"""Run totals of the spacecraft models per satellite, and the per-satellite summary.

:class:`FleetTotals` accumulates, window after window, what :func:`~orbitcloud.spacecraft.
simulate.advance` produced (energies, step counts, extremes); :func:`satellite_summary` turns
the totals into the per-satellite figures of the ``sat_summary`` table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orbitcloud.spacecraft import power
from orbitcloud.spacecraft.simulate import SECONDS_PER_YEAR, FleetDrivers, FleetOutputs

SUMS = (
    "gen_j", "compute_j", "bus_unserved_j", "curtailed_j", "loss_j", "throttled_steps",
    "thermal_steps", "power_steps", "valid_steps", "irr_factor_sum", "capacity_sum",
    "silent_errors", "job_restarts", "detected_errors", "saa_steps", "density_sum",
    "unserved_sun_j", "unserved_sun_steps", "unserved_sun_cos_sum", "unserved_sun_beta_sum",
)  # fmt: skip
"""The summed totals (each (n_sat,) float: energies [J], counts, sums of per-step values).
``unserved_sun_*`` are over the steps in which the bus went short while sunlit (sunlit >= 0.5):
the unserved energy [J], the step count, and the sums of the array cosine [-] and of the
absolute beta angle [rad] there (what :func:`orbitcloud.spacecraft.checks.diagnose_brownouts`
reads to tell an attitude effect from an empty battery)."""

TSI_W_M2 = 1361.0
"""Total solar irradiance at 1 AU [W/m^2] (Kopp & Lean 2011), the unit of the irradiance
factor (sunlit x pointing cosine x irradiance / TSI)."""


@dataclass(frozen=True, eq=False)
class FleetTotals:
    """Per-satellite totals since the start of the run (all (n_sat,) float arrays)."""

    sums: dict[str, np.ndarray]
    """:data:`SUMS` by name"""
    temp_max_k: np.ndarray
    """highest accelerator temperature of a valid step [K] (-inf before any)"""
    soc_min: np.ndarray
    """lowest state of charge of a valid step [-] (inf before any)"""

    @staticmethod
    def zeros(n_sat: int) -> FleetTotals:
        return FleetTotals({k: np.zeros(n_sat) for k in SUMS}, np.full(n_sat, -np.inf),
                           np.full(n_sat, np.inf))  # fmt: skip

    def __getitem__(self, name: str) -> np.ndarray:
        return self.sums[name]

    def add(
        self,
        drivers: FleetDrivers,
        out: FleetOutputs,
        in_saa: np.ndarray,
        density_kg_m3: np.ndarray,
        has_accelerators: np.ndarray,
        dt_s: float,
        sun_dot_h: np.ndarray | None = None,
    ) -> FleetTotals:
        """The totals after one more window.

        Parameters
        ----------
        drivers, out : the window's drivers and :func:`advance` outputs
        in_saa : (n_t, n_sat) bool, False where invalid
        density_kg_m3 : (n_t, n_sat) air density [kg/m^3] (NaN where invalid)
        has_accelerators : (n_sat,) bool
        dt_s : step [s]
        sun_dot_h : (n_t, n_sat) sine of the beta angle [-] (None: beta sums stay 0)

        Notes
        -----
        Unserved bus power, curtailed power, temperatures and the state of charge are summed
        (or compared) at the float32 precision of the ``sat_state`` table, so that the totals
        are those of the table's rows.
        """
        f32 = np.float32
        valid = drivers.valid
        allv = bool(valid.all())
        throttled = out.power_throttled | out.thermal_throttled
        a = self.sums
        short_w = out.bus_unserved_w.astype(f32).astype(float)
        short_sun = (short_w > 0) & (drivers.sunlit >= 0.5) & valid
        beta = np.zeros(1) if sun_dot_h is None else np.abs(np.arcsin(np.clip(sun_dot_h, -1, 1)))
        add = {
            "gen_j": out.gen_w.sum(0) * dt_s,
            "compute_j": out.compute_w.sum(0) * dt_s,
            "bus_unserved_j": out.bus_unserved_w.astype(f32).sum(0, dtype=float) * dt_s,
            "curtailed_j": out.curtailed_w.astype(f32).sum(0, dtype=float) * dt_s,
            "loss_j": out.loss_w.sum(0) * dt_s,
            "detected_errors": out.detected_errors.sum(0),
            "valid_steps": valid.sum(0),
            "throttled_steps": (throttled & valid & has_accelerators).sum(0),
            "thermal_steps": (out.thermal_throttled & valid).sum(0),
            "power_steps": (out.power_throttled & valid).sum(0),
            "irr_factor_sum": (drivers.irradiance_w_m2 * drivers.array_cosine).sum(0) / TSI_W_M2,
            "capacity_sum": out.capacity.sum(0, dtype=float),
            "silent_errors": out.silent_errors.sum(0),
            "job_restarts": out.job_restarts.sum(0),
            "saa_steps": in_saa.sum(0),
            "density_sum": _masked(valid, allv, np.nan_to_num(density_kg_m3), 0.0).sum(0),
            "unserved_sun_j": np.where(short_sun, short_w, 0.0).sum(0) * dt_s,
            "unserved_sun_steps": short_sun.sum(0),
            "unserved_sun_cos_sum": np.where(short_sun, drivers.array_cosine, 0.0).sum(0),
            "unserved_sun_beta_sum": np.where(short_sun, beta, 0.0).sum(0),
        }
        # rounding is monotonic: the float32 of the extreme is the extreme of the float32s
        temp = _masked(valid, allv, out.temp_k, -np.inf).max(0).astype(f32)
        soc = _masked(valid, allv, out.battery_soc, np.inf).min(0).astype(f32)
        return FleetTotals(
            {k: a[k] + add[k] for k in SUMS},
            np.maximum(self.temp_max_k, temp),
            np.minimum(self.soc_min, soc),
        )


def _masked(valid: np.ndarray, all_valid: bool, x: np.ndarray, fill: float) -> np.ndarray:
    return x if all_valid else np.where(valid, x, fill)


@dataclass(frozen=True, eq=False)
class SatelliteSummary:
    """Per-satellite run figures (all (n_sat,) float64 arrays, in ``sat_summary`` order)."""

    orbit_average_power_w: np.ndarray
    mean_compute_w: np.ndarray
    mean_capacity: np.ndarray
    throttled_fraction: np.ndarray
    thermal_throttled_fraction: np.ndarray
    dose_rad: np.ndarray
    dose_rad_per_year: np.ndarray
    orbit_average_dose_rad_per_year: np.ndarray
    saa_fraction: np.ndarray
    mean_density_kg_m3: np.ndarray
    temp_max_k: np.ndarray
    """NaN where not ``on``"""
    battery_soc_min: np.ndarray
    """NaN where not ``on``"""
    bus_unserved_wh: np.ndarray
    space_ground_energy_ratio: np.ndarray
    accelerators: np.ndarray
    accelerators_failed: np.ndarray
    silent_errors: np.ndarray
    job_restarts: np.ndarray
    checkpoint_interval_s: np.ndarray


def satellite_summary(
    totals: FleetTotals,
    dose_rad: np.ndarray,
    accelerators: np.ndarray,
    accelerators_ok: np.ndarray,
    dose_start_rad: np.ndarray,
    orbit_average_dose_rate_rad_s: np.ndarray,
    checkpoint_interval_s: np.ndarray,
    ground_capacity_factor: float,
    dt_s: float,
) -> SatelliteSummary:
    """Per-satellite figures of a run from its totals.

    Parameters
    ----------
    totals : the run's :class:`FleetTotals`
    dose_rad : (n_sat,) dose at the end [rad]
    accelerators, accelerators_ok : (n_sat,) fitted and alive at the end
    dose_start_rad : (n_sat,) dose at the start [rad]
    orbit_average_dose_rate_rad_s : (n_sat,) [rad/s]
    checkpoint_interval_s : (n_sat,) [s]
    ground_capacity_factor : capacity factor of a ground solar plant [-]
    dt_s : step [s]

    Returns
    -------
    :class:`SatelliteSummary`. Means are over a satellite's valid steps; a satellite with no
    valid step has NaN extremes.

    References
    ----------
    :func:`orbitcloud.spacecraft.power.space_ground_energy_ratio` for the energy ratio.
    """
    a = totals
    steps = np.maximum(a["valid_steps"], 1)
    dur_s = np.maximum(a["valid_steps"] * dt_s, 1e-9)
    on = a["valid_steps"] > 0
    dose_year = (dose_rad - dose_start_rad) / dur_s * SECONDS_PER_YEAR
    irr_mean = a["irr_factor_sum"] / steps
    return SatelliteSummary(
        orbit_average_power_w=a["gen_j"] / dur_s,
        mean_compute_w=a["compute_j"] / dur_s,
        mean_capacity=a["capacity_sum"] / steps,
        throttled_fraction=a["throttled_steps"] / steps,
        thermal_throttled_fraction=a["thermal_steps"] / steps,
        dose_rad=dose_rad,
        dose_rad_per_year=dose_year,
        orbit_average_dose_rad_per_year=orbit_average_dose_rate_rad_s * SECONDS_PER_YEAR,
        saa_fraction=a["saa_steps"] / steps,
        mean_density_kg_m3=a["density_sum"] / steps,
        temp_max_k=np.where(on, a.temp_max_k, np.nan),
        battery_soc_min=np.where(on, a.soc_min, np.nan),
        bus_unserved_wh=a["bus_unserved_j"] / 3600,
        space_ground_energy_ratio=power.space_ground_energy_ratio(irr_mean, ground_capacity_factor),
        accelerators=accelerators,
        accelerators_failed=accelerators - accelerators_ok,
        silent_errors=a["silent_errors"],
        job_restarts=a["job_restarts"],
        checkpoint_interval_s=checkpoint_interval_s,
    )


COMPUTE_KPIS = ("throttled_fraction", "compute_capacity_mean", "accelerator_temp_max_k",
                "accelerators_failed", "silent_errors", "job_restarts")  # fmt: skip
"""KPIs taken over the satellites that carry accelerators only (absent from a constellation
without any; None for a fleet without any)."""


def spacecraft_kpis(
    s: SatelliteSummary, totals: FleetTotals, on: np.ndarray, has_accelerators: np.ndarray
) -> dict[str, float | int | None]:
    """The spacecraft KPIs of the satellites in ``on`` (the fleet, or one constellation).

    Power and radiation figures are over the satellites in ``on``; thermal, compute and
    single-event figures (:data:`COMPUTE_KPIS`) over those of them that carry accelerators,
    so that satellites without accelerators never pool into an accelerator figure.

    Parameters
    ----------
    s : the run's :class:`SatelliteSummary`
    totals : the run's :class:`FleetTotals`
    on : (n_sat,) bool: satellites counted (enabled, with valid steps)
    has_accelerators : (n_sat,) bool

    Returns
    -------
    ``{kpi name: value}``: means of per-satellite figures, the extreme temperature and state of
    charge, and sums of counts; None where no satellite counts.
    """
    comp = on & has_accelerators
    return {
        "orbit_average_power_w": masked_mean(s.orbit_average_power_w, on),
        "throttled_fraction": masked_mean(s.throttled_fraction, comp),
        "dose_rad_per_year": masked_mean(s.dose_rad_per_year, on),
        "compute_capacity_mean": masked_mean(s.mean_capacity, comp),
        "accelerator_temp_max_k": (
            round(float(np.max(totals.temp_max_k[comp])), 2) if comp.any() else None
        ),
        "battery_soc_min": round(float(np.min(totals.soc_min[on])), 4) if on.any() else None,
        "accelerators_failed": int(s.accelerators_failed[comp].sum()),
        "silent_errors": int(totals["silent_errors"][comp].sum()),
        "job_restarts": int(totals["job_restarts"][comp].sum()),
    }


def masked_mean(x: np.ndarray, m: np.ndarray) -> float | None:
    """Mean of ``x`` over the mask ``m``, rounded to 6 decimals (None for an empty mask)."""
    return round(float(np.mean(x[m])), 6) if m.any() else None


def constellation_kpis(
    s: SatelliteSummary,
    totals: FleetTotals,
    on: np.ndarray,
    has_accelerators: np.ndarray,
    shell: np.ndarray,
    names: list[str],
    year_ratio: dict[str, float],
) -> dict[str, dict[str, float | int | None]]:
    """:func:`spacecraft_kpis` per constellation, plus ``satellites`` and
    ``space_ground_energy_ratio`` (year-round, from ``year_ratio`` by name).

    A constellation without accelerators gets no :data:`COMPUTE_KPIS` (they would describe
    nothing); a constellation with no counted satellite is left out.
    """
    out: dict[str, dict[str, float | int | None]] = {}
    for i, name in enumerate(names):
        m = on & (shell == i)
        if not m.any():
            continue
        k = spacecraft_kpis(s, totals, m, has_accelerators)
        if not (m & has_accelerators).any():
            k = {n: v for n, v in k.items() if n not in COMPUTE_KPIS}
        out[name] = {"satellites": int(m.sum()), **k,
                     "space_ground_energy_ratio": year_ratio.get(name)}  # fmt: skip
    return out
