"""Earth observation: capture over regions, and capture-to-insight timing of a FIFO byte stream.

Each imaging satellite records raw data at a sensor rate while over a target region (and, by
default, over the sunlit ground). Two ways to turn it into insight are compared:

* **raw downlink**: bytes queue on board (FIFO) and go down whenever a ground station is in
  view, at the ground link's rate; insight follows after ground processing;
* **orbital edge**: bytes are processed on board at (delivered FLOP/s) / (FLOP per byte), and
  only the product (a fraction of the raw bytes) is downlinked (Denby & Lucia, "Orbital Edge
  Computing: Nanosatellite Constellations as a New Class of Computer System", ASPLOS 2020).

Timing comes from cumulative curves: a byte captured when the cumulative capture reached level
L is done when the cumulative "done" curve (downlinked, or processed-and-downlinked in raw-byte
units) first reaches L (first in, first out), so latency = t_done(L) - t_capture(L). Resolution
is one time step.
"""

from __future__ import annotations

import numpy as np


def fifo_drain(
    arrivals: np.ndarray, capacity: np.ndarray, backlog0: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-step service of a FIFO queue per satellite: served = min(backlog + arrivals, capacity).

    Parameters
    ----------
    arrivals : (n_t, n) bytes arriving in each step [B]
    capacity : (n_t, n) bytes the server can move in each step [B]
    backlog0 : (n,) bytes queued before the first step [B]

    Returns
    -------
    served : (n_t, n) bytes served in each step [B]
    backlog : (n,) bytes left after the last step [B]
    """
    b = np.asarray(backlog0, dtype=float).copy()
    served = np.empty_like(arrivals, dtype=float)
    for k in range(arrivals.shape[0]):  # loop over time, vectorised over satellites
        b += arrivals[k]
        s = np.minimum(b, capacity[k])
        served[k] = s
        b -= s
    return served, b


def fifo_latency(
    cum_in: np.ndarray, cum_done: np.ndarray, step_s: float, tol: float = 1e-6
) -> tuple[np.ndarray, np.ndarray, float]:
    """Byte-weighted latencies of a FIFO stream per satellite from its cumulative curves.

    Parameters
    ----------
    cum_in : (n_t, n) cumulative bytes entered, at the end of each step [B]
    cum_done : (n_t, n) cumulative bytes completed (same byte units) [B]; <= cum_in
    step_s : step [s]

    Returns
    -------
    latency_s : (m,) latency of each (step, satellite) batch that completed [s]
    weight_b : (m,) bytes in each batch [B]
    pending_b : bytes captured but not completed by the end [B]
    """
    n_t, n = cum_in.shape
    inc = np.diff(np.vstack([np.zeros((1, n)), cum_in]), axis=0)
    k, s = np.nonzero(inc > 0)
    level = cum_in[k, s]
    big = float(max(cum_in.max(initial=0.0), cum_done.max(initial=0.0))) * 2.0 + 1.0
    keys_done = (cum_done + np.arange(n)[None, :] * big).T.ravel()  # sorted: by sat, then time
    want = level + s * big - tol * np.maximum(level, 1.0)
    pos = np.searchsorted(keys_done, want, side="left")
    j = pos - s * n_t  # step within the satellite's row
    done = (j < n_t) & (j >= 0)
    latency = (j[done] - k[done]) * step_s
    return latency.astype(float), inc[k, s][done], float(inc[k, s][~done].sum())
