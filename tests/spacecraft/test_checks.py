"""Design checks: the radiator, battery and array sized against their worst cases."""

from __future__ import annotations

import pytest

from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft.checks import check_design


def _check(**overrides):
    spec = SpacecraftSpec.model_validate({"preset": "suncatcher-tpu", **overrides}).resolve()
    return check_design(spec, 550e3, 237.0, 0.3)


def test_the_preset_closes():
    c = _check()
    assert c.findings == ()
    assert c.accelerators == 8
    assert c.hot_case_accelerator_temp_k < c.temp_limit_k
    assert c.radiator_area_needed_m2 < c.radiator_area_m2
    # 550 km, beta = 0: the longest eclipse is about 35.5 min (cylindrical shadow)
    assert c.max_eclipse_s / 60 == pytest.approx(35.5, abs=0.5)
    assert c.array_bol_max_w == pytest.approx(1361.0 * 12.0 * 0.298 * 0.9)


def test_each_finding_and_its_numbers():
    c = _check(radiator={"area_m2": 0.5}, battery={"capacity_wh": 50}, solar_array={"area_m2": 0.5})
    assert c.findings == ("radiator_too_small", "array_too_small", "battery_too_small")
    assert c.array_bol_max_w < c.bus_power_w
    assert c.eclipse_bus_j > c.battery_usable_j
    assert c.battery_usable_j == pytest.approx(50 * 3600 * 0.95)
    assert c.eclipse_bus_j == pytest.approx(c.bus_power_w * c.max_eclipse_s)


def test_the_needed_radiator_holds_the_limit():
    """A radiator of the needed area settles exactly at the limit in the hot case."""
    c = _check(radiator={"area_m2": 0.5})
    big = _check(radiator={"area_m2": c.radiator_area_needed_m2})
    assert big.hot_case_accelerator_temp_k == pytest.approx(c.temp_limit_k, abs=0.5)
    assert "radiator_too_small" not in big.findings


def test_no_accelerators_never_too_hot():
    spec = SpacecraftSpec.model_validate({"preset": "starlink-class"}).resolve()
    c = check_design(spec, 550e3, 237.0, 0.3)
    assert c.accelerators == 0
    assert c.compute_power_w == 0.0
    assert not c.radiator_too_small
