"""The report says something true, checked in Chromium (network off) on the built-in scenarios
run at reduced duration: the answer panel is in the first screen (1400x900), every plotted
fraction lies in [0, 1], every value axis names its unit, and no page scrolls sideways at
1,400 px (run reports, the sweep report, the run comparison).

The fast subset runs by default; every other built-in is marked slow. Screenshots go to
tests/artifacts/meaning-<name>.png.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import orbitcloud
from orbitcloud.scenario.loader import builtin_names

pytestmark = pytest.mark.browser


WIDTH, HEIGHT = 1400, 900
FAST = ("default", "eo-edge", "orbital-training", "remote-inference")
REDUCED: dict[str, dict[str, Any]] = {
    # an hour is enough to draw every section; disaster-resilience starts half an hour before
    # its outage so the outage window is in the run
    "disaster-resilience": {"time.start": "2025-09-10T05:30:00Z", "time.duration_h": 1.5},
    "starlink-catalogue": {"time.duration_h": 0.5},
}
UNIT = re.compile(r"\[[^\]]+\]")
FRACTION = re.compile(r"fraction|share|utilisation|probability|≤", re.IGNORECASE)


def _open(browser: Any, html: Path) -> Any:
    page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.route("http*://**", lambda route: route.abort())
    page.goto(html.as_uri())
    page.wait_for_function("() => document.readyState === 'complete'")
    page.wait_for_timeout(300)
    page.errors = errors
    return page


# every plotly figure on the page: its axes (type, title) and its traces' values per axis
_FIGURES_JS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => {
  const L = gd._fullLayout || {};
  const axes = {};
  for (const k of Object.keys(L)) {
    if (/^[xy]axis\\d*$/.test(k)) {
      const a = L[k];
      axes[k] = {type: a.type, title: (a.title && a.title.text) || '', visible: a.visible};
    }
  }
  const traces = (gd._fullData || []).map(t => ({
    type: t.type, name: t.name || '', xaxis: t.xaxis, yaxis: t.yaxis,
    orientation: t.orientation || 'v', hoverskip: t.hoverinfo === 'skip',
    y: Array.from(t.y || []).filter(v => typeof v === 'number' && isFinite(v)),
    x: Array.from(t.x || []).filter(v => typeof v === 'number' && isFinite(v)),
    base: typeof t.base === 'number' ? t.base : 0,
  }));
  const title = (L.title && L.title.text) || '';
  return {id: gd.id, title, axes, traces};
})"""


def check_figures(figs: list[dict[str, Any]]) -> int:
    """Every value axis titled with a unit; every fraction axis holds values in [0, 1].
    Returns the number of value axes checked."""
    checked = 0
    for f in figs:
        used: set[str] = set()
        for t in f["traces"]:
            if t["type"].endswith("geo"):
                continue
            used.add("xaxis" + t["xaxis"][1:] if t.get("xaxis") else "xaxis")
            used.add("yaxis" + t["yaxis"][1:] if t.get("yaxis") else "yaxis")
        for name in sorted(used):
            a = f["axes"].get(name)
            if a is None or a["type"] in ("date", "category", "multicategory"):
                continue
            checked += 1
            assert UNIT.search(a["title"]), f"{f['title']!r}: {name} title {a['title']!r}"
            if FRACTION.search(a["title"]):
                for t in f["traces"]:
                    if t["hoverskip"]:
                        continue  # a shaded band's polygon repeats the line's own values
                    on_axis = (t.get("yaxis") or "y")[1:] == name[5:] if name[0] == "y" else (
                        t.get("xaxis") or "x")[1:] == name[5:]  # fmt: skip
                    vals = t["y"] if name[0] == "y" else t["x"]
                    if on_axis and vals:
                        lo, hi = min(vals) + t["base"], max(vals) + t["base"]
                        assert lo >= -1e-9, (f["title"], t["name"], lo)
                        assert hi <= 1 + 1e-9, (f["title"], t["name"], hi)
    return checked


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {}


def _run(name: str, runs: dict[str, Path], root: Path) -> Path:
    if name not in runs:
        over = REDUCED.get(name, {"time.duration_h": 1})
        runs[name] = orbitcloud.run(name, out=root / name, overrides=over).path
    return runs[name]


def _params() -> list[Any]:
    return [pytest.param(n, marks=() if n in FAST else pytest.mark.slow) for n in builtin_names()]


@pytest.mark.parametrize("name", _params())
def test_builtin_report_answers_first_and_plots_honestly(
    name: str, browser: Any, runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
    artifacts: Path,
) -> None:  # fmt: skip
    folder = _run(name, runs, tmp_path_factory.mktemp("meaning"))
    page = _open(browser, folder / "report.html")
    try:
        assert page.errors == []
        # the answer: first on the page, its question and verdict inside the first screen
        first = page.eval_on_selector("main", "m => m.firstElementChild.id")
        assert first == "sec-answer"
        box = page.locator("#sec-answer").bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= HEIGHT, box
        text = page.locator("#sec-answer").inner_text()
        assert "question" in text.lower()
        assert page.locator("#sec-answer ul.numbers li").count() >= 3
        assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDTH
        # plotly draws figures lazily as they scroll into view on some pages: scroll through
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(300)
        figs = page.evaluate(_FIGURES_JS)
        assert len(figs) == page.locator(".plot").count()
        check_figures(figs)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(artifacts / f"meaning-{name}.png"))
    finally:
        page.close()


def test_fraction_and_unit_checks_can_fail() -> None:
    axis = {"yaxis": {"type": "linear", "title": "served fraction [1]", "visible": True}}
    bad = {"type": "scatter", "name": "s", "yaxis": "y", "xaxis": "x", "hoverskip": False,
           "y": [0.5, 4.0], "x": [], "base": 0}  # fmt: skip
    with pytest.raises(AssertionError):
        check_figures([{"title": "t", "axes": axis, "traces": [bad]}])
    no_unit = {"yaxis": {"type": "linear", "title": "latency", "visible": True}}
    with pytest.raises(AssertionError):
        check_figures([{"title": "t", "axes": no_unit, "traces": [{**bad, "y": [3.0]}]}])
    assert check_figures([{"title": "t", "axes": axis, "traces": [{**bad, "y": [0.0, 1.0]}]}])


def test_sweep_and_compare_pages_fit_1400_px(
    browser: Any, runs: dict[str, Path], tmp_path: Path
) -> None:
    from orbitcloud.report.compare import render_comparison
    from orbitcloud.results.compare import compare_runs
    from orbitcloud.sweep.report_html import render_sweep_report
    from orbitcloud.sweep.spec import plan_sweep
    from orbitcloud.sweep.table import PointRecord, sweep_table

    alt = "constellations.0.walker.altitude_km"
    plan = plan_sweep({"base": "default", "parameters": {alt: [500, 600, 700, 800]}})
    kpis = [f"network_rtt_{k}_and_a_long_kpi_name_ms" for k in range(30)]
    recs = {
        p.hash: PointRecord(p.hash, "ok", {k: 10.0 * i + j for j, k in enumerate(kpis)})
        for i, p in enumerate(plan.points)
    }
    pages = {"sweep": render_sweep_report(plan, sweep_table(plan, recs, "points").to_pandas())}
    a = _run("default", runs, tmp_path / "a")
    b = _run("eo-edge", runs, tmp_path / "b")
    pages["compare"] = render_comparison(compare_runs([a, b]))
    for name, html in pages.items():
        p = tmp_path / f"{name}.html"
        p.write_text(html, "utf-8")
        page = _open(browser, p)
        try:
            assert page.errors == [], (name, page.errors)
            csp = page.eval_on_selector_all(
                "meta[http-equiv='Content-Security-Policy']", "ms => ms.map(m => m.content)"
            )
            assert len(csp) == 1, (name, csp)
            script_src = next(d for d in csp[0].split(";") if d.strip().startswith("script-src"))
            assert "'unsafe-inline'" not in script_src
            assert "'sha256-" in script_src
            width = page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= WIDTH, (name, width)
            if name == "sweep":
                assert page.locator(".js-plotly-plot").count() >= 1
        finally:
            page.close()
