"""Seeded random and Latin-hypercube samples of a box of parameter ranges.

The draws are defined here, once, and do not depend on scipy's version: a sweep's points (and
so the folder names of its results, which are hashes of each point's scenario) must stay the
same from one orbitcloud install to the next, or a rerun would not find its finished points.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SAMPLING_METHODS = ("random", "lhs")


def unit_samples(method: str, n: int, d: int, seed: int) -> np.ndarray:
    """``n`` points in the unit cube ``[0, 1)^d``, shape ``(n, d)``.

    Parameters
    ----------
    method : ``"random"`` (independent uniform draws) or ``"lhs"`` (Latin hypercube: every
        one of the ``n`` equal strata of each axis holds exactly one point)
    n : number of points
    d : number of dimensions
    seed : seed of NumPy's PCG64 generator

    References
    ----------
    McKay, Beckman and Conover (1979), "A comparison of three methods for selecting values of
    input variables in the analysis of output from a computer code", Technometrics 21(2),
    239-245, doi:10.2307/1268522 (Latin hypercube sampling: a random permutation of the strata
    per axis, a uniform position inside each stratum).
    """
    if method not in SAMPLING_METHODS:
        raise ValueError(f"unknown sampling method {method!r}; use one of {SAMPLING_METHODS}")
    rng = np.random.default_rng(seed)
    if method == "random":
        return rng.random((n, d))
    strata = np.argsort(rng.random((n, d)), axis=0)  # a random permutation of 0..n-1 per axis
    return (strata + rng.random((n, d))) / n


def scale_samples(
    u: np.ndarray, ranges: Sequence[tuple[float | int, float | int]]
) -> list[list[float | int]]:
    """Map unit-cube samples onto ranges: ``lo + u * (hi - lo)``; integer ranges give integers.

    A range whose two ends are both integers is an integer range: its values are
    ``lo, lo + 1, ..., hi`` (both ends included), each stratum of ``u`` mapping to one of the
    ``hi - lo + 1`` integers. Values come back as plain Python ``int``/``float`` (the scenario
    schema is strict and rejects NumPy scalars).
    """
    rows: list[list[float | int]] = [[] for _ in range(u.shape[0])]
    for j, (lo, hi) in enumerate(ranges):
        col = u[:, j]
        if isinstance(lo, int) and isinstance(hi, int):
            vals = np.minimum(lo + np.floor(col * (hi - lo + 1)), hi).astype(np.int64)
            for i, v in enumerate(vals):
                rows[i].append(int(v))
        else:
            fvals = float(lo) + col * (float(hi) - float(lo))
            for i, fv in enumerate(fvals):
                rows[i].append(float(fv))
    return rows
