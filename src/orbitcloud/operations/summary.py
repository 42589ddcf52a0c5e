"""Numbers for a run's summary: rounding and distribution statistics (no NaN in JSON)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["round_sig", "stats"]


def round_sig(x: Any, digits: int = 6) -> float | None:
    """``x`` as a float rounded to ``digits`` significant digits; None if not a finite number."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


def stats(x: np.ndarray) -> dict[str, float | None]:
    """min, mean, median and max of the finite values (rounded; None when there are none)."""
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x)
    if not ok.any():
        return {"min": None, "mean": None, "median": None, "max": None}
    return {
        "min": round_sig(np.min(x[ok])),
        "mean": round_sig(np.mean(x[ok])),
        "median": round_sig(np.median(x[ok])),
        "max": round_sig(np.max(x[ok])),
    }
