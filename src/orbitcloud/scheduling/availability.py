"""Which satellites can compute at each step, and the compute lost, by cause.

A satellite can compute when its state is valid, it carries accelerators, neither the
spacecraft model nor an event failed it, its delivered capacity is above 0, no storm fault hit
it this step and -- unless computing in eclipse is allowed -- it is sunlit (sunlit >= 0.5).

The compute lost is counted in peak FLOP over each step (FLOP/s x dt) of every valid satellite
with accelerators and attributed to one cause per satellite-step, in this order: failed by an
event (all of it); otherwise the accelerators that radiation killed (their share of the peak);
a storm fault; eclipse; heat (throttling: the capacity missing beyond the dead accelerators).
"""

from __future__ import annotations

import numpy as np

LOST_CAUSES = ("eclipse", "heat", "radiation", "failures", "storm")
"""Causes of lost compute, in the order of the summary."""


def usable_satellites(
    valid: np.ndarray,
    failed: np.ndarray,
    event_failed: np.ndarray,
    has_accelerators: np.ndarray,
    capacity: np.ndarray,
    lit_ok: np.ndarray,
    storm: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Healthy and usable satellites per step.

    Parameters
    ----------
    valid : (n_t, n_sat) bool, valid state
    failed : (n_t, n_sat) bool, every accelerator dead (spacecraft model)
    event_failed : (n_t, n_sat) bool, failed by an event
    has_accelerators : (n_sat,) bool
    capacity : (n_t, n_sat) delivered fraction of peak compute [1]
    lit_ok : (n_t, n_sat) bool, sunlit or allowed to compute in eclipse
    storm : (n_t, n_sat) bool, a storm fault

    Returns
    -------
    healthy : (n_t, n_sat) bool, valid, not failed, carries accelerators
    usable : (n_t, n_sat) bool, healthy and can compute now
    """
    healthy = valid & ~failed & ~event_failed & has_accelerators[None, :]
    usable = healthy & (capacity > 0) & lit_ok & ~storm
    return healthy, usable


def lit_ok(sunlit: np.ndarray, compute_in_eclipse: bool) -> np.ndarray:
    """Where a satellite may compute as far as sunlight goes: sunlit >= 0.5, or always."""
    return (sunlit >= 0.5) | compute_in_eclipse


def compute_lost_flop(
    peak_flop_s: np.ndarray,
    step_s: float,
    valid: np.ndarray,
    has_accelerators: np.ndarray,
    accelerators: np.ndarray,
    accelerators_ok: np.ndarray,
    event_failed: np.ndarray,
    healthy: np.ndarray,
    lit_ok: np.ndarray,
    storm: np.ndarray,
    throttled: np.ndarray,
    capacity: np.ndarray,
) -> dict[str, float]:
    """Peak compute of the steps and the part lost to each cause (see the module docstring).

    Parameters
    ----------
    peak_flop_s : (n_sat,) peak with every accelerator healthy [FLOP/s]
    step_s : step [s]
    valid, event_failed, healthy, lit_ok, storm, throttled : (n_t, n_sat) bool
    has_accelerators : (n_sat,) bool
    accelerators : (n_sat,) accelerators carried [1]
    accelerators_ok : (n_t, n_sat) working accelerators [1]
    capacity : (n_t, n_sat) delivered fraction of peak [1]

    Returns
    -------
    ``peak`` and one entry per :data:`LOST_CAUSES` [FLOP]. Each cause lies in [0, peak] and
    they do not overlap: dead accelerators count under radiation, and eclipse, storm faults and
    heat take only the share of the peak that was still alive, so the causes sum to at most
    the peak.
    """
    peak = np.asarray(peak_flop_s, dtype=float)[None, :] * step_s
    acc_ok = np.asarray(accelerators_ok, dtype=float)
    on = valid & has_accelerators[None, :]
    rad_frac = np.where(
        on & ~event_failed, 1.0 - acc_ok / np.maximum(accelerators, 1)[None, :], 0.0
    )
    heat = healthy & lit_ok & ~storm & throttled
    return {
        "peak": float((peak * on).sum()),
        "failures": float((peak * (on & event_failed)).sum()),
        "radiation": float((peak * rad_frac).sum()),
        "storm": float((peak * (storm & healthy) * (1.0 - rad_frac)).sum()),
        "eclipse": float((peak * (healthy & ~lit_ok & ~storm) * (1.0 - rad_frac)).sum()),
        "heat": float((peak * heat * np.clip(1.0 - capacity - rad_frac, 0.0, 1.0)).sum()),
    }


def lost_fractions(lost: dict[str, float]) -> dict[str, float] | None:
    """Each cause's share of the peak, rounded to 1e-6 (None when there was no peak)."""
    pk = lost["peak"]
    if pk <= 0:
        return None
    return {c: round(lost[c] / pk, 6) for c in LOST_CAUSES}
