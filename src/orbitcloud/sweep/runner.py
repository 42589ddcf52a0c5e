"""Run a sweep on Dask: one task per point, each writing its own results folder.

Layout of a sweep folder::

    <out>/
      sweep.json            the plan (points, parameters, hashes) and the last run's outcome
      points/<hash>/        one results folder per point, named by its scenario hash
      sweep.parquet         parameters + status + KPIs of every point (:mod:`.table`)
      sweep_report.html     the offline sweep report (:mod:`.report_html`)

Dask recomputes a dead worker's tasks but does not promise a task runs once, and keeps no state
across a restart (shared/PITFALLS.md). So the disk is the state: a point is done when
``points/<hash>/summary.json`` exists (``results.api.run`` stages the folder and renames it into
place, ``summary.json`` last), the driver submits only points without one, and a task that finds
its folder complete -- or loses the rename race to a twin of itself -- returns without writing.
Rerunning a sweep therefore recomputes only what is missing, and a killed worker or driver
loses no finished point.

The driver keeps one task in flight per worker thread. Dask counts a worker's death against
every task *assigned* to it, not only the one running; with one task per thread, a point that
kills its worker is mostly charged alone, and after ``allowed-failures + 1`` deaths Dask gives
up on it with ``KilledWorker``. Such a point runs once more alone at the end (a bystander then
finishes); if it kills its worker again it is recorded as a failed point, with the error, and
the rest of the sweep is unaffected.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from orbitcloud._version import __version__
from orbitcloud.results.reader import SUMMARY
from orbitcloud.results.runner import remove_stale_temporaries, safe_folder_name
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.sweep.spec import SweepPlan
from orbitcloud.sweep.table import PointRecord, sweep_table

MANIFEST = "sweep.json"
TABLE = "sweep.parquet"
REPORT = "sweep_report.html"
POINTS_DIR = "points"
MANIFEST_FORMAT = "orbitcloud-sweep/1"

DEFAULT_RETRIES = 1
"""Dask reruns a point whose task raised this many more times (a dead worker is counted apart)."""
WATCH_INTERVAL_S = 5.0
"""How often the driver checks that the cluster still has workers while it waits."""
NO_WORKERS_TIMEOUT_S = 600.0
"""A cluster without any worker this long ends the sweep (an error; finished points are kept)."""
DEFAULT_ALLOWED_FAILURES = 2
"""A point may kill this many workers and still be retried (local cluster); one more and it fails."""


@dataclass(frozen=True)
class PointTask:
    """What a worker needs to run one point: its scenario, its hash and its results folder."""

    hash: str
    folder: str
    scenario: dict[str, Any]


def complete_summary(folder: Path, scenario_hash: str) -> dict[str, Any] | None:
    """The ``summary.json`` of a complete results folder for this scenario hash, else None."""
    try:
        summary = json.loads((folder / SUMMARY).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or summary.get("scenario_hash") != scenario_hash:
        return None
    return summary


def run_point(task: PointTask) -> dict[str, Any]:
    """Run one sweep point into ``task.folder`` (a Dask task; safe to run twice).

    Returns ``{"hash", "computed", "kpis", "orbitcloud_version"}``; ``computed`` is False when the
    folder was already complete (a rerun, or a twin of this task that finished first).
    """
    from orbitcloud import run_finalizers
    from orbitcloud.results.runner import run
    from orbitcloud.scenario.loader import load_scenario

    folder = Path(task.folder)
    done = complete_summary(folder, task.hash)
    if done is not None:
        return _point_result(task.hash, False, done)
    sc = load_scenario(task.scenario)
    if sc.scenario_hash() != task.hash:
        raise RuntimeError(
            f"this worker hashes the point's scenario to {sc.scenario_hash()}, the driver to "
            f"{task.hash}: run the same orbitcloud version ({__version__} here) on the driver "
            "and every worker"
        )
    if folder.exists():  # incomplete when checked: not left by results.api.run, which renames
        aside = folder.with_name(f".{folder.name}.incomplete-{uuid.uuid4().hex[:8]}")
        try:
            os.rename(folder, aside)
        except FileNotFoundError:  # a twin of this task moved it first
            pass
        else:
            done = complete_summary(aside, task.hash)
            if done is not None:  # a twin completed it in the meantime: put it back
                try:
                    os.rename(aside, folder)
                    return _point_result(task.hash, False, done)
                except OSError:  # yet another twin placed its (complete) folder
                    pass
            shutil.rmtree(aside, ignore_errors=True)
    try:
        res = run(sc, out=folder, finalizers=run_finalizers())
    except (OrbitcloudInputError, OSError):
        done = complete_summary(folder, task.hash)
        if done is not None:  # a twin of this task placed the folder first: same content
            return _point_result(task.hash, False, done)
        raise
    return _point_result(task.hash, True, res.summary)


def _point_result(h: str, computed: bool, summary: dict[str, Any]) -> dict[str, Any]:
    return {
        "hash": h,
        "computed": computed,
        "kpis": summary.get("kpis", {}),
        "orbitcloud_version": summary.get("orbitcloud_version"),
    }


def _worker_version() -> str:
    from orbitcloud._version import __version__ as v

    return v


@dataclass
class SweepProgress:
    """Counts told to the progress callback after every finished point."""

    total: int
    done: int = 0
    failed: int = 0
    reused: int = 0
    last: PointRecord | None = None
    phase: str = "sweeping"

    @property
    def remaining(self) -> int:
        return self.total - self.done - self.failed


@dataclass
class SweepOutcome:
    """What a sweep did: the records of its points, where its table and report are, counts."""

    plan: SweepPlan
    out: Path
    records: dict[str, PointRecord]
    table_path: Path
    report_path: Path | None
    seconds: float
    run_seconds: float
    cluster: str
    warnings: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[str]:
        return [h for h, r in self.records.items() if r.status != "ok"]

    @property
    def computed(self) -> int:
        return sum(1 for r in self.records.values() if r.status == "ok" and r.computed)

    @property
    def reused(self) -> int:
        return sum(1 for r in self.records.values() if r.status == "ok" and not r.computed)


def default_out(plan: SweepPlan) -> Path:
    """``results/<sweep name>``: the same folder every time, so a rerun resumes it."""
    return Path("results") / safe_folder_name(plan.name)


def _prepare_out(out: Path) -> None:
    if out.exists():
        if not out.is_dir():
            raise OrbitcloudInputError("--out exists and is not a folder", out)
        if not (out / MANIFEST).is_file() and any(out.iterdir()):
            raise OrbitcloudInputError(
                f"--out exists and is not a sweep folder (no {MANIFEST}); choose another --out",
                out,
            )
    (out / POINTS_DIR).mkdir(parents=True, exist_ok=True)


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _manifest(plan: SweepPlan, last_run: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "name": plan.name,
        "description": plan.description,
        "source": plan.source,
        "base": plan.base,
        "orbitcloud_version": __version__,
        "parameters": plan.parameter_names,
        "spec": plan.spec,
        "points": [{"point": p.index, "hash": p.hash, "params": p.params} for p in plan.points],
        "last_run": last_run,
    }


@contextmanager
def dask_client(
    scheduler: str | None, workers: int, allowed_failures: int
) -> Iterator[tuple[Any, str]]:
    """A Dask client: to ``scheduler`` if given, else to a new local cluster of processes.

    The local cluster listens on 127.0.0.1 only, has no dashboard, runs one single-threaded
    worker process per ``workers`` (SGP4 holds the GIL: threads would not run in parallel,
    shared/PITFALLS.md) and gives up on a task after ``allowed_failures + 1`` worker deaths.
    """
    from distributed import Client

    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise OrbitcloudInputError(
                f"cannot connect to the Dask scheduler at {scheduler!r} ({exc})", "--scheduler"
            ) from None
        try:
            _check_workers(client, scheduler)
            yield client, f"Dask scheduler {scheduler}"
        finally:
            client.close()
        return
    with keep_restarted_workers():
        cluster = make_local_cluster(workers, allowed_failures)
        try:
            client = Client(cluster)
            try:
                yield client, f"local cluster: {workers} worker process(es) on 127.0.0.1"
            finally:
                client.close()
        finally:
            cluster.close()


@contextmanager
def keep_restarted_workers() -> Iterator[None]:
    """While in this block, a local cluster keeps a worker whose process died.

    A local cluster's nanny restarts a dead worker process; but if no worker of that name is
    back within ``distributed.deploy.lost-worker-timeout`` (15 s) of *its first* death, the
    cluster closes the nanny for good. A point that kills two workers in quick succession, on a
    loaded machine, then costs the cluster a worker for the rest of the sweep (seen here:
    two crashing points on 2 workers left 1). The timeout is read when a worker is removed, so
    it must be set while the sweep runs, not only when the cluster is made.
    """
    import dask

    with dask.config.set({"distributed.deploy.lost-worker-timeout": "1 day"}):
        yield


def make_local_cluster(
    workers: int,
    allowed_failures: int = DEFAULT_ALLOWED_FAILURES,
    silence_logs: int = logging.CRITICAL,
) -> Any:
    """A ``distributed.LocalCluster`` set up for sweeps (see :func:`dask_client`).

    ``silence_logs``: distributed's log level; failures are reported per point, so the default
    keeps worker deaths from printing over the progress bar.
    """
    import dask
    from distributed import LocalCluster

    config = {
        "distributed.scheduler.allowed-failures": allowed_failures,
        # queue tasks on the scheduler, never on a worker (see the module docstring)
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(config):
        return LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,  # no dashboard ...
            # ... and its HTTP server (health, metrics) on 127.0.0.1, on a free port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=silence_logs,
        )


def _check_workers(client: Any, scheduler: str) -> None:
    try:
        client.wait_for_workers(1, timeout=60)
    except TimeoutError:
        raise OrbitcloudInputError(
            "the scheduler has no workers (waited 60 s); start some with "
            f"`dask worker {scheduler}`",
            "--scheduler",
        ) from None
    try:
        versions = client.run(_worker_version)
    except Exception as exc:
        raise OrbitcloudInputError(
            f"the workers cannot run orbitcloud ({type(exc).__name__}: {exc}); install "
            f"orbitcloud {__version__} on every worker (docs/sweeps.md)",
            "--scheduler",
        ) from None
    other = {w: v for w, v in versions.items() if v != __version__}
    if other:
        raise OrbitcloudInputError(
            f"workers run another orbitcloud version than this driver ({__version__}): "
            + ", ".join(f"{w}: {v}" for w, v in sorted(other.items()))
            + "; install the same version everywhere (docs/sweeps.md)",
            "--scheduler",
        )


def _error_text(exc: BaseException, alone: bool = False) -> str:
    from distributed import KilledWorker

    if isinstance(exc, KilledWorker):
        n = getattr(exc, "allowed_failures", None)
        times = f"{n + 1} times" if isinstance(n, int) else "repeatedly"
        return (
            f"KilledWorker: the worker process died each time it ran this point ({times}"
            + (", then as often again when it ran alone" if alone else "")
            + "): a crash, os._exit, running out of memory or a signal; "
            f"distributed.scheduler.allowed-failures = {n}"
        )
    return f"{type(exc).__name__}: {exc}"


def run_sweep(
    plan: SweepPlan,
    out: str | Path | None = None,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    client: Any = None,
    retries: int = DEFAULT_RETRIES,
    allowed_failures: int = DEFAULT_ALLOWED_FAILURES,
    progress: Callable[[SweepProgress], None] | None = None,
    point_runner: Callable[[PointTask], dict[str, Any]] = run_point,
    write_report: bool = True,
) -> SweepOutcome:
    """Run every point of ``plan`` that has no complete results folder yet; write the table.

    Parameters
    ----------
    plan : from :func:`orbitcloud.sweep.load_sweep` (every point already validated)
    out : the sweep folder (default ``results/<sweep name>``); an existing sweep folder resumes
    scheduler : address of an existing Dask scheduler (``tcp://host:8786``); default: a local
        cluster of ``workers`` processes
    workers : local worker processes (default: CPU count, at most the points to run)
    client : an existing ``distributed.Client`` to use instead (notebooks, tests)
    retries : Dask retries of a point whose task raised
    allowed_failures : worker deaths a point may cause before it is failed (local cluster only;
        an existing scheduler uses its own ``distributed.scheduler.allowed-failures``)
    progress : called with a :class:`SweepProgress` once at the start and after every point
    point_runner : the task run per point (default :func:`run_point`); a wrapper around it
        may add instrumentation (the tests use one to crash a worker)
    write_report : write ``sweep_report.html``

    Returns
    -------
    SweepOutcome; failed points are in it (and in the table), not raised.
    """
    t0 = time.perf_counter()
    out = Path(out) if out is not None else default_out(plan)
    _prepare_out(out)
    points_dir = out / POINTS_DIR
    _write_json(out / MANIFEST, _manifest(plan, None))

    records: dict[str, PointRecord] = {}
    warnings: list[str] = []
    todo: list[PointTask] = []
    by_hash = {p.hash: p for p in plan.points}
    old_versions = 0
    for h in plan.unique_hashes:
        summary = complete_summary(points_dir / h, h)
        if summary is None:
            todo.append(PointTask(h, str((points_dir / h).resolve()), by_hash[h].scenario))
        else:
            records[h] = PointRecord(h, "ok", summary.get("kpis", {}), computed=False)
            old_versions += summary.get("orbitcloud_version") != __version__
    if old_versions:
        warnings.append(
            f"{old_versions} reused point(s) were computed by another orbitcloud version; "
            "use a new --out to recompute them with this one"
        )
    state = SweepProgress(total=len(plan.unique_hashes), done=len(records), reused=len(records))
    if todo and client is None:
        state.phase = "connecting" if scheduler else "starting workers"
    if progress:
        progress(state)
    state.phase = "sweeping"

    t_run = time.perf_counter()
    cluster_text = "none needed (every point was complete)"
    if todo:
        n_workers = max(1, workers or min(os.cpu_count() or 1, len(todo)))
        if client is not None:
            cluster_text = "the given Dask client"
            _drive(client, todo, records, state, retries, progress, point_runner)
        else:
            with dask_client(scheduler, n_workers, allowed_failures) as (c, cluster_text):
                t_run = time.perf_counter()
                _drive(c, todo, records, state, retries, progress, point_runner)
    run_seconds = time.perf_counter() - t_run

    for r in records.values():
        if r.status == "ok" and r.computed and not (points_dir / r.hash / SUMMARY).is_file():
            warnings.append(
                f"point {r.hash}: a worker wrote its results but this machine cannot see them "
                f"under {points_dir}: --out must be on a filesystem every worker shares, at the "
                "same path"
            )
    # staging folders of killed workers (this host's, whose process is gone)
    remove_stale_temporaries(points_dir)

    table = sweep_table(plan, records, POINTS_DIR)
    table_path = out / TABLE
    tmp = out / f".{TABLE}.tmp-{uuid.uuid4().hex[:8]}"
    pq.write_table(table, tmp)
    os.replace(tmp, table_path)

    report_path = None
    if write_report:
        from orbitcloud.sweep.report_html import write_sweep_report

        report_path = write_sweep_report(plan, table, out / REPORT)

    seconds = time.perf_counter() - t0
    outcome = SweepOutcome(
        plan, out, records, table_path, report_path, seconds, run_seconds, cluster_text, warnings
    )
    _write_json(
        out / MANIFEST,
        _manifest(
            plan,
            {
                "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "cluster": cluster_text,
                "seconds": round(seconds, 3),
                "points": len(plan.unique_hashes),
                "computed": outcome.computed,
                "reused": outcome.reused,
                "failed": len(outcome.failed),
                "failures": [
                    {
                        "hash": h,
                        "params": by_hash[h].params,
                        "error": records[h].error,
                        "traceback": records[h].traceback,
                    }
                    for h in outcome.failed
                ],
                "warnings": warnings,
            },
        ),
    )
    return outcome


def _drive(
    client: Any,
    todo: list[PointTask],
    records: dict[str, PointRecord],
    state: SweepProgress,
    retries: int,
    progress: Callable[[SweepProgress], None] | None,
    point_runner: Callable[[PointTask], dict[str, Any]],
) -> None:
    """Submit the points, one per worker thread at a time, and record each as it finishes.

    A point that Dask gives up on with ``KilledWorker`` may be innocent: when a worker dies,
    Dask charges every task assigned to it, and while workers restart the scheduler can queue a
    second task on a busy worker. So such a point is run once more, *alone* (nothing else in
    flight), at the end; only if it kills its workers again is it recorded as failed.
    """
    from distributed import KilledWorker, wait

    queue = deque(todo)
    suspects: deque[PointTask] = deque()
    alone: set[str] = set()
    in_flight: dict[Any, PointTask] = {}
    run_id = uuid.uuid4().hex[:8]

    def submit(task: PointTask, tag: str) -> None:
        key = f"orbitcloud-point-{task.hash}-{run_id}{tag}"
        fut = client.submit(point_runner, task, key=key, retries=retries, pure=False)
        in_flight[fut] = task

    def top_up() -> None:
        limit = max(1, sum(client.nthreads().values()))
        while queue and len(in_flight) < limit:
            submit(queue.popleft(), "")
        if not queue and not in_flight and suspects:
            task = suspects.popleft()
            alone.add(task.hash)
            submit(task, "-alone")

    top_up()
    if progress:
        progress(state)
    no_workers_since: float | None = None
    while in_flight:
        try:
            done = wait(list(in_flight), timeout=WATCH_INTERVAL_S, return_when="FIRST_COMPLETED")[0]
        except TimeoutError:  # distributed raises instead of returning nothing done
            done = set()
        if not done:
            if sum(client.nthreads().values()):
                no_workers_since = None
            elif no_workers_since is None:
                no_workers_since = time.monotonic()
            elif time.monotonic() - no_workers_since > NO_WORKERS_TIMEOUT_S:
                raise RuntimeError(
                    f"the Dask cluster has had no workers for {NO_WORKERS_TIMEOUT_S:.0f} s; "
                    "finished points are kept: rerun the same sweep to resume"
                )
            continue
        for fut in done:
            task = in_flight.pop(fut)
            if (
                fut.status == "error"
                and task.hash not in alone
                and isinstance(fut.exception(), KilledWorker)
            ):
                fut.release()
                suspects.append(task)
                continue
            _record(fut, task, records, state, alone=task.hash in alone)
        top_up()
        if progress:
            progress(state)


def _record(
    fut: Any,
    task: PointTask,
    records: dict[str, PointRecord],
    state: SweepProgress,
    alone: bool = False,
) -> None:
    """Record a finished future's point as ok or failed, and release the future."""
    if fut.status == "finished":
        res = fut.result()
        # computed in this sweep run, even when a rerun of the task found the folder its
        # first execution wrote (Dask may run a task twice)
        rec = PointRecord(task.hash, "ok", res.get("kpis", {}), computed=True)
        state.done += 1
    else:
        try:
            exc = fut.exception()
            tb = "".join(traceback.format_exception(type(exc), exc, fut.traceback()))
            err = _error_text(exc, alone)
        except Exception as e:  # a cancelled future raises instead of returning
            err, tb = f"{type(e).__name__}: the point's task was cancelled ({e})", None
        rec = PointRecord(task.hash, "failed", error=err, traceback=tb)
        state.failed += 1
    fut.release()
    records[task.hash] = rec
    state.last = rec
