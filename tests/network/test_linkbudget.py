"""Optical and radio link budgets (shared/VALIDATION.md, section D)."""

from __future__ import annotations

import numpy as np
import pytest

from orbitcloud.network.linkbudget import (
    TERMINALS,
    friis_optical_ratio,
    gaussian_beam_radius_m,
    gaussian_captured_fraction,
    optical_data_rate_bps,
    pointing_loss,
    rayleigh_range_m,
    resolve_terminal,
    rf_capacity_bps,
    spatial_modes,
)

DB_TOL = 0.1  # VALIDATION D: 0.1 dB for the computed budget checks
LAMBDA = 1550e-9


def db(x):
    return 10 * np.log10(x)


def test_gaussian_beam_check_values():
    # lambda 1550 nm, w0 = 5 cm, a = 5 cm: zR 5.07 km; 1 km 0.854 (-0.7 dB); 100 km -22.9 dB;
    # 5000 km -56.9 dB
    assert rayleigh_range_m(0.05, LAMBDA) == pytest.approx(5.07e3, abs=0.01e3)
    cap = gaussian_captured_fraction(np.array([1e3, 100e3, 5000e3]), 0.05, LAMBDA, 0.05)
    assert cap[0] == pytest.approx(0.854, abs=0.02)
    np.testing.assert_allclose(db(cap), [-0.7, -22.9, -56.9], atol=DB_TOL)


def test_friis_check_values():
    got = db(friis_optical_ratio(np.array([100e3, 5000e3]), 0.1, 0.1, LAMBDA))
    np.testing.assert_allclose(got, [-25.9, -59.9], atol=DB_TOL)


def test_friis_fails_at_suncatcher_distance_gaussian_does_not():
    # at 200 m Friis gives a "gain" of several hundred; the Gaussian beam keeps <= 1
    assert friis_optical_ratio(200.0, 0.1, 0.1, LAMBDA) > 100
    r = np.array([1.0, 200.0, 1e3, 1e5, 1e7])
    cap = gaussian_captured_fraction(r, 0.05, LAMBDA, 0.05)
    assert np.all((cap > 0) & (cap <= 1))
    assert np.all(np.diff(cap) < 0)


def test_gaussian_tends_to_friis_far_field():
    # far beyond zR, the captured fraction matches Friis with D_t = pi w0 ... within 1 dB
    r = 5e6
    w = gaussian_beam_radius_m(r, 0.05, LAMBDA)
    far = 2 * 0.05**2 / w**2  # 1 - exp(-x) ~ x
    assert db(gaussian_captured_fraction(r, 0.05, LAMBDA, 0.05)) == pytest.approx(db(far), abs=0.01)


def test_pointing_loss_values():
    got = db(pointing_loss(np.array([0.1, 0.3, 0.5]), 1.0))
    np.testing.assert_allclose(got, [-0.087, -0.782, -2.171], atol=1e-3)


def test_pointing_loss_scalar_list_array():
    assert float(pointing_loss(0.0, 1.0)) == 1.0
    assert pointing_loss([0.1, 0.2], 1.0).shape == (2,)


def test_starlink_class_about_100_gbps_beyond_5400_km():
    t = TERMINALS["starlink-class"]
    rate = optical_data_rate_bps(np.array([500e3, 2000e3, 5400e3]), t)
    np.testing.assert_allclose(rate, 100e9)
    assert optical_data_rate_bps(6000e3, t) == 0.0  # beyond the terminal's range


def test_rate_falls_with_range_when_power_limited():
    t = resolve_terminal("starlink-class", max_range_km=50_000)
    r = np.geomspace(1e6, 4e7, 30)
    rate = optical_data_rate_bps(r, t)
    assert np.all(np.diff(rate) <= 0)
    assert rate[-1] < 0.1 * rate[0]


def test_suncatcher_800_gbps_per_transceiver_pair():
    one_pair = resolve_terminal("suncatcher-class", spatial_channels_max=1)
    assert optical_data_rate_bps(200.0, one_pair) == pytest.approx(800e9)
    t = TERMINALS["suncatcher-class"]
    # spatial multiplexing at short range: several pairs fit (Miller's mode count)
    n = spatial_modes(200.0, np.pi * t.beam_waist_m**2, np.pi * (t.rx_aperture_m / 2) ** 2, LAMBDA)
    assert n > t.spatial_channels_max
    assert optical_data_rate_bps(200.0, t) == pytest.approx(800e9 * t.spatial_channels_max)
    assert optical_data_rate_bps(5e3, t) < optical_data_rate_bps(200.0, t)


def test_long_range_terminal_closes_geo_distance():
    t = TERMINALS["long-range"]
    assert optical_data_rate_bps(45_000e3, t) == pytest.approx(1.8e9)


def test_every_preset_cites_a_source():
    for t in TERMINALS.values():
        assert len(t.source) > 40


def test_rf_capacity_shannon_and_cap():
    r = np.array([500e3, 2000e3, 1e8])
    c = rf_capacity_bps(r, 20e9, 50.0, 15.0, 500e6, 3.0, 5.9)
    assert c[0] == pytest.approx(500e6 * 5.9)  # capped by the best MODCOD
    assert c[2] < c[1] <= c[0]
