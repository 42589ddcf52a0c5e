"""Verdicts of the runs that tell no story: the design verdict and the network verdict.

The stories (inference, outage, cost) append their verdicts to ``summary["verdicts"]`` when
their stage finishes, and the EO and training stories answer through their ``answer`` KPI.
A run with none of them -- satellites only, or satellites and a network -- gets here, after
every stage has finished, a design verdict from the spacecraft stage's totals
(:func:`orbitcloud.spacecraft.verdict.design_verdict`) and a network verdict from the network
stage's statistics (:func:`orbitcloud.network.verdict.network_verdict`). Orchestration only: the
models are in those modules; the inputs are the stages' run state, as their ``finish`` reads
it (stages talk through records; nothing here reads another stage's KPIs or summary).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import Stage


def add_run_verdicts(ctx: RunContext, stages: Sequence[Stage]) -> None:
    """Append the design and network verdicts to ``ctx.summary["verdicts"]`` when the run has
    no story: no workloads and no economics (the only stages that write verdicts or an
    answer). Read from the stages' run state, like their own ``finish``, never from another
    stage's KPIs or summary."""
    sc = ctx.scenario
    if sc.workloads is not None or sc.economics is not None:
        return
    out: list[dict[str, Any]] = []
    for st in stages:
        if st.name == "spacecraft":
            v = _design_verdict(ctx, st)
        elif st.name == "network":
            v = _network_verdict(ctx, st)
        else:
            continue
        if v is not None:
            out.append(v)
    out.sort(key=lambda v: v.get("topic") != "network")  # a network run is about its network
    if out:
        ctx.summary.setdefault("verdicts", []).extend(out)


def _network_verdict(ctx: RunContext, stage: Stage) -> dict[str, Any]:
    """The network verdict from the network stage's run statistics (the figures its
    ``finish`` turns into KPIs and the summary, by the same functions)."""
    from orbitcloud.engine.stage_network import NetworkStage
    from orbitcloud.network.stats import link_kpis, route_kpis, route_pair_summary
    from orbitcloud.network.verdict import network_verdict

    assert isinstance(stage, NetworkStage)
    m, t = stage.model, ctx.scenario.network.terrestrial
    n_ground = len(stage.ground) if stage.ground is not None else None
    kpis = link_kpis(stage.link_stats, m.broken_link_steps, n_ground)
    pairs: list[dict[str, Any]] = []
    if len(stage.src):
        kpis |= route_kpis(stage.route_stats)
        names = [str(x) for x in stage.names]
        pairs = route_pair_summary(
            stage.route_stats, [names[i] for i in stage.src], [names[i] for i in stage.dst],
            stage.fibre_ms, stage.gc_m,
        )  # fmt: skip
    net = {"isl_rules": {s.name: s.topology for s in m.shells}, "routes": pairs}
    return network_verdict(kpis, net, t.path_stretch, t.refractive_index,
                           ctx.scenario.question or "")  # fmt: skip


def _design_verdict(ctx: RunContext, stage: Stage) -> dict[str, Any] | None:
    """The design verdict from the spacecraft stage's run totals, one group per design."""
    from orbitcloud.engine.stage_spacecraft import SpacecraftStage
    from orbitcloud.spacecraft import verdict as sv

    assert isinstance(stage, SpacecraftStage)
    sc = ctx.scenario
    p, a, st = stage.params.fleet, stage.totals, stage.state
    on = stage.enabled_sat & (a["valid_steps"] > 0)
    cons = sc.constellations
    designs = [d if cons[i].spacecraft.enabled else None for i, d in enumerate(stage.designs)]
    groups = []
    for idx in sv.design_groups(designs):
        members = on & np.isin(stage.shell, idx)
        if not members.any():
            continue
        names = tuple(cons[i].name for i in idx if (on & (stage.shell == i)).any())
        first, design = cons[idx[0]], stage.designs[idx[0]]
        measured = sv.measure(a, members, p.n_acc, st.accelerators_ok, st.dose_rad,
                              st.dose_start_rad, stage.avg_rate, stage.params.dt_s)  # fmt: skip
        groups.append(sv.DesignGroup(
            names=names, preset=first.spacecraft.preset_name(first.kind), design=design,
            altitude_m=float(np.median(stage.alt0_m[members])), measured=measured,
        ))  # fmt: skip
    hours = (ctx.grid.n - 1) * float(ctx.grid.step_s) / 3600.0
    return sv.design_verdict(groups, sc.environment, sc.scheduling.eclipse_mode, hours,
                             sc.question or "")  # fmt: skip
