"""The comparison page of ``orbitcloud compare --html``: one offline HTML file.

KPIs side by side (with units and differences to the first run) and one overlay plot per time
series the runs share, every number from the results tables (:mod:`orbitcloud.results.compare`).
Like ``report.html``: plotly.js inlined once (plain plotly charts render offline,
shared/PITFALLS.md), the page text through jinja2 with autoescape (a run label or KPI name is
text, never markup), and a Content-Security-Policy
(:func:`orbitcloud.report.render.content_security_policy`) that allows exactly the page's own
inline scripts, by hash, and no request to any host. Same runs, same bytes.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup

from orbitcloud._version import __version__
from orbitcloud.report.render import PAGE_CSS, plotly_page_scripts, write_text_atomic
from orbitcloud.results.compare import REGION_COLUMNS, Comparison, Series

__all__ = ["fmt_value", "render_comparison", "write_comparison"]

_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<title>Compare {{ title }} - orbitcloud</title>
<style>
{{ css }}
tr.same td{color:#7b8794}
</style>
<script>{{ plotlyjs }}</script>
</head><body>
<h1>Compare {{ title }}</h1>
<p>Runs (the first is the baseline: differences are to it):</p>
<ol>{% for r in runs %}<li><b>{{ r.label }}</b> &mdash; scenario <code>{{ r.scenario }}</code>, <code>{{ r.path }}</code></li>{% endfor %}</ol>
<h2>Key figures</h2>
<p class="note">Units come from the KPI names' suffixes (<code>_km</code>, <code>_w</code>,
<code>_per_year</code>, ...); blank where the name carries none. Grey rows are equal in every run.</p>
<table><tr><th class="l">KPI</th><th class="l">unit</th>{% for r in runs %}<th>{{ r.short }}</th>{% endfor %}{% for r in runs[1:] %}<th>{{ r.short }} &minus; {{ runs[0].short }}</th><th>%</th>{% endfor %}</tr>
{% for k in kpis %}<tr class="{{ '' if k.differs else 'same' }}"><td class="l">{{ k.name }}</td><td class="l">{{ k.unit }}</td>{% for v in k.vals %}<td>{{ v }}</td>{% endfor %}{% for d in k.diffs %}<td class="{{ d.cls }}">{{ d.abs }}</td><td class="{{ d.cls }}">{{ d.rel }}</td>{% endfor %}</tr>
{% endfor %}</table>
{% if regions %}<h2>Service per region</h2>
<p class="note">From <code>region_metrics</code> (period and class <code>all</code>): served fraction, median and 95th-percentile latency, fraction over the latency objective.</p>
<table><tr><th class="l">region</th><th class="l">system</th>{% for c in region_columns %}{% for r in runs %}<th>{{ c }} {{ r.short }}</th>{% endfor %}{% endfor %}</tr>
{% for g in regions %}<tr><td class="l">{{ g.region }}</td><td class="l">{{ g.system }}</td>{% for v in g.cells %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</table>{% endif %}
<h2>Time series</h2>
{% for f in figures %}{{ f }}{% else %}<p class="note">The runs share no time series (they need a table with the same column, e.g. sat_state or routes).</p>{% endfor %}
<p class="note">orbitcloud {{ version }}. Time axis: seconds since each run's first step.</p>
</body></html>
"""


def fmt_value(v: Any) -> str:
    """A KPI value as table text: numbers to 6 significant digits, None blank."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _figure(s: Series, labels: list[str], i: int) -> Markup:
    fig = go.Figure()
    for label, t, v in zip(labels, s.t_s, s.values, strict=True):
        fig.add_trace(go.Scatter(x=t.tolist(), y=[None if not math.isfinite(x) else x
                                                   for x in v.tolist()],
                                 mode="lines", name=label))  # fmt: skip
    unit = s.spec.unit
    fig.update_layout(
        title=s.title,
        xaxis_title="time since start [s]",
        yaxis_title=f"{s.spec.label} [{unit}]" if unit else s.spec.label,
        template="plotly_white",
        height=360,
        legend={"orientation": "h", "y": -0.25},
    )
    return Markup(pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=f"series-{i}"))


def render_comparison(cmp: Comparison) -> str:
    """The comparison page as text."""
    labels = [r.label for r in cmp.runs]
    runs = [
        {"label": r.label, "short": chr(ord("A") + i) if i < 26 else str(i + 1),
         "scenario": sc, "path": str(r.path)}
        for i, (r, sc) in enumerate(zip(cmp.runs, cmp.scenarios, strict=True))
    ]  # fmt: skip
    kpis = []
    for k in cmp.kpis:
        diffs = []
        for d, rel in zip(k.diffs[1:], k.rel_diffs[1:], strict=True):
            # not coloured good/bad: whether more is better depends on the KPI
            diffs.append({"abs": fmt_value(d), "rel": "" if rel is None else f"{100 * rel:+.3g}",
                          "cls": ""})  # fmt: skip
        kpis.append({"name": k.name, "unit": k.unit, "differs": k.differs,
                     "vals": [fmt_value(v) for v in k.values], "diffs": diffs})  # fmt: skip
    figures = [_figure(s, labels, i) for i, s in enumerate(cmp.series)]
    regions = [
        {"region": g.region, "system": g.system,
         "cells": [fmt_value(v) for c in REGION_COLUMNS for v in g.values[c]]}
        for g in cmp.regions
    ]  # fmt: skip
    csp, plotlyjs = plotly_page_scripts(figures)
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE).render(
        csp=csp,
        css=Markup(PAGE_CSS),
        title=" vs ".join(labels),
        runs=runs,
        kpis=kpis,
        figures=figures,
        regions=regions,
        region_columns=REGION_COLUMNS,
        plotlyjs=Markup(plotlyjs),
        version=__version__,
    )


def write_comparison(cmp: Comparison, path: str | Path) -> Path:
    """Write the comparison page to ``path`` (atomically: a temporary file renamed into place)."""
    return write_text_atomic(Path(path), render_comparison(cmp))
