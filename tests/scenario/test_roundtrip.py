"""A scenario's resolved dump re-loads to the same physics, byte for byte and table for table.

The bug this guards (shared/PITFALLS.md): a spacecraft section's preset applies under the fields
the scenario *set*; a full dump re-validated marks every field as set, so re-running a results
folder's ``scenario.yaml`` overrode every preset with the defaults (the cluster lost its
accelerators) with the same hash. pydantic's ``==`` ignores which fields were set, so these tests
compare resolved designs as ``model_dump()`` dicts, the YAML text and the re-run's tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from orbitcloud.scenario import OrbitcloudInputError, Scenario, builtin_names, load_scenario
from orbitcloud.scenario import presets as presets_mod
from orbitcloud.scenario.loader import load_scenario_text
from orbitcloud.scenario.model import resolved_dict
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.scenario.yamlio import dump_yaml, load_yaml_file

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(
    p
    for p in (REPO / "examples").glob("*.yaml")
    if isinstance(doc := load_yaml_file(p)[0], dict) and "base" not in doc  # not a sweep file
)
SOURCES = [pytest.param(n, id=n) for n in builtin_names()] + [
    pytest.param(p, id=f"examples/{p.name}") for p in EXAMPLES
]

PRESET_WITH_OVERRIDES = """\
name: preset-plus-overrides
time: {start: "2025-06-21T00:00:00Z", duration_s: 120, step_s: 60}
constellations:
  - name: probe
    walker: {planes: 1, sats_per_plane: 2, altitude_km: 550, inclination_deg: 55}
    spacecraft:
      preset: suncatcher-tpu
      shielding_mm_al: 7
      compute: {count: 2}
      radiator: {area_m2: 3.5}
  - name: custom
    sso: {altitude_km: 600, ltan_h: 10}
    spacecraft: {battery: {capacity_wh: 2500}}
  - name: cluster-default
    cluster: {altitude_km: 650, count: 3, spacing_m: 200}
"""


def load_source(source: str | Path) -> Scenario:
    """A built-in or an example; an example whose data file is not in this checkout is skipped."""
    try:
        return load_scenario(source)
    except OrbitcloudInputError as exc:
        if isinstance(source, Path) and "not found" in str(exc):
            pytest.skip(f"data file of {source.name} not in this checkout: {exc}")
        raise


def designs(sc: Scenario) -> list[dict[str, Any]]:
    """Every constellation's resolved spacecraft design, as plain dicts (not model ``==``)."""
    return [c.spacecraft.resolve(c.kind).model_dump() for c in sc.constellations]


def reload(text: str, tmp_path: Path) -> Scenario:
    p = tmp_path / "resolved.yaml"
    p.write_text(text, encoding="utf-8")
    return load_scenario(p)


@pytest.mark.parametrize("source", SOURCES)
def test_resolved_dump_reloads_to_the_same_physics(source, tmp_path):
    sc = load_source(source)
    first = dump_yaml(resolved_dict(sc))
    again = reload(first, tmp_path)
    assert dump_yaml(resolved_dict(again)) == first  # dump -> load -> dump: byte-identical
    assert designs(again) == designs(sc)
    assert [c.spacecraft.preset_name(c.kind) for c in again.constellations] == [
        c.spacecraft.preset_name(c.kind) for c in sc.constellations
    ]
    # every other section as well (model_dump writes the spacecraft as its resolved design)
    assert again.model_dump(mode="json") == sc.model_dump(mode="json")
    assert again.scenario_hash() == sc.scenario_hash()


@pytest.mark.parametrize("source", SOURCES)
def test_model_dump_revalidated_keeps_the_physics(source):
    """The path a sweep point took to its worker: ``model_dump`` then ``model_validate``."""
    sc = load_source(source)
    again = Scenario.model_validate(sc.model_dump(mode="json"))
    assert designs(again) == designs(sc)
    assert again.scenario_hash() == sc.scenario_hash()


def test_builtin_presets_survive_the_round_trip(tmp_path):
    """The measured bug: the default scenario's 81 cluster satellites kept their TPUs."""
    sc = load_scenario("default")
    again = reload(dump_yaml(resolved_dict(sc)), tmp_path)
    cluster = next(c for c in again.constellations if c.kind == "cluster")
    d = cluster.spacecraft.resolve(cluster.kind)
    tpu = presets_mod.SATELLITES["suncatcher-tpu"]
    assert d.compute.count == tpu["compute"]["count"] > 0
    assert d.compute.accelerator == tpu["compute"]["accelerator"]
    for name in ("remote-inference", "orbital-training"):
        sc = load_scenario(name)
        again = reload(dump_yaml(resolved_dict(sc)), tmp_path)
        assert [d["compute"]["count"] for d in designs(again)] == [
            d["compute"]["count"] for d in designs(sc)
        ]
        assert all(d["compute"]["count"] > 0 for d in designs(again))


def test_preset_plus_overrides_round_trip(tmp_path):
    sc = load_scenario_text(PRESET_WITH_OVERRIDES)
    probe, custom, cluster = (c.spacecraft.resolve(c.kind) for c in sc.constellations)
    tpu = presets_mod.SATELLITES["suncatcher-tpu"]
    assert (probe.shielding_mm_al, probe.compute.count, probe.radiator.area_m2) == (7, 2, 3.5)
    assert probe.compute.accelerator == tpu["compute"]["accelerator"]  # kept from the preset
    assert probe.battery.capacity_wh == tpu["battery"]["capacity_wh"]
    assert custom.battery.capacity_wh == 2500
    assert custom.compute.count == SpacecraftSpec().compute.count  # no preset: the defaults
    assert cluster.compute.count == tpu["compute"]["count"]  # the cluster kind's preset

    first = dump_yaml(resolved_dict(sc))
    again = reload(first, tmp_path)
    assert dump_yaml(resolved_dict(again)) == first
    assert designs(again) == designs(sc)
    assert again.scenario_hash() == sc.scenario_hash()
    third = reload(dump_yaml(resolved_dict(again)), tmp_path)
    assert designs(third) == designs(sc)


def test_resolved_dump_shows_every_default():
    """README: the resolved scenario has every default filled in, the preset named."""
    sc = load_scenario_text(PRESET_WITH_OVERRIDES)
    doc = resolved_dict(sc)
    dumped = [c["spacecraft"] for c in doc["constellations"]]
    assert [s.get("preset") for s in dumped] == ["suncatcher-tpu", None, "suncatcher-tpu"]
    for s, c in zip(dumped, sc.constellations, strict=True):
        full = c.spacecraft.resolve(c.kind).model_dump(mode="json")
        full.pop("preset")
        assert {k: v for k, v in s.items() if k != "preset"} == _without_none(full)
        for section in ("bus", "solar_array", "battery", "radiator", "thermal", "mitigation"):
            fields = type(getattr(c.spacecraft, section)).model_fields
            assert set(s[section]) == {k for k in fields if full[section][k] is not None}


def _without_none(d: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _without_none(v) if isinstance(v, dict) else v for k, v in d.items() if v is not None
    }


def test_hash_follows_the_resolved_design(monkeypatch):
    sc = load_scenario_text(PRESET_WITH_OVERRIDES)
    h = sc.scenario_hash()
    # a preset's values enter the hash, not only its name
    tpu = json.loads(json.dumps(presets_mod.SATELLITES["suncatcher-tpu"]))
    tpu["battery"]["capacity_wh"] *= 2
    monkeypatch.setitem(presets_mod.SATELLITES, "suncatcher-tpu", tpu)
    assert sc.scenario_hash() != h
    monkeypatch.undo()
    assert sc.scenario_hash() == h
    # so does the preset a kind gets by default
    monkeypatch.setitem(presets_mod.DEFAULT_PRESET_BY_KIND, "cluster", "starcloud-h100")
    assert sc.scenario_hash() != h
    monkeypatch.undo()
    # and an override
    other = load_scenario_text(PRESET_WITH_OVERRIDES.replace("count: 2}", "count: 3}"))
    assert other.scenario_hash() != h


def test_an_override_equal_to_the_class_default_still_overrides_the_preset(tmp_path):
    """``compute.count: 0`` over a preset with accelerators: not lost in the dump or the hash."""
    assert SpacecraftSpec().compute.count == 0
    assert presets_mod.SATELLITES["suncatcher-tpu"]["compute"]["count"] > 0
    plain = PRESET_WITH_OVERRIDES.replace("count: 2}", "count: 3}")
    zero = PRESET_WITH_OVERRIDES.replace("compute: {count: 2}", "compute: {count: 0}")
    a, b = load_scenario_text(plain), load_scenario_text(zero)
    assert designs(b)[0]["compute"]["count"] == 0
    assert a.scenario_hash() != b.scenario_hash()
    again = reload(dump_yaml(resolved_dict(b)), tmp_path)
    assert designs(again)[0]["compute"]["count"] == 0
    assert designs(again) == designs(b)
    assert again.scenario_hash() == b.scenario_hash()


# The re-run of a results folder's scenario.yaml (identical tables) is tested for every built-in
# and example in tests/results/test_reproducible.py.


def test_disabling_the_models_keeps_the_default_preset(tmp_path):
    """``spacecraft: {enabled: false}`` switches the models off; it is not a design override,
    so the hardware (drag body, mass) stays the constellation's default preset, and the
    switch survives the resolved dump."""
    text = PRESET_WITH_OVERRIDES.replace(
        "    cluster: {altitude_km: 650, count: 3, spacing_m: 200}",
        "    cluster: {altitude_km: 650, count: 3, spacing_m: 200}\n"
        "    spacecraft: {enabled: false}",
    )
    sc = load_scenario_text(text)
    c = sc.constellations[2]
    default = load_scenario_text(PRESET_WITH_OVERRIDES).constellations[2]
    off, on = (
        c.spacecraft.resolve(c.kind).model_dump(),
        default.spacecraft.resolve(c.kind).model_dump(),
    )
    assert off.pop("enabled") is False
    assert on.pop("enabled") is True
    assert off == on
    again = reload(dump_yaml(resolved_dict(sc)), tmp_path)
    assert again.constellations[2].spacecraft.enabled is False
    assert designs(again) == designs(sc)
