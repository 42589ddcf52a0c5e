"""The examples of the affordances a newcomer looked for (issue 17): ``orbit_ops``,
``network.traffic``, ``outputs.links`` and CZML.

Each example is copied alone into an empty folder and run from there (as after ``pip install``:
it may name only ``package:`` data), and what its header comment tells the user to look at is
checked against the results: the figures it quotes (as bounds, not the code's own numbers), the
DuckDB query it prints (run as written) and the ``--set`` variants it suggests (parsed from the
comment and run). The chunk-size and reproducibility tests pick these files up by themselves
(tests/engine/test_chunking.py, tests/results/test_reproducible.py).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

import orbitcloud
from orbitcloud.scenario.overrides import parse_assignment

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _header(name: str) -> str:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line[1:].strip())
    return "\n".join(lines)


def _suggested_sets(name: str) -> dict[str, object]:
    """The ``--set PATH=VALUE`` overrides the header suggests, parsed as the CLI parses them."""
    return dict(parse_assignment(a) for a in re.findall(r"--set\s+(\S+=[^\s`\\]+)", _header(name)))


def _run_alone(name: str, tmp_path: Path, monkeypatch, **overrides) -> orbitcloud.Results:
    folder = tmp_path / "elsewhere"
    folder.mkdir(exist_ok=True)
    shutil.copyfile(EXAMPLES / name, folder / name)
    monkeypatch.chdir(folder)
    out = folder / f"out-{len(list(folder.iterdir()))}"
    return orbitcloud.run(name, out=out, overrides=overrides or None)


@pytest.mark.parametrize("name", ["orbit-ops.yaml", "network-traffic.yaml"])
def test_the_header_says_what_it_shows_and_how_to_run_it(name):
    head = _header(name)
    assert len(head.splitlines()) >= 10, "a header comment: what it shows, what to look at"
    assert f"orbitcloud run {name}" in head
    assert "What to look at" in head
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    files = re.findall(r"_file:\s*(\S+)", text)
    assert all(f.startswith("package:") for f in files), files  # runs from any folder


def test_orbit_ops_example(tmp_path, monkeypatch):
    res = _run_alone("orbit-ops.yaml", tmp_path, monkeypatch, **{"outputs.report": False})
    assert {"orbit_keeping", "conjunctions", "formation"} <= set(res.tables)
    k = res.summary["kpis"]
    for kpi in (
        "stationkeeping_dv_m_s_per_year",
        "lifetime_without_propellant_years_min",
        "formation_min_separation_m",
        "conjunctions_per_day",
        "conjunctions_pc_above_threshold_per_day",
    ):
        assert kpi in k, kpi
    keep = res.table("orbit_keeping").merge(res.table("satellites"), on="sat")
    dv = keep.groupby("source").stationkeeping_dv_m_s_per_year.mean()
    assert dv["shell"] > 10 * dv["suncatcher"], dv  # "more than ten times"
    assert any("re-enter within 5 years" in w for w in res.summary["warnings"])
    conj = res.table("conjunctions")
    assert len(conj) > 0
    assert set(conj.other_kind) == {"background"}  # the shipped catalogue, not each other
    assert conj.pc.max() < 1e-4  # "no approach of these 6 h calls for a manoeuvre"
    assert not conj.action.any()
    assert k["conjunctions_pc_above_threshold_per_day"] == 0
    assert conj.miss_m.min() > 1000  # "the closest miss about 1.3 km"
    assert 195 < k["formation_min_separation_m"] <= 200  # 200 m spacing, "close_approach_m" 100

    sets = _suggested_sets("orbit-ops.yaml")
    assert sets == {
        "orbit_ops.conjunctions.pc_threshold": 1e-5,
        "orbit_ops.conjunctions.avoidance_target_miss_m": 2000,
    }
    res2 = _run_alone("orbit-ops.yaml", tmp_path, monkeypatch, **sets, **{"outputs.report": False})
    conj2 = res2.table("conjunctions")
    assert len(conj2) == len(conj)  # the same approaches; only the decision changed
    assert conj2.action.any()
    assert (conj2.avoidance_dv_m_s[conj2.action] > 0).any()  # "a small avoidance_dv_m_s"
    assert k["avoidance_dv_m_s_per_sat_per_year"] == 0
    assert res2.summary["kpis"]["avoidance_dv_m_s_per_sat_per_year"] > 0


def test_network_traffic_example(tmp_path, monkeypatch):
    res = _run_alone("network-traffic.yaml", tmp_path, monkeypatch)
    assert {"links", "flows", "routes", "positions"} <= set(res.tables)
    assert (res.path / "report.html").is_file()
    k = res.summary["kpis"]
    assert k["network_route_pairs"] == 28  # every unordered pair of 8 cities
    assert 0.3 < k["network_throughput_fraction"] < 0.6  # "about 0.45"
    assert k["network_isl_utilisation_mean"] < 0.05  # "almost idle"

    # the header's DuckDB query, run as written
    head = _header("network-traffic.yaml")
    sql = " ".join(re.search(r"(select kind.*?group by kind)", head, re.S).group(1).split())
    rows = {r[0]: r[1:] for r in res.duckdb().sql(sql).fetchall()}
    assert set(rows) == {"isl", "gsl"}
    assert rows["gsl"][1] == pytest.approx(20.0)  # Ka band default, 20 Gbit/s per ground link
    assert rows["isl"][1] == pytest.approx(100.0)  # starlink-class terminal
    assert rows["gsl"][0] > 10 * rows["isl"][0]  # the ground links are the bottleneck
    links = res.table("links")
    gsl = links[(links.kind == "gsl") & links.utilisation.notna()]
    assert (gsl.utilisation > 0.999).mean() > 0.5  # "most gsl rows ... at utilisation 1"
    n_sat = len(res.table("satellites"))
    bottlenecks = res.summary["network"]["bottleneck_links"]
    assert bottlenecks
    assert all(max(b["a"], b["b"]) >= n_sat for b in bottlenecks)  # a ground node each

    flows = res.table("flows")
    assert (flows.allocated_bps <= flows.demand_bps * (1 + 1e-9)).all()
    assert (flows.allocated_bps <= flows.maxflow_bound_bps * (1 + 1e-9)).all()

    czml = json.loads((res.path / "report.czml").read_text(encoding="utf-8"))
    assert czml[0]["id"] == "document"
    sats = [p for p in czml if str(p.get("id", "")).startswith("sat/")]
    assert len(sats) == n_sat

    sets = _suggested_sets("network-traffic.yaml")
    assert sets == {"ground.link.rate_gbps": 100}
    quiet = {"outputs.report": False, "outputs.czml": False, "outputs.links": False}
    res2 = _run_alone("network-traffic.yaml", tmp_path, monkeypatch, **sets, **quiet)
    k2 = res2.summary["kpis"]
    assert k2["network_throughput_fraction"] == pytest.approx(1.0)  # "the whole demand"
    assert k2["network_isl_utilisation_mean"] < 0.05  # "about 3 %"
