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
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orbitcloud.scenario.errors import OrbitcloudInputError

if TYPE_CHECKING:  # imported lazily: they cost start-up time and only some readers need them
    import duckdb
    import pandas as pd

SUMMARY = "summary.json"
"""The summary file; written last, so its presence marks a complete folder."""
SCENARIO_FILE = "scenario.yaml"
"""The resolved scenario of the run (``orbitcloud run`` accepts it)."""

__all__ = ["SCENARIO_FILE", "SUMMARY", "Results"]


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
        self.summary: dict[str, Any] = (
            json.loads(summary.read_text("utf-8")) if summary.is_file() else {}
        )
        self._schemas: dict[str, pa.Schema] = {}
        self._times: dict[str, np.ndarray] = {}

    # --- what is there -------------------------------------------------------------------------
    @property
    def tables(self) -> list[str]:
        """Names of the tables in the folder (``positions``, ``satellites``, ...)."""
        return sorted(p.stem for p in self.path.glob("*.parquet"))

    def _file(self, name: str) -> Path:
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
            have = self.schema(name).names
            missing = [c for c in columns if c not in have]
            if missing:
                raise OrbitcloudInputError(
                    f"table {name!r} has no column(s) {', '.join(map(repr, missing))}; its "
                    f"columns: {', '.join(have)}",
                    self.path,
                )
        if filter is None:
            return pq.read_table(self._file(name), columns=columns)
        import pyarrow.dataset as ds

        return ds.dataset(self._file(name)).to_table(columns=columns, filter=filter)

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

        Read once and cached.
        """
        if name not in self._times:
            col = self.arrow(name, ["time"]).column("time")
            if pa.types.is_timestamp(col.type):
                col = pc.cast(col, pa.timestamp("ms", tz=col.type.tz))
                col = pc.cast(col, pa.int64())
            self._times[name] = np.unique(np.asarray(col.to_numpy(), dtype=np.int64))
        return self._times[name]

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection with every table of the folder as a view."""
        import duckdb

        con = duckdb.connect()
        for t in self.tables:
            path = str(self._file(t)).replace("'", "''")
            con.execute(f"CREATE VIEW \"{t}\" AS SELECT * FROM read_parquet('{path}')")
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
        """The resolved scenario as plain data (``{}`` if the folder has no scenario file)."""
        import yaml

        p = self.scenario_file
        if not p.is_file():
            return {}
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}

    def __repr__(self) -> str:
        return f"Results({str(self.path)!r}, tables={self.tables})"
