"""``orbitcloud report`` and ``orbitcloud view`` on the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitcloud.cli.main import app
from orbitcloud.report.server import ReportServer

runner = CliRunner()


def test_report_rewrites_html_and_czml(default_run: Path, tmp_path: Path) -> None:
    f = tmp_path / "run"
    shutil.copytree(default_run, f)
    before = (f / "report.html").read_bytes()
    (f / "report.html").unlink()
    r = runner.invoke(app, ["report", str(f)])
    assert r.exit_code == 0, r.output
    assert (f / "report.html").read_bytes() == before  # same folder, same report
    r = runner.invoke(app, ["report", str(f), "--czml"])
    assert r.exit_code == 0, r.output
    assert (f / "report.czml").is_file()
    assert "report.czml" in r.output
    assert 'href="report.czml"' in (f / "report.html").read_text("utf-8")


def test_report_rejects_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    r = runner.invoke(app, ["report", str(tmp_path)])
    assert r.exit_code == 2
    assert "error:" in r.output
    r = runner.invoke(app, ["report", str(tmp_path / "missing")])
    assert r.exit_code == 2
    assert "no such results folder" in r.output


def test_view_prints_the_loopback_url(
    default_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "run"
    shutil.copytree(default_run, f)
    (f / "report.html").unlink()  # view writes it when missing
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)

    def stop(self: ReportServer) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ReportServer, "serve_forever", stop)
    r = runner.invoke(app, ["view", str(f), "--port", "0"])
    assert r.exit_code == 0, r.output
    assert "http://127.0.0.1:" in r.output
    assert opened
    assert opened[0].startswith("http://127.0.0.1:")
    assert (f / "report.html").is_file()
    r = runner.invoke(app, ["view", str(f), "--port", "0", "--no-open"])
    assert r.exit_code == 0
    assert len(opened) == 1
