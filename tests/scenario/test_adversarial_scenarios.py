"""Adversarial scenarios (issue 16): what the scenario loader refuses, and how.

Two parts:

* one test per defect of the issue that lives in the scenario (5: impossible orbits; 7: work
  past the documented limits; 8: dates outside the models' validity; 9: control characters and
  deep nesting in YAML; 10: a 10,000 x 10,000 Walker, a YAML file too large; 11: ``package:``
  traversal; 13: sections that would change nothing; 17: "not a regular file", a cluster above
  the SSO limit, the 200-character message), each of which failed on the code before its fix;
* a seeded generator that mutates valid scenarios -- wrong types, out-of-range, huge and tiny
  numbers, unknown and deleted keys, control characters, deep nesting, duplicate keys, tags,
  aliases, dates, impossible orbits, sizes -- and asserts for every input: one
  ``OrbitcloudInputError`` naming the source (no line over 1,000 characters), or a scenario
  that keeps every limit, has only finite numbers and re-loads from its resolved form; never
  another exception, never more than a few seconds, never a changed scenario file. A fast subset
  runs by default; ``-m slow`` runs more and also prepares and simulates (briefly) what is
  accepted, checking the tables for NaN and infinities.
"""

from __future__ import annotations

import copy
import math
import os
import random
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from orbitcloud.scenario import OrbitcloudInputError, Scenario, load_scenario
from orbitcloud.scenario.errors import MAX_MESSAGE_LINE
from orbitcloud.scenario.limits import (
    EARLIEST_TIME,
    LATEST_TIME,
    MAX_SATELLITE_STEPS,
    MAX_SATELLITES,
    MAX_SCENARIO_FILE_BYTES,
    MAX_STEPS,
    SSO_MAX_ALTITUDE_KM,
)
from orbitcloud.scenario.loader import builtin_path, load_scenario_text
from orbitcloud.scenario.model import resolved_dict
from orbitcloud.scenario.yamlio import dump_yaml, load_yaml_file
from timebox import time_limit as _time_limit

TLE = str(resources.files("orbitcloud") / "data" / "starlink-2023-07-18.tle")
CASE_SECONDS = 10.0

BASE = """\
name: t
time: {start: "2024-03-01T00:00:00Z", duration_h: 1, step_s: 60}
constellations:
  - name: w
    walker: {planes: 2, sats_per_plane: 3, altitude_km: 550, inclination_deg: 53}
"""
WORKLOADS = """\
workloads:
  inference: {requests_per_s: 1}
  terrestrial:
    data_centres: [{name: Ashburn, lat_deg: 39.04, lon_deg: -77.49, accelerators: 100}]
"""


def with_source(source: str) -> str:
    """BASE with its Walker source replaced by ``source`` (one flow mapping line)."""
    return BASE.replace(
        "walker: {planes: 2, sats_per_plane: 3, altitude_km: 550, inclination_deg: 53}", source
    )


def refused(text: str, *parts: str) -> str:
    """The message of the OrbitcloudInputError ``text`` gives; each of ``parts`` must be in it."""
    with time_limit(), pytest.raises(OrbitcloudInputError) as info:
        load_scenario_text(text)
    msg = str(info.value)
    for part in parts:
        assert part in msg, msg
    return msg


def time_limit(seconds: float = CASE_SECONDS) -> Any:
    """Fail (TimeoutError) when the block takes longer than ``seconds`` (tests/timebox.py)."""
    return _time_limit(seconds)


# --- defect 5: impossible orbits ---------------------------------------------------------------


@pytest.mark.parametrize("altitude", [5_960, 5_990, 5_999.9])
def test_defect5_sso_above_the_sun_synchronous_limit_is_refused_with_the_reason(altitude):
    """Before: accepted, flying an equatorial retrograde (180 deg) orbit."""
    refused(
        with_source(f"sso: {{altitude_km: {altitude}, ltan_h: 6}}"),
        "constellations.0.sso.altitude_km (line 5)",
        "above 5,950 km, the highest sun-synchronous orbit orbitcloud designs",
    )
    load_scenario_text(with_source(f"sso: {{altitude_km: {SSO_MAX_ALTITUDE_KM}, ltan_h: 6}}"))


@pytest.mark.parametrize(
    ("walker", "expected"),
    [
        ("altitude_km: 200, eccentricity: 0.099", "451 km below the Earth's surface"),
        ("altitude_km: 700, eccentricity: 0.09", "perigee at 63 km altitude"),
        ("altitude_km: 120", "at 120 km altitude"),
        ("mean_motion_rev_per_day: 16.9", "at 36 km altitude"),
        ("mean_motion_rev_per_day: 16.99, layout: hypatia", "perigee"),
    ],
)
def test_defect5_walker_perigee_below_the_surface_or_the_minimum_is_refused(walker, expected):
    """Before: a perigee 480 km below the surface was accepted (the TLE reader refuses it)."""
    refused(
        with_source(f"walker: {{planes: 2, sats_per_plane: 3, {walker}, inclination_deg: 53}}"),
        "constellations.0.walker (line 5)",
        expected,
        "at least 150 km",
    )


def test_walker_with_its_perigee_just_above_the_minimum_is_accepted():
    load_scenario_text(
        with_source(
            "walker: {planes: 2, sats_per_plane: 3, altitude_km: 170, eccentricity: 0.003, "
            "inclination_deg: 53}"
        )
    )


# --- defect 7: work and memory past documented limits ------------------------------------------


@pytest.mark.parametrize(
    "time_line",
    [
        '{start: "2024-03-01T00:00:00Z", duration_h: 1e9, step_s: 86400}',  # 4.2e7 steps: passed
        '{start: "2001-01-01T00:00:00Z", duration_h: 876600, step_s: 86400}',  # 100 years, daily
        '{start: "2024-03-01T00:00:00Z", duration_s: 1e12, step_s: 86400}',
    ],
)
def test_defect7_runs_past_the_duration_limit_are_refused_before_any_work(time_line):
    text = BASE.replace('{start: "2024-03-01T00:00:00Z", duration_h: 1, step_s: 60}', time_line)
    t0 = time.perf_counter()
    refused(text, "time (line 2)", "more than the 3,653 days (10 years) allowed")
    assert time.perf_counter() - t0 < 1.0


def test_defect7_satellite_steps_past_the_limit_are_refused():
    text = BASE.replace("duration_h: 1, step_s: 60", "duration_h: 8760, step_s: 10").replace(
        "planes: 2, sats_per_plane: 3", "planes: 100, sats_per_plane: 100"
    )
    refused(text, "constellations (line 3)", "satellite-steps is more than the 1e+09 allowed")


def test_defect7_satellites_of_files_are_counted_once_read():
    """4,428 catalogue satellites x 288,001 steps (200 days at 60 s) = 1.3e9 > 1e9: refused by
    ``build_satellites`` (before any propagation), naming each constellation's count."""
    from orbitcloud.astro.constellations import build_satellites

    sc = load_scenario_text(
        BASE.replace("duration_h: 1,", "duration_h: 4800,").replace(
            "walker: {planes: 2, sats_per_plane: 3, altitude_km: 550, inclination_deg: 53}",
            f"tle_file: {TLE}",
        )
    )
    assert len(sc.constellations) * sc.time.n_steps < MAX_SATELLITE_STEPS  # schema: unknown
    with time_limit(), pytest.raises(OrbitcloudInputError) as info:
        build_satellites(sc)
    assert str(info.value).startswith("constellations: 4,428 satellites x 288,001 time steps")
    assert "(by constellation: w: 4,428)" in str(info.value)


# --- defect 8: dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("2024-03-01", "0001-01-01", "time.start (line 2)"),
        ("2024-03-01", "1800-01-01", "time.start (line 2)"),
        ("2024-03-01", "1956-12-31", "time.start (line 2)"),
        ("2024-03-01", "9999-12-31", "time.start (line 2)"),
        ('2024-03-01T00:00:00Z", duration_h: 1', '2099-12-31T23:00:00Z", duration_h: 2', "time"),
        ("inclination_deg: 53}", 'inclination_deg: 53, epoch: "1800-01-01"}', "walker.epoch"),
        ('"2024-03-01T00:00:00Z"', '"0001-01-01T00:00:00+01:00"', "time.start (line 2)"),
    ],
)
def test_defect8_times_outside_1957_to_2100_are_refused_with_the_reason(old, new, where):
    """Before: year 1, 1800 and 9999 were accepted (9999 wrote year-10000 timestamps)."""
    msg = refused(BASE.replace(old, new), where)
    assert "outside 1957-01-01 to 2100-01-01" in msg
    assert "models are valid" in msg


def test_events_and_storms_far_from_the_run_name_the_range():
    refused(
        BASE + WORKLOADS + "events: [{kind: satellite_failures, count: 1, start: '9999-01-01'}]\n",
        "events.0.start (line 10)",
        "outside 1957-01-01 to 2100-01-01",
    )


# --- defect 9: control characters and deep nesting ---------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f", "\x08", "\ufffe"])
def test_defect9_a_control_character_in_yaml_is_one_error_naming_line_and_column(char, tmp_path):
    """Before: the YAML reader raised outside the ``try`` (a traceback)."""
    text = BASE.replace("name: w", f"name: w{char}x")
    msg = refused(text, "<string>: line 4, column 12: control character", "not allowed in YAML")
    assert f"U+{ord(char):04X}" in msg
    p = tmp_path / "s.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(OrbitcloudInputError, match=r"s\.yaml: line 4, column 12: control"):
        load_scenario(p)


@pytest.mark.parametrize(
    "nested",
    [
        "description: " + "[" * 900 + "]" * 900 + "\n",
        "description: " + "{a: " * 900 + "1" + "}" * 900 + "\n",
        "x:\n" + "".join(" " * i + "- \n" for i in range(1, 900)),
        "x:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 900)),
    ],
)
def test_defect9_yaml_nested_900_deep_is_one_error(nested):
    """Before: RecursionError with a 1,000-frame traceback."""
    refused(BASE + nested, "not valid YAML (nested more than 64 levels deep")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("!!int abc", "expected a whole number"),
        ("!!int " + "9" * 5000, "expected a whole number of at most 4,300 digits"),
        ("!!float xyz", "expected a number"),
        ("!!bool maybe", "expected true or false"),
        ("!!python/object:os.system ls", "could not determine a constructor"),
        ("!!binary AAAA", "must be text"),
    ],
)
def test_explicit_tags_on_wrong_values_are_one_error(value, expected):
    """(Found by the generator: ``!!int abc`` raised ValueError from the YAML constructor.)"""
    refused(BASE.replace("name: t", f"name: {value}"), expected)


def test_explicit_timestamp_tag_stays_text():
    sc = load_scenario_text(BASE.replace('"2024-03-01T00:00:00Z"', "!!timestamp 2024-03-01"))
    assert sc.time.start == "2024-03-01"


# --- defect 10: sizes --------------------------------------------------------------------------


def test_defect10_a_10000_by_10000_walker_is_refused_before_any_work():
    """Before: schema-valid, then MemoryError while building 1e8 satellites."""
    t0 = time.perf_counter()
    refused(
        BASE.replace("planes: 2, sats_per_plane: 3", "planes: 10000, sats_per_plane: 10000"),
        "constellations.0.walker (line 5)",
        "100,000,000 satellites, more than the 100,000 a run may have",
    )
    assert time.perf_counter() - t0 < 1.0


def test_designed_satellites_over_all_constellations_are_capped():
    text = BASE + "".join(
        f"  - {{name: s{k}, sso: {{altitude_km: 600, ltan_h: {k}, count: 30000}}}}\n"
        for k in range(4)
    )
    refused(text, "constellations (line 3)", "120,006 designed (walker, sso, cluster) satellites")


def test_defect10_a_yaml_file_over_the_limit_is_refused_from_its_size(tmp_path):
    p = tmp_path / "big.yaml"
    with p.open("wb") as f:
        f.write(BASE.encode())
        f.truncate(MAX_SCENARIO_FILE_BYTES + 1)
    with (
        time_limit(2.0),
        pytest.raises(
            OrbitcloudInputError,
            match=r"more than the 1\.0 MB \(1,048,576 bytes\) allowed for a scenario YAML file",
        ),
    ):
        load_scenario(p)


def test_defect10_a_long_key_or_value_is_quoted_cut():
    msg = refused(BASE + "k" * 1_000 + ": 1\n", "unknown field", "more characters")
    assert len(msg) < 1_000
    msg = refused(BASE + "k" * 100_000 + ": 1\n", "could not find expected ':'")
    assert len(msg) < 1_000
    msg = refused(BASE.replace("name: t", "name: " + "n" * 100_000), "at most 200 characters")
    assert len(msg) < 1_000


# --- defect 11: package: traversal -------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "package:../../../etc/passwd",
        "package:/etc/passwd",
        "package:..",
        "package:data/../../../../etc/passwd",
        "package:..\\\\..\\\\etc\\\\passwd",
        "package:",
    ],
)
def test_defect11_package_paths_outside_the_data_folder_are_refused(value):
    """Before: resolved to /etc/passwd, accepted, and its lines were echoed by the TLE reader."""
    msg = refused(
        BASE + f"orbit_ops: {{conjunctions: {{background_tle_file: '{value}'}}}}\n",
        "orbit_ops.conjunctions.background_tle_file",
        "after 'package:' give the plain name of one of orbitcloud's data files",
        "starlink-2023-07-18.tle",
    )
    assert "root:" not in msg


def test_package_data_is_still_found():
    sc = load_scenario_text(
        BASE + "orbit_ops: {conjunctions: {background_tle_file: package:starlink-2023-07-18.tle}}\n"
    )
    assert sc.orbit_ops is not None
    assert Path(str(sc.orbit_ops.conjunctions.background_tle_file)).is_file()


# --- defect 13: sections that would change nothing ---------------------------------------------


@pytest.mark.parametrize(
    "event",
    [
        "{kind: satellite_failures, count: 1, start: '2024-03-02T00:00:00Z', duration_h: 1}",
        "{kind: satellite_failures, count: 1, start: '2024-02-01T00:00:00Z', duration_h: 2}",
        "{kind: isl_failures, fraction: 0.1, start: '2024-03-01T01:00:01Z'}",
    ],
)
def test_defect13_an_event_entirely_outside_the_run_is_named_in_the_advisories(event):
    """Warned, not refused: a shortened copy of a scenario (tests/engine/test_chunking.py) or a
    sweep over ``duration_h`` keeps its events. Before: accepted without a word."""
    sc = load_scenario_text(BASE + WORKLOADS + f"events: [{event}]\n")
    (text,) = sc.advisories()
    assert text.startswith("events.0 (")
    assert "lies entirely outside the run (2024-03-01T00:00:00Z + 1 h) and changes nothing" in text


def test_an_event_overlapping_the_run_gives_no_advisory():
    event = "{kind: satellite_failures, count: 1, start: '2024-02-29T23:30:00Z', duration_h: 1}"
    sc = load_scenario_text(BASE + WORKLOADS + f"events: [{event}]\n")
    assert len(sc.events) == 1
    assert sc.advisories() == []


def test_defect13_scheduling_without_workloads_is_refused():
    refused(
        BASE + "scheduling: {policy: foo}\n",
        "scheduling (line 6)",
        "policy: 'foo'",
        "no workloads section",
    )


def test_defect13_events_without_workloads_are_refused_and_storms_outside_the_run_named():
    refused(
        BASE + "events: [{kind: isl_failures, fraction: 0.5}]\n", "events (line 6)", "workloads"
    )
    sc = load_scenario_text(
        BASE + "environment: {storms: [{start: '2025-01-01', end: '2025-01-02'}]}\n"
    )
    assert sc.advisories() == [
        "environment.storms.0 (2025-01-01 to 2025-01-02) lies entirely outside the run "
        "(2024-03-01T00:00:00Z + 1 h) and changes nothing"
    ]


def test_default_scheduling_without_workloads_still_loads():
    """A results folder's scenario.yaml carries every default, scheduling included."""
    sc = load_scenario_text(BASE)
    again = load_scenario_text(dump_yaml(resolved_dict(sc)))
    assert again.scheduling == sc.scheduling


# --- defect 17: messages that mislead ----------------------------------------------------------


def not_regular_paths(tmp_path: Path) -> list[Path]:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    return [Path("/dev/zero"), fifo, link]


def test_defect17_a_device_fifo_or_symlink_to_a_device_is_not_a_regular_file(tmp_path):
    """Before: "no such scenario file" (and ``tle_file: /dev/zero``: "file not found")."""
    for path in not_regular_paths(tmp_path):
        with time_limit(5.0), pytest.raises(OrbitcloudInputError) as info:
            load_scenario(path)
        assert "not a regular file" in str(info.value)
        with time_limit(5.0), pytest.raises(OrbitcloudInputError) as info:
            load_scenario_text(with_source(f"tle_file: {path}"))
        assert "constellations.0.tle_file (line 5)" in str(info.value)
        assert "not a regular file" in str(info.value)


def test_defect17_a_cluster_above_the_sso_limit_is_blamed_on_its_altitude():
    """Before: "inclination 180 deg ..." on ``cluster.inclination_deg``, never written."""
    msg = refused(
        with_source("cluster: {altitude_km: 5990, count: 7, spacing_m: 100}"),
        "constellations.0.cluster (line 5): altitude_km 5990 is above 5,950 km",
        "or give inclination_deg",
    )
    assert "inclination 180" not in msg
    load_scenario_text(
        with_source("cluster: {altitude_km: 5990, count: 7, spacing_m: 100, inclination_deg: 60}")
    )


def test_defect17_a_long_name_is_answered_in_plain_words():
    msg = refused(BASE.replace("name: t", "name: " + "x" * 250), "name (line 1)")
    assert "must be at most 200 characters long, got 250 characters" in msg
    assert "String should" not in msg


# --- the seeded generator ----------------------------------------------------------------------


def bases() -> list[dict[str, Any]]:
    """Valid scenarios to mutate: the default, a story with workloads, Hypatia, a catalogue."""
    out = []
    for name in ("default", "remote-inference"):
        data, _ = load_yaml_file(builtin_path(name))
        out.append(data)
    hyp, _ = load_yaml_file(Path(__file__).resolve().parents[2] / "examples/kuiper-hypatia.yaml")
    out.append(hyp)
    cat, _ = load_yaml_file(builtin_path("default"))
    cat["constellations"] = [
        {"name": "cat", "tle_file": TLE, "limit": 20},
        {"name": "sso", "sso": {"altitude_km": 700, "ltan_h": 10.5, "count": 3}},
    ]
    out.append(cat)
    return out


HOSTILE: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 2**63, -(2**63) - 1, 10**30, 0.5, -0.0, 1e-300, 5e-324, 1e300,
    -1e300, 1.7976931348623157e308, float("nan"), float("inf"), float("-inf"), "", " ", "1e3",
    "NaN", "yes", "0x1F", "1:30", "\u202eevil", "x" * 300, "\u00e9\u00e8", "2024-02-30",
    "not a date", "2024-01-01T00:00:00+25:00", "0001-01-01", "9999-12-31T23:59:59Z",
    "1957-01-01", "2100-01-01T00:00:01Z", [], [1, 2], {}, {"a": 1}, [[[[]]]],
    "package:../../../etc/passwd", "/dev/zero", "~/nonexistent", "../" * 20 + "etc/passwd",
)  # fmt: skip
"""Values put in place of any field: wrong types, extremes, hostile text and paths, dates."""

ORBIT_MUTATIONS: tuple[dict[str, Any], ...] = (
    {"sso": {"altitude_km": 5990, "ltan_h": 6}},
    {"sso": {"altitude_km": 151, "ltan_h": 23.99, "count": 100_000}},
    {"cluster": {"altitude_km": 5999, "count": 10, "spacing_m": 10}},
    {"cluster": {"altitude_km": 650, "count": 10_000, "spacing_m": 100_000}},
    {"cluster": {"altitude_km": 650, "count": 7, "spacing_m": 100, "inclination_deg": 0}},
    {"walker": {"planes": 10_000, "sats_per_plane": 10_000, "altitude_km": 550,
                "inclination_deg": 53}},
    {"walker": {"planes": 3, "sats_per_plane": 3, "altitude_km": 101, "inclination_deg": 0}},
    {"walker": {"planes": 3, "sats_per_plane": 3, "altitude_km": 99_999, "inclination_deg": 180}},
    {"walker": {"planes": 3, "sats_per_plane": 3, "altitude_km": 160, "eccentricity": 0.0999,
                "inclination_deg": 98}},
    {"walker": {"planes": 3, "sats_per_plane": 3, "mean_motion_rev_per_day": 16.99,
                "inclination_deg": 98}},
    {"walker": {"planes": 3, "sats_per_plane": 3, "mean_motion_rev_per_day": 0.91,
                "inclination_deg": 5, "bstar": -1}},
    {"walker": {"planes": 2, "sats_per_plane": 2, "altitude_km": 550, "inclination_deg": 53,
                "phase_factor": 5}},
    {"tle_file": "/dev/zero"},
    {"tle_file": "/etc/passwd"},
    {"omm_file": "/etc/hostname"},
    {"tle_file": "package:starlink-2023-07-18.tle"},
)  # fmt: skip

TIME_MUTATIONS: tuple[dict[str, Any], ...] = (
    {"duration_h": 1e9, "step_s": 86400},
    {"duration_h": 876_600, "step_s": 86400},
    {"duration_h": 87_660, "step_s": 86400},
    {"duration_s": 1e-9, "step_s": 1e-9},
    {"duration_s": 60, "step_s": 5e-324},
    {"duration_h": 24, "step_s": 86_401},
    {"duration_h": 1, "duration_s": 3600},
    {"step_s": 60},
    {"duration_h": -1, "step_s": 60},
    {"duration_h": 0, "step_s": 60},
    {"start": "1800-01-01T00:00:00Z"},
    {"start": "9999-12-31T00:00:00Z"},
    {"start": "2099-12-31T23:00:00Z", "duration_h": 2},
    {"start": "1957-01-01T00:00:00-01:00"},
    {"start": 20240101},
    {"ut1_utc_s": 0.91},
)


def all_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (tuple of keys/indices) to a value in a YAML document."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += all_paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += all_paths(v, (*prefix, i))
    return out


def set_at(doc: Any, path: tuple, value: Any) -> None:
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value


def mutate_document(rng: random.Random, doc: dict[str, Any]) -> dict[str, Any]:
    """One to three structural mutations of a parsed scenario."""
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        paths = all_paths(doc)
        op = rng.randrange(9)
        if op <= 2 and paths:  # any field gets a hostile value
            set_at(doc, rng.choice(paths), copy.deepcopy(rng.choice(HOSTILE)))
        elif op == 3 and paths:  # a field disappears
            path = rng.choice(paths)
            node = doc
            for k in path[:-1]:
                node = node[k]
            if isinstance(node, dict):
                del node[path[-1]]
            else:
                node.pop(path[-1])
        elif op == 4:  # an unknown or misplaced key
            mappings = [p for p in paths if isinstance(get_at(doc, p), dict)] + [()]
            target = get_at(doc, rng.choice(mappings))
            target[rng.choice(["stepp_s", "altitude_km", "x" * 500, "\u00e9", "1", "seed"])] = 1
        elif op == 5:  # an impossible or huge orbit
            c = doc.get("constellations")
            if isinstance(c, list) and c and isinstance(c[0], dict):
                c[0] = {"name": c[0].get("name", "c"), **copy.deepcopy(rng.choice(ORBIT_MUTATIONS))}
        elif op == 6:  # the time grid
            if isinstance(doc.get("time"), dict):
                doc["time"] = {**doc["time"], **rng.choice(TIME_MUTATIONS)}
                if "duration_s" in doc["time"] and rng.random() < 0.5:
                    doc["time"].pop("duration_h", None)
        elif op == 7:  # events and sections that would change nothing
            doc[rng.choice(["events", "scheduling", "environment"])] = rng.choice(
                [
                    [{"kind": "satellite_failures", "count": 1, "start": "2030-01-01T00:00:00Z",
                      "duration_h": 1}],
                    {"policy": "foo"},
                    {"storms": [{"start": "2030-01-01", "end": "2030-01-02"}]},
                    [{"kind": "isl_failures", "fraction": 0.5}],
                ]
            )  # fmt: skip
        else:  # a section of the wrong kind
            keys = list(doc)
            if keys:
                doc[rng.choice(keys)] = rng.choice([[], "text", 5, None, [{}], {"a": {"b": {}}}])
    return doc


def get_at(doc: Any, path: tuple) -> Any:
    node = doc
    for k in path:
        node = node[k]
    return node


def mutate_text(rng: random.Random, text: str) -> str:
    """Mutations of the YAML text itself."""
    op = rng.randrange(10)
    lines = text.splitlines(keepends=True)
    if op == 0:  # a control or odd character anywhere
        p = rng.randrange(len(text) + 1)
        c = rng.choice(["\x00", "\x1b", "\x07", "\x7f", "\t", "\r", "\u2028", "\ufeff", "\x85"])
        return text[:p] + c + text[p:]
    if op == 1:  # a duplicated line: a duplicate key
        i = rng.randrange(len(lines))
        return "".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])
    if op == 2:  # truncated
        return text[: rng.randrange(len(text))]
    if op == 3:  # deep nesting in a value
        depth = rng.choice([10, 63, 65, 200, 900, 5000])
        return text + "description: " + "[" * depth + "]" * depth + "\n"
    if op == 4:  # tabs for indentation
        return text.replace("  ", "\t", rng.randint(1, 3))
    if op == 5:  # an alias bomb (billion laughs)
        bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
            f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 10)}]\n" for k in range(1, 9)
        )
        return text + bomb
    if op == 6:  # explicit tags
        tag = rng.choice(["!!int abc", "!!float x", "!!bool maybe", "!!timestamp 2024-01-01",
                          "!!binary AAAA", "!!python/object:os.system ls", "!!set {a, b}",
                          "!!int " + "7" * 5000, "!!omap [a: 1]", "!custom 5"])  # fmt: skip
        return text.replace("name: ", f"name: {tag} #", 1)
    if op == 7:  # several documents, or none
        return rng.choice([text + "---\n" + text, "", "---\n", "# only a comment\n", "[]\n"])
    if op == 8:  # a huge scalar
        return text + "description: " + "x" * rng.choice([1000, 100_000, 1_000_000]) + "\n"
    return text.replace(":", rng.choice([": ", " :", ":: ", ": !!str"]), 1)


def finite_everywhere(node: Any) -> bool:
    if isinstance(node, float):
        return math.isfinite(node)
    if isinstance(node, dict):
        return all(finite_everywhere(v) for v in node.values())
    if isinstance(node, list):
        return all(finite_everywhere(v) for v in node)
    return True


def check_accepted(sc: Scenario) -> None:
    """What a loaded scenario promises: limits kept, finite numbers, a resolved form that loads."""
    t = sc.time
    assert EARLIEST_TIME <= t.start_dt <= LATEST_TIME
    assert t.end_dt <= LATEST_TIME
    assert 1 <= t.n_steps <= MAX_STEPS
    designed = sum(c.designed_count() or 0 for c in sc.constellations)
    assert designed <= MAX_SATELLITES
    assert designed * t.n_steps <= MAX_SATELLITE_STEPS
    doc = resolved_dict(sc)
    assert finite_everywhere(doc)
    load_scenario_text(dump_yaml(doc))


def check_error(exc: OrbitcloudInputError, source: str) -> None:
    msg = str(exc)
    assert msg.startswith(f"{source}: "), msg[:300]
    assert max(len(line) for line in msg.splitlines()) <= MAX_MESSAGE_LINE + 40, msg[:300]
    assert len(msg.splitlines()) <= 80, msg[:300]


def make_case(rng: random.Random, docs: list[dict[str, Any]]) -> str:
    doc = mutate_document(rng, rng.choice(docs)) if rng.random() < 0.8 else rng.choice(docs)
    text = dump_yaml(doc)
    if rng.random() < 0.35:
        text = mutate_text(rng, text)
    return text


def run_cases(n: int, seed: int, folder: Path) -> tuple[dict[str, int], list[Scenario]]:
    """Load ``n`` generated scenarios; half from files (checked unchanged after loading)."""
    rng = random.Random(seed)
    docs = bases()
    counts = {"rejected": 0, "accepted": 0}
    accepted: list[Scenario] = []
    for i in range(n):
        text = make_case(rng, docs)
        from_file = i % 2 == 1
        path = folder / f"case{i}.yaml"
        if from_file:
            path.write_text(text, encoding="utf-8", newline="")
            before = (path.read_bytes(), sorted(os.listdir(folder)))
        source = str(path) if from_file else "<string>"
        with time_limit():
            try:
                sc = load_scenario(path) if from_file else load_scenario_text(text)
            except OrbitcloudInputError as exc:
                check_error(exc, source)
                counts["rejected"] += 1
            except Exception as exc:  # the contract under test: report the input
                raise AssertionError(
                    f"{type(exc).__name__}: {exc}\ninput: {text[:2000]!r}"
                ) from exc
            else:
                check_accepted(sc)
                counts["accepted"] += 1
                accepted.append(sc)
        if from_file:  # no user file lost or changed
            assert (path.read_bytes(), sorted(os.listdir(folder))) == before
            path.unlink()
    return counts, accepted


def test_adversarial_scenarios_fast(tmp_path):
    """The default run: 300 generated scenarios (about 2 s)."""
    counts, _ = run_cases(300, seed=16, folder=tmp_path)
    assert counts["rejected"] > 100
    assert counts["accepted"] > 10


def table_is_clean(table: pa.Table) -> bool:
    """No NaN or infinity in any floating-point column (nulls are how a table says 'missing')."""
    for col in table.columns:
        if pa.types.is_floating(col.type):
            values = col.to_numpy(zero_copy_only=False)
            if not np.isfinite(values[~np.isnan(values)] if col.null_count else values).all():
                return False
            if col.null_count == 0 and np.isnan(values).any():
                return False
    return True


@pytest.mark.slow
def test_adversarial_scenarios_slow(tmp_path):
    """3,000 generated scenarios from other seeds; 60 of those accepted are prepared as a run
    would (files read, every stage's ``start``: only OrbitcloudInputError), and up to 25 small
    ones are simulated for a few steps with no NaN or infinity in any table."""
    from orbitcloud.engine.context import MemorySink
    from orbitcloud.engine.run import check, simulate

    accepted: list[Scenario] = []
    for seed in (1, 2, 3):
        _, acc = run_cases(1_000, seed=seed, folder=tmp_path)
        accepted += acc
    simulated = checked = 0
    for sc in random.Random(16).sample(accepted, len(accepted)):
        designed = sum(c.designed_count() or 20 for c in sc.constellations)
        if designed > 3_000 or checked >= 60:
            continue
        checked += 1
        with time_limit(60.0):
            try:  # a file or stage may still refuse it: with an input error, nothing else
                check(sc)
            except OrbitcloudInputError:
                continue
        if simulated >= 25 or designed > 500:
            continue
        short = sc.model_copy(deep=True)
        short.time.duration_h, short.time.duration_s = None, 5 * short.time.step_s
        short.outputs.report = False
        sink = MemorySink()
        with time_limit(60.0):
            try:
                simulate(short, sink)
            except OrbitcloudInputError:
                continue
        simulated += 1
        for name in sink.parts:
            assert table_is_clean(sink.table(name)), (name, dump_yaml(resolved_dict(sc))[:1500])
    assert simulated > 5
