"""Scenario section of the space environment: solar/geomagnetic activity, Earth, storms."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from orbitcloud.scenario.base import Model, UtcTime, parse_utc


class StormSpec(Model):
    """A space-weather storm window: more dose (trapped-particle multipliers) and, with ``ap``,
    more drag (NRLMSIS density evaluated with the storm's Ap inside the window)."""

    start: UtcTime = Field(description="ISO-8601 UTC start")
    end: UtcTime = Field(description="ISO-8601 UTC end")
    electron_multiplier: float = Field(5.0, ge=0, le=1e4, description="horn electrons [-]")
    proton_multiplier: float = Field(1.0, ge=0, le=1e4, description="trapped protons [-]")
    ap: float | None = Field(
        None, ge=0, le=400, description="daily Ap during the storm (drag); default: unchanged"
    )

    @model_validator(mode="after")
    def _order(self) -> StormSpec:
        if parse_utc(self.end) <= parse_utc(self.start):
            raise ValueError(f"storm end {self.end} must be after start {self.start}")
        return self


class EnvironmentSpec(Model):
    """Space weather inputs: F10.7 (daily and 81-day mean) and the daily Ap index, and more.

    ``f107``/``f107a``/``ap`` drive NRLMSIS 2.1 (nothing is downloaded) and, through Ap, the
    storm enhancement of the horn electrons. See docs/scenario-spacecraft.md.
    """

    f107: float = Field(150.0, ge=50, le=400, description="daily F10.7 [sfu]")
    f107a: float = Field(150.0, ge=50, le=400, description="81-day mean F10.7 [sfu]")
    ap: float = Field(15.0, ge=0, le=400, description="daily Ap index")
    atmosphere_method: Literal["auto", "grid", "direct"] = Field(
        "auto", description="NRLMSIS evaluation: interpolated grid or every point"
    )
    earth_ir_w_m2: float = Field(237.0, ge=0, le=500, description="outgoing longwave [W/m2]")
    albedo: float = Field(0.30, ge=0, le=1, description="Earth Bond albedo")
    ground_solar_capacity_factor: float = Field(
        0.24,
        gt=0,
        le=1,
        description="capacity factor of the same array on the ground (US median 0.24)",
    )
    radiation_multiplier: float = Field(1.0, ge=0, le=1e4, description="scales every dose rate")
    storms: list[StormSpec] = Field(default_factory=list)
