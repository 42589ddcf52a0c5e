"""Scenario sections of the network model: ISL rules, ground segment, routing requests.

Owned by the network issue; see docs/scenario.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orbitcloud.scenario.base import Model


class IslSpec(Model):
    """Inter-satellite link rule of one constellation."""

    topology: Literal["none", "plus-grid", "nearest-k", "mesh"] = "none"


class GroundSpec(Model):
    """Ground endpoints and the ground-link rule."""

    endpoints: list[dict] = Field(default_factory=list)


class NetworkSpec(Model):
    """Routing options."""

    relay_via_ground: bool = False
