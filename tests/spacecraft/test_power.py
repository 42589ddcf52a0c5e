"""Solar power, eclipses, the space/ground ratio, and the battery's energy balance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.constellations import build_satellites
from orbitcloud.astro.eclipse import beta_angle_rad, eclipse_fraction_cylindrical
from orbitcloud.astro.elements import circular_period_s
from orbitcloud.astro.ephemeris import iter_ephemeris
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.scenario import scenario_from_dict
from orbitcloud.spacecraft import battery, power

ECLIPSE_MIN_TOL = 0.05  # VALIDATION B: minutes
# cone vs cylinder (about 10 s of penumbra per eclipse) and Earth's oblateness: 0.4 % of an orbit
CONICAL_VS_CYLINDER = 0.004


def _sunlit(constellation: dict, start: str, hours: float, step_s: float):
    sc = scenario_from_dict({
        "name": "t", "time": {"start": start, "duration_h": hours, "step_s": step_s},
        "constellations": [{"name": "c", **constellation}],
    })  # fmt: skip
    sats = build_satellites(sc)
    grid = TimeGrid(sc.time.start_dt, step_s, sc.time.n_steps)
    chunks = list(iter_ephemeris(sats, grid))
    return sc, chunks


@pytest.mark.parametrize(
    ("alt_km", "beta_deg", "minutes"),
    [(550, 0, 35.611), (650, 0, 35.380), (800, 0, 35.133), (550, 30, 33.584), (550, 60, 20.539)],
)
def test_eclipse_duration_beta_formula_table(alt_km, beta_deg, minutes):
    """VALIDATION B, computed rows: f(beta, h) x period."""
    f = eclipse_fraction_cylindrical(np.radians(beta_deg), alt_km * 1e3)
    got = float(f * circular_period_s(alt_km * 1e3)) / 60.0
    assert got == pytest.approx(minutes, abs=ECLIPSE_MIN_TOL)


def test_simulated_eclipse_fraction_matches_beta_formula():
    """One orbit of a 550 km, 53 deg satellite at 10 s: the conical, oblate-Earth sunlit
    fraction against the cylindrical beta-angle formula."""
    walker = {"walker": {"planes": 1, "sats_per_plane": 1, "altitude_km": 550,
                         "inclination_deg": 53, "phase_factor": 0}}  # fmt: skip
    _, chunks = _sunlit(walker, "2025-03-01T00:00:00Z", 95.65 / 60.0, 10.0)
    sunlit = np.concatenate([c.sunlit[:, 0] for c in chunks])
    c0 = chunks[0]
    beta = float(beta_angle_rad(c0.r_teme[:1], c0.v_teme[:1], c0.sun_teme[:1])[0, 0])
    alt = float(np.mean(np.concatenate([c.alt_m[:, 0] for c in chunks])))
    f = float(eclipse_fraction_cylindrical(beta, alt))
    assert f > 0.3  # a real eclipse at this date and node
    assert 1.0 - sunlit.mean() == pytest.approx(f, abs=CONICAL_VS_CYLINDER)


def test_dawn_dusk_sso_near_continuous_sunlight():
    """VALIDATION B: a 650 km dawn-dusk SSO is sunlit all of June; its eclipse season (around
    the December solstice) has eclipses up to about 20 min."""
    sso = {"sso": {"altitude_km": 650, "ltan_h": 6.0}}
    _, june = _sunlit(sso, "2025-06-21T00:00:00Z", 24, 60.0)
    assert np.concatenate([c.sunlit[:, 0] for c in june]).mean() > 0.999
    _, dec = _sunlit(sso, "2025-12-21T00:00:00Z", 6, 30.0)
    ecl = np.concatenate([c.sunlit[:, 0] for c in dec]) < 0.5
    runs = np.diff(np.flatnonzero(np.diff(np.r_[0, ecl.astype(int), 0])))[::2]
    assert 15.0 < runs.max() * 0.5 < 22.0


def test_space_ground_ratio_arithmetic():
    """VALIDATION C: 1361 W/m2 x 0.96-0.99 sunlit vs 1000 W/m2 x CF 0.17-0.24 gives 5.6-8x."""
    assert power.space_ground_energy_ratio(0.99, 0.24) == pytest.approx(5.61, abs=0.01)
    assert power.space_ground_energy_ratio(0.99, 0.17) == pytest.approx(7.93, abs=0.01)
    assert power.space_ground_energy_ratio(0.96, 0.17) == pytest.approx(7.69, abs=0.01)


def test_array_cosine_modes():
    sh = np.array([[0.0, 0.5, -0.8]])
    sr = np.array([[0.6, -0.2, 0.1]])
    n = 3

    def cos(mode: int, normal: int) -> np.ndarray:
        return power.array_cosine(np.full(n, mode), np.full(n, normal), sh, sr)[0]

    np.testing.assert_allclose(cos(0, 0), 1.0)
    # single axis: cos(beta) below |beta| = 45 deg; yawed (axis along-track) above it:
    # sqrt(1 - (s.t)^2) with (s.t)^2 = 1 - 0.8^2 - 0.1^2 = 0.35 -> sqrt(0.65)
    np.testing.assert_allclose(cos(1, 0), [1.0, np.sqrt(0.75), np.sqrt(0.65)])
    np.testing.assert_allclose(cos(2, 0), [0.6, 0.0, 0.1])  # zenith-fixed
    np.testing.assert_allclose(cos(2, 1), [0.0, 0.5, 0.0])  # +orbit normal
    np.testing.assert_allclose(cos(2, 3), [0.0, 0.5, 0.8])  # sunward orbit normal


def test_single_axis_array_never_edge_on_at_high_beta():
    """Hand geometry: a single-axis array at beta = 90 deg (Sun along the orbit normal, full sun)
    faces the Sun (yawed, axis along-track); the worst case is beta = 45 deg at the subsolar
    point or on the terminator: cos 45 deg either side of the switch."""
    beta = np.radians([90.0, 80.0, 44.999, 45.001, 60.0])
    u = np.radians([0.0, 90.0, 0.0, 90.0, 90.0])  # angle from the subsolar point in the plane
    sh = np.sin(beta)[None]
    sr = (np.cos(beta) * np.cos(u))[None]  # s.r = cos(beta) cos(u)
    cos = power.array_cosine(np.ones(5, int), np.zeros(5, int), sh, sr)[0]
    # beta 80 at u 90: s.t = cos 80 -> sqrt(1 - cos^2 80) = sin 80
    np.testing.assert_allclose(
        cos,
        [
            1.0,
            np.sin(np.radians(80.0)),
            np.cos(np.radians(44.999)),
            np.sin(np.radians(45.001)),
            np.sin(np.radians(60.0)),
        ],
    )
    assert cos.min() >= np.cos(np.radians(45.0)) - 1e-4


def test_cell_efficiency_and_panel_temperature():
    eta = power.cell_efficiency(np.array([301.15, 351.15]), 0.298, -0.0022, 301.15)
    np.testing.assert_allclose(eta, [0.298, 0.298 * (1 - 0.11)])
    # a sun-facing deployed panel radiating from both faces sits near 40-80 C in LEO
    # (Gilmore 2002, vol. 1, ch. 2 examples); closed form: (q / (2 eps sigma))^(1/4)
    t = power.array_temperature_k(1361.0, 60.0, 0.91, 0.85, 0.85, 0.27)
    assert float(t) == pytest.approx(((0.64 * 1361 + 60) / (1.7 * 5.670374419e-8)) ** 0.25)
    assert 310.0 < float(t) < 355.0


def test_sun_geometry_against_vector_formulas():
    rng = np.random.default_rng(0)
    r = rng.normal(size=(4, 5, 3)) * 7e6
    v = rng.normal(size=(4, 5, 3)) * 7e3
    sun = rng.normal(size=(4, 3)) * 1.5e11
    rn, irr, sh, sr, cz = power.sun_geometry(r, v, sun)
    to_sun = sun[:, None] - r
    s_hat = power.unit(to_sun)
    h_hat = power.unit(np.cross(r, v))
    np.testing.assert_allclose(sh, np.einsum("tsk,tsk->ts", s_hat, h_hat), atol=1e-12)
    np.testing.assert_allclose(sr, np.einsum("tsk,tsk->ts", s_hat, power.unit(r)), atol=1e-12)
    np.testing.assert_allclose(irr, power.solar_irradiance_w_m2(r, sun), rtol=1e-12)
    np.testing.assert_allclose(rn, np.linalg.norm(r, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(cz, np.einsum("tsk,tk->ts", power.unit(r), power.unit(sun)),
                               atol=1e-12)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 5000), st.floats(0, 3000), st.floats(0, 5000)),
             min_size=1, max_size=40),
    st.floats(1, 5000), st.floats(0.05, 1), st.floats(0.5, 1), st.floats(0.5, 1),
    st.floats(0.1, 5), st.floats(0, 1), st.floats(1, 3600),
)  # fmt: skip
def test_battery_bounds_and_energy_balance(steps, cap_wh, dod, eta_c, eta_d, c_rate, soc0, dt):
    """Every step: 0 <= E <= capacity; generation + discharge = bus + compute + charge +
    curtailed; stored change = eta_c charge - discharge / eta_d; compute never below floor."""
    cap = np.array([cap_wh * 3600.0])
    e = soc0 * cap
    one = np.ones(1)
    rate = np.array([c_rate * cap_wh])
    for gen_w, bus_w, want_w in steps:
        gen, bus, want = np.array([gen_w]), np.array([bus_w]), np.array([want_w])
        avail = battery.compute_power_available_w(
            gen, bus, e, cap, dod * one, eta_d * one, rate, dt
        )
        comp = np.minimum(want, avail)
        s = battery.battery_step(gen, bus, comp, e, cap, eta_c * one, eta_d * one, rate, dt)
        assert 0.0 <= s.energy_j[0] <= cap[0]
        lhs = gen + s.discharge_w
        rhs = s.bus_served_w + comp + s.charge_w + s.curtailed_w
        np.testing.assert_allclose(lhs, rhs, rtol=1e-9, atol=1e-6)
        stored = (eta_c * s.charge_w - s.discharge_w / eta_d) * dt
        np.testing.assert_allclose(s.energy_j - e, stored, rtol=1e-9, atol=1e-3)
        assert s.bus_served_w[0] >= -1e-9
        assert np.all(s.curtailed_w >= 0)
        e = s.energy_j
