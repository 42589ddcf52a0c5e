"""Adversarial results folders against ``orbitcloud report`` and ``orbitcloud view`` (issue 16).

Every input is a real small results folder damaged in one seeded way -- a file cut short,
deleted, replaced by another type, a table with wrong types, NaN, no rows or hostile values, a
hostile name beside the tables -- or a hostile request to ``view``'s server. For each one:

* a clear ``error:`` line (exit status 2) or a correct report (exit status 0), never a
  traceback;
* no hang (each case runs under a timeout);
* no NaN or infinity in the report's data;
* no file of the folder lost or changed (``report`` only ever replaces ``report.html``), and no
  temporary file left behind.

A fast subset runs by default (the defect cases named in the issue plus every twentieth generated
one); ``pytest -m slow`` runs all of them.
"""

from __future__ import annotations

import contextlib
import hashlib
import html.parser as html_parser
import http.client
import json
import os
import random
import re
import shutil
import socket
import stat
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import orbitcloud
from orbitcloud.cli.main import app
from orbitcloud.report import write_report
from orbitcloud.report.server import ReportServer, host_allowed
from orbitcloud.scenario.loader import builtin_path
from orbitcloud.scenario.yamlio import dump_yaml, load_yaml_file, load_yaml_text

SEED = 16
runner = CliRunner()

TABLE_FILES = ("positions", "sat_state", "sat_summary", "satellites")
TEXT_FILES = ("summary.json", "scenario.yaml")
WRITTEN = {"report.html", "report.czml"}  # what `report` may replace


def _tiny_scenario() -> dict:
    d = load_yaml_file(builtin_path("default"))[0]
    d["name"] = "tiny-adversarial"
    d["time"]["duration_h"] = 0.25
    d["constellations"][0]["walker"].update(planes=3, sats_per_plane=3)
    d["constellations"][1]["cluster"].update(count=4)
    return d


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real small results folder (4 tables, summary, scenario, report.html)."""
    out = tmp_path_factory.mktemp("adv-base") / "tiny"
    orbitcloud.run(_tiny_scenario(), out=out)
    assert {p.name for p in out.iterdir()} >= {f"{t}.parquet" for t in TABLE_FILES}
    return out


def copy_run(base: Path, dst: Path) -> Path:
    """A copy of the run without its report (the report is what `report` writes)."""
    shutil.copytree(base, dst, ignore=shutil.ignore_patterns("report.*"))
    return dst


# --- the mutations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    mutate: Callable[[Path, random.Random], None]
    seed: int
    expect: str = "any"  # "error", "ok" or "any" (a clear error or a correct report)
    match: str = ""  # text the error must contain
    fast: bool = False


def _truncate(name: str, frac: float | None = None, cut: int | None = None):
    def f(folder: Path, rng: random.Random) -> None:
        p = folder / name
        size = p.stat().st_size
        keep = size - cut if cut is not None else int(size * (frac if frac is not None else 0))
        with open(p, "r+b") as fh:
            fh.truncate(max(0, keep))

    return f


def _delete(name: str):
    def f(folder: Path, rng: random.Random) -> None:
        (folder / name).unlink()

    return f


def _write(name: str, content: bytes | str):
    def f(folder: Path, rng: random.Random) -> None:
        p = folder / name
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
        if isinstance(content, str):
            p.write_text(content, encoding="utf-8")
        else:
            p.write_bytes(content)

    return f


def _flip_bytes(name: str, n: int):
    """Random bytes of the middle of a file overwritten (the footer stays readable)."""

    def f(folder: Path, rng: random.Random) -> None:
        p = folder / name
        data = bytearray(p.read_bytes())
        lo, hi = 4, max(5, len(data) - 64)
        for _ in range(n):
            data[rng.randrange(lo, hi)] = rng.randrange(256)
        p.write_bytes(bytes(data))

    return f


def _replace_special(name: str, kind: str):
    def f(folder: Path, rng: random.Random) -> None:
        p = folder / name
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
        if kind == "dir":
            p.mkdir()
            (p / "part-0.parquet").write_bytes(b"PAR1")
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "devzero":
            os.symlink("/dev/zero", p)
        elif kind == "dangling":
            os.symlink(folder / "does-not-exist", p)
        elif kind == "loop":
            os.symlink(p, p)
        else:
            raise AssertionError(kind)

    return f


def _summary_edit(edit: Callable[[dict], object]):
    def f(folder: Path, rng: random.Random) -> None:
        p = folder / "summary.json"
        data = json.loads(p.read_text("utf-8"))
        new = edit(data)
        p.write_text(json.dumps(data if new is None else new), encoding="utf-8")

    return f


def _scenario_edit(edit: Callable[[str], str]):
    def f(folder: Path, rng: random.Random) -> None:
        p = folder / "scenario.yaml"
        p.write_text(edit(p.read_text("utf-8")), encoding="utf-8")

    return f


def _table_edit(name: str, kind: str):
    """A table rewritten with one seeded change (schema kept unless the change is the schema)."""

    def f(folder: Path, rng: random.Random) -> None:
        p = folder / f"{name}.parquet"
        t = pq.read_table(p)
        cols = t.column_names
        col = rng.choice(cols)
        if kind == "empty":
            t = t.slice(0, 0)
        elif kind == "one_row":
            t = t.slice(0, 1)
        elif kind == "dup_rows":
            t = pa.concat_tables([t, t])
        elif kind == "reversed":
            t = t.take(pa.array(np.arange(t.num_rows)[::-1]))
        elif kind == "shuffled":
            idx = list(range(t.num_rows))
            rng.shuffle(idx)
            t = t.take(pa.array(idx, pa.int64()))
        elif kind in ("nan", "inf", "huge", "negative"):
            for i, fld in enumerate(t.schema):
                if pa.types.is_floating(fld.type):
                    v = t.column(i).to_numpy(zero_copy_only=False).astype(float)
                    mask = np.array([rng.random() < 0.3 for _ in range(len(v))], bool)
                    fill = {"nan": np.nan, "inf": np.inf, "huge": 1e300, "negative": -1e6}[kind]
                    if kind == "inf":
                        v[mask] = np.where(np.arange(mask.sum()) % 2, np.inf, -np.inf)
                    else:
                        v[mask] = fill
                    t = t.set_column(i, fld, pa.array(v, fld.type))
        elif kind == "nulls":
            for i, fld in enumerate(t.schema):
                if fld.name not in ("time", "sat"):
                    t = t.set_column(i, fld, pa.nulls(t.num_rows, fld.type))
        elif kind in ("sat_negative", "sat_huge") and "sat" in cols:
            i = cols.index("sat")
            v = t.column(i).to_numpy().copy()
            v[rng.randrange(len(v))] = -1 if kind == "sat_negative" else 2**31 - 1
            t = t.set_column(i, t.schema.field(i), pa.array(v, t.schema.field(i).type))
        elif kind in ("time_year1", "time_year9999") and "time" in cols:
            i = cols.index("time")
            ms = -62135596800000 if kind == "time_year1" else 253402300799000
            v = t.column(i).cast(pa.int64()).to_numpy().copy()
            v[rng.randrange(len(v))] = ms
            t = t.set_column(i, t.schema.field(i), pa.array(v).cast(t.schema.field(i).type))
        elif kind == "wrong_type":
            i = cols.index(col)
            t = t.set_column(i, pa.field(col, pa.string()), t.column(i).cast(pa.string()))
        elif kind == "drop_column":
            t = t.drop_columns([col])
        elif kind == "extra_column":
            t = t.append_column("zz_not_declared", pa.array(np.zeros(t.num_rows), pa.float64()))
        elif kind == "hostile_strings":
            for i, fld in enumerate(t.schema):
                if pa.types.is_string(fld.type) or pa.types.is_dictionary(fld.type):
                    vals = [rng.choice(HOSTILE_STRINGS) for _ in range(t.num_rows)]
                    arr = pa.array(vals, pa.string())
                    if pa.types.is_dictionary(fld.type):
                        arr = arr.dictionary_encode().cast(fld.type)
                    t = t.set_column(i, fld, arr)
        else:  # the table has no such column: the change is a no-op
            pass
        pq.write_table(t, p)

    return f


HOSTILE_STRINGS = [
    "</script><script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}",
    "\u202eevil",
    "nul\x00byte",
    "new\nline",
    "Ωmega ☄ 東京",
    "x" * 5000,
    "%s%n",
    "[bold red]markup[/]",
    "' OR 1=1 --",
]


def _extra(name: str, kind: str):
    """Something that is not a table of the run beside the tables."""

    def f(folder: Path, rng: random.Random) -> None:
        p = folder / name
        if kind == "parquet":
            pq.write_table(pa.table({"note": ["mine"], "n": [rng.randrange(100)]}), p)
        elif kind == "garbage":
            p.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000))))
        elif kind == "dir":
            p.mkdir()
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "devzero":
            os.symlink("/dev/zero", p)
        else:
            raise AssertionError(kind)

    return f


def _rename_folder(new_name: str):
    """The folder itself renamed (the case's folder path changes)."""

    def f(folder: Path, rng: random.Random) -> None:
        folder.rename(folder.with_name(new_name))

    f.new_name = new_name  # type: ignore[attr-defined]
    return f


SUMMARY_TEXTS: dict[str, bytes | str] = {
    "empty": "",
    "list": "[]",
    "null": "null",
    "string": '"summary"',
    "number": "42",
    "not_json": "{this is not json",
    "truncated_object": '{"kpis": {"a": 1',
    "binary": bytes(range(256)),
    "bom": "\ufeff{}",
    "nested_deep": "[" * 100_000 + "]" * 100_000,
    "huge_int": '{"kpis": {"x": ' + "9" * 5000 + "}}",
    "nan_literals": '{"kpis": {"a": NaN, "b": Infinity, "c": -Infinity}, "tables": {}}',
    "latin1": '{"scenario": "caf\xe9"}'.encode("latin-1"),
    "empty_object": "{}",
}

SUMMARY_EDITS: dict[str, Callable[[dict], object]] = {
    "kpis_list": lambda d: d.update(kpis=[1, 2, 3]),
    "kpis_string": lambda d: d.update(kpis="fast"),
    "kpis_nested": lambda d: d.update(kpis={"a": {"b": {"c": {"d": [1, {"e": None}]}}}}),
    "kpis_deep": lambda d: d.update(kpis=_deep_dict(400)),
    "kpis_mixed": lambda d: d.update(kpis={"x": [1, "two", None, True, {"3": 4}]}),
    "warnings_string": lambda d: d.update(warnings="one warning"),
    "warnings_objects": lambda d: d.update(warnings=[{"a": 1}, None, 3]),
    "warnings_hostile": lambda d: d.update(warnings=HOSTILE_STRINGS),
    "tables_wrong": lambda d: d.update(tables="positions"),
    "scenario_list": lambda d: d.update(scenario=["a", "b"]),
    "scenario_hostile": lambda d: d.update(scenario="</title><script>alert(1)</script>"),
    "version_number": lambda d: d.update(orbitcloud_version=3.5),
    "no_keys": lambda d: d.clear(),
    "big_string": lambda d: d.update(description="x" * 2_000_000),
}

SCENARIO_TEXTS: dict[str, bytes | str] = {
    "empty": "",
    "not_yaml": "name: [unclosed\n  - : :\n",
    "tabs": "name: x\n\ttime: 1\n",
    "list": "- 1\n- 2\n",
    "scalar": "just a string\n",
    "binary": bytes(range(256)),
    "python_tag": "name: !!python/object/apply:os.system ['echo pwned']\n",
    "duplicate_keys": "name: a\nname: b\n",
    "nested_deep": "a: " + "[" * 900 + "]" * 900 + "\n",
    "billion_laughs": (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "constellations: [*e]\n"
    ),
    "nul": "name: a\x00b\n",
    "two_documents": "name: a\n---\nname: b\n",
    "wrong_shapes": "name: 5\ntime: [1, 2]\nconstellations: {a: 1}\noutputs: 7\n",
    "constellations_junk": "name: x\nconstellations: [1, 'two', null, {walker: 5}, "
    "{tle_file: a.tle, limit: lots}]\n",
}


def _set_key(key: str, value: object) -> Callable[[str], str]:
    def edit(text: str) -> str:
        data = load_yaml_text(text)[0]
        data[key] = value
        return dump_yaml(data)

    return edit


SCENARIO_EDITS: dict[str, Callable[[str], str]] = {
    "hostile_name": _set_key("name", "</script>Ω[bold]"),
    "hostile_description": _set_key("description", "<img src=x onerror=alert(1)>\n{{ 7*7 }}"),
    "long_name": _set_key("name", "n" * 100_000),
    "constellations_junk": _set_key("constellations", [1, "two", None, {"walker": 5}]),
    "time_junk": _set_key("time", {"start": [1], "duration_h": "long", "step_s": None}),
    "seed_huge": _set_key("seed", 10**30),
}


def _deep_dict(n: int) -> dict:
    d: dict = {}
    cur = d
    for _ in range(n):
        cur["k"] = {}
        cur = cur["k"]
    return d


TABLE_KINDS = (
    "empty", "one_row", "dup_rows", "reversed", "shuffled", "nan", "inf", "huge", "negative",
    "nulls", "sat_negative", "sat_huge", "time_year1", "time_year9999", "wrong_type",
    "drop_column", "extra_column", "hostile_strings",
)  # fmt: skip
VALUE_KINDS = (
    "nan", "inf", "huge", "negative", "nulls", "hostile_strings", "time_year1", "time_year9999",
    "reversed", "shuffled",
)  # fmt: skip
"""Changes of values only: the report must be written (the others may be refused)."""
SPECIAL_KINDS = ("dir", "fifo", "devzero", "dangling", "loop")
HOSTILE_FOLDER_NAMES = (
    "[bold]x[red]",
    "a'b\"c",
    "Ωmega ☄ 東京",
    "new\nline",
    "tab\there",
    "sp ace",
    "semi;colon$(touch x)",
    "back\\slash",
    "x" * 200,
    "percent%2e%2e",
)
EXTRA_FILES = (
    ("notes.parquet", "parquet"),
    ("junk.parquet", "garbage"),
    ("x\"; COPY (SELECT 1) TO 'pwn.csv'; --.parquet", "parquet"),
    ("new\nline.parquet", "parquet"),
    ("Ωmega.parquet", "parquet"),
    ("subdir.parquet", "dir"),
    ("pipe.parquet", "fifo"),
    ("zero.parquet", "devzero"),
    (".hidden.parquet", "parquet"),
    ("y" * 240 + ".parquet", "parquet"),
    ("thesis.tex", "garbage"),
)

# the cases the issue names: each in the default run
NAMED = {
    "truncate-positions.parquet-half": "error",
    "summary-not_json": "error",
    "summary-list": "error",
    "scenario-not_yaml": "error",
    "table-positions-empty": "ok",
    "extra-notes.parquet": "ok",
    "special-positions.parquet-dir": "error",
}


def all_cases() -> list[Case]:
    rng = random.Random(SEED)
    cases: list[Case] = []

    def add(id_: str, mutate, expect: str = "any", match: str = "") -> None:
        cases.append(Case(id_, mutate, rng.randrange(2**31), expect, match, id_ in NAMED))

    for name in (*[f"{t}.parquet" for t in TABLE_FILES], *TEXT_FILES):
        cut = "any" if name == "scenario.yaml" else "error"  # YAML cut short may still parse
        add(f"truncate-{name}-zero", _truncate(name, 0.0), "error")
        add(f"truncate-{name}-half", _truncate(name, 0.5), cut)
        add(f"truncate-{name}-random", _truncate(name, rng.random()), cut)
        add(f"truncate-{name}-last-byte", _truncate(name, cut=1), cut)
        add(f"truncate-{name}-footer", _truncate(name, cut=9), cut)
        add(f"delete-{name}", _delete(name))
        for kind in SPECIAL_KINDS:
            add(f"special-{name}-{kind}", _replace_special(name, kind), "error")
    for name in (f"{t}.parquet" for t in TABLE_FILES):
        for k in (1, 8):
            add(f"flip-{name}-{k}", _flip_bytes(name, k))
    for key, text in SUMMARY_TEXTS.items():
        expect = "ok" if key in ("nan_literals", "empty_object") else "error"
        add(f"summary-{key}", _write("summary.json", text), expect)
    for key, edit in SUMMARY_EDITS.items():
        add(f"summary-edit-{key}", _summary_edit(edit), "ok")
    for key, text in SCENARIO_TEXTS.items():
        add(f"scenario-{key}", _write("scenario.yaml", text))
    for key, sedit in SCENARIO_EDITS.items():
        add(f"scenario-edit-{key}", _scenario_edit(sedit), "ok")
    for table in TABLE_FILES:
        for kind in TABLE_KINDS:
            id_ = f"table-{table}-{kind}"
            add(
                id_,
                _table_edit(table, kind),
                NAMED.get(id_, "ok" if kind in VALUE_KINDS else "any"),
            )
    for name, kind in EXTRA_FILES:
        add(f"extra-{name[:40]}", _extra(name, kind), "ok")
    for name in HOSTILE_FOLDER_NAMES:
        add(f"folder-{name[:20]!r}", _rename_folder(name), "ok")
    return cases


CASES = all_cases()
_FAST_IDS = {c.id for c in CASES if c.fast} | {c.id for c in CASES[::20]}


def _params() -> list:
    return [
        pytest.param(c, id=c.id, marks=() if c.id in _FAST_IDS else pytest.mark.slow) for c in CASES
    ]


# --- what every case must show ------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """Name -> content hash (or kind) of every entry, without following links or opening FIFOs."""
    out: dict[str, str] = {}
    for e in os.scandir(folder):
        st = os.lstat(e.path)
        if stat.S_ISREG(st.st_mode):
            out[e.name] = hashlib.sha256(Path(e.path).read_bytes()).hexdigest()
        elif stat.S_ISLNK(st.st_mode):
            out[e.name] = "link:" + os.readlink(e.path)
        else:
            out[e.name] = f"mode:{stat.S_IFMT(st.st_mode)}"
    return out


def assert_report_is_clean(html: str) -> None:
    """report.html is a whole page whose data parses as JSON with no NaN/infinity."""
    assert html.startswith("<!doctype html>") or html.lower().startswith("<!doctype html>")
    assert html.rstrip().endswith("</html>")
    assert 'http-equiv="Content-Security-Policy"' in html
    blocks = re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S)
    assert blocks, "no data block"

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in the report data")

    for b in blocks:
        json.loads(b, parse_constant=refuse)


def run_report(folder: Path, *extra: str):
    r = runner.invoke(app, ["report", str(folder), *extra])
    return r


def check_outcome(r, folder: Path, before: dict[str, str], expect: str, match: str = "") -> None:
    """The assertions every input must pass (see the module docstring)."""
    out = r.output
    assert "Traceback" not in out, out
    assert r.exit_code in (0, 2), (r.exit_code, out, r.exception)
    if r.exception is not None:
        assert isinstance(r.exception, SystemExit), repr(r.exception)
    if r.exit_code == 2:
        assert expect in ("error", "any"), f"refused a folder it should report on: {out}"
        err = r.stderr if hasattr(r, "stderr") else out
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1, err
        assert lines[0].startswith("error: "), err
        assert match in lines[0]
    else:
        assert expect in ("ok", "any"), f"accepted a damaged folder: {out}"
        assert_report_is_clean((folder / "report.html").read_text("utf-8"))
    after = snapshot(folder)
    for name, h in before.items():
        if name in WRITTEN:
            continue
        assert after.get(name) == h, f"{name} lost or changed"
    new = set(after) - set(before) - WRITTEN
    assert not new, f"left behind: {sorted(new)}"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", _params())
def test_report_on_a_damaged_folder(case: Case, base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    case.mutate(folder, random.Random(case.seed))
    new_name = getattr(case.mutate, "new_name", None)
    if new_name is not None:
        folder = folder.with_name(new_name)
    before = snapshot(folder)
    r = run_report(folder)
    check_outcome(r, folder, before, case.expect, case.match)


def test_the_generator_is_large_and_seeded() -> None:
    assert len(CASES) >= 150
    assert [c.seed for c in all_cases()] == [c.seed for c in CASES]
    assert len({c.id for c in CASES}) == len(CASES)


# --- the defects named in the issue, one test each ------------------------------------------------


def test_truncated_parquet_is_one_error_line_naming_the_file(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    _truncate("sat_state.parquet", 0.5)(folder, random.Random(0))
    r = run_report(folder)
    assert r.exit_code == 2, r.output
    assert "sat_state.parquet" in r.output
    assert "Parquet" in r.output


@pytest.mark.parametrize(("text", "what"), [("[]", "list"), ("{oops", "not valid JSON")])
def test_a_summary_that_is_not_an_object_is_one_error_line(
    base: Path, tmp_path: Path, text: str, what: str
) -> None:
    folder = copy_run(base, tmp_path / "run")
    (folder / "summary.json").write_text(text, "utf-8")
    r = run_report(folder)
    assert r.exit_code == 2, r.output
    assert "summary.json" in r.output
    assert what in r.output


def test_an_unparsable_scenario_names_its_line(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    (folder / "scenario.yaml").write_text("name: ok\ntime: [unclosed\n", "utf-8")
    r = run_report(folder)
    assert r.exit_code == 2, r.output
    assert "scenario.yaml" in r.output
    assert "line" in r.output


def test_a_directory_named_like_a_table(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    _replace_special("positions.parquet", "dir")(folder, random.Random(0))
    r = run_report(folder)
    assert r.exit_code == 2, r.output
    assert "positions.parquet" in r.output
    assert "not a regular file" in r.output


def test_an_unrelated_parquet_file_is_not_a_table(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    pq.write_table(pa.table({"note": ["mine"]}), folder / "notes.parquet")
    r = run_report(folder)
    assert r.exit_code == 0, r.output
    html = (folder / "report.html").read_text("utf-8")
    assert ">notes<" not in html
    assert (folder / "notes.parquet").is_file()


def test_empty_positions_give_a_report(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    _table_edit("positions", "empty")(folder, random.Random(0))
    r = run_report(folder)
    assert r.exit_code == 0, r.output
    assert_report_is_clean((folder / "report.html").read_text("utf-8"))


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for this process, root included (chmod, and ``chattr +i`` as root)."""
    mode = folder.stat().st_mode
    folder.chmod(0o555)
    immutable = False
    try:
        if os.geteuid() == 0:
            r = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
            if r.returncode != 0:
                pytest.skip("running as root and chattr +i is not available here")
            immutable = True
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(mode)


def test_report_and_view_on_a_read_only_folder(
    base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = copy_run(base, tmp_path / "run")
    before = snapshot(folder)
    monkeypatch.setattr("webbrowser.open", lambda url: True)
    monkeypatch.setattr(ReportServer, "serve_forever", lambda self: None)
    with read_only(folder):
        r = run_report(folder)
        assert r.exit_code == 2, r.output
        assert r.output.startswith("error: ")
        assert "report.html" in r.output
        r = runner.invoke(app, ["view", str(folder), "--port", "0", "--no-open"])
        assert r.exit_code == 2, r.output
        assert r.output.startswith("error: ")
        assert "read-only" in r.output
    assert snapshot(folder) == before
    # with report.html already there, view serves the folder as it is
    shutil.copy(base / "report.html", folder / "report.html")
    with read_only(folder):
        r = runner.invoke(app, ["view", str(folder), "--port", "0", "--no-open"])
        assert r.exit_code == 0, r.output


def test_reports_do_not_share_a_temporary_file(base: Path, tmp_path: Path) -> None:
    """A second report's temporary file (here: a folder in its way) does not break this one."""
    folder = copy_run(base, tmp_path / "run")
    (folder / ".report.html.tmp").mkdir()  # the old fixed name, taken
    r = run_report(folder)
    assert r.exit_code == 0, r.output
    assert (folder / "report.html").is_file()


def test_concurrent_reports(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def one() -> None:
        try:
            start.wait()
            write_report(folder)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert_report_is_clean((folder / "report.html").read_text("utf-8"))
    assert not list(folder.glob(".report.html*"))


@pytest.mark.slow
def test_concurrent_report_commands(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "run")
    cmd = [sys.executable, "-m", "orbitcloud", "report", str(folder)]
    procs = [
        subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(3)
    ]
    for p in procs:
        _out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
        assert b"Traceback" not in err
    assert_report_is_clean((folder / "report.html").read_text("utf-8"))
    assert not list(folder.glob(".report.html*"))


def _ascii_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env.update(LANG="C", LC_ALL="C", PYTHONIOENCODING="ascii", COLUMNS="200")
    return env


def test_an_ascii_terminal_and_a_non_ascii_name(base: Path, tmp_path: Path) -> None:
    folder = copy_run(base, tmp_path / "Ωmega ☄")
    _scenario_edit(lambda t: re.sub(r"^name: .*$", "name: Ωmega ☄ 東京", t, flags=re.M))(
        folder, random.Random(0)
    )
    r = subprocess.run(
        [sys.executable, "-m", "orbitcloud", "report", str(folder)],
        capture_output=True, env=_ascii_env(), timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr.decode("ascii", "replace")
    assert b"Traceback" not in r.stderr
    assert b"wrote" in r.stdout
    assert b"\\u03a9mega" in r.stdout
    assert "Ωmega ☄ 東京" in (folder / "report.html").read_text("utf-8")
    # an error naming a non-ASCII folder: one line, no traceback
    r = subprocess.run(
        [sys.executable, "-m", "orbitcloud", "report", str(tmp_path / "Ωmissing")],
        capture_output=True, env=_ascii_env(), timeout=120,
    )  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.decode("ascii").startswith("error: ")
    assert b"Traceback" not in r.stderr


def test_error_lines_show_control_characters_escaped(tmp_path: Path) -> None:
    r = runner.invoke(app, ["report", str(tmp_path / "new\nline[/]")])
    assert r.exit_code == 2
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert len(lines) == 1, r.output
    assert lines[0].startswith("error: "), r.output
    assert "\\n" in lines[0]
    assert "[/]" in lines[0]


# --- view: Host headers, paths, streaming -------------------------------------------------------------


@pytest.fixture(scope="module")
def server(base: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReportServer]:
    root = tmp_path_factory.mktemp("served") / "run"
    shutil.copytree(base, root)
    (root.parent / "secret.txt").write_text("secret", "utf-8")
    os.symlink(root.parent / "secret.txt", root / "link.txt")
    os.mkfifo(root / "pipe.html")
    os.symlink("/dev/zero", root / "zero.html")
    (root / "sub").mkdir()
    srv = ReportServer(root, 0).start()
    yield srv
    srv.stop()


def raw_request(port: int, request: bytes, timeout: float = 10.0) -> tuple[int, bytes]:
    """Send bytes as they are (http.client would fix a bad request); status and body back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except TimeoutError:
                break
            if not b:
                break
            chunks.append(b)
    data = b"".join(chunks)
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    assert m, data[:200]
    return int(m.group(1)), data.split(b"\r\n\r\n", 1)[-1]


def _host_values(port: int) -> list[tuple[str, list[str] | None, bool]]:
    """(id, Host header values (None: no header), allowed) -- seeded variants of each kind."""
    rng = random.Random(SEED)
    ok = [f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}", f"LocalHost:{port}"]
    bad = [
        "evil.example", f"evil.example:{port}", "127.0.0.1", "localhost", f"127.0.0.1:{port + 1}",
        f"localhost.evil.example:{port}", f"127.0.0.1.nip.io:{port}", f"[::1]:{port}",
        f"0.0.0.0:{port}", f"127.0.0.2:{port}", f"127.1:{port}", f"2130706433:{port}",
        f"0x7f000001:{port}", "", " ", f"127.0.0.1:{port}@evil.example", f"evil@127.0.0.1:{port}",
        f"127.0.0.1:0{port}", f"127.0.0.1:{port}.", f"localhost.:{port}", f"127.0.0.1:{port}:1",
        f"127.0.0.1:+{port}", f"127.0.0.1 :{port}", f"http://127.0.0.1:{port}",
        f"127.0.0.1:{port}/x", "x" * 4000, f"127.0.0.1\t:{port}", f"localhost:{port}#",
        f"ⅼocalhost:{port}", f"xn--localhost-:{port}",
    ]  # fmt: skip
    for _ in range(10):  # random neighbours of the right ones
        s = list(rng.choice(ok))
        i = rng.randrange(len(s))
        s[i] = rng.choice("abcxyz019.:-_")
        v = "".join(s)
        bad.append(v)
    out: list[tuple[str, list[str] | None, bool]] = []
    out += [(f"ok-{v}", [v], True) for v in ok]
    out += [(f"bad-{v[:30]!r}", [v], v.lower() in {x.lower() for x in ok}) for v in bad]
    out.append(("missing", None, False))
    out.append(("twice-same", [ok[0], ok[0]], False))
    out.append(("twice-evil-first", ["evil.example", ok[0]], False))
    out.append(("twice-evil-last", [ok[0], "evil.example"], False))
    return out


def test_view_answers_only_its_own_host(server: ReportServer) -> None:
    port = server.port
    cases = _host_values(port)
    assert len(cases) >= 45
    for id_, hosts, allowed in cases:
        req = b"GET /report.html HTTP/1.1\r\n"
        for h in hosts or []:
            req += b"Host: " + h.encode("utf-8") + b"\r\n"
        req += b"Connection: close\r\n\r\n"
        status, body = raw_request(port, req)
        assert status == (200 if allowed else 403), (id_, status)
        if not allowed:
            assert b"Plotly" not in body, id_
        # the redirect of / and HEAD are behind the same check
        status, _ = raw_request(port, req.replace(b"GET /report.html", b"HEAD /"))
        assert status == (302 if allowed else 403), (id_, status)


def test_host_allowed() -> None:
    assert host_allowed(["127.0.0.1:8765"], 8765)
    assert host_allowed(["localhost:8765"], 8765)
    assert not host_allowed(["evil.example:8765"], 8765)
    assert not host_allowed([], 8765)
    assert not host_allowed(["localhost:8765", "localhost:8765"], 8765)
    assert host_allowed(["localhost"], 80)
    assert not host_allowed(["localhost"], 8765)


def _paths() -> list[tuple[str, int]]:
    rng = random.Random(SEED + 1)
    paths = [
        ("/report.html", 200), ("/summary.json", 200), ("/scenario.yaml", 200),
        ("/positions.parquet", 200), ("/report.html?x=../../secret.txt", 200),
        ("/report.html#frag", 200), ("/./report.html", 404), ("/../secret.txt", 404),
        ("/%2e%2e/secret.txt", 404), ("/%252e%252e/secret.txt", 404), ("/link.txt", 404),
        ("/pipe.html", 404), ("/zero.html", 404), ("/sub", 404), ("/sub/", 404),
        ("/report.html%00", 404), ("/report.html/", 200), ("//report.html", 200),
        ("/REPORT.HTML", 404), ("/" + "a" * 5000, 404), ("/%ff%fe", 404), ("/%", 404),
        ("/..%2fsecret.txt", 404), ("/..\\secret.txt", 404), ("/.summary.json.tmp", 404),
    ]  # fmt: skip
    for _ in range(15):  # seeded random junk
        n = rng.randrange(1, 60)
        junk = "".join(rng.choice("abc./%2e%5c\\~:;@!$&'()*+,=ΩЖ") for _ in range(n))
        paths.append(("/" + junk, -1))  # -1: 200 only if it names a file inside (checked)
    return paths


def test_view_paths(server: ReportServer) -> None:
    port = server.port
    for path, want in _paths():
        req = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
        ).encode()
        status, body = raw_request(port, req)
        assert b"secret" not in body, path
        if want == -1:
            assert status in (200, 400, 404), (path, status)
            if status == 200:
                from orbitcloud.report.server import resolve_inside

                assert resolve_inside(server.folder, path) is not None, path
        else:
            assert status == want, (path, status)


def test_view_streams_files_with_content_length_from_stat(base: Path, tmp_path: Path) -> None:
    """A 64 MB file is served whole, but never read into memory at once."""
    root = copy_run(base, tmp_path / "run")
    big = root / "big.bin"
    size = 64 << 20
    with open(big, "wb") as fh:
        block = bytes(range(256)) * 4096
        for _ in range(size // len(block)):
            fh.write(block)
    srv = ReportServer(root, 0).start()
    try:
        tracemalloc.start()
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        c.request("HEAD", "/big.bin")
        r = c.getresponse()
        r.read()
        assert r.status == 200
        assert int(r.getheader("Content-Length")) == size
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        c.request("GET", "/big.bin")
        r = c.getresponse()
        assert int(r.getheader("Content-Length")) == size
        h = hashlib.sha256()
        got = 0
        while chunk := r.read(1 << 20):
            h.update(chunk)
            got += len(chunk)
        c.close()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        srv.stop()
    assert got == size
    assert h.hexdigest() == hashlib.sha256(big.read_bytes()).hexdigest()
    assert peak < 16 << 20, f"peak {peak / 1e6:.0f} MB traced while serving a 64 MB file"


def test_view_does_not_hang_on_a_fifo_swapped_in(base: Path, tmp_path: Path) -> None:
    """A FIFO that appears where a file was (after the path was checked) is refused, at once."""
    from orbitcloud.report import server as srv_mod

    root = copy_run(base, tmp_path / "run")
    target = root / "summary.json"
    real = srv_mod.resolve_inside

    def swap(r: Path, p: str) -> Path | None:
        f = real(r, p)
        if f is not None and f.name == "summary.json":
            f.unlink()
            os.mkfifo(f)
        return f

    srv = ReportServer(root, 0).start()
    try:
        srv_mod.resolve_inside = swap  # type: ignore[assignment]
        t0 = time.perf_counter()
        status, _ = raw_request(
            srv.port, f"GET /summary.json HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n\r\n".encode()
        )
        assert status == 404
        assert time.perf_counter() - t0 < 5
    finally:
        srv_mod.resolve_inside = real  # type: ignore[assignment]
        srv.stop()
    assert stat.S_ISFIFO(os.lstat(target).st_mode)


# --- the sweep report's Content-Security-Policy (issue 16, defect 18) ---------------------------

EVIL = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


def _sweep_html() -> str:
    from orbitcloud.sweep.report_html import render_sweep_report
    from orbitcloud.sweep.spec import plan_sweep
    from orbitcloud.sweep.table import PointRecord, sweep_table

    alt = "constellations.0.walker.altitude_km"
    plan = plan_sweep(
        {"base": "default", "description": EVIL, "parameters": {alt: [500, 600, 700]}}
    )
    recs = {
        p.hash: PointRecord(p.hash, "ok", {"sunlit_fraction_mean": s, EVIL: a})
        for p, s, a in zip(plan.points, (0.8, 0.81, 0.83), (1.0, 3.0, 2.0), strict=True)
    }
    return render_sweep_report(plan, sweep_table(plan, recs, "points").to_pandas())


class _Scripts(html_parser.HTMLParser):
    """Every inline script's exact text and every CSP meta tag, as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self.csp: list[str] = []
        self._in: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self._in = []
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "content-security-policy":
            self.csp.append(a.get("content") or "")

    def handle_data(self, data: str) -> None:
        if self._in is not None:
            self._in.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in is not None:
            self.scripts.append("".join(self._in))
            self._in = None


def test_sweep_report_has_a_content_security_policy() -> None:
    import base64

    html = _sweep_html()
    p = _Scripts()
    p.feed(html)
    assert len(p.csp) == 1, "one Content-Security-Policy meta tag"
    policy = dict(
        ([*d.split(" ", 1), ""])[:2] for d in (x.strip() for x in p.csp[0].split(";")) if d
    )
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'none'"
    allowed = set(policy["script-src"].split())
    assert "'unsafe-inline'" not in allowed
    assert len(p.scripts) >= 3  # plotly.js and the figures
    for s in p.scripts:
        digest = base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, s[:80]
    assert len(allowed) == len(set(p.scripts))
    assert "<script>alert(1)" not in html


@pytest.mark.browser
def test_sweep_report_renders_under_its_policy(tmp_path: Path) -> None:
    """In Chromium, network off: every plot is drawn and no script is refused or fails."""
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "sweep_report.html"
    page_file.write_text(_sweep_html(), "utf-8")
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=str(chromium),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = b.new_page()
            errors: list[str] = []
            dialogs: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.route("http*://**", lambda r: r.abort())
            page.goto(page_file.as_uri())
            page.wait_for_selector("#pareto .main-svg", timeout=30_000)
            page.wait_for_selector("#param-0 .main-svg", timeout=30_000)
        finally:
            b.close()
    assert not dialogs
    assert not errors, errors
