"""Earth observation end to end with ISLs: the flows, the ``eo_network`` table, chunk sizes.

The built-in ``eo-edge`` has no ISLs; here its imagers get a ring (nearest-k, 2 links) so
their bytes can reach a station through a neighbour, and the ring's capacity is cut to make
it the bottleneck.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.scenario.loader import builtin_path, scenario_from_dict
from orbitcloud.scenario.yamlio import load_yaml_file

STEPS = 180  # 07:00-10:00 UTC at 60 s: captures over Europe and Africa, station passes


def doc(isl_gbps: float | None, route: bool = True) -> dict:
    d, _ = load_yaml_file(builtin_path("eo-edge"))
    d["time"] = {"start": "2025-06-01T07:00:00Z", "duration_s": (STEPS - 1) * 60, "step_s": 60}
    d["outputs"]["report"] = False
    if isl_gbps is not None:
        d["constellations"][0]["isl"] = {
            "topology": "nearest-k", "links_per_satellite": 2, "terminals": 2,
            "terminal": {"wdm_channels": 1, "spatial_channels_max": 1,
                         "line_rate_gbps": isl_gbps},
        }  # fmt: skip
    d["workloads"]["earth_observation"]["route_over_isls"] = route
    return d


def run(d: dict, chunk_steps: int | None = None):
    sink = MemorySink()
    ctx = simulate(scenario_from_dict(d, base_dir=builtin_path("eo-edge").parent), sink,
                   chunk_steps=chunk_steps)  # fmt: skip
    tables = {k: pa.concat_tables(v) for k, v in sink.parts.items()}
    return ctx.summary["operations"]["earth_observation"], tables


@pytest.fixture(scope="module")
def runs():
    return {
        "none": run(doc(None)),
        "off": run(doc(10.0, route=False)),
        "isl": run(doc(10.0)),
        "thin": run(doc(0.05)),
        "failed": run({**doc(10.0), "events": [{"kind": "isl_failures", "fraction": 1.0}]}),
    }


def test_relaying_over_isls_cuts_the_time_to_insight(runs):
    raw = {k: runs[k][0]["raw-downlink"] for k in runs}
    assert raw["isl"]["insight_mean_min"] < raw["none"]["insight_mean_min"]
    # routing switched off, or every ISL failed, behaves as if there were no ISLs
    assert raw["off"] == raw["none"]
    assert raw["failed"] == raw["none"]
    assert raw["none"]["isl_utilisation_max"] is None
    assert raw["isl"]["isl_utilisation_max"] > 0


def test_thin_isls_congest_and_the_table_shows_it(runs):
    thin, fat = runs["thin"][0]["raw-downlink"], runs["isl"][0]["raw-downlink"]
    assert thin["isl_utilisation_max"] == pytest.approx(1.0)
    assert thin["insight_mean_min"] > fat["insight_mean_min"]
    t = runs["thin"][1]["eo_network"]
    assert t.num_rows == 2 * STEPS
    assert set(t["mode"].to_pylist()) == {"raw-downlink", "orbital-edge"}
    # raw data saturates the 50 Mbit/s ring in many steps; products (2 % of it) never do
    df = t.to_pandas()
    full = (df["isl_utilisation_max"] > 1 - 1e-9).groupby(df["mode"], observed=True).sum()
    assert full["raw-downlink"] > 10
    assert full["orbital-edge"] == 0
    assert runs["thin"][0]["orbital-edge"]["isl_utilisation_max"] < 1


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_tables_do_not_depend_on_the_chunk_size(runs, chunk):
    _, ref = runs["thin"]
    _, got = run(doc(0.05), chunk_steps=chunk)
    for name in ("eo", "eo_network"):
        for col in ref[name].column_names:
            assert got[name][col].equals(ref[name][col]), (name, col, chunk)
