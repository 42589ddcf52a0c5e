"""``orbitcloud export --format csv``: every table as CSV, read back with the csv module."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitcloud.cli.main import EXIT_INPUT, app
from orbitcloud.export.csv_tables import export_csv
from orbitcloud.results.runner import run
from orbitcloud.scenario.yamlio import load_yaml_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kuiper-hypatia.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    data, _ = load_yaml_file(EXAMPLE)
    data["time"]["duration_s"] = 1
    data["outputs"] = {"links": True, "sat_state": False, "report": False}
    for c in data["constellations"]:
        c["spacecraft"] = {"enabled": False}
    return run(data, out=tmp_path_factory.mktemp("csv") / "run")


def _read(p: Path) -> list[dict[str, str]]:
    with open(p, newline="") as fh:
        return list(csv.DictReader(fh))


def test_every_table_round_trips(small_run, tmp_path):
    written = export_csv(small_run, tmp_path)
    assert [p.stem for p in written] == small_run.tables
    for p in written:
        rows = _read(p)
        assert len(rows) == small_run.num_rows(p.stem), p.stem
        assert list(rows[0]) == small_run.columns(p.stem)
    routes = small_run.table("routes")
    got = _read(tmp_path / "routes.csv")
    for want, row in zip(routes.itertuples(), got, strict=True):
        assert row["path"] == " ".join(str(x) for x in want.path)  # a list as one field
        assert row["src"] == "Manila"  # a dictionary column as its label
        t = datetime.strptime(row["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        assert t == want.time.to_pydatetime()
        assert float(row["rtt_ms"]) == want.rtt_ms  # full precision
    links = _read(tmp_path / "links.csv")
    assert all(r["utilisation"] == "" for r in links)  # nulls are empty fields


def test_cli_export_csv_and_refusals(small_run, tmp_path):
    out = tmp_path / "csv"
    r = runner.invoke(app, ["export", str(small_run.path), "-t", "ground", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert [p.name for p in out.iterdir()] == ["ground.csv"]
    r = runner.invoke(app, ["export", str(small_run.path), "-t", "nope", "--out", str(out)])
    assert r.exit_code == EXIT_INPUT
    assert "no table(s) 'nope'" in r.output
    assert "its tables: ground" in r.output
    r = runner.invoke(app, ["export", str(small_run.path), "-f", "hypatia", "-t", "ground"])
    assert r.exit_code == EXIT_INPUT
    assert "--table applies to --format csv only" in r.output
    r = runner.invoke(app, ["export", str(tmp_path / "missing")])
    assert r.exit_code == EXIT_INPUT


def test_cli_export_hypatia(small_run, tmp_path):
    out = tmp_path / "gen_data" / "kuiper"
    r = runner.invoke(app, ["export", str(small_run.path), "-f", "hypatia", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "dynamic_state_100ms_for_1s" in r.output
    assert "dynamic_state_update_interval_ns=100000000" in r.output
    assert len(list((out / "dynamic_state_100ms_for_1s").glob("fstate_*.txt"))) == 10
    r = runner.invoke(app, ["export", str(small_run.path), "-f", "hypatia", "--out", str(out)])
    assert r.exit_code == EXIT_INPUT
    assert "--overwrite" in r.output
