"""Operations stage, inference: demand, placement and service of the two systems per step.

Orchestration only. Per chunk: demand from :mod:`orbitcloud.workloads.inference`, per step the
servers' figures (:func:`orbitcloud.scheduling.servers.step_servers`), the network and outages,
then :func:`orbitcloud.scheduling.service.advance` for each system; at the end the statistics
of :mod:`orbitcloud.scheduling.metrics`. Writes ``requests`` and ``region_metrics``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import NetworkView, SpacecraftRecord
from orbitcloud.engine.ops_events import EventsOps
from orbitcloud.network.model import GroundSet
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scheduling import StepView
from orbitcloud.scheduling import events as ev
from orbitcloud.scheduling import metrics as mt
from orbitcloud.scheduling import servers as sv
from orbitcloud.scheduling import service as svc
from orbitcloud.scheduling import verdict as vd
from orbitcloud.scheduling.policies import Policy
from orbitcloud.scheduling.servers import ShellHardware
from orbitcloud.workloads.inference import cell_weights, draw_requests, request_rates
from orbitcloud.workloads.regions import assign_regions, in_region


class InferenceOps:
    """The orbital system and the terrestrial baseline serving the same demand."""

    def __init__(self, ctx: RunContext, ground: GroundSet, gateways: np.ndarray,
                 events: EventsOps, hw: ShellHardware, designs: list, shell: np.ndarray,
                 policies: tuple[Policy, Policy]) -> None:  # fmt: skip
        sc = ctx.scenario
        w = sc.workloads
        assert w is not None
        assert w.inference is not None
        assert w.terrestrial is not None
        self.inf, self.ter, self.events = w.inference, w.terrestrial, events
        self.g, self.gateways, self.policies = ground, gateways, policies
        self.cells = np.flatnonzero(ground.kind == "user")
        if len(self.cells) == 0:
            raise OrbitcloudInputError("inference needs user cells: ground cities or endpoints "
                                       "of kind user", "ground")  # fmt: skip
        self.cell_lat, self.cell_lon = ground.lat_rad[self.cells], ground.lon_rad[self.cells]
        self.weights = cell_weights(ground.population[self.cells])
        region_idx, self.region_names = assign_regions(
            self.cell_lat, self.cell_lon, ground.country[self.cells], w.regions
        )
        self.classes = self.inf.classes
        self.shares = np.array([c.share for c in self.classes])
        dcs = self.ter.data_centres
        self.dc_names = [d.name for d in dcs]
        dlat, dlon = sv.data_centre_lat_lon_rad(dcs)
        tsp = sc.network.terrestrial
        self.cell_dc_rtt = sv.fibre_rtt_to_data_centres(self.cell_lat, self.cell_lon, dlat, dlon,
                                                        tsp.path_stretch, tsp.refractive_index)  # fmt: skip
        self.gw_dc_rtt = sv.fibre_rtt_to_data_centres(
            ground.lat_rad[gateways], ground.lon_rad[gateways], dlat, dlon, tsp.path_stretch,
            tsp.refractive_index,
        )  # fmt: skip
        self._outage_masks(w.regions, dlat, dlon)
        dc = sv.data_centre_figures(dcs, self.classes, self.ter.precision)
        sh_prefill, sh_user = sv.shell_class_figures(designs, hw.accelerator, self.classes)
        out_tok = np.array([c.output_tokens for c in self.classes], dtype=float)
        self.fig = sv.ServerFigures(out_tok, sh_prefill[shell], sh_user[shell], dc)
        self.n_sat = len(shell)
        has_acc = hw.accelerators[shell] > 0
        if not has_acc.any() and sc.scheduling.policy != "bent-pipe":
            ctx.warnings.append(
                "no satellite carries accelerators (spacecraft.preset starlink-class by "
                "default): the orbital system can serve nothing unless scheduling.policy is "
                "bent-pipe; use e.g. spacecraft: {preset: starcloud-h100}"
            )
        self.params = [self._params(sc, region_idx, hw, shell, has_acc, dc, with_sats,
                                   float(ctx.grid.step_s))
                       for with_sats in (True, False)]  # fmt: skip
        n_server = self.n_sat + len(dcs)
        self.states = [svc.ServiceState.empty(n_server, len(self.classes), len(self.region_names))
                       for _ in mt.SYSTEMS]  # fmt: skip
        self.rng_demand = ctx.rng("operations.demand")
        self.requests_total = 0
        self.eclipse_compute = sc.scheduling.eclipse_mode
        self.demand_log: list[tuple[np.ndarray, np.ndarray]] = []  # for the latency verdict

    def _outage_masks(self, regions: list, dlat: np.ndarray, dlon: np.ndarray) -> None:
        """Cells, data centres and gateways inside each terrestrial outage's region."""
        by_name = {r.name: r for r in regions}
        g, outages = self.g, self.events.outages
        self.cell_outage = np.zeros((len(outages), len(self.cells)), dtype=bool)
        self.dc_outage = np.zeros((len(outages), len(dlat)), dtype=bool)
        self.ground_outage = np.zeros((len(outages), len(g)), dtype=bool)
        for i, (e, _, _) in enumerate(outages):
            r = by_name[e.region]
            self.cell_outage[i] = in_region(self.cell_lat, self.cell_lon, r)
            self.dc_outage[i] = in_region(dlat, dlon, r)
            self.ground_outage[i] = in_region(g.lat_rad, g.lon_rad, r) & (g.kind == "gateway")

    def _params(self, sc: Any, region_idx: np.ndarray, hw: ShellHardware, shell: np.ndarray,
                has_acc: np.ndarray, dc: sv.DataCentres, with_sats: bool,
                dt: float) -> svc.ServiceParams:  # fmt: skip
        idle, full, counted = sv.server_power(hw.idle_w[shell], hw.max_w[shell], has_acc, dc,
                                              with_sats)  # fmt: skip
        cl = self.classes
        return svc.ServiceParams(
            dt, np.array([c.priority for c in cl]),
            np.array([c.max_wait_s for c in cl]), np.array([c.slo_ttft_ms for c in cl]) / 1e3,
            self.fig.output_tokens, sc.scheduling.rounds, region_idx, len(self.region_names),
            self.n_sat, self.dc_names, idle, full, counted,
            payload_bits=np.array([c.payload_bytes * 8.0 for c in cl]),
            it_fraction=np.r_[np.ones(self.n_sat), 1.0 / dc.pue],
        )  # fmt: skip

    # ------------------------------------------------------------------------------ process
    def process(self, ctx: RunContext, k0: int, unix: np.ndarray, sp: SpacecraftRecord,
                usable: np.ndarray, ecl_soon: np.ndarray, net: NetworkView) -> None:  # fmt: skip
        dt = float(ctx.grid.step_s)
        hours = (unix - np.floor(unix[0] / 86400.0) * 86400.0) / 3600.0
        lam = request_rates(self.inf.requests_per_s, self.shares, self.weights, hours,
                            self.cell_lon, self.inf.diurnal_amplitude, self.inf.peak_local_h)  # fmt: skip
        counts = draw_requests(self.rng_demand, lam, dt)  # (n_t, n_cell, n_class)
        wins = self.events.outage_windows
        self.demand_log.append((counts.astype(np.int32), np.array(
            [[a <= u < b for a, b in wins] for u in unix], bool).reshape(len(unix), len(wins))))  # fmt: skip
        tps = np.stack([sp.tokens_per_s(c.model, c.batch, c.input_tokens, c.output_tokens)
                        for c in self.classes], axis=-1)  # fmt: skip
        capf = np.asarray(sp.capacity, dtype=float)
        rows = []
        for t in range(len(unix)):
            step = self._step(ctx, k0 + t, float(unix[t]), sp, t, usable[t], ecl_soon[t],
                              tps[t], capf[t], counts[t], net)  # fmt: skip
            self.requests_total += int(step.count.sum())
            for wi in range(len(self.states)):
                self.states[wi], (row,) = svc.advance(self.states[wi], [step],
                                                      self.policies[wi], self.params[wi])  # fmt: skip
                rows.append((step.k, wi, row))
        if ctx.scenario.outputs.requests and rows:
            ctx.sink.write("requests", self._requests_table(rows, ctx))

    def _step(self, ctx: RunContext, k: int, tu: float, sp: SpacecraftRecord, t: int,
              usable: np.ndarray, ecl_soon: np.ndarray, tps: np.ndarray, capf: np.ndarray,
              cnt: np.ndarray, net: NetworkView) -> svc.ServiceStep:  # fmt: skip
        """The drivers of one step: outages, links, servers and the demand groups."""
        snap = net.snapshot(k)
        out_active = ev.active(self.events.outage_windows, tu)
        n_dc = len(self.dc_names)
        cell_fibre_up = np.asarray(~self.cell_outage[out_active].any(axis=0) if out_active
                                   else np.ones(len(self.cells), bool))  # fmt: skip
        dc_up = np.asarray(~self.dc_outage[out_active].any(axis=0) if out_active
                           else np.ones(n_dc, bool))  # fmt: skip
        ground_up = ev.ground_up(len(self.g), tu, self.events.gw_down,
                                 self.ground_outage[out_active] if out_active else None)  # fmt: skip
        ia, ib, ir, ic = snap.isl_a, snap.isl_b, snap.isl_range_m, snap.isl_capacity_bps
        if self.events.isl_failures:
            up = self.events.isl_up(ctx, ia, ib, tu)
            ia, ib, ir, ic = ia[up], ib[up], ir[up], ic[up]
        work, prefill, user_tps, server_ok = sv.step_servers(self.fig, usable, tps, capf, dc_up)
        view = StepView(
            k=k, dt_s=float(ctx.grid.step_s), n_sat=self.n_sat, n_dc=n_dc, n_ground=len(self.g),
            cells=self.cells, isl_a=ia, isl_b=ib, isl_range_m=ir, gsl_ground=snap.gsl_ground,
            gsl_sat=snap.gsl_sat, gsl_range_m=snap.gsl_range_m, ground_up=ground_up,
            sat_usable=usable, sat_sunlit=np.asarray(sp.sunlit[t], float),
            sat_soc=np.asarray(sp.battery_soc[t], float),
            sat_throttled=np.asarray(sp.throttled[t], bool),
            sat_in_saa=np.asarray(sp.in_saa[t], bool), sat_eclipse_soon=ecl_soon,
            dc_up=dc_up, cell_fibre_up=cell_fibre_up, cell_dc_rtt_s=self.cell_dc_rtt,
            gateways=self.gateways, gw_up=ground_up[self.gateways], gw_dc_rtt_s=self.gw_dc_rtt,
            wait_s=np.zeros(work.shape), full=np.zeros(work.shape, bool),
            access_rtt_s=self.ter.access_rtt_ms / 1e3,
            orbital_access_rtt_s=self.inf.orbital_access_rtt_ms / 1e3,
            min_battery_soc=ctx.scenario.scheduling.min_battery_soc,
            isl_capacity_bps=ic, gsl_capacity_bps=snap.gsl_capacity_bps,
        )  # fmt: skip
        ci, cc = np.nonzero(cnt)
        return svc.ServiceStep(k, ev.outage_period(self.events.outage_windows, tu), view, ci, cc,
                               cnt[ci, cc].astype(np.int64), work, prefill, user_tps, server_ok)  # fmt: skip

    def _requests_table(self, rows: list, ctx: RunContext) -> pa.Table:
        n_reg, n_c = len(self.region_names), len(self.classes)
        size = n_reg * n_c
        ks = np.repeat([r[0] for r in rows], size)
        wi = np.repeat([r[1] for r in rows], size)
        req, adm, drp, lat, vio, p50, p95 = (
            np.concatenate([getattr(r[2], f) for r in rows]) for f in
            ("requests", "admitted", "dropped", "latency_sum_ms", "slo_violations",
             "latency_p50_ms", "latency_p95_ms"))  # fmt: skip
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
            "system": dict_arr(wi[keep], mt.SYSTEMS),
            "region": dict_arr(reg[keep], self.region_names),
            "class": dict_arr(cls[keep], [c.name for c in self.classes]),
            "requests": pa.array(req[keep].astype(np.int64)),
            "admitted": pa.array(adm[keep].astype(np.int64)),
            "dropped": pa.array(drp[keep].astype(np.int64)),
            "latency_mean_ms": pa.array(mean, mask=~has),
            "latency_p50_ms": pa.array(np.nan_to_num(p50[keep]), mask=~has),
            "latency_p95_ms": pa.array(np.nan_to_num(p95[keep]), mask=~has),
            "slo_violations": pa.array(vio[keep].astype(np.int64)),
            "tokens": pa.array((adm * np.tile(self.fig.output_tokens, n_reg * len(rows)))[keep]),
        })  # fmt: skip

    # ------------------------------------------------------------------------------- finish
    def finish(self, ctx: RunContext, summ: dict) -> None:
        k = ctx.kpis
        names = [c.name for c in self.classes]
        outage = self.events.outages[0][0].region if self.events.outages else None
        rows = [r for s, st in zip(mt.SYSTEMS, self.states, strict=True)
                for r in mt.region_metric_rows(s, st, self.region_names, names, outage is not None)]  # fmt: skip
        cols = list(zip(*rows, strict=True))
        opt = lambda v: pa.array([x if x is not None else None for x in v], type=pa.float64())  # noqa: E731
        ctx.sink.write("region_metrics", pa.table({
            "region": pa.array(cols[0], pa.string()), "system": pa.array(cols[1], pa.string()),
            "period": pa.array(cols[2], pa.string()), "class": pa.array(cols[3], pa.string()),
            "requests": pa.array(cols[4], pa.int64()), "admitted": pa.array(cols[5], pa.int64()),
            "dropped": pa.array(cols[6], pa.int64()), "served_fraction": pa.array(cols[7], pa.float64()),
            "p50_ms": opt(cols[8]), "p95_ms": opt(cols[9]), "p99_ms": opt(cols[10]),
            "slo_violation_fraction": pa.array(cols[11], pa.float64()),
            "stranded": pa.array(cols[12], pa.int64()),
        }))  # fmt: skip
        policy = ctx.scenario.scheduling.policy
        answer = mt.answer(rows, self.region_names, names, policy, outage)
        for s in mt.SYSTEMS:
            if answer[s]:
                for f in ("served_fraction", "p50_ms", "p95_ms", "p99_ms"):
                    k[f"inference_{s}_{f}"] = answer[s][f]
        if outage is not None:
            for p in ev.PERIODS:
                for s in mt.SYSTEMS:
                    f = answer["outage_region"][p][s]
                    if f:
                        k[f"outage_{s}_served_fraction_{p}"] = f["served_fraction"]
                        k[f"outage_{s}_p50_ms_{p}"] = f["p50_ms"]
        k["answer"] = answer["text"]
        systems = {}
        for s, st, pol in zip(mt.SYSTEMS, self.states, self.policies, strict=True):
            systems[s] = mt.system_summary(st, self.requests_total, pol.name)
            k[f"inference_{s}_tokens_served"] = st.tokens
            k[f"inference_{s}_energy_per_token_j"] = mt.round_or_none(
                systems[s]["energy_per_token_j"]
            )
            k[f"inference_{s}_accelerator_utilisation"] = systems[s]["accelerator_utilisation"]
            if st.dropped["policy_error"]:
                ctx.warnings.append(
                    f"placement policy {pol.name!r} put {st.dropped['policy_error']} requests on "
                    "servers that could not compute; the engine dropped them (not counted as "
                    f"served). First: {st.policy_errors_first[0]}"
                )
        k["inference_requests"] = self.requests_total
        lc, tails, kd = mt.decomposition(  # latency components, tail driver, energy split
            self.states, self.region_names, self.classes, outage is not None, systems,
            summ.get("compute_lost_fraction", {}).get("eclipse"), self.eclipse_compute)  # fmt: skip
        ctx.sink.write("latency_components", lc)
        k.update(kd)
        self._verdict(ctx, answer, systems, outage, tails["orbital"])
        summ["inference"] = {"answer": answer, "systems": systems,
                             "tail": tails["orbital"], "tail_by_system": tails,
                             "regions": self.region_names, "classes": names,
                             "latency_note": "time to first token = network RTT + queue wait "
                             "(fluid, at admission) + prefill; percentiles from log histograms "
                             "(2.3 % bins)"}  # fmt: skip

    def _verdict(self, ctx: RunContext, answer: dict, systems: dict, outage: str | None,
                 tail: dict | None) -> None:  # fmt: skip
        """The latency verdict with its flips (scheduling.verdict), appended to the verdicts."""
        v, kpis = vd.run_verdict(ctx.scenario, self.demand_log, (self.cell_lat, self.cell_lon),
                                 self.cell_outage, float(ctx.grid.step_s), answer, systems,
                                 [e.region for e, _, _ in self.events.outages], outage,
                                 kpis_now=ctx.kpis, tail=tail)  # fmt: skip
        ctx.summary.setdefault("verdicts", []).append(v)
        ctx.kpis.update(kpis)
