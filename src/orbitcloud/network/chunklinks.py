"""A chunk's links built in another process (a Dask worker), and handed to the run's stage.

A run's :class:`~orbitcloud.network.model.NetworkModel` builds one snapshot per step, chunk after
chunk (:meth:`~orbitcloud.network.model.NetworkModel.chunk_snapshots`). When no ISL rule carries
links from one step to the next (+Grid, or no ISLs: ``carries_links`` is False), a chunk's
snapshots depend on its geometry alone, so any process that holds a copy of the model's static
parts -- topology plan, ground endpoints, link-budget parameters: :class:`LinkInputs`, sent
once per run -- builds them with that very method (:func:`chunk_links`); any process holding
them routes a slice of their steps (:func:`route_chunk_steps`) when the run routes. Random draws
(the weather) come along as the run's own generators for the chunk's weather periods
(:meth:`~orbitcloud.network.model.NetworkModel.weather_streams`), so every number is the one
the run's process would draw.

:class:`ChunkFeed` is where the network stage takes each chunk's snapshots and routes from: what
was handed in (:meth:`ChunkFeed.put`), else built and routed here; the broken-link count of a
chunk built elsewhere is added to the run's model. Tables are identical either way
(tests/engine/test_dask_run.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.network.model import NetworkModel
from orbitcloud.network.routeplan import RoutePlan
from orbitcloud.network.routing import Routes, Snapshot
from orbitcloud.network.stepping import StepRouter, bare_snapshot, route_steps_planned


@dataclass(frozen=True)
class LinkInputs:
    """What any process needs to build (and route) any chunk of one run's links.

    Attributes
    ----------
    model : a copy of the run's model taken before its first chunk (static parts only are read)
    step_s : the run's step [s]
    src, dst : (P,) ground endpoint indices of the routed pairs
    relay : ``network.relay_via_ground``
    plan : route plan; None: routes are not made with the chunk's links (the stage routes)
    """

    model: NetworkModel
    step_s: float
    src: np.ndarray
    dst: np.ndarray
    relay: bool
    plan: RoutePlan | None

    @classmethod
    def of(
        cls,
        model: NetworkModel,
        step_s: float,
        src: np.ndarray,
        dst: np.ndarray,
        relay: bool,
        plan: RoutePlan | None,
    ) -> LinkInputs:
        """Inputs from the run's model; a model whose links carry over steps raises ValueError
        (its snapshots must be built in time order, in one place)."""
        if model.carries_links:
            raise ValueError("nearest-k, mesh or inter-shell links carry over steps")
        return cls(copy.copy(model), step_s, src, dst, relay, plan)


@dataclass
class ChunkLinks:
    """The links of the steps ``k0 ..`` of one chunk, built elsewhere.

    Attributes
    ----------
    k0 : absolute index of the chunk's first step
    snaps : one snapshot per step (caches empty)
    broken_link_steps : +Grid links unusable at a step, over the chunk (the model's counter)
    routes : routes of the pairs at every step, or None if not made with the chunk's links
    """

    k0: int
    snaps: list[Snapshot]
    broken_link_steps: int
    routes: list[Routes] | None


def chunk_links(
    inputs: LinkInputs, chunk: EphemerisChunk, draws: dict[str, np.random.Generator]
) -> ChunkLinks:
    """Snapshots of ``chunk``'s steps by :meth:`NetworkModel.chunk_snapshots` on a fresh copy of
    the model (``routes`` None: see :func:`route_chunk_steps`).

    Parameters
    ----------
    inputs : the run's :class:`LinkInputs`
    chunk : geometry of exactly the steps to build (no halo)
    draws : the run's generator of each purpose in
        :meth:`~orbitcloud.network.model.NetworkModel.weather_streams` of these steps, unused
    """
    model = copy.copy(inputs.model)  # the model's state is rebound, never changed in place
    model.broken_link_steps = 0

    def rng_for(purpose: str) -> np.random.Generator:
        return copy.deepcopy(draws[purpose])

    snaps = model.chunk_snapshots(chunk, inputs.step_s, rng_for)
    return ChunkLinks(chunk.k0, snaps, model.broken_link_steps, None)


def route_chunk_steps(inputs: LinkInputs, links: ChunkLinks, i0: int, i1: int) -> list[Routes]:
    """Routes of the pairs at steps ``i0 .. i1-1`` of ``links`` (positions in the chunk) by
    ``inputs.plan`` (:func:`~orbitcloud.network.stepping.route_steps_planned`), on bare copies
    of the snapshots: ``links`` itself is never changed, so other slices may be routed at the
    same time and ``links`` sent elsewhere meanwhile."""
    if inputs.plan is None:
        raise ValueError("these link inputs carry no route plan")
    snaps = [bare_snapshot(s) for s in links.snaps[i0:i1]]
    return route_steps_planned(snaps, inputs.src, inputs.dst, inputs.relay, inputs.plan)[0]


class ChunkFeed:
    """The network stage's source of snapshots and routes (see the module docstring).

    Parameters
    ----------
    model : the run's model (its state and counters stay here)
    router : routes what was not routed with its chunk
    """

    def __init__(self, model: NetworkModel, router: StepRouter) -> None:
        self.model = model
        self.router = router
        self._ready: dict[int, ChunkLinks] = {}
        self._routes: dict[int, tuple[Snapshot, Routes]] = {}  # id(snap) -> (snap, its routes)

    def put(self, links: ChunkLinks) -> None:
        """Hand in a chunk built elsewhere (taken by :meth:`snapshots` of the chunk at ``k0``)."""
        self._ready[links.k0] = links

    def snapshots(
        self, chunk: EphemerisChunk, step_s: float, rng_for: Callable[[str], np.random.Generator]
    ) -> list[Snapshot]:
        """The snapshots of ``chunk``: handed in, else built by the run's model."""
        done = self._ready.pop(chunk.k0, None)
        if done is None:
            return self.model.chunk_snapshots(chunk, step_s, rng_for)
        if len(done.snaps) != chunk.n_time:
            raise RuntimeError(
                f"links handed in for steps {chunk.k0}.. have {len(done.snaps)} steps, "
                f"the chunk {chunk.n_time}"
            )
        self.model.broken_link_steps += done.broken_link_steps
        if done.routes is not None:
            self._routes.update({id(s): (s, r) for s, r in zip(done.snaps, done.routes,
                                                               strict=True)})  # fmt: skip
        return done.snaps

    def route(
        self, snaps: list[Snapshot], src: np.ndarray, dst: np.ndarray, relay: bool
    ) -> list[Routes]:
        """Routes at every step of ``snaps``: those made with their chunk, else by the router."""
        if snaps and all(id(s) in self._routes for s in snaps):
            return [self._routes.pop(id(s))[1] for s in snaps]
        return self.router.route(snaps, src, dst, relay)
