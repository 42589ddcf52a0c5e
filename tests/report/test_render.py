"""report.html: self-contained, deterministic, and inert against hostile names."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from orbitcloud.report import finalize_run, render_report, write_report
from orbitcloud.report.render import json_for_html

MAX_REPORT_BYTES = 30_000_000


class Scan(HTMLParser):
    """Collects what matters for safety: script elements, attributes, visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.script_text: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for k, v in attrs:
            self.attrs.append((tag, k, v))
        if tag == "script":
            self.scripts.append(dict(attrs))
            self.script_text.append("")
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text[-1] += data
        else:
            self.text.append(data)


def scan(html: str) -> Scan:
    s = Scan()
    s.feed(html)
    s.close()
    return s


def expected_scripts(html: str) -> int:
    """Our scripts: plotly.js, the report code, the geo assets when a map is drawn, and one
    JSON data block."""
    return 3 + (1 if '"type":"scattergeo"' in html else 0)


def test_run_writes_report_same_as_rewrite(default_run: Path) -> None:
    written = (default_run / "report.html").read_text("utf-8")
    assert render_report(default_run) == written  # same folder -> same bytes
    assert render_report(default_run) == render_report(default_run)


def test_report_is_self_contained(default_run: Path) -> None:
    html = (default_run / "report.html").read_text("utf-8")
    assert len(html.encode()) < MAX_REPORT_BYTES
    s = scan(html)
    assert "link" not in s.tags
    assert "iframe" not in s.tags
    assert "img" not in s.tags
    for tag, k, v in s.attrs:
        if k in ("src", "href", "action", "data", "poster"):
            assert v is not None, (tag, k)
            assert not re.match(r"\s*(https?:)?//", v), (tag, k, v)
    assert len(s.scripts) == expected_scripts(html)
    assert all("src" not in a for a in s.scripts)
    data = [t for a, t in zip(s.scripts, s.script_text, strict=True) if a.get("type")]
    assert len(data) == 1
    assert json.loads(data[0])["figures"]
    # the CSP allows exactly our inline scripts, by hash, and no connection to any host
    csp = next(v for tag, k, v in s.attrs if tag == "meta" and k == "content" and v and
               "script-src" in v)  # fmt: skip
    assert "connect-src 'none'" in csp
    assert "default-src 'none'" in csp
    for a, text in zip(s.scripts, s.script_text, strict=True):
        if a.get("type"):
            continue
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "window.PlotlyGeoAssets" in html  # the map's world is inlined (PITFALLS.md)


def test_json_for_html_escapes_and_round_trips() -> None:
    obj = {"name": "</script><script>alert(1)</script> & <!-- \u2028", "x": [1, 2.5, None]}
    s = json_for_html(obj)
    assert not set("<>&") & set(s)
    assert "\u2028" not in s
    assert json.loads(s) == obj
    with pytest.raises(ValueError):
        json_for_html({"x": float("nan")})


def test_hostile_names_stay_text(xss_folder: Path) -> None:
    html = render_report(xss_folder)
    s = scan(html)
    assert len(s.scripts) == expected_scripts(html)  # nothing injected
    for tag, k, v in s.attrs:
        assert not k.lower().startswith("on"), (tag, k, v)
        assert "javascript:" not in (v or "").lower(), (tag, k, v)
    assert "img" not in s.tags
    hrefs = [v for tag, k, v in s.attrs if k == "href"]
    assert all(v and (v.startswith("#") or v == "report.czml") for v in hrefs)
    # the names show as text: in the title, the tables and the warnings
    text = "".join(s.text)
    assert "</script><script>alert(1)</script>" in text
    assert '"><img src=x onerror=alert(2)>' in text
    # inside scripts, no raw markup survives (data is \u003c-escaped)
    for t in s.script_text:
        assert "<script" not in t.lower()
        assert "<img" not in t.lower()
    # and plotly text is entity-escaped (plotly renders a subset of HTML in labels)
    data = json.loads(next(t for a, t in zip(s.scripts, s.script_text, strict=True)
                           if a.get("type")))  # fmt: skip
    names = [tr.get("name", "") for f in data["figures"] for tr in f["fig"]["data"]]
    assert any("&lt;/script&gt;" in n for n in names)
    assert not any("<" in n for n in names)


def test_finalize_run_follows_outputs_and_keeps_the_run(default_run: Path, tmp_path: Path) -> None:
    f = tmp_path / "f"
    shutil.copytree(default_run, f)
    for p in f.glob("report.*"):
        p.unlink()
    sc = yaml.safe_load((f / "scenario.yaml").read_text("utf-8"))
    sc["outputs"]["report"] = False
    sc["outputs"]["czml"] = True
    (f / "scenario.yaml").write_text(yaml.safe_dump(sc), "utf-8")
    summary: dict = {"warnings": []}
    finalize_run(f, summary)
    assert (f / "report.czml").is_file()
    assert not (f / "report.html").exists()
    assert summary["warnings"] == []
    # a report that cannot be written becomes a warning, not a lost run
    (f / "positions.parquet").write_bytes(b"not parquet")
    sc["outputs"]["report"] = True
    (f / "scenario.yaml").write_text(yaml.safe_dump(sc), "utf-8")
    finalize_run(f, summary)
    assert any("orbitcloud report" in w for w in summary["warnings"])


def test_write_report_is_atomic_and_returns_path(full_folder: Path, tmp_path: Path) -> None:
    f = tmp_path / "f"
    shutil.copytree(full_folder, f)
    p = write_report(f, max_sats=40, max_frames=10)
    assert p == f / "report.html"
    assert not list(f.glob(".report.html.tmp"))
    html = p.read_text("utf-8")
    for sid in ("sec-scenario", "sec-globe", "sec-tracks", "sec-network", "sec-spacecraft",
                "sec-compute", "sec-workloads", "sec-economics"):  # fmt: skip
        assert f'id="{sid}"' in html
    assert "The globe animates 40 of 225 satellites" in html
