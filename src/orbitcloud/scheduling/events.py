"""Events and faults: scheduled outages, gateway, satellite and ISL failures, storm faults.

Times are Unix seconds [s] and windows are half-open ``[start, end)``. Every random draw comes
from a generator the caller passes in (seeded by the scenario), in a fixed order, so the same
scenario and seed give the same failures whatever the chunking:

* satellite failures (:func:`advance_satellite_faults`): at every step, first the satellites
  of each ``count`` event starting in that step (a draw without replacement among those still
  alive), then one uniform per satellite for all ``rate`` events; storm faults take one uniform
  per satellite and step from their own generator;
* ISL failures (:func:`isl_up`): a fixed hash of the link and a salt drawn once per event and
  period, so a link's fate does not depend on which other links exist.

A failure probability over a step dt at a rate r per year is p = 1 - exp(-r dt / year) (a
Poisson process).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from orbitcloud.scheduling.paths import splitmix64

SECONDS_PER_YEAR = 365.25 * 86400.0
"""Julian year [s]."""

PERIODS = ("before", "during", "after")
"""Periods of a run relative to its terrestrial outages."""


def active(windows: Sequence[tuple[float, float]], t: float) -> list[int]:
    """Indices of the windows ``[start, end)`` that contain ``t`` [s]."""
    return [i for i, (a, b) in enumerate(windows) if a <= t < b]


def outage_period(windows: Sequence[tuple[float, float]], t: float) -> int:
    """Index into :data:`PERIODS` of time ``t`` [s]: during an outage, before the first, after.

    0 (``before``) when there is no outage.
    """
    if not windows:
        return 0
    if any(a <= t < b for a, b in windows):
        return 1
    return 0 if t < min(a for a, _ in windows) else 2


def ground_up(
    n_ground: int,
    t: float,
    down: Sequence[tuple[np.ndarray, float, float]],
    outage_masks: np.ndarray | None = None,
) -> np.ndarray:
    """Ground endpoints that can use their links at time ``t`` [s].

    Parameters
    ----------
    n_ground : endpoints
    t : time [s]
    down : (mask (n_ground,) bool, start, end) of each gateway failure
    outage_masks : (n_active, n_ground) bool, endpoints inside the outages active at ``t``

    Returns
    -------
    (n_ground,) bool
    """
    up = np.ones(n_ground, dtype=bool)
    if outage_masks is not None and len(outage_masks):
        up &= ~outage_masks.any(axis=0)
    for m, a, b in down:
        if a <= t < b:
            up &= ~m
    return up


def gateway_failure_mask(
    n_ground: int,
    named: Sequence[int],
    gateways: np.ndarray,
    count: int | None,
    rng: np.random.Generator,
) -> np.ndarray:
    """Endpoints a gateway failure takes down: the named ones and ``count`` random gateways.

    Parameters
    ----------
    n_ground : endpoints
    named : endpoint indices named by the event
    gateways : (n_gw,) endpoint index of every gateway
    count : random gateways to take down (None or 0: none); draws one choice from ``rng``
    rng : the run's gateway-failure generator

    Returns
    -------
    (n_ground,) bool
    """
    m = np.zeros(n_ground, dtype=bool)
    for i in named:
        m[i] = True
    n_gw = len(gateways)
    if count and n_gw:
        pick = rng.choice(n_gw, size=min(count, n_gw), replace=False)
        m[gateways[pick]] = True
    return m


@dataclass(frozen=True)
class FaultEvents:
    """Satellite failure and storm events of a run."""

    counts: Sequence[tuple[int, float]]
    """(satellites, time [s]) of each ``count`` failure event"""
    rates: Sequence[tuple[float, float, float]]
    """(failures per satellite-year, start, end [s]) of each ``rate`` failure event"""
    storms: Sequence[tuple[float, float, float]]
    """(faults per satellite-year incl. the dose multiplier, start, end [s]) of each storm"""


def advance_satellite_faults(
    failed: np.ndarray,
    unix_s: np.ndarray,
    valid: np.ndarray,
    has_accelerators: np.ndarray,
    events: FaultEvents,
    step_s: float,
    rng_failures: np.random.Generator,
    rng_storm: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Permanent satellite failures and transient storm faults over the steps of a chunk.

    Parameters
    ----------
    failed : (n_sat,) bool, satellites failed by events before the first step (not changed)
    unix_s : (n_t,) time of each step [s]
    valid : (n_t, n_sat) bool, the satellite has a valid state
    has_accelerators : (n_sat,) bool
    events : the run's failure and storm events
    step_s : step [s]
    rng_failures, rng_storm : the run's generators (advanced: n_sat uniforms per step each, plus
        the count events' draws)

    Returns
    -------
    failed : (n_sat,) bool after the last step
    failed_per_step : (n_t, n_sat) bool, failed by events at each step
    storm : (n_t, n_sat) bool, a storm fault on the accelerators at each step
    """
    failed = failed.copy()
    n_t, n_sat = valid.shape
    per_step = np.empty((n_t, n_sat), dtype=bool)
    storm = np.zeros((n_t, n_sat), dtype=bool)
    for t in range(n_t):
        for count, a in events.counts:
            if a <= unix_s[t] < a + step_s and count:
                alive = np.flatnonzero(~failed)
                pick = rng_failures.choice(alive, size=min(count, len(alive)), replace=False)
                failed[pick] = True
        u = rng_failures.random(n_sat)
        for rate, a, b in events.rates:
            if a <= unix_s[t] < b:
                p = -np.expm1(-rate * step_s / SECONDS_PER_YEAR)
                failed |= (u < p) & valid[t]
        per_step[t] = failed
        us = rng_storm.random(n_sat)
        for rate, a, b in events.storms:
            if a <= unix_s[t] < b:
                p = -np.expm1(-rate * step_s / SECONDS_PER_YEAR)
                storm[t] |= (us < p) & has_accelerators & valid[t]
    return failed, per_step, storm


def isl_failure_salt(rng: np.random.Generator) -> np.uint64:
    """The salt of one ISL-failure event and period (one draw from its own generator)."""
    return np.uint64(rng.integers(0, 2**63 - 1))


def isl_failure_periods(
    failures: Sequence[tuple[float, float, float]], t: float
) -> list[tuple[int, int]]:
    """(event index, period index) of the ISL failure events active at ``t`` [s].

    ``failures`` holds (start, end, period [s]) of each event; the failed links are redrawn
    every period.
    """
    return [(i, int((t - a) // period)) for i, (a, b, period) in enumerate(failures) if a <= t < b]


def isl_up(
    isl_a: np.ndarray,
    isl_b: np.ndarray,
    n_sat: int,
    salts: Sequence[np.uint64],
    fractions: Sequence[float],
) -> np.ndarray:
    """Which ISLs are up under the active ISL-failure events.

    Parameters
    ----------
    isl_a, isl_b : (m,) satellite ends of each ISL (either order)
    n_sat : satellites
    salts : one salt per active event (:func:`isl_failure_salt` of its event and period)
    fractions : fraction of ISLs each active event takes down [1]

    Returns
    -------
    (m,) bool: a link is down when the uniform hash of (its ends, the salt) is below the
    fraction (SplitMix64, Steele, Lea & Flood, OOPSLA 2014)
    """
    up = np.ones(len(isl_a), dtype=bool)
    for salt, fraction in zip(salts, fractions, strict=True):
        edge = np.minimum(isl_a, isl_b).astype(np.uint64) * np.uint64(n_sat) + np.maximum(
            isl_a, isl_b
        ).astype(np.uint64)
        h = splitmix64(edge ^ salt)
        up &= (h >> np.uint64(11)).astype(np.float64) / float(2**53) >= fraction
    return up
