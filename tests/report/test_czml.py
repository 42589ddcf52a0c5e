"""report.czml: sampled Earth-fixed positions, sunlit colours, orbit trails, labels, descriptions,
constellation folders, links and routes with availability (czml3), checked against the packet
structure Cesium expects (written from the CZML guide, not from czml.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from orbitcloud.report.czml import (
    ECLIPSE_RGBA,
    SUNLIT_RGBA,
    build_czml,
    colour_samples,
    runs,
)

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
MU = 3.986004418e14  # m^3/s^2


def _iso(s: str) -> datetime:
    assert ISO.match(s), f"not ISO-8601 UTC: {s!r}"
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _intervals(value: Any) -> list[tuple[datetime, datetime]]:
    """An availability: "start/end", or a list of them (CZML guide, TimeIntervalCollection)."""
    items = value if isinstance(value, list) else [value]
    out = []
    for it in items:
        text = it if isinstance(it, str) else it["interval"]
        start, _, end = text.partition("/")
        out.append((_iso(start), _iso(end)))
    return out


def check_czml_structure(packets: list[dict[str, Any]]) -> dict[str, int]:
    """The rules a CZML stream must follow for Cesium's CzmlDataSource (CZML guide): the
    document packet first with version and clock; ids unique; parents exist; references
    ``id#property`` point at packets that have that property; availability intervals ISO-8601
    inside the clock; paths with numeric leadTime/trailTime; label texts strings; sampled
    Cartesian positions as (t, x, y, z) with increasing times. Returns counts by kind."""
    doc = packets[0]
    assert doc["id"] == "document"
    assert doc["version"] == "1.0"
    c0, c1 = _intervals(doc["clock"]["interval"])[0]
    assert c0 < c1
    assert c0 <= _iso(doc["clock"]["currentTime"]) <= c1
    ids = [p["id"] for p in packets]
    assert len(ids) == len(set(ids)), "duplicate packet ids"
    by_id = {p["id"]: p for p in packets}
    counts = {"path": 0, "label": 0, "description": 0, "polyline": 0, "parent": 0}
    for p in packets[1:]:
        assert isinstance(p["id"], str)
        assert p["id"] != "document"
        if "parent" in p:
            assert p["parent"] in by_id, f"{p['id']}: parent {p['parent']} missing"
            counts["parent"] += 1
        for a, b in _intervals(p["availability"]) if "availability" in p else []:
            assert c0 <= a <= b <= c1, f"{p['id']}: availability {a}/{b} outside the clock"
        if "path" in p:
            path = p["path"]
            assert isinstance(path["leadTime"], float | int)
            assert path["leadTime"] >= 0
            assert isinstance(path["trailTime"], float | int)
            assert path["trailTime"] > 0
            assert path["resolution"] > 0
            counts["path"] += 1
        if "label" in p:
            assert isinstance(p["label"]["text"], str)
            assert p["label"]["text"]
            counts["label"] += 1
        if "description" in p:
            assert isinstance(p["description"], str)
            counts["description"] += 1
        if "polyline" in p:
            refs = p["polyline"]["positions"]["references"]
            assert len(refs) >= 2
            for r in refs:
                target, _, prop = r.partition("#")
                assert prop == "position"
                assert target in by_id, f"{p['id']}: {r} points at no packet"
                assert "position" in by_id[target], f"{p['id']}: {r} has no position"
            counts["polyline"] += 1
        pos = p.get("position", {})
        if "cartesian" in pos and "epoch" in pos:
            s = np.asarray(pos["cartesian"], dtype=float).reshape(-1, 4)
            assert np.all(np.diff(s[:, 0]) > 0)
            assert c0 <= _iso(pos["epoch"]) <= c1
    return counts


def _packets(folder: Path, **kw: Any) -> list[dict[str, Any]]:
    return json.loads(build_czml(folder, **kw).model_dump_json(exclude_none=True))


def test_czml_of_a_run(full_folder: Path) -> None:
    packets = _packets(full_folder)
    counts = check_czml_structure(packets)
    assert packets[0]["clock"]["currentTime"].endswith("Z")
    sats = [p for p in packets if p["id"].startswith("sat/")]
    ground = [p for p in packets if p["id"].startswith("ground/")]
    assert len(sats) == 225
    assert len(ground) == 4
    assert ground[0]["label"]["text"] == "Manila"
    assert counts["path"] == counts["description"] == 225
    assert counts["label"] == 225 + 4
    p = sats[7]
    pos = p["position"]
    assert pos["referenceFrame"] == "FIXED"
    assert pos["interpolationAlgorithm"] == "LAGRANGE"
    samples = np.asarray(pos["cartesian"]).reshape(-1, 4)
    assert len(samples) == 361  # 225 x 361 fits the sample budget: every step kept
    tab = pq.read_table(full_folder / "positions.parquet").to_pandas()
    mine = tab[tab.sat == 7].sort_values("time")
    np.testing.assert_allclose(samples[:, 1:], mine[["x_m", "y_m", "z_m"]].to_numpy(), atol=0.5)
    np.testing.assert_allclose(samples[:, 0], np.arange(361) * 60.0)
    # colour: sunlit/eclipse states at the right times
    rgba = np.asarray(p["point"]["color"]["rgba"]).reshape(-1, 5)
    lit = mine["sunlit"].to_numpy() >= 0.5
    for row in rgba:
        k = int(row[0] / 60)
        assert list(row[1:]) == (SUNLIT_RGBA if lit[k] else ECLIPSE_RGBA)


def test_trail_label_description_and_folders(full_folder: Path) -> None:
    packets = _packets(full_folder)
    by_id = {p["id"]: p for p in packets}
    sats = pq.read_table(full_folder / "satellites.parquet").to_pandas().set_index("sat")
    pos = pq.read_table(full_folder / "positions.parquet").to_pandas()
    state = pq.read_table(full_folder / "sat_state.parquet").to_pandas()
    t0 = pos.time.min()
    for i in (0, 150):  # one of the shell, one of the cluster
        p = by_id[f"sat/{i}"]
        src = sats.loc[i, "source"]
        assert p["parent"] == f"constellation/{src}"
        assert by_id[p["parent"]]["name"].startswith(src)
        assert p["label"]["text"] == sats.loc[i, "name"]
        near, far = p["label"]["distanceDisplayCondition"]["distanceDisplayCondition"]
        assert near == 0
        assert 1e5 <= far <= 1e7
        # orbit trail: about one orbit in all, from Kepler's third law at the table's radius
        r = np.linalg.norm(pos[pos.sat == i][["x_m", "y_m", "z_m"]].to_numpy(), axis=1).mean()
        period = 2 * np.pi * np.sqrt(r**3 / MU)
        total = p["path"]["leadTime"] + p["path"]["trailTime"]
        assert 0.5 * period <= total <= 1.0 * period
        assert p["path"]["resolution"] <= 60
        # description: constellation, altitude and sat_state at the first step, escaped HTML
        d = p["description"]
        assert "first time step" in d
        assert src in d
        alt = pos[(pos.sat == i) & (pos.time == t0)].alt_km.iloc[0]
        assert f"{alt:,.1f} km" in d
        soc = state[(state.sat == i) & (state.time == t0)].battery_soc.iloc[0]
        assert f"{soc * 100:.3g} %" in d
    groups = {p["id"] for p in packets if p["id"].startswith("constellation/")}
    assert groups == {f"constellation/{s}" for s in sats.source.unique()}


def test_links_with_availability_from_the_links_table(full_folder: Path) -> None:
    packets = _packets(full_folder)
    links = [p for p in packets if p["id"].startswith("link/")]
    lt = pq.read_table(full_folder / "links.parquet").to_pandas()
    pairs = lt.groupby(["a", "b"]).size()
    assert len(links) == len(pairs)  # 40 ring ISLs + 4 ground links, under the budget
    # the ring link 3-4 exists at every step of the links table (every 2 min): one interval
    # from its first step to the end of the clock (its last step is the run's last)
    p = next(x for x in links if x["id"] == "link/3/4")
    assert p["polyline"]["positions"]["references"] == ["sat/3#position", "sat/4#position"]
    ivs = _intervals(p["availability"])
    mine = pd.to_datetime(lt[(lt.a == 3) & (lt.b == 4)].time).sort_values()
    clock_end = _intervals(packets[0]["clock"]["interval"])[0][1]
    assert ivs == [(mine.iloc[0].to_pydatetime(), clock_end)]
    assert mine.iloc[-1].to_pydatetime() == clock_end
    # ground links reference the ground endpoint packets (synthetic: node = n_sat + index)
    gsl = [x for x in links if x["polyline"]["positions"]["references"][1].startswith("ground/")]
    assert len(gsl) == 4


def test_link_budget_keeps_evenly_spread_links(full_folder: Path) -> None:
    packets = _packets(full_folder, max_links=11)
    links = [p for p in packets if p["id"].startswith("link/")]
    assert len(links) == 11
    assert "11 evenly spaced" in packets[0]["description"]
    check_czml_structure(packets)


def test_routes_one_polyline_per_path(full_folder: Path) -> None:
    packets = _packets(full_folder)
    check_czml_structure(packets)
    rt = pq.read_table(full_folder / "routes.parquet").to_pandas()
    first = rt.iloc[0]
    folders = [p for p in packets if re.fullmatch(r"route/\d+", p["id"])]
    assert next(p["name"] for p in folders) == f"{first.src} → {first.dst}"
    assert len(folders) == rt.groupby(["src", "dst"]).ngroups  # 3 pairs, under MAX_ROUTES
    mine = rt[(rt.src == first.src) & (rt.dst == first.dst)]
    distinct = {tuple(p) for p in mine.path if p is not None}
    paths = [p for p in packets if p["id"].startswith("route/0/")]
    assert len(paths) == len(distinct)
    for p in paths:
        refs = tuple(
            int(r.split("#")[0].split("/")[1]) for r in p["polyline"]["positions"]["references"]
        )
        assert refs in distinct
        used = pd.to_datetime(
            mine[mine.path.apply(lambda x, r=refs: x is not None and tuple(x) == r)].time
        )
        ivs = _intervals(p["availability"])
        assert ivs[0][0] == used.min().to_pydatetime()
        for t in used:  # every step the path is used lies in one of its intervals
            assert any(a <= t.to_pydatetime() <= b for a, b in ivs)


def test_default_run_czml_loads_structurally(default_run: Path) -> None:
    packets = _packets(default_run)
    counts = check_czml_structure(packets)
    n = pq.read_table(default_run / "satellites.parquet").num_rows
    assert counts["path"] == counts["label"] == n
    assert counts["polyline"] == 0  # the default writes no links


def test_structure_check_catches_broken_packets(full_folder: Path) -> None:
    good = _packets(full_folder)
    bad_ref = json.loads(json.dumps(good))
    link = next(p for p in bad_ref if p["id"].startswith("link/"))
    link["polyline"]["positions"]["references"][0] = "sat/99999#position"
    with pytest.raises(AssertionError):
        check_czml_structure(bad_ref)
    late = json.loads(json.dumps(good))
    next(p for p in late if p["id"].startswith("link/"))["availability"] = (
        "2099-01-01T00:00:00Z/2099-01-02T00:00:00Z"
    )
    with pytest.raises(AssertionError):
        check_czml_structure(late)


def test_czml_thins_time_to_the_sample_budget(full_folder: Path) -> None:
    packets = _packets(full_folder, max_samples=225 * 50)
    sat = next(p for p in packets if p["id"].startswith("sat/"))
    samples = np.asarray(sat["position"]["cartesian"]).reshape(-1, 4)
    t = samples[:, 0]
    assert len(t) <= 51
    assert t[0] == 0
    assert t[-1] == 360 * 60.0
    assert np.all(np.diff(t) > 0)


def test_colour_samples_switch_within_a_step() -> None:
    secs = np.arange(6) * 60.0
    out = np.asarray(colour_samples(secs, np.array([1, 1, 0, 0, 0, 1], bool))).reshape(-1, 5)
    assert out[:, 0].tolist() == [0, 60, 120, 240, 300]
    assert [list(r[1:]) == SUNLIT_RGBA for r in out] == [True, True, False, False, True]


def test_runs_of_steps() -> None:
    assert runs(np.array([0, 1, 2, 5, 6, 9])) == [(0, 2), (5, 6), (9, 9)]
    assert runs(np.array([], dtype=np.int64)) == []


def test_clock_is_utc(full_folder: Path) -> None:
    doc = _packets(full_folder)[0]
    start = _intervals(doc["clock"]["interval"])[0][0]
    first = pq.read_table(full_folder / "positions.parquet", columns=["time"])["time"][0].as_py()
    assert start == first.astimezone(UTC)
