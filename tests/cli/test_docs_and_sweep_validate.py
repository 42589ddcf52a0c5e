"""Issue 17's command-line drift: installed docs behind every pointer, ``validate`` on a sweep
file, and a several-problem error that keeps one problem a line."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitcloud.cli.cmd_docs import docs_folder, pages
from orbitcloud.cli.main import EXIT_INPUT, app

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def cli(*args: str):
    return runner.invoke(app, list(args))


# --- docs installed with the package -----------------------------------------------------------


def test_every_docs_page_is_package_data():
    """src/orbitcloud/docs is docs/ (a link; the wheel holds copies) and docs/*.md is package
    data, so the installed package (editable or not) has every page of the source tree's docs/."""
    assert (REPO / "src" / "orbitcloud" / "docs").resolve() == (REPO / "docs").resolve()
    assert set(pages()) == {p.stem for p in (REPO / "docs").glob("*.md")}
    for name, path in pages().items():
        assert path.read_bytes() == (REPO / "docs" / f"{name}.md").read_bytes(), name
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "docs/*.md" in meta["tool"]["setuptools"]["package-data"]["orbitcloud"]


def test_every_docs_page_a_message_or_help_names_is_installed():
    """Every ``docs/<page>.md`` named in the package's source (messages, --help) is a page."""
    named = set()
    for py in (REPO / "src" / "orbitcloud").rglob("*.py"):
        named |= set(re.findall(r"docs/([\w-]+)\.md", py.read_text(encoding="utf-8")))
    assert named, "the search found nothing: the pattern is wrong"
    assert named <= set(pages()), named - set(pages())


def test_docs_lists_and_prints_pages():
    r = cli("docs")
    assert r.exit_code == 0, r.output
    assert "scenario" in r.output
    assert "The scenario format" in r.output
    r = cli("docs", "scenario")
    assert r.exit_code == 0
    assert r.output == (REPO / "docs" / "scenario.md").read_text(encoding="utf-8")
    r = cli("docs", "docs/sweeps.md", "--path")
    assert r.exit_code == 0
    shown = Path(r.output.strip())
    assert shown.parent == docs_folder()
    assert shown.read_bytes() == (REPO / "docs" / "sweeps.md").read_bytes()


def test_docs_unknown_page_is_an_input_error():
    r = cli("docs", "nope")
    assert r.exit_code == EXIT_INPUT
    assert r.output.startswith("error: no documentation page 'nope'")
    assert "scenario" in r.output


def test_help_points_to_the_installed_docs():
    r = cli("--help")
    assert "orbitcloud docs" in r.output


# --- validate on a sweep file ------------------------------------------------------------------


def test_validate_a_sweep_file_says_so_and_checks_it_as_a_sweep():
    r = cli("validate", str(REPO / "examples" / "sweep-altitude.yaml"))
    assert r.exit_code == 0, r.output
    assert "is a sweep file" in r.output
    assert "orbitcloud sweep" in r.output
    assert "sweep 'sweep-altitude' is valid: 15 point(s)" in r.output
    assert "required field is missing" not in r.output  # not read as a scenario


def test_validate_a_bad_sweep_file_names_the_point(tmp_path):
    p = tmp_path / "sw.yaml"
    p.write_text("name: sw\nbase: default\nparameters:\n  time.step_s: [60, -1]\n", "utf-8")
    r = cli("validate", str(p))
    assert r.exit_code == EXIT_INPUT
    assert "is a sweep file" in r.output
    assert "point 1 (time.step_s=-1)" in r.output
    assert "must be greater than 0, got -1" in r.output


def test_a_scenario_with_a_base_key_is_still_read_as_a_scenario(tmp_path):
    """Only a file without ``constellations`` is taken for a sweep file."""
    p = tmp_path / "s.yaml"
    p.write_text(
        "name: s\nbase: default\ntime: {start: '2025-01-01', duration_h: 1, step_s: 60}\n"
        "constellations:\n  - name: w\n    walker: {planes: 2, sats_per_plane: 2, "
        "altitude_km: 550, inclination_deg: 53}\n",
        "utf-8",
    )
    r = cli("validate", str(p))
    assert r.exit_code == EXIT_INPUT
    assert "unknown field 'base'" in r.output
    assert "sweep file" not in r.output


@pytest.mark.parametrize("command", ["validate", "run"])
def test_several_problems_one_a_line(tmp_path, command):
    p = tmp_path / "bad.yaml"
    p.write_text("name: x\nseed: 1\nstepp: 3\n", "utf-8")
    r = cli(command, str(p))
    assert r.exit_code == EXIT_INPUT
    lines = r.output.splitlines()
    assert lines[0].startswith("error: ")
    assert lines[0].endswith("invalid scenario (3 problems):")
    assert any(ln.startswith("  stepp (line 3): unknown field 'stepp'") for ln in lines[1:])
    assert "\\n" not in r.output


def test_a_newline_in_a_file_name_is_still_escaped(tmp_path):
    p = tmp_path / "new\nline.yaml"
    p.write_text("name: x\nseed: 1\nstepp: 3\n", "utf-8")
    r = cli("validate", str(p))
    assert r.exit_code == EXIT_INPUT
    assert "new\\nline.yaml" in r.output.splitlines()[0]
