"""The sweep file: a base scenario, parameters by dotted path, and the points they make.

A sweep file (docs/sweeps.md) names a base scenario (a built-in name, a path relative to the
sweep file, or an inline mapping), fixed overrides (``set``), parameters to vary (``parameters``:
a grid, or zipped lists with ``mode: list``) and/or seeded random or Latin-hypercube samples
(``samples``). Parameters are dotted paths into the scenario document; a list index is a path
segment (``constellations.0.walker.altitude_km``).

:func:`load_sweep` turns it into a :class:`SweepPlan`: every point's scenario is built and
validated against the schema here, before anything runs, and every invalid point is reported
at once, naming the sweep file, the point's parameters and the dotted path of the offending
field. :func:`check_points` then runs the checks of ``orbitcloud validate`` (files, cities,
every stage's inputs) on each distinct point; ``run_sweep`` calls it for every point it is
about to run, before it submits any.
"""

from __future__ import annotations

import copy
import difflib
import itertools
import math
import stat
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from orbitcloud.scenario.base import Model
from orbitcloud.scenario.errors import OrbitcloudInputError, OrbitcloudWarning
from orbitcloud.scenario.loader import (
    builtin_names,
    builtin_path,
    format_validation_error,
    load_scenario,
    scenario_from_dict,
)
from orbitcloud.scenario.model import resolved_dict
from orbitcloud.scenario.overrides import check_disjoint_paths as _check_paths
from orbitcloud.scenario.overrides import set_dotted, split_path
from orbitcloud.scenario.yamlio import load_yaml_file
from orbitcloud.sweep.sampling import scale_samples, unit_samples

MAX_POINTS = 100_000
"""More points than this in one sweep is likelier a typo in a grid than a plan."""
MAX_SWEEP_FILE_BYTES = 16 << 20
"""A sweep file larger than this (16 MiB) is refused before it is read: a grid of 100,000
points takes well under 1 MiB of YAML."""

MAX_POINT_ERRORS_SHOWN = 10
"""Failing points described in full in one error; the indices of the others are listed after."""


class AxisSpec(Model):
    """One axis of the Pareto plot: a KPI name or a swept parameter's dotted path."""

    name: str = Field(min_length=1, max_length=300)
    goal: Literal["min", "max"] = "min"


class ParetoSpec(Model):
    """The two quantities traded off in the sweep report's Pareto front."""

    x: AxisSpec
    y: AxisSpec


class ReportSpec(Model):
    """What the sweep report shows (defaults: docs/sweeps.md)."""

    pareto: ParetoSpec | None = None


class SamplesSpec(Model):
    """Seeded random or Latin-hypercube samples of numeric ranges."""

    method: Literal["random", "lhs"]
    n: int = Field(ge=1, le=MAX_POINTS)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    ranges: dict[str, list[int | float]] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_ranges(self) -> SamplesSpec:
        for path, r in self.ranges.items():
            if len(r) != 2:
                raise ValueError(f"ranges.{path}: give [low, high], found {len(r)} value(s)")
            lo, hi = r
            if not (math.isfinite(lo) and math.isfinite(hi)) or not lo < hi:
                raise ValueError(f"ranges.{path}: need finite low < high, found [{lo}, {hi}]")
        return self


class SweepFile(Model):
    """The sweep file's schema (docs/sweeps.md)."""

    base: str | dict[str, Any] = Field(
        description="a built-in scenario name, a scenario file relative to the sweep file, or "
        "an inline scenario mapping"
    )
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str = ""
    mode: Literal["grid", "list"] = "grid"
    fixed: dict[str, Any] = Field(default_factory=dict, alias="set")
    parameters: dict[str, list[Any]] = Field(default_factory=dict)
    samples: SamplesSpec | None = None
    report: ReportSpec = Field(default_factory=ReportSpec)


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep: its parameters and its resolved, validated scenario.

    Attributes
    ----------
    index : position in the sweep (grid order: the first parameter varies slowest)
    params : dotted path -> value, for every swept parameter
    scenario : the resolved scenario as JSON-able data (``resolved_dict``, what a results
        folder's ``scenario.yaml`` holds): every constellation's
        spacecraft as its resolved design, so a worker loading it runs the same physics as
        the point's scenario, and a point with no overrides runs exactly the base scenario
    hash : ``Scenario.scenario_hash()``, the name of the point's results folder
    """

    index: int
    params: dict[str, Any]
    scenario: dict[str, Any]
    hash: str


@dataclass
class SweepPlan:
    """A validated sweep, ready to run: every point's scenario built and checked."""

    name: str
    source: str
    base: str
    parameter_names: list[str]
    points: list[SweepPoint]
    description: str = ""
    pareto: ParetoSpec | None = None
    spec: dict[str, Any] = field(default_factory=dict)

    @property
    def unique_hashes(self) -> list[str]:
        """The distinct results folders the sweep needs, in point order."""
        return list(dict.fromkeys(p.hash for p in self.points))


def describe_params(params: dict[str, Any]) -> str:
    """``path=value, path=value`` for messages and tables."""
    return ", ".join(f"{k}={_short(v)}" for k, v in params.items())


def _short(v: Any) -> str:
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 60 else text[:57] + "..."


def _index_ranges(indices: list[int], max_chars: int = 400) -> str:
    """``3, 7-12, 15``: sorted point indices as ranges, cut (``...``) past ``max_chars``."""
    parts: list[str] = []
    idx = sorted(set(indices))
    k = 0
    while k < len(idx):
        j = k
        while j + 1 < len(idx) and idx[j + 1] == idx[j] + 1:
            j += 1
        parts.append(str(idx[k]) if j == k else f"{idx[k]}-{idx[j]}")
        k = j + 1
    text = ""
    for n, part in enumerate(parts):
        if len(text) + len(part) > max_chars:
            return text + f", ... ({len(parts) - n} more range(s))"
        text += (", " if text else "") + part
    return text


def point_failures_message(
    failures: list[tuple[int, dict[str, Any], str]], total: int, what: str
) -> str:
    """One message for every failing point of a sweep: ``N of M sweep point(s) <what>:``.

    The first :data:`MAX_POINT_ERRORS_SHOWN` points are shown with their parameters and their
    problems (one indented line each); the indices of all the others follow, so every failing
    point is named at once.
    """
    shown = []
    for i, params, detail in failures[:MAX_POINT_ERRORS_SHOWN]:
        lines = detail.splitlines()
        if len(lines) > 1 and lines[0].startswith("invalid scenario"):
            lines = lines[1:]
        body = "\n".join("    " + d.strip() for d in lines)
        shown.append(f"  point {i} ({describe_params(params) or 'base'}):\n{body}")
    more = failures[MAX_POINT_ERRORS_SHOWN:]
    tail = (
        f"\n  ... and {len(more)} more point(s): {_index_ranges([f[0] for f in more])}"
        if more
        else ""
    )
    return f"{len(failures)} of {total} sweep point(s) {what}:\n" + "\n".join(shown) + tail


def check_points(
    plan: SweepPlan,
    hashes: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Run ``orbitcloud validate``'s checks on every distinct point, before any is run.

    The schema is checked when the plan is made; this builds each point's satellites and time
    grid and starts every stage (:func:`orbitcloud.engine.run.check`), which reads the files it
    names and rejects what only a run would find: an unknown city, an unreadable TLE, a
    workload with nothing to run on. No propagation.

    Parameters
    ----------
    plan : the sweep
    hashes : the distinct points to check (default: all of them), e.g. those not done yet
    progress : called as ``progress(checked, total)``

    Raises
    ------
    OrbitcloudInputError
        naming every failing point with its parameters and problem.
    """
    from orbitcloud.engine.run import check

    todo = plan.unique_hashes if hashes is None else list(dict.fromkeys(hashes))
    points: dict[str, list[SweepPoint]] = {}
    for p in plan.points:
        points.setdefault(p.hash, []).append(p)
    problems: dict[str, str] = {}
    for n, h in enumerate(todo):
        try:
            with warnings.catch_warnings():  # design warnings: the point's run reports them
                warnings.simplefilter("ignore", OrbitcloudWarning)
                check(load_scenario(copy.deepcopy(points[h][0].scenario)))
        except OrbitcloudInputError as exc:  # its "where" is a field path or a file: keep it
            problems[h] = str(exc)
        except Exception as exc:  # a model's own check failing: still report it
            problems[h] = f"the run's checks failed: {type(exc).__name__}: {exc}"
        if progress:
            progress(n + 1, len(todo))
    if problems:
        # every point of a failing scenario, in point order (points with one scenario share it)
        failures = sorted(
            ((p.index, p.params, problems[h]) for h in problems for p in points[h]),
            key=lambda f: f[0],
        )
        raise OrbitcloudInputError(
            point_failures_message(
                failures,
                sum(len(points[h]) for h in todo),
                f"fail the checks of `orbitcloud validate` (nothing was run; base: {plan.base})",
            ),
            plan.source,
        )


_SECTIONS: dict[tuple[str, ...], type[Model]] = {
    (): SweepFile,
    ("samples",): SamplesSpec,
    ("report",): ReportSpec,
    ("report", "pareto"): ParetoSpec,
    ("report", "pareto", "x"): AxisSpec,
    ("report", "pareto", "y"): AxisSpec,
}
"""The sections of a sweep file with fixed fields (for "unknown field" messages)."""


def _where(parts: list[str], lines: dict[str, int]) -> str:
    """``a.b.c (line N)``: the dotted path and the line of its nearest key in the file."""
    path = ".".join(parts) or "(top level)"
    for k in range(len(parts), 0, -1):
        line = lines.get(".".join(parts[:k]))
        if line is not None:
            return f"{path} (line {line})"
    return path


def _format_schema_error(
    exc: ValidationError, source: str, lines: dict[str, int], data: Any
) -> str:
    """One line per problem of a sweep file, in the scenario loader's words.

    Unknown fields are answered with the fields allowed there (and the closest one), a wrong
    ``base`` with what a base may be; every other error is worded by
    :func:`orbitcloud.scenario.loader.format_validation_error`, as in a scenario file.
    """
    rows: list[str] = []
    rest = []
    base_done = False
    for err in exc.errors(include_url=False):
        loc = [str(x) for x in err["loc"]]
        if err["type"] == "extra_forbidden":
            model = _SECTIONS.get(tuple(loc[:-1]))
            allowed = (
                [f.alias or n for n, f in model.model_fields.items()] if model is not None else []
            )
            close = difflib.get_close_matches(loc[-1], allowed, n=1, cutoff=0.7)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            rows.append(
                f"{_where(loc, lines)}: unknown field {_short(loc[-1])}{hint}"
                + (f" (allowed here: {', '.join(allowed)})" if allowed else "")
            )
        elif loc[:1] == ["base"] and len(loc) <= 2:  # the str | mapping union: one line
            if not base_done:
                rows.append(
                    f"{_where(['base'], lines)}: give a built-in scenario name, a scenario file "
                    f"or an inline scenario mapping, got {_short(err.get('input'))}"
                )
                base_done = True
        else:
            rest.append({k: err[k] for k in ("type", "loc", "input", "ctx") if k in err})
    if rest:
        worded = format_validation_error(
            ValidationError.from_exception_data(exc.title, rest),  # type: ignore[arg-type]
            None,
            lines,
            data,
        ).detail.splitlines()
        if len(worded) > 1:  # "invalid scenario (N problems):" and an indented line each
            worded = worded[1:]
        rows += [w.strip() for w in worded]
    head = f"invalid sweep file ({len(rows)} problem{'s' if len(rows) > 1 else ''}):"
    return head + "\n" + "\n".join("  " + r for r in rows)


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)


def _resolve_base(
    base: str | dict[str, Any], sweep_dir: Path, source: str, line: int | None
) -> tuple[dict[str, Any], Path, str]:
    """The base scenario document, the folder its relative paths resolve against, a label."""
    at = f"base (line {line})" if line else "base"
    if isinstance(base, dict):
        return copy.deepcopy(base), sweep_dir, "inline scenario"
    if base in builtin_names() and not (sweep_dir / base).is_file():
        p = builtin_path(base)
        data, _ = load_yaml_file(p)
        label = base
    else:
        try:
            p = (sweep_dir / Path(base).expanduser()).resolve()
            st = p.stat()
        except (OSError, ValueError) as exc:  # missing, a NUL byte, a name too long, a loop
            why = "" if isinstance(exc, FileNotFoundError) else f" ({_os_reason(exc)})"
            raise OrbitcloudInputError(
                f"{at}: no scenario file {_short(str(sweep_dir / base))}{why} and no built-in "
                f"scenario named {_short(base)}; built-in: " + ", ".join(builtin_names()),
                source,
            ) from None
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise OrbitcloudInputError(
                f"{at}: {p} is {kind}; give a scenario file (YAML) or a built-in scenario name",
                source,
            )
        try:
            data, _ = load_yaml_file(p)
        except OrbitcloudInputError as exc:  # name the sweep file and its line too
            raise OrbitcloudInputError(f"{at}: {exc}", source) from None
        label = str(p)
    if not isinstance(data, dict):
        raise OrbitcloudInputError(f"{at}: {label} is not a scenario (a mapping of fields)", source)
    return data, p.parent, label


def _grid_points(spec: SweepFile, source: str, lines: dict[str, int]) -> list[dict[str, Any]]:
    params = spec.parameters
    if not params:
        return [{}]
    names = list(params)
    for n in names:
        if not params[n]:
            line = lines.get(f"parameters.{n}")
            at = f" (line {line})" if line else ""
            raise OrbitcloudInputError(f"parameters.{n}{at}: the list of values is empty", source)
    if spec.mode == "list":
        lengths = {n: len(v) for n, v in params.items()}
        if len(set(lengths.values())) > 1:
            raise OrbitcloudInputError(
                "mode: list zips the parameter lists, so they must have the same length; found "
                + ", ".join(f"{n}: {k}" for n, k in lengths.items()),
                source,
            )
        return [dict(zip(names, vals, strict=True)) for vals in zip(*params.values(), strict=True)]
    total = math.prod(len(v) for v in params.values())
    if total > MAX_POINTS:
        raise OrbitcloudInputError(
            f"the grid has {total:,} points, more than the {MAX_POINTS:,} allowed; "
            "check the parameter lists (or use samples:)",
            source,
        )
    return [dict(zip(names, vals, strict=True)) for vals in itertools.product(*params.values())]


def _sample_points(spec: SweepFile) -> list[dict[str, Any]]:
    s = spec.samples
    if s is None:
        return [{}]
    names = list(s.ranges)
    u = unit_samples(s.method, s.n, len(names), s.seed)
    rows = scale_samples(u, [(r[0], r[1]) for r in s.ranges.values()])
    return [dict(zip(names, row, strict=True)) for row in rows]


def plan_sweep(
    data: Any,
    source: str = "<sweep>",
    sweep_dir: Path | None = None,
    lines: dict[str, int] | None = None,
    default_name: str = "sweep",
) -> SweepPlan:
    """Validate a parsed sweep document and build and validate every point's scenario.

    Parameters
    ----------
    data : the parsed sweep file
    source : the sweep file's path (named in every error)
    sweep_dir : folder a relative ``base`` path is resolved against (default: cwd)
    lines : dotted key path -> line number in the sweep file, for error messages
    default_name : the sweep's name when the file gives none (the file's stem)

    Raises
    ------
    OrbitcloudInputError
        for a malformed sweep file or any point whose scenario is invalid -- before anything
        runs.
    """
    lines = lines or {}
    sweep_dir = sweep_dir or Path.cwd()
    if not isinstance(data, dict):
        raise OrbitcloudInputError(
            "a sweep file is a mapping with base, parameters (and/or samples), ...; found "
            f"{type(data).__name__}",
            source,
        )
    raw_params = data.get("parameters")
    for n, v in raw_params.items() if isinstance(raw_params, dict) else ():
        if not isinstance(v, list):
            line = lines.get(f"parameters.{n}")
            at = f" (line {line})" if line else ""
            raise OrbitcloudInputError(
                f"parameters.{n}{at}: give a list of values to sweep (found {_short(v)}); "
                "to give one value to every point, put it under set:",
                source,
            )
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise OrbitcloudInputError(_format_schema_error(exc, source, lines, data), source) from None
    if not spec.parameters and spec.samples is None:
        raise OrbitcloudInputError(
            "nothing to sweep: give parameters (lists of values) and/or samples", source
        )
    swept = list(spec.parameters) + (list(spec.samples.ranges) if spec.samples else [])
    all_paths = list(spec.fixed) + swept
    try:
        for p in all_paths:
            split_path(p)
        _check_paths(swept, "parameters and samples")
        _check_paths(all_paths, "set, parameters and samples")
    except ValueError as exc:
        raise OrbitcloudInputError(str(exc), source) from None
    dup = sorted(set(spec.fixed) & set(swept)) + sorted(
        set(spec.parameters) & set(spec.samples.ranges if spec.samples else {})
    )
    if dup:
        raise OrbitcloudInputError(
            f"{', '.join(dup)}: given more than once (set, parameters, samples)", source
        )

    base_doc, base_dir, base_label = _resolve_base(spec.base, sweep_dir, source, lines.get("base"))
    for path, value in spec.fixed.items():
        try:
            set_dotted(base_doc, path, value)
        except ValueError as exc:
            raise OrbitcloudInputError(f"set.{path}: {exc}", source) from None
    # the structure a swept path walks through does not depend on the point: check it once
    for path in swept:
        try:
            set_dotted(copy.deepcopy(base_doc), path, None)
        except ValueError as exc:
            raise OrbitcloudInputError(f"{path}: {exc}", source) from None

    grid = _grid_points(spec, source, lines)
    samples = _sample_points(spec)
    if len(grid) * len(samples) > MAX_POINTS:
        raise OrbitcloudInputError(
            f"{len(grid):,} grid points x {len(samples):,} samples is more than the "
            f"{MAX_POINTS:,} points allowed",
            source,
        )

    points: list[SweepPoint] = []
    failures: list[tuple[int, dict[str, Any], str]] = []
    for i, (g, s) in enumerate(itertools.product(grid, samples)):
        params = {**g, **s}
        doc = copy.deepcopy(base_doc)
        for path, value in params.items():
            set_dotted(doc, path, value)
        try:
            sc = scenario_from_dict(doc, source, base_dir)
        except OrbitcloudInputError as exc:
            failures.append((i, params, exc.detail))
            continue
        # the point's overrides went into the scenario *document* above (so a swept preset name
        # takes effect); what travels to a worker is the resolved form, which re-loads to the
        # same design (a plain model_dump re-loaded would let every default override a preset)
        points.append(SweepPoint(i, params, resolved_dict(sc), sc.scenario_hash()))
    if failures:
        raise OrbitcloudInputError(
            point_failures_message(
                failures,
                len(grid) * len(samples),
                f"give an invalid scenario (nothing was run; base: {base_label})",
            ),
            source,
        )
    name = spec.name or default_name
    return SweepPlan(
        name=name,
        source=source,
        base=base_label,
        parameter_names=swept,
        points=points,
        description=spec.description,
        pareto=spec.report.pareto,
        spec=spec.model_dump(mode="json", by_alias=True),
    )


def load_sweep(path: str | Path) -> SweepPlan:
    """Read a sweep file strictly (YAML 1.2, no duplicate keys) and plan it; see :func:`plan_sweep`."""
    p = Path(path)
    try:
        st = p.stat()
    except (OSError, ValueError) as exc:
        why = "file not found" if isinstance(exc, FileNotFoundError) else _os_reason(exc)
        raise OrbitcloudInputError(why, p) from None
    if stat.S_ISDIR(st.st_mode):
        raise OrbitcloudInputError("is a folder, expected a sweep file (YAML)", p)
    if not stat.S_ISREG(st.st_mode):
        raise OrbitcloudInputError(
            "not a regular file (a device, a pipe or a socket); expected a sweep file (YAML)", p
        )
    if st.st_size > MAX_SWEEP_FILE_BYTES:
        raise OrbitcloudInputError(
            f"{st.st_size:,} bytes is more than the {MAX_SWEEP_FILE_BYTES >> 20} MiB a sweep "
            "file may have (docs/sweeps.md)",
            p,
        )
    data, lines = load_yaml_file(p)
    return plan_sweep(data, str(p), p.resolve().parent, lines, default_name=p.stem)
