"""Latency histograms: fixed log-spaced bins, so histograms add across steps, regions and runs.

Bins are log-spaced from 0.01 ms over 9 decades with 100 bins per decade (each 2.3 % wide),
plus an underflow and an overflow bin. A percentile is read from the cumulative counts and
interpolated log-linearly inside its bin, so its error is below one bin width (2.3 %).
"""

from __future__ import annotations

import numpy as np

HIST_LO_MS, HIST_DECADES, HIST_PER_DECADE = 1e-2, 9, 100
"""Latency histogram: log bins from 0.01 ms over 9 decades, 100 per decade (2.3 % wide)."""
N_BINS = HIST_DECADES * HIST_PER_DECADE + 2  # + underflow and overflow bins


def latency_bin(ms: np.ndarray) -> np.ndarray:
    """Histogram bin of latencies (0: underflow, ``N_BINS - 1``: overflow, NaN and inf).

    Parameters
    ----------
    ms : latencies [ms]

    Returns
    -------
    int64 bin index of the same shape [1]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.floor(np.log10(np.maximum(ms, 1e-30) / HIST_LO_MS) * HIST_PER_DECADE) + 1
    return np.clip(np.nan_to_num(x, nan=N_BINS - 1, posinf=N_BINS - 1), 0, N_BINS - 1).astype(
        np.int64
    )


def hist_percentiles(h: np.ndarray, qs: tuple[float, ...] = (50, 95, 99)) -> list[float | None]:
    """Percentiles of a latency histogram, log-linear inside a bin; None if it is empty.

    Parameters
    ----------
    h : (N_BINS,) counts (or weights) per bin [1]
    qs : percentiles to read [%]

    Returns
    -------
    one latency per percentile [ms]: the lower edge of the range (0.01 ms) in the underflow
    bin, its upper edge (1e7 ms) in the overflow bin; non-decreasing in ``qs``.
    """
    total = h.sum()
    if total <= 0:
        return [None] * len(qs)
    cum = np.cumsum(h)
    out: list[float | None] = []
    for q in qs:
        target = q / 100.0 * total
        b = int(np.searchsorted(cum, target, side="left"))
        below = cum[b - 1] if b > 0 else 0.0
        frac = (target - below) / max(h[b], 1)
        if b == 0:
            out.append(HIST_LO_MS)
            continue
        if b >= N_BINS - 1:
            out.append(HIST_LO_MS * 10**HIST_DECADES)
            continue
        lo = HIST_LO_MS * 10 ** ((b - 1) / HIST_PER_DECADE)
        out.append(float(lo * 10 ** (frac / HIST_PER_DECADE)))
    return out
