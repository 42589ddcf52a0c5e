"""CZML export (``report.czml``) so Cesium users can open a run in their own viewer.

Written with ``czml3`` from the results tables only. Packets, in order:

* ``document``: name, version, clock over the run, and a description of what was sampled;
* folders (packets with a name and no graphics, the parents of the others): one per
  constellation (``constellation/<name>``), ``ground``, ``links`` and ``routes``;
* one packet per satellite (``sat/<i>``, parent its constellation): position as sampled
  Cartesian in the Earth-fixed frame (``referenceFrame: FIXED``, metres, seconds since the first
  time step), Lagrange interpolation of degree 5; a point coloured by illumination (sunlit
  yellow, eclipse blue, switching within the time step where ``positions.sunlit`` crosses 0.5,
  at the full time resolution of the table); an orbit trail (``path``: the last half orbit
  behind and a quarter orbit ahead, period from Kepler's third law at the satellite's mean
  radius, sampled every ``resolution`` seconds, the table's step up to 60 s); a ``label`` with
  its name shown only within :data:`LABEL_DISTANCE_M` of the camera (so 4,428 labels do not
  clutter the globe); a ``description`` (HTML) with its constellation, shell, plane and slot,
  its state *as of the first time step* (altitude, sunlit, and what ``sat_state`` holds: battery
  state of charge, temperatures, power) and its run totals from ``sat_summary``;
* one packet per ground endpoint (``ground/<k>``, in the order of the ``ground`` table);
* links (``link/<a>/<b>``, parent ``links``): a straight polyline between the two ends'
  positions by reference (``sat/<a>#position`` or ``ground/<k>#position``), with ``availability``
  the intervals of the ``links`` table's time steps at which the link exists (a link that exists
  at step ``k`` is available from step ``k`` to step ``k + 1``). At most :data:`MAX_LINKS` links:
  all when fewer, else evenly spaced ones in order of (kind, first end, second end);
* routes: the first :data:`~orbitcloud.report.globe_net.MAX_ROUTES` (source, destination) pairs
  of the ``routes`` table (the globe's rule), one folder per pair (``route/<i>``) and one
  polyline per distinct path (``route/<i>/<j>``) through the path's nodes by reference, available
  when that path is the pair's route (at most :data:`MAX_PATHS_PER_ROUTE` paths per pair, the
  most used).

Size: positions are thinned in time so that satellites x samples stays under
``max_samples`` (default 1e6, about 30 MB of CZML): the catalogue (4,428 satellites, 1,441
steps) keeps every 7th step, 7 minutes apart, where degree-5 Lagrange interpolation of a
circular LEO orbit is good to tens of metres. Runs that fit keep every step.
"""

from __future__ import annotations

import html
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from czml3 import Document, Packet
from czml3.enums import ArcTypes, HorizontalOrigins, InterpolationAlgorithms
from czml3.properties import (
    Clock,
    Color,
    DistanceDisplayCondition,
    Label,
    Point,
    Polyline,
    PolylineMaterial,
    Position,
    PositionList,
    SolidColorMaterial,
)
from czml3.properties import (
    Path as PathGraphics,
)
from czml3.types import (
    Cartesian2Value,
    DistanceDisplayConditionValue,
    TimeInterval,
    TimeIntervalCollection,
)

from orbitcloud.report.columns import iso_utc, to_float, to_ms
from orbitcloud.report.globe import PALETTE
from orbitcloud.report.globe_net import MAX_ROUTES, ROUTE_COLOURS, ground_index, keep_evenly
from orbitcloud.report.render import write_text_atomic
from orbitcloud.results.reader import Results

MAX_SAMPLES = 1_000_000
MAX_LINKS = 5_000
"""Link packets at most (see the module docstring for which are kept)."""
MAX_PATHS_PER_ROUTE = 200
"""Path packets per route at most (the paths used at the most time steps)."""
LABEL_DISTANCE_M = 2_000_000.0
"""A satellite's label shows when the camera is within this distance of it [m]."""
PATH_RESOLUTION_S = 60.0
"""Largest time between two points of an orbit trail [s]."""
MU_EARTH_M3_S2 = 3.986004418e14  # IERS/WGS84 GM, for the orbital period of the trail
SUNLIT_RGBA = [255, 200, 40, 255]
ECLIPSE_RGBA = [80, 110, 255, 255]
LINK_RGBA = {"isl": [127, 219, 255, 150], "gsl": [255, 160, 110, 190]}
ROUTE_RGBA_ALPHA = 255
CZML_NAME = "report.czml"


def colour_samples(secs: np.ndarray, lit: np.ndarray) -> list[float]:
    """Time-tagged RGBA samples ``[t, r, g, b, a, ...]`` that hold each illumination state and
    switch within one time step at every change (linear interpolation between the two samples
    around a change); a few samples per orbit instead of one per step."""
    if len(lit) == 0:
        return []
    change = np.flatnonzero(np.diff(lit.astype(np.int8))) + 1
    idx = np.unique(np.concatenate(([0], change - 1, change, [len(lit) - 1])))
    out: list[float] = []
    for i in idx:
        out.append(float(secs[i]))
        out.extend(SUNLIT_RGBA if lit[i] else ECLIPSE_RGBA)
    return out


def _rgba(hex_colour: str, alpha: int = 255) -> list[int]:
    return [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)] + [alpha]


def _material(rgba: list[int]) -> PolylineMaterial:
    return PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=rgba)))


def runs(step: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive step indices ``(first, last)`` of a sorted, unique index array."""
    if len(step) == 0:
        return []
    brk = np.flatnonzero(np.diff(step) != 1)
    first = np.concatenate(([0], brk + 1))
    last = np.concatenate((brk, [len(step) - 1]))
    return [(int(step[a]), int(step[b])) for a, b in zip(first, last, strict=True)]


def _intervals(
    step_runs: list[tuple[int, int]], iso: list[str], clock_end: str
) -> TimeInterval | TimeIntervalCollection:
    """Availability of runs of time steps: step ``k`` lasts until step ``k + 1`` (the last step
    until the end of the clock)."""
    ivs = [
        TimeInterval(start=iso[a], end=iso[b + 1] if b + 1 < len(iso) else clock_end)
        for a, b in step_runs
    ]
    return ivs[0] if len(ivs) == 1 else TimeIntervalCollection(values=ivs)


# ---- satellites ----------------------------------------------------------------------------------


def _satellite_table(f: Results, n: int) -> dict[str, list[Any]]:
    """Name, constellation and slot of satellites 0..n-1 (defaults where a table lacks them)."""
    out: dict[str, list[Any]] = {
        "name": [f"sat {i}" for i in range(n)],
        "source": [""] * n,
        "shell": [None] * n,
        "plane": [None] * n,
        "slot": [None] * n,
    }
    if not f.has("satellites", "sat"):
        return out
    cols = [c for c in ("sat", *out) if f.has("satellites", c)]
    st = f.read("satellites", cols)
    sats = st["sat"].to_pylist()
    for c in cols[1:]:
        for i, v in zip(sats, st[c].to_pylist(), strict=True):
            if v is not None and 0 <= i < n:
                out[c][i] = str(v) if c in ("name", "source") else v
    return out


# (table, column, label, unit, scale) shown in a satellite's description when present
FIRST_STEP = (
    ("sat_state", "battery_soc", "Battery state of charge", "%", 100.0),
    ("sat_state", "power_w", "Solar array power", "W", 1.0),
    ("sat_state", "temp_k", "Accelerator temperature", "K", 1.0),
    ("sat_state", "radiator_temp_k", "Radiator temperature", "K", 1.0),
    ("sat_state", "compute_w", "Power to the accelerators", "W", 1.0),
    ("sat_state", "capacity", "Compute capacity", "% of peak", 100.0),
)
RUN = (
    ("orbit_average_power_w", "Orbit-average array power", "W", 1.0),
    ("battery_soc_min", "Lowest battery state of charge", "%", 100.0),
    ("temp_max_k", "Highest accelerator temperature", "K", 1.0),
    ("dose_rad_per_year", "Dose rate", "rad(Si)/yr", 1.0),
)


def _column_at(
    f: Results, table: str, cols: list[str], t0_ms: int | None, n: int
) -> dict[str, np.ndarray]:
    """Columns of a per-(time, sat) table at the first time (or of a per-sat table) by sat."""
    have = [c for c in cols if f.has(table, c)]
    if not have or not f.has(table, "sat"):
        return {}
    flt = None
    if t0_ms is not None:
        t_type = f.schema(table).field("time").type
        t0 = pa.array(np.array([t0_ms], dtype="datetime64[ms]"), type=pa.timestamp("ms"))
        flt = pc.field("time") == t0.cast(t_type)[0]
    tab = f.read(table, ["sat", *have], filter=flt)
    sat = tab["sat"].to_numpy().astype(np.int64)
    ok = (sat >= 0) & (sat < n)
    out = {}
    for c in have:
        v = np.full(n, np.nan)
        v[sat[ok]] = to_float(tab[c])[ok]
        out[c] = v
    return out


def _fmt(v: float, scale: float) -> str:
    x = v * scale
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def describe_satellite(
    i: int,
    info: dict[str, list[Any]],
    first: dict[str, np.ndarray],
    run: dict[str, np.ndarray],
    t0_iso: str,
) -> str:
    """A satellite's description (HTML, every value escaped)."""
    rows: list[tuple[str, str]] = [("Constellation", info["source"][i] or "–")]
    for key, label in (("shell", "Shell"), ("plane", "Plane"), ("slot", "Slot")):
        v = info[key][i]
        if v is not None and not (isinstance(v, (int, float)) and v < 0):
            rows.append((label, str(v)))
    if "alt_km" in first and np.isfinite(first["alt_km"][i]):
        rows.append(("Altitude", f"{first['alt_km'][i]:,.1f} km"))
    if "sunlit" in first and np.isfinite(first["sunlit"][i]):
        rows.append(("Sunlit", f"{first['sunlit'][i]:.2f} (fraction of the Sun's disk)"))
    for _, col, label, unit, scale in FIRST_STEP:
        if col in first and np.isfinite(first[col][i]):
            rows.append((label, f"{_fmt(first[col][i], scale)} {unit}"))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    out = (
        f"<p>State as of the first time step, {html.escape(t0_iso)}.</p>"
        f"<table class='cesium-infoBox-defaultTable'>{body}</table>"
    )
    run_rows = [
        (label, f"{_fmt(run[col][i], scale)} {unit}")
        for col, label, unit, scale in RUN
        if col in run and np.isfinite(run[col][i])
    ]
    if run_rows:
        body = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in run_rows
        )
        out += f"<p>Over the run (sat_summary):</p><table class='cesium-infoBox-defaultTable'>{body}</table>"
    return out


def orbital_period_s(radius_m: float) -> float:
    """Period of a circular orbit of this radius [s] (Kepler's third law, T = 2 pi sqrt(a^3/GM))."""
    return 2.0 * math.pi * math.sqrt(radius_m**3 / MU_EARTH_M3_S2)


# ---- the document ---------------------------------------------------------------------------------


def build_czml(
    folder: str | Path, max_samples: int = MAX_SAMPLES, max_links: int = MAX_LINKS
) -> Document:
    """The CZML document of a results folder (needs ``positions``)."""
    f = Results(folder, partial=True)
    if not f.has("positions", "time", "sat", "x_m", "y_m", "z_m"):
        raise ValueError(f"{f.path}: no positions table with time, sat, x_m, y_m, z_m")
    scen = f.scenario_dict()
    name = str(scen.get("name") or f.path.name)
    # illumination at full resolution; positions only at the kept steps (bounded memory)
    tab = f.read("positions", ["time", "sat", "sunlit"])
    t = to_ms(tab["time"])
    s = tab["sat"].to_numpy().astype(np.int64)
    times = np.unique(t)
    sats = np.unique(s)
    n_t, n_s = len(times), len(sats)
    lit = np.zeros((n_s, n_t), dtype=bool)
    if "sunlit" in tab.column_names:
        lit[np.searchsorted(sats, s), np.searchsorted(times, t)] = (
            np.nan_to_num(to_float(tab["sunlit"]), nan=0.0) >= 0.5
        )
    del tab, t, s
    stride = max(1, math.ceil(n_s * n_t / max_samples))
    keep = np.arange(0, n_t, stride)
    if keep[-1] != n_t - 1:
        keep = np.append(keep, n_t - 1)
    t_type = f.schema("positions").field("time").type
    t_keep = pa.array(times[keep].astype("datetime64[ms]"), type=pa.timestamp("ms")).cast(t_type)
    tab = f.read("positions", ["time", "sat", "x_m", "y_m", "z_m"],
                 filter=pc.field("time").isin(t_keep))  # fmt: skip
    ti = np.searchsorted(times[keep], to_ms(tab["time"]))
    si = np.searchsorted(sats, tab["sat"].to_numpy().astype(np.int64))
    xyz = np.full((n_s, len(keep), 3), np.nan)
    for k, c in enumerate(("x_m", "y_m", "z_m")):
        xyz[si, ti, k] = to_float(tab[c])
    del tab
    iso = iso_utc(times)
    start, end = iso[0], iso[-1]
    all_secs = (times - times[0]) / 1000.0
    secs = all_secs[keep]
    step_s = float(np.median(np.diff(all_secs))) if n_t > 1 else PATH_RESOLUTION_S

    n_sat = int(sats.max(initial=-1)) + 1
    if f.has("satellites", "sat"):
        n_sat = max(n_sat, int(pc.max(f.read("satellites", ["sat"])["sat"]).as_py() or 0) + 1)
    info = _satellite_table(f, n_sat)
    first = _column_at(f, "positions", ["alt_km", "sunlit"], int(times[0]), n_sat)
    first |= _column_at(f, "sat_state", [c for _, c, *_ in FIRST_STEP], int(times[0]), n_sat)
    run = _column_at(f, "sat_summary", [c for c, *_ in RUN], None, n_sat)

    groups = list(dict.fromkeys(info["source"][int(i)] for i in sats))
    colour = {g: PALETTE["groups"][k % len(PALETTE["groups"])] for k, g in enumerate(groups)}
    folders = [
        Packet(id=f"constellation/{g or 'satellites'}",
               name=f"{g or 'satellites'} ({sum(info['source'][int(i)] == g for i in sats):,} satellites)")
        for g in groups
    ]  # fmt: skip
    sat_packets = []
    has_sat: set[int] = set()
    for j, sat in enumerate(sats):
        p = xyz[j]
        ok = np.isfinite(p).all(axis=1)
        if ok.sum() < 2:
            continue
        i = int(sat)
        has_sat.add(i)
        samples = np.column_stack([secs[ok], np.rint(p[ok])]).ravel().tolist()
        degree = 5 if ok.sum() > 5 else 1
        period = orbital_period_s(float(np.linalg.norm(p[ok], axis=1).mean()))
        g = info["source"][i]
        sat_packets.append(
            Packet(
                id=f"sat/{i}",
                name=info["name"][i],
                parent=f"constellation/{g or 'satellites'}",
                description=describe_satellite(i, info, first, run, start),
                availability=TimeInterval(start=start, end=end),
                # czml3's interpolation fields come from a mixin the pydantic mypy plugin misses
                position=Position(  # type: ignore[call-arg]
                    referenceFrame="FIXED",
                    epoch=start,
                    cartesian=samples,
                    interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
                    interpolationDegree=degree,
                ),
                point=Point(
                    pixelSize=4,
                    color=Color(  # type: ignore[call-arg]
                        rgba=colour_samples(all_secs, lit[j]),
                        epoch=start,
                        interpolationAlgorithm=InterpolationAlgorithms.LINEAR,
                    ),
                ),
                path=PathGraphics(
                    leadTime=round(period / 4.0, 1),
                    trailTime=round(period / 2.0, 1),
                    resolution=min(step_s, PATH_RESOLUTION_S),
                    width=1,
                    material=_material(_rgba(colour[g], 140)),
                ),
                label=Label(
                    text=info["name"][i],
                    font="11px sans-serif",
                    fillColor=Color(rgba=[255, 255, 255, 230]),
                    pixelOffset=Cartesian2Value(values=[8, 0]),
                    horizontalOrigin=HorizontalOrigins.LEFT,
                    distanceDisplayCondition=DistanceDisplayCondition(
                        distanceDisplayCondition=DistanceDisplayConditionValue(
                            values=[0.0, LABEL_DISTANCE_M]
                        )
                    ),
                ),
            )
        )
    ground_packets, ground_nodes = _ground_packets(f)
    n_ground = len(ground_packets)
    links, links_note = _link_packets(f, n_sat, has_sat, n_ground, ground_nodes, end, max_links)
    routes, routes_note = _route_packets(f, n_sat, has_sat, n_ground, ground_nodes, end)
    notes = [
        f"{len(sat_packets):,} satellites, positions every {_duration(stride * step_s)} "
        f"(Lagrange degree 5), orbit trails half an orbit behind and a quarter ahead sampled "
        f"every {min(step_s, PATH_RESOLUTION_S):g} s; labels within "
        f"{LABEL_DISTANCE_M / 1000:,.0f} km of the camera.",
        links_note,
        routes_note,
    ]
    doc = Packet(
        id="document",
        name=name,
        version="1.0",
        description=" ".join(html.escape(n) for n in notes if n),
        clock=Clock(interval=TimeInterval(start=start, end=end), currentTime=start, multiplier=60),
    )
    parents = [Packet(id="ground", name="Ground endpoints")] if ground_packets else []
    if links:
        parents.append(Packet(id="links", name="Links"))
    if routes:
        parents.append(Packet(id="routes", name="Routes"))
    packets = [doc, *folders, *parents, *sat_packets, *ground_packets, *links, *routes]
    return Document(packets=packets)


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def _ground_packets(f: Results) -> tuple[list[Packet], list[int] | None]:
    if not f.has("ground", "name", "lat_deg", "lon_deg"):
        return [], None
    cols = ["name", "lat_deg", "lon_deg"] + [c for c in ("alt_m", "node") if f.has("ground", c)]
    g = f.read("ground", cols)
    lat, lon = to_float(g["lat_deg"]), to_float(g["lon_deg"])
    alt = to_float(g["alt_m"]) if "alt_m" in g.column_names else np.zeros(len(lat))
    nodes = None
    if "node" in g.column_names and g["node"].null_count == 0:
        nodes = [int(x) for x in g["node"].to_pylist()]
    out = [
        Packet(
            id=f"ground/{k}",
            name=str(nm),
            parent="ground",
            position=Position(
                cartographicDegrees=[float(lon[k]), float(lat[k]), float(np.nan_to_num(alt[k]))]
            ),
            point=Point(pixelSize=7, color=Color(rgba=[255, 60, 60, 255])),
            label=Label(text=str(nm), font="11pt sans-serif", show=True),
        )
        for k, nm in enumerate(g["name"].to_pylist())
    ]
    return out, nodes


def _end_ids(
    v: np.ndarray, n_sat: int, has_sat: set[int], n_ground: int, nodes: list[int] | None
) -> list[str | None]:
    """Packet ids of graph node ids (satellites by index, ground endpoints by ground.node)."""
    gi = ground_index(v, n_sat, nodes)
    out: list[str | None] = []
    for x, g in zip(v.tolist(), gi.tolist(), strict=True):
        if 0 <= x < n_sat:
            out.append(f"sat/{x}" if x in has_sat else None)
        elif 0 <= g < n_ground:
            out.append(f"ground/{g}")
        else:
            out.append(None)
    return out


def _link_packets(
    f: Results,
    n_sat: int,
    has_sat: set[int],
    n_ground: int,
    nodes: list[int] | None,
    clock_end: str,
    max_links: int,
) -> tuple[list[Packet], str]:
    if not f.has("links", "time", "a", "b"):
        return [], ""
    cols = ["time", "a", "b"] + (["kind"] if f.has("links", "kind") else [])
    tab = f.read("links", cols)
    if tab.num_rows == 0 or not pa.types.is_integer(tab["a"].type):
        return [], ""
    t = to_ms(tab["time"])
    lt = np.unique(t)
    step = np.searchsorted(lt, t)
    a = tab["a"].to_numpy().astype(np.int64)
    b = tab["b"].to_numpy().astype(np.int64)
    kinds = [str(k) for k in tab["kind"].to_pylist()] if "kind" in cols else ["link"] * len(a)
    kind_names = sorted(set(kinds))
    kc = np.array([kind_names.index(k) for k in kinds]) if kinds else np.zeros(0, np.int64)
    del tab
    order = np.lexsort((step, b, a, kc))
    key = np.stack([kc[order], a[order], b[order]], axis=1)
    new = np.ones(len(order), dtype=bool)
    new[1:] = (key[1:] != key[:-1]).any(axis=1)
    firsts = np.flatnonzero(new)
    bounds = np.append(firsts, len(order))
    n_pairs = len(firsts)
    chosen = np.flatnonzero(keep_evenly(np.zeros(n_pairs, np.int64), 1, max_links))
    iso = iso_utc(lt)
    ends_a = _end_ids(key[firsts[chosen], 1], n_sat, has_sat, n_ground, nodes)
    ends_b = _end_ids(key[firsts[chosen], 2], n_sat, has_sat, n_ground, nodes)
    packets = []
    for m, p in enumerate(chosen):
        ea, eb = ends_a[m], ends_b[m]
        if ea is None or eb is None:
            continue
        k = kind_names[key[firsts[p], 0]]
        st = np.unique(step[order[bounds[p] : bounds[p + 1]]])
        packets.append(
            Packet(
                id=f"link/{key[firsts[p], 1]}/{key[firsts[p], 2]}",
                name=f"{k} {key[firsts[p], 1]}–{key[firsts[p], 2]}",
                parent="links",
                availability=_intervals(runs(st), iso, clock_end),
                polyline=Polyline(
                    positions=PositionList(references=[f"{ea}#position", f"{eb}#position"]),
                    arcType=ArcTypes.NONE,
                    width=1,
                    material=_material(LINK_RGBA.get(k.lower(), [200, 200, 200, 160])),
                ),
            )
        )
    how = (
        "all of them"
        if n_pairs <= max_links
        else f"{max_links:,} evenly spaced in order of kind, first end and second end"
    )
    note = (
        f"Links: {len(packets):,} polylines of the {n_pairs:,} distinct links of the links "
        f"table ({how}; a link whose end has no packet is left out), available at the time "
        "steps the link exists."
    )
    return packets, note


def _route_packets(
    f: Results,
    n_sat: int,
    has_sat: set[int],
    n_ground: int,
    nodes: list[int] | None,
    clock_end: str,
) -> tuple[list[Packet], str]:
    if not f.has("routes", "time", "src", "dst", "path"):
        return [], ""
    pairs_tab = f.read("routes", ["src", "dst"])
    src = [str(x) for x in pairs_tab["src"].to_pylist()]
    dst = [str(x) for x in pairs_tab["dst"].to_pylist()]
    pairs = list(dict.fromkeys(zip(src, dst, strict=True)))
    chosen = pairs[:MAX_ROUTES]
    wanted = set(chosen)
    rows = np.flatnonzero([p in wanted for p in zip(src, dst, strict=True)])
    tab = f.read("routes", ["time", "src", "dst", "path"]).take(pa.array(rows))
    rt = np.unique(to_ms(f.read("routes", ["time"])["time"]))
    iso = iso_utc(rt)
    step = np.searchsorted(rt, to_ms(tab["time"]))
    uses: dict[tuple[int, tuple[int, ...]], list[int]] = defaultdict(list)
    index = {p: i for i, p in enumerate(chosen)}
    for k, (s, d, path) in enumerate(
        zip(tab["src"].to_pylist(), tab["dst"].to_pylist(), tab["path"].to_pylist(), strict=True)
    ):
        if path:
            uses[(index[(str(s), str(d))], tuple(int(x) for x in path))].append(int(step[k]))
    packets: list[Packet] = []
    for r, (s, d) in enumerate(chosen):
        packets.append(Packet(id=f"route/{r}", name=f"{s} → {d}", parent="routes"))
        mine = sorted(((p, st) for (i, p), st in uses.items() if i == r), key=lambda x: -len(x[1]))
        rgba = _rgba(ROUTE_COLOURS[r % len(ROUTE_COLOURS)], ROUTE_RGBA_ALPHA)
        for j, (path, st) in enumerate(mine[:MAX_PATHS_PER_ROUTE]):
            ids = _end_ids(np.array(path, dtype=np.int64), n_sat, has_sat, n_ground, nodes)
            if any(x is None for x in ids):
                continue
            packets.append(
                Packet(
                    id=f"route/{r}/{j}",
                    name=f"{s} → {d}, path {j + 1} ({len(path) - 1} hops)",
                    parent=f"route/{r}",
                    availability=_intervals(runs(np.unique(st)), iso, clock_end),
                    polyline=Polyline(
                        positions=PositionList(references=[f"{x}#position" for x in ids]),
                        arcType=ArcTypes.NONE,
                        width=3,
                        material=_material(rgba),
                    ),
                )
            )
    note = (
        f"Routes: the first {len(chosen)} of the {len(pairs):,} pairs of the routes table, one "
        f"polyline per distinct path (at most {MAX_PATHS_PER_ROUTE}, the most used), available "
        "while it is the pair's route."
    )
    return packets, note


def write_czml(folder: str | Path, max_samples: int = MAX_SAMPLES) -> Path:
    """Write ``report.czml`` into the folder and return its path."""
    folder = Path(folder)
    doc = build_czml(folder, max_samples)
    return write_text_atomic(folder / CZML_NAME, doc.model_dump_json(exclude_none=True))
