"""Drag accumulated over a run and the orbit-keeping figures (orbitcloud.operations.keeping)."""

from __future__ import annotations

import itertools
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.constants import MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.operations import body, keeping
from orbitcloud.operations.drag import lifetime_circular_s
from orbitcloud.scenario.orbit_ops import BodySpec

N_T, N_SAT = 40, 7


def _drivers(density_scale: float = 1.0, seed: int = 0) -> keeping.DragDrivers:
    """Circular orbits at 400-700 km in random planes, an invalid state and a NaN density."""
    rng = np.random.default_rng(seed)
    a = R_EARTH_M + rng.uniform(400e3, 700e3, N_SAT)
    inc = rng.uniform(0, np.pi, N_SAT)
    raan, u0 = rng.uniform(0, 2 * np.pi, (2, N_SAT))
    p = np.stack([np.cos(raan), np.sin(raan), np.zeros(N_SAT)], -1)
    q = np.stack([-np.sin(raan) * np.cos(inc), np.cos(raan) * np.cos(inc), np.sin(inc)], -1)
    n = np.sqrt(MU_EARTH_M3_S2 / a**3)
    u = u0 + n * np.arange(N_T)[:, None] * 60.0
    cu, su = np.cos(u)[..., None], np.sin(u)[..., None]
    r = a[:, None] * (cu * p + su * q)
    v = (a * n)[:, None] * (-su * p + cu * q)
    sun = np.tile([1.4e11, 4e10, 2e10], (N_T, 1))
    alt = np.linalg.norm(r, axis=-1) - R_EARTH_M
    rho = density_scale * 1e-12 * np.exp(-(alt - 400e3) / 60e3) * rng.uniform(0.8, 1.2, alt.shape)
    valid = np.ones((N_T, N_SAT), dtype=bool)
    valid[5:9, 1] = False
    r[5:9, 1] = np.nan
    rho[12, 3] = np.nan
    return keeping.DragDrivers(r, v, sun, alt, valid, rho)


def _bodies() -> body.Bodies:
    craft = [
        body.craft_geometry("c", 300.0, 20.0, pointing, normal, 4.0, "edge_on")
        for pointing, normal in [("sun_tracking", "zenith"), ("single_axis", "zenith"),
                                 ("body_fixed", "zenith"), ("body_fixed", "orbit_normal")]
    ]  # fmt: skip
    choices = [body.choose_body([], c) for c in craft]
    choices.append(body.choose_body([BodySpec(ballistic_coefficient_kg_m2=40.0)], None))
    return body.Bodies.of(choices, np.arange(N_SAT) % len(choices))


def _assert_same(a, b):
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        assert x.dtype == y.dtype, f.name
        np.testing.assert_array_equal(x, y, err_msg=f.name, strict=True)


@pytest.mark.parametrize("n", [1, 3, 64, 200])
def test_running_sum_is_sequential(n):
    """Both ways of adding (row by row for wide rows, an accumulation for narrow ones) are the
    plain sequential sum, which numpy's pairwise ``sum`` is not for a single column."""
    x = np.random.default_rng(1).random((1000, n)) * 1e5
    total = np.random.default_rng(2).random(n)
    seq = total.copy()
    for row in x:
        seq = seq + row
    np.testing.assert_array_equal(keeping.running_sum(total, x), seq)
    np.testing.assert_array_equal(
        keeping.running_sum(keeping.running_sum(total, x[:317]), x[317:]), seq
    )


@settings(max_examples=25, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(0, N_T), max_size=4))
def test_advance_is_split_invariant(cuts):
    """Drag sums over any time split of the run are bit-identical to one span's."""
    drivers, bodies = _drivers(), _bodies()
    whole, out = keeping.advance(keeping.DragState.zeros(N_SAT), drivers, bodies)
    edges = [0, *sorted(cuts), N_T]
    state, parts = keeping.DragState.zeros(N_SAT), []
    for a, b in itertools.pairwise(edges):
        state, o = keeping.advance(state, drivers.steps(a, b), bodies)
        parts.append(o)
    _assert_same(state, whole)
    for f in fields(out):
        joined = np.concatenate([getattr(p, f.name) for p in parts])
        np.testing.assert_array_equal(joined, getattr(out, f.name), err_msg=f.name)


def test_advance_counts_valid_steps_and_bounds():
    drivers, bodies = _drivers(), _bodies()
    s, out = keeping.advance(keeping.DragState.zeros(N_SAT), drivers, bodies)
    expected = np.full(N_SAT, N_T)
    expected[1] -= 4  # invalid state
    expected[3] -= 1  # NaN density
    np.testing.assert_array_equal(s.n_valid, expected)
    ok = out.ok
    assert np.all(out.drag_m_s2[ok] > 0)
    assert np.all(out.decay_m_s[ok] < 0)
    assert np.all(s.max_drag_m_s2 * s.n_valid >= s.sum_drag_m_s2 * (1 - 1e-12))
    fixed = bodies.fixed_area_m2[None, :]
    assert np.all(out.area_m2 >= fixed)
    assert np.all(out.area_m2 <= fixed + bodies.array_area_m2)
    np.testing.assert_array_equal(out.bc_kg_m2[:, 4], 40.0)  # fixed BC, whatever the attitude


def _results(scale: float) -> keeping.KeepingResults:
    s, _ = keeping.advance(keeping.DragState.zeros(N_SAT), _drivers(scale), _bodies())
    return keeping.keeping_results(s, _bodies(), 1500.0, 0.05, 2e3, 200.0, (150.0, 150.0, 15.0))


def test_stationkeeping_is_monotone_in_density():
    """Denser air: more drag-makeup delta-v, propellant and duty, shorter reboost interval."""
    lo, hi = _results(1.0), _results(2.5)
    assert np.all(hi.mean_density_kg_m3 > lo.mean_density_kg_m3)
    assert np.all(hi.dv_m_s_per_year > lo.dv_m_s_per_year)
    np.testing.assert_allclose(hi.dv_m_s_per_year, 2.5 * lo.dv_m_s_per_year, rtol=1e-12)
    assert np.all(hi.propellant_kg_per_year > lo.propellant_kg_per_year)
    assert np.all(hi.thruster_duty > lo.thruster_duty)
    assert np.all(hi.reboost_interval_s < lo.reboost_interval_s)
    np.testing.assert_array_equal(hi.bc_kg_m2, lo.bc_kg_m2)  # the body does not change
    # the mean over valid steps only
    assert np.all(np.isfinite(lo.dv_m_s_per_year))


@pytest.mark.parametrize("scale", [0.5, 2.0, 10.0])
def test_lifetime_is_monotone_in_density(scale):
    """Lifetime is BC x integral dh / (rho sqrt(mu a)): a k-times denser atmosphere, k-times
    shorter."""
    z = np.arange(200e3, 900e3 + 1, 25e3)
    rho = 1e-9 * np.exp(-(z - 200e3) / 50e3)
    h0, bc = np.array([350e3, 500e3, 650e3]), np.array([20.0, 50.0, 100.0])
    base = lifetime_circular_s(h0, bc, z, rho, 200e3)
    scaled = lifetime_circular_s(h0, bc, z, scale * rho, 200e3)
    np.testing.assert_allclose(scaled, base / scale, rtol=1e-12)


def test_lifetime_shortens_with_solar_activity():
    """Higher F10.7 heats and lifts the thermosphere (NRLMSIS): a denser orbit, a shorter life."""
    h0, bc = np.array([450e3, 550e3, 650e3]), np.array([50.0, 50.0, 50.0])
    life = [
        keeping.lifetime_without_propellant_s(h0, bc, 200.0, f, f, 15.0) for f in (70, 150, 250)
    ]
    assert np.all(life[0] > life[1])
    assert np.all(life[1] > life[2])
    assert np.all(np.diff(life[1]) > 0)  # and higher orbits live longer


def test_results_without_valid_steps_are_nan():
    s = keeping.DragState.zeros(N_SAT)
    r = keeping.keeping_results(s, _bodies(), 1500.0, 0.05, 2e3, 200.0, (150.0, 150.0, 15.0))
    assert np.all(np.isnan(r.dv_m_s_per_year))
    assert np.all(np.isnan(r.lifetime_s))
    cols = keeping.orbit_keeping_columns(r, _bodies(), np.full(N_SAT, np.nan),
                                         np.zeros(N_SAT, dtype=np.int64), np.zeros(N_SAT), 0.0)  # fmt: skip
    assert cols["sat"].dtype == np.int32
    assert cols["conjunctions"].dtype == np.int32
    assert np.all(np.isnan(cols["avoidance_dv_m_s_per_year"]))
