"""The engine's typed contract: stages declare what they read and make; the engine orders them
and refuses, before any work, a scenario whose stages need what nothing provides."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from orbitcloud.engine import contract as c
from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import build_stages, check, simulate
from orbitcloud.scenario import OrbitcloudInputError, load_scenario_text
from orbitcloud.scenario.loader import load_scenario

ENGINE = Path(c.__file__).parent


class _Stage:
    """A minimal stage for ordering tests."""

    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = ()
    tables: tuple[str, ...] = ()
    halo_steps = 0

    def __init__(self, name: str, requires: tuple = (), provides: tuple = ()) -> None:
        self.name, self.requires, self.provides = name, requires, provides


def test_stages_are_ordered_so_records_exist_before_they_are_read():
    ops = _Stage("ops", requires=(c.SpacecraftRecord, c.NetworkRecord))
    net = _Stage("net", provides=(c.NetworkRecord,))
    sc = _Stage("sc", requires=(c.AtmosphereRecord,), provides=(c.SpacecraftRecord,))
    env = _Stage("env", provides=(c.AtmosphereRecord,))
    order = [s.name for s in c.order_stages([ops, net, sc, env])]
    assert order.index("env") < order.index("sc") < order.index("ops")
    assert order.index("net") < order.index("ops")
    # a valid order is kept as given (stable)
    assert [s.name for s in c.order_stages([env, sc, net, ops])] == ["env", "sc", "net", "ops"]


def test_a_requirement_nothing_provides_names_the_fields_to_set():
    ops = _Stage("operations", requires=(c.NetworkRecord,))
    with pytest.raises(OrbitcloudInputError, match=r"isl\.topology"):
        c.order_stages([ops])


def test_records_hold_each_type_once_and_for_their_own_steps():
    r = c.Records(0, 5)
    rec = c.OperationsRecord(0, 5, np.ones((5, 2), bool))
    r.put(rec)
    assert r.get(c.OperationsRecord) is rec
    assert r.find(c.NetworkRecord) is None
    with pytest.raises(RuntimeError, match="twice"):
        r.put(rec)
    with pytest.raises(RuntimeError, match=r"steps 5\.\.10"):
        r.put(c.AtmosphereRecord(5, 10, np.zeros((5, 2)), "grid"))
    with pytest.raises(RuntimeError, match="NetworkRecord"):
        r.get(c.NetworkRecord)


def test_records_are_frozen():
    rec = c.OperationsRecord(0, 1, np.ones((1, 1), bool))
    with pytest.raises(AttributeError):
        rec.usable = np.zeros((1, 1), bool)  # type: ignore[misc]


TRAINING = """\
name: training-without-links
time: {start: "2025-12-21T00:00:00Z", duration_h: 1, step_s: 60}
constellations:
  - name: cluster
    cluster: {altitude_km: 650, ltan_h: 6.0, count: 9, spacing_m: 200}
    spacecraft: {preset: suncatcher-tpu}
    %s
workloads:
  training:
    - {name: job, constellation: cluster, accelerators: %d, collective_gbps: 100}
"""


def test_training_across_satellites_without_isls_is_refused_before_work():
    """Measured on 6e66569: goodput 0.88 with no ISLs at all (the check was skipped)."""
    sc = load_scenario_text(TRAINING % ("", 64))
    with pytest.raises(OrbitcloudInputError) as ei:
        check(sc)
    msg = str(ei.value)
    assert "constellations.0.isl.topology" in msg
    assert "workloads.training.0" in msg


def test_training_with_isls_or_on_one_satellite_runs():
    linked = "isl: {topology: mesh, mesh_radius_m: 1000, terminals: 8}"
    ctx = simulate(load_scenario_text(TRAINING % (linked, 64)), MemorySink())
    assert ctx.kpis["training_job_goodput"] is not None
    ctx = simulate(load_scenario_text(TRAINING % ("", 4)), MemorySink())  # fits one satellite
    assert ctx.kpis["training_job_goodput"] is not None


def test_every_stage_declares_its_tables_and_each_is_declared_in_the_schema():
    from orbitcloud.results.schema import TABLES

    for name in ("default", "remote-inference", "orbital-training", "disaster-resilience"):
        for st in build_stages(load_scenario(name)):
            assert set(st.tables) <= set(TABLES), (st.name, st.tables)


def test_no_stage_reads_another_stages_kpis_or_summary():
    """Stages talk through records only: no ``ctx.state``, and ``ctx.kpis`` / ``ctx.summary``
    are written, never read (reading your own section back is the only exception allowed,
    and no stage needs it)."""
    for path in ENGINE.glob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "state":
                v = node.value
                assert not (isinstance(v, ast.Name) and v.id == "ctx"), f"{path.name}: ctx.state"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                f = node.func
                if f.attr == "get" and isinstance(f.value, ast.Attribute):
                    owner = f.value
                    if isinstance(owner.value, ast.Name) and owner.value.id == "ctx":
                        assert owner.attr not in ("kpis", "summary"), (
                            f"{path.name}:{node.lineno} reads ctx.{owner.attr}"
                        )


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_engine_files_are_orchestration_sized(path):
    """Each stage file under 300 lines, no engine function over 80 (the model logic lives in
    the model packages, where it is unit-tested; contract.py is declarations)."""
    text = path.read_text("utf-8")
    if path.name.startswith("stage_"):
        assert len(text.splitlines()) < 300, path.name
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            assert n <= 80, f"{path.name}: {node.name} is {n} lines"


def test_stage_errors_name_the_file_and_line_of_the_field(tmp_path):
    """Errors found after the schema (by the builders and the stages) name the scenario file
    and the field's line, as the schema's own errors do, with a dotted path."""
    from orbitcloud.scenario.loader import load_scenario

    p = tmp_path / "job.yaml"
    p.write_text(TRAINING % ("", 64), encoding="utf-8")
    with pytest.raises(OrbitcloudInputError) as ei:
        check(load_scenario(p))
    assert str(ei.value).startswith(f"{p}: workloads.training.0.accelerators (line 10): ")
    cluster = (TRAINING % ("", 4)).replace(
        "count: 9, spacing_m: 200", "count: 10000, spacing_m: 100000"
    )
    p.write_text(cluster, encoding="utf-8")
    with pytest.raises(OrbitcloudInputError) as ei:
        check(load_scenario(p))
    assert f"{p}: constellations.0.cluster" in str(ei.value)
    assert "[0]" not in str(ei.value)
