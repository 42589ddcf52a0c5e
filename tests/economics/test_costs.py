"""Cost model: published framings (Suncatcher, Starcloud), closed forms, monotonicity."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from orbitcloud.economics.costs import (
    HOURS_PER_YEAR,
    CostInputs,
    breakeven_launch_price_energy_framing,
    breakeven_launch_price_usd_per_kg,
    capital_recovery_factor,
    energy_cost_usd,
    evaluate,
    launch_cost_usd_per_kw_year,
    launch_price_usd_per_kg,
    solve_bracketed,
    tornado,
)

# A Suncatcher-like fleet: 81 satellites of 8 accelerators (numbers of the suncatcher-tpu preset).
BASE = CostInputs(
    n_sat=81, n_acc=648, fleet_mass_kg=81 * 300.0, bus_mass_kg=81 * 150.0,
    power_system_mass_kg=81 * 50.0, array_power_w=81 * 4380.0, radiator_m2=81 * 5.0,
    battery_wh=81 * 2000.0, lasers=81 * 4, acc_tdp_w=300.0, acc_idle_w=60.0,
    host_w_per_acc=50.0, tokens_per_acc_s=2000.0, launch_usd_per_kg=3600.0,
    accelerator_usd=15_000.0, host_usd_per_acc=5000.0, solar_usd_per_w=50.0,
    radiator_usd_per_m2=10_000.0, battery_usd_per_wh=2.0, laser_usd=250_000.0,
    bus_usd_per_kg=5000.0, integration_fraction=0.1, discount_rate=0.08,
    design_life_years=5.0, spares_fraction=0.05, failure_per_year=0.01,
    ground_segment_usd=20e6, ground_life_years=15.0, ops_usd_per_sat_year=50_000.0,
    availability=0.95, utilization=0.6, dc_capex_usd_per_mw=11.7e6,
    dc_facility_life_years=20.0, dc_hardware_life_years=5.0, electricity_usd_per_kwh=0.081,
    pue=1.58, water_l_per_kwh=1.8, water_usd_per_m3=2.0, land_m2_per_mw=4000.0,
    land_usd_per_m2=50.0, dc_maintenance_fraction=0.03, dc_utilization=0.6,
    dc_failure_per_year=0.0044,
)  # fmt: skip

# A cheap-satellite variant for which a break-even launch price exists.
CHEAP = replace(BASE, bus_usd_per_kg=20.0, laser_usd=1000.0, solar_usd_per_w=0.5,
                radiator_usd_per_m2=100.0, battery_usd_per_wh=0.2, ops_usd_per_sat_year=0.0,
                ground_segment_usd=0.0, integration_fraction=0.0, spares_fraction=0.0,
                failure_per_year=0.0044, availability=1.0)  # fmt: skip


def orbital_mtok(x: CostInputs) -> float:
    v = evaluate(x).orbital.usd_per_mtok
    assert v is not None
    return v


# ------------------------------------------------------------------ closed forms


def test_capital_recovery_factor_closed_forms():
    assert capital_recovery_factor(0.0, 5.0) == pytest.approx(0.2)
    # r (1+r)^n / ((1+r)^n - 1) at 8 %, 5 years = 0.2504565 (annuity tables)
    assert capital_recovery_factor(0.08, 5.0) == pytest.approx(0.2504565, rel=1e-6)
    assert capital_recovery_factor(0.08, 1.0) == pytest.approx(1.08)


def test_launch_price_trend():
    assert launch_price_usd_per_kg(3600.0, 0.0, 2025, 2035) == 3600.0
    # 25 %/yr for 10 years: 3600 x 0.75^10 = 202.7 USD/kg, Suncatcher's mid-2030s ~$200/kg
    assert launch_price_usd_per_kg(3600.0, 0.25, 2025, 2035) == pytest.approx(202.73, rel=1e-4)


def test_solve_bracketed_widens_and_reports_no_root():
    assert solve_bracketed(lambda p: p - 12345.0, 0.0, 10.0) == pytest.approx(12345.0)
    assert solve_bracketed(lambda p: p + 1.0, 0.0, 10.0, hi_max=1e4) is None


# ------------------------------------------------------------------ published framings

SUNCATCHER_KG = 575.0  # Starlink V2 mini-like satellite mass (arXiv:2511.19468 framing, secondary)
SUNCATCHER_KW = 28.0  # its power [kW] (secondary)
SUNCATCHER_LIFE_Y = 5.0  # satellite life used in the paper's per-year figure
# Terrestrial energy cost per kW-year: US industrial electricity 2024, 0.081 USD/kWh (EIA
# Electric Power Monthly, Table 5.6.A) x 8766 h x a hyperscaler PUE of 1.09 (Google data
# centre efficiency report, 2024) = 774 USD/(kW yr), inside the paper's quoted 570-3000 range.
TERRESTRIAL_USD_PER_KW_YEAR = 0.081 * HOURS_PER_YEAR * 1.09
SUNCATCHER_TOL = 0.25  # the mass/power and terrestrial energy price are secondary figures


def test_suncatcher_2025_breakeven_launch_price():
    kg_per_kw = SUNCATCHER_KG / SUNCATCHER_KW
    # paper's framing: ~$810/kW/y of launch cost at $200/kg; here 821 (mass/power rounding)
    assert launch_cost_usd_per_kw_year(200.0, kg_per_kw, SUNCATCHER_LIFE_Y) == pytest.approx(
        810.0, rel=0.03
    )
    be = breakeven_launch_price_energy_framing(
        TERRESTRIAL_USD_PER_KW_YEAR, kg_per_kw, SUNCATCHER_LIFE_Y
    )
    assert be is not None
    assert be == pytest.approx(200.0, rel=SUNCATCHER_TOL)  # 188 USD/kg
    # and it scales with the terrestrial price: the paper's 570-3000 USD/kW/y gives 139-730
    lo = breakeven_launch_price_energy_framing(570.0, kg_per_kw, SUNCATCHER_LIFE_Y)
    hi = breakeven_launch_price_energy_framing(3000.0, kg_per_kw, SUNCATCHER_LIFE_Y)
    assert lo is not None
    assert hi is not None
    assert lo < be < hi


STARCLOUD_POWER_W = 40e6  # 40 MW module
STARCLOUD_YEARS = 10.0
STARCLOUD_SOLAR_USD_PER_W = 0.03  # white paper: solar cells at $0.03/W
STARCLOUD_LAUNCH_USD = 5e6  # white paper: one ~$5M launch (100 t at 50 USD/kg) per 40 MW module
STARCLOUD_MODULE_KG = 100_000.0
STARCLOUD_ELECTRICITY = 0.04  # terrestrial energy price the $140M energy line implies [USD/kWh]
STARCLOUD_BACKUP_USD = 20e6  # white paper: backup power
STARCLOUD_CHILLERS_USD = 7e6  # white paper: chillers over 10 years
STARCLOUD_CAPACITY_FACTOR = 0.95  # white paper: > 95 % in a dawn-dusk orbit


def test_starcloud_white_paper_40mw_10_years():
    terrestrial = (
        energy_cost_usd(STARCLOUD_POWER_W, STARCLOUD_YEARS, STARCLOUD_ELECTRICITY, pue=1.0)
        + STARCLOUD_BACKUP_USD
        + STARCLOUD_CHILLERS_USD
    )
    assert terrestrial == pytest.approx(167e6, rel=0.01)  # paper: $167M
    launch = STARCLOUD_MODULE_KG * (STARCLOUD_LAUNCH_USD / STARCLOUD_MODULE_KG)
    solar = STARCLOUD_POWER_W * STARCLOUD_SOLAR_USD_PER_W
    orbital = launch + solar
    # paper: $8.2M; the summaries itemise launch ($5M) and cells ($1.2M); the remaining ~$2M is
    # not itemised in them (docs/models-economics.md), hence the 25 % tolerance
    assert orbital == pytest.approx(8.2e6, rel=0.25)
    ratio = terrestrial / orbital
    assert ratio > 20  # paper: "20x cheaper"
    kwh = STARCLOUD_POWER_W / 1000 * HOURS_PER_YEAR * STARCLOUD_YEARS * STARCLOUD_CAPACITY_FACTOR
    assert orbital / kwh == pytest.approx(0.002, rel=0.10)  # paper: ~$0.002/kWh
    assert 0.002 <= 8.2e6 / kwh <= 0.005  # the paper's total in its stated range


def test_starcloud_framing_omits_what_the_full_model_counts():
    # Same 40 MW of arrays through the full model's energy line, with space-grade prices: the
    # energy supply alone is far dearer than $0.002/kWh (docs/models-economics.md explains).
    res = evaluate(BASE)
    assert res.orbital.energy_usd_per_chip_kwh > 0.05
    assert res.terrestrial.energy_usd_per_chip_kwh == pytest.approx(
        (0.081 * 1.58 + 1.8e-3 * 2.0) * (1 + 50 / (60 + 240 * 0.6)), rel=1e-9
    )


# ------------------------------------------------------------------ break-even and tornado


def test_breakeven_launch_price_equalises_costs():
    be = breakeven_launch_price_usd_per_kg(CHEAP)
    assert be is not None
    assert be > 0
    res = evaluate(replace(CHEAP, launch_usd_per_kg=be))
    assert res.orbital.usd_per_accelerator_hour == pytest.approx(
        res.terrestrial.usd_per_accelerator_hour, rel=1e-9
    )
    assert breakeven_launch_price_usd_per_kg(BASE) is None  # dearer even with free launch


def test_tornado_rows_and_direction():
    rows = tornado(BASE, 0.2)
    names = {r[0] for r in rows}
    assert {"launch_usd_per_kg", "discount_rate", "design_life_years", "pue"} <= names
    by = {(r[0], r[1]): r[3] for r in rows}
    assert (
        by["launch_usd_per_kg", "high"].orbital.annual_usd
        > by["launch_usd_per_kg", "low"].orbital.annual_usd
    )
    assert by["pue", "high"].terrestrial.annual_usd > by["pue", "low"].terrestrial.annual_usd
    assert by["pue", "low"].terrestrial.annual_usd >= 0


def test_items_add_up():
    res = evaluate(BASE)
    for s in (res.orbital, res.terrestrial):
        assert s.annual_usd == pytest.approx(sum(a for _, a in s.items.values()))
        assert s.usd_per_accelerator_hour > 0


# ------------------------------------------------------------------ monotonicity (hypothesis)

pos = st.floats(min_value=0.0, max_value=1e5, allow_nan=False)
frac = st.floats(min_value=0.01, max_value=1.0, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(a=pos, b=pos)
def test_cost_per_token_rises_with_launch_price(a, b):
    lo, hi = sorted((a, b))
    assert orbital_mtok(replace(BASE, launch_usd_per_kg=lo)) <= orbital_mtok(
        replace(BASE, launch_usd_per_kg=hi)
    )


@settings(max_examples=60, deadline=None)
@given(a=pos, b=pos, field=st.sampled_from(["accelerator_usd", "solar_usd_per_w",
                                            "bus_usd_per_kg", "laser_usd"]))  # fmt: skip
def test_cost_per_token_rises_with_hardware_price(a, b, field):
    lo, hi = sorted((a, b))
    assert orbital_mtok(replace(BASE, **{field: lo})) <= orbital_mtok(replace(BASE, **{field: hi}))
    t = [evaluate(replace(BASE, accelerator_usd=v)).terrestrial.usd_per_mtok for v in (lo, hi)]
    assert t[0] <= t[1]


@settings(max_examples=60, deadline=None)
@given(a=st.floats(0.0, 0.5), b=st.floats(0.0, 0.5))
@example(a=0.0, b=1e-9)  # once failed: cancellation in (1 + r)^n - 1 for tiny r
def test_cost_per_token_rises_with_discount_rate(a, b):
    lo, hi = sorted((a, b))
    assert orbital_mtok(replace(BASE, discount_rate=lo)) <= orbital_mtok(
        replace(BASE, discount_rate=hi)
    ) * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(a=st.floats(1.0, 50.0), b=st.floats(1.0, 50.0), r=st.floats(0.0, 0.5))
def test_cost_per_token_falls_with_design_life(a, b, r):
    lo, hi = sorted((a, b))
    x = replace(BASE, discount_rate=r)
    assert orbital_mtok(replace(x, design_life_years=hi)) <= orbital_mtok(
        replace(x, design_life_years=lo)
    ) * (1 + 1e-12)


@settings(max_examples=60, deadline=None)
@given(a=frac, b=frac)
def test_cost_per_token_falls_with_utilisation(a, b):
    lo, hi = sorted((a, b))
    assert orbital_mtok(replace(BASE, utilization=hi)) <= orbital_mtok(
        replace(BASE, utilization=lo)
    ) * (1 + 1e-12)
    t = [evaluate(replace(BASE, dc_utilization=v)).terrestrial.usd_per_mtok for v in (hi, lo)]
    assert t[0] <= t[1] * (1 + 1e-12)
