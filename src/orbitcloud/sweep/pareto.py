"""The Pareto front of two objectives: the points no other point beats on both."""

from __future__ import annotations

import numpy as np


def pareto_front(
    x: np.ndarray, y: np.ndarray, x_goal: str = "min", y_goal: str = "min"
) -> np.ndarray:
    """Mask of the non-dominated points of ``(x, y)``.

    A point is dominated when another point is at least as good on both objectives and
    strictly better on one; the front is every point that is not. Identical points are all on
    the front when one of them is. Non-finite values are never on the front.

    Parameters
    ----------
    x, y : objective values, shape ``(n,)`` [any unit]
    x_goal, y_goal : ``"min"`` or ``"max"``, what is better for each objective

    Returns
    -------
    mask : bool, shape ``(n,)``, True on the front

    References
    ----------
    Kung, Luccio and Preparata (1975), "On finding the maxima of a set of vectors", J. ACM
    22(4), 469-476, doi:10.1145/321906.321910 (the two-dimensional case: sort by one
    objective, sweep keeping the best of the other; O(n log n)).
    """
    for g in (x_goal, y_goal):
        if g not in ("min", "max"):
            raise ValueError(f"goal must be 'min' or 'max', found {g!r}")
    xa = np.asarray(x, dtype=float) * (1.0 if x_goal == "min" else -1.0)
    ya = np.asarray(y, dtype=float) * (1.0 if y_goal == "min" else -1.0)
    if xa.shape != ya.shape or xa.ndim != 1:
        raise ValueError(f"x and y must be 1-D of one length, found {xa.shape} and {ya.shape}")
    mask = np.zeros(xa.shape, dtype=bool)
    ok = np.nonzero(np.isfinite(xa) & np.isfinite(ya))[0]
    if ok.size == 0:
        return mask
    order = ok[np.lexsort((ya[ok], xa[ok]))]  # by x, then y
    xs, ys = xa[order], ya[order]
    # first index of each run of equal x, and that run's smallest y (its first element)
    starts = np.r_[0, np.nonzero(np.diff(xs))[0] + 1]
    run_min = ys[starts]
    # best y among strictly smaller x, for each run
    best_before = np.r_[np.inf, np.minimum.accumulate(run_min)[:-1]]
    run_of = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, xs.size]))
    on = (ys == run_min[run_of]) & (ys < best_before[run_of])
    mask[order[on]] = True
    return mask
