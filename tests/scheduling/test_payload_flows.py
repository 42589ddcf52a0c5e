"""Inference classes with a payload: the payload is a flow up to the serving satellite.

``remote-inference`` (shortened) with one class given an image payload: at a small payload
nothing changes but the transfer time; at a large one the uplinks and ISLs refuse requests
(dropped ``network``), the served fraction falls and every request is still accounted for.
Text classes (no payload) do no flow work and give the same answers as before.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.scenario.loader import builtin_path, scenario_from_dict
from orbitcloud.scenario.yamlio import load_yaml_file


def run(payload_bytes: int | None, chunk_steps: int | None = None):
    d, _ = load_yaml_file(builtin_path("remote-inference"))
    d["time"]["duration_h"] = 0.5
    d["outputs"]["report"] = False
    if payload_bytes is not None:
        d["workloads"]["inference"]["classes"] = [
            {"name": "vision", "share": 1.0, "slo_ttft_ms": 2000, "max_wait_s": 30,
             "payload_bytes": payload_bytes},
        ]  # fmt: skip
    sink = MemorySink()
    sc = scenario_from_dict(d, base_dir=builtin_path("remote-inference").parent)
    ctx = simulate(sc, sink, chunk_steps=chunk_steps)
    ctx.tables = {k: pa.concat_tables(v) for k, v in sink.parts.items()}  # type: ignore[attr-defined]
    return ctx


@pytest.fixture(scope="module")
def runs():
    return {b: run(b) for b in (0, 10**5, 10**9)}


def test_a_payload_adds_its_transfer_time(runs):
    small, none = runs[10**5].kpis, runs[0].kpis
    # 100 kB at the uplink's share: a few ms more, nothing refused
    assert small["inference_orbital_p50_ms"] > none["inference_orbital_p50_ms"]
    orb = runs[10**5].summary["operations"]["inference"]["systems"]["orbital"]
    assert orb["dropped"].get("network", 0) == 0


def test_a_heavy_payload_is_refused_by_the_network_and_counted(runs):
    heavy = runs[10**9].summary["operations"]["inference"]["systems"]
    orb = heavy["orbital"]
    assert orb["dropped"]["network"] > 0
    assert orb["conserved"]
    # the terrestrial system's fibre is not modelled as capacity: unchanged
    ref = runs[0].summary["operations"]["inference"]["systems"]["terrestrial"]
    assert heavy["terrestrial"]["served"] == ref["served"]
    assert (
        runs[10**9].kpis["inference_orbital_served_fraction"]
        < runs[0].kpis["inference_orbital_served_fraction"]
    )


def test_text_classes_do_no_flow_work(runs):
    orb = runs[0].summary["operations"]["inference"]["systems"]["orbital"]
    assert "network" not in orb["dropped"]


def test_payload_flows_do_not_depend_on_the_chunk_size(runs):
    ref = runs[10**9]
    got = run(10**9, chunk_steps=7)
    assert got.kpis == ref.kpis
    for name in ("requests", "region_metrics"):
        assert got.tables[name].equals(ref.tables[name]), name
