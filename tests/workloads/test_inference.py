"""Inference demand: diurnal curve, population weights, rates and Poisson draws."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scenario.operations import RegionSpec
from orbitcloud.workloads.inference import (
    cell_weights,
    diurnal_factor,
    draw_requests,
    local_solar_hour,
    request_rates,
)
from orbitcloud.workloads.regions import assign_regions, in_region


@given(st.floats(0.0, 0.99), st.floats(0.0, 23.99))
@settings(max_examples=50, deadline=None)
def test_diurnal_factor_averages_to_one_and_peaks_at_the_peak_hour(amp, peak):
    h = np.linspace(0.0, 24.0, 24 * 60, endpoint=False)
    d = diurnal_factor(h, amp, peak)
    assert abs(d.mean() - 1.0) < 1e-9
    assert abs(float(diurnal_factor(peak, amp, peak)) - (1.0 + amp)) < 1e-12
    assert d.min() >= 1.0 - amp - 1e-12


def test_local_solar_hour_is_utc_plus_longitude_over_15():
    lon = np.radians([0.0, 90.0, -45.0, 180.0])
    np.testing.assert_allclose(local_solar_hour(12.0, lon), [12.0, 18.0, 9.0, 0.0])


def test_rates_split_by_population_and_class_shares():
    w = cell_weights(np.array([3_000_000, 1_000_000, 0]))
    np.testing.assert_allclose(w, [0.75, 0.25, 0.0])
    lam = request_rates(100.0, np.array([0.7, 0.3]), w, np.array([6.0]), np.zeros(3), 0.0, 20.0)
    assert lam.shape == (1, 3, 2)
    np.testing.assert_allclose(lam[0], [[52.5, 22.5], [17.5, 7.5], [0.0, 0.0]])
    np.testing.assert_allclose(cell_weights(np.zeros(4)), 0.25)


def test_poisson_draws_have_the_mean_and_are_seeded():
    lam = np.full((2000, 3), 4.0)
    a = draw_requests(np.random.default_rng(1), lam, 2.0)
    b = draw_requests(np.random.default_rng(1), lam, 2.0)
    np.testing.assert_array_equal(a, b)
    assert abs(a.mean() - 8.0) < 0.1


def test_regions_box_circle_and_continents():
    lat = np.radians([25.8, 40.7, -1.3, 51.5])
    lon = np.radians([-80.2, -74.0, 36.8, -0.1])
    box = RegionSpec(name="Florida", bbox_deg=[-88.0, 24.0, -79.5, 31.5])
    circle = RegionSpec(name="NYC", center_deg=[40.7, -74.0], radius_km=50.0)
    assert in_region(lat, lon, box).tolist() == [True, False, False, False]
    assert in_region(lat, lon, circle).tolist() == [False, True, False, False]
    idx, names = assign_regions(
        lat, lon, np.array(["US", "US", "KE", "GB"], dtype=object), [box, circle]
    )
    assert [names[i] for i in idx] == ["Florida", "NYC", "Africa", "Europe"]
