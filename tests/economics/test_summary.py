"""Rows, KPIs and summary of the cost model, against hand calculations.

The cost results here are written by hand (items, quantities), not produced by ``evaluate``,
so every expected number below is arithmetic on the literals of this file.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace

import pytest

from orbitcloud.economics.costs import SENSITIVITY_INPUTS, CostInputs, CostResult, SystemCost
from orbitcloud.economics.fleet import FleetDesign, RunMeasurements
from orbitcloud.economics.summary import (
    ROW_FIELDS,
    assess,
    breakeven_energy_framing,
    cost_rows,
    economics_kpis,
    economics_summary,
    round_sig,
    sensitivity_rows,
    terrestrial_energy_usd_per_kw_year,
)
from orbitcloud.scenario.economics import EconomicsSpec

EXACT = 1e-12
"""Relative tolerance of hand arithmetic redone in floating point (rounding only)."""
ROOT = 1e-9
"""Relative tolerance of a break-even from the bracketing root finder (its xtol/rtol)."""


def orbital() -> SystemCost:
    # annual 100 + 300 = 400 USD; 80 acc-h, 2e6 tokens, 40 chip kWh, 20 USD of energy supply
    return SystemCost(
        items={"launch": (1000.0, 100.0), "operations": (None, 300.0)},
        accelerator_hours_per_year=80.0, tokens_per_year=2e6, chip_kwh_per_year=40.0,
        energy_annual_usd=20.0,
    )  # fmt: skip


def terrestrial() -> SystemCost:
    # annual 50 + 150 = 200 USD; 100 acc-h, no tokens, 25 chip kWh, 50 USD of energy
    return SystemCost(
        items={"electricity": (None, 50.0), "facility": (500.0, 150.0)},
        accelerator_hours_per_year=100.0, tokens_per_year=0.0, chip_kwh_per_year=25.0,
        energy_annual_usd=50.0,
    )  # fmt: skip


RES = CostResult(orbital(), terrestrial())

# every input 1, then the few the functions under test read
ONES = CostInputs(**{f.name: 1.0 for f in fields(CostInputs) if not f.name.startswith("measured_")})
# a measured basis by hand: orbital 1e6 tokens/yr over 80 x 0.5 busy hours; terrestrial
# 1000 tokens per delivered hour over 100 x 0.25 busy hours; annual costs 400 and 200 USD
MEASURED = CostResult(
    SystemCost(items={"launch": (1000.0, 100.0), "operations": (None, 300.0)},
               accelerator_hours_per_year=40.0, tokens_per_year=1e6, chip_kwh_per_year=20.0,
               energy_annual_usd=20.0),
    SystemCost(items={"electricity": (None, 50.0), "facility": (500.0, 150.0)},
               accelerator_hours_per_year=25.0, tokens_per_year=1e5, chip_kwh_per_year=10.0,
               energy_annual_usd=50.0),
)  # fmt: skip
X = replace(ONES, electricity_usd_per_kwh=0.1, pue=1.5, water_l_per_kwh=2.0,
            water_usd_per_m3=3.0, launch_usd_per_kg=3600.123456789, design_life_years=5.0)  # fmt: skip
FLEET = FleetDesign(
    n_sat=10, n_acc=40, mass_kg=1000.0, bus_mass_kg=400.0, power_system_mass_kg=300.0,
    array_power_w=10_000.0, radiator_m2=5.0, battery_wh=1000.0, lasers=40, acc_tdp_w=700.0,
    acc_idle_w=100.0, host_w_per_acc=200.0, tokens_per_acc_s=1234.5678912,
    accelerator_usd=25_000.0, fit_per_year=0.004, accelerators=["h100-sxm"],
)  # fmt: skip


def test_round_sig():
    assert round_sig(123456789.0) == 123457000.0
    assert round_sig(1 / 3) == 0.333333
    assert round_sig(1 / 3, 2) == 0.33
    assert round_sig(None) is None
    assert round_sig(math.nan) is None
    assert round_sig(math.inf) is None


def test_cost_rows_share_the_unit_costs():
    rows = cost_rows(RES)
    assert all(len(r) == len(ROW_FIELDS) for r in rows)
    # orbital: 5 USD/acc-h, 200 USD/Mtok, 10 USD/chip-kWh; launch is 1/4 of the annual cost
    # terrestrial: 2 USD/acc-h, no tokens, 8 USD/chip-kWh; electricity is 1/4 of it
    expect = [
        ("cost", "orbital", "launch", "base", None, 1000.0, 100.0, 1.25, 50.0, 2.5),
        ("cost", "orbital", "operations", "base", None, None, 300.0, 3.75, 150.0, 7.5),
        ("cost", "terrestrial", "electricity", "base", None, None, 50.0, 0.5, None, 2.0),
        ("cost", "terrestrial", "facility", "base", None, 500.0, 150.0, 1.5, None, 6.0),
    ]
    assert len(rows) == len(expect)
    for got, want in zip(rows, expect, strict=True):
        assert got[:6] == want[:6]
        # None (no tokens) compared as such: pytest >= 9.2's approx refuses None with rel
        assert [g is None for g in got[6:]] == [w is None for w in want[6:]]
        nums = [(g, w) for g, w in zip(got[6:], want[6:], strict=True) if w is not None]
        assert [g for g, _ in nums] == pytest.approx([w for _, w in nums], rel=EXACT)
    # conservation: a system's rows add up to its totals
    for system, total in (("orbital", (400.0, 5.0, 10.0)), ("terrestrial", (200.0, 2.0, 8.0))):
        mine = [r for r in rows if r[1] == system]
        sums = tuple(sum(r[i] for r in mine) for i in (6, 7, 9))
        assert sums == pytest.approx(total, rel=EXACT)


def test_cost_rows_of_a_free_system_are_zero():
    free = SystemCost(items={"a": (None, 0.0)}, accelerator_hours_per_year=1.0,
                      tokens_per_year=1.0, chip_kwh_per_year=1.0)  # fmt: skip
    rows = cost_rows(CostResult(free, free))
    assert [r[7:] for r in rows] == [(0.0, 0.0, 0.0)] * 2


def test_sensitivity_rows():
    rows = sensitivity_rows([("pue", "low", 1.2, RES)])
    assert rows == [
        ("sensitivity", "orbital", "pue", "low", 1.2, None, 400.0, 5.0, 200.0, 10.0),
        ("sensitivity", "terrestrial", "pue", "low", 1.2, None, 200.0, 2.0, None, 8.0),
    ]


def test_terrestrial_energy_per_kw_year():
    # 8766 h x (0.1 USD/kWh x 1.5 + 2 l/kWh / 1000 x 3 USD/m3) = 8766 x 0.156
    assert terrestrial_energy_usd_per_kw_year(X) == pytest.approx(1367.496, rel=EXACT)


def test_suncatcher_energy_framing_breakeven():
    # launch cost per kW-year p x (1000 kg / 10 kW) / 5 yr = 1367.496 -> p = 68.3748 USD/kg
    assert breakeven_energy_framing(X, FLEET) == pytest.approx(68.3748, rel=ROOT)


def test_kpis():
    k = economics_kpis(RES, MEASURED, X, None, 68.3748123)
    assert k == {
        "economics_launch_usd_per_kg": 3600.12,
        "economics_orbital_usd_per_accelerator_hour": 5.0,
        "economics_orbital_usd_per_mtok": 200.0,
        "economics_orbital_usd_per_chip_kwh": 10.0,
        "economics_orbital_tokens_per_accelerator_hour": 25_000.0,
        "economics_terrestrial_usd_per_accelerator_hour": 2.0,
        "economics_terrestrial_usd_per_mtok": None,
        "economics_terrestrial_usd_per_chip_kwh": 8.0,
        "economics_terrestrial_tokens_per_accelerator_hour": 0.0,
        "economics_orbital_usd_per_mtok_design": 200.0,
        "economics_tokens_basis": "design",
        "economics_orbital_energy_usd_per_kwh": 0.5,
        "economics_terrestrial_energy_usd_per_kwh": 2.0,
        "economics_cost_ratio_orbital_to_terrestrial": 2.5,
        "economics_token_cost_ratio_orbital_to_terrestrial": None,
        # measured: 400 / 40 h, 400 / 1 Mtok, 400 / 20 kWh, 1e6 / 40 h; 200 / 25 h, 200 / 0.1
        # Mtok, 200 / 10 kWh, 1e5 / 25 h; ratio per Mtok 400 / 2000
        "economics_orbital_usd_per_accelerator_hour_measured": 10.0,
        "economics_orbital_usd_per_mtok_measured": 400.0,
        "economics_orbital_usd_per_chip_kwh_measured": 20.0,
        "economics_orbital_tokens_per_accelerator_hour_measured": 25_000.0,
        "economics_terrestrial_usd_per_accelerator_hour_measured": 8.0,
        "economics_terrestrial_usd_per_mtok_measured": 2000.0,
        "economics_terrestrial_usd_per_chip_kwh_measured": 20.0,
        "economics_terrestrial_tokens_per_accelerator_hour_measured": 4000.0,
        "economics_token_cost_ratio_orbital_to_terrestrial_measured": 0.2,
        "economics_breakeven_launch_usd_per_kg": None,
        "economics_breakeven_launch_usd_per_kg_energy_framing": 68.3748,
    }
    no_run = economics_kpis(RES, None, X, 1234.56789, None)
    assert no_run["economics_breakeven_launch_usd_per_kg"] == 1234.57
    assert no_run["economics_orbital_usd_per_mtok_measured"] is None
    assert no_run["economics_token_cost_ratio_orbital_to_terrestrial_measured"] is None


def test_summary_section():
    s = economics_summary(RES, MEASURED, X, FLEET, ["a note"], None, None)
    # no terrestrial tokens in RES: no cost per token on the ground, no ratio per token
    assert s["answer"] == (
        "Design basis (utilisation 1): 5 vs 2 USD per delivered accelerator-hour (2.5x) at "
        "launch 3600 USD/kg; break-even launch price none (dearer even at 0 USD/kg)."
    )
    assert s["basis"]["headline"] == "design"
    assert s["fleet"]["kg_per_kw"] == 100.0
    assert s["fleet"]["design_tokens_per_accelerator_s"] == 1234.57
    assert s["orbital"]["capex_usd"] == 1000.0
    assert s["orbital"]["items_annual_usd"] == {"launch": 100.0, "operations": 300.0}
    # waterfall per item: 100 and 300 USD over 2 Mtok
    assert s["orbital"]["items_usd_per_mtok"] == {"launch": 50.0, "operations": 150.0}
    assert s["terrestrial"]["usd_per_mtok"] is None
    assert s["orbital_usd_per_mtok_design"] == 200.0
    assert s["measured"]["available"] is True
    assert s["measured"]["ratio_per_mtok"] == 0.2
    assert s["measured"]["terrestrial"]["usd_per_mtok"] == 2000.0
    assert s["notes"] == ["a note"]
    with_be = economics_summary(RES, None, X, FLEET, [], 150.4, None)
    assert with_be["answer"].endswith("break-even launch price 150 USD/kg.")
    assert with_be["measured"]["available"] is False
    both = CostResult(orbital(), MEASURED.terrestrial)  # 200 USD over 0.1 Mtok on the ground
    assert (
        "200 USD per million tokens from orbit vs 2e+03 from the ground (0.1x)"
        in (economics_summary(both, None, X, FLEET, [], None, None)["answer"])
    )


def test_assess_rows_kpis_and_notes_agree():
    spec = EconomicsSpec()
    run = RunMeasurements(duration_s=86_400.0)
    out = assess(spec, FLEET, run)
    n_items = sum(1 for r in out.rows if r[0] == "cost")
    assert len(out.rows) == n_items + 2 * 2 * len(SENSITIVITY_INPUTS)
    assert out.summary["notes"] is run.notes
    no_be = out.kpis["economics_breakeven_launch_usd_per_kg"] is None
    assert any("No break-even launch price" in n for n in run.notes) == no_be
    assert out.summary["breakeven_text"].startswith(
        "No break-even launch price" if no_be else "Break-even launch price"
    )
    for system in ("orbital", "terrestrial"):
        unit = sum(r[7] for r in out.rows if r[0] == "cost" and r[1] == system)
        assert unit == pytest.approx(
            out.kpis[f"economics_{system}_usd_per_accelerator_hour"], rel=1e-5
        )
    assert out.kpis["economics_tokens_basis"] == "design"
    assert (
        out.kpis["economics_orbital_usd_per_mtok"]
        == out.kpis["economics_orbital_usd_per_mtok_design"]
    )
    # no operations run: no measured basis, and the verdict says the design figures
    assert out.kpis["economics_orbital_usd_per_mtok_measured"] is None
    assert out.verdict["topic"] == "cost"
    assert str(out.kpis["economics_orbital_usd_per_mtok"])[:3] in out.verdict["text"]
    assert {f["assumption"] for f in out.verdict["flips"]} >= {"launch price"}
    assert len(out.summary["tornado"]) == len(SENSITIVITY_INPUTS)
