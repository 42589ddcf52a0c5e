"""Operations stage, training: each job's members, rate and checkpoints per step.

Orchestration only: hands each job's member columns of the spacecraft record, the geometry's
eclipse look-ahead, the network's ISL arrays and the job's gradient all-reduce on them
(:class:`orbitcloud.network.collectives.GraphAllReduce`) to
:func:`orbitcloud.workloads.training.advance` and writes the ``jobs`` table (time-major: every
job's row of a step together), the goodput, MFU and link knee at the end, with the same job on a
terrestrial pod beside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import NetworkView, SpacecraftRecord
from orbitcloud.network import collectives as co
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scheduling.servers import ShellHardware
from orbitcloud.workloads import training as tr


def check_training_links(sc: Any, hw: ShellHardware) -> None:
    """A training job that spans satellites needs ISLs between them: refuse it before any
    work when its constellation has none (it would otherwise run as if linked)."""
    const_names = [c.name for c in sc.constellations]
    for j, job in enumerate(sc.workloads.training):
        ci = const_names.index(job.constellation)
        per_sat = int(hw.accelerators[ci]) if hw.accelerator[ci] is not None else 0
        if job.accelerators > per_sat and sc.constellations[ci].isl.topology == "none":
            raise OrbitcloudInputError(
                f"training job {job.name!r} needs {job.accelerators} accelerators, more than "
                f"one satellite of {job.constellation!r} carries ({per_sat}), so its members "
                f"must talk over ISLs at {job.collective_gbps:g} Gbit/s, but "
                f"constellations.{ci}.isl.topology is none: set it (e.g. nearest-k or mesh) "
                "or lower the job's accelerators",
                f"workloads.training.{j}.accelerators",
            )
        if job.tensor_parallel > 1 and (per_sat % job.tensor_parallel or
                                        job.accelerators % job.tensor_parallel):  # fmt: skip
            raise OrbitcloudInputError(
                f"training job {job.name!r}: tensor_parallel {job.tensor_parallel} must divide "
                f"the accelerators of one satellite ({per_sat}) and the job's "
                f"({job.accelerators}): tensor parallelism stays inside a satellite",
                f"workloads.training.{j}.tensor_parallel",
            )


class TrainingOps:
    """The run's training jobs."""

    def __init__(self, ctx: RunContext, hw: ShellHardware, shell: np.ndarray) -> None:
        sc = ctx.scenario
        assert sc.workloads is not None
        self.jobs = sc.workloads.training
        self.dt = float(ctx.grid.step_s)
        const_names = [c.name for c in sc.constellations]
        sat_n_acc = hw.accelerators[shell]
        self.members = [np.flatnonzero(shell == const_names.index(j.constellation))
                        for j in self.jobs]  # fmt: skip
        self.n_acc = [sat_n_acc[m] for m in self.members]
        self.n_sat = len(shell)
        self.states = [tr.TrainingState.start(len(m)) for m in self.members]
        self.schedules = [tr.JobSchedule(j.checkpoint_interval_s, j.checkpoint_cost_s,
                                         j.restart_s) for j in self.jobs]  # fmt: skip
        self.full_rate: list[float | None] = [None] * len(self.jobs)
        ci = [const_names.index(j.constellation) for j in self.jobs]
        self.per_sat = [int(hw.accelerators[c]) for c in ci]
        self.intra_bps = [hw.accelerator[c].interconnect_gb_s * 8e9  # type: ignore[union-attr]
                          if hw.accelerator[c] is not None else 1.0 for c in ci]  # fmt: skip
        self.steps = [_step_model(j, self.intra_bps[i]) for i, j in enumerate(self.jobs)]
        self.cols: list[dict[str, list]] = [{} for _ in self.jobs]

    def process(self, ctx: RunContext, k0: int, n_t: int, sp: SpacecraftRecord,
                masks: dict[str, np.ndarray], ecl_soon: np.ndarray,
                net: NetworkView | None) -> None:  # fmt: skip
        """One chunk of every job; ``masks``: usable, healthy, lit_ok, storm (n_t, n_sat)."""
        peak_sat = np.asarray(sp.peak_flops, dtype=float)
        cap = np.asarray(sp.capacity, dtype=float)
        thr = np.asarray(sp.throttled, dtype=bool)
        acc_ok = np.asarray(sp.accelerators_ok, dtype=np.int64)
        links = None
        if net is not None:
            snaps = [net.snapshot(k0 + t) for t in range(n_t)]
            links = [(s.isl_a, s.isl_b, s.isl_capacity_bps, s.isl_range_m) for s in snaps]
        parts = []
        for j, job in enumerate(self.jobs):
            m = self.members[j]
            cluster = tr.ClusterParams(
                m, self.n_sat, self.n_acc[j], peak_sat[m] / np.maximum(self.n_acc[j], 1),
                job.accelerators, job.collective_gbps * 1e9, job.model_flops_utilisation,
                job.eclipse == "checkpoint_ahead", self.steps[j],
            )  # fmt: skip
            drivers = tr.ClusterDrivers(
                masks["usable"][:, m], thr[:, m], masks["healthy"][:, m], masks["lit_ok"][:, m],
                masks["storm"][:, m], acc_ok[:, m], cap[:, m], ecl_soon[:, m], links,
                None if links is None else self._comm(j, links),
            )  # fmt: skip
            self.states[j], out = tr.advance(self.states[j], drivers, cluster, self.schedules[j],
                                             self.dt)  # fmt: skip
            if self.full_rate[j] is None:
                self.full_rate[j] = cluster.full_rate_flop_s
            parts.append((j, out, tr.stop_reasons(out, cluster)))
        if parts:
            ctx.sink.write("jobs", self._jobs_table(ctx, k0, parts))

    def _comm(self, j: int, links: list) -> co.GraphAllReduce:
        job = self.jobs[j]
        size = job.model_parameters * job.gradient_bytes_per_parameter
        tp = job.tensor_parallel
        return co.GraphAllReduce(links, self.n_sat, job.allreduce, size,
                                 job.hop_latency_us * 1e-6, max(self.per_sat[j] // tp, 1),
                                 self.intra_bps[j], size / tp)  # fmt: skip

    def _jobs_table(self, ctx: RunContext, k0: int, parts: list) -> pa.Table:
        times = ctx.grid.unix_ms(0, ctx.grid.n)
        keys = ("t", "job", "code", "nsat", "rate", "comm", "step", "exp", "bus", "knee", "why")
        cols: dict[str, list] = {k: [] for k in keys}
        for j, out, why in parts:
            n = len(out.state)
            sc = out.comm if out.comm is not None else tr.StepComm.empty(n)
            cols["t"].append(times[k0 : k0 + n])
            cols["job"].append(np.full(n, j, np.int32))
            cols["code"].append(out.state.astype(np.int32))
            cols["nsat"].append(out.satellites.astype(np.int32))
            cols["rate"].append(out.rate_flop_s / 1e15)
            cols["comm"].append(out.committed_flop / 1e18)
            cols["step"].append(sc.step_time_s)
            cols["exp"].append(sc.exposed_comm_s)
            cols["bus"].append(sc.busbw_bps / 1e9)
            cols["knee"].append(sc.knee_bps / 1e9)
            cols["why"].append(np.asarray(why, dtype=object))
            run = out.state == 0
            acc = self.cols[j]
            acc.setdefault("knee", []).append(sc.knee_bps[run & np.isfinite(sc.step_time_s)])
            acc.setdefault("exp", []).append(sc.exposed_comm_s[run & np.isfinite(sc.step_time_s)])
            acc.setdefault("step", []).append(sc.step_time_s[run & np.isfinite(sc.step_time_s)])
            acc.setdefault("rate", []).append(out.rate_flop_s[run])
        # time-major (each step's jobs together), so the rows do not depend on the chunk size
        order = np.lexsort((np.concatenate(cols["job"]), np.concatenate(cols["t"])))
        c = {k: np.concatenate(v)[order] for k, v in cols.items()}
        peak = np.array([(self.full_rate[j] or 0.0) / job.model_flops_utilisation
                         for j, job in enumerate(self.jobs)])  # fmt: skip
        mfu = c["rate"] * 1e15 / np.maximum(peak[c["job"]], 1e-300)

        def f64(x: np.ndarray) -> pa.Array:
            return pa.array(np.where(np.isfinite(x), x, np.nan), mask=~np.isfinite(x))

        return pa.table({
            "time": pa.array(c["t"], type=pa.timestamp("ms", tz="UTC")),
            "job": pa.DictionaryArray.from_arrays(pa.array(c["job"]),
                                                  pa.array([j.name for j in self.jobs])),
            "state": pa.DictionaryArray.from_arrays(pa.array(c["code"]), pa.array(list(tr.REASONS))),
            "satellites": pa.array(c["nsat"]),
            "rate_pflop_s": pa.array(c["rate"]),
            "committed_eflop": pa.array(c["comm"]),
            "mfu": pa.array(mfu),
            "step_time_s": f64(c["step"]),
            "exposed_comm_s": f64(c["exp"]),
            "allreduce_busbw_gbps": f64(c["bus"]),
            "link_knee_gbps": f64(c["knee"]),
            "stop_reason": pa.array(c["why"].tolist(), type=pa.string()).dictionary_encode(),
        })  # fmt: skip

    def finish(self, ctx: RunContext, summ: dict) -> None:
        jobs = {}
        knees = []
        for j, job in enumerate(self.jobs):
            st = self.states[j].job
            ideal = (self.full_rate[j] or 0.0) * ctx.grid.n * self.dt
            good = st.committed_flop / ideal if ideal > 0 else 0.0
            comm = _comm_summary(self.cols[j], self.full_rate[j] or 0.0, job)
            jobs[job.name] = {
                "goodput": round(good, 6), "committed_eflop": st.committed_flop / 1e18,
                "uncommitted_eflop_at_end": st.uncommitted_flop / 1e18,
                "lost_eflop": {r: v / 1e18 for r, v in st.lost_flop.items() if v},
                "time_not_running_s": {r: v for r, v in st.lost_s.items() if v},
                "stops": st.stops, "checkpoints": st.checkpoints, **comm,
                "terrestrial_pod": _pod_summary(job, self.full_rate[j] or 0.0),
            }  # fmt: skip
            ctx.kpis[f"training_{job.name}_goodput"] = round(good, 4)
            ctx.kpis[f"training_{job.name}_mfu"] = comm["mfu_running"]
            if comm["link_knee_gbps"] is not None:
                knees.append(comm["link_knee_gbps"])
        if knees:
            ctx.kpis["training_link_knee_gbps"] = max(knees)
        summ["training"] = jobs
        text = tr.answer_text(jobs)
        if text:  # an inference or EO run's answer, when there is one, keeps the answer KPI
            ctx.kpis.setdefault("answer", text)


def _step_model(job: Any, intra_bps: float) -> tr.StepModel:
    """A job's step: 6 N D FLOP, its overlap, its tensor-parallel traffic inside a satellite."""
    tp = job.tensor_parallel
    tokens = job.tokens_per_step / max(job.accelerators // tp, 1)
    tps = tr.tensor_parallel_s(tp, job.layers, tokens, job.hidden_size, 2.0, intra_bps,
                               job.hop_latency_us * 1e-6)  # fmt: skip
    return tr.StepModel(6.0 * job.model_parameters * job.tokens_per_step, job.comm_overlap, tps)


def _comm_summary(acc: dict, full_rate: float, job: Any) -> dict:
    """Medians over the running steps: step time, exposed communication, knee; mean MFU."""

    def cat(k: str) -> np.ndarray:
        return np.concatenate(acc.get(k) or [np.zeros(0)])

    knee, exp, step, rate = cat("knee"), cat("exp"), cat("step"), cat("rate")
    peak = full_rate / job.model_flops_utilisation if full_rate else 0.0
    fin = knee[np.isfinite(knee)]
    return {
        "mfu_running": round(float(rate.mean()) / peak, 4) if len(rate) and peak else 0.0,
        "step_time_s_median": float(np.median(step)) if len(step) else None,
        "exposed_comm_s_median": float(np.median(exp)) if len(exp) else None,
        "link_knee_gbps": round(float(np.median(fin)) / 1e9, 3) if len(fin) else None,
    }


def _pod_summary(job: Any, full_rate: float) -> dict:
    """The same job (same accelerators, MFU) on a terrestrial pod: its step and MFU."""
    pod = co.DGX_H100_POD
    size = job.model_parameters * job.gradient_bytes_per_parameter
    ar = co.pod_allreduce_s(size, job.accelerators, pod)
    step = _step_model(job, pod.intra_bps)
    t_comp = step.flop / full_rate if full_rate else float("nan")
    exp = tr.exposed_comm_s(ar, step.tensor_parallel_s, t_comp, step.overlap)
    frac = t_comp / (t_comp + exp)
    return {"name": pod.name, "source": pod.source, "allreduce_s": ar,
            "step_time_s": t_comp + exp, "mfu_running":
            round(job.model_flops_utilisation * frac, 4)}  # fmt: skip
