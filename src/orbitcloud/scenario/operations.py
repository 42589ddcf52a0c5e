"""Scenario sections of operations: workloads, scheduling policy, events and faults."""

from __future__ import annotations

from pydantic import Field

from orbitcloud.scenario.base import Model


class WorkloadsSpec(Model):
    """Demand models (inference, Earth observation, training)."""


class SchedulingSpec(Model):
    """Placement policy."""

    policy: str = Field("nearest", description="placement policy name")


class EventSpec(Model):
    """A scheduled event or fault."""

    kind: str
