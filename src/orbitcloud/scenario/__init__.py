"""Scenario: the validated, typed description of one run (pydantic v2, strict YAML)."""

from orbitcloud.scenario.errors import OrbitcloudInputError, OrbitcloudWarning
from orbitcloud.scenario.loader import (
    builtin_names,
    builtin_path,
    load_scenario,
    load_scenario_text,
    scenario_from_dict,
)
from orbitcloud.scenario.model import ConstellationSpec, Scenario, TimeSpec

__all__ = [
    "ConstellationSpec",
    "OrbitcloudInputError",
    "OrbitcloudWarning",
    "Scenario",
    "TimeSpec",
    "builtin_names",
    "builtin_path",
    "load_scenario",
    "load_scenario_text",
    "scenario_from_dict",
]
