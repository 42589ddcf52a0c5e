"""Scenario section of the cost model."""

from __future__ import annotations

from orbitcloud.scenario.base import Model


class EconomicsSpec(Model):
    """Cost inputs, each with a cited default."""
