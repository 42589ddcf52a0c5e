"""The network of a scenario: checks its inputs, then builds a :class:`Snapshot` per time step.

:func:`check_network_inputs` validates everything that can be checked from the scenario alone
(topology rule vs constellation kind, links vs terminals, cities, route endpoints) and raises
:class:`~orbitcloud.scenario.errors.OrbitcloudInputError` naming the field, before any work.
:class:`NetworkModel` then turns satellite positions into per-step snapshots, vectorised over
satellites (and over the steps of a chunk for the fixed +Grid).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.spatial import cKDTree

from orbitcloud.astro.constants import R_EARTH_M
from orbitcloud.astro.elements import SatelliteSet
from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.network.geometry import segment_min_radius_m
from orbitcloud.network.ground import (
    PYEPHEM_SCALE,
    GroundSet,
    gmst_newcomb_rad,
    ground_link_search_radius_m,
    ground_links,
    make_ground_set,
    rotate_z,
    select_cities,
    site_itrf_pyephem,
    site_itrf_wgs84,
    site_up_vectors,
)
from orbitcloud.network.linkbudget import (
    FIXED,
    TERMINALS,
    OpticalTerminal,
    optical_data_rate_bps,
    optical_link_budget,
    resolve_terminal,
    rf_capacity_bps,
    rf_link_budget,
)
from orbitcloud.network.routing import Snapshot
from orbitcloud.network.topology import (
    bipartite_candidates,
    edge_keys,
    greedy_b_matching,
    knn_candidates,
    plus_grid_edges,
    radius_candidates,
)
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import Scenario
from orbitcloud.scenario.network import GroundSpec, TerminalSpec

_DEG = np.pi / 180.0
DEFAULT_TERMINALS = {"plus-grid": 4, "nearest-k": 4, "mesh": None, "none": 0}
"""Laser terminals per satellite when a constellation does not say."""
WEATHER_STREAM = "network.weather.{}"
"""Purpose of the random stream of one weather period (a run's ``rng(purpose)``)."""


def _terminal(spec: TerminalSpec) -> OpticalTerminal:
    return resolve_terminal(spec.preset, **spec.model_dump(exclude={"preset"}))


def resolve_ground(spec: GroundSpec, where: str = "ground") -> GroundSet:
    """The ground endpoints of a scenario; an unknown city raises naming the field."""
    cities: list[dict] = []
    kind = "user"
    if spec.cities is not None:
        c = spec.cities
        kind = c.kind
        try:
            cities = select_cities(c.top, c.names, c.countries, c.regions, c.bbox_deg,
                                   c.min_population)  # fmt: skip
        except KeyError as exc:
            i = c.names.index(exc.args[0])
            raise OrbitcloudInputError(
                f"unknown city {exc.args[0]!r}: not in the GeoNames cities (population "
                "> 15,000; GeoNames spelling such as 'New York City'); give it as an endpoint "
                "with lat_deg and lon_deg instead",
                f"{where}.cities.names.{i}",
            ) from None
        if not cities:
            raise OrbitcloudInputError(
                "the city filters select no city; widen countries/regions/bbox_deg or lower "
                "min_population", f"{where}.cities",
            )  # fmt: skip
    explicit = [e.model_dump() for e in spec.endpoints]
    return make_ground_set(explicit, cities, kind)


def _pairs(
    value: Literal["all"] | list[list[str]], ground: GroundSet, where: str
) -> tuple[np.ndarray, np.ndarray]:
    n = len(ground)
    if value == "all":
        i, j = np.triu_indices(n, k=1)
        return i.astype(np.int64), j.astype(np.int64)
    idx = ground.index()
    src, dst = [], []
    for k, (a, b) in enumerate(value):
        for side, name in ((0, a), (1, b)):
            if name not in idx:
                near = ", ".join(sorted(idx)[:8]) + (" ..." if len(idx) > 8 else "")
                raise OrbitcloudInputError(
                    f"route endpoint {name!r} is not a ground endpoint; defined: {near}",
                    f"{where}.{k}.{side}",
                )
        src.append(idx[a])
        dst.append(idx[b])
    return np.array(src, dtype=np.int64), np.array(dst, dtype=np.int64)


def check_network_inputs(scenario: Scenario) -> GroundSet | None:
    """Validate the network sections against the rest of the scenario (no propagation).

    Returns the resolved ground endpoints (or None without ``ground``).
    """
    names = [c.name for c in scenario.constellations]
    for k, s in enumerate(scenario.network.inter_shell):
        for j, nm in enumerate(s.between):
            if nm not in names:
                raise OrbitcloudInputError(
                    f"no constellation named {nm!r}; constellations: {', '.join(names)}",
                    f"network.inter_shell.{k}.between.{j}",
                )
        if s.between[0] == s.between[1]:
            raise OrbitcloudInputError(
                "links between shells need two different constellations",
                f"network.inter_shell.{k}.between",
            )
    for i, c in enumerate(scenario.constellations):
        isl = c.isl
        where = f"constellations.{i}.isl"
        if isl.topology == "plus-grid" and c.walker is None:
            raise OrbitcloudInputError(
                f"topology plus-grid needs a Walker shell (planes and slots); constellation "
                f"{c.name!r} is a {c.kind} source: use nearest-k for catalogues, mesh for clusters",
                f"{where}.topology",
            )
        if isl.topology == "mesh" and isl.mesh_radius_m is None:
            raise OrbitcloudInputError(
                "topology mesh needs mesh_radius_m", f"{where}.mesh_radius_m"
            )
        if isl.topology != "nearest-k" and isl.links_per_satellite is not None:
            raise OrbitcloudInputError(
                "links_per_satellite applies to topology nearest-k only",
                f"{where}.links_per_satellite",
            )
        term = isl.terminals if isl.terminals is not None else DEFAULT_TERMINALS[isl.topology]
        need = {"plus-grid": 4, "nearest-k": isl.links_per_satellite or (term or 0), "mesh": 0,
                "none": 0}[isl.topology]  # fmt: skip
        if isl.topology == "nearest-k" and need == 0:
            raise OrbitcloudInputError("nearest-k needs terminals >= 1", f"{where}.terminals")
        extra = sum(
            s.links_per_satellite for s in scenario.network.inter_shell if c.name in s.between
        )
        if term is not None and need + extra > term:
            field = "links_per_satellite" if isl.topology == "nearest-k" else "terminals"
            raise OrbitcloudInputError(
                f"{need} {isl.topology} links" + (f" + {extra} inter-shell" if extra else "")
                + f" per satellite need more laser terminals than the {term} configured (a "
                "terminal serves one link)", f"{where}.{field}",
            )  # fmt: skip
    net = scenario.network
    if scenario.ground is None:
        if net.routes or net.traffic is not None:
            field = "network.routes" if net.routes else "network.traffic"
            raise OrbitcloudInputError("routes and traffic need ground endpoints (ground)", field)
        return None
    ground = resolve_ground(scenario.ground)
    if net.routes:
        _pairs(net.routes, ground, "network.routes")
    if net.traffic is not None:
        _pairs(net.traffic.pairs, ground, "network.traffic.pairs")
    return ground


@dataclass
class _Shell:
    index: int
    name: str
    sats: np.ndarray  # satellite indices
    topology: str
    terminal: OpticalTerminal
    terminals: int | None
    k: int
    max_range_m: float
    grazing_m: float
    candidates: int
    mesh_radius_m: float | None
    static_edges: np.ndarray | None


class NetworkModel:
    """Builds per-step snapshots (ISLs and ground links with range and capacity).

    Parameters
    ----------
    scenario : validated scenario
    sats : the run's satellites (``shell`` = constellation index, plane/slot for Walker)
    ground : resolved endpoints (:func:`check_network_inputs`)
    """

    def __init__(self, scenario: Scenario, sats: SatelliteSet, ground: GroundSet | None) -> None:
        self.scenario = scenario
        self.n_sat = len(sats)
        self.ground = ground
        self.n_ground = 0 if ground is None else len(ground)
        self.shells: list[_Shell] = []
        self.sat_terminal_idx = np.zeros(self.n_sat, dtype=np.int64)
        self.terminal_list: list[OpticalTerminal] = []
        for i, c in enumerate(scenario.constellations):
            ids = np.flatnonzero(sats.shell == i)
            isl = c.isl
            t = _terminal(isl.terminal)
            self.terminal_list.append(t)
            self.sat_terminal_idx[ids] = i
            max_r = t.max_range_m if isl.max_range_km is None else isl.max_range_km * 1e3
            term = isl.terminals if isl.terminals is not None else DEFAULT_TERMINALS[isl.topology]
            static = None
            if isl.topology == "plus-grid" and len(ids):
                w = c.walker
                assert w is not None  # check_network_inputs: plus-grid needs a Walker shell
                e = plus_grid_edges(sats.plane[ids], sats.slot[ids], w.planes, w.sats_per_plane,
                                    isl.inter_plane_shift)  # fmt: skip
                static = ids[e]
            k = isl.links_per_satellite or (term or 0)
            self.shells.append(_Shell(i, c.name, ids, isl.topology, t, term, k, max_r,
                                      isl.grazing_altitude_km * 1e3, isl.candidates_per_satellite,
                                      isl.mesh_radius_m, static))  # fmt: skip
        self.inter = []
        for s in scenario.network.inter_shell:
            ia = [c.name for c in scenario.constellations].index(s.between[0])
            ib = [c.name for c in scenario.constellations].index(s.between[1])
            rng = (
                s.max_range_km * 1e3
                if s.max_range_km
                else min(self.shells[ia].max_range_m, self.shells[ib].max_range_m)
            )
            self.inter.append(
                (
                    ia,
                    ib,
                    s.links_per_satellite,
                    rng,
                    s.candidates_per_satellite,
                    min(self.shells[ia].grazing_m, self.shells[ib].grazing_m),
                )
            )
        self.prev_dynamic: np.ndarray = np.zeros(0, dtype=np.int64)
        self.max_range_per_sat = np.full(self.n_sat, np.inf)
        self.grazing_per_sat = np.zeros(self.n_sat)
        for sh in self.shells:
            self.max_range_per_sat[sh.sats] = sh.max_range_m
            self.grazing_per_sat[sh.sats] = sh.grazing_m
        self.broken_link_steps = 0
        self.dropped_candidates = 0
        # ground
        if ground is not None:
            gs = scenario.ground
            assert gs is not None  # ground endpoints come from scenario.ground
            self.site_model = gs.site_model
            self.site_fixed = (
                site_itrf_pyephem(ground) if gs.site_model == "pyephem" else site_itrf_wgs84(ground)
            )
            self.site_up = site_up_vectors(ground)
            lk = gs.link
            self.min_el = None if lk.min_elevation_deg is None else lk.min_elevation_deg * _DEG
            self.max_gsl = None if lk.max_range_km is None else lk.max_range_km * 1e3
            self.link_spec = lk
            self.gsl_terminal = (
                _terminal(lk.terminal)
                if lk.terminal is not None
                else (resolve_terminal("starlink-class") if lk.band == "optical" else None)
            )
            self.site_tree = cKDTree(self.site_fixed)
            self._weather: dict[int, np.ndarray] = {}

    # -------------------------------------------------------------------------------- ISLs
    def static_isl(
        self, r: np.ndarray, valid: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Fixed (+Grid) ISLs over a chunk: edges (m, 2), ranges (n_t, m), usable (n_t, m)."""
        parts = [(s, e) for s in self.shells if (e := s.static_edges) is not None and len(e)]
        if not parts:
            return (
                np.zeros((0, 2), np.int64),
                np.zeros((r.shape[0], 0)),
                np.zeros((r.shape[0], 0), bool),
            )
        edges = np.concatenate([e for _, e in parts])
        max_r = np.concatenate([np.full(len(e), s.max_range_m) for s, e in parts])
        graze = np.concatenate([np.full(len(e), s.grazing_m) for s, e in parts])
        ra = r[:, edges[:, 0]]
        rb = r[:, edges[:, 1]]
        rng = np.linalg.norm(ra - rb, axis=-1)
        ok = valid[:, edges[:, 0]] & valid[:, edges[:, 1]] & np.isfinite(rng)
        with np.errstate(invalid="ignore"):
            ok &= rng <= max_r[None, :]
            ok &= _clear(ra, rb, graze)
        self.broken_link_steps += int((~ok).sum())
        return edges, rng, ok

    def dynamic_isl(self, r: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest-k, mesh and inter-shell ISLs at one step: edges (m, 2) and ranges (m,).

        Candidates of all rules are matched together against each satellite's free terminals;
        links held at the previous step and still valid go first (no needless re-pointing).
        """
        a_l, b_l, d_l, g_l = [], [], [], []
        cap = np.zeros(self.n_sat, dtype=np.int64)
        unlimited = np.zeros(self.n_sat, dtype=bool)
        any_dyn = False
        for s in self.shells:
            if s.topology in ("nearest-k", "mesh"):
                any_dyn = True
                v = np.zeros(self.n_sat, dtype=bool)
                v[s.sats] = valid[s.sats]
                sub = r[s.sats]
                if s.topology == "nearest-k":
                    a, b, d = knn_candidates(sub, s.candidates, s.max_range_m, v[s.sats])
                    cap[s.sats] += s.k
                else:
                    assert s.mesh_radius_m is not None  # check_network_inputs: mesh needs it
                    a, b, d = radius_candidates(sub, min(s.mesh_radius_m, s.max_range_m), v[s.sats])
                    if s.terminals is None:
                        unlimited[s.sats] = True
                    else:
                        cap[s.sats] += s.terminals
                a_l.append(s.sats[a])
                b_l.append(s.sats[b])
                d_l.append(d)
                g_l.append(np.full(len(a), s.grazing_m))
        for ia, ib, k, rng, ncand, graze_m in self.inter:
            any_dyn = True
            sa, sb = self.shells[ia].sats, self.shells[ib].sats
            ok = valid & np.isfinite(r).all(axis=1)
            a, b, d = bipartite_candidates(np.where(ok[:, None], r, np.nan), sa, sb, ncand, rng)
            a_l.append(a)
            b_l.append(b)
            d_l.append(d)
            g_l.append(np.full(len(a), graze_m))
            cap[sa] += k
            cap[sb] += k
        if not any_dyn:
            return np.zeros((0, 2), np.int64), np.zeros(0)
        a = np.concatenate(a_l).astype(np.int64)
        b = np.concatenate(b_l).astype(np.int64)
        d = np.concatenate(d_l)
        graze = np.concatenate(g_l)
        keys = edge_keys(a, b, self.n_sat)
        if len(self.prev_dynamic):  # links held at the previous step stay candidates
            old = np.setdiff1d(self.prev_dynamic, keys)
            pa_, pb_ = old // self.n_sat, old % self.n_sat
            pd = np.linalg.norm(r[pa_] - r[pb_], axis=1)
            lim = np.minimum(self.max_range_per_sat[pa_], self.max_range_per_sat[pb_])
            ok = valid[pa_] & valid[pb_] & np.isfinite(pd) & (pd <= lim)
            a = np.r_[a, pa_[ok]]
            b = np.r_[b, pb_[ok]]
            d = np.r_[d, pd[ok]]
            graze = np.r_[graze, np.maximum(self.grazing_per_sat[pa_[ok]],
                                            self.grazing_per_sat[pb_[ok]])]  # fmt: skip
            keys = np.r_[keys, old[ok]]
        clear = _clear(r[a], r[b], graze)
        self.dropped_candidates += int((~clear).sum())
        a, b, d, keys = a[clear], b[clear], d[clear], keys[clear]
        held = np.isin(keys, self.prev_dynamic)
        # links no longer possible that were held at the previous step are broken links
        self.broken_link_steps += int(len(self.prev_dynamic) - held.sum())
        big = np.where(unlimited, 1 << 30, cap)
        pri = np.where(held, 0.0, 1.0) * 1e12 + d
        chosen = greedy_b_matching(a, b, pri, big)
        self.prev_dynamic = keys[chosen]
        return np.stack([a[chosen], b[chosen]], 1), d[chosen]

    def isl_capacity_bps(self, edges: np.ndarray, rng: np.ndarray) -> np.ndarray:
        """Per-direction capacity of ISLs from both ends' terminals (the smaller rate)."""
        out = np.full(rng.shape, np.inf)
        ta = self.sat_terminal_idx[edges[:, 0]]
        tb = self.sat_terminal_idx[edges[:, 1]]
        for i, t in enumerate(self.terminal_list):
            for which in (ta, tb):
                m = which == i
                if m.any():
                    out[..., m] = np.minimum(out[..., m], optical_data_rate_bps(rng[..., m], t))
        return out

    def isl_labels(
        self, a: np.ndarray, b: np.ndarray, rng: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What binds each ISL, its transceiver pairs and WDM channels (of the slower end).

        Codes into :data:`~orbitcloud.network.linkbudget.BINDING`; the end whose terminal gives
        the smaller rate (:meth:`isl_capacity_bps`) names the constraint, the first on a tie.
        """
        cap = np.full(rng.shape, np.inf)
        bind = np.zeros(rng.shape, np.int8)
        n_sp = np.zeros(rng.shape, np.int64)
        wdm = np.zeros(rng.shape, np.int64)
        for which in (self.sat_terminal_idx[a], self.sat_terminal_idx[b]):
            for i, t in enumerate(self.terminal_list):
                idx = np.flatnonzero(which == i)
                if len(idx):
                    bud = optical_link_budget(rng[idx], t)
                    lower = bud.capacity_bps < cap[idx]
                    j = idx[lower]
                    cap[j] = bud.capacity_bps[lower]
                    bind[j] = bud.binding[lower]
                    n_sp[j] = bud.spatial_channels[lower]
                    wdm[j] = bud.wdm_channels[lower]
        return bind, n_sp, wdm

    def gsl_labels(self, d: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What binds each ground link, its transceiver pairs and WDM channels (0 if radio)."""
        lk = self.link_spec
        zero = np.zeros(d.shape, np.int64)
        if lk.rate_gbps is None and lk.band == "optical":
            assert self.gsl_terminal is not None  # set for the optical band in __init__
            bud = optical_link_budget(d, self.gsl_terminal, lk.atmosphere_loss_db)
            return bud.binding, bud.spatial_channels, bud.wdm_channels
        rf = lk.rf
        if lk.rate_gbps is not None or rf is None:
            return np.full(d.shape, FIXED, np.int8), zero, zero
        bind = rf_link_budget(d, rf.frequency_ghz * 1e9, rf.eirp_dbw, rf.g_over_t_db_k,
                              rf.bandwidth_mhz * 1e6, rf.losses_db,
                              rf.max_spectral_efficiency)[1]  # fmt: skip
        return bind, zero, zero

    def link_labels(self, snap: Snapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`isl_labels` then :meth:`gsl_labels` of a snapshot's links, in table order."""
        isl = self.isl_labels(snap.isl_a, snap.isl_b, snap.isl_range_m)
        if self.ground is None:
            return isl
        gsl = self.gsl_labels(snap.gsl_range_m)
        b, n, w = (np.concatenate([x, y]) for x, y in zip(isl, gsl, strict=True))
        return b, n, w

    def terminal_summary(self) -> dict[str, dict[str, object]]:
        """The ISL terminal of each constellation with ISLs, for ``summary.json``."""
        out: dict[str, dict[str, object]] = {}
        for sh in self.shells:
            t = sh.terminal
            if sh.topology != "none":
                out[sh.name] = {
                    "preset": t.name, "source": t.source, "transceiver_pairs": t.transceiver_pairs,
                    "wdm_channels": t.wdm_channels, "line_rate_gbps": t.line_rate_bps / 1e9,
                    "waist_ratio": t.waist_ratio, "obscuration_ratio": t.obscuration_ratio,
                    "transmit_gain_db": 10.0 * float(np.log10(t.transmit_gain)),
                }  # fmt: skip
        return out

    def budget_terminals(self) -> dict[str, OpticalTerminal]:
        """Every optical preset, plus the run's terminals that override a preset (by where)."""
        out: dict[str, OpticalTerminal] = dict(TERMINALS)
        for sh in self.shells:
            if sh.topology != "none" and sh.terminal != TERMINALS[sh.terminal.name]:
                out[f"{sh.name}: {sh.terminal.name} (modified)"] = sh.terminal
        g = self.gsl_terminal if self.ground is not None else None
        if g is not None and g != TERMINALS[g.name]:
            out[f"ground: {g.name} (modified)"] = g
        return out

    # ------------------------------------------------------------------------------ ground
    def weather_up(self, k: int, step_s: float, rng_for) -> np.ndarray:
        """Whether each site's ground links are up at step ``k`` (redrawn per weather period)."""
        lk = self.link_spec
        if lk.availability >= 1.0:
            return np.ones(self.n_ground, dtype=bool)
        period = int(k * step_s // lk.weather_period_s)
        up = self._weather.get(period)
        if up is None:
            up = rng_for(WEATHER_STREAM.format(period)).random(self.n_ground) < lk.availability
            self._weather = {period: up}
        return up

    def weather_streams(self, k0: int, k1: int, step_s: float) -> list[str]:
        """The random streams (purposes) :meth:`weather_up` draws from at steps ``k0 .. k1-1``
        (none without weather), so another process can be handed exactly those draws."""
        if self.ground is None or self.link_spec.availability >= 1.0:
            return []
        wp = self.link_spec.weather_period_s
        periods = dict.fromkeys(int(k * step_s // wp) for k in range(k0, k1))
        return [WEATHER_STREAM.format(p) for p in periods]

    @property
    def carries_links(self) -> bool:
        """Whether a step's ISLs depend on the previous step's (nearest-k, mesh and inter-shell
        links are kept while valid): then snapshots must be built in time order, in one place;
        otherwise a chunk's snapshots depend on its geometry alone."""
        return bool(self.inter) or any(s.topology in ("nearest-k", "mesh") for s in self.shells)

    def site_positions(self, gmst_rad: float, jd: float, fr: float) -> np.ndarray:
        """Site positions in the satellites' Earth-fixed frame at one step [m]."""
        if self.site_model == "pyephem":
            # PyEphem places the site with Newcomb's sidereal time; satellites here were rotated
            # by IAU 1982 GMST: turn the site by the difference to keep the same geometry.
            delta = float(gmst_rad - gmst_newcomb_rad(jd, fr))
            return rotate_z(self.site_fixed, delta)
        return self.site_fixed

    def gsl(self, r: np.ndarray, alt_max_m: float, sites: np.ndarray, up: np.ndarray) -> tuple:
        """Ground links at one step: (ground, sat, range [m], capacity [bit/s])."""
        rad = ground_link_search_radius_m(alt_max_m, self.min_el, self.max_gsl)
        sat_r = r * PYEPHEM_SCALE if self.site_model == "pyephem" else r
        tree = self.site_tree if sites is self.site_fixed else cKDTree(sites)
        g, s, d = ground_links(sites, self.site_up, sat_r, rad, self.min_el, self.max_gsl, tree)
        keep = up[g]
        g, s, d = g[keep], s[keep], d[keep]
        return g, s, d, self.gsl_capacity_bps(d)

    def gsl_capacity_bps(self, d: np.ndarray) -> np.ndarray:
        """Per-direction capacity of ground links at slant ranges ``d`` [bit/s].

        A fixed ``rate_gbps``; else the optical budget with the atmosphere's loss
        (:func:`~orbitcloud.network.linkbudget.optical_data_rate_bps`), the Ka budget
        (:func:`~orbitcloud.network.linkbudget.rf_capacity_bps`) or 20 Gbps without a budget.
        """
        lk = self.link_spec
        if lk.rate_gbps is not None:
            return np.full(d.shape, lk.rate_gbps * 1e9)
        if lk.band == "optical":
            assert self.gsl_terminal is not None  # set for the optical band in __init__
            return optical_data_rate_bps(d, self.gsl_terminal, lk.atmosphere_loss_db)
        rf = lk.rf
        if rf is None:
            return np.full(d.shape, 20e9)
        return rf_capacity_bps(
            d,
            rf.frequency_ghz * 1e9,
            rf.eirp_dbw,
            rf.g_over_t_db_k,
            rf.bandwidth_mhz * 1e6,
            rf.losses_db,
            rf.max_spectral_efficiency,
        )

    def chunk_snapshots(
        self, chunk: EphemerisChunk, step_s: float, rng_for: Callable[[str], np.random.Generator]
    ) -> list[Snapshot]:
        """One snapshot per step of a geometry chunk, in time order.

        Fixed (+Grid) ISLs for the whole chunk at once, then per step the dynamic ISLs (which
        carry the links held at the previous step), the weather and the ground links.

        Parameters
        ----------
        chunk : positions (``r_itrf`` [m]), validity, altitude [m] and Earth rotation of
            steps ``k0 .. k1-1``
        step_s : the run's step [s] (weather periods)
        rng_for : the run's random streams by purpose (weather draws)
        """
        r, valid = chunk.r_itrf, chunk.valid
        s_edges, s_rng, s_ok = self.static_isl(r, valid)
        s_cap = self.isl_capacity_bps(s_edges, s_rng) if len(s_edges) else s_rng
        with np.errstate(all="ignore"):
            alt_max = np.nanmax(np.where(valid, chunk.alt_m, np.nan), axis=1)
        snaps: list[Snapshot] = []
        for t in range(chunk.n_time):
            ok = s_ok[t]
            d_edges, d_rng = self.dynamic_isl(r[t], valid[t])
            edges = np.concatenate([s_edges[ok], d_edges])
            rng = np.concatenate([s_rng[t][ok], d_rng])
            cap = np.concatenate([s_cap[t][ok], self.isl_capacity_bps(d_edges, d_rng)])
            gsl = None
            if self.ground is not None:
                up = self.weather_up(chunk.k0 + t, step_s, rng_for)
                sites = self.site_positions(chunk.gmst_rad[t], chunk.jd[t], chunk.fr[t])
                am = float(alt_max[t]) if np.isfinite(alt_max[t]) else 0.0
                gsl = self.gsl(r[t], am, sites, up)
            snaps.append(self.snapshot(edges, rng, cap, gsl))
        return snaps

    def snapshot(
        self, isl_edges: np.ndarray, isl_rng: np.ndarray, isl_cap: np.ndarray, gsl: tuple | None
    ) -> Snapshot:
        """Assemble one step's :class:`~orbitcloud.network.routing.Snapshot`."""
        e = np.zeros(0, dtype=np.int64)
        f = np.zeros(0)
        g, s, d, c = gsl if gsl is not None else (e, e, f, f)
        return Snapshot(self.n_sat, self.n_ground, isl_edges[:, 0], isl_edges[:, 1], isl_rng,
                        isl_cap, g, s, d, c)  # fmt: skip


def _clear(a: np.ndarray, b: np.ndarray, grazing_m: np.ndarray) -> np.ndarray:
    """Line of sight above the grazing altitude (sphere of the WGS84 equatorial radius)."""
    with np.errstate(invalid="ignore"):
        return segment_min_radius_m(a, b) > R_EARTH_M + grazing_m
