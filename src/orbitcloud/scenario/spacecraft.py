"""Scenario section of one constellation's spacecraft: a hardware preset plus overrides.

``constellations[i].spacecraft`` names a preset (:mod:`orbitcloud.scenario.presets`) and may
override any field; fields carry their unit in the name and the models convert to SI once.
:meth:`SpacecraftSpec.resolve` merges preset and overrides into a complete design (every field
set), validated with the same strict models; see docs/scenario-spacecraft.md.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from pydantic import Field, model_validator

from orbitcloud.scenario.base import Model
from orbitcloud.scenario.presets import (
    ACCELERATORS,
    DEFAULT_PRESET,
    DEFAULT_PRESET_BY_KIND,
    SATELLITES,
)

Precision = Literal["fp32", "bf16", "fp8", "int8"]


class BusSpec(Model):
    """Platform without payload: structure, avionics, ADCS, propulsion (dry), harness."""

    mass_kg: float = Field(100.0, gt=0, le=100_000, description="bus dry mass [kg]")
    power_w: float = Field(200.0, ge=0, le=10_000_000, description="constant bus load [W]")


class SolarArraySpec(Model):
    """Solar array: area, cells, pointing, degradation (see docs/models-spacecraft.md)."""

    area_m2: float = Field(10.0, gt=0, le=1_000_000, description="array area [m2]")
    efficiency: float = Field(
        0.298, gt=0, le=0.7, description="cell efficiency at reference T, AM0"
    )
    reference_temp_k: float = Field(301.15, gt=100, lt=500, description="efficiency reference [K]")
    temp_coeff_per_k: float = Field(
        -0.0022, ge=-0.02, le=0.0, description="relative efficiency change per K [1/K]"
    )
    packing_factor: float = Field(0.9, gt=0, le=1, description="cell area / panel area")
    pointing: Literal["sun_tracking", "single_axis", "body_fixed"] = "sun_tracking"
    body_normal: Literal["zenith", "orbit_normal", "anti_orbit_normal", "orbit_normal_sunward"] = (
        "zenith"
    )
    absorptance: float = Field(0.91, gt=0, le=1, description="solar absorptance of the front")
    emissivity_front: float = Field(0.85, gt=0, le=1)
    emissivity_back: float = Field(0.85, ge=0, le=1)
    degradation_per_year: float = Field(
        0.005, ge=0, lt=0.5, description="non-radiation power loss per year (UV, cycling) [1/yr]"
    )
    coverglass_mm_al: float = Field(
        0.1, ge=0, le=5, description="cover-glass shielding, Al-equivalent [mm]"
    )
    mass_kg_per_m2: float = Field(2.0, gt=0, le=50)


class BatterySpec(Model):
    """Battery: capacity, depth-of-discharge limit, efficiencies, rate limit."""

    capacity_wh: float = Field(1000.0, gt=0, le=1e9)
    max_dod: float = Field(0.8, gt=0, le=1, description="usable fraction for the compute load")
    charge_efficiency: float = Field(0.95, gt=0, le=1)
    discharge_efficiency: float = Field(0.95, gt=0, le=1)
    max_c_rate: float = Field(
        1.0, gt=0, le=20, description="max charge/discharge power / capacity [1/h]"
    )
    initial_soc: float = Field(1.0, ge=0, le=1)
    specific_energy_wh_kg: float = Field(150.0, gt=0, le=1000, description="pack level [Wh/kg]")


class RadiatorSpec(Model):
    """Radiator: area, optical properties, sides and orientation."""

    area_m2: float = Field(2.0, gt=0, le=1_000_000, description="plate area (one side) [m2]")
    emissivity: float = Field(0.9, gt=0, le=1)
    absorptance: float = Field(0.2, ge=0, le=1, description="solar absorptance")
    two_sided: bool = True
    orientation: Literal["edge_on", "nadir", "zenith"] = "edge_on"
    sun_incidence: float = Field(
        0.0, ge=0, le=1, description="cosine of the Sun on the plate when edge_on (0: grazing)"
    )
    mass_kg_per_m2: float = Field(5.0, gt=0, le=100)


class AcceleratorSpec(Model):
    """One AI accelerator (catalogue entries in presets.ACCELERATORS)."""

    peak_tflops: dict[Precision, float] = Field(description="dense peak by precision [TFLOP/s]")
    hbm_gb: float = Field(gt=0, le=100_000)
    hbm_tb_s: float = Field(gt=0, le=1000)
    interconnect_gb_s: float = Field(
        450.0, gt=0, le=1e6, description="tensor-parallel link per accelerator, one direction"
    )
    tdp_w: float = Field(gt=0, le=100_000)
    idle_w: float = Field(ge=0, le=100_000)
    mass_kg: float = Field(1.0, ge=0, le=10_000)
    power_perf_exponent: float = Field(
        1.0 / 3.0, gt=0, le=1, description="throughput ~ (dynamic power share)^exponent"
    )
    tid_tolerance_krad: float = Field(15.0, gt=0, le=100_000, description="1 % failure dose")
    tid_sigma_ln: float = Field(0.3, gt=0, le=3, description="log-normal width of failure dose")
    hbm_irregularity_krad: float = Field(2.0, gt=0, le=100_000)
    hbm_irregularity_factor: float = Field(10.0, ge=1, le=1e6)
    memory_seu_cross_section_cm2: float = Field(1e-3, ge=0, le=1e3)
    sefi_cross_section_cm2: float = Field(5e-9, ge=0, le=1)
    random_failure_fit: float = Field(500.0, ge=0, le=1e9, description="failures per 1e9 h")

    @model_validator(mode="after")
    def _check(self) -> AcceleratorSpec:
        if self.idle_w >= self.tdp_w:
            raise ValueError(f"idle_w ({self.idle_w}) must be below tdp_w ({self.tdp_w})")
        if not self.peak_tflops or any(v <= 0 for v in self.peak_tflops.values()):
            raise ValueError("peak_tflops needs at least one precision with a positive value")
        return self


class ComputeSpec(Model):
    """The accelerators of one satellite and how hard they run."""

    accelerator: str | AcceleratorSpec | None = Field(
        None, description="catalogue name (presets.ACCELERATORS) or a full accelerator mapping"
    )
    count: int = Field(0, ge=0, le=100_000)
    utilization: float = Field(1.0, ge=0, le=1, description="target load when powered [0..1]")
    precision: Precision = "bf16"
    host_power_w: float = Field(0.0, ge=0, le=1e7, description="CPU/host/NIC load [W]")
    temp_limit_k: float = Field(358.15, gt=200, lt=600, description="accelerator throttle limit")

    @model_validator(mode="after")
    def _check(self) -> ComputeSpec:
        if isinstance(self.accelerator, str) and self.accelerator not in ACCELERATORS:
            raise ValueError(
                f"unknown accelerator {self.accelerator!r}; catalogue: {', '.join(ACCELERATORS)}"
            )
        return self

    def accelerator_spec(self) -> AcceleratorSpec | None:
        """The accelerator as a validated spec (catalogue entries resolved)."""
        if self.accelerator is None or self.count == 0:
            return None
        if isinstance(self.accelerator, AcceleratorSpec):
            return self.accelerator
        return AcceleratorSpec.model_validate(ACCELERATORS[self.accelerator])


class ThermalSpec(Model):
    """Two-node lumped thermal model: accelerator node and radiator/structure node."""

    accelerator_heat_capacity_j_k: float = Field(20_000.0, gt=0, le=1e12)
    radiator_heat_capacity_j_k: float = Field(50_000.0, gt=0, le=1e12)
    conductance_w_k: float = Field(100.0, gt=0, le=1e9, description="accelerator-radiator [W/K]")
    initial_temp_k: float = Field(293.15, gt=3, lt=600)
    max_substep_s: float = Field(60.0, gt=0, le=86_400, description="implicit sub-step limit [s]")


class LaserSpec(Model):
    """Optical inter-satellite link terminals (power and mass only, here)."""

    count: int = Field(0, ge=0, le=100)
    power_w: float = Field(40.0, ge=0, le=1e5, description="per terminal [W]")
    mass_kg: float = Field(8.0, ge=0, le=1e4, description="per terminal [kg]")


class MitigationSpec(Model):
    """Radiation mitigations and their costs (docs/models-spacecraft.md)."""

    ecc: bool = True
    ecc_throughput_cost: float = Field(0.03, ge=0, lt=1, description="throughput lost to ECC")
    ecc_escape_fraction: float = Field(1e-3, ge=0, le=1, description="upsets ECC misses")
    vulnerability_factor: float = Field(0.01, ge=0, le=1, description="upsets that corrupt output")
    checkpoint_interval_s: float | None = Field(
        None, gt=0, le=1e7, description="None: Young's optimum sqrt(2 C / restart rate)"
    )
    checkpoint_cost_s: float = Field(30.0, ge=0, le=1e5)
    restart_time_s: float = Field(120.0, ge=0, le=1e6)
    redundancy: Literal["none", "dual", "triple"] = "none"


class SpacecraftSpec(Model):
    """Spacecraft hardware of a constellation; ``preset`` names a built-in design."""

    enabled: bool = Field(True, description="simulate power/thermal/compute/radiation")
    preset: str | None = Field(None, description="hardware preset name (presets.SATELLITES)")
    shielding_mm_al: float = Field(5.0, ge=0, le=200, description="spherical Al shield [mm]")
    shielded_volume_l: float = Field(20.0, gt=0, le=1e6, description="shielded enclosure [l]")
    age_years: float = Field(0.0, ge=0, le=50, description="mission age at the run start [yr]")
    initial_dose_rad: float = Field(0.0, ge=0, le=1e9, description="dose at run start [rad(Si)]")
    bus: BusSpec = Field(default_factory=BusSpec)
    solar_array: SolarArraySpec = Field(default_factory=SolarArraySpec)
    battery: BatterySpec = Field(default_factory=BatterySpec)
    radiator: RadiatorSpec = Field(default_factory=RadiatorSpec)
    compute: ComputeSpec = Field(default_factory=ComputeSpec)
    thermal: ThermalSpec = Field(default_factory=ThermalSpec)
    lasers: LaserSpec = Field(default_factory=LaserSpec)
    mitigation: MitigationSpec = Field(default_factory=MitigationSpec)

    @model_validator(mode="after")
    def _check_preset(self) -> SpacecraftSpec:
        if self.preset is not None:
            if self.preset not in SATELLITES:
                raise ValueError(
                    f"unknown spacecraft preset {self.preset!r}; presets: {', '.join(SATELLITES)}"
                )
            _check_design(self.resolve())  # the merged design must validate (before any work)
        elif self.overrides():
            _check_design(self)
        return self

    def overrides(self) -> dict[str, Any]:
        """The design fields the scenario set explicitly (nested), without ``preset`` and
        ``enabled`` (a switch for the models, not hardware: ``enabled: false`` alone keeps the
        constellation's default preset).

        "Set" is pydantic's ``model_fields_set``, which a dump does not carry: a full
        ``model_dump()`` validated again marks every field as set (shared/PITFALLS.md). So never
        dump this model on its own to re-load it: dump :meth:`resolved` (what
        ``ConstellationSpec`` and ``resolved_dict`` do), whose fields *are* the design.
        """
        out = self.model_dump(exclude_unset=True)
        out.pop("preset", None)
        out.pop("enabled", None)  # switches the models on or off; not part of the design
        return out

    def preset_name(self, kind: str | None = None) -> str | None:
        """The preset this spec builds on: its own, or the default for a constellation kind."""
        if self.preset is not None:
            return self.preset
        if not self.overrides():
            return DEFAULT_PRESET_BY_KIND.get(kind or "", DEFAULT_PRESET)
        return None

    def resolve(self, kind: str | None = None) -> SpacecraftSpec:
        """Complete design: preset values, then the scenario's overrides on top.

        Parameters
        ----------
        kind : constellation kind (``walker``, ``cluster``, ...) choosing the default preset when
            the scenario configures nothing.
        """
        name = self.preset_name(kind)
        base: dict[str, Any] = {}
        if name is not None:
            base = copy.deepcopy({k: v for k, v in SATELLITES[name].items() if k != "description"})
        merged = _deep_merge(base, self.overrides())
        merged["preset"] = None
        merged["enabled"] = self.enabled
        return SpacecraftSpec.model_validate(merged)

    def resolved(self, kind: str | None = None) -> SpacecraftSpec:
        """The complete design (:meth:`resolve`) labelled with the preset it builds on.

        Every field holds the design's value, so the preset adds nothing when this is loaded
        again: ``resolved(kind).resolve(kind)`` equals ``resolve(kind)`` whatever the preset or
        the fields set, and ``resolved`` of that is this again. This is the form a scenario is
        written out in (a results folder's ``scenario.yaml``, a sweep point, the scenario hash);
        the preset name is kept to say where the values came from.
        """
        design = self.resolve(kind)
        design.preset = self.preset_name(kind)
        return design


def _check_design(d: SpacecraftSpec) -> None:
    if d.compute.count > 0 and d.compute.accelerator is None:
        raise ValueError(
            "compute.count > 0 needs compute.accelerator (a catalogue name or mapping)"
        )


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and k != "peak_tflops":
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out
