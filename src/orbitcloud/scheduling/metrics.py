"""Inference statistics over a run: per region, outage period and class, and per system.

Rows are sums of the per-step histograms and counters of :class:`.service.ServiceState`:
``served_fraction`` = admitted / requests, ``slo_violation_fraction`` = (admitted late +
dropped) / requests, percentiles from the log histogram (:mod:`orbitcloud.workloads.latency`).
Sets are "all" plus each member (regions, periods -- only when there are outages -- and
classes); a combination with no request gives no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from orbitcloud.scheduling.events import PERIODS
from orbitcloud.scheduling.service import ServiceState
from orbitcloud.workloads.latency import hist_percentiles

SYSTEMS = ("orbital", "terrestrial")
"""The two systems, in the order of the tables."""

ROW_FIELDS = ("region", "system", "period", "class", "requests", "admitted", "dropped",
              "served_fraction", "p50_ms", "p95_ms", "p99_ms", "slo_violation_fraction")  # fmt: skip
"""The ``region_metrics`` columns, in the order of each row tuple."""


def _sets(names: Sequence[str]) -> list[tuple[str, list[int]]]:
    return [("all", list(range(len(names))))] + [(n, [i]) for i, n in enumerate(names)]


def region_metric_rows(
    system: str,
    state: ServiceState,
    region_names: Sequence[str],
    class_names: Sequence[str],
    with_periods: bool,
) -> list[tuple[Any, ...]]:
    """``region_metrics`` rows of one system (fields :data:`ROW_FIELDS`).

    Parameters
    ----------
    system : system name
    state : the system's state at the end of the run
    region_names, class_names : names of the regions and classes
    with_periods : add rows per outage period (before, during, after)

    Returns
    -------
    rows, region-major then period then class; ``served_fraction`` and
    ``slo_violation_fraction`` lie in [0, 1] and p50 <= p95 <= p99 [ms] (None: none admitted)
    """
    period_sets = [("all", [0, 1, 2])] + (
        [(p, [i]) for i, p in enumerate(PERIODS)] if with_periods else []
    )
    rows = []
    for rname, ri in _sets(region_names):
        for pname, pi in period_sets:
            for cname, cj in _sets(class_names):
                h = state.hist[np.ix_(ri, pi, cj)].sum(axis=(0, 1, 2))
                c = state.counts[np.ix_(ri, pi, cj)].sum(axis=(0, 1, 2))
                if c[0] == 0:
                    continue
                p50, p95, p99 = hist_percentiles(h)
                rows.append((rname, system, pname, cname, int(c[0]), int(c[1]), int(c[2]),
                             c[1] / c[0], p50, p95, p99, (c[3] + c[2]) / c[0]))  # fmt: skip
    return rows


def figure(row: tuple[Any, ...] | None) -> dict[str, Any] | None:
    """The headline figures of one ``region_metrics`` row (rounded), None without a row."""
    if row is None:
        return None
    return {"requests": row[4], "served_fraction": round(row[7], 6),
            "p50_ms": round_or_none(row[8]), "p95_ms": round_or_none(row[9]),
            "p99_ms": round_or_none(row[10]),
            "slo_violation_fraction": round(row[11], 6)}  # fmt: skip


def answer(
    rows: Sequence[tuple[Any, ...]],
    region_names: Sequence[str],
    class_names: Sequence[str],
    policy: str,
    outage_region: str | None,
) -> dict[str, Any]:
    """The run's answer: figures per system, region and class (and the outage region by
    period), with one sentence of text (``text``)."""
    table = {(r[0], r[1], r[2], r[3]): r for r in rows}

    def fig(region: str, system: str, period: str = "all", cls: str = "all") -> dict | None:
        return figure(table.get((region, system, period, cls)))

    out: dict[str, Any] = {s: fig("all", s) for s in SYSTEMS}
    out["by_region"] = {r: {s: fig(r, s) for s in SYSTEMS} for r in region_names}
    out["by_class"] = {c: {s: fig("all", s, "all", c) for s in SYSTEMS} for c in class_names}
    lines = []
    o, t = out["orbital"], out["terrestrial"]
    if o and t:
        lines.append(
            f"All users: orbital ({policy}) p50/p95/p99 {_f(o['p50_ms'])}/"
            f"{_f(o['p95_ms'])}/{_f(o['p99_ms'])} ms, served {o['served_fraction']:.1%}; "
            f"terrestrial p50/p95/p99 {_f(t['p50_ms'])}/{_f(t['p95_ms'])}/{_f(t['p99_ms'])} "
            f"ms, served {t['served_fraction']:.1%}."
        )
    if outage_region is not None:
        by_p = {p: {s: fig(outage_region, s, p) for s in SYSTEMS} for p in PERIODS}
        out["outage_region"] = {"region": outage_region, **by_p}
        parts = []
        for p in PERIODS:
            o, t = by_p[p]["orbital"], by_p[p]["terrestrial"]
            if o and t:
                parts.append(f"{p}: orbital served {o['served_fraction']:.1%} (p50 "
                             f"{_f(o['p50_ms'])} ms), terrestrial {t['served_fraction']:.1%} "
                             f"(p50 {_f(t['p50_ms'])} ms)")  # fmt: skip
        lines.append(f"Outage region {outage_region!r} -- " + "; ".join(parts) + ".")
    out["text"] = " ".join(lines)
    return out


def system_summary(state: ServiceState, requests_total: int, policy: str) -> dict[str, Any]:
    """One system's totals: requests served, queued, dropped (conserved?), tokens, energy."""
    queued = int(state.queue.sum())
    dropped_total = sum(state.dropped.values()) + state.stranded
    energy = state.e_idle_j + state.e_dynamic_j
    return {
        "policy": policy,
        "requests": requests_total,
        "served": state.served,
        "queued_at_end": queued,
        "dropped": {**state.dropped, "stranded": state.stranded},
        "dropped_total": dropped_total,
        "conserved": requests_total == state.served + queued + dropped_total,
        "tokens_served": state.tokens,
        "accelerator_utilisation": round(state.busy_s / state.usable_s, 6)
        if state.usable_s
        else None,
        "energy_j": {"idle": state.e_idle_j, "dynamic": state.e_dynamic_j, "total": energy},
        "energy_per_token_j": energy / state.tokens if state.tokens else None,
        "mean_user_tokens_per_s": state.user_tps_sum / max(1, int(state.counts[..., 1].sum())),
        "policy_errors": state.policy_errors_first,
    }


def round_or_none(x: float | None, nd: int = 4) -> float | None:
    """``x`` rounded to ``nd`` decimals as a float, None stays None."""
    return None if x is None else round(float(x), nd)


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"
