"""The sweep file: grids, zipped lists, samples, dotted paths, validation before anything runs."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import load_scenario
from orbitcloud.sweep.sampling import scale_samples, unit_samples
from orbitcloud.sweep.spec import load_sweep, plan_sweep, set_dotted

ALT = "constellations.0.walker.altitude_km"
INC = "constellations.0.walker.inclination_deg"


def test_issue_example_grid_is_accepted(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        f"base: default\nparameters:\n  {ALT}: [500, 550, 600]\n  seed: [1, 2]\n",
        encoding="utf-8",
    )
    plan = load_sweep(f)
    assert plan.name == "s"
    assert len(plan.points) == 6
    # grid order: the first parameter varies slowest
    assert [p.params[ALT] for p in plan.points] == [500, 500, 550, 550, 600, 600]
    assert [p.params["seed"] for p in plan.points] == [1, 2, 1, 2, 1, 2]
    p = plan.points[3]
    assert p.scenario["constellations"][0]["walker"]["altitude_km"] == 550
    assert p.scenario["seed"] == 2
    assert len(set(plan.unique_hashes)) == 6


def test_point_hash_survives_the_trip_to_a_worker():
    """The worker rebuilds the scenario from its JSON dump: same hash, same folder."""
    plan = plan_sweep({"base": "default", "parameters": {ALT: [500, 612.5]}})
    for p in plan.points:
        assert load_scenario(copy.deepcopy(p.scenario)).scenario_hash() == p.hash


def test_list_mode_zips_and_needs_equal_lengths():
    doc = {"base": "default", "mode": "list", "parameters": {ALT: [500, 600], INC: [53, 97.6]}}
    plan = plan_sweep(doc)
    assert [(p.params[ALT], p.params[INC]) for p in plan.points] == [(500, 53), (600, 97.6)]
    doc["parameters"][INC] = [53]
    with pytest.raises(OrbitcloudInputError, match="same length"):
        plan_sweep(doc)


def test_set_applies_to_every_point_and_creates_sections():
    plan = plan_sweep(
        {
            "base": "default",
            "set": {"time.duration_h": 1, "outputs.report": False},
            "parameters": {"seed": [3, 4]},
        }
    )
    for p in plan.points:
        assert p.scenario["time"]["duration_h"] == 1
        assert p.scenario["outputs"]["report"] is False


def test_base_path_is_relative_to_the_sweep_file(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mine.yaml").write_text(
        "name: mine\ntime: {start: '2025-01-01T00:00:00Z', duration_h: 1, step_s: 60}\n"
        "constellations:\n  - name: a\n    sso: {altitude_km: 600, ltan_h: 6, count: 3}\n",
        encoding="utf-8",
    )
    f = tmp_path / "sub" / "sweep.yaml"
    f.write_text(
        "base: mine.yaml\nparameters:\n  constellations.0.sso.count: [1, 2]\n", encoding="utf-8"
    )
    plan = load_sweep(f)
    assert plan.base.endswith("mine.yaml")
    assert [p.scenario["constellations"][0]["sso"]["count"] for p in plan.points] == [1, 2]


def test_lhs_samples_are_seeded_and_stratified():
    doc = {
        "base": "default",
        "samples": {"method": "lhs", "n": 20, "seed": 7, "ranges": {ALT: [500.0, 700.0]}},
    }
    a, b = plan_sweep(doc), plan_sweep(copy.deepcopy(doc))
    assert [p.hash for p in a.points] == [p.hash for p in b.points]
    alts = np.array([p.params[ALT] for p in a.points])
    # one point in each of the 20 strata of 10 km
    assert sorted(((alts - 500.0) // 10.0).astype(int)) == list(range(20))
    doc["samples"]["seed"] = 8
    assert [p.hash for p in plan_sweep(doc).points] != [p.hash for p in a.points]


def test_samples_times_grid_and_integer_ranges():
    plan = plan_sweep(
        {
            "base": "default",
            "parameters": {"seed": [1, 2]},
            "samples": {
                "method": "random",
                "n": 5,
                "seed": 1,
                "ranges": {"constellations.0.walker.planes": [6, 12]},
            },
        }
    )
    assert len(plan.points) == 10
    planes = [p.params["constellations.0.walker.planes"] for p in plan.points]
    assert all(isinstance(v, int) and 6 <= v <= 12 for v in planes)
    assert plan.parameter_names == ["seed", "constellations.0.walker.planes"]


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 60), d=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_lhs_one_point_per_stratum_on_every_axis(n, d, seed):
    u = unit_samples("lhs", n, d, seed)
    assert u.shape == (n, d)
    assert ((u >= 0) & (u < 1)).all()
    for j in range(d):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))


@settings(max_examples=50, deadline=None)
@given(lo=st.integers(-5, 5), span=st.integers(0, 6), seed=st.integers(0, 1000))
def test_integer_ranges_cover_both_ends_inclusive(lo, span, seed):
    hi = lo + span
    n = 40 * (span + 1)
    vals = [r[0] for r in scale_samples(unit_samples("lhs", n, 1, seed), [(lo, hi)])]
    assert set(vals) == set(range(lo, hi + 1))


def test_set_dotted_paths():
    doc = {"a": [{"b": 1}, {"b": 2}], "c": None}
    set_dotted(doc, "a.1.b", 5)
    set_dotted(doc, "c.d.e", True)
    assert doc == {"a": [{"b": 1}, {"b": 5}], "c": {"d": {"e": True}}}
    with pytest.raises(ValueError, match="out of range"):
        set_dotted(doc, "a.2.b", 0)
    with pytest.raises(ValueError, match="use an index"):
        set_dotted(doc, "a.x", 0)
    with pytest.raises(ValueError, match="not a section"):
        set_dotted(doc, "a.0.b.c", 0)


# --- errors: before anything runs, naming the sweep file, the point and the dotted path -----


def _error(tmp_path, text: str) -> str:
    f = tmp_path / "bad-sweep.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(OrbitcloudInputError) as e:
        load_sweep(f)
    msg = str(e.value)
    assert str(f) in msg
    return msg


def test_invalid_point_names_file_point_parameters_and_path(tmp_path):
    msg = _error(tmp_path, f"base: default\nparameters:\n  {ALT}: [550, 50]\n  seed: [1, 2]\n")
    assert "2 of 4 sweep point(s) give an invalid scenario (nothing was run" in msg
    assert f"point 2 ({ALT}=50, seed=1)" in msg
    line = next(ln for ln in msg.splitlines() if ln.strip().startswith(f"{ALT}:"))
    assert "100" in line
    assert "50" in line


def test_unknown_field_in_a_path_is_named(tmp_path):
    msg = _error(
        tmp_path, "base: default\nparameters:\n  constellations.0.walker.altitud_km: [5]\n"
    )
    assert "constellations.0.walker.altitud_km" in msg
    assert "unknown field" in msg


def test_index_out_of_range_is_named(tmp_path):
    msg = _error(tmp_path, "base: default\nparameters:\n  constellations.7.walker.planes: [5]\n")
    assert "constellations.7: index 7 is out of range; the list has 2 item(s)" in msg


def test_scalar_parameter_suggests_set(tmp_path):
    msg = _error(tmp_path, "base: default\nparameters:\n  seed: 4\n")
    assert "parameters.seed (line 3): give a list of values" in msg
    assert "set:" in msg


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("base: nosuch\nparameters: {seed: [1]}\n", "no built-in scenario named 'nosuch'"),
        ("base: default\n", "nothing to sweep"),
        (
            "base: default\nparameters: {seed: []}\n",
            "parameters.seed (line 2): the list of values is empty",
        ),
        ("base: default\nparamters: {seed: [1]}\n", "paramters (line 2): unknown field"),
        (
            "base: default\nparameters: {seed: [1]}\nsamples: {method: sobol, n: 3, ranges: {seed: [0, 3]}}\n",
            "samples.method",
        ),
        (
            "base: default\nsamples: {method: lhs, n: 3, ranges: {seed: [5, 1]}}\n",
            "need finite low < high",
        ),
        (
            "base: default\nset: {seed: 1}\nparameters: {seed: [1, 2]}\n",
            "seed: given more than once",
        ),
        (
            "base: default\nparameters: {time: [1], time.step_s: [60]}\n",
            "'time' contains 'time.step_s'",
        ),
        ("base: default\nparameters: {seed: [1]}\nseed: 1\nseed: 2\n", "duplicate key"),
        ("base: default\nparameters: {'a..b': [1]}\n", "is not a dotted path"),
    ],
)
def test_bad_sweep_files(tmp_path, text, expected):
    assert expected in _error(tmp_path, text)


def test_too_many_points_is_refused_before_building_them(tmp_path):
    big = list(range(1000))
    msg = _error(tmp_path, f"base: default\nparameters:\n  seed: {big}\n  time.step_s: {big}\n")
    assert "1,000,000 points, more than the 100,000 allowed" in msg


def test_the_documented_sweep_file_is_valid():
    """docs/sweeps.md's full example parses and plans (15 grid points x 20 LHS samples)."""
    import re
    from pathlib import Path

    from orbitcloud.scenario.yamlio import load_yaml_text

    doc = (Path(__file__).resolve().parents[2] / "docs" / "sweeps.md").read_text("utf-8")
    block = re.search(r"## The sweep file\n\n```yaml\n(.*?)```", doc, re.S)
    assert block
    data, lines = load_yaml_text(block.group(1))
    plan = plan_sweep(data, "docs/sweeps.md", lines=lines)
    assert len(plan.points) == 300
    counts = [p.params["constellations.1.cluster.count"] for p in plan.points]
    assert all(isinstance(c, int) and 19 <= c <= 91 for c in counts)
