"""Story sections: the charts that show a scenario's answer, each built only when its data
exists (an outage time series, the users/gateways/data-centres map, Earth observation,
training, the economics waterfall and tornado).

Like :mod:`orbitcloud.report.sections`, every builder reads the results tables and the
summary only, checks the columns it uses and returns ``None`` when they are absent.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pyarrow.compute as pc

from orbitcloud.report.columns import codes, per_time_stats, to_float, to_ms
from orbitcloud.report.sections import (
    PALETTE,
    TIME,
    Figure,
    Section,
    Table,
    _dict,
    _layout,
    _list,
    bucket_caption,
    esc,
    fig_dict,
    fmt,
    plot_times,
    thin_series,
)
from orbitcloud.results.reader import Results

__all__ = [
    "OTHER_SHARE",
    "TORNADO_BARS",
    "economics_story",
    "eo_section",
    "group_small",
    "map_section",
    "outage_section",
    "prompt_class",
    "story_sections",
    "training_section",
]

SYSTEM_COLOURS = {"orbital": PALETTE[0], "terrestrial": PALETTE[2]}
OTHER_SHARE = 0.02
"""Waterfall items below this share of their system's total are grouped as "other"."""
TORNADO_BARS = 10
"""Sensitivities shown in the tornado (the largest swings)."""
OUTAGE_SHADE = "rgba(214,39,40,0.12)"


def _ts(text: Any) -> datetime | None:
    try:
        t = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _plot_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _windows(scenario: dict[str, Any], kinds: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """``(label, start, end)`` of the scenario's events of these kinds (plot times)."""
    out = []
    for e in _list(scenario.get("events")):
        e = _dict(e)
        start = _ts(e.get("start"))
        if e.get("kind") not in kinds or start is None:
            continue
        try:
            dur = float(e.get("duration_h") or 0.0)
        except (TypeError, ValueError):
            continue
        end = start + timedelta(hours=dur)
        label = str(e.get("name") or e.get("kind"))
        out.append((label, _plot_time(start), _plot_time(end)))
    return out


def _shade(fig: go.Figure, windows: list[tuple[str, str, str]], colour: str = OUTAGE_SHADE) -> None:
    for label, a, b in windows:
        fig.add_vrect(x0=a, x1=b, fillcolor=colour, line_width=0, layer="below",
                      annotation_text=esc(label), annotation_position="top left")  # fmt: skip


# ---- outage ------------------------------------------------------------------------------------


PATIENT_WAIT_S = 60.0
"""A request class allowed to wait this long [s] or more is batch-like: no one waits for it at
a prompt (the scheduling tail explanation uses the same line)."""
PCT_DASH = {"p50": "solid", "p95": "dash"}


def prompt_class(scenario: dict[str, Any], requests: dict[str, float]) -> tuple[str, str] | None:
    """The request class whose per-step latency the outage chart shows, and why (one phrase).

    The most requested class among those someone waits for at a prompt (``max_wait_s`` below
    :data:`PATIENT_WAIT_S`; ties: the higher priority, then the tighter objective), from the
    scenario's classes; without them, the class with the most requests in ``requests``.
    """
    classes = [_dict(c) for c in _list(_dict(_dict(scenario.get("workloads")).get("inference"))
                                       .get("classes"))]  # fmt: skip
    classes = [c for c in classes if str(c.get("name")) in requests]

    def num(c: dict[str, Any], k: str, default: float) -> float:
        v = c.get(k)
        return float(v) if isinstance(v, int | float) else default

    waiting = [c for c in classes if num(c, "max_wait_s", 0.0) < PATIENT_WAIT_S]
    if waiting:
        c = min(waiting, key=lambda c: (-num(c, "share", 0.0), num(c, "priority", 1.0),
                                        num(c, "slo_ttft_ms", 0.0)))  # fmt: skip
        patient = [str(x.get("name")) for x in classes if x not in waiting]
        why = (f"{num(c, 'share', 0.0):.0%} of requests, time-to-first-token objective "
               f"{fmt(c.get('slo_ttft_ms'))} ms: the most requested class a user waits for at a "
               f"prompt (allowed to queue under {PATIENT_WAIT_S:.0f} s)")  # fmt: skip
        if patient:
            why += (f"; {', '.join(map(repr, patient))} may queue for minutes by design and "
                    "would set the percentiles of a pooled chart")  # fmt: skip
        return str(c.get("name")), why
    if not requests:
        return None
    name = max(requests, key=lambda k: requests[k])
    return name, "the class with the most requests in this region (no class limits in the run)"


def _outage_latency(folder: Results, scenario: dict[str, Any], region: str) -> Figure | None:
    """The latency chart of the outage region: p50 (solid) and p95 (dashed) per step of one
    class (:func:`prompt_class`), orbital vs terrestrial; percentiles of different classes are
    never combined. An old results folder without ``latency_p50_ms``/``latency_p95_ms`` gets
    the admitted-weighted mean of all classes; None without a latency column."""
    cols = set(folder.columns("requests"))
    flt = pc.field("region") == region
    fig = go.Figure()
    steps: list[int] = []  # bucket lengths of the thinned lines (caption)
    if {"class", "latency_p50_ms", "latency_p95_ms"} <= cols:
        tab = folder.read("requests", ["time", "system", "class", "requests", "latency_p50_ms",
                                       "latency_p95_ms"], filter=flt)  # fmt: skip
        ci, cnames = codes(tab["class"])
        req = np.nan_to_num(to_float(tab["requests"]))
        per = {str(n): float(req[ci == i].sum()) for i, n in enumerate(cnames)}
        pick = prompt_class(scenario, per)
        if pick is None:
            return None
        cls, why = pick
        g, systems = codes(tab["system"])
        t = to_ms(tab["time"])
        for k, name in enumerate(systems):
            m = (ci == cnames.index(cls)) & (g == k)  # one row per step: nothing is pooled
            o = np.argsort(t[m], kind="stable")
            colour = SYSTEM_COLOURS.get(str(name), PALETTE[(k + 3) % len(PALETTE)])
            for q in ("p50", "p95"):
                x, y = thin_series(t[m][o], to_float(tab[f"latency_{q}_ms"])[m][o], steps)
                fig.add_trace(go.Scatter(
                    x=plot_times(x), y=y, name=esc(f"{name} {q}"), legendgroup=esc(name),
                    line={"color": colour, "dash": PCT_DASH[q]}))  # fmt: skip
        title = f"Time to first token in {esc(region)}, class {esc(cls)}: p50 and p95 per step"
        text = (f"Latency chart: class {cls!r} only ({why}); p50 solid, p95 dashed, from each "
                "step's latency histogram (requests table).")  # fmt: skip
    elif "latency_mean_ms" in cols:
        tab = folder.read("requests", ["time", "system", "admitted", "latency_mean_ms"],
                          filter=flt)  # fmt: skip
        t, (g, systems) = to_ms(tab["time"]), codes(tab["system"])
        adm, lat = np.nan_to_num(to_float(tab["admitted"])), to_float(tab["latency_mean_ms"])
        for k, name in enumerate(systems):
            ok = (g == k) & np.isfinite(lat)
            sw = per_time_stats(t[ok], lat[ok] * adm[ok], qs=())
            sn = per_time_stats(t[ok], adm[ok], qs=())
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(sn.total > 0, sw.total / sn.total, np.nan)
            colour = SYSTEM_COLOURS.get(str(name), PALETTE[(k + 3) % len(PALETTE)])
            x, y = thin_series(sw.times_ms, mean, steps)
            fig.add_trace(go.Scatter(x=plot_times(x), y=y, name=esc(name),
                                     line={"color": colour}))  # fmt: skip
        title = f"Latency in {esc(region)} (mean per step)"
        text = ("Latency chart: the mean time to first token of the admitted requests of all "
                "classes, weighted by admitted requests (this results folder predates the "
                "per-step percentiles of the requests table).")  # fmt: skip
    else:
        return None
    _shade(fig, _windows(scenario, ("terrestrial_outage",)))
    _layout(fig, title, "time to first token [ms]", TIME)
    fig.update_yaxes(type="log")
    return Figure(fig_dict(fig), caption=bucket_caption(folder, "requests", steps, text))


def outage_section(folder: Results, scenario: dict[str, Any]) -> Section | None:
    """Served fraction and latency per step in the outage region, orbital vs terrestrial, with
    the outage window shaded (from the ``requests`` table: served fraction summed over the
    request classes, latency percentiles of one class, :func:`_outage_latency`)."""
    outages = [_dict(e) for e in _list(scenario.get("events"))
               if _dict(e).get("kind") == "terrestrial_outage" and _dict(e).get("region")]  # fmt: skip
    need = ("time", "system", "region", "requests", "admitted")
    if not outages or not folder.has("requests", *need):
        return None
    region = str(outages[0]["region"])
    tab = folder.read("requests", list(need), filter=pc.field("region") == region)
    if tab.num_rows == 0:
        return None
    t = to_ms(tab["time"])
    g, systems = codes(tab["system"])
    req = np.nan_to_num(to_float(tab["requests"]))
    adm = np.nan_to_num(to_float(tab["admitted"]))
    windows = _windows(scenario, ("terrestrial_outage",))
    sec = Section("sec-outage", f"Outage: {region}")
    sec.intro.append(
        f"Requests from {region} at each time step, orbital and terrestrial (requests table): "
        "served fraction = admitted / offered, summed over the request classes. The shaded band "
        "is the outage window of the scenario's terrestrial_outage event. p50/p95/p99 over the "
        "whole outage are in the region table below the charts (region_metrics, period "
        "'during')."
    )
    f_sf = go.Figure()
    steps: list[int] = []
    for k, name in enumerate(systems):
        m = g == k
        if not m.any():
            continue
        colour = SYSTEM_COLOURS.get(str(name), PALETTE[(k + 3) % len(PALETTE)])
        so = per_time_stats(t[m], req[m], qs=())
        sa = per_time_stats(t[m], adm[m], qs=())
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.where(so.total > 0, sa.total / so.total, np.nan)
        x, y = thin_series(so.times_ms, np.clip(frac, 0.0, 1.0), steps)
        f_sf.add_trace(go.Scatter(x=plot_times(x), y=y, name=esc(name),
                                  line={"color": colour}))  # fmt: skip
    _shade(f_sf, windows)
    _layout(f_sf, f"Served fraction in {esc(region)}", "served fraction [1]", TIME)
    f_sf.update_yaxes(range=[0, 1.05])
    sec.blocks.append(Figure(fig_dict(f_sf), caption=bucket_caption(folder, "requests", steps)))
    lat = _outage_latency(folder, scenario, region)
    if lat is not None:
        sec.blocks.append(lat)
    if folder.has("region_metrics", "region", "system", "period"):
        rm = folder.read("region_metrics", folder.columns("region_metrics"),
                         filter=pc.field("region") == region)  # fmt: skip
        if "class" in rm.column_names:
            rm = rm.filter(pc.equal(rm["class"], "all"))
        keep = [c for c in ("system", "period", "served_fraction", "p50_ms", "p95_ms", "p99_ms")
                if c in rm.column_names]  # fmt: skip
        rows = [[fmt(r[c]) for c in keep] for r in rm.select(keep).to_pylist()]
        if rows:
            sec.blocks.append(Table(f"{region}: by period (class 'all')", keep, rows))
    return sec


# ---- map ---------------------------------------------------------------------------------------


def _centre(bbox: Any) -> tuple[float, float] | None:
    b = _list(bbox) if not isinstance(bbox, list | tuple) else list(bbox)
    try:
        lon0, lat0, lon1, lat1 = (float(x) for x in b)
    except (TypeError, ValueError):
        return None
    return (lon0 + lon1) / 2.0, (lat0 + lat1) / 2.0


def map_section(folder: Results, scenario: dict[str, Any]) -> Section | None:
    """Users sized by demand (population), gateways, the terrestrial data centres of the
    scenario, and the median latency by region (region_metrics, class 'all', period 'all')."""
    if not folder.has("ground", "name", "kind", "lat_deg", "lon_deg"):
        return None
    wl = _dict(scenario.get("workloads"))
    dcs = [_dict(d) for d in _list(_dict(wl.get("terrestrial")).get("data_centres"))]
    dcs = [d for d in dcs if isinstance(d.get("lat_deg"), int | float)
           and isinstance(d.get("lon_deg"), int | float)]  # fmt: skip
    cols: list[str] = [c for c in ("name", "kind", "lat_deg", "lon_deg", "population")
            if c in folder.columns("ground")]  # fmt: skip
    g = folder.read("ground", cols)
    kinds = np.asarray([str(k) for k in g["kind"].to_pylist()])
    users = kinds == "user"
    if not users.any() or not (dcs or (kinds == "gateway").any()):
        return None
    lat, lon = to_float(g["lat_deg"]), to_float(g["lon_deg"])
    names = [str(n) for n in g["name"].to_pylist()]
    pop = to_float(g["population"]) if "population" in g.column_names else np.ones(len(names))
    pop = np.nan_to_num(pop)
    size = 4.0 + 18.0 * np.sqrt(pop / pop[users].max()) if pop[users].max() > 0 else np.full(
        len(pop), 6.0)  # fmt: skip
    fig = go.Figure()
    iu = np.flatnonzero(users)
    fig.add_trace(go.Scattergeo(
        lon=np.round(lon[iu], 3), lat=np.round(lat[iu], 3), mode="markers", name="users (cities)",
        marker={"size": np.round(size[iu], 1), "color": PALETTE[1], "opacity": 0.6,
                "line": {"width": 0}},
        text=[f"{esc(names[i])}: population {fmt(pop[i])}" for i in iu], hoverinfo="text",
    ))  # fmt: skip
    ig = np.flatnonzero(kinds == "gateway")
    if len(ig):
        fig.add_trace(go.Scattergeo(
            lon=np.round(lon[ig], 3), lat=np.round(lat[ig], 3), mode="markers", name="gateways",
            marker={"size": 9, "color": PALETTE[0], "symbol": "triangle-up"},
            text=[esc(names[i]) for i in ig], hoverinfo="text",
        ))  # fmt: skip
    if dcs:
        fig.add_trace(go.Scattergeo(
            lon=[float(d["lon_deg"]) for d in dcs], lat=[float(d["lat_deg"]) for d in dcs],
            mode="markers", name="terrestrial data centres",
            marker={"size": 11, "color": PALETTE[2], "symbol": "square",
                    "line": {"width": 1, "color": "#123"}},
            text=[f"{esc(d.get('name', ''))}: {fmt(d.get('accelerators'))} accelerators"
                  for d in dcs], hoverinfo="text",
        ))  # fmt: skip
    rows = _region_latency(folder, wl)
    if rows:
        fig.add_trace(go.Scattergeo(
            lon=[r[1][0] for r in rows], lat=[r[1][1] for r in rows], mode="text",
            text=[f"<b>{esc(r[0])}</b><br>" + "<br>".join(f"{esc(s)} p50 {v:.0f} ms"
                                                       for s, v in r[2]) for r in rows],
            textfont={"size": 11, "color": "#0f1b2d"}, name="median latency by region",
            hoverinfo="text",
        ))  # fmt: skip
    fig.update_geos(
        projection_type="natural earth", showland=True, landcolor="#eef0e6", showocean=True,
        oceancolor="#dce9f5", showcountries=True, countrycolor="#bbbbbb", resolution=110,
        fitbounds="locations",
    )  # fmt: skip
    _layout(fig, "Users, gateways and data centres", height=500)
    fig.update_layout(margin={"l": 10, "r": 10, "t": 46, "b": 10})
    sec = Section("sec-map", "Map: users, gateways, data centres")
    sec.intro.append(
        f"{int(users.sum()):,} user cities (marker area by population), "
        f"{len(ig):,} gateways and {len(dcs):,} terrestrial data centres (from the scenario's "
        "workloads.terrestrial.data_centres)"
        + ("; the labels give the median time to first token per region and system "
           "(region_metrics, class 'all', whole run)." if rows else ".")
    )  # fmt: skip
    sec.blocks.append(Figure(fig_dict(fig), wide=True))
    return sec


def _region_latency(
    folder: Results, wl: dict[str, Any]
) -> list[tuple[str, tuple[float, float], list[tuple[str, float]]]]:
    if not folder.has("region_metrics", "region", "system", "p50_ms"):
        return []
    where: dict[str, tuple[float, float]] = {}
    for r in _list(wl.get("regions")):
        c = _centre(_dict(r).get("bbox_deg"))
        if c is not None and _dict(r).get("name"):
            where[str(_dict(r)["name"])] = c
    if not where:
        return []
    cols: list[str] = [c for c in ("region", "system", "period", "class", "p50_ms")
            if c in folder.columns("region_metrics")]  # fmt: skip
    rm = folder.read("region_metrics", cols).to_pylist()
    out: dict[str, list[tuple[str, float]]] = {}
    for r in rm:
        if r.get("period", "all") != "all" or r.get("class", "all") != "all":
            continue
        v = r.get("p50_ms")
        if r["region"] in where and isinstance(v, float) and np.isfinite(v):
            out.setdefault(str(r["region"]), []).append((str(r["system"]), v))
    return [(k, where[k], sorted(v)) for k, v in sorted(out.items())]


# ---- earth observation ---------------------------------------------------------------------------


def eo_section(folder: Results) -> Section | None:
    """Capture -> (process) -> downlink per EO mode: bytes at each stage, time to insight, and
    the on-board queue and downlink over time (eo, eo_network)."""
    if not folder.has("eo", "mode", "captured_gb"):
        return None
    eo = folder.read("eo", folder.columns("eo")).to_pylist()
    modes = [str(r["mode"]) for r in eo]
    sec = Section("sec-eo", "Earth observation: capture, process, downlink")
    sec.intro.append(
        "Each processing mode sees the same captures. Raw downlink sends every captured byte to "
        "the ground and the insight is made there; orbital edge processing makes the insight on "
        "board and downlinks only the product. Bytes per stage (eo table) and time from capture "
        "to insight on the ground."
    )
    stages = [c for c in ("captured_gb", "downlinked_gb", "insight_gb", "pending_gb")
              if c in eo[0]]  # fmt: skip
    fig = go.Figure()
    for k, st in enumerate(stages):
        fig.add_trace(go.Bar(x=[esc(m) for m in modes], y=[r.get(st) for r in eo],
                             name=st.removesuffix("_gb").replace("_", " "),
                             marker_color=PALETTE[k % len(PALETTE)]))  # fmt: skip
    fig.update_layout(barmode="group")
    _layout(fig, "Bytes per stage", "data [GB]")
    sec.blocks.append(Figure(fig_dict(fig)))
    qs = [c for c in ("insight_p50_min", "insight_p95_min", "insight_p99_min") if c in eo[0]]
    if qs:
        fig = go.Figure()
        for k, c in enumerate(qs):
            fig.add_trace(go.Bar(x=[esc(m) for m in modes], y=[r.get(c) for r in eo],
                                 name=c.removeprefix("insight_").removesuffix("_min"),
                                 marker_color=PALETTE[(k + 4) % len(PALETTE)]))  # fmt: skip
        fig.update_layout(barmode="group")
        _layout(fig, "Time from capture to insight", "time to insight [min]")
        sec.blocks.append(Figure(fig_dict(fig)))
    if folder.has("eo_network", "time", "mode", "queued_gb"):
        cols: list[str] = [c for c in ("time", "mode", "queued_gb", "downlink_gb")
                if c in folder.columns("eo_network")]  # fmt: skip
        tab = folder.read("eo_network", cols)
        t = to_ms(tab["time"])
        g, labels = codes(tab["mode"])
        for col, title, ytitle in (("queued_gb", "On-board queue", "queued data [GB]"),
                                 ("downlink_gb", "Downlinked per step", "downlinked [GB]")):  # fmt: skip
            if col not in tab.column_names:
                continue
            v = to_float(tab[col])
            fig = go.Figure()
            steps: list[int] = []
            for k, name in enumerate(labels):
                ts = per_time_stats(t[g == k], v[g == k], qs=())
                xt, yv = thin_series(ts.times_ms, ts.total, steps)
                fig.add_trace(go.Scatter(x=plot_times(xt), y=yv, name=esc(name),
                                         line={"color": PALETTE[k % len(PALETTE)]}))  # fmt: skip
            _layout(fig, title, ytitle, TIME)
            sec.blocks.append(
                Figure(fig_dict(fig), caption=bucket_caption(folder, "eo_network", steps))
            )
    keep = [c for c in ("mode", "captured_gb", "downlinked_gb", "insight_gb", "served_fraction",
                        "insight_p50_min", "insight_p95_min", "queued_gb_peak") if c in eo[0]]  # fmt: skip
    sec.blocks.append(Table("EO modes", keep, [[fmt(r.get(c)) for c in keep] for r in eo]))
    return sec


# ---- training ----------------------------------------------------------------------------------


def training_section(folder: Results, scenario: dict[str, Any]) -> Section | None:
    """Committed work and training rate over time per job, with storm windows shaded and the
    steps where a job stopped (eclipse, radiation, checkpoint, restart ...) marked."""
    if not folder.has("jobs", "time", "job"):
        return None
    cols: list[str] = [c for c in ("time", "job", "state", "committed_eflop", "rate_pflop_s", "mfu",
                        "stop_reason") if c in folder.columns("jobs")]  # fmt: skip
    if "committed_eflop" not in cols and "rate_pflop_s" not in cols:
        return None
    tab = folder.read("jobs", cols)
    t = to_ms(tab["time"])
    g, jobs = codes(tab["job"])
    state = np.asarray([str(s) for s in tab["state"].to_pylist()]) if "state" in cols else None
    storms = _windows(scenario, ("solar_storm",))
    sec = Section("sec-training", "Training: goodput and committed work")
    sec.intro.append(
        "Per training job (jobs table): work committed by checkpoints so far, and the training "
        "rate at each step (0 while the job is stopped). Shaded: the scenario's solar storms; "
        "markers: the steps where the job was not running, by the reason the run gives "
        "(eclipse, heat, radiation, links, checkpoint, restart)."
    )
    for col, title, unit in (("committed_eflop", "Committed work", "committed work [EFLOP]"),
                             ("rate_pflop_s", "Training rate", "rate [PFLOP/s]")):  # fmt: skip
        if col not in cols:
            continue
        v = to_float(tab[col])
        fig = go.Figure()
        buckets: list[int] = []
        marks: list[int] = []
        for k, name in enumerate(jobs):
            m = g == k
            xt, yv = thin_series(t[m], v[m], buckets)
            fig.add_trace(go.Scatter(x=plot_times(xt), y=yv, name=esc(name),
                                     line={"color": PALETTE[k % len(PALETTE)]}))  # fmt: skip
            if state is not None:
                for j, s in enumerate(sorted(set(state[m]) - {"running"})):
                    ms = m & (state == s)
                    xt, yv = thin_series(t[ms], v[ms], marks)
                    fig.add_trace(go.Scatter(
                        x=plot_times(xt), y=yv, mode="markers", name=f"{esc(name)}: {esc(s)}",
                        marker={"size": 7, "symbol": "x", "color": PALETTE[(j + 3) % len(PALETTE)]},
                    ))  # fmt: skip
        _shade(fig, storms, "rgba(148,103,189,0.13)")
        _layout(fig, title, unit, TIME)
        note = bucket_caption(folder, "jobs", buckets)
        if max(marks, default=1) > 1:
            note += " Markers are thinned by the same rule (lowest and highest of each bucket)."
        sec.blocks.append(Figure(fig_dict(fig), caption=note.strip()))
    if state is not None:
        steps = {s: int((state == s).sum()) for s in sorted(set(state))}
        sec.blocks.append(Table("Steps by job state", ["state", "steps"],
                                [[s, fmt(n)] for s, n in steps.items()]))  # fmt: skip
    return sec


# ---- economics ---------------------------------------------------------------------------------


def group_small(items: dict[str, float], share: float = OTHER_SHARE) -> dict[str, float]:
    """``items`` largest first, with every item below ``share`` of the total summed as
    "other" (kept only when it is not zero)."""
    total = sum(v for v in items.values() if np.isfinite(v))
    big = {k: v for k, v in items.items() if np.isfinite(v) and total > 0 and v >= share * total}
    other = sum(v for k, v in items.items() if np.isfinite(v) and k not in big)
    out = dict(sorted(big.items(), key=lambda kv: -kv[1]))
    if other != 0:
        out["other"] = other
    return out


def _basis(cols: list[str]) -> tuple[str, str] | None:
    for c, unit in (("usd_per_accelerator_hour", "USD per accelerator-hour"),
                    ("annual_usd", "USD per year")):  # fmt: skip
        if c in cols:
            return c, unit
    return None


def economics_story(folder: Results, summary: dict[str, Any]) -> list[Any]:
    """A cost waterfall per system and a tornado of the sensitivities (figures), from the
    economics table (kind 'cost' and 'sensitivity'); empty when the table lacks the columns."""
    need = ("kind", "system", "item")
    if not folder.has("economics", *need):
        return []
    cols = folder.columns("economics")
    basis = _basis(cols)
    if basis is None:
        return []
    col, unit = basis
    rows = folder.read("economics", cols).to_pylist()
    out: list[Any] = []
    cost = [r for r in rows if r["kind"] == "cost" and r.get("case", "base") in ("base", None)]
    if cost:
        fig = go.Figure()
        for system in ("orbital", "terrestrial"):
            items = {str(r["item"]): float(r[col]) for r in cost
                     if r["system"] == system and r.get(col) is not None}  # fmt: skip
            if not items:
                continue
            items = group_small(items)
            x = [[system] * (len(items) + 1), [esc(k) for k in items] + ["total"]]
            fig.add_trace(go.Waterfall(
                x=x, y=[*items.values(), 0.0], measure=["relative"] * len(items) + ["total"],
                name=system, increasing={"marker": {"color": SYSTEM_COLOURS[system]}},
                totals={"marker": {"color": "#0f1b2d"}}, connector={"line": {"width": 0.5}},
            ))  # fmt: skip
        _layout(fig, f"Cost by item ({unit})", f"cost [{unit}]", height=420)
        fig.update_layout(showlegend=False)
        out.append(Figure(fig_dict(fig), wide=True, caption=(
            f"Cost items of each system on one basis ({col}, case 'base'); items below "
            f"{OTHER_SHARE:.0%} of their system's total are grouped as 'other'.")))  # fmt: skip
    tornado = _tornado(rows, col, unit, _dict(summary.get("economics")))
    if tornado is not None:
        out.append(tornado)
    return out


def _tornado(rows: list[dict[str, Any]], col: str, unit: str, eco: dict[str, Any]) -> Any:
    base: dict[str, float] = {}
    for r in rows:
        if r["kind"] == "cost" and r.get(col) is not None and np.isfinite(r[col]):
            base[r["system"]] = base.get(r["system"], 0.0) + float(r[col])
    if base.get("terrestrial", 0.0) <= 0 or "orbital" not in base:
        return None
    ratio0 = base["orbital"] / base["terrestrial"]
    sens: dict[tuple[str, str], dict[str, float]] = {}
    inputs: dict[tuple[str, str], Any] = {}
    for r in rows:
        if r["kind"] == "sensitivity" and r.get(col) is not None and np.isfinite(r[col]):
            key = (str(r["item"]), str(r.get("case")))
            sens.setdefault(key, {})[str(r["system"])] = float(r[col])
            inputs[key] = r.get("input_value")
    ratios: dict[str, dict[str, float]] = {}
    for (item, case), v in sens.items():
        if v.get("terrestrial", 0) > 0 and "orbital" in v:
            ratios.setdefault(item, {})[case] = v["orbital"] / v["terrestrial"]
    if not ratios:
        return None
    swing = {k: max(v.values()) - min(min(v.values()), ratio0) for k, v in ratios.items()}
    top = sorted(ratios, key=lambda k: (-swing[k], k))[:TORNADO_BARS][::-1]
    fig = go.Figure()
    for case, colour in (("low", PALETTE[9]), ("high", PALETTE[1])):
        ys = [k for k in top if case in ratios[k]]
        fig.add_trace(go.Bar(
            y=[esc(k) for k in ys], x=[ratios[k][case] - ratio0 for k in ys], base=ratio0,
            orientation="h", name=f"{case} input", marker_color=colour,
            text=[f"{fmt(inputs.get((k, case)))}" for k in ys], textposition="outside",
            hovertemplate="%{y}: ratio %{x:.3g}<extra>" + case + " input</extra>",
        ))  # fmt: skip
    fig.add_vline(x=ratio0, line={"color": "#333", "width": 1})
    fig.add_vline(x=1.0, line={"color": PALETTE[3], "width": 2, "dash": "dash"},
                  annotation_text="break-even (ratio 1)", annotation_position="top")  # fmt: skip
    fig.update_layout(barmode="overlay")
    _layout(fig, "Sensitivity: orbital / terrestrial cost ratio", "",
            "orbital / terrestrial cost ratio [1]", height=120 + 34 * len(top))  # fmt: skip
    be = eco.get("breakeven_launch_usd_per_kg")
    note = (f"break-even launch price {fmt(be)} USD/kg" if isinstance(be, int | float)
            else "no break-even launch price in this run")  # fmt: skip
    for n in _list(eco.get("notes")):
        if "break-even" in str(n):
            note = str(n)
    return Figure(fig_dict(fig), wide=True, caption=(
        f"Each input at its low and high value (bar label), the others at base: the ratio of "
        f"orbital to terrestrial {unit}; base ratio {ratio0:.3g} (black line), break-even at 1 "
        f"(dashed). The {len(top)} largest swings of {len(ratios)}. {note}."))  # fmt: skip


LATENCY_PARTS = ("access", "propagation", "transfer", "queueing", "compute")
"""The parts of the time to first token, in the order the latency_components table adds them."""


def latency_section(folder: Results, summary: dict[str, Any]) -> Section | None:
    """What the time to first token is made of, per system: the mean of each part over the
    median requests and over the slowest 1 % (latency_components, all regions, periods and
    classes), with the run's own sentence on what drives each system's tail."""
    cols = ["region", "system", "period", "class", "component", "median_ms", "tail_p99_ms"]
    if not folder.has("latency_components", *cols):
        return None
    rows = [r for r in folder.read("latency_components", cols).to_pylist()
            if r["region"] == "all" and r["period"] == "all" and r["class"] == "all"]  # fmt: skip
    systems = list(dict.fromkeys(str(r["system"]) for r in rows))
    if not systems:
        return None
    val = {(r["system"], r["component"]): r for r in rows}
    sec = Section("sec-latency", "Latency: what the time to first token is made of")
    sec.intro.append(
        "Each bar is one system's mean time to first token over a set of requests, split into "
        "access (last mile or user terminal), propagation (ground links, ISLs, fibre), payload "
        "transfer, queueing and compute (prefill): left, the requests in the median's histogram "
        "bin; right, the slowest 1 %. The parts add up to the total (latency_components table, "
        "per region and class there)."
    )
    inf = _dict(_dict(summary.get("operations")).get("inference"))
    for system in systems:
        text = _dict(_dict(inf.get("tail_by_system")).get(system)).get("text")
        if text:
            sec.intro.append(str(text))
    for key, title in (
        ("median_ms", "Median requests"),
        ("tail_p99_ms", "Slowest 1 % of requests"),
    ):
        fig = go.Figure()
        for k, part in enumerate(LATENCY_PARTS):
            ys = [_dict(val.get((sy, part))).get(key) for sy in systems]
            fig.add_trace(go.Bar(x=[esc(sy) for sy in systems], y=ys, name=part,
                                 marker_color=PALETTE[k % len(PALETTE)]))  # fmt: skip
        fig.update_layout(barmode="stack")
        _layout(fig, title, "time to first token [ms]")
        sec.blocks.append(Figure(fig_dict(fig)))
    return sec


def story_sections(
    folder: Results, scenario: dict[str, Any], summary: dict[str, Any]
) -> list[Section]:
    """The story sections the folder can feed, in report order (economics is drawn inside the
    economics section by :func:`economics_story`)."""
    out = [outage_section(folder, scenario), latency_section(folder, summary),
           map_section(folder, scenario), eo_section(folder),
           training_section(folder, scenario)]  # fmt: skip
    return [s for s in out if s is not None]
