"""Every code block of README.md and docs/ is a test (issue 17, part 7).

* ```python blocks run as scripts (``python block.py``) in a fresh folder, a page's blocks in
  order and sharing that folder, as a reader would paste them one after another;
* ```yaml blocks that are scenarios (``name``, ``time`` and ``constellations``) validate with the
  scenario loader; sweep files are planned with ``orbitcloud.sweep.plan_sweep`` (every point
  validated); a block holding only some sections of a scenario (the reference of one section)
  is merged into the built-in ``default`` scenario (top-level sections) or its first
  constellation (constellation fields) and validated;
* the ``orbitcloud ...`` lines of ```bash / ```console blocks run, a page's in order in one
  fresh folder holding a copy of ``examples/`` (as in a checkout). Other lines (installs,
  ``dask`` commands) are not run.

A block that cannot run says why, on the line before its fence::

    <!-- docs-test: skip (needs a Dask cluster) -->

and ``<!-- docs-test: run last (...) -->`` runs a python block after the page's other blocks.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from orbitcloud.scenario import ConstellationSpec, Scenario, builtin_path
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import scenario_from_dict
from orbitcloud.scenario.yamlio import load_yaml_file, load_yaml_text

REPO = Path(__file__).resolve().parents[2]
BLOCK_TIMEOUT_S = 150.0
"""One block's bound: the slowest (a 2-point sweep on a local Dask cluster) takes about 7 s on
an idle 2-core machine; a busy one is several times slower, and a hang must still fail."""

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)[^`]*$")
_DIRECTIVE = re.compile(
    r"^\s*<!--\s*docs-test:\s*(?P<what>skip|run last)\s*(?:\((?P<why>.*)\))?\s*-->\s*$"
)
_SHELL_LANGS = {"bash", "sh", "shell", "console"}


@dataclass(frozen=True)
class Block:
    """One fenced block: its page, the line of its opening fence, language, text, directive."""

    page: Path
    line: int
    lang: str
    text: str
    directive: str | None  # "skip", "run last" or None
    reason: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}"


def doc_pages() -> list[Path]:
    """README.md and every Markdown page under docs/."""
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def parse_blocks(page: Path) -> list[Block]:
    """Every fenced block of a page (fences indented inside lists included, dedented)."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence = m["indent"], m["fence"]
        body: list[str] = []
        j = i + 1
        while j < len(lines):
            close = lines[j].strip()
            if len(close) >= len(fence) and set(close) == {fence[0]}:
                break
            body.append(lines[j].removeprefix(indent))
            j += 1
        k = i - 1
        while k >= 0 and not lines[k].strip():
            k -= 1
        d = _DIRECTIVE.match(lines[k]) if k >= 0 else None
        directive, reason = (d["what"], (d["why"] or "").strip()) if d else (None, "")
        text = "\n".join(body) + "\n"
        blocks.append(Block(page, i + 1, m["lang"].lower(), text, directive, reason))
        i = j + 1
    return blocks


BLOCKS = [b for p in doc_pages() for b in parse_blocks(p)]
PY_PAGES = sorted({b.page for b in BLOCKS if b.lang == "python"})
YAML_BLOCKS = [b for b in BLOCKS if b.lang in {"yaml", "yml"}]
SHELL_BLOCKS = [b for b in BLOCKS if b.lang in _SHELL_LANGS]


def _rel(page: Path) -> str:
    return str(page.relative_to(REPO))


def _run(args: list[str] | str, cwd: Path, where: str, shell: bool = False) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=env,
            shell=shell,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{where}: no end within {BLOCK_TIMEOUT_S:.0f} s")
    if proc.returncode != 0:
        pytest.fail(
            f"{where}: exit status {proc.returncode}\n--- stdout (end)\n{proc.stdout[-3000:]}"
            f"\n--- stderr (end)\n{proc.stderr[-6000:]}"
        )


# ---------------------------------------------------------------- the parser itself


def test_parser_reads_fences_directives_and_indented_blocks(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text(
        "text\n\n<!-- docs-test: skip (needs a Dask cluster) -->\n```bash\norbitcloud sweep x\n```\n"
        "- item\n\n  ```python\n  print(1)\n  ```\n"
        "<!-- docs-test: run last (reads what the next one writes) -->\n\n````yaml\na: 1\n```\n````\n",
        encoding="utf-8",
    )
    got = [(b.line, b.lang, b.text, b.directive, b.reason) for b in parse_blocks(page)]
    assert got == [
        (4, "bash", "orbitcloud sweep x\n", "skip", "needs a Dask cluster"),
        (9, "python", "print(1)\n", None, ""),
        (14, "yaml", "a: 1\n```\n", "run last", "reads what the next one writes"),
    ]


def test_every_directive_names_a_reason() -> None:
    bare = [b.where for b in BLOCKS if b.directive and not b.reason]
    assert not bare, f"docs-test directives without a (reason): {bare}"


def test_run_last_only_on_python_blocks() -> None:
    wrong = [b.where for b in BLOCKS if b.directive == "run last" and b.lang != "python"]
    assert not wrong, wrong


# ---------------------------------------------------------------- python


@pytest.mark.parametrize("page", PY_PAGES, ids=_rel)
def test_python_blocks_run_as_scripts(page: Path, tmp_path: Path) -> None:
    blocks = [b for b in BLOCKS if b.page == page and b.lang == "python" and b.directive != "skip"]
    blocks.sort(key=lambda b: b.directive == "run last")  # stable: page order otherwise
    assert blocks
    for n, b in enumerate(blocks):
        script = tmp_path / f"block_{n}_line_{b.line}.py"
        script.write_text(b.text, encoding="utf-8")
        _run([sys.executable, script.name], tmp_path, b.where)


# ---------------------------------------------------------------- yaml

_SCENARIO_FIELDS = set(Scenario.model_fields)
_CONSTELLATION_FIELDS = set(ConstellationSpec.model_fields)


def _default_scenario() -> dict[str, Any]:
    data, _ = load_yaml_file(builtin_path("default"))
    assert isinstance(data, dict)
    return data


def _validate_yaml_block(b: Block) -> str:
    """Validate one yaml block; return what it was taken for."""
    data, lines = load_yaml_text(b.text, b.where)
    assert isinstance(data, dict), f"{b.where}: a yaml block that is not a mapping: mark it"
    keys = set(data)
    if "base" in keys and keys & {"parameters", "samples", "set"}:
        from orbitcloud.sweep import plan_sweep

        plan_sweep(data, source=b.where, sweep_dir=b.page.parent, lines=lines)
        return "sweep file"
    if {"name", "time", "constellations"} <= keys:
        scenario_from_dict(data, b.where, b.page.parent, lines)
        return "scenario"
    if keys <= _SCENARIO_FIELDS:
        base = _default_scenario()
        base.update(data)
        scenario_from_dict(base, b.where)
        return "sections of a scenario (into the built-in default)"
    if keys <= _CONSTELLATION_FIELDS:
        base = _default_scenario()
        base["constellations"][0].update(data)
        scenario_from_dict(base, b.where)
        return "constellation fields (into the default's first constellation)"
    pytest.fail(
        f"{b.where}: yaml block is neither a scenario, a sweep file nor scenario sections "
        f"(keys {sorted(keys)}); mark it <!-- docs-test: skip (why) -->"
    )


@pytest.mark.parametrize("block", YAML_BLOCKS, ids=lambda b: b.where)
def test_yaml_blocks_validate(block: Block) -> None:
    if block.directive == "skip":
        pytest.skip(block.reason)
    try:
        _validate_yaml_block(block)
    except OrbitcloudInputError as exc:
        pytest.fail(f"{block.where}: the documented YAML does not validate:\n{exc}")


def test_a_broken_yaml_block_is_caught() -> None:
    """The check can fail: the class shares of issue 17 (0.7 alone) are refused."""
    text = (
        "workloads:\n  inference:\n    requests_per_s: 100\n    classes:\n"
        "      - {name: interactive, share: 0.7, slo_ttft_ms: 500, max_wait_s: 10}\n"
    )
    block = Block(REPO / "docs" / "example.md", 1, "yaml", text, None, "")
    with pytest.raises(OrbitcloudInputError, match="add up to 1"):
        _validate_yaml_block(block)


# ---------------------------------------------------------------- shell


def _orbitcloud_commands(b: Block) -> list[str]:
    """The lines of a shell block that run orbitcloud (``$ `` prompts stripped)."""
    out = []
    for raw in b.text.splitlines():
        line = raw.strip().removeprefix("$ ").strip()
        if line.startswith("orbitcloud ") or line == "orbitcloud":
            out.append(line)
    return out


_SHELL_PAGES = sorted({b.page for b in SHELL_BLOCKS if _orbitcloud_commands(b)})


@pytest.mark.parametrize("page", _SHELL_PAGES, ids=_rel)
def test_orbitcloud_commands_run(page: Path, tmp_path: Path) -> None:
    """A page's commands run in order in one fresh folder (a later block may read what an
    earlier one wrote), with a copy of examples/ as in a checkout."""
    blocks = [b for b in SHELL_BLOCKS if b.page == page and _orbitcloud_commands(b)]
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    exe = shlex.join([sys.executable, "-m", "orbitcloud"])
    ran = 0
    for b in blocks:
        if b.directive == "skip":
            continue
        for cmd in _orbitcloud_commands(b):
            _run(exe + cmd.removeprefix("orbitcloud"), tmp_path, f"{b.where}: {cmd}", shell=True)
            ran += 1
    if not ran:
        pytest.skip("every block of orbitcloud commands on this page is marked skip")
