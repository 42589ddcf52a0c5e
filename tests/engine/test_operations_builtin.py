"""The built-in operations scenarios run end to end and state their answer (slow)."""

from __future__ import annotations

import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.scenario.loader import load_scenario


def run(name: str):
    sink = MemorySink()
    return simulate(load_scenario(name), sink), sink


@pytest.mark.slow
def test_remote_inference_answer():
    ctx, sink = run("remote-inference")
    k = ctx.kpis
    assert k["inference_orbital_p50_ms"] < k["inference_terrestrial_p50_ms"]
    assert k["inference_orbital_served_fraction"] > 0.99
    assert all(s["conserved"] for s in ctx.summary["operations"]["inference"]["systems"].values())
    assert {"region", "system", "period", "requests", "served_fraction", "p50_ms", "p95_ms",
            "p99_ms"} <= set(sink.table("region_metrics").column_names)  # fmt: skip


@pytest.mark.slow
def test_disaster_resilience_answer():
    ctx, _ = run("disaster-resilience")
    k = ctx.kpis
    assert k["outage_terrestrial_served_fraction_during"] == 0.0
    assert k["outage_terrestrial_served_fraction_before"] > 0.99
    assert k["outage_orbital_served_fraction_during"] > 0.97


@pytest.mark.slow
def test_eo_edge_answer():
    ctx, sink = run("eo-edge")
    eo = ctx.summary["operations"]["earth_observation"]
    assert eo["orbital-edge"]["insight_p50_min"] < eo["raw-downlink"]["insight_p50_min"]
    assert eo["orbital-edge"]["downlinked_gb"] < 0.1 * eo["raw-downlink"]["downlinked_gb"]
    assert sink.table("eo").num_rows == 2


@pytest.mark.slow
def test_orbital_training_answer():
    ctx, sink = run("orbital-training")
    job = ctx.summary["operations"]["training"]["llm-pretrain"]
    assert 0.3 < job["goodput"] < 1.0
    assert sink.table("jobs").num_rows == ctx.grid.n
