"""The orbital-training story end to end: no ISLs is refused, thin links stop the job with the
reason, and the knee the model reports is where goodput falls to 90 % of saturated."""

from __future__ import annotations

import copy

import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import builtin_path, scenario_from_dict
from orbitcloud.scenario.yamlio import load_yaml_file

PATH = builtin_path("orbital-training")


def base(hours: float = 2.0) -> dict:
    """The built-in, 2 h at 120 s, without the storm (so only the links change the answer)."""
    doc, _ = load_yaml_file(PATH)
    doc = copy.deepcopy(doc)
    doc["time"].update(duration_h=hours, step_s=120)
    doc["events"] = []
    doc["environment"]["storms"] = []
    return doc


def run(doc: dict):
    sink = MemorySink()
    return simulate(scenario_from_dict(doc, base_dir=PATH.parent), sink), sink


def capacity(doc: dict, gbps: float) -> dict:
    """Every ISL at ``gbps``: one transceiver pair, one WDM channel at that line rate."""
    doc["constellations"][0]["isl"]["terminal"].update(
        wdm_channels=1, spatial_channels_max=1, line_rate_gbps=gbps
    )
    return doc


def test_the_job_with_isls_turned_off_is_refused():
    doc = base()
    doc["constellations"][0]["isl"] = {"topology": "none"}
    with pytest.raises(OrbitcloudInputError, match="topology is none"):
        run(doc)


def test_links_thinner_than_the_job_needs_stop_it_with_the_reason():
    """50 Gbit/s links against a job that needs 100 Gbit/s: never runs, and says why."""
    ctx, sink = run(capacity(base(), 50.0))
    jobs = sink.table("jobs").to_pydict()
    assert set(jobs["state"]) == {"links"}
    assert all("not connected at 100 Gbit/s" in r for r in jobs["stop_reason"])
    assert ctx.summary["operations"]["training"]["llm-pretrain"]["goodput"] == 0.0


def test_goodput_at_the_reported_knee_is_90_percent_of_saturated():
    """Run at 100 Tbit/s (saturated), read the knee the model reports, run again with every
    link at the knee: goodput falls to 90 % (checkpoint and restart costs are fixed shares of
    time, so goodput scales with the step rate; 1 % for the compute capacity's small wander)."""
    sat_ctx, _ = run(capacity(base(), 100_000.0))
    knee = sat_ctx.kpis["training_link_knee_gbps"]
    assert 100 < knee < 100_000
    knee_ctx, _ = run(capacity(base(), knee))
    g_sat = sat_ctx.kpis["training_llm-pretrain_goodput"]
    g_knee = knee_ctx.kpis["training_llm-pretrain_goodput"]
    assert g_knee / g_sat == pytest.approx(0.9, rel=0.01)
    pod = sat_ctx.summary["operations"]["training"]["llm-pretrain"]["terrestrial_pod"]
    assert 0 < pod["mfu_running"] <= 0.4
