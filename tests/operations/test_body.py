"""Area in the flow by attitude (drag.drag_area_m2) and each satellite's body (operations.body)."""

from __future__ import annotations

import numpy as np
import pytest

from orbitcloud.operations import body, drag
from orbitcloud.operations.drag import NO_ARRAY, ORBIT_NORMAL, SINGLE_AXIS, SUN_TRACKING, ZENITH
from orbitcloud.scenario.orbit_ops import BodySpec

R_M, V_M_S, AU_M = 6.9e6, 7.6e3, 1.496e11
A_FIXED, A_ARRAY = 3.0, 20.0
ROUNDOFF = 1e-12
"""relative: the closed forms below are exact; only floating-point roundoff remains"""


def _equatorial(u_rad: np.ndarray):
    """Circular equatorial orbit at argument of latitude u: r, v (n_t, 1, 3), h = +z."""
    cu, su, z = np.cos(u_rad), np.sin(u_rad), np.zeros_like(u_rad)
    r = R_M * np.stack([cu, su, z], -1)[:, None, :]
    v = V_M_S * np.stack([-su, cu, z], -1)[:, None, :]
    return r, v


def _area(code: int, r, v, sun, v_rel=None):
    return drag.drag_area_m2(
        np.array([A_FIXED]), np.array([A_ARRAY]), np.array([code]), r, v, sun, v_rel
    )[:, 0]


U = np.linspace(0.0, 2.0 * np.pi, 37)


@pytest.mark.parametrize("beta_deg", [0.0, 30.0, 80.0])
def test_sun_tracking_array_presents_cos_beta_sin_u_minus_u_sun(beta_deg):
    """Sun at in-plane longitude s and elevation beta above the orbit plane: the array faces
    the Sun, so |n . v_hat| = cos(beta) |sin(s - u)| (edge-on at beta = 90 deg, dawn-dusk)."""
    s, b = 0.7, np.radians(beta_deg)
    r, v = _equatorial(U)
    sun = AU_M * np.tile([np.cos(b) * np.cos(s), np.cos(b) * np.sin(s), np.sin(b)], (len(U), 1))
    expected = A_FIXED + A_ARRAY * np.cos(b) * np.abs(np.sin(s - U))
    np.testing.assert_allclose(_area(SUN_TRACKING, r, v, sun, v), expected, rtol=ROUNDOFF)


@pytest.mark.parametrize("beta_deg", [0.0, 30.0, 80.0])
def test_single_axis_array_ignores_the_beta_angle(beta_deg):
    """The array turns about the orbit normal to the Sun's in-plane direction: |sin(s - u)|."""
    s, b = 2.1, np.radians(beta_deg)
    r, v = _equatorial(U)
    sun = AU_M * np.tile([np.cos(b) * np.cos(s), np.cos(b) * np.sin(s), np.sin(b)], (len(U), 1))
    expected = A_FIXED + A_ARRAY * np.abs(np.sin(s - U))
    np.testing.assert_allclose(_area(SINGLE_AXIS, r, v, sun, v), expected, rtol=ROUNDOFF)


@pytest.mark.parametrize("w_m_s", [0.0, 50.0, -400.0])
def test_zenith_array_sees_only_the_radial_flow(w_m_s):
    """n = r_hat is normal to a circular velocity: edge-on, unless the flow has a radial part
    w, when |n . v_rel_hat| = |w| / sqrt(V^2 + w^2)."""
    r, v = _equatorial(U)
    v_rel = v + w_m_s * r / R_M
    sun = np.tile([AU_M, 0.0, 0.0], (len(U), 1))
    expected = A_FIXED + A_ARRAY * abs(w_m_s) / np.hypot(V_M_S, w_m_s)
    np.testing.assert_allclose(_area(ZENITH, r, v, sun, v_rel), expected, rtol=ROUNDOFF)


@pytest.mark.parametrize("c_m_s", [0.0, 100.0, -500.0])
def test_orbit_normal_array_sees_only_the_cross_track_flow(c_m_s):
    """n = h_hat (+z here, from r x v): |n . v_rel_hat| = |c| / sqrt(V^2 + c^2) for a flow with
    cross-track part c (the co-rotating atmosphere's in an inclined orbit)."""
    r, v = _equatorial(U)
    v_rel = v + np.array([0.0, 0.0, c_m_s])
    sun = np.tile([0.0, AU_M, 0.0], (len(U), 1))
    expected = A_FIXED + A_ARRAY * abs(c_m_s) / np.hypot(V_M_S, c_m_s)
    np.testing.assert_allclose(_area(ORBIT_NORMAL, r, v, sun, v_rel), expected, rtol=ROUNDOFF)


def test_mixed_attitudes_invalid_states_and_bounds():
    """One call, every mode per column; no array term where a state is NaN; and always
    A_fixed <= A <= A_fixed + A_array."""
    rng = np.random.default_rng(4)
    n_t, n = 50, 10
    r = rng.normal(size=(n_t, n, 3)) * 7e6
    v = rng.normal(size=(n_t, n, 3)) * 7e3
    r[3, 2] = np.nan
    sun = rng.normal(size=(n_t, 3)) * AU_M
    codes = np.arange(n) % 5
    fixed, arr = rng.uniform(1, 5, n), rng.uniform(0, 30, n)
    area = drag.drag_area_m2(fixed, arr, codes, r, v, sun)
    assert np.all(area >= fixed - 1e-12)
    assert np.all(area <= fixed + arr + 1e-12)
    assert area[3, 2] == fixed[2]
    np.testing.assert_array_equal(
        area[:, codes == NO_ARRAY], np.broadcast_to(fixed[codes == 0], (n_t, 2))
    )
    for k in range(n):  # each column as if alone
        alone = drag.drag_area_m2(fixed[k : k + 1], arr[k : k + 1], codes[k : k + 1],
                                  r[:, k : k + 1], v[:, k : k + 1], sun)  # fmt: skip
        np.testing.assert_array_equal(alone[:, 0], area[:, k])


def test_attitude_codes():
    assert drag.attitude_code("sun_tracking", "zenith") == SUN_TRACKING
    assert drag.attitude_code("single_axis", "orbit_normal") == SINGLE_AXIS
    assert drag.attitude_code("body_fixed", "zenith") == ZENITH
    for normal in ("orbit_normal", "anti_orbit_normal", "orbit_normal_sunward"):
        assert drag.attitude_code("body_fixed", normal) == ORBIT_NORMAL
    with pytest.raises(KeyError):
        drag.attitude_code("spinning", "zenith")


# --- body -------------------------------------------------------------------------------------

CRAFT = body.craft_geometry("p", 300.0, 12.0, "sun_tracking", "zenith", 4.0, "edge_on")


def test_craft_geometry_bus_cube_and_edge_on_radiator():
    assert CRAFT.fixed_area_m2 == pytest.approx((300.0 / body.BUS_DENSITY_KG_M3) ** (2 / 3) + 2.0)
    nadir = body.craft_geometry("p", 300.0, 12.0, "body_fixed", "zenith", 4.0, "nadir")
    assert nadir.fixed_area_m2 == pytest.approx((300.0 / body.BUS_DENSITY_KG_M3) ** (2 / 3))
    assert (CRAFT.attitude, nadir.attitude) == (SUN_TRACKING, ZENITH)


def test_choose_body_layers_in_order():
    # orbit_ops BC wins; no mass given: generic 300 kg
    c = body.choose_body([BodySpec(ballistic_coefficient_kg_m2=20.0)], CRAFT)
    assert (c.bc_kg_m2, c.mass_kg, c.attitude) == (20.0, 300.0, NO_ARRAY)
    assert c.source == "orbit_ops"  # the craft gave the mass
    c = body.choose_body([BodySpec(ballistic_coefficient_kg_m2=20.0)], None)
    assert c.source.startswith("orbit_ops (ballistic coefficient; generic 300 kg")
    # per-constellation layer before the common one
    c = body.choose_body([BodySpec(mass_kg=500.0), BodySpec(mass_kg=100.0, drag_area_m2=4.0)], None)
    assert c.bc_kg_m2 == pytest.approx(500.0 / (2.2 * 4.0))
    # nothing in orbit_ops: the craft, attitude-dependent
    c = body.choose_body([BodySpec(hard_body_radius_m=7.0)], CRAFT)
    assert np.isnan(c.bc_kg_m2)
    assert (c.attitude, c.array_area_m2, c.hard_body_radius_m) == (SUN_TRACKING, 12.0, 7.0)
    # nothing at all: the generic body, flagged for a warning
    c = body.choose_body([], None)
    assert c.generic_area_m2 == body.DEFAULT_BODY["drag_area_m2"]
    assert c.bc_kg_m2 == pytest.approx(300.0 / (2.2 * 2.7))
    assert c.hard_body_radius_m == body.DEFAULT_HARD_BODY_RADIUS_M


def test_bodies_of_index():
    a = body.choose_body([BodySpec(ballistic_coefficient_kg_m2=20.0)], None)
    b = body.choose_body([], CRAFT)
    bodies = body.Bodies.of([a, b], np.array([1, 0, 1]))
    np.testing.assert_array_equal(bodies.attitude, [SUN_TRACKING, NO_ARRAY, SUN_TRACKING])
    assert bodies.attitude.dtype == np.int8
    np.testing.assert_array_equal(np.isnan(bodies.bc_fixed_kg_m2), [True, False, True])
