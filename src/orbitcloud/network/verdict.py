"""The network verdict of a run without an inference story: how reachable, how fast, and
against terrestrial fibre on what basis -- and the fibre stretch that would flip it.

Read from the run's network KPIs (:func:`orbitcloud.network.stats.route_kpis`,
:func:`~orbitcloud.network.stats.link_kpis`) and the network summary's per-pair figures
(:func:`~orbitcloud.network.stats.route_pair_summary`, the first
:data:`~orbitcloud.network.stats.TRACKED_PAIRS` pairs).

The baseline is the one ``network_faster_than_fibre_fraction`` uses: terrestrial fibre along
the great circle times the path stretch, at c / n (:func:`orbitcloud.network.geometry.
fibre_rtt_s`; the defaults and their sources are in docs/compare.md: stretch 1.0, measured
Internet paths x 2.1 (Bozkurt et al., PAM 2017), group index 1.47 (SMF-28 at 1550 nm)).

The flip is the fibre stretch at which half of the routed pairs (weighted by their reachable
steps) have a mean orbital RTT below fibre: fibre RTT is proportional to the stretch, so a
pair's mean RTT equals its fibre RTT at ``stretch x rtt_mean / fibre_rtt``. Bounds from the
same summary: below ``stretch x min(rtt_min / fibre_rtt)`` no pair-step beats fibre, above
``stretch x max(rtt_max / fibre_rtt)`` every reachable one does. A run with ISLs but no routes
gets the link figures and no latency verdict (nothing was routed to compare).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from orbitcloud.network.stats import TRACKED_PAIRS

__all__ = ["half_faster_stretch", "network_verdict"]

QUESTION = "How reachable and how fast is the network, and is it faster than fibre?"


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def half_faster_stretch(
    pairs: Sequence[Mapping[str, Any]], stretch: float
) -> tuple[float, float, float] | None:
    """Fibre stretch at which half of the pairs (weighted by reachable steps) have a mean
    orbital RTT below fibre, and the stretches below which no pair-step and above which every
    reachable pair-step beats fibre.

    Parameters
    ----------
    pairs : per-pair figures (``rtt_min_ms``, ``rtt_mean_ms``, ``rtt_max_ms``,
        ``terrestrial_rtt_ms`` at ``stretch``, ``reachable_fraction``)
    stretch : the run's fibre path stretch [-]

    Returns
    -------
    ``(half, none_below, all_above)`` [-], or None without a reachable pair of distinct
    endpoints.
    """
    rows = [p for p in pairs if _finite(p.get("rtt_mean_ms")) and _finite(p.get(
        "terrestrial_rtt_ms")) and p["terrestrial_rtt_ms"] > 0 and (p.get(
        "reachable_fraction") or 0) > 0]  # fmt: skip
    if not rows:
        return None
    fibre = np.array([p["terrestrial_rtt_ms"] for p in rows], dtype=float) / stretch  # x 1
    mean = np.array([p["rtt_mean_ms"] for p in rows], dtype=float) / fibre
    w = np.array([p["reachable_fraction"] for p in rows], dtype=float)
    order = np.argsort(mean, kind="stable")
    cum = np.cumsum(w[order]) / w.sum()
    half = float(mean[order][int(np.searchsorted(cum, 0.5))])
    lo = float(np.min(np.array([p.get("rtt_min_ms", p["rtt_mean_ms"]) for p in rows]) / fibre))
    hi = float(np.max(np.array([p.get("rtt_max_ms", p["rtt_mean_ms"]) for p in rows]) / fibre))
    return half, lo, hi


def network_verdict(
    kpis: Mapping[str, Any],
    network: Mapping[str, Any],
    path_stretch: float,
    refractive_index: float,
    question: str = "",
) -> dict[str, Any]:
    """The network verdict (``summary["verdicts"]`` shape, topic ``network``).

    Parameters
    ----------
    kpis : the run's KPIs (``network_*``)
    network : the run's network summary (``routes``, ``isl_rules``)
    path_stretch : fibre route / great circle of the terrestrial baseline [-]
    refractive_index : group index of the fibre [-]
    question : the scenario's question
    """
    k = kpis
    numbers: list[dict[str, Any]] = []

    def num(name: str, unit: str, description: str, label: str | None = None) -> None:
        if _finite(k.get(name)):
            numbers.append({"name": label or name, "value": k[name], "unit": unit,
                            "description": description})  # fmt: skip

    rules = network.get("isl_rules") or {}
    topo = ", ".join(f"{n} {t}" for n, t in rules.items()) or "none"
    baseline = (f"terrestrial fibre along the great circle x {path_stretch:g} (path stretch) at "
                f"c/{refractive_index:g} (network.terrestrial; measured Internet paths are "
                "x 2.1, docs/compare.md)")  # fmt: skip
    assumptions = [f"ISL topology: {topo}",
                   f"fibre path stretch {path_stretch:g}, group index {refractive_index:g}"]  # fmt: skip
    flips: list[dict[str, Any]] = []
    pairs = network.get("routes") or []
    if not _finite(k.get("network_reachable_fraction")):
        links = k.get("network_isl_links_mean")
        cap = k.get("network_isl_capacity_mean_gbps")
        text = ("No ground pairs were routed in this run, so there is no latency verdict: the "
                f"ISLs ({topo}) averaged {links:,.0f} links"
                + (f" of {cap:g} Gbps per direction" if _finite(cap) else "")
                + f", with {k.get('network_isl_broken_link_steps', 0):,} broken link-steps."
                if _finite(links) else "No ground pairs were routed and no ISLs were up in this "
                "run: there is no network to judge.")  # fmt: skip
        num("network_isl_links_mean", "1", "ISLs up, mean over steps")
        num("network_isl_capacity_mean_gbps", "Gbit/s", "ISL capacity per direction, mean")
        num("network_isl_broken_link_steps", "1", "ISL link-steps lost to failures")
        return {"topic": "network", "question": question or QUESTION, "text": text,
                "numbers": numbers, "baseline": baseline, "assumptions": assumptions,
                "flips": flips}  # fmt: skip
    reach = float(k["network_reachable_fraction"])
    n_pairs = int(k.get("network_route_pairs") or len(pairs))
    basis = "" if n_pairs <= len(pairs) else f" (the first {min(len(pairs), TRACKED_PAIRS)})"
    means = [p["rtt_mean_ms"] for p in pairs if _finite(p.get("rtt_mean_ms"))]
    text = f"{reach:.1%} of the steps of {n_pairs:,} routed pair(s) were reachable"
    if _finite(k.get("network_rtt_mean_ms")):
        text += (f", at a mean RTT of {k['network_rtt_mean_ms']:.1f} ms (range "
                 f"{k['network_rtt_min_ms']:.1f}-{k['network_rtt_max_ms']:.1f} ms")  # fmt: skip
        text += f", median of the pairs' means {float(np.median(means)):.1f} ms)" if len(
            means) > 1 else ")"  # fmt: skip
    if _finite(k.get("network_faster_than_fibre_fraction")):
        text += (f"; {k['network_faster_than_fibre_fraction']:.1%} of the reachable pair-steps "
                 f"beat terrestrial fibre at path stretch {path_stretch:g}")  # fmt: skip
    text += "."
    flip = half_faster_stretch(pairs, path_stretch)
    if flip is not None:
        half, lo, hi = flip
        where = "already at the great circle" if half <= 1.0 else f"from a stretch of {half:.2f}"
        text += (f" Half of the pairs{basis} have a mean RTT below fibre {where} (no pair-step "
                 f"beats fibre below {lo:.2f}, every reachable one does above {hi:.2f}).")  # fmt: skip
        if half >= path_stretch:  # fibre wins the median now: from `half` on it loses it
            flip_text = (f"fibre path stretch {half:.2f} (now {path_stretch:g}; measured "
                         f"Internet paths x 2.1): half of the pairs{basis} then have a mean "
                         "orbital RTT below fibre")  # fmt: skip
        elif half >= 1.0:  # orbit wins the median now: shorter fibre would take it back
            flip_text = (f"fibre path stretch below {half:.2f} (now {path_stretch:g}): fewer "
                         f"than half of the pairs{basis} then beat fibre")  # fmt: skip
        else:  # ... but only fibre shorter than the great circle would
            flip_text = (f"no fibre path flips it: half of the pairs{basis} beat fibre down to "
                         f"a stretch of {half:.2f}, shorter than the great circle (1; measured "
                         "Internet paths are x 2.1)")  # fmt: skip
        flips.append({"assumption": "network.terrestrial.path_stretch", "now": path_stretch,
                      "flip_at": round(half, 4), "unit": "1", "text": flip_text})  # fmt: skip
    num("network_reachable_fraction", "1", "reachable pair-steps / all pair-steps")
    num("network_rtt_mean_ms", "ms", "mean RTT of reachable pair-steps")
    num("network_rtt_min_ms", "ms", "lowest RTT")
    num("network_rtt_max_ms", "ms", "highest RTT")
    num("network_faster_than_fibre_fraction", "1",
        f"reachable pair-steps faster than fibre at stretch {path_stretch:g}")  # fmt: skip
    if len(means) > 1:
        numbers.append({"name": "median of pair mean RTTs", "value": float(np.median(means)),
                        "unit": "ms", "description": f"over the routed pairs{basis}"})  # fmt: skip
    num("network_isl_links_mean", "1", "ISLs up, mean over steps")
    return {"topic": "network", "question": question or QUESTION, "text": text,
            "numbers": numbers, "baseline": baseline, "assumptions": assumptions,
            "flips": flips}  # fmt: skip
