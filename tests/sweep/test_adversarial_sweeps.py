"""Adversarial sweeps (issue 16): hostile sweep files, hostile sweep folders, misuse, Ctrl-C.

Every input is generated here, seeded: sweep files with bad dotted paths, misspelt fields,
values the schema rejects, values only a run rejects (an unknown city, a bad TLE, a mesh
without a radius), malformed sweep-file sections, bad ``base`` and sweep-file paths (folders,
devices, FIFOs, huge files, NUL bytes, 5,000-character names), valid grids and samples; sweep
folders whose point folders are damaged in one way each (a table cut short, emptied, deleted,
replaced by a folder, a FIFO or another table, a summary that lies, a user's file inside, a point
path that is a regular file or a link); malformed ``--scheduler`` addresses. For each one:

* a clear ``OrbitcloudInputError`` naming the sweep file (or folder, or option), the value and
  what is allowed -- the CLI prints it as ``error:`` lines and exits 2 -- or correct acceptance;
* no traceback and no raw pydantic text;
* no hang (each case runs under an alarm);
* no NaN or infinity in ``sweep.parquet`` or ``sweep.json``;
* nothing written before the input is accepted, no user file lost, no hidden file left.

The default run covers every plan-only input, every damaged folder's classification, the
scheduler addresses, and a full resume of three damaged points (two tiny 2-step points on an
in-process Dask cluster). ``pytest -m slow`` adds the run-time checks that read the city
database, a full resume of every damaged folder, the CLI end to end, Ctrl-C in a subprocess
and a scheduler that refuses the connection.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import yaml
from typer.testing import CliRunner

from orbitcloud.cli.main import app
from orbitcloud.results.reader import Results
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.sweep import runner as runner_mod
from orbitcloud.sweep.runner import (
    MANIFEST,
    POINTS_DIR,
    TABLE,
    check_scheduler_address,
    inspect_point,
    run_sweep,
)
from orbitcloud.sweep.spec import MAX_SWEEP_FILE_BYTES, load_sweep, plan_sweep
from timebox import time_limit as _time_limit

SEED = 16
ALT = "constellations.0.walker.altitude_km"
CASE_SECONDS = 60
"""No input may take longer than this (an alarm ends a hang)."""

RAW_PYDANTIC = (
    "Input should be",
    "Value error,",
    "validation error",
    "[type=",
    "For further information",
    "dict[str,any]",
    "String should have",
    "Extra inputs are not permitted",
)
"""pydantic's own wording: the user never typed an "input" (docs/CONTRIBUTING.md)."""

TINY: dict[str, Any] = {
    "name": "tiny",
    "seed": 1,
    "time": {"start": "2025-06-21T00:00:00Z", "duration_s": 60, "step_s": 60},
    "constellations": [
        {
            "name": "shell",
            "walker": {
                "planes": 2,
                "sats_per_plane": 2,
                "altitude_km": 550,
                "inclination_deg": 53,
                "phase_factor": 1,
            },
        }
    ],
    "outputs": {"report": False},
}
"""Four satellites, two time steps: a point runs in a few milliseconds."""


def bounded(seconds: int = CASE_SECONDS) -> Any:
    """Fail (instead of hanging) when the block takes longer than ``seconds``."""
    return _time_limit(seconds)


def clean_message(msg: str) -> None:
    """An input error a user can act on: no traceback, no pydantic wording, bounded length."""
    assert "Traceback" not in msg
    for raw in RAW_PYDANTIC:
        assert raw not in msg, (raw, msg)
    assert len(msg) < 20_000, len(msg)


def tree(root: Path) -> dict[str, Any]:
    """Everything under ``root``: relative path -> (kind, size, mtime or link target)."""
    out: dict[str, Any] = {}
    if not root.exists() and not root.is_symlink():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = p.lstat()
            rel = str(p.relative_to(root))
            if p.is_symlink():
                out[rel] = ("link", os.readlink(p))
            elif p.is_dir():
                out[rel] = ("dir",)
            else:
                out[rel] = ("file", st.st_size, st.st_mtime_ns)
    return out


def no_nan_json(path: Path) -> Any:
    """Parse a JSON file, refusing NaN and infinity."""

    def bad(token: str) -> Any:
        raise AssertionError(f"{path.name} holds {token}")

    return json.loads(path.read_text("utf-8"), parse_constant=bad)


def no_nan_table(path: Path) -> None:
    t = pq.read_table(path)
    for name in t.column_names:
        for v in t.column(name).to_pylist():
            assert not (isinstance(v, float) and not math.isfinite(v)), (path.name, name, v)


# --- 1. sweep files: plan-only (fast) --------------------------------------------------------


@dataclass
class SweepCase:
    """One generated sweep file and what must happen to it."""

    id: str
    text: str | None = None  # the sweep file's YAML text (None: ``make`` builds the path)
    expect: tuple[str, ...] = ()  # substrings of the error; () and ok=True: accepted
    ok: bool = False
    n_points: int | None = None
    make: Callable[[Path], Path] | None = None  # builds the sweep file (or what stands there)
    files: dict[str, bytes] = field(default_factory=dict)  # files beside the sweep file


def _doc(**kw: Any) -> str:
    d: dict[str, Any] = {"base": copy.deepcopy(TINY)}
    d.update(kw)
    return yaml.safe_dump(d, sort_keys=False)


def _yaml_value(v: Any) -> str:
    """A YAML 1.2 flow scalar for ``v`` (``.nan``, ``.inf``, quoted strings)."""
    if isinstance(v, float) and math.isnan(v):
        return ".nan"
    if isinstance(v, float) and math.isinf(v):
        return ".inf" if v > 0 else "-.inf"
    return json.dumps(v)


def _with_params(params: dict[str, list[Any]], extra: str = "") -> str:
    lines = [_doc().rstrip(), "parameters:"]
    for k, vals in params.items():
        lines.append(f"  {json.dumps(k)}: [{', '.join(_yaml_value(v) for v in vals)}]")
    return "\n".join(lines) + "\n" + extra


BAD_PATHS = [
    "a..b", ".seed", "seed.", "a b", "a/b", "-", "ä", "constellations.-1.walker.planes",
    "constellations.x.walker.planes", "constellations.99.walker.planes", "seed.x",
    "time.start.x", "x" * 500, "constellations.0.walker.altitude_km.0", "time..step_s",
]  # fmt: skip
VALID_PATHS = [
    ALT,
    "constellations.0.walker.inclination_deg",
    "constellations.0.walker.planes",
    "time.step_s",
    "time.duration_s",
    "seed",
]
SCHEMA_BAD_VALUES: dict[str, list[Any]] = {
    ALT: [50, -1, 0, "abc", True, [1], {"a": 1}, float("nan"), float("inf"), "550", None],
    "constellations.0.walker.inclination_deg": [200, -1, "x", float("nan"), float("-inf")],
    "constellations.0.walker.planes": [0, -3, 1.5, "6", True],
    "time.step_s": [0, -60, float("inf"), "60"],
    "seed": [-1, 1.5, "x", [1]],
    "time.start": ["yesterday", 5, "2025-13-45T00:00:00Z"],
    "name": ["", "x" * 1000],
}
GOOD_VALUES: dict[str, Any] = {
    ALT: 550,
    "constellations.0.walker.inclination_deg": 53,
    "constellations.0.walker.planes": 2,
    "time.step_s": 60,
    "seed": 2,
    "time.start": "2025-06-21T00:00:00Z",
    "name": "ok",
}
SWEEP_SCHEMA_TEXTS = [
    ("mode: grid2\nparameters: {seed: [1]}\n", ("mode", "'grid' or 'list'", "grid2")),
    ("parameters: {seed: [1]}\nsamples: {method: lhs, n: 0, ranges: {seed: [1, 3]}}\n",
     ("samples.n", "greater than or equal to 1")),
    ("samples: {method: sobol, n: 3, ranges: {seed: [0, 3]}}\n", ("samples.method", "sobol")),
    ("samples: {method: lhs, n: 3, ranges: {seed: [1, 2, 3]}}\n", ("give [low, high]",)),
    ("samples: {method: lhs, n: 3, ranges: {seed: [5, 1]}}\n", ("need finite low < high",)),
    ("samples: {method: lhs, n: 3, ranges: {seed: [0, .inf]}}\n", ("samples.ranges.seed.1", "finite")),
    ("samples: {method: lhs, n: 3, ranges: {seed: [a, b]}}\n", ("samples.ranges.seed.0",)),
    ("samples: {method: lhs, n: 3, seed: -1, ranges: {seed: [1, 3]}}\n", ("samples.seed",)),
    ("samples: {method: lhs, n: 3, ranges: {}}\n", ("samples.ranges",)),
    ("samples: {method: lhs, n: 3, rangez: {seed: [1, 3]}}\n",
     ("unknown field 'rangez'", "did you mean 'ranges'")),
    ("samples: {method: lhs, n: 1000000, ranges: {seed: [1, 3]}}\n", ("samples.n",)),
    ("parameters: {seed: [1]}\nreport: {pareto: {x: {name: a, goal: up}, y: {name: b}}}\n",
     ("report.pareto.x.goal", "'min' or 'max'")),
    ("parameters: {seed: [1]}\nreport: {pareto: {x: {name: a}, y: {name: ''}}}\n",
     ("report.pareto.y.name", "must not be empty")),
    ("parameters: {seed: [1]}\nreport: {pareto: {x: {name: a}}}\n",
     ("report.pareto.y", "required field is missing")),
    ("parameters: {seed: [1]}\nreport: {paretto: {}}\n", ("unknown field 'paretto'",)),
    ("paramters: {seed: [1]}\n", ("paramters (line", "unknown field", "did you mean 'parameters'")),
    ("parameters: {seed: [1]}\nbogus: 1\n", ("bogus (line", "unknown field", "allowed here")),
    ("parameters: [1, 2]\n", ("parameters", "must be a mapping")),
    ("parameters: {seed: 4}\n", ("parameters.seed (line", "give a list of values", "set:")),
    ("parameters: {seed: []}\n", ("the list of values is empty",)),
    ("mode: list\nparameters: {seed: [1, 2], time.step_s: [60]}\n", ("same length",)),
    ("set: [1]\nparameters: {seed: [1]}\n", ("set", "must be a mapping")),
    ("set: {seed: 1}\nparameters: {seed: [1, 2]}\n", ("seed: given more than once",)),
    ("parameters: {time: [1], time.step_s: [60]}\n", ("'time' contains 'time.step_s'",)),
    ("parameters: {seed: [1]}\nseed: 1\nseed: 2\n", ("duplicate key",)),
    ("description: [1]\nparameters: {seed: [1]}\n", ("description", "must be text")),
    ("", ("nothing to sweep",)),
    ("parameters: {seed: " + str(list(range(400))) + ", time.step_s: " + str(list(range(1, 401)))
     + "}\n", ("160,000 points, more than the 100,000 allowed",)),
]  # fmt: skip
TOP_LEVEL_TEXTS = [("[]\n", "found list"), ("5\n", "found int"), ("'text'\n", "found str"),
                   ("~\n", "found NoneType"), ("", "found NoneType")]  # fmt: skip


def _mutate(rng: random.Random, path: str) -> tuple[str, str]:
    """A misspelling of one field name of ``path`` (never the list index): (path, the name)."""
    segs = path.split(".")
    k = rng.choice([i for i, s in enumerate(segs) if not s.isdigit()])
    s = segs[k]
    op = rng.choice(["drop", "insert", "swap"])
    j = rng.randrange(len(s))
    if op == "drop" and len(s) > 2:
        s = s[:j] + s[j + 1 :]
    elif op == "swap" and j + 1 < len(s) and s[j] != s[j + 1]:
        s = s[:j] + s[j + 1] + s[j] + s[j + 2 :]
    else:
        s = s[:j] + "q" + s[j:]
    segs[k] = s
    return ".".join(segs), s


def _special_file(kind: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        p = d / "special.yaml"
        if kind == "fifo":
            os.mkfifo(p)
        elif kind == "dir":
            p.mkdir()
        elif kind == "huge":
            with open(p, "wb") as f:
                f.truncate(MAX_SWEEP_FILE_BYTES + 1)  # sparse: no disk used
        elif kind == "devnull":
            return Path("/dev/null")
        elif kind == "devzero":
            return Path("/dev/zero")
        elif kind == "missing":
            pass
        elif kind == "binary":
            p.write_bytes(bytes(range(256)) * 4)
        elif kind == "link-to-dev-zero":
            p.symlink_to("/dev/zero")
        return p

    return make


def _base_case(kind: str) -> tuple[str, dict[str, bytes], Callable[[Path], None] | None, tuple]:
    """A sweep whose ``base`` is broken in one way: (base value, files, setup, expected)."""
    if kind == "missing":
        return "nosuch.yaml", {}, None, ("no scenario file", "no built-in scenario named")
    if kind == "folder":
        return "sub", {}, lambda d: (d / "sub").mkdir(), ("is a folder",)
    if kind == "devnull":
        return "/dev/null", {}, None, ("not a regular file",)
    if kind == "fifo":
        return "pipe.yaml", {}, lambda d: os.mkfifo(d / "pipe.yaml"), ("not a regular file",)
    if kind == "long":
        return "y" * 5000, {}, None, ("no scenario file", "File name too long")
    if kind == "nul":
        return "a\0b.yaml", {}, None, ("no scenario file",)
    if kind == "bad-yaml":
        return "b.yaml", {"b.yaml": b"name: [unclosed\n"}, None, ("b.yaml",)
    if kind == "list-yaml":
        return "b.yaml", {"b.yaml": b"- 1\n- 2\n"}, None, ("is not a scenario",)
    if kind == "latin1":
        return "b.yaml", {"b.yaml": "name: caf\xe9\n".encode("latin-1")}, None, ("not UTF-8",)
    if kind == "builtin-typo":
        return "defualt", {}, None, ("no built-in scenario named 'defualt'",)
    raise AssertionError(kind)


BASE_KINDS = ["missing", "folder", "devnull", "fifo", "long", "nul", "bad-yaml", "list-yaml",
              "latin1", "builtin-typo"]  # fmt: skip
BASE_VALUE_TEXTS = [("5", "got 5"), ("[1, 2]", "got [1, 2]"), ("true", "got True"),
                    ("''", "is a folder")]  # fmt: skip
SPECIAL_SWEEP_FILES = [
    ("fifo", ("not a regular file",)),
    ("dir", ("is a folder",)),
    ("huge", ("MiB a sweep file may have",)),
    ("devnull", ("not a regular file",)),
    ("devzero", ("not a regular file",)),
    ("missing", ("file not found",)),
    ("binary", ("special.yaml",)),
    ("link-to-dev-zero", ("not a regular file",)),
]


def generate_sweep_cases() -> list[SweepCase]:
    rng = random.Random(SEED)
    cases: list[SweepCase] = []
    for i, path in enumerate(BAD_PATHS):
        cases.append(SweepCase(f"bad-path-{i}", _with_params({path: [1]})))
    for i in range(8):  # random garbage keys
        key = "".join(rng.choice(string.printable[:94]) for _ in range(rng.randint(1, 30)))
        cases.append(SweepCase(f"garbage-path-{i}", _with_params({key: [1]})))
    for i in range(10):
        path, name = _mutate(rng, rng.choice(VALID_PATHS))
        cases.append(SweepCase(f"misspelt-{i}-{path}", _with_params({path: [1]}), (f"'{name}'",)))
    for path, values in SCHEMA_BAD_VALUES.items():
        good = GOOD_VALUES[path]
        for j, v in enumerate(values):
            cases.append(
                SweepCase(
                    f"schema-{path}-{j}",
                    _with_params({path: [good, v]}),
                    ("1 of 2 sweep point(s) give an invalid scenario", "point 1 (", path),
                )
            )
    for j, (text, expect) in enumerate(SWEEP_SCHEMA_TEXTS):
        cases.append(SweepCase(f"sweep-schema-{j}", _doc().rstrip() + "\n" + text, expect))
    for j, (text, expect) in enumerate(TOP_LEVEL_TEXTS):
        cases.append(SweepCase(f"top-level-{j}", text, ("a sweep file is a mapping", expect)))
    for kind in BASE_KINDS:
        value, files, setup, expect = _base_case(kind)
        text = "base: " + json.dumps(value) + "\nparameters: {seed: [1, 2]}\n"

        def make(d: Path, text: str = text, setup: Any = setup) -> Path:
            if setup:
                setup(d)
            (d / "s.yaml").write_text(text, encoding="utf-8")
            return d / "s.yaml"

        cases.append(SweepCase(f"base-{kind}", None, expect, make=make, files=files))
    for j, (value, expect) in enumerate(BASE_VALUE_TEXTS):
        cases.append(SweepCase(f"base-value-{j}", f"base: {value}\nparameters: {{seed: [1]}}\n",
                               ("base", expect)))  # fmt: skip
    for kind, expect in SPECIAL_SWEEP_FILES:
        cases.append(SweepCase(f"sweep-file-{kind}", None, expect, make=_special_file(kind)))
    # accepted: seeded grids, zipped lists, samples (duplicates share a point folder)
    for i in range(10):
        alts = sorted(rng.sample(range(300, 1500, 10), rng.randint(1, 4)))
        seeds = [rng.randint(0, 2**31) for _ in range(rng.randint(1, 3))]
        if i % 3 == 0:
            seeds = seeds + seeds[:1]  # a repeated value: same scenario, one folder
        cases.append(
            SweepCase(
                f"ok-grid-{i}",
                _with_params({ALT: alts, "seed": seeds}),
                ok=True,
                n_points=len(alts) * len(seeds),
            )
        )
    for i in range(3):
        n = rng.randint(1, 12)
        text = _doc().rstrip() + (
            f"\nsamples: {{method: {rng.choice(['lhs', 'random'])}, n: {n}, seed: {i},"
            f" ranges: {{{ALT}: [400.0, 900.0], constellations.0.walker.planes: [1, 4]}}}}\n"
        )
        cases.append(SweepCase(f"ok-samples-{i}", text, ok=True, n_points=n))
    cases.append(
        SweepCase(
            "ok-list",
            _doc().rstrip() + f"\nmode: list\nparameters: {{{ALT}: [500, 600], seed: [1, 2]}}\n",
            ok=True,
            n_points=2,
        )
    )
    return cases


SWEEP_CASES = generate_sweep_cases()


def _write_case(case: SweepCase, d: Path) -> Path:
    for name, data in case.files.items():
        (d / name).write_bytes(data)
    if case.make is not None:
        return case.make(d)
    f = d / "adv-sweep.yaml"
    f.write_text(case.text or "", encoding="utf-8")
    return f


@pytest.mark.parametrize("case", SWEEP_CASES, ids=[c.id[:60] for c in SWEEP_CASES])
def test_sweep_file(case: SweepCase, tmp_path: Path) -> None:
    f = _write_case(case, tmp_path)
    before = tree(tmp_path)
    with bounded():
        if case.ok:
            plan = load_sweep(f)
            assert len(plan.points) == case.n_points
            assert len(set(plan.unique_hashes)) <= len(plan.points)
            return
        with pytest.raises(OrbitcloudInputError) as e:
            load_sweep(f)
    msg = str(e.value)
    clean_message(msg)
    assert str(f) in msg
    for part in case.expect:
        assert part in msg, (part, msg)
    assert tree(tmp_path) == before  # nothing written


CLI_SAMPLE = random.Random(SEED + 1).sample([c for c in SWEEP_CASES if not c.ok], 12)


@pytest.mark.parametrize("case", CLI_SAMPLE, ids=[c.id[:60] for c in CLI_SAMPLE])
def test_sweep_file_on_the_command_line(case: SweepCase, tmp_path: Path) -> None:
    """The same inputs through ``orbitcloud sweep``: ``error:`` lines, exit 2, no folder."""
    f = _write_case(case, tmp_path)
    out = tmp_path / "out"
    with bounded():
        r = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ")
    clean_message(r.output)
    assert not out.exists()


# --- 2. values only a run rejects: checked for every point before any is submitted ----------

TLE_OK = (
    "ISS (ZARYA)\n"
    "1 25544U 98067A   25172.50000000  .00016717  00000-0  10270-3 0  9993\n"
    "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563535\n"
)


def _tle_checksum(line: str) -> str:
    s = sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68])
    return line[:68] + str(s % 10)


def _run_only_cases() -> list[tuple[str, dict[str, Any], dict[str, str], tuple[str, ...], bool]]:
    """(id, sweep document, files beside it, expected, slow): schema-valid, run-invalid."""
    sso = {"name": "s", "sso": {"altitude_km": 600, "ltan_h": 6, "count": 3}}
    two = [*copy.deepcopy(TINY["constellations"]), {**TINY["constellations"][0], "name": "other"}]
    l1, l2 = TLE_OK.splitlines()[1:]
    good = "ISS\n" + _tle_checksum(l1) + "\n" + _tle_checksum(l2) + "\n"
    bad = "ISS\n" + _tle_checksum(l1) + "\n" + l2[:60] + "X" + l2[61:] + "\n"
    return [
        ("mesh-without-radius", {"base": TINY, "parameters": {
            "constellations.0.isl.topology": ["none", "mesh", "nearest-k", "mesh"]}},
         {}, ("2 of 4 sweep point(s)", "point 1 (", "point 3 (", "mesh_radius_m"), False),
        ("links-per-satellite", {"base": TINY, "set": {"constellations.0.isl.topology": "plus-grid"},
         "parameters": {"constellations.0.isl.links_per_satellite": [2, 3, 4]}},
         {}, ("3 of 3 sweep point(s)", "point 0 (", "point 2 (", "nearest-k only"), False),
        ("plus-grid-on-sso", {"base": dict(TINY, constellations=[sso]), "parameters": {
            "constellations.0.isl.topology": ["none", "plus-grid"]}},
         {}, ("1 of 2", "needs a Walker shell"), False),
        ("bad-tle", {"base": dict(TINY, constellations=[{"name": "t", "tle_file": "good.tle"}]),
         "parameters": {"constellations.0.tle_file": ["good.tle", "bad.tle"]}},
         {"good.tle": good, "bad.tle": bad}, ("1 of 2", "point 1 (", "bad.tle"), False),
        ("economics-without-compute", {"base": TINY, "parameters": {"economics": [None, {}]}},
         {}, ("1 of 2", "needs a compute fleet"), False),
        ("two-shells-one-bad", {"base": dict(TINY, constellations=two), "parameters": {
            "constellations.1.isl.topology": ["none", "mesh"]}},
         {}, ("1 of 2", "constellations.1.isl.mesh_radius_m"), False),
        ("unknown-city", {"base": dict(TINY, ground={"cities": {"names": ["Paris"]}}),
         "parameters": {"ground.cities.names": [["Paris"], ["Xyzzyville"], ["Lagos", "Qqqq"]]}},
         {}, ("2 of 3", "point 1 (", "point 2 (", "unknown city 'Xyzzyville'",
              "ground.cities.names.1: unknown city 'Qqqq'"), True),
        ("no-city-selected", {"base": dict(TINY, ground={"cities": {"countries": ["FR"]}}),
         "parameters": {"ground.cities.countries": [["FR"], ["QQ"]]}},
         {}, ("1 of 2", "select no city"), True),
    ]  # fmt: skip


RUN_ONLY = _run_only_cases()


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=[pytest.mark.slow] if c[4] else []) for c in RUN_ONLY],
    ids=[c[0] for c in RUN_ONLY],
)
def test_values_only_a_run_rejects_fail_before_anything_runs(case, tmp_path: Path) -> None:
    """Defect 12: what ``orbitcloud validate`` refuses is refused for every point at once,
    with the point's parameters, before a cluster starts or a folder is made."""
    _, doc, files, expect, _ = case
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    f = tmp_path / "run-only.yaml"
    f.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    plan = load_sweep(f)  # the schema accepts every point
    out = tmp_path / "out"

    def no_cluster(*a: Any, **k: Any) -> Any:
        raise AssertionError("a cluster was started for a sweep with invalid points")

    with bounded(), pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner_mod, "dask_client", no_cluster)
        with pytest.raises(OrbitcloudInputError) as e:
            run_sweep(plan, out)
    msg = str(e.value)
    clean_message(msg)
    assert str(f) in msg
    assert "nothing was run" in msg
    for part in expect:
        assert part in msg, (part, msg)
    assert not out.exists()


# --- 3. damaged sweep folders -------------------------------------------------------------------


@pytest.fixture(scope="module")
def inproc_client():
    """An in-process Dask cluster (one thread): starts in about a second."""
    from distributed import Client

    c = Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None)
    yield c
    c.close()


def _tiny_plan() -> Any:
    return plan_sweep({"base": copy.deepcopy(TINY), "parameters": {ALT: [550, 600]}}, "adv.yaml")


@pytest.fixture(scope="module")
def done_sweep(tmp_path_factory, inproc_client) -> Path:
    """A finished sweep of two tiny points (its folder is copied by each case)."""
    out = tmp_path_factory.mktemp("adv-sweep") / "done"
    res = run_sweep(_tiny_plan(), out, client=inproc_client, write_report=False)
    assert res.failed == []
    assert res.computed == 2
    return out


def _rewrite(path: Path, rows: slice) -> None:
    t = pq.read_table(path)
    path.unlink()
    pq.write_table(t.slice(rows.start or 0, (rows.stop or t.num_rows) - (rows.start or 0)), path)


def _summary_edit(edit: Callable[[dict], Any]) -> Callable[[Path, Path], None]:
    """Change the point's summary in place (``edit`` mutates it)."""

    def apply(point: Path, other: Path) -> None:
        s = json.loads((point / "summary.json").read_text())
        edit(s)
        (point / "summary.json").write_text(json.dumps(s))

    return apply


def _summary_text(text: str) -> Callable[[Path, Path], None]:
    def apply(point: Path, other: Path) -> None:
        (point / "summary.json").write_text(text)

    return apply


def _truncate(name: str, keep: Callable[[int], int]) -> Callable[[Path, Path], None]:
    def apply(point: Path, other: Path) -> None:
        p = point / name
        os.truncate(p, keep(p.stat().st_size))

    return apply


def _replace_with(name: str, kind: str) -> Callable[[Path, Path], None]:
    def apply(point: Path, other: Path) -> None:
        p = point / name
        p.unlink()
        if kind == "dir":
            p.mkdir()
        elif kind == "fifo":
            os.mkfifo(p)
        elif kind == "dev-zero":
            p.symlink_to("/dev/zero")
        elif kind == "other-point":
            shutil.copy(other / name, p)

    return apply


def _append(name: str, data: bytes) -> Callable[[Path, Path], None]:
    def apply(point: Path, other: Path) -> None:
        with open(point / name, "ab") as f:
            f.write(data)

    return apply


def _flip_footer(point: Path, other: Path) -> None:
    p = point / "positions.parquet"
    b = bytearray(p.read_bytes())
    b[-1] ^= 0xFF  # the trailing "PAR1" magic
    p.write_bytes(bytes(b))


def _flip_middle(point: Path, other: Path) -> None:
    p = point / "positions.parquet"
    b = bytearray(p.read_bytes())
    b[len(b) // 3] ^= 0x01  # inside a data page: the footer still reads
    p.write_bytes(bytes(b))


def _user_file(point: Path, other: Path) -> None:
    (point / "notes.txt").write_text("my notes")


def _both(*fns: Callable[[Path, Path], None]) -> Callable[[Path, Path], None]:
    def apply(point: Path, other: Path) -> None:
        for fn in fns:
            fn(point, other)

    return apply


@dataclass
class FolderCase:
    id: str
    damage: Callable[[Path, Path], None]  # (point folder, the other point's folder)
    outcome: str  # "recompute", "reuse" or "refuse"
    why: str = ""  # a substring of the problem reported
    fast_resume: bool = False  # full resume in the default run too


def _point_is_file(point: Path, other: Path) -> None:
    shutil.rmtree(point)
    point.write_text("not a folder")


def _point_is_link(target_kind: str) -> Callable[[Path, Path], None]:
    def apply(point: Path, other: Path) -> None:
        elsewhere = point.parent.parent.parent / f"elsewhere-{point.name}"
        if target_kind == "complete":
            shutil.move(point, elsewhere)
        elif target_kind == "damaged":
            shutil.move(point, elsewhere)
            (elsewhere / "positions.parquet").unlink()
        else:  # dangling
            shutil.rmtree(point)
        point.symlink_to(elsewhere, target_is_directory=True)

    return apply


def _empty_dir(point: Path, other: Path) -> None:
    shutil.rmtree(point)
    point.mkdir()


def _huge_summary(point: Path, other: Path) -> None:
    with open(point / "summary.json", "ab") as f:
        f.truncate(17 << 20)


def _deep_summary(point: Path, other: Path) -> None:
    (point / "summary.json").write_text("[" * 100_000 + "]" * 100_000)


FOLDER_CASES = [
    FolderCase("positions-truncated-half", _truncate("positions.parquet", lambda n: n // 2),
               "recompute", "positions.parquet has", fast_resume=True),
    FolderCase("positions-truncated-1-byte", _truncate("positions.parquet", lambda n: n - 1),
               "recompute", "positions.parquet has"),
    FolderCase("positions-0-bytes", _truncate("positions.parquet", lambda n: 0), "recompute",
               "positions.parquet has 0 bytes", fast_resume=True),
    FolderCase("satellites-0-bytes", _truncate("satellites.parquet", lambda n: 0), "recompute",
               "satellites.parquet has 0 bytes"),
    FolderCase("positions-deleted", _replace_with("positions.parquet", "none"), "recompute",
               "positions.parquet is missing", fast_resume=True),
    FolderCase("satellites-deleted", _replace_with("satellites.parquet", "none"), "recompute",
               "satellites.parquet is missing"),
    FolderCase("positions-is-a-folder", _replace_with("positions.parquet", "dir"), "refuse",
               "positions.parquet is not a regular file"),
    FolderCase("positions-is-a-fifo", _replace_with("positions.parquet", "fifo"), "refuse",
               "positions.parquet is not a regular file"),
    FolderCase("positions-links-to-dev-zero", _replace_with("positions.parquet", "dev-zero"),
               "refuse", "positions.parquet is not a regular file"),
    FolderCase("positions-of-the-other-point", _replace_with("positions.parquet", "other-point"),
               "recompute", "positions.parquet is not the file the run wrote"),
    FolderCase("positions-byte-changed", _flip_middle, "recompute", "its content changed"),
    FolderCase("positions-garbage-appended", _append("positions.parquet", b"\0" * 100),
               "recompute", "positions.parquet has"),
    FolderCase("positions-footer-flipped", _flip_footer, "recompute",
               "positions.parquet cannot be read as Parquet"),
    FolderCase("positions-one-row-less", lambda p, o: _rewrite(p / "positions.parquet",
               slice(0, -1)), "recompute", "positions.parquet has"),
    FolderCase("scenario-yaml-deleted", _replace_with("scenario.yaml", "none"), "recompute",
               "scenario.yaml is missing"),
    FolderCase("scenario-yaml-emptied", _truncate("scenario.yaml", lambda n: 0), "recompute",
               "scenario.yaml has 0 bytes"),
    FolderCase("summary-deleted", _replace_with("summary.json", "none"), "recompute",
               "no summary.json"),
    FolderCase("summary-0-bytes", _truncate("summary.json", lambda n: 0), "recompute",
               "summary.json is not JSON"),
    FolderCase("summary-not-json", _append("summary.json", b"}{"), "recompute", "not JSON"),
    FolderCase("summary-a-list", _summary_text("[]"), "recompute", "not a JSON object"),
    FolderCase("summary-a-string", _summary_text('"x"'), "recompute", "not a JSON object"),
    FolderCase("summary-null", _summary_text("null"), "recompute", "not a JSON object"),
    FolderCase("summary-other-hash", _summary_edit(lambda s: s.update(scenario_hash="0" * 16)),
               "recompute", "another scenario's"),
    FolderCase("summary-no-tables", _summary_edit(lambda s: s.pop("tables")), "recompute",
               "no valid list of tables"),
    FolderCase("summary-tables-a-list", _summary_edit(lambda s: s.update(tables=[1])),
               "recompute", "no valid list of tables"),
    FolderCase("summary-table-escapes", _summary_edit(lambda s: s["tables"].update(
               {"../../../etc/passwd": 1})), "recompute", "no valid list of tables"),
    FolderCase("summary-negative-rows", _summary_edit(lambda s: s["tables"].update(
               positions=-1)), "recompute", "no valid list of tables"),
    FolderCase("summary-rows-bool", _summary_edit(lambda s: s["tables"].update(positions=True)),
               "recompute", "no valid list of tables"),
    FolderCase("summary-rows-lie", _summary_edit(lambda s: s["tables"].update(positions=1)),
               "recompute", "rows, 1 recorded"),
    FolderCase("summary-extra-table", _summary_edit(lambda s: s["tables"].update(ghost=3)),
               "recompute", "ghost.parquet is missing"),
    FolderCase("summary-file-escapes", _summary_edit(lambda s: s["files"].update(
               {"../x": {"bytes": 1, "sha256": "0" * 64}})), "recompute", "no valid list"),
    FolderCase("summary-file-record-a-number", _summary_edit(lambda s: s["files"].update(
               {"positions.parquet": 7})), "recompute", "no valid list"),
    FolderCase("summary-size-lies", _summary_edit(lambda s: s["files"]["positions.parquet"]
               .update(bytes=7)), "recompute", "7 recorded"),
    FolderCase("summary-digest-lies", _summary_edit(lambda s: s["files"]["positions.parquet"]
               .update(sha256="0" * 64)), "recompute", "its content changed"),
    FolderCase("summary-without-file-records", _summary_edit(lambda s: s.pop("files")), "reuse"),
    FolderCase("summary-huge", _huge_summary, "recompute", "larger than"),
    FolderCase("summary-deeply-nested", _deep_summary, "recompute", "not JSON"),
    FolderCase("point-is-empty-folder", _empty_dir, "recompute", "no summary.json"),
    FolderCase("point-is-a-regular-file", _point_is_file, "refuse", "it is a regular file"),
    FolderCase("point-links-to-complete", _point_is_link("complete"), "reuse"),
    FolderCase("point-links-to-damaged", _point_is_link("damaged"), "refuse",
               "it is a symbolic link"),
    FolderCase("point-link-dangles", _point_is_link("dangling"), "refuse", "link to nothing"),
    FolderCase("user-file-in-complete-point", _user_file, "reuse"),
    FolderCase("user-file-in-damaged-point", _both(_user_file, _truncate(
               "positions.parquet", lambda n: 0)), "refuse", "'notes.txt'"),
    FolderCase("user-folder-in-damaged-point", _both(lambda p, o: (p / "mine").mkdir(),
               _replace_with("summary.json", "none")), "refuse", "'mine/'"),
]  # fmt: skip


def _copy_sweep(done: Path, dst: Path) -> tuple[Path, Path, Path]:
    out = dst / "sweep"
    shutil.copytree(done, out, symlinks=True)
    points = sorted(p for p in (out / POINTS_DIR).iterdir())
    return out, points[0], points[1]


@pytest.mark.parametrize("case", FOLDER_CASES, ids=[c.id for c in FOLDER_CASES])
def test_damaged_point_is_classified_without_touching_anything(
    case: FolderCase, done_sweep: Path, tmp_path: Path
) -> None:
    """Defect 4 and 18: the driver's look at a sweep folder sees every kind of damage, and
    looking changes nothing."""
    out, point, other = _copy_sweep(done_sweep, tmp_path)
    case.damage(point, other)
    plan = _tiny_plan()
    before = tree(tmp_path)
    with bounded():
        summary, problem = inspect_point(point, point.name)
        if case.outcome == "reuse":
            assert summary is not None
            assert problem is None
        else:
            assert summary is None
            assert problem
        if case.outcome == "recompute":
            assert case.why in problem, problem
        if case.outcome == "refuse":
            with pytest.raises(OrbitcloudInputError) as e:
                runner_mod._scan(plan, out / POINTS_DIR)
            clean_message(str(e.value))
            assert f"{POINTS_DIR}/{point.name}" in str(e.value)
            assert case.why in str(e.value)
        else:
            records, todo, _, _ = runner_mod._scan(plan, out / POINTS_DIR)
            assert (point.name in records) == (case.outcome == "reuse")
            assert (point.name in {t.hash for t in todo}) == (case.outcome == "recompute")
            assert other.name in records
    assert tree(tmp_path) == before


def _resume(case: FolderCase, done: Path, tmp_path: Path, client: Any) -> None:
    out, point, other = _copy_sweep(done, tmp_path)
    case.damage(point, other)
    user = {k: v for k, v in tree(point).items() if k in ("notes.txt", "mine")}
    before = tree(tmp_path)
    plan = _tiny_plan()
    with bounded():
        if case.outcome == "refuse":
            with pytest.raises(OrbitcloudInputError) as e:
                run_sweep(plan, out, client=client, write_report=False)
            clean_message(str(e.value))
            assert tree(tmp_path) == before  # nothing moved, deleted or written
            return
        res = run_sweep(plan, out, client=client, write_report=True)
    assert res.failed == []
    if case.outcome == "reuse":
        assert (res.computed, res.reused) == (0, 2)
        for name, entry in user.items():
            assert tree(point)[name] == entry  # the user's file is untouched
    else:
        assert (res.computed, res.reused) == (1, 1)
        assert any(case.why in w for w in res.warnings), res.warnings
        for name in ("positions", "satellites"):
            assert (
                Results(point)
                .arrow(name)
                .equals(Results(done / POINTS_DIR / point.name).arrow(name))
            )
    assert inspect_point(point, point.name)[0] is not None
    assert not [p.name for p in (out / POINTS_DIR).iterdir() if p.name.startswith(".")]
    no_nan_table(out / TABLE)
    no_nan_json(out / MANIFEST)


FAST_RESUME = [c for c in FOLDER_CASES if c.fast_resume] + [
    c for c in FOLDER_CASES if c.id in ("point-is-a-regular-file", "user-file-in-damaged-point")
]


@pytest.mark.parametrize("case", FAST_RESUME, ids=[c.id for c in FAST_RESUME])
def test_resume_recomputes_damaged_points(case, done_sweep, tmp_path, inproc_client) -> None:
    """Defect 4: a truncated, empty or deleted table is recomputed, not reused; defect 18: a
    point path that is a regular file is refused and nothing is left behind."""
    _resume(case, done_sweep, tmp_path, inproc_client)


@pytest.mark.slow
@pytest.mark.parametrize("case", FOLDER_CASES, ids=[c.id for c in FOLDER_CASES])
def test_resume_every_damaged_folder(case, done_sweep, tmp_path, inproc_client) -> None:
    _resume(case, done_sweep, tmp_path, inproc_client)


def _out_case(kind: str, d: Path) -> Path:
    """An ``--out`` that cannot be a sweep folder, in one way."""
    if kind == "regular-file":
        (d / "out").write_text("mine")
        return d / "out"
    if kind == "parent-is-a-file":
        (d / "f").write_text("mine")
        return d / "f" / "out"
    if kind == "name-too-long":
        return d / ("o" * 5000)
    if kind == "nul-byte":
        return d / "o\0ut"
    if kind == "foreign-folder":
        (d / "out").mkdir()
        (d / "out" / "thesis.tex").write_text("mine")
        return d / "out"
    if kind == "manifest-is-a-folder":
        (d / "out" / MANIFEST).mkdir(parents=True)
        return d / "out"
    if kind == "dangling-link":
        (d / "out").symlink_to(d / "nowhere")
        return d / "out"
    if kind == "link-to-a-file":
        (d / "f").write_text("mine")
        (d / "out").symlink_to(d / "f")
        return d / "out"
    raise AssertionError(kind)


OUT_CASES = [
    ("regular-file", "--out exists and is not a folder"),
    ("parent-is-a-file", "--out cannot be used (Not a directory)"),
    ("name-too-long", "--out cannot be used (File name too long)"),
    ("nul-byte", "--out cannot be used (embedded null byte)"),
    ("foreign-folder", "is not a sweep folder"),
    ("manifest-is-a-folder", "is not a sweep folder"),
    ("dangling-link", "symbolic link to nothing"),
    ("link-to-a-file", "--out exists and is not a folder"),
]


@pytest.mark.parametrize(("kind", "expect"), OUT_CASES, ids=[c[0] for c in OUT_CASES])
def test_out_that_cannot_be_a_sweep_folder(kind: str, expect: str, tmp_path: Path) -> None:
    out = _out_case(kind, tmp_path)
    before = tree(tmp_path)
    with bounded(), pytest.raises(OrbitcloudInputError) as e:
        run_sweep(_tiny_plan(), out)
    clean_message(str(e.value))
    assert expect in str(e.value)
    assert len(str(e.value)) < 1000
    assert tree(tmp_path) == before


def test_points_folder_that_is_a_file_is_refused(done_sweep, tmp_path) -> None:
    out, _, _ = _copy_sweep(done_sweep, tmp_path)
    shutil.rmtree(out / POINTS_DIR)
    (out / POINTS_DIR).write_text("x")
    before = tree(tmp_path)
    with pytest.raises(OrbitcloudInputError, match="points in the sweep folder is not a folder"):
        run_sweep(_tiny_plan(), out)
    assert tree(tmp_path) == before


def test_point_path_that_is_a_file_on_the_command_line(done_sweep, tmp_path) -> None:
    """Defect 18 through the CLI: one error naming the path, exit 2, nothing left behind."""
    out, point, other = _copy_sweep(done_sweep, tmp_path)
    _point_is_file(point, other)
    f = tmp_path / "adv.yaml"
    f.write_text(yaml.safe_dump({"base": TINY, "parameters": {ALT: [550, 600]}}), "utf-8")
    before = tree(tmp_path)
    r = CliRunner().invoke(app, ["sweep", str(f), "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: ")
    index = next(p.index for p in _tiny_plan().points if p.hash == point.name)
    assert f"{POINTS_DIR}/{point.name} (point {index}): it is a regular file" in r.stderr
    clean_message(r.output)
    assert tree(tmp_path) == before
    assert point.read_text() == "not a folder"


# --- 4. --scheduler and other misuse -----------------------------------------------------------

BAD_ADDRESSES = [
    "not a url", "", " ", "tcp://", "tcp://:8786", "tcp://h:port", "tcp://h:0", "tcp://h:70000",
    "http://10.0.0.5:8786", "inproc://x", "tcp://a b:1", "x" * 5000, "tcp://h:-1",
    "tcp://h:8786/path", "tcp://h:8786\n", "tcp://[zz]:1", "ftp://h:21", "h",
]  # fmt: skip
GOOD_ADDRESSES = ["tcp://10.0.0.5:8786", "127.0.0.1:8786", "tls://sched.example:8786",
                  "tcp://[::1]:8786", "ws://h:80", "localhost:1"]  # fmt: skip


@pytest.mark.parametrize("address", BAD_ADDRESSES, ids=[repr(a[:20]) for a in BAD_ADDRESSES])
def test_bad_scheduler_address_is_one_error_line(address: str, tmp_path: Path) -> None:
    """Defect 9: ``--scheduler 'not a url'`` gave a traceback; now one line, exit 2."""
    with pytest.raises(OrbitcloudInputError) as e:
        check_scheduler_address(address)
    assert str(e.value).startswith("--scheduler: ")
    assert len(str(e.value)) < 300
    f = tmp_path / "s.yaml"
    f.write_text(_with_params({"seed": [1]}), encoding="utf-8")
    with bounded():
        r = CliRunner().invoke(
            app, ["sweep", str(f), "--scheduler", address, "-o", str(tmp_path / "o")]
        )
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: --scheduler: ")
    assert r.stderr.count("\n") == 1, r.stderr
    assert "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("address", GOOD_ADDRESSES)
def test_well_formed_scheduler_addresses_pass_the_syntax_check(address: str) -> None:
    check_scheduler_address(address)


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--workers", "0"], "--workers"),
        (["--retries", "-1"], "--retries"),
        (["--allowed-failures", "-2"], "--allowed-failures"),
        (["--scheduler", "tcp://1.2.3.4:1", "-w", "2"], "--workers sizes the local cluster"),
        (["--out"], "--out"),
    ],
)
def test_option_misuse(args: list[str], expect: str, tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(_with_params({"seed": [1]}), encoding="utf-8")
    r = CliRunner().invoke(app, ["sweep", str(f), *args])
    assert r.exit_code == 2, r.output
    assert expect in r.output
    assert "Traceback" not in r.output


@pytest.mark.slow
def test_scheduler_that_refuses_the_connection(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    f = tmp_path / "s.yaml"
    f.write_text(_with_params({"seed": [1]}), encoding="utf-8")
    with bounded(120):
        r = CliRunner().invoke(
            app,
            ["sweep", str(f), "--scheduler", f"tcp://127.0.0.1:{port}", "-o", str(tmp_path / "o")],
        )
    assert r.exit_code == 2, r.output
    assert r.stderr.startswith("error: --scheduler: cannot connect to the Dask scheduler")
    assert "Traceback" not in r.output


# --- 5. Ctrl-C ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_ctrl_c_prints_one_line_and_leaves_a_resumable_sweep(tmp_path: Path, inproc_client) -> None:
    """Defect 15: SIGINT to the whole process group (what a terminal's Ctrl-C does) while local
    workers run points: one line, exit 130, finished points intact, no staging folder left, and
    the same sweep resumes to the table an undisturbed run gives."""
    doc = {
        "name": "ctrl-c",
        "base": dict(copy.deepcopy(TINY), time={"start": "2025-06-21T00:00:00Z",
                                                "duration_h": 6, "step_s": 10}),
        "parameters": {"seed": list(range(1, 21))},
    }  # fmt: skip
    f = tmp_path / "ctrl-c.yaml"
    f.write_text(yaml.safe_dump(doc), encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "orbitcloud", "sweep", str(f), "--out", str(out), "-w", "2"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            pts = out / POINTS_DIR
            if pts.is_dir() and sum(not p.name.startswith(".") for p in pts.iterdir()) >= 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    text = err.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text
    assert "KeyboardInterrupt" not in text
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines == ["interrupted: finished points are kept; run the same command again to resume"]
    finished = [p for p in (out / POINTS_DIR).iterdir() if not p.name.startswith(".")]
    assert finished
    for p in finished:
        assert inspect_point(p, p.name)[0] is not None, p
    plan = load_sweep(f)
    res = run_sweep(plan, out, client=inproc_client, write_report=False)
    assert res.failed == []
    assert res.reused == len(finished)
    assert res.computed == 20 - len(finished)
    assert not [p.name for p in (out / POINTS_DIR).iterdir() if p.name.startswith(".")]
    ref = run_sweep(plan, tmp_path / "ref", client=inproc_client, write_report=False)
    assert pq.read_table(out / TABLE).equals(pq.read_table(ref.table_path))


# --- 6. the count the issue asks for ------------------------------------------------------------


def test_at_least_60_adversarial_inputs() -> None:
    n = (
        len(SWEEP_CASES) + len(RUN_ONLY) + len(FOLDER_CASES) + len(BAD_ADDRESSES)
        + len(GOOD_ADDRESSES) + len(OUT_CASES) + 5
    )  # fmt: skip
    assert n >= 60, n
