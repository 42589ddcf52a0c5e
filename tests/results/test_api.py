"""The results folder contract: files, columns, summary, placement, views, round trips."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import orbitcloud
from orbitcloud.results.reader import SUMMARY, Results
from orbitcloud.results.runner import (
    ParquetSink,
    _temp_name,
    remove_stale_temporaries,
    run,
)
from orbitcloud.scenario import OrbitcloudInputError, load_scenario, load_scenario_text

TINY = """\
name: tiny
seed: %d
time: {start: "2025-03-01T00:00:00Z", duration_h: 1, step_s: 300}
constellations:
  - name: shell
    walker: {planes: 3, sats_per_plane: 4, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
  - name: dawn-dusk
    sso: {altitude_km: 650, ltan_h: 6.0, count: 2}
outputs: {positions: true, report: false}
"""

SATELLITE_COLUMNS = {"sat", "name", "norad_id", "source", "shell", "plane", "slot"}
POSITION_COLUMNS = {"time", "sat", "x_m", "y_m", "z_m", "lat_deg", "lon_deg", "alt_km", "sunlit"}


def tiny(seed: int = 1):
    return load_scenario_text(TINY % seed)


def assert_complete(folder: Path) -> dict:
    """A complete results folder: summary.json, every table readable, row counts as stated."""
    summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    files = sorted(p.stem for p in folder.glob("*.parquet"))
    assert files == sorted(summary["tables"])
    for name, rows in summary["tables"].items():
        assert pq.read_table(folder / f"{name}.parquet").num_rows == rows
    assert (folder / "scenario.yaml").is_file()
    return summary


def test_folder_contract(tmp_path):
    sc = tiny()
    res = run(sc, out=tmp_path / "out")
    summary = assert_complete(res.path)
    assert {"satellites", "positions"} <= set(res.tables)
    assert set(res.arrow("satellites").column_names) >= SATELLITE_COLUMNS
    assert set(res.arrow("positions").column_names) >= POSITION_COLUMNS
    n_sat = 3 * 4 + 2
    assert summary["tables"]["satellites"] == n_sat
    assert summary["tables"]["positions"] == n_sat * sc.time.n_steps
    assert summary["orbitcloud_version"] == orbitcloud.__version__
    assert summary["scenario_hash"] == sc.scenario_hash()
    assert summary["seed"] == sc.seed
    assert summary["wall_time_s"] > 0
    assert summary["kpis"]["satellites"] == n_sat
    assert summary["propagation"]["flagged_sat_steps"] == 0
    # the resolved scenario reloads to the same scenario
    assert load_scenario(res.path / "scenario.yaml").scenario_hash() == summary["scenario_hash"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging left


def test_positions_off_writes_no_positions(tmp_path):
    sc = tiny()
    sc.outputs.positions = False
    res = run(sc, out=tmp_path / "out")
    assert "positions" not in res.tables
    assert "satellites" in res.tables


def test_existing_out_is_refused_unless_overwrite(tmp_path):
    out = tmp_path / "out"
    first = run(tiny(1), out=out)
    with pytest.raises(OrbitcloudInputError, match="--overwrite"):
        run(tiny(2), out=out)
    assert Results(out).summary["seed"] == 1  # untouched
    second = run(tiny(2), out=out, overwrite=True)
    assert second.path == first.path
    assert Results(out).summary["seed"] == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_overwrite_never_replaces_a_folder_that_is_not_a_results_folder(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious", encoding="utf-8")
    with pytest.raises(OrbitcloudInputError, match="not an orbitcloud results folder"):
        run(tiny(), out=out, overwrite=True)
    assert (out / "chapter1.tex").read_text(encoding="utf-8") == "precious"
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(OrbitcloudInputError, match="not a folder"):
        run(tiny(), out=tmp_path / "file", overwrite=True)


def test_out_may_not_be_the_working_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OrbitcloudInputError, match="current folder"):
        run(tiny(), out=".", overwrite=True)


def test_default_location_never_collides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = run(tiny())
    b = run(tiny())
    c = run(tiny())
    assert a.path == Path("results/tiny")
    assert b.path == Path("results/tiny-2")
    assert c.path == Path("results/tiny-3")
    for r in (a, b, c):
        assert_complete(r.path)


def test_failed_run_leaves_nothing(tmp_path):
    def broken_finalizer(folder: Path, summary: dict) -> None:
        raise RuntimeError("report failed")

    with pytest.raises(RuntimeError, match="report failed"):
        run(tiny(), out=tmp_path / "out", finalizers=(broken_finalizer,))
    assert list(tmp_path.iterdir()) == []


def test_finalizer_sees_tables_and_summary_before_the_move(tmp_path):
    seen = {}

    def finalizer(folder: Path, summary: dict) -> None:
        seen["tables"] = sorted(p.name for p in folder.glob("*.parquet"))
        seen["has_summary"] = (folder / SUMMARY).exists()
        (folder / "extra.txt").write_text("hi", encoding="utf-8")

    res = run(tiny(), out=tmp_path / "out", finalizers=(finalizer,))
    assert seen["tables"] == [f"{t}.parquet" for t in res.tables]
    assert {"positions.parquet", "satellites.parquet"} <= set(seen["tables"])
    assert seen["has_summary"] is False
    assert (res.path / "extra.txt").is_file()


def test_views_agree(tmp_path):
    res = run(tiny(), out=tmp_path / "out")
    con = res.duckdb()
    for name, rows in res.summary["tables"].items():
        assert con.sql(f'select count(*) from "{name}"').fetchall() == [(rows,)]
        assert len(res.table(name)) == rows
    df = res.table("positions", columns=["sat", "sunlit"])
    by_sat = con.sql("select sat, avg(sunlit) as s from positions group by sat order by sat").df()
    np.testing.assert_allclose(
        by_sat["s"], df.groupby("sat")["sunlit"].mean().to_numpy(), rtol=1e-6
    )
    with pytest.raises(OrbitcloudInputError, match="no table 'links'"):
        res.arrow("links")


def test_incomplete_folder_is_not_results(tmp_path):
    (tmp_path / "positions.parquet").write_bytes(b"PAR1")
    with pytest.raises(OrbitcloudInputError, match=SUMMARY):
        Results(tmp_path)


def test_top_level_api(tmp_path):
    res = orbitcloud.run(tiny(), out=tmp_path / "out")
    assert orbitcloud.load_results(res.path).summary == res.summary


# --- determinism -------------------------------------------------------------------------------


def test_same_scenario_and_seed_give_identical_tables(tmp_path):
    a = run(tiny(5), out=tmp_path / "a")
    b = run(tiny(5), out=tmp_path / "b")
    assert a.tables == b.tables
    for name in a.tables:
        assert a.arrow(name).equals(b.arrow(name)), name
    assert a.summary["kpis"] == b.summary["kpis"]
    assert a.summary["scenario_hash"] == b.summary["scenario_hash"]


def test_another_seed_changes_only_random_parts(tmp_path):
    """Geometry draws no random numbers: its tables must not depend on the seed."""
    a = run(tiny(5), out=tmp_path / "a")
    b = run(tiny(6), out=tmp_path / "b")
    assert a.summary["scenario_hash"] != b.summary["scenario_hash"]
    for name in ("satellites", "positions"):
        assert a.arrow(name).equals(b.arrow(name)), name


# --- the Parquet sink --------------------------------------------------------------------------

column_kinds = st.sampled_from(["int32", "int64", "float32", "float64", "bool", "string", "time"])


@st.composite
def tables(draw) -> tuple[pa.Schema, list[pa.Table]]:
    """A schema and a few tables of it, with nulls, NaN-free floats and odd strings."""
    kinds = draw(st.lists(column_kinds, min_size=1, max_size=5))
    n_parts = draw(st.integers(1, 4))
    parts = []
    for _ in range(n_parts):
        n = draw(st.integers(0, 30))
        cols = {}
        for i, kind in enumerate(kinds):
            nulls = st.none() | st.nothing() if draw(st.booleans()) else st.nothing()
            if kind in ("int32", "int64"):
                bits = 31 if kind == "int32" else 63
                values = st.integers(-(2**bits), 2**bits - 1)
                typ = pa.int32() if kind == "int32" else pa.int64()
            elif kind in ("float32", "float64"):
                width = 32 if kind == "float32" else 64
                values = st.floats(allow_nan=False, width=width)
                typ = pa.float32() if kind == "float32" else pa.float64()
            elif kind == "bool":
                values, typ = st.booleans(), pa.bool_()
            elif kind == "string":
                values, typ = st.text(max_size=6), pa.string()
            else:
                values = st.integers(0, 2**41)
                typ = pa.timestamp("ms", tz="UTC")
            cols[f"c{i}_{kind}"] = pa.array(
                draw(st.lists(values | nulls, min_size=n, max_size=n)), type=typ
            )
        parts.append(pa.table(cols))
    return parts[0].schema, parts


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=tables(), background=st.lists(st.booleans(), min_size=4, max_size=4))
def test_parquet_write_read_round_trip(tmp_path_factory, data, background):
    _, parts = data
    folder = tmp_path_factory.mktemp("sink")
    sink = ParquetSink(folder, validate=False)
    for part, bg in zip(parts, background, strict=False):
        sink.write("t", part, background=bg)
    sink.close()
    back = pq.read_table(folder / "t.parquet")
    assert back.equals(pa.concat_tables(parts))
    assert sink.rows["t"] == back.num_rows


def test_sink_keeps_order_across_background_and_direct_writes(tmp_path):
    sink = ParquetSink(tmp_path, validate=False)
    for k in range(20):
        sink.write("t", pa.table({"k": pa.array([k] * 1000, pa.int64())}), background=k % 3 != 0)
    sink.close()
    k = pq.read_table(tmp_path / "t.parquet").column("k").to_numpy()
    np.testing.assert_array_equal(k, np.repeat(np.arange(20), 1000))


def test_sink_rejects_a_table_with_other_columns(tmp_path):
    sink = ParquetSink(tmp_path, validate=False)
    sink.write("t", pa.table({"a": [1]}), background=True)
    with pytest.raises(ValueError, match="same columns"):
        sink.write("t", pa.table({"b": [1]}), background=True)
    sink.abort()


def test_sink_raises_a_writer_thread_error(tmp_path, monkeypatch):
    sink = ParquetSink(tmp_path, validate=False)
    sink.write("t", pa.table({"a": [1]}))  # written now, before the writer is broken

    def broken(name, table):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sink, "_write_now", broken)
    sink.write("t", pa.table({"a": [2]}), background=True)
    with pytest.raises(OSError, match="No space"):
        sink.close()


# --- staging and killed runs -------------------------------------------------------------------


def test_stale_staging_of_dead_processes_is_removed(tmp_path):
    target = tmp_path / "x"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = _temp_name(target, "staging")
    stale = stale.with_name(stale.name.replace(f"-{os.getpid()}-", f"-{dead.pid}-"))
    live = _temp_name(target, "staging")
    live = live.with_name(live.name.replace(f"-{os.getpid()}-", f"-{os.getppid()}-"))
    unrelated = tmp_path / ".x.staging-notours"
    for p in (stale, live, unrelated):
        p.mkdir()
    assert remove_stale_temporaries(tmp_path) == [stale]
    assert live.exists()
    assert unrelated.exists()


KILL_SCENARIO = """\
name: killme
time: {start: "2025-03-01T00:00:00Z", duration_h: 12, step_s: 60}
constellations:
  - name: shell
    walker: {planes: 30, sats_per_plane: 30, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
outputs: {positions: true, report: false}
"""


def _start_and_wait_for_staging(cmd: list[str], out: Path) -> tuple[subprocess.Popen, float]:
    """Start a run; return once its staging folder (or anything at ``out``) exists."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pattern = f".{out.name}.staging-*"
    while proc.poll() is None and not out.exists() and not any(out.parent.glob(pattern)):
        time.sleep(0.002)
    return proc, time.perf_counter() - t0


def kill_runs(tmp_path: Path, trials: int, seed: int) -> list[str]:
    """SIGKILL ``orbitcloud run`` at seeded random moments of its work; check the final path."""
    scenario = tmp_path / "killme.yaml"
    scenario.write_text(KILL_SCENARIO, encoding="utf-8")
    cmd = [sys.executable, "-m", "orbitcloud", "run", str(scenario), "-q"]
    # time the part of a run after its staging folder appears, so kills land in every phase
    out = tmp_path / "timing"
    proc, _ = _start_and_wait_for_staging([*cmd, "--out", str(out)], out)
    t0 = time.perf_counter()
    assert proc.wait() == 0
    work_s = time.perf_counter() - t0
    rng = random.Random(seed)
    outcomes = []
    for trial in range(trials):
        out = tmp_path / f"out{trial}"
        proc, _ = _start_and_wait_for_staging([*cmd, "--out", str(out)], out)
        time.sleep(rng.uniform(0.0, 1.1) * work_s)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if out.exists():
            assert_complete(out)
            outcomes.append("complete")
        else:
            outcomes.append("absent")
    # the next run in the same folder cleans up what the killed ones left
    run(tiny(), out=tmp_path / "after")
    assert not [p.name for p in tmp_path.iterdir() if ".staging-" in p.name]
    return outcomes


def test_killed_run_never_leaves_a_folder_that_looks_complete(tmp_path):
    """SIGKILL at seeded random moments: the final path is absent or complete."""
    outcomes = kill_runs(tmp_path, trials=3, seed=20230718)
    assert "absent" in outcomes  # the test did kill runs in flight


@pytest.mark.slow
def test_killed_run_never_leaves_a_folder_that_looks_complete_many(tmp_path):
    outcomes = kill_runs(tmp_path, trials=20, seed=7)
    assert "absent" in outcomes
