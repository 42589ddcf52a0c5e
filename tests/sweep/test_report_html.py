"""The sweep report: Pareto axes by config or default, offline, user text escaped."""

from __future__ import annotations

import pandas as pd

from orbitcloud.sweep.report_html import Axis, choose_pareto, render_sweep_report
from orbitcloud.sweep.spec import plan_sweep
from orbitcloud.sweep.table import PointRecord, sweep_table

ALT = "constellations.0.walker.altitude_km"


def _plan(**extra):
    return plan_sweep({"base": "default", "parameters": {ALT: [500, 600, 700]}, **extra})


def _df(plan, kpis_per_point):
    recs = {
        p.hash: PointRecord(p.hash, "ok", k)
        for p, k in zip(plan.points, kpis_per_point, strict=True)
    }
    return sweep_table(plan, recs, "points").to_pandas()


def test_default_pareto_is_cost_per_token_vs_p95_latency_when_present():
    plan = _plan()
    df = _df(plan, [{"cost_per_mtoken_usd": c, "p95_ms": lat, "sunlit_fraction_mean": 0.8}
                    for c, lat in ((3, 40), (2, 60), (4, 30))])  # fmt: skip
    assert choose_pareto(df, plan) == (Axis("cost_per_mtoken_usd", "min"), Axis("p95_ms", "min"))


def test_default_pareto_today_is_parameter_vs_sunlit_fraction():
    plan = _plan()
    df = _df(plan, [{"sunlit_fraction_mean": s, "satellites": 225} for s in (0.80, 0.81, 0.83)])
    assert choose_pareto(df, plan) == (Axis(ALT, "min"), Axis("sunlit_fraction_mean", "max"))


def test_configured_pareto_and_a_missing_name_falls_back_with_a_note():
    pareto = {"x": {"name": "b", "goal": "max"}, "y": {"name": "a"}}
    plan = _plan(report={"pareto": pareto})
    df = _df(plan, [{"a": 1.0, "b": 2.0}, {"a": 2.0, "b": 1.0}, {"a": 3.0, "b": 3.0}])
    assert choose_pareto(df, plan) == (Axis("b", "max"), Axis("a", "min"))
    plan = _plan(report={"pareto": {"x": {"name": "nope"}, "y": {"name": "a"}}})
    assert choose_pareto(df, plan) == (Axis("a", "min"), Axis("b", "min"))
    one = _df(plan, [{"a": 1.0}, {"a": 1.0}, {"a": 1.0}])
    note = choose_pareto(one, plan)
    assert isinstance(note, str)
    assert "nope" in note


def test_report_is_offline_and_escapes_user_text():
    evil = "</script><img src=x onerror=alert(1)>"
    plan = plan_sweep(
        {"base": "default", "description": evil, "parameters": {"name": [evil, "ok"]}}
    )
    recs = {
        plan.points[0].hash: PointRecord(plan.points[0].hash, "failed", error=evil),
        plan.points[1].hash: PointRecord(plan.points[1].hash, "ok", {"sunlit_fraction_mean": 0.8}),
    }
    df = sweep_table(plan, recs, "points").to_pandas()
    html = render_sweep_report(plan, df)
    assert evil not in html
    assert "&lt;/script&gt;&lt;img" in html
    assert "Failed points" in html
    assert "<script src=" not in html
    assert isinstance(df, pd.DataFrame)


def test_report_plots_kpis_against_parameters():
    plan = _plan()
    df = _df(plan, [{"sunlit_fraction_mean": s, "altitude_max_km": a}
                    for s, a in ((0.80, 500.1), (0.81, 600.2), (0.83, 700.3))])  # fmt: skip
    html = render_sweep_report(plan, df)
    assert 'id="pareto"' in html
    assert 'id="param-0"' in html
    assert "KPIs against constellations.0.walker.altitude_km" in html
