"""Assemble report.html: one self-contained file that opens offline.

* All JavaScript is inlined (plotly.js from the plotly package, the globe viewer from
  ``report/static``), and so is all data: one ``<script type="application/json">`` block, with
  ``<``, ``>`` and ``&`` written as ``\\u003c``/``\\u003e``/``\\u0026`` so no value can close
  the element (``json.dumps`` does not do this: shared/PITFALLS.md).
* plotly's geo maps fetch ``world_110m.json`` from a CDN unless ``window.PlotlyGeoAssets`` holds
  it; the shipped copy is inlined ahead of plotly.js (PITFALLS.md, "Report and browser").
* HTML is rendered by jinja2 with autoescape, so every name (scenario, satellite, city) is text.
* A Content-Security-Policy meta tag allows exactly the inline scripts of the page (by SHA-256
  hash) and no connection to any host: a name that slipped through escaping still could not run
  a script or an event handler, and the page cannot make a request.
* The output depends on the folder only (no clock, no random ids): same folder, same bytes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import os
import re
import uuid
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import plotly.io as pio
import plotly.offline
from markupsafe import Markup

from orbitcloud.report.answer import MAX_NUMBERS, answer_panel, format_number, lead_sentences
from orbitcloud.report.globe import MAX_FRAMES, MAX_SATS
from orbitcloud.report.sections import Figure, Section, Table, build_sections
from orbitcloud.results.reader import Results

REPORT_NAME = "report.html"


def json_for_html(obj: Any) -> str:
    """JSON text safe inside an HTML ``<script>`` element (no ``<``, ``>``, ``&``; no NaN)."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return (
        s.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def finite(obj: Any) -> Any:
    """``obj`` (plain JSON data) with NaN and infinities as None: the page's data is JSON, which
    has neither, and a damaged or extreme table must not stop the report (a missing value is
    drawn as a gap)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [finite(v) for v in obj]
    return obj


def _script_safe(js: str) -> str:
    """JavaScript source made safe to inline: nothing in it can end the script element."""
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.IGNORECASE)
    return js.replace("<!--", "<\\!--")


_FIRST_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)

PAGE_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#1f2933}
table{border-collapse:collapse;font-size:13px;margin:1em 0;display:block;max-width:100%;overflow-x:auto}
.plotly-graph-div{max-width:100%}
td,th{border:1px solid #cbd2d9;padding:3px 7px;text-align:right}
th{background:#f0f4f8} td.l,th.l{text-align:left}
.note{color:#52606d}"""
"""The style of the small plotly pages (sweep report, run comparison)."""


def plotly_page_scripts(blocks: Iterable[object]) -> tuple[str, str]:
    """``(csp, plotlyjs)`` of a page that inlines plotly.js and the given figure blocks.

    Each block's first ``<script>`` gets a hash in the Content-Security-Policy (the first only,
    so nothing a figure's data could smuggle in gets one; plotly writes "<" in its data as
    \\u003c anyway); ``None`` blocks are skipped.
    """
    plotlyjs = _script_safe(plotly.offline.get_plotlyjs())
    scripts = [plotlyjs]
    for block in blocks:
        m = _FIRST_SCRIPT.search(str(block)) if block is not None else None
        if m:
            scripts.append(m.group(1))
    return content_security_policy(scripts), plotlyjs


def _static(name: str) -> str:
    return resources.files("orbitcloud.report").joinpath("static", name).read_text("utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()


def content_security_policy(scripts: list[str]) -> str:
    """The policy of an offline page (the report, the sweep report): only these inline scripts,
    by SHA-256; inline styles, data/blob images and fonts; no request to any host."""
    return "; ".join(
        [
            "default-src 'none'",
            "script-src " + " ".join(f"'{_sha256(s)}'" for s in dict.fromkeys(scripts)),
            "style-src 'unsafe-inline'",
            "img-src data: blob:",
            "font-src data:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("orbitcloud.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    return str(o)


def normalise_summary(summary: dict[str, Any] | None) -> dict[str, Any]:
    """The summary as summary.json will hold it (a JSON round trip), so a report written by
    the run and one written later from summary.json are the same bytes."""
    if not summary:
        return {}
    return json.loads(json.dumps(summary, default=_json_default))


def render_report(
    folder: str | Path,
    summary: dict[str, Any] | None = None,
    max_sats: int = MAX_SATS,
    max_frames: int = MAX_FRAMES,
) -> str:
    """The report of a results folder as an HTML string.

    Parameters
    ----------
    folder : the results folder (a finished one, or the run's staging folder)
    summary : the run summary; default: the folder's summary.json
    max_sats, max_frames : what the globe animates at most (see :mod:`orbitcloud.report.globe`)
    """
    f = Results(folder, partial=True)
    summary = normalise_summary(summary) if summary is not None else f.summary
    scenario = f.scenario_dict()
    sections = build_sections(f, scenario, summary, max_sats, max_frames)

    figures: list[dict[str, Any]] = []
    views: list[dict[str, Any]] = []
    has_geo = False
    globe: dict[str, Any] | None = None
    for sec in sections:
        views.append(_section_view(sec, figures))
        if sec.globe is not None:
            globe = sec.globe
    for fig in figures:
        has_geo = has_geo or any(str(t.get("type", "")).endswith("geo") for t in fig["fig"]["data"])
    template = pio.templates["plotly_white"].to_plotly_json()
    data = {"figures": figures, "template": template, "globe": globe}
    data_json = json_for_html(finite(json.loads(json.dumps(data, default=_json_default))))

    scripts: list[str] = []
    if has_geo:
        topo = resources.files("orbitcloud").joinpath("data/world_110m.json").read_text("utf-8")
        topo_obj = json.loads(topo)
        scripts.append(
            "window.PlotlyGeoAssets=window.PlotlyGeoAssets||{};"
            f"window.PlotlyGeoAssets.topojson={{world_110m:{json_for_html(topo_obj)}}};"
        )
    scripts.append(_script_safe(plotly.offline.get_plotlyjs()))
    scripts.append(_script_safe(_static("report.js")))
    csp = content_security_policy(scripts)
    name = str(scenario.get("name") or summary.get("scenario") or f.path.name)
    answer = answer_view(answer_panel(scenario, summary))
    html = (
        _env()
        .get_template("report.html.j2")
        .render(
            title=name,
            answer=answer,
            sections=views,
            csp=csp,
            css=Markup(_static("report.css")),
            data_json=Markup(data_json),
            scripts=[Markup(s) for s in scripts],
            version=str(summary.get("orbitcloud_version", "")),
            czml=(f.path / "report.czml").is_file(),
        )
    )
    return html


def answer_view(panel: dict[str, Any]) -> dict[str, Any]:
    """The answer panel for the template, sized for the first screen: each verdict's first two
    sentences (``lead``) and at most :data:`MAX_NUMBERS` numbers in view, the rest of the text
    and numbers, the baseline, assumptions and flips in a details element (``more``). Each
    number is text with its unit and a label (the KPI's description where the registry has
    one, else its name)."""
    verdicts = []
    for v in panel.get("verdicts", []):
        nums = [{"name": n["name"], "text": format_number(n.get("value"), n.get("unit", "")),
                 "label": n.get("description") or n["name"]}
                for n in v.get("numbers", [])]  # fmt: skip
        lead, rest = lead_sentences(v.get("text", ""))
        verdicts.append({**v, "lead": lead, "rest": rest, "numbers": nums[:MAX_NUMBERS],
                         "more_numbers": nums[MAX_NUMBERS:]})  # fmt: skip
    return {"question": panel.get("question", ""), "verdicts": verdicts}


def _section_view(sec: Section, figures: list[dict[str, Any]]) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    for b in sec.blocks:
        if isinstance(b, Figure):
            fid = f"fig-{len(figures)}"
            figures.append({"id": fid, "fig": b.fig})
            blocks.append({"kind": "figure", "id": fid, "caption": b.caption, "wide": b.wide})
        elif isinstance(b, Table):
            blocks.append(
                {"kind": "table", "title": b.title, "header": b.header, "rows": b.rows,
                 "note": b.note, "wide": len(b.header) > 2}
            )  # fmt: skip
    globe = None
    if sec.globe is not None:
        globe = {
            "vars": [{"label": v["label"], "unit": v["unit"]} for v in sec.globe["vars"]],
            "links": sec.globe.get("links") is not None,
            "n_frames": sec.globe["n_frames"],
        }
    return {
        "id": sec.id,
        "title": sec.title,
        "intro": sec.intro,
        "warnings": sec.warnings,
        "blocks": blocks,
        "globe": globe,
    }


def write_report(
    folder: str | Path,
    summary: dict[str, Any] | None = None,
    max_sats: int = MAX_SATS,
    max_frames: int = MAX_FRAMES,
) -> Path:
    """Write ``report.html`` into ``folder`` (atomically) and return its path."""
    folder = Path(folder)
    html = render_report(folder, summary, max_sats, max_frames)
    return write_text_atomic(folder / REPORT_NAME, html)


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file renamed into place.

    The temporary name is unique (``.<name>.<random>.tmp``), so two writers of the same folder
    (two ``orbitcloud report`` at once) never write into one temporary file or rename away the
    other's; the last rename wins and each rename puts a whole file in place. On failure the
    temporary file is removed and the error (an ``OSError``: read-only folder, full disk) raised.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path
