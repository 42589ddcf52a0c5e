"""A sweep point with no overrides is exactly the direct run of its base scenario.

It was not: a point's scenario travelled to its worker as a plain ``model_dump``, re-validated
there with every field "set", so every spacecraft preset was overridden by the defaults (a
one-point sweep of remote-inference served 0 % of requests from orbit, the direct run 99.99 %),
with the same hash. The point runs in-process here (``run_point`` is the Dask task's body).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import orbitcloud
from orbitcloud.scenario.loader import builtin_path, load_scenario
from orbitcloud.scenario.model import resolved_dict
from orbitcloud.scenario.yamlio import load_yaml_file
from orbitcloud.sweep.runner import PointTask, run_point
from orbitcloud.sweep.spec import plan_sweep


def short_builtin(name: str, steps: int = 3) -> dict[str, Any]:
    """A built-in scenario's document cut to ``steps`` time steps, with per-step satellite state
    and no HTML report."""
    doc, _ = load_yaml_file(builtin_path(name))
    t = doc["time"]
    t.pop("duration_h", None)
    t["duration_s"] = (steps - 1) * t["step_s"]
    doc.setdefault("outputs", {}).update(report=False, sat_state=True)
    return doc


def designs(sc) -> list[dict[str, Any]]:
    return [c.spacecraft.resolve(c.kind).model_dump() for c in sc.constellations]


@pytest.mark.parametrize("name", ["default", "remote-inference", "orbital-training"])
def test_one_point_sweep_without_overrides_is_the_direct_run(name, tmp_path):
    doc = short_builtin(name)
    # a sweep needs a parameter: one that restates the base's own seed changes nothing
    plan = plan_sweep(
        {"base": copy.deepcopy(doc), "parameters": {"seed": [doc.get("seed", 0)]}},
        sweep_dir=tmp_path,
    )
    (point,) = plan.points
    direct_sc = load_scenario(copy.deepcopy(doc))
    assert point.hash == direct_sc.scenario_hash()
    assert point.scenario == resolved_dict(direct_sc)
    assert designs(load_scenario(copy.deepcopy(point.scenario))) == designs(direct_sc)

    direct = orbitcloud.run(copy.deepcopy(doc), out=tmp_path / "direct")
    result = run_point(PointTask(point.hash, str(tmp_path / "point"), point.scenario))
    assert result["computed"]
    assert result["hash"] == direct.summary["scenario_hash"] == point.hash

    a, b = tmp_path / "direct", tmp_path / "point"
    tables = sorted(p.name for p in a.glob("*.parquet"))
    assert tables
    assert tables == sorted(p.name for p in b.glob("*.parquet"))
    for t in tables:
        ta, tb = pq.read_table(a / t), pq.read_table(b / t)
        assert ta.column_names == tb.column_names, t
        for col in ta.column_names:
            assert ta[col].equals(tb[col]), f"{t}: column {col} differs"
    assert (a / "scenario.yaml").read_bytes() == (b / "scenario.yaml").read_bytes()
    sa = json.loads((a / "summary.json").read_text("utf-8"))
    sb = json.loads((b / "summary.json").read_text("utf-8"))
    assert sa["kpis"] == sb["kpis"]


def test_a_swept_preset_takes_effect(tmp_path: Path):
    """Overrides go into the scenario document, so sweeping the preset name changes the design
    (and the hash), and each point's travelling scenario keeps its own design."""
    doc = short_builtin("remote-inference")
    plan = plan_sweep(
        {
            "base": doc,
            "parameters": {
                "constellations.0.spacecraft.preset": ["starcloud-h100", "starlink-class"]
            },
        },
        sweep_dir=tmp_path,
    )
    p_h100, p_plain = plan.points
    assert p_h100.hash != p_plain.hash
    d_h100 = designs(load_scenario(copy.deepcopy(p_h100.scenario)))[0]
    d_plain = designs(load_scenario(copy.deepcopy(p_plain.scenario)))[0]
    assert d_h100["compute"]["count"] > 0
    assert d_h100 != d_plain
    assert p_h100.scenario["constellations"][0]["spacecraft"]["preset"] == "starcloud-h100"
    assert p_plain.scenario["constellations"][0]["spacecraft"]["preset"] == "starlink-class"
