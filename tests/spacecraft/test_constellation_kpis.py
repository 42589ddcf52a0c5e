"""KPIs per constellation: accelerator figures come only from satellites that carry
accelerators, each constellation gets its own figures, and chunking never changes them."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.results.kpis import lookup
from orbitcloud.scenario import load_scenario_text

TWO = """
name: two
seed: 4
time: {start: "2025-06-21T00:00:00Z", duration_s: 5940, step_s: 60}
constellations:
  - name: bus-only
    walker: {planes: 2, sats_per_plane: 3, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
    spacecraft: {preset: starlink-class}
  - name: tpu
    cluster: {altitude_km: 650, ltan_h: 6.0, count: 7, spacing_m: 200}
    spacecraft: {preset: suncatcher-tpu}
outputs: {sat_state: true, positions: false, report: false}
"""


def _run(chunk_steps: int | None = None):
    sink = MemorySink()
    ctx = simulate(load_scenario_text(TWO), sink, chunk_steps=chunk_steps)
    return ctx, sink


@pytest.fixture(scope="module")
def run():
    return _run()


def test_accelerator_kpis_come_only_from_the_accelerator_constellation(run):
    ctx, sink = run
    summ = sink.table("sat_summary").to_pandas()
    sats = sink.table("satellites").to_pandas()
    df = summ.merge(sats[["sat", "shell"]], on="sat")
    tpu, bus = df[df["shell"] == 1], df[df["shell"] == 0]
    assert (tpu["accelerators"] == 8).all()
    assert (bus["accelerators"] == 0).all()
    k = ctx.kpis
    # hand check on the table: the hottest accelerator among the TPU satellites only
    assert k["accelerator_temp_max_k"] == pytest.approx(tpu["temp_max_k"].max(), abs=0.01)
    assert k["tpu:accelerator_temp_max_k"] == k["accelerator_temp_max_k"]
    # the bus-only satellites' "accelerator" node (no accelerator) is not pooled in
    assert bus["temp_max_k"].max() != pytest.approx(k["accelerator_temp_max_k"], abs=0.01)
    assert "bus-only:accelerator_temp_max_k" not in k
    assert "bus-only:compute_capacity_mean" not in k
    assert k["compute_capacity_mean"] == pytest.approx(tpu["mean_capacity"].mean(), abs=1e-6)
    # per-constellation power and dose are each constellation's own means (float32 table)
    for name, part in (("bus-only", bus), ("tpu", tpu)):
        assert k[f"{name}:orbit_average_power_w"] == pytest.approx(
            part["orbit_average_power_w"].mean(), rel=1e-6)  # fmt: skip
        assert k[f"{name}:dose_rad_per_year"] == pytest.approx(
            part["dose_rad_per_year"].mean(), rel=1e-6)  # fmt: skip
        assert k[f"{name}:battery_soc_min"] == pytest.approx(part["battery_soc_min"].min(),
                                                             abs=1e-4)  # fmt: skip
    assert k["orbit_average_power_w"] == pytest.approx(df["orbit_average_power_w"].mean(),
                                                       rel=1e-6)  # fmt: skip
    # the summary block holds the same numbers, and every KPI written is registered
    block = ctx.summary["constellations"]
    assert block["tpu"]["satellites"] == 7
    assert block["bus-only"]["satellites"] == 6
    assert block["tpu"]["accelerator_temp_max_k"] == k["tpu:accelerator_temp_max_k"]
    assert all(lookup(name) is not None for name in k), [n for n in k if lookup(n) is None]
    assert lookup("tpu:accelerator_temp_max_k").unit == "K"  # type: ignore[union-attr]
    # sat_state agrees: the hottest accelerator of a TPU satellite
    st = sink.table("sat_state")
    is_tpu = pc.is_in(st["sat"], value_set=pa.array(tpu["sat"], pa.int32()))
    hottest = pc.max(pc.filter(st["temp_k"], is_tpu)).as_py()
    assert k["accelerator_temp_max_k"] == pytest.approx(hottest, abs=0.01)


def test_one_constellation_writes_no_prefixed_kpis():
    text = TWO.split("  - name: tpu")[0]
    ctx = simulate(load_scenario_text(text), MemorySink())
    assert not any(":" in n for n in ctx.kpis)
    assert ctx.kpis["accelerator_temp_max_k"] is None  # no satellite carries accelerators
    assert "accelerators" in ctx.summary["kpi_notes"]["accelerator_temp_max_k"]
    assert set(ctx.summary["constellations"]) == {"bus-only"}


def test_per_constellation_figures_do_not_depend_on_chunking(run):
    ref = run[0]
    for chunk in (1, 7, 64):
        ctx, _ = _run(chunk)
        assert ctx.summary["constellations"] == ref.summary["constellations"], chunk
        assert {n: v for n, v in ctx.kpis.items() if ":" in n} == {
            n: v for n, v in ref.kpis.items() if ":" in n
        }
