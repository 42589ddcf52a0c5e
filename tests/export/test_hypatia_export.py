"""The Hypatia export of examples/kuiper-hypatia.yaml, read back with satgenpy's reading rules.

The readers below re-implement what Hypatia's ``satgenpy`` checks when it reads a state folder
(snkas/hypatia: ``satgen/tles/read_tles.py``, ``satgen/isls/read_isls.py``,
``satgen/ground_stations/read_ground_stations.py`` (``read_ground_stations_extended``),
``satgen/interfaces/read_gsl_interfaces_info.py``) and how ns-3-sat-sim applies the forwarding
state (``ArbiterSingleForwardHelper::UpdateForwardingState``: each ``fstate_<t>.txt`` updates
the entries it lists). The fstate next hops are then walked from Manila to Dalian at every step,
with the distances computed from the run's ``positions`` and ``ground`` tables, and must give
the RTTs and paths of the run's ``routes`` table. Independent references: satgenpy's own
Kuiper-630 TLE lines and Hypatia's Manila-Dalian paths (pasted from its tests), and satgenpy's
+Grid and WGS72 formulas re-implemented here.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from orbitcloud.export.hypatia import export_hypatia
from orbitcloud.results.runner import run
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.yamlio import load_yaml_file

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "kuiper-hypatia.yaml"
DURATION_S = 30  # covers Hypatia's path changes at 18.0 and 27.6 s
C_M_S = 299_792_458.0
RTT_TOL_MS = 1e-6  # 1 ns: the walk and the run use the same positions; float sums only
N_SAT = 34 * 34

# satgenpy's Kuiper-630 TLEs (sat id: name line, line 1, line 2), pasted from Hypatia's tests
# (satgenpy/tests/test_distance_tools.py and test_end_to_end_kuiper_duo.py, snkas/hypatia)
SATGENPY_TLES = {
    0: ("1 00001U 00000ABC 00001.00000000  .00000000  00000-0  00000+0 0    04",
        "2 00001  51.9000   0.0000 0000001   0.0000   0.0000 14.80000000    02"),
    1: ("1 00002U 00000ABC 00001.00000000  .00000000  00000-0  00000+0 0    05",
        "2 00002  51.9000   0.0000 0000001   0.0000  10.5882 14.80000000    07"),
    183: ("1 00184U 00000ABC 00001.00000000  .00000000  00000-0  00000+0 0    06",
          "2 00184  51.9000  52.9412 0000001   0.0000 142.9412 14.80000000    00"),
    184: ("1 00185U 00000ABC 00001.00000000  .00000000  00000-0  00000+0 0    07",
          "2 00185  51.9000  52.9412 0000001   0.0000 153.5294 14.80000000    07"),
}  # fmt: skip
# Hypatia's Manila -> Dalian satellite paths (tests/network/test_hypatia.py, from satgenpy's
# test_end_to_end_kuiper_duo.py), ground stations renumbered to this run's 1156 and 1157
HYPATIA_PATHS = {0.0: [184, 183, 217], 18.0: [218, 217], 27.6: [648, 649, 650, 616]}
MANILA, DALIAN = N_SAT, N_SAT + 1


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    data, _ = load_yaml_file(EXAMPLE)
    data["time"]["duration_s"] = DURATION_S
    data["outputs"] = {"links": True, "sat_state": False, "report": False}
    for c in data["constellations"]:
        c["spacecraft"] = {"enabled": False}
    base = tmp_path_factory.mktemp("kuiper")
    res = run(data, out=base / "run")
    info = export_hypatia(res, base / "hypatia")
    return res, info


# --- satgenpy's reading rules -------------------------------------------------------------
def tle_checksum(line: str) -> int:
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def read_tles(path: Path) -> dict:
    """read_tles: header, ids 0.. in order, one epoch for all; plus the TLEs' own checksums."""
    lines = path.read_text().split("\n")
    n_orbits, n_per = (int(x) for x in lines[0].split())
    body = [x for x in lines[1:] if x != ""]
    assert len(body) % 3 == 0
    sats, epoch = [], None
    for i in range(len(body) // 3):
        name, l1, l2 = body[3 * i : 3 * i + 3]
        assert int(name.split()[1]) == i, "Satellite identifier is not increasing by one"
        this_epoch = ("20" + l1[18:20], float(l1[20:32]))
        epoch = epoch or this_epoch
        assert this_epoch == epoch, "The epoch of all TLES must be the same"
        for ln in (l1, l2):
            assert len(ln) == 69
            assert tle_checksum(ln) == int(ln[68])
        sats.append((name, l1, l2, Satrec.twoline2rv(l1, l2, WGS72)))
    return {"n_orbits": n_orbits, "n_sats_per_orbit": n_per, "epoch": epoch, "satellites": sats}


def read_isls(path: Path, n_sat: int) -> list[tuple[int, int]]:
    out, seen = [], set()
    for line in path.read_text().splitlines():
        a, b = (int(x) for x in line.split())
        assert 0 <= a < n_sat, "Satellite does not exist"
        assert 0 <= b < n_sat, "Satellite does not exist"
        assert b > a, "The second satellite index must be strictly larger than the first"
        assert (a, b) not in seen, "Duplicate ISL"
        seen.add((a, b))
        out.append((a, b))
    return out


def read_ground_stations_extended(path: Path) -> list[dict]:
    out = []
    for gid, line in enumerate(path.read_text().splitlines(keepends=True)):
        split = line.split(",")
        assert len(split) == 8, "Extended ground station file has 8 columns"
        assert int(split[0]) == gid, "Ground station id must increment each line"
        out.append({
            "name": split[1], "lat": split[2], "lon": split[3], "elevation_m": float(split[4]),
            "xyz": tuple(float(v) for v in split[5:8]),
        })  # fmt: skip
    return out


def read_gsl_interfaces_info(path: Path, n_sat: int, n_gs: int) -> list[tuple[int, float]]:
    out = []
    for node, line in enumerate(path.read_text().splitlines()):
        split = line.split(",")
        assert len(split) == 3
        assert int(split[0]) == node
        n_if, bw = int(split[1]), float(split[2])
        assert n_if > 0
        assert bw > 0
        out.append((n_if, bw))
    assert len(out) == n_sat + n_gs
    return out


def fstate_files(dyn: Path) -> list[tuple[int, Path]]:
    files = sorted((int(p.stem.split("_")[1]), p) for p in dyn.glob("fstate_*.txt"))
    return files


def apply_fstate(state: dict, path: Path, n_nodes: int, n_sat: int) -> None:
    for line in path.read_text().splitlines():
        cur, dst, nh, my_if, next_if = (int(x) for x in line.split(","))
        assert 0 <= cur < n_nodes
        assert n_sat <= dst < n_nodes
        assert cur != dst
        assert nh == -1 or 0 <= nh < n_nodes
        assert (nh == -1) == (my_if == -1) == (next_if == -1)
        state[(cur, dst)] = (nh, my_if, next_if)


# --- the tests ------------------------------------------------------------------------------
def test_layout_and_static_files_read_with_satgenpy_rules(exported):
    _res, info = exported
    root = info.path
    assert info.dynamic_state_dir.name == f"dynamic_state_100ms_for_{DURATION_S}s"
    tles = read_tles(root / "tles.txt")
    assert (tles["n_orbits"], tles["n_sats_per_orbit"]) == (34, 34)
    assert tles["epoch"] == ("2000", 1.0)
    assert len(tles["satellites"]) == N_SAT
    for sid, (l1, l2) in SATGENPY_TLES.items():
        assert tles["satellites"][sid][1:3] == (l1, l2), sid

    # satgenpy's generate_plus_grid_isls(34, 34, isl_shift=0), written out here
    want = []
    for i in range(34):
        for j in range(34):
            s, same, adj = i * 34 + j, i * 34 + (j + 1) % 34, ((i + 1) % 34) * 34 + j
            want += [(min(s, same), max(s, same)), (min(s, adj), max(s, adj))]
    assert read_isls(root / "isls.txt", N_SAT) == want

    gs = read_ground_stations_extended(root / "ground_stations.txt")
    assert [g["name"] for g in gs] == ["Manila", "Dalian"]
    assert (gs[0]["lat"], gs[0]["lon"]) == ("14.6042", "120.9822")
    for g in gs:  # satgenpy's geodetic2cartesian (WGS72), to its 6 printed decimals
        a, f = 6378135.0, 1.0 / 298.26
        e2 = 2 * f - f * f
        lat, lon = math.radians(float(g["lat"])), math.radians(float(g["lon"]))
        v = a / math.sqrt(1 - e2 * math.sin(lat) ** 2)
        want_xyz = ((v + g["elevation_m"]) * math.cos(lat) * math.cos(lon),
                    (v + g["elevation_m"]) * math.cos(lat) * math.sin(lon),
                    (v * (1 - e2) + g["elevation_m"]) * math.sin(lat))  # fmt: skip
        np.testing.assert_allclose(g["xyz"], want_xyz, atol=1e-6)

    assert set(read_gsl_interfaces_info(root / "gsl_interfaces_info.txt", N_SAT, 2)) == {(1, 1.0)}
    desc = dict(x.split("=") for x in (root / "description.txt").read_text().splitlines())
    # main_kuiper_630.py: 630 km / sin(30 deg) and the 80 km grazing ISL rule on WGS72
    r = 6378135.0
    assert float(desc["max_gsl_length_m"]) == pytest.approx(630000 / math.sin(math.radians(30)))
    assert float(desc["max_isl_length_m"]) == pytest.approx(
        2 * math.sqrt((r + 630000) ** 2 - (r + 80000) ** 2), abs=1e-6
    )


def test_dynamic_state_files(exported):
    _, info = exported
    dyn = info.dynamic_state_dir
    files = fstate_files(dyn)
    assert [t for t, _ in files] == [k * 100_000_000 for k in range(DURATION_S * 10)]
    first = files[0][1].read_text().splitlines()
    assert len(first) == N_SAT * 2 + 2  # every satellite to each GS, then both GS pairs
    later = sum(len(p.read_text().splitlines()) for _, p in files[1:])
    assert 0 < later < len(first) * (len(files) - 1) / 10  # changes only
    bw0 = (dyn / "gsl_if_bandwidth_0.txt").read_text().splitlines()
    assert len(bw0) == N_SAT + 2
    assert bw0[0] == "0,4,1.000000"
    assert bw0[-1] == f"{N_SAT + 1},0,1.000000"
    assert (dyn / "gsl_if_bandwidth_100000000.txt").read_text() == ""
    isls = read_isls(info.path / "isls.txt", N_SAT)
    state: dict = {}
    apply_fstate(state, files[0][1], N_SAT + 2, N_SAT)
    # satgenpy's interface numbering: an ISL's ends get each satellite's next free interface
    # in isls.txt order; the GSL interface follows the ISLs
    nxt = [0] * N_SAT
    if_of = {}
    for a, b in isls:
        if_of[(a, b)], if_of[(b, a)] = nxt[a], nxt[b]
        nxt[a] += 1
        nxt[b] += 1
    for (cur, _dst), (nh, my_if, next_if) in state.items():
        if cur < N_SAT and nh < N_SAT and nh >= 0:
            assert (my_if, next_if) == (if_of[(cur, nh)], if_of[(nh, cur)])
        elif cur < N_SAT and nh >= N_SAT:
            assert (my_if, next_if) == (nxt[cur], 0)
        elif cur >= N_SAT and nh >= 0:
            assert (my_if, next_if) == (0, nxt[nh])


def test_fstate_walk_gives_the_routes_rtts(exported):
    res, info = exported
    pos = res.table("positions", ["time", "sat", "x_m", "y_m", "z_m"])
    xyz = pos.sort_values(["time", "sat"])[["x_m", "y_m", "z_m"]].to_numpy().reshape(-1, N_SAT, 3)
    g = res.table("ground")
    a, f = 6378137.0, 1 / 298.257223563  # WGS84, as the run's ground sites
    e2 = f * (2 - f)
    lat, lon, h = (
        np.radians(g.lat_deg.to_numpy()),
        np.radians(g.lon_deg.to_numpy()),
        g.alt_m.to_numpy(),
    )
    n = a / np.sqrt(1 - e2 * np.sin(lat) ** 2)
    gxyz = np.stack([(n + h) * np.cos(lat) * np.cos(lon), (n + h) * np.cos(lat) * np.sin(lon),
                     (n * (1 - e2) + h) * np.sin(lat)], axis=1)  # fmt: skip
    routes = res.table("routes").sort_values("time").reset_index(drop=True)
    state: dict = {}
    checked = 0
    for k, (t_ns, p) in enumerate(fstate_files(info.dynamic_state_dir)):
        apply_fstate(state, p, N_SAT + 2, N_SAT)
        path, cur = [MANILA], MANILA
        while cur != DALIAN and len(path) <= N_SAT + 2:
            cur = state[(cur, DALIAN)][0]
            assert cur != -1, t_ns
            path.append(cur)
        nodes = np.array([gxyz[x - N_SAT] if x >= N_SAT else xyz[k, x] for x in path])
        rtt_ms = 2 * np.linalg.norm(np.diff(nodes, axis=0), axis=1).sum() / C_M_S * 1e3
        row = routes.iloc[k]
        assert rtt_ms == pytest.approx(row.rtt_ms, abs=RTT_TOL_MS), t_ns
        assert path == list(row.path), t_ns
        t_s = round(t_ns / 1e9, 1)
        if t_s in HYPATIA_PATHS:
            assert path == [MANILA, *HYPATIA_PATHS[t_s], DALIAN]
        checked += 1
    assert checked == DURATION_S * 10


def test_hypatia_export_refusals(exported, tmp_path):
    res, info = exported
    with pytest.raises(OrbitcloudInputError, match="not empty"):
        export_hypatia(res, info.path)  # an existing export without overwrite
    again = export_hypatia(res, info.path, overwrite=True)
    assert again.fstate_lines == info.fstate_lines
    (tmp_path / "mine.txt").write_text("keep")
    with pytest.raises(OrbitcloudInputError, match="other files"):
        export_hypatia(res, tmp_path, overwrite=True)
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_hypatia_export_needs_links(tmp_path):
    res = run(
        {"name": "nolinks", "time": {"start": "2000-01-01T00:00:00Z", "duration_s": 2,
         "step_s": 1}, "constellations": [{"name": "w", "walker": {"planes": 3,
         "sats_per_plane": 3, "altitude_km": 600, "inclination_deg": 50},
         "spacecraft": {"enabled": False}}],
         "outputs": {"report": False}},
        out=tmp_path / "run",
    )  # fmt: skip
    with pytest.raises(OrbitcloudInputError, match=r"outputs\.links: true"):
        export_hypatia(res, tmp_path / "h")
    assert not (tmp_path / "h").exists()
