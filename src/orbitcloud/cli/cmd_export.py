"""``orbitcloud export``: a run's tables as CSV, or its network state for Hypatia / ns-3.

Registered by :func:`register` (``cli/main.py`` imports every ``cmd_*`` module). The export
package is imported inside the command, so ``orbitcloud --help`` stays fast.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from orbitcloud.scenario.errors import OrbitcloudInputError

console = Console(soft_wrap=True)


class ExportFormat(StrEnum):
    csv = "csv"
    hypatia = "hypatia"


def _fail(msg: str) -> NoReturn:
    from orbitcloud.cli.main import print_error  # not at the top: main imports this module

    print_error(msg)
    raise typer.Exit(2)


def export(
    run: Annotated[
        str,
        typer.Argument(
            metavar="RUN",
            help="A results folder written by `orbitcloud run`, or a sweep point as "
            "SWEEP_FOLDER:N.",
        ),
    ],
    format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            "-f",
            help="csv: tables as CSV files; hypatia: the satellite network state in "
            "satgenpy's layout for ns-3-sat-sim (needs the links table: outputs.links: true).",
        ),
    ] = ExportFormat.csv,
    table: Annotated[
        list[str] | None,
        typer.Option(
            "--table",
            "-t",
            metavar="NAME",
            help="csv: a table to write (repeat for several; default: every table).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            metavar="DIR",
            help="Output folder. Default: RUN-csv or RUN-hypatia beside the results folder "
            "(SWEEP-pointN-... for a sweep point).",
            show_default=False,
        ),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="hypatia: replace a previous export in --out (CSV files of the same names "
            "are always replaced).",
        ),
    ] = False,
) -> None:
    """Export a run: any table to CSV, or the network state for Hypatia / ns-3-sat-sim.

    The Hypatia layout holds `tles.txt`, `isls.txt`, `ground_stations.txt`,
    `gsl_interfaces_info.txt`, `description.txt` and `dynamic_state_<ms>ms_for_<s>s/` with
    `fstate_<t_ns>.txt` and `gsl_if_bandwidth_<t_ns>.txt`, as satgenpy writes them (see
    docs/export.md).
    """
    from orbitcloud.results.compare import resolve_run
    from orbitcloud.results.reader import Results

    try:
        ref = resolve_run(run)  # a results folder, or point N of a sweep folder
    except OrbitcloudInputError as exc:
        _fail(str(exc))
    folder = ref.path.resolve()
    if out is not None:
        dest = out
    elif ref.label == ref.path.name:  # a results folder: RUN-<format> beside it
        dest = folder.with_name(f"{folder.name}-{format.value}")
    else:  # point N of a sweep: SWEEP-pointN-<format> beside the sweep folder
        sweep, point = run.rsplit(":", 1)
        top = Path(sweep).resolve()
        dest = top.with_name(f"{top.name}-point{point}-{format.value}")
    try:
        res = Results(ref.path).check()
        if format is ExportFormat.csv:
            from orbitcloud.export.csv_tables import export_csv

            written = export_csv(res, dest, table)
            for p in written:
                size = p.stat().st_size / 1e6
                console.print(Text.assemble("wrote ", (str(p), "bold"), f" ({size:.1f} MB)"))
            return
        if table:
            _fail("--table applies to --format csv only")
        from orbitcloud.export.hypatia import export_hypatia

        info = export_hypatia(res, dest, overwrite=overwrite)
    except OrbitcloudInputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"could not write the export: {exc}")
    console.print(
        Text.assemble(
            "wrote ",
            (str(info.path), "bold"),
            f": {info.n_satellites:,} satellites, {info.n_ground_stations:,} ground stations, "
            f"{info.n_isls:,} ISLs, {info.steps:,} steps of {info.step_ms} ms in "
            f"{info.dynamic_state_dir.name}/ ({info.algorithm}, {info.fstate_lines:,} fstate "
            "lines)",
        )
    )
    rates = []
    if info.isl_capacity_mbps is not None:
        rates.append(f"isl_data_rate_megabit_per_s={info.isl_capacity_mbps:g}")
    if info.gsl_capacity_mbps is not None:
        rates.append(f"gsl_data_rate_megabit_per_s={info.gsl_capacity_mbps:g}")
    console.print(
        Text(
            "for ns-3-sat-sim's config_ns3.properties: "
            f"satellite_network_dir=<path to {info.path.name}>, "
            f"satellite_network_routes_dir=<that>/{info.dynamic_state_dir.name}, "
            f"dynamic_state_update_interval_ns={info.step_ms * 1_000_000}, "
            f"simulation_end_time_ns={info.duration_s * 1_000_000_000}"
            + ("".join(f", {r}" for r in rates))
            + " (the run's median link capacities)"
        )
    )


def register(app: typer.Typer) -> None:
    """Add ``orbitcloud export`` to the command line."""
    app.command(
        epilog=(
            "Examples:\n\n"
            "  orbitcloud export results/default --format csv --table positions\n\n"
            "  orbitcloud export results/kuiper-hypatia --format hypatia --out gen_data/kuiper"
        )
    )(export)
