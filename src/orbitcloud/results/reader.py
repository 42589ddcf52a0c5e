"""Read a results folder: its tables as Arrow, pandas or DuckDB, its summary and its scenario.

The folder contract (docs/scenario.md, docs/tables.md): ``scenario.yaml`` (the resolved
scenario), one ``<table>.parquet`` per table the run wrote (declared in
:mod:`orbitcloud.results.schema`) and ``summary.json``, written last, so a folder with a
``summary.json`` is complete.

This module never imports the engine or a model package (an import-linter contract), so the
report, notebooks and other tools can read results without loading the simulator.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orbitcloud.results.schema import TABLES, validate_table
from orbitcloud.scenario.errors import OrbitcloudInputError

if TYPE_CHECKING:  # imported lazily: they cost start-up time and only some readers need them
    import duckdb
    import pandas as pd

SUMMARY = "summary.json"
"""The summary file; written last, so its presence marks a complete folder."""
SCENARIO_FILE = "scenario.yaml"
"""The resolved scenario of the run (``orbitcloud run`` accepts it)."""

REPORT_FILES = ("report.html", "report.czml")
"""The report files a run (or ``orbitcloud report``) writes into the folder."""
TEXT_MAX_BYTES = 16 << 20
"""Largest ``summary.json`` or ``scenario.yaml`` read (orbitcloud writes a few kB): a bigger
one is not from a run, and reading it whole could exhaust memory."""

SAT_INDEX_LIMIT = 10_000_000
"""Largest satellite index + 1 a folder without ``satellites.parquet`` may use (a damaged
table's index would otherwise size arrays: see :meth:`Results.check`)."""
SATELLITES = "satellites.parquet"
STREAM_BATCH_ROWS = 1 << 18
"""Rows per batch when a table is streamed (:meth:`Results.iter_batches`, :meth:`Results.arrow`
with a filter, :meth:`Results.unique_times`): peak memory is about one Parquet row group of the
columns read (a run writes row groups of at most ``ROW_GROUP_ROWS`` = 1 Mi rows, whole time
steps), whatever the length of the run. No answer depends on it."""

_TEMP_FILE = re.compile(
    r"^\.(?:summary\.json|scenario\.yaml|report\.html|report\.czml)(?:\.[0-9A-Za-z_-]{1,40})?\.tmp$"
)

__all__ = [
    "REPORT_FILES",
    "SCENARIO_FILE",
    "SUMMARY",
    "TEXT_MAX_BYTES",
    "Results",
    "is_run_file",
    "quote_identifier",
    "read_summary",
]


def is_run_file(name: str) -> bool:
    """Whether ``name`` is a file name a run writes in its folder.

    That is: ``summary.json``, ``scenario.yaml``, ``report.html``, ``report.czml``, a declared
    table's ``<table>.parquet`` (:mod:`orbitcloud.results.schema`), or the hidden temporary
    name one of them is written under before it is renamed into place
    (``.summary.json.tmp``, ``.report.html.<random>.tmp``, ...).
    """
    if name in (SUMMARY, SCENARIO_FILE, *REPORT_FILES):
        return True
    if name.endswith(".parquet") and name[: -len(".parquet")] in TABLES:
        return True
    return _TEMP_FILE.match(name) is not None


def quote_identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (``"`` doubled), for DuckDB."""
    if "\x00" in name:
        raise ValueError("an SQL identifier cannot hold a NUL character")
    return '"' + name.replace('"', '""') + '"'


def _read_text(path: Path, what: str) -> str:
    """A small text file of a results folder, read whole; input errors name the file.

    Opened without blocking and checked with ``fstat``, so a FIFO or a device under the name
    is refused at once instead of waited on or read forever.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise OrbitcloudInputError(f"cannot read {what} ({exc.strerror or exc})", path) from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise OrbitcloudInputError("is not a regular file (a folder, a pipe or a device)", path)
    with os.fdopen(fd, "rb") as fh:
        try:
            if st.st_size > TEXT_MAX_BYTES:
                raise OrbitcloudInputError(
                    f"is {st.st_size:,} bytes, more than the {TEXT_MAX_BYTES:,} bytes read from "
                    f"a {what}; not a file an orbitcloud run writes",
                    path,
                )
            data = fh.read(TEXT_MAX_BYTES + 1)
        except OSError as exc:
            raise OrbitcloudInputError(
                f"cannot read {what} ({exc.strerror or exc})", path
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OrbitcloudInputError(
            f"not UTF-8 text (byte {exc.start} cannot be decoded)", path
        ) from None


def _no_nonfinite(token: str) -> None:
    """``parse_constant`` for JSON: NaN and infinity (older summaries) are read as null."""
    return None


def read_summary(path: Path) -> dict[str, Any]:
    """``summary.json`` as a dict; an input error (naming the file) if it is not a JSON object.

    ``NaN``/``Infinity`` (written by orbitcloud before 0.2; not JSON) are read as None.
    """
    text = _read_text(path, SUMMARY)
    try:
        data = json.loads(text, parse_constant=_no_nonfinite)
    except json.JSONDecodeError as exc:
        raise OrbitcloudInputError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); rerun the "
            "scenario to write it again",
            path,
        ) from None
    except (RecursionError, ValueError) as exc:  # nesting; an integer of 5,000 digits
        raise OrbitcloudInputError(
            f"not a summary ({_short(exc)}); rerun the scenario", path
        ) from None
    if not isinstance(data, dict):
        raise OrbitcloudInputError(
            f"holds a JSON {_json_type(data)}, not an object; rerun the scenario to write it again",
            path,
        )
    return data


class Results:
    """A results folder: tables as Arrow/pandas, a DuckDB connection, the summary.

    Parameters
    ----------
    path : the folder
    partial : open a folder that is still being written (a staging folder seen by a run's
        finalizers, such as the report writer): ``summary.json`` is not required, and
        :attr:`summary` is empty while it is absent

    Raises
    ------
    OrbitcloudInputError
        Without ``partial``, the folder has no ``summary.json`` (not a complete run).

    Examples
    --------
    >>> res = Results("results/default")                         # doctest: +SKIP
    >>> res.arrow("positions", columns=["time", "sat", "sunlit"])  # doctest: +SKIP
    >>> res.duckdb().sql("select sat, avg(sunlit) from positions group by sat").df()  # doctest: +SKIP
    """

    def __init__(self, path: str | Path, *, partial: bool = False) -> None:
        self.path = Path(path)
        summary = self.path / SUMMARY
        if not partial and not summary.is_file():
            raise OrbitcloudInputError(
                f"not a complete orbitcloud results folder (no {SUMMARY})", self.path
            )
        self.summary: dict[str, Any] = read_summary(summary) if os.path.lexists(summary) else {}
        self._schemas: dict[str, pa.Schema] = {}
        self._times: dict[str, np.ndarray] = {}
        self._sorted: dict[str, bool] = {}

    # --- what is there -------------------------------------------------------------------------
    @property
    def tables(self) -> list[str]:
        """Names of the tables in the folder (``positions``, ``satellites``, ...).

        Only declared tables (:mod:`orbitcloud.results.schema`) whose ``<name>.parquet`` is a
        regular file: another Parquet file in the folder is not a table of the run.
        """
        return sorted(
            p.stem for p in self.path.glob("*.parquet") if p.stem in TABLES and p.is_file()
        )

    def check(self) -> Results:
        """Check every table of the folder before it is read; returns ``self``.

        A ``<table>.parquet`` of a declared table must be a regular file whose Parquet footer
        reads and whose columns match the declaration; the scenario file, if present, must
        parse. Reading a damaged table would fail halfway through a report with a library
        error; this names the file and what is wrong with it instead.

        Raises
        ------
        OrbitcloudInputError
            The first problem found, naming the file.
        """
        for name in TABLES:
            f = self._file(name)
            if not os.path.lexists(f):
                continue
            if not f.is_file():
                raise OrbitcloudInputError(
                    "is not a regular file (a folder, a link to nowhere or a device), so not "
                    f"the {name!r} table",
                    f,
                )
            try:
                schema = pq.read_schema(f)
            except (OSError, pa.ArrowException) as exc:
                raise OrbitcloudInputError(
                    f"is not a readable Parquet file ({_short(exc)}); it may have been cut "
                    "short or damaged: rerun the scenario",
                    f,
                ) from None
            try:
                validate_table(name, schema)
            except ValueError as exc:
                raise OrbitcloudInputError(str(exc), f) from None
            self._schemas[name] = schema
        self._check_sat_indices()
        self.scenario_dict()
        return self

    def _check_sat_indices(self) -> None:
        """``satellites.sat`` is 0..n-1, once each, and every ``sat`` column lies in 0..n-1.

        Readers size arrays by the satellite index: one ``sat`` of 2**31 in a damaged table
        would ask for gigabytes. The ranges come from the Parquet footers' statistics where
        they are written (no data read), else from the column.
        """
        limit, source = SAT_INDEX_LIMIT, f"the limit of a folder without {SATELLITES}"
        if "satellites" in self.tables:
            limit, source = self._n_satellites(), SATELLITES
        for name in self.tables:
            if name == "satellites" or "sat" not in self.schema(name).names:
                continue
            lo, hi = self._sat_min_max(name)
            if lo is not None and hi is not None and (lo < 0 or hi >= limit):
                allowed = f"0..{limit - 1}" if limit else "none: it lists no satellite"
                raise OrbitcloudInputError(
                    f"column 'sat' holds satellite indices {lo}..{hi}; allowed: {allowed} "
                    f"({source}); the table is damaged: rerun the scenario",
                    self._file(name),
                )

    def _n_satellites(self) -> int:
        """The number of satellites, checking that ``satellites.sat`` is 0..n-1, once each."""
        name = "satellites"
        v = np.asarray(self._read_checked(name, "sat").to_numpy(zero_copy_only=False))
        n = len(v)
        if n and not (
            np.issubdtype(v.dtype, np.integer)
            and v.min() == 0
            and v.max() == n - 1
            and len(np.unique(v)) == n
        ):
            raise OrbitcloudInputError(
                f"column 'sat' is not the satellite indices 0..{n - 1}, each once (min "
                f"{v.min()}, max {v.max()}); the table is damaged: rerun the scenario",
                self._file(name),
            )
        return n

    def _sat_min_max(self, name: str) -> tuple[int | None, int | None]:
        """Smallest and largest ``sat`` of a table, from the footer's statistics if present."""
        try:
            meta = pq.ParquetFile(self._file(name)).metadata
            j = meta.schema.names.index("sat")
            lo: int | None = None
            hi: int | None = None
            for i in range(meta.num_row_groups):
                st = meta.row_group(i).column(j).statistics
                if st is None or not st.has_min_max:
                    break
                lo = st.min if lo is None else min(lo, st.min)
                hi = st.max if hi is None else max(hi, st.max)
            else:
                return lo, hi
        except (OSError, ValueError, pa.ArrowException):
            pass
        col = self._read_checked(name, "sat")
        if len(col) == 0:
            return None, None
        mm = pc.min_max(col)
        return mm["min"].as_py(), mm["max"].as_py()

    def _read_checked(self, name: str, column: str) -> pa.ChunkedArray:
        try:
            return pq.read_table(self._file(name), columns=[column]).column(column)
        except (OSError, pa.ArrowException) as exc:
            raise OrbitcloudInputError(
                f"column {column!r} cannot be read ({_short(exc)}); the file is damaged: rerun "
                "the scenario",
                self._file(name),
            ) from None

    def _file(self, name: str) -> Path:
        if not name or "/" in name or "\x00" in name or name in (".", ".."):
            raise OrbitcloudInputError(f"{name!r} is not a table name", self.path)
        return self.path / f"{name}.parquet"

    def has(self, name: str, *columns: str) -> bool:
        """Whether table ``name`` exists and has every one of ``columns``."""
        if not self._file(name).is_file():
            return False
        have = set(self.schema(name).names)
        return all(c in have for c in columns)

    def schema(self, name: str) -> pa.Schema:
        """The Arrow schema of table ``name`` (read from the file's footer, cached)."""
        if name not in self._schemas:
            self._require(name)
            self._schemas[name] = pq.read_schema(self._file(name))
        return self._schemas[name]

    def columns(self, name: str) -> list[str]:
        """Column names of table ``name`` (empty if the folder has no such table)."""
        return list(self.schema(name).names) if self.has(name) else []

    def num_rows(self, name: str) -> int:
        """Rows of table ``name`` (from the file's footer)."""
        self._require(name)
        return int(pq.ParquetFile(self._file(name)).metadata.num_rows)

    def _require(self, name: str) -> None:
        if not self._file(name).is_file():
            raise OrbitcloudInputError(
                f"no table {name!r}; tables here: {', '.join(self.tables) or 'none'}", self.path
            )

    # --- tables --------------------------------------------------------------------------------
    def arrow(
        self, name: str, columns: list[str] | None = None, filter: pc.Expression | None = None
    ) -> pa.Table:
        """A table as an Arrow table (optionally only some columns, or only matching rows).

        ``filter`` is applied while reading (row groups that cannot match are skipped), e.g.
        ``pc.field("sat") == 0``. A column the table does not have is an error naming the
        columns it has.
        """
        self._require(name)
        if columns is not None:
            self._require_columns(name, columns)
        if filter is None:
            return pq.read_table(self._file(name), columns=columns)
        import pyarrow.dataset as ds

        # one row group at a time (groups whose statistics cannot match are skipped): memory
        # is one row group plus the matching rows, not the whole table
        (frag,) = ds.dataset(self._file(name)).get_fragments()
        parts = [
            g.to_table(columns=columns, filter=filter, use_threads=False)  # threads: +RSS
            for g in frag.split_by_row_group(filter)  # type: ignore[attr-defined]
        ]
        if not parts:
            return frag.to_table(columns=columns, filter=filter)  # no row group: empty table
        return pa.concat_tables(parts)

    def _require_columns(self, name: str, columns: list[str]) -> None:
        """An input error naming the columns table ``name`` has, if one of ``columns`` is not
        among them."""
        have = self.schema(name).names
        missing = [c for c in columns if c not in have]
        if missing:
            raise OrbitcloudInputError(
                f"table {name!r} has no column(s) {', '.join(map(repr, missing))}; its "
                f"columns: {', '.join(have)}",
                self.path,
            )

    def iter_batches(
        self, name: str, columns: list[str], batch_rows: int | None = None
    ) -> Iterator[pa.RecordBatch]:
        """Table ``name`` as record batches of at most ``batch_rows`` rows (default
        :data:`STREAM_BATCH_ROWS`), in table order, holding only ``columns`` (all must exist).

        For reading a table whose whole columns would not fit in memory: a 42,000-satellite
        run of 5 days has 302 M rows of positions.
        """
        self._require(name)
        self._require_columns(name, columns)
        rows = max(int(batch_rows or STREAM_BATCH_ROWS), 1)
        pf = pq.ParquetFile(self._file(name))
        # one row group at a time: ParquetFile.iter_batches holds memory that grows with the
        # file (pyarrow 26: 405 MB against 184 MB over 19 M rows of six columns)
        for i in range(pf.num_row_groups):
            group = pf.read_row_group(i, columns=columns)
            yield from group.to_batches(max_chunksize=rows)
            del group

    def read(self, name: str, columns: list[str], filter: pc.Expression | None = None) -> pa.Table:
        """Those of ``columns`` that table ``name`` has (optional columns may be absent).

        Like :meth:`arrow`, but a column the table does not have is left out instead of being
        an error; the caller checks what came back.
        """
        have = set(self.schema(name).names)
        return self.arrow(name, [c for c in columns if c in have], filter=filter)

    def table(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """A table as a pandas DataFrame."""
        return self.arrow(name, columns).to_pandas()

    def unique_times(self, name: str) -> np.ndarray:
        """The distinct ``time`` values of a table [int64 ms since 1970, UTC], ascending.

        Read once (streamed in batches: memory is the distinct times, not the column) and
        cached, together with whether the table is in time order (:meth:`time_sorted`).
        """
        if name not in self._times:
            uniq: list[np.ndarray] = []
            ordered, last = True, None
            for batch in self.iter_batches(name, ["time"]):
                t = _ms(batch.column(0))
                if len(t) == 0:
                    continue
                ordered = ordered and bool(np.all(t[1:] >= t[:-1]))
                ordered = ordered and (last is None or int(t[0]) >= last)
                last = int(t[-1])
                uniq.append(np.unique(t))
            times = np.unique(np.concatenate(uniq)) if uniq else np.zeros(0, np.int64)
            self._times[name], self._sorted[name] = times, ordered
        return self._times[name]

    def time_sorted(self, name: str) -> bool:
        """Whether table ``name`` is in time order (``time`` never decreases from one row to
        the next), as every run writes it; then its time steps can be streamed one after the
        other (:mod:`orbitcloud.report.stream`)."""
        self.unique_times(name)
        return self._sorted[name]

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with every table of the folder as a view.

        Only declared table names (:attr:`tables`) become views, and each name is quoted as an
        identifier and each path as a string literal: a file name cannot inject SQL.
        """
        import duckdb

        con = duckdb.connect()
        for t in self.tables:
            path = str(self._file(t).resolve()).replace("'", "''")
            con.execute(
                f"CREATE VIEW {quote_identifier(t)} AS SELECT * FROM read_parquet('{path}')"
            )
        return con

    # --- summary and scenario ------------------------------------------------------------------
    @property
    def kpis(self) -> dict[str, Any]:
        """The headline numbers (``summary.json`` ``kpis``)."""
        kpis: dict[str, Any] = self.summary.get("kpis", {})
        return kpis

    @property
    def scenario_file(self) -> Path:
        """The resolved scenario of the run (loadable with ``orbitcloud run``)."""
        return self.path / SCENARIO_FILE

    def scenario_dict(self) -> dict[str, Any]:
        """The resolved scenario as plain data (``{}`` if the folder has no scenario file).

        Raises
        ------
        OrbitcloudInputError
            The file is there but is not a YAML mapping (naming the file and the line).
        """
        from orbitcloud.scenario.yamlio import load_yaml_text

        p = self.scenario_file
        if not os.path.lexists(p):
            return {}
        text = _read_text(p, SCENARIO_FILE)
        try:
            data, _ = load_yaml_text(text, str(p))
        except OrbitcloudInputError:
            raise
        except RecursionError:
            raise OrbitcloudInputError("nested too deeply to be a scenario", p) from None
        except ValueError as exc:  # e.g. a value YAML cannot construct
            raise OrbitcloudInputError(f"not a valid scenario file ({_short(exc)})", p) from None
        if not isinstance(data, dict):
            raise OrbitcloudInputError(
                f"holds a YAML {_json_type(data)}, not the mapping of a scenario",
                p,
            )
        return data

    def __repr__(self) -> str:
        return f"Results({str(self.path)!r}, tables={self.tables})"


def _ms(col: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A time column as int64 ms since 1970 (nulls as 0: a run writes none)."""
    if pa.types.is_timestamp(col.type):
        col = pc.cast(col, pa.timestamp("ms", tz=col.type.tz))
        col = pc.cast(col, pa.int64())
    col = pc.fill_null(col, 0) if col.null_count else col
    arr = col.to_numpy() if isinstance(col, pa.ChunkedArray) else col.to_numpy(zero_copy_only=False)
    return np.asarray(arr, dtype=np.int64)


def _json_type(v: Any) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(v), "number")


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
