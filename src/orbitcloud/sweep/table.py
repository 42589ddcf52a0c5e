"""The ``sweep`` table: each point's parameters joined with its KPIs, status and error.

Columns, in order: ``point`` (int32, index in the sweep), ``hash`` (the point's results folder
name), one column per swept parameter named by its dotted path, ``status`` (``ok`` or
``failed``), ``error`` (null when ok), ``folder`` (relative to the sweep folder, null when
failed), then every KPI of the points' ``summary.json`` (nested KPI dicts flattened with dots; a
KPI named like a parameter or a fixed column gets a ``kpi.`` prefix). Values that are lists or
mappings are stored as JSON text. No NaN: a missing or non-finite value is a null.

The table holds only what the scenarios determine, so the same sweep gives the same table
however often it was interrupted and resumed (wall times are in each point's summary.json).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from orbitcloud.sweep.spec import SweepPlan

FIXED_COLUMNS = ("point", "hash", "status", "error", "folder")


@dataclass
class PointRecord:
    """What became of one point: ``status`` ``ok`` or ``failed``, its KPIs or its error."""

    hash: str
    status: str
    kpis: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    computed: bool = False
    traceback: str | None = None


def flatten_kpis(kpis: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested KPI mappings flattened to ``a.b`` keys; lists kept as they are (JSON later)."""
    out: dict[str, Any] = {}
    for k, v in kpis.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(flatten_kpis(v, key + "."))
        else:
            out[key] = v
    return out


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, dict | list | tuple):
        return json.dumps(v, sort_keys=True, default=str)
    return v


def column(values: Sequence[Any]) -> pa.Array:
    """An Arrow column from Python values: typed when they agree, else JSON/text."""
    clean = [_clean(v) for v in values]
    try:
        return pa.array(clean)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        return pa.array(
            [None if v is None else (v if isinstance(v, str) else json.dumps(v)) for v in clean],
            type=pa.string(),
        )


def sweep_table(plan: SweepPlan, records: dict[str, PointRecord], points_dir: str) -> pa.Table:
    """The sweep table of ``plan`` from the records of its points (keyed by hash)."""
    pts = plan.points
    cols: dict[str, pa.Array] = {
        "point": pa.array([p.index for p in pts], type=pa.int32()),
        "hash": pa.array([p.hash for p in pts], type=pa.string()),
    }
    for name in plan.parameter_names:
        cols[name] = column([p.params.get(name) for p in pts])
    recs = [records.get(p.hash) for p in pts]
    cols["status"] = pa.array([r.status if r else "failed" for r in recs], type=pa.string())
    cols["error"] = pa.array(
        [(r.error if r else "not run") if not (r and r.status == "ok") else None for r in recs],
        type=pa.string(),
    )
    cols["folder"] = pa.array(
        [
            f"{points_dir}/{p.hash}" if r and r.status == "ok" else None
            for p, r in zip(pts, recs, strict=True)
        ],
        type=pa.string(),
    )
    flat = [flatten_kpis(r.kpis) if r and r.status == "ok" else {} for r in recs]
    kpi_names = list(dict.fromkeys(k for f in flat for k in f))
    taken = set(cols)
    for k in kpi_names:
        name = f"kpi.{k}" if k in taken or k in FIXED_COLUMNS else k
        cols[name] = column([f.get(k) for f in flat])
    return pa.table(cols)
