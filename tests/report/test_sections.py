"""Each section appears exactly when the tables that feed it exist, and copes with missing
optional columns (tables are built by hand here; see report_synthetic.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orbitcloud.report.sections import (
    break_at_antimeridian,
    build_sections,
    common_bins,
    compute_section,
    ecdf,
    economics_section,
    lost_columns,
    network_section,
    spacecraft_section,
    terrestrial_column,
    workloads_section,
)
from orbitcloud.results.reader import Results

ALL = [
    "sec-scenario", "sec-map", "sec-globe", "sec-tracks", "sec-network", "sec-spacecraft",
    "sec-compute", "sec-workloads", "sec-economics",
]  # fmt: skip


def _ids(folder: Path) -> list[str]:
    f = Results(folder, partial=True)
    return [s.id for s in build_sections(f, f.scenario_dict(), f.summary, 50, 20)]


def test_full_folder_has_every_section(full_folder: Path) -> None:
    assert _ids(full_folder) == ALL


def _only(src: Path, dst: Path, keep: set[str]) -> Path:
    dst.mkdir()
    for p in src.iterdir():
        if p.suffix != ".parquet" or p.stem in keep:
            shutil.copy(p, dst / p.name)
    return dst


@pytest.mark.parametrize(
    ("tables", "expected"),
    [
        ({"satellites"}, ["sec-scenario"]),
        ({"satellites", "positions"}, ["sec-scenario", "sec-globe", "sec-tracks"]),
        ({"ground"}, ["sec-scenario", "sec-map", "sec-tracks"]),
        ({"routes"}, ["sec-scenario", "sec-network"]),
        ({"links"}, ["sec-scenario", "sec-network"]),
        ({"sat_state"}, ["sec-scenario", "sec-spacecraft", "sec-compute"]),
        ({"region_metrics"}, ["sec-scenario", "sec-workloads"]),
        ({"jobs"}, ["sec-scenario", "sec-workloads"]),
        ({"economics"}, ["sec-scenario", "sec-economics"]),
    ],
)
def test_sections_follow_tables(
    full_folder: Path, tmp_path: Path, tables: set[str], expected: list[str]
) -> None:
    assert _ids(_only(full_folder, tmp_path / "f", tables)) == expected


def _rewrite(folder: Path, name: str, drop: list[str]) -> None:
    t = pq.read_table(folder / f"{name}.parquet")
    pq.write_table(t.drop_columns([c for c in drop if c in t.column_names]),
                   folder / f"{name}.parquet")  # fmt: skip


def test_sections_survive_missing_optional_columns(full_folder: Path, tmp_path: Path) -> None:
    f = tmp_path / "f"
    shutil.copytree(full_folder, f)
    _rewrite(f, "routes", ["terrestrial_rtt_ms", "hops", "path"])
    _rewrite(f, "sat_state", ["battery_soc", "temp_k", "dose_rad", "density_kg_m3", "throttled"])
    _rewrite(f, "region_metrics", ["period", "p95_ms", "p99_ms", "requests"])
    _rewrite(f, "links", ["kind", "capacity_bps", "range_m"])
    _rewrite(f, "ground", ["kind"])
    folder = Results(f, partial=True)
    net = network_section(folder)
    assert net is not None
    assert any("No terrestrial baseline" in getattr(b, "caption", "") for b in net.blocks)
    sc = spacecraft_section(folder)
    assert sc is not None
    assert len(sc.blocks) == 1
    wl = workloads_section(folder)
    assert wl is not None
    # without ground.kind the map cannot tell users from gateways: it alone goes
    assert _ids(f) == [s for s in ALL if s != "sec-map"]


def test_compute_prefers_explicit_then_capacity(full_folder: Path, tmp_path: Path) -> None:
    f = tmp_path / "f"
    shutil.copytree(full_folder, f)
    t = pq.read_table(f / "sat_state.parquet")
    n = t.num_rows
    cap = np.where(np.arange(n) % 3 == 0, 0.5, 0.9)
    t2 = t.append_column("capacity", pa.array(cap)).append_column(
        "failed", pa.array(np.arange(n) % 50 == 0)
    )
    pq.write_table(t2, f / "sat_state.parquet")
    sec = compute_section(Results(f, partial=True))
    assert sec is not None
    assert "capacity" in sec.intro[0]
    names = [tr.get("name", "") for tr in sec.blocks[0].fig["data"]]
    assert "lost: failures" in names
    assert "delivered" in names
    t3 = t.append_column("compute_lost_eclipse_w", pa.array(np.ones(n)))
    pq.write_table(t3, f / "sat_state.parquet")
    sec = compute_section(Results(f, partial=True))
    assert sec is not None
    assert "compute_lost_eclipse_w" in sec.intro[0]
    assert lost_columns(["lost_thermal_w", "compute_lost_eclipse_w", "compute_w"]) == {
        "lost_thermal_w": "thermal",
        "compute_lost_eclipse_w": "eclipse",
    }


def test_economics_without_label_columns_shows_the_table(tmp_path: Path) -> None:
    pq.write_table(pa.table({"capex_usd": [1.0, 2.0]}), tmp_path / "economics.parquet")
    sec = economics_section(Results(tmp_path, partial=True), {"kpis": {"cost_per_mtok_usd": 1.5}})
    assert sec is not None
    kinds = [type(b).__name__ for b in sec.blocks]
    assert kinds == ["Table", "Table"]  # the table and the cost KPIs, no chart without labels


def test_small_helpers() -> None:
    assert terrestrial_column(["rtt_ms", "terrestrial_rtt_ms"]) == "terrestrial_rtt_ms"
    assert terrestrial_column(["terrestrial_fibre_ms"]) == "terrestrial_fibre_ms"
    assert terrestrial_column(["rtt_ms"]) is None
    lon, _ = break_at_antimeridian(np.array([170.0, 179.0, -179.0, -170.0]), np.zeros(4))
    assert np.isnan(lon[2])
    assert len(lon) == 5
    e = common_bins(np.full(10, 100.0))
    assert e is not None
    assert e[0] < 100 < e[-1]
    assert common_bins(np.array([np.nan])) is None
    x, p = ecdf(np.array([3.0, 1.0, 2.0, np.nan]))
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert p[-1] == 1.0


def test_no_compute_section_without_compute(tmp_path: Path) -> None:
    t = pa.table({
        "time": pa.array(np.repeat(np.arange(3), 2) * 60_000, pa.int64()).cast(
            pa.timestamp("ms", tz="UTC")),
        "sat": pa.array(np.tile(np.arange(2), 3), pa.int32()),
        "compute_w": np.zeros(6),
        "power_w": np.ones(6),
    })  # fmt: skip
    pq.write_table(t, tmp_path / "sat_state.parquet")
    assert compute_section(Results(tmp_path, partial=True)) is None  # a bus without accelerators
    assert spacecraft_section(Results(tmp_path, partial=True)) is not None
    pq.write_table(
        t.append_column("capacity", pa.array(np.zeros(6))), tmp_path / "sat_state.parquet"
    )
    assert compute_section(Results(tmp_path, partial=True)) is None


def test_spacecraft_plots_keep_unlike_constellations_apart(tmp_path: Path) -> None:
    # satellites 0, 1: constellation "bus" at 100 and 300 W; satellite 2: "tpu" at 5,000 W;
    # pooled, the median would be 300 W and the 95 % point near 4,530 W
    n_t = 3
    t = pa.table({
        "time": pa.array(np.repeat(np.arange(n_t), 3) * 60_000, pa.int64()).cast(
            pa.timestamp("ms", tz="UTC")),
        "sat": pa.array(np.tile(np.arange(3), n_t), pa.int32()),
        "power_w": np.tile([100.0, 300.0, 5000.0], n_t),
    })  # fmt: skip
    pq.write_table(t, tmp_path / "sat_state.parquet")
    sats = pa.table({"sat": pa.array([0, 1, 2], pa.int32()), "source": ["bus", "bus", "tpu"]})
    pq.write_table(sats, tmp_path / "satellites.parquet")
    sec = spacecraft_section(Results(tmp_path, partial=True))
    assert sec is not None
    fig = sec.blocks[0].fig
    medians = {tr["name"]: tr["y"] for tr in fig["data"] if tr["name"].endswith("median")}
    assert set(medians) == {"bus median", "tpu median"}
    for name, want in (("bus median", 200.0), ("tpu median", 5000.0)):
        v = medians[name]
        if isinstance(v, dict):  # plotly's typed-array JSON
            import base64

            v = np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
        assert np.allclose(np.asarray(v, float), want), name
