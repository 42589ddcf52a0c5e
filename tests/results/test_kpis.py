"""The KPI registry holds every KPI a built-in scenario or example writes, with a unit that the
name's suffix agrees with, and docs/kpis.md is rendered from it."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest

import orbitcloud
from orbitcloud.results.compare import _UNITS, unit_of
from orbitcloud.results.kpis import GROUPS, KPIS, describe, lookup, reason_for, render_markdown
from orbitcloud.scenario.loader import builtin_names

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.yaml") if not p.name.startswith("sweep-"))
# examples whose time section gives duration_s (the 1 h override would give both)
_SHORT = {"time.duration_h": 1}


def _run(src: Any, out: Path) -> dict[str, Any]:
    import yaml

    ov: dict[str, Any] = dict(_SHORT)
    if src == "starlink-gen2":  # 41,956 satellites: ten minutes write every KPI it has
        ov = {"time.duration_h": 1 / 6}
    if isinstance(src, Path) and "duration_s" in str(yaml.safe_load(src.read_text()).get("time")):
        ov = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dict(orbitcloud.run(src, out=out, overrides=ov).summary)


@pytest.fixture(scope="module")
def summaries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    base = tmp_path_factory.mktemp("kpis")
    srcs: list[Any] = [*builtin_names(), *EXAMPLES]
    return {str(s): _run(s, base / f"r{i}") for i, s in enumerate(srcs)}


def test_every_kpi_a_builtin_or_example_writes_is_registered(
    summaries: dict[str, dict[str, Any]],
) -> None:
    assert len(summaries) >= len(builtin_names()) + 5
    missing = sorted(
        {(k, src) for src, s in summaries.items() for k in s["kpis"] if lookup(k) is None}
    )
    assert not missing, f"KPIs missing from orbitcloud.results.kpis: {missing}"
    # every registry entry is written by some built-in or example (no dead entries)
    used = {lookup(k).name for s in summaries.values() for k in s["kpis"]}  # type: ignore[union-attr]
    assert {k.name for k in KPIS} - used == set()


def test_describe_gives_every_kpi_a_unit_group_and_reason(
    summaries: dict[str, dict[str, Any]],
) -> None:
    for s in summaries.values():
        rows = describe(s)
        assert [r["name"] for r in rows] == sorted(
            s["kpis"],
            key=lambda n: GROUPS.index(lookup(n).group),  # type: ignore[union-attr]
        )
        for r in rows:
            assert r["group"] in GROUPS
            assert r["description"]
    eco = next(s for k, s in summaries.items() if k.endswith("economics.yaml"))
    why = reason_for("economics_breakeven_launch_usd_per_kg", eco)
    assert eco["kpis"]["economics_breakeven_launch_usd_per_kg"] is not None or "break-even" in str(
        why
    )


def _atoms(unit: str) -> set[str]:
    return {a for a in unit.split("/") if a not in ("", "1")}


_STAT = {"mean", "min", "max", "median", "p50", "p95", "p99", "peak", "before", "during", "after"}


@pytest.mark.parametrize("kpi", KPIS, ids=lambda k: k.name)
def test_units_agree_with_the_name_suffix(kpi: Any) -> None:
    name = re.sub(r"<[a-z]+>", "x", kpi.name)
    tokens = name.split("_")
    named = set().union(*(_atoms(_UNITS[t]) for t in tokens if t in _UNITS and t != "tokens"))
    two = {"_".join(tokens[i : i + 2]) for i in range(len(tokens) - 1)}
    named |= set().union(*(_atoms(_UNITS[t]) for t in two if t in _UNITS))
    if kpi.unit in ("1", ""):
        # dimensionless: the last non-statistic token names no dimensional unit
        last = [t for t in tokens if t not in _STAT][-1]
        assert _UNITS.get(last, "1") == "1", f"{kpi.name} is {kpi.unit!r} but ends in {last}"
    else:
        # every unit part (USD/Mtok -> USD, Mtok) is named by a token of the name
        assert _atoms(kpi.unit) <= named, f"{kpi.name}: {kpi.unit} vs tokens {sorted(named)}"
        assert _atoms(kpi.unit), kpi.name
    assert kpi.group in GROUPS


def test_unit_of_reads_the_registry() -> None:
    assert unit_of("propellant_kg_per_year_per_sat") == "kg/yr"
    assert unit_of("training_gpt-7b_goodput") == "1"
    assert unit_of("inference_orbital_p95_ms") == "ms"
    assert unit_of("economics_orbital_usd_per_mtok_design") == "USD/Mtok"
    assert lookup("economics_orbital_usd_per_mtok").description.startswith("cost per million")  # type: ignore[union-attr]
    assert lookup("no_such_kpi") is None


def test_docs_kpis_md_is_rendered_from_the_registry() -> None:
    committed = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), (
        'docs/kpis.md differs from the registry; regenerate it with\n  python -c "from '
        "orbitcloud.results.kpis import render_markdown; open('docs/kpis.md', 'w')"
        '.write(render_markdown())"'
    )
    for k in KPIS:
        assert f"`{k.name}`" in committed
