"""Sweep points carry their own resolved design (the one-point sweep with no overrides giving
the direct run's tables is tested for every built-in and example in
tests/results/test_reproducible.py).

It was not: a point's scenario travelled to its worker as a plain ``model_dump``, re-validated
there with every field "set", so every spacecraft preset was overridden by the defaults (a
one-point sweep of remote-inference served 0 % of requests from orbit, the direct run 99.99 %),
with the same hash. The point runs in-process here (``run_point`` is the Dask task's body).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from orbitcloud.scenario.loader import builtin_path, load_scenario
from orbitcloud.scenario.yamlio import load_yaml_file
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
