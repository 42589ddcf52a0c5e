"""``orbitcloud compare`` on two points of a sweep: KPIs, differences, units, the HTML page."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html import unescape
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitcloud.cli.main import EXIT_INPUT, app
from orbitcloud.results.compare import compare_runs, kpi_rows, resolve_run, unit_of
from orbitcloud.results.schema import TABLES
from orbitcloud.scenario.errors import OrbitcloudInputError

ALT = "constellations.0.walker.altitude_km"
BASE = {
    "name": "cmp",
    "seed": 1,
    "time": {"start": "2025-06-21T00:00:00Z", "duration_h": 2, "step_s": 120},
    "constellations": [
        {
            "name": "shell",
            "walker": {"planes": 4, "sats_per_plane": 5, "altitude_km": 550,
                       "inclination_deg": 53, "phase_factor": 1},
            "spacecraft": {"enabled": False},
        }
    ],
    "outputs": {"report": False},
}  # fmt: skip

runner = CliRunner()


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> Path:
    """A finished sweep of two points (550 and 800 km), run on an in-process Dask cluster."""
    from distributed import Client

    from orbitcloud.sweep.runner import run_sweep
    from orbitcloud.sweep.spec import plan_sweep

    out = tmp_path_factory.mktemp("cmp") / "sweep"
    plan = plan_sweep({"base": BASE, "parameters": {ALT: [550, 800]}}, "cmp.yaml")
    with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as c:
        res = run_sweep(plan, out, client=c, write_report=False)
    assert res.failed == []
    return out


def _summary(sweep: Path, k: int) -> dict:
    manifest = json.loads((sweep / "sweep.json").read_text())
    h = next(p["hash"] for p in manifest["points"] if p["point"] == k)
    return json.loads((sweep / "points" / h / "summary.json").read_text())


def test_compare_two_sweep_points_in_the_terminal(sweep):
    r = runner.invoke(app, ["compare", f"{sweep}:0", f"{sweep}:1"])
    assert r.exit_code == 0, r.output
    assert "point 0 (altitude_km=550)" in r.output
    assert "point 1 (altitude_km=800)" in r.output
    a, b = _summary(sweep, 0)["kpis"], _summary(sweep, 1)["kpis"]
    line = next(ln for ln in r.output.splitlines() if "altitude_min_km" in ln)
    cells = [c.strip() for c in line.strip("│ ").split("│")]
    assert cells[1] == "km"
    want = b["altitude_min_km"] - a["altitude_min_km"]  # ~250 km from the summaries themselves
    assert float(cells[4]) == pytest.approx(want, rel=1e-5)
    assert float(cells[5]) == pytest.approx(100 * want / a["altitude_min_km"], rel=1e-2)


def test_compare_html_page_is_offline_and_self_consistent(sweep, tmp_path):
    page = tmp_path / "cmp.html"
    r = runner.invoke(app, ["compare", f"{sweep}:0", f"{sweep}:1", "--html", str(page)])
    assert r.exit_code == 0, r.output
    html = page.read_text()
    cmp = compare_runs([f"{sweep}:0", f"{sweep}:1"])
    assert [s.spec.column for s in cmp.series] == ["sunlit"]  # what both points have
    assert len(re.findall(r'<div id="series-\d+"', html)) == len(cmp.series)
    assert "point 1 (altitude_km=800)" in html
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    assert not re.search(r"""(src|href)=["']?https?:""", markup)  # nothing fetched
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    csp = unescape(csp)
    assert "connect-src 'none'" in csp
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 1 + len(cmp.series)
    for s in scripts:  # every inline script is allowed by its hash, so the plots run
        digest = base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    # the sunlit series is the per-step mean of positions.sunlit: check one step by hand
    from orbitcloud.results.reader import Results

    res = Results(resolve_run(f"{sweep}:1").path)
    pos = res.table("positions", ["time", "sat", "sunlit"])
    first = pos[pos.time == pos.time.min()].sunlit.mean()
    assert cmp.series[0].values[1][0] == pytest.approx(first, rel=1e-6)


def test_compare_refusals(sweep, tmp_path):
    r = runner.invoke(app, ["compare", str(sweep), f"{sweep}:1"])
    assert r.exit_code == EXIT_INPUT
    assert "is a sweep folder" in r.output
    assert f"{sweep}:0" in r.output
    r = runner.invoke(app, ["compare", f"{sweep}:7", f"{sweep}:1"])
    assert r.exit_code == EXIT_INPUT
    assert "no point 7" in r.output
    r = runner.invoke(app, ["compare", f"{sweep}:0"])
    assert r.exit_code == EXIT_INPUT
    r = runner.invoke(app, ["compare", f"{sweep}:0", str(tmp_path / "missing")])
    assert r.exit_code == EXIT_INPUT
    assert "no such results folder" in r.output
    assert "Traceback" not in r.output
    with pytest.raises(OrbitcloudInputError):
        compare_runs([f"{sweep}:0"])


def test_units_from_names_agree_with_the_table_schema():
    """Where a column's name carries a unit suffix, unit_of gives the declared unit."""
    checked = 0
    for spec in TABLES.values():
        for col in spec.columns:
            got = unit_of(col.name)
            if got:
                assert got == col.unit, (spec.name, col.name)
                checked += 1
    assert checked >= 80
    assert unit_of("dose_rad_per_year") == "rad(Si)/yr"
    assert unit_of("cost_per_mtok_usd") == "USD/Mtok"
    assert unit_of("network_rtt_mean_ms") == "ms"
    assert unit_of("satellites_something_odd") == ""


def test_kpi_differences():
    rows = {r.name: r for r in kpi_rows([{"a_km": 2.0, "n": 0, "s": "x"}, {"a_km": 3.0, "n": 0}])}
    assert rows["a_km"].diffs == [None, 1.0]
    assert rows["a_km"].rel_diffs == [None, 0.5]
    assert rows["n"].rel_diffs == [None, None]  # relative to zero: none
    assert rows["s"].values == ["x", None]
    assert rows["s"].differs
    assert not rows["n"].differs


def _fake_run(folder: Path, rows: list[tuple], kpis: dict) -> Path:
    """A results folder holding only region_metrics and summary.json."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True)
    schema = TABLES["region_metrics"].arrow_schema
    schema = schema() if callable(schema) else schema
    cols = list(zip(*rows, strict=True))
    pq.write_table(pa.table(list(cols), schema=schema), folder / "region_metrics.parquet")
    (folder / "summary.json").write_text(json.dumps({"scenario": folder.name, "kpis": kpis}))
    return folder


def test_region_metrics_side_by_side(tmp_path):
    def row(region, system, served, p95, period="all", cls="all"):
        return (region, system, period, cls, 100, 90, 10, served, 50.0, p95, 99.0, 0.1, 0)

    a = _fake_run(
        tmp_path / "a",
        [
            row("all", "orbital", 0.9, 120.0),
            row("Africa", "orbital", 0.8, 150.0),
            row("Africa", "orbital", 0.1, 1.0, period="during"),
        ],
        {"x": 1},
    )
    b = _fake_run(tmp_path / "b", [row("all", "orbital", 0.95, 110.0), row("Oceania", "orbital",
                  1.0, 90.0)], {"x": 2})  # fmt: skip
    cmp = compare_runs([a, b], series=False)
    got = [(g.region, g.system, g.values["served_fraction"], g.values["p95_ms"])
           for g in cmp.regions]  # fmt: skip
    assert got == [
        ("all", "orbital", [0.9, 0.95], [120.0, 110.0]),  # "all" first, then by name
        ("Africa", "orbital", [0.8, None], [150.0, None]),  # period "during" left out
        ("Oceania", "orbital", [None, 1.0], [None, 90.0]),
    ]
    r = runner.invoke(app, ["compare", str(a), str(b)])
    assert r.exit_code == 0, r.output
    assert "service per region" in r.output


def test_export_a_sweep_point(sweep):
    r = runner.invoke(app, ["export", f"{sweep}:1", "-t", "satellites"])
    assert r.exit_code == 0, r.output
    out = sweep.with_name(f"{sweep.name}-point1-csv")
    assert (out / "satellites.csv").read_text().count("\n") == 1 + 20  # header + 4 x 5
