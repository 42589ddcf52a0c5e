"""Inference demand: request rates per user cell and class, by population and local time.

The rate of requests from cell i in class c at time t is

    lambda_ic(t) = R x share_c x w_i x d(h_i(t)),  w_i = pop_i / sum(pop),
    d(h) = 1 + A cos(2 pi (h - h_peak) / 24),

with h_i the local mean solar time of the cell (UTC hour + longitude / 15 deg per hour). The
diurnal factor averages to 1 over a day, so R is the day-mean total rate. Counts per step are
Poisson with mean lambda dt (independent arrivals; requests are aggregated per (cell, class)
and step, never one object each).

References
----------
Diurnal shape: Internet traffic peaks in the local evening and bottoms out before dawn with a
peak/trough ratio near 2-4 (Feldmann et al., "The Lockdown Effect", ACM IMC 2020, fig. 2;
Sandvine Global Internet Phenomena 2023); a single cosine harmonic is the usual first-order
fit (e.g. Lakhina et al., SIGCOMM 2004, diurnal components of traffic matrices).
"""

from __future__ import annotations

import numpy as np


def local_solar_hour(utc_hour: np.ndarray | float, lon_rad: np.ndarray) -> np.ndarray:
    """Local mean solar time [h] in 0..24 from the UTC hour and east longitude [rad].

    Parameters
    ----------
    utc_hour : hours since 00:00 UTC [h] (scalar or (n_t,))
    lon_rad : east longitude [rad], (n_cell,)

    Returns
    -------
    (n_t, n_cell) or (n_cell,) local hour [h]. Mean solar time (no equation of time, which
    shifts it by up to 16 min).
    """
    u = np.asarray(utc_hour, dtype=float)
    return np.mod(u[..., None] + np.degrees(lon_rad) / 15.0, 24.0)


def diurnal_factor(local_h: np.ndarray, amplitude: float, peak_h: float) -> np.ndarray:
    """Relative demand 1 + A cos(2 pi (h - h_peak) / 24) [-]; mean 1 over a day.

    Parameters
    ----------
    local_h : local solar hour [h]
    amplitude : A in [0, 1) [-]; peak/trough ratio (1 + A) / (1 - A)
    peak_h : hour of the peak [h]
    """
    return 1.0 + amplitude * np.cos(2.0 * np.pi * (np.asarray(local_h) - peak_h) / 24.0)


def cell_weights(population: np.ndarray) -> np.ndarray:
    """Population weights w_i = pop_i / sum(pop); equal weights when no population is known."""
    p = np.asarray(population, dtype=float)
    p = np.where(p > 0, p, 0.0)
    total = p.sum()
    if total <= 0:
        return np.full(p.shape, 1.0 / max(len(p), 1))
    return p / total


def request_rates(
    total_per_s: float,
    shares: np.ndarray,
    weights: np.ndarray,
    utc_hour: np.ndarray,
    lon_rad: np.ndarray,
    amplitude: float,
    peak_h: float,
) -> np.ndarray:
    """Mean arrival rates lambda [1/s] per step, cell and class, shape (n_t, n_cell, n_class).

    Parameters
    ----------
    total_per_s : day-mean total rate R [1/s]
    shares : (n_class,) class shares summing to 1 [-]
    weights : (n_cell,) cell weights summing to 1 [-]
    utc_hour : (n_t,) hours since 00:00 UTC of each step [h]
    lon_rad : (n_cell,) east longitudes [rad]
    amplitude, peak_h : diurnal curve (:func:`diurnal_factor`)
    """
    d = diurnal_factor(local_solar_hour(utc_hour, lon_rad), amplitude, peak_h)
    return total_per_s * d[..., None] * weights[None, :, None] * np.asarray(shares)[None, None, :]


def draw_requests(rng: np.random.Generator, rate_per_s: np.ndarray, dt_s: float) -> np.ndarray:
    """Poisson request counts with mean rate x dt (int64, same shape)."""
    return rng.poisson(np.asarray(rate_per_s) * dt_s)
