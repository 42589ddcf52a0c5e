"""Latency histograms: bin edges, percentiles against numpy on the same samples, monotonicity."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.workloads.latency import HIST_LO_MS, N_BINS, hist_percentiles, latency_bin

BIN_REL = 10 ** (1 / 100) - 1
"""Relative width of one bin (2.3 %): the resolution of a percentile read from the histogram."""


def test_bins_cover_the_range_with_under_and_overflow():
    b = latency_bin(np.array([0.0, 1e-3, HIST_LO_MS, 1.0, 1e7 * 1.01, np.inf, np.nan]))
    assert b[0] == 0
    assert b[1] == 0
    assert b[2] == 1  # the first regular bin starts at 0.01 ms
    assert b[3] == 1 + 2 * 100  # 1 ms is two decades above 0.01 ms
    assert (b[4:] == N_BINS - 1).all()  # overflow, inf and NaN


def test_empty_histogram_has_no_percentiles():
    assert hist_percentiles(np.zeros(N_BINS)) == [None, None, None]


def test_percentiles_match_numpy_within_one_bin():
    rng = np.random.default_rng(1)
    ms = rng.lognormal(np.log(80.0), 0.6, 200_000)
    h = np.bincount(latency_bin(ms), minlength=N_BINS)
    got = hist_percentiles(h)
    want = np.percentile(ms, [50, 95, 99])
    np.testing.assert_allclose(got, want, rtol=BIN_REL)


@given(
    st.lists(st.floats(1e-4, 1e8, allow_nan=False), min_size=1, max_size=300),
    st.lists(st.integers(1, 1000), min_size=1, max_size=300),
)
@settings(max_examples=200, deadline=None)
def test_percentiles_are_monotone(ms, counts):
    n = min(len(ms), len(counts))
    h = np.zeros(N_BINS, dtype=np.int64)
    np.add.at(h, latency_bin(np.array(ms[:n])), np.array(counts[:n]))
    p50, p95, p99 = hist_percentiles(h)
    assert p50 is not None
    assert p95 is not None
    assert p99 is not None
    assert HIST_LO_MS <= p50 <= p95 <= p99 <= HIST_LO_MS * 1e9
