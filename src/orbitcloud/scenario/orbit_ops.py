"""Scenario section ``orbit_ops``: orbit keeping, lifetime, formation keeping, conjunction screening.

Units are in the field names and converted to SI once, by the orbit stage
(:mod:`orbitcloud.engine.stage_orbit`). See docs/scenario-orbit.md.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from orbitcloud.scenario.base import Model
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.files import check_regular_file, resolve_data_file
from orbitcloud.scenario.limits import clip

__all__ = [
    "THRUSTER_PRESETS",
    "BodySpec",
    "ConjunctionSpec",
    "FormationSpec",
    "OrbitOpsSpec",
    "ThrusterSpec",
    "resolve_data_file",
    "resolve_orbit_ops_paths",
]

THRUSTER_PRESETS: dict[str, dict[str, float | str]] = {
    # Starlink v1-class krypton Hall thruster. SpaceX has not published its Isp; krypton Hall
    # thrusters of this size run at about 1,200-1,600 s (class value, not a datasheet): the
    # V2 mini argon thruster is quoted at 1.5x the Isp of the first generation (below).
    "hall-krypton": {"isp_s": 1500.0, "thrust_n": 0.05, "source": "Kr Hall, class value"},
    # Starlink V2 mini argon Hall thruster: 170 mN, 2,500 s, 4.2 kW (SpaceX, "Starlink V2 mini"
    # update, Feb 2023; press summaries -- secondary).
    "hall-argon": {"isp_s": 2500.0, "thrust_n": 0.17, "source": "SpaceX V2 mini (secondary)"},
    # Fakel SPT-100 xenon Hall thruster: 83 mN, 1,600 s at 1.35 kW (Fakel datasheet; Manzella,
    # AIAA 94-3141).
    "hall-xenon": {"isp_s": 1600.0, "thrust_n": 0.083, "source": "Fakel SPT-100"},
    # Hydrazine monopropellant 1 N class: about 220 s steady state (Aerojet Rocketdyne MR-103
    # datasheet: 202-224 s).
    "monoprop-hydrazine": {"isp_s": 220.0, "thrust_n": 1.0, "source": "MR-103 class"},
    # Nitrogen cold gas: about 65 s delivered (about 73 s ideal at 298 K; Sutton & Biblarz
    # 2016, Rocket Propulsion Elements, 9th ed., cold-gas propellants).
    "cold-gas-n2": {"isp_s": 65.0, "thrust_n": 0.1, "source": "N2 cold gas, class value"},
    # Indium FEEP for small satellites: Enpulsion IFM Nano, 0.35 mN nominal, 2,000-6,000 s
    # (Enpulsion datasheet; 3,000 s taken as the nominal operating point).
    "feep-indium": {"isp_s": 3000.0, "thrust_n": 0.00035, "source": "Enpulsion IFM Nano"},
}
"""Built-in thrusters: specific impulse [s] and thrust [N], each with its source."""


class ThrusterSpec(Model):
    """Station-keeping thruster: a preset and optional overrides."""

    preset: str = Field("hall-krypton", description="one of THRUSTER_PRESETS")
    isp_s: float | None = Field(None, gt=0, le=100_000, description="specific impulse [s]")
    thrust_n: float | None = Field(None, gt=0, le=10_000, description="total thrust [N]")

    @model_validator(mode="after")
    def _known(self) -> ThrusterSpec:
        if self.preset not in THRUSTER_PRESETS:
            raise ValueError(
                f"unknown thruster preset {self.preset!r}; known: {', '.join(THRUSTER_PRESETS)}"
            )
        return self

    @property
    def resolved_isp_s(self) -> float:
        return float(
            self.isp_s if self.isp_s is not None else THRUSTER_PRESETS[self.preset]["isp_s"]
        )

    @property
    def resolved_thrust_n(self) -> float:
        return float(
            self.thrust_n
            if self.thrust_n is not None
            else THRUSTER_PRESETS[self.preset]["thrust_n"]
        )


class BodySpec(Model):
    """Mass and drag of a spacecraft, overriding what its hardware preset says.

    Give ``ballistic_coefficient_kg_m2`` directly, or ``mass_kg`` with ``drag_area_m2`` (and
    optionally ``drag_coefficient``).
    """

    mass_kg: float | None = Field(None, gt=0, le=1e6, description="wet mass [kg]")
    drag_area_m2: float | None = Field(
        None, gt=0, le=1e6, description="mean area in the flow [m^2]"
    )
    drag_coefficient: float | None = Field(None, gt=0.5, le=5, description="Cd [-]")
    ballistic_coefficient_kg_m2: float | None = Field(None, gt=0, le=1e5, description="m/(Cd A)")
    hard_body_radius_m: float | None = Field(
        None, gt=0, le=1000, description="collision radius [m]"
    )


class ConjunctionSpec(Model):
    """Conjunction screening of the run's satellites against each other and a background file."""

    enabled: bool = True
    screening_distance_km: float = Field(5.0, gt=0, le=200, description="report closer approaches")
    background_tle_file: str | None = Field(
        None,
        description="TLE/3LE catalogue of other objects: a path, or "
        "'package:starlink-2023-07-18.tle' for orbitcloud's own data",
    )
    background_max_objects: int | None = Field(None, ge=1, description="first N objects only")
    sigma_own_m: float = Field(100.0, gt=0, le=1e6, description="own 1-sigma per axis [m]")
    sigma_background_m: float = Field(1000.0, gt=0, le=1e6, description="TLE 1-sigma per axis [m]")
    sigma_own_ric_m: list[float] | None = Field(
        None, min_length=3, max_length=3, description="own 1-sigma radial/in-track/cross [m]"
    )
    sigma_background_ric_m: list[float] | None = Field(
        None, min_length=3, max_length=3, description="background 1-sigma R/I/C [m]"
    )
    background_hard_body_radius_m: float = Field(5.0, gt=0, le=1000)
    pc_threshold: float = Field(1e-4, gt=0, le=1, description="Pc that calls for a manoeuvre")
    avoidance_target_miss_m: float = Field(1000.0, gt=0, le=1e6)
    avoidance_lead_time_h: float = Field(24.0, gt=0, le=24 * 30)

    @model_validator(mode="after")
    def _positive(self) -> ConjunctionSpec:
        for name in ("sigma_own_ric_m", "sigma_background_ric_m"):
            v = getattr(self, name)
            if v is not None and not all(x > 0 for x in v):
                raise ValueError(f"{name} must be three positive numbers, got {v}")
        return self


class FormationSpec(Model):
    """Formation analysis of the run's ``cluster`` constellations."""

    differential_bc_frac: float = Field(
        0.05, ge=0, le=1, description="ballistic-coefficient spread between members [-]"
    )
    close_approach_m: float | None = Field(
        None, gt=0, le=100_000, description="report member approaches closer than this [m]"
    )
    relative_sigma_m: float = Field(1.0, gt=0, le=1e4, description="relative-navigation 1-sigma")
    table: bool = Field(True, description="write formation.parquet")


class OrbitOpsSpec(Model):
    """Orbit keeping and collision avoidance of the run's satellites (docs/scenario-orbit.md)."""

    enabled: bool = True
    thruster: ThrusterSpec = Field(default_factory=ThrusterSpec)
    body: BodySpec = Field(default_factory=BodySpec)
    constellations: dict[str, BodySpec] = Field(
        default_factory=dict, description="per-constellation overrides, by constellation name"
    )
    altitude_band_km: float = Field(2.0, gt=0, le=200, description="allowed altitude band width")
    reentry_altitude_km: float = Field(200.0, ge=100, le=400)
    conjunctions: ConjunctionSpec = Field(default_factory=ConjunctionSpec)
    formation: FormationSpec = Field(default_factory=FormationSpec)


def resolve_orbit_ops_paths(
    spec: OrbitOpsSpec | None, base_dir: Path | None, where: str | None
) -> None:
    """Make ``orbit_ops.conjunctions.background_tle_file`` absolute and check that it exists.

    Meant for the scenario loader, with the scenario file's folder (as for ``tle_file``); the
    orbit stage calls it again at start (``base_dir=None``: the current folder), which leaves an
    already absolute path alone.
    """
    if spec is None or not spec.conjunctions.background_tle_file:
        return
    value = spec.conjunctions.background_tle_file
    field = "orbit_ops.conjunctions.background_tle_file"
    try:
        p = resolve_data_file(value, base_dir)
    except OrbitcloudInputError as exc:
        raise OrbitcloudInputError(f"{field}: {exc.detail}", where) from None
    if p.exists() and not p.is_file():  # a folder, device, FIFO or socket (or a link to one)
        try:
            check_regular_file(p, "a TLE file")
        except OrbitcloudInputError as exc:
            raise OrbitcloudInputError(
                f"{field}: {clip(repr(value))} ({p}): {exc.detail}", where
            ) from None
    if not p.is_file():
        folder = "the scenario file's folder" if base_dir is not None else "the current folder"
        raise OrbitcloudInputError(
            f"{field}: file {clip(repr(value))} not found (looked for "
            f"{p}); a relative path is resolved against {folder}, and 'package:<name>' names "
            "orbitcloud's own data (package:starlink-2023-07-18.tle)",
            where,
        )
    spec.conjunctions.background_tle_file = str(p.resolve())
