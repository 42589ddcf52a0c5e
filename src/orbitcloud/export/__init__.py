"""Export a results folder to other tools' formats.

* :func:`orbitcloud.export.csv.export_csv`: any table of a run as CSV (one file per table).
* :func:`orbitcloud.export.hypatia.export_hypatia`: the run's satellite network state in the
  layout Hypatia's ``satgenpy`` writes and ``ns-3-sat-sim`` reads (TLEs, ISLs, ground stations,
  interfaces, and the forwarding state over time).

The exporters read a run through :class:`orbitcloud.results.reader.Results` only (plus the
scenario it names); they never run the simulator. See docs/export.md.
"""

from __future__ import annotations

__all__ = ["export_csv", "export_hypatia"]


def __getattr__(name: str) -> object:  # lazy: the CLI imports this package at start-up
    if name == "export_csv":
        from orbitcloud.export.csv import export_csv

        return export_csv
    if name == "export_hypatia":
        from orbitcloud.export.hypatia import export_hypatia

        return export_hypatia
    raise AttributeError(name)
