"""The cost verdict: which system is cheaper per token, by how much, and what would flip it.

Pure functions of :class:`~orbitcloud.economics.costs.CostInputs`: the flips are solved on the
headline metric (design-basis cost per million tokens, the same utilisation on both sides unless
the scenario sets them apart) by re-evaluating the model with one input changed
(:func:`~orbitcloud.economics.costs.evaluate`, the machinery of the tornado table) and Brent's
method on the range of the input the scenario schema allows (:func:`solve_in_range`). An input
whose whole range keeps the verdict is reported as "no value in [lo, hi] flips it".

The verdict dict has the shape every story's verdict has (summary["verdicts"]): ``topic``,
``question``, ``text``, ``numbers``, ``baseline``, ``assumptions``, ``flips``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from scipy.optimize import brentq

from orbitcloud.economics.costs import CostInputs, CostResult, evaluate

QUESTION = "Is a token cheaper from orbit than from a terrestrial data centre?"


@dataclass(frozen=True)
class FlipInput:
    """An input whose value at ratio 1 the verdict reports."""

    field: str
    """field of :class:`CostInputs`"""
    label: str
    unit: str
    lo: float
    """lower end of the searched range (None: 0)"""
    hi: float | None
    """upper end (None: the current value, for launch price: cheaper launch only)"""
    fmt: str = ".3g"


FLIP_INPUTS: tuple[FlipInput, ...] = (
    FlipInput("launch_usd_per_kg", "launch price", "USD/kg", 0.0, None, ".0f"),
    FlipInput("utilization", "orbital utilisation (terrestrial held)", "1", 1e-6, 1.0, ".3g"),
    FlipInput("accelerator_usd", "accelerator price (both sides)", "USD", 0.0, 1e8, ".3g"),
    FlipInput("electricity_usd_per_kwh", "terrestrial electricity price", "USD/kWh", 0.0, 10.0),
    FlipInput("design_life_years", "orbital design life", "yr", 1.0, 50.0),
)
"""Inputs whose break-even the verdict states, with the ranges the scenario schema allows
(orbital utilisation (0, 1], accelerator price <= 1e8 USD, electricity <= 10 USD/kWh, design
life 1-50 years; launch price from 0 to today's)."""


def design_ratio(x: CostInputs) -> float:
    """Orbital over terrestrial design-basis cost per million tokens [1].

    Per accelerator-hour when the design makes no tokens (an LLM that does not fit the
    accelerator): the verdict's metric then.
    """
    res = evaluate(x)
    r = res.ratio_per_mtok
    return res.ratio_per_accelerator_hour if r is None else r


def solve_in_range(f: Callable[[float], float], lo: float, hi: float) -> float | None:
    """Root of ``f`` on [lo, hi] by Brent's method, None when ``f`` keeps one sign there.

    ``f`` is taken as monotone on the range (true of the cost ratio in each input of
    :data:`FLIP_INPUTS`: every one enters each side's cost or tokens monotonically).
    """
    flo, fhi = f(lo), f(hi)
    if flo == 0.0:
        return lo
    if fhi == 0.0:
        return hi
    if (flo < 0.0) == (fhi < 0.0):
        return None
    return float(brentq(f, lo, hi, xtol=1e-12, rtol=1e-10))


def flip_value(x: CostInputs, fi: FlipInput) -> float | None:
    """Value of ``fi.field`` at which the design cost ratio is 1, or None in its range."""
    hi = float(getattr(x, fi.field)) if fi.hi is None else fi.hi
    if hi <= fi.lo:
        return None
    return solve_in_range(lambda v: design_ratio(replace(x, **{fi.field: v})) - 1.0, fi.lo, hi)


def breakeven_launch_usd_per_kg(x: CostInputs) -> float | None:
    """Launch price at which the design cost per token is equal on both sides [USD/kg].

    Searched on [0, 1e9] USD/kg (a dearer launch than today's counts as a break-even too, when
    orbit is already cheaper). With equal utilisations this is also the price at which an
    orbital accelerator-hour costs a terrestrial one.
    """
    return solve_in_range(lambda p: design_ratio(replace(x, launch_usd_per_kg=p)) - 1.0, 0.0, 1e9)


HARDWARE_ITEMS = ("accelerators", "hosts", "solar_array", "radiator", "battery", "lasers", "bus",
                  "integration", "spares")  # fmt: skip
"""Orbital cost items counted as hardware in the no-break-even explanation."""


def no_breakeven_reason(x: CostInputs) -> str:
    """Why no launch price makes orbit as cheap: the orbital cost without launch, itemised.

    Per delivered accelerator-hour, with launch free, against the terrestrial cost.
    """
    res = evaluate(replace(x, launch_usd_per_kg=0.0))
    o, t = res.orbital, res.terrestrial
    per_h = {k: a / o.accelerator_hours_per_year for k, (_, a) in o.items.items()}
    hw = sum(per_h.get(k, 0.0) for k in HARDWARE_ITEMS)
    return (
        f"dearer even at 0 USD/kg because the terrestrial cost per accelerator-hour "
        f"({t.usd_per_accelerator_hour:.3g} USD) is below the orbital cost without launch "
        f"({o.usd_per_accelerator_hour:.3g} USD: hardware {hw:.3g}, replacements "
        f"{per_h.get('replacements', 0.0):.3g}, operations {per_h.get('operations', 0.0):.3g}, "
        f"ground segment {per_h.get('ground_segment', 0.0):.3g})"
    )


def breakeven_text(x: CostInputs, be: float | None) -> str:
    """The break-even launch price as a sentence, or why there is none."""
    if be is None:
        return "No break-even launch price: " + no_breakeven_reason(x) + "."
    now = x.launch_usd_per_kg
    side = "below" if be < now else "above"
    return (
        f"Break-even launch price {be:.0f} USD/kg ({side} the {now:.0f} USD/kg assumed): "
        "there a token costs the same from orbit and from the ground."
    )


def flips(x: CostInputs, be: float | None) -> list[dict[str, Any]]:
    """Each :data:`FLIP_INPUTS` entry: its value now, where the verdict flips, a sentence."""
    out: list[dict[str, Any]] = []
    for fi in FLIP_INPUTS:
        now = float(getattr(x, fi.field))
        at = be if fi.field == "launch_usd_per_kg" else flip_value(x, fi)
        hi = now if fi.hi is None else fi.hi
        u = "" if fi.unit == "1" else f" {fi.unit}"
        lo = "(0" if fi.field == "utilization" else f"[{fi.lo:g}"
        if at is None and fi.field == "launch_usd_per_kg":
            text = f"{fi.label}: {no_breakeven_reason(x)}"
        elif at is None:
            text = f"{fi.label}: no value in {lo}, {hi:g}]{u} flips it (now {now:{fi.fmt}}{u})"
        else:
            text = (f"{fi.label}: the costs per token are equal at {at:{fi.fmt}}{u} "
                    f"(now {now:{fi.fmt}}{u})")  # fmt: skip
        out.append({"assumption": fi.label, "now": now, "flip_at": at, "unit": fi.unit,
                    "text": text})  # fmt: skip
    return out


def tornado_flips(
    base_ratio: float, cases: Sequence[tuple[str, str, float, CostResult]]
) -> list[dict[str, Any]]:
    """The tornado per input: ratio at the low and high ends, and which end flips the verdict.

    Rows ordered by swing (largest first); ``flips`` is "low", "high", "both" or None.
    """
    by: dict[str, dict[str, Any]] = {}
    for name, case, value, r in cases:
        row = by.setdefault(name, {"input": name})
        row[f"{case}_value"] = value
        row[f"ratio_{case}"] = r.ratio_per_mtok
        row[f"orbital_usd_per_mtok_{case}"] = r.orbital.usd_per_mtok
        row[f"terrestrial_usd_per_mtok_{case}"] = r.terrestrial.usd_per_mtok
    rows = list(by.values())
    base_side = base_ratio > 1.0
    for row in rows:
        ends = [e for e in ("low", "high")
                if row.get(f"ratio_{e}") is not None and (row[f"ratio_{e}"] > 1.0) != base_side]  # fmt: skip
        row["flips"] = "both" if len(ends) == 2 else (ends[0] if ends else None)
        lo, hi = row.get("ratio_low"), row.get("ratio_high")
        row["swing"] = abs(hi - lo) if lo is not None and hi is not None else 0.0
    rows.sort(key=lambda r: -r["swing"])
    return rows


ASSUMPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("utilization", "utilisation of delivered capacity (design basis)", "1",
     "assumed: inference fleets run at 40-70 % of peak"),
    ("availability", "orbital delivered fraction of peak", "1",
     "spacecraft stage's mean delivered capacity when it ran, else Starcloud's >95 % (secondary)"),
    ("launch_usd_per_kg", "launch price in the launch year", "USD/kg",
     "Falcon 9 list price over payload (SpaceX 2022; Jones, ICES-2018-81) and its trend"),
    ("accelerator_usd", "accelerator price", "USD", "press, 2023-24 (secondary)"),
    ("solar_usd_per_w", "solar array price", "USD/W",
     "assumed: mass-produced space arrays (heritage 300-1000 USD/W, NASA SST 2023)"),
    ("design_life_years", "orbital design life", "yr", "Suncatcher, arXiv:2511.19468"),
    ("discount_rate", "real discount rate", "1/yr", "assumed: operators' WACC 6-10 %"),
    ("dc_capex_usd_per_mw", "terrestrial facility capex", "USD/MW",
     "Cushman & Wakefield, Data Center Development Cost Guide 2024"),
    ("electricity_usd_per_kwh", "terrestrial electricity price", "USD/kWh",
     "US EIA, average industrial price 2024"),
    ("pue", "terrestrial PUE", "1", "Uptime Institute global survey 2023"),
)  # fmt: skip
"""(CostInputs field, label, unit, source) of the assumptions the verdict lists."""


def assumption_lines(x: CostInputs) -> list[str]:
    """One line per :data:`ASSUMPTIONS` entry: label, value used, unit, source."""
    return [f"{label}: {float(getattr(x, f)):.4g}{'' if unit == '1' else ' ' + unit} "
            f"(source: {src})" for f, label, unit, src in ASSUMPTIONS]  # fmt: skip


def baseline_text(x: CostInputs, accelerators: Sequence[str]) -> str:
    """The terrestrial baseline, named with its sources."""
    acc = ", ".join(accelerators) or "the fleet's accelerators"
    return (
        f"a terrestrial data centre with the same {x.n_acc:.0f} accelerators ({acc}) at "
        f"utilisation {x.dc_utilization:.3g}: facility {x.dc_capex_usd_per_mw / 1e6:.3g} M USD "
        f"per MW of IT (Cushman & Wakefield 2024), electricity {x.electricity_usd_per_kwh:.3g} "
        f"USD/kWh (EIA 2024), PUE {x.pue:.3g} (Uptime Institute 2023), hardware life "
        f"{x.dc_hardware_life_years:g} yr (hyperscaler 10-K filings)"
    )


def utilisation_text(x: CostInputs) -> str:
    """The utilisation of the design basis in words (says so when the two sides differ)."""
    if x.utilization == x.dc_utilization:
        return f"the same utilisation {x.utilization:.3g} on both sides"
    return (f"utilisation {x.utilization:.3g} in orbit and {x.dc_utilization:.3g} on the ground "
            "(set apart by the scenario)")  # fmt: skip


def basis_text(x: CostInputs) -> str:
    """The headline basis in words (says so when the utilisations differ)."""
    return (
        f"design basis: each system's capacity (design tokens/s per accelerator over delivered "
        f"accelerator-hours, orbital availability {x.availability:.3g}, terrestrial 1) at "
        f"{utilisation_text(x)}"
    )


def _n(name: str, value: float | None, unit: str) -> list[dict[str, Any]]:
    return [] if value is None else [{"name": name, "value": float(f"{value:.6g}"), "unit": unit}]


def measured_sentence(x: CostInputs, measured: CostResult, design_ratio: float) -> str:
    """The measured basis in one or two sentences; says so when it reverses the order."""
    mr = measured.ratio_per_mtok
    mo, mt = measured.orbital.usd_per_mtok, measured.terrestrial.usd_per_mtok
    u_o, u_t = x.measured_orbital_utilization, x.measured_terrestrial_utilization
    if mr is None or mo is None or mt is None or u_o is None or u_t is None:
        return ""
    out = (
        f" On the measured basis (what the run served; accelerators busy {u_o:.3g} of the time "
        f"in orbit, {u_t:.3g} on the ground) a million tokens cost {mo:.3g} vs {mt:.3g} USD "
        f"({mr:.3g}x)."
    )
    if (mr > 1.0) != (design_ratio > 1.0):
        idle = "ground" if u_t < u_o else "orbital"
        out += (
            f" The order reverses there because the run's demand leaves the {idle} system the "
            "idler one, and an idle accelerator costs the same per hour: the measured basis "
            "reflects how the scenario sized demand against capacity, the design basis does not."
        )
    return out


def cost_verdict(
    x: CostInputs,
    design: CostResult,
    measured: CostResult | None,
    be: float | None,
    accelerators: Sequence[str],
) -> dict[str, Any]:
    """The cost verdict (summary["verdicts"] entry with topic "cost")."""
    o, t = design.orbital, design.terrestrial
    om, tm = o.usd_per_mtok, t.usd_per_mtok
    ratio = design_ratio(x)
    fl = flips(x, be)
    cheaper, factor = ("terrestrial", ratio) if ratio > 1.0 else ("orbital", 1.0 / ratio)
    per_h = f"{o.usd_per_accelerator_hour:.3g} vs {t.usd_per_accelerator_hour:.3g} USD per "
    if om is None or tm is None:
        head = (f"The {cheaper} system is cheaper per accelerator-hour (the design makes no "
                f"tokens: the LLM does not fit), by {factor:.3g}x: {per_h}delivered hour")  # fmt: skip
    else:
        head = (f"The {cheaper} system is cheaper per token, by {factor:.3g}x: {om:.3g} USD per "
                f"million tokens from orbit vs {tm:.3g} USD from the ground ({per_h}delivered "
                "accelerator-hour)")  # fmt: skip
    meas = "" if measured is None else measured_sentence(x, measured, ratio)
    text = (
        f"{head}, on the design basis at {utilisation_text(x)}. The {basis_text(x)}; the "
        f"baseline is {baseline_text(x, accelerators)}.{meas} What would flip it: "
        + "; ".join(f["text"] for f in fl)
        + "."
    )
    numbers = (
        _n("orbital cost per million tokens (design)", om, "USD/Mtok")
        + _n("terrestrial cost per million tokens (design)", tm, "USD/Mtok")
        + _n("orbital cost per accelerator-hour (design)", o.usd_per_accelerator_hour, "USD/h")
        + _n("terrestrial cost per accelerator-hour (design)", t.usd_per_accelerator_hour, "USD/h")
        + _n("orbital / terrestrial cost per token (design)", ratio, "1")
        + _n("break-even launch price", be, "USD/kg")
    )
    if measured is not None:
        numbers += _n("orbital cost per million tokens (measured)",
                      measured.orbital.usd_per_mtok, "USD/Mtok")  # fmt: skip
        numbers += _n("terrestrial cost per million tokens (measured)",
                      measured.terrestrial.usd_per_mtok, "USD/Mtok")  # fmt: skip
    return {
        "topic": "cost",
        "question": QUESTION,
        "text": text,
        "numbers": numbers,
        "baseline": baseline_text(x, accelerators),
        "assumptions": assumption_lines(x),
        "flips": fl,
    }
