"""Synchronous training on a satellite cluster: progress, checkpoints, stops and restarts.

A data/tensor-parallel job advances at the pace of its slowest member, slowed by the
communication it cannot hide: a training step takes compute + exposed communication, with
compute = 6 N D / (accelerators x peak x MFU x min(capacity)) for N parameters and D tokens per
step (Kaplan et al., "Scaling laws for neural language models", arXiv:2001.08361, 2020,
sec. 2.1: 6 FLOP per parameter and token, 2 forward and 4 backward), and communication = the
gradient all-reduce over the members' actual ISLs at this step (an injected
:class:`CommModel`, e.g. :class:`orbitcloud.network.collectives.GraphAllReduce`) plus the
tensor-parallel all-reduces inside a satellite (:func:`tensor_parallel_s`). A fraction
``overlap`` of the all-reduce hides behind the backward pass (at most the backward pass, 2/3 of
the compute), as PyTorch DDP's bucketed all-reduce does (Li et al., "PyTorch Distributed",
VLDB 13(12) 3005, 2020). The delivered rate is the compute rate x compute / step time. Work since the last checkpoint is lost on an
unplanned stop (a fault, a member failing or overheating, eclipse without warning); a planned
stop (eclipse seen ahead) writes a checkpoint first and loses nothing. Every
``checkpoint_interval_s`` of running the job spends ``checkpoint_cost_s`` writing one; after any
stop it spends ``restart_s`` reloading before it progresses again. Goodput = committed useful
FLOP / (FLOP at full rate over the whole run).

Which satellites run the job at each step is :func:`allocate`: the members that can compute
(usable, not throttled), restricted to the largest group joined by ISLs that carry the job's
collective bandwidth, fastest first until the job's accelerators are covered. :func:`advance`
chains allocation and :func:`job_steps` over the steps of a chunk, carrying a
:class:`TrainingState`.

References
----------
Checkpoint/restart accounting after J. W. Young, "A first order approximation to the optimum
checkpoint interval", CACM 17(9) 530 (1974); goodput as in Google's ML Goodput (Google Cloud
blog, "ML Goodput measurement", 2024) -- the fraction of time a job makes useful progress.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

REASONS = (
    "running", "eclipse", "heat", "radiation", "unavailable", "restart", "checkpoint", "links",
)  # fmt: skip
"""Per-step job states written to ``jobs.parquet`` (``links``: enough members can compute but
too few of them are joined by ISLs at the job's ``collective_gbps``, or the chosen members are
not connected at all)."""

BACKWARD_SHARE = 2.0 / 3.0
"""Share of a step's compute spent in the backward pass (4 of 6 N D FLOP, Kaplan et al. 2020)."""


class CollectiveResult(Protocol):
    """What a communication model returns for one all-reduce (see GraphAllReduce)."""

    @property
    def time_s(self) -> float: ...

    @property
    def bandwidth_bps(self) -> float: ...

    @property
    def latency_s(self) -> float: ...

    @property
    def link_s(self) -> float: ...

    @property
    def link_capacity_bps(self) -> float: ...


class CommModel(Protocol):
    """The job's gradient all-reduce at each step of a chunk among the chosen satellites."""

    def time(self, t: int, nodes: np.ndarray) -> CollectiveResult: ...

    def steps(self, a: int, b: int) -> CommModel: ...


@dataclass(frozen=True)
class StepModel:
    """One training step of a job (constant over the run)."""

    flop: float
    """model FLOP per step, 6 N D [FLOP]"""
    overlap: float = 0.0
    """fraction of the gradient all-reduce overlapped with the backward pass [1]"""
    tensor_parallel_s: float = 0.0
    """tensor-parallel communication per step, exposed (:func:`tensor_parallel_s`) [s]"""


def tensor_parallel_s(
    tp: int, layers: int, tokens: float, hidden: int, bytes_per_value: float,
    bandwidth_bps: float, alpha_s: float = 0.0,
) -> float:  # fmt: skip
    """Megatron tensor-parallel communication per step, inside one satellite [s].

    Each transformer layer all-reduces its activations twice in the forward and twice in the
    backward pass (Shoeybi et al., "Megatron-LM", arXiv:1909.08053, 2019, sec. 3, fig. 4):
    4 L ring all-reduces of D_r h b bytes among the tp ranks, D_r the tokens of one replica.

    Parameters
    ----------
    tp : tensor-parallel degree [1]
    layers, hidden : transformer layers and hidden size [1]
    tokens : tokens per step of one data-parallel replica [1]
    bytes_per_value : bytes per activation [byte]
    bandwidth_bps : accelerator interconnect per direction [bit/s]
    alpha_s : latency per message [s]
    """
    if tp <= 1:
        return 0.0
    size_b = tokens * hidden * bytes_per_value
    ring = 2.0 * (tp - 1) * alpha_s + 2.0 * (tp - 1) / tp * size_b * 8.0 / bandwidth_bps
    return 4.0 * layers * ring


def exposed_comm_s(allreduce_s: float, other_s: float, compute_s: float, overlap: float) -> float:
    """Communication a step waits for: all + other - min(overlap x all, backward) [s]."""
    return allreduce_s + other_s - min(overlap * allreduce_s, BACKWARD_SHARE * compute_s)


def link_knee_bps(
    compute_s: float, fixed_s: float, link_s: float, other_s: float, capacity_bps: float,
    overlap: float, fraction: float = 0.9,
) -> float:  # fmt: skip
    """Link capacity at which the step rate falls to ``fraction`` of its saturated value [bit/s].

    The all-reduce takes ``fixed_s`` (latency, inside the satellites) + ``link_s`` at link
    capacity ``capacity_bps``, and its link part scales as 1 / capacity (every ISL scaled
    alike). Saturated (infinite capacity) step: compute + exposed(fixed). Solve
    exposed(fixed + x) = saturated / fraction - compute for x (piecewise linear,
    :func:`exposed_comm_s`); the knee is capacity x link_s / x. 0 when the links play no part
    (``link_s`` = 0), inf when even infinite capacity misses the fraction.

    Parameters
    ----------
    compute_s : compute per step [s]
    fixed_s : all-reduce time that does not depend on ISL capacity [s]
    link_s : all-reduce time set by ISL capacity at ``capacity_bps`` [s]
    other_s : other exposed communication (tensor parallel) [s]
    capacity_bps : the links' capacity now [bit/s]
    overlap : overlapped fraction of the all-reduce [1]
    fraction : rate fraction that defines the knee [1]
    """
    if link_s <= 0.0:
        return 0.0
    sat = compute_s + exposed_comm_s(fixed_s, other_s, compute_s, overlap)
    target = sat / fraction - compute_s - other_s  # exposed all-reduce allowed
    bwd = BACKWARD_SHARE * compute_s
    if overlap >= 1.0 or overlap * target / (1.0 - overlap) > bwd:
        t_ar = target + bwd
    else:
        t_ar = target / (1.0 - overlap)
    x = t_ar - fixed_s
    return capacity_bps * link_s / x if x > 0 else float(np.inf)


@dataclass
class JobState:
    """Carried from step to step (one job)."""

    running: bool = False
    restart_left_s: float = 0.0
    since_ckpt_s: float = 0.0
    uncommitted_flop: float = 0.0
    committed_flop: float = 0.0
    lost_flop: dict[str, float] = field(default_factory=lambda: dict.fromkeys(REASONS, 0.0))
    lost_s: dict[str, float] = field(default_factory=lambda: dict.fromkeys(REASONS, 0.0))
    stops: int = 0
    checkpoints: int = 0


def job_steps(
    st: JobState,
    available: np.ndarray,
    why_not: np.ndarray,
    rate_flop_s: np.ndarray,
    stop_ahead: np.ndarray,
    fault: np.ndarray,
    dt: float,
    checkpoint_interval_s: float,
    checkpoint_cost_s: float,
    restart_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Advance one job over the steps of a chunk; returns (state code, committed FLOP) per step.

    Parameters
    ----------
    st : job state (updated in place)
    available : (n_t,) bool, enough healthy, connected accelerators this step
    why_not : (n_t,) int index into ``REASONS`` when not available (eclipse, heat, ...)
    rate_flop_s : (n_t,) useful FLOP/s when running [FLOP/s]
    stop_ahead : (n_t,) bool, a planned stop follows this step (checkpoint first)
    fault : (n_t,) bool, a fault interrupts the job during this step
    dt : step [s]
    checkpoint_interval_s, checkpoint_cost_s, restart_s : [s]
    """
    n_t = len(available)
    code = np.zeros(n_t, dtype=np.int8)
    committed = np.zeros(n_t)
    for k in range(n_t):  # a sequential state machine over time; jobs are few
        if not available[k] or fault[k]:
            reason = "radiation" if fault[k] else REASONS[int(why_not[k])]
            if st.running or st.uncommitted_flop > 0:
                st.lost_flop[reason] += st.uncommitted_flop
                st.uncommitted_flop = 0.0
                st.since_ckpt_s = 0.0
                st.stops += 1
            st.running = False
            st.restart_left_s = restart_s
            st.lost_s[reason] += dt
            code[k] = REASONS.index(reason)
            committed[k] = st.committed_flop
            continue
        st.running = True
        t_left = dt
        if st.restart_left_s > 0:
            use = min(st.restart_left_s, t_left)
            st.restart_left_s -= use
            t_left -= use
            st.lost_s["restart"] += use
        while t_left > 1e-9:
            to_ckpt = checkpoint_interval_s - st.since_ckpt_s
            run = min(t_left, max(to_ckpt, 0.0))
            st.uncommitted_flop += rate_flop_s[k] * run
            st.since_ckpt_s += run
            t_left -= run
            if st.since_ckpt_s >= checkpoint_interval_s - 1e-9 and t_left > 1e-9:
                use = min(checkpoint_cost_s, t_left)  # (a cost longer than a step is cut short)
                t_left -= use
                st.lost_s["checkpoint"] += use
                st.committed_flop += st.uncommitted_flop
                st.uncommitted_flop = 0.0
                st.since_ckpt_s = 0.0
                st.checkpoints += 1
        if stop_ahead[k] and st.uncommitted_flop > 0:
            st.committed_flop += st.uncommitted_flop  # checkpoint written ahead of the stop
            st.uncommitted_flop = 0.0
            st.since_ckpt_s = 0.0
            st.checkpoints += 1
        code[k] = (
            REASONS.index("restart") if st.lost_s["restart"] > 0 and rate_flop_s[k] == 0 else 0
        )
        committed[k] = st.committed_flop
    return code, committed


# --- allocation: which members run the job at each step ---------------------------------------


@dataclass(frozen=True)
class ClusterParams:
    """One job on one cluster (constant over the run)."""

    members: np.ndarray
    """(m,) satellite index of each member of the job's constellation"""
    n_sat: int
    """satellites in the run (ISL ends index 0..n_sat-1)"""
    accelerators_per_sat: np.ndarray
    """(m,) accelerators each member carries when healthy [1]"""
    peak_per_accelerator_flop_s: np.ndarray
    """(m,) peak of one accelerator of each member [FLOP/s]"""
    accelerators: int
    """accelerators the job needs [1]"""
    collective_bps: float
    """per-link bandwidth the job's collectives need [bit/s]"""
    model_flops_utilisation: float
    """useful fraction of peak [1]"""
    checkpoint_ahead: bool
    """checkpoint before an eclipse seen ahead (else stop unplanned)"""
    step: StepModel | None = None
    """the training step (None: no communication term, rate = compute rate)"""

    @property
    def full_rate_flop_s(self) -> float:
        """Useful FLOP/s of the job on the fastest healthy accelerators [FLOP/s]."""
        peak = float(self.peak_per_accelerator_flop_s.max(initial=0.0))
        return self.accelerators * peak * self.model_flops_utilisation


@dataclass(frozen=True)
class ClusterDrivers:
    """What the members are doing at each step of a chunk, columns = members."""

    usable: np.ndarray
    """(n_t, m) bool: can compute (healthy, capacity > 0, lit or allowed in eclipse, no fault)"""
    throttled: np.ndarray
    """(n_t, m) bool: power or thermal throttling"""
    healthy: np.ndarray
    """(n_t, m) bool: valid, not failed, carries accelerators"""
    lit_ok: np.ndarray
    """(n_t, m) bool: sunlit, or computing in eclipse is allowed"""
    storm: np.ndarray
    """(n_t, m) bool: a storm fault this step"""
    accelerators_ok: np.ndarray
    """(n_t, m) int: working accelerators"""
    capacity: np.ndarray
    """(n_t, m) delivered fraction of peak compute [1]"""
    eclipse_soon: np.ndarray
    """(n_t, m) bool: an eclipse within the look-ahead"""
    links: Sequence[tuple[np.ndarray, ...]] | None
    """per step, the ISLs up: (isl_a, isl_b, isl_capacity_bps[, range_m]), ends are satellite
    indices (all satellites, members or not); None when the run has no network (members then
    count as connected)"""
    comm: CommModel | None = None
    """the gradient all-reduce on this chunk's links (None: no communication term)"""

    def steps(self, a: int, b: int) -> ClusterDrivers:
        """The drivers of steps a..b-1."""
        return ClusterDrivers(
            self.usable[a:b], self.throttled[a:b], self.healthy[a:b], self.lit_ok[a:b],
            self.storm[a:b], self.accelerators_ok[a:b], self.capacity[a:b],
            self.eclipse_soon[a:b], None if self.links is None else self.links[a:b],
            None if self.comm is None else self.comm.steps(a, b),
        )  # fmt: skip


@dataclass(frozen=True)
class Allocation:
    """Per step of a chunk: whether the job can run, on what, and how fast."""

    available: np.ndarray
    """(n_t,) bool: enough connected accelerators"""
    why_not: np.ndarray
    """(n_t,) int index into REASONS when not available"""
    rate_flop_s: np.ndarray
    """(n_t,) useful FLOP/s when running [FLOP/s]"""
    satellites: np.ndarray
    """(n_t,) int: members running the job"""
    fault: np.ndarray
    """(n_t,) bool: a fault or a lost member interrupts the job"""
    stop_ahead: np.ndarray
    """(n_t,) bool: a planned stop follows (checkpoint first)"""
    comm: StepComm | None = None
    """per step: the step time and its communication (None without a step model)"""


@dataclass(frozen=True)
class StepComm:
    """Per step of a chunk: a training step's time and its communication (NaN when not run)."""

    step_time_s: np.ndarray
    """(n_t,) compute + exposed communication of one training step [s]"""
    exposed_comm_s: np.ndarray
    """(n_t,) communication the step waits for [s]"""
    busbw_bps: np.ndarray
    """(n_t,) all-reduce bus bandwidth between satellites, 2 (n-1)/n S / link time [bit/s]"""
    knee_bps: np.ndarray
    """(n_t,) ISL capacity below which this step's rate falls under 90 % of saturated [bit/s]"""
    linked_accelerators: np.ndarray
    """(n_t,) working accelerators in the largest group linked at the job's bandwidth [1]"""

    @classmethod
    def empty(cls, n_t: int) -> StepComm:
        nan = np.full(n_t, np.nan)
        return cls(nan, nan.copy(), nan.copy(), nan.copy(), np.zeros(n_t, np.int64))


def step_rate(
    p: ClusterParams, comm: CommModel | None, t: int, nodes: np.ndarray, compute_rate: float
) -> tuple[float, float, float, float, float]:
    """(rate, step time, exposed comm, bus bandwidth, knee) of one step on satellites ``nodes``.

    rate = compute rate x compute / (compute + exposed communication); inf step time when the
    satellites are not connected.
    """
    if p.step is None or compute_rate <= 0:
        return compute_rate, np.nan, np.nan, np.nan, np.nan
    t_comp = p.step.flop / compute_rate
    ar = comm.time(t, nodes) if comm is not None else None
    ar_s = ar.time_s if ar is not None else 0.0
    if not np.isfinite(ar_s):
        return 0.0, np.inf, np.inf, 0.0, np.nan
    tp = p.step.tensor_parallel_s
    exp = exposed_comm_s(ar_s, tp, t_comp, p.step.overlap)
    step_s = t_comp + exp
    knee, bus = np.nan, np.nan
    if ar is not None:
        bus = ar.bandwidth_bps
        knee = link_knee_bps(t_comp, ar_s - ar.link_s, ar.link_s, tp, ar.link_capacity_bps,
                             p.step.overlap)  # fmt: skip
    return compute_rate * t_comp / step_s, step_s, exp, bus, knee


@dataclass(frozen=True)
class MemberMemory:
    """What allocation remembers from the previous step."""

    accelerators_ok: np.ndarray | None
    """(m,) working accelerators at the previous step (None before the first step)"""
    selected: np.ndarray
    """(m,) bool: members that ran the job at the previous step"""
    stop_ahead: bool
    """the previous step planned a stop"""

    @classmethod
    def start(cls, m: int) -> MemberMemory:
        return cls(None, np.zeros(m, bool), False)


def connected_members(
    ok: np.ndarray,
    weight: np.ndarray,
    pos: np.ndarray,
    isl_a: np.ndarray,
    isl_b: np.ndarray,
    isl_capacity_bps: np.ndarray,
    need_bps: float,
) -> np.ndarray:
    """The members in the heaviest group joined by links that carry ``need_bps``.

    Parameters
    ----------
    ok : (m,) bool, members that can take part
    weight : (m,) weight of each member (its working accelerators)
    pos : (n_sat,) member index of each satellite (-1: not a member)
    isl_a, isl_b, isl_capacity_bps : (q,) ISLs up (satellite ends) and capacity [bit/s]
    need_bps : bandwidth a link must carry [bit/s]

    Returns
    -------
    (m,) bool: ``ok`` members of the connected component (among ok members, over links of
    enough capacity) with the largest total weight (the first such component on ties)
    """
    a, b = pos[isl_a], pos[isl_b]
    m = (a >= 0) & (b >= 0) & (isl_capacity_bps >= need_bps)
    m &= ok[np.maximum(a, 0)] & ok[np.maximum(b, 0)]
    g = csr_array((np.ones(int(m.sum())), (a[m], b[m])), shape=(len(ok),) * 2)
    _, lab = connected_components(g, directed=False)
    lab = np.where(ok, lab, -1)
    acc_in = np.bincount(lab[ok], weights=weight[ok]) if ok.any() else np.zeros(1)
    best = int(np.argmax(acc_in))
    return ok & (lab == best)


def _why_not(d: ClusterDrivers, t: int) -> int:
    """Why the job cannot run at step t: eclipse (half the healthy members dark), heat, faults."""
    base = d.healthy[t]
    if (base & ~d.lit_ok[t]).sum() * 2 >= base.sum() and base.any():
        return REASONS.index("eclipse")
    if (d.usable[t] & d.throttled[t]).any():
        return REASONS.index("heat")
    if (d.storm[t] | ~d.healthy[t]).any():
        return REASONS.index("radiation")
    return REASONS.index("unavailable")


def allocate(
    memory: MemberMemory, d: ClusterDrivers, p: ClusterParams
) -> tuple[MemberMemory, Allocation]:
    """Choose the members that run a job at each step of a chunk, and the job's rate.

    Members that can compute and are not throttled, in the heaviest group joined by ISLs of
    at least ``collective_bps``, fastest (highest capacity) first until ``accelerators`` are
    covered. The job computes at the pace of its slowest member (accelerators x min peak per
    accelerator x slowest capacity x MFU) and, with a step model, waits for its communication:
    rate = compute rate x compute / (compute + exposed communication) (:func:`step_rate`, the
    all-reduce from ``d.comm`` among the chosen satellites). When enough members can compute
    but too few are linked at ``collective_bps`` (or the chosen ones are not connected) the
    step's reason is ``links``. A member that lost an accelerator, or a member used at the
    previous step that can no longer compute (unless it went dark after a planned stop), is a
    fault: synchronous training loses its step.

    Parameters
    ----------
    memory : the previous step's members (:meth:`MemberMemory.start` for the first chunk)
    d : the members' state per step
    p : the job and its cluster

    Returns
    -------
    the memory after the last step, and the allocation per step
    """
    n_t, m = d.usable.shape
    avail = np.zeros(n_t, bool)
    why = np.zeros(n_t, np.int64)
    rate = np.zeros(n_t)
    nsat = np.zeros(n_t, np.int64)
    fault = np.zeros(n_t, bool)
    stop_ahead = np.zeros(n_t, bool)
    sc = StepComm.empty(n_t)
    prev_ok, prev_sel, stop_prev = memory.accelerators_ok, memory.selected, memory.stop_ahead
    pos = np.full(p.n_sat, -1)
    pos[p.members] = np.arange(m)
    for t in range(n_t):  # sequential over time (a fault depends on the previous step)
        ok = d.usable[t] & ~d.throttled[t]
        acc_t = d.accelerators_ok[t]
        comp_ok = ok
        if d.links is not None and ok.sum() > 1:
            isl_a, isl_b, isl_cap = d.links[t][:3]
            comp_ok = connected_members(ok, acc_t, pos, isl_a, isl_b, isl_cap, p.collective_bps)
        sc.linked_accelerators[t] = int(acc_t[comp_ok].sum())
        run = sc.linked_accelerators[t] >= p.accelerators
        if run:
            sel = np.flatnonzero(comp_ok)
            sel = sel[np.argsort(-d.capacity[t][sel], kind="stable")]
            csum = np.cumsum(acc_t[sel])
            sel = sel[: int(np.searchsorted(csum, p.accelerators)) + 1]
            # each member's speed per working accelerator (capacity counts dead ones as 0):
            # synchronous training runs at its slowest accelerator
            per_acc = d.capacity[t][sel] * p.accelerators_per_sat[sel] / np.maximum(acc_t[sel], 1)
            compute = (p.accelerators * float(p.peak_per_accelerator_flop_s[sel].min())
                       * float(per_acc.min()) * p.model_flops_utilisation)  # fmt: skip
            r, step_s, exp, bus, knee = step_rate(p, d.comm, t, p.members[sel], compute)
            sc.step_time_s[t], sc.exposed_comm_s[t] = step_s, exp
            sc.busbw_bps[t], sc.knee_bps[t] = bus, knee
            run = bool(np.isfinite(step_s)) or p.step is None
        if run:
            avail[t] = True
            nsat[t] = len(sel)
            rate[t] = r
            stop_ahead[t] = p.checkpoint_ahead and bool(d.eclipse_soon[t][sel].any())
            if prev_ok is not None:
                fault[t] = bool((acc_t[sel] < prev_ok[sel]).any())
            # a member used at the previous step that can no longer compute (a fault, heat)
            # interrupts the job: synchronous training loses its step
            lost_member = prev_sel & ~ok & ~(~d.lit_ok[t] & stop_prev)
            fault[t] |= bool(lost_member.any())
            prev_sel = np.zeros(m, bool)
            prev_sel[sel] = True
            stop_prev = bool(stop_ahead[t])
        else:
            prev_sel = np.zeros(m, bool)
            linked_short = int(acc_t[ok].sum()) >= p.accelerators
            why[t] = REASONS.index("links") if linked_short else _why_not(d, t)
        prev_ok = acc_t.copy()
    return MemberMemory(prev_ok, prev_sel, stop_prev), Allocation(
        avail, why, rate, nsat, fault, stop_ahead, sc
    )


# --- one job over a chunk ------------------------------------------------------------------


@dataclass(frozen=True)
class TrainingState:
    """One job's state between chunks: its progress and the members it ran on."""

    job: JobState
    memory: MemberMemory

    @classmethod
    def start(cls, m: int) -> TrainingState:
        return cls(JobState(), MemberMemory.start(m))


@dataclass(frozen=True)
class JobSchedule:
    """A job's checkpoint and restart rules [s]."""

    checkpoint_interval_s: float
    checkpoint_cost_s: float
    restart_s: float


@dataclass(frozen=True)
class TrainingOutputs:
    """Per step of a chunk (the ``jobs`` table)."""

    state: np.ndarray
    """(n_t,) index into REASONS"""
    satellites: np.ndarray
    """(n_t,) members running the job"""
    rate_flop_s: np.ndarray
    """(n_t,) useful FLOP/s when running [FLOP/s]"""
    committed_flop: np.ndarray
    """(n_t,) committed FLOP at the end of the step (cumulative) [FLOP]"""
    comm: StepComm | None = None
    """(n_t,) step time and communication per step (None without a step model)"""


def advance(
    state: TrainingState,
    drivers: ClusterDrivers,
    cluster: ClusterParams,
    schedule: JobSchedule,
    step_s: float,
) -> tuple[TrainingState, TrainingOutputs]:
    """Advance one job over the steps of a chunk: allocation, then checkpoint/restart accounting.

    Parameters
    ----------
    state : the job's state before the first step (not changed)
    drivers : the members' state per step
    cluster : the job and its cluster
    schedule : checkpoint and restart rules
    step_s : step [s]

    Returns
    -------
    the state after the last step, and the ``jobs`` rows of the chunk. Committed work never
    exceeds rate x running time (:func:`job_steps`).
    """
    memory, al = allocate(state.memory, drivers, cluster)
    job = copy.deepcopy(state.job)
    code, committed = job_steps(job, al.available, al.why_not, al.rate_flop_s, al.stop_ahead,
                                al.fault, step_s, schedule.checkpoint_interval_s,
                                schedule.checkpoint_cost_s, schedule.restart_s)  # fmt: skip
    return TrainingState(job, memory), TrainingOutputs(code, al.satellites, al.rate_flop_s,
                                                       committed, al.comm)  # fmt: skip


def stop_reasons(out: TrainingOutputs, p: ClusterParams) -> list[str]:
    """Why the job is not running at each step, in words ('' while it runs).

    ``links`` names the linked accelerators against the job's need and bandwidth; the other
    states name their cause (eclipse, heat, radiation fault, members unavailable).
    """
    gbps = p.collective_bps / 1e9
    linked = out.comm.linked_accelerators if out.comm is not None else None
    text = {
        "eclipse": "members in eclipse",
        "heat": "members throttled by heat or power",
        "radiation": "a radiation fault or a failed member",
        "unavailable": f"fewer than {p.accelerators} working accelerators",
        "restart": "restarting after a stop",
        "checkpoint": "writing a checkpoint",
    }
    out_s = []
    for k, c in enumerate(out.state.tolist()):
        r = REASONS[c]
        if r == "links":
            n = int(linked[k]) if linked is not None else 0
            out_s.append(f"members not connected at {gbps:g} Gbit/s: the largest linked group "
                         f"has {n} of the {p.accelerators} accelerators needed")  # fmt: skip
        else:
            out_s.append(text.get(r, ""))
    return out_s


def answer_text(jobs: dict[str, dict]) -> str | None:
    """The training story's answer in a sentence per job, from the run's ``summary["training"]``
    (the engine's training stage): committed work over wall time (goodput), the EFLOP committed,
    the model FLOP utilisation while running against the same job on the terrestrial pod, and
    where the time not running went (largest first). None without jobs."""
    out = []
    for name, j in jobs.items():
        text = (f"Job '{name}' committed {j['goodput']:.1%} of the run's wall time as training "
                f"work ({j['committed_eflop']:,.0f} EFLOP)")  # fmt: skip
        pod = j.get("terrestrial_pod") or {}
        if j.get("mfu_running") is not None:
            text += f", at {j['mfu_running']:.1%} MFU while running"
            if pod.get("mfu_running") is not None:
                text += f" ({pod['mfu_running']:.1%} on a {pod.get('name', 'terrestrial pod')})"
        lost = sorted((j.get("time_not_running_s") or {}).items(), key=lambda kv: -kv[1])
        if lost:
            parts = ", ".join(f"{cause} {s / 60:,.0f} min" for cause, s in lost)
            text += f"; not running: {parts} ({j.get('stops', 0)} stops)"
        out.append(text + ".")
    return " ".join(out) or None
