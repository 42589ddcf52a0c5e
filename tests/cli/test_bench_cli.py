"""``orbitcloud bench``: discovery, one subprocess per module, the table, JSON, exit status."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

import orbitcloud
from orbitcloud.cli.cmd_bench import check_results, discover, find_bench_dir
from orbitcloud.cli.main import app
from orbitcloud.scenario.errors import OrbitcloudInputError

GOOD = """
import json, sys
def run(quick=False):
    print("noise on stdout is fine")
    return [{"name": "good thing", "seconds": 0.5, "baseline": "nothing", "baseline_seconds": 1.0,
             "ratio": 0.5, "goal": "ratio < 1", "ok": True, "quick": quick,
             "extra": {"nan": float("nan")}}]
if __name__ == "__main__":
    print(json.dumps(run("--quick" in sys.argv)))
"""
CRASH = "def run(quick=False):\n    raise RuntimeError('boom in the bench')\n"
BAD = "def run(quick=False):\n    return [{'name': 'half', 'seconds': 1.0}]\n"
MISSED = GOOD.replace('"ok": True', '"ok": False').replace("good thing", "slow thing")
HANG = "import time\ndef run(quick=False):\n    time.sleep(60)\n"


@pytest.fixture
def bench_dir(tmp_path):
    d = tmp_path / "bench"
    d.mkdir()
    for name, text in (("good", GOOD), ("crash", CRASH), ("bad", BAD), ("missed", MISSED)):
        (d / f"bench_{name}.py").write_text(textwrap.dedent(text), encoding="utf-8")
    (d / "helper.py").write_text("raise SystemExit('not a benchmark')\n", encoding="utf-8")
    return d


def test_all_modules_run_a_crash_does_not_stop_the_rest(bench_dir, tmp_path):
    out = tmp_path / "b.json"
    r = CliRunner().invoke(app, ["bench", "--dir", str(bench_dir), "--quick", "--json", str(out)])
    assert r.exit_code == 1
    text = r.stdout
    for s in ("good thing", "slow thing", "bench_crash", "boom in the bench", "bench_bad"):
        assert s in text, s
    assert "missing baseline" in text
    doc = json.loads(out.read_text())
    assert doc["quick"] is True
    mods = {m["module"]: m for m in doc["modules"]}
    assert set(mods) == {"bench_bad", "bench_crash", "bench_good", "bench_missed"}
    assert mods["bench_good"]["error"] is None
    assert "RuntimeError: boom in the bench" in mods["bench_crash"]["error"]
    good = next(x for x in doc["results"] if x["name"] == "good thing")
    assert good["module"] == "bench_good"
    assert good["quick"] is True
    assert good["extra"] == {"nan": None}  # strict JSON: no NaN


def test_only_and_exit_zero_when_all_ok(bench_dir):
    r = CliRunner().invoke(app, ["bench", "--dir", str(bench_dir), "--only", "good"])
    assert r.exit_code == 0, r.output
    assert "good thing" in r.stdout
    assert "slow thing" not in r.stdout
    assert [p.name for p in discover(bench_dir, ["bench_good", "good"])] == ["bench_good.py"]


def test_unknown_only_is_bad_input(bench_dir):
    r = CliRunner().invoke(app, ["bench", "--dir", str(bench_dir), "--only", "nosuch"])
    assert r.exit_code == 2
    assert "no benchmark 'nosuch'" in r.stderr
    assert "available: bad, crash, good, missed" in r.stderr


def test_a_hanging_module_is_killed(tmp_path):
    d = tmp_path / "bench"
    d.mkdir()
    (d / "bench_hang.py").write_text(HANG, encoding="utf-8")
    r = CliRunner().invoke(app, ["bench", "--dir", str(d), "--timeout", "2"])
    assert r.exit_code == 1
    assert "timed out after 2 s" in r.stdout


def test_finds_the_checkout_bench_folder(monkeypatch):
    # beside the package in an editable install, else from the current folder (a checkout)
    repo = Path(__file__).resolve().parents[2]
    monkeypatch.chdir(repo)
    assert find_bench_dir() == repo / "bench"
    assert "bench_sweep" in [p.stem for p in discover(find_bench_dir())]


def test_clear_error_without_a_checkout(tmp_path, monkeypatch):
    fake = tmp_path / "site-packages" / "orbitcloud" / "__init__.py"
    monkeypatch.setattr(orbitcloud, "__file__", str(fake))
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OrbitcloudInputError, match=r"cannot find the benchmarks .* --dir"):
        find_bench_dir()


def test_protocol_check():
    assert check_results([]) == ["run() must return a non-empty list of dicts"]
    assert check_results([{"name": "x"}])[0].startswith("x: missing seconds, baseline")
