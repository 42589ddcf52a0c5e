"""The latency verdict of an inference run: who wins on which metric, by how much, against
which baseline, and the assumption that would flip it.

Three flips are found from the run itself:

* **baseline choice** -- the terrestrial median re-evaluated for every ground-cloud preset
  (:func:`.baselines.reevaluate_terrestrial`, same total accelerators spread over the preset's
  sites): the first preset that changes the median's winner;
* **orbital access latency** -- the user-terminal overhead is added to every orbital request
  after placement (:class:`.policies.NearestSatellite`, :class:`.policies.BentPipe`), and
  admission depends on queue waits only, so a shift dx of the access latency moves every
  orbital percentile by exactly dx: the median flips at
  ``access_now + (p50_terrestrial - p50_orbital)`` (none below 0 ms);
* **demand** -- the winner's busy time grows in proportion to demand while it is below
  saturation, so its accelerators are fully busy at ``demand / utilisation``; beyond that its
  queues grow and it drops requests (an upper bound: the servers nearest the users fill first);
* **fibre path stretch** -- the run's own data centres re-evaluated in closed form at the
  stretch measured on Internet paths, x 2.1 (the rule of thumb from measurement campaigns,
  Bozkurt et al., "Why is the Internet so slow?!", PAM 2017; their conduit-level study,
  arXiv:1811.10737 (2018), finds x 1.3 possible), and the stretch at which the medians would be
  equal (linear in the stretch between the two evaluations, checked by a third).

The orbital tail is quoted from the run's latency decomposition (``summary["inference"]
["tail"]``, :func:`.metrics.tail_explanation`): its driver, the part of the p99 it explains
and the class of most tail requests, in seconds, minutes or hours when large.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from orbitcloud.scenario.ground_clouds import GROUND_CLOUDS
from orbitcloud.scenario.operations import DataCentreSpec, RegionSpec
from orbitcloud.scheduling.baselines import DemandRecord, Reevaluation, reevaluate_terrestrial
from orbitcloud.scheduling.metrics import DRIVER_WORDS, readable_duration
from orbitcloud.workloads.regions import in_region

SIDES = ("orbital", "terrestrial")


MEASURED_PATH_STRETCH = 2.1
"""Fibre route / great circle on measured Internet paths [1] (Bozkurt et al., PAM 2017; the
rule of thumb quoted in arXiv:1811.10737)."""


def _ms(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f} ms"


def tail_sentence(tail: Mapping[str, Any] | None) -> str | None:
    """One sentence on what drives the orbital p99, from a latency decomposition's tail
    explanation (driver, the dominant part's share of the p99 tail, the class of most tail
    requests), durations in readable units; None without one."""
    if not tail:
        return None
    comp = tail.get("components", {})
    parts = comp.get("tail_p99_component_ms") or {}
    if not parts:
        return None
    top = max(parts, key=lambda k: parts[k])
    total = comp.get("tail_p99_mean_ms") or sum(parts.values())
    classes = comp.get("tail_p99_classes") or {}
    cls = max(classes, key=lambda k: classes[k]) if classes else None
    who = f", {classes[cls]:.0%} of them class {cls!r}" if cls is not None else ""
    return (f"The orbital p99 ({readable_duration(comp.get('p99_ms'))}) is driven by "
            f"{DRIVER_WORDS.get(tail['driver'], tail['driver'])}: in the slowest 1 % of "
            f"requests {top} is "
            f"{readable_duration(parts[top])} of {readable_duration(total)}{who}.")  # fmt: skip


def access_flip_ms(p50_orbital_ms: float, p50_terrestrial_ms: float, access_now_ms: float) -> float:
    """Orbital access latency [ms] at which the two medians are equal (may be negative: no
    access latency >= 0 makes the orbital median lower)."""
    return access_now_ms + (p50_terrestrial_ms - p50_orbital_ms)


def latency_verdict(
    figures: Mapping[str, Mapping[str, Any] | None],
    utilisation: Mapping[str, float | None],
    baseline: str,
    reevaluations: Mapping[str, Reevaluation],
    access_now_ms: float,
    requests_per_s: float,
    assumptions: Sequence[str],
    outage: Mapping[str, Any] | None = None,
    tail_driver: str | None = None,
    stretch: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The verdict dict (``summary["verdicts"]`` shape) of an inference run.

    Parameters
    ----------
    figures : per side (``orbital``, ``terrestrial``): ``p50_ms``, ``p95_ms``, ``p99_ms``,
        ``served_fraction`` of all users over the run (None: the side served nothing)
    utilisation : per side, accelerator busy / available time [1]
    baseline : name of the run's terrestrial baseline (a preset or ``custom``)
    reevaluations : terrestrial figures of every ground-cloud preset under the run's demand
    access_now_ms : the run's orbital user-terminal access latency [ms]
    requests_per_s : the run's day-mean demand [1/s]
    assumptions : the run's assumptions, one sentence each
    outage : for a run with an outage: ``region`` and per side the region's figures during it
    tail_driver : what drives the orbital tail (a sentence from :func:`tail_sentence`, or a
        short phrase), if known
    stretch : the fibre-stretch flip: ``now`` (the run's stretch), ``measured`` (x 2.1) and
        ``p50_measured_ms`` (the terrestrial median there), ``flip_at`` (the stretch at which
        the medians are equal, None if none in [1, 5]) and ``p50_flip_ms`` (re-evaluated there)
    """
    o, t = figures.get("orbital"), figures.get("terrestrial")
    numbers = []
    for s, f in (("orbital", o), ("terrestrial", t)):
        for k, unit in (("p50_ms", "ms"), ("p95_ms", "ms"), ("p99_ms", "ms"),
                        ("served_fraction", "1")):  # fmt: skip
            numbers.append({"name": f"{s} {k.removesuffix('_ms')}", "value": (f or {}).get(k),
                            "unit": unit})  # fmt: skip
        numbers.append({"name": f"{s} utilisation", "value": utilisation.get(s), "unit": "1"})
    flips: list[dict[str, Any]] = []
    question = "Which system serves these users with lower time to first token?"
    if not (o and t and o.get("p50_ms") is not None and t.get("p50_ms") is not None):
        text = "No latency verdict: a side served no request."
        return {"topic": "latency", "question": question, "text": text, "numbers": numbers,
                "baseline": baseline, "assumptions": list(assumptions), "flips": flips}  # fmt: skip
    po, pt = float(o["p50_ms"]), float(t["p50_ms"])
    win, lose = ("orbital", "terrestrial") if po < pt else ("terrestrial", "orbital")
    fw, fl = (o, t) if win == "orbital" else (t, o)
    gap = abs(pt - po)
    # flip 1: baseline choice
    flip_preset = None
    for name, r in reevaluations.items():
        if name != baseline and r.p50_ms is not None and (po < r.p50_ms) != (po < pt):
            flip_preset = (name, r)
            break
    alt = "; ".join(f"{n} p50 {_ms(r.p50_ms)} (served {r.served_fraction:.1%})"
                    for n, r in reevaluations.items())  # fmt: skip
    flips.append({
        "assumption": "terrestrial baseline (ground-cloud preset)", "now": baseline,
        "flip_at": flip_preset[0] if flip_preset else None, "unit": "preset",
        "text": (f"with preset {flip_preset[0]!r} the terrestrial median would be "
                 f"{_ms(flip_preset[1].p50_ms)} and the median verdict flips"
                 if flip_preset else "no ground-cloud preset flips the median")
        + f" (same demand and total accelerators: {alt})",
    })  # fmt: skip
    # flip 2: orbital access latency
    acc = access_flip_ms(po, pt, access_now_ms)
    acc_ok = acc >= 0
    flips.append({
        "assumption": "orbital user-terminal access latency", "now": access_now_ms,
        "flip_at": round(acc, 1) if acc_ok else None, "unit": "ms",
        "text": (f"the medians are equal at an orbital access latency of {acc:.1f} ms "
                 f"(now {access_now_ms:g} ms); every orbital percentile moves by the same shift"
                 if acc_ok else f"no access latency >= 0 flips it (0 ms would still leave the "
                 f"orbital median {-acc:.1f} ms higher)"),
    })  # fmt: skip
    # flip 3: demand
    u = utilisation.get(win)
    sat = requests_per_s / u if u else None
    u_l = utilisation.get(lose)
    flips.append({
        "assumption": "demand (day-mean requests/s)", "now": requests_per_s,
        "flip_at": round(sat, 1) if sat else None, "unit": "1/s",
        "text": (f"the {win} accelerators are fully busy at about {sat:,.0f} requests/s "
                 f"(utilisation {u:.0%} now); beyond it its queues grow and it drops requests"
                 + (f"; the {lose} side saturates at about {requests_per_s / u_l:,.0f}"
                    if u_l else "")) if sat else f"the {win} side carried no measurable load",
    })  # fmt: skip
    if stretch is not None:
        flips.append(_stretch_flip(stretch, win))
    rd = readable_duration
    if tail_driver and tail_driver.startswith("The orbital p99"):
        tail = " " + tail_driver
    elif tail_driver:
        tail = f" The orbital tail is driven by {tail_driver}."
    else:
        tail = " (What drives the tail: see the latency decomposition when the run has one.)"
    text = (
        f"On median time to first token the {win} system wins by {gap:.1f} ms "
        f"({_ms(fw['p50_ms'])} vs {_ms(fl['p50_ms'])}) against the terrestrial baseline "
        f"{baseline!r}; p95/p99 orbital {rd(o.get('p95_ms'))}/{rd(o.get('p99_ms'))}, "
        f"terrestrial {rd(t.get('p95_ms'))}/{rd(t.get('p99_ms'))}; served orbital "
        f"{o['served_fraction']:.1%}, terrestrial {t['served_fraction']:.1%}; utilisation "
        f"orbital {_pct(utilisation.get('orbital'))}, terrestrial "
        f"{_pct(utilisation.get('terrestrial'))}.{tail}"
    )
    if outage is not None:
        oo, ot = outage.get("orbital"), outage.get("terrestrial")
        if oo and ot:
            text += (f" In the cut region {outage['region']!r} during the outage: orbital "
                     f"served {oo['served_fraction']:.1%} (p50 {_ms(oo.get('p50_ms'))}), "
                     f"terrestrial {ot['served_fraction']:.1%} "
                     f"(p50 {_ms(ot.get('p50_ms'))}).")  # fmt: skip
            for s, f in (("orbital", oo), ("terrestrial", ot)):
                numbers.append({"name": f"{s} served in {outage['region']} during outage",
                                "value": f["served_fraction"], "unit": "1"})  # fmt: skip
                numbers.append({"name": f"{s} p50 in {outage['region']} during outage",
                                "value": f.get("p50_ms"), "unit": "ms"})  # fmt: skip
    clauses = []
    if flip_preset:
        clauses.append(f"the baseline were preset {flip_preset[0]!r} (terrestrial p50 "
                       f"{_ms(flip_preset[1].p50_ms)})")  # fmt: skip
    if acc_ok:
        way = "rose above" if win == "orbital" else "fell below"
        clauses.append(f"the orbital access latency {way} {acc:.1f} ms "
                       f"(now {access_now_ms:g} ms)")  # fmt: skip
    if stretch is not None and stretch.get("flip_at") is not None:
        way = "rose above" if win == "orbital" else "fell below"
        clauses.append(f"the fibre path stretch {way} {stretch['flip_at']:.2f} "
                       f"(now {stretch['now']:g})")  # fmt: skip
    text += (" The median verdict would flip if " + ", or if ".join(clauses) + "."
             if clauses else " No ground-cloud preset, no access latency >= 0 and no fibre "
             "stretch in [1, 5] flips the median.")  # fmt: skip
    text += f" Demand: {flips[2]['text']}."
    if stretch is not None:
        text += f" Fibre: {flips[3]['text']}."
    return {"topic": "latency", "question": question, "text": text, "numbers": numbers,
            "baseline": baseline, "assumptions": list(assumptions), "flips": flips}  # fmt: skip


def _stretch_flip(stretch: Mapping[str, Any], win: str) -> dict[str, Any]:
    """The fibre-stretch entry of the flips (see :func:`latency_verdict`)."""
    at, now, meas = stretch.get("flip_at"), stretch["now"], stretch["measured"]
    text = (f"at the measured Internet path stretch x {meas:g} (Bozkurt et al., PAM 2017) the "
            f"terrestrial median would be {_ms(stretch.get('p50_measured_ms'))} (x {now:g} "
            "now)")  # fmt: skip
    text += (f"; the medians are equal at a stretch of about {at:.2f} (terrestrial p50 "
             f"{_ms(stretch.get('p50_flip_ms'))} there, re-evaluated)" if at is not None
             else f"; no stretch in [1, 5] makes the {win} system lose the median")  # fmt: skip
    return {"assumption": "fibre path stretch (route / great circle)", "now": now,
            "flip_at": None if at is None else round(at, 3), "unit": "1", "text": text}  # fmt: skip


def stretch_reevaluation(
    evaluate: Any, now: float, p50_now_ms: float, p50_orbital_ms: float
) -> dict[str, Any]:
    """The fibre-stretch flip: ``evaluate(stretch) -> terrestrial p50 [ms] or None`` at the
    measured stretch, the stretch where the median equals ``p50_orbital_ms`` by linear
    interpolation between the run's stretch and the measured one (the fibre leg is linear in
    the stretch; queue waits and prefill are not, so the estimate is re-evaluated), kept when
    it lies in [1, 5]."""
    meas = MEASURED_PATH_STRETCH
    p_meas = evaluate(meas)
    out: dict[str, Any] = {"now": now, "measured": meas, "p50_measured_ms": p_meas,
                           "flip_at": None, "p50_flip_ms": None}  # fmt: skip
    if p_meas is None or abs(meas - now) < 1e-9 or p_meas == p50_now_ms:
        return out
    slope = (p_meas - p50_now_ms) / (meas - now)
    at = now + (p50_orbital_ms - p50_now_ms) / slope
    if 1.0 <= at <= 5.0:
        out["flip_at"] = at
        out["p50_flip_ms"] = evaluate(at)
    return out


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.0%}"


def baseline_name(ter: Any) -> str:
    """The terrestrial baseline's name: its preset (with the sites kept) or ``custom``."""
    n = len(ter.data_centres)
    if ter.preset is None:
        return f"custom ({n} data centres)"
    full = len(GROUND_CLOUDS[ter.preset]["sites"])
    kept = full if ter.sites is None else len(ter.sites)
    extra = n - kept
    name = ter.preset if kept == full else f"{ter.preset} ({kept} of {full} sites)"
    return name + (f" + {extra} more" if extra > 0 else "")


def preset_reevaluations(
    sc: Any, demand: DemandRecord, outage_regions: Sequence[RegionSpec]
) -> dict[str, Reevaluation]:
    """The terrestrial side re-evaluated for every ground-cloud preset under the run's demand,
    with the run's total accelerators spread evenly over the preset's sites."""
    ter, inf, tsp = sc.workloads.terrestrial, sc.workloads.inference, sc.network.terrestrial
    total = sum(d.accelerators for d in ter.data_centres)
    acc = ter.data_centres[0].accelerator
    out: dict[str, Reevaluation] = {}
    for name, preset in GROUND_CLOUDS.items():
        sites = preset["sites"]
        per = max(1, total // len(sites))
        dcs = [DataCentreSpec(name=s["name"], lat_deg=s["lat_deg"], lon_deg=s["lon_deg"],
                              accelerator=acc, accelerators=per) for s in sites]  # fmt: skip
        out[name] = reevaluate_terrestrial(
            demand, dcs, dc_outage_mask(dcs, outage_regions), inf.classes, ter.precision,
            tsp.path_stretch, tsp.refractive_index, ter.access_rtt_ms / 1e3, inf.requests_per_s,
        )  # fmt: skip
    return out


def dc_outage_mask(dcs: Sequence[DataCentreSpec], regions: Sequence[RegionSpec]) -> np.ndarray:
    """(n_outage, n_dc) bool: the data centre lies inside the outage's region."""
    lat = np.radians([d.lat_deg for d in dcs])
    lon = np.radians([(d.lon_deg + 180.0) % 360.0 - 180.0 for d in dcs])
    return np.array([in_region(lat, lon, r) for r in regions], dtype=bool).reshape(
        len(regions), len(dcs)
    )


def run_assumptions(sc: Any, baseline: str) -> list[str]:
    """The assumptions of an inference run that decide its latency verdict, one sentence each."""
    ter, inf, tsp = sc.workloads.terrestrial, sc.workloads.inference, sc.network.terrestrial
    desc = GROUND_CLOUDS[ter.preset]["description"] if ter.preset else "data centres listed"
    n_acc = sum(d.accelerators for d in ter.data_centres)
    eclipse = ("satellites in eclipse compute from the battery (scheduling.compute_in_eclipse)"
               if sc.scheduling.compute_in_eclipse else "satellites in eclipse stop computing "
               "(scheduling.compute_in_eclipse: false); work queued on them is dropped as "
               "stranded")  # fmt: skip
    return [
        f"terrestrial baseline {baseline}: {desc}; {len(ter.data_centres)} sites, {n_acc:,} "
        f"{ter.data_centres[0].accelerator} in total",
        f"fibre: great circle x {tsp.path_stretch:g} at c/{tsp.refractive_index:g} "
        "(measured Internet paths: x 2.1, best conduits x 1.3; Bozkurt et al. 2018)",
        f"terrestrial last-mile access {ter.access_rtt_ms:g} ms (fixed broadband, FCC MBA)",
        f"orbital user-terminal access {inf.orbital_access_rtt_ms:g} ms beyond propagation "
        "(Starlink: Michel et al. IMC 2022, Mohan et al. WWW 2024)",
        eclipse,
        f"demand {inf.requests_per_s:g} requests/s day-mean, diurnal amplitude "
        f"{inf.diurnal_amplitude:g}, population-weighted over the user cells",
        "time to first token = network RTT + queue wait + prefill (decode not included)",
    ]


def run_verdict(
    sc: Any,
    demand_log: Sequence[tuple[np.ndarray, np.ndarray]],
    cell_lat_lon_rad: tuple[np.ndarray, np.ndarray],
    cell_in_outage: np.ndarray,
    step_s: float,
    answer: Mapping[str, Any],
    systems: Mapping[str, Any],
    outage_region_names: Sequence[str],
    outage: str | None,
    tail_driver: str | None = None,
    kpis_now: Mapping[str, Any] | None = None,
    tail: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The latency verdict of a finished inference run and its KPIs.

    Parameters
    ----------
    sc : the scenario
    demand_log : per chunk, (requests (n_t, n_cell, n_class), outage on (n_t, n_outage))
    cell_lat_lon_rad : the user cells' latitude and longitude [rad]
    cell_in_outage : (n_outage, n_cell) bool
    step_s : time step [s]
    answer : the run's answer figures (:func:`.metrics.answer`)
    systems : per side the run's totals (:func:`.metrics.system_summary`)
    outage_region_names : the region of each outage, in order
    outage : the region of the first outage (its figures enter the verdict), None without
    tail_driver : what drives the orbital tail, when a latency decomposition says so
    kpis_now : the run's KPIs so far (a latency decomposition's ``inference_orbital_p99_<part>_ms``
        names the tail driver when neither ``tail_driver`` nor ``tail`` is given)
    tail : the orbital tail explanation of the run's latency decomposition
        (``summary["inference"]["tail"]``), quoted by :func:`tail_sentence`
    """
    inf = sc.workloads.inference
    regions = {r.name: r for r in sc.workloads.regions}
    out_regions = [regions[n] for n in outage_region_names]
    n_cell, n_c = len(cell_lat_lon_rad[0]), len(inf.classes)
    demand = DemandRecord(
        np.concatenate([c for c, _ in demand_log]) if demand_log else np.zeros((0, n_cell, n_c)),
        np.concatenate([o for _, o in demand_log]) if demand_log
        else np.zeros((0, len(out_regions)), bool),
        cell_lat_lon_rad[0], cell_lat_lon_rad[1], cell_in_outage, step_s,
    )  # fmt: skip
    base = baseline_name(sc.workloads.terrestrial)
    reev = preset_reevaluations(sc, demand, out_regions)
    util = {s: systems[s]["accelerator_utilisation"] for s in SIDES}
    during = answer["outage_region"]["during"] if outage else None
    tail_driver = tail_driver or tail_sentence(tail) or tail_driver_from(kpis_now or {})
    v = latency_verdict(
        {s: answer[s] for s in SIDES}, util, base, reev, inf.orbital_access_rtt_ms,
        inf.requests_per_s, run_assumptions(sc, base),
        {**during, "region": outage} if during is not None else None, tail_driver,
        _stretch(sc, demand, out_regions, answer),
    )  # fmt: skip
    kpis: dict[str, Any] = {
        "inference_latency_flip_orbital_access_ms": next(
            (f["flip_at"] for f in v["flips"] if f["unit"] == "ms"), None
        ),
    }
    kpis["inference_latency_flip_path_stretch"] = next(
        (f["flip_at"] for f in v["flips"] if f["unit"] == "1"), None
    )
    for s in SIDES:
        u = util[s]
        kpis[f"inference_{s}_saturation_requests_per_s"] = (
            round(inf.requests_per_s / u, 1) if u else None
        )
    for name, r in reev.items():
        p50 = None if r.p50_ms is None else round(r.p50_ms, 4)
        kpis[f"inference_terrestrial_{name.replace('-', '_')}_p50_ms"] = p50
    return v, kpis


def _stretch(
    sc: Any, demand: DemandRecord, out_regions: Sequence[RegionSpec], answer: Mapping[str, Any]
) -> dict[str, Any] | None:
    """The fibre-stretch flip of the run's own data centres (:func:`stretch_reevaluation`)."""
    o, t = answer.get("orbital"), answer.get("terrestrial")
    if not (o and t and o.get("p50_ms") is not None and t.get("p50_ms") is not None):
        return None
    ter, inf, tsp = sc.workloads.terrestrial, sc.workloads.inference, sc.network.terrestrial
    dcs = ter.data_centres
    mask = dc_outage_mask(dcs, out_regions)

    def evaluate(stretch: float) -> float | None:
        return reevaluate_terrestrial(
            demand, dcs, mask, inf.classes, ter.precision, stretch, tsp.refractive_index,
            ter.access_rtt_ms / 1e3, inf.requests_per_s,
        ).p50_ms  # fmt: skip

    return stretch_reevaluation(evaluate, tsp.path_stretch, float(t["p50_ms"]),
                                float(o["p50_ms"]))  # fmt: skip


def tail_driver_from(kpis: Mapping[str, Any]) -> str | None:
    """The largest part of the orbital p99 from a latency decomposition's KPIs
    (``inference_orbital_p99_<part>_ms``), None without one."""
    parts = {}
    for key, val in kpis.items():
        if key.startswith("inference_orbital_p99_") and key.endswith("_ms") and val is not None:
            part = key.removeprefix("inference_orbital_p99_").removesuffix("_ms")
            if part:
                parts[part] = float(val)
    if not parts:
        return None
    top = max(parts, key=lambda p: parts[p])
    total = sum(parts.values())
    return f"{top} ({parts[top]:,.0f} ms of the p99 decomposition's {total:,.0f} ms)"
