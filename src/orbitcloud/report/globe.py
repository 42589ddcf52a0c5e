"""The globe's data: which satellites and time steps it animates, and their states.

A catalogue-size run (4,428 satellites x 1,441 steps = 6.4 M rows) cannot be animated whole in
a self-contained page of reasonable size, so the globe shows a deterministic sample:

* **satellites**: all of them up to ``max_sats``; beyond that, satellites are ordered by
  (constellation, shell, plane, slot, index) and every ``n / max_sats``-th one is kept (evenly
  spaced in that order), so every constellation, shell and plane keeps its share;
* **time steps**: every ``k``-th step of the positions table, ``k = ceil(n_steps / max_frames)``,
  always starting at the first step.

The sample is stated in the report next to the globe. Positions are quantised to int16 per
constellation, as offsets from the constellation's centroid at each frame (a step of
``max |r - centroid| / 32,000``: about 0.2 km for a shell, a few centimetres for a 1 km
cluster, so a Suncatcher-like cluster keeps its shape when the viewer zooms to it), and states
to 8 bits, base64 encoded: a few MB for a thousand satellites over 240 frames.

The globe also shows (see :mod:`orbitcloud.report.globe_net` for links and routes):

* the day/night terminator: the Sun's direction in the Earth-fixed frame at every frame, read
  from the run's ``sun`` table (the geometry stage's Sun model; a folder without it is drawn
  all lit);
* colours chosen to stay visible on the dark globe: every colour a satellite can take has a
  WCAG contrast of at least 3:1 against space, the night side and the day side
  (:data:`PALETTE`; tests/report/test_globe.py checks it).
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
from orbitcloud.report.globe_net import links_note, links_payload, routes_payload
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
        "density_kg_m3": "Atmospheric density",
    }.items()
}
FLAG_VARS = ("throttled", "in_saa", "failed")
LOG_VARS = ("density_kg_m3",)
"""Coloured on a log scale (they span orders of magnitude); the legend uses powers of ten."""

PALETTE: dict[str, Any] = {
    "space": "#0b1626",
    "night": "#0a1830",
    "day": "#12325a",
    "scales": {
        # the upper half of viridis (plotly's Viridis sampled at 0.5, 0.625, 0.75, 0.875, 1):
        # its darker half disappears on the dark globe
        "viridis": ["#22908c", "#2dae7f", "#60c860", "#acdc31", "#fde725"],
        "sun": ["#8f9cff", "#d7adc8", "#ffc20e"],  # eclipse, penumbra, sunlit
        "flag": ["#4cd964", "#ff6b6b"],  # no, yes
    },
    "groups": ["#7fdbff", "#ffb347", "#9be564", "#ff6f91", "#c39bff", "#ffe066", "#4dd0e1",
               "#f4a261"],
    "missing": "#8c8c8c",
}  # fmt: skip
"""Colours of the globe viewer (the page reads them from the payload): the globe's surfaces
(space, night side, day side) and every colour a satellite can be drawn in."""

CLUSTER_KM = 1000.0
"""A constellation whose satellites all stay within this distance [km] of their centroid is
compact: the viewer offers to zoom to it."""
FIT_AUTO_KM = 50.0
"""When every satellite stays within this distance [km] of the centroid of all of them, the
globe opens zoomed to them (a 1 km cluster is otherwise one dot)."""

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


def _quantise8(
    g: np.ndarray, log: bool = False, bounds: tuple[float, float] | None = None
) -> tuple[str, float | None, float | None]:
    """8-bit codes of ``g`` between its finite minimum and maximum (of ``log10 g`` for a log
    variable; values <= 0 are then missing), or between fixed ``bounds``; 255 where missing;
    and that minimum and maximum."""
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(g > 0, np.log10(np.where(g > 0, g, 1.0)), np.nan)
    fin = np.isfinite(g)
    if not fin.any():
        return _b64(np.full(g.shape, MISSING8, np.uint8)), None, None
    lo, hi = bounds if bounds is not None else (float(g[fin].min()), float(g[fin].max()))
    span = hi - lo if hi > lo else 1.0
    q = np.where(
        fin, np.rint((np.clip(np.where(fin, g, lo), lo, hi) - lo) / span * 254.0), MISSING8
    )
    if log:
        lo, hi = 10.0**lo, 10.0**hi
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


# ---- the Sun -----------------------------------------------------------------------------------


def sun_direction(folder: Results, times_ms: np.ndarray) -> np.ndarray | None:
    """Unit vectors from the Earth's centre to the Sun in the Earth-fixed frame at ``times_ms``,
    ``(n, 3)``, from the run's ``sun`` table (written by the geometry stage with the positions,
    from the same Sun model as the eclipse test); None when the folder has no such table or it
    lacks one of the times (a folder from an older version: the globe is then drawn all lit).

    Parameters
    ----------
    folder : the results folder
    times_ms : (n,) UTC [ms since 1970], the globe's frames
    """
    if not folder.has("sun", "time", "sun_x", "sun_y", "sun_z"):
        return None
    tab = folder.read("sun", ["time", "sun_x", "sun_y", "sun_z"])
    t = to_ms(tab["time"])
    order = np.argsort(t, kind="stable")
    t = t[order]
    want = np.asarray(times_ms, dtype=np.int64)
    idx = np.clip(np.searchsorted(t, want), 0, max(len(t) - 1, 0))
    if len(t) == 0 or not np.array_equal(t[idx], want):
        return None
    xyz = np.column_stack([tab[c].to_numpy()[order] for c in ("sun_x", "sun_y", "sun_z")])
    return np.asarray(xyz[idx], dtype=np.float64)


# ---- positions, per constellation --------------------------------------------------------------


def encode_positions(xyz_km: np.ndarray, group_of: np.ndarray, n_groups: int) -> dict[str, Any]:
    """Positions ``(n_frames, n_sats, 3)`` [km] as int16 offsets from each constellation's
    centroid at each frame (``MISSING16`` where not finite or beyond :data:`MAX_RADIUS_KM`).

    Returns the base64 codes (``pos``), the centroids (``origin``, frame x group x 3, km, to
    0.1 m), each group's step (``scale``, km) and extent (``extent_km``: the largest distance
    of a member from its centroid over the frames), and ``extent_all_km`` (the same for all
    satellites together).
    """
    n_f, n_s, _ = xyz_km.shape
    with np.errstate(invalid="ignore"):  # NaN compares False: missing either way
        fin: np.ndarray = np.asarray((np.abs(xyz_km) < MAX_RADIUS_KM).all(axis=-1))
    safe = np.where(fin[..., None], xyz_km, 0.0)
    origin = np.zeros((n_f, n_groups, 3))
    scale = np.ones(n_groups)
    extent = np.zeros(n_groups)
    q = np.full((n_f, n_s, 3), MISSING16, dtype=np.int64)
    for g in range(n_groups):  # constellations: a handful
        m = group_of == g
        w = fin[:, m].sum(axis=1)
        c = safe[:, m].sum(axis=1) / np.maximum(w, 1)[:, None]
        origin[:, g] = np.round(c, 4)
        d = np.where(fin[:, m, None], safe[:, m] - origin[:, g][:, None, :], 0.0)
        far = float(np.abs(d).max(initial=0.0))
        extent[g] = float(np.linalg.norm(d, axis=-1).max(initial=0.0))
        scale[g] = max(far, 1e-3) / 32000.0
        qm = np.rint(d / scale[g]).astype(np.int64)
        q[:, m] = np.where(fin[:, m, None], qm, MISSING16)
    w = fin.sum(axis=1)
    c_all = safe.sum(axis=1) / np.maximum(w, 1)[:, None]
    d_all = np.where(fin[..., None], safe - c_all[:, None, :], 0.0)
    return {
        "pos": _b64(q.astype("<i2")),
        "origin": [float(x) for x in origin.ravel()],
        "scale": [float(f"{x:.8g}") for x in scale],
        "extent_km": [_sig(x) for x in extent],
        "extent_all_km": _sig(float(np.linalg.norm(d_all, axis=-1).max(initial=0.0))),
        "r_max_km": _sig(float(np.linalg.norm(safe, axis=-1).max(initial=0.0))),
    }


def _group_codes(groups: list[str]) -> tuple[np.ndarray, list[str]]:
    names = list(dict.fromkeys(groups))
    index = {g: i for i, g in enumerate(names)}
    return np.array([index[g] for g in groups], dtype=np.int64), names


def views_note(enc: dict[str, Any], group_names: list[str], counts: np.ndarray) -> str | None:
    """One sentence on the zoom control and the opening view (None when nothing is compact)."""
    compact = [
        f"{g or 'satellites'} ({int(n):,} satellites within {_km(e)} of their centre)"
        for g, n, e in zip(group_names, counts, enc["extent_km"], strict=True)
        if e <= CLUSTER_KM
    ]
    if not compact:
        return None
    s = "Zoom to a compact constellation with the view control: " + "; ".join(compact) + "."
    if enc["extent_all_km"] <= FIT_AUTO_KM:
        s += (
            f" Every satellite stays within {_km(enc['extent_all_km'])} of the centre of all of "
            "them, so the globe opens zoomed to them and follows them (choose Earth to see "
            "the whole globe)."
        )
    return s


def _km(x: float) -> str:
    return f"{x * 1000:.0f} m" if x < 1 else f"{x:,.3g} km"


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
    groups = [sat_groups[i] if i < len(sat_groups) else "" for i in sample.sats]
    group_of, group_names = _group_codes(groups)
    enc = encode_positions(xyz_km / 1000.0, group_of, len(group_names))
    variables: list[dict[str, Any]] = []
    constant: list[str] = []
    if "sunlit" in grid:
        data, _, _ = _quantise8(grid["sunlit"], bounds=(0.0, 1.0))
        variables.append(
            {"key": "sunlit", "label": "Sunlit fraction", "unit": "", "min": 0.0, "max": 1.0,
             "scale": "sun", "log": False, "data": data}
        )  # fmt: skip
    if folder.has("sat_state", "time", "sat"):
        cols = [c for c in STATE_VARS if c in folder.columns("sat_state")]
        sgrid, _ = _grid(folder, "sat_state", cols, sample)
        for c in cols:
            if c not in sgrid:
                continue
            data, lo, hi = _quantise8(sgrid[c], log=c in LOG_VARS)
            label, unit = STATE_VARS[c]
            if lo is None or hi is None:
                continue
            if lo == hi:  # the same everywhere in the sample: said in words, not a colour
                value = ("yes" if lo else "no") if c in FLAG_VARS else f"{lo:g} {unit}".strip()
                constant.append(f"{label[:1].lower()}{label[1:]}: {value}")
                continue
            variables.append(
                {"key": c, "label": label, "unit": unit, "min": lo, "max": hi,
                 "scale": "flag" if c in FLAG_VARS else "viridis", "log": c in LOG_VARS,
                 "data": data}
            )  # fmt: skip
    sun = sun_direction(folder, sample.times_ms)
    counts = np.bincount(group_of, minlength=len(group_names))
    payload: dict[str, Any] = {
        "times": iso_utc(sample.times_ms),
        "names": [sat_names[i] if i < len(sat_names) else f"sat {i}" for i in sample.sats],
        "groups": groups,
        "group_names": group_names,
        "group_of": [int(g) for g in group_of],
        "group_counts": [int(n) for n in counts],
        "sat_index": [int(i) for i in sample.sats],
        "n_frames": n_f,
        "n_sats": n_s,
        **enc,
        "cluster_km": CLUSTER_KM,
        "fit_auto": bool(n_s > 0 and enc["extent_all_km"] <= FIT_AUTO_KM),
        "sun": [] if sun is None else [round(float(x), 5) for x in sun.ravel()],
        "palette": PALETTE,
        "vars": variables,
        "coast": coastlines_b64(),
        "note": sample.describe(step_s),
        "notes": [],
        "constant": constant,
        "ground": ground,
        "links": None,
        "routes": None,
    }
    n_sat = len(sat_names)
    if folder.has("links", "time"):
        links = links_payload(
            folder, sample.times_ms, sample.sats, sat_names, sat_groups, ground or {"names": []}
        )
        payload["links"] = links
        payload["notes"].append(
            links_note(links)
            if links
            else "The links table is present, but its two end columns were not recognised "
            "(see docs/report.md), so no links are drawn."
        )
    routes = routes_payload(folder, sample.times_ms, ground, max(n_sat, int(sample.n_sats_total)))
    if routes:
        payload["routes"] = routes
        payload["notes"].append(routes["note"])
    views = views_note(enc, group_names, counts)
    if views:
        payload["notes"].append(views)
    payload["notes"].append(
        "Day and night: the globe is lit where the Sun is above the horizon at each step "
        "(the run's sun table)."
        if sun is not None
        else "Day and night are not shown: this folder has no sun table (a run made before "
        "that table existed); run the scenario again to get it."
    )
    return payload
