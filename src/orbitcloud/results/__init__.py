"""Results: the run folder (Parquet tables, summary.json), read back as Arrow, pandas or DuckDB."""

from orbitcloud.results.api import ParquetSink, Results, run, safe_folder_name

__all__ = ["ParquetSink", "Results", "run", "safe_folder_name"]
