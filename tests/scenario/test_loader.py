"""Scenario loading: the issue's example as written, and one clear error per kind of mistake."""

from __future__ import annotations

import math
import re
import shutil
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from orbitcloud.scenario import OrbitcloudInputError, Scenario, builtin_names, load_scenario
from orbitcloud.scenario.loader import load_scenario_text, scenario_from_dict
from orbitcloud.scenario.model import resolved_dict
from orbitcloud.scenario.yamlio import dump_yaml, load_yaml_file

REPO = Path(__file__).resolve().parents[2]
TLE = Path(str(resources.files("orbitcloud") / "data" / "starlink-2023-07-18.tle"))

# Verbatim from the foundation issue ("What to build"): it must be accepted as written.
ISSUE_EXAMPLE = """\
name: catalogue-and-shells
seed: 7
time:
  start: "2023-07-18T00:00:00Z"
  duration_h: 30.5          # or duration_s
  step_s: 1800
constellations:
  - name: starlink
    tle_file: ../shared/data/starlink-2023-07-18.tle
  - name: shell1
    walker: {planes: 72, sats_per_plane: 22, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
  - name: dawn-dusk
    sso: {altitude_km: 650, ltan_h: 6.0, count: 1}
outputs:
  positions: true
"""


def place_example(tmp_path: Path, text: str = ISSUE_EXAMPLE) -> Path:
    """Write ``text`` as tmp/main/scenario.yaml, with the TLE copied where tle_file points."""
    folder = tmp_path / "main"
    folder.mkdir(parents=True, exist_ok=True)
    for rel in re.findall(r"tle_file: (\S+)", text):
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TLE, target)
    p = folder / "scenario.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_issue_example_is_accepted_as_written(tmp_path):
    p = place_example(tmp_path)
    sc = load_scenario(p)
    assert [c.name for c in sc.constellations] == ["starlink", "shell1", "dawn-dusk"]
    assert [c.kind for c in sc.constellations] == ["tle", "walker", "sso"]
    tle = Path(sc.constellations[0].tle_file)
    assert tle.is_absolute()
    assert tle == (tmp_path / "shared" / "data" / "starlink-2023-07-18.tle").resolve()
    assert sc.seed == 7
    assert sc.time.n_steps == math.floor(30.5 * 3600 / 1800) + 1
    assert (
        sc.constellations[1].walker.planes * sc.constellations[1].walker.sats_per_plane == 72 * 22
    )


def test_relative_tle_path_does_not_depend_on_the_working_folder(tmp_path, monkeypatch):
    p = place_example(tmp_path)
    monkeypatch.chdir(tmp_path)
    a = load_scenario(p.relative_to(tmp_path))
    monkeypatch.chdir(p.parent)
    b = load_scenario(p.name)
    assert a.constellations[0].tle_file == b.constellations[0].tle_file


def scenario_examples() -> list[Path]:
    """examples/*.yaml that are scenarios (others, e.g. sweep files, have their own tests)."""
    return [
        p
        for p in sorted((REPO / "examples").glob("*.yaml"))
        if re.search(r"^constellations:", p.read_text(encoding="utf-8"), re.M)
    ]


def test_the_issue_example_is_in_examples():
    assert REPO / "examples" / "catalogue-and-shells.yaml" in scenario_examples()


@pytest.mark.parametrize("example", scenario_examples(), ids=lambda p: p.name)
def test_every_example_loads_when_the_files_it_names_exist(tmp_path, example):
    text = example.read_text(encoding="utf-8")
    depth = max([r.count("../") for r in re.findall(r"tle_file: (\S+)", text)] + [0])
    base = tmp_path.joinpath(*(["d"] * depth))  # deep enough for every ../ to stay inside tmp
    base.mkdir(parents=True, exist_ok=True)
    sc = load_scenario(place_example(base, text))
    assert sc.name


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenarios_load_by_name(name):
    sc = load_scenario(name)
    assert sc.name == name
    assert load_yaml_file(REPO / "src/orbitcloud/scenario/builtin" / f"{name}.yaml")[0][
        "description"
    ]


def test_the_issue_names_these_builtins():
    assert {"default", "starlink-catalogue", "starlink-shell1", "kuiper-k1",
            "suncatcher-cluster"} <= set(builtin_names())  # fmt: skip


# --- one clear error per mistake -------------------------------------------------------------


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def rejected(tmp_path, old: str, new: str) -> tuple[str, str]:
    assert old in ISSUE_EXAMPLE
    text = ISSUE_EXAMPLE.replace(old, new, 1)
    with pytest.raises(OrbitcloudInputError) as exc:
        load_scenario(place_example(tmp_path, text))
    return str(exc.value), text


@pytest.mark.parametrize(
    ("old", "new", "path", "needle", "words"),
    [
        # a typo'd key
        ("  step_s: 1800", "  stepp_s: 1800", "time.stepp_s", "stepp_s", "did you mean 'step_s'"),
        # a misplaced key (a walker field under outputs)
        (
            "  positions: true",
            "  positions: true\n  altitude_km: 555",
            "outputs.altitude_km",
            "altitude_km: 555",
            "constellations.N.walker",
        ),
        # NaN and inf
        ("step_s: 1800", "step_s: .nan", "time.step_s", "step_s", "finite"),
        ("ltan_h: 6.0", "ltan_h: .inf", "constellations.2.sso.ltan_h", "ltan_h", "finite"),
        # out of range
        (
            "inclination_deg: 53",
            "inclination_deg: 530",
            "constellations.1.walker.inclination_deg",
            "inclination_deg",
            "180",
        ),
        ("step_s: 1800", "step_s: -60", "time.step_s", "step_s", "greater than 0"),
        # a duplicate YAML key
        ("seed: 7", "seed: 7\nseed: 8", "seed", "seed: 8", "duplicate"),
        # a string where a number belongs
        ("step_s: 1800", 'step_s: "1e3"', "time.step_s", "step_s", "without quotes"),
        # both / neither duration fields
        ("  duration_h: 30.5", "  duration_h: 30.5\n  duration_s: 100", "time", "time:", "both"),
        ("  duration_h: 30.5          # or duration_s\n", "", "time", "time:", "duration_h"),
        # YAML 1.1 booleans are text in a boolean field
        ("  positions: true", "  positions: NO", "outputs.positions", "positions", "true or false"),
        # an unknown value of a choice
        (
            "phase_factor: 1}",
            "phase_factor: 1, pattern: zigzag}",
            "constellations.1.walker.pattern",
            "zigzag",
            "'delta' or 'star'",
        ),
    ],
    ids=[
        "typo",
        "misplaced",
        "nan",
        "inf",
        "range",
        "range-neg",
        "duplicate",
        "quoted-number",
        "both-durations",
        "no-duration",
        "yaml11-bool",
        "literal",
    ],
)
def test_each_mistake_is_one_error_naming_path_and_line(tmp_path, old, new, path, needle, words):
    msg, text = rejected(tmp_path, old, new)
    assert f"{path} (line {line_of(text, needle)})" in msg
    assert words in msg
    assert "scenario.yaml" in msg  # the file is named too
    assert "\n" not in msg  # one problem, one line


def test_missing_tle_file(tmp_path):
    p = place_example(tmp_path)
    (tmp_path / "shared" / "data" / "starlink-2023-07-18.tle").unlink()
    with pytest.raises(OrbitcloudInputError) as exc:
        load_scenario(p)
    msg = str(exc.value)
    assert f"constellations.0.tle_file (line {line_of(ISSUE_EXAMPLE, 'tle_file')})" in msg
    assert str((tmp_path / "shared" / "data").resolve()) in msg  # where it looked


def test_several_problems_are_listed_together(tmp_path):
    text = ISSUE_EXAMPLE.replace("step_s: 1800", "step_s: -1").replace("seed: 7", "sede: 7")
    with pytest.raises(OrbitcloudInputError) as exc:
        load_scenario(place_example(tmp_path, text))
    msg = str(exc.value)
    assert "2 problems" in msg
    assert "time.step_s (line" in msg
    assert "did you mean 'seed'" in msg


def test_unknown_builtin_name_suggests_the_closest():
    with pytest.raises(OrbitcloudInputError) as exc:
        load_scenario("defualt")
    msg = str(exc.value)
    assert "did you mean 'default'" in msg
    for name in builtin_names():
        assert name in msg


def test_yaml11_text_is_kept_as_text_where_text_belongs():
    """The 'Norway problem': a constellation called NO stays 'NO'; 010 is ten."""
    sc = load_scenario_text(
        "name: on\nseed: 010\ntime: {start: 2023-07-18T00:00:00Z, duration_s: 90, step_s: 30}\n"
        "constellations:\n  - name: NO\n    sso: {altitude_km: 600, ltan_h: 10}\n"
    )
    assert sc.name == "on"
    assert sc.constellations[0].name == "NO"
    assert sc.seed == 10


def test_sexagesimal_is_not_a_number():
    with pytest.raises(OrbitcloudInputError, match=r"time\.step_s \(line 1\)"):
        load_scenario_text(
            "time: {start: '2023-07-18', duration_s: 90, step_s: 1:30}\nname: x\n"
            "constellations: [{name: a, sso: {altitude_km: 600, ltan_h: 10}}]\n"
        )


def test_empty_and_non_mapping_documents():
    with pytest.raises(OrbitcloudInputError, match="empty"):
        load_scenario_text("")
    with pytest.raises(OrbitcloudInputError, match="mapping"):
        load_scenario_text("- a\n- b\n")


def test_python_api_accepts_a_dict_with_a_datetime():
    sc = scenario_from_dict(
        {
            "name": "api",
            "time": {"start": datetime(2023, 7, 18, tzinfo=UTC), "duration_h": 1, "step_s": 60},
            "constellations": [{"name": "s", "sso": {"altitude_km": 600, "ltan_h": 10}}],
        }
    )
    assert sc.time.start_dt == datetime(2023, 7, 18, tzinfo=UTC)


# --- resolved scenario and hash ----------------------------------------------------------------


@pytest.mark.parametrize("name", builtin_names())
def test_resolved_scenario_reloads_to_the_same_scenario(name, tmp_path):
    sc = load_scenario(name)
    p = tmp_path / "resolved.yaml"
    p.write_text(dump_yaml(resolved_dict(sc)), encoding="utf-8")
    again = load_scenario(p)
    # not ``again == sc``: pydantic's == ignores which fields were set, and a preset's design
    # depends on them (tests/scenario/test_roundtrip.py compares the resolved designs)
    assert resolved_dict(again) == resolved_dict(sc)
    assert again.scenario_hash() == sc.scenario_hash()


def test_hash_follows_file_content_not_path(tmp_path):
    a = load_scenario(place_example(tmp_path / "a"))
    b = load_scenario(place_example(tmp_path / "b"))
    assert a.constellations[0].tle_file != b.constellations[0].tle_file
    assert a.scenario_hash() == b.scenario_hash()
    tle_b = Path(b.constellations[0].tle_file)
    lines = tle_b.read_text(encoding="ascii").splitlines(keepends=True)
    tle_b.write_text("".join(lines[:-3]), encoding="ascii")  # drop the last satellite
    changed = load_scenario(tmp_path / "b" / "main" / "scenario.yaml")
    assert changed.scenario_hash() != a.scenario_hash()


def test_hash_changes_with_any_field():
    base = load_scenario("default")
    other = base.model_copy(deep=True)
    other.seed += 1
    assert other.scenario_hash() != base.scenario_hash()


def test_a_scenario_object_is_copied():
    sc = load_scenario("default")
    assert isinstance(load_scenario(sc), Scenario)
    assert load_scenario(sc) is not sc


@pytest.mark.parametrize(
    ("old", "new", "path", "words"),
    [
        ("constellations:\n", "constellations: []\nx:\n", "constellations", "at least 1 entry"),
        ("name: catalogue-and-shells", 'name: ""', "name", "must not be empty"),
        ('start: "2023-07-18T00:00:00Z"', 'start: "2023-07-32"', "time.start", "ISO-8601"),
        ("count: 1}", "count: 1e3}", "constellations.2.sso.count", "whole number"),
        ("  - name: starlink", "  - name: 2023", "constellations.0.name", "quotes"),
    ],
    ids=["empty-list", "empty-name", "bad-date", "float-count", "number-name"],
)
def test_messages_speak_plainly(tmp_path, old, new, path, words):
    msg, _ = rejected(tmp_path, old, new)
    assert f"{path} (line" in msg
    assert words in msg
    assert "Input should" not in msg  # pydantic's wording is translated
    assert "Value error" not in msg


HYPATIA = (
    "name: h\ntime: {start: '2000-01-01', duration_s: 10, step_s: 1}\nconstellations:\n"
    "  - name: k\n    walker: {planes: 2, sats_per_plane: 2, inclination_deg: 51.9, "
    "layout: hypatia, %s}\n"
)


@pytest.mark.parametrize(
    "fields",
    [
        "mean_motion_rev_per_day: 14.80",
        "mean_motion_rev_per_day: 14.80, altitude_km: 630",  # Hypatia's Kuiper config
        "mean_motion_rev_per_day: 15.19, altitude_km: 550",  # Hypatia's Starlink config
    ],
)
def test_hypatia_layout_takes_mean_motion_and_may_name_the_altitude(fields):
    assert load_scenario_text(HYPATIA % fields).constellations[0].walker.layout == "hypatia"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ("altitude_km: 630", "needs mean_motion_rev_per_day"),
        ("mean_motion_rev_per_day: 14.80, altitude_km: 1150", "about 629 km"),
        ("mean_motion_rev_per_day: 14.80, phase_factor: 1", "cannot take phase_factor: 1"),
        ("mean_motion_rev_per_day: 14.80, epoch: '2023-01-01'", "cannot take epoch"),
    ],
)
def test_hypatia_layout_rejects_a_missing_or_contradicting_orbit(fields, words):
    with pytest.raises(OrbitcloudInputError, match=r"constellations\.0\.walker \(line 5\)") as e:
        load_scenario_text(HYPATIA % fields)
    assert words in str(e.value)


def test_walker_layout_takes_one_of_altitude_or_mean_motion():
    text = HYPATIA.replace("layout: hypatia, ", "")
    with pytest.raises(OrbitcloudInputError, match="both given"):
        load_scenario_text(text % "mean_motion_rev_per_day: 14.80, altitude_km: 630")
    with pytest.raises(OrbitcloudInputError, match="neither given"):
        load_scenario_text(text % "raan0_deg: 0")
