"""Wrong types in a ground-cloud preset's fields are input errors naming the field, never a
TypeError (found by tests/scenario/test_adversarial_scenarios.py's fuzzing)."""

from __future__ import annotations

import pytest

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import load_scenario_text

DOC = """
name: t
time: {start: "2025-03-20T06:00:00Z", duration_h: 1, step_s: 60}
constellations: [{name: a, walker: {planes: 2, sats_per_plane: 2, altitude_km: 550, inclination_deg: 53}}]
ground: {cities: {top: 5}}
workloads:
  inference: {requests_per_s: 10}
  terrestrial: {preset: regional-cloud, %s}
"""


@pytest.mark.parametrize(
    ("field", "said"),
    [
        ("sites: true", "sites must be a list of site names"),
        ("sites: [3]", "sites must be a list of site names"),
        ("sites: [Atlantis]", "not in preset 'regional-cloud'"),
        ("accelerators_per_site: true", "accelerators_per_site must be a whole number"),
        ("accelerators_per_site: 0", "accelerators_per_site must be a whole number"),
        ("data_centres: 5", "must be a list"),
    ],
)
def test_wrong_preset_field_is_an_input_error(field: str, said: str) -> None:
    with pytest.raises(OrbitcloudInputError) as e:
        load_scenario_text(DOC % field)
    assert said in str(e.value)
    assert "workloads.terrestrial" in str(e.value)
