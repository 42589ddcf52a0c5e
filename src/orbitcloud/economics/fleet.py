"""From a scenario's spacecraft designs and economics section to :class:`CostInputs`.

The satellite mass comes from the spacecraft mass budget
(:func:`orbitcloud.spacecraft.design.mass_budget_kg`), the array power from its area and cell
efficiency at 1361 W/m2, and the design throughput per accelerator from the roofline LLM model
(:func:`orbitcloud.spacecraft.compute.llm_tokens_per_s`). What a run measured (delivered
capacity, failures, tokens served and busy shares on both sides) enters through
:class:`RunMeasurements`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from orbitcloud.economics.costs import (
    ACCELERATOR_PRICE_USD,
    DEFAULT_ACCELERATOR_PRICE_USD,
    HOURS_PER_YEAR,
    CostInputs,
    launch_price_usd_per_kg,
)
from orbitcloud.scenario.economics import EconomicsSpec
from orbitcloud.scenario.presets import LLM_MODELS
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft.compute import BYTES_PER_PARAM, LlmSpec, llm_tokens_per_s
from orbitcloud.spacecraft.design import mass_budget_kg

SOLAR_CONSTANT_W_M2 = 1361.0
"""Total solar irradiance (Kopp & Lean 2011, GRL 38 L01706), for the array's BOL rating."""

MIN_RUN_DAYS_FOR_FAILURE_RATE = 30.0
"""Shortest run whose accelerator failures are used as a rate (assumed: shorter runs see too
few failures to estimate a yearly rate; the catalogue FIT is used instead)."""


@dataclass
class RunMeasurements:
    """What the simulation measured; None where the stage did not run."""

    duration_s: float
    capacity_mean: float | None = None
    accelerators_failed: int | None = None
    orbital_tokens_served: float | None = None
    """output tokens the orbital system served in the run [tokens]"""
    orbital_utilisation: float | None = None
    """busy share of the orbital accelerators' usable time in the run [1]"""
    terrestrial_tokens_served: float | None = None
    """output tokens the run's terrestrial data centres served [tokens]"""
    terrestrial_utilisation: float | None = None
    """busy share of the terrestrial accelerators' time in the run [1]"""
    terrestrial_accelerators: int | None = None
    """accelerators of the run's terrestrial data centres"""
    notes: list[str] = field(default_factory=list)


@dataclass
class FleetDesign:
    """Totals of the fleet (all constellations with accelerators)."""

    n_sat: int
    n_acc: int
    mass_kg: float
    bus_mass_kg: float
    power_system_mass_kg: float
    array_power_w: float
    radiator_m2: float
    battery_wh: float
    lasers: int
    acc_tdp_w: float
    acc_idle_w: float
    host_w_per_acc: float
    tokens_per_acc_s: float
    accelerator_usd: float
    fit_per_year: float
    accelerators: list[str]


def fleet_design(
    spec: EconomicsSpec, designs: list[SpacecraftSpec], counts: list[int]
) -> FleetDesign:
    """Sum the designs of the constellations (``counts[i]`` satellites of ``designs[i]``).

    Only satellites with accelerators count: a communications-only shell (Starlink-class) is
    not part of the compute fleet whose cost is compared.

    Parameters
    ----------
    spec : the economics section
    designs : resolved designs, one per constellation
    counts : satellites per constellation
    """
    llm = LlmSpec.from_dict(LLM_MODELS[spec.model])
    tot: dict[str, float] = dict.fromkeys(
        ("n_sat", "n_acc", "mass", "bus", "psys", "array_w", "rad", "batt", "lasers", "tdp",
         "idle", "host", "tps", "usd", "fit"), 0.0
    )  # fmt: skip
    names: list[str] = []
    for d, n in zip(designs, counts, strict=True):
        acc = d.compute.accelerator_spec()
        if acc is None or n == 0:
            continue
        k = d.compute.count
        m = mass_budget_kg(d)
        sa = d.solar_array
        name = d.compute.accelerator if isinstance(d.compute.accelerator, str) else "custom"
        names.append(name)
        price = spec.hardware.accelerator_usd
        if price is None:
            price = ACCELERATOR_PRICE_USD.get(name, DEFAULT_ACCELERATOR_PRICE_USD)
        prec = d.compute.precision
        peak = acc.peak_tflops.get(prec, max(acc.peak_tflops.values())) * 1e12
        tps_sat = float(
            llm_tokens_per_s(
                llm, peak, acc.hbm_gb * 1e9, acc.hbm_tb_s * 1e12, BYTES_PER_PARAM[prec],
                np.array(float(k)), np.array(1.0), spec.batch, spec.input_tokens,
                spec.output_tokens,
            )
        )  # fmt: skip
        nk = n * k
        tot["n_sat"] += n
        tot["n_acc"] += nk
        tot["mass"] += n * m["total"]
        tot["bus"] += n * m["bus"]
        tot["psys"] += n * (m["solar_array"] + m["battery"] + m["radiator"])
        tot["array_w"] += n * sa.area_m2 * sa.efficiency * sa.packing_factor * SOLAR_CONSTANT_W_M2
        tot["rad"] += n * d.radiator.area_m2
        tot["batt"] += n * d.battery.capacity_wh
        tot["lasers"] += n * d.lasers.count
        tot["tdp"] += nk * acc.tdp_w
        tot["idle"] += nk * acc.idle_w
        tot["host"] += n * d.compute.host_power_w
        tot["tps"] += n * tps_sat
        tot["usd"] += nk * price
        tot["fit"] += nk * acc.random_failure_fit * HOURS_PER_YEAR * 1e-9
    na = max(tot["n_acc"], 1.0)
    return FleetDesign(
        n_sat=int(tot["n_sat"]), n_acc=int(tot["n_acc"]), mass_kg=tot["mass"],
        bus_mass_kg=tot["bus"], power_system_mass_kg=tot["psys"], array_power_w=tot["array_w"],
        radiator_m2=tot["rad"], battery_wh=tot["batt"], lasers=int(tot["lasers"]),
        acc_tdp_w=tot["tdp"] / na, acc_idle_w=tot["idle"] / na, host_w_per_acc=tot["host"] / na,
        tokens_per_acc_s=tot["tps"] / na, accelerator_usd=tot["usd"] / na,
        fit_per_year=tot["fit"] / na, accelerators=sorted(set(names)),
    )  # fmt: skip


def cost_inputs(spec: EconomicsSpec, fleet: FleetDesign, run: RunMeasurements) -> CostInputs:
    """Flat model inputs from the economics section, the fleet and what the run measured.

    Appends a note to ``run.notes`` for every figure taken from the design instead of the run.
    """
    la, hw, orb, ter = spec.launch, spec.hardware, spec.orbital, spec.terrestrial
    years = run.duration_s / (HOURS_PER_YEAR * 3600.0)
    notes = run.notes
    availability = orb.availability
    if run.capacity_mean is not None:
        availability = max(float(run.capacity_mean), 1e-9)
    else:
        notes.append(
            f"delivered capacity from the design availability {orb.availability:g} "
            "(no spacecraft run)"
        )
    failure = orb.accelerator_failure_per_year
    if failure is None:
        long_run = years * 365.25 >= MIN_RUN_DAYS_FOR_FAILURE_RATE
        if run.accelerators_failed is not None and long_run and fleet.n_acc:
            failure = run.accelerators_failed / fleet.n_acc / years
        else:
            failure = fleet.fit_per_year
            notes.append(
                f"accelerator failure rate {failure:.4g}/yr from the catalogue FIT (run shorter "
                f"than {MIN_RUN_DAYS_FOR_FAILURE_RATE:g} days or no spacecraft run)"
            )
    m_tok_o, m_tph_t = measured_rates(run, years)
    if m_tok_o is None or m_tph_t is None:
        notes.append(
            "no measured basis: the run did not serve inference on both sides (no operations "
            "run, or nothing served); the design basis stands alone"
        )
    price = launch_price_usd_per_kg(
        la.price_usd_per_kg, la.annual_decline, la.reference_year, la.launch_year
    )
    return CostInputs(
        n_sat=fleet.n_sat, n_acc=fleet.n_acc, fleet_mass_kg=fleet.mass_kg,
        bus_mass_kg=fleet.bus_mass_kg, power_system_mass_kg=fleet.power_system_mass_kg,
        array_power_w=fleet.array_power_w, radiator_m2=fleet.radiator_m2,
        battery_wh=fleet.battery_wh, lasers=fleet.lasers, acc_tdp_w=fleet.acc_tdp_w,
        acc_idle_w=fleet.acc_idle_w, host_w_per_acc=fleet.host_w_per_acc,
        tokens_per_acc_s=fleet.tokens_per_acc_s,
        launch_usd_per_kg=price + la.integration_usd_per_kg,
        accelerator_usd=fleet.accelerator_usd, host_usd_per_acc=hw.host_usd_per_accelerator,
        solar_usd_per_w=hw.solar_array_usd_per_w, radiator_usd_per_m2=hw.radiator_usd_per_m2,
        battery_usd_per_wh=hw.battery_usd_per_wh, laser_usd=hw.laser_terminal_usd,
        bus_usd_per_kg=hw.bus_usd_per_kg, integration_fraction=hw.integration_fraction,
        discount_rate=spec.discount_rate, design_life_years=orb.design_life_years,
        spares_fraction=orb.spares_fraction, failure_per_year=failure,
        ground_segment_usd=orb.ground_segment_usd,
        ground_life_years=orb.ground_segment_life_years,
        ops_usd_per_sat_year=orb.operations_usd_per_sat_year, availability=availability,
        utilization=orb.utilization, dc_capex_usd_per_mw=ter.capex_usd_per_mw,
        dc_facility_life_years=ter.facility_life_years,
        dc_hardware_life_years=ter.hardware_life_years,
        electricity_usd_per_kwh=ter.electricity_usd_per_kwh, pue=ter.pue,
        water_l_per_kwh=ter.water_l_per_kwh, water_usd_per_m3=ter.water_usd_per_m3,
        land_m2_per_mw=ter.land_m2_per_mw, land_usd_per_m2=ter.land_usd_per_m2,
        dc_maintenance_fraction=ter.maintenance_fraction_per_year,
        dc_utilization=ter.utilization if ter.utilization is not None else orb.utilization,
        dc_failure_per_year=fleet.fit_per_year,
        measured_orbital_tokens_per_year=m_tok_o,
        measured_orbital_utilization=run.orbital_utilisation,
        measured_terrestrial_tokens_per_acc_hour=m_tph_t,
        measured_terrestrial_utilization=run.terrestrial_utilisation,
    )  # fmt: skip


def measured_rates(run: RunMeasurements, years: float) -> tuple[float | None, float | None]:
    """Orbital tokens per year and terrestrial tokens per accelerator-hour the run served.

    Terrestrial: tokens served / (accelerators x run hours) (data centres are up all the run
    but for outages, whose lost hours count against them as they would in a bill). None where
    the run did not measure a figure.
    """
    tok_o = None
    if run.orbital_tokens_served is not None and years > 0:
        tok_o = float(run.orbital_tokens_served) / years
    tph_t = None
    n_t, tok_t = run.terrestrial_accelerators, run.terrestrial_tokens_served
    if n_t and tok_t is not None and run.duration_s > 0:
        tph_t = float(tok_t) / (n_t * run.duration_s / 3600.0)
    return tok_o, tph_t
