"""Spacecraft stage: power, battery, thermal, compute and radiation effects.

Orchestration only; the models are in :mod:`orbitcloud.spacecraft`. Per geometry chunk:
:func:`~orbitcloud.spacecraft.drivers.environment_rows` (dose rates from the environment stage's
particle weights, Sun geometry, array power before degradation, radiator loads), the chunk's
seeded uniforms (one per satellite, step and purpose, drawn row by row: any chunking draws the
same numbers), :func:`~orbitcloud.spacecraft.simulate.advance` (degradation, failures, power,
thermal throttling, battery, single events, delivered capacity); then ``sat_state`` rows and
the record for later stages.

Tables
------
``sat_state`` (per time, sat; float32): ``power_w`` generated, ``battery_soc`` 0..1, ``temp_k``
accelerator node, ``dose_rad`` accumulated in Si behind the shield, ``density_kg_m3``,
``compute_w`` power to the accelerators, ``throttled`` (power or thermal), plus
``radiator_temp_k``, ``sunlit``, ``eclipse`` (sunlit < 0.5), ``capacity`` (delivered fraction
of peak compute), ``accelerators_ok``, ``failed``, ``power_throttled``, ``thermal_throttled``,
``in_saa``, ``bus_unserved_w``, ``curtailed_w``, ``silent_errors``, ``job_restarts``. Rows of
satellites without a valid SGP4 state carry nulls.
``sat_summary`` (per sat): orbit-average power, throttled fraction, dose and dose per year,
accelerator temperature max, failures, errors, restarts, mass, checkpoint interval.

Reads :class:`~orbitcloud.engine.contract.AtmosphereRecord` and
:class:`~orbitcloud.engine.contract.RadiationRecord` (the environment stage); provides a
:class:`~orbitcloud.engine.contract.SpacecraftRecord` per chunk and
:class:`~orbitcloud.engine.contract.SpacecraftTotals` at the end (see that module for fields).
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.astro.timescales import datetime_to_jd
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import (
    AtmosphereRecord,
    GeometryRecord,
    RadiationRecord,
    Records,
    SpacecraftRecord,
    SpacecraftTotals,
)
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft import drivers as drv
from orbitcloud.spacecraft import simulate, solar_ratio
from orbitcloud.spacecraft.checks import WARNING_TEXT, check_design
from orbitcloud.spacecraft.design import FleetParams, mass_budget_kg
from orbitcloud.spacecraft.throughput import FleetThroughput
from orbitcloud.spacecraft.totals import FleetTotals, SatelliteSummary, satellite_summary

_SUMMARY_INTS = {"accelerators": np.int16, "accelerators_failed": np.int16,
                 "silent_errors": np.int32, "job_restarts": np.int32}  # fmt: skip
"""``sat_summary`` columns that are integers (the others are float32)."""


class SpacecraftStage:
    """Environment, power, thermal, compute and radiation effects per satellite and step."""

    name = "spacecraft"
    requires: tuple[type, ...] = (AtmosphereRecord, RadiationRecord)
    provides: tuple[type, ...] = (SpacecraftRecord,)
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = (SpacecraftTotals,)
    tables = ("sat_state", "sat_summary")
    halo_steps = 0

    def start(self, ctx: RunContext) -> None:
        sc = ctx.scenario
        self.env = sc.environment
        self.designs = [c.spacecraft.resolve(c.kind) for c in sc.constellations]
        self.shell = np.asarray(ctx.sats.shell, dtype=np.int64)
        self.enabled_sat = np.array([sc.constellations[i].spacecraft.enabled for i in self.shell],
                                    dtype=bool)  # fmt: skip
        fleet = FleetParams.from_designs(self.designs, self.shell)
        satrecs = ctx.sats.satrecs
        self.alt0_m, inc0_deg = drv.mean_altitude_inclination(
            np.array([s.no_kozai for s in satrecs]), np.array([s.inclo for s in satrecs])
        )
        # orbit-average environment per satellite (for initial doses and checkpoint intervals)
        self.avg_rate, avg_cell_rate, avg_proton_rate = drv.orbit_average_dose_rates(
            self.alt0_m, inc0_deg, fleet.shield_mm, fleet.coverglass_mm, self.env.ap,
            self.env.radiation_multiplier,
        )  # fmt: skip
        self.params = simulate.StepParams.from_fleet(fleet, float(ctx.grid.step_s), avg_proton_rate,
                                                     sc.scheduling.eclipse_mode)  # fmt: skip
        self.state = simulate.initial_state(self.params, self.avg_rate, avg_cell_rate)
        self.energy0 = self.state.energy_j.copy()
        self.totals = FleetTotals.zeros(len(ctx.sats))
        self.rng_fail = ctx.rng("spacecraft.hard_failures")
        self.rng_sdc = ctx.rng("spacecraft.silent_errors")
        self.rng_restart = ctx.rng("spacecraft.job_restarts")
        self.mass = [mass_budget_kg(d) for d in self.designs]
        self._design_checks(ctx)

    def _design_checks(self, ctx: RunContext) -> None:
        """Warnings for designs that cannot work (before any propagation)."""
        self.design_summary: list[dict[str, Any]] = []
        for i, d in enumerate(self.designs):
            c = ctx.scenario.constellations[i]
            members = np.nonzero(self.shell == i)[0]
            if not c.spacecraft.enabled or len(members) == 0:
                continue
            alt = float(np.median(self.alt0_m[members]))
            chk = check_design(d, alt, self.env.earth_ir_w_m2, self.env.albedo)
            name = c.spacecraft.preset_name(c.kind) or "custom"
            for finding in chk.findings:
                text = WARNING_TEXT[finding].format(
                    c=chk, eclipse_min=chk.max_eclipse_s / 60, alt_km=alt / 1000,
                    bus_wh=chk.eclipse_bus_j / 3600, usable_wh=chk.battery_usable_j / 3600,
                )  # fmt: skip
                ctx.warnings.append(f"constellations[{i}] ({c.name}, {name}): {text}")
            acc, spec = d.compute.accelerator, d.compute.accelerator_spec()
            self.design_summary.append({
                "constellation": c.name, "preset": name,
                "default_preset": _is_default_design(d, c.kind),
                "mass_kg": self.mass[i], "accelerators": chk.accelerators,
                "accelerator": acc if isinstance(acc, str) else ("custom" if spec else None),
                **chk.summary_figures(), "shielding_mm_al": d.shielding_mm_al,
            })  # fmt: skip

    def process(self, records: Records, ctx: RunContext) -> None:
        chunk = records.get(GeometryRecord).chunk
        rad = records.get(RadiationRecord)
        rho = records.get(AtmosphereRecord).density_kg_m3
        p = self.params.fleet
        valid = chunk.valid & self.enabled_sat[None, :]
        rows = drv.environment_rows(
            chunk.r_teme, chunk.v_teme, chunk.sun_teme, chunk.sunlit, valid, rad.weights,
            rad.in_saa, rad.electron_multiplier, rad.proton_multiplier, p,
            self.env.earth_ir_w_m2, self.env.albedo,
        )  # fmt: skip
        shape = valid.shape  # one uniform per satellite, step and purpose
        drivers = simulate.FleetDrivers.from_rows(
            rows, valid, self.rng_fail.random(shape), self.rng_sdc.random(shape),
            self.rng_restart.random(shape),
        )  # fmt: skip
        self.state, out = simulate.advance(self.state, drivers, self.params)
        self.totals = self.totals.add(drivers, out, rows.in_saa, rho, p.n_acc > 0, self.params.dt_s)
        throttled = out.power_throttled | out.thermal_throttled
        soc = out.battery_soc.astype(np.float32)
        records.put(SpacecraftRecord(
            k0=chunk.k0, k1=chunk.k1, capacity=out.capacity,
            flops=out.capacity * p.peak_flops * (p.n_acc > 0), peak_flops=p.peak_flops * p.n_acc,
            failed=out.failed, accelerators_ok=out.accelerators_ok, throttled=throttled,
            sunlit=rows.sunlit.astype(np.float32), battery_soc=soc, in_saa=rows.in_saa,
            tokens_per_s=FleetThroughput(p, out.capacity, out.accelerators_ok).tokens_per_s,
        ))  # fmt: skip
        if ctx.scenario.outputs.sat_state:
            cols = _sat_state_columns(rows, out, rho, throttled, soc)
            ctx.sink.write("sat_state", self._table(chunk, ctx, valid, cols), background=True)

    @staticmethod
    def _table(chunk: EphemerisChunk, ctx: RunContext, valid: np.ndarray, cols: dict) -> pa.Table:
        n_t, n = valid.shape
        mask = ~valid.ravel()
        has_mask = bool(mask.any())
        times = ctx.grid.unix_ms(chunk.k0, chunk.k1)
        data: dict[str, pa.Array] = {
            "time": pa.array(np.repeat(times, n), type=pa.timestamp("ms", tz="UTC")),
            "sat": pa.array(np.tile(np.arange(n, dtype=np.int32), n_t)),
        }
        for k, v in cols.items():
            flat = np.ascontiguousarray(v).ravel()
            data[k] = pa.array(flat, mask=mask if has_mask else None)
        return pa.table(data)

    def finish(self, final: Records, ctx: RunContext) -> None:
        p, a, st = self.params.fleet, self.totals, self.state
        ground = solar_ratio.load_ground_yields()  # sat_summary ratio: run window, default site
        s = satellite_summary(
            a, st.dose_rad, p.n_acc, st.accelerators_ok, st.dose_start_rad, self.avg_rate,
            self.params.checkpoint_interval_s, solar_ratio.default_ground(ground).capacity_factor,
            self.params.dt_s,
        )  # fmt: skip
        on = self.enabled_sat & (a["valid_steps"] > 0)
        compute_sats = on & (p.n_acc > 0)
        ctx.sink.write("sat_summary", self._summary_table(s, on))
        k = ctx.kpis
        k["orbit_average_power_w"] = _mean(s.orbit_average_power_w, on)
        k["throttled_fraction"] = _mean(s.throttled_fraction, compute_sats)
        k["dose_rad_per_year"] = _mean(s.dose_rad_per_year, on)
        k["space_ground_energy_ratio"], ctx.summary["solar_ratio"] = solar_ratio.fleet_solar_ratio(
            ctx.sats.satrecs, self.shell, [c.name for c in ctx.scenario.constellations],
            a["irr_factor_sum"] / np.maximum(a["valid_steps"], 1), on,
            sum(datetime_to_jd(ctx.grid.start)), ground, self.env.ground_solar_capacity_factor,
        )  # fmt: skip
        k["compute_capacity_mean"] = _mean(s.mean_capacity, compute_sats)
        k["accelerator_temp_max_k"] = (
            round(float(np.max(a.temp_max_k[on])), 2) if on.any() else None
        )
        k["battery_soc_min"] = round(float(np.min(a.soc_min[on])), 4) if on.any() else None
        k["accelerators_failed"] = int(s.accelerators_failed.sum())
        k["silent_errors"] = int(a["silent_errors"].sum())
        k["job_restarts"] = int(a["job_restarts"].sum())
        unserved = a["bus_unserved_j"] > 0
        if unserved.any():
            ctx.warnings.append(
                f"{int(unserved.sum())} satellite(s) could not power their bus at some steps "
                f"({a['bus_unserved_j'].sum() / 3600:.1f} Wh unserved): battery too small for "
                "eclipse or array too small for the load"
            )
        hot = compute_sats & (s.thermal_throttled_fraction > 0.5)
        if hot.any():
            ctx.warnings.append(
                f"{int(hot.sum())} satellite(s) were thermally "
                "throttled more than half of the time: radiator too small for the compute load"
            )
        final.put(SpacecraftTotals(
            compute_capacity_mean=k["compute_capacity_mean"],
            accelerators_failed=int(s.accelerators_failed.sum()),
            compute_energy_j=float(a["compute_j"].sum()),
        ))  # fmt: skip
        ctx.summary["spacecraft"] = self._summary(s, on, compute_sats, ctx)

    def _summary_table(self, s: SatelliteSummary, on: np.ndarray) -> pa.Table:
        cols: dict[str, pa.Array] = {"sat": pa.array(np.arange(len(on), dtype=np.int32))}
        for f in fields(s):
            x = getattr(s, f.name)
            masked = f.name in ("temp_max_k", "battery_soc_min")
            cols[f.name] = pa.array(x.astype(_SUMMARY_INTS.get(f.name, np.float32)),
                                    mask=~on if masked else None)  # fmt: skip
        cols["mass_kg"] = pa.array(np.array([self.mass[i]["total"] for i in self.shell],
                                            dtype=np.float32))  # fmt: skip
        return pa.table(cols)

    def _summary(
        self, s: SatelliteSummary, on: np.ndarray, compute_sats: np.ndarray, ctx: RunContext
    ) -> dict[str, Any]:
        a, has_acc = self.totals, self.params.fleet.n_acc > 0
        by_c = {}
        for i, c in enumerate(ctx.scenario.constellations):
            m = on & (self.shell == i)
            if m.any():
                by_c[c.name] = {
                    "satellites": int(m.sum()),
                    "orbit_average_power_w": _mean(s.orbit_average_power_w, m),
                    "throttled_fraction": _mean(s.throttled_fraction, m & has_acc),
                    "dose_rad_per_year": _mean(s.dose_rad_per_year, m),
                    "space_ground_energy_ratio": _mean(s.space_ground_energy_ratio, m),
                    "compute_capacity_mean": _mean(s.mean_capacity, m & has_acc),
                }
        return {
            "designs": self.design_summary,
            "by_constellation": by_c,
            "energy_j": {
                "generated": float(a["gen_j"].sum()), "compute": float(a["compute_j"].sum()),
                "curtailed": float(a["curtailed_j"].sum()), "losses": float(a["loss_j"].sum()),
                "bus_unserved": float(a["bus_unserved_j"].sum()),
                "stored_change": float((self.state.energy_j - self.energy0).sum()),
            },
            "space_ground_energy_ratio_note": "year-round vs pvlib ground: see solar_ratio",
            "detected_errors": int(a["detected_errors"].sum()),
            "mean_checkpoint_interval_s": _mean(s.checkpoint_interval_s, compute_sats),
            "radiation_model": "AP-8 MIN/AE-8 MAX maps (IRBEM), SHIELDOSE-2-style dose-depth",
        }  # fmt: skip


def _mean(x: np.ndarray, m: np.ndarray) -> float | None:
    return round(float(np.mean(x[m])), 6) if m.any() else None


def _sat_state_columns(
    rows: drv.EnvironmentRows,
    out: simulate.FleetOutputs,
    rho: np.ndarray,
    throttled: np.ndarray,
    soc: np.ndarray,
) -> dict[str, np.ndarray]:
    """The ``sat_state`` columns of a chunk, in table order."""
    f32 = np.float32
    return {
        "power_w": out.gen_w.astype(f32), "battery_soc": soc, "temp_k": out.temp_k.astype(f32),
        "dose_rad": out.dose_rad.astype(f32), "density_kg_m3": np.nan_to_num(rho).astype(f32),
        "compute_w": out.compute_w.astype(f32), "throttled": throttled,
        "radiator_temp_k": out.radiator_temp_k.astype(f32),
        "array_temp_k": rows.array_temp_k.astype(f32), "sunlit": rows.sunlit.astype(f32),
        "eclipse": rows.sunlit < 0.5, "capacity": out.capacity,
        "accelerators_ok": out.accelerators_ok, "failed": out.failed,
        "power_throttled": out.power_throttled, "thermal_throttled": out.thermal_throttled,
        "in_saa": rows.in_saa, "dose_rate_rad_s": rows.dose_rate_rad_s.astype(f32),
        "bus_unserved_w": out.bus_unserved_w.astype(f32),
        "curtailed_w": out.curtailed_w.astype(f32), "silent_errors": out.silent_errors,
        "job_restarts": out.job_restarts,
    }  # fmt: skip


def _is_default_design(design: SpacecraftSpec, kind: str) -> bool:
    """Whether a resolved design is the constellation kind's default preset, unchanged (also
    when a results folder's scenario.yaml spells every value out)."""
    default = SpacecraftSpec().resolve(kind)
    return design.model_dump(exclude={"enabled"}) == default.model_dump(exclude={"enabled"})
