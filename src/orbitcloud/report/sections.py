"""The report's sections, each built from the results tables that feed it.

A section builder takes the :class:`~orbitcloud.results.reader.Results` (plus the scenario and
summary dicts) and returns a :class:`Section`, or ``None`` when the tables it needs are absent:
the report shows what the run produced and nothing else (no placeholder data). Builders check
the columns they use, so a table that lacks an optional column loses one figure, not the report.

Every user-supplied string that goes into a plotly figure passes through :func:`esc` (plotly
renders a subset of HTML in text, hover labels and tick labels); strings that go into the HTML
are escaped by jinja2's autoescape.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.compute as pc

from orbitcloud.report.columns import (
    codes,
    declared_doc,
    declared_unit,
    iso_utc,
    per_time_stats,
    to_float,
    to_ms,
)
from orbitcloud.report.globe import (
    MAX_FRAMES,
    MAX_SATS,
    globe_payload,
    sample_for_folder,
)
from orbitcloud.report.stream import (
    StatTraces,
    bucket_note,
    compute_series,
    downsample,
    link_series,
    stream_time_traces,
)
from orbitcloud.results.reader import Results

PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip
MAX_TABLE_ROWS = 60
MAX_TRACKS = 6
TRACK_HOURS = 3.0
MAX_PAIRS_SHOWN = 5
MAX_REGIONS = 30
TIME = "time (UTC)"  # time axes: no axis title (dates speak for themselves), unified hover


def esc(s: Any) -> str:
    """A user-supplied string made inert for plotly's pseudo-HTML text rendering."""
    return html.escape(str(s), quote=False)


# ---- what a section is made of ---------------------------------------------------------------


@dataclass
class Figure:
    """A plotly figure (data + layout, template stripped) and its caption."""

    fig: dict[str, Any]
    caption: str = ""
    wide: bool = False


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Section:
    id: str
    title: str
    intro: list[str] = field(default_factory=list)
    blocks: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    globe: dict[str, Any] | None = None


def fig_dict(fig: go.Figure) -> dict[str, Any]:
    """A figure as plain JSON data without its template (the page sets one template)."""
    d = json.loads(fig.to_json())
    d.get("layout", {}).pop("template", None)
    return {"data": d.get("data", []), "layout": d.get("layout", {})}


def _layout(fig: go.Figure, title: str, ytitle: str = "", xtitle: str = "", height: int = 340):
    fig.update_layout(
        title={"text": title, "x": 0.01, "font": {"size": 15}},
        height=height,
        margin={"l": 60, "r": 20, "t": 46, "b": 46},
        legend={"orientation": "h", "y": -0.18},
        hovermode="x unified" if xtitle == TIME else "closest",
    )
    if ytitle:
        fig.update_yaxes(title_text=axis_title(ytitle))
    if xtitle and xtitle != TIME:
        fig.update_xaxes(title_text=axis_title(xtitle))
    return fig


_DIMENSIONLESS = ("fraction", "ratio", "share", "utilisation")
_COUNTS = ("links", "pairs", "requests", "link-steps", "satellites", "steps")


def axis_title(title: str) -> str:
    """An axis title that names its unit in brackets (tests/report/test_browser.py checks every
    value axis): ``RTT [ms]`` stays; a fraction or ratio gets ``[1]``; a count ``[count]``; a
    bare unit (``ms``, ``kW``) becomes ``value [ms]``."""
    if "[" in title:
        return title
    low = title.lower()
    if any(w in low for w in _DIMENSIONLESS):
        return f"{title} [1]"
    if any(low.startswith(w) or low.endswith(w) for w in _COUNTS):
        return f"{title} [count]"
    m = re.fullmatch(r"(.+?)\s+\((.+)\)", title)  # "range (km)"
    if m and m.group(1):
        return f"{m.group(1)} [{m.group(2)}]"
    return f"value [{title}]" if len(title) <= 12 else title


def fmt(v: Any) -> str:
    """A value for an HTML table cell."""
    if v is None:
        return "—"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    if isinstance(v, float | np.floating):
        x = float(v)
        if not np.isfinite(x):
            return "—"
        if x != 0 and (abs(x) >= 1e7 or abs(x) < 1e-3):
            return f"{x:.4g}"
        return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"
    if isinstance(v, dict | list):
        return _short_json(v, 2000)
    return str(v)


def plot_times(ms: np.ndarray) -> list[str]:
    """Times for a plotly date axis (UTC, no zone suffix: plotly ignores zones)."""
    return [s[:-1].replace("T", " ") for s in iso_utc(ms)]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


Series = tuple[np.ndarray, np.ndarray]
"""A per-step series for a chart: (times_ms, values)."""


def _band(fig: go.Figure, lo: Series, hi: Series, colour: str, name: str, **kw: Any) -> None:
    """A shaded band between the lines ``lo`` and ``hi`` (each downsampled on its own: the
    lowest and highest steps of ``lo`` and of ``hi`` are kept, so the band never narrows) as
    one closed polygon; NaN points are left out, so a missing value cannot make plotly fill
    across the chart."""
    (t_lo, y_lo), (t_hi, y_hi) = lo, hi
    y_lo, y_hi = np.asarray(y_lo, dtype=float), np.asarray(y_hi, dtype=float)
    ok_lo, ok_hi = np.isfinite(y_lo), np.isfinite(y_hi)
    if not (ok_lo.any() and ok_hi.any()):
        return
    fig.add_trace(go.Scatter(
        x=plot_times(np.concatenate([t_hi[ok_hi], t_lo[ok_lo][::-1]])),
        y=np.concatenate([y_hi[ok_hi], y_lo[ok_lo][::-1]]), mode="lines",
        line={"width": 0}, fill="toself", fillcolor=_rgba(colour, 0.2), name=name,
        hoverinfo="skip", **kw,
    ))  # fmt: skip


def thin_series(t_ms: np.ndarray, y: np.ndarray, steps: list[int]) -> Series:
    """A whole per-step series (times strictly increasing) thinned for a chart by the report's
    one rule (:class:`~orbitcloud.report.stream.Downsampler`); its bucket length is appended
    to ``steps`` (for the caption, :func:`~orbitcloud.report.stream.bucket_note`)."""
    t = np.asarray(t_ms, dtype=np.int64)
    if len(t) > 1 and not bool(np.all(np.diff(t) > 0)):  # not one value per step: as it is
        steps.append(1)
        return t, np.asarray(y)
    t, v, n = downsample(t, np.asarray(y, dtype=np.float64))
    steps.append(n)
    return t, v


def bucket_caption(folder: Results, table: str, steps: list[int] | int, text: str = "") -> str:
    """``text`` followed by the bucket sentence when a chart's lines were downsampled."""
    n = max(steps, default=1) if isinstance(steps, list) else steps
    note = bucket_note(n, _step_s(folder.unique_times(table))) if n > 1 else ""
    return " ".join(x for x in (text, note) if x)


def ecdf(values: np.ndarray, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """An empirical CDF thinned to ``n`` quantiles (x values, probabilities)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return np.zeros(0), np.zeros(0)
    p = np.linspace(0.0, 1.0, min(n, len(v)))
    return np.quantile(v, p), p


def _table_from_arrow(title: str, tab: Any, note: str = "", limit: int = MAX_TABLE_ROWS) -> Table:
    rows = tab.slice(0, limit).to_pylist()
    header = list(tab.column_names)
    body = [[fmt(r[c]) for c in header] for r in rows]
    if tab.num_rows > limit:
        note = (note + " " if note else "") + f"First {limit} of {tab.num_rows:,} rows."
    return Table(title, header, body, note)


def _step_s(times_ms: np.ndarray) -> float | None:
    if len(times_ms) < 2:
        return None
    return float(np.median(np.diff(np.unique(times_ms)))) / 1000.0


# ---- scenario and KPIs --------------------------------------------------------------------------


def _dict(v: Any) -> dict[str, Any]:
    """``v`` if it is a dict, else empty: a summary or scenario of another shape (a damaged
    or hand-edited file) loses the part that has the wrong shape, not the report."""
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    """``v`` if it is a list; a lone string as a one-item list; else empty."""
    if isinstance(v, list):
        return v
    return [v] if isinstance(v, str) else []


MAX_FLATTEN_DEPTH = 8
"""Nesting levels of the summary's KPIs shown as dotted names; deeper values as text."""


def _flatten(d: dict[str, Any], prefix: str = "", depth: int = 0) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and depth < MAX_FLATTEN_DEPTH:
            out.extend(_flatten(v, key + ".", depth + 1))
        elif isinstance(v, dict | list):
            out.append((key, _short_json(v)))
        else:
            out.append((key, v))
    return out


def _short_json(v: Any, limit: int = 200) -> str:
    try:
        text = json.dumps(v, sort_keys=True, default=str)
    except (TypeError, ValueError, RecursionError):  # keys of mixed types, deep nesting
        text = "..."
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _constellation_params(c: dict[str, Any]) -> tuple[str, str]:
    for kind in ("walker", "sso", "cluster"):
        if isinstance(c.get(kind), dict):
            p = ", ".join(f"{k}={fmt(v)}" for k, v in c[kind].items())
            return kind, p
    for kind in ("tle_file", "omm_file"):
        if c.get(kind):
            lim = f" (first {fmt(c['limit'])})" if c.get("limit") else ""
            return kind.replace("_file", ""), f"{c[kind]}{lim}"
    return "?", ""


def scenario_section(folder: Results, scenario: dict[str, Any], summary: dict[str, Any]) -> Section:
    """Scenario, run facts, KPIs, warnings and the list of tables."""
    sec = Section("sec-scenario", "Scenario and key figures")
    if scenario.get("description"):
        sec.intro.append(str(scenario["description"]))
    t = _dict(scenario.get("time"))
    dur = t.get("duration_h")
    dur_txt = f"{fmt(dur)} h" if dur is not None else f"{fmt(t.get('duration_s'))} s"
    run_rows = [
        ["scenario", fmt(scenario.get("name", summary.get("scenario")))],
        ["seed", fmt(scenario.get("seed", summary.get("seed")))],
        ["start (UTC)", fmt(t.get("start"))],
        ["duration", dur_txt],
        ["time step", f"{fmt(t.get('step_s'))} s"],
    ]
    # (not wall_time_s: the run updates it after the report is written, and the report of a
    # folder must not depend on when it was written)
    for key, label in (
        ("orbitcloud_version", "orbitcloud version"),
        ("scenario_hash", "scenario hash"),
        ("created_utc", "created (UTC)"),
    ):
        if key in summary:
            run_rows.append([label, fmt(summary[key])])
    sec.blocks.append(Table("Run", ["", ""], run_rows))
    kpis = _flatten(_dict(summary.get("kpis")))
    if kpis:
        sec.blocks.append(Table("Key figures", ["KPI", "value"], [[k, fmt(v)] for k, v in kpis]))

    counts: dict[str, int] = {}
    if folder.has("satellites", "source"):
        idx, labels = codes(folder.read("satellites", ["source"])["source"])
        for k, n in zip(*np.unique(idx[idx >= 0], return_counts=True), strict=True):
            counts[str(labels[k])] = int(n)
    rows = []
    for c in _list(scenario.get("constellations")):
        if not isinstance(c, dict):
            continue
        kind, params = _constellation_params(c)
        isl = fmt(_dict(c.get("isl")).get("topology", ""))
        rows.append([fmt(c.get("name")), kind, params, fmt(counts.get(str(c.get("name")))), isl])
    if rows:
        sec.blocks.append(
            Table("Constellations", ["name", "source", "parameters", "satellites", "ISL"], rows)
        )
    sec.warnings = [str(w) for w in _list(summary.get("warnings"))]
    trows = []
    for name in folder.tables:
        trows.append([name, declared_doc(name), fmt(folder.num_rows(name)),
                      ", ".join(folder.columns(name))])  # fmt: skip
    sec.blocks.append(
        Table("Tables in this folder (docs/tables.md)", ["table", "what", "rows", "columns"], trows)
    )
    return sec


# ---- globe and ground tracks --------------------------------------------------------------------


def _sat_names(folder: Results) -> tuple[list[str], list[str]]:
    if not folder.has("satellites", "sat"):
        return [], []
    st = folder.read("satellites", ["sat", "name", "source"])
    n = int(np.max(st["sat"].to_numpy(), initial=-1)) + 1
    names = [f"sat {i}" for i in range(n)]
    groups = [""] * n
    sats = st["sat"].to_numpy()
    if "name" in st.column_names:
        for i, nm in zip(sats, st["name"].to_pylist(), strict=True):
            if nm is not None:
                names[i] = str(nm)
    if "source" in st.column_names:
        for i, g in zip(sats, st["source"].to_pylist(), strict=True):
            groups[i] = "" if g is None else str(g)
    return names, groups


def ground_endpoints(folder: Results) -> dict[str, list[Any]] | None:
    """The ground table as lists (name, kind, lat, lon), or None."""
    if not folder.has("ground", "name", "lat_deg", "lon_deg"):
        return None
    g = folder.read("ground", ["name", "kind", "lat_deg", "lon_deg", "node"])
    out: dict[str, list[Any]] = {
        "names": [str(x) for x in g["name"].to_pylist()],
        "kinds": [str(x) for x in g["kind"].to_pylist()] if "kind" in g.column_names else [],
        "lat": [round(float(x), 4) for x in to_float(g["lat_deg"])],
        "lon": [round(float(x), 4) for x in to_float(g["lon_deg"])],
    }
    if "node" in g.column_names and g["node"].null_count == 0:
        out["node"] = [int(x) for x in g["node"].to_pylist()]
    return out


def globe_section(
    folder: Results, max_sats: int = MAX_SATS, max_frames: int = MAX_FRAMES
) -> Section | None:
    """The 3D globe: satellites (and links, ground endpoints) over time, coloured by state."""
    if not folder.has("positions", "time", "sat", "x_m", "y_m", "z_m"):
        return None
    sample = sample_for_folder(folder, max_sats, max_frames)
    if sample is None or len(sample.sats) == 0 or len(sample.times_ms) == 0:
        return None
    names, groups = _sat_names(folder)
    step = _step_s(folder.unique_times("positions"))
    payload = globe_payload(folder, sample, names, groups, ground_endpoints(folder), step)
    sec = Section("sec-globe", "Globe")
    sec.intro.append(
        "Satellites in the Earth-fixed frame (ITRF) over time: drag to turn the globe, scroll "
        "to zoom, press play or move the slider; colour by "
        + ", ".join(v["label"][:1].lower() + v["label"][1:] for v in payload["vars"])
        + "."
        if payload["vars"]
        else "Satellites in the Earth-fixed frame (ITRF) over time."
    )
    sec.intro.append(payload["note"])
    if payload["constant"]:
        sec.intro.append(
            "The same for every satellite shown at every step: "
            + "; ".join(payload["constant"])
            + "."
        )
    sec.intro.extend(payload["notes"])  # links, routes, zoom, day and night (globe.py)
    sec.globe = payload
    return sec


def break_at_antimeridian(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A track with a gap (NaN) wherever it jumps across longitude +-180 deg, so the map does
    not draw a line across the whole world."""
    jump = np.flatnonzero(np.abs(np.diff(lon)) > 180.0) + 1
    return np.insert(lon, jump, np.nan), np.insert(lat, jump, np.nan)


def tracks_section(folder: Results) -> Section | None:
    """Ground tracks of a few satellites on a world map, with the ground endpoints."""
    sample = None
    if folder.has("positions", "time", "sat", "lat_deg", "lon_deg"):
        sample = sample_for_folder(folder, MAX_TRACKS, 10**9)
    has_pos = sample is not None and len(sample.times_ms) > 0 and len(sample.sats) > 0
    ground = ground_endpoints(folder)
    if not has_pos and ground is None:
        return None
    sec = Section("sec-tracks", "Ground tracks and ground segment")
    fig = go.Figure()
    if sample is not None and has_pos:
        names, _ = _sat_names(folder)
        t0 = int(sample.times_ms[0])
        t_end = t0 + int(TRACK_HOURS * 3600 * 1000)
        ttype = folder.schema("positions").field("time").type
        flt = pc.field("sat").isin(pa.array(sample.sats.astype(np.int32))) & (
            pc.field("time") <= pa.scalar(t_end, pa.timestamp("ms")).cast(ttype)
        )
        tab = folder.read("positions", ["time", "sat", "lat_deg", "lon_deg"], filter=flt)
        t = to_ms(tab["time"])
        s = tab["sat"].to_numpy().astype(np.int64)
        lat, lon = to_float(tab["lat_deg"]), to_float(tab["lon_deg"])
        order = np.lexsort((t, s))
        t, s, lat, lon = t[order], s[order], lat[order], lon[order]
        covered = (t.max() - t0) / 3.6e6 if len(t) else 0.0
        for k, sat in enumerate(sample.sats):
            m = s == sat
            nm = names[sat] if sat < len(names) else f"sat {sat}"
            tlon, tlat = break_at_antimeridian(lon[m], lat[m])
            fig.add_trace(
                go.Scattergeo(
                    lon=np.round(tlon, 3), lat=np.round(tlat, 3), mode="lines",
                    line={"width": 1.5, "color": PALETTE[k % len(PALETTE)]}, name=esc(nm),
                    hoverinfo="name",
                )
            )  # fmt: skip
            if m.any():
                fig.add_trace(
                    go.Scattergeo(
                        lon=[round(float(lon[m][0]), 3)], lat=[round(float(lat[m][0]), 3)],
                        mode="markers", marker={"size": 7, "color": PALETTE[k % len(PALETTE)]},
                        showlegend=False, hoverinfo="text", text=[esc(nm) + " (start)"],
                    )
                )  # fmt: skip
        total = sample.n_sats_total
        sec.intro.append(
            f"Tracks of {len(sample.sats)} of {total:,} satellites over the first "
            f"{covered:.3g} h of the run (evenly spaced in order of constellation, shell, plane "
            "and slot); a dot marks each start."
        )
    if ground is not None:
        fig.add_trace(
            go.Scattergeo(
                lon=ground["lon"], lat=ground["lat"], mode="markers",
                marker={"size": 6, "color": "#d62728", "symbol": "square"},
                name="ground endpoints", hoverinfo="text",
                text=[esc(n) + (f" ({esc(k)})" if k else "") for n, k in
                      zip(ground["names"], ground["kinds"] or [""] * len(ground["names"]),
                          strict=True)],
            )
        )  # fmt: skip
    fig.update_geos(
        projection_type="natural earth", showland=True, landcolor="#eef0e6",
        showocean=True, oceancolor="#dce9f5", showcountries=True, countrycolor="#bbbbbb",
        showcoastlines=True, coastlinecolor="#888888", lataxis_showgrid=True,
        lonaxis_showgrid=True, resolution=110,
    )  # fmt: skip
    _layout(fig, "Ground tracks" if has_pos else "Ground endpoints", height=460)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 46, "b": 10})
    sec.blocks.append(Figure(fig_dict(fig), wide=True))
    if ground is not None:
        kinds = ground["kinds"] or [""] * len(ground["names"])
        rows = [
            [n, k, fmt(la), fmt(lo)]
            for n, k, la, lo in zip(ground["names"], kinds, ground["lat"], ground["lon"],
                                    strict=True)
        ][:MAX_TABLE_ROWS]  # fmt: skip
        note = (
            f"First {MAX_TABLE_ROWS} of {len(ground['names']):,} endpoints."
            if len(ground["names"]) > MAX_TABLE_ROWS
            else ""
        )
        sec.blocks.append(
            Table("Ground endpoints", ["name", "kind", "lat [deg]", "lon [deg]"], rows, note)
        )
    return sec


# ---- network ------------------------------------------------------------------------------------


def terrestrial_column(names: list[str]) -> str | None:
    """The routes column holding the terrestrial baseline RTT, if any."""
    for c in ("terrestrial_rtt_ms", "rtt_terrestrial_ms", "terrestrial_ms"):
        if c in names:
            return c
    for c in names:
        if c.startswith("terrestrial") and c.endswith("_ms"):
            return c
    return None


def network_section(folder: Results) -> Section | None:
    """RTT over time and its distribution against the terrestrial baseline; link counts."""
    has_routes = folder.has("routes", "time", "src", "dst", "rtt_ms")
    has_links = folder.has("links", "time")
    has_budget = folder.has("link_budget", "terminal", "range_m", "capacity_bps")
    if not (has_routes or has_links or has_budget):
        return None
    sec = Section("sec-network", "Network: latency and links")
    if has_routes:
        _routes_blocks(folder, sec)
    if has_links:
        _links_blocks(folder, sec)
    if has_budget:
        _link_budget_blocks(folder, sec)
    return sec if sec.blocks else None


def _routes_blocks(folder: Results, sec: Section) -> None:
    cols = folder.columns("routes")
    terr = terrestrial_column(cols)
    want = ["time", "src", "dst", "rtt_ms"] + [c for c in ("hops", "path_changed") if c in cols]
    tab = folder.read("routes", want + ([terr] if terr else []))
    t = to_ms(tab["time"])
    rtt = to_float(tab["rtt_ms"])
    src, src_lab = codes(tab["src"])
    dst, dst_lab = codes(tab["dst"])
    pair = src * (len(dst_lab) + 1) + dst
    upairs, pinv = np.unique(pair, return_inverse=True)
    n_pairs = len(upairs)
    pair_label = [
        f"{src_lab[p // (len(dst_lab) + 1)]} → {dst_lab[p % (len(dst_lab) + 1)]}" for p in upairs
    ]
    terr_v = to_float(tab[terr]) if terr else None
    st = per_time_stats(t, rtt)
    steps: list[int] = []  # bucket lengths of the lines (report/stream.py's Downsampler)
    fig = go.Figure()
    if n_pairs > 1:
        _band(
            fig,
            thin_series(st.times_ms, st.quantiles[0.05], steps),
            thin_series(st.times_ms, st.quantiles[0.95], steps),
            PALETTE[0],
            "5–95 % of pairs",
        )
        mt, mv = thin_series(st.times_ms, st.quantiles[0.5], steps)
        fig.add_trace(go.Scatter(x=plot_times(mt), y=mv, name="median over pairs",
                                 line={"color": PALETTE[0], "width": 2.5}))  # fmt: skip
    # a few pairs, evenly spaced in label order (deterministic)
    order = sorted(range(n_pairs), key=lambda i: pair_label[i])
    k = min(MAX_PAIRS_SHOWN, n_pairs)
    shown = [order[(j * n_pairs) // k] for j in range(k)]
    for j, pi in enumerate(shown):
        m = pinv == pi
        colour = PALETTE[(j + 1) % len(PALETTE)]
        o = np.argsort(t[m], kind="stable")
        pt, pv = thin_series(t[m][o], rtt[m][o], steps)
        fig.add_trace(go.Scatter(x=plot_times(pt), y=pv, name=esc(pair_label[pi]),
                                 line={"color": colour, "width": 1.2}))  # fmt: skip
        if terr_v is not None:
            pt, pv = thin_series(t[m][o], terr_v[m][o], steps)
            fig.add_trace(
                go.Scatter(x=plot_times(pt), y=pv, line={"color": colour,
                           "dash": "dot", "width": 1.2},
                           name=esc(pair_label[pi]) + " (terrestrial)")
            )  # fmt: skip
    if terr_v is not None and n_pairs > 1:
        ts = per_time_stats(t, terr_v, qs=(0.5,))
        mt, mv = thin_series(ts.times_ms, ts.quantiles[0.5], steps)
        fig.add_trace(go.Scatter(x=plot_times(mt), y=mv,
                                 name="terrestrial median over pairs",
                                 line={"color": "#444", "dash": "dash"}))  # fmt: skip
    _layout(fig, "Round-trip time over time", "RTT [ms]", TIME, height=400)
    sec.blocks.append(Figure(fig_dict(fig), wide=True, caption=bucket_caption(folder, "routes",
        steps, f"{n_pairs:,} endpoint pair(s); "
        + (f"{len(shown)} shown individually (evenly spaced in name order). " if n_pairs > 1
           else "")
        + ("Dotted/dashed: terrestrial baseline (column " + terr + ")." if terr else
           "No terrestrial baseline column in routes.")
    )))  # fmt: skip

    # distribution: ECDF of all (pair, step) RTTs against the terrestrial baseline
    fig = go.Figure()
    xs, ps = ecdf(rtt)
    fig.add_trace(go.Scatter(x=xs, y=ps, name="orbital (all pairs and steps)",
                             line={"color": PALETTE[0], "width": 2.5}))  # fmt: skip
    per_pair_med = np.full(n_pairs, np.nan)
    per_pair_terr = np.full(n_pairs, np.nan)
    ok = np.isfinite(rtt)
    if ok.any():
        for_each = per_time_stats(pinv[ok], rtt[ok], qs=(0.5,))  # grouped by pair index
        per_pair_med[for_each.times_ms] = for_each.quantiles[0.5]
    if terr_v is not None:
        okt = np.isfinite(terr_v)
        if okt.any():
            tp = per_time_stats(pinv[okt], terr_v[okt], qs=(0.5,))
            per_pair_terr[tp.times_ms] = tp.quantiles[0.5]
        xt, pt = ecdf(terr_v)
        fig.add_trace(go.Scatter(x=xt, y=pt, name="terrestrial baseline",
                                 line={"color": "#444", "dash": "dash", "width": 2}))  # fmt: skip
    _layout(fig, "RTT distribution", "fraction ≤ RTT", "RTT [ms]")
    sec.blocks.append(Figure(fig_dict(fig)))

    if terr_v is not None and np.isfinite(per_pair_terr).any():
        fig = go.Figure()
        both = np.isfinite(per_pair_med) & np.isfinite(per_pair_terr) & (per_pair_terr > 0)
        if n_pairs <= 25:
            lab = [esc(pair_label[i]) for i in order]
            fig.add_trace(go.Bar(x=lab, y=per_pair_med[order], name="orbital median",
                                 marker_color=PALETTE[0]))  # fmt: skip
            fig.add_trace(go.Bar(x=lab, y=per_pair_terr[order], name="terrestrial",
                                 marker_color="#888"))  # fmt: skip
            _layout(fig, "Median RTT per pair", "RTT [ms]")
        else:
            ratio = per_pair_med[both] / per_pair_terr[both]
            fig.add_trace(go.Histogram(x=ratio, nbinsx=40, marker_color=PALETTE[0],
                                       name="pairs"))  # fmt: skip
            fig.add_vline(x=1.0, line_dash="dash", line_color="#444")
            _layout(fig, "Orbital / terrestrial median RTT per pair", "pairs", "ratio")
        faster = int((per_pair_med[both] < per_pair_terr[both]).sum())
        sec.blocks.append(Figure(fig_dict(fig), caption=(
            f"Orbital median RTT is below the terrestrial baseline for {faster:,} of "
            f"{int(both.sum()):,} pairs."
        )))  # fmt: skip

    rows = [
        ["endpoint pairs", fmt(n_pairs)],
        ["route rows", fmt(len(rtt))],
        ["reachable (rows with an RTT)", f"{100.0 * ok.mean():.4g} %" if len(ok) else "—"],
        ["RTT p50 / p95 [ms]",
         f"{fmt(np.quantile(rtt[ok], 0.5))} / {fmt(np.quantile(rtt[ok], 0.95))}"
         if ok.any() else "—"],
    ]  # fmt: skip
    if terr_v is not None and np.isfinite(terr_v).any():
        rows.append(["terrestrial p50 [ms]", fmt(np.nanquantile(terr_v, 0.5))])
    if "hops" in tab.column_names:
        h = to_float(tab["hops"])
        if np.isfinite(h).any():
            rows.append(["hops p50 / max", f"{fmt(np.nanquantile(h, 0.5))} / {fmt(np.nanmax(h))}"])
    if "path_changed" in tab.column_names:
        pc_v = np.nan_to_num(to_float(tab["path_changed"]), nan=0.0)
        rows.append(["path changes (pair-steps)", fmt(int(pc_v.sum()))])
        ch = per_time_stats(t, pc_v, qs=())
        steps = []
        ct, cv = thin_series(ch.times_ms, ch.total, steps)
        fig = go.Figure(go.Scatter(x=plot_times(ct), y=cv, name="path changes",
                                   line={"color": PALETTE[4]}))  # fmt: skip
        _layout(fig, "Path changes per time step", "pairs whose path changed", TIME)
        sec.blocks.append(Figure(fig_dict(fig), caption=bucket_caption(folder, "routes", steps)))
    if ok.size and not ok.all():
        reach = per_time_stats(t, ok.astype(float), qs=())
        steps = []
        rt, rv = thin_series(reach.times_ms, reach.mean, steps)
        fig = go.Figure(go.Scatter(x=plot_times(rt), y=rv,
                                   name="reachable", line={"color": PALETTE[3]}))  # fmt: skip
        _layout(fig, "Share of pairs reachable", "reachable fraction", TIME)
        fig.update_yaxes(range=[0, 1.05])
        sec.blocks.append(Figure(fig_dict(fig), caption=bucket_caption(folder, "routes", steps)))
    sec.blocks.append(Table("Routes", ["", ""], rows))


def common_bins(v: np.ndarray, n: int = 40) -> np.ndarray | None:
    """Histogram bin edges shared by all groups; a constant column gets a visible bin."""
    fin = v[np.isfinite(v)]
    if len(fin) == 0:
        return None
    lo, hi = float(fin.min()), float(fin.max())
    if hi - lo <= 1e-9 * max(1.0, abs(hi)):
        pad = max(abs(hi) * 0.02, 1e-9)
        lo, hi = lo - pad, hi + pad
    return np.linspace(lo, hi, n + 1)


def _links_blocks(folder: Results, sec: Section) -> None:
    cols = folder.columns("links")
    ls = link_series(folder)  # streamed by time step: memory independent of duration
    kl = ls.kinds
    fig = go.Figure()
    for k, label in enumerate(kl):
        up_t, up_n = ls.up.get(label, (np.zeros(0, np.int64), np.zeros(0)))
        fig.add_trace(go.Scatter(x=plot_times(up_t), y=up_n, name=esc(label),
                                 line={"color": PALETTE[k % len(PALETTE)]}))  # fmt: skip
    _layout(fig, "Links up", "links up", TIME)
    sec.blocks.append(Figure(fig_dict(fig), caption=bucket_caption(folder, "links",
                                                                    ls.bucket_steps)))  # fmt: skip
    for col, _scale, unit, title in (  # scale: stream.LINK_HISTOGRAMS
        ("capacity_bps", 1e-9, "Gbps", "Link capacity"),
        ("range_m", 1e-3, "km", "Link range"),
        ("utilisation", 1.0, "fraction", "Link utilisation"),
    ):
        if col not in cols or col not in ls.hist:
            continue
        edges, per_kind = ls.hist[col]
        fig = go.Figure()
        for k, label in enumerate(kl):
            if label not in per_kind:
                continue
            counts = per_kind[label]
            fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, name=esc(label),
                                 marker_color=PALETTE[k % len(PALETTE)], opacity=0.75,
                                 width=np.diff(edges)))  # fmt: skip
        fig.update_layout(barmode="overlay")
        _layout(fig, f"{title} (all link-steps with a value)", "link-steps", unit)
        sec.blocks.append(Figure(fig_dict(fig)))


def _link_budget_blocks(folder: Results, sec: Section) -> None:
    """Capacity against range of each optical terminal (``link_budget``), one figure each."""
    cols = folder.columns("link_budget")
    want = ["terminal", "range_m", "capacity_bps", "power_limited_bps", "channel_cap_bps"]
    tab = folder.read("link_budget", [c for c in [*want, "binding"] if c in cols])
    tc, tl = codes(tab["terminal"])
    bc, bl = codes(tab["binding"]) if "binding" in cols else (np.full(len(tc), -1), [])
    groups = [(j, f"capacity ({b} binds)") for j, b in enumerate(bl) if b != "range"]
    r_km = to_float(tab["range_m"]) * 1e-3
    cap = to_float(tab["capacity_bps"]) * 1e-9
    for k, name in enumerate(tl):
        m = tc == k
        fig = go.Figure()
        for j, label in groups or [(-1, "capacity")]:
            y = cap[m] if j < 0 else np.where(bc[m] == j, cap[m], np.nan)
            y = np.where(y > 0, y, np.nan)  # 0 beyond the range: not on a log axis
            if np.isfinite(y).any():
                line = {"color": PALETTE[j % len(PALETTE)], "width": 3}
                fig.add_trace(go.Scatter(x=r_km[m], y=y, mode="lines", name=esc(label), line=line))
        for col, dash, label in (
            ("power_limited_bps", "dash", "received power allows"),
            ("channel_cap_bps", "dot", "pairs x WDM x line rate"),
        ):
            if col in cols:
                y = to_float(tab[col])[m] * 1e-9
                line = {"color": "#7f7f7f", "dash": dash}
                fig.add_trace(go.Scatter(x=r_km[m], y=y, name=label, line=line))
        fig.update_xaxes(type="log")
        pos = cap[m][cap[m] > 0]  # the axis spans the capacity (power alone reaches far higher)
        span = [np.log10(pos.min()) - 1.5, np.log10(pos.max()) + 1.5] if len(pos) else None
        fig.update_yaxes(type="log", range=span)
        _layout(fig, f"Link capacity vs range: {esc(name)}", "capacity [Gbit/s]", "range [km]")
        caption = (
            "Capacity per direction of one link between two such terminals against range, "
            "coloured by the constraint that binds (docs/models-network.md); beyond the "
            "terminal's range the capacity is 0 and not drawn."
        )
        sec.blocks.append(Figure(fig_dict(fig), caption=caption))


# ---- spacecraft state ---------------------------------------------------------------------------

SPACECRAFT_PLOTS = tuple(
    (col, title, declared_unit("sat_state", col) or "fraction", 1.0, log)
    for col, title, log in (
        ("power_w", "Power generated per satellite", False),
        ("battery_soc", "Battery state of charge", False),
        ("temp_k", "Accelerator temperature", False),
        ("dose_rad", "Accumulated dose", False),
        ("density_kg_m3", "Atmospheric density at the satellites", True),
    )
)
"""sat_state columns plotted over time: (column, title, unit as declared, scale, log axis)."""


def _stats_figure(st: StatTraces, title: str, unit: str, log: bool) -> go.Figure:
    s = st.series
    fig = go.Figure()
    _band(fig, s["minimum"], s["maximum"], "#7f7f7f", "min–max")
    _band(fig, s[0.05], s[0.95], PALETTE[0], "5–95 %")
    fig.add_trace(go.Scatter(x=plot_times(s[0.5][0]), y=s[0.5][1], name="median",
                             line={"color": PALETTE[0], "width": 2}))  # fmt: skip
    fig.add_trace(go.Scatter(x=plot_times(s["mean"][0]), y=s["mean"][1], name="mean",
                             line={"color": PALETTE[1], "width": 1.2, "dash": "dot"}))  # fmt: skip
    _layout(fig, title, unit, TIME)
    if log:  # powers of ten: plotly's default SI prefixes read "100f kg/m³"
        fig.update_yaxes(type="log", exponentformat="power")
    return fig


def spacecraft_section(folder: Results) -> Section | None:
    """Power, battery, temperature, dose (and density) over time across the satellites."""
    if not folder.has("sat_state", "time", "sat"):
        return None
    cols = folder.columns("sat_state")
    present = [p for p in SPACECRAFT_PLOTS if p[0] in cols]
    if not present:
        return None
    sec = Section("sec-spacecraft", "Spacecraft: power, battery, temperature, dose")
    names = [p[0] for p in present]
    positive = tuple(p[0] for p in present if p[4])
    groups = _constellation_masks(folder)
    if len(groups) > 1:  # unlike constellations are never pooled: one band per constellation
        sec.intro.append(
            "Per constellation at each time step: median and 5–95 % band of its satellites "
            "(from sat_state; satellites.source names the constellation)."
        )
        by = {g: stream_time_traces(folder, "sat_state", names, positive_only=positive,
                                    include=m) for g, m in groups.items()}  # fmt: skip
        for col, title, unit, _, log in present:
            fig = _groups_figure({g: st[col] for g, st in by.items()}, title, unit, log)
            steps = [st[col].bucket_steps for st in by.values()]
            sec.blocks.append(Figure(fig_dict(fig), caption=bucket_caption(folder, "sat_state",
                                                                            steps)))  # fmt: skip
        return sec
    sec.intro.append(
        "Across all satellites at each time step: median, mean, 5–95 % band and min–max "
        "(from sat_state)."
    )
    stats = stream_time_traces(folder, "sat_state", names, positive_only=positive)  # streamed
    for col, title, unit, _, log in present:
        sec.blocks.append(Figure(fig_dict(_stats_figure(stats[col], title, unit, log)),
                                 caption=bucket_caption(folder, "sat_state",
                                                         stats[col].bucket_steps)))  # fmt: skip
    return sec


def _constellation_masks(folder: Results) -> dict[str, np.ndarray]:
    """Satellite index -> in this constellation, per constellation (``satellites.source``);
    empty when the folder does not say."""
    if not folder.has("satellites", "sat", "source"):
        return {}
    st = folder.read("satellites", ["sat", "source"])
    sat = st["sat"].to_numpy()
    src = np.array([str(x) for x in st["source"].to_pylist()])
    n = int(sat.max()) + 1 if len(sat) else 0
    out = {}
    for g in dict.fromkeys(src.tolist()):
        m = np.zeros(n, bool)
        m[sat[src == g]] = True
        out[g] = m
    return out


def _groups_figure(stats: dict[str, StatTraces], title: str, unit: str, log: bool) -> go.Figure:
    """Each constellation's median line and 5–95 % band, in its own colour."""
    fig = go.Figure()
    for i, (g, st) in enumerate(stats.items()):
        s = st.series
        colour = PALETTE[i % len(PALETTE)]
        _band(fig, s[0.05], s[0.95], colour, f"{esc(g)} 5–95 %")
        fig.add_trace(go.Scatter(x=plot_times(s[0.5][0]), y=s[0.5][1], name=f"{esc(g)} median",
                                 line={"color": colour, "width": 2}))  # fmt: skip
    _layout(fig, title, unit, TIME)
    if log:
        fig.update_yaxes(type="log", exponentformat="power")
    return fig


# ---- compute delivered and lost -------------------------------------------------------------------

_LOST_RE = re.compile(r"^(?:compute_)?lost_(.+)_w$|^compute_lost_(.+)_w$")


def lost_columns(names: list[str]) -> dict[str, str]:
    """Explicit 'compute lost by cause' columns of sat_state: column -> cause."""
    out = {}
    for c in names:
        m = _LOST_RE.match(c)
        if m:
            out[c] = (m.group(1) or m.group(2)).replace("_", " ")
    return out


def compute_section(folder: Results) -> Section | None:
    """Compute delivered over time, and lost by cause (failures, heat, eclipse, power, other).

    Three sources, best first: explicit ``lost_<cause>_w`` columns of sat_state; the
    ``capacity`` column (delivered fraction of each satellite's peak compute) with the
    ``failed`` / ``thermal_throttled`` / ``eclipse`` / ``power_throttled`` flags; or
    ``compute_w`` against each satellite's own peak in the run.
    """
    if not folder.has("sat_state", "time", "sat") or not (
        folder.has("sat_state", "compute_w") or folder.has("sat_state", "capacity")
    ):
        return None
    sec = Section("sec-compute", "Compute delivered and lost")
    cs = compute_series(folder)  # streamed by time step: memory independent of duration
    if cs is None:
        return None
    dt_s = _step_s(folder.unique_times("sat_state")) or 0.0
    explicit_cols = sorted(lost_columns(folder.columns("sat_state")))
    if cs.mode != "capacity":
        unit, scale, total_unit = "kW", 1e-3, "kWh"
        if cs.mode == "explicit":
            sec.intro.append(
                "Delivered: power to the accelerators (sat_state.compute_w), summed over "
                "satellites. Lost by cause: the sat_state columns "
                + ", ".join(explicit_cols) + "."
            )  # fmt: skip
        else:
            sec.intro.append(
                "Delivered: power to the accelerators (sat_state.compute_w), summed over "
                "satellites. Lost: each satellite's shortfall from its own peak compute_w in this "
                "run (what the run showed it can draw, not a nameplate value), given to the "
                "first cause that holds: failure, throttling, eclipse, power, else other."
            )
    else:
        unit, scale, total_unit = "satellites at peak", 1.0, "compute at peak [satellite-h]"
        sec.intro.append(
            f"{cs.n_with_accelerators:,} satellites carry accelerators. Delivered: the sum of their "
            "sat_state.capacity (delivered fraction of each satellite's peak compute), so the "
            "stack reaches the number of compute satellites. Lost: 1 - capacity, given to the "
            "first cause that holds: failed, thermal_throttled, eclipse (with power_throttled "
            "or not), power_throttled, else other (overheads such as ECC, checkpoints, "
            "restarts and failed accelerators)."
        )
    x = plot_times(cs.times_ms)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=cs.delivered * scale, name="delivered", stackgroup="c",
                             line={"color": PALETTE[2]}))  # fmt: skip
    totals = [("delivered", cs.delivered_total * scale * dt_s / 3600.0)]
    colours = {"failures": PALETTE[3], "thermal throttling": PALETTE[1], "throttling": PALETTE[1],
               "eclipse (power)": PALETTE[4], "power": PALETTE[8]}  # fmt: skip
    for k, (cause, v) in enumerate(cs.lost.items()):
        colour = colours.get(cause, PALETTE[(k + 5) % len(PALETTE)])
        fig.add_trace(go.Scatter(x=x, y=v * scale,
                                 name="lost: " + esc(cause), stackgroup="c",
                                 line={"color": colour}))  # fmt: skip
        totals.append(("lost: " + cause, cs.lost_totals[cause] * scale * dt_s / 3600.0))
    _layout(fig, "Compute: delivered and lost (all satellites)", unit, TIME, height=380)
    note = bucket_caption(folder, "sat_state", cs.bucket_steps)
    if note:  # stacked: a bucket's steps are where the whole stack is lowest and highest
        note += " The layers are shown at the steps where their stack is lowest and highest."
    sec.blocks.append(Figure(fig_dict(fig), wide=True, caption=note))
    fig = go.Figure(go.Bar(
        x=[esc(n).replace(": ", ":<br>") for n, _ in totals], y=[round(e, 6) for _, e in totals],
        marker_color=[PALETTE[2]] + [colours.get(n[6:], PALETTE[7]) for n, _ in totals[1:]],
    ))  # fmt: skip
    _layout(fig, "Over the run", total_unit)
    sec.blocks.append(Figure(fig_dict(fig)))
    if cs.flag_share:
        fig = go.Figure()
        for k, (c, (ft, share)) in enumerate(cs.flag_share.items()):
            fig.add_trace(go.Scatter(x=plot_times(ft), y=share, name=c,
                                     line={"color": PALETTE[(k + 3) % len(PALETTE)]}))  # fmt: skip
        _layout(fig, "Share of satellites throttled or failed", "share of satellites", TIME)
        fig.update_yaxes(range=[0, 1.05])
        sec.blocks.append(Figure(fig_dict(fig), caption=bucket_caption(folder, "sat_state",
                                                                        cs.bucket_steps)))  # fmt: skip
    return sec


# ---- workloads ---------------------------------------------------------------------------------


def workloads_section(folder: Results) -> Section | None:
    """Workload metrics by region (region_metrics), requests over time, jobs."""
    has_rm = folder.has("region_metrics", "region", "system")
    has_req = folder.has("requests")
    has_jobs = folder.has("jobs")
    if not (has_rm or has_req or has_jobs):
        return None
    sec = Section("sec-workloads", "Workloads by region")
    if has_rm:
        _region_blocks(folder, sec)
    if has_req:
        _requests_blocks(folder, sec)
    if has_jobs:  # the training section plots the jobs over time; here only a summary
        sec.blocks.append(_jobs_table(folder))
    return sec if sec.blocks else None


def _jobs_table(folder: Results) -> Table:
    """One row per job: its steps, steps running, the last committed work and the mean MFU
    (not the first rows of the per-step jobs table)."""
    cols: list[str] = [c for c in ("job", "state", "committed_eflop", "mfu")
                       if c in folder.columns("jobs")]  # fmt: skip
    tab = folder.read("jobs", cols)
    if "job" not in cols:
        return _table_from_arrow("Jobs", tab)
    g, jobs = codes(tab["job"])
    state = [str(x) for x in tab["state"].to_pylist()] if "state" in cols else None
    rows = []
    for k, name in enumerate(jobs):
        m = g == k
        row = [str(name), fmt(int(m.sum()))]
        if state is not None:
            row.append(fmt(int(sum(1 for i in np.flatnonzero(m) if state[i] == "running"))))
        for c in ("committed_eflop", "mfu"):
            if c in cols:
                v = to_float(tab[c])[m]
                v = v[np.isfinite(v)]
                row.append(fmt(float(v[-1] if c == "committed_eflop" else v.mean()))
                           if len(v) else "—")  # fmt: skip
        rows.append(row)
    header = ["job", "steps", *(["steps running"] if state is not None else []),
              *(["committed work at the end [EFLOP]"] if "committed_eflop" in cols else []),
              *(["mean MFU"] if "mfu" in cols else [])]  # fmt: skip
    return Table("Jobs (jobs table, per job)", header, rows)


def _region_blocks(folder: Results, sec: Section) -> None:
    want = ["region", "system", "period", "class", "requests", "served_fraction", "p50_ms",
            "p95_ms", "p99_ms"]  # fmt: skip
    full = folder.read("region_metrics", want)
    # region_metrics has one row per (region, system, period, class): plot the class "all"
    # where the table has it, else one series per (system, class); never pool the classes
    # (pooling stacked served fraction to 4 and latency to 800,000 ms).
    tab = full
    cls = [str(x) for x in full["class"].to_pylist()] if "class" in full.column_names else []
    if cls and "all" in cls and len(set(cls)) > 1:
        keep = np.flatnonzero(np.asarray(cls) == "all")
        tab = full.take(keep)
        cls = ["all"] * len(keep)
        sec.intro.append("Charts show the request class 'all'; the table lists every class.")
    n = tab.num_rows
    region = [str(x) for x in tab["region"].to_pylist()]
    system = [str(x) for x in tab["system"].to_pylist()]
    if cls and len(set(cls)) > 1:
        system = [f"{s} {c}" for s, c in zip(system, cls, strict=True)]
    period = [str(x) for x in tab["period"].to_pylist()] if "period" in tab.column_names else [
        "all"] * n  # fmt: skip
    req = to_float(tab["requests"]) if "requests" in tab.column_names else np.ones(n)
    # regions to show: all up to MAX_REGIONS, else those with the most requests
    tot: dict[str, float] = {}
    for r, q in zip(region, req, strict=True):
        tot[r] = tot.get(r, 0.0) + (q if np.isfinite(q) else 0.0)
    regions = sorted(tot)
    if len(regions) > MAX_REGIONS:
        regions = sorted(sorted(tot, key=lambda r: (-tot[r], r))[:MAX_REGIONS])
        sec.intro.append(f"The {MAX_REGIONS} regions with the most requests of {len(tot):,}.")
    periods = list(dict.fromkeys(period))
    systems = sorted(set(system))
    multi = len(periods) > 1

    def xaxis(rows: list[int]) -> Any:
        if multi:
            return [[esc(period[i]) for i in rows], [esc(region[i]) for i in rows]]
        return [esc(region[i]) for i in rows]

    def rows_of(sysname: str) -> list[int]:
        sel = [i for i in range(n) if system[i] == sysname and region[i] in regions]
        return sorted(sel, key=lambda i: (periods.index(period[i]), region[i]))

    for metric_cols, title, unit in (
        (["p50_ms", "p95_ms", "p99_ms"], "Latency percentiles by region", "ms"),
        (["served_fraction"], "Served fraction by region", "fraction"),
    ):
        metric_cols = [c for c in metric_cols if c in tab.column_names]
        if not metric_cols:
            continue
        fig = go.Figure()
        for k, sysname in enumerate(systems):
            rows = rows_of(sysname)
            for j, c in enumerate(metric_cols):
                v = to_float(tab[c])
                fig.add_trace(go.Bar(
                    x=xaxis(rows), y=[None if not np.isfinite(v[i]) else float(v[i])
                                      for i in rows],
                    name=f"{esc(sysname)} {c.removesuffix('_ms')}" if len(metric_cols) > 1
                    else esc(sysname),
                    marker_color=PALETTE[k % len(PALETTE)], opacity=1.0 - 0.28 * j,
                ))  # fmt: skip
        fig.update_layout(barmode="group")
        _layout(fig, title, unit, height=400)
        sec.blocks.append(Figure(fig_dict(fig), wide=True))
    fn = full.num_rows
    f_cls = [str(x) for x in full["class"].to_pylist()] if "class" in full.column_names else [
        ""] * fn  # fmt: skip
    f_per = [str(x) for x in full["period"].to_pylist()] if "period" in full.column_names else [
        "all"] * fn  # fmt: skip
    f_pos = {p: k for k, p in enumerate(dict.fromkeys(f_per))}
    f_reg = [str(x) for x in full["region"].to_pylist()]
    f_sys = [str(x) for x in full["system"].to_pylist()]
    order = sorted(range(fn), key=lambda i: (f_pos[f_per[i]], f_reg[i], f_sys[i], f_cls[i]))
    sub = full.take(np.asarray(order, dtype=np.int64)) if fn else full
    sec.blocks.append(_table_from_arrow("Region metrics", sub))


def _requests_blocks(folder: Results, sec: Section) -> None:
    cols = folder.columns("requests")
    if "time" not in cols:
        return
    group = "system" if "system" in cols else None
    lat = next((c for c in ("latency_ms", "ttft_ms", "time_to_first_token_ms", "rtt_ms")
                if c in cols), None)  # fmt: skip
    count_col = next((c for c in ("requests", "count", "n") if c in cols), None)
    tab = folder.read("requests", ["time", *(c for c in (group, lat, count_col) if c)])
    t = to_ms(tab["time"])
    g, gl = codes(tab[group]) if group else (np.zeros(len(t), np.int64), ["all"])
    w = to_float(tab[count_col]) if count_col else np.ones(len(t))
    fig = go.Figure()
    steps: list[int] = []
    for k, label in enumerate(gl):
        m = g == k
        st = per_time_stats(t[m], w[m], qs=())
        rt, rv = thin_series(st.times_ms, st.total, steps)
        fig.add_trace(go.Scatter(x=plot_times(rt), y=rv, name=esc(label),
                                 line={"color": PALETTE[k % len(PALETTE)]}))  # fmt: skip
    _layout(fig, "Requests per time step", "requests", TIME)
    sec.blocks.append(Figure(fig_dict(fig), caption=bucket_caption(folder, "requests", steps)))
    if lat and not count_col:
        v = to_float(tab[lat])
        fig = go.Figure()
        for k, label in enumerate(gl):
            xs, ps = ecdf(v[g == k])
            fig.add_trace(go.Scatter(x=xs, y=ps, name=esc(label),
                                     line={"color": PALETTE[k % len(PALETTE)]}))  # fmt: skip
        _layout(fig, f"Request latency ({lat})", "fraction ≤ latency", "ms")
        sec.blocks.append(Figure(fig_dict(fig)))


# ---- economics ---------------------------------------------------------------------------------

_ITEM_COLS = ("item", "component", "category", "line_item", "name", "input", "cost_item")


def economics_section(folder: Results, summary: dict[str, Any]) -> Section | None:
    """Cost breakdown from economics.parquet (and the cost KPIs of the summary)."""
    if not folder.has("economics"):
        return None
    tab = folder.read("economics", folder.columns("economics"))
    sec = Section("sec-economics", "Cost breakdown")
    names = tab.column_names
    strings = [c for c in names if pa.types.is_string(tab.schema.field(c).type)
               or pa.types.is_large_string(tab.schema.field(c).type)
               or pa.types.is_dictionary(tab.schema.field(c).type)]  # fmt: skip
    numeric = [c for c in names if pa.types.is_integer(tab.schema.field(c).type)
               or pa.types.is_floating(tab.schema.field(c).type)]  # fmt: skip
    value = next((c for c in numeric if "usd" in c.lower() or "cost" in c.lower()), None)
    value = value or (numeric[0] if numeric else None)
    sysc = "system" if "system" in strings else None
    item = next((c for c in _ITEM_COLS if c in strings and c != sysc), None)
    item = item or next((c for c in strings if c != sysc), None)
    from orbitcloud.report.story import economics_story

    story = economics_story(folder, summary)
    if story:
        sec.blocks.extend(story)
        sec.intro.append(
            "The per-row costs and every sensitivity case are in economics.parquet "
            "(docs/tables.md)."
        )
    elif value and item and tab.num_rows:
        v = to_float(tab[value])
        items = [str(x) for x in tab[item].to_pylist()]
        systems = [str(x) for x in tab[sysc].to_pylist()] if sysc else [""] * tab.num_rows
        fig = go.Figure()
        for k, it in enumerate(dict.fromkeys(items)):
            rows = [i for i in range(tab.num_rows) if items[i] == it]
            fig.add_trace(go.Bar(
                x=[esc(systems[i]) or esc(value) for i in rows],
                y=[float(v[i]) if np.isfinite(v[i]) else None for i in rows],
                name=esc(it), marker_color=PALETTE[k % len(PALETTE)],
            ))  # fmt: skip
        fig.update_layout(barmode="relative")
        _layout(fig, f"{value} by {item}" + (f" and {sysc}" if sysc else ""),
                esc(value) + (" [USD]" if "usd" in value.lower() else ""),
                height=420)  # fmt: skip
        sec.blocks.append(Figure(fig_dict(fig), wide=True))
    if not story:
        sec.blocks.append(_table_from_arrow("economics table", tab))
    costs = [
        (k, v)
        for k, v in _flatten(_dict(summary.get("kpis")))
        if any(w in k.lower() for w in ("usd", "cost", "price", "break_even", "breakeven"))
    ]
    if costs:
        sec.blocks.append(Table("Cost KPIs", ["KPI", "value"], [[k, fmt(v)] for k, v in costs]))
    return sec


def build_sections(
    folder: Results,
    scenario: dict[str, Any],
    summary: dict[str, Any],
    max_sats: int = MAX_SATS,
    max_frames: int = MAX_FRAMES,
) -> list[Section]:
    """Every section the folder's tables can feed, in report order: the scenario, the story
    sections (:mod:`orbitcloud.report.story`), then the globe and the model sections."""
    from orbitcloud.report.story import story_sections  # story builds on this module

    out: list[Section | None] = [
        scenario_section(folder, scenario, summary),
        *story_sections(folder, scenario, summary),
        globe_section(folder, max_sats, max_frames),
        tracks_section(folder),
        network_section(folder),
        spacecraft_section(folder),
        compute_section(folder),
        workloads_section(folder),
        economics_section(folder, summary),
    ]
    return [s for s in out if s is not None]


__all__ = [
    "Figure",
    "Section",
    "Table",
    "build_sections",
    "esc",
]
