"""Operations stage: inference, Earth observation and training on the network and spacecraft.

Per time step, vectorised over satellites, cells and data centres, two worlds run side by side
on the same demand draw: the **orbital** design (``scheduling.policy``: satellites, or
bent-pipe to ground data centres) and the **terrestrial** baseline (``scheduling.baseline``:
data centres over fibre). Each carries its queues from step to step. Per step:

1. demand: Poisson requests per (user cell, class) from population x diurnal rate
   (:mod:`orbitcloud.workloads.inference`), aggregated -- never one object per request;
2. events: outages, gateway, satellite and ISL failures, storms (seeded via ``ctx.rng``);
3. placement: the policy places the groups; the engine rejects placements on servers that
   cannot compute (counted as ``policy_error`` and reported), admits within each class's wait
   limit (:mod:`orbitcloud.scheduling.queueing`) and offers the overflow again
   (``scheduling.rounds``);
4. service: each server clears ``step_s`` of work by class priority; queues on a server that
   stops computing are dropped as ``stranded``;
5. metrics: latency histograms per (system, region, period, class), energy, compute lost.

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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

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
from orbitcloud.network.geometry import fibre_rtt_s, great_circle_m
from orbitcloud.network.model import resolve_ground
from orbitcloud.scenario.base import parse_utc
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import Scenario
from orbitcloud.scenario.presets import ACCELERATORS, LLM_MODELS
from orbitcloud.scheduling import StepView, make_policy, policy_names
from orbitcloud.scheduling.paths import splitmix64
from orbitcloud.scheduling.queueing import (
    admit_capacity,
    class_wait_s,
    serve_step,
    split_admitted,
)
from orbitcloud.spacecraft.compute import BYTES_PER_PARAM, LlmSpec, llm_group_throughput
from orbitcloud.workloads import earth_observation as eo
from orbitcloud.workloads import training as tr
from orbitcloud.workloads.inference import cell_weights, draw_requests, request_rates
from orbitcloud.workloads.regions import assign_regions, in_region

SECONDS_PER_YEAR = 365.25 * 86400.0
SYSTEMS = ("orbital", "terrestrial")
PERIODS = ("before", "during", "after")
HIST_LO_MS, HIST_DECADES, HIST_PER_DECADE = 1e-2, 9, 100
"""Latency histogram: log bins from 0.01 ms over 9 decades, 100 per decade (2.3 % wide)."""
N_BINS = HIST_DECADES * HIST_PER_DECADE + 2  # + underflow and overflow bins


def latency_bin(ms: np.ndarray) -> np.ndarray:
    """Histogram bin of latencies [ms] (0: underflow, N_BINS-1: overflow)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.floor(np.log10(np.maximum(ms, 1e-30) / HIST_LO_MS) * HIST_PER_DECADE) + 1
    return np.clip(np.nan_to_num(x, nan=N_BINS - 1, posinf=N_BINS - 1), 0, N_BINS - 1).astype(
        np.int64
    )


def hist_percentiles(h: np.ndarray, qs: tuple[float, ...] = (50, 95, 99)) -> list[float | None]:
    """Percentiles [ms] of a latency histogram (log-linear inside a bin); None if empty."""
    total = h.sum()
    if total <= 0:
        return [None] * len(qs)
    cum = np.cumsum(h)
    out: list[float | None] = []
    for q in qs:
        target = q / 100.0 * total
        b = int(np.searchsorted(cum, target, side="left"))
        below = cum[b - 1] if b > 0 else 0.0
        frac = (target - below) / max(h[b], 1)
        if b == 0:
            out.append(HIST_LO_MS)
            continue
        if b >= N_BINS - 1:
            out.append(HIST_LO_MS * 10**HIST_DECADES)
            continue
        lo = HIST_LO_MS * 10 ** ((b - 1) / HIST_PER_DECADE)
        out.append(float(lo * 10 ** (frac / HIST_PER_DECADE)))
    return out


@dataclass
class World:
    """One system's state: its policy, queues and accumulators."""

    name: str
    policy: Any
    queue: np.ndarray
    hist: np.ndarray  # (n_region, n_period, n_class, N_BINS)
    counts: np.ndarray  # (n_region, n_period, n_class, 4): requests, admitted, dropped, slo_viol
    served: int = 0
    stranded: int = 0
    dropped: dict[str, int] = field(default_factory=lambda: {"no_server": 0, "capacity": 0,
                                                             "policy_error": 0})  # fmt: skip
    tokens: float = 0.0
    busy_s: float = 0.0
    usable_s: float = 0.0
    e_dynamic_j: float = 0.0
    e_idle_j: float = 0.0
    user_tps_sum: float = 0.0
    policy_errors_first: list[str] = field(default_factory=list)


class OperationsStage:
    """Workloads, scheduling, events and metrics (see the module docstring)."""

    name = "operations"
    provides: tuple[type, ...] = (OperationsRecord,)
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = (InferenceTotals,)
    tables = ("requests", "region_metrics", "jobs", "eo")

    def __init__(self, scenario: Scenario) -> None:
        w = scenario.workloads
        assert w is not None
        _check_training_links(scenario)  # before ordering: its message names the fields
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
        self.w = w
        self.sch = sc.scheduling
        self.dt = float(ctx.grid.step_s)
        self.n_sat = len(ctx.sats)
        self.shell = np.asarray(ctx.sats.shell, dtype=np.int64)
        self.t0_unix = ctx.grid.unix_ms(0, 1)[0] / 1000.0
        regions = {r.name: r for r in w.regions}
        const_names = [c.name for c in sc.constellations]
        if any(not c.spacecraft.enabled for c in sc.constellations):
            bad = next(i for i, c in enumerate(sc.constellations) if not c.spacecraft.enabled)
            raise OrbitcloudInputError(
                "workloads need the spacecraft model (compute capacity, eclipse, faults): set "
                "spacecraft.enabled: true", f"constellations.{bad}.spacecraft.enabled",
            )  # fmt: skip
        for field_name, value in (("policy", self.sch.policy), ("baseline", self.sch.baseline)):
            if value not in policy_names():
                raise OrbitcloudInputError(
                    f"unknown placement policy {value!r}; registered: {', '.join(policy_names())}",
                    f"scheduling.{field_name}",
                )
        self.orbital_policy = make_policy(self.sch.policy)
        self.baseline_policy = make_policy(self.sch.baseline)
        if self.orbital_policy.system != "orbital":
            raise OrbitcloudInputError(
                f"scheduling.policy {self.sch.policy!r} is a {self.orbital_policy.system} policy; "
                "use an orbital one (nearest, energy-aware, bent-pipe)", "scheduling.policy",
            )  # fmt: skip
        if self.baseline_policy.system != "terrestrial":
            raise OrbitcloudInputError(
                f"scheduling.baseline {self.sch.baseline!r} is not a terrestrial policy",
                "scheduling.baseline",
            )
        needs_ground = w.inference is not None or w.earth_observation is not None
        if needs_ground and sc.ground is None:
            raise OrbitcloudInputError(
                "inference and Earth observation need ground endpoints (ground: cities for the "
                "users, endpoints of kind gateway for ground stations)", "ground",
            )  # fmt: skip
        self.ground = resolve_ground(sc.ground) if sc.ground is not None else None
        gnames = (
            {str(n): i for i, n in enumerate(self.ground.name)} if self.ground is not None else {}
        )
        kinds = self.ground.kind if self.ground is not None else np.array([], dtype=object)
        self.gateways = np.flatnonzero(kinds == "gateway")
        # events --------------------------------------------------------------------------
        t_end = self.t0_unix + (ctx.grid.n - 1) * self.dt + self.dt
        self.events = []
        for i, e in enumerate(sc.events):
            where = f"events.{i}"
            t_a = parse_utc(e.start).timestamp() if e.start else self.t0_unix
            t_b = t_a + e.duration_h * 3600.0 if e.duration_h else t_end
            if e.region is not None and e.region not in regions:
                raise OrbitcloudInputError(
                    f"region {e.region!r} is not in workloads.regions "
                    f"({', '.join(regions) or 'none defined'})", f"{where}.region",
                )  # fmt: skip
            for j, g in enumerate(e.gateways):
                if g not in gnames:
                    raise OrbitcloudInputError(f"{g!r} is not a ground endpoint",
                                               f"{where}.gateways.{j}")  # fmt: skip
            self.events.append((e, t_a, t_b))
        self._prepare_events(ctx)
        # training / EO references
        for i, j in enumerate(w.training):
            if j.constellation not in const_names:
                raise OrbitcloudInputError(
                    f"no constellation named {j.constellation!r}; constellations: "
                    f"{', '.join(const_names)}", f"workloads.training.{i}.constellation",
                )  # fmt: skip
        if w.earth_observation is not None:
            for i, c in enumerate(w.earth_observation.constellations):
                if c not in const_names:
                    raise OrbitcloudInputError(
                        f"no constellation named {c!r}",
                        f"workloads.earth_observation.constellations.{i}",
                    )
        self._prepare_hardware(sc)
        self.usable_parts: list = []
        self.lost = dict.fromkeys(
            ("peak", "eclipse", "heat", "radiation", "failures", "storm"), 0.0
        )
        self.rng_sat_fail = ctx.rng("operations.satellite_failures")
        self.rng_storm = ctx.rng("operations.storm_faults")
        self.inference = w.inference is not None
        if self.inference:
            self._start_inference(ctx, regions)
        self.training = [tr.JobState() for _ in w.training]
        self.job_rows: list = []
        self.eo_parts: list = []
        if w.earth_observation is not None:
            imagers = w.earth_observation.constellations or const_names
            self.eo_sats = np.flatnonzero(np.isin(np.array(const_names)[self.shell], imagers))
            self.eo_regions = [regions[r] for r in w.earth_observation.regions]
            self.eo_raw_backlog = np.zeros(len(self.eo_sats))
            self.eo_proc_backlog = np.zeros(len(self.eo_sats))
            self.eo_prod_backlog = np.zeros(len(self.eo_sats))
            if len(self.gateways) == 0:
                raise OrbitcloudInputError(
                    "Earth observation needs ground stations: ground endpoints of kind gateway",
                    "ground.endpoints",
                )

    # ---------------------------------------------------------------------------- hardware
    def _prepare_hardware(self, sc) -> None:
        """Per satellite: accelerators, peak, idle/max power; per shell: LLM group figures."""
        n_sh = len(sc.constellations)
        self.designs = [c.spacecraft.resolve(c.kind) for c in sc.constellations]
        n_acc = np.zeros(n_sh)
        p_idle = np.zeros(n_sh)
        p_max = np.zeros(n_sh)
        self.shell_acc = []
        for i, d in enumerate(self.designs):
            a = d.compute.accelerator_spec()
            self.shell_acc.append(a)
            if a is None:
                continue
            n_acc[i] = d.compute.count
            p_idle[i] = d.compute.count * a.idle_w + d.compute.host_power_w
            p_max[i] = d.compute.count * a.tdp_w + d.compute.host_power_w
        self.sat_n_acc = n_acc[self.shell]
        self.sat_p_idle = p_idle[self.shell]
        self.sat_p_max = p_max[self.shell]
        self.has_acc = self.sat_n_acc > 0

    # ------------------------------------------------------------------------------ events
    def _prepare_events(self, ctx: RunContext) -> None:
        self.outages = [(e, a, b) for e, a, b in self.events if e.kind == "terrestrial_outage"]
        self.event_failed = np.zeros(self.n_sat, dtype=bool)
        n_gw = len(self.gateways)
        self.gw_down_windows: list[tuple[np.ndarray, float, float]] = []
        rng = ctx.rng("operations.gateway_failures")
        gidx = {int(g): j for j, g in enumerate(self.gateways)}
        for e, a, b in self.events:
            if e.kind == "gateway_failure":
                m = np.zeros(len(self.ground) if self.ground is not None else 0, dtype=bool)
                for name in e.gateways:
                    m[int(np.flatnonzero(self.ground.name == name)[0])] = True
                if e.count and n_gw:
                    pick = rng.choice(n_gw, size=min(e.count, n_gw), replace=False)
                    m[self.gateways[pick]] = True
                self.gw_down_windows.append((m, a, b))
        del gidx
        self.count_failures = [(e, a) for e, a, _ in self.events
                               if e.kind == "satellite_failures" and e.count]  # fmt: skip
        self.rate_failures = [(e, a, b) for e, a, b in self.events
                              if e.kind == "satellite_failures" and e.rate_per_year]  # fmt: skip
        self.isl_failures = [(e, a, b) for e, a, b in self.events if e.kind == "isl_failures"]
        self.storms = [(e, a, b) for e, a, b in self.events if e.kind == "solar_storm"]
        self._isl_salt: dict[tuple[int, int], np.uint64] = {}
        self.storm_faults = 0
        self.event_failures = 0
        env_storms = [(parse_utc(s.start).timestamp(), parse_utc(s.end).timestamp())
                      for s in ctx.scenario.environment.storms]  # fmt: skip
        for e, a, b in self.storms:
            if not any(s0 < b and s1 > a for s0, s1 in env_storms):
                ctx.warnings.append(
                    f"solar_storm event at {e.start or 'run start'}: the spacecraft stage takes "
                    "its dose enhancement from environment.storms, which has no storm in this "
                    "window; the operations stage applies only the storm's compute faults"
                )

    def _isl_up(
        self, k: int, a: np.ndarray, b: np.ndarray, t: float, ctx: RunContext
    ) -> np.ndarray:
        up = np.ones(len(a), dtype=bool)
        for i, (e, t_a, t_b) in enumerate(self.isl_failures):
            if not (t_a <= t < t_b):
                continue
            period = int((t - t_a) // e.period_s)
            key = (i, period)
            if key not in self._isl_salt:
                self._isl_salt = {key: np.uint64(ctx.rng(f"operations.isl.{i}.{period}").integers(
                    0, 2**63 - 1))}  # fmt: skip
            edge = np.minimum(a, b).astype(np.uint64) * np.uint64(self.n_sat) + np.maximum(
                a, b
            ).astype(np.uint64)
            h = splitmix64(edge ^ self._isl_salt[key])
            up &= (h >> np.uint64(11)).astype(np.float64) / float(2**53) >= e.fraction
        return up

    def _period(self, t: float) -> int:
        if not self.outages:
            return 0
        if any(a <= t < b for _, a, b in self.outages):
            return 1
        return 0 if t < min(a for _, a, _ in self.outages) else 2

    # --------------------------------------------------------------------------- inference
    def _start_inference(self, ctx: RunContext, regions: dict) -> None:
        sc = ctx.scenario
        inf = self.w.inference
        g = self.ground
        self.cells = np.flatnonzero(g.kind == "user")
        if len(self.cells) == 0:
            raise OrbitcloudInputError("inference needs user cells: ground cities or endpoints "
                                       "of kind user", "ground")  # fmt: skip
        self.cell_lat = g.lat_rad[self.cells]
        self.cell_lon = g.lon_rad[self.cells]
        self.weights = cell_weights(g.population[self.cells])
        self.region_idx, self.region_names = assign_regions(
            self.cell_lat, self.cell_lon, g.country[self.cells], self.w.regions
        )
        self.classes = inf.classes
        self.n_class = len(self.classes)
        self.shares = np.array([c.share for c in self.classes])
        self.prio = np.array([c.priority for c in self.classes])
        self.max_wait = np.array([c.max_wait_s for c in self.classes])
        self.slo_s = np.array([c.slo_ttft_ms for c in self.classes]) / 1e3
        self.out_tok = np.array([c.output_tokens for c in self.classes], dtype=float)
        # data centres
        ter = self.w.terrestrial
        dcs = ter.data_centres
        self.n_dc = len(dcs)
        self.dc_names = [d.name for d in dcs]
        dlat = np.radians([d.lat_deg for d in dcs])
        dlon = np.radians([(d.lon_deg + 180.0) % 360.0 - 180.0 for d in dcs])
        tsp = sc.network.terrestrial
        gc = great_circle_m(
            self.cell_lat[:, None], self.cell_lon[:, None], dlat[None, :], dlon[None, :]
        )
        self.cell_dc_rtt = fibre_rtt_s(gc, tsp.path_stretch, tsp.refractive_index)
        gw_gc = great_circle_m(g.lat_rad[self.gateways][:, None], g.lon_rad[self.gateways][:, None],
                               dlat[None, :], dlon[None, :])  # fmt: skip
        self.gw_dc_rtt = fibre_rtt_s(gw_gc, tsp.path_stretch, tsp.refractive_index).reshape(
            len(self.gateways), self.n_dc
        )
        self.cell_outage = np.zeros((len(self.outages), len(self.cells)), dtype=bool)
        self.dc_outage = np.zeros((len(self.outages), self.n_dc), dtype=bool)
        self.ground_outage = np.zeros((len(self.outages), len(g)), dtype=bool)
        for i, (e, _, _) in enumerate(self.outages):
            r = regions[e.region]
            self.cell_outage[i] = in_region(self.cell_lat, self.cell_lon, r)
            self.dc_outage[i] = in_region(dlat, dlon, r)
            self.ground_outage[i] = in_region(g.lat_rad, g.lon_rad, r) & (g.kind == "gateway")
        # per class: DC throughput, prefill and per-sequence decode (roofline, full capacity)
        n_s = self.n_sat + self.n_dc
        self.dc_tps = np.zeros((self.n_dc, self.n_class))
        self.dc_prefill = np.zeros((self.n_dc, self.n_class))
        self.dc_user_tps = np.zeros((self.n_dc, self.n_class))
        self.dc_p_idle = np.zeros(self.n_dc)
        self.dc_p_max = np.zeros(self.n_dc)
        self.dc_pue = np.array([d.pue for d in dcs])
        for d, spec in enumerate(dcs):
            a = ACCELERATORS[spec.accelerator]
            for c, cl in enumerate(self.classes):
                gth = self._group(a["peak_tflops"][ter.precision] * 1e12, a["hbm_gb"] * 1e9,
                                  a["hbm_tb_s"] * 1e12, BYTES_PER_PARAM[ter.precision], cl)  # fmt: skip
                groups = spec.accelerators // gth.group_size if gth.feasible else 0
                self.dc_tps[d, c] = groups * gth.output_tokens_per_s
                self.dc_prefill[d, c] = (
                    gth.prefill_s / max(gth.batch, 1) if gth.feasible else np.inf
                )
                self.dc_user_tps[d, c] = 1.0 / gth.decode_step_s if gth.feasible else 0.0
            self.dc_p_idle[d] = spec.accelerators * a["idle_w"]
            self.dc_p_max[d] = spec.accelerators * a["tdp_w"]
        self.sh_prefill = np.full((len(self.designs), self.n_class), np.inf)
        self.sh_user_tps = np.zeros((len(self.designs), self.n_class))
        for i, dsg in enumerate(self.designs):
            a = self.shell_acc[i]
            if a is None:
                continue
            prec = dsg.compute.precision
            peak = a.peak_tflops.get(prec, max(a.peak_tflops.values())) * 1e12
            for c, cl in enumerate(self.classes):
                gth = self._group(
                    peak, a.hbm_gb * 1e9, a.hbm_tb_s * 1e12, BYTES_PER_PARAM[prec], cl
                )
                if gth.feasible and dsg.compute.count >= gth.group_size:
                    self.sh_prefill[i, c] = gth.prefill_s / gth.batch
                    self.sh_user_tps[i, c] = 1.0 / gth.decode_step_s
        if not self.has_acc.any() and self.sch.policy != "bent-pipe":
            ctx.warnings.append(
                "no satellite carries accelerators (spacecraft.preset starlink-class by "
                "default): the orbital system can serve nothing unless scheduling.policy is "
                "bent-pipe; use e.g. spacecraft: {preset: starcloud-h100}"
            )
        n_reg = len(self.region_names)
        self.worlds = [
            World(
                name,
                pol,
                np.zeros((n_s, self.n_class), dtype=np.int64),
                np.zeros((n_reg, len(PERIODS), self.n_class, N_BINS), dtype=np.int64),
                np.zeros((n_reg, len(PERIODS), self.n_class, 4), dtype=np.int64),
            )
            for name, pol in (
                ("orbital", self.orbital_policy),
                ("terrestrial", self.baseline_policy),
            )
        ]
        self.rng_demand = ctx.rng("operations.demand")
        self.req_rows: list = []
        self.requests_total = 0

    @staticmethod
    def _group(peak, hbm, bw, prec_b, cl):
        return llm_group_throughput(LlmSpec.from_dict(LLM_MODELS[cl.model]), peak, hbm, bw, prec_b,
                                    cl.batch, cl.input_tokens, cl.output_tokens)  # fmt: skip

    # ------------------------------------------------------------------------------ process
    def process(self, records: Records, ctx: RunContext) -> None:
        geo = records.get(GeometryRecord)
        chunk = geo.chunk
        sp = records.get(SpacecraftRecord)
        net = records.find(NetworkRecord)
        self._net = net.view if net is not None else None
        n_t = chunk.n_time
        unix = ctx.grid.unix_ms(chunk.k0, chunk.k1) / 1000.0
        valid = chunk.valid
        failed = np.asarray(sp.failed, dtype=bool)
        cap = np.asarray(sp.capacity, dtype=float)
        sunlit = np.asarray(sp.sunlit, dtype=float)
        lit_ok = (sunlit >= 0.5) | self.sch.compute_in_eclipse
        # events on satellites: permanent failures (count at a time, or a rate) and storm faults
        ev_failed = np.empty((n_t, self.n_sat), dtype=bool)
        storm = np.zeros((n_t, self.n_sat), dtype=bool)
        for t in range(n_t):
            for e, a in self.count_failures:
                if a <= unix[t] < a + self.dt and e.count:
                    alive = np.flatnonzero(~self.event_failed)
                    pick = self.rng_sat_fail.choice(
                        alive, size=min(e.count, len(alive)), replace=False
                    )
                    self.event_failed[pick] = True
            u = self.rng_sat_fail.random(self.n_sat)
            for e, a, b in self.rate_failures:
                if a <= unix[t] < b:
                    p = -np.expm1(-e.rate_per_year * self.dt / SECONDS_PER_YEAR)
                    self.event_failed |= (u < p) & valid[t]
            ev_failed[t] = self.event_failed
            us = self.rng_storm.random(self.n_sat)
            for e, a, b in self.storms:
                if a <= unix[t] < b:
                    p = -np.expm1(
                        -e.fault_rate_per_year * e.dose_multiplier * self.dt / SECONDS_PER_YEAR
                    )
                    storm[t] |= (us < p) & self.has_acc & valid[t]
        self.storm_faults += int(storm.sum())
        healthy = valid & ~failed & ~ev_failed & self.has_acc[None, :]
        usable = healthy & (cap > 0) & lit_ok & ~storm
        records.put(OperationsRecord(chunk.k0, chunk.k1, usable))
        # compute lost (peak FLOP-s over the step), by cause
        peak = np.asarray(sp.peak_flops, dtype=float)[None, :] * self.dt
        acc_ok = np.asarray(sp.accelerators_ok, dtype=float)
        on = valid & self.has_acc[None, :]
        self.lost["peak"] += float((peak * on).sum())
        self.lost["failures"] += float((peak * (on & ev_failed)).sum())
        rad_frac = np.where(
            on & ~ev_failed, 1.0 - acc_ok / np.maximum(self.sat_n_acc, 1)[None, :], 0.0
        )
        self.lost["radiation"] += float((peak * rad_frac).sum())
        self.lost["storm"] += float((peak * (storm & healthy)).sum())
        ecl = healthy & ~lit_ok & ~storm
        self.lost["eclipse"] += float((peak * ecl).sum())
        thr = np.asarray(sp.throttled, dtype=bool)
        heat = healthy & lit_ok & ~storm & thr
        self.lost["heat"] += float((peak * heat * np.clip(1.0 - cap - rad_frac, 0.0, 1.0)).sum())
        # eclipse ahead: any step in the next lookahead window not sunlit, seen through the
        # geometry halo (past the chunk's end, up to the run's end)
        ahead = geo.ahead  # the spacecraft record's sunlit: float32, 0 where invalid
        lit_ahead = np.where(ahead.valid, ahead.sunlit, 0.0).astype(np.float32)
        ecl_soon = eclipse_within(lit_ahead, n_t, self.halo_steps)
        if self.inference:
            self._inference_chunk(chunk, ctx, sp, unix, usable, ecl_soon)
        if self.w.training:
            self._training_chunk(chunk, ctx, sp, unix, usable, healthy, lit_ok, storm, ecl_soon)
        if self.w.earth_observation is not None:
            self._eo_chunk(chunk, ctx, sp, usable)

    # ------------------------------------------------------------------------ inference loop
    def _inference_chunk(self, chunk, ctx, sp, unix, usable, ecl_soon) -> None:
        net = self._net
        assert net is not None  # required when there is inference (see __init__)
        inf = self.w.inference
        n_t = chunk.n_time
        hours = (unix - np.floor(unix[0] / 86400.0) * 86400.0) / 3600.0
        lam = request_rates(inf.requests_per_s, self.shares, self.weights, hours, self.cell_lon,
                            inf.diurnal_amplitude, inf.peak_local_h)  # fmt: skip
        counts = draw_requests(self.rng_demand, lam, self.dt)  # (n_t, n_cell, n_class)
        # throughput per class and satellite (spacecraft contract), work per request
        tps = np.stack([sp.tokens_per_s(c.model, c.batch, c.input_tokens, c.output_tokens)
                        for c in self.classes], axis=-1)  # fmt: skip
        capf = np.asarray(sp.capacity, dtype=float)
        n_dc = self.n_dc
        ng = len(self.ground)
        ter_access = self.w.terrestrial.access_rtt_ms / 1e3
        rows = []
        for t in range(n_t):
            k = chunk.k0 + t
            tu = unix[t]
            snap = net.snapshot(k)
            period = self._period(tu)
            out_active = [i for i, (_, a, b) in enumerate(self.outages) if a <= tu < b]
            cell_fibre_up = (
                ~self.cell_outage[out_active].any(axis=0)
                if out_active
                else np.ones(len(self.cells), bool)
            )
            dc_up = ~self.dc_outage[out_active].any(axis=0) if out_active else np.ones(n_dc, bool)
            ground_up = np.ones(ng, dtype=bool)
            if out_active:
                ground_up &= ~self.ground_outage[out_active].any(axis=0)
            for m, a, b in self.gw_down_windows:
                if a <= tu < b:
                    ground_up &= ~m
            isl_up = self._isl_up(k, snap.isl_a, snap.isl_b, tu, ctx) if self.isl_failures else None
            ia, ib, ir = snap.isl_a, snap.isl_b, snap.isl_range_m
            if isl_up is not None:
                ia, ib, ir = ia[isl_up], ib[isl_up], ir[isl_up]
            with np.errstate(divide="ignore"):
                w_sat = np.where(
                    usable[t][:, None] & (tps[t] > 0), self.out_tok[None, :] / tps[t], np.inf
                )
                w_dc = np.where(
                    dc_up[:, None] & (self.dc_tps > 0), self.out_tok[None, :] / self.dc_tps, np.inf
                )
            work = np.vstack([w_sat, w_dc])
            with np.errstate(divide="ignore", invalid="ignore"):
                sat_prefill = self.sh_prefill[self.shell] / np.maximum(capf[t], 1e-9)[:, None]
            prefill = np.vstack([sat_prefill, self.dc_prefill])
            user_tps = np.vstack(
                [self.sh_user_tps[self.shell] * capf[t][:, None], self.dc_user_tps]
            )
            server_ok = np.concatenate([usable[t], dc_up])
            cnt = counts[t]
            ci, cc = np.nonzero(cnt)
            cn = cnt[ci, cc].astype(np.int64)
            self.requests_total += int(cn.sum())
            for wi, world in enumerate(self.worlds):
                view = StepView(
                    k=k, dt_s=self.dt, n_sat=self.n_sat, n_dc=n_dc, n_ground=ng, cells=self.cells,
                    isl_a=ia, isl_b=ib, isl_range_m=ir, gsl_ground=snap.gsl_ground,
                    gsl_sat=snap.gsl_sat, gsl_range_m=snap.gsl_range_m, ground_up=ground_up,
                    sat_usable=usable[t], sat_sunlit=np.asarray(sp.sunlit[t], float),
                    sat_soc=np.asarray(sp.battery_soc[t], float),
                    sat_throttled=np.asarray(sp.throttled[t], bool),
                    sat_in_saa=np.asarray(sp.in_saa[t], bool), sat_eclipse_soon=ecl_soon[t],
                    dc_up=dc_up, cell_fibre_up=cell_fibre_up, cell_dc_rtt_s=self.cell_dc_rtt,
                    gateways=self.gateways, gw_up=ground_up[self.gateways],
                    gw_dc_rtt_s=self.gw_dc_rtt, wait_s=np.zeros(work.shape),
                    full=np.zeros(work.shape, bool), access_rtt_s=ter_access,
                    orbital_access_rtt_s=inf.orbital_access_rtt_ms / 1e3,
                    min_battery_soc=self.sch.min_battery_soc,
                )  # fmt: skip
                rows.append(self._place_and_serve(world, view, wi, ci, cc, cn, work, prefill,
                                                  user_tps, server_ok, period, k))  # fmt: skip
        if ctx.scenario.outputs.requests and rows:
            ctx.sink.write("requests", self._requests_table(rows, ctx))

    def _place_and_serve(self, world: World, view: StepView, wi, ci, cc, cn, work, prefill,
                         user_tps, server_ok, period, k) -> tuple:  # fmt: skip
        n_c = self.n_class
        arr = np.zeros(world.queue.shape, dtype=np.int64)
        wait = class_wait_s(world.queue, arr, work, self.prio, self.dt)
        room = admit_capacity(world.queue, arr, work, self.prio, self.max_wait, self.dt)
        view.wait_s = wait
        view.full = room <= 0
        remaining = cn.copy()
        n_r = self.sch.rounds
        # progressive filling: round r admits up to max_wait x 10^-(rounds-1-r), so load
        # spreads over servers before any queue grows long
        ladder = [self.max_wait * 10.0 ** -(n_r - 1 - r) for r in range(n_r)]
        room = admit_capacity(world.queue, arr, work, self.prio, ladder[0], self.dt)
        view.full = room <= 0
        piece_cell, piece_cls, piece_n, piece_srv, piece_rtt = [], [], [], [], []
        dropped = np.zeros((len(cn), 3), dtype=np.int64)  # no_server, capacity, policy_error
        for r in range(n_r):
            idx = np.flatnonzero(remaining > 0)
            if len(idx) == 0:
                break
            pl = world.policy.place(view, ci[idx], cc[idx])
            srv = np.asarray(pl.server, dtype=np.int64)
            rtt = np.asarray(pl.rtt_s, dtype=float)
            bad = (srv >= 0) & ~server_ok[np.clip(srv, 0, len(server_ok) - 1)]
            bad |= srv >= len(server_ok)
            if bad.any():
                dropped[idx[bad], 2] += remaining[idx[bad]]
                remaining[idx[bad]] = 0
                if len(world.policy_errors_first) < 5:
                    s = int(srv[bad][0])
                    kind = "satellite" if s < self.n_sat else "data centre"
                    world.policy_errors_first.append(
                        f"step {k}: policy {world.policy.name!r} placed {int(cn[idx[bad]].sum())} "
                        f"requests on {kind} {s if s < self.n_sat else self.dc_names[min(s - self.n_sat, self.n_dc - 1)]}, "
                        "which cannot compute (failed, eclipsed or down)"
                    )
            none = (srv < 0) & ~bad
            dropped[idx[none], 0] += remaining[idx[none]]
            remaining[idx[none]] = 0
            go = (srv >= 0) & ~bad
            if not go.any():
                break
            gi = idx[go]
            adm, _ = split_admitted(remaining[gi], srv[go], cc[gi], room, n_c)
            keep = adm > 0
            piece_cell.append(ci[gi][keep])
            piece_cls.append(cc[gi][keep])
            piece_n.append(adm[keep])
            piece_srv.append(srv[go][keep])
            piece_rtt.append(rtt[go][keep])
            np.add.at(arr, (srv[go][keep], cc[gi][keep]), adm[keep])
            remaining[gi] -= adm
            wait = class_wait_s(world.queue, arr, work, self.prio, self.dt)
            room = admit_capacity(world.queue, arr, work, self.prio, ladder[min(r + 1, n_r - 1)],
                                  self.dt)  # fmt: skip
            view.wait_s = wait
            view.full = room <= 0
            view._cache = None
        dropped[:, 1] += remaining  # still unplaced after the last round: no capacity
        # latency of the admitted pieces
        if piece_n:
            pc, pk = np.concatenate(piece_cell), np.concatenate(piece_cls)
            pn, ps = np.concatenate(piece_n), np.concatenate(piece_srv)
            pr = np.concatenate(piece_rtt)
        else:
            pc = pk = pn = ps = np.zeros(0, dtype=np.int64)
            pr = np.zeros(0)
        lat_s = pr + wait[ps, pk] + prefill[ps, pk]
        lat_ms = lat_s * 1e3
        viol = lat_s > self.slo_s[pk]
        reg_p = self.region_idx[pc]
        np.add.at(world.hist, (reg_p, period, pk, latency_bin(lat_ms)), pn)
        reg_g = self.region_idx[ci]
        dsum = dropped.sum(axis=1)
        np.add.at(world.counts, (reg_g, period, cc, 0), cn)
        np.add.at(world.counts, (reg_g, period, cc, 2), dsum)
        np.add.at(world.counts, (reg_p, period, pk, 1), pn)
        np.add.at(world.counts, (reg_p, period, pk, 3), pn * viol)
        for j, key in enumerate(("no_server", "capacity", "policy_error")):
            world.dropped[key] += int(dropped[:, j].sum())
        world.user_tps_sum += float((pn * user_tps[ps, pk]).sum())
        # service
        world.queue += arr
        served, busy = serve_step(world.queue, work, server_ok, self.dt, self.prio)
        world.served += int(served.sum())
        world.tokens += float((served * self.out_tok[None, :]).sum())
        stranded = world.queue[~server_ok]
        world.stranded += int(stranded.sum())
        world.queue[~server_ok] = 0
        world.busy_s += float(busy[: self.n_sat].sum() + busy[self.n_sat :].sum())
        n = self.n_sat
        on = server_ok.astype(float)
        sat_on, dc_on = on[:n] * self.has_acc, on[n:]
        if world.name == "orbital":
            p_idle = np.concatenate([self.sat_p_idle, self.dc_p_idle * self.dc_pue])
            p_max = np.concatenate([self.sat_p_max, self.dc_p_max * self.dc_pue])
            on_all = np.concatenate([sat_on, dc_on])
        else:
            p_idle = np.concatenate([np.zeros(n), self.dc_p_idle * self.dc_pue])
            p_max = np.concatenate([np.zeros(n), self.dc_p_max * self.dc_pue])
            on_all = np.concatenate([np.zeros(n), dc_on])
        world.usable_s += float(on_all.sum() * self.dt)
        world.e_idle_j += float((p_idle * on_all).sum() * self.dt)
        world.e_dynamic_j += float(((p_max - p_idle) * busy * on_all).sum())
        # per-step aggregate rows (region x class)
        n_reg = len(self.region_names)
        key_g = reg_g * self.n_class + cc
        key_p = reg_p * self.n_class + pk
        size = n_reg * self.n_class
        req = np.bincount(key_g, weights=cn, minlength=size)
        adm = np.bincount(key_p, weights=pn, minlength=size)
        lat_sum = np.bincount(key_p, weights=pn * lat_ms, minlength=size)
        vio = np.bincount(key_p, weights=pn * viol, minlength=size)
        drp = np.bincount(key_g, weights=dsum, minlength=size)
        return (k, wi, req, adm, drp, lat_sum, vio)

    def _requests_table(self, rows: list, ctx: RunContext) -> pa.Table:
        n_reg, n_c = len(self.region_names), self.n_class
        size = n_reg * n_c
        ks = np.repeat([r[0] for r in rows], size)
        wi = np.repeat([r[1] for r in rows], size)
        req = np.concatenate([r[2] for r in rows])
        adm = np.concatenate([r[3] for r in rows])
        drp = np.concatenate([r[4] for r in rows])
        lat = np.concatenate([r[5] for r in rows])
        vio = np.concatenate([r[6] for r in rows])
        reg = np.tile(np.repeat(np.arange(n_reg), n_c), len(rows))
        cls = np.tile(np.tile(np.arange(n_c), n_reg), len(rows))
        keep = req > 0
        times = ctx.grid.unix_ms(0, ctx.grid.n)[ks[keep]]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(adm > 0, lat / np.maximum(adm, 1), 0.0)[keep]
        has = adm[keep] > 0
        dict_arr = lambda idx, names: pa.DictionaryArray.from_arrays(  # noqa: E731
            pa.array(idx.astype(np.int32)), pa.array(list(names), type=pa.string())
        )
        return pa.table({
            "time": pa.array(times, type=pa.timestamp("ms", tz="UTC")),
            "system": dict_arr(wi[keep], SYSTEMS),
            "region": dict_arr(reg[keep], self.region_names),
            "class": dict_arr(cls[keep], [c.name for c in self.classes]),
            "requests": pa.array(req[keep].astype(np.int64)),
            "admitted": pa.array(adm[keep].astype(np.int64)),
            "dropped": pa.array(drp[keep].astype(np.int64)),
            "latency_mean_ms": pa.array(mean, mask=~has),
            "slo_violations": pa.array(vio[keep].astype(np.int64)),
            "tokens": pa.array((adm * np.tile(self.out_tok, n_reg * len(rows)))[keep]),
        })  # fmt: skip

    # --------------------------------------------------------------------------- training
    def _training_chunk(
        self, chunk, ctx, sp, unix, usable, healthy, lit_ok, storm, ecl_soon
    ) -> None:
        net = self._net
        n_t = chunk.n_time
        peak_sat = np.asarray(sp.peak_flops, dtype=float)
        cap = np.asarray(sp.capacity, dtype=float)
        thr = np.asarray(sp.throttled, dtype=bool)
        acc_ok = np.asarray(sp.accelerators_ok, dtype=np.int64)
        const_names = [c.name for c in ctx.scenario.constellations]
        for j, job in enumerate(self.w.training):
            members = np.flatnonzero(self.shell == const_names.index(job.constellation))
            per_acc_peak = peak_sat[members] / np.maximum(self.sat_n_acc[members], 1)
            avail = np.zeros(n_t, bool)
            why = np.zeros(n_t, np.int64)
            rate = np.zeros(n_t)
            nsat = np.zeros(n_t, np.int64)
            fault = np.zeros(n_t, bool)
            stop_ahead = np.zeros(n_t, bool)
            prev_ok = getattr(self, "_prev_acc_ok", {}).get(j)
            prev_sel, stop_prev = getattr(self, "_prev_sel", {}).get(
                j, (np.zeros(len(members), bool), False)
            )
            for t in range(n_t):
                k = chunk.k0 + t
                ok = usable[t, members] & ~thr[t, members]
                # ISLs among members that carry the collective bandwidth
                comp_ok = ok
                if net is not None and ok.sum() > 1:
                    snap = net.snapshot(k)
                    pos = np.full(self.n_sat, -1)
                    pos[members] = np.arange(len(members))
                    a, b = pos[snap.isl_a], pos[snap.isl_b]
                    m = (a >= 0) & (b >= 0) & (snap.isl_capacity_bps >= job.collective_gbps * 1e9)
                    m &= ok[np.maximum(a, 0)] & ok[np.maximum(b, 0)]
                    g = csr_array((np.ones(int(m.sum())), (a[m], b[m])), shape=(len(members),) * 2)
                    _, lab = connected_components(g, directed=False)
                    lab = np.where(ok, lab, -1)
                    acc_in = (
                        np.bincount(lab[ok], weights=acc_ok[t, members][ok])
                        if ok.any()
                        else np.zeros(1)
                    )
                    best = int(np.argmax(acc_in))
                    comp_ok = ok & (lab == best)
                n_acc_avail = int(acc_ok[t, members][comp_ok].sum())
                if n_acc_avail >= job.accelerators:
                    avail[t] = True
                    sel = np.flatnonzero(comp_ok)
                    sel = sel[np.argsort(-cap[t, members][sel], kind="stable")]
                    csum = np.cumsum(acc_ok[t, members][sel])
                    sel = sel[: int(np.searchsorted(csum, job.accelerators)) + 1]
                    nsat[t] = len(sel)
                    slow = float(cap[t, members][sel].min() * self.sat_n_acc[members][sel[0]] /
                                 max(acc_ok[t, members][sel[0]], 1))  # fmt: skip
                    rate[t] = (
                        job.accelerators
                        * float(per_acc_peak[sel].min())
                        * slow
                        * job.model_flops_utilisation
                    )
                    stop_ahead[t] = job.eclipse == "checkpoint_ahead" and bool(
                        ecl_soon[t, members][sel].any()
                    )
                    if prev_ok is not None:
                        fault[t] = bool((acc_ok[t, members][sel] < prev_ok[sel]).any())
                    # a member used at the previous step that can no longer compute (a fault,
                    # heat) interrupts the job: synchronous training loses its step
                    lost_member = prev_sel & ~ok & ~(~lit_ok[t, members] & stop_prev)
                    fault[t] |= bool(lost_member.any())
                    prev_sel = np.zeros(len(members), bool)
                    prev_sel[sel] = True
                    stop_prev = stop_ahead[t]
                else:
                    prev_sel = np.zeros(len(members), bool)
                    base = healthy[t, members]
                    if (base & ~lit_ok[t, members]).sum() * 2 >= base.sum() and base.any():
                        why[t] = tr.REASONS.index("eclipse")
                    elif (usable[t, members] & thr[t, members]).any():
                        why[t] = tr.REASONS.index("heat")
                    elif (storm[t, members] | ~healthy[t, members]).any():
                        why[t] = tr.REASONS.index("radiation")
                    else:
                        why[t] = tr.REASONS.index("unavailable")
                prev_ok = acc_ok[t, members].copy()
            self._prev_acc_ok = {**getattr(self, "_prev_acc_ok", {}), j: prev_ok}
            self._prev_sel = {**getattr(self, "_prev_sel", {}), j: (prev_sel, stop_prev)}
            code, committed = tr.job_steps(self.training[j], avail, why, rate, stop_ahead, fault,
                                           self.dt, job.checkpoint_interval_s,
                                           job.checkpoint_cost_s, job.restart_s)  # fmt: skip
            self.job_rows.append((j, chunk.k0, code, nsat, rate, committed,
                                  job.accelerators * float(per_acc_peak.max(initial=0.0)) * job.model_flops_utilisation))  # fmt: skip
        if self.job_rows:
            self._write_jobs(ctx)

    def _write_jobs(self, ctx: RunContext) -> None:
        parts = self.job_rows
        self.job_rows_done = getattr(self, "job_rows_done", []) + parts
        self.job_rows = []
        times = ctx.grid.unix_ms(0, ctx.grid.n)
        cols: dict[str, list] = {k: [] for k in ("t", "job", "code", "nsat", "rate", "comm")}
        for j, k0, code, nsat, rate, comm, _ in parts:
            n = len(code)
            cols["t"].append(times[k0 : k0 + n])
            cols["job"].append(np.full(n, j, np.int32))
            cols["code"].append(code.astype(np.int32))
            cols["nsat"].append(nsat.astype(np.int32))
            cols["rate"].append(rate / 1e15)
            cols["comm"].append(comm / 1e18)
        c = {k: np.concatenate(v) for k, v in cols.items()}
        ctx.sink.write("jobs", pa.table({
            "time": pa.array(c["t"], type=pa.timestamp("ms", tz="UTC")),
            "job": pa.DictionaryArray.from_arrays(pa.array(c["job"]),
                                                  pa.array([j.name for j in self.w.training])),
            "state": pa.DictionaryArray.from_arrays(pa.array(c["code"]), pa.array(list(tr.REASONS))),
            "satellites": pa.array(c["nsat"]),
            "rate_pflop_s": pa.array(c["rate"]),
            "committed_eflop": pa.array(c["comm"]),
        }))  # fmt: skip

    # --------------------------------------------------------------------- Earth observation
    def _eo_chunk(self, chunk, ctx, sp, usable) -> None:
        spec = self.w.earth_observation
        net = self._net
        s = self.eo_sats
        n_t = chunk.n_time
        lat, lon = chunk.lat_rad[:, s], chunk.lon_rad[:, s]
        over = np.zeros(lat.shape, dtype=bool)
        for r in self.eo_regions:
            over |= in_region(lat, lon, r)
        if spec.daylight_only:
            up = chunk.r_itrf[:, s] / np.maximum(
                np.linalg.norm(chunk.r_itrf[:, s], axis=-1, keepdims=True), 1.0
            )
            sun = chunk.sun_itrf / np.linalg.norm(chunk.sun_itrf, axis=-1, keepdims=True)
            over &= np.einsum("tsk,tk->ts", up, sun) > 0.0  # Sun above the horizon below
        over &= chunk.valid[:, s]
        cap_b = over * spec.capture_rate_mbps * 1e6 / 8.0 * self.dt
        # downlink capacity per step: ground links to gateways that are up
        down = np.zeros((n_t, len(s)))
        pos = np.full(self.n_sat, -1)
        pos[s] = np.arange(len(s))
        unix = ctx.grid.unix_ms(chunk.k0, chunk.k1) / 1000.0
        for t in range(n_t):
            snap = net.snapshot(chunk.k0 + t)
            gw_ok = np.zeros(len(self.ground), bool)
            gw_ok[self.gateways] = True
            for m, a, b in self.gw_down_windows:
                if a <= unix[t] < b:
                    gw_ok &= ~m
            m = gw_ok[snap.gsl_ground] & (pos[snap.gsl_sat] >= 0)
            rate = (
                np.full(int(m.sum()), spec.downlink_mbps * 1e6)
                if spec.downlink_mbps
                else snap.gsl_capacity_bps[m]
            )
            best = np.zeros(len(s))
            np.maximum.at(best, pos[snap.gsl_sat[m]], rate)  # one station at a time, the best
            down[t] = best / 8.0 * self.dt
        # raw downlink
        raw_done, self.eo_raw_backlog = eo.fifo_drain(cap_b, down, self.eo_raw_backlog)
        # orbital edge: process at delivered FLOP/s, then downlink products
        flops = np.asarray(sp.flops, dtype=float)[:, s] * usable[:, s]
        proc_cap = flops * self.dt / spec.processing_flop_per_byte
        processed, self.eo_proc_backlog = eo.fifo_drain(cap_b, proc_cap, self.eo_proc_backlog)
        prod_done, self.eo_prod_backlog = eo.fifo_drain(processed * spec.product_fraction, down,
                                                        self.eo_prod_backlog)  # fmt: skip
        self.eo_parts.append((cap_b, raw_done, prod_done / spec.product_fraction, prod_done))

    # ------------------------------------------------------------------------------ finish
    def finish(self, final: Records, ctx: RunContext) -> None:
        summ: dict[str, Any] = {}
        k = ctx.kpis
        pk = self.lost["peak"]
        if pk > 0:
            lost = {
                c: round(self.lost[c] / pk, 6)
                for c in ("eclipse", "heat", "radiation", "failures", "storm")
            }
            summ["compute_lost_fraction"] = lost
            k["compute_lost_to_eclipse_fraction"] = lost["eclipse"]
            k["compute_lost_to_heat_fraction"] = lost["heat"]
            k["compute_lost_to_radiation_fraction"] = round(lost["radiation"] + lost["storm"], 6)
        summ["events"] = {
            "satellites_failed_by_events": int(self.event_failed.sum()),
            "storm_compute_faults": int(self.storm_faults),
            "solar_storm_drag_note": "drag_multiplier is reported only: the spacecraft and "
            "orbit stages take drag from environment.ap for the whole run"
            if self.storms
            else None,
        }
        if self.inference:
            self._finish_inference(ctx, summ)
        if self.w.training:
            self._finish_training(ctx, summ)
        if self.w.earth_observation is not None:
            self._finish_eo(ctx, summ)
        ctx.summary["operations"] = summ
        final.put(InferenceTotals(k.get("inference_orbital_tokens_served")))

    def _finish_inference(self, ctx: RunContext, summ: dict) -> None:
        k = ctx.kpis
        rows = []
        names = [c.name for c in self.classes]
        period_sets = [("all", [0, 1, 2])] + (
            [(p, [i]) for i, p in enumerate(PERIODS)] if self.outages else []
        )
        reg_sets = [("all", list(range(len(self.region_names))))] + [
            (r, [i]) for i, r in enumerate(self.region_names)
        ]
        cls_sets = [("all", list(range(self.n_class)))] + [(c, [i]) for i, c in enumerate(names)]
        answer: dict[str, Any] = {}
        for world in self.worlds:
            for rname, ri in reg_sets:
                for pname, pi in period_sets:
                    for cname, cj in cls_sets:
                        h = world.hist[np.ix_(ri, pi, cj)].sum(axis=(0, 1, 2))
                        c = world.counts[np.ix_(ri, pi, cj)].sum(axis=(0, 1, 2))
                        if c[0] == 0:
                            continue
                        p50, p95, p99 = hist_percentiles(h)
                        rows.append((rname, world.name, pname, cname, int(c[0]), int(c[1]), int(c[2]),
                                     c[1] / c[0], p50, p95, p99, (c[3] + c[2]) / c[0]))  # fmt: skip
        cols = list(zip(*rows, strict=True))
        opt = lambda v: pa.array([x if x is not None else None for x in v], type=pa.float64())  # noqa: E731
        ctx.sink.write("region_metrics", pa.table({
            "region": pa.array(cols[0], pa.string()), "system": pa.array(cols[1], pa.string()),
            "period": pa.array(cols[2], pa.string()), "class": pa.array(cols[3], pa.string()),
            "requests": pa.array(cols[4], pa.int64()), "admitted": pa.array(cols[5], pa.int64()),
            "dropped": pa.array(cols[6], pa.int64()), "served_fraction": pa.array(cols[7], pa.float64()),
            "p50_ms": opt(cols[8]), "p95_ms": opt(cols[9]), "p99_ms": opt(cols[10]),
            "slo_violation_fraction": pa.array(cols[11], pa.float64()),
        }))  # fmt: skip
        table = {(r[0], r[1], r[2], r[3]): r for r in rows}

        def fig(region: str, system: str, period: str = "all", cls: str = "all") -> dict | None:
            r = table.get((region, system, period, cls))
            if r is None:
                return None
            return {"requests": r[4], "served_fraction": round(r[7], 6),
                    "p50_ms": _r(r[8]), "p95_ms": _r(r[9]), "p99_ms": _r(r[10]),
                    "slo_violation_fraction": round(r[11], 6)}  # fmt: skip

        for sysname in SYSTEMS:
            f = fig("all", sysname)
            answer[sysname] = f
            if f:
                k[f"inference_{sysname}_served_fraction"] = f["served_fraction"]
                k[f"inference_{sysname}_p50_ms"] = f["p50_ms"]
                k[f"inference_{sysname}_p95_ms"] = f["p95_ms"]
                k[f"inference_{sysname}_p99_ms"] = f["p99_ms"]
        answer["by_region"] = {r: {s: fig(r, s) for s in SYSTEMS} for r in self.region_names}
        answer["by_class"] = {c: {s: fig("all", s, "all", c) for s in SYSTEMS} for c in names}
        lines = []
        o, t = answer["orbital"], answer["terrestrial"]
        if o and t:
            lines.append(
                f"All users: orbital ({self.sch.policy}) p50/p95/p99 {_f(o['p50_ms'])}/"
                f"{_f(o['p95_ms'])}/{_f(o['p99_ms'])} ms, served {o['served_fraction']:.1%}; "
                f"terrestrial p50/p95/p99 {_f(t['p50_ms'])}/{_f(t['p95_ms'])}/{_f(t['p99_ms'])} "
                f"ms, served {t['served_fraction']:.1%}."
            )
        if self.outages:
            reg = self.outages[0][0].region
            out = {}
            for p in PERIODS:
                out[p] = {s: fig(reg, s, p) for s in SYSTEMS}
                for s in SYSTEMS:
                    f = out[p][s]
                    if f:
                        k[f"outage_{s}_served_fraction_{p}"] = f["served_fraction"]
                        k[f"outage_{s}_p50_ms_{p}"] = f["p50_ms"]
            answer["outage_region"] = {"region": reg, **out}
            parts = []
            for p in PERIODS:
                o, t = out[p]["orbital"], out[p]["terrestrial"]
                if o and t:
                    parts.append(f"{p}: orbital served {o['served_fraction']:.1%} (p50 "
                                 f"{_f(o['p50_ms'])} ms), terrestrial {t['served_fraction']:.1%} "
                                 f"(p50 {_f(t['p50_ms'])} ms)")  # fmt: skip
            lines.append(f"Outage region {reg!r} -- " + "; ".join(parts) + ".")
        answer["text"] = " ".join(lines)
        k["answer"] = answer["text"]
        systems = {}
        for wd in self.worlds:
            queued = int(wd.queue.sum())
            dropped_total = sum(wd.dropped.values()) + wd.stranded
            systems[wd.name] = {
                "policy": wd.policy.name,
                "requests": self.requests_total,
                "served": wd.served,
                "queued_at_end": queued,
                "dropped": {**wd.dropped, "stranded": wd.stranded},
                "dropped_total": dropped_total,
                "conserved": self.requests_total == wd.served + queued + dropped_total,
                "tokens_served": wd.tokens,
                "accelerator_utilisation": round(wd.busy_s / wd.usable_s, 6)
                if wd.usable_s
                else None,
                "energy_j": {
                    "idle": wd.e_idle_j,
                    "dynamic": wd.e_dynamic_j,
                    "total": wd.e_idle_j + wd.e_dynamic_j,
                },
                "energy_per_token_j": (wd.e_idle_j + wd.e_dynamic_j) / wd.tokens
                if wd.tokens
                else None,
                "mean_user_tokens_per_s": wd.user_tps_sum / max(1, int(wd.counts[..., 1].sum())),
                "policy_errors": wd.policy_errors_first,
            }
            k[f"inference_{wd.name}_tokens_served"] = wd.tokens
            k[f"inference_{wd.name}_energy_per_token_j"] = _r(
                systems[wd.name]["energy_per_token_j"]
            )
            k[f"inference_{wd.name}_accelerator_utilisation"] = systems[wd.name][
                "accelerator_utilisation"
            ]
            if wd.dropped["policy_error"]:
                ctx.warnings.append(
                    f"placement policy {wd.policy.name!r} put {wd.dropped['policy_error']} requests on "
                    "servers that could not compute; the engine dropped them (not counted as "
                    f"served). First: {wd.policy_errors_first[0]}"
                )
        k["inference_requests"] = self.requests_total
        summ["inference"] = {"answer": answer, "systems": systems,
                             "regions": self.region_names, "classes": names,
                             "latency_note": "time to first token = network RTT + queue wait "
                             "(fluid, at admission) + prefill; percentiles from log histograms "
                             "(2.3 % bins)"}  # fmt: skip

    def _finish_training(self, ctx: RunContext, summ: dict) -> None:
        parts = getattr(self, "job_rows_done", [])
        jobs = {}
        for j, job in enumerate(self.w.training):
            st = self.training[j]
            full = [p[6] for p in parts if p[0] == j]
            ideal = (full[0] if full else 0.0) * ctx.grid.n * self.dt
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

    def _finish_eo(self, ctx: RunContext, summ: dict) -> None:
        if not self.eo_parts:
            return
        cap = np.vstack([p[0] for p in self.eo_parts])
        raw = np.vstack([p[1] for p in self.eo_parts])
        edge = np.vstack([p[2] for p in self.eo_parts])
        prod = np.vstack([p[3] for p in self.eo_parts])
        spec = self.w.earth_observation
        out = {}
        rows = []
        for mode, done, down_b, extra in (("raw-downlink", raw, raw, spec.ground_processing_s),
                                           ("orbital-edge", edge, prod, 0.0)):  # fmt: skip
            lat, wgt, pending = eo.fifo_latency(np.cumsum(cap, 0), np.cumsum(done, 0), self.dt)
            lat = lat + extra + self.dt
            h = np.zeros(N_BINS)
            np.add.at(h, latency_bin(lat * 1e3), wgt)
            p50, p95, p99 = hist_percentiles(h)
            out[mode] = {"captured_gb": float(cap.sum() / 1e9), "downlinked_gb": float(down_b.sum() / 1e9),
                         "insight_gb": float(wgt.sum() / 1e9), "pending_gb": pending / 1e9,
                         "insight_p50_min": _r(p50 / 6e4 if p50 else None),
                         "insight_p95_min": _r(p95 / 6e4 if p95 else None),
                         "insight_p99_min": _r(p99 / 6e4 if p99 else None)}  # fmt: skip
            rows.append((mode, *out[mode].values()))
            ctx.kpis[f"eo_{mode.replace('-', '_')}_insight_p50_min"] = out[mode]["insight_p50_min"]
            ctx.kpis[f"eo_{mode.replace('-', '_')}_downlinked_gb"] = round(
                out[mode]["downlinked_gb"], 3
            )
        cols = list(zip(*rows, strict=True))
        keys = ["mode", *out["raw-downlink"].keys()]
        ctx.sink.write(
            "eo", pa.table({kk: pa.array(list(v)) for kk, v in zip(keys, cols, strict=True)})
        )
        summ["earth_observation"] = out


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"


def _check_training_links(sc: Scenario) -> None:
    """A training job that spans satellites needs ISLs between them: refuse it before any work
    when its constellation has none (it would otherwise run as if linked)."""
    assert sc.workloads is not None
    const = {c.name: (i, c) for i, c in enumerate(sc.constellations)}
    for j, job in enumerate(sc.workloads.training):
        if job.constellation not in const:
            continue  # start() names the unknown constellation
        ci, c = const[job.constellation]
        d = c.spacecraft.resolve(c.kind)
        per_sat = d.compute.count if d.compute.accelerator_spec() is not None else 0
        if job.accelerators > per_sat and c.isl.topology == "none":
            raise OrbitcloudInputError(
                f"training job {job.name!r} needs {job.accelerators} accelerators, more than one "
                f"satellite of {job.constellation!r} carries ({per_sat}), so its members must "
                f"talk over ISLs at {job.collective_gbps:g} Gbit/s, but "
                f"constellations.{ci}.isl.topology is none: set it (e.g. nearest-k or mesh) or "
                "lower the job's accelerators",
                f"workloads.training.{j}.accelerators",
            )
