"""The sweep table: parameters + status + KPIs, typed columns, no NaN, deterministic."""

from __future__ import annotations

import math

import pyarrow as pa

from orbitcloud.sweep.spec import plan_sweep
from orbitcloud.sweep.table import PointRecord, column, flatten_kpis, sweep_table


def test_flatten_nested_kpis():
    assert flatten_kpis({"a": 1, "b": {"c": 2, "d": {"e": [1, 2]}}}) == {
        "a": 1,
        "b.c": 2,
        "b.d.e": [1, 2],
    }


def test_columns_typed_or_text_never_nan():
    assert column([1, 2.5, None]).type == pa.float64()
    assert column([1, 2, None]).type == pa.int64()
    assert column([math.nan, 1.0]).to_pylist() == [None, 1.0]
    assert column([{"a": 1}, [1, 2]]).to_pylist() == ['{"a": 1}', "[1, 2]"]
    assert column(["x", 1]).type == pa.string()


def test_table_joins_params_status_and_kpis_with_collisions_prefixed():
    plan = plan_sweep({"base": "default", "parameters": {"seed": [1, 2, 3]}})
    h = [p.hash for p in plan.points]
    recs = {
        h[0]: PointRecord(h[0], "ok", {"sunlit": 0.5, "seed": 9, "status": "x"}),
        h[1]: PointRecord(h[1], "failed", error="KilledWorker: ..."),
    }
    t = sweep_table(plan, recs, "points")
    assert t.column_names == [
        "point", "hash", "seed", "status", "error", "folder", "sunlit", "kpi.seed", "kpi.status",
    ]  # fmt: skip
    d = t.to_pydict()
    assert d["status"] == ["ok", "failed", "failed"]
    assert d["error"] == [None, "KilledWorker: ...", "not run"]
    assert d["folder"] == [f"points/{h[0]}", None, None]
    assert d["sunlit"] == [0.5, None, None]
