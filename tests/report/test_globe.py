"""The globe's downsampling (cheap, catalogue-sized inputs), encodings and link ends."""

from __future__ import annotations

import base64

import numpy as np
import pyarrow as pa

from orbitcloud.report.globe import (
    MAX_FRAMES,
    MAX_SATS,
    choose_sample,
    coastlines_b64,
    link_end_columns,
    resolve_ends,
)


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
