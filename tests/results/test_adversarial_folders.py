"""Adversarial results folders against the runner and the reader (issue 16).

``--overwrite`` targets built from a real results folder with one seeded change (a user's file
beside the tables, a summary that is not orbitcloud's, a link, a FIFO, a folder where a file
belongs ...), hostile Parquet file names for ``Results.duckdb()``, damaged summaries for
``Results``, long ``--out`` names, and non-finite KPIs. For each input:

* a clear ``OrbitcloudInputError`` (one ``error:`` line on the command line) or correct
  acceptance, never another exception;
* no hang (each case runs under a timeout);
* no NaN or infinity in ``summary.json``;
* no user file lost: a refused target is left exactly as it was, and nothing is left beside it.

A fast subset runs by default (every case the issue names, every refusal, which costs no run,
and a few replacements); ``pytest -m slow`` runs every replacement.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from orbitcloud.cli.main import app
from orbitcloud.results.reader import Results, is_run_file
from orbitcloud.results.runner import (
    _temp_name,
    finite_summary,
    foreign_reason,
    remove_stale_temporaries,
    run,
)
from orbitcloud.results.schema import TABLES
from orbitcloud.scenario import OrbitcloudInputError, load_scenario_text

SEED = 1601

TINY = """\
name: tiny-overwrite
seed: 3
time: {start: "2025-03-01T00:00:00Z", duration_h: 0.5, step_s: 300}
constellations:
  - name: shell
    walker: {planes: 2, sats_per_plane: 3, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
outputs: {positions: true, report: %s, czml: %s}
"""


def tiny(report: bool = False):
    flag = "true" if report else "false"
    return load_scenario_text(TINY % (flag, flag))


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real results folder with every kind of file a run writes (tables, report, czml)."""
    from orbitcloud import run_finalizers

    out = tmp_path_factory.mktemp("adv-real") / "real"
    run(tiny(report=True), out=out, finalizers=run_finalizers())
    names = {p.name for p in out.iterdir()}
    assert {"summary.json", "scenario.yaml", "report.html", "report.czml"} <= names
    return out


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> content hash (or kind) of everything below ``folder``, links unfollowed."""
    out: dict[str, str] = {}
    if not os.path.lexists(folder):
        return out
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode):
        return {".": _entry(folder)}
    for dirpath, dirnames, filenames in os.walk(folder):
        for n in dirnames + filenames:
            p = Path(dirpath) / n
            out[str(p.relative_to(folder))] = _entry(p)
    return out


def _entry(p: Path) -> str:
    st = os.lstat(p)
    if stat.S_ISREG(st.st_mode):
        return hashlib.sha256(p.read_bytes()).hexdigest()
    if stat.S_ISLNK(st.st_mode):
        return "link:" + os.readlink(p)
    return f"mode:{stat.S_IFMT(st.st_mode)}"


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name)


# --- --overwrite targets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    id: str
    build: Callable[[Path, Path, random.Random], None]  # (target, real folder, rng)
    replace: bool  # True: --overwrite replaces it; False: refused, untouched
    fast: bool = True


def _copy(target: Path, real: Path) -> None:
    shutil.copytree(real, target, symlinks=True)


def _user_file(name: str, kind: str = "file"):
    def build(target: Path, real: Path, rng: random.Random) -> None:
        _copy(target, real)
        p = target / name
        if kind == "file":
            p.write_bytes(rng.randbytes(rng.randrange(1, 3000)))
        elif kind == "dir":
            p.mkdir()
            (p / "keep.txt").write_text("my data", "utf-8")
        elif kind == "emptydir":
            p.mkdir()
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "parquet":
            pq.write_table(pa.table({"mine": [1, 2, 3]}), p)
        else:
            raise AssertionError(kind)

    return build


def _summary(content: bytes | str | None, kind: str = "file"):
    """The real folder with its summary.json replaced (None: removed)."""

    def build(target: Path, real: Path, rng: random.Random) -> None:
        _copy(target, real)
        p = target / "summary.json"
        p.unlink()
        if kind == "dir":
            p.mkdir()
            (p / "x.json").write_text("{}", "utf-8")
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "link":
            os.symlink(real / "summary.json", p)
        elif content is not None:
            p.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)

    return build


def _summary_edit(edit: Callable[[dict], None]):
    def build(target: Path, real: Path, rng: random.Random) -> None:
        _copy(target, real)
        p = target / "summary.json"
        d = json.loads(p.read_text("utf-8"))
        edit(d)
        p.write_text(json.dumps(d), "utf-8")

    return build


def _replace_entry(name: str, kind: str):
    def build(target: Path, real: Path, rng: random.Random) -> None:
        _copy(target, real)
        p = target / name
        if os.path.lexists(p):
            p.unlink()
        if kind == "missing":
            return
        if kind == "dir":
            p.mkdir()
            (p / "mine.txt").write_text("my data", "utf-8")
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "link_user":
            user = target.parent / f"user-{name}"
            user.write_text("the user's own file", "utf-8")
            os.symlink(user, p)
        elif kind == "link_dangling":
            os.symlink(target.parent / "nowhere", p)
        else:
            raise AssertionError(kind)

    return build


def _issue_case(target: Path, real: Path, rng: random.Random) -> None:
    """The exact folder of the issue: a user's summary.json beside thesis.tex and data/."""
    target.mkdir()
    (target / "summary.json").write_text('{"my": "own summary"}', "utf-8")
    (target / "thesis.tex").write_text("\\documentclass{article}", "utf-8")
    (target / "data").mkdir()
    (target / "data" / "measurements.csv").write_text("a,b\n1,2\n", "utf-8")


def _target_kind(kind: str):
    def build(target: Path, real: Path, rng: random.Random) -> None:
        if kind == "file":
            target.write_text("not a folder", "utf-8")
        elif kind == "link_to_run":
            os.symlink(real, target)
        elif kind == "link_dangling":
            os.symlink(target.parent / "nowhere", target)
        elif kind == "fifo":
            os.mkfifo(target)
        else:
            raise AssertionError(kind)

    return build


def _random_user_files(target: Path, real: Path, rng: random.Random) -> None:
    _copy(target, real)
    alphabet = "abcXYZ019 ._-Ωж東'\"$;[]"
    for _ in range(rng.randrange(1, 4)):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 40))).strip() or "x"
        if name in (".", "..") or is_run_file(name) or os.path.lexists(target / name):
            name = "u" + name
        (target / name).write_bytes(rng.randbytes(rng.randrange(0, 200)))


def _empty(target: Path, real: Path, rng: random.Random) -> None:
    target.mkdir()


def _without(*names: str):
    def build(target: Path, real: Path, rng: random.Random) -> None:
        _copy(target, real)
        for n in names:
            (target / n).unlink()

    return build


def _with_temp(name: str):
    def build(target: Path, real: Path, rng: random.Random) -> None:
        _copy(target, real)
        (target / name).write_text("half-written", "utf-8")

    return build


USER_FILES = (
    ("thesis.tex", "file"), ("notes.txt", "file"), ("data", "dir"), (".git", "dir"),
    ("empty-dir", "emptydir"), (".DS_Store", "file"), ("notes.parquet", "parquet"),
    ("README.md", "file"), ("Ωmega.txt", "file"), ("new\nline", "file"), ("x" * 200, "file"),
    (".summary.json.bak", "file"), ("summary.json~", "file"), ("report.html.orig", "file"),
    ("positions.parquet.bak", "file"), ("foo.tmp", "file"), (".report.html.tmp.mine", "file"),
    ("pipe", "fifo"), ("sweep_report.html", "file"), ("report.pdf", "file"),
)  # fmt: skip
SUMMARIES: dict[str, tuple[bytes | str | None, str]] = {
    "user-summary": ('{"my": "own summary"}', "file"),
    "empty-object": ("{}", "file"),
    "list": ("[]", "file"),
    "not-json": ("{oops", "file"),
    "empty-file": ("", "file"),
    "binary": (bytes(range(256)), "file"),
    "nested-deep": ("[" * 50_000 + "]" * 50_000, "file"),
    "absent": (None, "file"),
    "a-folder": (None, "dir"),
    "a-fifo": (None, "fifo"),
    "a-link": (None, "link"),
}
SUMMARY_EDITS: dict[str, Callable[[dict], None]] = {
    "no-version": lambda d: d.pop("orbitcloud_version"),
    "no-hash": lambda d: d.pop("scenario_hash"),
    "version-number": lambda d: d.update(orbitcloud_version=0.1),
    "hash-null": lambda d: d.update(scenario_hash=None),
}


def all_targets() -> list[Target]:
    out: list[Target] = [Target("issue-case", _issue_case, False)]
    for name, kind in USER_FILES:
        out.append(Target(f"user-{kind}-{name[:30]!r}", _user_file(name, kind), False))
    for key, (content, kind) in SUMMARIES.items():
        out.append(Target(f"summary-{key}", _summary(content, kind), False))
    for key, edit in SUMMARY_EDITS.items():
        out.append(Target(f"summary-edit-{key}", _summary_edit(edit), False))
    for name in ("scenario.yaml", "positions.parquet", "report.html"):
        for kind in ("missing", "dir", "fifo", "link_user", "link_dangling"):
            refuse = not (kind == "missing" and name != "scenario.yaml")
            out.append(Target(f"entry-{name}-{kind}", _replace_entry(name, kind), not refuse))
    for kind in ("file", "link_to_run", "link_dangling", "fifo"):
        out.append(Target(f"target-{kind}", _target_kind(kind), False))
    for k in range(12):
        out.append(Target(f"random-user-files-{k}", _random_user_files, False))
    # accepted: an orbitcloud folder (whole or in part) or an empty one
    out += [
        Target("real", lambda t, r, g: _copy(t, r), True),
        Target("empty", _empty, True),
        Target("no-report", _without("report.html", "report.czml"), True, False),
        Target("no-tables", _without("positions.parquet", "satellites.parquet"), True, False),
        Target("staging-summary", _with_temp(".summary.json.tmp"), True, False),
        Target("staging-report", _with_temp(".report.html.0123abcd4567.tmp"), True, False),
        Target(
            "older-version",
            _summary_edit(lambda d: d.update(orbitcloud_version="0.0.1", extra={"a": 1})),
            True,
            False,
        ),
        Target(
            "nan-summary",
            _summary(
                '{"orbitcloud_version": "0.1", "scenario_hash": "ab", '
                '"kpis": {"x": NaN, "y": Infinity}}'
            ),
            True,
            False,
        ),
    ]
    return out


TARGETS = all_targets()


def _params() -> list:
    return [pytest.param(t, id=t.id, marks=() if t.fast else pytest.mark.slow) for t in TARGETS]


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", _params())
def test_overwrite_replaces_only_an_orbitcloud_folder(
    case: Target, real: Path, tmp_path: Path
) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    target = parent / "out"
    case.build(target, real, random.Random(f"{SEED}-{case.id}"))
    before = snapshot(parent)
    if not case.replace:
        with pytest.raises(OrbitcloudInputError) as err:
            run(tiny(), out=target, overwrite=True)
        msg = str(err.value)
        assert "refusing to replace" in msg
        assert snapshot(parent) == before, "a refused target changed"
        return
    res = run(tiny(), out=target, overwrite=True)
    assert res.path == target
    names = sorted(p.name for p in target.iterdir())
    assert all(is_run_file(n) for n in names), names
    assert {"summary.json", "scenario.yaml", "satellites.parquet"} <= set(names)
    summary = json.loads((target / "summary.json").read_text("utf-8"), parse_constant=_refuse)
    assert summary["scenario"] == "tiny-overwrite"
    assert leftovers(parent) == []
    # nothing outside the target changed (a link's target, a sibling)
    outside = {k: v for k, v in before.items() if not k.startswith("out")}
    after = snapshot(parent)
    assert {k: v for k, v in after.items() if not k.startswith("out")} == outside


def _refuse(token: str) -> None:
    raise AssertionError(f"{token} in summary.json")


def test_the_generator_is_large_and_seeded() -> None:
    assert len(TARGETS) >= 70
    assert len({t.id for t in TARGETS}) == len(TARGETS)
    assert sum(t.replace for t in TARGETS) >= 8


def test_overwrite_refuses_the_issue_case_on_the_command_line(tmp_path: Path) -> None:
    """Defect 1: a folder with a user's summary.json, thesis.tex and data/ is not deleted."""
    target = tmp_path / "DIR"
    _issue_case(target, tmp_path, random.Random(0))
    before = snapshot(tmp_path)
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(TINY % ("false", "false"), "utf-8")
    before[scenario.name] = _entry(scenario)
    r = CliRunner().invoke(app, ["run", str(scenario), "--out", str(target), "--overwrite"])
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1, r.output
    assert lines[0].startswith("error: ")
    assert "not an orbitcloud results folder" in lines[0]
    assert snapshot(tmp_path) == before


def test_a_file_added_during_the_run_is_not_deleted(real: Path, tmp_path: Path) -> None:
    """The target is checked again when the run is placed: a file that appeared meanwhile
    makes the run fail (clearly), and the folder stays as it is."""
    target = tmp_path / "out"
    _copy(target, real)

    def user_saves_a_file(staging: Path, summary: dict) -> None:
        (target / "thesis.tex").write_text("written while the run ran", "utf-8")

    with pytest.raises(OrbitcloudInputError, match=r"thesis\.tex"):
        run(tiny(), out=target, overwrite=True, finalizers=[user_saves_a_file])
    assert (target / "thesis.tex").read_text("utf-8") == "written while the run ran"
    assert snapshot(target) == {**snapshot(real), "thesis.tex": _entry(target / "thesis.tex")}
    assert leftovers(tmp_path) == []


def test_foreign_reason_names_what_is_wrong(real: Path, tmp_path: Path) -> None:
    assert foreign_reason(real) is None
    _issue_case(tmp_path / "a", real, random.Random(0))
    reason = foreign_reason(tmp_path / "a")
    assert reason is not None
    assert "'data/'" in reason
    assert "'thesis.tex'" in reason


def test_a_stale_old_folder_keeps_a_users_file(real: Path, tmp_path: Path) -> None:
    """A replaced folder left by a killed run loses only the files a run writes."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()

    def stale(kind: str) -> Path:
        p = _temp_name(tmp_path / "x", kind)
        return p.with_name(p.name.replace(f"-{os.getpid()}-", f"-{dead.pid}-"))

    old_with_user = stale("old")
    _copy(old_with_user, real)
    (old_with_user / "thesis.tex").write_text("mine", "utf-8")
    old_clean = stale("old")
    _copy(old_clean, real)
    removed = remove_stale_temporaries(tmp_path)
    assert removed == [old_clean]
    assert not old_clean.exists()
    assert [p.name for p in old_with_user.iterdir()] == ["thesis.tex"]


# --- staging names (defect 17) --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("r" * 240, id="240-ascii"),
        pytest.param("r" * 255, id="255-ascii"),
        pytest.param("Ω" * 127, id="254-bytes-non-ascii"),
        pytest.param(".hidden-" + "x" * 200, id="hidden-long"),
    ],
)
def test_any_valid_out_name_works(name: str, tmp_path: Path) -> None:
    assert len(name.encode()) <= 255
    res = run(tiny(), out=tmp_path / name)
    assert res.path.name == name
    assert (res.path / "summary.json").is_file()
    assert leftovers(tmp_path) == []
    staging = _temp_name(tmp_path / name, "staging")
    assert len(staging.name.encode()) <= 80


# --- summary.json: no NaN, no infinity (defect 6) ------------------------------------------------


def test_non_finite_kpis_are_null_and_explained(tmp_path: Path) -> None:
    def inject(staging: Path, summary: dict) -> None:
        summary["kpis"]["bad_inf_k"] = float("inf")
        summary["kpis"]["bad_nan_w"] = np.float64("nan")
        summary["kpis"]["fine"] = 1.5
        summary["extra"] = {"deep": [1.0, -float("inf")], "arr": np.array([np.nan, 2.0])}

    res = run(tiny(), out=tmp_path / "out", finalizers=[inject])
    text = (res.path / "summary.json").read_text("utf-8")
    data = json.loads(text, parse_constant=_refuse)
    assert data["kpis"]["bad_inf_k"] is None
    assert data["kpis"]["bad_nan_w"] is None
    assert data["kpis"]["fine"] == 1.5
    assert data["extra"] == {"deep": [1.0, None], "arr": [None, 2.0]}
    warnings = "\n".join(data["warnings"])
    assert "KPI bad_inf_k came out as inf" in warnings
    assert "KPI bad_nan_w came out as nan" in warnings
    assert "extra.deep[1]" in warnings
    assert "null" in warnings


def test_a_near_zero_radiator_gives_valid_json(tmp_path: Path) -> None:
    """The issue's case: a 1e-300 m2 radiator made summary.json hold ``Infinity``."""
    from orbitcloud.scenario.loader import scenario_from_dict

    d = json.loads(json.dumps(_tiny_dict()))
    d["constellations"][0]["spacecraft"] = {"radiator": {"area_m2": 1e-300}}
    try:
        sc = scenario_from_dict(d)
    except OrbitcloudInputError as exc:  # refused up front: as good (defect 5 and friends)
        pytest.skip(f"the scenario refuses the radiator now: {exc}")
    res = run(sc, out=tmp_path / "out")
    data = json.loads((res.path / "summary.json").read_text("utf-8"), parse_constant=_refuse)
    explained = [w for w in data["warnings"] if " came out as " in w]
    assert explained, "the infinite temperature is explained"
    for w in explained:
        name = w.split(" came out as ")[0]
        if name.startswith("KPI "):
            assert data["kpis"][name.removeprefix("KPI ")] is None, w
    assert any("hot_case_accelerator_temp_k came out as inf" in w for w in explained)


def _tiny_dict() -> dict:
    from orbitcloud.scenario.yamlio import load_yaml_text

    return load_yaml_text(TINY % ("false", "false"))[0]


def test_finite_summary() -> None:
    clean, found = finite_summary({"a": [1.0, float("nan")], "b": {"c": np.float32("inf")}})
    assert clean == {"a": [1.0, None], "b": {"c": None}}
    assert found == [("a[1]", "nan"), ("b.c", "inf")]


# --- Results.duckdb(): no SQL from file names (defect 11) -------------------------------------------


def _hostile_stems() -> list[str]:
    rng = random.Random(SEED)
    stems = [
        "x\" AS SELECT 1; COPY (SELECT 42 AS a) TO 'pwned.csv'; CREATE VIEW \"y",
        "x\"; COPY (SELECT 1) TO 'pwned.csv'; --",
        "notes",
        'positions"',
        "a'b",
        "sat\nstate",
        "Ωmega",
        "--",
        "x\\y",
        "%s",
        "select",
        "satellites ",
        " positions",
        "SATELLITES",
        "positions.parquet",
    ]
    pieces = ['"', "'", ";", " ", "--", "*", "COPY", "ATTACH", "(", ")", "Ω", "\\", "\t"]
    for _ in range(10):
        stems.append("".join(rng.choice(pieces) for _ in range(rng.randrange(1, 8))))
    return stems


def test_duckdb_views_are_the_declared_tables_only(
    real: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stems = _hostile_stems()
    assert len(stems) >= 25
    folder = tmp_path / 'it\'s "quoted"; DROP'
    _copy(folder, real)
    for stem in stems:
        shutil.copy(real / "satellites.parquet", folder / f"{stem}.parquet")
    monkeypatch.chdir(tmp_path)
    res = Results(folder)
    con = res.duckdb()
    views = sorted(
        r[0] for r in con.sql("select table_name from information_schema.tables").fetchall()
    )
    assert views == sorted(t for t in res.tables)
    assert set(views) <= set(TABLES)
    assert not list(tmp_path.rglob("pwned*"))
    n = con.sql("select count(*) from positions").fetchall()
    assert n == [(res.num_rows("positions"),)]


# --- Results on damaged summaries and names ------------------------------------------------------------


SUMMARY_FILES: dict[str, tuple[str | bytes, bool]] = {
    "list": ("[]", False), "null": ("null", False), "string": ('"x"', False),
    "number": ("1", False), "cut": ("{", False), "empty": ("", False), "bom": ("\ufeff{}", False),
    "deep": ("[" * 100_000, False), "huge-int": ('{"a": ' + "9" * 5000 + "}", False),
    "not-utf8": (b"\xff\xfe", False), "nan": ('{"kpis": {"x": NaN}}', True), "object": ("{}", True),
}  # fmt: skip


@pytest.mark.parametrize(("content", "ok"), SUMMARY_FILES.values(), ids=SUMMARY_FILES.keys())
def test_results_reads_a_summary_or_says_why_not(
    content: str | bytes, ok: bool, real: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "r"
    _copy(folder, real)
    p = folder / "summary.json"
    p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    if ok:
        res = Results(folder)
        assert isinstance(res.summary, dict)
        json.dumps(res.summary, allow_nan=False)
    else:
        with pytest.raises(OrbitcloudInputError, match=r"summary\.json"):
            Results(folder)


@pytest.mark.parametrize("name", ["../real/positions", "/etc/passwd", "", "a\x00b", ".."])
def test_results_refuses_a_table_name_that_is_a_path(name: str, real: Path) -> None:
    with pytest.raises(OrbitcloudInputError):
        Results(real).arrow(name)
