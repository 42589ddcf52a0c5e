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


def test_example_runs_with_operations():
    sink = MemorySink()
    ctx = simulate(load_scenario(EXAMPLE), sink)
    assert ctx.kpis["economics_tokens_basis"] == "operations"
    assert ctx.kpis["economics_orbital_usd_per_mtok"] > 0
    assert isinstance(sink.table("economics"), pa.Table)


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
