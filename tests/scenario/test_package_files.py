"""``package:<name>`` in every file field, and examples that run from any folder (issue 17, part 6).

``package:starlink-2023-07-18.tle`` names the catalogue installed with orbitcloud, so a scenario
naming it does not depend on the folder it is in or run from; one resolver
(:func:`orbitcloud.scenario.files.resolve_data_file`) serves ``tle_file``, ``omm_file`` and the
conjunction background.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

import orbitcloud
from orbitcloud.scenario import OrbitcloudInputError, load_scenario
from orbitcloud.scenario.files import package_data_names, resolve_data_file
from orbitcloud.scenario.loader import load_scenario_text
from orbitcloud.scenario.yamlio import load_yaml_file

REPO = Path(__file__).resolve().parents[2]
TLE = Path(str(resources.files("orbitcloud") / "data" / "starlink-2023-07-18.tle"))

ONE_SOURCE = """\
name: pk
time: {{start: "2023-07-18T00:00:00Z", duration_s: 1200, step_s: 600}}
constellations:
  - name: starlink
    {key}: {value}
    limit: 20
outputs: {{report: false}}
"""


def test_package_tle_file_is_the_installed_catalogue_from_any_folder(tmp_path, monkeypatch):
    text = ONE_SOURCE.format(key="tle_file", value="package:starlink-2023-07-18.tle")
    monkeypatch.chdir(tmp_path)
    a = load_scenario_text(text)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep" / "er")
    b = load_scenario_text(text)
    assert Path(a.constellations[0].tle_file) == TLE.resolve()
    assert a.constellations[0].tle_file == b.constellations[0].tle_file


def test_package_tle_file_hashes_like_a_copy_of_the_file(tmp_path):
    """The hash covers the file's content: package data and a user's copy are the same run."""
    shutil.copyfile(TLE, tmp_path / "mine.tle")
    by_package = load_scenario_text(
        ONE_SOURCE.format(key="tle_file", value="package:starlink-2023-07-18.tle")
    )
    scen = tmp_path / "s.yaml"
    scen.write_text(ONE_SOURCE.format(key="tle_file", value="mine.tle"), encoding="utf-8")
    by_path = load_scenario(scen)
    assert by_package.scenario_hash() == by_path.scenario_hash()


@pytest.mark.parametrize("key", ["tle_file", "omm_file"])
@pytest.mark.parametrize(
    "value", ["package:../data/starlink-2023-07-18.tle", "package:/etc/passwd", "package:"]
)
def test_package_paths_outside_the_data_folder_are_refused_in_every_file_field(key, value):
    with pytest.raises(OrbitcloudInputError) as exc:
        load_scenario_text(ONE_SOURCE.format(key=key, value=f"'{value}'"))
    msg = str(exc.value)
    assert f"constellations.0.{key} (line 5)" in msg
    assert "after 'package:' give the plain name" in msg
    assert "starlink-2023-07-18.tle" in msg  # what is allowed
    assert "root:" not in msg


def test_an_unknown_package_name_lists_the_package_data():
    with pytest.raises(OrbitcloudInputError) as exc:
        load_scenario_text(ONE_SOURCE.format(key="tle_file", value="package:starlink.tle"))
    msg = str(exc.value)
    assert "not found" in msg
    assert "'package:<name>' names orbitcloud's own data" in msg
    assert "starlink-2023-07-18.tle" in msg


def test_one_resolver_for_every_file_field():
    """orbit_ops re-exports the resolver of files.py (no second copy of the package: rules)."""
    from orbitcloud.scenario import orbit_ops

    assert orbit_ops.resolve_data_file is resolve_data_file
    assert "starlink-2023-07-18.tle" in package_data_names()
    assert resolve_data_file("package:starlink-2023-07-18.tle").is_file()


def _examples() -> list[Path]:
    out = []
    for p in sorted((REPO / "examples").glob("*.yaml")):
        doc, _ = load_yaml_file(p)
        if isinstance(doc, dict) and "constellations" in doc:
            out.append(p)
    return out


@pytest.mark.parametrize("example", _examples(), ids=lambda p: p.name)
def test_every_example_loads_from_a_folder_of_its_own(tmp_path, monkeypatch, example):
    """A user copies an example anywhere after pip install: it names no file of the checkout."""
    copy = tmp_path / example.name
    shutil.copyfile(example, copy)
    monkeypatch.chdir(tmp_path)
    assert load_scenario(copy.name).name


def test_the_catalogue_example_runs_from_a_folder_of_its_own(tmp_path, monkeypatch):
    """examples/catalogue-and-shells.yaml, copied alone and cut to two steps, runs and reads the
    4,428 objects of the installed catalogue (plus 1,584 Walker and 1 SSO satellites)."""
    doc, _ = load_yaml_file(REPO / "examples" / "catalogue-and-shells.yaml")
    text = (REPO / "examples" / "catalogue-and-shells.yaml").read_text(encoding="utf-8")
    assert "duration_h: 30.5" in text
    copy = tmp_path / "catalogue-and-shells.yaml"
    copy.write_text(
        text.replace("duration_h: 30.5", "duration_h: 0.5").replace(
            "positions: true", "positions: true\n  report: false"
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    res = orbitcloud.run(copy.name, out=tmp_path / "out")
    sats = res.table("satellites")
    assert sats.groupby("source").size().to_dict() == {
        "starlink": 4428,
        "shell1": 72 * 22,
        "dawn-dusk": 1,
    }
    assert doc["constellations"][0]["tle_file"] == "package:starlink-2023-07-18.tle"
