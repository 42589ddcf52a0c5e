"""One basis per comparison: design and measured figures against hand arithmetic, the ratio
identity ($/Mtok ratio = $/accelerator-hour ratio x inverse ratio of tokens per
accelerator-hour) on both bases, and the verdict's flips at their thresholds."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.economics.costs import (
    CostInputs,
    CostResult,
    SystemCost,
    evaluate,
    evaluate_measured,
)
from orbitcloud.economics.verdict import (
    FLIP_INPUTS,
    breakeven_launch_usd_per_kg,
    cost_verdict,
    flip_value,
    flips,
    no_breakeven_reason,
    tornado_flips,
)

EXACT = 1e-12
"""Relative tolerance of hand arithmetic redone in floating point."""
SIG6 = 5e-6
"""Relative tolerance of a figure rounded to 6 significant digits (summary and KPIs)."""
ROOT = 1e-8
"""Relative tolerance of a threshold from Brent's method (xtol 1e-12, rtol 1e-10) after the
ratio is re-evaluated there."""

# A hand-sized fleet: 10 accelerators of 1000 USD, TDP 700 W, idle 100 W, no hosts; orbital
# costs are the accelerators and a 1000 kg launch at 500 USD/kg, nothing else; no discounting
# (CRF = 1/life); terrestrial facility 1e7 USD/MW over 20 years, electricity 0.1 USD/kWh at
# PUE 1.5, water 1 l/kWh at 2 USD/m3, maintenance 3 %/yr, failures 1 %/yr.
HAND = CostInputs(
    n_sat=1, n_acc=10, fleet_mass_kg=1000.0, bus_mass_kg=0.0, power_system_mass_kg=0.0,
    array_power_w=0.0, radiator_m2=0.0, battery_wh=0.0, lasers=0, acc_tdp_w=700.0,
    acc_idle_w=100.0, host_w_per_acc=0.0, tokens_per_acc_s=1000.0, launch_usd_per_kg=500.0,
    accelerator_usd=1000.0, host_usd_per_acc=0.0, solar_usd_per_w=0.0, radiator_usd_per_m2=0.0,
    battery_usd_per_wh=0.0, laser_usd=0.0, bus_usd_per_kg=0.0, integration_fraction=0.0,
    discount_rate=0.0, design_life_years=5.0, spares_fraction=0.0, failure_per_year=0.0,
    ground_segment_usd=0.0, ground_life_years=15.0, ops_usd_per_sat_year=0.0,
    availability=0.9, utilization=0.5, dc_capex_usd_per_mw=1e7, dc_facility_life_years=20.0,
    dc_hardware_life_years=5.0, electricity_usd_per_kwh=0.1, pue=1.5, water_l_per_kwh=1.0,
    water_usd_per_m3=2.0, land_m2_per_mw=4000.0, land_usd_per_m2=50.0,
    dc_maintenance_fraction=0.03, dc_utilization=0.5, dc_failure_per_year=0.01,
    measured_orbital_tokens_per_year=1e9, measured_orbital_utilization=0.1,
    measured_terrestrial_tokens_per_acc_hour=2e5, measured_terrestrial_utilization=0.05,
)  # fmt: skip


def test_design_basis_by_hand():
    r = evaluate(HAND)
    # orbital: (10 x 1000 + 1000 kg x 500) / 5 yr = 102,000 USD/yr over 10 x 8766 x 0.9 h
    assert r.orbital.annual_usd == pytest.approx(102_000.0, rel=EXACT)
    assert r.orbital.accelerator_hours_per_year == pytest.approx(78_894.0, rel=EXACT)
    # tokens per delivered accelerator-hour: 1000 tokens/s x 3600 s x 0.5, on both sides
    assert r.orbital.tokens_per_accelerator_hour == pytest.approx(1.8e6, rel=EXACT)
    assert r.terrestrial.tokens_per_accelerator_hour == pytest.approx(1.8e6, rel=EXACT)
    assert r.orbital.usd_per_mtok == pytest.approx(102_000.0 / (78_894.0 * 1.8), rel=EXACT)
    # terrestrial: accelerators 10,000 / 5 = 2000; replacements 10,000 x 0.01 = 100;
    # facility 10 x 700 W = 0.007 MW x 1e7 / 20 = 3500; land x 0 % = 0; IT power
    # 10 x (100 + 600 x 0.5) = 4 kW -> 35,064 kWh: electricity x 1.5 x 0.1 = 5259.6, water
    # 35,064 x 1 / 1000 x 2 = 70.128; maintenance 70,000 x 0.03 = 2100
    annual_t = 2000.0 + 100.0 + 3500.0 + 0.0 + 5259.6 + 70.128 + 2100.0
    assert r.terrestrial.annual_usd == pytest.approx(annual_t, rel=EXACT)
    assert r.terrestrial.accelerator_hours_per_year == pytest.approx(87_660.0, rel=EXACT)
    assert r.terrestrial.usd_per_mtok == pytest.approx(annual_t / (87_660.0 * 1.8), rel=EXACT)
    # chip energy: delivered hours x (100 + 600 x 0.5) W
    assert r.orbital.chip_kwh_per_year == pytest.approx(78_894.0 * 0.4, rel=EXACT)
    # same utilisation: the token ratio is the accelerator-hour ratio
    assert r.ratio_per_mtok == pytest.approx(r.ratio_per_accelerator_hour, rel=EXACT)


def test_measured_basis_by_hand():
    m = evaluate_measured(HAND)
    assert m is not None
    # orbital: the same 102,000 USD over 1e9 tokens and 78,894 x 0.1 busy hours
    assert m.orbital.usd_per_mtok == pytest.approx(102.0, rel=EXACT)
    assert m.orbital.usd_per_accelerator_hour == pytest.approx(102_000.0 / 7889.4, rel=EXACT)
    # terrestrial at busy share 0.05: IT power 10 x (100 + 600 x 0.05) = 1.3 kW -> 11,395.8
    # kWh: electricity 1709.37, water 22.7916; tokens 87,660 h x 2e5 = 1.7532e10
    annual_t = 2000.0 + 100.0 + 3500.0 + 1709.37 + 22.7916 + 2100.0
    assert m.terrestrial.annual_usd == pytest.approx(annual_t, rel=EXACT)
    assert m.terrestrial.usd_per_mtok == pytest.approx(annual_t / 17_532.0, rel=EXACT)
    assert m.terrestrial.usd_per_accelerator_hour == pytest.approx(annual_t / 4383.0, rel=EXACT)
    assert m.ratio_per_mtok == pytest.approx(102.0 / (annual_t / 17_532.0), rel=EXACT)


@pytest.mark.parametrize(
    "field",
    ["measured_orbital_tokens_per_year", "measured_orbital_utilization",
     "measured_terrestrial_tokens_per_acc_hour", "measured_terrestrial_utilization"],
)  # fmt: skip
def test_no_measured_basis_without_a_run_figure(field):
    assert evaluate_measured(replace(HAND, **{field: None})) is None
    assert evaluate_measured(replace(HAND, **{field: 0.0})) is None


def _identity(r: CostResult) -> None:
    o, t = r.orbital, r.terrestrial
    assert r.ratio_per_mtok == pytest.approx(
        o.usd_per_accelerator_hour
        / t.usd_per_accelerator_hour
        * (t.tokens_per_accelerator_hour / o.tokens_per_accelerator_hour),
        rel=1e-12,
    )


unit = st.floats(0.001, 1.0)


@settings(max_examples=80, deadline=None)
@given(u=unit, ut=unit, mu=unit, mut=unit, tok=st.floats(1e3, 1e15),
       tph=st.floats(1.0, 1e9), launch=st.floats(0.0, 1e5), avail=unit)  # fmt: skip
def test_ratio_identity_on_both_bases(u, ut, mu, mut, tok, tph, launch, avail):
    x = replace(HAND, utilization=u, dc_utilization=ut, measured_orbital_utilization=mu,
                measured_terrestrial_utilization=mut, measured_orbital_tokens_per_year=tok,
                measured_terrestrial_tokens_per_acc_hour=tph, launch_usd_per_kg=launch,
                availability=avail)  # fmt: skip
    _identity(evaluate(x))
    m = evaluate_measured(x)
    assert m is not None
    _identity(m)


# ------------------------------------------------------------------ flips and verdict


def test_launch_breakeven_is_where_the_verdict_flips():
    # orbit at 0 USD/kg: 10,000 / 5 = 2000 USD/yr over 78,894 h = 0.02535 USD/h, below the
    # terrestrial 13,029.728 / 87,660 = 0.14864 USD/h, so a break-even launch price exists:
    # p x 1000 kg / 5 yr = (0.14864 x 78,894 - 2000) USD/yr -> p = 48.6346... USD/kg
    annual_t = 2000.0 + 100.0 + 3500.0 + 5259.6 + 70.128 + 2100.0
    p_hand = (annual_t / 87_660.0 * 78_894.0 - 2000.0) * 5.0 / 1000.0
    be = breakeven_launch_usd_per_kg(HAND)
    assert be == pytest.approx(p_hand, rel=ROOT)
    below = evaluate(replace(HAND, launch_usd_per_kg=be * (1 - 1e-6))).ratio_per_mtok
    above = evaluate(replace(HAND, launch_usd_per_kg=be * (1 + 1e-6))).ratio_per_mtok
    assert below is not None
    assert above is not None
    assert below < 1.0 < above


def test_utilisation_flip_by_hand():
    # orbital cost per token is annual / (hours x 1.8e6 x u/0.5); with launch at 100 USD/kg
    # the design ratio r at u = 0.5 becomes 1 at u = 0.5 x r (the terrestrial side is held)
    x = replace(HAND, launch_usd_per_kg=100.0)
    annual_o = 2000.0 + 1000.0 * 100.0 / 5.0
    annual_t = 2000.0 + 100.0 + 3500.0 + 5259.6 + 70.128 + 2100.0
    r = (annual_o / 78_894.0) / (annual_t / 87_660.0)
    assert 1.0 < r < 2.0
    fi = next(f for f in FLIP_INPUTS if f.field == "utilization")
    assert flip_value(x, fi) == pytest.approx(0.5 * r, rel=ROOT)
    # out of range: a dearer launch needs a utilisation above 1
    assert flip_value(replace(HAND, launch_usd_per_kg=1000.0), fi) is None


def test_flips_name_every_input_and_say_when_nothing_flips():
    x = replace(HAND, launch_usd_per_kg=1000.0)
    out = flips(x, breakeven_launch_usd_per_kg(x))
    assert [f["assumption"] for f in out] == [f.label for f in FLIP_INPUTS]
    for f in out:
        assert set(f) == {"assumption", "now", "flip_at", "unit", "text"}
        if f["flip_at"] is None:
            assert "no value in" in f["text"] or "dearer even at 0 USD/kg" in f["text"]
        else:
            ratio = evaluate(replace(x, **{_field(f["assumption"]): f["flip_at"]})).ratio_per_mtok
            assert ratio == pytest.approx(1.0, rel=ROOT)


def _field(label: str) -> str:
    return next(f.field for f in FLIP_INPUTS if f.label == label)


def test_no_breakeven_reason_adds_up():
    # operations at 1e6 USD per satellite-year make orbit dearer than the ground even with
    # free launch
    x = replace(HAND, ops_usd_per_sat_year=1e6)
    assert breakeven_launch_usd_per_kg(x) is None
    text = no_breakeven_reason(x)
    nums = [float(v) for v in re.findall(r"(\d+(?:\.\d+)?(?:e[+-]\d+)?)", text)]
    # "(... 0.149 USD) ... (12.7 USD: hardware h, replacements r, operations o, ground g)"
    terrestrial, orbital0, hw, repl, ops, ground = nums[1:7]
    assert terrestrial == pytest.approx(13_029.728 / 87_660.0, rel=5e-3)
    # orbit without launch: (2000 + 1e6) / 78,894 h = 12.70 USD/h, of which hardware 0.02535
    assert orbital0 == pytest.approx(1_002_000.0 / 78_894.0, rel=5e-3)
    assert hw == pytest.approx(2000.0 / 78_894.0, rel=5e-3)
    assert ops == pytest.approx(1e6 / 78_894.0, rel=5e-3)
    assert repl == 0.0
    assert ground == 0.0
    assert orbital0 > terrestrial


def _result(ratio: float) -> CostResult:
    o = SystemCost(items={"a": (None, ratio)}, accelerator_hours_per_year=1.0, tokens_per_year=1e6,
                   chip_kwh_per_year=1.0)  # fmt: skip
    t = SystemCost(items={"a": (None, 1.0)}, accelerator_hours_per_year=1.0, tokens_per_year=1e6,
                   chip_kwh_per_year=1.0)  # fmt: skip
    return CostResult(o, t)


def test_tornado_flips_marks_the_end_that_crosses_one():
    cases = [
        ("a", "low", 1.0, _result(0.5)), ("a", "high", 2.0, _result(3.0)),
        ("b", "low", 1.0, _result(1.5)), ("b", "high", 2.0, _result(2.5)),
        ("c", "low", 1.0, _result(0.9)), ("c", "high", 2.0, _result(0.8)),
    ]  # fmt: skip
    rows = tornado_flips(2.0, cases)
    by = {r["input"]: r for r in rows}
    assert by["a"]["flips"] == "low"
    assert by["b"]["flips"] is None
    assert by["c"]["flips"] == "both"
    assert [r["input"] for r in rows] == ["a", "b", "c"]  # swings 2.5, 1.0, 0.1
    assert by["a"]["ratio_high"] == pytest.approx(3.0, rel=EXACT)


def test_verdict_shape_and_numbers():
    x = replace(HAND, launch_usd_per_kg=1000.0)
    d, m = evaluate(x), evaluate_measured(x)
    v = cost_verdict(x, d, m, breakeven_launch_usd_per_kg(x), ["h100-sxm"])
    assert set(v) == {"topic", "question", "text", "numbers", "baseline", "assumptions", "flips"}
    assert v["topic"] == "cost"
    nums = {n["name"]: n for n in v["numbers"]}
    # orbit 2000 + 200,000 USD/yr over 78,894 h x 1.8 Mtok/h
    o_mtok = 202_000.0 / (78_894.0 * 1.8)
    assert nums["orbital cost per million tokens (design)"]["value"] == pytest.approx(
        o_mtok, rel=SIG6
    )
    assert all(isinstance(n["value"], float) and n["unit"] for n in v["numbers"])
    assert "terrestrial system is cheaper" in v["text"]
    assert f"{o_mtok:.3g}" in v["text"]
    assert "10 accelerators (h100-sxm)" in v["baseline"]
    assert all("source:" in a for a in v["assumptions"])
