"""The Pareto front: nothing on it is dominated, everything off it is."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.sweep.pareto import pareto_front


def _dominates(a, b):
    return a[0] <= b[0] and a[1] <= b[1] and (a[0] < b[0] or a[1] < b[1])


def test_small_example_min_max():
    # cost (min) vs sunlight (max)
    x = np.array([1.0, 2.0, 3.0, 2.0, 4.0, np.nan])
    y = np.array([0.5, 0.7, 0.9, 0.6, 0.9, 1.0])
    assert pareto_front(x, y, "min", "max").tolist() == [True, True, True, False, False, False]


def test_ties_and_duplicates():
    x = np.array([1.0, 1.0, 1.0, 2.0])
    y = np.array([3.0, 3.0, 4.0, 3.0])
    assert pareto_front(x, y).tolist() == [True, True, False, False]


def test_bad_goal():
    with pytest.raises(ValueError, match="goal"):
        pareto_front(np.zeros(2), np.zeros(2), "least")


@settings(max_examples=200, deadline=None)
@given(
    pts=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda t: (float(t[0]), float(t[1]))),
        min_size=1,
        max_size=30,
    ),
    gx=st.sampled_from(["min", "max"]),
    gy=st.sampled_from(["min", "max"]),
)
def test_front_is_exactly_the_non_dominated_points(pts, gx, gy):
    x = np.array([p[0] for p in pts])
    y = np.array([p[1] for p in pts])
    on = pareto_front(x, y, gx, gy)
    sx, sy = (1 if gx == "min" else -1), (1 if gy == "min" else -1)
    q = [(sx * a, sy * b) for a, b in pts]
    for i, p in enumerate(q):
        dominated = any(_dominates(o, p) for o in q)
        assert on[i] == (not dominated)
