"""The network of one time chunk as other models see it: snapshots, shortest paths and RTTs.

:class:`NetworkChunkState` satisfies the engine's ``NetworkView`` protocol
(:mod:`orbitcloud.engine.contract`): the network stage hands one per geometry chunk to the
stages after it (placement, operations) inside its ``NetworkRecord``.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.network.routing import C_M_S, Snapshot


class NetworkChunkState:
    """Per-step network of steps ``k0 .. k1-1`` of a chunk.

    * ``n_sat``, ``n_ground``, ``ground_names`` (array), ``ground_node(name) -> int``;
    * ``snapshot(k) -> Snapshot`` (links, ranges, capacities at step k);
    * ``rtt_ground_to_sat_s(k) -> (n_ground, n_sat)`` RTT [s] from each ground endpoint to each
      satellite over ground link + ISLs (``inf`` if unreachable), from one Dijkstra per step
      run from all endpoints (computed on first use, cached in the snapshot);
    * ``path(k, a, b) -> (nodes, length_m)`` shortest path between any two nodes (satellite
      index or ``n_sat + g``), ``rtt_s(k, a, b)``.

    Ground endpoints never relay unless ``relay_via_ground``.

    Parameters
    ----------
    k0 : absolute step index of the first snapshot
    snaps : one snapshot per step of the chunk
    names : (n_ground,) names of the ground endpoints
    relay : ``network.relay_via_ground``
    """

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
