"""The report's streamed aggregates (report/stream.py) against the whole-table computation.

The old path read whole columns; here the expected values are written out independently with
pandas over the whole tables (groupby time, linear quantiles), and the streamed values must
match: per-step quantiles, minimum and maximum exactly, sums and means to 1e-12 relative
(pandas sums in another order). The report's figures must not depend on the batch size nor on
the file's row groups (exactly equal for batches of 1, 7 and 64 rows).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from orbitcloud.report.sections import Figure, build_sections
from orbitcloud.report.stream import compute_series, stream_time_stats
from orbitcloud.results import reader
from orbitcloud.results.reader import Results
from orbitcloud.scenario.errors import OrbitcloudInputError

COLS = ["power_w", "battery_soc", "temp_k", "dose_rad", "density_kg_m3"]


def _df(folder: Path, name: str) -> pd.DataFrame:
    df = pq.read_table(folder / f"{name}.parquet").to_pandas()
    df["t"] = df["time"].astype("datetime64[ms, UTC]").astype("int64")  # ms since 1970
    return df


def _figures(folder: Path) -> str:
    f = Results(folder, partial=True)
    secs = build_sections(f, f.scenario_dict(), f.summary)
    out = {s.id: [b.fig for b in s.blocks if isinstance(b, Figure)] for s in secs}
    out["globe"] = [s.globe for s in secs if s.globe is not None]  # type: ignore[assignment]
    return json.dumps(out, sort_keys=True, default=str)


def test_per_step_statistics_match_pandas(full_folder: Path) -> None:
    df = _df(full_folder, "sat_state")
    got = stream_time_stats(Results(full_folder, partial=True), "sat_state", COLS, batch_rows=5)
    g = df.groupby("t")
    for c in COLS:
        st = got[c]
        np.testing.assert_array_equal(st.times_ms, np.asarray(g[c].size().index))
        np.testing.assert_array_equal(st.minimum, g[c].min().to_numpy())
        np.testing.assert_array_equal(st.maximum, g[c].max().to_numpy())
        np.testing.assert_allclose(st.mean, g[c].mean().to_numpy(), rtol=1e-12)
        np.testing.assert_allclose(st.total, g[c].sum().to_numpy(), rtol=1e-12)
        for q in (0.05, 0.5, 0.95):
            np.testing.assert_allclose(st.quantiles[q], g[c].quantile(q).to_numpy(), rtol=1e-12)


def _old_compute(folder: Path) -> dict[str, pd.Series]:
    """The compute section's series as the whole-table code computed them (pandas)."""
    df = _df(folder, "sat_state")
    cols = set(df.columns)
    flag = {c: (df[c].astype(float).fillna(0) > 0.5) if c in cols else pd.Series(False, df.index)
            for c in ("failed", "thermal_throttled", "power_throttled", "throttled", "eclipse")}  # fmt: skip
    if "capacity" in cols:
        cap = df["capacity"].astype(float).fillna(0.0)
        has = (cap > 0) | (df["accelerators_ok"].astype(float).fillna(0) > 0)
        keep = has.groupby(df["sat"]).transform("max")
        df, cap = df[keep], cap[keep]
        flag = {k: v[keep] for k, v in flag.items()}
        delivered, gap = cap, (1.0 - cap).clip(lower=0.0)
    else:
        delivered = df["compute_w"].astype(float).fillna(0.0)
        gap = (delivered.groupby(df["sat"]).transform("max").clip(lower=0) - delivered).clip(0)
    if "eclipse" in cols:
        dark = flag["eclipse"]
    else:
        pos = _df(folder, "positions")[["t", "sat", "sunlit"]]
        m = df[["t", "sat"]].merge(pos, on=["t", "sat"], how="left")
        dark = pd.Series((m["sunlit"].astype(float).fillna(1.0) < 0.5).to_numpy(), df.index)
    thermal = flag["thermal_throttled"] if {"thermal_throttled", "power_throttled"} & cols else (
        flag["throttled"])  # fmt: skip
    taken = pd.Series(False, df.index)
    out = {"delivered": delivered.groupby(df["t"]).sum()}
    for name, m in (("failures", flag["failed"]), ("throttle", thermal), ("eclipse", dark),
                    ("power", flag["power_throttled"])):  # fmt: skip
        m = m & ~taken
        taken |= m
        out[name] = gap.where(m, 0.0).groupby(df["t"]).sum()
    out["other"] = gap.where(~taken, 0.0).groupby(df["t"]).sum()
    return out


def _check_compute(folder: Path) -> None:
    want = _old_compute(folder)
    cs = compute_series(Results(folder, partial=True), batch_rows=3)
    assert cs is not None
    np.testing.assert_array_equal(cs.times_ms, want["delivered"].index.to_numpy())
    np.testing.assert_allclose(cs.delivered, want["delivered"].to_numpy(), rtol=1e-12)
    assert cs.delivered_total == pytest.approx(want["delivered"].sum(), rel=1e-12)
    names = {"failures": "failures", "thermal throttling": "throttle", "throttling": "throttle",
             "eclipse (power)": "eclipse", "power": "power", "other (overheads, idle)": "other"}  # fmt: skip
    shown = {names[k] for k in cs.lost}
    assert shown == {k for k in want if k != "delivered" and want[k].abs().sum() > 0}
    for k, v in cs.lost.items():
        np.testing.assert_allclose(v, want[names[k]].to_numpy(), rtol=1e-12, atol=1e-9)


def test_compute_peak_mode_matches_pandas(full_folder: Path) -> None:
    # synthetic sat_state: compute_w and throttled, no eclipse: positions.sunlit gives the dark
    _check_compute(full_folder)


def _capacity_folder(src: Path, dst: Path, shuffle: bool = False) -> Path:
    shutil.copytree(src, dst)
    t = pq.read_table(src / "sat_state.parquet")
    n = t.num_rows
    sat = t["sat"].to_numpy()
    k = np.arange(n)
    t = t.append_column("capacity", pa.array(np.where(sat % 4 == 0, 0.0, 0.5 + 0.4 * np.sin(k))))
    t = t.append_column("accelerators_ok", pa.array((sat % 4 != 0).astype(np.int16) * 4))
    t = t.append_column("failed", pa.array((k % 53) == 0))
    t = t.append_column("thermal_throttled", pa.array((k % 7) == 0))
    t = t.append_column("power_throttled", pa.array((k % 11) == 0))
    t = t.append_column("eclipse", pa.array((k % 5) < 2))
    if shuffle:
        t = t.take(np.random.default_rng(1).permutation(n))
    pq.write_table(t, dst / "sat_state.parquet", row_group_size=97)
    return dst


def test_compute_capacity_mode_matches_pandas(full_folder: Path, tmp_path: Path) -> None:
    _check_compute(_capacity_folder(full_folder, tmp_path / "cap"))


def test_unsorted_table_gives_the_same_series(full_folder: Path, tmp_path: Path) -> None:
    a = Results(_capacity_folder(full_folder, tmp_path / "a"), partial=True)
    b = Results(_capacity_folder(full_folder, tmp_path / "b", shuffle=True), partial=True)
    assert a.time_sorted("sat_state")
    assert not b.time_sorted("sat_state")
    sa, sb = compute_series(a), compute_series(b)
    assert sa is not None
    assert sb is not None
    np.testing.assert_array_equal(sa.times_ms, sb.times_ms)
    np.testing.assert_allclose(sa.delivered, sb.delivered, rtol=1e-12)


@pytest.mark.parametrize("rows", [7, 64])  # batches of 1 row: the next test (faster)
def test_figures_do_not_depend_on_batch_or_row_groups(
    full_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    ref = _figures(full_folder)
    small = tmp_path / "small"
    shutil.copytree(full_folder, small)
    for name in ("positions", "sat_state", "links", "routes"):
        pq.write_table(pq.read_table(full_folder / f"{name}.parquet"),
                       small / f"{name}.parquet", row_group_size=rows * 50)  # fmt: skip
    monkeypatch.setattr(reader, "STREAM_BATCH_ROWS", rows)
    assert _figures(full_folder) == ref
    assert _figures(small) == ref


def test_filtered_read_and_batches(full_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "STREAM_BATCH_ROWS", 50)
    f = Results(full_folder, partial=True)
    df = _df(full_folder, "positions")
    t1 = int(np.unique(df["t"])[3])
    flt = (pc.field("sat") == 2) & (pc.field("time") <= pa.scalar(t1, pa.timestamp("ms", "UTC")))
    got = f.arrow("positions", ["time", "sat", "lat_deg"], filter=flt).to_pandas()
    want = df[(df["sat"] == 2) & (df["t"] <= t1)]
    np.testing.assert_array_equal(got["lat_deg"].to_numpy(), want["lat_deg"].to_numpy())
    sizes = [b.num_rows for b in f.iter_batches("positions", ["time"])]
    assert max(sizes) <= 50
    assert sum(sizes) == len(df)
    np.testing.assert_array_equal(f.unique_times("positions"), np.unique(df["t"]))
    with pytest.raises(OrbitcloudInputError, match=r"no column.*'nope'"):
        next(f.iter_batches("positions", ["time", "nope"]))


def test_links_per_step_and_histograms_match_pandas(full_folder: Path) -> None:
    from orbitcloud.report.stream import link_series

    df = _df(full_folder, "links")
    ls = link_series(Results(full_folder, partial=True), batch_rows=11)
    assert ls.kinds == list(dict.fromkeys(df["kind"]))  # first appearance, as codes() orders
    for kind, g in df.groupby("kind"):
        n = g.groupby("t").size()
        np.testing.assert_array_equal(ls.up[kind][0], n.index.to_numpy())
        np.testing.assert_array_equal(ls.up[kind][1], n.to_numpy())
    v = df["range_m"].to_numpy() * 1e-3
    edges, per_kind = ls.hist["range_m"]
    np.testing.assert_array_equal(edges, np.linspace(v.min(), v.max(), 41))
    for kind, counts in per_kind.items():
        want, _ = np.histogram(v[df["kind"].to_numpy() == kind], bins=edges)
        np.testing.assert_array_equal(counts, want)


def test_batches_of_one_row_give_the_same_aggregates(full_folder: Path) -> None:
    from orbitcloud.report.stream import link_series

    f = Results(full_folder, partial=True)
    a = stream_time_stats(f, "sat_state", COLS, batch_rows=1)
    b = stream_time_stats(f, "sat_state", COLS)
    for c in COLS:
        for x, y in ((a[c].mean, b[c].mean), (a[c].quantiles[0.95], b[c].quantiles[0.95]),
                     (a[c].total, b[c].total), (a[c].minimum, b[c].minimum)):  # fmt: skip
            np.testing.assert_array_equal(x, y)
    ca, cb = compute_series(f, batch_rows=1), compute_series(f)
    assert ca is not None
    assert cb is not None
    np.testing.assert_array_equal(ca.delivered, cb.delivered)
    assert list(ca.lost) == list(cb.lost)
    for k in ca.lost:
        np.testing.assert_array_equal(ca.lost[k], cb.lost[k])
    la, lb = link_series(f, batch_rows=1), link_series(f)
    assert la.kinds == lb.kinds
    for k in la.kinds:
        np.testing.assert_array_equal(la.up[k][1], lb.up[k][1])
