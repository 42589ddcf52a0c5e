"""The geometry hot paths (tiled, in place) against the plain formulas written out here.

``propagate_teme``'s layout change, ``position_teme_to_itrf`` and ``itrf_to_geodetic`` work in
cache-sized tiles with reused temporaries (docs/scale.md "Hot paths"). Each is compared here with
the formula as one whole-array NumPy expression -- the code these paths replaced -- on the
shipped Starlink catalogue (with decayed debris, so NaN rows too) and on tile-edge shapes. The
claim is the same bits, so the tolerance is zero.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from sgp4.api import SatrecArray

from orbitcloud.astro import frames
from orbitcloud.astro.frames import itrf_to_geodetic, position_teme_to_itrf
from orbitcloud.astro.propagate import propagate_teme
from orbitcloud.astro.timescales import TimeGrid, gmst82_rad

A_WGS84_M = 6378137.0
F_WGS84 = 1.0 / 298.257223563


def _heikkinen_reference(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Heikkinen (1982) as given by Zhu (1994), one whole-array expression per quantity."""
    a, f = A_WGS84_M, F_WGS84
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    b = a * (1.0 - f)
    e2 = f * (2.0 - f)
    ep2 = e2 / (1.0 - e2)
    a2, b2 = a * a, b * b
    p2 = x * x + y * y
    p = np.sqrt(p2)
    z2 = z * z
    big_f = 54.0 * b2 * z2
    g = p2 + (1.0 - e2) * z2 - e2 * (a2 - b2)
    c = (e2 * e2) * big_f * p2 / (g * g * g)
    s = np.cbrt(1.0 + c + np.sqrt(c * c + 2.0 * c))
    k = s + 1.0 + 1.0 / s
    big_p = big_f / (3.0 * k * k * g * g)
    q = np.sqrt(1.0 + 2.0 * e2 * e2 * big_p)
    r0 = -big_p * e2 * p / (1.0 + q) + np.sqrt(
        np.maximum(
            0.5 * a2 * (1.0 + 1.0 / q)
            - big_p * (1.0 - e2) * z2 / (q * (1.0 + q))
            - 0.5 * big_p * p2,
            0.0,
        )
    )
    t = p - e2 * r0
    u = np.sqrt(t * t + z2)
    v = np.sqrt(t * t + (1.0 - e2) * z2)
    z0 = b2 * z / (a * v)
    h = u * (1.0 - b2 / (a * v))
    return np.arctan2(z + ep2 * z0, p), np.arctan2(y, x), h


def _rot3_reference(r: np.ndarray, gmst: np.ndarray) -> np.ndarray:
    """r_PEF = ROT3(GMST) r_TEME (Vallado et al. 2006, App. C) as whole-array expressions."""
    c = np.cos(gmst)[:, None]
    s = np.sin(gmst)[:, None]
    x, y = r[..., 0], r[..., 1]
    return np.stack([c * x + s * y, c * y - s * x, r[..., 2]], axis=-1)


@pytest.fixture(scope="module")
def catalogue_steps(starlink_catalogue):
    """TEME [m] of the whole catalogue at 7 steps a day apart from 2023-07-18 (debris decays
    within days: NaN rows), plus sgp4's raw output and the steps' GMST."""
    arr = SatrecArray([s for _, s in starlink_catalogue])
    grid = TimeGrid(datetime(2023, 7, 18, tzinfo=UTC), 86400.0, 7)
    jd, fr = grid.jd_utc()
    r_teme, v_teme, err = propagate_teme(arr, jd, fr)
    e_raw, r_raw, v_raw = arr.sgp4(jd, fr)
    gmst, _ = gmst82_rad(jd, fr)
    return r_teme, v_teme, err, (e_raw, r_raw, v_raw), gmst


def test_time_major_layout_same_bits_as_strided_transpose(catalogue_steps):
    """Slabbed 24-byte transposes + in-place x 1000 give sgp4's km values x 1000, transposed."""
    r_teme, v_teme, err, (_e_raw, r_raw, v_raw), _ = catalogue_steps
    ok = err == 0
    assert (~ok).any()
    assert ok.any()
    np.testing.assert_array_equal(r_teme[ok], (r_raw.transpose(1, 0, 2) * 1000.0)[ok])
    np.testing.assert_array_equal(v_teme[ok], (v_raw.transpose(1, 0, 2) * 1000.0)[ok])
    assert np.isnan(r_teme[~ok]).all()
    assert np.isnan(v_teme[~ok]).all()
    assert r_teme.flags.c_contiguous
    assert v_teme.flags.c_contiguous


def test_teme_to_itrf_tiles_same_bits_as_whole_array_rotation(catalogue_steps, monkeypatch):
    r_teme, _, _, _, gmst = catalogue_steps
    expected = _rot3_reference(r_teme, gmst)
    np.testing.assert_array_equal(position_teme_to_itrf(r_teme, gmst), expected)
    monkeypatch.setattr(frames, "TILE_POINTS", 1000)  # tiles that split the satellites
    np.testing.assert_array_equal(position_teme_to_itrf(r_teme, gmst), expected)
    # polar motion is applied to the whole rotated array, as before
    xp, yp = -0.140682, 0.333309  # AIAA 2006-6753 App. C [arcsec]
    arcsec = np.pi / (180.0 * 3600.0)
    cx, sx, cy, sy = (
        np.cos(xp * arcsec),
        np.sin(xp * arcsec),
        np.cos(yp * arcsec),
        np.sin(yp * arcsec),
    )
    w = np.array([[1, 0, 0], [0, cy, -sy], [0, sy, cy]]) @ np.array(
        [[cx, 0, sx], [0, 1, 0], [-sx, 0, cx]]
    )
    np.testing.assert_array_equal(position_teme_to_itrf(r_teme, gmst, xp, yp), expected @ w.T)


@pytest.mark.parametrize("tile", [16384, 1000, 7])
def test_geodetic_tiles_same_bits_as_plain_heikkinen(catalogue_steps, monkeypatch, tile):
    r_teme, _, err, _, gmst = catalogue_steps
    r = _rot3_reference(r_teme, gmst)
    monkeypatch.setattr(frames, "TILE_POINTS", tile)
    got = itrf_to_geodetic(r[:, :3000] if tile == 7 else r)
    ref = _heikkinen_reference(r[:, :3000] if tile == 7 else r)
    for g, e in zip(got, ref, strict=True):
        assert g.shape == e.shape
        np.testing.assert_array_equal(g, e)  # NaN where flagged, on both sides
    assert np.isnan(got[2][err[:, : got[2].shape[1]] != 0]).all()


def test_geodetic_shapes_and_scalars():
    """One point gives NumPy scalars, as the plain expression does; empty input, empty output."""
    r = np.array([-1033479.383, 7901295.2754, 6380356.5958])  # AIAA 2006-6753 App. C ITRF [m]
    lat, lon, h = itrf_to_geodetic(r)
    ref = _heikkinen_reference(r)
    assert all(isinstance(v, np.floating) for v in (lat, lon, h))
    assert (lat, lon, h) == tuple(ref)
    empty = itrf_to_geodetic(np.empty((0, 4, 3)))
    assert all(v.shape == (0, 4) for v in empty)
