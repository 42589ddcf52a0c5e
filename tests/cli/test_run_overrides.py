"""Overrides by dotted path for one run: ``orbitcloud.run(..., overrides={...})`` and
``orbitcloud run SCENARIO --set PATH=VALUE`` (issue 17: a sweep's ``set`` rules, public).

Good overrides change exactly the fields named (checked in the results folder's resolved
``scenario.yaml`` and in the run's own figures); bad ones stop before any work with one error
that names the path and what the scenario has there.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

import orbitcloud
from orbitcloud.cli.main import EXIT_INPUT, app
from orbitcloud.scenario import load_scenario
from orbitcloud.scenario.overrides import (
    MAX_OVERRIDES,
    apply_overrides,
    load_with_overrides,
    parse_assignment,
)
from orbitcloud.sweep.spec import set_dotted as sweep_set_dotted

TINY = """\
name: tiny
seed: 1
time: {start: "2025-03-01T00:00:00Z", duration_h: 1, step_s: 300}
constellations:
  - name: shell
    walker: {planes: 3, sats_per_plane: 4, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
  - name: single
    walker: {planes: 1, sats_per_plane: 1, altitude_km: 700, inclination_deg: 98, phase_factor: 0}
outputs: {positions: true, sat_state: false, report: false}
"""

runner = CliRunner()


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY, encoding="utf-8")
    return p


def _error(source, overrides) -> str:
    with pytest.raises(orbitcloud.OrbitcloudInputError) as e:
        orbitcloud.run(source, out="never", overrides=overrides)
    return str(e.value)


# --- the Python API ---------------------------------------------------------------------------


def test_run_with_overrides_changes_the_named_fields_only(tiny, tmp_path):
    res = orbitcloud.run(
        tiny,
        out=tmp_path / "out",
        overrides={"time.duration_h": 0.5, "constellations.0.walker.altitude_km": 600},
    )
    sc = load_scenario(res.path / "scenario.yaml")
    assert sc.time.duration_h == 0.5
    assert sc.constellations[0].walker.altitude_km == 600
    assert sc.constellations[1].walker.altitude_km == 700  # untouched
    assert sc.time.step_s == 300
    # the run used them: 0.5 h at 300 s is 7 steps, and shell 0 flies near 600 km
    assert res.summary["kpis"]["time_steps"] == 7
    pos = res.table("positions").merge(res.table("satellites"), on="sat")
    alt = pos.groupby("source").alt_km.mean()
    assert 585 < alt["shell"] < 625, alt  # geodetic altitude of a circular 600 km orbit
    assert 685 < alt["single"] < 725, alt


def test_overrides_go_into_the_document_so_a_new_section_gets_its_defaults(tiny):
    base = load_scenario(tiny)
    assert base.network is None or not base.network.routes
    sc = load_with_overrides(tiny, {"ground.cities.top": 3, "network.routes": "all"})
    assert sc.ground.cities.top == 3
    assert sc.network.routes == "all"
    assert sc.ground.link.min_elevation_deg == 25  # the schema's default, filled in


def test_overrides_on_a_scenario_object_and_a_dict(tiny):
    sc = load_scenario(tiny)
    got = load_with_overrides(sc, {"constellations.1.walker.inclination_deg": 97.5})
    assert got.constellations[1].walker.inclination_deg == 97.5
    assert sc.constellations[1].walker.inclination_deg == 98  # the original is not changed
    doc = {"name": "d", "time": {"start": "2025-03-01T00:00:00Z", "duration_h": 1, "step_s": 60},
           "constellations": [{"name": "s", "walker": {"planes": 1, "sats_per_plane": 2,
                                                       "altitude_km": 500, "inclination_deg": 0,
                                                       "phase_factor": 0}}]}  # fmt: skip
    got = load_with_overrides(doc, {"time.step_s": 30})
    assert got.time.step_s == 30
    assert doc["time"]["step_s"] == 60


def test_a_builtin_name_takes_overrides():
    sc = load_with_overrides("default", {"time.duration_h": 1})
    assert sc.time.duration_h == 1
    assert sc.name == "default"


def test_the_sweep_uses_the_same_rules():
    doc = {"a": [{"b": 1}]}
    sweep_set_dotted(doc, "a.0.b", 2)
    assert doc == {"a": [{"b": 2}]}
    assert apply_overrides({"a": [{"b": 1}]}, {"a.0.b": 2}) == doc


def test_no_overrides_is_the_plain_run(tiny, tmp_path):
    a = orbitcloud.run(tiny, out=tmp_path / "a", overrides={})
    b = orbitcloud.run(tiny, out=tmp_path / "b")
    assert a.summary["scenario_hash"] == b.summary["scenario_hash"]


# --- bad overrides: one error before any work, naming the path and what is there ----------------


@pytest.mark.parametrize(
    ("overrides", "fragments"),
    [
        ({"time.duraton_h": 1}, ["time.duraton_h", "did you mean 'duration_h'"]),
        ({"time.foo": 1}, ["time.foo", "allowed here: start, duration_h"]),
        (
            {"constellations.5.walker.altitude_km": 600},
            ["constellations.5", "out of range", "the list has 2 item(s)"],
        ),
        (
            {"constellations.shell.walker.altitude_km": 600},
            ["constellations.shell", "use an index"],
        ),
        ({"time.step_s.x": 1}, ["time.step_s.x", "time.step_s is a value (300)"]),
        ({"time": {}, "time.step_s": 60}, ["'time' contains 'time.step_s'"]),
        ({"time..step_s": 60}, ["'time..step_s' is not a dotted path"]),
        ({"time.duration_h": -1}, ["time.duration_h", "(with overrides time.duration_h=-1)"]),
        ({"constellations.0.walker.altitude_km": "high"}, ["altitude_km", "'high'"]),
    ],
)
def test_bad_overrides_name_the_path(tiny, overrides, fragments):
    msg = _error(tiny, overrides)
    for f in fragments:
        assert f in msg, msg
    assert not (tiny.parent / "never").exists()


def test_overrides_must_be_a_mapping_of_few_paths(tiny):
    assert "give a mapping of dotted path -> value" in _error(tiny, [("time.step_s", 60)])
    many = {f"constellations.0.name{i}": 1 for i in range(MAX_OVERRIDES + 1)}
    assert "write a sweep file" in _error(tiny, many)


def test_a_missing_scenario_is_the_loaders_error(tiny):
    assert "no built-in scenario of that name" in _error("no-such.yaml", {"time.step_s": 60})


def test_parse_assignment_reads_yaml_values():
    assert parse_assignment("time.duration_h=1") == ("time.duration_h", 1)
    assert parse_assignment("a.b=1e-5") == ("a.b", 1e-5)  # YAML 1.2: a float, not text
    assert parse_assignment("a=true") == ("a", True)
    assert parse_assignment("a=no") == ("a", "no")  # YAML 1.2: text, not False
    assert parse_assignment("a=plus-grid") == ("a", "plus-grid")
    assert parse_assignment("a=[1, 2]") == ("a", [1, 2])
    assert parse_assignment("a=x=y") == ("a", "x=y")  # split at the first '='
    assert parse_assignment(" a.b =") == ("a.b", None)
    for bad, frag in [("abc", "give PATH=VALUE"), ("=1", "not a dotted path"),
                      ("a=[1,", "not valid YAML")]:  # fmt: skip
        with pytest.raises(orbitcloud.OrbitcloudInputError, match=frag.replace("[", r"\[")):
            parse_assignment(bad)


# --- the command line -------------------------------------------------------------------------


def test_cli_set_is_repeatable_and_lands_in_the_results(tiny, tmp_path):
    r = runner.invoke(
        app,
        ["run", str(tiny), "--out", str(tmp_path / "o"), "-q", "--set", "time.duration_h=0.5",
         "--set", "constellations.0.walker.altitude_km=600"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    sc = load_scenario(tmp_path / "o" / "scenario.yaml")
    assert sc.time.duration_h == 0.5
    assert sc.constellations[0].walker.altitude_km == 600
    assert "time_steps" in r.stdout
    assert " 7 " in r.stdout.split("time_steps")[1].split("\n")[0]


@pytest.mark.parametrize(
    ("arg", "fragments"),
    [
        ("time.duraton_h=1", ["time.duraton_h", "did you mean 'duration_h'", "(with --set"]),
        ("constellations.9.walker.altitude_km=1", ["--set", "index 9 is out of range"]),
        ("time", ["--set", "give PATH=VALUE"]),
        ("time.duration_h=[1,", ["--set time.duration_h", "not valid YAML"]),
    ],
)
def test_cli_bad_set_is_an_input_error(tiny, tmp_path, arg, fragments):
    r = runner.invoke(app, ["run", str(tiny), "--out", str(tmp_path / "o"), "--set", arg])
    assert r.exit_code == EXIT_INPUT, r.output
    assert r.stderr.startswith("error: "), r.stderr
    assert "Traceback" not in r.output
    for f in fragments:
        assert f in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


def test_cli_help_shows_set():
    r = runner.invoke(app, ["run", "--help"])
    assert r.exit_code == 0
    assert "--set" in r.stdout
    assert "PATH=VALUE" in r.stdout
