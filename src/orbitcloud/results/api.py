"""Compatibility module: the runner and the reader of results folders, under their old name.

New code imports :mod:`orbitcloud.results.runner` (running, the Parquet sink; imports the engine)
or :mod:`orbitcloud.results.reader` (reading; no engine import).
"""

from orbitcloud.results.reader import SCENARIO_FILE, SUMMARY, Results
from orbitcloud.results.runner import (
    ROW_GROUP_ROWS,
    ParquetSink,
    remove_stale_temporaries,
    run,
    safe_folder_name,
)

__all__ = [
    "ROW_GROUP_ROWS",
    "SCENARIO_FILE",
    "SUMMARY",
    "ParquetSink",
    "Results",
    "remove_stale_temporaries",
    "run",
    "safe_folder_name",
]
