"""The report in a real browser: Debian's headless Chromium driven by Playwright, network off.

Skipped (with the reason) when /usr/bin/chromium is missing, unless CI is set: then it fails,
because CI must install Debian's ``chromium`` package. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

import orbitcloud
from orbitcloud.report import write_report

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
OPEN_LIMIT_S = 10.0
SIZE_LIMIT_BYTES = 30_000_000


def _need_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI is set but {CHROMIUM} is missing: install Debian's chromium package")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium); set CI=true to fail instead")


class Opened:
    def __init__(self, page: Any, errors: list[str], requests: list[str], dialogs: list[str],
                 seconds: float) -> None:  # fmt: skip
        self.page, self.errors, self.requests = page, errors, requests
        self.dialogs, self.seconds = dialogs, seconds


def open_report(browser: Any, html: Path, timeout_s: float = 60.0) -> Opened:
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.route("http*://**", lambda r: (requests.append(r.request.url), r.abort()))
    t0 = time.perf_counter()
    page.goto(html.resolve().as_uri())
    # the page marks itself ready once the globe and every plot are drawn
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=timeout_s * 1000)
    return Opened(page, errors, requests, dialogs, time.perf_counter() - t0)


def expected_sections(folder: Path) -> list[str]:
    """Which sections the tables of a folder call for (independent of the report code)."""

    def cols(t: str) -> set[str]:
        p = folder / f"{t}.parquet"
        return set(pq.read_schema(p).names) if p.is_file() else set()

    want = ["sec-scenario"]
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text("utf-8")) or {}
    events = scenario.get("events") or []
    if any(e.get("kind") == "terrestrial_outage" for e in events) and {
        "time", "system", "region", "requests", "admitted"} <= cols("requests"):  # fmt: skip
        want.append("sec-outage")
    if {"name", "kind", "lat_deg", "lon_deg"} <= cols("ground"):
        kinds = set(pq.read_table(folder / "ground.parquet", columns=["kind"])["kind"].to_pylist())
        centres = ((scenario.get("workloads") or {}).get("terrestrial") or {}).get("data_centres")
        if "user" in kinds and ("gateway" in kinds or centres):
            want.append("sec-map")
    if {"mode", "captured_gb"} <= cols("eo"):
        want.append("sec-eo")
    if {"time", "job"} <= cols("jobs") and cols("jobs") & {"committed_eflop", "rate_pflop_s"}:
        want.append("sec-training")
    if {"time", "sat", "x_m", "y_m", "z_m"} <= cols("positions"):
        want.append("sec-globe")
    if {"lat_deg", "lon_deg"} <= cols("positions") or cols("ground"):
        want.append("sec-tracks")
    if cols("routes") or cols("links"):
        want.append("sec-network")
    if cols("sat_state") & {"power_w", "battery_soc", "temp_k", "dose_rad"}:
        want.append("sec-spacecraft")
    compute = sorted(cols("sat_state") & {"compute_w", "capacity"})
    if compute:  # only when some satellite carries compute (a Starlink bus does not)
        t = pq.read_table(folder / "sat_state.parquet", columns=compute)
        if any((pc.max(t[c]).as_py() or 0) > 0 for c in compute):
            want.append("sec-compute")
    if cols("region_metrics") or cols("requests") or cols("jobs"):
        want.append("sec-workloads")
    if cols("economics"):
        want.append("sec-economics")
    return want


def check_page(o: Opened, folder: Path) -> None:
    assert o.errors == [], o.errors
    assert o.requests == [], o.requests
    state = o.page.evaluate("window.ocReport")
    assert state["ready"]
    assert state["errors"] == []
    ids = o.page.eval_on_selector_all("section.section", "els => els.map(e => e.id)")
    assert ids == expected_sections(folder)
    for sid in ids:
        assert o.page.locator(f"#{sid}").is_visible()
    n_plots = o.page.locator(".plot").count()
    assert state["plots"] == n_plots
    assert o.page.locator(".plot .main-svg").count() >= n_plots  # every plot drew
    if "sec-globe" in ids:
        t0 = o.page.inner_text(".globe-time")
        o.page.locator(".globe-slider").fill("5")
        assert o.page.inner_text(".globe-time") != t0
        o.page.click(".globe-play")
        o.page.wait_for_timeout(400)
        o.page.click(".globe-play")
    if "sec-tracks" in ids:  # the offline map has land drawn (world_110m inlined)
        d = o.page.get_attribute("#sec-tracks .layer.land path", "d") or ""
        assert len(d) > 1000, "the map has no land: world_110m was not found offline"
    assert o.errors == [], o.errors


def test_default_report_in_browser(browser: Any, default_run: Path, artifacts: Path) -> None:
    o = open_report(browser, default_run / "report.html")
    check_page(o, default_run)
    o.page.locator(".globe-slider").fill("0")
    o.page.screenshot(path=str(artifacts / "report-default.png"), full_page=True)
    o.page.close()


def test_every_section_in_browser(browser: Any, full_folder: Path, artifacts: Path) -> None:
    write_report(full_folder)
    o = open_report(browser, full_folder / "report.html")
    check_page(o, full_folder)
    assert len(expected_sections(full_folder)) == 9  # the 8 model sections and the map
    o.page.screenshot(path=str(artifacts / "report-all-sections.png"), full_page=True)
    o.page.close()


def test_hostile_names_do_not_run(browser: Any, xss_folder: Path, artifacts: Path) -> None:
    write_report(xss_folder)
    o = open_report(browser, xss_folder / "report.html")
    o.page.hover(".globe-canvas")  # the globe's hover text uses the names too
    o.page.wait_for_timeout(200)
    assert o.dialogs == []
    assert o.errors == []
    assert o.requests == []
    assert "</script><script>alert(1)</script>" in o.page.inner_text("h1")
    # plotly.js, the report code, the map's inlined world and the JSON data: nothing else
    assert o.page.evaluate("document.querySelectorAll('script').length") == 4
    assert o.page.evaluate("document.querySelectorAll('img').length") == 0
    o.page.screenshot(path=str(artifacts / "report-hostile-names.png"), full_page=False)
    o.page.close()


@pytest.fixture(scope="module")
def catalogue_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """starlink-catalogue (4,428 satellites, 24 h at 60 s); a Walker shell of the same size
    stands in where the TLE reader is not available."""
    out = tmp_path_factory.mktemp("catalogue") / "run"
    try:
        return orbitcloud.run("starlink-catalogue", out=out).path
    except (ImportError, orbitcloud.OrbitcloudInputError):
        shell = {
            "name": "catalogue-size-walker",
            "time": {"start": "2023-07-18T00:00:00Z", "duration_h": 24, "step_s": 60},
            "constellations": [{"name": "shell", "walker": {
                "planes": 72, "sats_per_plane": 62, "altitude_km": 550,
                "inclination_deg": 53, "phase_factor": 1}}],
        }  # fmt: skip
        return orbitcloud.run(shell, out=out).path


@pytest.mark.slow
def test_catalogue_report_size_and_open_time(
    browser: Any, catalogue_run: Path, artifacts: Path
) -> None:
    html = catalogue_run / "report.html"
    t0 = time.perf_counter()
    write_report(catalogue_run)
    write_s = time.perf_counter() - t0
    size = html.stat().st_size
    assert size < SIZE_LIMIT_BYTES, f"{size / 1e6:.1f} MB"
    o = open_report(browser, html)
    check_page(o, catalogue_run)
    assert o.seconds < OPEN_LIMIT_S, f"opened in {o.seconds:.1f} s"
    note = o.page.inner_text("#sec-globe")
    assert "of 4,4" in note
    assert "time steps" in note
    o.page.screenshot(path=str(artifacts / "report-catalogue.png"), full_page=False)
    print(f"catalogue report: {size / 1e6:.1f} MB, written in {write_s:.1f} s, "
          f"opened in {o.seconds:.1f} s")  # fmt: skip
    o.page.close()
