"""``orbitcloud run`` prints the KPIs grouped with units (the answer first, reasons for None),
and ``orbitcloud run --json`` prints the summary for scripts: every KPI with unit and
description, the warnings and the results folder, on stdout alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitcloud.cli.main import app, print_answer, print_kpis
from orbitcloud.results.kpis import lookup

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
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "tiny.yaml"
    p.write_text(TINY, encoding="utf-8")
    return p


def test_run_json_parses_and_holds_every_kpi_with_its_unit(tiny: Path) -> None:
    r = runner.invoke(app, ["run", str(tiny), "--json", "--out", "j"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # stdout is the JSON document and nothing else
    summary = json.loads(Path("j/summary.json").read_text(encoding="utf-8"))
    assert list(doc["kpis"]) != []
    assert set(doc["kpis"]) == set(summary["kpis"])
    for name, k in doc["kpis"].items():
        entry = lookup(name)
        assert entry is not None
        assert k["unit"] == entry.unit
        assert k["description"] == entry.description
        assert k["value"] == summary["kpis"][name]
    assert doc["kpis"]["altitude_min_km"]["unit"] == "km"
    assert Path(doc["results"]).resolve() == Path("j").resolve()
    assert doc["warnings"] == summary["warnings"]
    assert "summary.json" in doc["files"]


def test_run_prints_kpis_grouped_with_units(tiny: Path) -> None:
    r = runner.invoke(app, ["run", str(tiny), "-q", "--out", "t"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    alt = next(ln for ln in lines if "altitude_min_km" in ln and "│" in ln)  # the table row
    assert " km " in alt
    dose = next(ln for ln in lines if "dose_rad_per_year" in ln)
    assert "rad(Si)/yr" in dose
    heads = [ln.strip("│ ").strip() for ln in lines]
    # groups in order, each heading before its KPIs
    assert heads.index("orbit") < heads.index("power") < heads.index("radiation")
    assert heads.index("orbit") < next(
        i for i, ln in enumerate(lines) if "altitude_min_km" in ln and "│" in ln
    )


def test_answer_first_and_none_shows_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    summary = {
        "kpis": {
            "satellites": 3,
            "economics_breakeven_launch_usd_per_kg": None,
            "answer": "Orbital costs 15x terrestrial.",
        },
        "economics": {"notes": ["no break-even launch price: dearer even at 0 USD/kg"]},
    }
    print_kpis(summary["kpis"], summary=summary)
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Answer: Orbital costs 15x terrestrial.")
    assert "no break-even launch price: dearer even at 0 USD/kg" in out
    line = next(ln for ln in out.splitlines() if "economics_breakeven_launch_usd_per_kg" in ln)
    assert "None" not in line
    assert "n/a" in line


def test_run_prints_the_answer_panel_first(tiny: Path) -> None:
    tiny.write_text(TINY.replace("name: tiny\n", "name: tiny\nquestion: Is the shell up?\n"))
    r = runner.invoke(app, ["run", str(tiny), "-q", "--out", "q"])
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0] == "Question: Is the shell up?"
    # the design verdict of a satellites-only run, then its key numbers with their units,
    # before the KPI table
    assert lines[1].startswith("Answer: The shell constellation (")
    assert " holds over the 1 h run" in lines[1]
    assert "dose over the run = " in lines[2]
    assert " rad(Si)/yr" in lines[2]
    assert next(i for i, ln in enumerate(lines) if "key figures" in ln) > 2
    summary = json.loads(Path("q/summary.json").read_text(encoding="utf-8"))
    assert summary["answer_panel"]["question"] == "Is the shell up?"
    r = runner.invoke(app, ["run", str(tiny), "--json", "--out", "qj"])
    doc = json.loads(r.stdout)
    assert doc["answer_panel"] == summary["answer_panel"]


def test_print_answer_shows_every_verdict_with_its_conditions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    panel = {
        "question": "Orbit or ground?",
        "verdicts": [
            {"topic": "cost", "text": "Ground is 15x cheaper.",
             "numbers": [{"name": "economics_cost_ratio_orbital_to_terrestrial", "value": 15.0,
                          "unit": "1"},
                         {"name": "economics_orbital_usd_per_mtok", "value": 2.05,
                          "unit": "USD/Mtok"}],
             "baseline": "H100 region", "assumptions": ["launch 854 USD/kg"],
             "flips": ["no launch price flips it"]},
            {"topic": "latency", "text": "Orbit is 20 ms faster.", "numbers": [],
             "assumptions": [], "flips": []},
        ],
    }  # fmt: skip
    print_answer(panel)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Question: Orbit or ground?"
    assert lines[1] == "Answer (cost): Ground is 15x cheaper."
    assert "economics_orbital_usd_per_mtok = 2.05 USD/Mtok" in lines[2]
    assert "ratio_orbital_to_terrestrial = 15;" in lines[2]  # unit "1" is not printed
    assert any(ln.strip() == "Flips if: no launch price flips it" for ln in lines)
    assert "Answer (latency): Orbit is 20 ms faster." in lines


def test_print_answer_shows_as_many_numbers_as_the_report_panel(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # ten numbers: the first six (the report panel's count) and "+4 more" on the line
    numbers = [{"name": f"n{i}", "value": float(i), "unit": "K"} for i in range(10)]
    print_answer({"question": "Q?", "verdicts": [{"text": "A.", "numbers": numbers}]})
    line = capsys.readouterr().out.splitlines()[2]
    assert line.strip() == "n0 = 0 K; n1 = 1 K; n2 = 2 K; n3 = 3 K; n4 = 4 K; n5 = 5 K; +4 more"


@pytest.mark.slow
def test_disaster_resilience_prints_its_question_and_verdict_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    r = runner.invoke(app, ["run", "disaster-resilience", "-q", "--out", "dr",
                            "--set", "time.duration_h=1"])  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines[0].startswith("Question: ")
    assert "hurricane" in lines[0]
    assert lines[1].startswith("Answer")
    assert " ms" in lines[2]  # key numbers with units
