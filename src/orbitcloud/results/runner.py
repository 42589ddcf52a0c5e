"""Run a scenario into a results folder: the Parquet sink, staging and placement of the folder.

The folder contract (docs/scenario.md, docs/tables.md): ``scenario.yaml`` (the resolved
scenario), ``satellites.parquet``, ``positions.parquet`` (when ``outputs.positions``), the tables
of the other models, and ``summary.json`` (KPIs, propagation-error counts, the orbitcloud
version, the scenario hash, wall time and the row count of every table), written last. Every
table written is checked against its declaration in :mod:`orbitcloud.results.schema`.

A run writes into a hidden staging folder beside the target and renames it into place only when
complete, so a run killed at any moment never leaves a folder at the final path that looks
complete (a Parquet file cut short has no footer and cannot be read: shared/PITFALLS.md).
Staging folders left by killed runs are removed by the next run in the same folder.

This is the only module of :mod:`orbitcloud.results` that imports the engine; reading a folder
back is :mod:`orbitcloud.results.reader`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import math
import os
import queue
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orbitcloud._version import __version__
from orbitcloud.engine.run import simulate
from orbitcloud.results.reader import SCENARIO_FILE, SUMMARY, Results, is_run_file
from orbitcloud.results.schema import conform_table
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import load_scenario
from orbitcloud.scenario.model import Scenario, resolved_dict
from orbitcloud.scenario.yamlio import dump_yaml

__all__ = [
    "ROW_GROUP_ROWS",
    "SCENARIO_FILE",
    "SUMMARY",
    "ParquetSink",
    "finite_summary",
    "foreign_reason",
    "remove_stale_temporaries",
    "run",
    "safe_folder_name",
]

ROW_GROUP_ROWS = 1 << 20
"""Rows per Parquet row group: about one geometry chunk, so a reader can skip by time."""

_PENDING_WRITES = 2
"""Tables waiting for the background writer: bounds memory to ~3 chunks' tables."""


def _writer_options(schema: pa.Schema) -> dict[str, Any]:
    """Parquet options for a table: dictionaries and statistics for non-float columns only.

    Floating-point columns (positions, angles, fractions) are nearly all distinct, so the
    dictionary pages pyarrow tries first are wasted work, and their min/max statistics help no
    common query (``time`` and ``sat`` keep theirs, for row-group skipping). Measured on the
    whole ``starlink-catalogue`` run (6.4 M position rows, pyarrow 26, snappy, 2 cores, writes
    not overlapped, 3 runs each): 1.06-1.26 s of Parquet writing with pyarrow's defaults,
    0.49-0.52 s with these options, and a 243 MB instead of 257 MB file. Other codecs with these
    options: zstd 0.77-0.80 s (220 MB), lz4 0.46-0.49 s (240 MB), none 0.41-0.47 s (265 MB);
    snappy stays, read by every Parquet reader.
    """
    keep = [
        f.name for f in schema if not (pa.types.is_floating(f.type) or pa.types.is_decimal(f.type))
    ]
    return {"use_dictionary": keep, "write_statistics": keep}


class ParquetSink:
    """Appends tables to ``<folder>/<name>.parquet`` with one ParquetWriter per table.

    Writes made with ``background=True`` are encoded by one writer thread while the caller
    computes the next chunk (pyarrow releases the GIL while it encodes and compresses); other
    writes wait for the queued ones, so rows always land in the order they were written. An
    error in the writer thread is raised by the next ``write`` or by ``close``. Measured on the
    ``starlink-catalogue`` run (8 runs each, interleaved): median run 4.80 s with the writer
    thread, 4.99 s without -- a small gain, since SGP4 holds the GIL and the two threads share
    memory bandwidth; it grows as the geometry gets faster.

    Every write is checked (in the caller's thread) against the table's declaration in
    :mod:`orbitcloud.results.schema` (:func:`~orbitcloud.results.schema.conform_table`): an
    undeclared table or column, a missing column or another type raises ``ValueError``.
    ``validate=False`` turns the check off (for tables that are not results, e.g. in tests).

    Attributes
    ----------
    rows : rows written (or queued) per table
    write_s : time spent encoding and writing Parquet, in whichever thread [s]
    wait_s : time the caller spent blocked on the writer (full queue, ordering, close) [s]
    """

    def __init__(
        self,
        folder: Path,
        compression: str = "snappy",
        threaded: bool = True,
        validate: bool = True,
    ) -> None:
        self.folder = Path(folder)
        self.compression = compression
        self.threaded = threaded
        self.validate = validate
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.schemas: dict[str, pa.Schema] = {}
        self.rows: dict[str, int] = {}
        self.write_s = 0.0
        self.wait_s = 0.0
        self._queue: queue.Queue[tuple[str, pa.Table] | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    # -- caller side --------------------------------------------------------------------------
    def write(self, name: str, table: pa.Table, *, background: bool = False) -> None:
        """Append ``table`` to ``name`` (see :class:`orbitcloud.engine.context.TableSink`)."""
        self._raise_pending()
        table = self._conform(name, table)
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        if background and self.threaded:
            if self._thread is None:
                self._queue = queue.Queue(maxsize=_PENDING_WRITES)
                self._thread = threading.Thread(
                    target=self._work, name="orbitcloud-parquet", daemon=True
                )
                self._thread.start()
            assert self._queue is not None
            t0 = time.perf_counter()
            self._queue.put((name, table))
            self.wait_s += time.perf_counter() - t0
        else:
            self._drain()
            self._write_now(name, table)

    def close(self) -> None:
        """Wait for the writer thread, finish every file; raises a writer error if any."""
        try:
            self._stop()
        finally:
            for w in self.writers.values():
                w.close()
            self.writers.clear()
        self._raise_pending()

    def abort(self) -> None:
        """Stop after a failure: no error raised, files left as they are (to be deleted)."""
        with contextlib.suppress(BaseException):  # best effort on the way out of a failed run
            self._stop()
        for w in self.writers.values():
            with contextlib.suppress(Exception):
                w.close()
        self.writers.clear()

    def _conform(self, name: str, table: pa.Table) -> pa.Table:
        """Check (in the caller's thread) a table against its declaration and its first write."""
        if self.validate:
            table = conform_table(name, table)
        schema = self.schemas.get(name)
        if schema is None:
            self.schemas[name] = table.schema.remove_metadata()
            return table
        if table.schema.equals(schema, check_metadata=False):
            return table
        if table.schema.names != schema.names:
            raise ValueError(
                f"table {name!r}: columns {table.schema.names} differ from the first write's "
                f"{schema.names}; every write to one table must have the same columns"
            )
        return table.cast(schema)

    def _drain(self) -> None:
        if self._queue is not None:
            t0 = time.perf_counter()
            self._queue.join()
            self.wait_s += time.perf_counter() - t0
        self._raise_pending()

    def _stop(self) -> None:
        if self._thread is not None and self._queue is not None:
            t0 = time.perf_counter()
            self._queue.put(None)
            self._thread.join()
            self.wait_s += time.perf_counter() - t0
        self._thread = None
        self._queue = None

    def _raise_pending(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    # -- writer side --------------------------------------------------------------------------
    def _write_now(self, name: str, table: pa.Table) -> None:
        t0 = time.perf_counter()
        w = self.writers.get(name)
        if w is None:
            schema = self.schemas[name]
            w = pq.ParquetWriter(
                self.folder / f"{name}.parquet",
                schema,
                compression=self.compression,
                **_writer_options(schema),
            )
            self.writers[name] = w
        w.write_table(table, row_group_size=ROW_GROUP_ROWS)
        self.write_s += time.perf_counter() - t0

    def _work(self) -> None:
        assert self._queue is not None
        q = self._queue
        while True:
            item = q.get()
            try:
                if item is None:
                    return
                if self._error is None:  # after an error, drop the rest (the run fails)
                    self._write_now(*item)
            except BaseException as exc:
                self._error = exc
            finally:
                q.task_done()


# --- folder naming and placement -----------------------------------------------------------


def safe_folder_name(name: str) -> str:
    """A scenario name made safe as a folder name (letters, digits, ``.-_`` kept)."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"
    return s[:100]


def _default_out(scenario: Scenario) -> Path:
    return Path("results") / safe_folder_name(scenario.name)


_HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_TEMP_RE = re.compile(r"^\..+\.(staging|old)-(\d+)-([0-9a-f]{8})-[0-9a-f]{8}$")
_TEMP_STEM_CHARS = 40
"""Characters of the target's name kept in a staging name: any valid ``--out`` (a name of up to
255 bytes) still gets a staging name well under the 255-byte limit of a file name."""
SUMMARY_MAX_BYTES = 16 << 20
"""Largest ``summary.json`` read when deciding whether ``--overwrite`` may replace a folder."""


def _temp_name(target: Path, kind: str) -> Path:
    """``.<name>.<kind>-<pid>-<host>-<random>`` beside ``target`` (kind: staging or old).

    ``<name>`` is the target's name made ASCII and cut to 40 characters, so the staging name
    stays short (at most 76 characters) whatever the length of ``--out``.
    """
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", target.name)[:_TEMP_STEM_CHARS] or "results"
    return target.with_name(f".{stem}.{kind}-{os.getpid()}-{_HOST}-{uuid.uuid4().hex[:8]}")


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete staging/old folders left in ``folder`` by killed runs of this host.

    A folder counts as stale when the process that made it (its pid is in the name) is gone;
    folders of another host (a shared file system) are left alone. A staging folder holds only
    what the run wrote and is deleted whole; an old folder (a replaced results folder) loses
    only the files a run writes, and stays if anything else is in it.
    """
    import psutil

    removed: list[Path] = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for p in entries:
        m = _TEMP_RE.match(p.name)
        if not m or m.group(3) != _HOST or int(m.group(2)) == os.getpid():
            continue
        if psutil.pid_exists(int(m.group(2))):
            continue
        if m.group(1) == "staging":
            shutil.rmtree(p, ignore_errors=True)
        elif not _remove_run_folder(p):
            continue
        removed.append(p)
    return removed


def foreign_reason(folder: Path) -> str | None:
    """Why ``folder`` is not recognisably an orbitcloud results folder; None if it is one.

    A results folder that ``--overwrite`` may replace is empty, or holds a ``summary.json`` that
    parses to an object with ``orbitcloud_version`` and ``scenario_hash``, a ``scenario.yaml``,
    and nothing but names a run writes (:func:`~orbitcloud.results.reader.is_run_file`: declared
    tables, ``report.html``, ``report.czml``, the summary, the scenario, their hidden temporary
    files), each a regular file.
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        return f"cannot list it ({exc.strerror or exc})"
    if not entries:
        return None
    unknown = [
        e.name + ("/" if e.is_dir(follow_symlinks=False) else "")
        for e in entries
        if not (is_run_file(e.name) and e.is_file(follow_symlinks=False))
    ]
    if unknown:
        shown = ", ".join(repr(n) for n in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        return f"it holds {shown}, which orbitcloud does not write"
    names = {e.name for e in entries}
    if SCENARIO_FILE not in names:
        return f"it has no {SCENARIO_FILE}"
    if SUMMARY not in names:
        return f"it has no {SUMMARY}"
    summary = folder / SUMMARY
    try:
        if summary.stat().st_size > SUMMARY_MAX_BYTES:
            return f"its {SUMMARY} is larger than {SUMMARY_MAX_BYTES >> 20} MB"
        data = json.loads(summary.read_bytes())
    except (OSError, ValueError, RecursionError):
        return f"its {SUMMARY} is not JSON"
    if not isinstance(data, dict):
        return f"its {SUMMARY} is not a JSON object"
    missing = [
        k for k in ("orbitcloud_version", "scenario_hash") if not isinstance(data.get(k), str)
    ]
    if missing:
        return f"its {SUMMARY} has no {' or '.join(missing)}"
    return None


def _remove_run_folder(folder: Path) -> bool:
    """Delete the files a run writes in ``folder``, then the folder if nothing else is left.

    Never deletes anything else (a file a user added stays, and so does the folder).
    """
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return False
    for e in entries:
        if is_run_file(e.name) and e.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(e.path)
    try:
        os.rmdir(folder)
    except OSError:
        return False
    return True


def _check_target(target: Path, overwrite: bool) -> None:
    """Refuse an existing ``--out`` unless ``overwrite``, and never replace a foreign folder."""
    cwd = Path.cwd().resolve()
    resolved = target.resolve()
    if resolved == cwd or resolved in cwd.parents:
        raise OrbitcloudInputError(
            "--out must not be the current folder or one that contains it", target
        )
    if not target.exists() and not target.is_symlink():
        return
    if not overwrite:
        raise OrbitcloudInputError(
            "results folder already exists; pass --overwrite to replace it, or choose "
            "another --out",
            target,
        )
    if not target.is_dir() or target.is_symlink():
        raise OrbitcloudInputError(
            "exists and is not a folder; refusing to replace it even with --overwrite", target
        )
    reason = foreign_reason(target)
    if reason is None:
        return
    raise OrbitcloudInputError(
        f"exists and is not an orbitcloud results folder ({reason}); refusing to replace it "
        "even with --overwrite: remove it yourself or choose another --out",
        target,
    )


def _place(staging: Path, target: Path, explicit: bool, overwrite: bool) -> Path:
    """Rename the finished staging folder into place; returns the final path.

    An existing ``target`` (checked again: it may have changed while the run ran) is first
    renamed aside, checked once more (nothing can change it there unseen by this run), replaced,
    and then only the files a run writes are deleted from it (:func:`_remove_run_folder`).
    """
    if explicit:
        if target.exists() or target.is_symlink():
            _check_target(target, overwrite)
            trash = _temp_name(target, "old")
            os.rename(target, trash)
            reason = foreign_reason(trash)
            if reason is not None:  # it changed between the check and the rename
                os.rename(trash, target)
                _check_target(target, overwrite)
                raise OrbitcloudInputError(f"changed while the run ran ({reason})", target)
            try:
                os.rename(staging, target)
            except BaseException:
                os.rename(trash, target)
                raise
            _remove_run_folder(trash)
        else:
            os.rename(staging, target)
        return target
    # default location: never collide -- results/<name>, then results/<name>-2, -3, ...
    k = 1
    while True:
        cand = target if k == 1 else target.with_name(f"{target.name}-{k}")
        if not cand.exists() and not cand.is_symlink():
            try:
                # atomic; fails if another run took the name meanwhile (a non-empty folder)
                os.rename(staging, cand)
                return cand
            except OSError as exc:
                if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.ENOTDIR):
                    raise
        k += 1


def finite_summary(obj: Any, path: str = "") -> tuple[Any, list[tuple[str, str]]]:
    """``obj`` with every non-finite number replaced by None, and where each was.

    JSON has no NaN or infinity (``json.dumps`` writes ``NaN``/``Infinity``, which strict
    readers refuse), so summary.json holds null instead. NumPy scalars and arrays become plain
    Python values on the way.

    Returns
    -------
    (the cleaned copy, [(dotted path, repr of the value), ...])
    """
    found: list[tuple[str, str]] = []

    def walk(o: Any, at: str) -> Any:
        if isinstance(o, dict):
            return {k: walk(v, f"{at}.{k}" if at else str(k)) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [walk(v, f"{at}[{i}]") for i, v in enumerate(o)]
        if hasattr(o, "tolist") and hasattr(o, "dtype"):  # NumPy scalars and arrays
            return walk(o.tolist(), at)
        if isinstance(o, float) and not math.isfinite(o):
            found.append((at, repr(o)))
            return None
        return o

    return walk(obj, path), found


def _nonfinite_warning(path: str, value: str) -> str:
    what = f"KPI {path[5:]}" if path.startswith("kpis.") else f"summary value {path}"
    return (
        f"{what} came out as {value}, not a number, so summary.json holds null there (JSON "
        "has no NaN or infinity): an input at an extreme of its range (a near-zero area, "
        "power or heat capacity) made the model divide by almost nothing or overflow; check "
        "the scenario values that feed it"
    )


def _clean_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary with non-finite numbers as null, each one explained in ``warnings``."""
    clean, found = finite_summary(summary)
    if found:
        warnings = clean.setdefault("warnings", [])
        warnings.extend(_nonfinite_warning(p, v) for p, v in found)
    return dict(clean)


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# --- running ---------------------------------------------------------------------------------


def run(
    scenario: str | Path | dict | Scenario,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: Callable[[str, float], None] | bool | None = None,
    finalizers: Sequence[Callable[[Path, dict], None]] = (),
    chunk_steps: int | None = None,
    dask: Any = None,
) -> Results:
    """Run a scenario and write its results folder.

    Parameters
    ----------
    scenario : a built-in name, a YAML path, a dict or a :class:`Scenario`
    out : results folder; default ``results/<scenario name>`` (``-2``, ``-3`` ... if taken)
    overwrite : replace an existing ``out`` folder (only an orbitcloud results folder or an
        empty one)
    progress : a callable ``(label, fraction)`` told how far the run is
    finalizers : callables ``(staging_folder, summary)`` run after the tables are written and
        before ``summary.json`` and the move into place (the report writer is one; results
        cannot import the report layer, which stands above it)
    chunk_steps : time steps per geometry chunk (default: about 1e6 satellite-steps per chunk);
        for tuning memory and for testing: it never changes an answer
    dask : a ``distributed.Client`` whose cluster computes the run's geometry and routing
        (:mod:`orbitcloud.engine.distributed`); it never changes an answer

    Returns
    -------
    Results of the finished folder.

    Raises
    ------
    OrbitcloudInputError
        Bad scenario, an existing ``out`` without ``overwrite``, or an output folder that
        cannot be created -- all before any propagation.
    """
    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    if chunk_steps is not None and (isinstance(chunk_steps, bool) or chunk_steps < 1):
        raise OrbitcloudInputError(
            f"must be a whole number of time steps >= 1, not {chunk_steps!r}", "chunk_steps"
        )
    explicit = out is not None
    target = Path(out) if out is not None else _default_out(sc)
    if explicit:
        _check_target(target, overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target.parent)
        staging = _temp_name(target, "staging")
        staging.mkdir()
    except OSError as exc:
        raise OrbitcloudInputError(
            f"cannot create the results folder ({exc.strerror or exc})", target
        ) from None
    sink = ParquetSink(staging)
    cb = progress if callable(progress) else None
    try:
        ctx = simulate(sc, sink, progress=cb, chunk_steps=chunk_steps, dask=dask)
        if cb:
            cb("writing tables", 1.0)
        t1 = time.perf_counter()
        sink.close()
        ctx.summary.setdefault("timings_s", {}).update(
            parquet_write=round(sink.write_s, 3), parquet_wait=round(sink.wait_s, 3),
            parquet_close=round(time.perf_counter() - t1, 3),
        )  # fmt: skip
        (staging / SCENARIO_FILE).write_text(
            f"# The resolved scenario of this run (orbitcloud {__version__}); "
            "rerun it with `orbitcloud run scenario.yaml`.\n" + dump_yaml(resolved_dict(sc)),
            encoding="utf-8",
        )
        tables = sorted(p.stem for p in staging.glob("*.parquet"))
        summary = {
            "orbitcloud_version": __version__,
            "scenario": sc.name,
            "scenario_hash": sc.scenario_hash(),
            "seed": sc.seed,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "wall_time_s": round(time.perf_counter() - t0, 3),
            "kpis": ctx.kpis,
            "warnings": ctx.warnings,
            "tables": {t: sink.rows.get(t, 0) for t in tables},
            **ctx.summary,
        }
        summary = _clean_summary(summary)  # before the report: it shows what summary.json holds
        for fin in finalizers:
            name = getattr(fin, "__name__", "finalizer")
            if cb:
                cb(f"finishing ({name})", 1.0)
            t1 = time.perf_counter()
            fin(staging, summary)
            timings = summary.setdefault("timings_s", {})
            timings[name] = round(timings.get(name, 0.0) + time.perf_counter() - t1, 3)
        summary["wall_time_s"] = round(time.perf_counter() - t0, 3)
        summary = _clean_summary(summary)  # a finalizer may have added a value
        # summary.json last: its presence marks a complete folder
        tmp = staging / f".{SUMMARY}.tmp"
        text = json.dumps(summary, indent=2, default=_json_default, allow_nan=False)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, staging / SUMMARY)
        final = _place(staging, target, explicit, overwrite)
    except BaseException:
        sink.abort()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Results(final)
