"""Orbit stage: drag, station keeping, lifetime, formation keeping and conjunction screening.

Runs when the scenario has an ``orbit_ops`` section (docs/scenario-orbit.md). Orchestration
only: the models are :mod:`orbitcloud.operations` (docs/models-orbit.md) -- ``body`` (mass and
area in the flow), ``keeping`` (drag sums per chunk, then station keeping and lifetime),
``cluster`` (each formation in its chief's Hill frame), ``screening`` (close approaches carried
over chunk edges, Pc, tally). Density is the environment stage's
:class:`~orbitcloud.engine.contract.AtmosphereRecord` (NRLMSIS 2.1, storms included: the same
density the spacecraft models see).

Tables (columns in :mod:`orbitcloud.results.schema`): ``orbit_keeping``, one row per satellite
(drag, station keeping, lifetime, formation keeping, conjunction load); ``conjunctions``, one row
per close approach (own, background or formation); ``formation``, one row per (time, member).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from sgp4.api import SatrecArray

from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.astro.propagate import propagate_teme
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import AtmosphereRecord, GeometryRecord, Records
from orbitcloud.operations import body, cluster, keeping, screening
from orbitcloud.operations.stationkeeping import JULIAN_YEAR_S
from orbitcloud.operations.summary import round_sig
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.orbit_ops import OrbitOpsSpec, resolve_orbit_ops_paths
from orbitcloud.spacecraft.design import mass_budget_kg

_DAY_S = 86400.0
_TS = pa.timestamp("ms", tz="UTC")


def _spacecraft_body(spacecraft: Any, kind: str | None) -> body.CraftGeometry | None:
    """Mass and drag geometry of a constellation's spacecraft design (preset plus overrides),
    with the spacecraft stage's own mass budget; None if the design cannot be resolved."""
    try:
        d = spacecraft.resolve(kind)
        arr, rad = d.solar_array, d.radiator
        return body.craft_geometry(spacecraft.preset_name(kind) or "custom",
                                   mass_budget_kg(d)["total"], arr.area_m2, arr.pointing,
                                   arr.body_normal, rad.area_m2, rad.orientation)  # fmt: skip
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _table(cols: dict[str, np.ndarray]) -> pa.Table:
    """Arrow table of NumPy columns: ``time`` [ms since 1970] as a UTC timestamp, text as
    strings, masked arrays and non-finite floats as nulls, the rest as it is."""

    def arrow(key: str, x: np.ndarray) -> pa.Array:
        if key == "time":
            return pa.array(x, type=_TS)
        if isinstance(x, np.ma.MaskedArray):
            return pa.array(x.data, mask=np.ma.getmaskarray(x))
        if x.dtype.kind in "OU":
            return pa.array([str(v) for v in x] if x.dtype.kind == "O" else x, type=pa.string())
        if x.dtype.kind != "f":
            return pa.array(x)
        bad = ~np.isfinite(x)
        return pa.array(np.where(bad, 0.0, x), mask=bad if bad.any() else None)

    return pa.table({k: arrow(k, v) for k, v in cols.items()})


class OrbitStage:
    """Orbit keeping, lifetime, formation keeping and conjunction screening (see module doc)."""

    name = "orbit"
    requires: tuple[type, ...] = (AtmosphereRecord,)
    provides: tuple[type, ...] = ()
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = ()
    tables = ("orbit_keeping", "formation", "conjunctions")
    halo_steps = 0

    def start(self, ctx: RunContext) -> None:
        spec = ctx.scenario.orbit_ops or OrbitOpsSpec.model_validate({})
        self.spec = spec
        resolve_orbit_ops_paths(spec, None, None)
        cons = ctx.scenario.constellations
        names = [c.name for c in cons]
        for key in spec.constellations:
            if key not in names:
                raise OrbitcloudInputError(
                    f"orbit_ops.constellations.{key}: no constellation named {key!r}; "
                    f"constellations: {', '.join(names)}"
                )
        shell, kinds = np.asarray(ctx.sats.shell), np.asarray(ctx.sats.kind)
        choices, self.body_source = [], {}
        for ci, c in enumerate(cons):
            sel = shell == ci
            layers = [x for x in (spec.constellations.get(c.name), spec.body) if x is not None]
            kind = str(kinds[sel][0]) if sel.any() else None
            ch = body.choose_body(layers, _spacecraft_body(c.spacecraft, kind))
            if ch.generic_area_m2 is not None and sel.any():
                ctx.warnings.append(
                    f"orbit_ops: constellation {c.name!r} has no mass / drag area (neither "
                    f"in orbit_ops nor its spacecraft preset): using a generic {ch.mass_kg:g} "
                    f"kg, {ch.generic_area_m2:g} m^2, Cd {ch.drag_coefficient:g} body (BC "
                    f"{ch.bc_kg_m2:.1f} kg/m^2)"
                )
            choices.append(ch)
            self.body_source[c.name] = ch.source
        self.bodies = body.Bodies.of(choices, shell)
        self.isp, self.thrust = spec.thruster.resolved_isp_s, spec.thruster.resolved_thrust_n
        env = ctx.scenario.environment
        self.space_weather = (float(env.f107), float(env.f107a), float(env.ap))
        self.drag = keeping.DragState.zeros(len(ctx.sats))
        self.density_source = "computed (NRLMSIS 2.1)"
        self._start_unix_s = ctx.grid.unix_ms(0, 1)[0] / 1000.0
        self._setup_clusters(ctx)
        self._setup_conjunctions(ctx)

    def _setup_clusters(self, ctx: RunContext) -> None:
        sats, fs = ctx.sats, self.spec.formation
        kinds, shell = np.asarray(sats.kind), np.asarray(sats.shell)
        self.clusters: list[cluster.ClusterDesign] = []
        self.group = np.full(len(sats), -1, dtype=np.int64)
        for ci, c in enumerate(ctx.scenario.constellations):
            members = np.nonzero((shell == ci) & (kinds == "cluster"))[0]
            if len(members) < 2 or c.cluster is None:
                continue
            disk = None
            if "disk_x_m" in sats.extra:
                disk = np.hypot(sats.extra["disk_x_m"][members], sats.extra["disk_y_m"][members])
            spacing = float(c.cluster.spacing_m)
            close = float(fs.close_approach_m) if fs.close_approach_m else 0.5 * spacing
            self.group[members] = len(self.clusters)
            self.clusters.append(cluster.cluster_design(
                c.name, members, [sats.satrecs[k] for k in members], spacing, close,
                ctx.grid.step_s, ctx.grid.n, disk))  # fmt: skip
        self.cluster_states = [cluster.ClusterState.start(len(d.members)) for d in self.clusters]

    def _setup_conjunctions(self, ctx: RunContext) -> None:
        cs = self.spec.conjunctions
        self.bg: screening.Background | None = None
        self.bg_array: SatrecArray | None = None
        if cs.enabled and cs.background_tle_file:
            kinds = np.asarray(ctx.sats.kind)
            own = set(np.asarray(ctx.sats.norad_id)[np.isin(kinds, ["tle", "omm"])].tolist())
            t1 = self._start_unix_s + (ctx.grid.n - 1) * ctx.grid.step_s
            self.bg = screening.load_background(cs.background_tle_file, own,
                                                cs.background_max_objects, self._start_unix_s,
                                                t1)  # fmt: skip
            if self.bg.epoch_gap_days > 14.0:
                ctx.warnings.append(
                    f"orbit_ops: the background catalogue's median epoch is "
                    f"{self.bg.epoch_gap_days:.0f} days from the run; TLE predictions degrade by "
                    "about 1-3 km per day from epoch, so its conjunctions are statistical, not real"
                )
            self.bg_array = SatrecArray(self.bg.satrecs) if self.bg.satrecs else None
        self.screen_state = screening.ScreenState()
        self.screen_params = screening.ScreenParams(
            ctx.grid.step_s, ctx.grid.n, cs.screening_distance_km * 1000.0, self.group
        )
        self.tally = screening.ConjunctionTally.zeros(len(ctx.sats))

    def process(self, records: Records, ctx: RunContext) -> None:
        chunk = records.get(GeometryRecord).chunk
        atm = records.get(AtmosphereRecord)
        self.density_source = f"environment stage (NRLMSIS 2.1, {atm.method})"
        drivers = keeping.DragDrivers(chunk.r_teme, chunk.v_teme, chunk.sun_teme, chunk.alt_m,
                                      chunk.valid, atm.density_kg_m3)  # fmt: skip
        self.drag, _ = keeping.advance(self.drag, drivers, self.bodies)
        unix_ms = ctx.grid.unix_ms(chunk.k0, chunk.k1)
        parts = []
        for g, design in enumerate(self.clusters):
            m = design.members
            cd = cluster.ClusterDrivers(chunk.k0, unix_ms / 1000.0, chunk.r_teme[:, m],
                                        chunk.v_teme[:, m])  # fmt: skip
            self.cluster_states[g], out = cluster.advance(self.cluster_states[g], cd, design)
            parts.append(cluster.formation_columns(design, unix_ms, out))
        if parts and self.spec.formation.table:
            ctx.sink.write("formation", _table(cluster.merge_formation_columns(parts)))
        if self.spec.conjunctions.enabled:
            self._screen(chunk, ctx)

    def _screen(self, chunk: EphemerisChunk, ctx: RunContext) -> None:
        rb = vb = None
        if self.bg_array is not None:
            rb, vb, _ = propagate_teme(self.bg_array, chunk.jd, chunk.fr)
        d = screening.ScreenDrivers(chunk.k0, chunk.r_teme, chunk.v_teme, rb, vb)
        self.screen_state, res = screening.advance(self.screen_state, d, self.screen_params)
        if len(res):
            a = screening.assess(res, len(ctx.sats), self.bodies.hard_body_radius_m,
                                 self.spec.conjunctions)  # fmt: skip
            self.tally = screening.tally(self.tally, a)
            ctx.sink.write("conjunctions", _table(self._conjunction_columns(ctx, a)))

    def _conjunction_columns(self, ctx: RunContext, a: screening.Assessment) -> dict[str, Any]:
        return screening.conjunction_columns(a, self._start_unix_s, ctx.grid.step_s,
                                             ctx.sats.name, ctx.sats.norad_id, self.bg)  # fmt: skip

    def finish(self, final: Records, ctx: RunContext) -> None:
        spec, n = self.spec, len(ctx.sats)
        res = keeping.keeping_results(self.drag, self.bodies, self.isp, self.thrust,
                                      spec.altitude_band_km * 1000.0, spec.reentry_altitude_km,
                                      self.space_weather)  # fmt: skip
        form_dv, form_summary = np.full(n, np.nan), []
        for design, state in zip(self.clusters, self.cluster_states, strict=True):
            rates = cluster.keeping_dv_rates(design, res.mean_drag_m_s2,
                                             spec.formation.differential_bc_frac)  # fmt: skip
            form_dv[design.members] = rates["total"] * JULIAN_YEAR_S
            form_summary.append(self._cluster_summary(ctx, design, state, rates))
        days = (ctx.grid.n - 1) * ctx.grid.step_s / _DAY_S
        t = self.tally
        per_sat = keeping.orbit_keeping_columns(
            res, self.bodies, form_dv, t.per_sat, t.avoidance_dv_per_sat_m_s, days / 365.25
        )
        ctx.sink.write("orbit_keeping", _table(per_sat))
        cj_summary = None
        if spec.conjunctions.enabled:
            bg = (len(self.bg.names), self.bg.dropped_duplicates) if self.bg else (0, 0)
            cj_summary = screening.tally_summary(t, spec.conjunctions, *bg, days, n)
        self._kpis(ctx, per_sat, form_summary, cj_summary)
        self._summary(ctx, res, form_summary, cj_summary)

    def _summary(self, ctx: RunContext, res: keeping.KeepingResults, form_summary: list,
                 cj_summary: dict[str, Any] | None) -> None:  # fmt: skip
        spec, year = self.spec, JULIAN_YEAR_S
        ctx.summary["orbit"] = {
            "thruster": {
                "preset": spec.thruster.preset, "isp_s": self.isp, "thrust_n": self.thrust
            },
            "space_weather": dict(zip(("f107", "f107a", "ap"), self.space_weather, strict=True)),
            "density_source": self.density_source,
            "body_source": self.body_source,
            **keeping.keeping_summary(res, spec.reentry_altitude_km),
            "formation": form_summary,
            "conjunctions": cj_summary,
        }  # fmt: skip
        duty, life = res.thruster_duty, res.lifetime_s
        if (duty > 1.0).any():
            ctx.warnings.append(
                f"orbit_ops: the {spec.thruster.preset} thruster ({self.thrust:g} N) cannot "
                f"offset drag on {int((duty > 1.0).sum())} satellite(s) (duty up to "
                f"{np.nanmax(duty):.1f}x full-time): they will decay"
            )
        short = life < 5 * year
        if np.any(short & np.isfinite(life)):
            ctx.warnings.append(
                f"orbit_ops: {int(np.sum(short))} satellite(s) re-enter within 5 years without "
                f"propellant (shortest {np.nanmin(life) / year:.2f} years at F10.7 "
                f"{self.space_weather[0]:g})"
            )

    def _cluster_summary(self, ctx: RunContext, design: cluster.ClusterDesign,
                         state: cluster.ClusterState,
                         rates: dict[str, np.ndarray]) -> dict[str, Any]:  # fmt: skip
        def iso(k: int) -> str | None:
            return ctx.grid.datetime_at(k).isoformat().replace("+00:00", "Z") if k >= 0 else None

        out, res, min_sep = cluster.cluster_summary(state, design, rates, self._start_unix_s, iso)
        hbr = self.bodies.hard_body_radius_m
        if len(res):
            a = screening.assess(res, len(ctx.sats), hbr, self.spec.conjunctions,
                                 self.spec.formation.relative_sigma_m)  # fmt: skip
            ctx.sink.write("conjunctions", _table(self._conjunction_columns(ctx, a)))
        if min_sep < max(design.close_m, 2.0 * float(np.max(hbr[design.members]))):
            ctx.warnings.append(
                f"orbit_ops: cluster {design.name!r} members come within {min_sep:.1f} m of each "
                f"other (design spacing {design.spacing_m:g} m): uncontrolled J2 drift of up to "
                f"{out['deviation_growth_m_per_day']} m/day; holding the formation needs up to "
                f"{out['keeping_dv_m_s_per_year']['max']} m/s per year"
            )
        return out

    def _kpis(self, ctx: RunContext, per_sat: dict[str, np.ndarray], form_summary: list,
              cj_summary: dict[str, Any] | None) -> None:  # fmt: skip
        k = ctx.kpis
        dv = per_sat["stationkeeping_dv_m_s_per_year"]
        k["stationkeeping_dv_m_s_per_year"] = round_sig(np.nanmean(dv))
        k["stationkeeping_dv_m_s_per_year_max"] = round_sig(np.nanmax(dv))
        prop, decay = per_sat["propellant_kg_per_year"], per_sat["decay_m_per_day"]
        k["propellant_kg_per_year_per_sat"] = round_sig(np.nanmean(prop))
        k["altitude_decay_m_per_day_uncontrolled"] = round_sig(np.nanmean(decay))
        life = per_sat["lifetime_years"]
        k["lifetime_without_propellant_years_min"] = round_sig(np.nanmin(life))
        k["lifetime_without_propellant_years_median"] = round_sig(np.nanmedian(life))
        if form_summary:
            dv_max = max(f["keeping_dv_m_s_per_year"]["max"] or 0.0 for f in form_summary)
            k["formation_keeping_dv_m_s_per_year_max"] = round_sig(dv_max)
            sep = min(f["min_separation_m"] for f in form_summary)
            k["formation_min_separation_m"] = round_sig(sep)
        if cj_summary and "per_day" in cj_summary:
            c = cj_summary
            k["conjunctions_per_day"] = c["per_day"]
            k["conjunctions_pc_above_threshold_per_day"] = c["pc_above_threshold_per_day"]
            k["avoidance_dv_m_s_per_sat_per_year"] = c["avoidance_dv_m_s_per_sat_per_year"]
