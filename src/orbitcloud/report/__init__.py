"""Report: the self-contained HTML report, plots, CZML and the offline globe.

Everything here is computed from the tables of a results folder (never from simulator
internals), so what the report shows can be recomputed with DuckDB or pandas.

* :func:`finalize_run` -- called by every run (through ``orbitcloud.run_finalizers``) on the
  staging folder, before ``summary.json`` is written: stores the answer panel
  (:func:`orbitcloud.report.answer.answer_panel`) as ``summary["answer_panel"]``, writes
  ``report.html`` (if
  ``outputs.report``) and ``report.czml`` (if ``outputs.czml``).
* :func:`write_report` / :func:`render_report` -- the HTML report of a folder.
* :func:`write_czml` / :func:`build_czml` -- the CZML document of a folder.
* :class:`ReportServer` -- serves one folder on 127.0.0.1 (``orbitcloud view``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orbitcloud.report.answer import answer_panel
from orbitcloud.report.czml import build_czml, write_czml
from orbitcloud.report.render import render_report, write_report
from orbitcloud.report.server import ReportServer
from orbitcloud.results.reader import Results


def finalize_run(folder: Path, summary: dict[str, Any]) -> None:
    """Write the report files of a finished run into its (staging) folder.

    Reads the resolved scenario from ``folder/scenario.yaml``: ``outputs.report`` (default on)
    asks for ``report.html``, ``outputs.czml`` (default off) for ``report.czml``. A failure
    here does not lose the run: it becomes a warning in ``summary`` (which is written after the
    finalizers) naming the command that rewrites the report.
    """
    scenario = Results(folder, partial=True).scenario_dict()
    summary["answer_panel"] = answer_panel(scenario, summary)
    outputs = scenario.get("outputs", {}) or {}
    jobs = []
    if outputs.get("czml", False):
        jobs.append(("report.czml", lambda: write_czml(folder)))
    if outputs.get("report", True):
        jobs.append(("report.html", lambda: write_report(folder, summary)))
    for name, job in jobs:
        try:
            job()
        except Exception as exc:  # the tables are the run's result; keep them
            summary.setdefault("warnings", []).append(
                f"{name} was not written ({type(exc).__name__}: {exc}); rerun "
                "`orbitcloud report <results folder>`"
            )


__all__ = [
    "ReportServer",
    "answer_panel",
    "build_czml",
    "finalize_run",
    "render_report",
    "write_czml",
    "write_report",
]
