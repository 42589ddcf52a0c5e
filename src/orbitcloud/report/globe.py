"""The globe's data: which satellites and time steps it animates, and their states.

A catalogue-size run (4,428 satellites x 1,441 steps = 6.4 M rows) cannot be animated whole in
a self-contained page of reasonable size, so the globe shows a deterministic sample:

* **satellites**: all of them up to ``max_sats``; beyond that, satellites are ordered by
  (constellation, shell, plane, slot, index) and every ``n / max_sats``-th one is kept (evenly
  spaced in that order), so every constellation, shell and plane keeps its share;
* **time steps**: every ``k``-th step of the positions table, ``k = ceil(n_steps / max_frames)``,
  always starting at the first step.

The sample is stated in the report next to the globe. Positions are quantised to int16 (a step
of ``max |r| / 32,000``, about 0.2 km for LEO) and states to 8 bits, base64 encoded: a few MB
for a thousand satellites over 240 frames.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orbitcloud.report.columns import codes, declared_unit, iso_utc, to_float, to_ms
from orbitcloud.results.reader import Results

MAX_SATS = 1000
"""Satellites the globe animates at most (see the module docstring)."""
MAX_FRAMES = 240
"""Time steps the globe animates at most."""

# state columns of sat_state the globe can colour by: key -> (label, unit); units as declared
# in orbitcloud.results.schema
STATE_VARS: dict[str, tuple[str, str]] = {
    key: (label, declared_unit("sat_state", key))
    for key, label in {
        "power_w": "Power generated",
        "battery_soc": "Battery state of charge",
        "temp_k": "Accelerator temperature",
        "compute_w": "Compute load (power to accelerators)",
        "capacity": "Compute capacity (fraction of peak)",
        "throttled": "Throttled (power or heat)",
        "in_saa": "In the South Atlantic Anomaly",
        "failed": "Failed",
        "dose_rad": "Accumulated dose",
    }.items()
}
FLAG_VARS = ("throttled", "in_saa", "failed")

MAX_RADIUS_KM = 1e7
"""A position coordinate this far from the Earth's centre [km] (or NaN) is not drawn: no
satellite of a run is there, and one such value would squeeze every other position into a
single quantisation step."""

MISSING8 = 255
MISSING16 = -32768


@dataclass(frozen=True)
class GlobeSample:
    """Which satellites (indices into ``sat``) and which times (ms) the globe shows."""

    sats: np.ndarray
    times_ms: np.ndarray
    n_sats_total: int
    n_times_total: int
    stride: int

    def describe(self, step_s: float | None = None) -> str:
        """One sentence on how the globe was downsampled, for the report."""
        if self.n_sats_total > len(self.sats):
            s = (
                f"{len(self.sats):,} of {self.n_sats_total:,} satellites (one in "
                f"{self.n_sats_total / len(self.sats):.3g}, evenly spaced in order of "
                "constellation, shell, plane and slot)"
            )
        else:
            s = f"all {self.n_sats_total:,} satellites"
        if self.stride > 1:
            every = f"every {_ordinal(self.stride)} time step"
            if step_s:
                every += f" ({_duration(self.stride * step_s)})"
            t = f"{len(self.times_ms):,} of {self.n_times_total:,} time steps ({every})"
        else:
            t = f"all {self.n_times_total:,} time steps"
        return f"The globe animates {s} at {t}."


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _duration(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g} h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"


def choose_sample(
    order_keys: list[np.ndarray],
    times_ms: np.ndarray,
    max_sats: int = MAX_SATS,
    max_frames: int = MAX_FRAMES,
) -> GlobeSample:
    """Choose the satellites and time steps the globe animates (deterministic).

    Parameters
    ----------
    order_keys : arrays of length n_sat, most significant first (e.g. constellation code,
        shell, plane, slot); the last key should be the ``sat`` index itself
    times_ms : the distinct times of the positions table [ms since 1970], ascending
    max_sats, max_frames : upper bounds on what is animated
    """
    n = len(order_keys[-1]) if order_keys else 0
    if n > max_sats:
        order = np.lexsort(tuple(reversed(order_keys)))
        pick = (np.arange(max_sats, dtype=np.int64) * n) // max_sats
        sats = np.sort(np.asarray(order_keys[-1])[order[pick]]).astype(np.int64)
    else:
        sats = np.sort(np.asarray(order_keys[-1], dtype=np.int64)) if n else np.zeros(0, np.int64)
    times_ms = np.asarray(times_ms, dtype=np.int64)
    stride = max(1, math.ceil(len(times_ms) / max_frames)) if len(times_ms) else 1
    return GlobeSample(sats, times_ms[::stride], n, len(times_ms), stride)


def sample_for_folder(
    folder: Results, max_sats: int = MAX_SATS, max_frames: int = MAX_FRAMES
) -> GlobeSample | None:
    """The globe sample of a results folder (None without positions)."""
    if not folder.has("positions", "time", "sat"):
        return None
    times = folder.unique_times("positions")
    if folder.has("satellites", "sat"):
        st = folder.read("satellites", ["sat", "source", "shell", "plane", "slot"])
        keys: list[np.ndarray] = []
        if "source" in st.column_names:
            keys.append(codes(st["source"])[0])
        for c in ("shell", "plane", "slot"):
            if c in st.column_names:
                keys.append(np.nan_to_num(to_float(st[c]), nan=-1.0))
        keys.append(st["sat"].to_numpy().astype(np.int64))
    else:
        sats = np.unique(folder.read("positions", ["sat"])["sat"].to_numpy())
        keys = [sats.astype(np.int64)]
    return choose_sample(keys, times, max_sats, max_frames)


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def _grid(
    folder: Results, table: str, cols: list[str], sample: GlobeSample
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Columns of ``table`` on the (frame, sampled sat) grid, NaN where a row is missing."""
    n_f, n_s = len(sample.times_ms), len(sample.sats)
    t_arr = pa.array(sample.times_ms.astype("datetime64[ms]"), type=pa.timestamp("ms"))
    time_type = folder.schema(table).field("time").type
    t_arr = t_arr.cast(time_type)
    flt = pc.field("time").isin(t_arr)
    if n_s < sample.n_sats_total:
        flt = flt & pc.field("sat").isin(pa.array(sample.sats.astype(np.int32)))
    tab = folder.read(table, ["time", "sat", *cols], filter=flt)
    fi = np.searchsorted(sample.times_ms, to_ms(tab["time"]))
    si = np.searchsorted(sample.sats, tab["sat"].to_numpy().astype(np.int64))
    ok = (fi < n_f) & (si < n_s)
    ok[ok] &= (sample.times_ms[fi[ok]] == to_ms(tab["time"])[ok]) & (
        sample.sats[si[ok]] == tab["sat"].to_numpy()[ok]
    )
    out: dict[str, np.ndarray] = {}
    present = np.zeros((n_f, n_s), dtype=bool)
    present[fi[ok], si[ok]] = True
    for c in cols:
        if c not in tab.column_names:
            continue
        g = np.full((n_f, n_s), np.nan)
        g[fi[ok], si[ok]] = to_float(tab[c])[ok]
        out[c] = g
    return out, present


def _quantise8(g: np.ndarray) -> tuple[str, float | None, float | None]:
    fin = np.isfinite(g)
    if not fin.any():
        return _b64(np.full(g.shape, MISSING8, np.uint8)), None, None
    lo, hi = float(g[fin].min()), float(g[fin].max())
    span = hi - lo if hi > lo else 1.0
    q = np.where(fin, np.rint((np.where(fin, g, lo) - lo) / span * 254.0), MISSING8)
    return _b64(q.astype(np.uint8)), _sig(lo), _sig(hi)


def _sig(x: float) -> float:
    return float(f"{x:.6g}")


def coastlines_b64() -> str:
    """World coastlines (Natural Earth 1:110m, shipped) as int16 (lon, lat) x 100, runs
    separated by a pair of -32768."""
    raw = resources.files("orbitcloud").joinpath("data/world_110m.json").read_text("utf-8")
    topo = json.loads(raw)
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    ids: set[int] = set()

    def walk(a: list[Any]) -> None:
        for x in a:
            if isinstance(x, list):
                walk(x)
            else:
                ids.add(x if x >= 0 else ~x)

    for g in topo["objects"]["coastlines"]["geometries"]:
        walk(g["arcs"])
    parts: list[np.ndarray] = []
    sep = np.array([[MISSING16, MISSING16]], dtype=np.int16)
    for i in sorted(ids):
        q = np.cumsum(np.asarray(topo["arcs"][i], dtype=np.int64), axis=0)
        lon = q[:, 0] * sx + tx
        lat = q[:, 1] * sy + ty
        parts.append(np.rint(np.column_stack([lon, lat]) * 100).astype(np.int16))
        parts.append(sep)
    return _b64(np.concatenate(parts).astype("<i2"))


# ---- links -------------------------------------------------------------------------------------

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
        if ground_nodes:
            nodes = np.asarray(ground_nodes, dtype=np.int64)
            order = np.argsort(nodes, kind="stable")
            pos = np.minimum(np.searchsorted(nodes[order], v), len(nodes) - 1)
            hit = g & (nodes[order][pos] == v)
            gnd[hit] = order[pos][hit]
        else:
            gnd[g] = v[g] - n_sat
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


# ---- the payload -------------------------------------------------------------------------------


def globe_payload(
    folder: Results,
    sample: GlobeSample,
    sat_names: list[str],
    sat_groups: list[str],
    ground: dict[str, list[Any]] | None,
    step_s: float | None,
) -> dict[str, Any]:
    """Everything the globe viewer needs, as JSON-ready data (arrays base64 encoded)."""
    grid, present = _grid(folder, "positions", ["x_m", "y_m", "z_m", "sunlit"], sample)
    n_f, n_s = present.shape
    xyz_km = np.stack([grid.get(c, np.full((n_f, n_s), np.nan)) for c in ("x_m", "y_m", "z_m")], -1)
    xyz_km = xyz_km / 1000.0
    with np.errstate(invalid="ignore"):  # NaN compares False: missing either way
        fin: np.ndarray = np.asarray((np.abs(xyz_km) < MAX_RADIUS_KM).all(axis=-1))
    r_max = float(np.linalg.norm(xyz_km[fin], axis=-1).max()) if fin.any() else 7000.0
    scale = max(r_max, 6378.137) / 32000.0
    q = np.where(fin[..., None], np.rint(np.where(fin[..., None], xyz_km, 0.0) / scale), MISSING16)
    variables: list[dict[str, Any]] = []
    constant: list[str] = []
    if "sunlit" in grid:
        data, _, _ = _quantise8(np.clip(grid["sunlit"], 0.0, 1.0))
        variables.append(
            {"key": "sunlit", "label": "Sunlit fraction", "unit": "", "min": 0.0, "max": 1.0,
             "scale": "sun", "data": data}
        )  # fmt: skip
    if folder.has("sat_state", "time", "sat"):
        cols = [c for c in STATE_VARS if c in folder.columns("sat_state")]
        sgrid, _ = _grid(folder, "sat_state", cols, sample)
        for c in cols:
            if c not in sgrid:
                continue
            data, lo, hi = _quantise8(sgrid[c])
            label, unit = STATE_VARS[c]
            if lo is None:
                continue
            if lo == hi:  # the same everywhere in the sample: said in words, not a colour
                value = ("yes" if lo else "no") if c in FLAG_VARS else f"{lo:g} {unit}".strip()
                constant.append(f"{label[:1].lower()}{label[1:]}: {value}")
                continue
            variables.append(
                {"key": c, "label": label, "unit": unit, "min": lo, "max": hi,
                 "scale": "flag" if c in FLAG_VARS else "viridis", "data": data}
            )  # fmt: skip
    payload: dict[str, Any] = {
        "times": iso_utc(sample.times_ms),
        "names": [sat_names[i] if i < len(sat_names) else f"sat {i}" for i in sample.sats],
        "groups": [sat_groups[i] if i < len(sat_groups) else "" for i in sample.sats],
        "sat_index": [int(i) for i in sample.sats],
        "n_frames": n_f,
        "n_sats": n_s,
        "scale_km": _sig(scale),
        "pos": _b64(q.astype("<i2")),
        "vars": variables,
        "coast": coastlines_b64(),
        "note": sample.describe(step_s),
        "constant": constant,
        "ground": ground,
        "links": None,
    }
    if folder.has("links", "time"):
        payload["links"] = _links_payload(folder, sample, sat_names, ground or {"names": []})
    return payload


def _links_payload(
    folder: Results, sample: GlobeSample, sat_names: list[str], ground: dict[str, list[Any]]
) -> dict[str, Any] | None:
    names = folder.columns("links")
    ends = link_end_columns(names)
    if ends is None:
        return None
    t_arr = pa.array(sample.times_ms.astype("datetime64[ms]"), type=pa.timestamp("ms"))
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
    # node numbering in the viewer: sampled satellites 0..S-1, then ground endpoints S..
    n_s = len(sample.sats)
    pos_in_sample = np.full(max(n_sat, int(sample.sats.max(initial=-1)) + 1, 1), -1, np.int64)
    pos_in_sample[sample.sats] = np.arange(n_s)
    n_g = len(ground.get("names", []))

    def node(s: np.ndarray, g: np.ndarray) -> np.ndarray:
        out = np.full(len(s), -1, dtype=np.int64)
        ok_s = (s >= 0) & (s < len(pos_in_sample))
        out[ok_s] = pos_in_sample[s[ok_s]]
        ok_g = (g >= 0) & (g < n_g)
        out[ok_g] = n_s + g[ok_g]
        return out

    na, nb = node(sa, ga), node(sb, gb)
    fi = np.searchsorted(sample.times_ms, to_ms(tab["time"]))
    keep = (na >= 0) & (nb >= 0)
    order = np.lexsort((nb[keep], na[keep], fi[keep]))
    fk = fi[keep][order]
    offsets = np.searchsorted(fk, np.arange(len(sample.times_ms) + 1))
    return {
        "offsets": [int(x) for x in offsets],
        "a": _b64(na[keep][order].astype("<i4")),
        "b": _b64(nb[keep][order].astype("<i4")),
        "kind": _b64(kcode[keep][order].astype(np.uint8)),
        "kinds": klabels,
        "rows_read": int(n),
        "rows_shown": int(keep.sum()),
    }
