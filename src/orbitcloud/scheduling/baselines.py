"""The terrestrial baseline re-evaluated in closed form for another set of data centres.

The terrestrial path of a request is closed form: fibre round trip to the chosen data centre
(great circle x stretch at c / n, :func:`.servers.fibre_rtt_to_data_centres`) + last-mile
access + queue wait (:func:`.queueing.class_wait_s`) + prefill (:func:`.servers.data_centre_figures`).
So the baseline of a finished run can be re-evaluated for another ground cloud (a preset) from
the run's demand alone -- the requests of every step per user cell and class -- without running
the orbital side again.

Placement follows the :class:`.policies.Terrestrial` policy as a fluid: in each round every
cell's remaining demand goes to its nearest data centre that is up and not full; a data centre
offered more work than it has left in the step (``dt`` server-seconds, utilisation 1) admits the
same fraction of every offer and is full for the next round. The policy's own choice is the
smallest fibre RTT + wait, and waits at a data centre (one server with all its accelerators) are
microseconds below saturation, so the nearest open data centre is its choice too. Outages cut
the fibre of the cells and the data centres inside their region during their window.

References
----------
Fluid approximation of admission and service: Kleinrock, *Queueing Systems* vol. 2 (1976),
sec. 2.8; the wait: Cobham (1954) via :func:`.queueing.class_wait_s`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from orbitcloud.scenario.operations import DataCentreSpec, RequestClassSpec
from orbitcloud.scheduling.queueing import class_wait_s
from orbitcloud.scheduling.servers import (
    data_centre_figures,
    data_centre_lat_lon_rad,
    fibre_rtt_to_data_centres,
)
from orbitcloud.workloads.latency import N_BINS, hist_percentiles, latency_bin


@dataclass(frozen=True)
class DemandRecord:
    """What a run asked of the terrestrial system, step by step (kept for re-evaluation)."""

    counts: np.ndarray
    """(n_t, n_cell, n_class) requests per step, user cell and class [1]"""
    outage_active: np.ndarray
    """(n_t, n_outage) bool, the outage is on at the step"""
    cell_lat_rad: np.ndarray
    cell_lon_rad: np.ndarray
    cell_in_outage: np.ndarray
    """(n_outage, n_cell) bool, the cell is inside the outage's region"""
    step_s: float


@dataclass(frozen=True)
class Reevaluation:
    """Terrestrial figures of one ground cloud under a run's demand."""

    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    served_fraction: float
    utilisation: float
    """busy / available data-centre time [1]"""
    saturation_requests_per_s: float | None
    """day-mean demand at which the data centres would be fully busy (utilisation 1, linear
    scaling of the run's demand; None with no load)"""


def reevaluate_terrestrial(
    demand: DemandRecord,
    dcs: Sequence[DataCentreSpec],
    dc_in_outage: np.ndarray,
    classes: Sequence[RequestClassSpec],
    precision: str,
    path_stretch: float,
    refractive_index: float,
    access_rtt_s: float,
    requests_per_s: float,
) -> Reevaluation:
    """Time-to-first-token percentiles, served fraction and utilisation of a ground cloud.

    Parameters
    ----------
    demand : the run's requests per step, cell and class, and its outages
    dcs : the data centres to evaluate
    dc_in_outage : (n_outage, n_dc) bool, the data centre is inside the outage's region
    classes : the request classes (model, tokens, priority)
    precision : serving precision of the data centres
    path_stretch, refractive_index : fibre route / great circle [1] and group index [1]
    access_rtt_s : last-mile access round trip [s]
    requests_per_s : the run's day-mean demand [1/s] (scales the saturation demand)

    Returns
    -------
    :class:`Reevaluation`; percentiles from the run's log histogram (2.3 % bins).
    """
    fig = data_centre_figures(dcs, classes, precision)
    out_tok = np.array([c.output_tokens for c in classes], dtype=float)
    prio = np.array([c.priority for c in classes])
    with np.errstate(divide="ignore"):
        work = np.where(fig.tokens_per_s > 0, out_tok[None, :] / fig.tokens_per_s, np.inf)
    dlat, dlon = data_centre_lat_lon_rad(dcs)
    rtt = fibre_rtt_to_data_centres(demand.cell_lat_rad, demand.cell_lon_rad, dlat, dlon,
                                    path_stretch, refractive_index)  # fmt: skip
    order = np.argsort(rtt, axis=1, kind="stable")  # (n_cell, n_dc) nearest first
    dt = demand.step_s
    hist = np.zeros(N_BINS)
    total = admitted_total = busy = avail = 0.0
    for t in range(demand.counts.shape[0]):
        q = demand.counts[t].astype(float)
        on = demand.outage_active[t]
        cell_up = ~demand.cell_in_outage[on].any(axis=0)
        dc_up = ~dc_in_outage[on].any(axis=0)
        total += q.sum()
        adm = _fill(np.where(cell_up[:, None], q, 0.0), work, dc_up, order, dt)  # (cell, dc, c)
        per_dc = adm.sum(axis=0)  # (n_dc, n_class)
        wait = class_wait_s(np.zeros(per_dc.shape, np.int64), per_dc, work, prio, dt)
        lat_ms = (rtt[:, :, None] + access_rtt_s + wait[None] + fig.prefill_s[None]) * 1e3
        w = adm > 0
        np.add.at(hist, latency_bin(lat_ms[w]), adm[w])
        admitted_total += adm.sum()
        busy += float(np.nansum(np.where(np.isfinite(work), per_dc * work, 0.0)))
        avail += dt * dc_up.sum()
    p50, p95, p99 = hist_percentiles(hist)
    util = busy / avail if avail > 0 else 0.0
    return Reevaluation(p50, p95, p99, admitted_total / total if total else 0.0, util,
                        requests_per_s / util if util > 0 else None)  # fmt: skip


def _fill(
    q: np.ndarray, work: np.ndarray, dc_up: np.ndarray, order: np.ndarray, dt: float
) -> np.ndarray:
    """Admitted requests (n_cell, n_dc, n_class) of one step: rounds to the nearest open data
    centre, each admitting the same fraction of all its offers within ``dt`` of work."""
    n_cell, n_dc = order.shape
    adm = np.zeros((n_cell, n_dc, q.shape[1]))
    left = np.where(dc_up, dt, 0.0)
    open_ = dc_up & np.isfinite(work).all(axis=1)
    rem = q.copy()
    rows = np.arange(n_cell)
    wk = np.where(np.isfinite(work), work, 0.0)
    for _ in range(n_dc):
        if rem.sum() <= 0 or not open_.any():
            break
        rank = np.where(open_[order], np.arange(n_dc)[None, :], n_dc)
        d = order[rows, rank.argmin(axis=1)]  # nearest open data centre of each cell
        offer = np.bincount(d, weights=(rem * wk[d]).sum(axis=1), minlength=n_dc)
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = np.where(offer > 0, np.minimum(left / offer, 1.0), 1.0)
        take = rem * frac[d][:, None]
        adm[rows, d] += take
        rem -= take
        left = np.maximum(left - offer * np.minimum(frac, 1.0), 0.0)
        open_ &= frac >= 1.0
    return adm
