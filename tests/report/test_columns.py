"""Grouping helpers of the report: per-time statistics against NumPy, codes, times."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.report.columns import codes, finite_or_none, iso_utc, per_time_stats, to_float


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 5), st.one_of(st.none(), st.floats(-1e6, 1e6))),
        min_size=1,
        max_size=60,
    )
)
def test_per_time_stats_matches_numpy_per_group(rows: list[tuple[int, float | None]]) -> None:
    t = np.array([r[0] for r in rows], dtype=np.int64) * 60_000
    v = np.array([np.nan if r[1] is None else r[1] for r in rows])
    st_ = per_time_stats(t, v, qs=(0.05, 0.5, 0.95))
    assert list(st_.times_ms) == sorted(set(t.tolist()))
    for i, tm in enumerate(st_.times_ms):
        g = v[t == tm]
        g = g[np.isfinite(g)]
        assert st_.count[i] == len(g)
        if len(g) == 0:
            assert np.isnan(st_.mean[i])
            assert np.isnan(st_.quantiles[0.5][i])
            continue
        np.testing.assert_allclose(st_.total[i], g.sum(), rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(st_.minimum[i], g.min())
        np.testing.assert_allclose(st_.maximum[i], g.max())
        for q in (0.05, 0.5, 0.95):
            np.testing.assert_allclose(st_.quantiles[q][i], np.quantile(g, q), rtol=1e-9,
                                       atol=1e-6)  # fmt: skip


def test_per_time_stats_is_deterministic_and_order_free() -> None:
    rng = np.random.default_rng(3)
    t = np.repeat(np.arange(50), 40) * 1000
    v = rng.normal(size=len(t))
    a = per_time_stats(t, v)
    perm = rng.permutation(len(t))
    b = per_time_stats(t[perm], v[perm])
    np.testing.assert_array_equal(a.quantiles[0.5], b.quantiles[0.5])
    np.testing.assert_array_equal(a.minimum, b.minimum)
    np.testing.assert_allclose(a.total, b.total, rtol=1e-12)


def test_codes_handles_dictionary_chunks_and_nulls() -> None:
    col = pa.chunked_array(
        [pa.array(["b", "a", None]).dictionary_encode(), pa.array(["a", "c"]).dictionary_encode()]
    )
    idx, labels = codes(col)
    assert [labels[i] if i >= 0 else None for i in idx] == ["b", "a", None, "a", "c"]


def test_to_float_iso_utc_and_rounding() -> None:
    assert np.isnan(to_float(pa.array([1, None], pa.int16()))[1])
    assert to_float(pa.array([True, False])).tolist() == [1.0, 0.0]
    assert iso_utc([0, 1_750_464_000_000]) == ["1970-01-01T00:00:00Z", "2025-06-21T00:00:00Z"]
    assert finite_or_none(np.array([1.23456789, np.nan, np.inf])) == [1.23457, None, None]
