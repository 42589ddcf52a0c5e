"""``orbitcloud`` command line: run, validate, scenarios (and report, view, sweep, bench).

Bad input prints one clear ``error:`` message on stderr (file, line or field, value, what is
allowed) and exits with status 2 -- never a traceback. That holds for the command line itself
too (an unknown option, a missing argument): :class:`OrbitcloudGroup` formats click's usage
errors the same way.

Adding a command: write ``orbitcloud/cli/cmd_<name>.py`` with a function ``register(app)`` that
adds it (``@app.command()``); every such module is imported when the command line starts. Keep
heavy imports inside the command function so that ``orbitcloud --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

from orbitcloud._version import __version__
from orbitcloud.scenario.errors import OrbitcloudInputError

EXIT_INPUT = 2
"""Exit status for bad input (a scenario, a file, a command-line value): click's convention."""

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)} | {
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
}


def one_line(text: str) -> str:
    """``text`` with control characters (a newline in a folder name) as escapes: one line."""
    return text.translate(_CONTROL)


def print_error(message: str, hint: str | None = None) -> None:
    """``error: <message>`` on stderr, printed verbatim (no rich markup, no wrapping), on one
    line (control characters, e.g. a newline in a file name, are shown escaped)."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", one_line(message)))
    if hint:
        err_console.print(Text(hint, style="dim"))


def _base_named(cls: type, name: str) -> type:
    """A base class of ``cls`` by name: typer vendors click since 0.25, so ``import click``
    would catch a different class from the one typer raises."""
    return next(c for c in cls.__mro__ if c.__name__ == name)


_UsageError: Any = _base_named(typer.BadParameter, "UsageError")
_ClickException: Any = _base_named(typer.BadParameter, "ClickException")


def _tolerant_streams() -> None:
    """Let stdout and stderr print any text, whatever their encoding.

    An ASCII-only terminal (``LANG=C``, ``PYTHONIOENCODING=ascii``) cannot encode a scenario
    named ``Ω``, and a folder name with bytes that are not UTF-8 reaches Python as lone
    surrogates that no encoding takes: both would end a command in ``UnicodeEncodeError``.
    Characters the stream cannot encode are printed as backslash escapes instead (``\u03a9``).
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):  # a replaced stream that cannot: leave it
                reconfigure(errors="backslashreplace")


class OrbitcloudGroup(TyperGroup):
    """The command group: ``error: ...`` and status 2 for usage errors, help when bare."""

    def main(  # type: ignore[override]
        self,
        args: list[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        _tolerant_streams()
        argv = list(sys.argv[1:] if args is None else args)
        if not argv:
            argv = ["--help"]  # a bare `orbitcloud` shows what it can do
        try:
            rv = super().main(
                args=argv,
                prog_name=prog_name,
                complete_var=complete_var,
                standalone_mode=False,
                **extra,
            )
        except _UsageError as exc:
            path = exc.ctx.command_path if exc.ctx is not None else "orbitcloud"
            print_error(exc.format_message(), f"Try '{path} --help' for help.")
            rc = exc.exit_code
        except _ClickException as exc:
            print_error(exc.format_message())
            rc = exc.exit_code
        except typer.Abort:
            print_error("aborted")
            rc = 1
        else:
            rc = rv if isinstance(rv, int) else 0
        if standalone_mode:
            sys.exit(rc)
        return rc


app = typer.Typer(
    name="orbitcloud",
    cls=OrbitcloudGroup,
    help=(
        "Design, simulate and operate space-based AI infrastructure: constellations of "
        "compute satellites, their orbits, sunlight, power, heat, links and workloads.\n\n"
        "Start with `orbitcloud run` (a small built-in scenario, a few seconds), "
        "see the other built-in scenarios with `orbitcloud scenarios`, and check your "
        "own scenario file with `orbitcloud validate my.yaml`. The documentation is "
        "installed with orbitcloud: `orbitcloud docs` lists its pages, `orbitcloud docs "
        "scenario` prints the scenario format (docs/scenario.md)."
    ),
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        console.print(f"orbitcloud {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Design, simulate and operate space-based AI infrastructure."""


ScenarioArg = Annotated[
    str,
    typer.Argument(
        metavar="SCENARIO",
        help="A scenario YAML file, or the name of a built-in scenario (list them with "
        "`orbitcloud scenarios`).",
        show_default=True,
    ),
]


def _fail(exc: Exception) -> NoReturn:
    """Print an input error and exit with status 2.

    A message of several problems keeps its lines (one problem a line); control characters
    inside each line, and anywhere in the file or folder it names, are shown escaped.
    """
    if isinstance(exc, OrbitcloudInputError) and "\n" in exc.detail:
        lines = [one_line(ln) for ln in exc.detail.split("\n")]
        head = f"{one_line(exc.where)}: {lines[0]}" if exc.where else lines[0]
        err_console.print(Text.assemble(("error:", "bold red"), " ", head))
        for ln in lines[1:]:
            err_console.print(Text(ln))
    else:
        print_error(str(exc))
    raise typer.Exit(EXIT_INPUT)


def _fmt(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def print_answer(panel: dict[str, Any]) -> None:
    """The answer panel (:func:`orbitcloud.report.answer.answer_panel`): the question, each
    verdict in a sentence or two (as the report's panel shows it), its key numbers with units,
    the baseline and what flips it, one per line. The whole text and the assumptions that
    decide it are in the report and in ``--json`` (``answer_panel``). Plain text (a name may
    hold rich markup)."""
    from orbitcloud.report.answer import MAX_NUMBERS, format_number, lead_sentences

    if panel.get("question"):
        console.print(Text.assemble(("Question: ", "bold"), str(panel["question"])))
    verdicts = panel.get("verdicts", [])
    for v in verdicts:
        head = f"Answer ({v['topic']}): " if len(verdicts) > 1 and v.get("topic") else "Answer: "
        if v.get("text"):
            console.print(Text.assemble((head, "bold"), lead_sentences(str(v["text"]))[0]))
        nums = [f"{n.get('name')} = {format_number(n.get('value'), str(n.get('unit', '')))}"
                for n in v.get("numbers", [])]  # fmt: skip
        if nums:  # as many as the report's panel shows; all of them in --json
            more = f"; +{len(nums) - MAX_NUMBERS} more" if len(nums) > MAX_NUMBERS else ""
            console.print(Text("  " + "; ".join(nums[:MAX_NUMBERS]) + more))
        if v.get("baseline"):
            console.print(Text.assemble(("  Baseline: ", "dim"), str(v["baseline"])))
        flips = v.get("flips") or []
        for i, f in enumerate(flips if isinstance(flips, list) else [flips]):
            label = "  Flips if: " if i == 0 else "            "
            console.print(Text.assemble((label, "dim"), str(f)))
    if verdicts:
        console.print(Text("  (the whole verdict and the assumptions that decide it: the "
                           "report's answer panel, or --json)", style="dim"))  # fmt: skip


def print_kpis(
    kpis: dict[str, Any],
    title: str = "Key figures",
    summary: dict[str, Any] | None = None,
    answer_line: bool = True,
) -> None:
    """The headline numbers of a run, grouped (orbit, power, ...), with units and descriptions.

    The scenario's answer (a text KPI) comes first, on its own lines (unless ``answer_line`` is
    False: the answer panel printed it); a KPI that is None shows the reason where the summary
    gives one (:func:`orbitcloud.results.kpis.describe`).
    """
    from orbitcloud.results.kpis import describe

    rows = describe({**(summary or {}), "kpis": kpis})
    for r in rows:
        if answer_line and r["group"] == "answer" and isinstance(r["value"], str):
            console.print(Text.assemble(("Answer: ", "bold"), r["value"]))
    wide = console.width >= 110  # room for the description column
    t = Table(title=Text(title), show_header=True, header_style="bold")
    t.add_column("KPI", no_wrap=True)
    t.add_column("value", justify="right", no_wrap=True)
    t.add_column("unit", no_wrap=True)
    if wide:
        t.add_column("description", overflow="fold", min_width=30)
    group = None
    for r in rows:
        v = r["value"]
        if isinstance(v, dict | list) or (r["group"] == "answer" and isinstance(v, str)):
            continue
        if r["group"] != group:
            if group is not None:
                t.add_section()
            group = r["group"]
            t.add_row(Text(str(group), style="bold cyan"))
        why = r.get("reason") if v is None else None
        unit = "" if r["unit"] in ("1", "") else r["unit"]
        # text, not markup: a name may hold "[/]"
        cells = [Text(str(r["name"])), Text("n/a" if why else _fmt(v)), Text(unit)]
        if wide:
            cells.append(Text(why or r["description"]))
        t.add_row(*cells)
    console.print(t)
    reasons: dict[str, list[str]] = {}
    for r in rows:
        if r["value"] is None and r.get("reason") and not wide:
            reasons.setdefault(str(r["reason"]), []).append(str(r["name"]))
    for why, names in reasons.items():
        console.print(Text(f"n/a ({', '.join(names)}): {why}"))
    if not wide:
        console.print(Text("Descriptions: docs/kpis.md, or orbitcloud run --json.", style="dim"))


def summary_json(res: Any) -> dict[str, Any]:
    """What ``orbitcloud run --json`` prints: the answer panel, the KPIs with unit and
    description, warnings and where the results are."""
    from orbitcloud.report.answer import answer_panel
    from orbitcloud.results.kpis import describe

    s = res.summary
    kpis = {}
    for r in describe(s):
        kpis[r["name"]] = {k: r[k] for k in r if k != "name"}
    return {
        "scenario": s.get("scenario"),
        "results": str(res.path),
        "wall_time_s": s.get("wall_time_s"),
        "answer_panel": s.get("answer_panel") or answer_panel(res.scenario_dict(), s),
        "kpis": kpis,
        "warnings": [str(w) for w in s.get("warnings", [])],
        "files": [*res.tables, "summary.json"]
        + (["report.html"] if (res.path / "report.html").exists() else []),
    }


@app.command(
    epilog=(
        "Examples:\n\n"
        "  orbitcloud run\n\n"
        "  orbitcloud run starlink-catalogue --out results/starlink\n\n"
        "  orbitcloud run my-scenario.yaml --out my-results --overwrite\n\n"
        "  orbitcloud run default --set time.duration_h=1 "
        "--set constellations.0.walker.altitude_km=600"
    )
)
def run(
    scenario: ScenarioArg = "default",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Folder for the results. Default: `results/NAME` (the scenario's name), or "
            "`results/NAME-2`, `-3`, ... if that exists: a rerun never overwrites.",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace the --out folder if it already exists (only an orbitcloud results "
            "folder or an empty one).",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the summary as JSON on stdout (KPIs with unit and description, "
            "warnings, the results folder) for scripts; progress goes to stderr.",
        ),
    ] = False,
    chunk_steps: Annotated[
        int | None,
        typer.Option(
            "--chunk-steps",
            metavar="N",
            min=1,
            help="Time steps per geometry chunk (default: about a million satellite-steps). "
            "Trades memory for speed; never changes an answer.",
            show_default=False,
        ),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="PATH=VALUE",
            help="Change one field for this run, by dotted path (field names and list indices "
            "joined by dots); the value is read as YAML. Repeatable: --set time.duration_h=1 "
            "--set constellations.0.walker.altitude_km=600.",
            show_default=False,
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="local|local:N|ADDRESS",
            help="Compute geometry and routing on a Dask cluster, the models here in time "
            "order: `local` (a local cluster, one worker process per core, at most 4), "
            "`local:N` (N workers) or a scheduler address such as tcp://10.0.0.5:8786. Speed "
            "only: the tables are identical.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Simulate a scenario and write its results folder.

    The folder holds Parquet tables (satellites, positions, ... one row per satellite and
    time step), the resolved scenario.yaml and summary.json with the key figures, which are
    also printed. Read them with pandas, DuckDB or orbitcloud.load_results(folder).
    """
    from orbitcloud import open_dask, run_finalizers
    from orbitcloud.results.runner import run as _run

    def run_scenario(**kw: Any) -> Any:
        if dask is not None:  # a bad scenario fails before a cluster starts
            from orbitcloud.scenario.loader import load_scenario

            load_scenario(source)
        with open_dask(dask, "--dask") as client:
            return _run(source, out=out, overwrite=overwrite, finalizers=run_finalizers(),
                        chunk_steps=chunk_steps, dask=client, **kw)  # fmt: skip

    source: Any = scenario
    try:
        if set_:
            from orbitcloud.scenario.overrides import load_with_overrides, parse_assignment

            source = load_with_overrides(
                scenario, dict(parse_assignment(a) for a in set_), label="--set"
            )
        if quiet or not err_console.is_terminal:
            res = run_scenario()
        else:
            with Progress(
                TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, transient=True,
            ) as bar:  # fmt: skip
                task = bar.add_task("loading the scenario", total=1.0)

                def cb(label: str, frac: float) -> None:
                    bar.update(task, description=label, completed=frac)

                res = run_scenario(progress=cb)
    except OrbitcloudInputError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        print_error("interrupted; no results folder was written")
        raise typer.Exit(130) from None
    except OSError as exc:  # disk full, permissions while writing: not a bug, no traceback
        print_error(f"could not write the results: {exc}")
        raise typer.Exit(1) from None
    except RuntimeError as exc:
        from orbitcloud.engine.distributed import DistributedRunError

        if not isinstance(exc, DistributedRunError):
            raise
        print_error(f"{exc}; no results folder was written")
        raise typer.Exit(1) from None
    s = res.summary
    if as_json:
        import json

        sys.stdout.write(json.dumps(summary_json(res), indent=2, default=str) + "\n")
        return
    from orbitcloud.report.answer import answer_panel

    print_answer(s.get("answer_panel") or answer_panel(res.scenario_dict(), s))
    print_kpis(s.get("kpis", {}), title=f"{s['scenario']}: key figures", summary=s,
               answer_line=False)  # fmt: skip
    for w in s.get("warnings", []):
        console.print(Text.assemble(("warning:", "yellow"), " ", str(w)))
    files = [*res.tables, "summary.json"]
    if (res.path / "report.html").exists():
        files.append("report.html")
    console.print(
        Text.assemble(
            "Results in ",
            (str(res.path), "bold"),
            f" ({', '.join(files)}), {s['wall_time_s']:.1f} s",
        )
    )


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario without running it: the schema, the files it names and their TLEs.

    Prints what the run would simulate, or the problems found (with the field path and line
    of each), and exits with status 2 if there are any.
    """
    from orbitcloud.engine.run import check
    from orbitcloud.scenario.loader import load_scenario

    try:
        sc = load_scenario(scenario)
        ctx = check(sc)
    except OrbitcloudInputError as exc:
        if _is_sweep_file(scenario):
            _validate_sweep(Path(scenario))
            return
        _fail(exc)
    t = Table(show_header=True, header_style="bold", title=Text(f"scenario {sc.name!r} is valid"))
    t.add_column("constellation")
    t.add_column("source")
    t.add_column("satellites", justify="right")
    for i, c in enumerate(sc.constellations):
        t.add_row(Text(c.name), Text(c.kind), f"{int((ctx.sats.shell == i).sum()):,}")
    console.print(t)
    tm = sc.time
    console.print(
        Text(
            f"{len(ctx.sats):,} satellites, {tm.n_steps:,} time steps of {tm.step_s:g} s from "
            f"{tm.start} ({tm.duration_total_s / 3600:g} h)"
        )
    )


def _is_sweep_file(arg: str) -> bool:
    """Whether ``arg`` names a sweep file: a YAML mapping with ``base`` and no ``constellations``
    (the one key every scenario has)."""
    from orbitcloud.scenario.yamlio import load_yaml_file

    try:
        doc, _ = load_yaml_file(arg)
    except (OrbitcloudInputError, OSError, ValueError):
        return False
    return isinstance(doc, dict) and "base" in doc and "constellations" not in doc


def _validate_sweep(path: Path) -> None:
    """``orbitcloud validate`` on a sweep file: say so, and check it as ``orbitcloud sweep``
    would before running anything (the sweep file, then every point's scenario)."""
    from orbitcloud.sweep.spec import check_points, load_sweep

    console.print(
        Text(
            f"{path} is a sweep file (it has 'base' and no 'constellations'); checking it as a "
            f"sweep. Run it with `orbitcloud sweep {path}` (`orbitcloud docs sweeps`)."
        )
    )
    try:
        plan = load_sweep(path)
        check_points(plan)
    except OrbitcloudInputError as exc:
        _fail(exc)
    n_unique = len(plan.unique_hashes)
    same = len(plan.points) - n_unique
    console.print(
        Text(
            f"sweep {plan.name!r} is valid: {len(plan.points):,} point(s) over "
            f"{', '.join(plan.parameter_names)} (base: {plan.base})"
            + (f"; {same} repeat another point's scenario" if same else "")
            + "; every point passes the checks of `orbitcloud validate`"
        )
    )


@app.command()
def scenarios() -> None:
    """List the built-in scenarios; use a name wherever a scenario file is expected."""
    from orbitcloud.scenario.loader import builtin_description, builtin_names

    t = Table(show_header=True, header_style="bold")
    t.add_column("name", no_wrap=True)
    t.add_column("description")
    for n in builtin_names():
        t.add_row(n, builtin_description(n))
    console.print(t)
    console.print("Run one with: orbitcloud run <name>", highlight=False)


def _register_command_modules() -> None:
    """Import every ``orbitcloud.cli.cmd_*`` module and let it add its commands."""
    import orbitcloud.cli as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"orbitcloud.cli.{info.name}")
            register = getattr(module, "register", None)
            if callable(register):
                register(app)


_register_command_modules()


def main() -> None:
    """Entry point of the ``orbitcloud`` script and of ``python -m orbitcloud``."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
