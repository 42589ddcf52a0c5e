"""orbitcloud: design, simulate and operate space-based AI infrastructure.

Quick use::

    import orbitcloud
    res = orbitcloud.run("default")          # a built-in name, a YAML path or a Scenario
    res = orbitcloud.run("default", overrides={"time.duration_h": 1})   # change a few fields
    res.table("positions")                    # a pandas DataFrame
    res.duckdb().sql("select count(*) from positions")
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager, nullcontext
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
    dask: Any = None,
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
    dask : str or distributed.Client, optional
        Compute the run's geometry chunks and routing on a Dask cluster, the stages here in
        time order (:mod:`orbitcloud.engine.distributed`): ``"local"`` (a local cluster of one
        worker process per usable core, at most 4), ``"local:N"`` (N worker processes), a
        scheduler address (``tcp://HOST:PORT``) or a client you made. Speed only: the tables
        are identical to a run without it.

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

    if dask is not None:  # a bad scenario fails before a cluster is started
        from orbitcloud.scenario.loader import load_scenario

        scenario = load_scenario(scenario)
    with open_dask(dask) as client:
        return _run(
            scenario,
            out=out,
            overwrite=overwrite,
            progress=progress,
            finalizers=run_finalizers(),
            chunk_steps=chunk_steps,
            dask=client,
        )


def open_dask(dask: Any, where: str = "dask") -> Any:
    """A context giving the ``distributed.Client`` that ``dask`` names (see :func:`run`), or
    None for None; a client passed in is yielded as is and stays open. A bad value or an
    unreachable scheduler raises :class:`OrbitcloudInputError` naming ``where``."""
    if dask is None or (hasattr(dask, "submit") and hasattr(dask, "scatter")):
        return nullcontext(dask)
    if not isinstance(dask, str) or not dask.strip():
        raise OrbitcloudInputError(
            f"{dask!r} is not a Dask cluster: give 'local', 'local:N' (N worker processes), a "
            "scheduler address such as tcp://10.0.0.5:8786, or a distributed.Client",
            where,
        )
    return _dask_session(dask.strip(), where)


@contextmanager
def _dask_session(spec: str, where: str) -> Iterator[Any]:
    from orbitcloud.astro.ephemeris import MAX_AUTO_PROCESSES, usable_cores
    from orbitcloud.sweep.runner import DEFAULT_ALLOWED_FAILURES, dask_client

    address: str | None = spec
    workers = min(usable_cores(), MAX_AUTO_PROCESSES)  # the geometry processes' auto rule
    if spec == "local" or spec.startswith("local:"):
        address, n = None, spec.partition(":")[2]
        if n and (not n.isdigit() or int(n) < 1):
            raise OrbitcloudInputError(
                f"{spec!r}: the worker count after 'local:' must be a whole number >= 1", where
            )
        workers = int(n) if n else workers
    stack = ExitStack()
    try:
        client, _ = stack.enter_context(dask_client(address, workers, DEFAULT_ALLOWED_FAILURES))
    except OrbitcloudInputError as exc:  # named for the scheduler of sweeps: say where here
        raise OrbitcloudInputError(exc.detail, where) from None
    with stack:
        yield client


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
    "open_dask",
    "run",
    "run_finalizers",
]
