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
from orbitcloud.spacecraft.checks import (
    DesignCheck,
    check_design,
    diagnose_brownouts,
    warning_text,
)
from orbitcloud.spacecraft.design import FleetParams, mass_budget_kg
from orbitcloud.spacecraft.throughput import FleetThroughput
from orbitcloud.spacecraft.totals import (
    FleetTotals,
    SatelliteSummary,
    constellation_kpis,
    masked_mean,
    satellite_summary,
    spacecraft_kpis,
)

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
        self.checks: dict[int, DesignCheck] = {}
        for i, d in enumerate(self.designs):
            c = ctx.scenario.constellations[i]
            members = np.nonzero(self.shell == i)[0]
            if not c.spacecraft.enabled or len(members) == 0:
                continue
            alt = float(np.median(self.alt0_m[members]))
            chk = self.checks[i] = check_design(d, alt, self.env.earth_ir_w_m2, self.env.albedo)
            name = c.spacecraft.preset_name(c.kind) or "custom"
            for finding in chk.findings:
                text = warning_text(chk, finding, d)
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
        self.totals = self.totals.add(drivers, out, rows.in_saa, rho, p.n_acc > 0,
                                      self.params.dt_s, rows.sun_dot_h)  # fmt: skip
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
        names = [c.name for c in ctx.scenario.constellations]
        fleet = spacecraft_kpis(s, a, on, p.n_acc > 0)
        ratio, ctx.summary["solar_ratio"] = solar_ratio.fleet_solar_ratio(
            ctx.sats.satrecs, self.shell, names,
            a["irr_factor_sum"] / np.maximum(a["valid_steps"], 1), on,
            sum(datetime_to_jd(ctx.grid.start)), ground, self.env.ground_solar_capacity_factor,
        )  # fmt: skip
        by_c = constellation_kpis(s, a, on, p.n_acc > 0, self.shell, names,
                                  solar_ratio.year_ratios(ctx.summary["solar_ratio"], ground))  # fmt: skip
        ctx.kpis.update(fleet | {"space_ground_energy_ratio": ratio})
        ctx.summary["constellations"] = by_c
        if len(by_c) > 1:  # several constellations: each one's own figures
            ctx.kpis.update({f"{c}:{n}": v for c, kc in by_c.items() for n, v in kc.items()
                             if n != "satellites"})  # fmt: skip
        if not compute_sats.any():
            ctx.summary.setdefault("kpi_notes", {}).update(dict.fromkeys(
                ("accelerator_temp_max_k", "throttled_fraction", "compute_capacity_mean"),
                "no satellite in this run carries accelerators"))  # fmt: skip
        self._run_warnings(s, compute_sats, ctx)
        final.put(SpacecraftTotals(
            compute_capacity_mean=fleet["compute_capacity_mean"],
            accelerators_failed=int(s.accelerators_failed.sum()),
            compute_energy_j=float(a["compute_j"].sum()),
        ))  # fmt: skip
        ctx.summary["spacecraft"] = self._summary(s, compute_sats, by_c)

    def _run_warnings(self, s: SatelliteSummary, compute_sats: np.ndarray, ctx: RunContext) -> None:
        """Brown-outs and thermal throttling seen in the run, per constellation, with the cause
        the run's data shows (:func:`~orbitcloud.spacecraft.checks.diagnose_brownouts`)."""
        for i, chk in self.checks.items():
            c = ctx.scenario.constellations[i]
            tag = f"constellations[{i}] ({c.name}, {c.spacecraft.preset_name(c.kind) or 'custom'})"
            members = np.nonzero(self.shell == i)[0]
            for text in diagnose_brownouts(chk, self.designs[i], self.totals, members,
                                           self.params.dt_s):  # fmt: skip
                ctx.warnings.append(f"{tag}: {text}")
            hot = compute_sats[members] & (s.thermal_throttled_fraction[members] > 0.5)
            if hot.any():
                ctx.warnings.append(
                    f"{tag}: {int(hot.sum())} satellite(s) were thermally throttled more than "
                    f"half of the time: the radiator ({chk.radiator_area_m2:g} m2) cannot reject "
                    f"the heat; the hot case needs {chk.radiator_area_needed_m2:.3g} m2"
                )

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
        self, s: SatelliteSummary, compute_sats: np.ndarray, by_c: dict[str, Any]
    ) -> dict[str, Any]:
        a = self.totals
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
            "mean_checkpoint_interval_s": masked_mean(s.checkpoint_interval_s, compute_sats),
            "radiation_model": "AP-8 MIN/AE-8 MAX maps (IRBEM), SHIELDOSE-2-style dose-depth",
        }  # fmt: skip


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
