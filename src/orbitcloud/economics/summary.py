"""What the cost model's answer looks like: table rows, headline KPIs and the summary section.

Pure functions of :class:`~orbitcloud.economics.costs.CostResult` and its inputs: no files, no
tables (the engine turns the rows into the ``economics`` table). :func:`assess` runs the whole
model for one fleet and what a run measured; the other functions are its parts.

Row layout (:data:`ROW_FIELDS`): ``kind`` ("cost" | "sensitivity"), ``system`` ("orbital" |
"terrestrial"), ``item``, ``case`` ("base" | "low" | "high"), ``input_value``, ``capex_usd``,
``annual_usd``, ``usd_per_accelerator_hour``, ``usd_per_mtok``, ``usd_per_chip_kwh``. A cost
row carries its item's share of the system's unit costs (the share of the annual cost), so a
system's rows add up to its unit costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orbitcloud.economics.costs import (
    HOURS_PER_YEAR,
    CostInputs,
    CostResult,
    SystemCost,
    breakeven_launch_price_energy_framing,
    evaluate,
    evaluate_measured,
    is_finite,
    tornado,
)
from orbitcloud.economics.fleet import FleetDesign, RunMeasurements, cost_inputs
from orbitcloud.economics.verdict import (
    basis_text,
    breakeven_launch_usd_per_kg,
    breakeven_text,
    cost_verdict,
    tornado_flips,
)
from orbitcloud.scenario.economics import EconomicsSpec

ROW_FIELDS: tuple[str, ...] = (
    "kind", "system", "item", "case", "input_value", "capex_usd", "annual_usd",
    "usd_per_accelerator_hour", "usd_per_mtok", "usd_per_chip_kwh",
)  # fmt: skip
"""Fields of a row of :func:`cost_rows` and :func:`sensitivity_rows`, in order."""

Row = tuple[Any, ...]


def round_sig(x: float | None, digits: int = 6) -> float | None:
    """``x`` to ``digits`` significant digits; None for None, NaN or an infinity."""
    return None if x is None or not is_finite(x) else float(f"{x:.{digits}g}")


HEADLINE_BASIS = "design"
"""The basis of the headline KPIs (``economics_tokens_basis``): capacity at a stated
utilisation, the same way on both sides (:func:`~orbitcloud.economics.costs.evaluate`)."""


def terrestrial_energy_usd_per_kw_year(x: CostInputs) -> float:
    """Energy cost of one kW of terrestrial IT load for a year [USD/(kW yr)].

    c = 8766 h x (electricity price x PUE + water per kWh x water price).

    Parameters
    ----------
    x : cost inputs; reads ``electricity_usd_per_kwh`` [USD/kWh], ``pue`` [1],
        ``water_l_per_kwh`` [l/kWh] and ``water_usd_per_m3`` [USD/m^3]

    References
    ----------
    Suncatcher, arXiv:2511.19468 (launch costs section): the terrestrial side of the energy
    framing is the data centre's energy bill per kW-year.
    """
    return HOURS_PER_YEAR * (
        x.electricity_usd_per_kwh * x.pue + x.water_l_per_kwh / 1000.0 * x.water_usd_per_m3
    )


def breakeven_energy_framing(x: CostInputs, fleet: FleetDesign) -> float | None:
    """Suncatcher's break-even launch price for this fleet [USD/kg], or None.

    Launch cost per kW-year of the fleet (mass over beginning-of-life array power, over the
    design life) equal to :func:`terrestrial_energy_usd_per_kw_year`.

    References
    ----------
    Suncatcher, arXiv:2511.19468 (launch costs section).
    """
    kg_per_kw = fleet.mass_kg / (fleet.array_power_w / 1000.0)
    return breakeven_launch_price_energy_framing(
        terrestrial_energy_usd_per_kw_year(x), kg_per_kw, x.design_life_years
    )


def _systems(res: CostResult) -> tuple[tuple[str, SystemCost], ...]:
    return (("orbital", res.orbital), ("terrestrial", res.terrestrial))


def cost_rows(res: CostResult) -> list[Row]:
    """One "cost" row per system and cost item, with the item's share of the unit costs."""
    rows: list[Row] = []
    for sysname, s in _systems(res):
        for item, (capex, annual) in s.items.items():
            share = annual / s.annual_usd if s.annual_usd else 0.0
            rows.append(("cost", sysname, item, "base", None, capex, annual,
                         s.usd_per_accelerator_hour * share,
                         None if s.usd_per_mtok is None else s.usd_per_mtok * share,
                         s.usd_per_chip_kwh * share))  # fmt: skip
    return rows


def sensitivity_rows(cases: Sequence[tuple[str, str, float, CostResult]]) -> list[Row]:
    """Two "sensitivity" rows (orbital, terrestrial) per tornado case
    (:func:`~orbitcloud.economics.costs.tornado`): the varied input, its value, the totals."""
    rows: list[Row] = []
    for name, case, value, r in cases:
        for sysname, s in _systems(r):
            rows.append(("sensitivity", sysname, name, case, value, None, s.annual_usd,
                         s.usd_per_accelerator_hour, s.usd_per_mtok, s.usd_per_chip_kwh))  # fmt: skip
    return rows


def _unit_costs(prefix: str, res: CostResult | None, suffix: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for sysname in ("orbital", "terrestrial"):
        s = None if res is None else getattr(res, sysname)
        out[f"{prefix}{sysname}_usd_per_accelerator_hour{suffix}"] = (
            None if s is None else round_sig(s.usd_per_accelerator_hour)
        )
        out[f"{prefix}{sysname}_usd_per_mtok{suffix}"] = (
            None if s is None else round_sig(s.usd_per_mtok)
        )
        out[f"{prefix}{sysname}_usd_per_chip_kwh{suffix}"] = (
            None if s is None else round_sig(s.usd_per_chip_kwh)
        )
        out[f"{prefix}{sysname}_tokens_per_accelerator_hour{suffix}"] = (
            None if s is None else round_sig(s.tokens_per_accelerator_hour)
        )
    return out


def economics_kpis(
    res: CostResult,
    measured: CostResult | None,
    x: CostInputs,
    be: float | None,
    be_energy: float | None,
) -> dict[str, float | str | None]:
    """The ``economics_*`` KPIs (6 significant digits; None where there is no value).

    The headline figures (no suffix) are on the design basis for both systems; ``_measured``
    ones on the measured basis (None without an operations run).
    """
    o, t = res.orbital, res.terrestrial
    return {
        "economics_launch_usd_per_kg": round_sig(x.launch_usd_per_kg),
        **_unit_costs("economics_", res, ""),
        "economics_orbital_usd_per_mtok_design": round_sig(o.usd_per_mtok),
        "economics_tokens_basis": HEADLINE_BASIS,
        "economics_orbital_energy_usd_per_kwh": round_sig(o.energy_usd_per_chip_kwh),
        "economics_terrestrial_energy_usd_per_kwh": round_sig(t.energy_usd_per_chip_kwh),
        "economics_cost_ratio_orbital_to_terrestrial": round_sig(res.ratio_per_accelerator_hour),
        "economics_token_cost_ratio_orbital_to_terrestrial": round_sig(res.ratio_per_mtok),
        **_unit_costs("economics_", measured, "_measured"),
        "economics_token_cost_ratio_orbital_to_terrestrial_measured": (
            None if measured is None else round_sig(measured.ratio_per_mtok)
        ),
        "economics_breakeven_launch_usd_per_kg": round_sig(be),
        "economics_breakeven_launch_usd_per_kg_energy_framing": round_sig(be_energy),
    }


def system_summary(s: SystemCost) -> dict[str, Any]:
    """Totals, items and unit costs of one system (6 significant digits).

    ``items_annual_usd`` and ``items_usd_per_mtok`` are the cost waterfall (per item, on the
    basis of ``s``).
    """
    mtok = s.tokens_per_year / 1e6
    return {
        "capex_usd": round_sig(s.capex_usd),
        "annual_usd": round_sig(s.annual_usd),
        "items_annual_usd": {i: round_sig(a) for i, (_, a) in s.items.items()},
        "items_usd_per_mtok": {
            i: (round_sig(a / mtok) if mtok > 0 else None) for i, (_, a) in s.items.items()
        },
        "accelerator_hours_per_year": round_sig(s.accelerator_hours_per_year),
        "tokens_per_year": round_sig(s.tokens_per_year),
        "tokens_per_accelerator_hour": round_sig(s.tokens_per_accelerator_hour),
        "chip_kwh_per_year": round_sig(s.chip_kwh_per_year),
        "usd_per_accelerator_hour": round_sig(s.usd_per_accelerator_hour),
        "usd_per_mtok": round_sig(s.usd_per_mtok),
        "usd_per_chip_kwh": round_sig(s.usd_per_chip_kwh),
        "energy_usd_per_chip_kwh": round_sig(s.energy_usd_per_chip_kwh),
    }


def answer_text(res: CostResult, x: CostInputs, be: float | None) -> str:
    """One sentence: both costs per token and per accelerator-hour on the headline basis, their
    ratio, the launch price and the break-even (the cost verdict's first numbers)."""
    o, t = res.orbital, res.terrestrial
    om, tm = o.usd_per_mtok, t.usd_per_mtok
    ratio = res.ratio_per_mtok
    per_tok = (
        ""
        if om is None or tm is None or ratio is None
        else f"{om:.3g} USD per million tokens from orbit vs {tm:.3g} from the ground "
        f"({ratio:.3g}x); "
    )
    return (
        f"Design basis (utilisation {x.utilization:.3g}"
        + ("" if x.utilization == x.dc_utilization else f" vs {x.dc_utilization:.3g} on the ground")
        + f"): {per_tok}{o.usd_per_accelerator_hour:.3g} vs {t.usd_per_accelerator_hour:.3g} "
        f"USD per delivered accelerator-hour ({res.ratio_per_accelerator_hour:.3g}x) at launch "
        f"{x.launch_usd_per_kg:.0f} USD/kg; break-even launch price "
        + ("none (dearer even at 0 USD/kg)" if be is None else f"{be:.0f} USD/kg")
        + "."
    )


def measured_section(x: CostInputs, measured: CostResult | None) -> dict[str, Any]:
    """The measured basis in the summary: the run's figures and both systems on that basis."""
    out: dict[str, Any] = {
        "orbital_tokens_per_year": round_sig(x.measured_orbital_tokens_per_year),
        "orbital_utilisation": round_sig(x.measured_orbital_utilization),
        "terrestrial_tokens_per_accelerator_hour": round_sig(
            x.measured_terrestrial_tokens_per_acc_hour
        ),
        "terrestrial_utilisation": round_sig(x.measured_terrestrial_utilization),
        "text": "measured basis: tokens the run served over the accelerator-hours that were "
        "busy (delivered accelerator-hours x the run's busy share), each side at its measured "
        "busy share; the terrestrial data centre priced has the fleet's accelerator count and "
        "the run's terrestrial tokens per delivered accelerator-hour",
    }
    if measured is None:
        out["available"] = False
        return out
    out["available"] = True
    out["orbital"] = system_summary(measured.orbital)
    out["terrestrial"] = system_summary(measured.terrestrial)
    out["ratio_per_mtok"] = round_sig(measured.ratio_per_mtok)
    out["ratio_per_accelerator_hour"] = round_sig(measured.ratio_per_accelerator_hour)
    return out


def economics_summary(
    res: CostResult,
    measured: CostResult | None,
    x: CostInputs,
    fleet: FleetDesign,
    notes: list[str],
    be: float | None,
    be_energy: float | None,
) -> dict[str, Any]:
    """The ``economics`` section of summary.json (``notes`` is included as given)."""
    return {
        "answer": answer_text(res, x, be),
        "basis": {
            "headline": HEADLINE_BASIS,
            "utilisation_orbital": round_sig(x.utilization),
            "utilisation_terrestrial": round_sig(x.dc_utilization),
            "text": basis_text(x),
        },
        "fleet": {
            "satellites": fleet.n_sat,
            "accelerators": fleet.n_acc,
            "accelerator_types": fleet.accelerators,
            "mass_kg": round_sig(fleet.mass_kg),
            "array_power_bol_w": round_sig(fleet.array_power_w),
            "kg_per_kw": round_sig(fleet.mass_kg / max(fleet.array_power_w / 1000.0, 1e-12)),
            "design_tokens_per_accelerator_s": round_sig(fleet.tokens_per_acc_s),
        },
        "inputs": {
            "launch_usd_per_kg": round_sig(x.launch_usd_per_kg),
            "accelerator_usd": round_sig(x.accelerator_usd),
            "availability": round_sig(x.availability),
            "utilization": round_sig(x.utilization),
            "terrestrial_utilization": round_sig(x.dc_utilization),
            "failure_per_year": round_sig(x.failure_per_year),
            "discount_rate": x.discount_rate,
            "design_life_years": x.design_life_years,
        },
        "orbital": system_summary(res.orbital),
        "terrestrial": system_summary(res.terrestrial),
        "ratio_per_mtok": round_sig(res.ratio_per_mtok),
        "ratio_per_accelerator_hour": round_sig(res.ratio_per_accelerator_hour),
        "measured": measured_section(x, measured),
        "orbital_usd_per_mtok_design": round_sig(res.orbital.usd_per_mtok),
        "tokens_basis": HEADLINE_BASIS,
        "breakeven_launch_usd_per_kg": round_sig(be),
        "breakeven_text": breakeven_text(x, be),
        "breakeven_launch_usd_per_kg_energy_framing": round_sig(be_energy),
        "notes": notes,
    }


@dataclass(frozen=True)
class Assessment:
    """The cost model's whole answer for one fleet and run."""

    rows: list[Row]
    """cost rows, then sensitivity rows (:data:`ROW_FIELDS`)"""
    kpis: dict[str, float | str | None]
    summary: dict[str, Any]
    verdict: dict[str, Any]
    """the cost verdict (an entry of summary["verdicts"])"""


def assess(spec: EconomicsSpec, fleet: FleetDesign, run: RunMeasurements) -> Assessment:
    """Price the fleet on both bases: rows, KPIs, summary and the cost verdict.

    Appends to ``run.notes`` (see :func:`~orbitcloud.economics.fleet.cost_inputs`) and, when
    there is no break-even launch price, the reason; the summary's notes are ``run.notes``.
    """
    x = cost_inputs(spec, fleet, run)
    res = evaluate(x)
    measured = evaluate_measured(x)
    be = breakeven_launch_usd_per_kg(x)
    be_energy = breakeven_energy_framing(x, fleet)
    cases = tornado(x, spec.sensitivity_fraction)
    rows = cost_rows(res) + sensitivity_rows(cases)
    kpis = economics_kpis(res, measured, x, be, be_energy)
    if be is None:
        run.notes.append(breakeven_text(x, be))
    summary = economics_summary(res, measured, x, fleet, run.notes, be, be_energy)
    base_ratio = res.ratio_per_mtok
    summary["tornado"] = [] if base_ratio is None else tornado_flips(base_ratio, cases)
    verdict = cost_verdict(x, res, measured, be, fleet.accelerators)
    return Assessment(rows, kpis, summary, verdict)
