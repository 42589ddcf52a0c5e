"""Economics stage: what a token costs from orbit, against a terrestrial data centre.

Runs at ``finish`` (after spacecraft and operations): it prices the compute fleet of the
scenario's spacecraft designs (:mod:`orbitcloud.economics`) with the run's measured delivered
capacity, accelerator failures and chip energy (:class:`~orbitcloud.engine.contract.
SpacecraftTotals`) and orbital tokens served (:class:`~orbitcloud.engine.contract.
InferenceTotals`).
Whatever a run did not measure comes from the design, with a note in the summary. The rows,
KPIs and summary section come from :func:`orbitcloud.economics.summary.assess`; this stage only
gathers the measurements and writes them out.

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

import pyarrow as pa

from orbitcloud.economics.costs import is_finite
from orbitcloud.economics.fleet import FleetDesign, RunMeasurements, fleet_design
from orbitcloud.economics.summary import ROW_FIELDS, Row, assess
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import InferenceTotals, Records, SpacecraftTotals
from orbitcloud.scenario.economics import EconomicsSpec
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import Scenario


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
        sp = final.find(SpacecraftTotals)
        inf = final.find(InferenceTotals)
        run = RunMeasurements(
            duration_s=ctx.grid.n * float(ctx.grid.step_s),
            capacity_mean=sp.compute_capacity_mean if sp else None,
            accelerators_failed=sp.accelerators_failed if sp else None,
            orbital_tokens_served=inf.orbital_tokens_served if inf else None,
            chip_energy_j=(sp.compute_energy_j or None) if sp else None,
        )
        out = assess(self.spec, self.fleet, run)
        ctx.sink.write("economics", _table(out.rows))
        ctx.kpis.update(out.kpis)
        ctx.summary["economics"] = out.summary


_TYPES = {"kind": pa.string(), "system": pa.string(), "item": pa.string(), "case": pa.string()}
_SCHEMA = pa.schema([(f, _TYPES.get(f, pa.float64())) for f in ROW_FIELDS])


def _table(rows: list[Row]) -> pa.Table:
    cols = list(zip(*rows, strict=True))
    arrays = []
    for f, col in zip(_SCHEMA, cols, strict=True):
        if pa.types.is_floating(f.type):
            col = tuple(v if is_finite(v) else None for v in col)  # nulls, never NaN
        arrays.append(pa.array(col, type=f.type))
    return pa.Table.from_arrays(arrays, schema=_SCHEMA)
