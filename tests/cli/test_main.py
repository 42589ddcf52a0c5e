"""The command line: run / validate / scenarios, help, and bad input as `error:` + status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitcloud.cli.main import EXIT_INPUT, app
from orbitcloud.scenario import builtin_names

TINY = """\
name: tiny
time: {start: "2025-03-01T00:00:00Z", duration_h: 1, step_s: 300}
constellations:
  - name: shell
    walker: {planes: 3, sats_per_plane: 4, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
outputs: {positions: true, report: false}
"""

runner = CliRunner()


@pytest.fixture
def tiny(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY, encoding="utf-8")
    return p


def cli(*args: str):
    return runner.invoke(app, list(args))


def assert_input_error(result, *fragments: str) -> None:
    assert result.exit_code == EXIT_INPUT, result.output
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.output + result.stderr
    for f in fragments:
        assert f in result.stderr


def test_run_prints_kpis_and_where_the_results_are(tiny):
    r = cli("run", str(tiny))
    assert r.exit_code == 0, r.output
    assert "satellites" in r.stdout
    assert "sunlit_fraction_mean" in r.stdout
    assert "Results in results/tiny " in r.stdout
    summary = json.loads(Path("results/tiny/summary.json").read_text(encoding="utf-8"))
    assert f"{summary['kpis']['satellites']:,}" in r.stdout
    r2 = cli("run", str(tiny))
    assert "Results in results/tiny-2 " in r2.stdout


def test_run_out_and_overwrite(tiny):
    assert cli("run", str(tiny), "--out", "mine").exit_code == 0
    assert_input_error(cli("run", str(tiny), "--out", "mine"), "mine", "--overwrite")
    r = cli("run", str(tiny), "-o", "mine", "--overwrite")
    assert r.exit_code == 0, r.output
    assert "Results in mine " in r.stdout


def test_run_chunk_steps_changes_no_table(tiny):
    import pyarrow.parquet as pq

    assert cli("run", str(tiny), "--out", "one").exit_code == 0
    r = cli("run", str(tiny), "--out", "many", "--chunk-steps", "2")
    assert r.exit_code == 0, r.output
    for name in ("satellites", "positions"):
        assert pq.read_table(f"one/{name}.parquet").equals(pq.read_table(f"many/{name}.parquet"))


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["run", "default", "--chunk-steps", "0"], ["--chunk-steps", "greater than or equal to 1"]),
        (["run", "no-such-thing"], ["no-such-thing", "built-in scenarios"]),
        (["run", "defualt"], ["did you mean 'default'"]),
        (["validate", "no-such.yaml"], ["no-such.yaml"]),
        (["run", "--bogus"], ["No such option", "--help"]),
        (["validate"], ["Missing argument"]),
        (["frobnicate"], ["No such command"]),
    ],
)
def test_bad_input_is_an_error_line_and_status_2(tiny, args, fragments):
    assert_input_error(cli(*args), *fragments)


def test_validate_names_field_and_line(tiny):
    tiny.write_text(TINY.replace("step_s: 300", "step_s: -300"), encoding="utf-8")
    assert_input_error(cli("validate", str(tiny)), "time.step_s (line 2)", "greater than 0")
    assert_input_error(cli("run", str(tiny)), "time.step_s (line 2)")
    assert not Path("results").exists()  # nothing was written


def test_error_text_is_printed_verbatim(tiny):
    """Rich markup in a message (brackets) must not be eaten."""
    tiny.write_text(TINY.replace("name: tiny", "name: [tiny]"), encoding="utf-8")
    assert_input_error(cli("validate", str(tiny)), "got a list")
    tiny.write_text(TINY + "extra: '[bold]x[/bold]'\n", encoding="utf-8")
    assert_input_error(cli("validate", str(tiny)), "extra")


def test_validate_ok_lists_constellations(tiny):
    r = cli("validate", str(tiny))
    assert r.exit_code == 0, r.output
    assert "valid" in r.stdout
    assert "shell" in r.stdout
    assert "12 satellites" in r.stdout
    assert not Path("results").exists()


def test_scenarios_lists_every_builtin():
    r = cli("scenarios")
    assert r.exit_code == 0
    for name in builtin_names():
        assert name in r.stdout


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["scenarios"]])
def test_help(command):
    r = cli(*command, "--help")
    assert r.exit_code == 0
    assert "Usage:" in r.stdout
    if command == ["run"]:
        for word in ("SCENARIO", "--out", "--overwrite", "results/NAME", "Examples"):
            assert word in r.stdout


def test_bare_command_shows_help():
    r = cli()
    assert r.exit_code == 0
    assert "orbitcloud run" in r.stdout
    assert "Commands" in r.stdout


def test_version():
    import orbitcloud

    r = cli("--version")
    assert r.exit_code == 0
    assert orbitcloud.__version__ in r.stdout


# --- real processes ----------------------------------------------------------------------------


def orbitcloud_process(*args: str, cwd: Path, module: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "orbitcloud"] if module else [_script()]
    env = {**os.environ, "COLUMNS": "100"}
    return subprocess.run(
        [*cmd, *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def _script() -> str:
    """The installed ``orbitcloud`` script next to this Python."""
    p = Path(sys.executable).with_name("orbitcloud")
    if not p.exists():
        pytest.skip("the orbitcloud script is not installed next to this Python")
    return str(p)


def test_default_run_is_quick_and_says_where_results_are(tmp_path):
    """The quick start: `orbitcloud run` with no argument, twice (issue: under 30 s)."""
    t0 = time.perf_counter()
    first = orbitcloud_process("run", cwd=tmp_path, module=True)
    elapsed = time.perf_counter() - t0
    assert first.returncode == 0, first.stderr
    assert elapsed < 30
    assert "Results in results/default " in first.stdout
    assert "sunlit_fraction_mean" in first.stdout
    second = orbitcloud_process("run", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Results in results/default-2 " in second.stdout


@pytest.mark.parametrize(
    ("args", "module"),
    [(["run", "bad.yaml"], False), (["validate", "bad.yaml"], True), (["run", "--nope"], True)],
    ids=["run-script", "validate-python-m", "usage-python-m"],
)
def test_bad_input_in_a_real_process(tmp_path, args, module):
    (tmp_path / "bad.yaml").write_text(TINY.replace("step_s: 300", "step_s: .nan"))
    p = orbitcloud_process(*args, cwd=tmp_path, module=module)
    assert p.returncode == EXIT_INPUT, p.stderr
    assert p.stderr.startswith("error: "), p.stderr
    assert "Traceback" not in p.stderr
    assert not (tmp_path / "results").exists()
