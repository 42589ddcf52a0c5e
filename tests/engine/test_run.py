"""The engine loop and the geometry stage: tables, chunking, flags, checks before work."""

from __future__ import annotations

import math
import os
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from orbitcloud.engine.context import MemorySink, RunContext
from orbitcloud.engine.run import build_stages, check, prepare, simulate
from orbitcloud.scenario import OrbitcloudInputError, load_scenario_text

TLE = Path(str(resources.files("orbitcloud") / "data" / "starlink-2023-07-18.tle"))

SMALL = """\
name: small
seed: 3
time: {start: "2025-03-01T00:00:00Z", duration_h: 2, step_s: 300}
constellations:
  - name: shell
    walker: {planes: 4, sats_per_plane: 5, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
  - name: sso
    sso: {altitude_km: 700, ltan_h: 10.5, count: 3}
  - name: cluster
    cluster: {altitude_km: 650, count: 7, spacing_m: 150}
outputs: {positions: true, positions_every: %d}
"""

POSITION_COLUMNS = ["time", "sat", "x_m", "y_m", "z_m", "lat_deg", "lon_deg", "alt_km", "sunlit"]
SATELLITE_COLUMNS = ["sat", "name", "norad_id", "source", "shell", "plane", "slot"]


def small(every: int = 1):
    return load_scenario_text(SMALL % every)


def run_memory(sc, **kw) -> tuple[RunContext, MemorySink]:
    sink = MemorySink()
    return simulate(sc, sink, **kw), sink


def test_tables_have_the_contract_columns_and_one_row_per_sat_and_step():
    sc = small()
    ctx, sink = run_memory(sc)
    n_sat = 4 * 5 + 3 + 7
    sats = sink.table("satellites")
    assert set(SATELLITE_COLUMNS) <= set(sats.column_names)
    assert sats.num_rows == n_sat
    assert sats.column("sat").to_pylist() == list(range(n_sat))
    assert sats.schema.field("sat").type == pa.int32()
    assert sats.column("source").to_pylist() == ["shell"] * 20 + ["sso"] * 3 + ["cluster"] * 7
    pos = sink.table("positions")
    assert set(POSITION_COLUMNS) <= set(pos.column_names)
    assert pos.num_rows == n_sat * sc.time.n_steps
    assert pos.schema.field("time").type == pa.timestamp("ms", tz="UTC")
    assert pos.schema.field("sat").type == pa.int32()
    times = pc.unique(pos.column("time")).to_numpy().astype("datetime64[ms]").astype(np.int64)
    start_ms = int(sc.time.start_dt.timestamp() * 1000)
    np.testing.assert_array_equal(
        times, start_ms + np.arange(sc.time.n_steps) * int(sc.time.step_s * 1000)
    )
    assert ctx.kpis["satellites"] == n_sat
    assert ctx.kpis["time_steps"] == sc.time.n_steps


def test_positions_are_sane():
    _, sink = run_memory(small())
    pos = sink.table("positions")
    r = np.stack([pos.column(c).to_numpy() for c in ("x_m", "y_m", "z_m")], axis=1)
    radius_km = np.linalg.norm(r, axis=1) / 1000
    assert np.all((radius_km > 6_378 + 400) & (radius_km < 6_378 + 800))
    alt = pos.column("alt_km").to_numpy()
    assert np.all((alt > 500) & (alt < 760))
    lat = pos.column("lat_deg").to_numpy()
    assert np.all(np.abs(lat) <= 90)
    sunlit = pos.column("sunlit").to_numpy()
    assert np.all((sunlit >= 0) & (sunlit <= 1))


@pytest.mark.parametrize("chunk_steps", [1, 7, 1000])
def test_chunking_does_not_change_the_tables(chunk_steps):
    sc = small()
    _, whole = run_memory(sc)
    _, parts = run_memory(sc, chunk_steps=chunk_steps)
    for name in ("satellites", "positions"):
        assert parts.table(name).equals(whole.table(name))


@pytest.mark.parametrize("every", [2, 5])
def test_positions_every_keeps_every_nth_step(every):
    sc = small(every)
    _, sink = run_memory(sc, chunk_steps=4)  # chunk boundaries not aligned with `every`
    _, full = run_memory(small(1))
    pos = sink.table("positions")
    n_sat = 30
    assert pos.num_rows == n_sat * math.ceil(sc.time.n_steps / every)
    keep_steps = np.arange(0, sc.time.n_steps, every)
    expected = full.table("positions").take(
        (keep_steps[:, None] * n_sat + np.arange(n_sat)).ravel()
    )
    assert pos.equals(expected)


def test_flagged_sgp4_rows_are_nulls_with_a_code_never_nan(tmp_path):
    """FALCON 9 DEB objects of the shared catalogue decay within days (PITFALLS.md)."""
    lines = TLE.read_text(encoding="ascii").splitlines()
    debris = [i for i, ln in enumerate(lines) if ln.startswith("FALCON 9 DEB")]
    assert debris
    (tmp_path / "deb.tle").write_text(
        "\n".join(ln for i in debris for ln in lines[i : i + 3]) + "\n", encoding="ascii"
    )
    sc = load_scenario_text(
        "name: deb\ntime: {start: '2023-07-18T00:00:00Z', duration_h: 480, step_s: 21600}\n"
        "constellations: [{name: deb, tle_file: deb.tle}]\n",
        base_dir=tmp_path,
    )
    ctx, sink = run_memory(sc)
    pos = sink.table("positions")
    err = pos.column("sgp4_error").to_numpy()
    flagged = err != 0
    assert flagged.any(), "expected some debris to decay within 20 days"
    assert (~flagged).any()
    for c in ("x_m", "y_m", "z_m", "lat_deg", "lon_deg", "alt_km", "sunlit"):
        col = pos.column(c)
        np.testing.assert_array_equal(col.is_null().to_numpy(zero_copy_only=False), flagged)
        values = col.drop_null().to_numpy()
        assert np.isfinite(values).all()
    assert ctx.summary["propagation"]["flagged_sat_steps"] == int(flagged.sum())
    assert ctx.kpis["propagation_errors"] == int(flagged.sum())
    assert ctx.warnings


def test_rng_is_seeded_by_scenario_and_purpose():
    sc = small()
    ctx1, _ = prepare(sc, MemorySink())
    ctx2, _ = prepare(sc, MemorySink())
    assert ctx1.rng("faults").integers(0, 2**62) == ctx2.rng("faults").integers(0, 2**62)
    assert ctx1.rng("faults").integers(0, 2**62) != ctx1.rng("demand").integers(0, 2**62)
    other = sc.model_copy(deep=True)
    other.seed += 1
    ctx3, _ = prepare(other, MemorySink())
    assert ctx3.rng("faults").integers(0, 2**62) != ctx1.rng("faults").integers(0, 2**62)


def test_check_validates_without_propagating(monkeypatch):
    import orbitcloud.engine.run as run_mod

    def boom(*a, **k):
        raise AssertionError("check() must not propagate")

    monkeypatch.setattr(run_mod, "iter_ephemeris", boom)
    ctx = check(small())
    assert len(ctx.sats) == 30


def test_bad_tle_is_rejected_before_any_work(tmp_path, monkeypatch):
    import orbitcloud.engine.run as run_mod

    monkeypatch.setattr(run_mod, "iter_ephemeris", lambda *a, **k: pytest.fail("propagated"))
    lines = TLE.read_text(encoding="ascii").splitlines()[:6]
    lines[4] = lines[4][:20] + "x" + lines[4][21:]  # a letter inside line 1 of the 2nd entry
    (tmp_path / "bad.tle").write_text("\n".join(lines) + "\n", encoding="ascii")
    sc = load_scenario_text(
        "name: bad\ntime: {start: '2023-07-18', duration_h: 1, step_s: 60}\n"
        "constellations: [{name: s, tle_file: bad.tle}]\n",
        base_dir=tmp_path,
    )
    with pytest.raises(OrbitcloudInputError, match=r"bad\.tle"):
        simulate(sc, MemorySink())


def test_geometry_stage_runs_first():
    assert build_stages(small())[0].name == "geometry"


def test_progress_reaches_one():
    seen: list[float] = []
    run_memory(small(), progress=lambda label, frac: seen.append(frac), chunk_steps=5)
    assert seen[-1] == pytest.approx(1.0)
    assert seen == sorted(seen)


def test_satellites_columns_do_not_depend_on_the_hash_seed():
    """Extra columns (the cluster's disk offsets) came out in set order, which changes with
    PYTHONHASHSEED; a run must write the same table in every process."""
    import subprocess
    import sys

    code = (
        "from orbitcloud.engine.context import MemorySink\n"
        "from orbitcloud.engine.run import simulate\n"
        "from orbitcloud.scenario import load_scenario_text\n"
        f"sc = load_scenario_text({SMALL % 1!r})\n"
        "sink = MemorySink(); simulate(sc, sink)\n"
        "print(sink.table('satellites').column_names)\n"
    )
    outs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("0", "1", "2", "3")
    }  # fmt: skip
    assert len(outs) == 1, outs


def test_a_storm_outside_the_run_is_a_warning_of_the_run():
    text = (SMALL % 1) + (
        "environment:\n  storms:\n"
        '    - {start: "2024-01-01T00:00:00Z", end: "2024-01-02T00:00:00Z", ap: 200}\n'
    )
    ctx, _ = run_memory(load_scenario_text(text))
    assert any("environment.storms.0" in w and "outside the run" in w for w in ctx.warnings)


def test_long_runs_of_few_satellites_come_in_day_sized_chunks():
    from orbitcloud.astro.ephemeris import MAX_CHUNK_STEPS, chunk_steps_for

    assert chunk_steps_for(10, 100_000) == MAX_CHUNK_STEPS
    assert chunk_steps_for(10_000, 100_000) == 100
    assert chunk_steps_for(10, 50) == 50
