"""``orbitcloud sweep``: output, exit status (0, 2 bad input, 100 + failed), --scheduler."""

from __future__ import annotations

import functools
import os
import sys

import cloudpickle
import pytest
import yaml
from typer.testing import CliRunner

import orbitcloud.sweep.runner as runner_mod
from orbitcloud.cli.cmd_sweep import failed_exit_status, short_names
from orbitcloud.cli.main import app
from orbitcloud.sweep.runner import PointTask, run_point

CRASH_SEED = 13


def crash_on_seed(task: PointTask) -> dict:
    """Test-only point runner: the point with seed CRASH_SEED ends its worker process."""
    if task.scenario["seed"] == CRASH_SEED:
        os._exit(70)
    return run_point(task)


cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _write(tmp_path, doc) -> str:
    f = tmp_path / "my-sweep.yaml"
    f.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return str(f)


def test_exit_status_counts_failures():
    assert failed_exit_status(0) == 0
    assert failed_exit_status(1) == 101
    assert failed_exit_status(7) == 107
    assert failed_exit_status(5000) == 199


def test_short_headers():
    assert short_names(["constellations.0.walker.altitude_km", "seed", "a.x", "b.x"]) == {
        "constellations.0.walker.altitude_km": "altitude_km",
        "seed": "seed",
        "a.x": "a.x",
        "b.x": "b.x",
    }


def test_invalid_point_exits_2_before_anything_runs(tmp_path):
    doc = {"base": "default", "parameters": {"constellations.0.walker.altitude_km": [550, 20]}}
    f = _write(tmp_path, doc)
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["sweep", f, "--out", str(out)])
    assert r.exit_code == 2
    assert f in r.stderr
    assert "point 1 (constellations.0.walker.altitude_km=20)" in r.stderr
    assert "Traceback" not in r.output
    assert not out.exists()


def test_workers_and_scheduler_exclude_each_other(tmp_path):
    r = CliRunner().invoke(app, ["sweep", "x.yaml", "--scheduler", "tcp://1.2.3.4:1", "-w", "2"])
    assert r.exit_code == 2
    assert "--workers" in r.stderr


def test_sweep_on_an_existing_scheduler_then_resume(make_sweep, dask_cluster, client, tmp_path):
    cluster, _ = dask_cluster
    f = _write(tmp_path, make_sweep(n_alt=2, seeds=(1, 2)))
    out = tmp_path / "out"
    args = ["sweep", f, "--out", str(out), "--scheduler", cluster.scheduler_address]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0, r.output
    assert "4 point(s): 4 ok (4 computed, 0 reused), 0 failed" in r.stdout
    assert "altitude_km" in r.stdout
    assert (out / "sweep.parquet").is_file()
    assert (out / "sweep_report.html").is_file()
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 0
    assert "4 ok (0 computed, 4 reused)" in r.stdout


def test_failed_points_set_the_exit_status(make_sweep, dask_cluster, client, tmp_path, monkeypatch):
    cluster, _ = dask_cluster
    monkeypatch.setattr(
        runner_mod, "run_sweep", functools.partial(runner_mod.run_sweep, point_runner=crash_on_seed)
    )
    f = _write(tmp_path, make_sweep(n_alt=1, seeds=(1, CRASH_SEED, 3)))
    args = ["sweep", f, "--out", str(tmp_path / "o"), "--scheduler", cluster.scheduler_address]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 101, r.output
    assert "3 point(s): 2 ok (2 computed, 0 reused), 1 failed" in r.stdout
    assert r.stderr.count("failed: point") == 1
    assert "failed: point 1 (constellations.0.walker.altitude_km=500, seed=13)" in r.stderr
    assert "KilledWorker" in r.stderr


@pytest.mark.parametrize("name", ["sweep-altitude.yaml"])
def test_shipped_example_is_valid(name):
    from pathlib import Path

    from orbitcloud.sweep.spec import load_sweep

    f = Path(__file__).resolve().parents[2] / "examples" / name
    plan = load_sweep(f)
    assert len(plan.points) >= 10
    assert plan.pareto is not None
