"""Closed forms of link geometry (shared/VALIDATION.md, sections A and G)."""

from __future__ import annotations

import numpy as np
import pytest

from orbitcloud.network.geometry import (
    R_WGS72_M,
    fibre_rtt_s,
    great_circle_m,
    hypatia_max_gsl_length_m,
    max_isl_length_m,
    segment_min_radius_m,
    slant_range_for_elevation_m,
)

ONE_M = 1.0  # closed forms reproduced to the metre (VALIDATION G tolerance)


def test_hypatia_max_isl_length_80km_grazing():
    got = max_isl_length_m(np.array([550e3, 630e3, 1015e3]), 80e3)
    np.testing.assert_allclose(got, [5_016_591, 5_442_958, 7_197_482], atol=ONE_M)


def test_hypatia_max_gsl_lengths():
    assert hypatia_max_gsl_length_m(550e3, 940.7e3) == pytest.approx(1_089_686, abs=ONE_M)
    cone = 630e3 / np.tan(np.radians(30))
    assert hypatia_max_gsl_length_m(630e3, cone) == pytest.approx(1_260_000, abs=ONE_M)
    cone = 1015e3 / np.tan(np.radians(10))
    assert hypatia_max_gsl_length_m(1015e3, cone) == pytest.approx(5_845_152, abs=ONE_M)


def test_slant_range_at_30_deg_from_630_km():
    # VALIDATION G: the true spherical slant range is 1,124.1 km (vs Hypatia's 1,260 km cone)
    got = slant_range_for_elevation_m(630e3, np.radians(30.0))
    assert got == pytest.approx(1_124.1e3, abs=0.05e3)


def test_slant_range_limits():
    # zenith: the altitude; horizon: the tangent length sqrt((R+h)^2 - R^2)
    r = 6_378_137.0
    assert slant_range_for_elevation_m(550e3, np.pi / 2) == pytest.approx(550e3, abs=1e-6)
    assert slant_range_for_elevation_m(550e3, 0.0) == pytest.approx(
        np.sqrt((r + 550e3) ** 2 - r**2), abs=1e-6
    )


def test_hypatia_distance_tools_great_circle():
    # Hypatia satgenpy/tests/test_distance_tools.py (R = 6378.135 km)
    d = np.radians
    ams = (d(52.379189), d(4.899431))
    par = (d(48.864716), d(2.349014))
    nyc = (d(40.730610), d(-73.935242))
    assert great_circle_m(*ams, *par, radius_m=R_WGS72_M) == pytest.approx(430e3, abs=1e3)
    assert great_circle_m(*ams, *nyc, radius_m=R_WGS72_M) == pytest.approx(5861e3, abs=5e3)


def test_fibre_rtt_new_york_london():
    # 5,570 km great circle: 37.16 ms in vacuum; at c/1.47 54.6 ms, below the best cable's 58.95
    assert fibre_rtt_s(5570e3, 1.0, 1.0) * 1e3 == pytest.approx(37.16, abs=0.01)
    rtt = fibre_rtt_s(5570e3) * 1e3
    assert 54.0 < rtt < 58.95


def test_segment_min_radius():
    a = np.array([7000e3, -1000e3, 0.0])
    b = np.array([7000e3, 1000e3, 0.0])
    assert segment_min_radius_m(a, b) == pytest.approx(7000e3)
    # closest point outside the segment: an end
    assert segment_min_radius_m(a, a + np.array([1e3, 0.0, 0.0])) == pytest.approx(
        np.linalg.norm(a)
    )
