"""Report benchmark: writing report.html (and report.czml) against the run that made the tables.

The run of ``starlink-catalogue`` (4,428 satellites, 24 h at 60 s: 6.4 M rows of positions and
of sat_state) is made once, without the report; then ``write_report`` and ``write_czml`` are
timed on its folder. The baseline is the run itself (``orbitcloud.run`` without finalizers),
timed in the same process, so a busy machine slows both alike. Goals: the report adds less than
half of what the run costs (quick: three times, the fixed cost of the page
dominates a small run), and stays under 30 MB (it must open in the browser in under 10 s:
tests/report/test_browser.py measures that). ``--quick`` uses the built-in default scenario.

Run: ``python bench/bench_report.py [--quick]`` (prints the result list as JSON).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from orbitcloud.report import write_czml, write_report
from orbitcloud.results.api import run as run_tables

GOAL_RATIO = 0.5
GOAL_RATIO_QUICK = 3.0  # a small run: the report's fixed cost (plotly, map, page) dominates
GOAL_MB = 30.0


def run(quick: bool = False) -> list[dict]:
    scenario = "default" if quick else "starlink-catalogue"
    goal = GOAL_RATIO_QUICK if quick else GOAL_RATIO
    tmp = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        t0 = time.perf_counter()
        res = run_tables(scenario, out=tmp / "run")  # no finalizers: tables only
        run_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        html = write_report(res.path)
        report_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        czml = write_czml(res.path)
        czml_s = time.perf_counter() - t0
        size_mb = html.stat().st_size / 1e6
        return [
            {
                "name": f"report.html of {scenario}",
                "seconds": round(report_s, 3),
                "baseline": f"orbitcloud run {scenario} (tables only)",
                "baseline_seconds": round(run_s, 3),
                "ratio": round(report_s / run_s, 3),
                "goal": f"ratio < {goal:g} and size < {GOAL_MB:g} MB",
                "ok": report_s / run_s < goal and size_mb < GOAL_MB,
                "size_mb": round(size_mb, 2),
            },
            {
                "name": f"report.czml of {scenario}",
                "seconds": round(czml_s, 3),
                "baseline": f"orbitcloud run {scenario} (tables only)",
                "baseline_seconds": round(run_s, 3),
                "ratio": round(czml_s / run_s, 3),
                "goal": f"ratio < {goal:g}",
                "ok": czml_s / run_s < goal,
                "size_mb": round(czml.stat().st_size / 1e6, 2),
            },
        ]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv[1:]), indent=2))
