"""The environment drivers of the spacecraft models: per element, whatever the blocks."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.astro.constants import AU_M, MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.environment.radiation import orbit_average_dose_rate_si_rad_s
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft.design import FleetParams
from orbitcloud.spacecraft.drivers import (
    EnvironmentRows,
    environment_rows,
    mean_altitude_inclination,
    orbit_average_dose_rates,
)

AVERAGE_RTOL = 0.05  # 120 x 60 track samples here vs the environment's default 720 x 360


def _fleet(n: int) -> FleetParams:
    designs = [SpacecraftSpec.model_validate(d).resolve() for d in (
        {"preset": "suncatcher-tpu"},
        {"preset": "starcloud-h100", "solar_array": {"pointing": "body_fixed"},
         "radiator": {"orientation": "nadir", "two_sided": False}},
        {"preset": "starlink-class", "radiator": {"orientation": "zenith"}},
    )]  # fmt: skip
    return FleetParams.from_designs(designs, np.arange(n) % len(designs))


def _geometry(n_t: int, n: int, seed: int) -> dict:
    """Circular orbits at 550 km, random planes and phases, 60 s steps; the Sun 1 AU away."""
    rng = np.random.default_rng(seed)
    r0 = R_EARTH_M + 550e3
    w = np.sqrt(MU_EARTH_M3_S2 / r0**3)
    inc, raan, u0 = rng.uniform(0, np.pi, n), rng.uniform(0, 2 * np.pi, n), rng.uniform(0, 7, n)
    u = u0 + w * 60.0 * np.arange(n_t)[:, None]
    x, y = np.cos(u), np.sin(u)
    px = np.stack([np.cos(raan), np.sin(raan), np.zeros(n)], -1)
    py = np.stack([-np.sin(raan) * np.cos(inc), np.cos(raan) * np.cos(inc), np.sin(inc)], -1)
    r = r0 * (x[..., None] * px + y[..., None] * py)
    v = r0 * w * (-y[..., None] * px + x[..., None] * py)
    sun = np.tile([AU_M * 0.8, AU_M * 0.6, 0.0], (n_t, 1))
    valid = rng.random((n_t, n)) > 0.1
    return {
        "r_teme_m": r, "v_teme_m_s": v, "sun_teme_m": sun,
        "sunlit": rng.choice([0.0, 0.4, 1.0], (n_t, n)), "valid": valid,
        "weights": tuple(rng.random((n_t, n)) for _ in range(3)),
        "in_saa": rng.random((n_t, n)) < 0.2,
        "electron_multiplier": rng.uniform(1, 3, n_t), "proton_multiplier": np.ones(n_t),
    }  # fmt: skip


def _rows(g: dict, n: int, block: int | None = None) -> EnvironmentRows:
    kw = {} if block is None else {"block_elements": block}
    return environment_rows(**g, params=_fleet(n), earth_ir_w_m2=237.0, albedo=0.3, **kw)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 1000), n_t=st.integers(1, 40), block=st.integers(1, 200))
def test_blocks_never_change_a_value(seed, n_t, block):
    n = 6
    g = _geometry(n_t, n, seed)
    whole, parts = _rows(g, n), _rows(g, n, block)
    for f in fields(EnvironmentRows):
        a, b = getattr(whole, f.name), getattr(parts, f.name)
        assert a.tobytes() == b.tobytes(), f.name


def test_rows_of_a_time_window_are_the_window_of_the_rows():
    """Split-invariance of the drivers: steps a..b computed alone are rows a..b of the whole."""
    n, n_t = 6, 30
    g = _geometry(n_t, n, 3)
    whole = _rows(g, n)
    win = {k: (tuple(w[9:21] for w in v) if k == "weights" else v[9:21]) for k, v in g.items()}
    part = _rows(win, n)
    for f in fields(EnvironmentRows):
        assert getattr(whole, f.name)[9:21].tobytes() == getattr(part, f.name).tobytes(), f.name


def test_invalid_rows_are_zero_and_values_physical():
    n, n_t = 6, 30
    g = _geometry(n_t, n, 5)
    rows = _rows(g, n)
    bad = ~g["valid"]
    assert bad.any()
    for name in ("dose_rate_rad_s", "sunlit", "irradiance_w_m2", "array_cosine", "gen_bol_w"):
        assert not getattr(rows, name)[bad].any(), name
    assert not rows.in_saa[bad].any()
    assert np.array_equal(rows.in_saa, g["in_saa"] & g["valid"])
    assert np.all(rows.gen_bol_w >= 0)
    assert np.all(rows.radiator_env_w >= 0)
    assert np.all((rows.array_cosine >= 0) & (rows.array_cosine <= 1))
    assert np.all((rows.array_temp_k > 100) & (rows.array_temp_k < 450))
    # the array gives at most TSI x area x packing x (efficiency near its reference)
    fleet = _fleet(n)
    cap = 1.05 * 1400.0 * fleet.array_area_m2 * fleet.packing * fleet.cell_eff
    assert np.all(rows.gen_bol_w <= cap)
    # cell dose behind the thinner cover glass is higher than behind the shield
    ok = g["valid"]
    assert np.all(rows.cell_dose_rate_rad_s[ok] >= rows.dose_rate_rad_s[ok])


def test_mean_altitude_of_a_circular_orbit():
    a = R_EARTH_M + 550e3
    n_rad_min = np.sqrt(MU_EARTH_M3_S2 / a**3) * 60.0
    alt, inc = mean_altitude_inclination(np.array([n_rad_min]), np.array([np.radians(53.0)]))
    assert alt[0] == pytest.approx(550e3, abs=1e-3)
    assert inc[0] == pytest.approx(53.0)


def test_orbit_average_matches_the_environment_model():
    """The binned averages are the environment package's orbit-average dose rate."""
    alt = np.array([550e3, 551e3, 550e3])
    inc = np.array([53.0, 53.2, 97.6])
    shield = np.array([5.0, 5.0, 5.0])
    rate, cell, proton = orbit_average_dose_rates(alt, inc, shield, np.full(3, 0.1), 15.0, 1.0)
    assert rate[0] == rate[1]  # one 10 km x 1 deg bin
    for i in (0, 2):
        ref = orbit_average_dose_rate_si_rad_s(round(inc[i]), 550.0, 5.0)
        assert rate[i] == pytest.approx(ref, rel=AVERAGE_RTOL)
    assert np.all(cell > rate)
    assert np.all((proton >= 0) & (proton <= rate))
    empty = orbit_average_dose_rates(np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), 15, 1)
    assert all(x.shape == (0,) for x in empty)
