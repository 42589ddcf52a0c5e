"""Operations stage, training: each job's members, rate and checkpoints per step.

Orchestration only: hands each job's member columns of the spacecraft record, the geometry's
eclipse look-ahead and the network's ISL arrays to :func:`orbitcloud.workloads.training.advance`
and writes the ``jobs`` table (time-major: every job's row of a step together) and the goodput
at the end.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import NetworkView, SpacecraftRecord
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
            links = [(s.isl_a, s.isl_b, s.isl_capacity_bps) for s in snaps]
        parts = []
        for j, job in enumerate(self.jobs):
            m = self.members[j]
            cluster = tr.ClusterParams(
                m, self.n_sat, self.n_acc[j], peak_sat[m] / np.maximum(self.n_acc[j], 1),
                job.accelerators, job.collective_gbps * 1e9, job.model_flops_utilisation,
                job.eclipse == "checkpoint_ahead",
            )  # fmt: skip
            drivers = tr.ClusterDrivers(
                masks["usable"][:, m], thr[:, m], masks["healthy"][:, m], masks["lit_ok"][:, m],
                masks["storm"][:, m], acc_ok[:, m], cap[:, m], ecl_soon[:, m], links,
            )  # fmt: skip
            self.states[j], out = tr.advance(self.states[j], drivers, cluster, self.schedules[j],
                                             self.dt)  # fmt: skip
            if self.full_rate[j] is None:
                self.full_rate[j] = cluster.full_rate_flop_s
            parts.append((j, out))
        if parts:
            ctx.sink.write("jobs", self._jobs_table(ctx, k0, parts))

    def _jobs_table(self, ctx: RunContext, k0: int, parts: list) -> pa.Table:
        times = ctx.grid.unix_ms(0, ctx.grid.n)
        cols: dict[str, list] = {k: [] for k in ("t", "job", "code", "nsat", "rate", "comm")}
        for j, out in parts:
            n = len(out.state)
            cols["t"].append(times[k0 : k0 + n])
            cols["job"].append(np.full(n, j, np.int32))
            cols["code"].append(out.state.astype(np.int32))
            cols["nsat"].append(out.satellites.astype(np.int32))
            cols["rate"].append(out.rate_flop_s / 1e15)
            cols["comm"].append(out.committed_flop / 1e18)
        # time-major (each step's jobs together), so the rows do not depend on the chunk size
        order = np.lexsort((np.concatenate(cols["job"]), np.concatenate(cols["t"])))
        c = {k: np.concatenate(v)[order] for k, v in cols.items()}
        return pa.table({
            "time": pa.array(c["t"], type=pa.timestamp("ms", tz="UTC")),
            "job": pa.DictionaryArray.from_arrays(pa.array(c["job"]),
                                                  pa.array([j.name for j in self.jobs])),
            "state": pa.DictionaryArray.from_arrays(pa.array(c["code"]), pa.array(list(tr.REASONS))),
            "satellites": pa.array(c["nsat"]),
            "rate_pflop_s": pa.array(c["rate"]),
            "committed_eflop": pa.array(c["comm"]),
        })  # fmt: skip

    def finish(self, ctx: RunContext, summ: dict) -> None:
        jobs = {}
        for j, job in enumerate(self.jobs):
            st = self.states[j].job
            ideal = (self.full_rate[j] or 0.0) * ctx.grid.n * self.dt
            good = st.committed_flop / ideal if ideal > 0 else 0.0
            jobs[job.name] = {
                "goodput": round(good, 6), "committed_eflop": st.committed_flop / 1e18,
                "uncommitted_eflop_at_end": st.uncommitted_flop / 1e18,
                "lost_eflop": {r: v / 1e18 for r, v in st.lost_flop.items() if v},
                "time_not_running_s": {r: v for r, v in st.lost_s.items() if v},
                "stops": st.stops, "checkpoints": st.checkpoints,
            }  # fmt: skip
            ctx.kpis[f"training_{job.name}_goodput"] = round(good, 4)
        summ["training"] = jobs
