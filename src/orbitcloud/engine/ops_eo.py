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
        self.imager_of_sat = np.full(len(shell), -1)
        self.imager_of_sat[self.sats] = np.arange(len(self.sats))
        self.parts: list[eo.EoOutputs] = []

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
        down = np.zeros((chunk.n_time, len(s)))
        for t in range(chunk.n_time):
            snap = net.snapshot(chunk.k0 + t)
            up = stations & ev.ground_up(len(self.ground), float(unix[t]), self.events.gw_down)
            down[t] = eo.downlink_bytes(
                snap.gsl_ground, snap.gsl_sat, snap.gsl_capacity_bps, up, self.imager_of_sat,
                len(s), self.dt, spec.downlink_mbps * 1e6 if spec.downlink_mbps else None,
            )  # fmt: skip
        flops = np.asarray(sp.flops, dtype=float)[:, s] * usable[:, s]
        self.backlog, out = eo.advance(self.backlog, cap_b, down, flops, self.dt,
                                       spec.processing_flop_per_byte, spec.product_fraction)  # fmt: skip
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
        rows = [(mode, *out[mode].values()) for mode in eo.MODES]
        cols = list(zip(*rows, strict=True))
        keys = ["mode", *out["raw-downlink"].keys()]
        ctx.sink.write(
            "eo", pa.table({kk: pa.array(list(v)) for kk, v in zip(keys, cols, strict=True)})
        )
        summ["earth_observation"] = out
