"""The table schema: every table a run writes is declared, and docs/tables.md is rendered from it.

The run test runs every built-in scenario and every example scenario, shortened to a few steps
with every table switched on, plus two small scenarios for the tables none of them writes
(orbit keeping, conjunctions, formation; traffic flows). Each write is validated by the
ParquetSink as it happens; the test validates the files again and checks that every declared
table and column is written by at least one of the runs, so the declarations cannot go stale.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orbitcloud.results.reader import Results
from orbitcloud.results.runner import ParquetSink, run
from orbitcloud.results.schema import (
    TABLES,
    Column,
    TableSpec,
    conform_table,
    render_markdown,
    table_spec,
    type_name,
    validate_table,
)
from orbitcloud.scenario.loader import (
    builtin_names,
    builtin_path,
    load_scenario_text,
    scenario_from_dict,
)
from orbitcloud.scenario.model import Scenario
from orbitcloud.scenario.yamlio import load_yaml_file

ROOT = Path(__file__).resolve().parents[2]
STEPS = 3
ALL_OUTPUTS = {
    "positions": True,
    "sat_state": True,
    "links": True,
    "routes": True,
    "requests": True,
    "report": False,
    "czml": False,
}

ORBIT = """
name: schema-orbit
seed: 3
time: {start: "2023-07-18T00:00:00Z", duration_s: 600, step_s: 60}
environment: {f107: 150, f107a: 150, ap: 15}
constellations:
  - name: shell
    walker: {planes: 6, sats_per_plane: 6, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
  - name: cluster
    cluster: {altitude_km: 650, ltan_h: 6.0, count: 19, spacing_m: 200}
orbit_ops:
  body: {mass_kg: 300, drag_area_m2: 4}
  conjunctions:
    screening_distance_km: 20
    background_tle_file: "package:starlink-2023-07-18.tle"
    background_max_objects: 800
  formation: {close_approach_m: 150, table: true}
outputs: {report: false}
"""

TRAFFIC = """
name: schema-traffic
seed: 1
time: {start: "2000-01-01T00:00:00Z", duration_s: 2, step_s: 1}
constellations:
  - name: shell
    walker: {planes: 10, sats_per_plane: 10, altitude_km: 630, inclination_deg: 51.9}
    isl: {topology: plus-grid}
ground:
  endpoints:
    - {name: Manila, lat_deg: 14.6042, lon_deg: 120.9822}
    - {name: Dalian, lat_deg: 38.913811, lon_deg: 121.602322}
    - {name: Paris, lat_deg: 48.85, lon_deg: 2.35}
  link: {max_range_km: 2000}
network:
  routes: all
  traffic: {pairs: all, every_steps: 1}
outputs: {links: true, report: false}
"""


def shortened(path: Path, steps: int = STEPS) -> Scenario:
    """A scenario file cut to ``steps`` time steps, with every table switched on."""
    data, lines = load_yaml_file(path)
    t = data["time"]
    t.pop("duration_h", None)
    t.pop("duration_s", None)
    t["duration_s"] = float(t["step_s"]) * (steps - 1)
    data["outputs"] = {**(data.get("outputs") or {}), **ALL_OUTPUTS}
    return scenario_from_dict(data, str(path), path.parent, lines)


def scenario_files() -> list[Path]:
    files = [builtin_path(n) for n in builtin_names()]
    for p in sorted((ROOT / "examples").glob("*.yaml")):
        data, _ = load_yaml_file(p)
        if isinstance(data, dict) and "constellations" in data:  # not a sweep file
            files.append(p)
    return files


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Results]:
    out = tmp_path_factory.mktemp("schema-runs")
    scenarios: dict[str, Scenario] = {}
    for p in scenario_files():
        scenarios[f"{p.parent.name}/{p.stem}"] = shortened(p)
    scenarios["orbit"] = load_scenario_text(ORBIT)
    scenarios["traffic"] = load_scenario_text(TRAFFIC)
    results = {}
    for i, (name, sc) in enumerate(scenarios.items()):
        results[name] = run(sc, out=out / f"run-{i}")  # every write validated by ParquetSink
    return results


def test_every_written_table_matches_the_schema(runs: dict[str, Results]) -> None:
    assert len(runs) >= 10
    for name, res in runs.items():
        assert res.tables, name
        for table in res.tables:
            try:
                validate_table(table, res.schema(table))
            except ValueError as exc:
                raise AssertionError(f"{name}: {exc}") from None
            spec = TABLES[table]
            for f in res.schema(table):
                if spec.has(f.name):  # written with the declared type (all-null ones cast)
                    assert f.type == spec.column(f.name).type, (name, table, f.name)


def test_every_declared_table_and_column_is_written_by_some_run(
    runs: dict[str, Results],
) -> None:
    written: dict[str, set[str]] = {}
    for res in runs.values():
        for table in res.tables:
            written.setdefault(table, set()).update(res.schema(table).names)
    never = [t for t in TABLES if t != "sweep" and t not in written]
    assert not never, f"declared tables no run writes (add a scenario that does): {never}"
    for table, cols in written.items():
        unwritten = [c for c in TABLES[table].names if c not in cols]
        assert not unwritten, f"{table}: declared columns no run writes: {unwritten}"


def test_sweep_table_declaration_matches_the_sweep_writer() -> None:
    from orbitcloud.sweep.table import FIXED_COLUMNS

    assert sorted(TABLES["sweep"].names) == sorted(FIXED_COLUMNS)
    assert TABLES["sweep"].extra_columns


# --- validation ---------------------------------------------------------------------------------


def _satellites(**changes: Any) -> pa.Table:
    cols: dict[str, Any] = {
        "sat": pa.array([0, 1], pa.int32()),
        "name": pa.array(["a", "b"]),
        "norad_id": pa.array([-1, -1], pa.int64()),
        "source": pa.array(["s", "s"]),
        "kind": pa.array(["walker", "walker"]),
        "shell": pa.array([0, 0], pa.int32()),
        "plane": pa.array([0, 0], pa.int32()),
        "slot": pa.array([0, 1], pa.int32()),
    }
    for k, v in changes.items():
        if v is None:
            del cols[k]
        else:
            cols[k] = v
    return pa.table(cols)


def test_a_conforming_table_passes_with_or_without_optional_columns() -> None:
    validate_table("satellites", _satellites())
    validate_table("satellites", _satellites(disk_x_m=pa.array([0.0, None])))
    validate_table("satellites", _satellites().schema)


def test_an_undeclared_table_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"table 'nope' is not declared.*satellites"):
        validate_table("nope", pa.table({"a": [1]}))
    with pytest.raises(ValueError, match="not declared"):
        table_spec("nope")


def test_an_undeclared_column_is_an_error_naming_table_column_and_type() -> None:
    with pytest.raises(ValueError, match=r"table 'satellites'.*column 'colour' \(type string\)"):
        validate_table("satellites", _satellites(colour=pa.array(["r", "g"])))


def test_a_wrong_type_is_an_error_naming_found_and_declared() -> None:
    with pytest.raises(
        ValueError, match=r"table 'satellites'.*column 'sat' has type int64, declared int32"
    ):
        validate_table("satellites", _satellites(sat=pa.array([0, 1], pa.int64())))
    t = pa.table({"time": pa.array([0], pa.timestamp("ms")), "sat": pa.array([0], pa.int32())})
    with pytest.raises(ValueError, match=r"'time' has type timestamp\[ms\], declared"):
        validate_table("positions", t)


def test_a_missing_column_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"declared column\(s\) missing: slot"):
        validate_table("satellites", _satellites(slot=None))


def test_an_all_null_column_is_cast_to_its_declared_type() -> None:
    t = conform_table("satellites", _satellites(disk_x_m=pa.nulls(2)))
    assert t.schema.field("disk_x_m").type == pa.float64()
    assert t.column("disk_x_m").null_count == 2


def test_extra_columns_are_accepted_where_declared() -> None:
    t = pa.table({
        "point": pa.array([0], pa.int32()), "hash": ["h"], "status": ["ok"],
        "error": pa.array([None], pa.string()), "folder": ["points/h"],
        "constellations.0.walker.altitude_km": [550.0], "sunlit_fraction_mean": [0.6],
    })  # fmt: skip
    validate_table("sweep", t)


def test_the_sink_refuses_an_undeclared_column_before_writing(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    with pytest.raises(ValueError, match="column 'colour'"):
        sink.write("satellites", _satellites(colour=pa.array(["r", "g"])), background=True)
    sink.abort()
    assert not (tmp_path / "satellites.parquet").exists()


def test_the_sink_writes_declared_types(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    sink.write("satellites", _satellites(disk_x_m=pa.nulls(2)))
    sink.close()
    assert pq.read_schema(tmp_path / "satellites.parquet").field("disk_x_m").type == pa.float64()


def test_declarations_are_well_formed() -> None:
    units_ok = {"", "1", "UTC"}
    for name, spec in TABLES.items():
        assert spec.name == name
        assert spec.doc
        assert spec.rows
        assert spec.written_when
        assert spec.columns
        for c in spec.columns:
            assert isinstance(c, Column)
            assert c.doc
            assert isinstance(c.type, pa.DataType)
            if c.name == "time":
                assert c.type == pa.timestamp("ms", tz="UTC")
                assert c.unit == "UTC"
            if c.name == "sat":
                assert c.type == pa.int32()
            if pa.types.is_string(c.type) or pa.types.is_boolean(c.type):
                assert c.unit in units_ok, (name, c.name)
    with pytest.raises(ValueError, match="twice"):
        TableSpec("x", "d", "r", "w", (Column("a", pa.int8(), "", "d"),) * 2)
    assert type_name(pa.dictionary(pa.int32(), pa.string())) == "dictionary<int32, string>"
    assert type_name(pa.list_(pa.int32())) == "list<int32>"


# --- docs and imports ---------------------------------------------------------------------------


def test_docs_tables_md_is_rendered_from_the_schema() -> None:
    committed = (ROOT / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), (
        'docs/tables.md differs from the schema; regenerate it with\n  python -c "from '
        "orbitcloud.results.schema import render_markdown; open('docs/tables.md', 'w')"
        '.write(render_markdown())"'
    )
    for name in TABLES:
        assert f"## {name}\n" in committed


def test_reader_schema_and_report_do_not_import_the_engine_or_models() -> None:
    code = (
        "import sys\n"
        "import orbitcloud.results, orbitcloud.results.reader, orbitcloud.results.schema\n"
        "import orbitcloud.report\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[:2][-1] in {'engine', 'astro', "
        "'environment', 'network', 'spacecraft', 'workloads', 'scheduling', 'operations', "
        "'economics'} and m.startswith('orbitcloud.') or m == 'orbitcloud.results.runner')\n"
        "print(bad)\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
