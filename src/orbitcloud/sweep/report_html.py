"""The sweep report: one offline HTML file with the KPIs against the swept parameters.

Every figure is drawn from the ``sweep`` table (DESIGN.md: results are data), plotly.js is
inlined once (no network when the page opens; plain plotly charts render offline,
shared/PITFALLS.md), and the page text goes through jinja2 with autoescape, so a parameter value
or an error message cannot inject markup. Like ``report.html``, the page carries a
Content-Security-Policy that allows exactly its own inline scripts (by SHA-256 hash) and no
connection to any host: a value that slipped through escaping still could not run a script or
an event handler, and the page cannot make a request.

The Pareto plot trades off two quantities, each a KPI or a swept parameter with a goal (``min`` or
``max``). Without ``report.pareto`` in the sweep file the axes are, in order of preference:
a cost-per-token KPI against a p95-latency KPI (both ``min``) when the points have them; else the
first numeric swept parameter (``min``) against ``sunlit_fraction_mean`` (``max``); else the
first two KPIs that vary (both ``min``).
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup
from plotly.subplots import make_subplots

from orbitcloud._version import __version__
from orbitcloud.report.render import PAGE_CSS, plotly_page_scripts
from orbitcloud.sweep.pareto import pareto_front
from orbitcloud.sweep.spec import SweepPlan
from orbitcloud.sweep.table import FIXED_COLUMNS

MAX_KPI_PANELS = 12
"""KPI panels per parameter figure; more would be unreadable (the table has them all)."""

_COST_TOKEN = re.compile(r"cost.*token", re.IGNORECASE)
_P95 = re.compile(r"p95", re.IGNORECASE)


@dataclass(frozen=True)
class Axis:
    name: str
    goal: str


def _numeric(df: pd.DataFrame, col: str) -> bool:
    s = df[col]
    return bool(
        pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) and s.notna().any()
    )


def _varies(df: pd.DataFrame, col: str) -> bool:
    return _numeric(df, col) and df[col].dropna().nunique() > 1


def kpi_columns(df: pd.DataFrame, plan: SweepPlan) -> list[str]:
    """The table's KPI columns (everything but the fixed and parameter columns)."""
    skip = set(FIXED_COLUMNS) | set(plan.parameter_names)
    return [c for c in df.columns if c not in skip]


def choose_pareto(df: pd.DataFrame, plan: SweepPlan) -> tuple[Axis, Axis] | str:
    """The Pareto axes (see the module docstring); a text saying why when there are none."""
    ok = df[df["status"] == "ok"]
    note = ""
    if plan.pareto is not None:
        x, y = plan.pareto.x, plan.pareto.y
        missing = [a.name for a in (x, y) if a.name not in ok.columns or not _numeric(ok, a.name)]
        if not missing:
            return Axis(x.name, x.goal), Axis(y.name, y.goal)
        note = (
            f"report.pareto names {', '.join(missing)}, not a numeric column of the sweep table; "
        )
    kpis = [c for c in kpi_columns(ok, plan) if _numeric(ok, c)]
    cost = [c for c in kpis if _COST_TOKEN.search(c)]
    p95 = [c for c in kpis if _P95.search(c)]
    if cost and p95:
        return Axis(cost[0], "min"), Axis(p95[0], "min")
    params = [p for p in plan.parameter_names if p in ok.columns and _varies(ok, p)]
    if params and "sunlit_fraction_mean" in kpis:
        return Axis(params[0], "min"), Axis("sunlit_fraction_mean", "max")
    varying = [c for c in kpis if _varies(ok, c)]
    if len(varying) >= 2:
        return Axis(varying[0], "min"), Axis(varying[1], "min")
    return note + "fewer than two numeric quantities vary across the finished points"


def _hover(df: pd.DataFrame, plan: SweepPlan) -> list[str]:
    rows = []
    for _, r in df.iterrows():
        parts = [f"point {r['point']}"] + [f"{p} = {r[p]}" for p in plan.parameter_names]
        rows.append("<br>".join(_escape_hover(x) for x in parts))
    return rows


def _escape_hover(text: str) -> str:
    # plotly renders hover text as (a subset of) HTML: show user values as text
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def pareto_figure(df: pd.DataFrame, plan: SweepPlan, x: Axis, y: Axis) -> go.Figure:
    ok = df[(df["status"] == "ok") & df[x.name].notna() & df[y.name].notna()]
    xs = ok[x.name].to_numpy(dtype=float)
    ys = ok[y.name].to_numpy(dtype=float)
    on = pareto_front(xs, ys, x.goal, y.goal)
    hover = _hover(ok, plan)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=xs[~on], y=ys[~on], mode="markers", name="dominated",
            marker={"color": "#9aa5b1", "size": 8},
            text=[hover[i] for i in np.nonzero(~on)[0]], hoverinfo="text+x+y",
        )
    )  # fmt: skip
    order = np.argsort(xs[on], kind="stable")
    fig.add_trace(
        go.Scatter(
            x=xs[on][order], y=ys[on][order], mode="lines+markers", name="Pareto front",
            marker={"color": "#d1495b", "size": 10}, line={"color": "#d1495b"},
            text=[hover[i] for i in np.nonzero(on)[0][order]],
            hoverinfo="text+x+y",
        )
    )  # fmt: skip
    fig.update_layout(
        title=f"Pareto front: {x.name} ({x.goal}) vs {y.name} ({y.goal})",
        xaxis_title=f"{x.name} ({'lower' if x.goal == 'min' else 'higher'} is better)",
        yaxis_title=f"{y.name} ({'lower' if y.goal == 'min' else 'higher'} is better)",
        template="plotly_white",
        height=520,
    )
    return fig


def parameter_figure(df: pd.DataFrame, plan: SweepPlan, param: str, kpis: list[str]) -> go.Figure:
    """One panel per KPI against ``param``; colour by the next swept parameter, if numeric."""
    ok = df[df["status"] == "ok"]
    panels = kpis[:MAX_KPI_PANELS]
    ncols = 3 if len(panels) > 4 else min(2, len(panels))
    nrows = -(-len(panels) // ncols)
    fig = make_subplots(rows=nrows, cols=ncols, subplot_titles=panels)
    others = [p for p in plan.parameter_names if p != param and p in ok.columns]
    colour = others[0] if others and _numeric(ok, others[0]) else None
    hover = _hover(ok, plan)
    for i, k in enumerate(panels):
        marker: dict[str, Any] = {"size": 7}
        if colour:
            marker.update(
                color=ok[colour].to_numpy(dtype=float), colorscale="Viridis",
                showscale=i == 0, colorbar={"title": colour},
            )  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=ok[param].tolist(), y=ok[k].tolist(), mode="markers", marker=marker,
                text=hover, hoverinfo="text+y", showlegend=False,
            ),
            row=i // ncols + 1, col=i % ncols + 1,
        )  # fmt: skip
    fig.update_xaxes(title_text=param)
    fig.update_layout(
        title=f"KPIs against {param}" + (f" (colour: {colour})" if colour else ""),
        template="plotly_white",
        height=300 * nrows + 80,
    )
    return fig


_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<title>Sweep {{ name }} - orbitcloud</title>
<style>
{{ css }}
.failed{color:#b42318}
</style>
<script>{{ plotlyjs }}</script>
</head><body>
<h1>Sweep {{ name }}</h1>
<p>{{ description }}</p>
<p>Base scenario: <code>{{ base }}</code>. Sweep file: <code>{{ source }}</code>.
{{ n_points }} points: <b>{{ n_ok }} ok</b>, <b class="{{ 'failed' if n_failed else '' }}">{{ n_failed }} failed</b>.
Swept: {% for p in params %}<code>{{ p }}</code>{% if not loop.last %}, {% endif %}{% endfor %}.
Table: <code>sweep.parquet</code> (query it with DuckDB or pandas). orbitcloud {{ version }}.</p>
<h2>Pareto front</h2>
{% if pareto %}{{ pareto }}{% else %}<p class="note">No Pareto plot: {{ pareto_note }}.</p>{% endif %}
<h2>KPIs against the swept parameters</h2>
{% for f in param_figs %}{{ f }}{% else %}<p class="note">No numeric swept parameter with a varying KPI to plot.</p>{% endfor %}
{% if failures %}
<h2 class="failed">Failed points</h2>
<table><tr><th>point</th><th class="l">parameters</th><th class="l">error</th></tr>
{% for f in failures %}<tr><td>{{ f.point }}</td><td class="l">{{ f.params }}</td><td class="l">{{ f.error }}</td></tr>
{% endfor %}</table>
{% endif %}
<h2>Points</h2>
<table><tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for r in rows %}<tr>{% for v in r %}<td>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</table>
</body></html>
"""


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def render_sweep_report(plan: SweepPlan, df: pd.DataFrame) -> str:
    """The report page as text (from the sweep table as a DataFrame)."""
    ok = df[df["status"] == "ok"]
    kpis = [c for c in kpi_columns(df, plan) if _varies(ok, c)]
    divs = []
    axes = choose_pareto(df, plan)
    pareto_html, pareto_note = None, ""
    if isinstance(axes, tuple):
        fig = pareto_figure(df, plan, *axes)
        pareto_html = Markup(pio.to_html(fig, include_plotlyjs=False, full_html=False,
                                         div_id="pareto"))  # fmt: skip
    else:
        pareto_note = axes or "no data"
    for i, p in enumerate(plan.parameter_names):
        if p in ok.columns and _varies(ok, p) and kpis:
            fig = parameter_figure(df, plan, p, kpis)
            divs.append(Markup(pio.to_html(fig, include_plotlyjs=False, full_html=False,
                                           div_id=f"param-{i}")))  # fmt: skip
    failed = df[df["status"] != "ok"]
    failures = [
        {
            "point": int(r["point"]),
            "params": ", ".join(f"{p}={r[p]}" for p in plan.parameter_names),
            "error": r["error"],
        }
        for _, r in failed.iterrows()
    ]
    shown = ["point", *plan.parameter_names, "status", *kpis[:MAX_KPI_PANELS]]
    rows = [[_fmt(v) for v in r] for r in df[shown].itertuples(index=False, name=None)]
    # every inline script of the page: plotly.js, and each figure's Plotly.newPlot call
    csp, plotlyjs = plotly_page_scripts([pareto_html, *divs])
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(_TEMPLATE).render(
        csp=csp,
        css=Markup(PAGE_CSS),
        name=plan.name,
        description=plan.description,
        base=plan.base,
        source=plan.source,
        n_points=len(df),
        n_ok=len(ok),
        n_failed=len(failed),
        params=plan.parameter_names,
        version=__version__,
        plotlyjs=Markup(plotlyjs),
        pareto=pareto_html,
        pareto_note=pareto_note,
        param_figs=divs,
        failures=failures,
        columns=shown,
        rows=rows,
    )


def write_sweep_report(plan: SweepPlan, table: Any, path: Path) -> Path:
    """Write ``sweep_report.html`` atomically (a temporary file renamed into place)."""
    df = table.to_pandas() if hasattr(table, "to_pandas") else pd.DataFrame(table)
    html = render_sweep_report(plan, df)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
