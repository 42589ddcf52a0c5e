"""Sweeps on Dask: results on disk, resume, idempotent points, dead workers, a dead driver."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cloudpickle
import psutil
import pyarrow.parquet as pq
import pytest
import yaml

from orbitcloud.results.api import Results
from orbitcloud.sweep.runner import (
    MANIFEST,
    POINTS_DIR,
    REPORT,
    TABLE,
    PointTask,
    complete_summary,
    run_point,
    run_sweep,
)
from orbitcloud.sweep.spec import plan_sweep

ALT = "constellations.0.walker.altitude_km"
CRASH_SEED = 13

# --- a test-only point runner that kills its worker process for one point --------------------
# Passed to run_sweep(point_runner=...); this module is pickled by value, so the workers need
# not import it.


def crash_on_seed(task: PointTask) -> dict:
    """Run the point, except the one with seed CRASH_SEED: that one ends its process at once."""
    if task.scenario["seed"] == CRASH_SEED:
        os._exit(70)
    return run_point(task)


cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _complete(out: Path) -> dict[str, int]:
    """Complete point folders -> mtime of their summary.json [ns]."""
    res = {}
    for p in (out / POINTS_DIR).iterdir():
        if not p.name.startswith(".") and complete_summary(p, p.name) is not None:
            res[p.name] = (p / "summary.json").stat().st_mtime_ns
    return res


def _table(out: Path):
    return pq.read_table(out / TABLE)


def test_sweep_writes_points_table_report_and_resumes(make_sweep, client, tmp_path):
    plan = plan_sweep(make_sweep(n_alt=3, seeds=(1, 2)), source="t.yaml")
    out = tmp_path / "sweep"
    seen = []
    res = run_sweep(plan, out, client=client, progress=lambda p: seen.append((p.done, p.failed)))
    assert res.failed == []
    assert (res.computed, res.reused) == (6, 0)
    assert seen[0] == (0, 0)
    assert seen[-1] == (6, 0)
    t = _table(out).to_pandas()
    assert list(t["point"]) == list(range(6))
    assert set(t["status"]) == {"ok"}
    assert t["error"].isna().all()
    assert {ALT, "seed", "sunlit_fraction_mean", "satellites", "hash", "folder"} <= set(t.columns)
    for _, r in t.iterrows():
        summary = Results(out / r["folder"]).summary
        assert summary["scenario_hash"] == r["hash"]
        assert summary["kpis"]["sunlit_fraction_mean"] == r["sunlit_fraction_mean"]
        assert summary["seed"] == r["seed"]
    manifest = json.loads((out / MANIFEST).read_text())
    assert [p["hash"] for p in manifest["points"]] == list(t["hash"])
    assert manifest["last_run"]["computed"] == 6
    html = (out / REPORT).read_text(encoding="utf-8")
    assert "Pareto front" in html
    assert "<script src=" not in html  # plotly.js inlined: the report opens offline

    before = _complete(out)
    again = run_sweep(plan, out)  # nothing to do: no cluster is even started
    assert (again.computed, again.reused) == (0, 6)
    assert again.cluster.startswith("none needed")
    assert _complete(out) == before
    assert _table(out).equals(_table(out))


def test_a_point_run_twice_leaves_one_correct_folder(make_sweep, tmp_path):
    plan = plan_sweep(make_sweep(n_alt=1, seeds=(1,)))
    p = plan.points[0]
    folder = tmp_path / POINTS_DIR / p.hash
    task = PointTask(p.hash, str(folder), p.scenario)
    # twins racing: both succeed, one folder, no staging left behind
    with ThreadPoolExecutor(2) as ex:
        a, b = ex.map(run_point, [task, task])
    assert a["kpis"] == b["kpis"]
    assert sorted(x.name for x in (tmp_path / POINTS_DIR).iterdir()) == [p.hash]
    mtime = (folder / "summary.json").stat().st_mtime_ns
    c = run_point(task)  # a rerun finds it complete and writes nothing
    assert c["computed"] is False
    assert (folder / "summary.json").stat().st_mtime_ns == mtime


def test_an_incomplete_folder_is_recomputed(make_sweep, tmp_path):
    plan = plan_sweep(make_sweep(n_alt=1, seeds=(1,)))
    p = plan.points[0]
    folder = tmp_path / p.hash
    folder.mkdir()
    (folder / "positions.parquet").write_bytes(b"PAR1 cut short")  # no footer, no summary.json
    res = run_point(PointTask(p.hash, str(folder), p.scenario))
    assert res["computed"] is True
    assert complete_summary(folder, p.hash) is not None
    assert pq.read_table(folder / "positions.parquet").num_rows > 0


def test_killing_a_worker_mid_sweep_loses_nothing(make_sweep, client, tmp_path):
    """20 points on 2 workers; one worker is SIGKILLed while it runs a point (after 6 are
    done). Dask reruns what it lost, and the results equal an undisturbed run's."""
    plan = plan_sweep(make_sweep(n_alt=10, seeds=(1, 2)))
    assert len(plan.points) == 20
    ref = run_sweep(plan, tmp_path / "undisturbed", client=client, write_report=False)
    assert ref.failed == []

    pids = client.run(os.getpid)
    killed: list[tuple[str, list]] = []

    def kill_one(p):
        if p.done >= 6 and not killed:
            busy: dict = {}
            deadline = time.monotonic() + 5
            while not busy and time.monotonic() < deadline:  # the next point is being assigned
                busy = {w: ks for w, ks in client.processing().items() if ks and w in pids}
                time.sleep(0.01)
            worker = next(iter(busy), next(iter(pids)))
            os.kill(pids[worker], signal.SIGKILL)
            killed.append((worker, list(busy.get(worker, []))))

    out = tmp_path / "disturbed"
    res = run_sweep(plan, out, client=client, progress=kill_one, write_report=False)
    assert killed
    assert killed[0][1], "the killed worker was running a point"
    assert res.failed == []
    assert res.computed + res.reused == 20
    assert _table(out).equals(_table(tmp_path / "undisturbed"))
    # every point's tables, not only its KPIs
    for h in plan.unique_hashes:
        for name in ("positions", "satellites"):
            a = Results(out / POINTS_DIR / h).arrow(name)
            b = Results(tmp_path / "undisturbed" / POINTS_DIR / h).arrow(name)
            assert a.equals(b), (h, name)
    assert not [p for p in (out / POINTS_DIR).iterdir() if p.name.startswith(".")]


def test_a_point_that_kills_its_workers_is_failed_and_the_rest_finish(make_sweep, client, tmp_path):
    """One point ends its worker process every time it runs: Dask gives up on it after
    ``allowed-failures + 1`` deaths, the sweep runs it once more alone (it might have been a
    bystander), then records it as failed; every other point finishes."""
    plan = plan_sweep(make_sweep(n_alt=1, seeds=(1, 2, CRASH_SEED, 4, 5, 6)))
    res = run_sweep(plan, tmp_path / "s", client=client, point_runner=crash_on_seed)
    t = _table(tmp_path / "s").to_pandas()
    bad = t[t["seed"] == CRASH_SEED]
    good = t[t["seed"] != CRASH_SEED]
    assert len(res.failed) == 1
    assert list(bad["status"]) == ["failed"]
    assert (
        bad["error"]
        .iloc[0]
        .startswith(
            "KilledWorker: the worker process died each time it ran this point (2 times, then as "
            "often again when it ran alone)"
        )
    )
    assert bad["sunlit_fraction_mean"].isna().all()
    assert set(good["status"]) == {"ok"}
    assert len(good) == 5
    assert good["sunlit_fraction_mean"].notna().all()
    manifest = json.loads((tmp_path / "s" / MANIFEST).read_text())
    assert manifest["last_run"]["failed"] == 1
    assert "Failed points" in (tmp_path / "s" / REPORT).read_text(encoding="utf-8")


def test_killing_the_driver_then_rerunning_recomputes_only_what_is_missing(
    make_sweep, client, tmp_path
):
    """``orbitcloud sweep`` in a subprocess is SIGKILLed part-way; its workers go with it. A
    rerun keeps every finished folder untouched and computes only the others."""
    doc = make_sweep(n_alt=10, seeds=(1, 2), step_s=10, duration_h=6)  # 0.05-0.5 s a point
    doc["set"]["outputs.positions_every"] = 10
    sweep_file = tmp_path / "sweep.yaml"
    sweep_file.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "orbitcloud", "sweep", str(sweep_file), "--out", str(out),
           "--workers", "2", "-q"]  # fmt: skip
    driver = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and driver.poll() is None:
            if (out / POINTS_DIR).is_dir() and len(_complete(out)) >= 5:
                break
            time.sleep(0.05)
        assert driver.poll() is None, driver.stderr.read().decode() if driver.stderr else ""
        children = psutil.Process(driver.pid).children(recursive=True)
        driver.send_signal(signal.SIGKILL)
        driver.wait(10)
    finally:
        if driver.poll() is None:
            driver.kill()
    # the workers notice their parent is gone and exit; give them a moment, then make sure
    _, alive = psutil.wait_procs(children, timeout=20)
    for p in alive:
        p.kill()
    finished = _complete(out)
    assert 5 <= len(finished) < 20
    assert not (out / TABLE).exists()

    plan = plan_sweep(doc)
    res = run_sweep(plan, out, client=client, write_report=False)
    assert res.failed == []
    assert res.reused == len(finished)
    assert res.computed == 20 - len(finished)
    after = _complete(out)
    assert len(after) == 20
    assert {h: after[h] for h in finished} == finished  # untouched
    assert not [p for p in (out / POINTS_DIR).iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("bad_out", ["file", "foreign"])
def test_out_must_be_a_sweep_folder(make_sweep, tmp_path, bad_out):
    from orbitcloud.scenario.errors import OrbitcloudInputError

    out = tmp_path / "o"
    if bad_out == "file":
        out.write_text("x")
    else:
        out.mkdir()
        (out / "summary.json").write_text("{}")
    plan = plan_sweep(make_sweep(n_alt=1, seeds=(1,)))
    with pytest.raises(OrbitcloudInputError, match="--out"):
        run_sweep(plan, out)


def test_local_cluster_listens_on_127_0_0_1_only(dask_cluster, client):
    me = psutil.Process()
    listening = {
        (c.laddr.ip, c.laddr.port)
        for p in (me, *me.children(recursive=True))
        for c in p.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }
    assert listening
    assert {ip for ip, _ in listening} == {"127.0.0.1"}
    cluster, _ = dask_cluster
    assert cluster.scheduler.http_server.address == "127.0.0.1"  # health/metrics; no dashboard
