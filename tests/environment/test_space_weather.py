"""The run's space weather: storm windows in density and dose, and one method choice per run.

Density is checked against pymsis called directly (an independent path: the test builds its
own pymsis inputs), inside and outside a storm window; chunking never changes a value.
"""

from __future__ import annotations

import numpy as np
import pytest
from pymsis import msis

from orbitcloud.environment import radiation
from orbitcloud.environment import space_weather as swx

T0 = 1_644_019_200.0  # 2022-02-05T00:00:00Z
WIRING_RTOL = 1e-6  # pymsis returns float32


def _weather(storms=(), method="direct") -> swx.SpaceWeather:
    return swx.SpaceWeather(110.0, 100.0, 8.0, 1.0, tuple(storms), method)


def _track(n_t: int = 12, n_sat: int = 5, dt: float = 900.0):
    rng = np.random.default_rng(4)
    unix_s = T0 + dt * np.arange(n_t)
    lat = np.radians(rng.uniform(-60, 60, (n_t, n_sat)))
    lon = np.radians(rng.uniform(-180, 180, (n_t, n_sat)))
    alt = rng.uniform(200e3, 600e3, (n_t, n_sat))
    return unix_s, lat, lon, alt


def _pymsis(unix_s, lat, lon, alt, ap):
    t = np.broadcast_to(unix_s[:, None], lat.shape).ravel()
    n = t.size
    dates = np.round(t * 1e6).astype("datetime64[us]")
    out = msis.calculate(dates, np.degrees(lon).ravel(), np.degrees(lat).ravel(),
                         (alt / 1000.0).ravel(), f107s=np.full(n, 110.0),
                         f107as=np.full(n, 100.0), aps=np.full((n, 7), ap))  # fmt: skip
    return out[:, 0].astype(float).reshape(lat.shape)


def test_density_takes_the_storm_ap_inside_its_window_only():
    unix_s, lat, lon, alt = _track()
    storm = swx.StormWindow(T0 + 3 * 900.0, T0 + 7 * 900.0, ap=150.0)
    got = swx.density_kg_m3(_weather([storm]), unix_s, lat, lon, alt)
    on = (unix_s >= storm.start_s) & (unix_s < storm.end_s)
    np.testing.assert_allclose(got[~on], _pymsis(unix_s, lat, lon, alt, 8.0)[~on], rtol=WIRING_RTOL)
    np.testing.assert_allclose(got[on], _pymsis(unix_s, lat, lon, alt, 150.0)[on], rtol=WIRING_RTOL)
    assert np.all(got[on] > _pymsis(unix_s, lat, lon, alt, 8.0)[on])


@pytest.mark.parametrize("method", ["grid", "direct"])
def test_density_does_not_depend_on_how_the_run_is_split(method):
    unix_s, lat, lon, alt = _track(n_t=20)
    storm = swx.StormWindow(T0 + 5 * 900.0, T0 + 9 * 900.0, ap=80.0)
    whole = swx.density_kg_m3(_weather([storm], method), unix_s, lat, lon, alt)
    sw = _weather([storm], method)
    parts = [swx.density_kg_m3(sw, unix_s[a:b], lat[a:b], lon[a:b], alt[a:b])
             for a, b in ((0, 7), (7, 8), (8, 20))]  # fmt: skip
    np.testing.assert_array_equal(np.vstack(parts), whole)


def test_auto_method_is_decided_once_per_run():
    assert swx.atmosphere_method_for_run("auto", 100, 200) == "direct"  # 20,000 points
    assert swx.atmosphere_method_for_run("auto", 100, 201) == "grid"
    assert swx.atmosphere_method_for_run("grid", 1, 1) == "grid"
    assert swx.atmosphere_method_for_run("direct", 10**6, 10**3) == "direct"
    with pytest.raises(ValueError, match="auto"):
        swx.atmosphere_method_for_run("fast", 1, 1)


def test_radiation_multipliers_follow_ap_and_storm_windows():
    unix_s = T0 + 600.0 * np.arange(10)
    storm = swx.StormWindow(unix_s[2], unix_s[5], electron_multiplier=20.0, proton_multiplier=3.0)
    sw = swx.SpaceWeather(150.0, 150.0, 15.0, 2.0, (storm,), "grid")
    m_e, m_p = swx.radiation_multipliers(sw, unix_s)
    base_e = float(radiation.electron_storm_multiplier(15.0)) * 2.0
    expect_e = np.where((unix_s >= unix_s[2]) & (unix_s < unix_s[5]), 20.0, 1.0) * base_e
    expect_p = np.where((unix_s >= unix_s[2]) & (unix_s < unix_s[5]), 3.0, 1.0) * 2.0
    np.testing.assert_allclose(m_e, expect_e, rtol=1e-15)
    np.testing.assert_allclose(m_p, expect_p, rtol=1e-15)


def test_radiation_environment_is_zero_where_the_state_is_invalid():
    _, lat, lon, alt = _track(n_t=3, n_sat=4)
    r = np.zeros((*lat.shape, 3))
    r[..., 0] = 7e6
    valid = np.ones(lat.shape, bool)
    valid[1, 2] = False
    (w_p, w_e, w_h), saa = swx.radiation_environment(lat, lon, alt, r, valid)
    for w in (w_p, w_e, w_h):
        assert w[1, 2] == 0.0
        assert np.all(w >= 0)
    assert not saa[1, 2]
