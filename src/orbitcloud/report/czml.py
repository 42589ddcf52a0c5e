"""CZML export (``report.czml``) so Cesium users can open a run in their own viewer.

Written with ``czml3`` from the results tables only:

* one packet per satellite: position as sampled Cartesian in the Earth-fixed frame
  (``referenceFrame: FIXED``, metres, seconds since the first time step), Lagrange interpolation
  of degree 5; point colour by illumination (time-tagged RGBA samples, sunlit yellow and
  eclipse blue, switching within the time step where ``positions.sunlit`` crosses 0.5, at the
  full time resolution of the table);
* one packet per ground endpoint (``ground`` table) with a point and a label;
* a document clock over the run.

Size: positions are thinned in time so that satellites x samples stays under
``max_samples`` (default 1e6, about 30 MB of CZML): the catalogue (4,428 satellites, 1,441
steps) keeps every 7th step, 7 minutes apart, where degree-5 Lagrange interpolation of a
circular LEO orbit is good to tens of metres. Runs that fit keep every step.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from czml3 import Document, Packet
from czml3.enums import InterpolationAlgorithms
from czml3.properties import Clock, Color, Label, Point, Position
from czml3.types import TimeInterval

from orbitcloud.report.columns import iso_utc, to_float, to_ms
from orbitcloud.report.render import write_text_atomic
from orbitcloud.results.reader import Results

MAX_SAMPLES = 1_000_000
SUNLIT_RGBA = [255, 200, 40, 255]
ECLIPSE_RGBA = [80, 110, 255, 255]
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


def build_czml(folder: str | Path, max_samples: int = MAX_SAMPLES) -> Document:
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

    names = [f"sat {i}" for i in range(int(sats.max(initial=-1)) + 1)]
    if f.has("satellites", "sat", "name"):
        st = f.read("satellites", ["sat", "name"])
        for i, nm in zip(st["sat"].to_pylist(), st["name"].to_pylist(), strict=True):
            if nm is not None and i < len(names):
                names[i] = str(nm)

    packets = [
        Packet(
            id="document",
            name=name,
            version="1.0",
            clock=Clock(
                interval=TimeInterval(start=start, end=end),
                currentTime=start,
                multiplier=60,
            ),
        )
    ]
    for j, sat in enumerate(sats):
        p = xyz[j]
        ok = np.isfinite(p).all(axis=1)
        if ok.sum() < 2:
            continue
        samples = np.column_stack([secs[ok], np.rint(p[ok])]).ravel().tolist()
        degree = 5 if ok.sum() > 5 else 1
        packets.append(
            Packet(
                id=f"sat/{int(sat)}",
                name=names[sat] if sat < len(names) else f"sat {sat}",
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
            )
        )
    if f.has("ground", "name", "lat_deg", "lon_deg"):
        g = f.read("ground", ["name", "lat_deg", "lon_deg"])
        lat, lon = to_float(g["lat_deg"]), to_float(g["lon_deg"])
        for k, nm in enumerate(g["name"].to_pylist()):
            packets.append(
                Packet(
                    id=f"ground/{k}",
                    name=str(nm),
                    position=Position(cartographicDegrees=[float(lon[k]), float(lat[k]), 0.0]),
                    point=Point(pixelSize=7, color=Color(rgba=[255, 60, 60, 255])),
                    label=Label(text=str(nm), font="11pt sans-serif", show=True),
                )
            )
    return Document(packets=packets)


def write_czml(folder: str | Path, max_samples: int = MAX_SAMPLES) -> Path:
    """Write ``report.czml`` into the folder and return its path."""
    folder = Path(folder)
    doc = build_czml(folder, max_samples)
    return write_text_atomic(folder / CZML_NAME, doc.model_dump_json(exclude_none=True))
