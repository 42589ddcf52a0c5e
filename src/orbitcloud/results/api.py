"""Run a scenario into a results folder, and read results folders back.

A run writes into a hidden staging folder beside the target and renames it into place only when
complete (``summary.json`` is written last), so a run killed at any moment never leaves a folder
at the final path that looks complete (a Parquet file cut short has no footer and cannot be read:
shared/PITFALLS.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from orbitcloud._version import __version__
from orbitcloud.engine import simulate
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import load_scenario
from orbitcloud.scenario.model import Scenario

SUMMARY = "summary.json"


class ParquetSink:
    """Appends tables to ``<folder>/<name>.parquet`` with one ParquetWriter per table."""

    def __init__(self, folder: Path, compression: str = "snappy") -> None:
        self.folder = Path(folder)
        self.compression = compression
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, name: str, table: pa.Table) -> None:
        w = self.writers.get(name)
        if w is None:
            w = pq.ParquetWriter(
                self.folder / f"{name}.parquet", table.schema, compression=self.compression
            )
            self.writers[name] = w
        elif table.schema != w.schema:
            table = table.cast(w.schema)
        w.write_table(table, row_group_size=1 << 20)
        self.rows[name] = self.rows.get(name, 0) + table.num_rows

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        self.writers.clear()


def safe_folder_name(name: str) -> str:
    """A scenario name made safe as a folder name (letters, digits, ``.-_`` kept)."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "scenario"
    return s[:100]


def _default_out(scenario: Scenario) -> Path:
    return Path("results") / safe_folder_name(scenario.name)


def _place(staging: Path, target: Path, explicit: bool, overwrite: bool) -> Path:
    """Rename the finished staging folder into place; returns the final path."""
    if explicit:
        if target.exists():
            if not overwrite:  # checked before the run too; re-checked against a race
                raise OrbitcloudInputError(
                    "results folder exists; pass --overwrite to replace it", target
                )
            trash = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:8]}")
            os.rename(target, trash)
            os.rename(staging, target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            os.rename(staging, target)
        return target
    # default location: never collide -- results/<name>, then results/<name>-2, -3, ...
    k = 1
    while True:
        cand = target if k == 1 else target.with_name(f"{target.name}-{k}")
        if not cand.exists():
            try:
                os.rename(staging, cand)
                return cand
            except OSError:
                pass  # taken meanwhile (another run): try the next name
        k += 1


def _json_default(o: Any) -> Any:
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def run(
    scenario: str | Path | dict | Scenario,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: bool | Any = False,
    finalizers: Sequence[Callable[[Path, dict], None]] = (),
) -> Results:
    """Run a scenario and write its results folder.

    Parameters
    ----------
    scenario : a built-in name, a YAML path, a dict or a :class:`Scenario`
    out : results folder; default ``results/<scenario name>`` (``-2``, ``-3`` ... if taken)
    overwrite : replace an existing ``out`` folder
    progress : a callable ``(label, fraction)`` told how far the run is
    finalizers : callables ``(staging_folder, summary)`` run after the tables are written and
        before the folder is moved into place (the report writer is one; results cannot import
        the report layer, which stands above it)

    Returns
    -------
    Results of the finished folder.
    """
    t0 = time.perf_counter()
    sc = load_scenario(scenario)
    explicit = out is not None
    target = Path(out) if explicit else _default_out(sc)
    if explicit and target.exists() and not overwrite:
        raise OrbitcloudInputError(
            "results folder exists; pass --overwrite to replace it (or choose another --out)",
            target,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    sink = ParquetSink(staging)
    try:
        cb = _progress_callback(progress)
        ctx = simulate(sc, sink, progress=cb)
        sink.close()
        (staging / "scenario.yaml").write_text(
            yaml.safe_dump(sc.model_dump(mode="json", exclude_none=True), sort_keys=False),
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
        for fin in finalizers:
            fin(staging, summary)
        # summary.json last: its presence marks a complete folder
        tmp = staging / f".{SUMMARY}.tmp"
        tmp.write_text(json.dumps(summary, indent=2, default=_json_default), encoding="utf-8")
        os.replace(tmp, staging / SUMMARY)
        final = _place(staging, target, explicit, overwrite)
    except BaseException:
        sink.close()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Results(final)


def _progress_callback(progress: bool | Any) -> Callable[[str, float], None] | None:
    return progress if callable(progress) else None


class Results:
    """A finished results folder: tables as Arrow/pandas, a DuckDB connection, the summary."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not (self.path / SUMMARY).is_file():
            raise OrbitcloudInputError(
                f"not a complete orbitcloud results folder (no {SUMMARY})", self.path
            )
        self.summary: dict[str, Any] = json.loads((self.path / SUMMARY).read_text("utf-8"))

    @property
    def tables(self) -> list[str]:
        return sorted(p.stem for p in self.path.glob("*.parquet"))

    def arrow(self, name: str, columns: list[str] | None = None) -> pa.Table:
        p = self.path / f"{name}.parquet"
        if not p.is_file():
            raise OrbitcloudInputError(
                f"no table {name!r}; tables here: {', '.join(self.tables)}", self.path
            )
        return pq.read_table(p, columns=columns)

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A table as a pandas DataFrame."""
        return self.arrow(name, columns).to_pandas()

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with every table of the folder as a view."""
        con = duckdb.connect()
        for t in self.tables:
            path = str(self.path / f"{t}.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW \"{t}\" AS SELECT * FROM read_parquet('{path}')")
        return con

    @property
    def kpis(self) -> dict[str, Any]:
        return self.summary.get("kpis", {})

    def __repr__(self) -> str:
        return f"Results({str(self.path)!r}, tables={self.tables})"
