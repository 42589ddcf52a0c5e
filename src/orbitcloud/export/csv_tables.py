"""Tables of a results folder as CSV files (``orbitcloud export RUN --format csv``).

One ``<table>.csv`` per table, with a header row, written in record batches (a large
``positions`` table is never held in memory whole) to a temporary name and renamed into place.
Conventions of the text: ``time`` as ISO 8601 UTC (``2000-01-01T00:00:00.100Z``), nulls as
empty fields, dictionary (label) columns as their labels, and a list column (``routes.path``) as
its items joined by spaces (``1156 184 183 217``), so every cell stays one CSV field.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from orbitcloud.results.reader import Results
from orbitcloud.scenario.errors import OrbitcloudInputError

BATCH_ROWS = 262_144
"""Rows converted and written at a time."""

__all__ = ["csv_batch", "export_csv"]


def _list_to_text(col: pa.Array) -> pa.Array:
    """A list column as text: items joined by single spaces (null stays null)."""
    return pc.binary_join(pc.cast(col, pa.list_(pa.string())), " ")


def _column_as_csv(col: pa.Array) -> pa.Array:
    t = col.type
    if pa.types.is_dictionary(t):
        return pc.cast(col, pa.string())
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _list_to_text(col)
    if pa.types.is_timestamp(t):
        utc = pc.cast(col, pa.timestamp("ms", tz="UTC"))
        return pc.strftime(utc, format="%Y-%m-%dT%H:%M:%SZ")  # %S carries the milliseconds
    return col


def csv_batch(batch: pa.RecordBatch) -> pa.RecordBatch:
    """A record batch with every column in a form CSV holds (see the module docstring)."""
    cols = [_column_as_csv(batch.column(i)) for i in range(batch.num_columns)]
    return pa.RecordBatch.from_arrays(cols, names=batch.schema.names)


def export_csv(
    run: str | Path | Results, out: str | Path, tables: list[str] | None = None
) -> list[Path]:
    """Write tables of a results folder as ``<out>/<table>.csv``.

    Parameters
    ----------
    run : the results folder (or an open :class:`Results`)
    out : the folder for the CSV files (created if missing; existing CSV files of the same
        names are replaced)
    tables : the tables to write (default: every table of the run)

    Returns
    -------
    the paths written, in table order

    Raises
    ------
    OrbitcloudInputError
        Not a complete results folder, or a table it does not have (naming those it has).
    """
    res = run if isinstance(run, Results) else Results(run)
    have = res.tables
    names = list(dict.fromkeys(tables)) if tables else have
    missing = [t for t in names if t not in have]
    if missing:
        raise OrbitcloudInputError(
            f"no table(s) {', '.join(map(repr, missing))} in this run; its tables: "
            f"{', '.join(have) or 'none'}",
            res.path,
        )
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OrbitcloudInputError(f"cannot create the output folder ({exc})", out) from None
    written = []
    for name in names:
        written.append(_write_table(res.path / f"{name}.parquet", out / f"{name}.csv"))
    return written


def _write_table(src: Path, dst: Path) -> Path:
    pf = pq.ParquetFile(src)
    tmp = dst.with_name(f".{dst.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        writer: pacsv.CSVWriter | None = None
        with open(tmp, "wb") as fh:
            for batch in pf.iter_batches(batch_size=BATCH_ROWS):
                b = csv_batch(batch)
                if writer is None:
                    writer = pacsv.CSVWriter(fh, b.schema)
                writer.write_batch(b)
            if writer is None:  # an empty table: the header only
                fh.write((",".join(f'"{c}"' for c in pf.schema_arrow.names) + "\n").encode())
            else:
                writer.close()
        os.replace(tmp, dst)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return dst
