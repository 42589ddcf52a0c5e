"""Scenario section of one constellation's spacecraft (hardware preset and overrides)."""

from __future__ import annotations

from pydantic import Field

from orbitcloud.scenario.base import Model


class SpacecraftSpec(Model):
    """Spacecraft hardware of a constellation; ``preset`` names a built-in design."""

    preset: str | None = Field(None, description="hardware preset name")
