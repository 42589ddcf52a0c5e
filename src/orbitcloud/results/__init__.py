"""Results: the table schema, the run folder (Parquet tables, summary.json) and its reader.

* :mod:`orbitcloud.results.schema` -- one declaration per table (columns, types, units).
* :mod:`orbitcloud.results.reader` -- :class:`Results`: a folder read back as Arrow, pandas or
  DuckDB; imports no engine or model package.
* :mod:`orbitcloud.results.runner` -- :func:`run` and :class:`ParquetSink`: running a scenario
  into a folder (imports the engine).

``ParquetSink``, ``run`` and ``safe_folder_name`` are imported from the runner on first use, so
``import orbitcloud.results.reader`` (or ``.schema``) does not load the engine.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from orbitcloud.results.reader import Results

if TYPE_CHECKING:
    from orbitcloud.results.runner import ParquetSink, run, safe_folder_name

__all__ = ["ParquetSink", "Results", "run", "safe_folder_name"]

_RUNNER = frozenset({"ParquetSink", "run", "safe_folder_name"})


def __getattr__(name: str) -> Any:
    if name in _RUNNER:
        value = getattr(importlib.import_module("orbitcloud.results.runner"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
