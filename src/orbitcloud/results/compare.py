"""Compare runs: KPIs side by side with differences and units, and their shared time series.

Reads results folders through :class:`~orbitcloud.results.reader.Results` only (no engine, no
model), so ``orbitcloud compare`` and notebooks can compare finished runs, including two points
of a sweep (``SWEEP_FOLDER:N`` names point ``N`` of a sweep folder, see :func:`resolve_run`).

Units: a KPI's unit comes from the KPI registry (:mod:`orbitcloud.results.kpis`); a name the
registry does not hold (a table column, a KPI of an older run) gets the unit its suffix names,
by the naming convention every table and KPI follows (``altitude_min_km``,
``orbit_average_power_w``; STYLE.md "Names carry units"): :func:`unit_of`. A name without a
known suffix gets no unit (shown blank), never a guessed one.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from orbitcloud.results.kpis import lookup
from orbitcloud.results.reader import SUMMARY, Results, quote_identifier
from orbitcloud.results.schema import TABLES
from orbitcloud.scenario.errors import OrbitcloudInputError

__all__ = [
    "SERIES",
    "Comparison",
    "KpiRow",
    "RegionRow",
    "RunRef",
    "Series",
    "compare_runs",
    "resolve_run",
    "suffix_unit",
    "unit_of",
]

# --- units from names ------------------------------------------------------------------------
_UNITS = {
    "ms": "ms", "s": "s", "min": "min", "h": "h", "hour": "h", "hours": "h", "day": "day",
    "days": "day", "year": "yr", "years": "yr", "yr": "yr",
    "m": "m", "km": "km", "m2": "m^2", "m3": "m^3", "kg": "kg", "kg_m2": "kg/m^2",
    "kg_m3": "kg/m^3", "m_s": "m/s", "m_s2": "m/s^2", "deg": "deg", "k": "K",
    "w": "W", "kw": "kW", "mw": "MW", "gw": "GW", "wh": "Wh", "kwh": "kWh", "mwh": "MWh",
    "gwh": "GWh", "j": "J", "usd": "USD", "musd": "MUSD", "busd": "BUSD",
    "bps": "bit/s", "kbps": "kbit/s", "mbps": "Mbit/s", "gbps": "Gbit/s", "tbps": "Tbit/s",
    "gb": "GB", "tb": "TB", "pb": "PB", "rad": "rad(Si)", "pflop_s": "PFLOP/s",
    "eflop": "EFLOP", "flop": "FLOP", "mtok": "Mtok", "tokens": "1",
    "token": "token", "request": "request", "rad_s": "rad(Si)/s",
    "fraction": "1", "ratio": "1", "soc": "1", "probability": "1", "share": "1",
    # counts (dimensionless, as docs/tables.md writes them)
    "satellites": "1", "steps": "1", "errors": "1", "restarts": "1",
    "pairs": "1", "changes": "1", "endpoints": "1", "links": "1", "count": "1",
    "requests": "1", "admitted": "1", "dropped": "1", "utilisation": "1", "utilization": "1",
}  # fmt: skip
_STATS = ("mean", "min", "max", "median", "p50", "p90", "p95", "p99", "total", "sum", "avg")


def unit_of(name: str) -> str:
    """The unit of a KPI (from the registry) or of a column (from its name's suffix).

    A name the KPI registry holds gets the registry's unit; any other name gets
    :func:`suffix_unit` ("" when the name carries none).
    """
    k = lookup(name.split(".")[-1])
    return k.unit if k is not None else suffix_unit(name)


def suffix_unit(name: str) -> str:
    """The unit a name's suffix names ("" when the name carries none).

    ``<quantity>_<unit>`` (``rtt_mean_ms`` -> ms; a trailing statistic such as ``_mean`` or
    ``_p95`` is skipped), ``<...>_<unit>_per_<...>_<unit>`` (``dose_rad_per_year`` ->
    rad(Si)/yr, ``usd_per_accelerator_hour`` -> USD/h), ``<...>_per_<unit>_<unit>``
    (``cost_per_mtok_usd`` -> USD/Mtok), ``annual_<unit>`` (per year) and two-token units
    (``m_s`` -> m/s, ``kg_m3`` -> kg/m^3). Fractions, ratios, states of charge and counts are
    ``1`` (dimensionless), as docs/tables.md writes them.
    """
    tokens = _strip_stats(name.lower().split(".")[-1].split("_"))
    if "per" in tokens[1:]:
        i = len(tokens) - 1 - tokens[::-1].index("per")
        before, after = tokens[:i], tokens[i + 1 :]
        num, _ = _tail_unit(before)
        den, used = _tail_unit(after)
        if num and den:
            return f"{num}/{den}"
        if not num and den and len(after) > used:  # the unit last: cost_per_mtok_usd
            per, _ = _tail_unit(after[:-used])
            if per:
                return f"{den}/{per}"
        return f"1/{den}" if den else num  # requests_per_s: a count per second
    unit, used = _tail_unit(tokens)
    if unit and len(tokens) > used and tokens[-used - 1] == "annual":
        return f"{unit}/yr"
    return unit


def _strip_stats(tokens: list[str]) -> list[str]:
    while len(tokens) > 1 and tokens[-1] in _STATS:
        tokens = tokens[:-1]
    return tokens


def _tail_unit(tokens: list[str]) -> tuple[str, int]:
    """The unit the last one or two tokens name, and how many tokens it took (0: none)."""
    tokens = _strip_stats(tokens)
    for n in (2, 1):
        if len(tokens) >= n:
            key = "_".join(tokens[-n:])
            if key in _UNITS:
                return _UNITS[key], n
    return "", 0


# --- which run ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunRef:
    """A run to compare: its folder and the label shown for it."""

    path: Path
    label: str


_POINT = re.compile(r"^(?P<folder>.+):(?P<point>\d+)$")


def resolve_run(arg: str | Path) -> RunRef:
    """A results folder, or point ``N`` of a sweep folder written as ``SWEEP_FOLDER:N``.

    A sweep folder (``sweep.json`` and ``points/<hash>/``) keeps one results folder per point;
    ``SWEEP_FOLDER:N`` resolves to it, labelled with the point's parameters. Passing the sweep
    folder itself is an error that lists its points.

    Raises
    ------
    OrbitcloudInputError
        No such folder, not a results folder, or no such (finished) sweep point.
    """
    text = str(arg)
    p = Path(text)
    m = _POINT.match(text)
    if not p.exists() and m and (Path(m["folder"]) / "sweep.json").is_file():
        return _sweep_point(Path(m["folder"]), int(m["point"]))
    if not p.is_dir():
        raise OrbitcloudInputError("no such results folder", p)
    if (p / "sweep.json").is_file() and not (p / SUMMARY).is_file():
        points = _sweep_points(p)
        listing = ", ".join(f"{p}:{k} ({_params(v)})" for k, v in list(points.items())[:6])
        raise OrbitcloudInputError(
            "is a sweep folder; name one of its points as FOLDER:N, e.g. "
            + (listing or "(it has no points)"),
            p,
        )
    return RunRef(p, p.name)


def _sweep_points(folder: Path) -> dict[int, dict[str, Any]]:
    try:
        data = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
        return {int(x["point"]): x for x in data["points"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OrbitcloudInputError(f"not a readable sweep.json ({exc})", folder) from None


def _params(point: dict[str, Any]) -> str:
    params = point.get("params") or {}
    return ", ".join(f"{k.split('.')[-1]}={v}" for k, v in params.items())


def _sweep_point(folder: Path, k: int) -> RunRef:
    points = _sweep_points(folder)
    if k not in points:
        raise OrbitcloudInputError(
            f"the sweep has no point {k}; its points: 0..{max(points, default=-1)}", folder
        )
    point = points[k]
    path = folder / "points" / str(point.get("hash", ""))
    if not (path / SUMMARY).is_file():
        raise OrbitcloudInputError(
            f"point {k} has no finished results (run the sweep again to compute it)", path
        )
    return RunRef(path, f"point {k} ({_params(point)})" if point.get("params") else f"point {k}")


# --- KPIs ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KpiRow:
    """One KPI across the runs: values (None where a run lacks it) and differences to the first."""

    name: str
    unit: str
    values: list[Any]
    diffs: list[float | None]
    rel_diffs: list[float | None]

    @property
    def differs(self) -> bool:
        """Whether the runs' values are not all the same."""
        return any(v != self.values[0] for v in self.values[1:])


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v) if math.isfinite(v) else None


def _flat(kpis: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in kpis.items():
        if isinstance(v, dict):
            out |= _flat(v, f"{prefix}{k}.")
        elif not isinstance(v, list):
            out[f"{prefix}{k}"] = v
    return out


def kpi_rows(kpis: list[dict[str, Any]]) -> list[KpiRow]:
    """Every KPI of any run, in first-seen order, with differences to the first run.

    ``diffs[i]`` = run i - run 0 and ``rel_diffs[i]`` = that over |run 0| (None where either is
    not a number, or run 0 is 0); index 0 holds None.
    """
    flat = [_flat(k) for k in kpis]
    names = list(dict.fromkeys(n for f in flat for n in f))
    rows = []
    for n in names:
        vals = [f.get(n) for f in flat]
        base = _number(vals[0])
        diffs: list[float | None] = [None]
        rels: list[float | None] = [None]
        for v in vals[1:]:
            x = _number(v)
            d = None if x is None or base is None else x - base
            diffs.append(d)
            rels.append(None if d is None or base in (None, 0.0) else d / abs(base))  # type: ignore[arg-type]
        rows.append(KpiRow(n, unit_of(n), vals, diffs, rels))
    return rows


# --- time series -----------------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesSpec:
    """A per-step aggregate of a table's column: ``agg(column) per time``."""

    table: str
    column: str
    agg: str  # a DuckDB aggregate: avg, sum, min, max, count
    label: str
    where: str = ""

    @property
    def unit(self) -> str:
        """The column's declared unit (results.schema), else the one its name carries."""
        if self.agg == "count":
            return "1"
        try:
            return TABLES[self.table].column(self.column).unit or unit_of(self.column)
        except (KeyError, ValueError, AttributeError):
            return unit_of(self.column)


SERIES = (
    SeriesSpec("positions", "sunlit", "avg", "mean sunlit fraction"),
    SeriesSpec("sat_state", "power_w", "avg", "mean array power"),
    SeriesSpec("sat_state", "compute_w", "sum", "total compute power"),
    SeriesSpec("sat_state", "battery_soc", "min", "lowest battery state of charge"),
    SeriesSpec("sat_state", "temp_k", "max", "hottest accelerator"),
    SeriesSpec("sat_state", "capacity", "avg", "mean delivered compute capacity"),
    SeriesSpec("sat_state", "dose_rad", "max", "highest accumulated dose"),
    SeriesSpec("links", "capacity_bps", "count", "ISLs up", "kind = 'isl'"),
    SeriesSpec("routes", "rtt_ms", "avg", "mean route RTT"),
    SeriesSpec("requests", "requests", "sum", "requests arriving"),
    SeriesSpec("requests", "dropped", "sum", "requests dropped"),
    SeriesSpec("requests", "latency_mean_ms", "avg", "mean request latency"),
    SeriesSpec("jobs", "rate_pflop_s", "sum", "training rate"),
    SeriesSpec("formation", "nearest_m", "min", "closest cluster members"),
)
"""The time series compared when every run has the column (each a per-step aggregate)."""


@dataclass(frozen=True)
class Series:
    """One shared time series: per run, elapsed time since the run's start [s] and the values."""

    spec: SeriesSpec
    t_s: list[np.ndarray]
    values: list[np.ndarray]

    @property
    def title(self) -> str:
        agg = {"avg": "mean", "sum": "sum", "min": "min", "max": "max"}
        if self.spec.agg == "count":
            what = "rows" + (f" where {self.spec.where}" if self.spec.where else "")
        else:
            what = f"{agg[self.spec.agg]} of {self.spec.column}"
        return f"{self.spec.label} ({self.spec.table}: {what} per step)"


def _series(res: Results, spec: SeriesSpec) -> tuple[np.ndarray, np.ndarray]:
    con = res.duckdb()
    col = quote_identifier(spec.column)
    expr = "count(*)" if spec.agg == "count" else f"{spec.agg}({col})"
    where = f"where {spec.where}" if spec.where else ""
    rows = con.execute(
        f"select epoch_ms(time) as t, {expr} from {quote_identifier(spec.table)} {where} "
        "group by 1 order by 1"
    ).fetchnumpy()
    t = np.asarray(rows["t"], dtype=np.int64)
    v = np.asarray(list(rows.values())[1], dtype=float)
    return (t - t[0]) / 1000.0 if len(t) else t.astype(float), v


# --- per-region service --------------------------------------------------------------------
REGION_COLUMNS = ("served_fraction", "p50_ms", "p95_ms", "slo_violation_fraction")
"""The ``region_metrics`` columns compared per (region, system), over the whole run."""


@dataclass(frozen=True)
class RegionRow:
    """One (region, system) of ``region_metrics`` (period and class ``all``) across the runs:
    ``values[column][i]`` is run i's value (None where it lacks the row or the value)."""

    region: str
    system: str
    values: dict[str, list[float | None]]


def region_rows(results: list[Results]) -> list[RegionRow]:
    """``region_metrics`` side by side, when every run has it (else empty).

    Rows of period ``all`` and class ``all``: one per (region, system), the region ``all``
    first; a (region, system) only some runs have is kept, with None for the others.
    """
    cols = ["region", "system", "period", "class", *REGION_COLUMNS]
    if not all(r.has("region_metrics", *cols) for r in results):
        return []
    per_run = []
    for r in results:
        df = r.table("region_metrics", cols)
        df = df[(df["period"] == "all") & (df["class"] == "all")]
        per_run.append({(str(a), str(b)): row for a, b, row in
                        zip(df["region"], df["system"], df.itertuples(), strict=True)})  # fmt: skip
    keys = sorted({k for d in per_run for k in d}, key=lambda k: (k[0] != "all", k[0], k[1]))
    rows = []
    for region, system in keys:
        values: dict[str, list[float | None]] = {}
        for c in REGION_COLUMNS:
            got = []
            for d in per_run:
                row = d.get((region, system))
                got.append(None if row is None else _number(getattr(row, c)))
            values[c] = got
        rows.append(RegionRow(region, system, values))
    return rows


# --- the comparison ------------------------------------------------------------------------
@dataclass(frozen=True)
class Comparison:
    """Runs side by side: their KPIs, the time series they all have, their regions' service."""

    runs: list[RunRef]
    scenarios: list[str]
    kpis: list[KpiRow]
    series: list[Series] = field(default_factory=list)
    regions: list[RegionRow] = field(default_factory=list)


def compare_runs(runs: list[str | Path | RunRef], series: bool = True) -> Comparison:
    """Compare two or more runs (results folders, or sweep points as ``FOLDER:N``).

    Raises
    ------
    OrbitcloudInputError
        Fewer than two runs, or one is not a complete results folder (named).
    """
    refs = [r if isinstance(r, RunRef) else resolve_run(r) for r in runs]
    if len(refs) < 2:
        raise OrbitcloudInputError("compare needs at least two runs")
    labels = [r.label for r in refs]
    if len(set(labels)) < len(labels):  # two folders of the same name: show their paths
        refs = [RunRef(r.path, str(r.path)) for r in refs]
    results = [Results(r.path).check() for r in refs]
    scenarios = [str(r.summary.get("scenario", r.path.name)) for r in results]
    rows = kpi_rows([r.kpis for r in results])
    shared: list[Series] = []
    if series:
        for spec in SERIES:
            if all(r.has(spec.table, "time", spec.column) for r in results):
                got = [_series(r, spec) for r in results]
                if any(len(t) > 1 for t, _ in got):
                    shared.append(Series(spec, [t for t, _ in got], [v for _, v in got]))
    return Comparison(refs, scenarios, rows, shared, region_rows(results))
