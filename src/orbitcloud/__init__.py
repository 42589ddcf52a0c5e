"""orbitcloud: design, simulate and operate space-based AI infrastructure.

Quick use::

    import orbitcloud
    res = orbitcloud.run("default")          # a built-in name, a YAML path or a Scenario
    res.table("positions")                    # a pandas DataFrame
    res.duckdb().sql("select count(*) from positions")
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orbitcloud._version import __version__
from orbitcloud.scenario.errors import OrbitcloudInputError, OrbitcloudWarning

if TYPE_CHECKING:
    from orbitcloud.results.reader import Results


def run(
    scenario: Any,
    out: str | Path | None = None,
    overwrite: bool = False,
    progress: Any = None,
    chunk_steps: int | None = None,
) -> Results:
    """Run a scenario and write its results folder, report included.

    ``scenario`` is a built-in name, a YAML path, a dict or a Scenario; see
    :func:`orbitcloud.results.runner.run` for the other arguments (``chunk_steps`` tunes
    memory and never changes an answer).
    """
    from orbitcloud.results.runner import run as _run

    return _run(
        scenario,
        out=out,
        overwrite=overwrite,
        progress=progress,
        finalizers=run_finalizers(),
        chunk_steps=chunk_steps,
    )


def run_finalizers() -> tuple[Callable[[Path, dict], None], ...]:
    """What every run writes after its tables: the HTML report (and CZML when asked)."""
    try:
        from orbitcloud.report import finalize_run
    except ImportError:  # the report package is optional while it is being built
        return ()
    return (finalize_run,)


def load_results(path: str | Path) -> Results:
    """Open an existing results folder; see :class:`orbitcloud.results.reader.Results`."""
    from orbitcloud.results.reader import Results

    return Results(path)


__all__ = [
    "OrbitcloudInputError",
    "OrbitcloudWarning",
    "__version__",
    "load_results",
    "run",
    "run_finalizers",
]
