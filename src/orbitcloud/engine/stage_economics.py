"""Economics stage: what a token costs from orbit, against a terrestrial data centre.

Runs at ``finish`` (after spacecraft and operations): it prices the compute fleet of the
scenario's spacecraft designs (:mod:`orbitcloud.economics`) with the run's measured delivered
capacity, accelerator failures and chip energy (:class:`~orbitcloud.engine.contract.
SpacecraftTotals`) and orbital tokens served (:class:`~orbitcloud.engine.contract.
InferenceTotals`).
Whatever a run did not measure comes from the design, with a note in the summary.

Table ``economics`` (one row per system x cost item, then the tornado rows; a system's total is
the sum of its cost rows, also in ``summary.json``): ``kind`` ("cost" | "sensitivity"),
``system`` ("orbital" | "terrestrial"), ``item`` (cost item, or the varied input for
sensitivity rows), ``case`` ("base" | "low" | "high"),
``input_value`` (the varied input's value; null for cost rows), ``capex_usd`` (null for
recurring items), ``annual_usd`` (annualised), ``usd_per_accelerator_hour``, ``usd_per_mtok``
(null without tokens), ``usd_per_chip_kwh``.

KPIs: ``economics_orbital_usd_per_accelerator_hour``, ``economics_terrestrial_usd_per_
accelerator_hour``, ``economics_orbital_usd_per_mtok`` (tokens served by the operations run, else the design),
``economics_orbital_usd_per_mtok_design`` (design throughput x utilisation x availability, the
like-for-like figure), ``economics_terrestrial_usd_per_mtok`` (design throughput x utilisation),
``economics_orbital_usd_per_chip_kwh``, ``economics_terrestrial_usd_per_chip_kwh``,
``economics_orbital_energy_usd_per_kwh``, ``economics_terrestrial_energy_usd_per_kwh``,
``economics_cost_ratio_orbital_to_terrestrial``, ``economics_breakeven_launch_usd_per_kg``,
``economics_breakeven_launch_usd_per_kg_energy_framing``, ``economics_launch_usd_per_kg``,
``economics_tokens_basis``.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from orbitcloud.economics.costs import (
    HOURS_PER_YEAR,
    CostResult,
    SystemCost,
    breakeven_launch_price_energy_framing,
    breakeven_launch_price_usd_per_kg,
    evaluate,
    is_finite,
    tornado,
)
from orbitcloud.economics.fleet import FleetDesign, RunMeasurements, cost_inputs, fleet_design
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import InferenceTotals, Records, SpacecraftTotals
from orbitcloud.scenario.economics import EconomicsSpec
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import Scenario


def _r(x: float | None, nd: int = 6) -> float | None:
    return None if x is None or not is_finite(x) else float(f"{x:.{nd}g}")


class EconomicsStage:
    """Cost model at ``finish`` (see the module docstring)."""

    name = "economics"
    requires: tuple[type, ...] = ()
    provides: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = ()
    tables = ("economics",)
    halo_steps = 0

    def __init__(self, scenario: Scenario) -> None:
        # what the run measured: spacecraft totals when the fleet is modelled, inference totals
        # when there is inference; without them the cost model uses design figures
        need: list[type] = []
        if any(c.spacecraft.enabled for c in scenario.constellations):
            need.append(SpacecraftTotals)
        if scenario.workloads is not None:
            need.append(InferenceTotals)
        self.requires_final: tuple[type, ...] = tuple(need)

    def start(self, ctx: RunContext) -> None:
        sc = ctx.scenario
        assert sc.economics is not None
        self.spec: EconomicsSpec = sc.economics
        self.designs = [c.spacecraft.resolve(c.kind) for c in sc.constellations]
        counts = [int((ctx.sats.shell == i).sum()) for i in range(len(sc.constellations))]
        self.fleet: FleetDesign = fleet_design(self.spec, self.designs, counts)
        if self.fleet.n_acc == 0:
            raise OrbitcloudInputError(
                "the cost model needs a compute fleet, but no constellation has accelerators "
                "(spacecraft.compute.count > 0 with an accelerator); remove economics or add "
                "compute",
                "economics",
            )

    def process(self, records: Records, ctx: RunContext) -> None:
        return None

    def finish(self, final: Records, ctx: RunContext) -> None:
        spec, fleet = self.spec, self.fleet
        k = ctx.kpis
        sp = final.find(SpacecraftTotals)
        inf = final.find(InferenceTotals)
        run = RunMeasurements(
            duration_s=ctx.grid.n * float(ctx.grid.step_s),
            capacity_mean=sp.compute_capacity_mean if sp else None,
            accelerators_failed=sp.accelerators_failed if sp else None,
            orbital_tokens_served=inf.orbital_tokens_served if inf else None,
            chip_energy_j=(sp.compute_energy_j or None) if sp else None,
        )
        x = cost_inputs(spec, fleet, run)
        res = evaluate(x)
        be = breakeven_launch_price_usd_per_kg(x)
        kw = fleet.array_power_w / 1000.0
        # energy cost of one kW of IT load for a year (electricity x PUE + water), per Suncatcher
        terr_kw_year = HOURS_PER_YEAR * (
            x.electricity_usd_per_kwh * x.pue + x.water_l_per_kwh / 1000.0 * x.water_usd_per_m3
        )
        be_energy = breakeven_launch_price_energy_framing(
            terr_kw_year, fleet.mass_kg / kw, x.design_life_years
        )
        rows = self._rows(res)
        for name, case, value, r in tornado(x, spec.sensitivity_fraction):
            for sysname, s in (("orbital", r.orbital), ("terrestrial", r.terrestrial)):
                rows.append(("sensitivity", sysname, name, case, value, None, s.annual_usd,
                             s.usd_per_accelerator_hour, s.usd_per_mtok, s.usd_per_chip_kwh))  # fmt: skip
        ctx.sink.write("economics", _table(rows))
        o, t = res.orbital, res.terrestrial
        basis = "operations" if x.measured_tokens_per_year is not None else "design"
        k["economics_launch_usd_per_kg"] = _r(x.launch_usd_per_kg)
        k["economics_orbital_usd_per_accelerator_hour"] = _r(o.usd_per_accelerator_hour)
        k["economics_terrestrial_usd_per_accelerator_hour"] = _r(t.usd_per_accelerator_hour)
        k["economics_orbital_usd_per_mtok"] = _r(o.usd_per_mtok)
        k["economics_orbital_usd_per_mtok_design"] = _r(
            o.annual_usd / res.design_tokens_per_year * 1e6 if res.design_tokens_per_year else None
        )
        k["economics_terrestrial_usd_per_mtok"] = _r(t.usd_per_mtok)
        k["economics_tokens_basis"] = basis
        k["economics_orbital_usd_per_chip_kwh"] = _r(o.usd_per_chip_kwh)
        k["economics_terrestrial_usd_per_chip_kwh"] = _r(t.usd_per_chip_kwh)
        k["economics_orbital_energy_usd_per_kwh"] = _r(o.energy_usd_per_chip_kwh)
        k["economics_terrestrial_energy_usd_per_kwh"] = _r(t.energy_usd_per_chip_kwh)
        k["economics_cost_ratio_orbital_to_terrestrial"] = _r(res.ratio_per_accelerator_hour)
        k["economics_breakeven_launch_usd_per_kg"] = _r(be)
        k["economics_breakeven_launch_usd_per_kg_energy_framing"] = _r(be_energy)
        if be is None:
            run.notes.append(
                "no break-even launch price: the orbital accelerator-hour costs more than the "
                "terrestrial one even with free launch (hardware, replacements, operations)"
            )
        ctx.summary["economics"] = self._summary(res, x, fleet, run, be, be_energy, basis)

    def _rows(self, res: CostResult) -> list[tuple]:
        rows: list[tuple] = []
        for sysname, s in (("orbital", res.orbital), ("terrestrial", res.terrestrial)):
            for item, (capex, annual) in s.items.items():
                share = annual / s.annual_usd if s.annual_usd else 0.0
                rows.append(("cost", sysname, item, "base", None, capex, annual,
                             s.usd_per_accelerator_hour * share,
                             None if s.usd_per_mtok is None else s.usd_per_mtok * share,
                             s.usd_per_chip_kwh * share))  # fmt: skip
        return rows

    def _summary(
        self,
        res: CostResult,
        x: Any,
        fleet: FleetDesign,
        run: RunMeasurements,
        be: float | None,
        be_energy: float | None,
        basis: str,
    ) -> dict[str, Any]:
        def system(s: SystemCost) -> dict[str, Any]:
            return {
                "capex_usd": _r(s.capex_usd),
                "annual_usd": _r(s.annual_usd),
                "items_annual_usd": {i: _r(a) for i, (_, a) in s.items.items()},
                "accelerator_hours_per_year": _r(s.accelerator_hours_per_year),
                "tokens_per_year": _r(s.tokens_per_year),
                "chip_kwh_per_year": _r(s.chip_kwh_per_year),
                "usd_per_accelerator_hour": _r(s.usd_per_accelerator_hour),
                "usd_per_mtok": _r(s.usd_per_mtok),
                "usd_per_chip_kwh": _r(s.usd_per_chip_kwh),
                "energy_usd_per_chip_kwh": _r(s.energy_usd_per_chip_kwh),
            }

        design_mtok = (
            res.orbital.annual_usd / res.design_tokens_per_year * 1e6
            if res.design_tokens_per_year > 0
            else None
        )
        o, t = res.orbital, res.terrestrial
        ratio = res.ratio_per_accelerator_hour
        text = (
            f"Orbital {o.usd_per_accelerator_hour:.2f} USD per delivered accelerator-hour vs "
            f"terrestrial {t.usd_per_accelerator_hour:.2f} ({ratio:.2f}x) at launch "
            f"{x.launch_usd_per_kg:.0f} USD/kg; break-even launch price "
            + ("none (dearer even at 0 USD/kg)" if be is None else f"{be:.0f} USD/kg")
            + "."
        )
        return {
            "answer": text,
            "fleet": {
                "satellites": fleet.n_sat,
                "accelerators": fleet.n_acc,
                "accelerator_types": fleet.accelerators,
                "mass_kg": _r(fleet.mass_kg),
                "array_power_bol_w": _r(fleet.array_power_w),
                "kg_per_kw": _r(fleet.mass_kg / max(fleet.array_power_w / 1000.0, 1e-12)),
                "design_tokens_per_accelerator_s": _r(fleet.tokens_per_acc_s),
            },
            "inputs": {
                "launch_usd_per_kg": _r(x.launch_usd_per_kg),
                "accelerator_usd": _r(x.accelerator_usd),
                "availability": _r(x.availability),
                "utilization": _r(x.utilization),
                "failure_per_year": _r(x.failure_per_year),
                "discount_rate": x.discount_rate,
                "design_life_years": x.design_life_years,
            },
            "orbital": system(o),
            "terrestrial": system(t),
            "orbital_usd_per_mtok_design": _r(design_mtok),
            "tokens_basis": basis,
            "breakeven_launch_usd_per_kg": _r(be),
            "breakeven_launch_usd_per_kg_energy_framing": _r(be_energy),
            "notes": run.notes,
        }


_SCHEMA = pa.schema([
    ("kind", pa.string()), ("system", pa.string()), ("item", pa.string()), ("case", pa.string()),
    ("input_value", pa.float64()), ("capex_usd", pa.float64()), ("annual_usd", pa.float64()),
    ("usd_per_accelerator_hour", pa.float64()), ("usd_per_mtok", pa.float64()),
    ("usd_per_chip_kwh", pa.float64()),
])  # fmt: skip


def _table(rows: list[tuple]) -> pa.Table:
    cols = list(zip(*rows, strict=True))
    arrays = []
    for f, col in zip(_SCHEMA, cols, strict=True):
        if pa.types.is_floating(f.type):
            col = tuple(v if is_finite(v) else None for v in col)  # nulls, never NaN
        arrays.append(pa.array(col, type=f.type))
    return pa.Table.from_arrays(arrays, schema=_SCHEMA)
