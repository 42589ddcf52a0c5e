"""``orbitcloud sweep``: run a parameter sweep on a local or an existing Dask cluster.

Exit status: 0 when every point finished, 2 for bad input (nothing ran), 100 + the number of
failed points (at most 199) when some failed, 130 when interrupted.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from orbitcloud.scenario.errors import OrbitcloudInputError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def print_error(message: str) -> None:
    """``error: <message>`` on stderr, verbatim (no markup), as the rest of the command line."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)


EXIT_FAILED_BASE = 100
"""Exit status when points failed: 100 + their number (capped at 199)."""


def failed_exit_status(n_failed: int) -> int:
    """0 when nothing failed, else 100 + the number of failed points (at most 199)."""
    return 0 if n_failed == 0 else EXIT_FAILED_BASE + min(n_failed, 99)


def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:,.4g}"
    return str(v)


def sweep(
    sweep_file: Annotated[
        Path, typer.Argument(help="The sweep file (YAML; format: `orbitcloud docs sweeps`).")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Sweep folder (default: results/NAME, NAME the sweep's name). An existing sweep "
            "folder is resumed: only points without complete results run.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Address of an existing Dask scheduler (e.g. tcp://10.0.0.5:8786). Default: "
            "a local cluster on 127.0.0.1.",
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Worker processes of the local cluster (default: CPU count).",
        ),
    ] = None,
    retries: Annotated[
        int, typer.Option("--retries", min=0, help="Reruns of a point whose task raised.")
    ] = 1,
    allowed_failures: Annotated[
        int,
        typer.Option(
            "--allowed-failures",
            min=0,
            help="Worker deaths a point may cause before it is recorded as failed (local "
            "cluster; a remote scheduler uses its own setting).",
        ),
    ] = 2,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Run a parameter sweep: every point's scenario on Dask, a table and a report at the end.

    Exit status: 0 all points ok; 2 bad input (nothing ran); 100 + N when N points failed.
    """
    from orbitcloud.sweep.runner import SweepProgress, check_scheduler_address, run_sweep
    from orbitcloud.sweep.spec import describe_params, load_sweep

    if scheduler is not None and workers:
        print_error(
            "--workers sizes the local cluster; with --scheduler the cluster's own workers run "
            "the sweep"
        )
        raise typer.Exit(2)
    try:
        if scheduler is not None:
            check_scheduler_address(scheduler)
        plan = load_sweep(sweep_file)
    except OrbitcloudInputError as exc:
        print_error(str(exc))
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err_console.print("interrupted: nothing was run")
        raise typer.Exit(130) from None
    n_unique = len(plan.unique_hashes)
    dup = len(plan.points) - n_unique
    console.print(
        f"sweep [bold]{plan.name}[/]: {len(plan.points)} point(s) over "
        f"{', '.join(plan.parameter_names)} (base: {plan.base})"
        + (f"; {dup} point(s) repeat another's scenario and share its results" if dup else ""),
        highlight=False,
    )
    show_bar = not quiet and sys.stderr.isatty()
    bar: Progress | None = None
    task_id: Any = None

    def on_progress(p: SweepProgress) -> None:
        if bar is not None:
            bar.update(
                task_id, description=p.phase, completed=p.done + p.failed, total=p.total,
                done=p.done, failed=p.failed, remaining=p.remaining, reused=p.reused,
            )  # fmt: skip

    try:
        if show_bar:
            bar = Progress(
                TextColumn("{task.description}"), BarColumn(),
                TextColumn("[green]{task.fields[done]} done[/] ({task.fields[reused]} reused)  "
                           "[red]{task.fields[failed]} failed[/]  "
                           "{task.fields[remaining]} remaining"),
                TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, transient=True,
            )  # fmt: skip
            task_id = bar.add_task(
                "sweeping", total=n_unique, done=0, failed=0, remaining=n_unique, reused=0
            )
            with bar:
                outcome = run_sweep(
                    plan, out, scheduler=scheduler, workers=workers, retries=retries,
                    allowed_failures=allowed_failures, progress=on_progress,
                )  # fmt: skip
        else:
            outcome = run_sweep(
                plan, out, scheduler=scheduler, workers=workers, retries=retries,
                allowed_failures=allowed_failures,
            )  # fmt: skip
    except OrbitcloudInputError as exc:
        print_error(str(exc))
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err_console.print(
            "interrupted: finished points are kept; run the same command again to resume",
            highlight=False,
        )
        raise typer.Exit(130) from None

    _print_points(outcome)
    by_hash = {p.hash: p for p in plan.points}
    for h in outcome.failed:
        err_console.print(
            f"[bold red]failed:[/] point {by_hash[h].index} "
            f"({escape(describe_params(by_hash[h].params))}): {escape(str(outcome.records[h].error))}",
            highlight=False, soft_wrap=True,
        )  # fmt: skip
    for w in outcome.warnings:
        err_console.print(f"[yellow]warning:[/] {escape(w)}", highlight=False, soft_wrap=True)
    n_failed = len(outcome.failed)
    console.print(
        f"{n_unique} point(s): [green]{n_unique - n_failed} ok[/] ({outcome.computed} computed, "
        f"{outcome.reused} reused), "
        + (f"[bold red]{n_failed} failed[/]" if n_failed else "0 failed")
        + f" in {outcome.seconds:.1f} s ({outcome.cluster})",
        highlight=False,
    )
    console.print(
        f"Sweep folder [bold]{outcome.out}[/]: sweep.parquet (parameters + KPIs), "
        + ("sweep_report.html, " if outcome.report_path else "")
        + "points/<hash>/ (one results folder per point)",
        highlight=False,
    )
    raise typer.Exit(failed_exit_status(n_failed))


def _print_points(outcome: Any, max_rows: int = 30) -> None:
    import pyarrow.parquet as pq

    from orbitcloud.sweep.report_html import choose_pareto

    df = pq.read_table(outcome.table_path).to_pandas()
    plan = outcome.plan
    axes = choose_pareto(df, plan)
    kpis = (
        [a.name for a in axes if a.name not in plan.parameter_names]
        if isinstance(axes, tuple)
        else []
    )
    t = Table(show_header=True, header_style="bold")
    cols = ["point", *plan.parameter_names, "status", *kpis]
    heads = short_names(cols)
    for c in cols:
        t.add_column(heads[c], justify="left" if c == "status" else "right")
    for r in df[cols].head(max_rows).itertuples(index=False, name=None):
        t.add_row(*[_fmt(v) for v in r])
    if len(df) > max_rows:
        t.caption = f"first {max_rows} of {len(df)} points; all in sweep.parquet"
    console.print(t)


def short_names(paths: list[str]) -> dict[str, str]:
    """The shortest dotted suffix of each path that no other path ends with (table headers)."""
    out = {}
    for p in paths:
        segs = p.split(".")
        for k in range(1, len(segs) + 1):
            cand = ".".join(segs[-k:])
            if not any(q != p and (q == cand or q.endswith("." + cand)) for q in paths):
                break
        out[p] = cand
    return out


def register(app: typer.Typer) -> None:
    """Add ``sweep`` to the command line."""
    app.command(name="sweep")(sweep)
