"""``scheduling.eclipse_compute`` and ``scheduling.compute_in_eclipse`` are one switch."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orbitcloud.scenario.operations import SchedulingSpec


def test_default_is_off_and_the_two_fields_agree():
    assert SchedulingSpec().eclipse_mode == "off"
    assert SchedulingSpec(compute_in_eclipse=True).eclipse_mode == "battery"
    assert SchedulingSpec(eclipse_compute="battery").compute_in_eclipse is True
    assert SchedulingSpec(eclipse_compute="off").compute_in_eclipse is False


def test_a_full_dump_loads_again():
    s = SchedulingSpec(eclipse_compute="battery")
    again = SchedulingSpec.model_validate(s.model_dump())
    assert (again.eclipse_compute, again.eclipse_mode) == ("battery", "battery")


def test_contradiction_names_both_fields():
    with pytest.raises(ValidationError, match="eclipse_compute 'off' contradicts compute_in_ecl"):
        SchedulingSpec(eclipse_compute="off", compute_in_eclipse=True)
    with pytest.raises(ValidationError):
        SchedulingSpec(eclipse_compute="sometimes")
