"""Scenario section of the space environment (solar and geomagnetic activity)."""

from __future__ import annotations

from pydantic import Field

from orbitcloud.scenario.base import Model


class EnvironmentSpec(Model):
    """Space weather inputs: F10.7 (daily and 81-day mean) and the daily Ap index."""

    f107: float = Field(150.0, ge=50, le=400, description="daily F10.7 [sfu]")
    f107a: float = Field(150.0, ge=50, le=400, description="81-day mean F10.7 [sfu]")
    ap: float = Field(15.0, ge=0, le=400, description="daily Ap index")
