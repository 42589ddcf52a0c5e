"""A run on a Dask cluster (geometry chunks and routing on its workers) writes the very same
tables as a run in this process; a task that fails ends the run with a clear error, promptly,
and leaves no results folder."""

from __future__ import annotations

import signal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import orbitcloud
from orbitcloud.engine.distributed import DistributedRunError
from orbitcloud.scenario.errors import OrbitcloudInputError

distributed = pytest.importorskip("distributed")

RUN_TIMEOUT_S = 240
"""A run of this size takes seconds; far longer means it hangs (the failure case must not)."""


def _scenario() -> dict:
    """24x22 +Grid shell, 12 cities (66 pairs: enough for the router to hand steps out), 40
    steps of 60 s, spacecraft models on, every per-step table written."""
    return {
        "name": "dask-identity",
        "seed": 3,
        "time": {"start": "2025-03-20T00:00:00Z", "duration_s": 39 * 60, "step_s": 60},
        "constellations": [
            {
                "name": "shell",
                "walker": {
                    "planes": 24,
                    "sats_per_plane": 22,
                    "altitude_km": 550,
                    "inclination_deg": 53,
                    "phase_factor": 1,
                },
                "isl": {"topology": "plus-grid"},
                "spacecraft": {"enabled": True},
            }
        ],
        "ground": {"cities": {"top": 12}, "link": {"min_elevation_deg": 25}},
        "network": {"routes": "all"},
        "outputs": {"report": False, "positions": True, "sat_state": True, "links": True},
    }


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)  # fmt: skip
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def deadline():
    """Fail (instead of hanging) if the test runs longer than RUN_TIMEOUT_S."""

    def expired(signum, frame):
        raise TimeoutError(f"the run did not end within {RUN_TIMEOUT_S} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(RUN_TIMEOUT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def _tables(folder: Path) -> dict:
    return {p.stem: pq.read_table(p) for p in sorted(folder.glob("*.parquet"))}


def test_tables_identical_to_a_local_run(tmp_path, client, deadline):
    local = orbitcloud.run(_scenario(), out=tmp_path / "local", chunk_steps=16)
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        remote = orbitcloud.run(_scenario(), out=tmp_path / "dask", chunk_steps=16, dask=client)
    keys = [str(t["key"]) for t in stream.data]
    # the work really ran on the cluster: 3 geometry chunks (16 + 16 + 8 steps) and routing
    assert sum("orbitcloud-geometry" in k for k in keys) == 3
    assert any("route_steps" in k for k in keys)
    one, two = _tables(local.path), _tables(remote.path)
    assert {"positions", "sat_state", "routes", "links"} <= set(one)
    assert set(one) == set(two)
    for name in one:
        assert one[name].equals(two[name]), name
    assert local.summary["kpis"] == remote.summary["kpis"]
    assert local.summary["warnings"] == remote.summary["warnings"]


def _break_geometry() -> None:  # runs in each worker process
    import orbitcloud.astro.ephemeris as eph

    def broken(*args, **kwargs):
        raise MemoryError("injected: geometry worker out of memory")

    eph._saved_compute_chunk = eph.compute_chunk  # type: ignore[attr-defined]
    eph.compute_chunk = broken


def _mend_geometry() -> None:
    import orbitcloud.astro.ephemeris as eph

    eph.compute_chunk = eph._saved_compute_chunk  # type: ignore[attr-defined]


def test_a_failing_worker_ends_the_run_with_a_clear_error_and_no_folder(tmp_path, client, deadline):
    client.run(_break_geometry)
    try:
        with pytest.raises(DistributedRunError, match=r"geometry of steps 0\.\.15 failed .*"
                           r"MemoryError: injected"):  # fmt: skip
            orbitcloud.run(_scenario(), out=tmp_path / "out", chunk_steps=16, dask=client)
    finally:
        client.run(_mend_geometry)
    assert list(tmp_path.iterdir()) == []  # no results folder, no staging left behind


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("local:0", r"dask: 'local:0'.*whole number >= 1"),
        ("not an address", r"dask: 'not an address' is not a Dask scheduler address"),
        ("http://10.0.0.5:8786", r"dask: .*'http' is not a scheme Dask speaks"),
        (3, r"dask: 3 is not a Dask cluster"),
    ],
)
def test_a_bad_dask_value_fails_before_any_work(tmp_path, value, match):
    with pytest.raises(OrbitcloudInputError, match=match):
        orbitcloud.run(_scenario(), out=tmp_path / "out", dask=value)
    assert list(tmp_path.iterdir()) == []


def test_cli_names_the_option_of_a_bad_dask_value(tmp_path):
    from typer.testing import CliRunner

    from orbitcloud.cli.main import app

    r = CliRunner().invoke(app, ["run", "default", "--dask", "local:x", "-o", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    assert "--dask: 'local:x': the worker count after 'local:' must be a whole number" in r.output
    assert not (tmp_path / "o").exists()
