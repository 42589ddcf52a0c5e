"""``orbitcloud report`` and ``orbitcloud view``: write and look at a run's report.

Registered on the main app by :func:`register` (one line in ``cli/main.py``). The report
package is imported inside the commands, so ``orbitcloud --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import webbrowser
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from orbitcloud.scenario.errors import OrbitcloudInputError

console = Console()
err_console = Console(stderr=True)

FolderArg = Annotated[Path, typer.Argument(help="A results folder written by `orbitcloud run`.")]


def _fail(msg: str) -> None:
    err_console.print(f"[bold red]error:[/] {msg}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(2)


def _check_folder(folder: Path) -> Path:
    if not folder.is_dir():
        _fail(str(OrbitcloudInputError("no such results folder", folder)))
    if not any(folder.glob("*.parquet")) or not (folder / "summary.json").is_file():
        _fail(
            str(
                OrbitcloudInputError(
                    "not a complete orbitcloud results folder (needs summary.json and "
                    "Parquet tables)",
                    folder,
                )
            )
        )
    return folder


def report(
    results_dir: FolderArg,
    czml: Annotated[
        bool, typer.Option("--czml", help="Also write report.czml (for Cesium).")
    ] = False,
) -> None:
    """Rewrite report.html of a results folder from its tables (and report.czml with --czml)."""
    from orbitcloud.report import write_czml, write_report

    folder = _check_folder(results_dir)
    if czml:
        try:
            p = write_czml(folder)
        except ValueError as exc:
            _fail(str(exc))
        console.print(f"wrote [bold]{p}[/] ({p.stat().st_size / 1e6:.1f} MB)", highlight=False)
    p = write_report(folder)
    console.print(f"wrote [bold]{p}[/] ({p.stat().st_size / 1e6:.1f} MB)", highlight=False)


def view(
    results_dir: FolderArg,
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free).")
    ] = 8765,
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the report in a web browser.")
    ] = True,
) -> None:
    """Serve a results folder on 127.0.0.1 (that folder only) and open its report."""
    from orbitcloud.report import ReportServer, write_report

    folder = _check_folder(results_dir)
    if not (folder / "report.html").is_file():
        write_report(folder)
        console.print(f"wrote {folder / 'report.html'}", highlight=False)
    try:
        server = ReportServer(folder, port)
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); try --port 0 for any free port")
    console.print(
        f"Serving [bold]{server.folder}[/] at [bold]{server.url}[/] (127.0.0.1 only); "
        "Ctrl-C to stop.",
        highlight=False,
    )
    if open_browser:
        with contextlib.suppress(webbrowser.Error):  # no browser here: the URL is printed
            webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


def register(app: typer.Typer) -> None:
    """Add the ``report`` and ``view`` commands to the main app."""
    app.command("report")(report)
    app.command("view")(view)
