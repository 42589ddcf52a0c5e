"""Operations stage: inference, Earth observation and training on the network and spacecraft.

Per time step, vectorised over satellites, cells and data centres, two worlds run side by side
on the same demand draw: the **orbital** design (``scheduling.policy``: satellites, or
bent-pipe to ground data centres) and the **terrestrial** baseline (``scheduling.baseline``:
data centres over fibre). Each carries its queues from step to step. Per step:

1. demand: Poisson requests per (user cell, class) from population x diurnal rate
   (:mod:`orbitcloud.workloads.inference`), aggregated -- never one object per request;
2. events: outages, gateway, satellite and ISL failures, storms (seeded via ``ctx.rng``;
   :mod:`orbitcloud.scheduling.events`);
3. placement: the policy places the groups; the engine rejects placements on servers that
   cannot compute (counted as ``policy_error`` and reported), admits within each class's wait
   limit (:mod:`orbitcloud.scheduling.queueing`) and offers the overflow again
   (``scheduling.rounds``) -- :mod:`orbitcloud.scheduling.service`;
4. service: each server clears ``step_s`` of work by class priority; queues on a server that
   stops computing are dropped as ``stranded``;
5. metrics: latency histograms per (system, region, period, class), energy, compute lost
   (:mod:`orbitcloud.scheduling.availability`, :mod:`orbitcloud.scheduling.metrics`).

This module and ``ops_events``, ``ops_inference``, ``ops_training``, ``ops_eo`` are
orchestration: the models live in :mod:`orbitcloud.workloads` and :mod:`orbitcloud.scheduling`.

Reads the :class:`~orbitcloud.engine.contract.NetworkRecord` (snapshots: ISLs and ground links
per step) and the :class:`~orbitcloud.engine.contract.SpacecraftRecord` (``capacity``,
``failed``, ``accelerators_ok``, ``throttled``, ``sunlit``, ``tokens_per_s``...), and the
geometry halo for the eclipse look-ahead. A satellite can compute when its
geometry is valid, it is not failed (spacecraft or events), its capacity is > 0 and -- unless
``scheduling.compute_in_eclipse`` -- it is sunlit (sunlit >= 0.5).

Tables
------
``requests`` (per step aggregate): ``time``, ``system``, ``region``, ``class``, ``requests``,
``admitted``, ``dropped`` (no server, capacity, policy error), ``latency_mean_ms`` (null if
none admitted), ``slo_violations``, ``tokens``.
``region_metrics``: ``region``, ``system``, ``period`` (before/during/after the outages, or
``all``), ``class`` (or ``all``), ``requests``, ``admitted``, ``dropped``, ``served_fraction``,
``p50_ms``, ``p95_ms``, ``p99_ms``, ``slo_violation_fraction``.
``jobs`` (training, per job and step): ``time``, ``job``, ``state``, ``satellites``,
``rate_pflop_s``, ``committed_eflop``.
``eo`` (Earth observation, one row per mode): bytes captured/downlinked, latency percentiles.

Provides :class:`~orbitcloud.engine.contract.OperationsRecord` (satellites that could compute
at each step, after events) and, at the end, :class:`~orbitcloud.engine.contract.InferenceTotals`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orbitcloud.astro.eclipse import eclipse_within
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import (
    GeometryRecord,
    InferenceTotals,
    NetworkRecord,
    OperationsRecord,
    Records,
    SpacecraftRecord,
)
from orbitcloud.engine.ops_eo import EoOps
from orbitcloud.engine.ops_events import EventsOps
from orbitcloud.engine.ops_inference import InferenceOps
from orbitcloud.engine.ops_training import TrainingOps, check_training_links
from orbitcloud.network.model import resolve_ground
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import Scenario
from orbitcloud.scheduling import availability as av
from orbitcloud.scheduling import make_policy, policy_names
from orbitcloud.scheduling.policies import Policy
from orbitcloud.scheduling.servers import shell_hardware


class OperationsStage:
    """Workloads, scheduling, events and metrics (see the module docstring)."""

    name = "operations"
    provides: tuple[type, ...] = (OperationsRecord,)
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = (InferenceTotals,)
    tables = ("requests", "region_metrics", "latency_components", "jobs", "eo")

    def __init__(self, scenario: Scenario) -> None:
        w = scenario.workloads
        assert w is not None
        # before the stages are ordered: these messages name the fields to set
        _check_constellations(scenario)
        designs = [c.spacecraft.resolve(c.kind) for c in scenario.constellations]
        check_training_links(scenario, shell_hardware(designs))
        linked = {c.name for c in scenario.constellations if c.isl.topology != "none"}
        needs_net = (w.inference is not None or w.earth_observation is not None
                     or any(j.constellation in linked for j in w.training))  # fmt: skip
        self.requires: tuple[type, ...] = (SpacecraftRecord,) + (
            (NetworkRecord,) if needs_net else ()
        )
        # eclipse look-ahead (checkpoint before eclipse, energy-aware placement): exact at chunk
        # edges through the geometry halo
        self.halo_steps = int(
            np.ceil(scenario.scheduling.eclipse_lookahead_s / scenario.time.step_s)
        )

    # ------------------------------------------------------------------------------ start
    def start(self, ctx: RunContext) -> None:
        sc = ctx.scenario
        w = sc.workloads
        assert w is not None
        self.sch = sc.scheduling
        self.dt = float(ctx.grid.step_s)
        shell = np.asarray(ctx.sats.shell, dtype=np.int64)
        policies = _policies(sc)
        needs_ground = w.inference is not None or w.earth_observation is not None
        if needs_ground and sc.ground is None:
            raise OrbitcloudInputError(
                "inference and Earth observation need ground endpoints (ground: cities for the "
                "users, endpoints of kind gateway for ground stations)", "ground",
            )  # fmt: skip
        ground = resolve_ground(sc.ground) if sc.ground is not None else None
        kinds = ground.kind if ground is not None else np.array([], dtype=object)
        gateways = np.flatnonzero(kinds == "gateway")
        self.events = EventsOps(ctx, ground, gateways, len(ctx.sats))
        designs = [c.spacecraft.resolve(c.kind) for c in sc.constellations]
        hw = shell_hardware(designs)
        self.sat_n_acc = hw.accelerators[shell]
        self.has_acc = self.sat_n_acc > 0
        self.lost = dict.fromkeys(("peak", *av.LOST_CAUSES), 0.0)
        self.inference = None
        if w.inference is not None:
            assert ground is not None
            self.inference = InferenceOps(ctx, ground, gateways, self.events, hw, designs, shell,
                                          policies)  # fmt: skip
        self.training = TrainingOps(ctx, hw, shell) if w.training else None
        self.eo = None
        if w.earth_observation is not None:
            self.eo = EoOps(ctx, ground, gateways, self.events, shell)

    # ------------------------------------------------------------------------------ process
    def process(self, records: Records, ctx: RunContext) -> None:
        geo = records.get(GeometryRecord)
        chunk = geo.chunk
        sp = records.get(SpacecraftRecord)
        net_rec = records.find(NetworkRecord)
        net = net_rec.view if net_rec is not None else None
        n_t = chunk.n_time
        unix = ctx.grid.unix_ms(chunk.k0, chunk.k1) / 1000.0
        valid = chunk.valid
        cap = np.asarray(sp.capacity, dtype=float)
        lit_ok = av.lit_ok(np.asarray(sp.sunlit, dtype=float), self.sch.compute_in_eclipse)
        # events on satellites: permanent failures (count at a time, or a rate) and storm faults
        ev_failed, storm = self.events.satellite_faults(unix, valid, self.has_acc)
        healthy, usable = av.usable_satellites(valid, np.asarray(sp.failed, dtype=bool),
                                               ev_failed, self.has_acc, cap, lit_ok, storm)  # fmt: skip
        records.put(OperationsRecord(chunk.k0, chunk.k1, usable))
        lost = av.compute_lost_flop(
            sp.peak_flops, self.dt, valid, self.has_acc, self.sat_n_acc, sp.accelerators_ok,
            ev_failed, healthy, lit_ok, storm, np.asarray(sp.throttled, dtype=bool), cap,
        )  # fmt: skip
        for cause, flop in lost.items():
            self.lost[cause] += flop
        # eclipse ahead: any step in the next lookahead window not sunlit, seen through the
        # geometry halo (past the chunk's end, up to the run's end)
        ahead = geo.ahead  # the spacecraft record's sunlit: float32, 0 where invalid
        lit_ahead = np.where(ahead.valid, ahead.sunlit, 0.0).astype(np.float32)
        ecl_soon = eclipse_within(lit_ahead, n_t, self.halo_steps)
        if self.inference is not None:
            assert net is not None  # required when there is inference (see __init__)
            self.inference.process(ctx, chunk.k0, unix, sp, usable, ecl_soon, net)
        if self.training is not None:
            masks = {"usable": usable, "healthy": healthy, "lit_ok": lit_ok, "storm": storm}
            self.training.process(ctx, chunk.k0, n_t, sp, masks, ecl_soon, net)
        if self.eo is not None:
            assert net is not None
            self.eo.process(ctx, chunk, sp, usable, net)

    # ------------------------------------------------------------------------------ finish
    def finish(self, final: Records, ctx: RunContext) -> None:
        summ: dict[str, Any] = {}
        k = ctx.kpis
        lost = av.lost_fractions(self.lost)
        if lost is not None:
            summ["compute_lost_fraction"] = lost
            k["compute_lost_to_eclipse_fraction"] = lost["eclipse"]
            k["compute_lost_to_heat_fraction"] = lost["heat"]
            k["compute_lost_to_radiation_fraction"] = round(lost["radiation"] + lost["storm"], 6)
        summ["events"] = self.events.summary()
        if self.inference is not None:
            self.inference.finish(ctx, summ)
        if self.training is not None:
            self.training.finish(ctx, summ)
        if self.eo is not None:
            self.eo.finish(ctx, summ)
        ctx.summary["operations"] = summ
        final.put(InferenceTotals(
            k.get("inference_orbital_tokens_served"), k.get("inference_terrestrial_tokens_served"),
            k.get("inference_orbital_accelerator_utilisation"),
            k.get("inference_terrestrial_accelerator_utilisation"),
        ))  # fmt: skip


def _policies(sc: Scenario) -> tuple[Policy, Policy]:
    """The orbital policy and the terrestrial baseline, checked against the registry."""
    sch = sc.scheduling
    if any(not c.spacecraft.enabled for c in sc.constellations):
        bad = next(i for i, c in enumerate(sc.constellations) if not c.spacecraft.enabled)
        raise OrbitcloudInputError(
            "workloads need the spacecraft model (compute capacity, eclipse, faults): set "
            "spacecraft.enabled: true", f"constellations.{bad}.spacecraft.enabled",
        )  # fmt: skip
    for field_name, value in (("policy", sch.policy), ("baseline", sch.baseline)):
        if value not in policy_names():
            raise OrbitcloudInputError(
                f"unknown placement policy {value!r}; registered: {', '.join(policy_names())}",
                f"scheduling.{field_name}",
            )
    orbital, baseline = make_policy(sch.policy), make_policy(sch.baseline)
    if orbital.system != "orbital":
        raise OrbitcloudInputError(
            f"scheduling.policy {sch.policy!r} is a {orbital.system} policy; "
            "use an orbital one (nearest, energy-aware, bent-pipe)", "scheduling.policy",
        )  # fmt: skip
    if baseline.system != "terrestrial":
        raise OrbitcloudInputError(
            f"scheduling.baseline {sch.baseline!r} is not a terrestrial policy",
            "scheduling.baseline",
        )
    return orbital, baseline


def _check_constellations(sc: Scenario) -> None:
    """Training jobs and Earth observation name constellations of the scenario."""
    assert sc.workloads is not None
    const_names = [c.name for c in sc.constellations]
    for i, j in enumerate(sc.workloads.training):
        if j.constellation not in const_names:
            raise OrbitcloudInputError(
                f"no constellation named {j.constellation!r}; constellations: "
                f"{', '.join(const_names)}", f"workloads.training.{i}.constellation",
            )  # fmt: skip
    if sc.workloads.earth_observation is not None:
        for i, c in enumerate(sc.workloads.earth_observation.constellations):
            if c not in const_names:
                raise OrbitcloudInputError(
                    f"no constellation named {c!r}",
                    f"workloads.earth_observation.constellations.{i}",
                )
