"""Inference service of one system (orbital or terrestrial), one step at a time.

A system carries its queues from step to step (:class:`ServiceState`). At each step
(:func:`advance`):

1. placement: the policy places the demand groups; a placement on a server that cannot
   compute is rejected (``policy_error``) and reported; classes are placed in priority
   order and admitted within their wait limits without pushing a class already admitted on
   the server past its own (:func:`.queueing.admit_class`), filling progressively -- round r
   of ``rounds`` admits waits up to max_wait x 10^-(rounds-1-r), so load spreads over servers
   before any queue grows long, then up to :data:`SPILL_PASSES` rounds at the full limits
   send the overflow to the next nearest servers -- and what is left is dropped
   (``capacity``, or ``no_server`` when the policy reaches no server that can compute);
2. latency: time to first token = network RTT + queue wait at admission + prefill, into a
   log histogram per (region, period, class) (:mod:`orbitcloud.workloads.latency`);
3. service: each server clears ``dt`` of work by class priority (:func:`.queueing.serve_step`);
   queues on a server that cannot compute are dropped as ``stranded``;
4. energy: idle power of the servers the system pays for, plus dynamic power while busy
   (also on the accelerator basis, without the data centres' PUE).

Latency decomposition: each admitted piece's time to first token is the sum of
:data:`COMPONENTS` -- ``access`` (the user's access round trip: last mile on the ground, user
terminal in orbit), ``propagation`` (the rest of the policy's network round trip: ground links,
ISLs, fibre), ``transfer`` (payload upload), ``queueing`` (wait at admission) and ``compute``
(prefill). Each component has its own log histogram, and the components are also summed per
bin of the *total* latency, so the mean of each component over the requests in any latency
range (the median bin, the p95 or p99 tail) is exact and the components of a range add up to
its mean total; which requests fall in a range is resolved to one histogram bin (2.3 %).

Every request is counted once: requests = admitted + dropped at the step it arrives, and over
the run requests = served + queued at the end + dropped + stranded. Stranded requests (admitted,
then lost when their server stopped computing) are attributed back to the region, period and
class they arrived with: each queue keeps the mix of its requests, served in proportion (a fluid
approximation of FIFO within a class, exact in integers by largest remainders).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from orbitcloud.network import flows as fl
from orbitcloud.scheduling.policies import Policy, StepView
from orbitcloud.scheduling.queueing import (
    admit_and_wait,
    admit_capacity,
    class_wait_s,
    serve_step,
    split_admitted,
)
from orbitcloud.workloads.latency import N_BINS, hist_percentiles, latency_bin

COMPONENTS = ("access", "propagation", "transfer", "queueing", "compute")
"""Parts of the time to first token, in the order of the decomposition arrays."""

DROP_REASONS = ("no_server", "capacity", "policy_error")
"""Why an arriving request was dropped (``stranded`` requests were admitted first)."""

N_PERIODS = 3
"""Outage periods (before, during, after)."""

SPILL_PASSES = 8
"""Extra placement rounds at the full wait limits after the ladder, while they place more: a
group goes to one server per round, so a city needing several satellites overflows to the
next nearest ones in these passes (measured on remote-inference: without them the satellites
over the users saturate while those a few ISL hops away idle)."""

MAX_POLICY_ERRORS = 5
"""Policy errors described in full (the rest are counted)."""


@dataclass
class ServiceState:
    """One system's queues and accumulators (the state carried from step to step)."""

    queue: np.ndarray
    """(n_server, n_class) int64 requests queued"""
    hist: np.ndarray
    """(n_region, n_period, n_class, N_BINS) int64 time-to-first-token histogram"""
    counts: np.ndarray
    """(n_region, n_period, n_class, 4) int64: requests, admitted, dropped, SLO violations"""
    served: int = 0
    stranded: int = 0
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    tokens: float = 0.0
    busy_s: float = 0.0
    """accelerator-busy server-seconds [s]"""
    usable_s: float = 0.0
    """server-seconds the system could compute [s]"""
    e_dynamic_j: float = 0.0
    e_idle_j: float = 0.0
    user_tps_sum: float = 0.0
    """sum over admitted requests of the decode rate each user sees [1/s]"""
    policy_errors_first: list[str] = field(default_factory=list)
    run_s: float = 0.0
    """time served so far [s]"""
    e_dynamic_it_j: float = 0.0
    """dynamic energy at the accelerators (data centres without PUE) [J]"""
    e_idle_it_j: float = 0.0
    """idle energy at the accelerators (data centres without PUE) [J]"""
    comp_hist: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(n_region, n_period, n_class, n_component, N_BINS) int64 histogram of each component"""
    comp_sum_ms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    """(n_region, n_period, n_class, N_BINS, n_component) sum of each component over the
    admitted requests, by bin of their total latency [ms]"""
    stranded_by: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(n_region, n_period, n_class, 2) int64 stranded requests, [..., 1]: already over SLO"""
    queue_mix: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    """(n_server, n_class, n_region x n_period x 2) int64: the queued requests by (region,
    period, over SLO) of arrival; sums to ``queue`` over the last axis"""

    @classmethod
    def empty(cls, n_server: int, n_class: int, n_region: int) -> ServiceState:
        n_c = len(COMPONENTS)
        return cls(
            np.zeros((n_server, n_class), dtype=np.int64),
            np.zeros((n_region, N_PERIODS, n_class, N_BINS), dtype=np.int64),
            np.zeros((n_region, N_PERIODS, n_class, 4), dtype=np.int64),
            comp_hist=np.zeros((n_region, N_PERIODS, n_class, n_c, N_BINS), dtype=np.int64),
            comp_sum_ms=np.zeros((n_region, N_PERIODS, n_class, N_BINS, n_c)),
            stranded_by=np.zeros((n_region, N_PERIODS, n_class, 2), dtype=np.int64),
            queue_mix=np.zeros((n_server, n_class, n_region * N_PERIODS * 2), dtype=np.int64),
        )


@dataclass(frozen=True)
class ServiceParams:
    """The classes, regions and servers of a system (constant over the run)."""

    step_s: float
    priority: np.ndarray
    """(n_class,) lower is served first"""
    max_wait_s: np.ndarray
    """(n_class,) longest admitted queue wait [s]"""
    slo_s: np.ndarray
    """(n_class,) time-to-first-token objective [s]"""
    output_tokens: np.ndarray
    """(n_class,) output tokens per request"""
    rounds: int
    """placement rounds per step"""
    region_of_cell: np.ndarray
    """(n_cell,) region index of each user cell"""
    n_region: int
    n_sat: int
    dc_names: Sequence[str]
    idle_w: np.ndarray
    """(n_server,) idle power (data centres with PUE) [W]"""
    max_w: np.ndarray
    """(n_server,) full power [W]"""
    counted: np.ndarray
    """(n_server,) 1.0 where the system pays for the server's time and energy"""
    payload_bits: np.ndarray | None = None
    """(n_class,) payload sent up with each request [bit] (0: none, no flow work)"""
    it_fraction: np.ndarray | None = None
    """(n_server,) share of ``idle_w``/``max_w`` drawn by the accelerators (1 / PUE for data
    centres, 1 for satellites; None: all 1)"""


@dataclass(frozen=True)
class ServiceStep:
    """The drivers of one step (shared by both systems)."""

    k: int
    """step index"""
    period: int
    """outage period (index into before, during, after)"""
    view: StepView
    """network and satellites this step; ``wait_s``/``full`` are set per system"""
    cell: np.ndarray
    """(g,) user cell of each demand group"""
    cls: np.ndarray
    """(g,) class of each group"""
    count: np.ndarray
    """(g,) int64 requests in each group"""
    work_s: np.ndarray
    """(n_server, n_class) server-seconds per request [s]"""
    prefill_s: np.ndarray
    """(n_server, n_class) [s]"""
    user_tokens_per_s: np.ndarray
    """(n_server, n_class) [1/s]"""
    server_ok: np.ndarray
    """(n_server,) bool, the server can compute"""


@dataclass(frozen=True)
class StepRow:
    """Per (region, class), flattened region-major: the step's ``requests`` table figures."""

    requests: np.ndarray
    admitted: np.ndarray
    dropped: np.ndarray
    latency_sum_ms: np.ndarray
    """sum over admitted requests of time to first token [ms]"""
    slo_violations: np.ndarray
    latency_p50_ms: np.ndarray
    """median time to first token of the step's admitted requests [ms] (NaN: none admitted),
    from the step's histogram in the bins of :attr:`ServiceState.hist`"""
    latency_p95_ms: np.ndarray
    """95th percentile, likewise [ms]"""


@dataclass
class _Admitted:
    """The admitted pieces of a step: (cell, class, count, server, rtt) per piece."""

    cell: list[np.ndarray] = field(default_factory=list)
    cls: list[np.ndarray] = field(default_factory=list)
    n: list[np.ndarray] = field(default_factory=list)
    server: list[np.ndarray] = field(default_factory=list)
    rtt: list[np.ndarray] = field(default_factory=list)

    def arrays(self) -> tuple[np.ndarray, ...]:
        if not self.n:
            z = np.zeros(0, dtype=np.int64)
            return z, z, z, z, np.zeros(0)
        return tuple(np.concatenate(x) for x in (self.cell, self.cls, self.n, self.server,
                                                 self.rtt))  # fmt: skip


def advance(
    state: ServiceState, steps: Sequence[ServiceStep], policy: Policy, params: ServiceParams
) -> tuple[ServiceState, list[StepRow]]:
    """Run a system over steps: placement, admission, latency, service and energy.

    Parameters
    ----------
    state : the system's state before the first step (not changed)
    steps : the drivers of each step, in time order
    policy : the system's placement policy
    params : the system's classes, regions and servers

    Returns
    -------
    the state after the last step, and one :class:`StepRow` per step
    """
    st = copy.deepcopy(state)
    rows = [_step(st, s, policy, params) for s in steps]
    return st, rows


def _step(st: ServiceState, s: ServiceStep, policy: Policy, p: ServiceParams) -> StepRow:
    arr, wait, pieces, dropped = _place(st, s, policy, p)
    pc, pk, pn, ps, pr = pieces.arrays()
    refused, net_s = _payloads(st, s, p, arr, pc, pk, pn, ps)
    pn = pn - refused
    lat_s = pr + wait[ps, pk] + s.prefill_s[ps, pk] + net_s
    lat_ms = lat_s * 1e3
    viol = lat_s > p.slo_s[pk]
    reg_p = p.region_of_cell[pc]
    lat_bin = latency_bin(lat_ms)
    _add_at(st.hist, (reg_p, s.period, pk, lat_bin), pn)
    _decompose(st, s, policy, (reg_p, pk, pn, pr, wait[ps, pk], s.prefill_s[ps, pk], net_s,
                               lat_bin))  # fmt: skip
    mix = (reg_p * N_PERIODS + s.period) * 2 + viol
    _add_at(st.queue_mix, (ps, pk, mix), pn)
    reg_g = p.region_of_cell[s.cell]
    dsum = dropped.sum(axis=1)
    _add_at(st.counts, (reg_g, s.period, s.cls, 0), s.count)
    _add_at(st.counts, (reg_g, s.period, s.cls, 2), dsum)
    _add_at(st.counts, (reg_p, s.period, pk, 2), refused)
    _add_at(st.counts, (reg_p, s.period, pk, 1), pn)
    _add_at(st.counts, (reg_p, s.period, pk, 3), pn * viol)
    for j, key in enumerate(DROP_REASONS):
        st.dropped[key] += int(dropped[:, j].sum())
    st.user_tps_sum += float((pn * s.user_tokens_per_s[ps, pk]).sum())
    _serve(st, s, arr, p)
    n_c = len(p.priority)
    key_g = reg_g * n_c + s.cls
    key_p = reg_p * n_c + pk
    size = p.n_region * n_c
    return StepRow(
        np.bincount(key_g, weights=s.count, minlength=size),
        np.bincount(key_p, weights=pn, minlength=size),
        np.bincount(key_g, weights=dsum, minlength=size)
        + np.bincount(key_p, weights=refused, minlength=size),
        np.bincount(key_p, weights=pn * lat_ms, minlength=size),
        np.bincount(key_p, weights=pn * viol, minlength=size),
        *step_percentiles(key_p, lat_bin, pn, size),
    )


def step_percentiles(
    key: np.ndarray, lat_bin: np.ndarray, n: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """p50 and p95 [ms] per row of one step's admitted pieces (NaN for a row with none).

    Parameters
    ----------
    key : (m,) row of each piece (region x n_class + class), in [0, size)
    lat_bin : (m,) latency histogram bin of each piece (:func:`.latency.latency_bin`)
    n : (m,) requests in each piece
    size : number of rows

    The pieces are binned like :attr:`ServiceState.hist` and read by
    :func:`.latency.hist_percentiles`, so a row's histograms summed over steps give
    ``region_metrics``' percentiles.
    """
    h = np.bincount(key * N_BINS + lat_bin, weights=n, minlength=size * N_BINS)
    h = h.reshape(size, N_BINS)
    out = np.full((2, size), np.nan)
    for r in np.flatnonzero(h.sum(axis=1) > 0):
        out[:, r] = hist_percentiles(h[r], (50, 95))
    return out[0], out[1]


def _payloads(
    st: ServiceState,
    s: ServiceStep,
    p: ServiceParams,
    arr: np.ndarray,
    pc: np.ndarray,
    pk: np.ndarray,
    pn: np.ndarray,
    ps: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Payload flows of the admitted pieces served in orbit: requests refused by the network
    (taken back out of the queues, counted as dropped ``network``) and the transfer time of
    the rest [s] (:func:`orbitcloud.network.flows.payload_delivery`). No work without payloads.
    """
    refused = np.zeros(len(pn), dtype=np.int64)
    net_s = np.zeros(len(pn))
    bits = p.payload_bits
    v = s.view
    if bits is None or not bits.any() or v.isl_capacity_bps is None or v.gsl_capacity_bps is None:
        return refused, net_s
    sel = np.flatnonzero((bits[pk] > 0) & (ps < p.n_sat) & (pn > 0))
    if len(sel) == 0:
        return refused, net_s
    ok = v.ground_up[v.gsl_ground]
    carried, delay = fl.payload_delivery(
        p.n_sat, (v.isl_a, v.isl_b, v.isl_range_m, v.isl_capacity_bps),
        (v.gsl_ground[ok], v.gsl_sat[ok], v.gsl_range_m[ok], v.gsl_capacity_bps[ok]),
        v.cells[pc[sel]], ps[sel], pn[sel] * bits[pk[sel]] / p.step_s, bits[pk[sel]],
    )  # fmt: skip
    keep = np.floor(pn[sel] * carried + 1e-9).astype(np.int64)
    refused[sel] = pn[sel] - keep
    net_s[sel] = np.where(keep > 0, delay, 0.0)
    np.add.at(arr, (ps[sel], pk[sel]), -refused[sel])
    st.dropped["network"] = st.dropped.get("network", 0) + int(refused.sum())
    return refused, net_s


def _decompose(st: ServiceState, s: ServiceStep, policy: Policy, piece: tuple) -> None:
    """Add the admitted pieces' latency components (:data:`COMPONENTS`) to the state.

    ``piece`` is (region, class, count, network rtt [s], wait [s], prefill [s], transfer [s],
    total latency bin).
    The access round trip is the one the policy's system adds to its RTT (user terminal in
    orbit, last mile on the ground), at most the RTT; propagation is the rest of the RTT.
    """
    reg, pk, pn, rtt, wait, prefill, net_s, lat_bin = piece
    if len(pn) == 0:
        return
    v = s.view
    acc = v.orbital_access_rtt_s if policy.system == "orbital" else v.access_rtt_s
    access = np.minimum(acc, rtt)
    comp_ms = np.stack([access, rtt - access, net_s, wait, prefill], axis=1) * 1e3
    ci = np.arange(len(COMPONENTS))[None, :]
    _add_at(st.comp_hist, (reg[:, None], s.period, pk[:, None], ci, latency_bin(comp_ms)),
            np.broadcast_to(pn[:, None], comp_ms.shape))  # fmt: skip
    _add_at(st.comp_sum_ms, (reg, s.period, pk, lat_bin), pn[:, None] * comp_ms)


def _add_at(a: np.ndarray, index: Any, values: np.ndarray) -> None:
    """``a[index] += values``, repeated indices accumulating (``np.add.at``)."""
    np.add.at(a, index, values)


def _place(
    st: ServiceState, s: ServiceStep, policy: Policy, p: ServiceParams
) -> tuple[np.ndarray, np.ndarray, _Admitted, np.ndarray]:
    """Placement rounds; returns (arrivals per server and class, wait at admission, the
    admitted pieces, dropped per group and reason).

    After the ``rounds`` rounds of the ladder, up to :data:`SPILL_PASSES` more rounds at the
    full wait limits place what overflowed on the next nearest servers with room (the policy
    skips the full ones, so the overflow reaches further over ISLs with every pass), until a
    pass places nothing. In each round the classes are placed one at a time in priority order, each admitted only
    as far as every class already on the server this step stays within its wait limit
    (:func:`.queueing.admit_class`), so the wait after the last admission -- the one every
    admitted request of a (server, class) is given -- is within each class's limit. A group
    the policy finds no server for waits for the next round (the rooms grow along the
    ladder); after the last round what is left is dropped for ``capacity`` if the policy
    reaches a server that can compute when rooms are ignored, else for ``no_server``.
    """
    arr = np.zeros(st.queue.shape, dtype=np.int64)
    work, prio, dt, n_c = s.work_s, p.priority, p.step_s, len(p.priority)
    view = dataclasses.replace(s.view, _cache=None)
    ladder = [p.max_wait_s * 10.0 ** -(p.rounds - 1 - r) for r in range(p.rounds)]
    view.full = admit_capacity(st.queue, arr, work, prio, ladder[0], dt) <= 0
    remaining = s.count.copy()
    left_before = -1
    pieces = _Admitted()
    dropped = np.zeros((len(s.count), 3), dtype=np.int64)  # no_server, capacity, policy_error
    for r in range(p.rounds + SPILL_PASSES):
        if r >= p.rounds and remaining.sum() == left_before:
            break  # a spill pass placed nothing more
        left_before = remaining.sum()
        for c in np.argsort(prio, kind="stable"):
            idx = np.flatnonzero((remaining > 0) & (s.cls == c))
            if len(idx) == 0:
                continue
            room = np.zeros(st.queue.shape, dtype=np.int64)
            level = ladder[min(r, p.rounds - 1)]
            room[:, c], view.wait_s = admit_and_wait(st.queue, arr, work, prio, int(c), level,
                                                     p.max_wait_s, dt)  # fmt: skip
            view.full = view.full.copy()
            view.full[:, c] = room[:, c] <= 0
            view._cache = None
            srv, rtt = _placement(st, s, policy, p, view, idx, remaining, dropped)
            go = srv >= 0
            gi = idx[go]
            adm, _ = split_admitted(remaining[gi], srv[go], s.cls[gi], room, n_c)
            keep = adm > 0
            for lst, x in zip((pieces.cell, pieces.cls, pieces.n, pieces.server, pieces.rtt),
                              (s.cell[gi], s.cls[gi], adm, srv[go], rtt[go]), strict=True):  # fmt: skip
                lst.append(x[keep])
            np.add.at(arr, (srv[go][keep], s.cls[gi][keep]), adm[keep])
            remaining[gi] -= adm
        if not (remaining > 0).any():
            break
    _drop_left(s, policy, view, remaining, dropped)
    return arr, class_wait_s(st.queue, arr, work, prio, dt), pieces, dropped


def _placement(
    st: ServiceState,
    s: ServiceStep,
    policy: Policy,
    p: ServiceParams,
    view: StepView,
    idx: np.ndarray,
    remaining: np.ndarray,
    dropped: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """The policy's (server, rtt) for groups ``idx``; placements on servers that cannot
    compute are dropped (``policy_error``, reported) and come back as server -1."""
    pl = policy.place(view, s.cell[idx], s.cls[idx])
    srv = np.asarray(pl.server, dtype=np.int64)
    rtt = np.asarray(pl.rtt_s, dtype=float)
    bad = (srv >= 0) & ~s.server_ok[np.clip(srv, 0, len(s.server_ok) - 1)]
    bad |= srv >= len(s.server_ok)
    if bad.any():
        dropped[idx[bad], 2] += remaining[idx[bad]]
        _note_policy_error(st, s, policy, p, int(srv[bad][0]), int(remaining[idx[bad]].sum()))
        remaining[idx[bad]] = 0
        srv = np.where(bad, -1, srv)
    return srv, rtt


def _drop_left(
    s: ServiceStep, policy: Policy, view: StepView, remaining: np.ndarray, dropped: np.ndarray
) -> None:
    """Drop what is left after the last round: ``capacity`` where the policy would reach a
    server with rooms ignored, else ``no_server``."""
    left = np.flatnonzero(remaining > 0)
    if len(left) == 0:
        return
    view.full = np.zeros_like(view.full)
    view._cache = None
    srv = np.asarray(policy.place(view, s.cell[left], s.cls[left]).server, dtype=np.int64)
    reach = (srv >= 0) & s.server_ok[np.clip(srv, 0, len(s.server_ok) - 1)]
    dropped[left[reach], 1] += remaining[left[reach]]
    dropped[left[~reach], 0] += remaining[left[~reach]]
    remaining[left] = 0


def _note_policy_error(
    st: ServiceState, s: ServiceStep, policy: Policy, p: ServiceParams, server: int, n: int
) -> None:
    if len(st.policy_errors_first) >= MAX_POLICY_ERRORS:
        return
    kind = "satellite" if server < p.n_sat else "data centre"
    name = server if server < p.n_sat else p.dc_names[min(server - p.n_sat, len(p.dc_names) - 1)]
    st.policy_errors_first.append(
        f"step {s.k}: policy {policy.name!r} placed {n} requests on {kind} {name}, "
        "which cannot compute (failed, eclipsed or down)"
    )


def _serve(st: ServiceState, s: ServiceStep, arr: np.ndarray, p: ServiceParams) -> None:
    """Queue the step's arrivals, serve by priority, strand what is on dead servers, energy."""
    st.queue += arr
    served, busy = serve_step(st.queue, s.work_s, s.server_ok, p.step_s, p.priority)
    st.served += int(served.sum())
    st.tokens += float((served * p.output_tokens[None, :]).sum())
    _take_from_mix(st.queue_mix, served)
    stranded = st.queue[~s.server_ok]
    st.stranded += int(stranded.sum())
    st.queue[~s.server_ok] = 0
    lost = st.queue_mix[~s.server_ok].sum(axis=0)  # (n_class, n_region x n_period x 2)
    if lost.any():
        n_reg, n_per, n_c = st.stranded_by.shape[:3]
        st.stranded_by += lost.reshape(n_c, n_reg, n_per, 2).transpose(1, 2, 0, 3)
        st.queue_mix[~s.server_ok] = 0
    st.busy_s += float(busy[: p.n_sat].sum() + busy[p.n_sat :].sum())
    on = s.server_ok.astype(float) * p.counted
    st.usable_s += float(on.sum() * p.step_s)
    st.run_s += p.step_s
    it = np.ones(len(on)) if p.it_fraction is None else p.it_fraction
    idle_j = p.idle_w * on * p.step_s
    dyn_j = (p.max_w - p.idle_w) * busy * on
    st.e_idle_j += float(idle_j.sum())
    st.e_dynamic_j += float(dyn_j.sum())
    st.e_idle_it_j += float((idle_j * it).sum())
    st.e_dynamic_it_j += float((dyn_j * it).sum())


def _take_from_mix(mix: np.ndarray, served: np.ndarray) -> None:
    """Take ``served`` (n_server, n_class) requests out of each queue's ``mix`` (n_server,
    n_class, n_group) in proportion to the groups, in integers: floors, then the remainder one
    each to the groups with the largest remainders (Hamilton's method), so every queue gives
    exactly what it served and no group goes negative."""
    rows = np.flatnonzero(served.ravel() > 0)
    if len(rows) == 0:
        return
    flat = mix.reshape(-1, mix.shape[-1])
    m = flat[rows]
    n = served.ravel()[rows][:, None]
    tot = np.maximum(m.sum(axis=1, keepdims=True), 1)
    take = (m * n) // tot
    rem = (m * n) % tot
    left = n[:, 0] - take.sum(axis=1)
    order = np.argsort(-rem, axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(m.shape[1]), m.shape), axis=1)
    take += (rank < left[:, None]) & (take < m)
    flat[rows] = m - take
