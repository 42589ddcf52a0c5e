"""The network stage end to end: bad input, tables, the NetworkRecord contract, invariants."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.constants import R_EARTH_M
from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.contract import NetworkRecord, Records
from orbitcloud.engine.run import build_stages, simulate
from orbitcloud.network import stepping
from orbitcloud.network.geometry import segment_min_radius_m
from orbitcloud.network.routing import C_M_S
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import load_scenario

TLE = (
    Path(__file__).resolve().parents[2] / "src" / "orbitcloud" / "data" / "starlink-2023-07-18.tle"
)


def walker(planes=8, spp=8, alt=550, inc=53.0, **isl):
    return {"planes": planes, "sats_per_plane": spp, "altitude_km": alt, "inclination_deg": inc,
            "phase_factor": 1}  # fmt: skip


def scenario(**over):
    sc = {
        "name": "net-test", "seed": 3,
        "time": {"start": "2025-01-01T00:00:00Z", "duration_s": 120, "step_s": 60},
        "constellations": [{"name": "shell", "walker": walker(12, 12), "isl": {"topology": "plus-grid"}}],
        "ground": {"endpoints": [
            {"name": "A", "lat_deg": 48.85, "lon_deg": 2.35},
            {"name": "B", "lat_deg": 40.71, "lon_deg": -74.0},
            {"name": "C", "lat_deg": 35.68, "lon_deg": 139.69, "kind": "gateway"},
        ], "link": {"min_elevation_deg": 20}},
        "network": {"routes": "all", "workers": 0},
        "outputs": {"positions": True, "links": True, "report": False},
    }  # fmt: skip
    for k, v in over.items():
        sc[k] = v
    return sc


def run(sc, seen: list | None = None):
    s = load_scenario(sc)
    sink = MemorySink()
    ctx = simulate(s, sink, observe=seen.append if seen is not None else None)
    return ctx, sink


def expect_error(sc, field):
    with pytest.raises(OrbitcloudInputError) as ei:
        build_stages(load_scenario(sc))
    assert field in str(ei.value)
    return str(ei.value)


# ---------------------------------------------------------------------------- bad input
def test_unknown_city_names_the_field():
    sc = scenario(ground={"cities": {"names": ["Paris", "Atlantis-Under-The-Sea"]}})
    msg = expect_error(sc, "ground.cities.names.1")
    assert "Atlantis" in msg


def test_plus_grid_on_tle_catalogue():
    sc = scenario(constellations=[{"name": "sl", "tle_file": str(TLE), "limit": 30,
                                   "isl": {"topology": "plus-grid"}}])  # fmt: skip
    msg = expect_error(sc, "constellations.0.isl.topology")
    assert "nearest-k" in msg


def test_more_links_than_terminals():
    sc = scenario(constellations=[{"name": "sl", "tle_file": str(TLE), "limit": 30,
                                   "isl": {"topology": "nearest-k", "terminals": 3,
                                           "links_per_satellite": 4}}])  # fmt: skip
    expect_error(sc, "constellations.0.isl.links_per_satellite")
    sc = scenario(constellations=[{"name": "s", "walker": walker(),
                                   "isl": {"topology": "plus-grid", "terminals": 3}}])  # fmt: skip
    expect_error(sc, "constellations.0.isl.terminals")


def test_route_between_undefined_endpoints():
    sc = scenario(network={"routes": [["A", "B"], ["A", "Nowhere"]]})
    msg = expect_error(sc, "network.routes.1.1")
    assert "Nowhere" in msg


def test_inter_shell_unknown_constellation():
    sc = scenario(network={"inter_shell": [{"between": ["shell", "other"]}]})
    expect_error(sc, "network.inter_shell.0.between.1")


def test_schema_rejects_bad_ground_link():
    with pytest.raises(OrbitcloudInputError):
        load_scenario(scenario(ground={"endpoints": [{"name": "A", "lat_deg": 1, "lon_deg": 2}],
                                       "link": {"min_elevation_deg": 20, "max_range_km": 1000}}))  # fmt: skip


# ------------------------------------------------------------------------------ tables
def test_tables_kpis_and_record_contract():
    seen: list[Records] = []
    ctx, sink = run(scenario(network={"routes": "all", "workers": 0,
                                      "traffic": {"demand_gbps": 5, "every_steps": 1}}), seen)  # fmt: skip
    ground = sink.table("ground")
    assert ground.column_names[:4] == ["name", "kind", "lat_deg", "lon_deg"]
    assert ground.column("kind").to_pylist() == ["user", "user", "gateway"]
    routes = sink.table("routes")
    for c in ("time", "src", "dst", "rtt_ms", "hops", "path"):
        assert c in routes.column_names
    assert routes.schema.field("path").type == pa.list_(pa.int32())
    assert routes.schema.field("time").type == pa.timestamp("ms", tz="UTC")
    assert routes.num_rows == 3 * 3
    links = sink.table("links")
    assert set(links.column("kind").to_pylist()) == {"isl", "gsl"}
    assert links.column("capacity_bps").null_count == 0
    flows = sink.table("flows")
    assert flows.num_rows == 3 * 3
    k = ctx.kpis
    assert k["network_isl_links_mean"] == 288
    assert 0 < k["network_throughput_fraction"] <= 1
    assert k["network_rtt_min_ms"] > 0
    st_ = seen[-2].get(NetworkRecord).view
    assert st_.k0 == 0
    assert st_.k1 == 3
    rtt = st_.rtt_ground_to_sat_s(2)
    assert rtt.shape == (3, 144)
    a, b = st_.ground_node("A"), st_.ground_node("B")
    nodes, _length = st_.path(2, a, b)
    assert nodes[0] == a
    assert nodes[-1] == b
    last = routes.slice(6, 3).to_pylist()
    ab = next(r for r in last if r["src"] == "A" and r["dst"] == "B")
    assert ab["rtt_ms"] == pytest.approx(st_.rtt_s(2, a, b) * 1e3)
    # the RTT to a satellite on the path is below the pair's RTT
    assert rtt[0, nodes[1]] <= ab["rtt_ms"] / 1e3


def test_deterministic_with_weather():
    sc = scenario(ground={
        "endpoints": [{"name": "A", "lat_deg": 48.85, "lon_deg": 2.35},
                      {"name": "B", "lat_deg": 40.71, "lon_deg": -74.0}],
        "link": {"min_elevation_deg": 20, "band": "optical", "availability": 0.5,
                 "weather_period_s": 60},
    })  # fmt: skip
    t1 = run(sc)[1].table("routes")
    t2 = run(sc)[1].table("routes")
    assert t1.equals(t2)


def test_nearest_k_catalogue_terminals():
    sc = scenario(constellations=[{"name": "sl", "tle_file": str(TLE), "limit": 300,
                                   "isl": {"topology": "nearest-k", "terminals": 3}}],
                  network={"routes": [["A", "B"]], "workers": 0})  # fmt: skip
    ctx, sink = run(sc)
    links = sink.table("links").to_pandas()
    isl = links[links.kind == "isl"]
    for _, g in isl.groupby("time"):
        deg = np.bincount(np.r_[g.a.to_numpy(), g.b.to_numpy()], minlength=300)
        assert deg.max() <= 3  # a terminal serves one link
    assert ctx.kpis["network_isl_links_mean"] > 300  # most terminals find a partner


def test_suncatcher_mesh_and_inter_shell():
    sc = scenario(constellations=[
        {"name": "shell", "walker": walker(6, 6, 650), "isl": {"topology": "plus-grid", "terminals": 5}},
        {"name": "sc", "cluster": {"altitude_km": 650, "count": 19, "spacing_m": 200},
         "isl": {"topology": "mesh", "mesh_radius_m": 450,
                 "terminal": {"preset": "suncatcher-class", "spatial_channels_max": 1}}},
    ], network={"inter_shell": [{"between": ["shell", "sc"], "links_per_satellite": 1,
                                 "max_range_km": 5000}], "workers": 0})  # fmt: skip
    _ctx, sink = run(sc)
    links = sink.table("links").to_pandas()
    mesh = links[(links.kind == "isl") & (links.a >= 36) & (links.b >= 36)]
    assert len(mesh) > 0
    np.testing.assert_allclose(mesh.capacity_bps, 800e9)  # one transceiver pair each
    assert mesh.range_m.max() <= 450
    cross = links[(links.kind == "isl") & (links.a < 36) & (links.b >= 36)]
    assert len(cross) > 0


# -------------------------------------------------------------------------- invariants
@settings(max_examples=8, deadline=None)
@given(
    planes=st.integers(3, 10), spp=st.integers(3, 10), alt=st.floats(350, 1500),
    inc=st.floats(30, 98), lat=st.floats(-60, 60), lon=st.floats(-180, 180),
)  # fmt: skip
def test_network_invariants(planes, spp, alt, inc, lat, lon):
    sc = scenario(
        constellations=[{"name": "s", "walker": walker(planes, spp, alt, inc),
                         "isl": {"topology": "plus-grid"}}],
        ground={"endpoints": [{"name": "A", "lat_deg": lat, "lon_deg": lon},
                              {"name": "B", "lat_deg": -lat / 2, "lon_deg": (lon + 90) % 360 - 180},
                              {"name": "C", "lat_deg": 10.0, "lon_deg": 20.0}],
                "link": {"min_elevation_deg": 10}},
    )  # fmt: skip
    _ctx, sink = run(sc)
    pos = sink.table("positions").to_pandas()
    links = sink.table("links").to_pandas()
    for t, g in links.groupby("time"):
        p = pos[pos.time == t].sort_values("sat")[["x_m", "y_m", "z_m"]].to_numpy()
        isl = g[g.kind == "isl"]
        a, b = isl.a.to_numpy(), isl.b.to_numpy()
        # ranges symmetric and equal to the geometry
        np.testing.assert_allclose(isl.range_m, np.linalg.norm(p[a] - p[b], axis=1), rtol=1e-9)
        np.testing.assert_allclose(
            np.linalg.norm(p[b] - p[a], axis=1), np.linalg.norm(p[a] - p[b], axis=1)
        )
        # no ISL through the atmosphere
        assert np.all(segment_min_radius_m(p[a], p[b]) > R_EARTH_M + 80e3)
    ground = sink.table("ground").to_pandas()
    from orbitcloud.astro.frames import geodetic_to_itrf

    sites = geodetic_to_itrf(np.radians(ground.lat_deg), np.radians(ground.lon_deg), ground.alt_m)
    routes = sink.table("routes").to_pandas()
    idx = {n: i for i, n in enumerate(ground.name)}
    for r in routes.itertuples():
        if r.rtt_ms is None or not np.isfinite(r.rtt_ms):
            continue
        straight = np.linalg.norm(sites[idx[r.src]] - sites[idx[r.dst]])
        assert r.rtt_ms / 1e3 >= 2 * straight / C_M_S * (1 - 1e-12)
        # path RTT = sum of its links (from the links table)
        lk = links[links.time == r.time]
        rng = {(min(x, y), max(x, y)): d for x, y, d in zip(lk.a, lk.b, lk.range_m, strict=True)}
        path = list(r.path)
        total = sum(rng[(min(x, y), max(x, y))] for x, y in itertools.pairwise(path))
        assert r.rtt_ms == pytest.approx(2 * total / C_M_S * 1e3, rel=1e-9)


def test_worker_processes_give_identical_routes():
    ends = [{"name": f"E{i}", "lat_deg": -50 + 9 * i, "lon_deg": -170 + 29 * i} for i in range(12)]
    base = scenario(
        time={"start": "2025-01-01T00:00:00Z", "duration_s": 540, "step_s": 60},
        ground={"endpoints": ends, "link": {"min_elevation_deg": 15}},
        outputs={"positions": False, "report": False},
    )  # fmt: skip
    base["network"] = {"routes": "all", "workers": 0}
    one = run(base)[1].table("routes")
    base["network"] = {"routes": "all", "workers": 1}
    two = run(base)[1].table("routes")
    assert one.num_rows == 66 * 10
    assert one.equals(two)


def test_route_blocks_and_chunks_change_no_table(monkeypatch):
    # a small budget cuts every chunk into blocks of 3 steps (the rule that routes 1,000 cities
    # one step at a time): the tables equal those of unsplit blocks at chunk sizes 1/7/64/auto
    ends = [{"name": f"E{i}", "lat_deg": -50 + 9 * i, "lon_deg": -170 + 29 * i} for i in range(12)]
    sc = load_scenario(scenario(
        time={"start": "2025-01-01T00:00:00Z", "duration_s": 19 * 60, "step_s": 60},
        ground={"endpoints": ends, "link": {"min_elevation_deg": 15}},
        outputs={"positions": False, "report": False},
    ))  # fmt: skip

    def tables(chunk):
        sink = MemorySink()
        ctx = simulate(sc, sink, chunk_steps=chunk)
        return pa.concat_tables(sink.parts["routes"]), ctx.kpis

    ref, kpis = tables(None)
    assert ref.num_rows == 66 * 20
    monkeypatch.setattr(stepping, "ROUTES_BLOCK_BYTES", 3 * 66 * stepping.ROUTE_BYTES_PER_PAIR_STEP)
    assert stepping.steps_per_block(66) == 3
    for chunk in (1, 7, 64, None):
        got, k = tables(chunk)
        assert got.equals(ref)
        assert k == kpis


@pytest.mark.slow
def test_full_starlink_catalogue_nearest_k_scale():
    sc = scenario(
        time={"start": "2023-07-18T00:00:00Z", "duration_s": 600, "step_s": 60},
        constellations=[{"name": "sl", "tle_file": str(TLE),
                         "isl": {"topology": "nearest-k", "terminals": 4}}],
        ground={"cities": {"top": 30}, "link": {"min_elevation_deg": 25}},
        outputs={"positions": False, "links": True, "report": False},
    )  # fmt: skip
    ctx, sink = run(sc)
    links = sink.table("links").to_pandas()
    isl = links[links.kind == "isl"]
    for _, g in isl.groupby("time"):
        assert np.bincount(np.r_[g.a.to_numpy(), g.b.to_numpy()]).max() <= 4
    assert ctx.kpis["network_reachable_fraction"] > 0.9
    assert ctx.kpis["network_isl_links_mean"] > 0.8 * 4428 * 2
