"""NRLMSIS 2.1 wiring, the interpolated grid's error, and published density ranges."""

from __future__ import annotations

import numpy as np
import pytest
from pymsis import msis

from orbitcloud.environment import atmosphere as A

T0 = 1_689_638_400.0  # 2023-07-18T00:00:00Z
WIRING_RTOL = 1e-6  # pymsis returns float32; our path must add nothing beyond that
# grid interpolation error, measured on 20,000 random points (module docstring)
GRID_MEDIAN_REL = 0.005
GRID_P99_REL = 0.03
GRID_MAX_REL = 0.06


def _random_points(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    t = T0 + rng.uniform(0, 3 * 86400, n)
    return t, rng.uniform(-90, 90, n), rng.uniform(-180, 180, n), rng.uniform(250, 1200, n)


def _pymsis(t, lat, lon, alt, f107, f107a, ap):
    n = len(t)
    dates = (np.round(t * 1e6)).astype("datetime64[us]")
    out = msis.calculate(dates, lon, lat, alt, f107s=np.full(n, f107), f107as=np.full(n, f107a),
                         aps=np.full((n, 7), ap))  # fmt: skip
    return out[:, 0].astype(float)


def test_pymsis_wiring_direct():
    t, lat, lon, alt = _random_points(500)
    ref = _pymsis(t, lat, lon, alt, 150.0, 140.0, 12.0)
    got = A.density_kg_m3(t, lat, lon, alt, 150.0, 140.0, 12.0, method="direct")
    np.testing.assert_allclose(got, ref, rtol=WIRING_RTOL)


def test_pymsis_wiring_grid_at_nodes():
    """On grid nodes the interpolated path returns pymsis' own value (wiring, not accuracy)."""
    t_node = np.array([T0 + 3 * A.DT_S])  # a time node
    ut_h = (t_node[0] % 86400.0) / 3600.0
    lst = np.arange(0, 360, A.DLST_DEG)[:8]
    lon = np.mod(lst - 15.0 * ut_h + 180.0, 360.0) - 180.0  # longitudes on local-time nodes
    lat = np.array([-45.0, 0.0, 30.0, 60.0, -85.0, 10.0, 5.0, 90.0])
    alt = np.array([300.0, 400.0, 540.0, 560.0, 700.0, 1000.0, 1200.0, 450.0])  # ladder nodes
    assert np.all(np.isin(alt, A.ALT_LADDER_KM))
    n = len(lon)
    ts = np.full(n, t_node[0])
    ref = _pymsis(ts, lat, lon, alt, 120.0, 130.0, 20.0)
    got = A.density_kg_m3(
        t_node, lat[None], lon[None], alt[None], 120.0, 130.0, 20.0, method="grid"
    )[0]
    np.testing.assert_allclose(got, ref, rtol=WIRING_RTOL)


@pytest.mark.parametrize(("f107", "ap"), [(70.0, 4.0), (150.0, 15.0), (250.0, 50.0)])
def test_grid_interpolation_error_against_pymsis(f107, ap):
    t, lat, lon, alt = _random_points(4000, seed=int(f107))
    ref = _pymsis(t, lat, lon, alt, f107, f107, ap)
    got = A.density_kg_m3(t, lat, lon, alt, f107, f107, ap, method="grid")
    err = np.abs(got / ref - 1.0)
    assert np.median(err) < GRID_MEDIAN_REL
    assert np.percentile(err, 99) < GRID_P99_REL
    assert err.max() < GRID_MAX_REL


def test_row_path_matches_point_path():
    """(n_t, n_sat) input (row-wise 3-D interpolation) equals the general 4-D path."""
    rng = np.random.default_rng(3)
    n_t, n_s = 40, 80
    t = T0 + np.arange(n_t) * 600.0
    lat, lon = rng.uniform(-60, 60, (n_t, n_s)), rng.uniform(-180, 180, (n_t, n_s))
    alt = rng.uniform(500, 600, (n_t, n_s))
    rows = A.density_kg_m3(t, lat, lon, alt, 150, 150, 15, method="grid")
    flat = A.density_kg_m3(np.repeat(t, n_s), lat.ravel(), lon.ravel(), alt.ravel(), 150, 150, 15,
                           method="grid").reshape(n_t, n_s)  # fmt: skip
    np.testing.assert_allclose(rows, flat, rtol=1e-12)


def test_chunking_does_not_change_values():
    """Global grid nodes: splitting a run in time gives the same densities (cache or not)."""
    rng = np.random.default_rng(4)
    n_t, n_s = 200, 100
    t = T0 + np.arange(n_t) * 60.0
    lat, lon = rng.uniform(-60, 60, (n_t, n_s)), rng.uniform(-180, 180, (n_t, n_s))
    alt = rng.uniform(300, 800, (n_t, n_s))
    whole = A.density_kg_m3(t, lat, lon, alt, 150, 150, 15, method="grid")
    cache: dict = {}
    parts = [
        A.density_kg_m3(
            t[a:b], lat[a:b], lon[a:b], alt[a:b], 150, 150, 15, method="grid", grid_cache=cache
        )
        for a, b in ((0, 77), (77, 150), (150, 200))
    ]
    np.testing.assert_allclose(np.concatenate(parts), whole, rtol=1e-12)


def test_nan_positions_give_nan():
    lat = np.array([[10.0, np.nan]] * 30000)
    lon = np.zeros_like(lat)
    alt = np.full_like(lat, 550.0)
    t = T0 + np.arange(lat.shape[0]) * 1.0
    rho = A.density_kg_m3(t, lat, lon, alt, 150, 150, 15)
    assert np.all(np.isfinite(rho[:, 0]))
    assert np.all(np.isnan(rho[:, 1]))


def test_nrlmsis_published_density_ranges():
    """shared/VALIDATION.md F: 550 km about 4e-14 (solar min) to 3e-12 (solar max) kg/m3;
    650 km about 1e-14 to 1e-12 (order of magnitude: factor 3 here)."""
    lo = A.global_mean_density_kg_m3(np.array([550.0, 650.0]), 70.0, 70.0, 4.0)
    hi = A.global_mean_density_kg_m3(np.array([550.0, 650.0]), 300.0, 300.0, 100.0)
    for got, ref in zip(np.concatenate([lo, hi]), [4e-14, 1e-14, 3e-12, 1e-12], strict=True):
        assert ref / 3 < got < ref * 3
    assert np.ndim(A.global_mean_density_kg_m3(550.0, 150, 150, 15)) == 0
