"""``orbitcloud compare RUN_A RUN_B ...``: KPIs side by side, and an offline HTML page.

Registered by :func:`register` (``cli/main.py`` imports every ``cmd_*`` module); the results
and report modules are imported inside the command, so ``orbitcloud --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from orbitcloud.scenario.errors import OrbitcloudInputError

if TYPE_CHECKING:  # imported in the command: --help stays fast
    from orbitcloud.results.compare import Comparison

console = Console(soft_wrap=True)
TEXT_IN_TABLE = 30
"""A text KPI longer than this (a sentence) is printed below the table, not in a cell."""


def _fail(msg: str) -> NoReturn:
    from orbitcloud.cli.main import print_error  # not at the top: main imports this module

    print_error(msg)
    raise typer.Exit(2)


def compare(
    runs: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN",
            help="Results folders; a sweep point as SWEEP_FOLDER:N (point N of the sweep).",
            show_default=False,
        ),
    ],
    html: Annotated[
        Path | None,
        typer.Option(
            "--html",
            metavar="PATH",
            help="Also write an offline HTML page: the KPI table and overlay plots of the "
            "time series the runs share.",
            show_default=False,
        ),
    ] = None,
    changed: Annotated[
        bool, typer.Option("--changed", help="Only the KPIs that differ between the runs.")
    ] = False,
) -> None:
    """Compare runs: KPIs side by side with units and differences to the first run.

    The first run is the baseline; each other run's column is followed by its difference to
    it (and the relative difference, in %). Units are read from the KPI names' suffixes.
    """
    from orbitcloud.report.compare import fmt_value, write_comparison
    from orbitcloud.results.compare import compare_runs

    if len(runs) < 2:
        _fail("compare needs at least two runs (results folders, or SWEEP_FOLDER:N)")
    try:
        cmp = compare_runs(list(runs), series=html is not None)
    except OrbitcloudInputError as exc:
        _fail(str(exc))
    names = [chr(ord("A") + i) if i < 26 else str(i + 1) for i in range(len(cmp.runs))]
    for n, r, sc in zip(names, cmp.runs, cmp.scenarios, strict=True):
        console.print(Text.assemble((f"{n}: ", "bold"), r.label, f"  (scenario {sc}, {r.path})"))
    t = Table(show_header=True, header_style="bold")
    t.add_column("KPI", overflow="fold")  # numbers are never cut: a long name folds
    t.add_column("unit", no_wrap=True)
    for n in names:
        t.add_column(n, justify="right", no_wrap=True)
    for n in names[1:]:
        t.add_column(f"{n} - {names[0]}", justify="right", no_wrap=True)
        t.add_column("%", justify="right", no_wrap=True)
    shown = 0
    texts = []
    for k in cmp.kpis:
        if changed and not k.differs:
            continue
        if any(isinstance(v, str) and len(v) > TEXT_IN_TABLE for v in k.values):
            texts.append(k)  # a sentence (the scenario's answer): below the table
            continue
        cells = [Text(fmt_value(v)) for v in k.values]
        for d, rel in zip(k.diffs[1:], k.rel_diffs[1:], strict=True):
            # no green/red: whether more is better depends on the KPI (power, dose, cost)
            cells.append(Text(fmt_value(d)))
            cells.append(Text("" if rel is None else f"{100 * rel:+.3g}"))
        t.add_row(Text(k.name), Text(k.unit), *cells, style=None if k.differs else "dim")
        shown += 1
    console.print(t)
    for k in texts:
        console.print(Text(k.name, style="bold"))
        for n, v in zip(names, k.values, strict=True):
            console.print(Text(f"  {n}: {fmt_value(v)}"))
    if changed and shown == 0 and not texts:
        console.print("No KPI differs between these runs.")
    if cmp.regions:
        _print_regions(cmp, names)
    if html is not None:
        try:
            p = write_comparison(cmp, html)
        except OSError as exc:
            _fail(f"could not write {html}: {exc}")
        console.print(
            Text.assemble(
                "wrote ",
                (str(p), "bold"),
                f" ({len(cmp.series)} shared time series; opens offline)",
            )
        )


def _print_regions(cmp: Comparison, names: list[str]) -> None:
    """Served fraction and p95 latency per (region, system), every run side by side."""
    from orbitcloud.report.compare import fmt_value

    regions = cmp.regions
    t = Table(show_header=True, header_style="bold", title=Text("service per region (all classes)"))
    t.add_column("region", no_wrap=True)
    t.add_column("system")
    for c in ("served", "p95 ms"):
        for n in names:
            t.add_column(f"{c} {n}", justify="right")
    for g in regions:
        cells = [fmt_value(v) for c in ("served_fraction", "p95_ms") for v in g.values[c]]
        t.add_row(Text(g.region), Text(g.system), *cells)
    console.print(t)


def register(app: typer.Typer) -> None:
    """Add ``orbitcloud compare`` to the command line."""
    app.command(
        epilog=(
            "Examples:\n\n"
            "  orbitcloud compare results/default results/default-2\n\n"
            "  orbitcloud compare sweeps/sweep-altitude:0 sweeps/sweep-altitude:4 "
            "--html compare.html"
        )
    )(compare)
