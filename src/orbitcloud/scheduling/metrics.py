"""Inference statistics over a run: per region, outage period and class, and per system.

Rows are sums of the per-step histograms and counters of :class:`.service.ServiceState`:
``served_fraction`` = (admitted - stranded) / requests, ``slo_violation_fraction`` = (admitted
late + dropped + stranded on time) / requests, percentiles from the log histogram
(:mod:`orbitcloud.workloads.latency`). ``latency_components`` rows split the time to first
token into :data:`.service.COMPONENTS`; :func:`tail_explanation` says what drives a system's
tail.
Sets are "all" plus each member (regions, periods -- only when there are outages -- and
classes); a combination with no request gives no row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from orbitcloud.scheduling.events import PERIODS
from orbitcloud.scheduling.service import COMPONENTS, ServiceState
from orbitcloud.workloads.latency import HIST_LO_MS, hist_percentiles

SYSTEMS = ("orbital", "terrestrial")
"""The two systems, in the order of the tables."""

ROW_FIELDS = ("region", "system", "period", "class", "requests", "admitted", "dropped",
              "served_fraction", "p50_ms", "p95_ms", "p99_ms", "slo_violation_fraction",
              "stranded")  # fmt: skip
"""The ``region_metrics`` columns, in the order of each row tuple."""

PATIENT_WAIT_S = 60.0
"""A class allowed to wait this long [s] or more is batch-like (no one waits at a prompt)."""

COMPONENT_FIELDS = ("region", "system", "period", "class", "component", "requests", "p50_ms",
                    "p95_ms", "p99_ms", "mean_ms", "median_ms", "tail_p95_ms", "tail_p99_ms",
                    "share_median", "share_p95", "share_p99")  # fmt: skip
"""The ``latency_components`` columns, in the order of each row tuple."""


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
    ``slo_violation_fraction`` lie in [0, 1] and p50 <= p95 <= p99 [ms] (None: none admitted);
    ``stranded`` requests were admitted but never served (their server stopped computing),
    so they count in ``admitted`` but not in ``served_fraction``
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
                sb = state.stranded_by[np.ix_(ri, pi, cj)].sum(axis=(0, 1, 2))
                p50, p95, p99 = hist_percentiles(h)
                rows.append((rname, system, pname, cname, int(c[0]), int(c[1]), int(c[2]),
                             (c[1] - sb.sum()) / c[0], p50, p95, p99,
                             (c[3] + c[2] + sb[0]) / c[0], int(sb.sum())))  # fmt: skip
    return rows


def _q_bins(h: np.ndarray, qs: tuple[float, ...] = (50, 95, 99)) -> list[int]:
    """Histogram bin holding each percentile of ``h`` (the bin :func:`hist_percentiles` reads)."""
    cum = np.cumsum(h)
    return [int(np.searchsorted(cum, q / 100.0 * cum[-1], side="left")) for q in qs]


def _component_percentiles(h: np.ndarray) -> list[float | None]:
    """p50/p95/p99 of one component's histogram; 0 where the percentile is in the underflow
    bin (a component that is exactly 0, e.g. no payload transfer or no queue)."""
    out = hist_percentiles(h)
    cum0 = h[0] / max(h.sum(), 1)
    return [0.0 if v == HIST_LO_MS and cum0 >= q / 100.0 else v
            for v, q in zip(out, (50, 95, 99), strict=True)]  # fmt: skip


def component_rows(
    system: str,
    state: ServiceState,
    region_names: Sequence[str],
    class_names: Sequence[str],
    with_periods: bool,
) -> list[tuple[Any, ...]]:
    """``latency_components`` rows of one system (fields :data:`COMPONENT_FIELDS`).

    One row per (region, period, class) set with admitted requests (the sets of
    :func:`region_metric_rows`) and per component of :data:`.service.COMPONENTS` plus
    ``total``. ``p50_ms``/``p95_ms``/``p99_ms`` are the component's own percentiles (for
    ``total``: the latency's, as in ``region_metrics``); ``mean_ms`` its mean over the admitted
    requests; ``median_ms``, ``tail_p95_ms``, ``tail_p99_ms`` its mean over the requests whose
    total latency lies in the median's bin, and at or above the p95 and p99 bins; ``share_*``
    those means over the total's. Within each set the components' means add up to the total's.
    """
    period_sets = [("all", [0, 1, 2])] + (
        [(p, [i]) for i, p in enumerate(PERIODS)] if with_periods else []
    )
    rows = []
    names = (*COMPONENTS, "total")
    for rname, ri in _sets(region_names):
        for pname, pi in period_sets:
            for cname, cj in _sets(class_names):
                ix = np.ix_(ri, pi, cj)
                h = state.hist[ix].sum(axis=(0, 1, 2))
                n = int(h.sum())
                if n == 0:
                    continue
                ch = state.comp_hist[ix].sum(axis=(0, 1, 2))  # (n_comp, N_BINS)
                cs = state.comp_sum_ms[ix].sum(axis=(0, 1, 2))  # (N_BINS, n_comp)
                cs = np.concatenate([cs, cs.sum(axis=1, keepdims=True)], axis=1)
                b50, b95, b99 = _q_bins(h)
                sets = (cs.sum(axis=0) / n, cs[b50] / max(h[b50], 1),
                        cs[b95:].sum(axis=0) / max(h[b95:].sum(), 1),
                        cs[b99:].sum(axis=0) / max(h[b99:].sum(), 1))  # fmt: skip
                for k, comp in enumerate(names):
                    pct = hist_percentiles(h) if comp == "total" else _component_percentiles(ch[k])
                    means = [float(m[k]) for m in sets]
                    shares = [means[j] / sets[j][-1] if sets[j][-1] > 0 else None
                              for j in (1, 2, 3)]  # fmt: skip
                    rows.append((rname, system, pname, cname, comp, n, *pct, *means, *shares))
    return rows


DRIVER_WORDS = {
    "policy": "policy (a patient, low-priority class waiting behind the others by design)",
    "eclipse": "eclipse (accelerators that stop in the dark leave too little capacity)",
    "capacity": "capacity (too few accelerators where the demand is)",
    "handover": "handover (satellites leaving service with work queued)",
    "propagation": "propagation",
    "access": "access",
    "compute": "compute",
    "transfer": "transfer",
}
"""How the tail text names each driver."""


def tail_explanation(
    system: str,
    state: ServiceState,
    comp_rows: Sequence[tuple[Any, ...]],
    classes: Sequence[Any],
    utilisation: float | None,
    eclipse_lost: float | None,
    eclipse_compute: str,
) -> dict[str, Any] | None:
    """What drives a system's latency tail (its p99 requests), with the numbers.

    The driver is, in this order: the dominant component of the p99 tail when it is not
    queueing (``propagation``, ``access``, ``compute``, ``transfer``); for a queueing tail,
    when the system is short of capacity (at least 1 % of the requests dropped for capacity,
    or accelerators busy more than half of the time they can compute) ``eclipse`` if
    accelerators stop in eclipse (``off``) and eclipse removed at least a fifth of the peak
    compute, else ``capacity``; ``policy`` when most tail requests belong to classes allowed to
    wait a minute or more (:data:`PATIENT_WAIT_S`: the wait limit and a low priority let them
    queue behind the others, by design); ``handover`` when more than 1 % of the admitted
    requests were stranded (their satellite stopped computing with them queued, which moves
    queues around); else ``capacity`` (local hot spots).

    Parameters
    ----------
    system : system name; state : its state at the end of the run
    comp_rows : :func:`component_rows` of that system
    classes : the request classes (``name``, ``max_wait_s``, ``slo_ttft_ms``)
    utilisation : busy / usable accelerator time [1] (None: unknown)
    eclipse_lost : share of the peak compute lost to eclipse [1] (None: unknown)
    eclipse_compute : ``battery`` or ``off``

    Returns
    -------
    ``{"driver", "text", "components"}`` (None when nothing was admitted); ``components``
    holds the p99 tail's mean per component [ms] and shares, the tail's classes and the inputs.
    """
    by = {r[4]: r for r in comp_rows if r[0] == "all" and r[2] == "all" and r[3] == "all"}
    if "total" not in by:
        return None
    tot = by["total"]
    tail = {c: round(by[c][12], 3) for c in COMPONENTS}
    share = {c: round(by[c][15], 4) if by[c][15] is not None else None for c in COMPONENTS}
    h = state.hist.sum(axis=(0, 1, 2))
    b99 = _q_bins(h, (99,))[0]
    per_class = state.hist[..., b99:].sum(axis=(0, 1, 3))
    n_tail = max(int(per_class.sum()), 1)
    cls_share = {c.name: round(int(per_class[i]) / n_tail, 4) for i, c in enumerate(classes)}
    patient = sum(per_class[i] for i, c in enumerate(classes)
                  if c.max_wait_s >= PATIENT_WAIT_S) / n_tail  # fmt: skip
    admitted = max(int(state.counts[..., 1].sum()), 1)
    stranded = float(state.stranded_by.sum()) / admitted
    cap_drop = state.dropped["capacity"] / max(int(state.counts[..., 0].sum()), 1)
    short = cap_drop >= 0.01 or (utilisation is not None and utilisation > 0.5)
    dark = (system == "orbital" and eclipse_lost is not None and eclipse_lost >= 0.2
            and eclipse_compute == "off")  # fmt: skip
    top = max(COMPONENTS, key=lambda c: tail[c])
    if top != "queueing":
        driver = top
    elif short:
        driver = "eclipse" if dark else "capacity"
    elif patient > 0.5:  # stranded requests are not served, so they never sit in the tail
        driver = "policy"
    elif stranded > 0.01:
        driver = "handover"
    else:
        driver = "capacity"
    main_cls = max(cls_share, key=lambda k: cls_share[k])
    util = "n/a" if utilisation is None else f"{utilisation:.1%}"
    ecl = "n/a" if eclipse_lost is None else f"{eclipse_lost:.0%}"
    text = (
        f"The {system} p99 ({readable_duration(tot[8])}) is driven by {DRIVER_WORDS[driver]}: "
        f"in the slowest 1 % of requests {top} is {readable_duration(tail[top])} of "
        f"{readable_duration(by['total'][12])} "
        f"({(share[top] or 0):.0%}), {cls_share[main_cls]:.0%} of them {main_cls!r}; "
        f"dropped for capacity {cap_drop:.1%} of requests, accelerator utilisation {util}, "
        + (
            f"compute lost to eclipse {ecl} (eclipse_compute {eclipse_compute}), "
            if system == "orbital"
            else ""
        )
        + f"stranded {stranded:.2%} of admitted."
    )
    return {
        "driver": driver,
        "text": text,
        "components": {
            "p50_ms": tot[6],
            "p95_ms": tot[7],
            "p99_ms": tot[8],
            "tail_p95_component_ms": {c: round(by[c][11], 3) for c in COMPONENTS},
            "tail_p99_mean_ms": round(by["total"][12], 3),
            "tail_p99_component_ms": tail,
            "tail_p99_share": share,
            "median_component_ms": {c: round(by[c][10], 3) for c in COMPONENTS},
            "tail_p99_classes": cls_share,
            "patient_class_share": round(float(patient), 4),
            "accelerator_utilisation": utilisation,
            "compute_lost_to_eclipse": eclipse_lost,
            "stranded_fraction": round(stranded, 6),
            "capacity_dropped_fraction": round(cap_drop, 6),
            "eclipse_compute": eclipse_compute,
        },
    }


def decomposition(
    states: Sequence[ServiceState],
    region_names: Sequence[str],
    classes: Sequence[Any],
    with_periods: bool,
    systems: dict[str, dict[str, Any]],
    eclipse_lost: float | None,
    eclipse_compute: str,
) -> tuple[pa.Table, dict[str, Any], dict[str, Any]]:
    """The ``latency_components`` table, each system's :func:`tail_explanation` and the KPIs
    of the decomposition and of the energy split (per system, in :data:`SYSTEMS` order)."""
    names = [c.name for c in classes]
    rows, tails, kpis = [], {}, {}
    for s, st in zip(SYSTEMS, states, strict=True):
        r = component_rows(s, st, region_names, names, with_periods)
        rows += r
        util = systems[s]["accelerator_utilisation"]
        tails[s] = tail_explanation(s, st, r, classes, util, eclipse_lost, eclipse_compute)
        comp = (tails[s] or {}).get("components", {}).get("tail_p99_component_ms", {})
        for c in ("queueing", "propagation"):
            kpis[f"inference_{s}_p99_{c}_ms"] = round_or_none(comp.get(c))
        kpis[f"inference_{s}_dynamic_energy_per_token_j"] = round_or_none(
            systems[s]["dynamic_energy_per_token_j"], 6
        )
        kpis[f"inference_{s}_idle_power_w"] = round_or_none(systems[s]["idle_power_w"], 1)
    cols: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * len(COMPONENT_FIELDS)
    types = [pa.string()] * 5 + [pa.int64()] + [pa.float64()] * 10
    table = pa.table({f: pa.array(list(c), type=t)
                      for f, c, t in zip(COMPONENT_FIELDS, cols, types, strict=True)})  # fmt: skip
    return table, tails, kpis


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
    tok = state.tokens
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
        "energy_per_token_j": energy / tok if tok else None,
        "energy_note": "energy_per_token_j: all energy (idle + dynamic, data centres with PUE) "
        "over the tokens served; dynamic_energy_per_token_j: accelerator energy above idle "
        "while busy over the tokens (no PUE, the same basis in orbit and on the ground); "
        "idle_power_w: mean idle draw of the accelerators the system pays for",
        "dynamic_energy_per_token_j": state.e_dynamic_it_j / tok if tok else None,
        "dynamic_energy_per_token_with_pue_j": state.e_dynamic_j / tok if tok else None,
        "idle_energy_j": state.e_idle_it_j,
        "idle_power_w": state.e_idle_it_j / state.run_s if state.run_s else None,
        "mean_user_tokens_per_s": state.user_tps_sum / max(1, int(state.counts[..., 1].sum())),
        "policy_errors": state.policy_errors_first,
    }


def readable_duration(ms: float | None) -> str:
    """A duration given in ms in readable units: ms below 1 s, s below 2 min, min below 2 h,
    else h (``n/a`` for None)."""
    if ms is None:
        return "n/a"
    x = float(ms)
    if abs(x) < 1e3:
        return f"{x:.1f} ms"
    if abs(x) < 120e3:
        return f"{x / 1e3:.1f} s"
    if abs(x) < 7.2e6:
        return f"{x / 6e4:.1f} min"
    return f"{x / 3.6e6:.1f} h"


def round_or_none(x: float | None, nd: int = 4) -> float | None:
    """``x`` rounded to ``nd`` decimals as a float, None stays None."""
    return None if x is None else round(float(x), nd)


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}"
