"""``orbitcloud`` command line: run, validate, scenarios (and report, view, sweep, bench).

Bad input prints one clear ``error:`` message (file, line or field, value, what is allowed)
and exits with status 2 -- never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from orbitcloud.scenario.errors import OrbitcloudInputError

app = typer.Typer(
    name="orbitcloud",
    help=(
        "Design, simulate and operate space-based AI infrastructure.\n\n"
        "Start with `orbitcloud run` (the built-in default scenario), list the built-in "
        "scenarios with `orbitcloud scenarios`, check your own YAML with `orbitcloud validate`."
    ),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="A scenario YAML file, or the name of a built-in scenario (see `orbitcloud scenarios`)."
    ),
]


def _fail(exc: Exception) -> None:
    err_console.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(2)


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def print_kpis(kpis: dict[str, Any], title: str = "Key figures") -> None:
    t = Table(title=title, show_header=True, header_style="bold")
    t.add_column("KPI")
    t.add_column("value", justify="right")
    for k, v in kpis.items():
        if isinstance(v, dict | list):
            continue
        t.add_row(k, _fmt(v))
    console.print(t)


@app.command()
def run(
    scenario: ScenarioArg = "default",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Results folder (default: results/<scenario name>)."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the --out folder if it exists.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Simulate a scenario and write its results folder (tables, summary.json, report.html)."""
    from orbitcloud import run_finalizers
    from orbitcloud.results.api import run as _run

    def run_scenario(*args: Any, **kw: Any) -> Any:
        return _run(*args, finalizers=run_finalizers(), **kw)

    try:
        if quiet or not sys.stderr.isatty():
            res = run_scenario(scenario, out=out, overwrite=overwrite)
        else:
            with Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, transient=True,
            ) as bar:  # fmt: skip
                task = bar.add_task("simulating", total=1.0)

                def cb(label: str, frac: float) -> None:
                    bar.update(task, description=label, completed=frac)

                res = run_scenario(scenario, out=out, overwrite=overwrite, progress=cb)
    except OrbitcloudInputError as exc:
        _fail(exc)
    s = res.summary
    print_kpis(s.get("kpis", {}), title=f"{s['scenario']} — key figures")
    for w in s.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}", highlight=False)
    console.print(
        f"Results in [bold]{res.path}[/] ({', '.join(res.tables)}; summary.json"
        + ("; report.html" if (res.path / "report.html").exists() else "")
        + f") in {s['wall_time_s']:.1f} s",
        highlight=False,
    )


@app.command()
def validate(
    scenario: ScenarioArg,
) -> None:
    """Check a scenario (schema, files it names, TLEs) without running it."""
    from orbitcloud.astro.constellations import build_satellites
    from orbitcloud.engine import build_stages
    from orbitcloud.scenario.loader import load_scenario

    try:
        sc = load_scenario(scenario)
        sats = build_satellites(sc)
        build_stages(sc)
    except OrbitcloudInputError as exc:
        _fail(exc)
    console.print(
        f"[green]ok[/]: scenario {sc.name!r}: {len(sats):,} satellites in "
        f"{len(sc.constellations)} constellation(s), {sc.time.n_steps:,} time steps of "
        f"{sc.time.step_s:g} s",
        highlight=False,
    )


@app.command()
def scenarios() -> None:
    """List the built-in scenarios (use a name wherever a scenario file is expected)."""
    from orbitcloud.scenario.loader import builtin_description, builtin_names

    t = Table(show_header=True, header_style="bold")
    t.add_column("name")
    t.add_column("description")
    for n in builtin_names():
        t.add_row(n, builtin_description(n))
    console.print(t)


def main() -> None:
    """Entry point of the ``orbitcloud`` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
