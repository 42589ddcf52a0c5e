"""The network on the globe: links (ISLs and ground links) and selected routes, sampled.

Sampling rules (stated in the report next to the globe):

* **links**: at most :data:`MAX_LINKS_PER_FRAME` per animated time step. A link is drawn when
  both of its ends are shown (satellites of the globe's sample, ground endpoints). When a step
  has more, its links are ordered by (kind, constellation, first end, second end) and evenly
  spaced ones are kept, so every kind, constellation and plane keeps its share.
* **routes**: the first :data:`MAX_ROUTES` (source, destination) pairs of the routes table, in
  its order (the order of ``network.routes``), each in its own colour, drawn through every node
  of its path at each animated step (the path's satellites are read from ``positions`` whether
  or not they are in the globe's sample).
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orbitcloud.report.columns import codes, to_float, to_ms
from orbitcloud.results.reader import Results

MAX_LINKS_PER_FRAME = 2000
"""Links drawn per animated time step at most (see the module docstring)."""
MAX_ROUTES = 6
"""Routes (source, destination pairs) drawn at most."""
ROUTE_COLOURS = ["#ff4fd8", "#ffe14d", "#4dffa6", "#ff8c42", "#6fc3ff", "#ffffff"]
"""One colour per drawn route (bright, so a route stands out of the links)."""
LINK_COLOURS = ["rgba(127,219,255,0.55)", "rgba(255,160,110,0.75)", "rgba(190,160,255,0.6)",
                "rgba(160,255,160,0.6)"]  # fmt: skip
"""Link colours by kind (in the order of the links table's kind dictionary)."""

MISSING16 = -32768


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


# ---- link ends ---------------------------------------------------------------------------------

# pairs of column names that may hold the two ends of a link, most likely first
LINK_END_COLUMNS = (
    ("a", "b"),
    ("end_a", "end_b"),
    ("node_a", "node_b"),
    ("sat_a", "sat_b"),
    ("src", "dst"),
    ("from", "to"),
    ("source", "target"),
    ("u", "v"),
    ("i", "j"),
)


def link_end_columns(names: list[str]) -> tuple[str, str] | None:
    """The two columns of a links table that name its ends (see docs/report.md)."""
    for a, b in LINK_END_COLUMNS:
        if a in names and b in names:
            return a, b
    return None


def resolve_ends(
    values: pa.ChunkedArray,
    kind_is_gsl: np.ndarray,
    n_sat: int,
    sat_names: dict[str, int],
    ground_names: dict[str, int],
    ground_nodes: list[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Map link ends to nodes: returns (sat index or -1, ground index or -1) per row.

    Integers below ``n_sat`` are satellite indices; an integer ``>= n_sat`` on a ground link
    is the ground endpoint whose ``ground.node`` it is, or without that column endpoint
    ``value - n_sat`` (Hypatia's numbering). Strings are ground endpoint names, then
    satellite names, then ``sat:<i>`` / ``gs:<i>`` / ``ground:<i>`` references.
    """
    n = len(values)
    sat = np.full(n, -1, dtype=np.int64)
    gnd = np.full(n, -1, dtype=np.int64)
    if pa.types.is_integer(values.type):
        v = np.nan_to_num(to_float(values), nan=-1).astype(np.int64)
        is_sat = (v >= 0) & (v < n_sat)
        sat[is_sat] = v[is_sat]
        g = kind_is_gsl & (v >= n_sat)
        gnd[g] = ground_index(v[g], n_sat, ground_nodes)
        return sat, gnd
    idx, labels = codes(values)
    lab_sat = np.full(len(labels) + 1, -1, dtype=np.int64)
    lab_gnd = np.full(len(labels) + 1, -1, dtype=np.int64)
    for k, lab in enumerate(labels):
        s = str(lab)
        if s in ground_names:
            lab_gnd[k] = ground_names[s]
        elif s in sat_names:
            lab_sat[k] = sat_names[s]
        else:
            pre, _, num = s.partition(":")
            if num.isdigit():
                if pre.lower() in ("sat", "s"):
                    lab_sat[k] = int(num)
                elif pre.lower() in ("gs", "ground", "g"):
                    lab_gnd[k] = int(num)
    return lab_sat[idx], lab_gnd[idx]


def ground_index(v: np.ndarray, n_sat: int, ground_nodes: list[int] | None) -> np.ndarray:
    """Ground endpoint index of graph node ids ``v >= n_sat`` (-1 when none has that node):
    by ``ground.node`` when the table has it, else ``v - n_sat``."""
    v = np.asarray(v, dtype=np.int64)
    if not ground_nodes:
        return v - n_sat
    nodes = np.asarray(ground_nodes, dtype=np.int64)
    order = np.argsort(nodes, kind="stable")
    pos = np.minimum(np.searchsorted(nodes[order], v), len(nodes) - 1)
    return np.where(nodes[order][pos] == v, order[pos], -1)


def keep_evenly(frame: np.ndarray, n_frames: int, budget: int) -> np.ndarray:
    """Rows to keep when rows are sorted by frame: all of a frame with at most ``budget`` rows,
    else ``budget`` of them evenly spaced in the sorted order (deterministic)."""
    frame = np.asarray(frame, dtype=np.int64)
    start = np.searchsorted(frame, np.arange(n_frames + 1))
    count = np.diff(start)[frame]
    rank = np.arange(len(frame)) - start[frame]
    # keep rank r when some j in 0..budget-1 has floor(j * count / budget) == r
    first_j = -(-rank * budget // np.maximum(count, 1))  # ceil(r * budget / count)
    return (count <= budget) | (first_j * count < (rank + 1) * budget)


# ---- links -------------------------------------------------------------------------------------


def links_payload(
    folder: Results,
    times_ms: np.ndarray,
    sats: np.ndarray,
    sat_names: list[str],
    sat_groups: list[str],
    ground: dict[str, list[Any]],
    budget: int = MAX_LINKS_PER_FRAME,
) -> dict[str, Any] | None:
    """The links of the animated steps, as node pairs of the viewer (sampled satellites
    ``0..S-1``, then ground endpoints ``S..``), at most ``budget`` per step."""
    names = folder.columns("links")
    ends = link_end_columns(names)
    if ends is None:
        return None
    t_arr = pa.array(times_ms.astype("datetime64[ms]"), type=pa.timestamp("ms"))
    t_arr = t_arr.cast(folder.schema("links").field("time").type)
    tab = folder.read("links", ["time", *ends, "kind"], filter=pc.field("time").isin(t_arr))
    n = tab.num_rows
    if "kind" in tab.column_names:
        kcode, klabels = codes(tab["kind"])
        klabels = [str(k) for k in klabels]
    else:
        kcode, klabels = np.zeros(n, np.int64), ["link"]
    is_gsl = np.isin(kcode, [i for i, k in enumerate(klabels) if k.lower() in ("gsl", "ground")])
    sat_lookup = {s: i for i, s in enumerate(sat_names)}
    gnd_lookup = {str(s): i for i, s in enumerate(ground.get("names", []))}
    n_sat = len(sat_names)
    nodes = ground.get("node") or None
    sa, ga = resolve_ends(tab[ends[0]], is_gsl, n_sat, sat_lookup, gnd_lookup, nodes)
    sb, gb = resolve_ends(tab[ends[1]], is_gsl, n_sat, sat_lookup, gnd_lookup, nodes)
    n_s = len(sats)
    pos_in_sample = np.full(max(n_sat, int(sats.max(initial=-1)) + 1, 1), -1, np.int64)
    pos_in_sample[sats] = np.arange(n_s)
    n_g = len(ground.get("names", []))

    def node(s: np.ndarray, g: np.ndarray) -> np.ndarray:
        out = np.full(len(s), -1, dtype=np.int64)
        ok_s = (s >= 0) & (s < len(pos_in_sample))
        out[ok_s] = pos_in_sample[s[ok_s]]
        ok_g = (g >= 0) & (g < n_g)
        out[ok_g] = n_s + g[ok_g]
        return out

    na, nb = node(sa, ga), node(sb, gb)
    fi = np.searchsorted(times_ms, to_ms(tab["time"]))
    shown = (na >= 0) & (nb >= 0)
    group_code = codes(pa.array(sat_groups or [""]))[0] if sat_groups else np.zeros(1, np.int64)
    sat_a = np.where(sa >= 0, sa, sb)
    grp = np.where((sat_a >= 0) & (sat_a < len(group_code)), group_code[np.clip(sat_a, 0, len(group_code) - 1)], -1)  # fmt: skip
    order = np.lexsort((nb[shown], na[shown], grp[shown], kcode[shown], fi[shown]))
    fk = fi[shown][order]
    keep = keep_evenly(fk, len(times_ms), budget)
    fk = fk[keep]
    a = na[shown][order][keep]
    b = nb[shown][order][keep]
    k = kcode[shown][order][keep]
    offsets = np.searchsorted(fk, np.arange(len(times_ms) + 1))
    dtype = "<u2" if n_s + n_g < 65535 else "<i4"
    per_frame = np.bincount(fi[shown], minlength=len(times_ms)) if shown.any() else np.zeros(1)
    return {
        "offsets": [int(x) for x in offsets],
        "a": _b64(a.astype(dtype)),
        "b": _b64(b.astype(dtype)),
        "wide": dtype == "<i4",
        "kind": _b64(k.astype(np.uint8)),
        "kinds": klabels,
        "colours": LINK_COLOURS,
        "rows_read": int(n),
        "rows_shown_ends": int(shown.sum()),
        "rows_shown": len(a),
        "budget": int(budget),
        "sampled": bool(int(per_frame.max(initial=0)) > budget),
    }


def links_note(links: dict[str, Any]) -> str:
    """One sentence on which links the globe draws."""
    if links["sampled"]:
        how = (
            f"at most {links['budget']:,} per time step (where a step has more, evenly spaced "
            "ones in order of kind, constellation and satellite)"
        )
    else:
        how = "all of them"
    return (
        f"Links drawn: {links['rows_shown']:,} of the {links['rows_read']:,} link rows at the "
        f"animated time steps: those with both ends shown ({links['rows_shown_ends']:,}), "
        f"{how}."
    )


# ---- routes ------------------------------------------------------------------------------------


def routes_payload(
    folder: Results,
    times_ms: np.ndarray,
    ground: dict[str, list[Any]] | None,
    n_sat: int,
    max_routes: int = MAX_ROUTES,
) -> dict[str, Any] | None:
    """The paths of the first ``max_routes`` pairs of the routes table at the animated steps.

    Each path point is int16 (x, y, z) [km / scale] in the Earth-fixed frame for a satellite,
    or ``(-32768, ground index, 0)`` for a ground endpoint (drawn where the viewer draws it).
    """
    if not folder.has("routes", "time", "src", "dst", "path"):
        return None
    t_arr = pa.array(times_ms.astype("datetime64[ms]"), type=pa.timestamp("ms"))
    t_arr = t_arr.cast(folder.schema("routes").field("time").type)
    cols = ["time", "src", "dst", "path"] + (["rtt_ms"] if folder.has("routes", "rtt_ms") else [])
    tab = folder.read("routes", cols, filter=pc.field("time").isin(t_arr))
    if tab.num_rows == 0:
        return None
    src = [str(x) for x in tab["src"].to_pylist()]
    dst = [str(x) for x in tab["dst"].to_pylist()]
    pairs: list[tuple[str, str]] = list(dict.fromkeys(zip(src, dst, strict=True)))
    total_pairs = len(pairs)
    pairs = pairs[:max_routes]
    pair_index = {p: i for i, p in enumerate(pairs)}
    rid = np.array([pair_index.get(p, -1) for p in zip(src, dst, strict=True)], dtype=np.int64)
    fi = np.searchsorted(times_ms, to_ms(tab["time"]))
    rtt = to_float(tab["rtt_ms"]) if "rtt_ms" in tab.column_names else np.full(len(rid), np.nan)
    paths = tab["path"].combine_chunks()
    flat = np.asarray(to_float(pc.list_flatten(paths)), dtype=np.float64)
    starts = paths.offsets.to_numpy()
    lengths = np.diff(starts)
    nodes = np.nan_to_num(flat, nan=-1).astype(np.int64)
    # positions of every satellite on a drawn path, at the animated steps
    on = np.repeat(rid >= 0, lengths)
    path_sats = np.unique(nodes[on & (nodes >= 0) & (nodes < n_sat)])
    xyz = _positions_at(folder, times_ms, path_sats)
    n_f, k = len(times_ms), len(pairs)
    cells: list[list[np.ndarray]] = [[np.zeros((0, 3), np.float64)] * k for _ in range(n_f)]
    rtt_out: list[list[float | None]] = [[None] * k for _ in range(n_f)]
    gnodes = (ground or {}).get("node") or None
    for r in np.flatnonzero(rid >= 0):
        nd = nodes[starts[r] : starts[r + 1]]
        pts = np.full((len(nd), 3), np.nan)
        is_sat = (nd >= 0) & (nd < n_sat)
        if is_sat.any():
            si = np.searchsorted(path_sats, nd[is_sat])
            pts[is_sat] = xyz[fi[r], si]
        g = ground_index(nd[~is_sat], n_sat, gnodes)
        pts[~is_sat, 0] = np.inf  # ground endpoint marker
        pts[~is_sat, 1] = g
        cells[fi[r]][rid[r]] = pts
        rtt_out[fi[r]][rid[r]] = float(round(rtt[r], 3)) if np.isfinite(rtt[r]) else None
    sat_pts = np.concatenate([c for row in cells for c in row] or [np.zeros((0, 3))])
    fin = np.isfinite(sat_pts).all(axis=1)
    scale = max(float(np.abs(sat_pts[fin]).max(initial=0.0)), 6378.137) / 32000.0
    q = np.where(fin[:, None], np.rint(np.where(fin[:, None], sat_pts, 0.0) / scale), 0)
    gmark = np.isinf(sat_pts[:, 0])
    q[gmark, 0] = MISSING16
    q[gmark, 1] = sat_pts[gmark, 1]
    q[gmark, 2] = 0
    bad = ~fin & ~gmark  # a satellite with no position at that step: the path breaks there
    q[bad] = MISSING16
    q[bad, 1] = -1
    counts = [len(c) for row in cells for c in row]
    return {
        "pairs": [f"{a} \u2192 {b}" for a, b in pairs],
        "colours": ROUTE_COLOURS[:k],
        "offsets": [0, *np.cumsum(counts).astype(int).tolist()],
        "pts": _b64(q.astype("<i2")),
        "scale": float(f"{scale:.6g}"),
        "rtt": rtt_out,
        "n_pairs": total_pairs,
        "note": routes_note(k, total_pairs),
    }


def routes_note(shown: int, total: int) -> str:
    """One sentence on which routes the globe draws."""
    which = "all" if shown == total else f"the first {shown} (in the order of network.routes)"
    return (
        f"Routes drawn: {which} of the {total:,} source-destination pairs of the routes table, "
        "each in its own colour through every node of its shortest path at each step."
    )


def _positions_at(folder: Results, times_ms: np.ndarray, sats: np.ndarray) -> np.ndarray:
    """Positions [km] of ``sats`` at ``times_ms``, shape (n_times, n_sats, 3), NaN if missing."""
    out = np.full((len(times_ms), len(sats), 3), np.nan)
    if len(sats) == 0 or not folder.has("positions", "x_m", "y_m", "z_m"):
        return out
    t_arr = pa.array(times_ms.astype("datetime64[ms]"), type=pa.timestamp("ms"))
    t_arr = t_arr.cast(folder.schema("positions").field("time").type)
    flt = pc.field("time").isin(t_arr) & pc.field("sat").isin(pa.array(sats.astype(np.int32)))
    tab = folder.read("positions", ["time", "sat", "x_m", "y_m", "z_m"], filter=flt)
    fi = np.searchsorted(times_ms, to_ms(tab["time"]))
    si = np.searchsorted(sats, tab["sat"].to_numpy().astype(np.int64))
    for k, c in enumerate(("x_m", "y_m", "z_m")):
        out[fi, si, k] = to_float(tab[c]) / 1000.0
    return out
