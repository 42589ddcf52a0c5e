"""``orbitcloud docs``: the documentation installed with the package.

The pages of the source tree's ``docs/`` folder are package data (``orbitcloud/docs/*.md``;
``src/orbitcloud/docs`` is a link to ``docs/`` and the wheel holds copies), so every "see
docs/scenario.md" in a message or a ``--help`` names a file a user who only installed orbitcloud
has: ``orbitcloud docs scenario`` prints it, ``orbitcloud docs`` lists the pages and where they are.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from orbitcloud.scenario.errors import OrbitcloudInputError

console = Console(soft_wrap=True)


def docs_folder() -> Path:
    """The folder of the installed documentation pages (``orbitcloud/docs``)."""
    return Path(str(resources.files("orbitcloud") / "docs"))


def pages() -> dict[str, Path]:
    """Every installed page by name (``scenario`` for scenario.md), in name order."""
    folder = docs_folder()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.md"))}


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def docs(
    page: Annotated[
        str | None,
        typer.Argument(
            metavar="PAGE",
            help="A page name (`scenario`, `tables`, `sweeps`, ... or `docs/scenario.md`); "
            "none lists the pages.",
            show_default=False,
        ),
    ] = None,
    path: Annotated[
        bool, typer.Option("--path", help="Print the page's file path instead of its text.")
    ] = False,
) -> None:
    """Show the documentation installed with orbitcloud (Markdown): list the pages, print one.

    Examples:

      orbitcloud docs

      orbitcloud docs scenario | less

      orbitcloud docs tables --path
    """
    from orbitcloud.cli.main import EXIT_INPUT, print_error

    found = pages()
    if not found:
        print_error(f"no documentation installed in {docs_folder()}")
        raise typer.Exit(EXIT_INPUT)
    if page is None:
        t = Table(show_header=True, header_style="bold", title=Text(f"{docs_folder()}"))
        t.add_column("page", no_wrap=True)
        t.add_column("title")
        for name, p in found.items():
            t.add_row(Text(name), Text(_title(p)))
        console.print(t)
        console.print(Text("Print one with: orbitcloud docs PAGE (e.g. orbitcloud docs scenario)"))
        return
    name = Path(page).name.removesuffix(".md")
    if name not in found:
        print_error(
            str(
                OrbitcloudInputError(
                    f"no documentation page {page!r}; the pages are {', '.join(found)}"
                )
            )
        )
        raise typer.Exit(EXIT_INPUT)
    if path:
        console.print(Text(str(found[name])))
    else:
        typer.echo(found[name].read_text(encoding="utf-8"), nl=False)


def register(app: typer.Typer) -> None:
    """Add ``docs`` to the command line."""
    app.command(name="docs")(docs)
