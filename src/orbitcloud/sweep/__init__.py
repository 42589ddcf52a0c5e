"""Sweeps: parameter sweeps on Dask (local or remote cluster), resumable, with a sweep report.

Quick use::

    from orbitcloud.sweep import load_sweep, run_sweep
    plan = load_sweep("examples/sweep-altitude.yaml")   # every point validated here
    outcome = run_sweep(plan, workers=2)                  # or scheduler="tcp://host:8786"
    outcome.table_path                                    # sweep.parquet: parameters + KPIs

The sweep file format and the cluster set-up are in docs/sweeps.md.
"""

from orbitcloud.sweep.pareto import pareto_front
from orbitcloud.sweep.runner import (
    PointTask,
    SweepOutcome,
    SweepProgress,
    default_out,
    run_point,
    run_sweep,
)
from orbitcloud.sweep.spec import (
    SweepPlan,
    SweepPoint,
    check_points,
    load_sweep,
    plan_sweep,
    set_dotted,
)

__all__ = [
    "PointTask",
    "SweepOutcome",
    "SweepPlan",
    "SweepPoint",
    "SweepProgress",
    "check_points",
    "default_out",
    "load_sweep",
    "pareto_front",
    "plan_sweep",
    "run_point",
    "run_sweep",
    "set_dotted",
]
