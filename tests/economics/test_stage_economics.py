"""Economics stage: KPIs, the economics table, fail-soft without operations, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import check, simulate
from orbitcloud.scenario import OrbitcloudInputError, load_scenario, load_scenario_text

CLUSTER = """\
name: econ-small
seed: 1
time: {start: "2025-06-21T00:00:00Z", duration_h: 1, step_s: 300}
constellations:
  - name: cluster
    cluster: {altitude_km: 650, count: 7, spacing_m: 200}
economics:
%s
outputs: {positions: false, sat_state: false}
"""

COLUMNS = ["kind", "system", "item", "case", "input_value", "capex_usd", "annual_usd",
           "usd_per_accelerator_hour", "usd_per_mtok", "usd_per_chip_kwh"]  # fmt: skip
EXAMPLE = Path(__file__).parents[2] / "examples" / "economics.yaml"


def run(econ: str = "  discount_rate: 0.08"):
    sink = MemorySink()
    ctx = simulate(load_scenario_text(CLUSTER % econ), sink)
    return ctx, sink.table("economics")


def test_stage_design_basis_without_operations():
    ctx, tbl = run()
    assert tbl.column_names == COLUMNS
    k = ctx.kpis
    assert k["economics_tokens_basis"] == "design"
    for key in ("economics_orbital_usd_per_accelerator_hour",
                "economics_terrestrial_usd_per_accelerator_hour",
                "economics_orbital_usd_per_mtok", "economics_terrestrial_usd_per_mtok",
                "economics_orbital_usd_per_chip_kwh", "economics_cost_ratio_orbital_to_terrestrial",
                "economics_breakeven_launch_usd_per_kg_energy_framing"):  # fmt: skip
        assert k[key] is not None, key
        assert k[key] > 0, key
    notes = " ".join(ctx.summary["economics"]["notes"])
    assert "no operations run" in notes
    # no operations: no measured basis; the design basis and its verdict stand alone
    assert k["economics_orbital_usd_per_mtok_measured"] is None
    assert k["economics_terrestrial_usd_per_mtok_measured"] is None
    assert ctx.summary["economics"]["measured"]["available"] is False
    assert [v["topic"] for v in ctx.summary["verdicts"]] == ["cost"]
    # totals equal the sum of the items; no NaN anywhere (nulls instead)
    rows = tbl.to_pylist()
    for system in ("orbital", "terrestrial"):
        items = [r for r in rows if r["kind"] == "cost" and r["system"] == system]
        parts = sum(r["annual_usd"] for r in items)
        assert ctx.summary["economics"][system]["annual_usd"] == pytest.approx(parts, rel=1e-5)
        unit = sum(r["usd_per_accelerator_hour"] for r in items)
        assert unit == pytest.approx(k[f"economics_{system}_usd_per_accelerator_hour"], rel=1e-5)
    for r in rows:
        for c in COLUMNS[4:]:
            assert r[c] is None or math.isfinite(r[c])
    sens = [r for r in rows if r["kind"] == "sensitivity"]
    assert {r["case"] for r in sens} == {"low", "high"}
    assert all(r["input_value"] is not None for r in sens)


def test_stage_deterministic_and_launch_price_direction():
    a, _ = run("  launch: {price_usd_per_kg: 1000}")
    b, _ = run("  launch: {price_usd_per_kg: 1000}")
    c, _ = run("  launch: {price_usd_per_kg: 5000}")
    key = "economics_orbital_usd_per_mtok"
    assert a.kpis[key] == b.kpis[key]
    assert c.kpis[key] > a.kpis[key]


SIG6 = 5e-6
"""Relative tolerance of KPIs rounded to 6 significant digits."""


def _identity(k: dict, suffix: str) -> None:
    """$/Mtok ratio = $/accelerator-hour ratio x inverse ratio of tokens per accelerator-hour."""
    o, t = "economics_orbital_", "economics_terrestrial_"
    per_h = k[f"{o}usd_per_accelerator_hour{suffix}"] / k[f"{t}usd_per_accelerator_hour{suffix}"]
    tok = (
        k[f"{t}tokens_per_accelerator_hour{suffix}"] / k[f"{o}tokens_per_accelerator_hour{suffix}"]
    )
    per_mtok = k[f"{o}usd_per_mtok{suffix}"] / k[f"{t}usd_per_mtok{suffix}"]
    assert per_mtok == pytest.approx(per_h * tok, rel=6 * SIG6)
    assert k[f"economics_token_cost_ratio_orbital_to_terrestrial{suffix}"] == pytest.approx(
        per_mtok, rel=3 * SIG6
    )


def test_example_on_one_basis_each():
    sink = MemorySink()
    ctx = simulate(load_scenario(EXAMPLE), sink)
    k = ctx.kpis
    assert isinstance(sink.table("economics"), pa.Table)
    assert k["economics_tokens_basis"] == "design"
    _identity(k, "")
    _identity(k, "_measured")
    # design basis, the example's same utilisation 0.6 on both sides: the same tokens per
    # delivered accelerator-hour, so the ratio per token is the ratio per accelerator-hour
    assert k["economics_orbital_tokens_per_accelerator_hour"] == pytest.approx(
        k["economics_terrestrial_tokens_per_accelerator_hour"], rel=SIG6
    )
    assert k["economics_token_cost_ratio_orbital_to_terrestrial"] == pytest.approx(
        k["economics_cost_ratio_orbital_to_terrestrial"], rel=2 * SIG6
    )
    # measured basis from the inference KPIs by hand: the example's grid has 181 steps of
    # 120 s (6 h, both ends), each serving 120 s; its terrestrial data centres hold 2000 + 2000
    # accelerators
    hours, n_ground = 181 * 120 / 3600.0, 4000
    served_o = k["inference_orbital_tokens_served"]
    served_t = k["inference_terrestrial_tokens_served"]
    u_o = k["inference_orbital_accelerator_utilisation"]
    u_t = k["inference_terrestrial_accelerator_utilisation"]
    eco = ctx.summary["economics"]
    assert eco["measured"]["orbital"]["tokens_per_year"] == pytest.approx(
        served_o * 8766.0 / hours, rel=SIG6
    )
    busy_tph_t = served_t / (n_ground * hours) / u_t
    assert k["economics_terrestrial_tokens_per_accelerator_hour_measured"] == pytest.approx(
        busy_tph_t, rel=SIG6
    )
    assert k["economics_orbital_usd_per_accelerator_hour_measured"] == pytest.approx(
        k["economics_orbital_usd_per_accelerator_hour"] / u_o, rel=3 * SIG6
    )
    # the verdict: appended, on the headline basis, the break-even or why there is none
    (v,) = [v for v in ctx.summary["verdicts"] if v["topic"] == "cost"]
    nums = {n["name"]: n["value"] for n in v["numbers"]}
    assert nums["orbital cost per million tokens (design)"] == k["economics_orbital_usd_per_mtok"]
    be = k["economics_breakeven_launch_usd_per_kg"]
    assert (be is None) == eco["breakeven_text"].startswith("No break-even")
    launch = next(f for f in v["flips"] if f["assumption"] == "launch price")
    assert launch["flip_at"] == (None if be is None else pytest.approx(be, rel=SIG6))
    # waterfall and tornado data on the headline basis
    items = eco["orbital"]["items_usd_per_mtok"]
    assert sum(items.values()) == pytest.approx(k["economics_orbital_usd_per_mtok"], rel=1e-4)
    assert {r["flips"] for r in eco["tornado"]} <= {None, "low", "high", "both"}


@pytest.mark.parametrize(
    ("econ", "where"),
    [
        ("  launch: {price_usd_per_kg: -5}", "economics.launch.price_usd_per_kg"),
        ("  hardware: {solar_array_usd_per_w: -1.0}", "economics.hardware.solar_array_usd_per_w"),
        ("  orbital: {design_life_years: 0.5}", "economics.orbital.design_life_years"),
        ("  discount_rate: 0.9", "economics.discount_rate"),
        ("  discount_rate: -0.01", "economics.discount_rate"),
        ("  terrestrial: {electricity_usd_per_kwh: -0.1}",
         "economics.terrestrial.electricity_usd_per_kwh"),
    ],
)  # fmt: skip
def test_bad_input_names_the_field(econ, where):
    with pytest.raises(OrbitcloudInputError) as e:
        load_scenario_text(CLUSTER % econ)
    assert where in str(e.value)


def test_no_compute_fleet_is_rejected_before_work():
    text = (
        CLUSTER.replace(
            "cluster: {altitude_km: 650, count: 7, spacing_m: 200}",
            "walker: {planes: 2, sats_per_plane: 2, altitude_km: 550, inclination_deg: 53}",
        )
        % "  discount_rate: 0.08"
    )
    with pytest.raises(OrbitcloudInputError, match="economics"):
        check(load_scenario_text(text))
