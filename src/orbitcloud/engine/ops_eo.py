"""Operations stage, Earth observation: capture, on-board processing and downlink per chunk.

Orchestration only: geometry and ground links in, :mod:`orbitcloud.workloads.earth_observation`
calls, the ``eo`` table (one row per mode) and KPIs out.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import NetworkView, SpacecraftRecord
from orbitcloud.engine.ops_events import EventsOps
from orbitcloud.network import flows as fl
from orbitcloud.network.model import GroundSet
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scheduling import events as ev
from orbitcloud.workloads import earth_observation as eo


class EoOps:
    """The imagers of a run and their on-board queues."""

    def __init__(self, ctx: RunContext, ground: GroundSet | None, gateways: np.ndarray,
                 events: EventsOps, shell: np.ndarray) -> None:  # fmt: skip
        sc = ctx.scenario
        assert sc.workloads is not None
        assert sc.workloads.earth_observation is not None
        self.spec = spec = sc.workloads.earth_observation
        const_names = [c.name for c in sc.constellations]
        imagers = spec.constellations or const_names
        self.sats = np.flatnonzero(np.isin(np.array(const_names)[shell], imagers))
        regions = {r.name: r for r in sc.workloads.regions}
        self.regions = [regions[r] for r in spec.regions]
        self.backlog = eo.Backlog.empty(len(self.sats))
        if len(gateways) == 0:
            raise OrbitcloudInputError(
                "Earth observation needs ground stations: ground endpoints of kind gateway",
                "ground.endpoints",
            )
        assert ground is not None
        self.ground, self.gateways, self.events = ground, gateways, events
        self.dt = float(ctx.grid.step_s)
        self.parts: list[eo.EoOutputs] = []
        self.uses: list[dict[str, np.ndarray]] = []

    def process(self, ctx: RunContext, chunk: EphemerisChunk, sp: SpacecraftRecord,
                usable: np.ndarray, net: NetworkView) -> None:  # fmt: skip
        s, spec = self.sats, self.spec
        cap_b = eo.capture_bytes(
            chunk.lat_rad[:, s], chunk.lon_rad[:, s], chunk.valid[:, s], self.regions,
            spec.capture_rate_mbps, self.dt,
            chunk.r_itrf[:, s] if spec.daylight_only else None,
            chunk.sun_itrf if spec.daylight_only else None,
        )  # fmt: skip
        unix = ctx.grid.unix_ms(chunk.k0, chunk.k1) / 1000.0
        stations = np.zeros(len(self.ground), bool)
        stations[self.gateways] = True
        fixed = spec.downlink_mbps * 1e6 if spec.downlink_mbps else None
        routes = []
        for t in range(chunk.n_time):
            snap = net.snapshot(chunk.k0 + t)
            up = stations & ev.ground_up(len(self.ground), float(unix[t]), self.events.gw_down)
            down = fl.best_downlink_bps(snap.gsl_ground, snap.gsl_sat, snap.gsl_capacity_bps, up,
                                        snap.n_sat, fixed)  # fmt: skip
            ia, ib, ir, ic = snap.isl_a, snap.isl_b, snap.isl_range_m, snap.isl_capacity_bps
            if self.events.isl_failures and spec.route_over_isls:
                ok = self.events.isl_up(ctx, ia, ib, float(unix[t]))
                ia, ib, ir, ic = ia[ok], ib[ok], ir[ok], ic[ok]
            routes.append(fl.routes_to_ground(snap.n_sat, ia, ib, ir, ic, down, s,
                                              spec.route_over_isls))  # fmt: skip
        flops = np.asarray(sp.flops, dtype=float)[:, s] * usable[:, s]
        self.backlog, out, use = eo.advance_routed(
            self.backlog, cap_b, routes, fl.allocate_to_ground, flops, self.dt,
            spec.processing_flop_per_byte,
            spec.product_fraction,
        )  # fmt: skip
        self.uses.append(use)
        self.parts.append(out)

    def finish(self, ctx: RunContext, summ: dict) -> None:
        if not self.parts:
            return
        cap, raw, edge, prod = (np.vstack([getattr(p, f) for p in self.parts])
                                for f in ("captured_b", "raw_done_b", "edge_done_b",
                                          "product_down_b"))  # fmt: skip
        out = eo.insight_summary(cap, raw, edge, prod, self.dt, self.spec.ground_processing_s)
        for mode in eo.MODES:
            key = mode.replace("-", "_")
            ctx.kpis[f"eo_{key}_insight_p50_min"] = out[mode]["insight_p50_min"]
            dl = out[mode]["downlinked_gb"]
            ctx.kpis[f"eo_{key}_downlinked_gb"] = None if dl is None else round(dl, 3)
        text = eo.answer_text(out)
        if text:  # an inference run's answer, when there is one, takes the answer KPI
            ctx.kpis.setdefault("answer", text)
        use = {m: np.vstack([u[m] for u in self.uses]) for m in eo.MODES}
        for mode in eo.MODES:
            out[mode].update(eo.network_summary(use[mode]))
            key = mode.replace("-", "_")
            for f in ("served_fraction", "queued_gb_peak", "isl_utilisation_max"):
                ctx.kpis[f"eo_{key}_{f}"] = out[mode][f]
        rows = [(mode, *out[mode].values()) for mode in eo.MODES]
        cols = list(zip(*rows, strict=True))
        keys = ["mode", *out["raw-downlink"].keys()]
        ctx.sink.write(
            "eo", pa.table({kk: pa.array(list(v)) for kk, v in zip(keys, cols, strict=True)})
        )
        ctx.sink.write("eo_network", self._network_table(ctx, use))
        summ["earth_observation"] = out

    def _network_table(self, ctx: RunContext, use: dict[str, np.ndarray]) -> pa.Table:
        """The ``eo_network`` table, time-major (both modes of a step together)."""
        n = ctx.grid.n
        m = len(eo.MODES)
        stack = np.stack([use[mode] for mode in eo.MODES], axis=1).reshape(n * m, -1)
        col = {name: stack[:, i] for i, name in enumerate(eo.USE_COLUMNS)}
        gb = {"sent_gb": "sent_b", "queued_gb": "queued_b", "isl_gb": "isl_load_b",
              "isl_capacity_gb": "isl_capacity_b", "downlink_gb": "downlink_load_b",
              "downlink_capacity_gb": "downlink_capacity_b"}  # fmt: skip
        times = np.repeat(ctx.grid.unix_ms(0, n), m)
        codes = pa.array(np.tile(np.arange(m, dtype=np.int32), n))
        return pa.table({
            "time": pa.array(times, type=pa.timestamp("ms", tz="UTC")),
            "mode": pa.DictionaryArray.from_arrays(codes, list(eo.MODES)),
            **{k: pa.array(col[v] / 1e9) for k, v in gb.items()},
            "isl_utilisation_max": pa.array(col["isl_utilisation_max"]),
            "downlink_utilisation_max": pa.array(col["downlink_utilisation_max"]),
        })  # fmt: skip
