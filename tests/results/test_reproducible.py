"""A run reproduces itself, for every built-in scenario and every example scenario.

* run -> its results folder's ``scenario.yaml`` -> run again: identical tables (every column),
  identical scenario file, hash and KPIs;
* a one-point sweep with no overrides (its one parameter restates the base's seed) gives the
  direct run's tables.

Each scenario is cut to a few time steps with every per-step table on and no HTML report (a
report is not a table; it has its own tests), and its data files are made absolute so the
document runs from any folder. A data file missing from this checkout skips that scenario.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import orbitcloud
from orbitcloud.scenario.loader import builtin_names, builtin_path
from orbitcloud.scenario.yamlio import load_yaml_file
from orbitcloud.sweep.runner import PointTask, run_point
from orbitcloud.sweep.spec import plan_sweep

REPO = Path(__file__).resolve().parents[2]
STEPS = 4


def _sources() -> list[Any]:
    # starlink-gen2 (41,956 satellites): the same code as the smaller builtins, minutes here
    large = {"starlink-gen2"}
    out = [
        pytest.param(builtin_path(n), id=n, marks=[pytest.mark.slow] if n in large else [])
        for n in builtin_names()
    ]
    for p in sorted((REPO / "examples").glob("*.yaml")):
        doc, _ = load_yaml_file(p)
        if isinstance(doc, dict) and "constellations" in doc:  # a scenario, not a sweep file
            out.append(pytest.param(p, id=f"examples/{p.name}"))
    return out


def short_doc(path: Path, steps: int = STEPS) -> dict[str, Any]:
    """The scenario document cut to ``steps`` steps, all per-step tables on, files absolute."""
    doc, _ = load_yaml_file(path)
    t = doc["time"]
    t.pop("duration_h", None)
    t["duration_s"] = (steps - 1) * t["step_s"]
    doc.setdefault("outputs", {}).update(report=False, sat_state=True, positions=True)

    def absolute(holder: dict[str, Any], key: str) -> None:
        v = holder.get(key)
        if isinstance(v, str) and not v.startswith("package:") and not Path(v).is_absolute():
            p = (path.parent / v).resolve()
            if not p.is_file():
                pytest.skip(f"{path.name} needs {v}, not in this checkout")
            holder[key] = str(p)

    for c in doc["constellations"]:
        absolute(c, "tle_file")
        absolute(c, "omm_file")
    absolute((doc.get("orbit_ops") or {}).get("conjunctions") or {}, "background_tle_file")
    return doc


def assert_same_folders(a: Path, b: Path) -> None:
    tables = sorted(p.name for p in a.glob("*.parquet"))
    assert tables
    assert tables == sorted(p.name for p in b.glob("*.parquet"))
    for name in tables:
        ta, tb = pq.read_table(a / name), pq.read_table(b / name)
        assert ta.column_names == tb.column_names, name
        for col in ta.column_names:
            assert ta[col].equals(tb[col]), f"{name}: column {col} differs"
    assert (a / "scenario.yaml").read_bytes() == (b / "scenario.yaml").read_bytes()
    sa = json.loads((a / "summary.json").read_text("utf-8"))
    sb = json.loads((b / "summary.json").read_text("utf-8"))
    for key in ("scenario_hash", "tables", "kpis", "warnings"):
        assert sa[key] == sb[key], key
    designs = [(s.get("spacecraft") or {}).get("designs") for s in (sa, sb)]
    assert designs[0] == designs[1]


@pytest.mark.parametrize("path", _sources())
def test_rerun_of_the_written_scenario_gives_identical_tables(path, tmp_path):
    doc = short_doc(path)
    orbitcloud.run(copy.deepcopy(doc), out=tmp_path / "A")
    orbitcloud.run(tmp_path / "A" / "scenario.yaml", out=tmp_path / "B")
    assert_same_folders(tmp_path / "A", tmp_path / "B")


@pytest.mark.parametrize("path", _sources())
def test_one_point_sweep_without_overrides_is_the_direct_run(path, tmp_path):
    doc = short_doc(path)
    plan = plan_sweep(
        {"base": copy.deepcopy(doc), "parameters": {"seed": [doc.get("seed", 0)]}},
        sweep_dir=tmp_path,
    )
    (point,) = plan.points
    direct = orbitcloud.run(copy.deepcopy(doc), out=tmp_path / "direct")
    assert point.hash == direct.summary["scenario_hash"]
    result = run_point(PointTask(point.hash, str(tmp_path / "point"), point.scenario))
    assert result["computed"]
    assert_same_folders(tmp_path / "direct", tmp_path / "point")
