"""The documentation site (issue 17, part 3): it builds with no warning, and no link breaks.

``mkdocs build --strict`` (mkdocs.yml: warnings are errors, including mkdocstrings' complaints
about docstrings it cannot parse and Markdown links to missing pages or anchors) writes the
site into a temporary folder; then every ``href``/``src`` of every built HTML page that points
inside the site is resolved: the file must exist and its ``#fragment`` must be an ``id`` (or an
``<a name>``) of that file. Finally the pages may not send a user somewhere an installed package
does not have (the development notes beside the repository, issue numbers, validation letters).
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings_handlers.python")

REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT_S = 300.0
"""About 5 s on an idle 2-core machine; bounded so a hang fails."""


class _Page(HTMLParser):
    """The ids an HTML page defines and the links it makes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("name"):
            self.ids.add(str(a["name"]))
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append(str(a[key]))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(site: Path) -> list[str]:
    """Every internal link of the built site that does not resolve, as 'page: link (why)'."""
    pages = {p: _parse(p) for p in site.rglob("*.html")}
    broken = []
    for page, parsed in pages.items():
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:")):
                continue  # external: not checked (offline)
            path = unquote(parts.path)
            if path.startswith("/"):  # the 404 page links from the server's root
                target = (site / path.lstrip("/")).resolve()
            else:
                target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            where = f"{page.relative_to(site)}: {link}"
            if site.resolve() not in (target, *target.parents):
                broken.append(f"{where} (outside the site)")
            elif not target.is_file():
                broken.append(f"{where} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    broken.append(f"{where} (no such anchor)")
    return broken


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith(("WARNING", "ERROR"))]
    assert proc.returncode == 0, "mkdocs build --strict failed:\n" + "\n".join(
        warnings or proc.stderr.splitlines()[-30:]
    )
    assert not warnings, "\n".join(warnings)
    return out


def test_site_builds_strict_with_every_page(site: Path) -> None:
    for name in ("index.html", "scenario.html", "tables.html", "models.html", "validation.html"):
        assert (site / name).is_file(), name
    api = site / "api" / "orbitcloud.html"
    text = api.read_text(encoding="utf-8")
    # the reference is generated from the docstrings, not written by hand
    assert 'id="orbitcloud.run"' in text
    assert "Run a scenario and write its results folder" in text


def test_no_broken_internal_link_or_anchor(site: Path) -> None:
    broken = broken_links(site)
    assert not broken, f"{len(broken)} broken link(s):\n" + "\n".join(broken[:50])


def test_link_check_finds_a_broken_anchor(tmp_path: Path) -> None:
    """The check can fail: a missing file, a missing anchor and a link out of the site."""
    (tmp_path / "a.html").write_text(
        '<h2 id="here">x</h2><a href="#here">ok</a><a href="b.html#gone">1</a>'
        '<a href="c.html">2</a><a href="../x.html">3</a><a href="https://example.org/">ext</a>',
        encoding="utf-8",
    )
    (tmp_path / "b.html").write_text('<p id="kept">b</p>', encoding="utf-8")
    assert broken_links(tmp_path) == [
        "a.html: b.html#gone (no such anchor)",
        "a.html: c.html (no such file)",
        "a.html: ../x.html (outside the site)",
    ]


_UNREACHABLE = [
    (
        re.compile(r"\.\./shared/|\bshared/(?:DESIGN|STYLE|PITFALLS|VALIDATION)|shared/data/"),
        "a development note or file beside the repository, which users do not have",
    ),
    (re.compile(r"\bissue #\d+"), "an issue number, meaningless to a user"),
    (
        re.compile(r"\bVALIDATION(?:\.md)? [A-H]\b"),
        "a letter of the development notes: link the docs' validation page instead",
    ),
]


def test_api_pages_send_users_only_where_they_can_go(site: Path) -> None:
    """The docstrings shown in the API reference cite the docs, not the development notes."""
    found = []
    for page in sorted((site / "api").glob("*.html")):
        text = re.sub(r"<[^>]+>", " ", page.read_text(encoding="utf-8"))
        for pattern, why in _UNREACHABLE:
            found += [f"api/{page.name}: {m.group(0)!r}: {why}" for m in pattern.finditer(text)]
    assert not found, "\n".join(found[:30])


def test_docs_send_users_only_where_they_can_go() -> None:
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    found = []
    for page in pages:
        for n, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            for pattern, why in _UNREACHABLE:
                if m := pattern.search(line):
                    found.append(f"{page.relative_to(REPO)}:{n}: {m.group(0)!r}: {why}")
    assert not found, "\n".join(found)


def _extension() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "griffe_orbitcloud", REPO / "docs" / "api" / "griffe_orbitcloud.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_docstrings_read_as_written() -> None:
    """`name : what [unit]` becomes a description (the type comes from the signature), in
    Parameters and Returns; a real numpydoc type stays; continuation lines and other sections
    are left alone; Sphinx roles become code."""
    rewrite = _extension().rewrite  # type: ignore[attr-defined]
    doc = (
        "See :func:`orbitcloud.run` and :class:`~orbitcloud.results.reader.Results`.\n\n"
        "Parameters\n----------\n"
        "t1, t2 : accelerator and radiator temperatures [K]\n"
        "scenario : str, Path, dict or Scenario\n    what to run\n    a : b\n\n"
        "Returns\n-------\nheat : the allowed heat [W]\n"
    )
    assert rewrite(doc) == (
        "See `orbitcloud.run` and `Results`.\n\n"
        "Parameters\n----------\n"
        "t1, t2\n    accelerator and radiator temperatures [K]\n"
        "scenario : str, Path, dict or Scenario\n    what to run\n    a : b\n\n"
        "Returns\n-------\nheat :\n    the allowed heat [W]"
    )
    assert rewrite("(1e15, shared/VALIDATION.md C); see ../shared/PITFALLS.md") == (
        "(1e15, Validation C); see the measured pitfalls (Contributing)"
    )
    prose_after = (
        "Parameters\n----------\nx, y\n    z\n\nEach one keeps a cache.\nSource: A (2022)."
    )
    assert rewrite(prose_after) == (
        "Parameters\n----------\nx, y\n    z\n\nNotes\n-----\nEach one keeps a cache.\n"
        "Source: A (2022)."
    )
    assert rewrite("Returns\n-------\nAllowed heat [W]\nfloat\n    the heat") == (
        "Returns\n-------\n:\n    Allowed heat [W]\nfloat\n    the heat"
    )
