"""Strict YAML: YAML 1.2 core scalars, duplicate keys rejected by dotted path, lines kept."""

from __future__ import annotations

import math

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.yamlio import dump_yaml, load_yaml_file, load_yaml_text


def value_of(scalar: str):
    data, _ = load_yaml_text(f"v: {scalar}\n")
    return data["v"]


# YAML 1.2 core schema (yaml.org/spec/1.2.2, section 10.3.2) next to what PyYAML's YAML 1.1
# safe_load makes of the same text -- the traps listed in shared/PITFALLS.md.
@pytest.mark.parametrize(
    ("scalar", "yaml12"),
    [
        ("NO", "NO"),
        ("no", "no"),
        ("on", "on"),
        ("Off", "Off"),
        ("y", "y"),
        ("yes", "yes"),
        ("010", 10),
        ("1:30", "1:30"),
        ("1_000", "1_000"),
        ("1e3", 1000.0),
        ("-1.5E-2", -0.015),
        (".5", 0.5),
        ("+12", 12),
        ("0o17", 15),
        ("0x1F", 31),
        ("true", True),
        ("False", False),
        ("~", None),
        ("null", None),
        ("2023-07-18T00:00:00Z", "2023-07-18T00:00:00Z"),
        ("2023-07-18", "2023-07-18"),
    ],
)
def test_yaml12_core_scalars(scalar, yaml12):
    got = value_of(scalar)
    assert got == yaml12
    assert type(got) is type(yaml12)


@pytest.mark.parametrize("scalar", ["NO", "on", "010", "1:30", "1e3"])
def test_the_yaml11_trap_is_real(scalar):
    """PyYAML's safe_load reads these differently: the reason this loader exists."""
    assert yaml.safe_load(f"v: {scalar}\n")["v"] != value_of(scalar)


@pytest.mark.parametrize(("scalar", "check"), [(".nan", math.isnan), (".inf", math.isinf),
                                               ("-.inf", math.isinf), (".NaN", math.isnan)])  # fmt: skip
def test_nan_and_inf_are_floats_for_the_schema_to_reject(scalar, check):
    got = value_of(scalar)
    assert isinstance(got, float)
    assert check(got)


def test_duplicate_top_level_key_names_path_and_both_lines():
    with pytest.raises(OrbitcloudInputError) as exc:
        load_yaml_text("name: a\nseed: 1\nseed: 2\n", "s.yaml")
    msg = str(exc.value)
    assert msg.startswith("s.yaml: seed (line 3)")
    assert "line 2" in msg


def test_duplicate_nested_key_names_dotted_path():
    text = "constellations:\n  - name: a\n    walker: {planes: 1, planes: 2}\n"
    with pytest.raises(OrbitcloudInputError, match=r"constellations\.0\.walker\.planes \(line 3\)"):
        load_yaml_text(text)


def test_same_key_in_two_mappings_is_fine():
    data, _ = load_yaml_text("a: {x: 1}\nb: {x: 2}\n")
    assert data == {"a": {"x": 1}, "b": {"x": 2}}


def test_merge_key_may_be_overridden():
    data, _ = load_yaml_text("base: &b {x: 1, y: 2}\nuse: {<<: *b, y: 3}\n")
    assert data["use"] == {"x": 1, "y": 3}


def test_lines_of_keys_are_recorded():
    text = "name: a\ntime:\n  start: x\n  step_s: 60\nconstellations:\n  - name: s\n"
    _, lines = load_yaml_text(text)
    assert lines["name"] == 1
    assert lines["time.step_s"] == 4
    assert lines["constellations.0"] == 6
    assert lines["constellations.0.name"] == 6


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("a: [1, 2\n", "line 2"),
        ("a: 1\n---\nb: 2\n", "single document"),
        ("a:\n\tb: 1\n", "tabs"),
        ("? [a]\n: 1\n", "key must be a plain name"),
    ],
)
def test_invalid_yaml_is_one_input_error(text, fragment):
    with pytest.raises(OrbitcloudInputError, match=fragment):
        load_yaml_text(text, "x.yaml")


def test_missing_and_non_utf8_files(tmp_path):
    with pytest.raises(OrbitcloudInputError, match="file not found"):
        load_yaml_file(tmp_path / "nope.yaml")
    p = tmp_path / "latin1.yaml"
    p.write_bytes("name: caf\xe9\n".encode("latin-1"))
    with pytest.raises(OrbitcloudInputError, match="UTF-8"):
        load_yaml_file(p)


def test_empty_document_is_none():
    assert load_yaml_text("")[0] is None


scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["NO", "on", "010", "1:30", "1e3", "0o17", "0x1F", ".inf", "~", "true", ""]),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.none(),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4),
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), documents, max_size=5))
def test_dump_then_load_gives_the_same_data(doc):
    """What orbitcloud writes as scenario.yaml reads back exactly, quirky strings included."""
    assert load_yaml_text(dump_yaml(doc))[0] == doc
