"""A run on a Dask cluster (geometry, link snapshots and routes on its workers) writes the very
same tables as a run in this process; a task that fails ends the run with a clear error,
promptly, and leaves no results folder."""

from __future__ import annotations

import signal
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import orbitcloud
from orbitcloud.engine import distributed as dist
from orbitcloud.engine.distributed import DistributedRunError
from orbitcloud.scenario.errors import OrbitcloudInputError

distributed = pytest.importorskip("distributed")

RUN_TIMEOUT_S = 240
"""A run of this size takes seconds; far longer means it hangs (the failure case must not)."""


def _scenario() -> dict:
    """24x22 +Grid shell, 12 cities (66 pairs: enough for the router to hand steps out) behind
    weather (ground links up 70 % of the time, redrawn every 5 steps: random draws on the
    workers), traffic analysed every 4th step, 40 steps of 60 s, spacecraft models on, every
    per-step table written."""
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
        "ground": {
            "cities": {"top": 12},
            "link": {"min_elevation_deg": 25, "availability": 0.7, "weather_period_s": 300},
        },
        "network": {"routes": "all", "traffic": {"every_steps": 4}},
        "outputs": {"report": False, "positions": True, "sat_state": True, "links": True},
    }


def _nearest_k() -> dict:
    """The same with nearest-k ISLs (links kept while valid: they carry over steps)."""
    doc = _scenario()
    doc["constellations"][0]["isl"] = {"topology": "nearest-k", "links_per_satellite": 3}
    doc["network"].pop("traffic")
    return doc


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


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The run in this process (chunking never changes an answer: one run serves every
    chunk size; tests/engine/test_chunking.py checks that)."""
    return orbitcloud.run(_scenario(), out=tmp_path_factory.mktemp("local") / "run", chunk_steps=16)


def _dask_run(client, doc: dict, out: Path, chunk_steps: int) -> tuple:
    """A run on the cluster and the keys of the tasks it ran."""
    from distributed import get_task_stream

    with get_task_stream(client) as stream:
        res = orbitcloud.run(doc, out=out, chunk_steps=chunk_steps, dask=client)
    return res, [str(t["key"]) for t in stream.data]


def _assert_identical(local, remote) -> None:
    one, two = _tables(local.path), _tables(remote.path)
    assert set(one) == set(two)
    for name in one:
        assert one[name].equals(two[name]), name
    assert local.summary["kpis"] == remote.summary["kpis"]
    assert local.summary["warnings"] == remote.summary["warnings"]
    assert local.summary["network"] == remote.summary["network"]


@pytest.mark.parametrize(("chunk_steps", "n_chunks"), [(16, 3), (7, 6)])
def test_tables_identical_to_a_local_run(tmp_path, client, deadline, local_run, chunk_steps,
                                         n_chunks):  # fmt: skip
    remote, keys = _dask_run(client, _scenario(), tmp_path / "dask", chunk_steps)
    # the work really ran on the cluster: one task per chunk built its geometry and snapshots
    # (40 steps: 16 + 16 + 8, or 6 x 7 - 2), routing tasks read them there; no snapshot went
    # out again from this process to be routed
    assert sum("orbitcloud-geometry-links" in k for k in keys) == n_chunks
    assert sum("orbitcloud-routes" in k for k in keys) >= n_chunks
    assert not any("route_steps" in k for k in keys)
    assert {"positions", "sat_state", "routes", "links", "flows"} <= set(_tables(remote.path))
    _assert_identical(local_run, remote)


def test_routes_too_large_for_a_chunk_are_routed_by_block(tmp_path, client, deadline,
                                                          local_run, monkeypatch):  # fmt: skip
    """Above CHUNK_ROUTES_BYTES the workers build snapshots and the stage routes blocks of
    steps through the Dask executor: the same tables."""
    monkeypatch.setattr(dist, "CHUNK_ROUTES_BYTES", 0)
    remote, keys = _dask_run(client, _scenario(), tmp_path / "dask", 16)
    assert sum("orbitcloud-geometry-links" in k for k in keys) == 3
    assert not any("orbitcloud-routes" in k for k in keys)
    assert any("route_steps" in k for k in keys)
    _assert_identical(local_run, remote)


def test_links_that_carry_over_steps_are_built_here(tmp_path, client, deadline):
    """Nearest-k links depend on the previous step's: geometry on the cluster, snapshots here
    in time order, routing through the executor; the same tables."""
    local = orbitcloud.run(_nearest_k(), out=tmp_path / "local", chunk_steps=16)
    remote, keys = _dask_run(client, _nearest_k(), tmp_path / "dask", 16)
    assert sum("orbitcloud-geometry" in k for k in keys) == 3
    assert not any("orbitcloud-geometry-links" in k for k in keys)
    _assert_identical(local, remote)


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


def test_a_chunk_task_with_a_halo_builds_the_links_of_its_own_steps_only():
    """In this process, no cluster: a worker's chunk task for steps 8..15 whose geometry runs
    on to step 19 (a halo of 4) gives the snapshots the run's model builds from the trimmed
    chunk (arrays equal, one per step); routing tasks over two slices of them give the routes
    this process's router gives."""
    from orbitcloud.astro.ephemeris import iter_ephemeris, satrec_states
    from orbitcloud.engine.context import MemorySink
    from orbitcloud.engine.run import prepare
    from orbitcloud.engine.stage_network import NetworkStage
    from orbitcloud.network.stepping import StepRouter
    from orbitcloud.scenario.loader import scenario_from_dict

    ctx, stages = prepare(scenario_from_dict(_scenario()), MemorySink())
    net = next(s for s in stages if isinstance(s, NetworkStage))
    work = dist.network_work(ctx, stages, 8)
    assert work is not None
    assert work.inputs.plan is not None  # 8 steps of 66 pairs fit: routes made with the chunk
    states = satrec_states(ctx.sats, ctx.grid)
    assert states is not None
    geometry = dist.GeometryInputs("halo-test", states, ctx.grid, 0.0, 0.0)
    ahead, links = dist._chunk_task(geometry, work.inputs, 8, 16, 20, work.draws(8, 16))
    assert (ahead.k0, ahead.k1) == (8, 20)
    assert links is not None
    assert links.k0 == 8
    sliced = dist.route_chunk_steps(work.inputs, links, 0, 3)
    sliced += dist.route_chunk_steps(work.inputs, links, 3, 8)
    local = list(iter_ephemeris(ctx.sats, ctx.grid, 8, workers=1))[1]  # steps 8..15
    want = net.model.chunk_snapshots(local, ctx.grid.step_s, ctx.rng)
    assert len(links.snaps) == len(want) == 8
    fields = ("isl_a", "isl_b", "isl_range_m", "isl_capacity_bps", "gsl_ground", "gsl_sat",
              "gsl_range_m", "gsl_capacity_bps")  # fmt: skip
    for got, exp in zip(links.snaps, want, strict=True):
        for f in fields:
            assert (getattr(got, f) == getattr(exp, f)).all(), f
    assert len({len(s.gsl_ground) for s in want}) > 1  # weather and motion change ground links
    routes = StepRouter(0, net.router.plan).route(want, net.src, net.dst, net.relay)
    for got_r, exp_r in zip(sliced, routes, strict=True):
        assert (got_r.length_m == exp_r.length_m).all()
        assert (got_r.path_values == exp_r.path_values).all()
