"""orbitcloud: design, simulate and operate space-based AI infrastructure.

Quick use::

    import orbitcloud
    res = orbitcloud.run("default")          # a built-in name, a YAML path or a Scenario
    res = orbitcloud.run("default", overrides={"time.duration_h": 1})   # change a few fields
    res.table("positions")                    # a pandas DataFrame
    res.duckdb().sql("select count(*) from positions")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
    overrides: Mapping[str, Any] | None = None,
) -> Results:
    """Run a scenario and write its results folder, report included.

    Parameters
    ----------
    scenario : str, Path, dict or Scenario
        A built-in name (``orbitcloud scenarios`` lists them), a YAML file, a dict or a
        :class:`orbitcloud.scenario.Scenario`.
    out : str or Path, optional
        The results folder; default ``results/<scenario name>`` (``-2``, ``-3``, ... if taken).
    overwrite : bool
        Replace an existing ``out`` folder (only an orbitcloud results folder or an empty one).
    progress : callable or bool, optional
        A callable ``(label, fraction)`` told how far the run is.
    chunk_steps : int, optional
        Time steps per geometry chunk: trades memory for speed and never changes an answer.
    overrides : mapping of str to object, optional
        Fields to change for this run, by dotted path (field names and list indices joined by
        dots), e.g. ``{"time.duration_h": 1, "constellations.0.walker.altitude_km": 600}``:
        the rules of a sweep's ``set`` (:mod:`orbitcloud.scenario.overrides`). A missing
        section is created; a list index must exist. The changed scenario is validated as a
        whole, and the results folder's ``scenario.yaml`` holds the values used.

    Returns
    -------
    Results
        The reader of the finished folder (:class:`orbitcloud.results.reader.Results`).

    Raises
    ------
    OrbitcloudInputError
        A bad scenario, a bad override (the message names its path and what the scenario has
        there), an existing ``out`` without ``overwrite``, or an output folder that cannot be
        created -- all before any propagation.

    Examples
    --------
    >>> res = orbitcloud.run("default", overrides={"time.duration_h": 0.5})  # doctest: +SKIP
    >>> res.summary["kpis"]["time_steps"]  # doctest: +SKIP
    31
    """
    from orbitcloud.results.runner import run as _run

    if overrides is not None:
        from orbitcloud.scenario.overrides import load_with_overrides

        scenario = load_with_overrides(scenario, overrides)

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
    """Open an existing results folder.

    Parameters
    ----------
    path : str or Path
        A folder written by :func:`run` (or ``orbitcloud run``).

    Returns
    -------
    Results
        Its tables as Arrow, pandas or DuckDB (:class:`orbitcloud.results.reader.Results`).
    """
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
