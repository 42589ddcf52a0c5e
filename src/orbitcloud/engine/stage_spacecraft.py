"""Spacecraft stage: power, battery, thermal, compute and radiation effects.

Per geometry chunk, for every satellite and step (vectorised over satellites; a loop over the
chunk's steps carries the state):

1. dose rates behind each satellite's shield from the environment stage's particle weights;
2. power: irradiance, array pointing and temperature, cell efficiency, degradation (age, dose);
3. per step: compute power allowed by generation + battery (DoD floor for compute), thermal
   implicit step with throttling at the accelerator limit, battery charge/discharge (energy
   balance closes every step), seeded hard failures, silent errors and job restarts;
4. ``sat_state`` rows (if ``outputs.sat_state``) and the state for later stages.

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

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.astro.constants import MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.astro.eclipse import eclipse_fraction_cylindrical
from orbitcloud.astro.elements import circular_period_s
from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import (
    AtmosphereRecord,
    GeometryRecord,
    RadiationRecord,
    Records,
    SpacecraftRecord,
    SpacecraftTotals,
)
from orbitcloud.environment import radiation
from orbitcloud.scenario.presets import LLM_MODELS
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft import battery, compute, power, radiation_effects, thermal
from orbitcloud.spacecraft.design import FleetParams, mass_budget_kg

SECONDS_PER_YEAR = 365.25 * 86400.0

_BLOCK_ELEMENTS = 65_536
"""Satellite-steps per block of the elementwise environment/power chains: 0.5 MB per float64
array, so a chain's temporaries stay in cache (bench/bench_spacecraft.py)."""


def _masked(valid: np.ndarray, all_valid: bool, x: np.ndarray, fill: float) -> np.ndarray:
    """``np.where(valid, x, fill)``, skipped when every row is valid (the common case)."""
    return x if all_valid else np.where(valid, x, fill)


@dataclass(frozen=True)
class FleetThroughput:
    """LLM throughput of the fleet's satellites at each step of a chunk."""

    _params: FleetParams
    capacity: np.ndarray
    accelerators_ok: np.ndarray

    def tokens_per_s(
        self,
        model: str | dict[str, Any],
        batch: int = 64,
        input_tokens: int = 512,
        output_tokens: int = 256,
        step: int | None = None,
    ) -> np.ndarray:
        """Output tokens/s each satellite can serve for ``model`` (see the module docstring)."""
        spec = compute.LlmSpec.from_dict(LLM_MODELS[model] if isinstance(model, str) else model)
        p = self._params
        cap = self.capacity if step is None else self.capacity[step]
        n_ok = self.accelerators_ok if step is None else self.accelerators_ok[step]
        out = np.zeros(cap.shape)
        keys = np.stack([p.peak_flops, p.hbm_bytes, p.hbm_bytes_per_s, p.precision_bytes], 1)
        for key in np.unique(keys[p.n_acc > 0], axis=0):
            sel = np.all(keys == key, axis=1) & (p.n_acc > 0)
            # capacity already counts failed accelerators: use all slots x capacity per slot
            frac = np.where(
                n_ok[..., sel] > 0,
                cap[..., sel] * p.n_acc[sel] / np.maximum(n_ok[..., sel], 1),
                0.0,
            )
            out[..., sel] = compute.llm_tokens_per_s(
                spec, key[0], key[1], key[2], key[3], n_ok[..., sel], frac,
                batch, input_tokens, output_tokens,
            )  # fmt: skip
        return out


def _orbit_of(satrecs: list) -> tuple[np.ndarray, np.ndarray]:
    """Mean altitude [m] and inclination [deg] of each satellite from its SGP4 elements."""
    n = np.array([s.no_kozai for s in satrecs]) / 60.0  # rad/s
    a = (MU_EARTH_M3_S2 / np.maximum(n, 1e-9) ** 2) ** (1.0 / 3.0)
    inc = np.degrees([s.inclo for s in satrecs])
    return a - R_EARTH_M, np.asarray(inc)


class SpacecraftStage:
    """Environment, power, thermal, compute and radiation effects per satellite and step."""

    name = "spacecraft"
    requires: tuple[type, ...] = (AtmosphereRecord, RadiationRecord)
    provides: tuple[type, ...] = (SpacecraftRecord,)
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = (SpacecraftTotals,)
    tables = ("sat_state", "sat_summary")
    halo_steps = 0

    # --- start ----------------------------------------------------------------------------

    def start(self, ctx: RunContext) -> None:
        sc = ctx.scenario
        self.designs: list[SpacecraftSpec] = []
        self.preset_names: list[str | None] = []
        for c in sc.constellations:
            self.designs.append(c.spacecraft.resolve(c.kind))
            self.preset_names.append(c.spacecraft.preset_name(c.kind))
        shell = np.asarray(ctx.sats.shell, dtype=np.int64)
        self.enabled_sat = np.array([sc.constellations[i].spacecraft.enabled for i in shell],
                                    dtype=bool)  # fmt: skip
        p = FleetParams.from_designs(self.designs, shell)
        self.p = p
        n = len(ctx.sats)
        self.n = n
        self.dt = float(ctx.grid.step_s)
        env = sc.environment
        self.env = env
        self.alt0_m: np.ndarray = np.zeros(0)
        self.inc0_deg: np.ndarray = np.zeros(0)
        if n:
            self.alt0_m, self.inc0_deg = _orbit_of(ctx.sats.satrecs)
        # orbit-average environment per satellite (for initial doses and checkpoint intervals)
        self.avg_rate = np.zeros(n)
        self.avg_cell_rate = np.zeros(n)
        self.avg_proton_rate = np.zeros(n)
        self._orbit_averages(shell)
        # state
        self.energy = p.initial_soc * p.capacity_j
        self.t1 = p.t_init.copy()
        self.t2 = p.t_init.copy()
        age_s = p.age_years * SECONDS_PER_YEAR
        self.dose = np.where(p.initial_dose_rad > 0, p.initial_dose_rad, self.avg_rate * age_s)
        self.cell_dose = self.avg_cell_rate * age_s
        self.n_ok = p.n_acc.copy()
        self.debt = np.zeros(n)
        self.prev_loss = np.zeros(n)
        self.elapsed_s = 0.0
        restart_rate = radiation_effects.proton_flux_cm2_s(self.avg_proton_rate) * (
            p.sefi_sigma_cm2 * p.n_acc
        )
        young = radiation_effects.young_checkpoint_interval_s(p.ckpt_cost_s, restart_rate)
        self.ckpt_tau = np.where(p.ckpt_interval_s > 0, p.ckpt_interval_s, young)
        # constant overheads: ECC throughput, checkpoint writing, redundant execution
        self.static_eff = (
            (1.0 - p.ecc_cost)
            * radiation_effects.checkpoint_efficiency(self.ckpt_tau, p.ckpt_cost_s)
            * p.redundancy
        )
        self.dual = np.isclose(p.redundancy, 0.5)
        self.triple = p.redundancy < 0.4
        self.rng_fail = ctx.rng("spacecraft.hard_failures")
        self.rng_sdc = ctx.rng("spacecraft.silent_errors")
        self.rng_restart = ctx.rng("spacecraft.job_restarts")
        self.n_sub = max(1, int(np.ceil(self.dt / float(np.min(p.max_substep_s, initial=self.dt)))))
        # accumulators
        z = np.zeros(n)
        self.acc = {k: z.copy() for k in (
            "gen_j", "compute_j", "bus_unserved_j", "curtailed_j", "loss_j", "throttled_steps",
            "thermal_steps", "power_steps", "valid_steps", "irr_factor_sum", "capacity_sum",
            "silent_errors", "job_restarts", "detected_errors", "saa_steps", "density_sum",
        )}  # fmt: skip
        self.acc["temp_max_k"] = np.full(n, -np.inf)
        self.acc["soc_min"] = np.full(n, np.inf)
        self.acc["failed_at_start"] = p.n_acc - self.n_ok
        self.energy0 = self.energy.copy()
        self.mass = [mass_budget_kg(d) for d in self.designs]
        self._design_checks(ctx)

    def _orbit_averages(self, shell: np.ndarray) -> None:
        p = self.p
        if self.n == 0:
            return
        alt_km = np.round(self.alt0_m / 10_000.0) * 10.0  # 10 km and 1 deg bins
        inc = np.round(self.inc0_deg, 0)
        keys = np.stack([alt_km, inc, p.shield_mm, p.coverglass_mm], 1)
        uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        rates = np.zeros((len(uniq), 3))
        for j, (h, i, x, xc) in enumerate(uniq):
            lat, lon = radiation.circular_track_samples(i, 120, 60)
            alt = np.full(lat.shape, h * 1000.0)
            w = radiation.radiation_weights(lat, lon, alt)
            m_e = radiation.electron_storm_multiplier(self.env.ap) * self.env.radiation_multiplier
            m_p = self.env.radiation_multiplier
            rates[j, 0] = radiation.dose_rate_from_weights(w, x, m_e, m_p).mean()
            rates[j, 1] = radiation.dose_rate_from_weights(w, xc, m_e, m_p).mean()
            cp, _, _ = radiation.depth_dose_coefficients(x)
            rates[j, 2] = (cp * m_p * w[0]).mean()
        inv = inv.ravel()
        self.avg_rate, self.avg_cell_rate, self.avg_proton_rate = rates[inv].T

    def _design_checks(self, ctx: RunContext) -> None:
        """Warnings for designs that cannot work (before any propagation)."""
        env = self.env
        self.design_summary: list[dict[str, Any]] = []
        shell = np.asarray(ctx.sats.shell)
        for i, d in enumerate(self.designs):
            c = ctx.scenario.constellations[i]
            members = np.nonzero(shell == i)[0]
            if not c.spacecraft.enabled or len(members) == 0:
                continue
            alt = float(np.median(self.alt0_m[members]))
            acc = d.compute.accelerator_spec()
            n_acc = d.compute.count if acc else 0
            p_acc = (
                n_acc * (acc.idle_w + d.compute.utilization * (acc.tdp_w - acc.idle_w))
                if acc
                else 0.0
            )
            bus = (
                d.bus.power_w
                + (d.compute.host_power_w if n_acc else 0.0)
                + d.lasers.count * d.lasers.power_w
            )
            # hot case radiator: full sun and albedo under the satellite, per plate m2
            h = np.array([[(R_EARTH_M + alt) / R_EARTH_M]])
            one = np.ones(1)
            from orbitcloud.spacecraft.thermal import ORIENTATION_CODES

            q_hot = float(thermal.radiator_environment_w(
                np.array([ORIENTATION_CODES[d.radiator.orientation]]),
                np.array([d.radiator.two_sided]), one, np.array([d.radiator.absorptance]),
                np.array([d.radiator.emissivity]), np.array([d.radiator.sun_incidence]),
                np.array([[1361.0]]), np.array([[0.0]]), np.array([[1.0]]), h,
                env.earth_ir_w_m2, env.albedo,
            )[0, 0])  # fmt: skip
            sides = 2 if d.radiator.two_sided else 1
            k_rad = d.radiator.emissivity * power.STEFAN_BOLTZMANN * d.radiator.area_m2 * sides
            t_eq = float(thermal.equilibrium_accelerator_temperature_k(
                np.array(p_acc), np.array(bus + q_hot * d.radiator.area_m2),
                np.array(d.thermal.conductance_w_k), np.array(k_rad)))  # fmt: skip
            t_rad_max = d.compute.temp_limit_k - p_acc / d.thermal.conductance_w_k
            need = float(thermal.radiator_area_required_m2(
                p_acc + bus, t_rad_max, d.radiator.emissivity, d.radiator.two_sided, q_hot
            )) if t_rad_max > 0 else float("inf")  # fmt: skip
            name = self.preset_names[i] or "custom"
            if n_acc and t_eq > d.compute.temp_limit_k:
                ctx.warnings.append(
                    f"constellations[{i}] ({c.name}, {name}): radiator too small -- at full "
                    f"compute in full sun the accelerators settle at {t_eq:.0f} K, above the "
                    f"{d.compute.temp_limit_k:.0f} K limit; they will throttle. Needed: "
                    f"{need:.2f} m2 (have {d.radiator.area_m2:g} m2) or a larger conductance"
                )
            # eclipse at beta = 0 (worst case) against usable battery for the bus
            period = float(circular_period_s(alt))
            ecl_s = float(eclipse_fraction_cylindrical(np.zeros(1), np.array([alt]))[0]) * period
            usable_j = d.battery.capacity_wh * 3600.0 * d.battery.discharge_efficiency
            bus_j = bus * ecl_s
            gen_max = (
                1361.0
                * d.solar_array.area_m2
                * d.solar_array.efficiency
                * d.solar_array.packing_factor
            )
            if gen_max < bus:
                ctx.warnings.append(
                    f"constellations[{i}] ({c.name}, {name}): the solar array gives at most "
                    f"{gen_max:.0f} W, less than the {bus:.0f} W bus load: the battery will drain"
                )
            if bus_j > usable_j:
                ctx.warnings.append(
                    f"constellations[{i}] ({c.name}, {name}): battery too small for eclipse -- "
                    f"a {ecl_s / 60:.1f} min eclipse (beta = 0 at {alt / 1000:.0f} km) needs "
                    f"{bus_j / 3600:.0f} Wh for the bus alone, the battery gives "
                    f"{usable_j / 3600:.0f} Wh"
                )
            self.design_summary.append({
                "constellation": c.name, "preset": name,
                "default_preset": c.spacecraft.preset is None and not c.spacecraft.overrides(),
                "mass_kg": self.mass[i], "accelerators": n_acc,
                "accelerator": (d.compute.accelerator if isinstance(d.compute.accelerator, str)
                                else ("custom" if acc else None)),
                "compute_power_w": round(p_acc, 1), "bus_power_w": round(bus, 1),
                "array_bol_max_w": round(gen_max, 1),
                "hot_case_accelerator_temp_k": round(t_eq, 1),
                "radiator_area_needed_m2": round(need, 3) if np.isfinite(need) else None,
                "max_eclipse_min_beta0": round(ecl_s / 60.0, 2),
                "battery_usable_wh": round(usable_j / 3600.0, 1),
                "shielding_mm_al": d.shielding_mm_al,
            })  # fmt: skip

    # --- process --------------------------------------------------------------------------

    def _env_rows(
        self,
        chunk: EphemerisChunk,
        rad: RadiationRecord,
        sl: slice,
        valid: np.ndarray,
        allv: bool,
        m_e: np.ndarray,
        m_p: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Dose rates, Sun geometry, array power (before degradation) and radiator loads of
        the rows ``sl`` of a chunk (see :meth:`process`)."""
        p, env = self.p, self.env
        w = (_masked(valid, allv, rad.weights[0][sl], 0.0),
             _masked(valid, allv, rad.weights[1][sl], 0.0),
             _masked(valid, allv, rad.weights[2][sl], 0.0))  # fmt: skip
        cp, _, _ = radiation.depth_dose_coefficients(p.shield_mm)
        out = {
            "rate": radiation.dose_rate_from_weights(w, p.shield_mm, m_e, m_p),  # 0 if invalid
            "cell_rate": radiation.dose_rate_from_weights(w, p.coverglass_mm, m_e, m_p),
            "proton_rate": cp * m_p * w[0],
            "saa": rad.in_saa[sl] & valid,
        }
        rn, irr0, sh, sr, cz = power.sun_geometry(
            chunk.r_teme[sl], chunk.v_teme[sl], chunk.sun_teme[sl]
        )
        sunlit = _masked(valid, allv, chunk.sunlit[sl], 0.0)
        irr = _masked(valid, allv, irr0 * sunlit, 0.0)
        cosf = _masked(valid, allv, power.array_cosine(p.pointing, p.body_normal, sh, sr), 0.0)
        cos_zen = _masked(valid, allv, cz, 0.0)
        big_h = _masked(valid, allv, rn, R_EARTH_M + 550e3) / R_EARTH_M
        f_perp = thermal.earth_view_factor_perpendicular(big_h)
        albedo_flux = env.albedo * irr * np.maximum(cos_zen, 0.0)
        earth_load = (p.array_eps_f + p.array_eps_b) * env.earth_ir_w_m2 * f_perp
        earth_load += p.array_alpha * albedo_flux * f_perp
        g_arr = irr * cosf
        eta = p.cell_eff
        for _ in range(2):  # array temperature and efficiency, fixed point
            t_arr = power.array_temperature_k(g_arr, earth_load, p.array_alpha, p.array_eps_f,
                                              p.array_eps_b, eta * p.packing)  # fmt: skip
            eta = power.cell_efficiency(t_arr, p.cell_eff, p.cell_gamma, p.cell_ref_k)
        out.update(
            sunlit=sunlit, irr=irr, cosf=cosf, t_arr=t_arr,
            gen=g_arr * p.array_area_m2 * p.packing * eta,
            q_env=thermal.radiator_environment_w(
                p.rad_orientation, p.rad_two_sided, p.rad_area_m2, p.rad_alpha, p.rad_eps,
                p.rad_sun_incidence, irr, cos_zen, cos_zen, big_h, env.earth_ir_w_m2,
                env.albedo, (f_perp, thermal.earth_view_factor_nadir(big_h)),
            ),
        )  # fmt: skip
        return out

    def process(self, records: Records, ctx: RunContext) -> None:
        chunk = records.get(GeometryRecord).chunk
        rad = records.get(RadiationRecord)
        p, dt, n = self.p, self.dt, self.n
        n_t = chunk.n_time
        valid = chunk.valid & self.enabled_sat[None, :]
        allv = bool(valid.all())

        # 1. environment (from the environment stage) -------------------------------------------
        rho = records.get(AtmosphereRecord).density_kg_m3
        m_e, m_p = rad.electron_multiplier, rad.proton_multiplier
        # 1b-2. dose rates, Sun geometry, array power and radiator loads, in blocks of rows
        # that fit in cache (the elementwise chains run ~2x faster than on whole chunks)
        names = ("rate", "cell_rate", "proton_rate", "sunlit", "irr", "cosf", "gen", "t_arr",
                 "q_env")  # fmt: skip
        blk = {name: np.empty((n_t, n)) for name in names}
        saa = np.empty((n_t, n), bool)
        rows = max(1, _BLOCK_ELEMENTS // max(n, 1))
        for r0 in range(0, n_t, rows):
            sl = slice(r0, min(n_t, r0 + rows))
            part = self._env_rows(chunk, rad, sl, valid[sl], allv, m_e[sl, None], m_p[sl, None])
            for name in names:
                blk[name][sl] = part[name]
            saa[sl] = part["saa"]
        rate, cell_rate, proton_rate = blk["rate"], blk["cell_rate"], blk["proton_rate"]
        sunlit, irr, cosf = blk["sunlit"], blk["irr"], blk["cosf"]
        t_arr, q_env = blk["t_arr"], blk["q_env"]
        dose = self.dose + np.cumsum(rate * dt, axis=0)  # end of each step
        dose_prev = np.concatenate([self.dose[None], dose[:-1]], axis=0)
        # degradation per step: age and the cover-glass dose up to the step (chunk-independent)
        age_y = p.age_years + (self.elapsed_s + np.arange(n_t) * dt)[:, None] / SECONDS_PER_YEAR
        cell_dose = self.cell_dose + np.cumsum(cell_rate * dt, axis=0) - cell_rate * dt
        degr = np.exp(age_y * np.log1p(-p.array_deg_per_year))
        degr *= radiation.solar_cell_remaining_factor(cell_dose)
        gen = blk["gen"] * degr
        k_rad = (
            p.rad_eps * power.STEFAN_BOLTZMANN * p.rad_area_m2 * np.where(p.rad_two_sided, 2.0, 1.0)
        )

        # 3. the step loop --------------------------------------------------------------------
        # vectorised over the chunk where nothing depends on the state; the loop carries
        # accelerators alive, battery energy and the two temperatures
        f32 = np.float32
        shape = (n_t, n)
        out = {name: np.empty(shape, f32) for name in (
            "battery_soc", "temp_k", "radiator_temp_k", "bus_unserved_w", "curtailed_w")}  # fmt: skip
        p_acc_all = np.empty(shape)
        loss_all = np.empty(shape)
        n_ok_all = np.empty(shape, np.int16)
        p_thr = np.zeros(shape, bool)
        t_thr = np.zeros(shape, bool)
        idle_dev = p.idle_w
        demand_dev = idle_dev + p.utilization * (p.tdp_w - idle_dev)
        has_acc = p.n_acc > 0
        any_acc = bool(has_acc.any())
        flux = radiation_effects.proton_flux_cm2_s(proton_rate)
        u_fail = self.rng_fail.random(shape)  # one uniform per satellite, step and purpose
        u_sdc = self.rng_sdc.random(shape)
        u_rs = self.rng_restart.random(shape)
        # hard-failure probability per accelerator and step; the dose term only matters near
        # the tolerance (F < 1e-12 below 5 % of it), so it is evaluated only then
        dose_active = bool(np.any(dose[-1] > 0.05 * p.tid_tol_krad * 1000.0))
        if dose_active:
            p_fail = radiation_effects.step_failure_probability(
                dose_prev, dose, p.tid_tol_krad, p.tid_sigma, p.fit, dt
            )
            log_surv = np.log1p(-np.minimum(p_fail, 1.0 - 1e-16))
        else:  # random failures only: p per step ~1e-9, so n p is exact to O(p^2)
            p_fail = -np.expm1(-p.fit / 3.6e12 * dt)
        bus_all = p.bus_w * valid
        sub_dt = dt / self.n_sub
        n_ok, energy, t1, t2, prev_loss = self.n_ok, self.energy, self.t1, self.t2, self.prev_loss
        for k in range(n_t):
            ok = valid[k]
            if any_acc:
                p_any = -np.expm1(n_ok * log_surv[k]) if dose_active else n_ok * p_fail
                dead = (u_fail[k] < p_any) & ok & (n_ok > 0)
                if dead.any():
                    n_ok = n_ok - dead
                demand = n_ok * demand_dev * ok
            else:
                demand = np.zeros(n)
            gen_k, bus_k = gen[k], bus_all[k]
            avail = battery.compute_power_available_w(gen_k, bus_k, energy, p.capacity_j,
                                                      p.max_dod, p.eta_d, p.max_rate_w, dt)  # fmt: skip
            p_pow = np.minimum(demand, avail)
            # thermal: implicit, sub-stepped; throttle to the limit
            p_rad = bus_k + prev_loss + q_env[k]
            p_cur = p_pow
            p_sum = np.zeros(n) if self.n_sub > 1 else None
            for _ in range(self.n_sub):
                t1n, t2n = thermal.implicit_step(
                    t1, t2, p_cur, p_rad, p.c1, p.c2, p.g, k_rad, sub_dt
                )
                hot = (t1n > p.t_limit) & (p_cur > 0)
                if hot.any():
                    allowed = thermal.throttled_accelerator_power_w(t1, t2, p.t_limit, p_rad, p.c1,
                                                                    p.c2, p.g, k_rad, sub_dt)  # fmt: skip
                    p_cur = np.where(hot, np.clip(allowed, 0.0, p_cur), p_cur)
                    t1n, t2n = thermal.implicit_step(
                        t1, t2, p_cur, p_rad, p.c1, p.c2, p.g, k_rad, sub_dt
                    )
                    t_thr[k] |= hot
                t1, t2 = t1n, t2n
                if p_sum is not None:
                    p_sum += p_cur
            p_acc = p_cur if p_sum is None else p_sum / self.n_sub
            bs = battery.battery_step(gen_k, bus_k, p_acc, energy, p.capacity_j, p.eta_c,
                                      p.eta_d, p.max_rate_w, dt)  # fmt: skip
            energy, prev_loss = bs.energy_j, bs.loss_w
            p_acc_all[k] = p_acc
            loss_all[k] = prev_loss
            n_ok_all[k] = n_ok
            out["battery_soc"][k] = energy / p.capacity_j
            out["temp_k"][k] = t1
            out["radiator_temp_k"][k] = t2
            out["bus_unserved_w"][k] = bus_k - bs.bus_served_w
            out["curtailed_w"][k] = bs.curtailed_w
            p_thr[k] = p_pow < demand * (1.0 - 1e-9)
        self.n_ok, self.energy, self.t1, self.t2, self.prev_loss = n_ok, energy, t1, t2, prev_loss

        # delivered compute, single events and restart recovery (after the loop: vectorised,
        # on the satellites that carry accelerators only)
        cap_all = np.zeros(shape, f32)
        n_sdc_all = np.zeros(shape, np.int16)
        n_rs_all = np.zeros(shape, np.int16)
        ca = np.nonzero(has_acc)[0]
        if ca.size:
            sub = {name: getattr(p, name)[ca] for name in (
                "utilization", "perf_exp", "mem_sigma_cm2", "irr_krad", "irr_factor", "ecc",
                "ecc_escape", "avf", "sefi_sigma_cm2", "restart_s", "n_acc")}  # fmt: skip
            n_okf = n_ok_all[:, ca].astype(float)
            idle_c, dem_c = idle_dev[ca], demand_dev[ca]
            per_dev = p_acc_all[:, ca] / np.maximum(n_okf, 1.0)
            share = np.clip((per_dev - idle_c) / np.maximum(dem_c - idle_c, 1e-12), 0.0, 1.0)
            part = (share > 0.0) & (share < 1.0)  # usually none: full power or off
            perf = (share >= 1.0).astype(float)
            if part.any():
                perf[part] = share[part] ** np.broadcast_to(sub["perf_exp"], share.shape)[part]
            perf *= sub["utilization"]
            active = (n_okf > 0) & valid[:, ca] & (perf > 0)
            flux_c = flux[:, ca]
            sdc_rate = radiation_effects.silent_error_rate_per_s(
                flux_c, sub["mem_sigma_cm2"], dose[:, ca], sub["irr_krad"], sub["irr_factor"],
                True, np.where(sub["ecc"], sub["ecc_escape"], 1.0), sub["avf"],
            )  # fmt: skip
            n_sdc = radiation_effects.poisson_counts(
                u_sdc[:, ca], np.where(active, sdc_rate * n_okf * dt, 0.0)
            )
            lam_rs = np.where(active, flux_c * sub["sefi_sigma_cm2"] * n_okf * dt, 0.0)
            n_rs = radiation_effects.poisson_counts(u_rs[:, ca], lam_rs)
            # dual redundancy detects silent errors (rerun from the last checkpoint); triple
            # masks them (majority vote); without redundancy they stay silent
            tau = self.ckpt_tau[ca]
            add = n_rs * (0.5 * tau + sub["restart_s"]) + np.where(self.dual[ca], n_sdc, 0) * (
                0.5 * tau
            )
            pay = np.zeros(add.shape)
            if self.debt[ca].any() or add.any():
                debt = self.debt[ca]
                for k in range(n_t):  # lost work is paid back step by step
                    debt = debt + add[k]
                    pay[k] = np.minimum(debt, dt)
                    debt = debt - pay[k]
                self.debt[ca] = debt
            cap = perf * (n_okf / sub["n_acc"]) * self.static_eff[ca] * (1.0 - pay / dt)
            cap_all[:, ca] = np.where(active, cap, 0.0)
            n_sdc_all[:, ca] = n_sdc
            n_rs_all[:, ca] = n_rs
        masked = self.dual | self.triple
        silent = np.where(masked, 0, n_sdc_all).astype(np.int16)
        n_sdc, n_rs = n_sdc_all, n_rs_all
        out["capacity"] = cap_all
        out["compute_w"] = p_acc_all.astype(f32)
        out_b = {"power_throttled": p_thr & has_acc, "thermal_throttled": t_thr,
                 "failed": has_acc & (n_ok_all == 0)}  # fmt: skip
        out_i = {"accelerators_ok": n_ok_all, "silent_errors": silent,
                 "job_restarts": n_rs.astype(np.int16)}  # fmt: skip
        self.dose = dose[-1].copy()
        self.cell_dose = cell_dose[-1] + cell_rate[-1] * dt
        self.elapsed_s += n_t * dt
        throttled = out_b["power_throttled"] | out_b["thermal_throttled"]
        a = self.acc
        a["gen_j"] += gen.sum(0) * dt
        a["compute_j"] += p_acc_all.sum(0) * dt
        a["bus_unserved_j"] += out["bus_unserved_w"].sum(0, dtype=float) * dt
        a["curtailed_j"] += out["curtailed_w"].sum(0, dtype=float) * dt
        a["loss_j"] += loss_all.sum(0) * dt
        a["detected_errors"] += np.where(masked, n_sdc, 0).sum(0)
        a["valid_steps"] += valid.sum(0)
        a["throttled_steps"] += (throttled & valid & has_acc).sum(0)
        a["thermal_steps"] += (out_b["thermal_throttled"] & valid).sum(0)
        a["power_steps"] += (out_b["power_throttled"] & valid).sum(0)
        a["irr_factor_sum"] += (irr * cosf).sum(0) / 1361.0
        a["capacity_sum"] += out["capacity"].sum(0, dtype=float)
        a["silent_errors"] += silent.sum(0)
        a["job_restarts"] += n_rs.sum(0)
        a["saa_steps"] += saa.sum(0)
        a["density_sum"] += _masked(valid, allv, np.nan_to_num(rho), 0.0).sum(0)
        a["temp_max_k"] = np.maximum(
            a["temp_max_k"], _masked(valid, allv, out["temp_k"], -np.inf).max(0)
        )
        a["soc_min"] = np.minimum(
            a["soc_min"], _masked(valid, allv, out["battery_soc"], np.inf).min(0)
        )

        # 4. outputs -----------------------------------------------------------------------------
        records.put(SpacecraftRecord(
            k0=chunk.k0, k1=chunk.k1, capacity=out["capacity"],
            flops=out["capacity"] * p.peak_flops * (p.n_acc > 0), peak_flops=p.peak_flops * p.n_acc,
            failed=out_b["failed"], accelerators_ok=out_i["accelerators_ok"], throttled=throttled,
            sunlit=sunlit.astype(f32), battery_soc=out["battery_soc"], in_saa=saa,
            tokens_per_s=FleetThroughput(p, out["capacity"], out_i["accelerators_ok"]).tokens_per_s,
        ))  # fmt: skip
        if ctx.scenario.outputs.sat_state:
            cols = {
                "power_w": gen.astype(f32), "battery_soc": out["battery_soc"],
                "temp_k": out["temp_k"], "dose_rad": dose.astype(f32),
                "density_kg_m3": np.nan_to_num(rho).astype(f32), "compute_w": out["compute_w"],
                "throttled": throttled, "radiator_temp_k": out["radiator_temp_k"],
                "array_temp_k": t_arr.astype(f32), "sunlit": sunlit.astype(f32),
                "eclipse": sunlit < 0.5, "capacity": out["capacity"],
                "accelerators_ok": out_i["accelerators_ok"], "failed": out_b["failed"],
                "power_throttled": out_b["power_throttled"],
                "thermal_throttled": out_b["thermal_throttled"], "in_saa": saa,
                "dose_rate_rad_s": rate.astype(f32), "bus_unserved_w": out["bus_unserved_w"],
                "curtailed_w": out["curtailed_w"], "silent_errors": out_i["silent_errors"],
                "job_restarts": out_i["job_restarts"],
            }  # fmt: skip
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

    # --- finish -------------------------------------------------------------------------------

    def finish(self, final: Records, ctx: RunContext) -> None:
        a, p = self.acc, self.p
        n = self.n
        steps = np.maximum(a["valid_steps"], 1)
        dur_s = np.maximum(a["valid_steps"] * self.dt, 1e-9)
        on = self.enabled_sat & (a["valid_steps"] > 0)
        compute_sats = on & (p.n_acc > 0)
        mean_gen = a["gen_j"] / dur_s
        thr = a["throttled_steps"] / steps
        dose_run = self.dose - np.where(p.initial_dose_rad > 0, p.initial_dose_rad,
                                        self.avg_rate * p.age_years * SECONDS_PER_YEAR)  # fmt: skip
        dose_year = dose_run / dur_s * SECONDS_PER_YEAR
        irr_mean = a["irr_factor_sum"] / steps
        ratio = power.space_ground_energy_ratio(irr_mean, self.env.ground_solar_capacity_factor)
        failed_acc = p.n_acc - self.n_ok
        sat = np.arange(n, dtype=np.int32)
        tbl = pa.table({
            "sat": pa.array(sat),
            "orbit_average_power_w": pa.array(mean_gen.astype(np.float32)),
            "mean_compute_w": pa.array((a["compute_j"] / dur_s).astype(np.float32)),
            "mean_capacity": pa.array((a["capacity_sum"] / steps).astype(np.float32)),
            "throttled_fraction": pa.array(thr.astype(np.float32)),
            "thermal_throttled_fraction": pa.array((a["thermal_steps"] / steps).astype(np.float32)),
            "dose_rad": pa.array(self.dose.astype(np.float32)),
            "dose_rad_per_year": pa.array(dose_year.astype(np.float32)),
            "orbit_average_dose_rad_per_year": pa.array((self.avg_rate * SECONDS_PER_YEAR).astype(np.float32)),
            "saa_fraction": pa.array((a["saa_steps"] / steps).astype(np.float32)),
            "mean_density_kg_m3": pa.array((a["density_sum"] / steps).astype(np.float32)),
            "temp_max_k": pa.array(np.where(on, a["temp_max_k"], np.nan).astype(np.float32),
                                   mask=~on),
            "battery_soc_min": pa.array(np.where(on, a["soc_min"], np.nan).astype(np.float32),
                                        mask=~on),
            "bus_unserved_wh": pa.array((a["bus_unserved_j"] / 3600).astype(np.float32)),
            "space_ground_energy_ratio": pa.array(ratio.astype(np.float32)),
            "accelerators": pa.array(p.n_acc.astype(np.int16)),
            "accelerators_failed": pa.array(failed_acc.astype(np.int16)),
            "silent_errors": pa.array(a["silent_errors"].astype(np.int32)),
            "job_restarts": pa.array(a["job_restarts"].astype(np.int32)),
            "checkpoint_interval_s": pa.array(self.ckpt_tau.astype(np.float32)),
            "mass_kg": pa.array(np.array([self.mass[s]["total"] for s in np.asarray(ctx.sats.shell)],
                                         dtype=np.float32)),
        })  # fmt: skip
        ctx.sink.write("sat_summary", tbl)

        def mean(x: np.ndarray, m: np.ndarray) -> float | None:
            return round(float(np.mean(x[m])), 6) if m.any() else None

        k = ctx.kpis
        k["orbit_average_power_w"] = mean(mean_gen, on)
        k["throttled_fraction"] = mean(thr, compute_sats)
        k["dose_rad_per_year"] = mean(dose_year, on)
        k["space_ground_energy_ratio"] = mean(ratio, on)
        k["compute_capacity_mean"] = mean(a["capacity_sum"] / steps, compute_sats)
        k["accelerator_temp_max_k"] = (
            round(float(np.max(a["temp_max_k"][on])), 2) if on.any() else None
        )
        k["battery_soc_min"] = round(float(np.min(a["soc_min"][on])), 4) if on.any() else None
        k["accelerators_failed"] = int(failed_acc.sum())
        k["silent_errors"] = int(a["silent_errors"].sum())
        k["job_restarts"] = int(a["job_restarts"].sum())
        unserved = a["bus_unserved_j"] > 0
        if unserved.any():
            ctx.warnings.append(
                f"{int(unserved.sum())} satellite(s) could not power their bus at some steps "
                f"({a['bus_unserved_j'].sum() / 3600:.1f} Wh unserved): battery too small for "
                "eclipse or array too small for the load"
            )
        thermal_frac = a["thermal_steps"] / steps
        if (compute_sats & (thermal_frac > 0.5)).any():
            ctx.warnings.append(
                f"{int((compute_sats & (thermal_frac > 0.5)).sum())} satellite(s) were thermally "
                "throttled more than half of the time: radiator too small for the compute load"
            )
        shell = np.asarray(ctx.sats.shell)
        by_c = {}
        for i, c in enumerate(ctx.scenario.constellations):
            m = on & (shell == i)
            if m.any():
                by_c[c.name] = {
                    "satellites": int(m.sum()),
                    "orbit_average_power_w": mean(mean_gen, m),
                    "throttled_fraction": mean(thr, m & (p.n_acc > 0)),
                    "dose_rad_per_year": mean(dose_year, m),
                    "space_ground_energy_ratio": mean(ratio, m),
                    "compute_capacity_mean": mean(a["capacity_sum"] / steps, m & (p.n_acc > 0)),
                }
        final.put(SpacecraftTotals(
            compute_capacity_mean=k["compute_capacity_mean"],
            accelerators_failed=int(failed_acc.sum()),
            compute_energy_j=float(a["compute_j"].sum()),
        ))  # fmt: skip
        ctx.summary["spacecraft"] = {
            "designs": self.design_summary,
            "by_constellation": by_c,
            "energy_j": {
                "generated": float(a["gen_j"].sum()), "compute": float(a["compute_j"].sum()),
                "curtailed": float(a["curtailed_j"].sum()), "losses": float(a["loss_j"].sum()),
                "bus_unserved": float(a["bus_unserved_j"].sum()),
                "stored_change": float((self.energy - self.energy0).sum()),
            },
            "ground_solar_capacity_factor": self.env.ground_solar_capacity_factor,
            "space_ground_energy_ratio_note": (
                "1361 W/m2 x mean(sunlit x pointing cosine) / (1000 W/m2 x ground capacity factor)"
            ),
            "detected_errors": int(a["detected_errors"].sum()),
            "mean_checkpoint_interval_s": mean(self.ckpt_tau, compute_sats),
            "radiation_model": "SPENVIS AP-8 MIN/AE-8 MAX SHIELDOSE-2 calibrated maps (550 km)",
        }  # fmt: skip
