"""Resolved spacecraft designs as per-satellite parameter arrays, and the mass budget.

:class:`FleetParams` turns one resolved :class:`~orbitcloud.scenario.spacecraft.SpacecraftSpec`
per constellation into ``(n_sat,)`` arrays in SI units (converted here, once), so the models
run on all satellites at once whatever mix of designs a scenario has.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from orbitcloud.scenario.spacecraft import AcceleratorSpec, SpacecraftSpec
from orbitcloud.spacecraft.power import BODY_NORMAL_CODES, POINTING_CODES
from orbitcloud.spacecraft.radiation_effects import REDUNDANCY_FACTOR, shielding_mass_kg
from orbitcloud.spacecraft.thermal import ORIENTATION_CODES

WH_TO_J = 3600.0


def mass_budget_kg(spec: SpacecraftSpec) -> dict[str, float]:
    """Mass of one satellite from its parts [kg].

    Bus (dry) + solar array (area x areal mass) + battery (capacity / specific energy) +
    radiator (area x areal mass; both faces of a two-sided plate are one plate) + accelerators +
    laser terminals + spherical aluminium shielding around the electronics enclosure.

    Parameters
    ----------
    spec : a resolved design (:meth:`SpacecraftSpec.resolve`)

    Returns
    -------
    ``{part: kg, ..., "total": kg}``

    References
    ----------
    Mass-budget practice of Wertz & Larson, Space Mission Analysis and Design, 3rd ed., sec. 10.
    """
    acc = spec.compute.accelerator_spec()
    parts = {
        "bus": spec.bus.mass_kg,
        "solar_array": spec.solar_array.area_m2 * spec.solar_array.mass_kg_per_m2,
        "battery": spec.battery.capacity_wh / spec.battery.specific_energy_wh_kg,
        "radiator": spec.radiator.area_m2 * spec.radiator.mass_kg_per_m2,
        "accelerators": (acc.mass_kg * spec.compute.count) if acc else 0.0,
        "lasers": spec.lasers.count * spec.lasers.mass_kg,
        "shielding": float(shielding_mass_kg(spec.shielded_volume_l, spec.shielding_mm_al)),
    }
    parts["total"] = float(sum(parts.values()))
    return {k: round(float(v), 3) for k, v in parts.items()}


@dataclass
class FleetParams:
    """Per-satellite design parameters, SI units, all ``(n_sat,)`` arrays."""

    # power
    array_area_m2: np.ndarray
    cell_eff: np.ndarray
    cell_ref_k: np.ndarray
    cell_gamma: np.ndarray
    packing: np.ndarray
    pointing: np.ndarray
    body_normal: np.ndarray
    array_alpha: np.ndarray
    array_eps_f: np.ndarray
    array_eps_b: np.ndarray
    array_deg_per_year: np.ndarray
    coverglass_mm: np.ndarray
    age_years: np.ndarray
    bus_w: np.ndarray
    # battery
    capacity_j: np.ndarray
    max_dod: np.ndarray
    eta_c: np.ndarray
    eta_d: np.ndarray
    max_rate_w: np.ndarray
    initial_soc: np.ndarray
    # radiator and thermal
    rad_area_m2: np.ndarray
    rad_eps: np.ndarray
    rad_alpha: np.ndarray
    rad_two_sided: np.ndarray
    rad_orientation: np.ndarray
    rad_sun_incidence: np.ndarray
    c1: np.ndarray
    c2: np.ndarray
    g: np.ndarray
    t_init: np.ndarray
    t_limit: np.ndarray
    max_substep_s: np.ndarray
    # compute
    n_acc: np.ndarray
    peak_flops: np.ndarray
    tdp_w: np.ndarray
    idle_w: np.ndarray
    perf_exp: np.ndarray
    utilization: np.ndarray
    hbm_bytes: np.ndarray
    hbm_bytes_per_s: np.ndarray
    precision_bytes: np.ndarray
    # radiation
    shield_mm: np.ndarray
    initial_dose_rad: np.ndarray
    tid_tol_krad: np.ndarray
    tid_sigma: np.ndarray
    irr_krad: np.ndarray
    irr_factor: np.ndarray
    mem_sigma_cm2: np.ndarray
    sefi_sigma_cm2: np.ndarray
    fit: np.ndarray
    ecc: np.ndarray
    ecc_cost: np.ndarray
    ecc_escape: np.ndarray
    avf: np.ndarray
    ckpt_interval_s: np.ndarray
    ckpt_cost_s: np.ndarray
    restart_s: np.ndarray
    redundancy: np.ndarray

    @staticmethod
    def from_designs(designs: list[SpacecraftSpec], shell: np.ndarray) -> FleetParams:
        """Parameters of every satellite: ``designs[shell[sat]]``.

        Parameters
        ----------
        designs : one resolved design per constellation entry
        shell : (n_sat,) constellation index of each satellite
        """
        from orbitcloud.spacecraft.compute import BYTES_PER_PARAM

        rows: list[dict[str, float]] = []
        for d in designs:
            acc: AcceleratorSpec | None = d.compute.accelerator_spec()
            sa, bt, rd, th, mt = d.solar_array, d.battery, d.radiator, d.thermal, d.mitigation
            n_acc = d.compute.count if acc else 0
            prec = d.compute.precision
            peak = 0.0
            if acc:
                peak = acc.peak_tflops.get(prec, max(acc.peak_tflops.values())) * 1e12
            rows.append(
                {
                    "array_area_m2": sa.area_m2, "cell_eff": sa.efficiency,
                    "cell_ref_k": sa.reference_temp_k, "cell_gamma": sa.temp_coeff_per_k,
                    "packing": sa.packing_factor, "pointing": POINTING_CODES[sa.pointing],
                    "body_normal": BODY_NORMAL_CODES[sa.body_normal],
                    "array_alpha": sa.absorptance, "array_eps_f": sa.emissivity_front,
                    "array_eps_b": sa.emissivity_back,
                    "array_deg_per_year": sa.degradation_per_year,
                    "coverglass_mm": sa.coverglass_mm_al, "age_years": d.age_years,
                    "bus_w": d.bus.power_w + d.compute.host_power_w * (n_acc > 0)
                    + d.lasers.count * d.lasers.power_w,
                    "capacity_j": bt.capacity_wh * WH_TO_J, "max_dod": bt.max_dod,
                    "eta_c": bt.charge_efficiency, "eta_d": bt.discharge_efficiency,
                    "max_rate_w": bt.max_c_rate * bt.capacity_wh, "initial_soc": bt.initial_soc,
                    "rad_area_m2": rd.area_m2, "rad_eps": rd.emissivity,
                    "rad_alpha": rd.absorptance, "rad_two_sided": rd.two_sided,
                    "rad_orientation": ORIENTATION_CODES[rd.orientation],
                    "rad_sun_incidence": rd.sun_incidence,
                    "c1": th.accelerator_heat_capacity_j_k, "c2": th.radiator_heat_capacity_j_k,
                    "g": th.conductance_w_k, "t_init": th.initial_temp_k,
                    "t_limit": d.compute.temp_limit_k, "max_substep_s": th.max_substep_s,
                    "n_acc": n_acc, "peak_flops": peak,
                    "tdp_w": acc.tdp_w if acc else 1.0, "idle_w": acc.idle_w if acc else 0.0,
                    "perf_exp": acc.power_perf_exponent if acc else 1.0,
                    "utilization": d.compute.utilization,
                    "hbm_bytes": acc.hbm_gb * 1e9 if acc else 0.0,
                    "hbm_bytes_per_s": acc.hbm_tb_s * 1e12 if acc else 0.0,
                    "precision_bytes": BYTES_PER_PARAM[prec],
                    "shield_mm": d.shielding_mm_al, "initial_dose_rad": d.initial_dose_rad,
                    "tid_tol_krad": acc.tid_tolerance_krad if acc else 1e9,
                    "tid_sigma": acc.tid_sigma_ln if acc else 0.3,
                    "irr_krad": acc.hbm_irregularity_krad if acc else 1e9,
                    "irr_factor": acc.hbm_irregularity_factor if acc else 1.0,
                    "mem_sigma_cm2": acc.memory_seu_cross_section_cm2 if acc else 0.0,
                    "sefi_sigma_cm2": acc.sefi_cross_section_cm2 if acc else 0.0,
                    "fit": acc.random_failure_fit if acc else 0.0,
                    "ecc": mt.ecc, "ecc_cost": mt.ecc_throughput_cost if mt.ecc else 0.0,
                    "ecc_escape": mt.ecc_escape_fraction, "avf": mt.vulnerability_factor,
                    "ckpt_interval_s": mt.checkpoint_interval_s or 0.0,
                    "ckpt_cost_s": mt.checkpoint_cost_s, "restart_s": mt.restart_time_s,
                    "redundancy": REDUNDANCY_FACTOR[mt.redundancy],
                }
            )  # fmt: skip
        out = {}
        idx = np.asarray(shell, dtype=np.int64)
        ints = {"pointing", "body_normal", "rad_orientation", "n_acc"}
        bools = {"rad_two_sided", "ecc"}
        for f in fields(FleetParams):
            col = np.array([r[f.name] for r in rows])
            dtype = np.int64 if f.name in ints else bool if f.name in bools else float
            out[f.name] = col.astype(dtype)[idx]
        return FleetParams(**out)
