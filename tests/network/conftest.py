"""Synthetic time-varying networks for the unit tests of the network statistics and routing."""

from __future__ import annotations

import numpy as np
import pytest

from orbitcloud.network.routing import Snapshot


def moving_snapshots(
    seed: int, n_t: int, n_sat: int = 24, n_ground: int = 12, outage: bool = True
) -> list[Snapshot]:
    """Consecutive snapshots of a ring of satellites with chords, ranges that drift step by
    step and ground endpoints whose two satellites in view move along the ring.

    With ``outage`` endpoint 0 has no ground link at every fourth step (unreachable pairs).
    """
    rng = np.random.default_rng(seed)
    a = np.arange(n_sat)
    chords = np.arange(0, n_sat, 3)
    isl_a = np.r_[a, chords].astype(np.int64)
    isl_b = np.r_[(a + 1) % n_sat, (chords + n_sat // 2) % n_sat].astype(np.int64)
    base = rng.uniform(1e6, 3e6, len(isl_a))
    phase = rng.uniform(0, 2 * np.pi, len(isl_a))
    isl_cap = rng.choice([1e9, 2e9, 10e9], len(isl_a))
    g_base = rng.uniform(5e5, 1.2e6, 2 * n_ground)
    out = []
    for t in range(n_t):
        isl_rng = base * (1.0 + 0.3 * np.sin(0.7 * t + phase))
        g = np.repeat(np.arange(n_ground), 2)
        s = (3 * g + np.tile([0, 7], n_ground) + t // 2) % n_sat
        d = g_base * (1.0 + 0.2 * np.cos(0.5 * t + np.arange(2 * n_ground)))
        keep = ~((g == 0) & (t % 4 == 3)) if outage else np.ones(len(g), bool)
        snap = Snapshot(n_sat, n_ground, isl_a, isl_b, isl_rng, isl_cap, g[keep], s[keep],
                        d[keep], np.full(int(keep.sum()), 4e9))  # fmt: skip
        out.append(snap)
    return out


@pytest.fixture(scope="session")
def make_snapshots():
    """:func:`moving_snapshots` (test modules cannot import conftest under
    --import-mode=importlib)."""
    return moving_snapshots
