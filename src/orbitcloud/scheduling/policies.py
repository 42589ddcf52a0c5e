"""Placement policies behind one small protocol, and a registry by name.

A policy sees a :class:`StepView` (what the engine knows at one step) and the demand still to
place, and answers with a :class:`Placement`: for each (cell, class) group a server (a satellite
``0..n_sat-1`` or a data centre ``n_sat + d``, or -1 for none) and the network round-trip time.
The engine -- not the policy -- decides what was served: it rejects a placement on a server that
cannot compute (failed, eclipsed, down) and reports it, applies queues and capacity, and calls
the policy again for what overflowed (up to ``scheduling.rounds`` times per step).

Adding a policy takes a few lines::

    from orbitcloud.scheduling import NearestSatellite, register_policy

    @register_policy("cool-only")
    class CoolOnly(NearestSatellite):
        def candidates(self, view, cls):
            return super().candidates(view, cls) & ~view.sat_throttled

Built-in: ``terrestrial`` (ground data centres over fibre), ``bent-pipe`` (satellites relay to a
ground data centre through a gateway), ``nearest`` (nearest capable satellite through the
network), ``energy-aware`` (sunlit, cool, outside the SAA, battery above a floor, not about to
enter eclipse -- work migrates away ahead of eclipse; falls back to any capable satellite with
a distance penalty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, TypeVar

import numpy as np

from orbitcloud.scheduling.paths import (
    C_M_S,
    best_access,
    isl_graph,
    nearest_server_distances,
)


@dataclass
class StepView:
    """What a policy may look at during one step (arrays are read-only by convention).

    Attributes
    ----------
    k : step index; dt_s : step [s]
    n_sat, n_dc : satellites and data centres (servers are satellites, then data centres)
    n_ground : ground endpoints; cells : (n_cell,) ground index of each user cell
    isl_a, isl_b, isl_range_m : ISLs up this step (after ISL failures)
    gsl_ground, gsl_sat, gsl_range_m : ground links this step
    ground_up : (n_ground,) endpoint can use its ground links (user terminals, gateways)
    sat_usable : (n_sat,) the engine's truth: the satellite can compute now
    sat_sunlit, sat_soc : (n_sat,) sunlit fraction, battery state of charge
    sat_throttled, sat_in_saa, sat_eclipse_soon : (n_sat,) bool
    dc_up : (n_dc,) data centre up; cell_fibre_up : (n_cell,) the cell's fibre works
    cell_dc_rtt_s : (n_cell, n_dc) fibre round trip cell -> data centre [s]
    gateways : (n_gw,) ground index of each gateway; gw_up : (n_gw,)
    gw_dc_rtt_s : (n_gw, n_dc) fibre round trip gateway -> data centre [s]
    wait_s : (n_server, n_class) queue wait a new request would see now [s]
    full : (n_server, n_class) server takes no more of that class this step
    access_rtt_s : terrestrial last-mile round trip [s]; orbital_access_rtt_s : user terminal [s]
    energy_aware : operating rules (``eclipse_lookahead_s``, ``min_battery_soc``, ...)
    """

    k: int
    dt_s: float
    n_sat: int
    n_dc: int
    n_ground: int
    cells: np.ndarray
    isl_a: np.ndarray
    isl_b: np.ndarray
    isl_range_m: np.ndarray
    gsl_ground: np.ndarray
    gsl_sat: np.ndarray
    gsl_range_m: np.ndarray
    ground_up: np.ndarray
    sat_usable: np.ndarray
    sat_sunlit: np.ndarray
    sat_soc: np.ndarray
    sat_throttled: np.ndarray
    sat_in_saa: np.ndarray
    sat_eclipse_soon: np.ndarray
    dc_up: np.ndarray
    cell_fibre_up: np.ndarray
    cell_dc_rtt_s: np.ndarray
    gateways: np.ndarray
    gw_up: np.ndarray
    gw_dc_rtt_s: np.ndarray
    wait_s: np.ndarray
    full: np.ndarray
    access_rtt_s: float
    orbital_access_rtt_s: float
    min_battery_soc: float
    _cache: dict | None = None
    isl_capacity_bps: np.ndarray | None = None
    """(m,) capacity per direction of the ISLs up this step [bit/s] (payload flows)"""
    gsl_capacity_bps: np.ndarray | None = None
    """(q,) capacity of the ground links [bit/s] (payload flows)"""
    _graph: tuple | None = None
    """the ISL graph of :func:`.paths.isl_graph` and the ISL arrays it was built from (kept
    when ``_cache`` is reset for new waits: the ISLs do not change within a step)"""

    def route_to_satellites(
        self, cells: np.ndarray, server_sat: np.ndarray, offset_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For cells, the best entry among ``server_sat`` (with penalties) and the RTT [s].

        Path: cell -> ground link -> ISLs -> the entry's satellite; RTT = 2 x (path + offset)
        / c. Returns (entry index or -1, rtt_s) per cell (``inf`` when unreachable).
        """
        if self._cache is None:
            self._cache = {}
        key = (np.asarray(server_sat).tobytes(), np.asarray(offset_m, dtype=float).tobytes())
        hit = self._cache.get(key)
        if hit is None:  # classes with the same candidates share one search
            links = (self.isl_a, self.isl_b, self.isl_range_m)
            if self._graph is None or any(
                x is not y for x, y in zip(self._graph[1], links, strict=True)
            ):
                self._graph = (isl_graph(self.n_sat, *links), links)
            dist_sat, entry = nearest_server_distances(self.n_sat, *links, server_sat, offset_m,
                                                       graph=self._graph[0])  # fmt: skip
            dist_g, access = best_access(dist_sat, self.gsl_ground, self.gsl_sat,
                                         self.gsl_range_m, self.n_ground, self.ground_up)  # fmt: skip
            hit = self._cache[key] = (entry, dist_g, access)
        entry, dist_g, access = hit
        d = dist_g[cells]
        e = np.where(access[cells] >= 0, entry[np.maximum(access[cells], 0)], -1)
        return np.where(np.isfinite(d), e, -1), 2.0 * d / C_M_S


@dataclass
class Placement:
    """Where each demand group goes: ``server`` (-1 none) and network ``rtt_s`` (inf if none)."""

    server: np.ndarray
    rtt_s: np.ndarray


class Policy(Protocol):
    """A placement policy: ``system`` is ``orbital`` or ``terrestrial`` (which world it runs)."""

    name: str
    system: Literal["orbital", "terrestrial"]

    def place(self, view: StepView, cell: np.ndarray, cls: np.ndarray) -> Placement:
        """Servers for the groups (cell index into ``view.cells``, class index) still to place."""
        ...


_REGISTRY: dict[str, type] = {}
_C = TypeVar("_C", bound=type[Any])


def register_policy(name: str) -> Callable[[_C], _C]:
    """Class decorator: make a policy available as ``scheduling.policy: <name>``."""

    def deco(cls: _C) -> _C:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def policy_names() -> list[str]:
    """Registered policy names."""
    return sorted(_REGISTRY)


def make_policy(name: str) -> Policy:
    """A new instance of the policy registered as ``name`` (KeyError if unknown)."""
    return _REGISTRY[name]()


def _per_class(view: StepView, cell: np.ndarray, cls: np.ndarray, fn) -> Placement:
    """Run ``fn(view, c) -> (server per cell of view.cells, rtt per cell)`` once per class."""
    server = np.full(len(cell), -1, dtype=np.int64)
    rtt = np.full(len(cell), np.inf)
    for c in np.unique(cls):
        m = cls == c
        s_all, r_all = fn(view, int(c))
        server[m] = s_all[cell[m]]
        rtt[m] = r_all[cell[m]]
    return Placement(server, rtt)


@register_policy("terrestrial")
class Terrestrial:
    """Terrestrial baseline: the up data centre with the smallest fibre RTT + queue wait."""

    system: Literal["orbital", "terrestrial"] = "terrestrial"

    def _one(self, view: StepView, c: int) -> tuple[np.ndarray, np.ndarray]:
        ok = view.dc_up & ~view.full[view.n_sat :, c]
        cost = view.cell_dc_rtt_s + view.wait_s[view.n_sat :, c][None, :]
        cost = np.where(ok[None, :], cost, np.inf)
        d = np.argmin(cost, axis=1)
        rows = np.arange(len(d))
        reach = np.isfinite(cost[rows, d]) & view.cell_fibre_up
        server = np.where(reach, view.n_sat + d, -1)
        rtt = np.where(reach, view.cell_dc_rtt_s[rows, d] + view.access_rtt_s, np.inf)
        return server, rtt

    def place(self, view: StepView, cell: np.ndarray, cls: np.ndarray) -> Placement:
        return _per_class(view, cell, cls, self._one)


@register_policy("nearest")
class NearestSatellite:
    """Nearest capable satellite through the network (ground link + ISLs): the smallest
    RTT + queue wait among satellites that can compute and have room for the class."""

    system: Literal["orbital", "terrestrial"] = "orbital"

    def candidates(self, view: StepView, cls: int) -> np.ndarray:
        """Satellites this policy would use for class ``cls`` (bool, n_sat)."""
        return view.sat_usable & ~view.full[: view.n_sat, cls]

    def penalty_m(self, view: StepView, cls: int, sats: np.ndarray) -> np.ndarray:
        """Extra path length [m] charged for each candidate: its queue wait as distance."""
        return view.wait_s[sats, cls] * C_M_S / 2.0

    def _one(self, view: StepView, c: int) -> tuple[np.ndarray, np.ndarray]:
        sats = np.flatnonzero(self.candidates(view, c))
        entry, rtt = view.route_to_satellites(view.cells, sats, self.penalty_m(view, c, sats))
        server = np.where(entry >= 0, sats[np.maximum(entry, 0)] if len(sats) else -1, -1)
        # the RTT is the network's: take the penalty back out
        pen = self.penalty_m(view, c, sats)
        if len(sats):
            rtt = rtt - np.where(entry >= 0, 2.0 * pen[np.maximum(entry, 0)] / C_M_S, 0.0)
        return server, rtt + view.orbital_access_rtt_s

    def place(self, view: StepView, cell: np.ndarray, cls: np.ndarray) -> Placement:
        return _per_class(view, cell, cls, self._one)


@register_policy("energy-aware")
class EnergyAware(NearestSatellite):
    """Sunlit, cool satellites outside the SAA with battery to spare, not about to enter eclipse.

    Preferred satellites carry no penalty; any other capable satellite carries
    ``FALLBACK_PENALTY_M`` so it is used only when no preferred one is within that distance.
    Stopping new work ``eclipse_lookahead_s`` ahead of eclipse lets the queue drain before the
    accelerators stop: work migrates to sunlit satellites instead of being stranded.
    """

    FALLBACK_PENALTY_M = 3_000e3
    """Extra distance charged to a non-preferred satellite (20 ms of RTT) [m]."""

    def preferred(self, view: StepView) -> np.ndarray:
        return (
            (view.sat_sunlit >= 0.99)
            & ~view.sat_throttled
            & ~view.sat_in_saa
            & ~view.sat_eclipse_soon
            & (view.sat_soc >= view.min_battery_soc)
        )

    def penalty_m(self, view: StepView, cls: int, sats: np.ndarray) -> np.ndarray:
        base = super().penalty_m(view, cls, sats)
        return base + np.where(self.preferred(view)[sats], 0.0, self.FALLBACK_PENALTY_M)


@register_policy("bent-pipe")
class BentPipe:
    """Satellites relay to a ground data centre: user -> satellite -> ISLs -> gateway -> fibre.

    Each gateway sends to the up data centre with the smallest fibre RTT + queue wait; the
    network then picks, per user, the gateway with the smallest total.
    """

    system: Literal["orbital", "terrestrial"] = "orbital"

    def _one(self, view: StepView, c: int) -> tuple[np.ndarray, np.ndarray]:
        n_cell = len(view.cells)
        ok_dc = view.dc_up & ~view.full[view.n_sat :, c]
        if not ok_dc.any() or not view.gw_up.any():
            return np.full(n_cell, -1), np.full(n_cell, np.inf)
        cost = np.where(
            ok_dc[None, :], view.gw_dc_rtt_s + view.wait_s[view.n_sat :, c][None, :], np.inf
        )
        dc = np.argmin(cost, axis=1)
        gw_rtt = view.gw_dc_rtt_s[np.arange(len(dc)), dc]
        gw_ok = view.gw_up & np.isfinite(cost[np.arange(len(dc)), dc])
        # entries: satellites linked to an up gateway, offset = ground link + fibre leg
        idx = np.flatnonzero(np.isin(view.gsl_ground, view.gateways[gw_ok]))
        gw_of_ground = np.full(view.n_ground, -1, dtype=np.int64)
        gw_of_ground[view.gateways] = np.arange(len(view.gateways))
        g = gw_of_ground[view.gsl_ground[idx]]
        offset = view.gsl_range_m[idx] + gw_rtt[g] * C_M_S / 2.0
        entry, rtt = view.route_to_satellites(view.cells, view.gsl_sat[idx], offset)
        server = np.where(
            entry >= 0, view.n_sat + dc[g[np.maximum(entry, 0)]] if len(idx) else -1, -1
        )
        return server, rtt + view.orbital_access_rtt_s

    def place(self, view: StepView, cell: np.ndarray, cls: np.ndarray) -> Placement:
        return _per_class(view, cell, cls, self._one)
