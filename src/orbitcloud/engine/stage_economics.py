"""Economics stage: what a token costs from orbit, against a terrestrial data centre.

Runs at ``finish`` (after spacecraft and operations): it prices the compute fleet of the
scenario's spacecraft designs (:mod:`orbitcloud.economics`) with the run's measured delivered
capacity and accelerator failures (:class:`~orbitcloud.engine.contract.SpacecraftTotals`) and,
for the measured basis, the tokens served and busy shares of both systems
(:class:`~orbitcloud.engine.contract.InferenceTotals`) and the terrestrial accelerator count of
the scenario. Whatever a run did not measure comes from the design, with a note in the summary.
The rows, KPIs, summary section and cost verdict come from
:func:`orbitcloud.economics.summary.assess`; this stage only gathers the measurements and writes
them out (the verdict is appended to ``summary["verdicts"]``).

Table ``economics`` (design basis; one row per system x cost item, then the tornado rows; a
system's total is the sum of its cost rows, also in ``summary.json``): ``kind`` ("cost" |
"sensitivity"), ``system`` ("orbital" | "terrestrial"), ``item`` (cost item, or the varied input
for sensitivity rows), ``case`` ("base" | "low" | "high"), ``input_value`` (the varied input's
value; null for cost rows), ``capex_usd`` (null for recurring items), ``annual_usd``
(annualised), ``usd_per_accelerator_hour``, ``usd_per_mtok`` (null without tokens),
``usd_per_chip_kwh``.

KPIs (docs/kpis.md, group economics): the headline ``economics_<system>_usd_per_mtok``,
``..._usd_per_accelerator_hour``, ``..._usd_per_chip_kwh`` on the design basis
(``economics_tokens_basis``), the same with ``_measured`` on the measured basis, ratios,
break-even launch prices.
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
            orbital_utilisation=inf.orbital_utilisation if inf else None,
            terrestrial_tokens_served=inf.terrestrial_tokens_served if inf else None,
            terrestrial_utilisation=inf.terrestrial_utilisation if inf else None,
            terrestrial_accelerators=_terrestrial_accelerators(ctx.scenario) if inf else None,
        )
        out = assess(self.spec, self.fleet, run)
        ctx.sink.write("economics", _table(out.rows))
        ctx.kpis.update(out.kpis)
        ctx.summary["economics"] = out.summary
        ctx.summary.setdefault("verdicts", []).append(out.verdict)


def _terrestrial_accelerators(sc: Scenario) -> int | None:
    """Accelerators of the scenario's terrestrial data centres (None without any)."""
    ter = sc.workloads.terrestrial if sc.workloads is not None else None
    dcs = getattr(ter, "data_centres", None) or []
    n = sum(int(d.accelerators) for d in dcs)
    return n or None


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
