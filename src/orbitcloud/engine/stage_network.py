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
except at traffic-analysis steps).
``flows`` (if ``network.traffic``): ``time``, ``src``, ``dst``, ``demand_bps``,
``allocated_bps`` (max-min fair on shortest paths), plus the step's ``maxflow_bound_bps``.

Provides :class:`~orbitcloud.engine.contract.NetworkRecord` per chunk
-------------------------------------------------------------------------
Its ``view``, a :class:`NetworkChunkState` for steps ``k0 .. k1-1`` of the current chunk:

* ``n_sat``, ``n_ground``, ``ground_names`` (array), ``ground_node(name) -> int``;
* ``snapshot(k) -> orbitcloud.network.routing.Snapshot`` (links, ranges, capacities at step k);
* ``rtt_ground_to_sat_s(k) -> (n_ground, n_sat)`` RTT [s] from each ground endpoint to each
  satellite over ground link + ISLs (``inf`` if unreachable), from one Dijkstra per step run
  from all endpoints (computed on first use, cached);
* ``path(k, a, b) -> (nodes, length_m)`` shortest path between any two nodes (satellite index or
  ``n_sat + g``), ``rtt_s(k, a, b)``.
Ground endpoints never relay unless ``network.relay_via_ground``.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import GeometryRecord, NetworkRecord, Records
from orbitcloud.network.geometry import fibre_rtt_s, great_circle_m
from orbitcloud.network.model import NetworkModel, _pairs, check_network_inputs
from orbitcloud.network.routing import (
    C_M_S,
    Snapshot,
    allocate_shortest_paths,
    max_flow_bound_bps,
    route_pairs,
)
from orbitcloud.scenario.model import Scenario

_RAD2DEG = 180.0 / np.pi


def _bare(snap: Snapshot) -> Snapshot:
    """The snapshot without its caches (cheap to send to a worker process)."""
    return Snapshot(snap.n_sat, snap.n_ground, snap.isl_a, snap.isl_b, snap.isl_range_m,
                    snap.isl_capacity_bps, snap.gsl_ground, snap.gsl_sat, snap.gsl_range_m,
                    snap.gsl_capacity_bps)  # fmt: skip


def _route_steps(snaps: list[Snapshot], src: np.ndarray, dst: np.ndarray, relay: bool) -> list:
    """Routes of the pairs at consecutive steps, each step warm-started from the previous one.

    A source whose previous shortest-path tree is still optimal (checked exactly) skips
    Dijkstra; when most sources fail the check (coarse steps), warm starts back off
    exponentially. Dijkstra caches are dropped after each step (memory stays per step).
    """
    out = []
    warm = None
    skip = 0
    backoff = 1
    n_src = len(np.unique(src))
    for sn in snaps:
        use = warm if skip == 0 else None
        out.append(route_pairs(sn, src, dst, relay, use))
        if use is not None:
            if sn.recomputed > 0.5 * n_src:
                backoff = min(2 * backoff, 64)
                skip = backoff
            else:
                backoff = 1
        else:
            skip = max(skip - 1, 0)
        warm = sn.raw_pred
        sn._cache.clear()
        del sn.raw_pred
    return out


class NetworkChunkState:
    """Per-step network of the current chunk (see the module docstring for the contract)."""

    def __init__(self, k0: int, snaps: list[Snapshot], names: np.ndarray, relay: bool) -> None:
        self.k0 = k0
        self.k1 = k0 + len(snaps)
        self._snaps = snaps
        self.ground_names = names
        self.relay_via_ground = relay
        self.n_sat = snaps[0].n_sat if snaps else 0
        self.n_ground = len(names)
        self._index = {str(n): i for i, n in enumerate(names)}

    def ground_node(self, name: str) -> int:
        """Node id of a ground endpoint."""
        return self.n_sat + self._index[name]

    def snapshot(self, k: int) -> Snapshot:
        """Links at step ``k`` (absolute step index within the run)."""
        return self._snaps[k - self.k0]

    def rtt_ground_to_sat_s(self, k: int) -> np.ndarray:
        """(n_ground, n_sat) round-trip time [s] from each ground endpoint to each satellite."""
        snap = self.snapshot(k)
        dist, _ = snap.shortest_from_ground(np.arange(self.n_ground), self.relay_via_ground)
        return 2.0 * dist[:, : self.n_sat] / C_M_S

    def path(self, k: int, a: int, b: int) -> tuple[list[int], float]:
        """Shortest path (node ids) and its length [m] from node ``a`` to node ``b`` at step k."""
        snap = self.snapshot(k)
        d, p = snap.shortest_from_nodes(np.array([a]), self.relay_via_ground)
        if not np.isfinite(d[0, b]):
            return [], float("inf")
        nodes = [b]
        while nodes[-1] != a:
            nodes.append(int(p[0, nodes[-1]]))
        return nodes[::-1], float(d[0, b])

    def rtt_s(self, k: int, a: int, b: int) -> float:
        """Round-trip time [s] between nodes ``a`` and ``b`` at step ``k``."""
        return 2.0 * self.path(k, a, b)[1] / C_M_S


def ground_table(model: NetworkModel) -> pa.Table:
    g = model.ground
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
    tables = ("ground", "routes", "links", "flows")
    halo_steps = 0

    def __init__(self, scenario: Scenario) -> None:
        self.ground = check_network_inputs(scenario)  # bad input fails here, before any work

    # ------------------------------------------------------------------------------------
    def start(self, ctx: RunContext) -> None:
        sc = ctx.scenario
        self.model = NetworkModel(sc, ctx.sats, self.ground)
        self.relay = sc.network.relay_via_ground
        self.names = self.ground.name if self.ground is not None else np.array([], dtype=object)
        self.src = self.dst = np.zeros(0, dtype=np.int64)
        if self.ground is not None:
            ctx.sink.write("ground", ground_table(self.model))
            if sc.network.routes:
                self.src, self.dst = _pairs(sc.network.routes, self.ground, "network.routes")
        self.traffic = sc.network.traffic
        if self.traffic is not None:
            self.tsrc, self.tdst = _pairs(self.traffic.pairs, self.ground, "network.traffic.pairs")
        g = self.ground
        if len(self.src):
            gc = great_circle_m(g.lat_rad[self.src], g.lon_rad[self.src], g.lat_rad[self.dst],
                                g.lon_rad[self.dst])  # fmt: skip
            t = sc.network.terrestrial
            self.fibre_ms = fibre_rtt_s(gc, t.path_stretch, t.refractive_index) * 1e3
            self.gc_m = gc
        names = [str(x) for x in self.names]
        self.name_dict = pa.array(names, type=pa.string())
        n_pairs = len(self.src)
        self.prev_hash = None
        self.changes = np.zeros(n_pairs, dtype=np.int64)
        self.change_times: list[list[float]] = [[] for _ in range(min(n_pairs, 20))]
        self.rtt_sum = np.zeros(n_pairs)
        self.rtt_n = np.zeros(n_pairs, dtype=np.int64)
        self.rtt_min = np.full(n_pairs, np.inf)
        self.rtt_max = np.full(n_pairs, -np.inf)
        self.faster = 0
        self.isl_count = 0
        self.gsl_count = 0
        self.steps = 0
        self.flow_offered = 0.0
        self.flow_alloc = 0.0
        self.maxflow_sum = 0.0
        self.maxflow_n = 0
        self.util_sum = 0.0
        self.util_n = 0
        self.bottlenecks: dict[tuple[int, int], int] = {}
        self.isl_cap_sum = 0.0
        self._executor = None
        w = sc.network.workers
        if w is None:
            import multiprocessing as mp
            import os

            spare = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                     else (os.cpu_count() or 1)) - 1  # fmt: skip
            w = 0 if mp.current_process().daemon or os.name != "posix" else min(spare, 3)
        self.n_workers = max(int(w), 0)

    # ------------------------------------------------------------------------------------
    def process(self, records: Records, ctx: RunContext) -> None:
        chunk = records.get(GeometryRecord).chunk
        m = self.model
        r = chunk.r_itrf
        valid = chunk.valid
        n_t = chunk.n_time
        s_edges, s_rng, s_ok = m.static_isl(r, valid)
        s_cap = m.isl_capacity_bps(s_edges, s_rng) if len(s_edges) else s_rng
        with np.errstate(all="ignore"):
            alt_max = np.nanmax(np.where(valid, chunk.alt_m, np.nan), axis=1)
        out = ctx.scenario.outputs
        want_routes = len(self.src) > 0 and out.routes
        want_links = out.links
        snaps: list[Snapshot] = []
        route_parts: list[tuple] = []
        link_parts: list[tuple] = []
        flow_parts: list[tuple] = []
        for t in range(n_t):
            k = chunk.k0 + t
            ok = s_ok[t]
            d_edges, d_rng = m.dynamic_isl(r[t], valid[t])
            edges = np.concatenate([s_edges[ok], d_edges])
            rng = np.concatenate([s_rng[t][ok], d_rng])
            cap = np.concatenate([s_cap[t][ok], m.isl_capacity_bps(d_edges, d_rng)])
            gsl = None
            if self.ground is not None:
                up = m.weather_up(k, ctx.grid.step_s, ctx.rng)
                sites = m.site_positions(chunk.gmst_rad[t], chunk.jd[t], chunk.fr[t])
                am = float(alt_max[t]) if np.isfinite(alt_max[t]) else 0.0
                gsl = m.gsl(r[t], am, sites, up)
            snaps.append(m.snapshot(edges, rng, cap, gsl))
        routes = self._routes(snaps) if len(self.src) else [None] * n_t
        for t, (snap, rt) in enumerate(zip(snaps, routes, strict=True)):
            k = chunk.k0 + t
            self.isl_count += len(snap.isl_a)
            self.isl_cap_sum += float(snap.isl_capacity_bps.sum())
            self.gsl_count += len(snap.gsl_ground)
            self.steps += 1
            util = None
            if self.traffic is not None and k % self.traffic.every_steps == 0:
                util = self._traffic(snap, k, flow_parts)
            if rt is not None:
                self._route_stats(rt, k, ctx)
                if want_routes:
                    route_parts.append((k, rt, self._changed))
            if want_links:
                link_parts.append((k, snap, util))
        view = NetworkChunkState(chunk.k0, snaps, self.names, self.relay)
        records.put(NetworkRecord(chunk.k0, chunk.k1, view))
        if route_parts:
            ctx.sink.write("routes", self._routes_table(route_parts, ctx))
        if link_parts:
            ctx.sink.write("links", self._links_table(link_parts, ctx))
        if flow_parts:
            ctx.sink.write("flows", self._flows_table(flow_parts, ctx))

    # ------------------------------------------------------------------------------------
    def _routes(self, snaps: list[Snapshot]) -> list:
        """Routes of the requested pairs at every step; steps split over worker processes.

        Dijkstra holds the GIL, so threads do not help; a fork-started process per spare core
        takes an equal share of the steps (results are identical, only faster). Measured in
        bench/bench_network.py.
        """
        pool = self._pool(len(snaps))
        if pool is None:
            return _route_steps(snaps, self.src, self.dst, self.relay)
        parts = np.array_split(np.arange(len(snaps)), self.n_workers + 1)
        futures = [
            pool.submit(
                _route_steps, [_bare(snaps[i]) for i in part], self.src, self.dst, self.relay
            )
            for part in parts[1:]
        ]
        out = _route_steps([snaps[i] for i in parts[0]], self.src, self.dst, self.relay)
        for f in futures:
            out.extend(f.result())
        return out

    def _pool(self, n_steps: int):
        if self.n_workers <= 0 or n_steps < 4 * (self.n_workers + 1) or len(self.src) < 64:
            return None
        if self._executor is None:
            import multiprocessing as mp
            from concurrent.futures import ProcessPoolExecutor

            self._executor = ProcessPoolExecutor(self.n_workers, mp_context=mp.get_context("fork"))
        return self._executor

    def _route_stats(self, rt, k: int, ctx: RunContext) -> None:
        reach = rt.reachable
        rtt_ms = rt.rtt_s * 1e3
        changed = (
            np.zeros(len(reach), dtype=bool)
            if self.prev_hash is None
            else (rt.path_hash != self.prev_hash)
        )
        self.prev_hash = rt.path_hash
        self._changed = changed
        self.changes += changed
        tsec = k * ctx.grid.step_s
        for i in np.flatnonzero(changed[: len(self.change_times)]):
            if len(self.change_times[i]) < 50:
                self.change_times[i].append(round(tsec, 6))
        self.rtt_sum += np.where(reach, rtt_ms, 0.0)
        self.rtt_n += reach
        self.rtt_min = np.where(reach, np.minimum(self.rtt_min, rtt_ms), self.rtt_min)
        self.rtt_max = np.where(reach, np.maximum(self.rtt_max, rtt_ms), self.rtt_max)
        self.faster += int((reach & (rtt_ms < self.fibre_ms)).sum())

    def _traffic(self, snap: Snapshot, k: int, parts: list) -> np.ndarray:
        tr = self.traffic
        demand = np.full(len(self.tsrc), tr.demand_gbps * 1e9)
        rt = route_pairs(snap, self.tsrc, self.tdst, self.relay)
        rate, load, bott = allocate_shortest_paths(snap, rt, self.tsrc, demand, self.relay)
        bound = (
            max_flow_bound_bps(snap, self.tsrc, self.tdst, demand, self.relay)
            if tr.max_flow
            else np.nan
        )
        u, v, _, cap, kind, lid = snap.directed_links(self.relay)
        with np.errstate(divide="ignore", invalid="ignore"):
            ud = np.where(cap > 0, load / cap, 0.0)
        # per undirected link: max over both directions
        n_isl = len(snap.isl_a)
        n_gsl = len(snap.gsl_ground)
        util_isl = np.zeros(n_isl)
        util_gsl = np.zeros(n_gsl)
        isl_m = kind == 0
        np.maximum.at(util_isl, lid[isl_m], ud[isl_m])
        np.maximum.at(util_gsl, lid[~isl_m], ud[~isl_m])
        self.flow_offered += float(demand.sum())
        self.flow_alloc += float(rate.sum())
        if np.isfinite(bound):
            self.maxflow_sum += bound
            self.maxflow_n += 1
        if n_isl:
            self.util_sum += float(util_isl.sum())
            self.util_n += n_isl
        ns = snap.n_sat
        for j in np.flatnonzero(bott)[:200]:
            a, b = int(u[j]), int(v[j])
            a = a if a < ns + snap.n_ground else a - snap.n_ground
            key = (min(a, b), max(a, b))
            self.bottlenecks[key] = self.bottlenecks.get(key, 0) + 1
        parts.append((k, demand, rate, bound))
        return np.concatenate([util_isl, util_gsl])

    # ------------------------------------------------------------------------------------
    def _routes_table(self, parts: list, ctx: RunContext) -> pa.Table:
        n_p = len(self.src)
        ks = np.array([p[0] for p in parts])
        rtt = np.concatenate([p[1].rtt_s for p in parts]) * 1e3
        reach = np.isfinite(rtt)
        hops = np.concatenate([p[1].hops for p in parts]).astype(np.int32)
        changed = np.concatenate([p[2] for p in parts])
        values = np.concatenate([p[1].path_values for p in parts]).astype(np.int32)
        lens = np.concatenate([np.diff(p[1].path_offsets) for p in parts])
        offsets = np.zeros(len(lens) + 1, dtype=np.int32)
        np.cumsum(lens, out=offsets[1:])
        times = ctx.grid.unix_ms(0, ctx.grid.n)[ks]
        idx_src = pa.array(np.tile(self.src.astype(np.int32), len(parts)))
        idx_dst = pa.array(np.tile(self.dst.astype(np.int32), len(parts)))
        path = pa.ListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.int32()),
                                        mask=pa.array(~reach))  # fmt: skip
        return pa.table(
            {
                "time": pa.array(np.repeat(times, n_p), type=pa.timestamp("ms", tz="UTC")),
                "src": pa.DictionaryArray.from_arrays(idx_src, self.name_dict),
                "dst": pa.DictionaryArray.from_arrays(idx_dst, self.name_dict),
                "rtt_ms": pa.array(np.where(reach, rtt, 0.0), mask=~reach),
                "hops": pa.array(hops, mask=~reach),
                "path": path,
                "path_changed": pa.array(changed),
                "terrestrial_rtt_ms": pa.array(np.tile(self.fibre_ms, len(parts))),
            }
        )

    def _links_table(self, parts: list, ctx: RunContext) -> pa.Table:
        cols: dict[str, list] = {k: [] for k in ("t", "a", "b", "kind", "rng", "cap", "util")}
        times = ctx.grid.unix_ms(0, ctx.grid.n)
        for k, snap, util in parts:
            n_i, n_g = len(snap.isl_a), len(snap.gsl_ground)
            cols["t"].append(np.full(n_i + n_g, times[k]))
            cols["a"].append(np.concatenate([snap.isl_a, snap.n_sat + snap.gsl_ground]))
            cols["b"].append(np.concatenate([snap.isl_b, snap.gsl_sat]))
            cols["kind"].append(np.r_[np.zeros(n_i, np.int32), np.ones(n_g, np.int32)])
            cols["rng"].append(np.concatenate([snap.isl_range_m, snap.gsl_range_m]))
            cols["cap"].append(np.concatenate([snap.isl_capacity_bps, snap.gsl_capacity_bps]))
            cols["util"].append(np.full(n_i + n_g, np.nan) if util is None else util)
        cat = {k: np.concatenate(v) for k, v in cols.items()}
        kinds = pa.array(["isl", "gsl"], type=pa.string())
        util = cat["util"]
        return pa.table(
            {
                "time": pa.array(cat["t"], type=pa.timestamp("ms", tz="UTC")),
                "a": pa.array(cat["a"].astype(np.int32)),
                "b": pa.array(cat["b"].astype(np.int32)),
                "kind": pa.DictionaryArray.from_arrays(pa.array(cat["kind"]), kinds),
                "range_m": pa.array(cat["rng"]),
                "capacity_bps": pa.array(cat["cap"]),
                "utilisation": pa.array(
                    np.nan_to_num(util), type=pa.float32(), mask=~np.isfinite(util)
                ),
            }
        )

    def _flows_table(self, parts: list, ctx: RunContext) -> pa.Table:
        n_f = len(self.tsrc)
        times = ctx.grid.unix_ms(0, ctx.grid.n)[[p[0] for p in parts]]
        bound = np.repeat([p[3] for p in parts], n_f).astype(float)
        return pa.table(
            {
                "time": pa.array(np.repeat(times, n_f), type=pa.timestamp("ms", tz="UTC")),
                "src": pa.DictionaryArray.from_arrays(
                    pa.array(np.tile(self.tsrc.astype(np.int32), len(parts))), self.name_dict
                ),
                "dst": pa.DictionaryArray.from_arrays(
                    pa.array(np.tile(self.tdst.astype(np.int32), len(parts))), self.name_dict
                ),
                "demand_bps": pa.array(np.concatenate([p[1] for p in parts])),
                "allocated_bps": pa.array(np.concatenate([p[2] for p in parts])),
                "maxflow_bound_bps": pa.array(np.nan_to_num(bound), mask=~np.isfinite(bound)),
            }
        )

    # ------------------------------------------------------------------------------------
    def finish(self, final: Records, ctx: RunContext) -> None:
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
        m = self.model
        steps = max(self.steps, 1)
        k = ctx.kpis
        k["network_isl_links_mean"] = round(self.isl_count / steps, 2)
        k["network_isl_broken_link_steps"] = int(m.broken_link_steps)
        k["network_isl_capacity_mean_gbps"] = (
            round(self.isl_cap_sum / self.isl_count / 1e9, 3) if self.isl_count else None
        )
        summ: dict = {
            "isl_rules": {s.name: s.topology for s in m.shells},
            "terminals": {
                s.name: {"preset": s.terminal.name, "source": s.terminal.source}
                for s in m.shells
                if s.topology != "none"
            },
            "isl_candidates_dropped_below_grazing": int(m.dropped_candidates),
        }
        if self.ground is not None:
            k["network_ground_endpoints"] = len(self.ground)
            k["network_ground_links_mean"] = round(self.gsl_count / steps, 2)
            summ["site_model"] = m.site_model
        n_p = len(self.src)
        if n_p:
            reach_steps = int(self.rtt_n.sum())
            total = n_p * self.steps
            k["network_route_pairs"] = n_p
            k["network_reachable_fraction"] = round(reach_steps / max(total, 1), 6)
            if reach_steps:
                k["network_rtt_mean_ms"] = round(float(self.rtt_sum.sum() / reach_steps), 4)
                k["network_rtt_min_ms"] = round(float(self.rtt_min[self.rtt_n > 0].min()), 4)
                k["network_rtt_max_ms"] = round(float(self.rtt_max[self.rtt_n > 0].max()), 4)
                k["network_faster_than_fibre_fraction"] = round(self.faster / reach_steps, 6)
            k["network_path_changes"] = int(self.changes.sum())
            pairs = []
            for i in range(min(n_p, 20)):
                ok = self.rtt_n[i] > 0
                pairs.append({
                    "src": str(self.names[self.src[i]]), "dst": str(self.names[self.dst[i]]),
                    "rtt_min_ms": round(float(self.rtt_min[i]), 5) if ok else None,
                    "rtt_mean_ms": round(float(self.rtt_sum[i] / self.rtt_n[i]), 5) if ok else None,
                    "rtt_max_ms": round(float(self.rtt_max[i]), 5) if ok else None,
                    "terrestrial_rtt_ms": round(float(self.fibre_ms[i]), 5),
                    "great_circle_km": round(float(self.gc_m[i]) / 1e3, 3),
                    "reachable_fraction": round(float(self.rtt_n[i]) / steps, 6),
                    "path_changes": int(self.changes[i]),
                    "path_change_times_s": self.change_times[i],
                })  # fmt: skip
            summ["routes"] = pairs
        if self.traffic is not None and self.flow_offered > 0:
            k["network_throughput_fraction"] = round(self.flow_alloc / self.flow_offered, 6)
            if self.maxflow_n:
                k["network_maxflow_bound_mean_gbps"] = round(
                    self.maxflow_sum / self.maxflow_n / 1e9, 3
                )
            if self.util_n:
                k["network_isl_utilisation_mean"] = round(self.util_sum / self.util_n, 6)
            top = sorted(self.bottlenecks.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
            summ["bottleneck_links"] = [{"a": a, "b": b, "steps": c} for (a, b), c in top]
        ctx.summary["network"] = summ
