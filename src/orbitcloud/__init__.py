"""orbitcloud: design, simulate and operate space-based AI infrastructure.

Quick use::

    import orbitcloud
    res = orbitcloud.run("default")          # a built-in name, a YAML path or a Scenario
    res.table("positions")                    # a pandas DataFrame
    res.duckdb().sql("select count(*) from positions")
"""

from __future__ import annotations

from orbitcloud._version import __version__
from orbitcloud.scenario.errors import OrbitcloudInputError, OrbitcloudWarning


def run(scenario, out=None, overwrite=False, progress=None):
    """Run a scenario and write its results folder, report included.

    ``scenario`` is a built-in name, a YAML path, a dict or a Scenario; see
    :func:`orbitcloud.results.api.run` for the other arguments.
    """
    from orbitcloud.results.api import run as _run

    return _run(
        scenario, out=out, overwrite=overwrite, progress=progress, finalizers=run_finalizers()
    )


def run_finalizers():
    """What every run writes after its tables: the HTML report (and CZML when asked)."""
    try:
        from orbitcloud.report import finalize_run
    except ImportError:  # the report package is optional while it is being built
        return ()
    return (finalize_run,)


def load_results(path):
    """Open an existing results folder; see :class:`orbitcloud.results.api.Results`."""
    from orbitcloud.results.api import Results

    return Results(path)


__all__ = [
    "OrbitcloudInputError",
    "OrbitcloudWarning",
    "__version__",
    "load_results",
    "run",
    "run_finalizers",
]
