"""Scenario section of the cost model (``economics:``), every input with a cited default.

Money is in US dollars of one year (no inflation model), so the field names carry ``usd``.
Sources are named beside each default; "assumed" marks an engineering estimate where nothing is
published, "(secondary)" a press or summary figure (shared/VALIDATION.md conventions). The model
itself is :mod:`orbitcloud.economics`; see docs/scenario-economics.md and
docs/models-economics.md.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from orbitcloud.scenario.base import Model


class LaunchCostSpec(Model):
    """Launch price per kg to LEO and its trend by year.

    ``price(year) = price_usd_per_kg * (1 - annual_decline) ** (year - reference_year)``;
    with ``annual_decline: 0`` the price is constant.
    """

    price_usd_per_kg: float = Field(
        3600.0,  # Falcon 9 today, about $3,600/kg (VALIDATION.md H, press, secondary)
        ge=0,
        le=1e7,
        description="launch price at reference_year [USD/kg]",
    )
    reference_year: int = Field(2025, ge=1957, le=2200, description="year of price_usd_per_kg")
    launch_year: int = Field(2025, ge=1957, le=2200, description="year the fleet launches")
    annual_decline: float = Field(
        0.0,  # constant by default; Suncatcher (arXiv:2511.19468) projects ~$200/kg by the
        # mid-2030s, i.e. about 0.25/yr from $3,600/kg over 10 years
        ge=0,
        lt=1,
        description="fractional price fall per year [1/yr]",
    )
    integration_usd_per_kg: float = Field(
        0.0,  # assumed: dispenser/integration folded into the price by default
        ge=0,
        le=1e7,
        description="launch integration, dispensers and insurance per kg [USD/kg]",
    )


class HardwareCostSpec(Model):
    """Unit prices of the satellite hardware (the mass and sizes come from the spacecraft)."""

    accelerator_usd: float | None = Field(
        None,
        ge=0,
        le=1e8,
        description="price of one accelerator [USD]; None: the catalogue price "
        "(orbitcloud.economics.costs.ACCELERATOR_PRICE_USD)",
    )
    host_usd_per_accelerator: float = Field(
        5000.0,  # assumed: CPU, NIC, memory and board share per accelerator (server BOM share)
        ge=0,
        le=1e8,
    )
    solar_array_usd_per_w: float = Field(
        50.0,  # assumed: mass-produced space arrays; heritage triple-junction wings cost
        # $300-1000/W (NASA SST report 2023, power chapter), Starcloud's thin film $0.03/W
        ge=0,
        le=1e5,
        description="solar array price per W of BOL power at 1361 W/m2 [USD/W]",
    )
    radiator_usd_per_m2: float = Field(
        10_000.0,  # assumed: deployable honeycomb panel with heat pipes, order of magnitude
        ge=0,
        le=1e8,
    )
    battery_usd_per_wh: float = Field(
        2.0,  # assumed: space-qualified Li-ion packs, about 10x terrestrial packs ($0.15/Wh, BNEF 2023)
        ge=0,
        le=1e5,
    )
    laser_terminal_usd: float = Field(
        250_000.0,  # assumed: mass-produced optical terminal (SDA Tranche-class, secondary)
        ge=0,
        le=1e9,
    )
    bus_usd_per_kg: float = Field(
        5000.0,  # assumed: mass-produced bus; Starlink v1 ~ $0.5M for ~260 kg (press, secondary)
        ge=0,
        le=1e8,
        description="bus (structure, ADCS, avionics, propulsion) price per kg of bus dry mass",
    )
    integration_fraction: float = Field(
        0.10,  # assumed: assembly, integration and test as a share of hardware (SMAD sec. 20)
        ge=0,
        le=5,
    )


class OrbitalCostSpec(Model):
    """Life, failures, ground segment and operations of the orbital system."""

    design_life_years: float = Field(
        5.0,  # Suncatcher's framing uses a 5-year satellite life (arXiv:2511.19468)
        ge=1,
        le=50,
        description="satellite design life [yr] (>= 1)",
    )
    spares_fraction: float = Field(
        0.05,  # assumed: in-orbit/ground spares and launch failures (~2-5 % launch loss)
        ge=0,
        le=5,
    )
    accelerator_failure_per_year: float | None = Field(
        None,
        ge=0,
        le=10,
        description="accelerator failure rate (radiation + random) [1/yr]; None: measured by the "
        "spacecraft stage when it ran, else from the catalogue FIT",
    )
    ground_segment_usd: float = Field(
        20_000_000.0,  # assumed: ~10 gateways at ~$2M (press on LEO gateway costs, secondary)
        ge=0,
        le=1e13,
    )
    ground_segment_life_years: float = Field(15.0, ge=1, le=100)  # assumed: infrastructure life
    operations_usd_per_sat_year: float = Field(
        50_000.0,  # assumed: automated constellation ops, staff and licences per satellite
        ge=0,
        le=1e10,
    )
    utilization: float = Field(
        0.6,  # assumed: inference fleets run at 40-70 % of peak; used when no operations run
        gt=0,
        le=1,
        description="share of delivered capacity that does useful work (design throughput)",
    )
    availability: float = Field(
        0.95,  # Starcloud: >95 % capacity factor in a dawn-dusk orbit (VALIDATION C, secondary)
        gt=0,
        le=1,
        description="delivered fraction of peak compute when no spacecraft run measured it",
    )


class TerrestrialCostSpec(Model):
    """A terrestrial data centre with the same accelerators."""

    capex_usd_per_mw: float = Field(
        11_700_000.0,  # Cushman & Wakefield, Data Center Development Cost Guide 2024: ~$11.7M/MW IT
        ge=0,
        le=1e10,
        description="facility capex per MW of IT load [USD/MW]",
    )
    facility_life_years: float = Field(20.0, ge=1, le=100)  # assumed: shell and M&E plant life
    hardware_life_years: float = Field(
        5.0,  # hyperscaler server depreciation, 5-6 years (company 10-K filings, secondary)
        ge=1,
        le=50,
    )
    electricity_usd_per_kwh: float = Field(
        0.081,  # US EIA Electric Power Monthly, average industrial price 2024: 8.1 c/kWh
        ge=0,
        le=10,
    )
    pue: float = Field(1.58, ge=1, le=5)  # Uptime Institute global survey 2023 average
    water_l_per_kwh: float = Field(
        1.8,  # Shehabi et al. 2016 (LBNL), US data centre average WUE about 1.8 L/kWh
        ge=0,
        le=100,
    )
    water_usd_per_m3: float = Field(2.0, ge=0, le=1000)  # assumed: US commercial water tariff
    land_m2_per_mw: float = Field(
        4000.0,  # assumed: about 1 acre per MW of IT for a campus
        ge=0,
        le=1e7,
    )
    land_usd_per_m2: float = Field(50.0, ge=0, le=1e6)  # assumed: industrial land ~$200k/acre
    maintenance_fraction_per_year: float = Field(
        0.03,  # assumed: facility O&M and staff as a share of facility capex per year
        ge=0,
        le=1,
    )
    utilization: float | None = Field(
        None, gt=0, le=1, description="None: the orbital utilisation (same workload)"
    )


class EconomicsSpec(Model):
    """Cost inputs, each with a cited default (docs/scenario-economics.md)."""

    discount_rate: float = Field(
        0.08,  # assumed: WACC of data-centre and satellite operators, 6-10 %
        ge=0,
        le=0.5,
        description="real discount rate for the capital recovery factor [1/yr]",
    )
    launch: LaunchCostSpec = Field(default_factory=LaunchCostSpec)
    hardware: HardwareCostSpec = Field(default_factory=HardwareCostSpec)
    orbital: OrbitalCostSpec = Field(default_factory=OrbitalCostSpec)
    terrestrial: TerrestrialCostSpec = Field(default_factory=TerrestrialCostSpec)
    model: str = Field(
        "llama-3-8b", description="LLM for the design throughput (presets.LLM_MODELS)"
    )
    batch: int = Field(64, ge=1, le=100_000)
    input_tokens: int = Field(512, ge=1, le=1_000_000)
    output_tokens: int = Field(256, ge=1, le=1_000_000)
    sensitivity_fraction: float = Field(
        0.2, gt=0, lt=1, description="tornado swing: each input at (1 -/+ this) x its value"
    )

    @model_validator(mode="after")
    def _check(self) -> EconomicsSpec:
        from orbitcloud.scenario.presets import LLM_MODELS

        if self.model not in LLM_MODELS:
            raise ValueError(f"unknown model {self.model!r}; models: {', '.join(LLM_MODELS)}")
        if self.launch.launch_year < self.launch.reference_year and self.launch.annual_decline:
            raise ValueError(
                f"launch.launch_year {self.launch.launch_year} is before reference_year "
                f"{self.launch.reference_year}: the decline extrapolates forward only"
            )
        return self
