"""Small synthetic tables for the report tests, shaped like the contracts in the issues.

They stand in for the tables other models write (sat_state, ground, links, routes,
region_metrics, requests, jobs, economics), built on top of a real run's positions so the
report sees consistent (time, sat) keys. Values follow simple closed forms with a seeded RNG:
they exercise the report's code paths and are never shown to users.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

XSS = "</script><script>alert(1)</script>"
XSS_ATTR = '"><img src=x onerror=alert(2)><a href="javascript:alert(3)">x</a>'

GROUND = [
    ("Manila", "user", 14.6042, 120.9822),
    ("Dalian", "user", 38.913811, 121.602322),
    ("Nairobi", "gateway", -1.2864, 36.8172),
    ("Reykjavik", "gateway", 64.1466, -21.9426),
]


def _write(folder: Path, name: str, table: pa.Table) -> None:
    pq.write_table(table, folder / f"{name}.parquet")


def add_synthetic_tables(
    folder: Path, seed: int = 7, ground_names: list[str] | None = None
) -> None:
    """Add ground, sat_state, links, routes, region_metrics, requests, jobs, economics."""
    rng = np.random.default_rng(seed)
    pos = pq.read_table(folder / "positions.parquet", columns=["time", "sat", "sunlit"])
    t = pos["time"]
    sat = pos["sat"].to_numpy()
    sun = pos["sunlit"].to_numpy(zero_copy_only=False)
    n = len(sat)
    n_sat = int(sat.max()) + 1
    times = np.unique(t.cast(pa.int64()).to_numpy())
    n_t = len(times)
    ttype = pa.timestamp("ms", tz="UTC")

    names = ground_names or [g[0] for g in GROUND]
    _write(folder, "ground", pa.table({
        "name": names,
        "kind": [g[1] for g in GROUND],
        "lat_deg": [g[2] for g in GROUND],
        "lon_deg": [g[3] for g in GROUND],
    }))  # fmt: skip

    step = np.searchsorted(times, t.cast(pa.int64()).to_numpy())
    power = 2000.0 * sun + rng.normal(0, 20, n)
    soc = np.clip(0.6 + 0.35 * np.sin(step / 15.0 + sat) * (0.5 + 0.5 * sun), 0, 1)
    temp = 300 + 25 * sun + 10 * np.sin(sat / 7.0)
    throttled = temp > 330
    compute = np.where(throttled, 500.0, np.where(sun > 0.5, 1200.0, 300.0))
    _write(folder, "sat_state", pa.table({
        "time": t,
        "sat": pa.array(sat, pa.int32()),
        "power_w": power,
        "battery_soc": soc,
        "temp_k": temp,
        "dose_rad": (step + 1) * 0.01 * (1 + (sat % 5)),
        "density_kg_m3": 1e-13 * np.exp(-(sat % 3)) * (1 + 0.2 * np.sin(step / 30.0)),
        "compute_w": compute,
        "throttled": pa.array(throttled),
    }))  # fmt: skip

    # links: an ISL ring over the first 40 satellites, and one ground link per endpoint
    k = np.arange(n_t)
    ring = np.arange(40)
    lt = np.repeat(times[::2], 40)
    la = np.tile(ring, len(times[::2]))
    lb = (la + 1) % 40
    gl_t = np.repeat(times[::2], len(GROUND))
    gl_a = np.tile(np.arange(len(GROUND)) * 3, len(times[::2]))
    gl_b = n_sat + np.tile(np.arange(len(GROUND)), len(times[::2]))
    _write(folder, "links", pa.table({
        "time": pa.array(np.concatenate([lt, gl_t]), pa.int64()).cast(ttype),
        "a": pa.array(np.concatenate([la, gl_a]), pa.int32()),
        "b": pa.array(np.concatenate([lb, gl_b]), pa.int32()),
        "kind": ["isl"] * len(lt) + ["gsl"] * len(gl_t),
        "range_m": np.concatenate([rng.uniform(8e5, 1.2e6, len(lt)),
                                   rng.uniform(6e5, 1.1e6, len(gl_t))]),
        "capacity_bps": np.concatenate([np.full(len(lt), 1e11), np.full(len(gl_t), 2e10)]),
    }))  # fmt: skip

    pairs = [(names[0], names[1]), (names[0], names[2]), (names[1], names[3])]
    rows_t, src, dst, rtt, terr, hops, paths = [], [], [], [], [], [], []
    for p, (a, b) in enumerate(pairs):
        base = 30.0 + 25 * p
        r = base + 6 * np.sin(k / 20.0 + p) + rng.normal(0, 0.5, n_t)
        r[(k % 97) == 5] = np.nan  # now and then unreachable
        rows_t.append(times)
        src += [a] * n_t
        dst += [b] * n_t
        rtt.append(r)
        terr.append(np.full(n_t, base * 1.3))
        hops.append(3 + (k // 40) % 3)
        paths += [[1, 2, 3 + int(x)] for x in (k // 40) % 3]
    rtt_all = np.concatenate(rtt)
    _write(folder, "routes", pa.table({
        "time": pa.array(np.concatenate(rows_t), pa.int64()).cast(ttype),
        "src": src,
        "dst": dst,
        "rtt_ms": pa.array(rtt_all, mask=np.isnan(rtt_all)),
        "hops": pa.array(np.concatenate(hops), pa.int32()),
        "path": pa.array(paths, pa.list_(pa.int32())),
        "terrestrial_rtt_ms": np.concatenate(terr),
    }))  # fmt: skip

    regions, systems, periods = [names[0], names[1], "Sahel"], ["orbital", "terrestrial"], [
        "before", "during", "after"]  # fmt: skip
    rm = [
        (r, s, p, int(1000 + 100 * i), 0.99 - 0.3 * (s == "terrestrial" and p == "during"),
         20.0 + 5 * i, 40.0 + 7 * i, 60.0 + 9 * i)
        for i, (r, s, p) in enumerate((r, s, p) for p in periods for r in regions for s in systems)
    ]  # fmt: skip
    _write(folder, "region_metrics", pa.table({
        c: [row[j] for row in rm]
        for j, c in enumerate(["region", "system", "period", "requests", "served_fraction",
                               "p50_ms", "p95_ms", "p99_ms"])
    }))  # fmt: skip
    _write(folder, "requests", pa.table({
        "time": pa.array(np.repeat(times, 2), pa.int64()).cast(ttype),
        "system": ["orbital", "terrestrial"] * n_t,
        "requests": (100 + 50 * np.sin(np.repeat(k, 2) / 50.0)).astype(np.int64),
    }))  # fmt: skip
    _write(folder, "jobs", pa.table({
        "job": ["train-1", "train-2"],
        "kind": ["training", "training"],
        "goodput": [0.82, 0.77],
        "restarts": [1, 3],
    }))  # fmt: skip
    _write(folder, "economics", pa.table({
        "system": ["orbital"] * 3 + ["terrestrial"] * 3,
        "item": ["launch", "hardware", "operations", "building", "hardware", "energy"],
        "cost_usd_per_year": [4e6, 9e6, 1e6, 2e6, 9e6, 3e6],
    }))  # fmt: skip


def make_xss_folder(src: Path, dst: Path) -> None:
    """A copy of a results folder whose scenario, satellites and cities carry hostile names."""
    shutil.copytree(src, dst)
    for f in dst.glob("report.*"):
        f.unlink()
    sc = yaml.safe_load((dst / "scenario.yaml").read_text("utf-8"))
    sc["name"] = XSS
    sc["description"] = XSS_ATTR
    sc["constellations"][0]["name"] = XSS
    (dst / "scenario.yaml").write_text(yaml.safe_dump(sc, sort_keys=False), "utf-8")
    summ = json.loads((dst / "summary.json").read_text("utf-8"))
    summ["scenario"] = XSS
    summ["warnings"] = [XSS_ATTR]
    summ["kpis"][XSS] = 1
    (dst / "summary.json").write_text(json.dumps(summ), "utf-8")
    st = pq.read_table(dst / "satellites.parquet")
    names = [XSS if i % 2 == 0 else XSS_ATTR for i in range(st.num_rows)]
    src_col = [XSS] * st.num_rows
    st = st.set_column(st.schema.get_field_index("name"), "name", pa.array(names))
    st = st.set_column(st.schema.get_field_index("source"), "source", pa.array(src_col))
    pq.write_table(st, dst / "satellites.parquet")
    add_synthetic_tables(dst, ground_names=[XSS, XSS_ATTR, "Nairobi", "javascript:alert(4)"])
