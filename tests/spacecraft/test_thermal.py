"""Radiator emission, view factors, the implicit two-node integrator and throttling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.spacecraft import thermal as T

EMISSION_RTOL = 1e-3  # VALIDATION C: q = eps sigma T^4, tabulated to 4 digits


def test_starcloud_two_sided_black_plate_838_w_m2():
    """Starcloud's "838 W/m2 at 20 C" is a two-sided black plate: 2 sigma T^4 = 837.5 W/m2."""
    assert T.blackbody_emission_w_m2(293.15, 1.0, sides=2) == pytest.approx(837.5, abs=1.0)


@pytest.mark.parametrize(
    ("temp_k", "eps09", "eps1"),
    [(293.15, 376.9, 418.8), (323.15, 556.5, 618.3), (353.15, 793.8, 882.0)],
)
def test_one_sided_emission_table(temp_k, eps09, eps1):
    assert T.blackbody_emission_w_m2(temp_k, 0.9) == pytest.approx(eps09, rel=EMISSION_RTOL)
    assert T.blackbody_emission_w_m2(temp_k, 1.0) == pytest.approx(eps1, rel=EMISSION_RTOL)
    # scalar, list and array in, same numbers out
    arr = T.blackbody_emission_w_m2(np.array([temp_k, temp_k]), [0.9, 1.0])
    np.testing.assert_allclose(arr, [eps09, eps1], rtol=EMISSION_RTOL)


def _numeric_view_factor(h: float, normal: np.ndarray, n: int = 1500) -> float:
    """F = (1/pi) int cos(theta) dOmega over directions that hit the Earth (midpoint rule)."""
    th = (np.arange(n) + 0.5) * (np.pi / 2) / n
    ph = (np.arange(2 * n) + 0.5) * (2 * np.pi) / (2 * n)
    tt, pp = np.meshgrid(th, ph, indexing="ij")
    # local frame: normal = z'; build two axes orthogonal to it
    z = normal / np.linalg.norm(normal)
    x = np.cross(z, [0.0, 1.0, 0.0]) if abs(z[1]) < 0.9 else np.cross(z, [1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    d = (np.sin(tt) * np.cos(pp))[..., None] * x + (np.sin(tt) * np.sin(pp))[..., None] * y
    d = d + np.cos(tt)[..., None] * z
    # Earth centre at -H along the global z (nadir); a ray hits if its angle to nadir < asin(1/H)
    cos_to_nadir = -d[..., 2]
    hits = cos_to_nadir > np.cos(np.arcsin(1.0 / h))
    dw = np.sin(tt) * (np.pi / 2 / n) * (2 * np.pi / (2 * n))
    return float(np.sum(np.cos(tt) * dw * hits) / np.pi)


@pytest.mark.parametrize("alt_km", [400.0, 550.0, 1200.0])
def test_earth_view_factors_against_numerical_integration(alt_km):
    h = (6378.137 + alt_km) / 6378.137
    nadir = _numeric_view_factor(h, np.array([0.0, 0.0, -1.0]))
    perp = _numeric_view_factor(h, np.array([1.0, 0.0, 0.0]))
    assert T.earth_view_factor_nadir(h) == pytest.approx(nadir, abs=2e-3)
    assert T.earth_view_factor_perpendicular(h) == pytest.approx(perp, abs=2e-3)


def test_radiator_sizing_closes_the_balance():
    area = T.radiator_area_required_m2(10_000.0, 320.0, 0.9, True, 80.0)
    net = T.blackbody_emission_w_m2(320.0, 0.9, 2) - 80.0
    assert area * net == pytest.approx(10_000.0)
    assert np.isinf(T.radiator_area_required_m2(100.0, 200.0, 0.9, False, 500.0))


def _params(n=1):
    return {"c1": np.full(n, 2e4), "c2": np.full(n, 5e4), "g": np.full(n, 100.0),
                "k_rad": np.full(n, 0.9 * 5.670374419e-8 * 10.0)}  # fmt: skip


def _run(dt: float, steps: int, p_acc: float, p_rad: float, t0: float = 293.15):
    prm = _params()
    t1 = t2 = np.full(1, t0)
    for _ in range(steps):
        t1, t2 = T.implicit_step(t1, t2, np.full(1, p_acc), np.full(1, p_rad), dt_s=dt, **prm)
    return t1[0], t2[0]


@pytest.mark.parametrize("dt", [60.0, 600.0, 3600.0, 86_400.0])
def test_implicit_step_stable_and_reaches_equilibrium(dt):
    prm = _params()
    t_eq = T.equilibrium_accelerator_temperature_k(np.array(2000.0), np.array(500.0), prm["g"],
                                                   prm["k_rad"])[0]  # fmt: skip
    t1, _ = _run(dt, int(20 * 86400 / dt), 2000.0, 500.0)
    assert t1 == pytest.approx(t_eq, abs=0.01)


def test_implicit_step_matches_fine_explicit_integration():
    """dt = 60 s backward Euler vs forward Euler at 0.1 s over 2 hours: within 0.5 K."""
    prm = {k: v[0] for k, v in _params().items()}
    t1 = t2 = 250.0
    for _ in range(72_000):
        q12 = prm["g"] * (t1 - t2)
        t1 += 0.1 * (1500.0 - q12) / prm["c1"]
        t2 += 0.1 * (q12 + 300.0 - prm["k_rad"] * t2**4) / prm["c2"]
    i1, i2 = _run(60.0, 120, 1500.0, 300.0, 250.0)
    assert i1 == pytest.approx(t1, abs=0.5)
    assert i2 == pytest.approx(t2, abs=0.5)


def test_throttle_lands_on_the_limit():
    prm = _params()
    t1 = t2 = np.full(1, 330.0)
    limit = np.full(1, 340.0)
    allowed = T.throttled_accelerator_power_w(t1, t2, limit, np.full(1, 200.0), dt_s=60.0, **prm)
    n1, _ = T.implicit_step(t1, t2, allowed, np.full(1, 200.0), dt_s=60.0, **prm)
    assert n1[0] == pytest.approx(340.0, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    p_acc=st.floats(0, 1e6), p_rad=st.floats(0, 1e6), c1=st.floats(1, 1e8), c2=st.floats(1, 1e8),
    g=st.floats(0.01, 1e5), area=st.floats(0.01, 1e4), dt=st.floats(1, 86_400),
    t0=st.floats(3, 600),
)  # fmt: skip
def test_temperatures_finite_and_bounded(p_acc, p_rad, c1, c2, g, area, dt, t0):
    """Any step, any parameters: finite, positive temperatures; the radiator node never above
    the hotter of its start and the equilibrium, the accelerator node never above that plus
    the conduction gradient P/G (backward Euler adds no overshoot)."""
    k = np.full(1, 0.9 * 5.670374419e-8 * area)
    a = (np.full(1, x) for x in (c1, c2, g))
    c1a, c2a, ga = a
    t1, t2 = T.implicit_step(np.full(1, t0), np.full(1, t0), np.full(1, p_acc), np.full(1, p_rad),
                             c1a, c2a, ga, k, dt)  # fmt: skip
    t_eq = T.equilibrium_accelerator_temperature_k(np.array(p_acc), np.array(p_rad), ga, k)[0]
    hi = max(t0, t_eq) * (1 + 1e-9) + 1e-9
    assert np.all(np.isfinite([t1, t2]))
    assert 0 < t2[0] <= hi
    assert 0 < t1[0] <= hi + p_acc / g * (1 + 1e-9)
