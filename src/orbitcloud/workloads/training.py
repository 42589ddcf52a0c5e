"""Synchronous training on a satellite cluster: progress, checkpoints, stops and restarts.

A data/tensor-parallel job advances at the pace of its slowest member:
rate = accelerators x peak x MFU x min(capacity). Work since the last checkpoint is lost on an
unplanned stop (a fault, a member failing or overheating, eclipse without warning); a planned
stop (eclipse seen ahead) writes a checkpoint first and loses nothing. Every
``checkpoint_interval_s`` of running the job spends ``checkpoint_cost_s`` writing one; after any
stop it spends ``restart_s`` reloading before it progresses again. Goodput = committed useful
FLOP / (FLOP at full rate over the whole run).

References
----------
Checkpoint/restart accounting after J. W. Young, "A first order approximation to the optimum
checkpoint interval", CACM 17(9) 530 (1974); goodput as in Google's ML Goodput (Google Cloud
blog, "ML Goodput measurement", 2024) -- the fraction of time a job makes useful progress.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

REASONS = ("running", "eclipse", "heat", "radiation", "unavailable", "restart", "checkpoint")
"""Per-step job states written to ``jobs.parquet``."""


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
