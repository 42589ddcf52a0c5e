"""Network stage: ISLs, ground links, routes and RTTs, capacity; tables and network KPIs.

Tables
------
``ground`` (once): ``name``, ``kind``, ``lat_deg``, ``lon_deg``, ``alt_m``, ``node``,
``country``, ``population``.
``routes`` (if ``network.routes`` and ``outputs.routes``): one row per requested pair and step:
``time``, ``src``, ``dst`` (endpoint names), ``rtt_ms`` (null if unreachable), ``hops``,
``path`` (list<int32> of node ids: satellites ``sat``, ground endpoints ``n_sat + g`` as in
``ground.node``), ``path_changed`` (path differs from the previous step's), ``terrestrial_rtt_ms``.
``links`` (if ``outputs.links``): ``time``, ``a``, ``b`` (node ids), ``kind`` (isl/gsl),
``range_m``, ``capacity_bps`` (per direction), ``utilisation`` (max of both directions, null
except at traffic-analysis steps), ``binding`` (the constraint that sets the capacity),
``spatial_channels`` and ``wdm_channels`` (of an optical link; null for radio).
``link_budget`` (once): capacity against range of every optical terminal preset and of the
run's modified terminals (:func:`orbitcloud.network.linkbudget.capacity_curves`).
``flows`` (if ``network.traffic``): ``time``, ``src``, ``dst``, ``demand_bps``,
``allocated_bps`` (max-min fair on shortest paths), plus the step's ``maxflow_bound_bps``.

Provides :class:`~orbitcloud.engine.contract.NetworkRecord` per chunk
-------------------------------------------------------------------------
Its ``view`` is a :class:`orbitcloud.network.view.NetworkChunkState` for steps ``k0 .. k1-1``
of the current chunk (snapshots, shortest paths, RTTs; see its docstring).

The models live in :mod:`orbitcloud.network`: snapshots per step (built here, or on a Dask
worker with their routes: :class:`~orbitcloud.network.chunklinks.ChunkFeed`), routes by planned
searches over worker processes in blocks that fit a memory budget set by the pair count
(:mod:`orbitcloud.network.stepping`), run statistics (:mod:`orbitcloud.network.stats`). This
stage orders them, keeps their state from chunk to chunk, writes tables, KPIs and the summary.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import GeometryRecord, NetworkRecord, Records
from orbitcloud.network.chunklinks import ChunkFeed
from orbitcloud.network.geometry import fibre_rtt_s, great_circle_m
from orbitcloud.network.linkbudget import BINDING, capacity_curves
from orbitcloud.network.model import NetworkModel, _pairs, check_network_inputs
from orbitcloud.network.routeplan import plan_routes
from orbitcloud.network.routing import Routes, Snapshot
from orbitcloud.network.stats import (
    LinkStats,
    RouteDrivers,
    RouteStats,
    TrafficParams,
    TrafficStats,
    TrafficStep,
    advance_link_stats,
    advance_route_stats,
    advance_traffic,
    bottleneck_summary,
    link_kpis,
    route_kpis,
    route_pair_summary,
    traffic_kpis,
)
from orbitcloud.network.stepping import StepRouter, routing_workers, steps_per_block
from orbitcloud.network.view import NetworkChunkState
from orbitcloud.scenario.model import Scenario

_RAD2DEG = 180.0 / np.pi
_TS = pa.timestamp("ms", tz="UTC")
_BINDING = pa.array(BINDING, type=pa.string())


def _binding(codes: np.ndarray) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), _BINDING)


def link_budget_table(model: NetworkModel) -> pa.Table:
    c = capacity_curves(model.budget_terminals())
    ints = {k: pa.array(c[k].astype(np.int32)) for k in ("spatial_channels", "wdm_channels")}
    return pa.table(
        {"terminal": pa.array(list(c["terminal"]), pa.string()),
         "preset": pa.array(list(c["preset"]), pa.string()),
         **{k: pa.array(c[k]) for k in ("range_m", "capacity_bps", "power_limited_bps",
                                        "channel_cap_bps")},
         "binding": _binding(c["binding"]), **ints}
    )  # fmt: skip


def ground_table(model: NetworkModel) -> pa.Table:
    g = model.ground
    assert g is not None  # written only with ground endpoints
    return pa.table(
        {
            "name": pa.array([str(x) for x in g.name], type=pa.string()),
            "kind": pa.array([str(x) for x in g.kind], type=pa.string()),
            "lat_deg": pa.array(g.lat_rad * _RAD2DEG),
            "lon_deg": pa.array(g.lon_rad * _RAD2DEG),
            "alt_m": pa.array(g.alt_m),
            "node": pa.array(model.n_sat + np.arange(len(g), dtype=np.int32), type=pa.int32()),
            "country": pa.array([str(x) for x in g.country], type=pa.string()),
            "population": pa.array(g.population),
        }
    )


class NetworkStage:
    """ISLs, ground links, routing, capacity (see the module docstring)."""

    name = "network"
    requires: tuple[type, ...] = ()
    provides: tuple[type, ...] = (NetworkRecord,)
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = ()
    tables = ("ground", "routes", "links", "flows", "link_budget")
    halo_steps = 0

    def __init__(self, scenario: Scenario) -> None:
        self.ground = check_network_inputs(scenario)  # bad input fails here, before any work

    # ------------------------------------------------------------------------------------
    def start(self, ctx: RunContext) -> None:
        sc = ctx.scenario
        self.model = NetworkModel(sc, ctx.sats, self.ground)
        ctx.sink.write("link_budget", link_budget_table(self.model))
        self.relay = sc.network.relay_via_ground
        g = self.ground
        self.names = g.name if g is not None else np.array([], dtype=object)
        self.src = self.dst = np.zeros(0, dtype=np.int64)
        if g is not None:
            ctx.sink.write("ground", ground_table(self.model))
            if sc.network.routes:
                self.src, self.dst = _pairs(sc.network.routes, g, "network.routes")
        self.traffic: TrafficParams | None = None
        tr = sc.network.traffic
        if tr is not None:
            assert g is not None  # check_network_inputs: traffic needs ground endpoints
            tsrc, tdst = _pairs(tr.pairs, g, "network.traffic.pairs")
            self.traffic = TrafficParams(tsrc, tdst, tr.demand_gbps * 1e9, self.relay, tr.max_flow)
            self.every = tr.every_steps
        plan = None
        if len(self.src):
            assert g is not None
            plan = plan_routes(self.src, self.dst, g.lat_rad, g.lon_rad)  # searches, once
            self.gc_m = great_circle_m(g.lat_rad[self.src], g.lon_rad[self.src],
                                       g.lat_rad[self.dst], g.lon_rad[self.dst])  # fmt: skip
            t = sc.network.terrestrial
            self.fibre_ms = fibre_rtt_s(self.gc_m, t.path_stretch, t.refractive_index) * 1e3
        self.name_dict = pa.array([str(x) for x in self.names], type=pa.string())
        self.route_stats = RouteStats.empty(len(self.src))
        self.link_stats = LinkStats()
        self.traffic_stats = TrafficStats()
        self.router = StepRouter(routing_workers(sc.network.workers), plan)
        self.feed = ChunkFeed(self.model, self.router)  # engine.distributed hands chunks in

    # ------------------------------------------------------------------------------------
    def process(self, records: Records, ctx: RunContext) -> None:
        chunk = records.get(GeometryRecord).chunk
        snaps = self.feed.snapshots(chunk, ctx.grid.step_s, ctx.rng)
        ks = np.arange(chunk.k0, chunk.k1)
        blk = steps_per_block(len(self.src))  # routes of a block fit a fixed memory budget
        for i in range(0, len(snaps) if len(self.src) else 0, blk):
            self._route_block(snaps[i : i + blk], ks[i : i + blk], ctx)
        utils: dict[int, np.ndarray] = {}
        flows: list[tuple[int, TrafficStep]] = []
        if self.traffic is not None:
            at = [t for t in range(len(snaps)) if ks[t] % self.every == 0]
            self.traffic_stats, steps = advance_traffic(
                self.traffic_stats, [snaps[t] for t in at], self.traffic
            )
            flows = [(int(ks[t]), st) for t, st in zip(at, steps, strict=True)]
            utils = {t: np.concatenate([st.utilisation_isl, st.utilisation_gsl])
                     for t, st in zip(at, steps, strict=True)}  # fmt: skip
        self.link_stats, _ = advance_link_stats(self.link_stats, snaps)
        view = NetworkChunkState(chunk.k0, snaps, self.names, self.relay)
        records.put(NetworkRecord(chunk.k0, chunk.k1, view))
        if ctx.scenario.outputs.links and snaps:
            ctx.sink.write("links", self._links_table(ks, snaps, utils, ctx))
        if flows:
            ctx.sink.write("flows", self._flows_table(flows, ctx))

    def _route_block(self, snaps: list[Snapshot], ks: np.ndarray, ctx: RunContext) -> None:
        """Route steps ``ks``, fold them into the route statistics, write their rows."""
        routes = self.feed.route(snaps, self.src, self.dst, self.relay)
        t_s = ctx.grid.offsets_s(int(ks[0]), int(ks[-1]) + 1)
        drivers = RouteDrivers.from_routes(routes, t_s, len(self.src))
        self.route_stats, changed = advance_route_stats(self.route_stats, drivers, self.fibre_ms)
        if ctx.scenario.outputs.routes:
            ctx.sink.write("routes", self._routes_table(ks, routes, changed, ctx))

    # ------------------------------------------------------------------------------------
    def _routes_table(
        self, ks: np.ndarray, routes: list[Routes], changed: np.ndarray, ctx: RunContext
    ) -> pa.Table:
        n_p = len(self.src)
        rtt = np.concatenate([r.rtt_s for r in routes]) * 1e3
        reach = np.isfinite(rtt)
        hops = np.concatenate([r.hops for r in routes]).astype(np.int32)
        values = np.concatenate([r.path_values for r in routes]).astype(np.int32)
        lens = np.concatenate([np.diff(r.path_offsets) for r in routes])
        offsets = np.zeros(len(lens) + 1, dtype=np.int32)
        np.cumsum(lens, out=offsets[1:])
        times = ctx.grid.unix_ms(0, ctx.grid.n)[ks]
        path = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.int32()),
                                        mask=pa.array(~reach))  # fmt: skip
        return pa.table(
            {
                "time": pa.array(np.repeat(times, n_p), type=_TS),
                "src": self._names(self.src, len(routes)),
                "dst": self._names(self.dst, len(routes)),
                "rtt_ms": pa.array(np.where(reach, rtt, 0.0), mask=~reach),
                "hops": pa.array(hops, mask=~reach),
                "path": path,
                "path_changed": pa.array(changed.ravel()),
                "terrestrial_rtt_ms": pa.array(np.tile(self.fibre_ms, len(routes))),
            }
        )

    def _names(self, idx: np.ndarray, repeat: int) -> pa.DictionaryArray:
        """Endpoint names of ``idx``, ``repeat`` times over (a dictionary column)."""
        return pa.DictionaryArray.from_arrays(
            pa.array(np.tile(idx.astype(np.int32), repeat)), self.name_dict
        )

    def _links_table(
        self, ks: np.ndarray, snaps: list[Snapshot], utils: dict[int, np.ndarray], ctx: RunContext
    ) -> pa.Table:
        keys = ("t", "a", "b", "kind", "rng", "cap", "util", "bind", "n_sp", "wdm")
        cols: dict[str, list] = {k: [] for k in keys}
        times = ctx.grid.unix_ms(0, ctx.grid.n)
        for t, snap in enumerate(snaps):
            n_i, n_g = len(snap.isl_a), len(snap.gsl_ground)
            cols["t"].append(np.full(n_i + n_g, times[ks[t]]))
            cols["a"].append(np.concatenate([snap.isl_a, snap.n_sat + snap.gsl_ground]))
            cols["b"].append(np.concatenate([snap.isl_b, snap.gsl_sat]))
            cols["kind"].append(np.r_[np.zeros(n_i, np.int32), np.ones(n_g, np.int32)])
            cols["rng"].append(np.concatenate([snap.isl_range_m, snap.gsl_range_m]))
            cols["cap"].append(np.concatenate([snap.isl_capacity_bps, snap.gsl_capacity_bps]))
            cols["util"].append(utils.get(t, np.full(n_i + n_g, np.nan)))
            for k, v in zip(("bind", "n_sp", "wdm"), self.model.link_labels(snap), strict=True):
                cols[k].append(v)
        cat = {k: np.concatenate(v) for k, v in cols.items()}
        kinds = pa.array(["isl", "gsl"], type=pa.string())
        util = cat["util"]
        return pa.table(
            {
                "time": pa.array(cat["t"], type=_TS),
                "a": pa.array(cat["a"].astype(np.int32)),
                "b": pa.array(cat["b"].astype(np.int32)),
                "kind": pa.DictionaryArray.from_arrays(pa.array(cat["kind"]), kinds),
                "range_m": pa.array(cat["rng"]),
                "capacity_bps": pa.array(cat["cap"]),
                "utilisation": pa.array(
                    np.nan_to_num(util), type=pa.float32(), mask=~np.isfinite(util)
                ),
                "binding": _binding(cat["bind"]),
                "spatial_channels": pa.array(cat["n_sp"].astype(np.int32), mask=cat["n_sp"] == 0),
                "wdm_channels": pa.array(cat["wdm"].astype(np.int32), mask=cat["wdm"] == 0),
            }
        )

    def _flows_table(self, flows: list[tuple[int, TrafficStep]], ctx: RunContext) -> pa.Table:
        assert self.traffic is not None
        n_f = len(self.traffic.src)
        times = ctx.grid.unix_ms(0, ctx.grid.n)[[k for k, _ in flows]]
        bound = np.repeat([s.maxflow_bound_bps for _, s in flows], n_f).astype(float)
        return pa.table(
            {
                "time": pa.array(np.repeat(times, n_f), type=_TS),
                "src": self._names(self.traffic.src, len(flows)),
                "dst": self._names(self.traffic.dst, len(flows)),
                "demand_bps": pa.array(np.concatenate([s.demand_bps for _, s in flows])),
                "allocated_bps": pa.array(np.concatenate([s.allocated_bps for _, s in flows])),
                "maxflow_bound_bps": pa.array(np.nan_to_num(bound), mask=~np.isfinite(bound)),
            }
        )

    # ------------------------------------------------------------------------------------
    def finish(self, final: Records, ctx: RunContext) -> None:
        self.router.close()
        m = self.model
        n_ground = len(self.ground) if self.ground is not None else None
        ctx.kpis.update(link_kpis(self.link_stats, m.broken_link_steps, n_ground))
        summ: dict[str, Any] = {
            "isl_rules": {s.name: s.topology for s in m.shells},
            "terminals": m.terminal_summary(),
            "isl_candidates_dropped_below_grazing": int(m.dropped_candidates),
        }
        if self.ground is not None:
            summ["site_model"] = m.site_model
        if len(self.src):
            ctx.kpis.update(route_kpis(self.route_stats))
            names = [str(x) for x in self.names]
            summ["routes"] = route_pair_summary(
                self.route_stats, [names[i] for i in self.src], [names[i] for i in self.dst],
                self.fibre_ms, self.gc_m,
            )  # fmt: skip
        if self.traffic is not None and self.traffic_stats.offered_bps > 0:
            ctx.kpis.update(traffic_kpis(self.traffic_stats))
            summ["bottleneck_links"] = bottleneck_summary(self.traffic_stats)
        ctx.summary["network"] = summ
