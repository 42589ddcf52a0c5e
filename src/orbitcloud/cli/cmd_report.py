"""``orbitcloud report`` and ``orbitcloud view``: write and look at a run's report.

Registered on the main app by :func:`register` (one line in ``cli/main.py``). The report
package is imported inside the commands, so ``orbitcloud --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import errno
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from orbitcloud.scenario.errors import OrbitcloudInputError

console = Console(soft_wrap=True)

FolderArg = Annotated[Path, typer.Argument(help="A results folder written by `orbitcloud run`.")]

T = TypeVar("T")


def _fail(msg: str) -> NoReturn:
    """``error: <msg>`` on stderr, verbatim (a ``[`` in a folder name is not markup) and on one
    line; exit status 2."""
    from orbitcloud.cli.main import print_error  # not at the top: main imports this module

    print_error(msg)
    raise typer.Exit(2)


def _wrote(p: Path) -> None:
    size = p.stat().st_size / 1e6
    console.print(Text.assemble("wrote ", (str(p), "bold"), f" ({size:.1f} MB)"))


def _check_folder(folder: Path) -> Path:
    """The folder if it is a complete, undamaged results folder; else one ``error:`` line.

    Every table's footer and declared columns, ``summary.json`` and ``scenario.yaml`` are
    checked before any report work (:meth:`Results.check`), so a damaged folder is named with
    the file and what is wrong, never a library traceback halfway through.
    """
    from orbitcloud.results.reader import SUMMARY, Results

    if not folder.is_dir():
        _fail(str(OrbitcloudInputError("no such results folder", folder)))
    try:
        if not (folder / SUMMARY).is_file():
            raise OrbitcloudInputError(
                f"not a complete orbitcloud results folder (no {SUMMARY}, or it is not a "
                "regular file)",
                folder,
            )
        res = Results(folder).check()
        if not res.tables:
            raise OrbitcloudInputError(
                "not a complete orbitcloud results folder (no table: needs summary.json and "
                "Parquet tables)",
                folder,
            )
    except OrbitcloudInputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot read the results folder {folder} ({exc.strerror or exc})")
    return folder


def _reading(folder: Path, what: str, job: Callable[[], T]) -> T:
    """``job()``, with a damaged table or an unwritable folder as one ``error:`` line."""
    import pyarrow as pa

    try:
        return job()
    except OrbitcloudInputError as exc:
        _fail(str(exc))
    except pa.ArrowException as exc:  # a table whose footer reads but whose data does not
        _fail(f"a table of {folder} cannot be read ({exc}); rerun the scenario to write it again")
    except OSError as exc:
        if exc.filename is not None and Path(exc.filename).suffix == ".parquet":
            _fail(f"cannot read {exc.filename} ({exc.strerror or exc}); rerun the scenario")
        hint = ""
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            hint = "; the folder is read-only: copy it somewhere writable"
        _fail(f"cannot write {what} into {folder} ({exc.strerror or exc}){hint}")


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
            p = _reading(folder, "report.czml", lambda: write_czml(folder))
        except ValueError as exc:
            _fail(str(exc))
        _wrote(p)
    _wrote(_reading(folder, "report.html", lambda: write_report(folder)))


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
        _wrote(_reading(folder, "report.html", lambda: write_report(folder)))
    try:
        server = ReportServer(folder, port)
    except OSError as exc:
        _fail(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}); try --port 0 for any free port")
    console.print(
        Text.assemble(
            "Serving ", (str(server.folder), "bold"), " at ", (server.url, "bold"),
            " (127.0.0.1 only); Ctrl-C to stop.",
        )
    )  # fmt: skip
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
