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

The per-chunk chain is :func:`capture_bytes` (what each imager records), :func:`downlink_bytes`
(what it can send down in a step), :func:`advance` (the three FIFO queues of both modes, carried
from chunk to chunk in :class:`Backlog`), and at the end :func:`insight_summary`.

With routes (:func:`advance_routed`) the bytes travel as flows instead: each imager's queue is
one flow per step over its route to the ground (ISL hops to the nearest satellite with a
station in view, then its downlink; :mod:`orbitcloud.network.flows`), rates max-min fair on the
capacities, so imagers that share a relay or a downlink slow each other down and congestion
shows in the time to insight. Each mode's traffic is routed alone (they are alternatives).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from orbitcloud.scenario.operations import RegionSpec
from orbitcloud.workloads.latency import N_BINS, hist_percentiles, latency_bin
from orbitcloud.workloads.regions import in_region

MODES = ("raw-downlink", "orbital-edge")
"""The two ways from capture to insight, in the order of the ``eo`` table's rows."""


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


def capture_bytes(
    lat_rad: np.ndarray,
    lon_rad: np.ndarray,
    valid: np.ndarray,
    regions: Sequence[RegionSpec],
    capture_rate_mbps: float,
    step_s: float,
    r_itrf_m: np.ndarray | None = None,
    sun_itrf_m: np.ndarray | None = None,
) -> np.ndarray:
    """Raw bytes each imager records per step: over a target region (and the sunlit ground).

    Parameters
    ----------
    lat_rad, lon_rad : (n_t, n) sub-satellite geodetic latitude and longitude [rad]
    valid : (n_t, n) bool, the satellite has a valid state
    regions : target regions (a step counts when the sub-satellite point is in any)
    capture_rate_mbps : sensor rate [Mbit/s]
    step_s : step [s]
    r_itrf_m : (n_t, n, 3) positions [m]; with ``sun_itrf_m`` ((n_t, 3) [m]) capture only
        where the Sun is above the horizon of the ground below (the satellite's local
        vertical, a spherical Earth); None captures day and night

    Returns
    -------
    (n_t, n) bytes captured in each step [B]
    """
    over = np.zeros(lat_rad.shape, dtype=bool)
    for r in regions:
        over |= in_region(lat_rad, lon_rad, r)
    if r_itrf_m is not None and sun_itrf_m is not None:
        up = r_itrf_m / np.maximum(np.linalg.norm(r_itrf_m, axis=-1, keepdims=True), 1.0)
        sun = sun_itrf_m / np.linalg.norm(sun_itrf_m, axis=-1, keepdims=True)
        over &= np.einsum("tsk,tk->ts", up, sun) > 0.0  # Sun above the horizon below
    over &= valid
    return over * capture_rate_mbps * 1e6 / 8.0 * step_s


def downlink_bytes(
    gsl_ground: np.ndarray,
    gsl_sat: np.ndarray,
    gsl_capacity_bps: np.ndarray,
    station_up: np.ndarray,
    imager_of_sat: np.ndarray,
    n_imagers: int,
    step_s: float,
    downlink_bps: float | None = None,
) -> np.ndarray:
    """Bytes each imager can send down in one step: its best ground link to a station that is up.

    Parameters
    ----------
    gsl_ground, gsl_sat, gsl_capacity_bps : (q,) ground links of the step: ground endpoint,
        satellite and capacity per direction [bit/s]
    station_up : (n_ground,) bool, the endpoint is a ground station and is up
    imager_of_sat : (n_sat,) imager index of each satellite (-1: not an imager)
    n_imagers : imagers
    step_s : step [s]
    downlink_bps : fixed downlink rate [bit/s]; None (or 0) takes the link's capacity

    Returns
    -------
    (n_imagers,) bytes [B]: one station at a time, the best one in view
    """
    m = station_up[gsl_ground] & (imager_of_sat[gsl_sat] >= 0)
    rate = np.full(int(m.sum()), downlink_bps) if downlink_bps else gsl_capacity_bps[m]
    best = np.zeros(n_imagers)
    np.maximum.at(best, imager_of_sat[gsl_sat[m]], rate)
    return best / 8.0 * step_s


@dataclass(frozen=True)
class Backlog:
    """Bytes queued on each imager (the state carried from chunk to chunk)."""

    raw_b: np.ndarray
    """(n,) raw bytes waiting for a ground station (raw-downlink mode) [B]"""
    unprocessed_b: np.ndarray
    """(n,) raw bytes waiting for the on-board processor (orbital-edge mode) [B]"""
    product_b: np.ndarray
    """(n,) product bytes waiting for a ground station (orbital-edge mode) [B]"""

    @classmethod
    def empty(cls, n: int) -> Backlog:
        return cls(np.zeros(n), np.zeros(n), np.zeros(n))


@dataclass(frozen=True)
class EoOutputs:
    """Per step and imager, in bytes [B]: what each mode completed."""

    captured_b: np.ndarray
    """(n_t, n) raw bytes captured"""
    raw_done_b: np.ndarray
    """(n_t, n) raw bytes downlinked (raw-downlink mode)"""
    edge_done_b: np.ndarray
    """(n_t, n) raw bytes whose product was downlinked (orbital-edge mode, raw-byte units)"""
    product_down_b: np.ndarray
    """(n_t, n) product bytes downlinked (orbital-edge mode)"""


def advance(
    state: Backlog,
    captured_b: np.ndarray,
    downlink_b: np.ndarray,
    processing_flop_s: np.ndarray,
    step_s: float,
    processing_flop_per_byte: float,
    product_fraction: float,
) -> tuple[Backlog, EoOutputs]:
    """Advance both modes' queues over the steps of a chunk.

    Parameters
    ----------
    state : the backlogs before the first step
    captured_b : (n_t, n) raw bytes captured [B] (:func:`capture_bytes`)
    downlink_b : (n_t, n) bytes the imager can downlink [B] (:func:`downlink_bytes`)
    processing_flop_s : (n_t, n) FLOP/s the imager delivers to processing (0 when it cannot
        compute) [FLOP/s]
    step_s : step [s]
    processing_flop_per_byte : on-board processing cost [FLOP/B]
    product_fraction : product bytes per raw byte [1]

    Returns
    -------
    the backlogs after the last step, and what each mode completed per step. Raw downlink:
    one FIFO drained by the ground links. Orbital edge: a FIFO drained by the processor, whose
    products queue for the ground links (Denby & Lucia, ASPLOS 2020).
    """
    raw_done, raw_b = fifo_drain(captured_b, downlink_b, state.raw_b)
    proc_cap = processing_flop_s * step_s / processing_flop_per_byte
    processed, unproc_b = fifo_drain(captured_b, proc_cap, state.unprocessed_b)
    prod_done, prod_b = fifo_drain(processed * product_fraction, downlink_b, state.product_b)
    out = EoOutputs(captured_b, raw_done, prod_done / product_fraction, prod_done)
    return Backlog(raw_b, unproc_b, prod_b), out


class StepRoutes(Protocol):
    """One step's routes as hops over resources (``orbitcloud.network.flows.GroundRoutes``)."""

    @property
    def capacity_bps(self) -> np.ndarray: ...
    @property
    def n_isl_dir(self) -> int: ...
    @property
    def hop_flow(self) -> np.ndarray: ...
    @property
    def hop_res(self) -> np.ndarray: ...


Allocate = Callable[[Any, np.ndarray, float], tuple[np.ndarray, np.ndarray]]
"""``allocate(routes, demand, unit_per_bps) -> (served, load per resource)``, e.g.
``orbitcloud.network.flows.allocate_to_ground`` (passed in: workloads do not import network)."""


USE_COLUMNS = (
    "sent_b",
    "queued_b",
    "isl_load_b",
    "isl_capacity_b",
    "isl_utilisation_max",
    "downlink_load_b",
    "downlink_capacity_b",
    "downlink_utilisation_max",
)
"""Per-step network use of one mode (:func:`advance_routed`): bytes sent to the ground, bytes
queued on board for the network after the step, and over the links in use (on the route of an
imager with bytes to send): bytes carried, capacity in the step [B] and the largest
load/capacity, for the directed ISLs and the downlinks."""


def _step_use(r: StepRoutes, dem: np.ndarray, load: np.ndarray, unit: float) -> np.ndarray:
    """One row of :data:`USE_COLUMNS` (without the queue) from a step's allocation."""
    busy = np.zeros(len(r.capacity_bps), dtype=bool)
    busy[r.hop_res[dem[r.hop_flow] > 0]] = True
    cap = r.capacity_bps * unit
    out = [0.0, 0.0]
    for part in (slice(0, r.n_isl_dir), slice(r.n_isl_dir, None)):
        b, c, ld = busy[part], cap[part], load[part]
        util = ld[b] / np.maximum(c[b], 1e-300)
        out += [float(ld[b].sum()), float(c[b].sum()), float(util.max(initial=0.0))]
    out[0] = out[5]  # what the downlinks carried is what reached the ground
    return np.array(out)


def _flow_queue(
    arrivals: np.ndarray,
    routes: Sequence[StepRoutes],
    allocate: Allocate,
    backlog0: np.ndarray,
    unit: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-step flows of one queue per imager: served (n_t, n), backlog (n,), use (n_t, 8)."""
    n_t, n = arrivals.shape
    b = np.asarray(backlog0, dtype=float).copy()
    served = np.empty((n_t, n))
    use = np.zeros((n_t, len(USE_COLUMNS)))
    for k in range(n_t):  # loop over time, vectorised over imagers and links
        b += arrivals[k]
        s, load = allocate(routes[k], b, unit)
        served[k] = s
        use[k] = _step_use(routes[k], b, load, unit)
        b -= s
        use[k, 1] = b.sum()
    return served, b, use


def advance_routed(
    state: Backlog,
    captured_b: np.ndarray,
    routes: Sequence[StepRoutes],
    allocate: Allocate,
    processing_flop_s: np.ndarray,
    step_s: float,
    processing_flop_per_byte: float,
    product_fraction: float,
) -> tuple[Backlog, EoOutputs, dict[str, np.ndarray]]:
    """As :func:`advance`, with the downlink replaced by flows over each step's routes.

    Parameters
    ----------
    routes : one :class:`~orbitcloud.network.flows.GroundRoutes` per step, sources in imager
        order
    allocate : the rate allocation on a step's routes
        (:func:`orbitcloud.network.flows.allocate_to_ground`: max-min fair)
    (others as :func:`advance`)

    Returns
    -------
    the backlogs, what each mode completed, and per mode (:data:`MODES`) its network use per
    step, ``(n_t, len(USE_COLUMNS))``. A step where every imager goes straight down on its own
    link serves ``min(queue, downlink)`` exactly as :func:`advance` does.
    """
    unit = step_s / 8.0
    proc_cap = processing_flop_s * step_s / processing_flop_per_byte
    processed, unproc_b = fifo_drain(captured_b, proc_cap, state.unprocessed_b)
    raw_done, raw_b, raw_use = _flow_queue(captured_b, routes, allocate, state.raw_b, unit)
    prod_done, prod_b, prod_use = _flow_queue(
        processed * product_fraction, routes, allocate, state.product_b, unit
    )
    out = EoOutputs(captured_b, raw_done, prod_done / product_fraction, prod_done)
    use = {"raw-downlink": raw_use, "orbital-edge": prod_use}
    return Backlog(raw_b, unproc_b, prod_b), out, use


def answer_text(out: dict[str, dict[str, Any]]) -> str | None:
    """One sentence comparing the two modes of :func:`insight_summary`'s result: median time
    from capture to insight and data downlinked (None when either mode has no median)."""
    raw, edge = out.get("raw-downlink", {}), out.get("orbital-edge", {})
    r_t, e_t = raw.get("insight_p50_min"), edge.get("insight_p50_min")
    if r_t is None or e_t is None:
        return None
    r_gb, e_gb = raw.get("downlinked_gb") or 0.0, edge.get("downlinked_gb") or 0.0
    sooner = "sooner" if e_t < r_t else "later"
    return (f"Processing on board delivers insight {abs(r_t - e_t):.1f} min {sooner} (median "
            f"{e_t:.1f} vs {r_t:.1f} min from capture) and downlinks {e_gb:,.1f} GB instead of "
            f"{r_gb:,.1f} GB of raw data.")  # fmt: skip


def insight_summary(
    captured_b: np.ndarray,
    raw_done_b: np.ndarray,
    edge_done_b: np.ndarray,
    product_down_b: np.ndarray,
    step_s: float,
    ground_processing_s: float,
) -> dict[str, dict[str, float | None]]:
    """Capture-to-insight figures of both modes over the run.

    Parameters
    ----------
    captured_b, raw_done_b, edge_done_b, product_down_b : (n_t, n) the run's
        :class:`EoOutputs` stacked over time [B]
    step_s : step [s]
    ground_processing_s : processing on the ground after a raw downlink [s]

    Returns
    -------
    per mode (:data:`MODES`): ``captured_gb``, ``downlinked_gb``, ``insight_gb`` (bytes whose
    insight is ready) [GB], ``pending_gb`` (captured, not done by the end) [GB], the
    byte-weighted ``insight_p50_min`` / ``p95`` / ``p99`` (from the histogram) and
    ``insight_mean_min`` (exact) [min] (rounded to 1e-4; None when nothing completed), and
    ``served_fraction`` = insight / captured [1]. A byte's latency is counted from the start of its capture step to the
    end of its completion step (+ one step), plus the ground processing of raw bytes.
    """
    cum_in = np.cumsum(captured_b, 0)
    out: dict[str, dict[str, float | None]] = {}
    for mode, done, down_b, extra in (
        ("raw-downlink", raw_done_b, raw_done_b, ground_processing_s),
        ("orbital-edge", edge_done_b, product_down_b, 0.0),
    ):
        lat, wgt, pending = fifo_latency(cum_in, np.cumsum(done, 0), step_s)
        lat = lat + extra + step_s
        h = np.zeros(N_BINS)
        np.add.at(h, latency_bin(lat * 1e3), wgt)
        p50, p95, p99 = hist_percentiles(h)
        out[mode] = {
            "captured_gb": float(captured_b.sum() / 1e9),
            "downlinked_gb": float(down_b.sum() / 1e9),
            "insight_gb": float(wgt.sum() / 1e9),
            "pending_gb": pending / 1e9,
            "insight_p50_min": _round(p50 / 6e4 if p50 else None),
            "insight_p95_min": _round(p95 / 6e4 if p95 else None),
            "insight_p99_min": _round(p99 / 6e4 if p99 else None),
            "insight_mean_min": _round(float(lat @ wgt / wgt.sum()) / 60.0 if wgt.sum() else None),
            "served_fraction": _round(
                float(wgt.sum() / captured_b.sum()) if captured_b.sum() else None, 6
            ),
        }
    return out


def network_summary(use: np.ndarray) -> dict[str, float | None]:
    """Run figures of one mode's network use (``(n_t, len(USE_COLUMNS))``, :func:`advance_routed`).

    Returns
    -------
    ``queued_gb_peak``, ``queued_gb_mean`` [GB]; ``isl_utilisation_max`` [1] (None without
    ISL hops); ``downlink_utilisation_mean`` [1]: bytes carried / capacity of the downlinks in
    use, summed over the run (None when none was in use)
    """
    c = {name: use[:, i] for i, name in enumerate(USE_COLUMNS)}
    q = c["queued_b"]
    isl_cap, dl_cap = float(c["isl_capacity_b"].sum()), float(c["downlink_capacity_b"].sum())
    return {
        "queued_gb_peak": _round(float(q.max(initial=0.0)) / 1e9, 6),
        "queued_gb_mean": _round(float(q.mean()) / 1e9 if len(q) else 0.0, 6),
        "isl_utilisation_max": _round(
            float(c["isl_utilisation_max"].max()) if isl_cap else None, 6
        ),
        "downlink_utilisation_mean": _round(
            float(c["downlink_load_b"].sum()) / dl_cap if dl_cap else None, 6
        ),
    }


def _round(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)
