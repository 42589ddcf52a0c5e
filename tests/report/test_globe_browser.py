"""The globe in headless Chromium (network off): day and night where the Sun is, the zoom to a
1 km cluster, routes drawn, scientific notation in the legend."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_browser import open_report
from test_globe import _usno_subsolar_deg

import orbitcloud
from orbitcloud.report import write_report
from orbitcloud.report.globe import PALETTE

pytestmark = pytest.mark.browser

EQUINOX_NOON = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def _run(spec: dict[str, Any], out: Path) -> Path:
    return orbitcloud.run(spec, out=out).path


@pytest.fixture(scope="module")
def equinox_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = {
        "name": "equinox-noon",
        "time": {"start": "2025-03-20T12:00:00Z", "duration_s": 120, "step_s": 60},
        "constellations": [{"name": "s", "walker": {
            "planes": 2, "sats_per_plane": 2, "altitude_km": 550, "inclination_deg": 53}}],
        "outputs": {"positions": True},
    }  # fmt: skip
    return _run(spec, tmp_path_factory.mktemp("equinox") / "run")


@pytest.fixture(scope="module")
def cluster_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = {
        "name": "small-cluster",
        "time": {"start": "2025-06-21T00:00:00Z", "duration_s": 600, "step_s": 60},
        "constellations": [{"name": "cluster", "cluster": {
            "altitude_km": 650, "ltan_h": 6.0, "count": 19, "spacing_m": 200}}],
        "outputs": {"positions": True},
    }  # fmt: skip
    return _run(spec, tmp_path_factory.mktemp("cluster") / "run")


def _hex(c: str) -> np.ndarray:
    return np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _patch_rgb(page: Any, lat: float, lon: float) -> np.ndarray:
    """Median colour of the 9x9 device pixels where the globe draws (lat, lon)."""
    px = page.evaluate(
        """([lat, lon]) => {
          const [x, y, front] = window.ocReport.globe.project(lat, lon);
          const c = document.querySelector('.globe-canvas');
          const d = c.getContext('2d').getImageData(Math.round(x) - 4, Math.round(y) - 4, 9, 9).data;
          return {front, rgba: Array.from(d)};
        }""",
        [lat, lon],
    )
    assert px["front"]
    return np.median(np.asarray(px["rgba"], dtype=float).reshape(-1, 4)[:, :3], axis=0)


def test_lit_hemisphere_is_under_the_sun(browser: Any, equinox_run: Path, artifacts: Path) -> None:
    # where the Sun is overhead, from the USNO formulas (not the code's Meeus theory)
    lat, lon = _usno_subsolar_deg(EQUINOX_NOON)
    assert abs(lat) < 0.5
    assert abs(lon - 1.8) < 0.5
    o = open_report(browser, equinox_run / "report.html")
    day, night = _hex(PALETTE["day"]), _hex(PALETTE["night"])
    o.page.evaluate(f"window.ocReport.globe.look({lat}, {lon})")
    under_sun = _patch_rgb(o.page, lat, lon)
    assert np.linalg.norm(under_sun - day) < 12, under_sun
    o.page.locator("#sec-globe").screenshot(path=str(artifacts / "globe-equinox-day.png"))
    anti_lat, anti_lon = -lat, (lon + 360) % 360 - 180
    o.page.evaluate(f"window.ocReport.globe.look({anti_lat}, {anti_lon})")
    midnight = _patch_rgb(o.page, anti_lat, anti_lon)
    assert np.linalg.norm(midnight - night) < 12, midnight
    # dawn (90 deg west of the sub-solar point) is on the terminator: between the two
    o.page.evaluate(f"window.ocReport.globe.look(0, {lon - 90})")
    dusk_west = _patch_rgb(o.page, 0.0, lon - 60)  # 60 deg from the Sun: lit
    dark_west = _patch_rgb(o.page, 0.0, lon - 120)  # 120 deg: night
    assert np.linalg.norm(dusk_west - day) < np.linalg.norm(dusk_west - night)
    assert np.linalg.norm(dark_west - night) < np.linalg.norm(dark_west - day)
    assert o.errors == []
    assert o.requests == []
    o.page.close()


def test_cluster_opens_zoomed_and_spread(browser: Any, cluster_run: Path, artifacts: Path) -> None:
    o = open_report(browser, cluster_run / "report.html")
    assert o.page.eval_on_selector(".globe-view", "e => e.value") == "0"
    pts = np.asarray(o.page.evaluate("window.ocReport.globe.points()"))
    assert len(pts) == 19
    spread = np.ptp(pts, axis=0).max()
    assert spread > 150, f"the cluster spans {spread:.0f} px"
    # neighbours 200 m apart stay apart: no two satellites drawn on the same spot
    d = np.linalg.norm(pts[:, None] - pts[None], axis=-1) + np.eye(len(pts)) * 1e9
    assert d.min() > 10
    note = o.page.inner_text("#sec-globe")
    assert "opens zoomed" in note
    o.page.locator("#sec-globe").screenshot(path=str(artifacts / "globe-cluster.png"))
    o.page.select_option(".globe-view", "-2")  # the whole Earth: the cluster is one dot
    pts = np.asarray(o.page.evaluate("window.ocReport.globe.points()"))
    assert np.ptp(pts, axis=0).max() < 5
    o.page.select_option(".globe-view", "0")  # and back, following it as time goes on
    o.page.locator(".globe-slider").fill("8")
    pts = np.asarray(o.page.evaluate("window.ocReport.globe.points()"))
    assert np.ptp(pts, axis=0).max() > 150
    assert o.errors == []
    assert o.requests == []
    o.page.close()


def test_routes_drawn_and_density_legend(browser: Any, full_folder: Path, artifacts: Path) -> None:
    write_report(full_folder)
    o = open_report(browser, full_folder / "report.html")
    legend = o.page.locator(".globe-route-legend").inner_text()
    assert legend.count("\u2192") == 3  # three pairs in the synthetic routes table
    assert "ms round trip" in legend

    def canvas_sum() -> float:
        return float(
            o.page.evaluate(
                """() => { const c = document.querySelector('.globe-canvas');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i] * 3 + d[i + 1] * 5 + d[i + 2]; return s; }"""
            )
        )

    with_routes = canvas_sum()
    o.page.locator(".globe-routes").uncheck()
    assert canvas_sum() != with_routes  # the routes are on the canvas
    o.page.locator(".globe-routes").check()
    labels = o.page.eval_on_selector_all(
        ".globe-color option", "els => els.map(e => e.textContent)"
    )
    dens = next(i for i, t in enumerate(labels) if "density" in t.lower())
    o.page.select_option(".globe-color", str(dens))
    lo = o.page.inner_text(".lg-min")
    hi = o.page.inner_text(".lg-max")
    assert "\u00d710\u207b\u00b9" in lo  # ×10⁻¹..: 10^-13 .. 10^-14 kg/m³ in powers of ten
    assert "\u00d710\u207b" in hi
    assert "kg/m³" in o.page.inner_text(".lg-label")
    assert "log scale" in o.page.inner_text(".lg-label")
    o.page.locator("#sec-globe").screenshot(path=str(artifacts / "globe-routes-density.png"))
    assert o.errors == []
    assert o.requests == []
    o.page.close()


FORMATS = [
    (1e-13, "1\u00d710\u207b\u00b9\u00b3"),
    (2.5e-12, "2.5\u00d710\u207b\u00b9\u00b2"),
    (9.996e-14, "1\u00d710\u207b\u00b9\u00b3"),
    (-3e-5, "-3\u00d710\u207b\u2075"),
    (123456.0, "1.23\u00d710\u2075"),
    (0.5, "0.5"),
    (293.15, "293.1"),
    (0.0, "0"),
]


def test_number_format_never_uses_si_prefixes(browser: Any, equinox_run: Path) -> None:
    o = open_report(browser, equinox_run / "report.html")
    for x, text in FORMATS:
        got = o.page.evaluate(f"window.ocReport.fmt({x!r})")
        assert got == text, (x, got)
        assert not any(p in got for p in ("f", "p", "n", "\u00b5", "k", "M", "G"))
    o.page.close()


def test_density_axis_in_powers_of_ten(browser: Any, full_folder: Path) -> None:
    """The spacecraft section's density plot (log axis, ~1e-13 kg/m³) must not read "100f"."""
    write_report(full_folder)
    o = open_report(browser, full_folder / "report.html")
    ticks = o.page.evaluate(
        """() => {
          for (const fig of document.querySelectorAll('#sec-spacecraft .plot')) {
            const title = fig.querySelector('.gtitle');
            if (title && /density/i.test(title.textContent))
              return Array.from(fig.querySelectorAll('.ytick text')).map(t => t.textContent);
          }
          return null;
        }"""
    )
    assert ticks, "no density plot"
    for t in ticks:
        assert not re.search(r"\d[afpnµ]$", t), ticks  # SI prefixes: 100f, 2p
    assert any("10" in t and ("\u2212" in t or "-" in t) for t in ticks), ticks
    o.page.close()
