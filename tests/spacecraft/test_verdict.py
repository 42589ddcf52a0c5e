"""The design verdict: hand cases with literal inputs, and every satellites-only built-in.

Hand numbers come from closed forms written out here (Stefan-Boltzmann, the cylindrical-shadow
eclipse of a circular orbit, the battery sizing C = P T / (DoD eta)), never from the module's
own helpers.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.engine.verdicts import add_run_verdicts
from orbitcloud.report.answer import answer_panel
from orbitcloud.scenario.environment import EnvironmentSpec
from orbitcloud.scenario.loader import builtin_path, scenario_from_dict
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.scenario.yamlio import load_yaml_file
from orbitcloud.spacecraft.totals import FleetTotals
from orbitcloud.spacecraft.verdict import (
    DesignGroup,
    Measured,
    design_groups,
    design_verdict,
    measure,
)

SIGMA = 5.670374419e-8  # W m^-2 K^-4 (CODATA 2018)
MU_EARTH = 3.986004418e14  # m^3 s^-2
R_EARTH = 6378137.0  # m (WGS-84 equatorial radius)
COLD = EnvironmentSpec(earth_ir_w_m2=0.0, albedo=0.0)  # no Earth loads: the hot case is the Sun
ACC = {"peak_tflops": {"bf16": 100.0}, "hbm_gb": 16.0, "hbm_tb_s": 1.0, "tdp_w": 300.0,
       "idle_w": 50.0, "tid_tolerance_krad": 15.0}  # fmt: skip


def _design(**over) -> SpacecraftSpec:
    """4 accelerators of 300 W at full load, a 100 W bus, no lasers, no host, a radiator that
    absorbs no sunlight (so the hot case is the heat load alone)."""
    base = {
        "bus": {"power_w": 100.0},
        "compute": {"accelerator": ACC, "count": 4, "utilization": 1.0, "temp_limit_k": 358.15},
        "thermal": {"conductance_w_k": 100.0},
        "radiator": {"area_m2": 5.0, "emissivity": 0.9, "absorptance": 0.0, "two_sided": True,
                     "orientation": "edge_on", "sun_incidence": 0.0},
        "battery": {"capacity_wh": 2000.0, "max_dod": 0.8, "discharge_efficiency": 0.95},
        "solar_array": {"area_m2": 10.0},
        "lasers": {"count": 0},
    }  # fmt: skip
    for k, v in over.items():
        base[k] = {**base.get(k, {}), **v} if isinstance(v, dict) else v
    return SpacecraftSpec.model_validate(base).resolve()


def _measured(**over) -> Measured:
    base = {"satellites": 10, "compute_kept": 0.9, "thermal_throttled": 0.0, "temp_max_k": 320.0,
                "soc_min": 0.7, "brownout_satellites": 0, "bus_unserved_wh": 0.0, "dose_rad_per_year": 50.0,
                "dose_orbit_max_rad_per_year": 100.0, "dose_max_rad": 0.0, "generation_min_w": 2000.0,
                "accelerators_failed": 0}  # fmt: skip
    return Measured(**{**base, **over})


def _verdict(design: SpacecraftSpec, measured: Measured, mode: str = "off") -> dict:
    g = DesignGroup(("shell",), None, design, 550e3, measured)
    v = design_verdict([g], COLD, mode, 2.0, "Does it hold?")
    assert v is not None
    _well_formed(v)
    return v


def _well_formed(v: dict) -> None:
    """Shape of a summary["verdicts"] entry; no NaN/None in the text; units; fractions."""
    assert set(v) == {"topic", "question", "text", "numbers", "baseline", "assumptions", "flips"}
    for text in [v["text"], *v["assumptions"], *(f["text"] for f in v["flips"])]:
        assert text
        assert "nan" not in text.lower().split()
        assert "None" not in text
        assert "inf " not in text
    for n in v["numbers"]:
        assert set(n) == {"name", "value", "unit", "description"}
        assert n["unit"], n["name"]
        assert math.isfinite(n["value"])
        if n["unit"] == "1" and "satellites" not in n["name"]:
            assert 0.0 <= n["value"] <= 1.0, n
    for f in v["flips"]:
        assert {"assumption", "now", "flip_at", "unit", "text"} <= set(f)


def _number(v: dict, name: str) -> float:
    (x,) = [n["value"] for n in v["numbers"] if n["name"].endswith(name)]
    return x


def _flip(v: dict, assumption: str) -> dict:
    (f,) = [f for f in v["flips"] if f["assumption"].endswith(assumption)]
    return f


def test_a_design_that_holds_states_its_margins():
    v = _verdict(_design(), _measured())
    assert v["text"].startswith(
        "The shell constellation (custom design, 10 satellites with 4 x custom accelerator"
    )
    assert " holds over the 2 h run: " in v["text"]
    assert "38.1 K under the 358.1 K limit" in v["text"]  # 358.15 - 320.0
    assert "70.0 % or more (floor 20.0 %)" in v["text"]
    # life: 15 krad at 100 rad/yr from no dose
    assert _number(v, "years to the 1 % failure dose") == pytest.approx(150.0)
    assert "150 years" in v["text"]
    assert any("attitude" in a for a in v["assumptions"])
    assert any(a.startswith("space weather: F10.7 150") for a in v["assumptions"])


def test_radiator_too_small_does_not_hold_and_the_flip_is_stefan_boltzmann():
    d = _design(radiator={"area_m2": 0.5})
    v = _verdict(d, _measured(thermal_throttled=0.4, temp_max_k=358.15, compute_kept=0.5))
    assert " does not hold over the 2 h run: " in v["text"]
    assert "radiator" in v["text"].split(":", 1)[1]
    # hand: heat 4 x 300 W + 100 W bus through a two-sided plate; the plate runs 1200 W / 100
    # W/K = 12 K below the chips, so at the limit it is at 346.15 K
    need = 1300.0 / (2 * 0.9 * SIGMA * (358.15 - 12.0) ** 4)
    assert _flip(v, "radiator.area_m2")["flip_at"] == pytest.approx(need, rel=1e-4)
    t_hot = (1300.0 / (2 * 0.9 * SIGMA * 0.5)) ** 0.25 + 12.0
    assert _number(v, "hot-case temperature") == pytest.approx(t_hot, rel=1e-6)
    assert t_hot > 358.15


def test_the_battery_flips_are_the_sizing_closed_form():
    v = _verdict(_design(), _measured())
    # longest eclipse at 550 km, beta = 0, cylindrical shadow: asin(R / r) / pi of the period
    r = R_EARTH + 550e3
    t_e = math.asin(R_EARTH / r) / math.pi * 2 * math.pi * math.sqrt(r**3 / MU_EARTH)
    load = 100.0 + 4 * 50.0  # eclipse "off": the accelerators idle
    cap = _flip(v, "battery.capacity_wh")
    assert cap["flip_at"] == pytest.approx(load * t_e / 3600 / (0.8 * 0.95), rel=1e-3)
    ecl = _flip(v, "eclipse length")
    assert ecl["flip_at"] == pytest.approx(2000 * 3600 * 0.8 * 0.95 / load / 60, rel=1e-3)
    assert ecl["now"] == pytest.approx(t_e / 60, rel=1e-3)
    # accelerators on battery in eclipse: the utilisation at which the floor is reached
    vb = _verdict(_design(battery={"capacity_wh": 600.0}), _measured(), mode="battery")
    u = (600 * 3600 * 0.8 * 0.95 / t_e - 100.0 - 4 * 50.0) / (4 * 250.0)
    assert 0 < u < 1
    assert _flip(vb, "compute.utilization")["flip_at"] == pytest.approx(u, rel=1e-3)
    # with 2000 Wh even full utilisation does not reach the floor: no utilisation flip
    assert not [f for f in _verdict(_design(), _measured(), mode="battery")["flips"]
                if f["assumption"] == "compute.utilization"]  # fmt: skip
    # the array flip scales the least-lit satellite's output with the area
    arr = _flip(v, "solar_array.area_m2")
    assert arr["flip_at"] == pytest.approx(10.0 * 1300.0 / 2000.0)


def test_a_run_shorter_than_an_orbit_says_so_and_gives_no_array_flip():
    g = DesignGroup(("shell",), None, _design(), 550e3, _measured())
    v = design_verdict([g], COLD, "off", 0.5, "q")  # 30 min; the orbit at 550 km is 95.6 min
    _well_formed(v)
    assert " holds over the 30 min run: " in v["text"]
    assert "shorter than one orbit (95.6 min)" in v["text"]
    assert not [f for f in v["flips"] if f["assumption"] == "solar_array.area_m2"]


def test_brownouts_and_a_battery_below_its_floor_do_not_hold():
    v = _verdict(_design(), _measured(brownout_satellites=3, bus_unserved_wh=12.5, soc_min=0.0))
    assert "does not hold" in v["text"]
    assert "3 satellite(s) browned out (12.5 Wh" in v["text"]
    assert "below its depth-of-discharge floor" in v["text"]


def test_a_design_without_accelerators_is_described_as_such():
    d = _design(compute={"accelerator": None, "count": 0})
    m = _measured(compute_kept=None, thermal_throttled=None, temp_max_k=None)
    v = _verdict(d, m)
    assert "without accelerators" in v["text"]
    assert "declares no total-dose tolerance" in v["text"]
    names = " ".join(n["name"] for n in v["numbers"])
    assert "accelerator" not in names
    assert "compute kept" not in names
    assert not [f for f in v["flips"] if "radiator" in f["assumption"]]


def test_constellations_of_one_design_are_one_group():
    a, b = _design(), _design(radiator={"area_m2": 9.0})
    assert design_groups([a, b, a.model_copy(), None]) == [[0, 2], [1]]


def test_measure_reads_the_totals_per_satellite():
    t = FleetTotals.zeros(3)
    t.sums["valid_steps"][:] = 10
    t.sums["capacity_sum"][:] = [9.0, 5.0, 0.0]
    t.sums["thermal_steps"][:] = [0, 5, 0]
    t.sums["bus_unserved_j"][:] = [0.0, 0.0, 7200.0]
    t.sums["gen_j"][:] = [6000.0, 3000.0, 1200.0]  # over 10 x 60 s: 10, 5, 2 W
    t.temp_max_k[:] = [300.0, 350.0, -np.inf]
    t.soc_min[:] = [0.9, 0.5, 0.1]
    m = measure(t, np.array([True, True, True]), np.array([2, 2, 0]), np.array([2, 1, 0]),
                np.array([10.0, 10.0, 20.0]), np.zeros(3), np.full(3, 1e-6), 60.0)  # fmt: skip
    assert m.compute_kept == pytest.approx(0.7)  # accelerator satellites only: (0.9 + 0.5) / 2
    assert m.thermal_throttled == pytest.approx(0.25)
    assert m.temp_max_k == 350.0
    assert m.soc_min == pytest.approx(0.1)
    assert m.brownout_satellites == 1
    assert m.bus_unserved_wh == pytest.approx(2.0)
    assert m.generation_min_w == pytest.approx(2.0)
    assert m.accelerators_failed == 1
    assert m.dose_max_rad == 20.0
    assert m.dose_orbit_max_rad_per_year == pytest.approx(1e-6 * 365.25 * 86400)


def test_a_story_keeps_its_panel():
    """The design verdict is added only to a run without a story (workloads or economics)."""
    for story in ({"workloads": object(), "economics": None}, {"workloads": None,
                                                                  "economics": object()}):  # fmt: skip
        ctx = SimpleNamespace(scenario=SimpleNamespace(**story), summary={})
        add_run_verdicts(ctx, [SimpleNamespace(name="spacecraft")])  # type: ignore[arg-type]
        assert "verdicts" not in ctx.summary


BUILTINS = [
    ("default", {"duration_h": 0.5}),
    ("starlink-shell1", {"duration_h": 0.25}),
    ("kuiper-k1", {"duration_h": 0.25}),
    ("suncatcher-cluster", {"duration_h": 0.5}),
    ("starlink-catalogue", {"duration_h": 0.25}),
    ("starlink-gen2", {"duration_h": 0.05}),
]


@pytest.mark.parametrize(("name", "time"), BUILTINS, ids=[b[0] for b in BUILTINS])
def test_every_satellites_only_builtin_answers_with_a_design_verdict(name, time):
    path = builtin_path(name)
    doc, _ = load_yaml_file(path)
    doc["time"].update(time)
    sc = scenario_from_dict(doc, base_dir=path.parent)
    ctx = simulate(sc, MemorySink())
    panel = answer_panel(sc.model_dump(mode="json"), ctx.summary)
    assert panel["source"] == "verdicts"
    v = next(v for v in ctx.summary["verdicts"] if v["topic"] == "design")
    _well_formed(v)
    shown = [p["topic"] for p in panel["verdicts"]]
    assert panel["verdicts"][shown.index("design")]["text"] == v["text"]
    # a run with a network answers about its network first (starlink-shell1, kuiper-k1)
    assert shown[0] == ("network" if sc.network.routes else "design")
    assert panel["question"] == sc.question
    # the numbers are the run's KPIs (a different code path: spacecraft.totals)
    k = ctx.kpis
    if len(sc.constellations) == 1:
        assert _number(v, "battery minimum") == pytest.approx(k["battery_soc_min"], abs=1e-4)
        if k["compute_capacity_mean"] is not None:
            assert _number(v, "compute kept") == pytest.approx(k["compute_capacity_mean"])
        assert _number(v, "dose over the run") == pytest.approx(k["dose_rad_per_year"], rel=1e-5)
