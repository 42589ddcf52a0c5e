"""Warnings that name the cause the run saw: constructed cases with hand-computed geometry and
energy, one per cause (attitude at high beta, orbit-average energy, eclipse), and numbers that
read differently when they differ."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft import checks
from orbitcloud.spacecraft.checks import DesignCheck, diagnose_brownouts, differing
from orbitcloud.spacecraft.totals import FleetTotals

DT = 60.0
N_T = 10


def _check(bus_w: float = 30.0, compute_w: float = 60.0, eclipse_min: float = 35.0) -> DesignCheck:
    return DesignCheck(
        altitude_m=550e3, accelerators=1, compute_power_w=compute_w, bus_power_w=bus_w,
        array_bol_max_w=180.0, hot_case_accelerator_temp_k=350.0, temp_limit_k=358.15,
        radiator_area_m2=0.15, radiator_area_needed_m2=0.1, max_eclipse_s=eclipse_min * 60,
        eclipse_bus_j=bus_w * eclipse_min * 60, battery_usable_j=150 * 3600 * 0.95,
    )  # fmt: skip


def _design() -> SpacecraftSpec:
    return SpacecraftSpec.model_validate({"preset": "jetson-edge"}).resolve("sso")


def _totals(sunlit: float, cosine: float, sin_beta: float, gen_w: float, short_w: float):
    """One satellite, N_T steps with the bus ``short_w`` short at every step."""
    full = np.full((N_T, 1), 1.0)
    drivers = SimpleNamespace(
        valid=np.ones((N_T, 1), bool), sunlit=full * sunlit, irradiance_w_m2=full * 1361 * sunlit,
        array_cosine=full * cosine,
    )  # fmt: skip
    out = SimpleNamespace(
        gen_w=full * gen_w, compute_w=full * 0.0, bus_unserved_w=full * short_w,
        curtailed_w=full * 0.0, loss_w=full * 0.0, detected_errors=np.zeros((N_T, 1), int),
        power_throttled=np.zeros((N_T, 1), bool), thermal_throttled=np.zeros((N_T, 1), bool),
        capacity=full * 0.0, silent_errors=np.zeros((N_T, 1), int),
        job_restarts=np.zeros((N_T, 1), int), temp_k=full * 300.0, battery_soc=full * 0.0,
    )  # fmt: skip
    return FleetTotals.zeros(1).add(
        drivers,
        out,
        np.zeros((N_T, 1), bool),
        full * 0.0,
        np.ones(1, bool),
        DT,  # type: ignore[arg-type]
        full * sin_beta,
    )


def test_edge_on_array_at_high_beta_is_an_attitude_effect_not_the_battery():
    # beta = 80 deg: Sun 80 deg above the orbit plane; an array turning about the orbit
    # normal only sees cos(80 deg) = 0.174 (sqrt(1 - sin^2 80)); full sun, 500 W short
    sin_b = np.sin(np.radians(80.0))
    tot = _totals(1.0, np.sqrt(1 - sin_b**2), sin_b, gen_w=300.0, short_w=500.0)
    (msg,) = diagnose_brownouts(_check(1800.0, 0.0), _design(), tot, np.array([0]), DT)
    assert "attitude effect" in msg
    assert "not the battery" in msg
    assert "|beta| 80.0 deg" in msg
    assert "array cosine 0.17" in msg
    assert "sun_tracking" in msg
    assert f"({500 * N_T * DT / 3600:.1f} Wh unserved)" in msg  # 83.3 Wh


def test_orbit_average_deficit_asks_for_the_array_area_it_needs():
    # sunlit with the Sun under a zenith panel's horizon (cosine 0) at beta 20 deg: not an
    # attitude effect; the array gives 40 W on average vs a 90 W load: 1.2 x 0.5 m2 x 90 / 40
    sin_b = np.sin(np.radians(20.0))
    tot = _totals(1.0, 0.0, sin_b, gen_w=40.0, short_w=30.0)
    (msg,) = diagnose_brownouts(_check(), _design(), tot, np.array([0]), DT)
    assert "battery never refills" in msg
    assert "40.0 W on orbit average, less than the 90.0 W load" in msg
    assert "solar_array.area_m2 to 1.35 m2 (now 0.50 m2" in msg


def test_eclipse_shortfall_asks_for_the_battery_it_needs():
    # in the dark with ample orbit-average power (200 W > 90 W): the battery; C = P T / (DoD
    # eta_d) = 90 W x 35 min / (0.6 x 0.95) = 52.5 Wh / 0.57 = 92.1 Wh -> 92 Wh
    tot = _totals(0.0, 0.0, 0.0, gen_w=200.0, short_w=30.0)
    (msg,) = diagnose_brownouts(_check(), _design(), tot, np.array([0]), DT)
    assert "in eclipse" in msg
    assert "35.0 min" in msg
    assert "battery.capacity_wh to 92 Wh (now 150 Wh" in msg


def test_no_shortfall_no_warning():
    tot = _totals(1.0, 1.0, 0.0, gen_w=200.0, short_w=0.0)
    assert diagnose_brownouts(_check(), _design(), tot, np.array([0]), DT) == []


@pytest.mark.parametrize(
    ("a", "b", "expect"),
    [(0.1524, 0.15, ("0.152", "0.150")), (1.04, 0.5, ("1.04", "0.50")),
     (2.0, 2.0, ("2.000000", "2.000000"))],
)  # fmt: skip
def test_differing_numbers_read_differently(a, b, expect):
    assert differing(a, b) == expect


def test_radiator_warning_says_the_area_it_needs_with_digits_that_differ():
    """The bare jetson-edge preset in a 550 km orbit (it was "Needed: 0.15 m2 (have 0.15 m2)")."""
    d = _design()
    c = checks.check_design(d, 550e3, 239.0, 0.30)
    assert c.radiator_too_small
    text = checks.warning_text(c, "radiator_too_small", d)
    need, have = text.split("raise radiator.area_m2 to ")[1].split(" m2 (now ")
    have = have.split(" m2)")[0]
    assert need != have
    assert float(need) > float(have) == 0.15
