"""Shared fixtures of the sweep tests: small fast sweeps and one local Dask cluster."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from orbitcloud.sweep.runner import keep_restarted_workers, make_local_cluster

# A small scenario of its own (48 satellites, geometry only), so that the sweep tests keep their
# speed as models are added to the built-in scenarios.
TINY_BASE: dict[str, Any] = {
    "name": "tiny",
    "seed": 1,
    "time": {"start": "2025-06-21T00:00:00Z", "duration_h": 3, "step_s": 60},
    "constellations": [
        {
            "name": "shell",
            "walker": {
                "planes": 6,
                "sats_per_plane": 8,
                "altitude_km": 550,
                "inclination_deg": 53,
                "phase_factor": 1,
            },
        }
    ],
    "outputs": {"report": False},
}


def sweep_doc(
    n_alt: int = 10, seeds: tuple[int, ...] = (1, 2), step_s: int = 60, duration_h: float = 3
) -> dict[str, Any]:
    """A sweep of ``n_alt * len(seeds)`` points of :data:`TINY_BASE` (altitude x seed); about
    0.01 s a point on an idle machine at the defaults, 0.2 s at 24 h and 10 s steps."""
    return {
        "name": "test-sweep",
        "base": copy.deepcopy(TINY_BASE),
        "set": {"time.duration_h": duration_h, "time.step_s": step_s},
        "parameters": {
            "constellations.0.walker.altitude_km": [500 + 25 * k for k in range(n_alt)],
            "seed": list(seeds),
        },
    }


@pytest.fixture
def make_sweep():
    """:func:`sweep_doc` (test modules cannot import conftest under --import-mode=importlib)."""
    return sweep_doc


@pytest.fixture(scope="session")
def dask_cluster():
    """Two single-threaded worker processes on 127.0.0.1; a point may kill one worker (the
    second death fails it), so the crash test stays short."""
    from distributed import Client

    with keep_restarted_workers():
        cluster = make_local_cluster(2, allowed_failures=1)
        client = Client(cluster)
        client.run(exec, "import orbitcloud.sweep.runner")  # the engine's imports, once per worker
        yield cluster, client
        client.close()
        cluster.close()


@pytest.fixture
def client(dask_cluster):
    """The session cluster's client, with both workers up (a test may have killed one)."""
    _, c = dask_cluster
    c.wait_for_workers(2, timeout=120)
    return c
