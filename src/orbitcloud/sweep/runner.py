"""Run a sweep on Dask: one task per point, each writing its own results folder.

Layout of a sweep folder::

    <out>/
      sweep.json            the plan (points, parameters, hashes) and the last run's outcome
      points/<hash>/        one results folder per point, named by its scenario hash
      sweep.parquet         parameters + status + KPIs of every point (:mod:`.table`)
      sweep_report.html     the offline sweep report (:mod:`.report_html`)

Dask recomputes a dead worker's tasks but does not promise a task runs once, and keeps no state
across a restart (shared/PITFALLS.md). So the disk is the state: a point is done when
``points/<hash>`` holds its complete, intact results (``results.runner.run`` stages the folder
and renames it into place, ``summary.json`` last; :func:`inspect_point` checks every table and
file against the rows, sizes and digests the summary records), the driver submits only points
without them, and a task that finds its folder complete -- or loses the rename race to a twin of
itself -- returns without writing. Rerunning a sweep therefore recomputes only what is missing
or damaged, and a killed worker or driver loses no finished point. Nothing is written or
submitted before every point to run has passed ``orbitcloud validate``'s checks
(:func:`orbitcloud.sweep.spec.check_points`), and a damaged point folder is replaced only if
everything in it is a run's.

The driver keeps one task in flight per worker thread. Dask counts a worker's death against
every task *assigned* to it, not only the one running; with one task per thread, a point that
kills its worker is mostly charged alone, and after ``allowed-failures + 1`` deaths Dask gives
up on it with ``KilledWorker``. Such a point runs once more alone at the end (a bystander then
finishes); if it kills its worker again it is recorded as a failed point, with the error, and
the rest of the sweep is unaffected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import stat
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
from orbitcloud.results.reader import SCENARIO_FILE, SUMMARY
from orbitcloud.results.runner import remove_stale_temporaries, safe_folder_name
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.sweep.spec import SweepPlan, SweepPoint, check_points
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
WORKER_PRELOAD = "orbitcloud.sweep.worker_setup"
"""Dask preload of the local cluster's worker processes (:mod:`.worker_setup`)."""


@dataclass(frozen=True)
class PointTask:
    """What a worker needs to run one point: its scenario, its hash and its results folder."""

    hash: str
    folder: str
    scenario: dict[str, Any]


SUMMARY_MAX_BYTES = 16 << 20
"""A point's ``summary.json`` larger than this is not read (it is not one a run wrote)."""
FILES_KEY = "files"
"""``summary.json`` key of the files a sweep point wrote: name -> ``{"bytes", "sha256"}``."""
DIGEST_SPAN = 1 << 20
"""Bytes hashed at each end of a file (:func:`file_digest`): files up to twice this are hashed
whole, a larger one by its first and last MiB, so checking a point costs at most a few MiB of
reading however large its tables are."""
_RUN_FILES = frozenset({SUMMARY, SCENARIO_FILE, "report.html", "report.czml"})
_TABLE_NAME = re.compile(r"^[A-Za-z0-9_]{1,100}$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,200}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def file_digest(path: Path, size: int) -> str:
    """SHA-256 of a file of ``size`` bytes: all of it up to ``2 * DIGEST_SPAN``, else its first
    and last :data:`DIGEST_SPAN` bytes (and the size)."""
    h = hashlib.sha256(str(size).encode())
    with open(path, "rb") as f:
        if size <= 2 * DIGEST_SPAN:
            h.update(f.read())
        else:
            h.update(f.read(DIGEST_SPAN))
            f.seek(size - DIGEST_SPAN)
            h.update(f.read(DIGEST_SPAN))
    return h.hexdigest()


def record_files(staging: Path, summary: dict[str, Any]) -> None:
    """Run finalizer: record the size and digest of every file the run wrote.

    ``summary["files"]`` maps each file name to ``{"bytes": size, "sha256":
    file_digest(...)}``. It runs last, after the report; ``summary.json`` itself is written
    after it. A resumed sweep checks each file against it (:func:`inspect_point`).
    """
    files = {}
    for e in sorted(os.scandir(staging), key=lambda e: e.name):
        if e.is_file(follow_symlinks=False) and not e.name.startswith("."):
            size = e.stat(follow_symlinks=False).st_size
            files[e.name] = {"bytes": size, "sha256": file_digest(Path(e.path), size)}
    summary[FILES_KEY] = files


def _read_summary(folder: Path, scenario_hash: str) -> tuple[dict[str, Any] | None, str]:
    path = folder / SUMMARY
    try:
        st = path.lstat()
    except FileNotFoundError:
        return None, f"it has no {SUMMARY} (its run did not finish)"
    except OSError as exc:
        return None, f"its {SUMMARY} cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(st.st_mode):
        return None, f"its {SUMMARY} is not a regular file"
    if st.st_size > SUMMARY_MAX_BYTES:
        return None, f"its {SUMMARY} is larger than {SUMMARY_MAX_BYTES >> 20} MiB"
    try:
        summary = json.loads(path.read_bytes())
    except OSError as exc:
        return None, f"its {SUMMARY} cannot be read ({exc.strerror or exc})"
    except (ValueError, RecursionError):
        return None, f"its {SUMMARY} is not JSON"
    if not isinstance(summary, dict):
        return None, f"its {SUMMARY} is not a JSON object"
    if summary.get("scenario_hash") != scenario_hash:
        return None, f"its {SUMMARY} is another scenario's"
    return summary, ""


def _recorded(
    summary: dict[str, Any],
) -> tuple[dict[str, int], dict[str, dict[str, Any]]] | None:
    """The summary's table row counts and file records, or None if they are malformed."""
    tables = summary.get("tables")
    files = summary.get(FILES_KEY, {})
    if not isinstance(tables, dict) or not isinstance(files, dict):
        return None
    for k, v in tables.items():
        if not _TABLE_NAME.match(k) or type(v) is not int or v < 0:
            return None
    for k, v in files.items():
        if not (_FILE_NAME.match(k) and isinstance(v, dict)):
            return None
        size, digest = v.get("bytes"), v.get("sha256")
        if type(size) is not int or size < 0 or not isinstance(digest, str):
            return None
        if not _SHA256.match(digest):
            return None
    return tables, files


def _check_file(path: Path, size: int | None) -> str | None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        return f"{path.name} is missing"
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(st.st_mode):
        return f"{path.name} is not a regular file"
    if size is not None and st.st_size != size:
        return f"{path.name} has {st.st_size:,} bytes, {size:,} recorded"
    return None


def inspect_point(folder: Path, scenario_hash: str) -> tuple[dict[str, Any] | None, str | None]:
    """Whether ``folder`` holds this point's complete, intact results.

    Returns ``(summary, None)`` when it does; ``(None, None)`` when there is nothing at
    ``folder``; ``(None, why)`` otherwise. Intact means: ``summary.json`` is this scenario's;
    ``scenario.yaml`` and every table it lists (``tables``: name -> rows) are regular files,
    each table's Parquet footer giving its number of rows; and every file whose size and
    digest it records (``files``, written by :func:`record_files`) has that size and digest.
    A truncated, emptied, deleted, extended or replaced file is caught; so is a change in a
    file's first or last MiB. (A folder written before the digests were recorded is checked by
    rows only.)
    """
    try:
        st = folder.stat()
    except FileNotFoundError:
        if folder.is_symlink():
            return None, "it is a symbolic link to nothing"
        return None, None
    except (OSError, ValueError) as exc:
        return None, f"it cannot be read ({getattr(exc, 'strerror', None) or exc})"
    if not stat.S_ISDIR(st.st_mode):
        kind = "a regular file" if stat.S_ISREG(st.st_mode) else "not a folder"
        return None, f"it is {kind}, not a point's results folder"
    summary, why = _read_summary(folder, scenario_hash)
    if summary is None:
        return None, why
    recorded = _recorded(summary)
    if recorded is None:
        return None, f"its {SUMMARY} has no valid list of tables and files"
    tables, files = recorded
    expect: dict[str, int | None] = {SCENARIO_FILE: None, **{f"{t}.parquet": None for t in tables}}
    expect.update({name: rec["bytes"] for name, rec in files.items()})
    for name, size in expect.items():  # cheap checks first: one stat each
        problem = _check_file(folder / name, size)
        if problem:
            return None, problem
    for t, rows in tables.items():
        try:
            n = pq.read_metadata(folder / f"{t}.parquet").num_rows
        except Exception:  # pyarrow: ArrowInvalid, OSError, ... -- whatever the damage
            return None, f"{t}.parquet cannot be read as Parquet (truncated or damaged)"
        if n != rows:
            return None, f"{t}.parquet has {n:,} rows, {rows:,} recorded"
    for name, rec in files.items():
        try:
            digest = file_digest(folder / name, rec["bytes"])
        except OSError as exc:
            return None, f"{name} cannot be read ({exc.strerror or exc})"
        if digest != rec["sha256"]:
            return None, f"{name} is not the file the run wrote (its content changed)"
    return summary, None


def complete_summary(folder: Path, scenario_hash: str) -> dict[str, Any] | None:
    """The ``summary.json`` of a complete, intact results folder for this scenario hash, else
    None (see :func:`inspect_point`)."""
    return inspect_point(folder, scenario_hash)[0]


def foreign_entries(folder: Path) -> list[str]:
    """Names in a point folder that a run does not write (a user's files), ``/`` after a folder.

    A damaged point folder is deleted before its point is recomputed, but only when everything
    in it is a run's: tables, ``summary.json``, ``scenario.yaml``, the report, hidden
    temporaries -- all regular files.
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return []
    out = []
    for e in entries:
        ours = e.is_file(follow_symlinks=False) and (
            e.name in _RUN_FILES or e.name.endswith(".parquet") or e.name.startswith(".")
        )
        if not ours:
            out.append(e.name + ("/" if e.is_dir(follow_symlinks=False) else ""))
    return out


def _refusal(folder: Path, problem: str) -> str | None:
    """Why a damaged point folder may not be replaced (None: it may)."""
    if folder.is_symlink():
        return f"{problem}, and it is a symbolic link"
    if not folder.is_dir():
        return problem
    foreign = foreign_entries(folder)
    if foreign:
        shown = ", ".join(repr(n) for n in foreign[:5]) + (" ..." if len(foreign) > 5 else "")
        return f"{problem}, and it holds {shown}, which orbitcloud does not write"
    return None


def run_point(task: PointTask) -> dict[str, Any]:
    """Run one sweep point into ``task.folder`` (a Dask task; safe to run twice).

    Returns ``{"hash", "computed", "kpis", "orbitcloud_version"}``; ``computed`` is False when the
    folder was already complete (a rerun, or a twin of this task that finished first). A
    damaged folder (:func:`inspect_point`) is replaced, unless it holds anything a run does not
    write or is not a folder: then the point fails, and nothing is moved or deleted.
    """
    from orbitcloud import run_finalizers
    from orbitcloud.results.runner import run
    from orbitcloud.scenario.loader import load_scenario

    folder = Path(task.folder)
    done, problem = inspect_point(folder, task.hash)
    if done is not None:
        return _point_result(task.hash, False, done)
    sc = load_scenario(task.scenario)
    if sc.scenario_hash() != task.hash:
        raise RuntimeError(
            f"this worker hashes the point's scenario to {sc.scenario_hash()}, the driver to "
            f"{task.hash}: run the same orbitcloud version ({__version__} here) on the driver "
            "and every worker"
        )
    refused = _refusal(folder, problem) if problem else None
    if refused:
        raise OrbitcloudInputError(f"{refused}; move it away, then rerun the sweep", folder)
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
        res = run(sc, out=folder, finalizers=(*run_finalizers(), record_files))
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


def _check_out(out: Path) -> None:
    """Refuse an ``out`` that is not (or cannot become) a sweep folder; writes nothing."""
    try:
        try:
            os.stat(out)
        except FileNotFoundError:
            if out.is_symlink():
                raise OrbitcloudInputError("--out is a symbolic link to nothing", out) from None
            return  # made when the sweep starts
        if not out.is_dir():
            raise OrbitcloudInputError("--out exists and is not a folder", out)
        if not (out / MANIFEST).is_file() and any(out.iterdir()):
            raise OrbitcloudInputError(
                f"--out exists and is not a sweep folder (no {MANIFEST}); choose another --out",
                out,
            )
        points = out / POINTS_DIR
        if (points.exists() or points.is_symlink()) and not points.is_dir():
            raise OrbitcloudInputError(
                f"{POINTS_DIR} in the sweep folder is not a folder; move it away, then rerun", out
            )
    except OrbitcloudInputError:
        raise
    except (OSError, ValueError) as exc:  # a file on the way, a name too long, a NUL byte
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OrbitcloudInputError(f"--out cannot be used ({why})", _short_path(out)) from None


def _short_path(p: Path) -> str:
    text = str(p)
    return text if len(text) <= 200 else text[:197] + "..."


def _prepare_out(out: Path) -> None:
    try:
        (out / POINTS_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OrbitcloudInputError(
            f"cannot create the sweep folder ({exc.strerror or exc})", out
        ) from None


def _scan(
    plan: SweepPlan, points_dir: Path
) -> tuple[dict[str, PointRecord], list[PointTask], list[tuple[str, str]], int]:
    """What is on disk: reusable points' records, the points to run, the damaged folders
    among them (hash, why) and how many reused points another orbitcloud version computed.

    Raises OrbitcloudInputError, naming every such folder, when a damaged point folder may not
    be replaced (:func:`_refusal`): orbitcloud does not delete what it did not write.
    """
    records: dict[str, PointRecord] = {}
    todo: list[PointTask] = []
    damaged: list[tuple[str, str]] = []
    refused: list[str] = []
    old_versions = 0
    by_hash: dict[str, SweepPoint] = {}
    for p in plan.points:
        by_hash.setdefault(p.hash, p)
    for h in plan.unique_hashes:
        folder = points_dir / h
        summary, problem = inspect_point(folder, h)
        if summary is not None:
            records[h] = PointRecord(h, "ok", summary.get("kpis", {}), computed=False)
            old_versions += summary.get("orbitcloud_version") != __version__
            continue
        if problem is not None:
            why = _refusal(folder, problem)
            if why is not None:
                refused.append(f"  {POINTS_DIR}/{h} (point {by_hash[h].index}): {why}")
                continue
            damaged.append((h, problem))
        todo.append(PointTask(h, str(folder.resolve()), by_hash[h].scenario))
    if refused:
        raise OrbitcloudInputError(
            f"{len(refused)} point folder(s) must be recomputed but hold what orbitcloud does "
            "not write, so nothing was run or deleted; move them (or what they hold) away, or "
            "choose another --out:\n" + "\n".join(refused),
            points_dir.parent,
        )
    return records, todo, damaged, old_versions


def _finite(data: Any) -> Any:
    """``data`` with every non-finite float made null: JSON has no NaN or infinity."""
    if isinstance(data, float) and not math.isfinite(data):
        return None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    text = json.dumps(_finite(data), indent=2, default=str, allow_nan=False)
    tmp.write_text(text, encoding="utf-8")
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


SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""The address schemes of a Dask scheduler (``tcp`` when none is given)."""
_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?):(?P<port>[0-9]+)$"
)


def check_scheduler_address(address: str) -> None:
    """Refuse what cannot be a Dask scheduler's address (``[SCHEME://]HOST:PORT``), unconnected."""
    example = "give SCHEME://HOST:PORT, e.g. tcp://10.0.0.5:8786"
    shown = repr(address) if len(address) <= 80 else repr(address[:77]) + "..."
    m = _ADDRESS.fullmatch(address)
    if m is None:
        raise OrbitcloudInputError(
            f"{shown} is not a Dask scheduler address; {example}", "--scheduler"
        )
    scheme = (m.group("scheme") or "tcp").lower()
    if scheme not in SCHEDULER_SCHEMES:
        raise OrbitcloudInputError(
            f"{shown}: {scheme!r} is not a scheme Dask speaks ({', '.join(SCHEDULER_SCHEMES)}); "
            + example,
            "--scheduler",
        )
    if not 1 <= int(m.group("port")) <= 65535:
        raise OrbitcloudInputError(
            f"{shown}: port {m.group('port')} is not in 1..65535; {example}", "--scheduler"
        )


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
        check_scheduler_address(scheduler)
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
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
            # each worker process (a restarted one too) ignores Ctrl-C: the driver handles it
            preload=[WORKER_PRELOAD],
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
    check: bool = True,
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
    check : run ``orbitcloud validate``'s checks on every point to run before submitting any
        (:func:`orbitcloud.sweep.spec.check_points`)

    Returns
    -------
    SweepOutcome; failed points are in it (and in the table), not raised.

    Raises
    ------
    OrbitcloudInputError
        before anything is written or submitted: ``out`` is not a sweep folder, a point's
        folder is damaged and holds what a run does not write (or is not a folder), a point to
        run fails the checks of ``orbitcloud validate``, a malformed ``scheduler`` address
    KeyboardInterrupt
        passed on after the cluster is closed; finished points are kept, and the same call
        resumes
    """
    t0 = time.perf_counter()
    if scheduler is not None and client is None:
        check_scheduler_address(scheduler)
    out = Path(out) if out is not None else default_out(plan)
    points_dir = out / POINTS_DIR
    # nothing is written before the folder, every point in it and every point to run are checked
    _check_out(out)
    records, todo, damaged, old_versions = _scan(plan, points_dir)
    by_hash = {p.hash: p for p in plan.points}
    warnings: list[str] = []
    if old_versions:
        warnings.append(
            f"{old_versions} reused point(s) were computed by another orbitcloud version; "
            "use a new --out to recompute them with this one"
        )
    if damaged:
        warnings.append(
            f"{len(damaged)} point folder(s) were incomplete or damaged and were recomputed: "
            + "; ".join(f"points/{h}: {why}" for h, why in damaged[:5])
            + (f"; ... and {len(damaged) - 5} more" if len(damaged) > 5 else "")
        )
    state = SweepProgress(total=len(plan.unique_hashes), done=len(records), reused=len(records))
    if todo and check:

        def checked(n: int, total: int) -> None:
            state.phase = f"checking points ({n}/{total})"
            if progress:
                progress(state)

        checked(0, len(todo))
        check_points(plan, [t.hash for t in todo], progress=checked)
    _prepare_out(out)
    _write_json(out / MANIFEST, _manifest(plan, None))
    if todo and client is None:
        state.phase = "connecting" if scheduler else "starting workers"
    if progress:
        progress(state)
    state.phase = "sweeping"

    t_run = time.perf_counter()
    cluster_text = "none needed (every point was complete)"
    if todo:
        n_workers = max(1, workers or min(os.cpu_count() or 1, len(todo)))
        try:
            if client is not None:
                cluster_text = "the given Dask client"
                _drive(client, todo, records, state, retries, progress, point_runner)
            else:
                with dask_client(scheduler, n_workers, allowed_failures) as (c, cluster_text):
                    t_run = time.perf_counter()
                    _drive(c, todo, records, state, retries, progress, point_runner)
        except KeyboardInterrupt:
            # the workers are gone with the cluster: their staging folders can go too; finished
            # points stay, and the same command resumes
            remove_stale_temporaries(points_dir)
            raise
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
