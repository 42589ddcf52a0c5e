"""The globe's downsampling (cheap, catalogue-sized inputs), encodings, link ends and
sampling, routes, the Sun's direction (against USNO's approximate solar coordinates) and colour contrast (WCAG)."""

from __future__ import annotations

import base64
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orbitcloud.report.globe import (
    MAX_FRAMES,
    MAX_SATS,
    PALETTE,
    _quantise8,
    choose_sample,
    coastlines_b64,
    encode_positions,
    sun_direction,
)
from orbitcloud.report.globe_net import keep_evenly, link_end_columns, resolve_ends


def _catalogue_keys(n: int = 4428) -> list[np.ndarray]:
    # the starlink-catalogue's shape: one constellation, TLE satellites (plane/slot -1)
    return [np.zeros(n, np.int64), np.zeros(n), -np.ones(n), -np.ones(n), np.arange(n)]


def test_catalogue_sample_is_bounded_spread_and_deterministic() -> None:
    times = 1_689_638_400_000 + np.arange(1441, dtype=np.int64) * 60_000  # 24 h at 60 s
    a = choose_sample(_catalogue_keys(), times)
    b = choose_sample(_catalogue_keys(), times)
    assert len(a.sats) == MAX_SATS
    assert len(a.times_ms) <= MAX_FRAMES
    np.testing.assert_array_equal(a.sats, b.sats)
    np.testing.assert_array_equal(a.times_ms, b.times_ms)
    assert a.stride == 7
    assert a.times_ms[0] == times[0]
    assert len(a.times_ms) == 206
    assert len(np.unique(a.sats)) == MAX_SATS
    gaps = np.diff(a.sats)  # evenly spread over the catalogue: every 4th or 5th satellite
    assert gaps.min() >= 4
    assert gaps.max() <= 5
    text = a.describe(60.0)
    assert "1,000 of 4,428 satellites" in text
    assert "every 7th time step (7 min)" in text
    # what the globe then carries: int16 xyz + uint8 states, well inside the 30 MB budget
    payload_mb = len(a.sats) * len(a.times_ms) * (3 * 2 + 9) * 4 / 3 / 1e6
    assert payload_mb < 5


def test_sample_keeps_every_plane_of_walker_shells() -> None:
    planes, per = 72, 22
    plane = np.repeat(np.arange(planes), per).astype(float)
    slot = np.tile(np.arange(per), planes).astype(float)
    n = planes * per
    keys = [np.zeros(n, np.int64), np.zeros(n), plane, slot, np.arange(n)]
    s = choose_sample(keys, np.arange(10, dtype=np.int64), max_sats=300)
    assert len(set(plane[s.sats].tolist())) == planes
    small = choose_sample(keys, np.arange(10, dtype=np.int64), max_sats=5000)
    assert len(small.sats) == n
    assert small.stride == 1
    assert small.describe(None).startswith(f"The globe animates all {n:,} satellites")


def test_coastlines_decode_to_valid_lon_lat() -> None:
    raw = np.frombuffer(base64.b64decode(coastlines_b64()), dtype="<i2").reshape(-1, 2)
    pts = raw[raw[:, 0] != -32768]
    assert 5000 < len(pts) < 7000
    assert np.abs(pts[:, 0]).max() <= 18000
    assert np.abs(pts[:, 1]).max() <= 9000


def test_link_end_columns_and_resolution() -> None:
    assert link_end_columns(["time", "a", "b", "kind"]) == ("a", "b")
    assert link_end_columns(["time", "src", "dst"]) == ("src", "dst")
    assert link_end_columns(["time", "x"]) is None
    gsl = np.array([False, True, True])
    # integers: satellites below n_sat; ground nodes via ground.node, else n_sat + g
    ends = pa.chunked_array([pa.array([3, 10, 11], pa.int32())])
    sat, gnd = resolve_ends(ends, gsl, 10, {}, {})
    assert sat.tolist() == [3, -1, -1]
    assert gnd.tolist() == [-1, 0, 1]
    sat, gnd = resolve_ends(ends, gsl, 10, {}, {}, ground_nodes=[11, 10])
    assert gnd.tolist() == [-1, 1, 0]
    # strings: ground names, satellite names, then sat:<i> / gs:<i>
    ends = pa.chunked_array([pa.array(["Manila", "STARLINK-1", "sat:4", "gs:1", "?"])])
    sat, gnd = resolve_ends(ends, np.zeros(5, bool), 10, {"STARLINK-1": 7}, {"Manila": 2})
    assert sat.tolist() == [-1, 7, 4, -1, -1]
    assert gnd.tolist() == [2, -1, -1, 1, -1]


# ---- day and night ------------------------------------------------------------------------------


def _usno_subsolar_deg(when: datetime) -> tuple[float, float]:
    """Sub-solar latitude and longitude [deg] from the US Naval Observatory's "approximate solar
    coordinates" (Astronomical Almanac low-precision formulas, about 1 arcmin from 1800 to
    2200) and its GMST approximation: independent of the Meeus theory the code uses."""
    d = (when - datetime(2000, 1, 1, 12, tzinfo=UTC)).total_seconds() / 86400.0
    g = math.radians((357.529 + 0.98560028 * d) % 360)
    q = (280.459 + 0.98564736 * d) % 360
    lam = math.radians(q + 1.915 * math.sin(g) + 0.020 * math.sin(2 * g))
    eps = math.radians(23.439 - 0.00000036 * d)
    ra = math.degrees(math.atan2(math.cos(eps) * math.sin(lam), math.cos(lam)))
    decl = math.degrees(math.asin(math.sin(eps) * math.sin(lam)))
    gmst = (18.697374558 + 24.06570982441908 * d) % 24 * 15.0
    return decl, (ra - gmst + 180) % 360 - 180


SUBSOLAR_TOL_DEG = 0.05  # USNO's approximation: ~1 arcmin; GMST: ~0.1 s (0.0004 deg)


def _sun_run(tmp_path: Path, when: datetime) -> Path:
    """A one-minute run of the default scenario starting at ``when`` (positions on)."""
    import orbitcloud

    out = tmp_path / when.strftime("%Y%m%dT%H%M")
    orbitcloud.run(
        "default",
        out,
        overrides={"time.start": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "time.duration_h": 1 / 60,
                   "outputs.report": False},
    )  # fmt: skip
    return out


@pytest.mark.parametrize(
    "when",
    [
        datetime(2025, 3, 20, 12, 0, tzinfo=UTC),  # equinox noon: lat ~0, lon ~+1.8 (EoT -7.5 min)
        datetime(2025, 6, 21, 12, 0, tzinfo=UTC),
        datetime(2025, 11, 3, 18, 30, tzinfo=UTC),  # EoT +16.4 min
        datetime(2023, 7, 18, 0, 0, tzinfo=UTC),
    ],
)
def test_run_sun_table_against_usno(tmp_path: Path, when: datetime) -> None:
    """The run's ``sun`` table (what the globe shades by) against USNO's formulas."""
    from orbitcloud.results.reader import Results

    folder = Results(_sun_run(tmp_path, when))
    t = folder.arrow("sun", ["subsolar_lat_deg", "subsolar_lon_deg"])
    want_lat, want_lon = _usno_subsolar_deg(when)
    lat, lon = t["subsolar_lat_deg"][0].as_py(), t["subsolar_lon_deg"][0].as_py()
    assert abs(lat - want_lat) < SUBSOLAR_TOL_DEG
    assert abs((lon - want_lon + 180) % 360 - 180) < SUBSOLAR_TOL_DEG
    ms = np.array([int(when.timestamp() * 1000)], dtype=np.int64)
    s = sun_direction(folder, ms)
    assert s is not None
    assert np.linalg.norm(s[0]) == pytest.approx(1.0, abs=1e-12)
    assert math.degrees(math.asin(s[0, 2])) == pytest.approx(lat, abs=1e-9)
    # a time the table does not hold: no terminator rather than a wrong one
    assert sun_direction(folder, ms + 1) is None


# ---- colours on the dark globe ------------------------------------------------------------------


def _relative_luminance(hex_colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted([_relative_luminance(a), _relative_luminance(b)])
    return (lb + 0.05) / (la + 0.05)


def test_contrast_helper_matches_wcag_examples() -> None:
    assert _contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert _contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # WCAG's classic


def test_every_satellite_colour_stands_out_on_the_globe() -> None:
    surfaces = [PALETTE["space"], PALETTE["night"], PALETTE["day"]]
    colours = [c for scale in PALETTE["scales"].values() for c in scale]
    colours += PALETTE["groups"] + [PALETTE["missing"]]
    for c in colours:
        for s in surfaces:
            assert _contrast(c, s) >= 3.0, f"{c} on {s}: {_contrast(c, s):.2f}"
    # the lowest colour of the state map in particular (viridis' own low end is 1.3:1 on day)
    assert _contrast(PALETTE["scales"]["viridis"][0], PALETTE["day"]) >= 3.0
    assert _contrast("#440154", PALETTE["day"]) < 3.0  # what it replaced


# ---- encodings ----------------------------------------------------------------------------------


def _decode(enc: dict, group_of: np.ndarray, n_f: int, n_s: int, n_g: int) -> np.ndarray:
    q = np.frombuffer(base64.b64decode(enc["pos"]), dtype="<i2").reshape(n_f, n_s, 3)
    origin = np.asarray(enc["origin"]).reshape(n_f, n_g, 3)
    scale = np.asarray(enc["scale"])[group_of]
    out = origin[:, group_of] + q * scale[None, :, None]
    return np.where((q == -32768).any(axis=-1, keepdims=True), np.nan, out)


def test_cluster_keeps_its_shape_and_shell_its_orbit() -> None:
    rng = np.random.default_rng(5)
    n_f = 12
    ang = np.linspace(0, 1.5, n_f)
    centre = 7028.0 * np.stack([np.cos(ang), np.sin(ang), np.zeros(n_f)], -1)  # 650 km orbit
    offsets = rng.uniform(-0.5, 0.5, (19, 3))  # a 1 km cluster
    cluster = centre[:, None, :] + offsets[None]
    shell_ang = rng.uniform(0, 2 * np.pi, 30)
    shell = 6928.0 * np.stack([np.cos(shell_ang), np.sin(shell_ang), np.zeros(30)], -1)
    shell = np.repeat(shell[None], n_f, axis=0)
    xyz = np.concatenate([shell, cluster], axis=1)
    xyz[3, 2] = np.nan  # a missing position
    group_of = np.array([0] * 30 + [1] * 19)
    enc = encode_positions(xyz, group_of, 2)
    back = _decode(enc, group_of, n_f, 49, 2)
    assert np.isnan(back[3, 2]).all()
    ok = np.isfinite(xyz).all(axis=-1)
    err = np.abs(back - xyz)[ok].reshape(-1, 3)
    in_cluster = np.broadcast_to(group_of == 1, ok.shape)[ok]
    assert err[in_cluster].max() < 1e-4  # 0.1 m: the cluster keeps its 200 m spacings
    assert err.max() < 0.25  # shell: 7,000 km / 32,000 steps / 2 + the 0.1 m origin
    assert enc["extent_km"][1] < 1.0
    assert enc["extent_km"][0] > 6000
    assert enc["extent_all_km"] > 6000


def test_density_on_a_log_scale() -> None:
    g = np.array([[1e-13, 3e-13, 1e-11], [np.nan, 2e-12, 5e-12]])
    data, lo, hi = _quantise8(g, log=True)
    q = np.frombuffer(base64.b64decode(data), dtype=np.uint8).reshape(g.shape)
    assert (lo, hi) == (1e-13, 1e-11)
    assert q[1, 0] == 255
    back = 10 ** (-13 + 2 * q.astype(float) / 254)
    fin = np.isfinite(g)
    np.testing.assert_allclose(back[fin], g[fin], rtol=0.01)  # 2 decades / 254 / 2: 0.9 %


def test_sunlit_codes_on_the_fixed_0_1_scale() -> None:
    data, lo, hi = _quantise8(np.ones((2, 3)), bounds=(0.0, 1.0))
    q = np.frombuffer(base64.b64decode(data), dtype=np.uint8)
    assert (lo, hi) == (0.0, 1.0)
    assert (q == 254).all()  # always sunlit is drawn sunlit, not at the eclipse end


# ---- links sampling -----------------------------------------------------------------------------


def test_keep_evenly_per_frame() -> None:
    frame = np.repeat([0, 1, 2], [5, 100, 0 + 37])
    keep = keep_evenly(frame, 3, 20)
    assert keep[frame == 0].all()
    assert keep[frame == 1].sum() == 20
    assert keep[frame == 2].sum() == 20
    ranks = np.flatnonzero(keep[frame == 1])
    assert ranks[0] == 0
    assert np.diff(ranks).min() == 5  # every 5th of 100
    assert np.diff(ranks).max() == 5
    r2 = np.flatnonzero(keep[frame == 2])
    assert np.diff(r2).max() <= 2  # 37 -> 20: gaps of 1 or 2
    np.testing.assert_array_equal(keep, keep_evenly(frame, 3, 20))


def test_globe_links_within_budget_and_said(full_folder: Path) -> None:
    from orbitcloud.report import globe_net
    from orbitcloud.report.globe import globe_payload, sample_for_folder
    from orbitcloud.report.sections import _sat_names, ground_endpoints
    from orbitcloud.results.reader import Results

    f = Results(full_folder, partial=True)
    sample = sample_for_folder(f)
    assert sample is not None
    names, groups = _sat_names(f)
    g = ground_endpoints(f)
    links = globe_net.links_payload(
        f, sample.times_ms, sample.sats, names, groups, g or {"names": []}, budget=10
    )
    assert links is not None
    per_frame = np.diff(links["offsets"])
    lt = pq.read_table(full_folder / "links.parquet").to_pandas()
    link_steps = lt.time.nunique()
    assert per_frame.max() == 10
    assert (per_frame > 0).sum() == link_steps  # links exist at every 2nd step
    assert links["sampled"]
    assert "at most 10 per time step" in globe_net.links_note(links)
    payload = globe_payload(f, sample, names, groups, g, 60.0)
    assert payload["links"]["rows_shown"] == len(lt)  # 44 a step: under the default budget
    assert any("Routes drawn" in n for n in payload["notes"])
    assert any("Day and night" in n for n in payload["notes"])


def test_globe_routes_follow_the_paths(full_folder: Path) -> None:
    from orbitcloud.report.globe_net import routes_payload
    from orbitcloud.results.reader import Results

    f = Results(full_folder, partial=True)
    times = np.unique(
        pq.read_table(full_folder / "positions.parquet", columns=["time"])["time"]
        .cast("int64")
        .to_numpy()
    )[::7]
    r = routes_payload(f, times, None, 225)
    assert r is not None
    rt = pq.read_table(full_folder / "routes.parquet").to_pandas()
    assert r["pairs"][0] == f"{rt.src.iloc[0]} \u2192 {rt.dst.iloc[0]}"
    k = len(r["pairs"])
    pts = np.frombuffer(base64.b64decode(r["pts"]), dtype="<i2").reshape(-1, 3) * r["scale"]
    pos = pq.read_table(full_folder / "positions.parquet").to_pandas()
    frame = 3
    a, b = r["offsets"][frame * k], r["offsets"][frame * k + 1]
    t = pd.Timestamp(times[frame], unit="ms", tz="UTC")
    mine = rt[(rt.time == t) & (rt.src == rt.src.iloc[0]) & (rt.dst == rt.dst.iloc[0])]
    path = list(mine.path.iloc[0])
    assert b - a == len(path)
    for j, sat in enumerate(path):
        want = pos[(pos.time == t) & (pos.sat == sat)][["x_m", "y_m", "z_m"]].to_numpy()[0] / 1000
        np.testing.assert_allclose(pts[a + j], want, atol=r["scale"])
    rtt = mine.rtt_ms.iloc[0]
    assert (r["rtt"][frame][0] is None) == bool(np.isnan(rtt))
