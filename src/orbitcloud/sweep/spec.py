"""The sweep file: a base scenario, parameters by dotted path, and the points they make.

A sweep file (docs/sweeps.md) names a base scenario (a built-in name, a path relative to the
sweep file, or an inline mapping), fixed overrides (``set``), parameters to vary (``parameters``:
a grid, or zipped lists with ``mode: list``) and/or seeded random or Latin-hypercube samples
(``samples``). Parameters are dotted paths into the scenario document; a list index is a path
segment (``constellations.0.walker.altitude_km``).

:func:`load_sweep` turns it into a :class:`SweepPlan`: every point's scenario is built and
validated here, before anything runs, and an invalid point is reported naming the sweep file,
the point's parameters and the dotted path of the offending field.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from orbitcloud.scenario.base import Model
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import builtin_names, builtin_path, scenario_from_dict
from orbitcloud.scenario.model import resolved_dict
from orbitcloud.scenario.yamlio import load_yaml_file
from orbitcloud.sweep.sampling import scale_samples, unit_samples

MAX_POINTS = 100_000
"""More points than this in one sweep is likelier a typo in a grid than a plan."""

_MAX_POINT_ERRORS_SHOWN = 5
_SEGMENT = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+)$")


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


def _format_schema_error(exc: ValidationError, source: str, lines: dict[str, int]) -> str:
    parts = []
    for err in exc.errors(include_url=False):
        loc = [str(x) for x in err["loc"]]
        path = ".".join(loc) or "(top level)"
        line = None
        for k in range(len(loc), 0, -1):
            line = lines.get(".".join(loc[:k]))
            if line is not None:
                break
        where = f"{path} (line {line})" if line else path
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field; allowed: base, name, description, mode, set, parameters, samples, report"
        elif err["type"] == "missing":
            msg = "required field is missing"
        got = "" if err["type"] == "missing" else f" (got {_short(err.get('input'))})"
        parts.append(f"  {where}: {msg}{got}")
    return f"invalid sweep file ({len(parts)} problem{'s' if len(parts) > 1 else ''}):\n" + (
        "\n".join(parts)
    )


def split_path(path: str) -> list[str]:
    """The segments of a dotted path; a segment is a field name or a list index."""
    segs = path.split(".")
    bad = [s for s in segs if not _SEGMENT.match(s)]
    if bad or not path:
        raise ValueError(
            f"{path!r} is not a dotted path into the scenario (field names and list indices "
            "joined by dots, e.g. constellations.0.walker.altitude_km)"
        )
    return segs


def _navigate(doc: Any, segs: list[str], create: bool) -> tuple[Any, str | int]:
    """The container holding the last segment, and the key or index in it."""
    cur = doc
    for depth, seg in enumerate(segs[:-1]):
        nxt_key = _key_in(cur, seg, segs, depth)
        nxt = cur[nxt_key] if _has(cur, nxt_key) else None
        if nxt is None:
            if not create or isinstance(cur, list):
                where = ".".join(segs[: depth + 1])
                raise ValueError(f"{where} does not exist in the scenario")
            nxt = {}
            cur[nxt_key] = nxt
        cur = nxt
    return cur, _key_in(cur, segs[-1], segs, len(segs) - 1)


def _has(cur: Any, key: str | int) -> bool:
    if isinstance(cur, dict):
        return key in cur
    return isinstance(key, int) and 0 <= key < len(cur)


def _key_in(cur: Any, seg: str, segs: list[str], depth: int) -> str | int:
    where = ".".join(segs[: depth + 1])
    if isinstance(cur, list):
        if not seg.isdigit():
            raise ValueError(f"{where}: the scenario has a list here; use an index (0, 1, ...)")
        idx = int(seg)
        if idx >= len(cur):
            raise ValueError(
                f"{where}: index {idx} is out of range; the list has {len(cur)} item(s)"
            )
        return idx
    if isinstance(cur, dict):
        return seg
    parent = ".".join(segs[:depth]) or "(top level)"
    raise ValueError(f"{where}: {parent} is a value ({_short(cur)}), not a section or a list")


def set_dotted(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` in a scenario document, in place.

    Missing sections on the way are created (the schema then fills their defaults); a list index
    must exist.
    """
    segs = split_path(path)
    container, key = _navigate(doc, segs, create=True)
    container[key] = copy.deepcopy(value)


def _check_paths(names: list[str], where: str) -> None:
    for a in names:
        for b in names:
            if a != b and b.startswith(a + "."):
                raise ValueError(
                    f"{where}: {a!r} contains {b!r}; a path may not sit inside another"
                )


def _resolve_base(
    base: str | dict[str, Any], sweep_dir: Path, source: str, line: int | None
) -> tuple[dict[str, Any], Path, str]:
    """The base scenario document, the folder its relative paths resolve against, a label."""
    at = f"base (line {line})" if line else "base"
    if isinstance(base, dict):
        return copy.deepcopy(base), sweep_dir, "inline scenario"
    p = (sweep_dir / Path(base).expanduser()).resolve()
    if p.is_file():
        data, _ = load_yaml_file(p)
        label = str(p)
    elif base in builtin_names():
        p = builtin_path(base)
        data, _ = load_yaml_file(p)
        label = base
    else:
        raise OrbitcloudInputError(
            f"{at}: no scenario file {p} and no built-in scenario named {base!r}; built-in: "
            + ", ".join(builtin_names()),
            source,
        )
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
        raise OrbitcloudInputError(_format_schema_error(exc, source, lines), source) from None
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
    errors: list[str] = []
    n_bad = 0
    for i, (g, s) in enumerate(itertools.product(grid, samples)):
        params = {**g, **s}
        doc = copy.deepcopy(base_doc)
        for path, value in params.items():
            set_dotted(doc, path, value)
        try:
            sc = scenario_from_dict(doc, source, base_dir)
        except OrbitcloudInputError as exc:
            n_bad += 1
            if len(errors) < _MAX_POINT_ERRORS_SHOWN:
                detail = exc.detail.splitlines()
                if detail and detail[0].startswith("invalid scenario"):
                    detail = detail[1:]
                body = "\n".join("    " + d.strip() for d in detail)
                errors.append(f"  point {i} ({describe_params(params) or 'base'}):\n{body}")
            continue
        # the point's overrides went into the scenario *document* above (so a swept preset name
        # takes effect); what travels to a worker is the resolved form, which re-loads to the
        # same design (a plain model_dump re-loaded would let every default override a preset)
        points.append(SweepPoint(i, params, resolved_dict(sc), sc.scenario_hash()))
    if n_bad:
        total = len(grid) * len(samples)
        more = n_bad - len(errors)
        raise OrbitcloudInputError(
            f"{n_bad} of {total} sweep point(s) give an invalid scenario (nothing was run; "
            f"base: {base_label}):\n"
            + "\n".join(errors)
            + (f"\n  ... and {more} more point(s)" if more else ""),
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
    data, lines = load_yaml_file(p)
    return plan_sweep(data, str(p), p.resolve().parent, lines, default_name=p.stem)
