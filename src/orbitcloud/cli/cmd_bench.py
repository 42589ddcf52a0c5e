"""``orbitcloud bench``: run the project's benchmarks (``bench/bench_*.py``) and compare.

Each module follows the bench protocol of docs/CONTRIBUTING.md: ``run(quick) -> list[dict]``
with at least ``name``, ``seconds``, ``baseline``, ``baseline_seconds``, ``ratio``, ``goal`` and
``ok``. Every module runs in its own Python subprocess, so a crash or a hang in one (it is
killed after ``--timeout`` seconds) is reported and the others still run.

The benchmarks are not installed with the package: they live in the source checkout's
``bench/`` folder, found beside the package of an editable install (``src/orbitcloud`` ->
``bench``), else in the current folder or its parents, or given with ``--dir``.

Exit status: 0 when every module ran and every result is ``ok``; 1 otherwise; 2 for bad input.

``--quick`` times small inputs (milliseconds), where interpreter start-up, cold caches and the
other processes of the machine weigh as much as the code: a goal missed there is shown as
``missed*`` with what was measured and the machine's load, not as a verdict (the goals are set
for the full sizes).
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from orbitcloud.scenario.errors import OrbitcloudInputError

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def print_error(message: str) -> None:
    """``error: <message>`` on stderr, verbatim (no markup), as the rest of the command line."""
    err_console.print(Text.assemble(("error:", "bold red"), " ", message), soft_wrap=True)


REQUIRED_KEYS = ("name", "seconds", "baseline", "baseline_seconds", "ratio", "goal", "ok")
_MARKER = "@@orbitcloud-bench-result@@"

# Run in the child: import the module from its file, call run(quick), print the marked JSON.
# Anything else the module prints goes to stdout/stderr unharmed; only the marked line is read.
_CHILD = f"""
import importlib.util, json, math, sys
path, quick = sys.argv[1], sys.argv[2] == "1"
spec = importlib.util.spec_from_file_location("orbitcloud_bench_module", path)
mod = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = mod
spec.loader.exec_module(mod)
if not callable(getattr(mod, "run", None)):
    raise SystemExit(path + ": no run(quick) function (bench protocol, docs/CONTRIBUTING.md)")
res = mod.run(quick)
def clean(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {{str(k): clean(v) for k, v in o.items()}}
    if isinstance(o, (list, tuple)):
        return [clean(v) for v in o]
    if hasattr(o, "item"):
        return clean(o.item())
    return o
sys.stdout.write("\\n{_MARKER}" + json.dumps(clean(res), default=str) + "\\n")
"""


def find_bench_dir(explicit: Path | None = None) -> Path:
    """The ``bench/`` folder of the source checkout (see the module docstring)."""
    if explicit is not None:
        if not explicit.is_dir():
            raise OrbitcloudInputError("no such folder", explicit)
        return explicit.resolve()
    import orbitcloud

    pkg = Path(orbitcloud.__file__).resolve().parent
    candidates = [pkg.parent.parent / "bench"]  # <checkout>/src/orbitcloud -> <checkout>/bench
    cwd = Path.cwd().resolve()
    candidates += [d / "bench" for d in (cwd, *cwd.parents)]
    for c in candidates:
        if c.is_dir() and any(c.glob("bench_*.py")):
            return c
    raise OrbitcloudInputError(
        "cannot find the benchmarks (bench/bench_*.py): they ship with the source checkout, not "
        f"the installed package (looked beside the package, {pkg.parent.parent / 'bench'}, and "
        f"in {cwd} and its parents); run from a checkout or pass --dir PATH/TO/bench"
    )


def discover(bench_dir: Path, only: list[str] | None = None) -> list[Path]:
    """``bench_*.py`` files, sorted; ``only`` keeps those named (``sweep`` or ``bench_sweep``)."""
    files = sorted(bench_dir.glob("bench_*.py"))
    if not only:
        return files
    names = {f.stem.removeprefix("bench_"): f for f in files}
    picked = []
    for o in only:
        key = Path(o).stem.removeprefix("bench_")
        if key not in names:
            raise OrbitcloudInputError(
                f"no benchmark {o!r} in {bench_dir}; available: {', '.join(names)}", "--only"
            )
        picked.append(names[key])
    return list(dict.fromkeys(picked))


def run_module(path: Path, quick: bool, timeout_s: float) -> dict[str, Any]:
    """Run one bench module in a subprocess; returns ``{module, returncode, seconds, results,
    error}`` -- never raises for the module's own failure."""
    t0 = time.perf_counter()
    cmd = [sys.executable, "-c", _CHILD, str(path), "1" if quick else "0"]
    rec: dict[str, Any] = {"module": path.stem, "file": str(path), "results": [], "error": None}
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout_s, cwd=path.parent.parent,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        rec.update(returncode=None, seconds=round(time.perf_counter() - t0, 3),
                   error=f"timed out after {timeout_s:g} s (killed)")  # fmt: skip
        return rec
    rec["returncode"] = proc.returncode
    rec["seconds"] = round(time.perf_counter() - t0, 3)
    line = next((ln for ln in reversed(proc.stdout.splitlines()) if ln.startswith(_MARKER)), None)
    if proc.returncode != 0 or line is None:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        rec["error"] = (
            f"exit status {proc.returncode}: {tail}"
            if tail
            else (f"exit status {proc.returncode}, no result printed")
        )
        return rec
    try:
        results = json.loads(line[len(_MARKER) :])
    except ValueError as exc:
        rec["error"] = f"unreadable result ({exc})"
        return rec
    problems = check_results(results)
    if problems:
        rec["error"] = "not the bench protocol (docs/CONTRIBUTING.md): " + "; ".join(problems)
    rec["results"] = results if isinstance(results, list) else []
    return rec


def check_results(results: Any) -> list[str]:
    """What makes ``results`` not follow the bench protocol (empty when it does)."""
    if not isinstance(results, list) or not results:
        return ["run() must return a non-empty list of dicts"]
    problems = []
    for i, r in enumerate(results):
        if not isinstance(r, dict):
            problems.append(f"item {i} is not a dict")
            continue
        missing = [k for k in REQUIRED_KEYS if k not in r]
        if missing:
            problems.append(f"{r.get('name', f'item {i}')}: missing {', '.join(missing)}")
    return problems


def _num(v: Any, fmt: str) -> str:
    if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
        return format(v, fmt)
    return "-"


def _load() -> str:
    """The 1-minute load average and the CPU count, for the notes (``?`` where unknown)."""
    try:
        load = f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):  # not on every platform
        load = "?"
    return f"load average {load} on {os.cpu_count() or '?'} CPU(s)"


def _ok_cell(ok: bool, quick: bool) -> str:
    if ok:
        return "[green]yes[/]"
    return "[yellow]missed*[/]" if quick else "[bold red]no[/]"


def _quick_note(missed: list[dict[str, Any]], n_rows: int, load_before: str) -> str:
    """What a missed goal of ``--quick`` measured, and why it is noise-prone."""
    lines = [
        f"* {len(missed)} of {n_rows} goals missed with --quick. Each row times the code "
        "(seconds) and its baseline (baseline seconds) on the same small input in the same "
        "process; ratio = seconds / baseline seconds. At these sizes (milliseconds) start-up, "
        "cold caches and other processes weigh as much as the code, so a --quick row is "
        f"noise-prone, not a verdict (machine: {load_before} at the start, {_load()} at the "
        "end). Rerun without --quick, on a quiet machine, before reading a miss as a "
        "regression. Missed:"
    ]
    for r in missed:
        lines.append(
            f"  {r.get('name', '?')}: {_num(r.get('seconds'), '.3g')} s vs "
            f"{_num(r.get('baseline_seconds'), '.3g')} s, ratio {_num(r.get('ratio'), '.3g')}; "
            f"goal {r.get('goal', '')}"
        )
    return "\n".join(lines)


def bench(
    quick: Annotated[
        bool, typer.Option("--quick", help="Small variants of every benchmark (a smoke test).")
    ] = False,
    json_file: Annotated[
        Path | None, typer.Option("--json", help="Also write every result to this JSON file.")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Run only this benchmark (e.g. sweep); repeatable."),
    ] = None,
    bench_dir: Annotated[
        Path | None,
        typer.Option(
            "--dir",
            help="The bench/ folder (default: the source checkout's, found beside the "
            "installed package or in the current folder and its parents).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds before a module is killed.")
    ] = 1800.0,
) -> None:
    """Run the benchmarks (bench/bench_*.py), each in a subprocess; print and compare.

    Prints name / seconds / baseline / ratio / goal / ok for every result. Exit status 0 when
    all ran and met their goal, 1 otherwise. With --quick the inputs are small and timings
    noise-prone: a missed goal shows as missed*, with what was measured and the machine's load.
    """
    from orbitcloud._version import __version__

    try:
        d = find_bench_dir(bench_dir)
        files = discover(d, only)
    except OrbitcloudInputError as exc:
        print_error(str(exc))
        raise typer.Exit(2) from None
    if not files:
        print_error(f"no bench_*.py in {d}")
        raise typer.Exit(2)
    load_before = _load()
    console.print(
        f"{len(files)} benchmark module(s) in {d}" + (" (--quick)" if quick else "")
        + f"; {load_before}",
        highlight=False,
    )  # fmt: skip
    modules = []
    for f in files:
        with err_console.status(f"running {f.name} ..."):
            rec = run_module(f, quick, timeout)
        state = "[green]done[/]" if rec["error"] is None else "[bold red]FAILED[/]"
        console.print(f"{f.name}: {state} in {rec['seconds']:.1f} s", highlight=False)
        modules.append(rec)

    t = Table(
        show_header=True, header_style="bold", title="orbitcloud bench",
        caption="baseline: its seconds, then what it is (cut short here; whole in --json)",
    )  # fmt: skip
    t.add_column("name", min_width=20)
    t.add_column("seconds", justify="right", no_wrap=True)
    t.add_column("baseline", no_wrap=True, overflow="ellipsis", max_width=32)
    t.add_column("ratio", justify="right", no_wrap=True)
    t.add_column("goal", min_width=12)
    t.add_column("ok", justify="center", no_wrap=True)
    all_ok = True
    missed: list[dict[str, Any]] = []
    for m in modules:
        for r in m["results"]:
            ok = bool(r.get("ok"))
            all_ok &= ok
            if not ok:
                missed.append(r)
            base = f"{_num(r.get('baseline_seconds'), '.3g')} s: {r.get('baseline', '')}"
            t.add_row(
                str(r.get("name", "?")), _num(r.get("seconds"), ".3f"), base,
                _num(r.get("ratio"), ".3g"), str(r.get("goal", "")), _ok_cell(ok, quick),
            )  # fmt: skip
        if m["error"] is not None:
            all_ok = False
            t.add_row(m["module"], _num(m.get("seconds"), ".1f"), "", "",
                      "(error below)", "[bold red]failed[/]")  # fmt: skip
    console.print(t)
    if quick and missed:
        console.print(
            Text(_quick_note(missed, sum(len(m["results"]) for m in modules), load_before))
        )
    for m in modules:
        if m["error"] is not None:
            console.print(Text.assemble((f"{m['module']}.py failed:", "bold red"), " ", m["error"]))
    if json_file is not None:
        doc = {
            "orbitcloud_version": __version__,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": quick,
            "python": platform.python_version(),
            "machine": {
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "load_before": load_before,
                "load_after": _load(),
            },
            "bench_dir": str(d),
            "modules": modules,
            "results": [{"module": m["module"], **r} for m in modules for r in m["results"]],
        }
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
        console.print(f"JSON: {json_file}", highlight=False)
    raise typer.Exit(0 if all_ok else 1)


def register(app: typer.Typer) -> None:
    """Add ``bench`` to the command line."""
    app.command(name="bench")(bench)
