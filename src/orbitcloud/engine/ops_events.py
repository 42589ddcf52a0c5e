"""Operations stage, events: outages, gateway, satellite and ISL failures, storm faults.

Orchestration only: reads the scenario's ``events``, draws from the run's generators
(``operations.gateway_failures``, ``operations.satellite_failures``,
``operations.storm_faults``, ``operations.isl.<event>.<period>``) and calls
:mod:`orbitcloud.scheduling.events`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orbitcloud.engine.context import RunContext
from orbitcloud.network.model import GroundSet
from orbitcloud.scenario.base import parse_utc
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scheduling import events as ev


class EventsOps:
    """The run's events as time windows, and the satellites they failed so far."""

    def __init__(
        self, ctx: RunContext, ground: GroundSet | None, gateways: np.ndarray, n_sat: int
    ) -> None:
        sc = ctx.scenario
        assert sc.workloads is not None
        regions = {r.name for r in sc.workloads.regions}
        gnames = {str(n): i for i, n in enumerate(ground.name)} if ground is not None else {}
        self.step_s = float(ctx.grid.step_s)
        t0 = ctx.grid.unix_ms(0, 1)[0] / 1000.0
        t_end = t0 + (ctx.grid.n - 1) * self.step_s + self.step_s
        self.events: list[tuple[Any, float, float]] = []
        for i, e in enumerate(sc.events):
            where = f"events.{i}"
            t_a = parse_utc(e.start).timestamp() if e.start else t0
            t_b = t_a + e.duration_h * 3600.0 if e.duration_h else t_end
            if e.region is not None and e.region not in regions:
                raise OrbitcloudInputError(
                    f"region {e.region!r} is not in workloads.regions "
                    f"({', '.join(regions) or 'none defined'})", f"{where}.region",
                )  # fmt: skip
            for j, g in enumerate(e.gateways):
                if g not in gnames:
                    raise OrbitcloudInputError(f"{g!r} is not a ground endpoint",
                                               f"{where}.gateways.{j}")  # fmt: skip
            self.events.append((e, t_a, t_b))
        self.n_sat = n_sat
        self.outages = [(e, a, b) for e, a, b in self.events if e.kind == "terrestrial_outage"]
        self.outage_windows = [(a, b) for _, a, b in self.outages]
        n_ground = len(ground) if ground is not None else 0
        rng = ctx.rng("operations.gateway_failures")
        self.gw_down: list[tuple[np.ndarray, float, float]] = []
        for e, a, b in self.events:
            if e.kind == "gateway_failure":
                named = [gnames[g] for g in e.gateways]
                m = ev.gateway_failure_mask(n_ground, named, gateways, e.count, rng)
                self.gw_down.append((m, a, b))
        self.faults = ev.FaultEvents(
            [(e.count, a) for e, a, _ in self.events
             if e.kind == "satellite_failures" and e.count],
            [(e.rate_per_year, a, b) for e, a, b in self.events
             if e.kind == "satellite_failures" and e.rate_per_year],
            [(e.fault_rate_per_year * e.dose_multiplier, a, b) for e, a, b in self.events
             if e.kind == "solar_storm"],
        )  # fmt: skip
        self.isl_failures = [(a, b, e.period_s) for e, a, b in self.events
                             if e.kind == "isl_failures"]  # fmt: skip
        self.isl_fractions = [e.fraction for e, _, _ in self.events if e.kind == "isl_failures"]
        self.storms = [(e, a, b) for e, a, b in self.events if e.kind == "solar_storm"]
        self.failed = np.zeros(n_sat, dtype=bool)
        self.storm_faults = 0
        self.rng_sat_fail = ctx.rng("operations.satellite_failures")
        self.rng_storm = ctx.rng("operations.storm_faults")
        self._salts: dict[tuple[int, int], np.uint64] = {}
        self._warn_storms(ctx)

    def _warn_storms(self, ctx: RunContext) -> None:
        env_storms = [(parse_utc(s.start).timestamp(), parse_utc(s.end).timestamp())
                      for s in ctx.scenario.environment.storms]  # fmt: skip
        for e, a, b in self.storms:
            if not any(s0 < b and s1 > a for s0, s1 in env_storms):
                ctx.warnings.append(
                    f"solar_storm event at {e.start or 'run start'}: the spacecraft stage takes "
                    "its dose enhancement from environment.storms, which has no storm in this "
                    "window; the operations stage applies only the storm's compute faults"
                )

    def satellite_faults(
        self, unix_s: np.ndarray, valid: np.ndarray, has_acc: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(failed by events, storm fault) per step of a chunk; carries the failures."""
        self.failed, per_step, storm = ev.advance_satellite_faults(
            self.failed, unix_s, valid, has_acc, self.faults, self.step_s, self.rng_sat_fail,
            self.rng_storm,
        )  # fmt: skip
        self.storm_faults += int(storm.sum())
        return per_step, storm

    def isl_up(self, ctx: RunContext, isl_a: np.ndarray, isl_b: np.ndarray, t: float) -> np.ndarray:
        """Which ISLs the ISL-failure events leave up at time ``t`` [s]."""
        act = ev.isl_failure_periods(self.isl_failures, t)
        # one salt per event and period, drawn once (only the current periods are kept)
        self._salts = {key: self._salts[key] if key in self._salts else
                       ev.isl_failure_salt(ctx.rng(f"operations.isl.{key[0]}.{key[1]}"))
                       for key in act}  # fmt: skip
        return ev.isl_up(isl_a, isl_b, self.n_sat, [self._salts[key] for key in act],
                         [self.isl_fractions[i] for i, _ in act])  # fmt: skip

    def summary(self) -> dict[str, Any]:
        return {
            "satellites_failed_by_events": int(self.failed.sum()),
            "storm_compute_faults": int(self.storm_faults),
            "solar_storm_drag_note": "drag_multiplier is reported only: the spacecraft and "
            "orbit stages take drag from environment.ap for the whole run"
            if self.storms
            else None,
        }
