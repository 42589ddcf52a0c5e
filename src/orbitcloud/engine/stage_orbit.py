"""Orbit stage: drag, station keeping, lifetime, formation keeping and conjunction screening.

Runs when the scenario has an ``orbit_ops`` section (docs/scenario-orbit.md); models in
:mod:`orbitcloud.operations` (docs/models-orbit.md).

Per chunk it computes, for every satellite and step, the drag acceleration from the NRLMSIS
density of the environment stage (:class:`~orbitcloud.engine.contract.AtmosphereRecord`, storms
included, the same density the spacecraft models see) and the speed relative to the co-rotating atmosphere; analyses each ``cluster``
constellation in its chief's Hill frame; and screens the satellites against each other and a
background catalogue with k-d trees, carrying one step over chunk boundaries so that an
approach between two chunks is found once.

Tables
------
``conjunctions`` : one row per close approach (TCA in ``time``, ``sat`` the primary): other
    object, miss distance and its radial / in-track / cross-track parts, relative speed, Pc,
    the avoidance delta-v and whether Pc calls for a manoeuvre.
``orbit_keeping`` : one row per satellite: ballistic coefficient, mean altitude and density,
    drag, decay rate, station-keeping delta-v and propellant per year, thruster duty, reboost
    interval, lifetime without propellant, formation-keeping delta-v, conjunctions (count, as
    primary or secondary, formation approaches excluded) and avoidance delta-v per year.
``formation`` : per (time, member) of each cluster: Hill-frame offset from the chief, deviation
    from the HCW design and from the J2 secular model, distance to the nearest member.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from scipy.spatial import cKDTree
from sgp4.api import SatrecArray

from orbitcloud.astro.constants import R_EARTH_M
from orbitcloud.astro.ephemeris import EphemerisChunk
from orbitcloud.astro.propagate import propagate_teme
from orbitcloud.engine.context import RunContext
from orbitcloud.engine.contract import AtmosphereRecord, GeometryRecord, Records
from orbitcloud.environment.atmosphere import global_mean_density_kg_m3
from orbitcloud.operations import conjunction as cj
from orbitcloud.operations import drag, formation, stationkeeping
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.orbit_ops import OrbitOpsSpec, resolve_orbit_ops_paths
from orbitcloud.spacecraft.design import mass_budget_kg

_DAY_S = 86400.0
_TS = pa.timestamp("ms", tz="UTC")

DEFAULT_BODY = {"mass_kg": 300.0, "drag_area_m2": 2.7, "drag_coefficient": 2.2}
"""Generic body used when neither ``orbit_ops`` nor the spacecraft preset gives mass and drag:
BC = 300 / (2.2 x 2.7) = 50.5 kg/m^2, the reference value of VALIDATION.md section F. A run
that falls back on it says so in its warnings."""

DEFAULT_HARD_BODY_RADIUS_M = 5.0
"""Hard-body radius when none is given: a sphere enclosing a 10 m span [m]."""


@functools.lru_cache(maxsize=16)
def _mean_density_profile(alts_km: tuple[float, ...], f107: float, f107a: float, ap: float):
    return np.asarray(global_mean_density_kg_m3(np.array(alts_km), f107, f107a, ap), dtype=float)


BUS_DENSITY_KG_M3 = 150.0
"""Bulk density used to size the bus body from the satellite's mass, A = (m / rho)^(2/3)
(assumed; small satellites and buses run about 50-300 kg/m^3)."""

_POINTING = {"sun_tracking": 1, "single_axis": 2}
_BODY_NORMAL = {"zenith": 3}


def _spacecraft_body(spacecraft: Any, kind: str | None) -> dict[str, Any] | None:
    """Mass and drag geometry of a constellation's spacecraft design (preset plus overrides).

    Mass is :func:`orbitcloud.spacecraft.design.mass_budget_kg` (bus, array, battery, radiator,
    accelerators, lasers, shield: the same figure the spacecraft stage uses). The area in the flow is the bus body (a cube of
    ``BUS_DENSITY_KG_M3``), half the radiator area when it is edge-on to the Sun (a plate of
    unknown orientation to the flow; zenith / nadir radiators lie along the flow), and the solar
    array projected by its pointing (see :meth:`OrbitStage._drag_area`). None if the design
    cannot be resolved.
    """
    try:
        d = spacecraft.resolve(kind)
        arr, rad = d.solar_array, d.radiator
        mass = mass_budget_kg(d)["total"]  # the spacecraft stage's own mass budget
        if arr.pointing == "body_fixed":
            mode = _BODY_NORMAL.get(arr.body_normal, 4)
        else:
            mode = _POINTING[arr.pointing]
        fixed = (mass / BUS_DENSITY_KG_M3) ** (2.0 / 3.0)
        if rad.orientation == "edge_on":
            fixed += 0.5 * rad.area_m2
        name = spacecraft.preset_name(kind) or "custom"
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return {
        "name": name,
        "mass_kg": float(mass),
        "fixed_area_m2": float(fixed),
        "array_area_m2": float(arr.area_m2),
        "mode": mode,
    }


@dataclass
class _Cluster:
    name: str
    members: np.ndarray  # sat indices
    chief: int  # position in members
    a_m: float
    inc_rad: float
    epoch_unix_s: float
    roe0: formation.RelativeElements
    spacing_m: float
    close_m: float
    carry: tuple[int, np.ndarray, np.ndarray] | None = None
    dev_max: np.ndarray = field(default_factory=lambda: np.zeros(0))
    dev_last: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model_sq: float = 0.0
    model_n: int = 0
    nearest_min: float = np.inf
    nearest_min_step: int = -1
    events: list[cj.ScreeningResult] = field(default_factory=list)


class OrbitStage:
    """Orbit keeping, lifetime, formation keeping and conjunction screening (see module doc)."""

    name = "orbit"
    requires: tuple[type, ...] = (AtmosphereRecord,)
    provides: tuple[type, ...] = ()
    requires_final: tuple[type, ...] = ()
    provides_final: tuple[type, ...] = ()
    tables = ("orbit_keeping", "formation", "conjunctions")
    halo_steps = 0

    # --- start --------------------------------------------------------------------------------

    def start(self, ctx: RunContext) -> None:
        spec = ctx.scenario.orbit_ops
        if spec is None:  # pragma: no cover - build_stages adds the stage only with orbit_ops
            spec = OrbitOpsSpec.model_validate({})
        self.spec = spec
        resolve_orbit_ops_paths(spec, None, None)
        sats = ctx.sats
        n = len(sats)
        cons = ctx.scenario.constellations
        names = [c.name for c in cons]
        for key in spec.constellations:
            if key not in names:
                raise OrbitcloudInputError(
                    f"orbit_ops.constellations.{key}: no constellation named {key!r}; "
                    f"constellations: {', '.join(names)}"
                )
        mass = np.empty(n)
        bc = np.full(n, np.nan)  # fixed BC; NaN: attitude-dependent area from the spacecraft
        cd_all = np.empty(n)
        a_fixed = np.zeros(n)
        a_array = np.zeros(n)
        mode = np.zeros(n, dtype=np.int8)
        hbr = np.empty(n)
        self.body_source: dict[str, str] = {}
        shell = np.asarray(sats.shell)
        kinds = np.asarray(sats.kind)
        for ci, c in enumerate(cons):
            sel = shell == ci
            over = spec.constellations.get(c.name)
            layers = [x for x in (over, spec.body) if x is not None]

            def pick(attr: str, layers=layers) -> float | None:
                for lay in layers:
                    v = getattr(lay, attr)
                    if v is not None:
                        return float(v)
                return None

            kind = str(kinds[sel][0]) if sel.any() else None
            craft = _spacecraft_body(c.spacecraft, kind)
            m = pick("mass_kg")
            area = pick("drag_area_m2")
            cd = pick("drag_coefficient") or DEFAULT_BODY["drag_coefficient"]
            b = pick("ballistic_coefficient_kg_m2")
            h = pick("hard_body_radius_m")
            if m is None and craft is not None:
                m = craft["mass_kg"]
            if b is None and area is None and craft is not None:
                # preset geometry: area in the flow from the attitude, every step
                source = f"spacecraft {craft['name']} (parts mass, attitude-dependent area)"
                a_fixed[sel] = craft["fixed_area_m2"]
                a_array[sel] = craft["array_area_m2"]
                mode[sel] = craft["mode"]
            elif b is None and (m is None or area is None):
                source = "default"
                m = m if m is not None else DEFAULT_BODY["mass_kg"]
                area = area if area is not None else DEFAULT_BODY["drag_area_m2"]
                b = float(drag.ballistic_coefficient_kg_m2(m, cd, area))
                if sel.any():
                    ctx.warnings.append(
                        f"orbit_ops: constellation {c.name!r} has no mass / drag area (neither "
                        f"in orbit_ops nor its spacecraft preset): using a generic {m:g} kg, "
                        f"{area:g} m^2, Cd {cd:g} body (BC {b:.1f} kg/m^2)"
                    )
            else:
                source = "orbit_ops"
                if b is None:
                    assert m is not None
                    assert area is not None
                    b = float(drag.ballistic_coefficient_kg_m2(m, cd, area))
                if m is None:
                    m = DEFAULT_BODY["mass_kg"]
                    source = "orbit_ops (ballistic coefficient; generic 300 kg mass)"
            mass[sel] = m
            if b is not None:
                bc[sel] = b
            cd_all[sel] = cd
            hbr[sel] = h if h is not None else DEFAULT_HARD_BODY_RADIUS_M
            self.body_source[c.name] = source
        self.mass, self.bc_fixed, self.cd, self.hbr = mass, bc, cd_all, hbr
        self.area_fixed, self.area_array, self.attitude = a_fixed, a_array, mode
        self.sum_area = np.zeros(n)
        self.isp = spec.thruster.resolved_isp_s
        self.thrust = spec.thruster.resolved_thrust_n
        env = ctx.scenario.environment
        self.space_weather = (float(env.f107), float(env.f107a), float(env.ap))
        # accumulators
        self.n_valid = np.zeros(n, dtype=np.int64)
        self.sum_drag = np.zeros(n)
        self.sum_rho = np.zeros(n)
        self.sum_alt = np.zeros(n)
        self.sum_decay = np.zeros(n)
        self.max_drag = np.zeros(n)
        self.density_source = "computed (NRLMSIS 2.1)"
        self._start_unix_s = ctx.grid.unix_ms(0, 1)[0] / 1000.0
        self._setup_clusters(ctx)
        self._setup_conjunctions(ctx)

    def _setup_clusters(self, ctx: RunContext) -> None:
        sats = ctx.sats
        self.clusters: list[_Cluster] = []
        kinds = np.asarray(sats.kind)
        shell = np.asarray(sats.shell)
        fs = self.spec.formation
        for ci, c in enumerate(ctx.scenario.constellations):
            members = np.nonzero((shell == ci) & (kinds == "cluster"))[0]
            if len(members) < 2 or c.cluster is None:
                continue
            recs = [sats.satrecs[k] for k in members]
            el = {
                k: np.array([getattr(s, k) for s in recs], dtype=float)
                for k in ("a", "ecco", "inclo", "nodeo", "argpo", "mo", "radiusearthkm")
            }
            a_m = el["a"] * el["radiusearthkm"] * 1000.0
            # Reference member: the one nearest the disk centre whose eccentricity is >= 1e-5.
            # SGP4 floors the eccentricity at 1e-6 (python-sgp4 ``propagation.py``, from
            # Vallado et al. 2006), which puts an exactly circular centre member on a spurious
            # a * 1e-6 (7 m) once-per-orbit ellipse; any other member is free of it.
            disk = (
                np.hypot(sats.extra["disk_x_m"][members], sats.extra["disk_y_m"][members])
                if "disk_x_m" in sats.extra
                else np.arange(len(members), dtype=float)
            )
            disk = np.where(el["ecco"] >= 1e-5, disk, disk + 1e12)
            chief = int(np.nanargmin(disk))
            roe0 = formation.relative_elements_from_mean(
                a_m, el["ecco"], el["inclo"], el["nodeo"], el["argpo"], el["mo"], chief
            )
            s = recs[chief]
            epoch = (s.jdsatepoch - 2440587.5 + s.jdsatepochF) * _DAY_S
            spacing = float(c.cluster.spacing_m)
            close = float(fs.close_approach_m) if fs.close_approach_m else 0.5 * spacing
            self.clusters.append(
                _Cluster(
                    c.name,
                    members,
                    chief,
                    float(a_m[chief]),
                    float(el["inclo"][chief]),
                    epoch,
                    roe0,
                    spacing,
                    close,
                    dev_max=np.zeros(len(members)),
                    dev_last=np.zeros(len(members)),
                )
            )
        self.group = np.full(len(sats), -1, dtype=np.int64)
        for g, cl in enumerate(self.clusters):
            self.group[cl.members] = g

    def _setup_conjunctions(self, ctx: RunContext) -> None:
        cs = self.spec.conjunctions
        self.cj_enabled = cs.enabled
        self.bg_array: SatrecArray | None = None
        self.bg_names = np.zeros(0, dtype=object)
        self.bg_norad = np.zeros(0, dtype=np.int64)
        self.bg_dropped_duplicates = 0
        if cs.enabled and cs.background_tle_file:
            from orbitcloud.astro.tle import load_tle_file

            entries = load_tle_file(cs.background_tle_file)
            kinds = np.asarray(ctx.sats.kind)
            own_ids = set(np.asarray(ctx.sats.norad_id)[np.isin(kinds, ["tle", "omm"])].tolist())
            kept = [e for e in entries if e.norad_id not in own_ids]
            self.bg_dropped_duplicates = len(entries) - len(kept)
            if cs.background_max_objects is not None:
                kept = kept[: cs.background_max_objects]
            if kept:
                epochs = np.array(
                    [
                        (e.satrec.jdsatepoch - 2440587.5 + e.satrec.jdsatepochF) * _DAY_S
                        for e in kept
                    ]
                )
                t0 = self._start_unix_s
                t1 = t0 + (ctx.grid.n - 1) * ctx.grid.step_s
                gap = max(abs(np.median(epochs) - t0), abs(np.median(epochs) - t1)) / _DAY_S
                if gap > 14.0:
                    ctx.warnings.append(
                        f"orbit_ops: the background catalogue's median epoch is {gap:.0f} days "
                        "from the run; TLE predictions degrade by about 1-3 km per day from "
                        "epoch, so its conjunctions are statistical, not real"
                    )
                self.bg_array = SatrecArray([e.satrec for e in kept])
                self.bg_names = np.array([e.name for e in kept], dtype=object)
                self.bg_norad = np.array([e.norad_id for e in kept], dtype=np.int64)
        self.carry: tuple[int, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None] | None
        self.carry = None
        self.n_conj_rows = 0
        self._agg: dict[str, float] = {
            "count": 0, "own": 0, "background": 0, "under_1km": 0, "action": 0,
            "max_pc": 0.0, "min_miss": np.inf, "avoid_dv": 0.0,
        }  # fmt: skip
        self.conj_per_sat = np.zeros(len(ctx.sats), dtype=np.int64)
        self.avoid_per_sat = np.zeros(len(ctx.sats))

    def _accumulate(self, table: pa.Table) -> None:
        kind = table.column("other_kind").to_numpy(zero_copy_only=False)
        miss = table.column("miss_m").to_numpy()
        pc = table.column("pc").to_numpy()
        action = table.column("action").to_numpy(zero_copy_only=False).astype(bool)
        dv = table.column("avoidance_dv_m_s").to_numpy(zero_copy_only=False).astype(float)
        a = self._agg
        a["count"] += len(miss)
        a["own"] += int(np.sum(kind == "own"))
        a["background"] += int(np.sum(kind == "background"))
        a["under_1km"] += int(np.sum(miss < 1000.0))
        a["action"] += int(action.sum())
        a["max_pc"] = max(a["max_pc"], float(pc.max(initial=0.0)))
        a["min_miss"] = min(a["min_miss"], float(miss.min(initial=np.inf)))
        a["avoid_dv"] += float(np.nansum(np.where(action, dv, 0.0)))
        n = len(self.conj_per_sat)
        sat = table.column("sat").to_numpy()
        other = table.column("other_sat").to_numpy(zero_copy_only=False)
        other = other[np.isfinite(other.astype(float))].astype(np.int64)
        self.conj_per_sat += np.bincount(sat, minlength=n) + np.bincount(other, minlength=n)
        self.avoid_per_sat += np.bincount(
            sat, weights=np.nan_to_num(np.where(action, dv, 0.0)), minlength=n
        )

    # --- process ------------------------------------------------------------------------------

    def _drag_area(self, chunk: EphemerisChunk, vrel: np.ndarray, speed: np.ndarray) -> np.ndarray:
        """Area in the flow (n_t, n_sat) [m^2] of the satellites whose BC is not fixed.

        ``A = A_fixed + A_array |n . v_rel_hat|`` with the array normal n from its pointing:
        sun-tracking (n = Sun direction), single-axis (the Sun's direction projected on the orbit
        plane: the array turns about the orbit normal), body-fixed zenith (n = r_hat) or
        orbit-normal (n = h_hat). A dawn-dusk orbit with sun-tracking arrays flies them edge-on.
        """
        n_t, n = speed.shape
        out = np.broadcast_to(self.area_fixed, (n_t, n)).copy()
        if not np.any(self.area_array > 0):
            return out
        with np.errstate(invalid="ignore", divide="ignore"):
            vhat = vrel / speed[..., None]
            sun = chunk.sun_teme / np.linalg.norm(chunk.sun_teme, axis=-1, keepdims=True)
            r = chunk.r_teme
            h = np.cross(r, chunk.v_teme)
            h /= np.linalg.norm(h, axis=-1, keepdims=True)
            f = np.zeros((n_t, n))
            m = self.attitude
            if np.any(m == 1):
                f = np.where(m == 1, np.abs(np.einsum("ti,tni->tn", sun, vhat)), f)
            if np.any(m == 2):
                sp = sun[:, None, :] - np.sum(sun[:, None, :] * h, -1, keepdims=True) * h
                sp /= np.linalg.norm(sp, axis=-1, keepdims=True)
                f = np.where(m == 2, np.abs(np.sum(sp * vhat, -1)), f)
            if np.any(m == 3):
                rh = r / np.linalg.norm(r, axis=-1, keepdims=True)
                f = np.where(m == 3, np.abs(np.sum(rh * vhat, -1)), f)
            if np.any(m == 4):
                f = np.where(m == 4, np.abs(np.sum(h * vhat, -1)), f)
        return out + self.area_array * np.nan_to_num(f)

    def process(self, records: Records, ctx: RunContext) -> None:
        chunk = records.get(GeometryRecord).chunk
        atm = records.get(AtmosphereRecord)
        self.density_source = f"environment stage (NRLMSIS 2.1, {atm.method})"
        valid = chunk.valid
        rho = atm.density_kg_m3
        vrel = drag.velocity_relative_atmosphere_m_s(chunk.r_teme, chunk.v_teme)
        speed = np.linalg.norm(vrel, axis=-1)
        area = self._drag_area(chunk, vrel, speed)
        with np.errstate(divide="ignore"):
            bc = np.where(np.isfinite(self.bc_fixed), self.bc_fixed, self.mass / (self.cd * area))
        acc = drag.drag_acceleration_m_s2(rho, speed, bc)
        a_m = np.linalg.norm(chunk.r_teme, axis=-1)
        decay = drag.decay_rate_circular_m_s(rho, a_m, bc)
        ok = valid & np.isfinite(acc)
        self.n_valid += ok.sum(axis=0)
        self.sum_area += np.where(ok, area, 0.0).sum(axis=0)
        self.sum_drag += np.where(ok, acc, 0.0).sum(axis=0)
        self.sum_rho += np.where(ok, rho, 0.0).sum(axis=0)
        self.sum_alt += np.where(ok, chunk.alt_m, 0.0).sum(axis=0)
        self.sum_decay += np.where(ok, decay, 0.0).sum(axis=0)
        self.max_drag = np.maximum(self.max_drag, np.where(ok, acc, 0.0).max(axis=0))
        for cl in self.clusters:
            self._process_cluster(cl, chunk, ctx)
        if self.cj_enabled:
            self._process_conjunctions(chunk, ctx)

    def _process_cluster(self, cl: _Cluster, chunk: EphemerisChunk, ctx: RunContext) -> None:
        r = chunk.r_teme[:, cl.members]
        v = chunk.v_teme[:, cl.members]
        rc, vc = r[:, cl.chief], v[:, cl.chief]
        hill = formation.relative_position_hill_m(rc, vc, r)
        u = formation.argument_of_latitude_rad(rc, vc)[:, None]
        unix_s = ctx.grid.unix_ms(chunk.k0, chunk.k1) / 1000.0
        t = (unix_s - cl.epoch_unix_s)[:, None]
        design = formation.roe_to_hill_position_m(cl.a_m, u, cl.roe0)
        roe_t = formation.relative_elements_j2_secular(cl.a_m, cl.inc_rad, cl.roe0, t)
        model = formation.roe_to_hill_position_m(cl.a_m, u, roe_t)
        dev = np.linalg.norm(hill - design, axis=-1)
        dev_model = np.linalg.norm(hill - model, axis=-1)
        ok = np.isfinite(dev)
        cl.dev_max = np.fmax(cl.dev_max, np.where(ok, dev, 0.0).max(axis=0))
        rows_ok = ok.all(axis=1)
        if rows_ok.any():
            cl.dev_last = dev[np.nonzero(rows_ok)[0][-1]]
        cl.model_sq += float(np.sum(np.where(ok, dev_model, 0.0) ** 2))
        cl.model_n += int(ok.sum())
        nearest = _nearest_distance(r)
        k_min = int(np.nanargmin(nearest.min(axis=1))) if np.isfinite(nearest).any() else -1
        if k_min >= 0 and np.nanmin(nearest[k_min]) < cl.nearest_min:
            cl.nearest_min = float(np.nanmin(nearest[k_min]))
            cl.nearest_min_step = chunk.k0 + k_min
        # refined close approaches between members
        if cl.carry is not None:
            k_prev, r_prev, v_prev = cl.carry
            rw = np.concatenate([r_prev[None], r])
            vw = np.concatenate([v_prev[None], v])
            first = k_prev
        else:
            rw, vw, first = r, v, chunk.k0
        if len(rw) > 1:
            res = cj.screen_window(
                ctx.grid.step_s, rw, vw, cl.close_m, first_interval=first,
                run_starts=first == 0, run_ends=chunk.k1 == ctx.grid.n,
            )  # fmt: skip
            if len(res):
                res.i = cl.members[res.i]
                res.j = cl.members[res.j]
                cl.events.append(res)
        cl.carry = (chunk.k1 - 1, r[-1].copy(), v[-1].copy())
        if self.spec.formation.table:
            n_t, m = dev.shape
            times = np.repeat(ctx.grid.unix_ms(chunk.k0, chunk.k1), m)
            mask = ~np.isfinite(dev).ravel()
            has = bool(mask.any())

            def col(x: np.ndarray, dtype: type = np.float64) -> pa.Array:
                return pa.array(np.nan_to_num(x.ravel()).astype(dtype), mask=mask if has else None)

            ctx.sink.write(
                "formation",
                pa.table(
                    {
                        "time": pa.array(times, type=_TS),
                        "sat": pa.array(np.tile(cl.members.astype(np.int32), n_t)),
                        "cluster": pa.array(np.full(n_t * m, cl.name), type=pa.string()),
                        "x_hill_m": col(hill[..., 0]),
                        "y_hill_m": col(hill[..., 1]),
                        "z_hill_m": col(hill[..., 2]),
                        "deviation_m": col(dev, np.float32),
                        "j2_model_deviation_m": col(dev_model, np.float32),
                        "nearest_m": col(nearest, np.float32),
                    }
                ),
            )

    def _process_conjunctions(self, chunk: EphemerisChunk, ctx: RunContext) -> None:
        r, v = chunk.r_teme, chunk.v_teme
        rb: np.ndarray | None = None
        vb: np.ndarray | None = None
        if self.bg_array is not None:
            rb, vb, _ = propagate_teme(self.bg_array, chunk.jd, chunk.fr)
        if self.carry is not None:
            k_prev, r_p, v_p, rb_p, vb_p = self.carry
            r_w = np.concatenate([r_p[None], r])
            v_w = np.concatenate([v_p[None], v])
            rb_w = None if rb is None or rb_p is None else np.concatenate([rb_p[None], rb])
            vb_w = None if vb is None or vb_p is None else np.concatenate([vb_p[None], vb])
            first = k_prev
        else:
            r_w, v_w, rb_w, vb_w, first = r, v, rb, vb, chunk.k0
        if len(r_w) > 1:
            res = cj.screen_window(
                ctx.grid.step_s, r_w, v_w, self.spec.conjunctions.screening_distance_km * 1000.0,
                rb_w, vb_w, self.group, first_interval=first, run_starts=first == 0,
                run_ends=chunk.k1 == ctx.grid.n,
            )  # fmt: skip
            if len(res):
                table = self._conjunction_rows(res, ctx, "own_or_background")
                self._accumulate(table)
                ctx.sink.write("conjunctions", table)
                self.n_conj_rows += table.num_rows
        self.carry = (
            chunk.k1 - 1, r[-1].copy(), v[-1].copy(),
            None if rb is None else rb[-1].copy(), None if vb is None else vb[-1].copy(),
        )  # fmt: skip

    # --- rows ---------------------------------------------------------------------------------

    def _conjunction_rows(self, res: cj.ScreeningResult, ctx: RunContext, kind: str) -> pa.Table:
        cs = self.spec.conjunctions
        n_own = len(ctx.sats)
        own_j = res.j < n_own
        if kind == "formation":
            other_kind = np.full(len(res), "formation", dtype=object)
        else:
            other_kind = np.where(own_j, "own", "background").astype(object)
        jj = np.where(own_j, res.j, 0)
        bb = np.where(own_j, 0, res.j - n_own)
        dr = res.r_j - res.r_i
        dv = res.v_j - res.v_i
        rot = formation.hill_rotation(res.r_i, res.v_i)
        ric = np.einsum("kij,kj->ki", rot, dr)
        hbr_j = np.where(own_j, self.hbr[jj], cs.background_hard_body_radius_m)
        hbr = self.hbr[res.i] + hbr_j
        # covariance
        if kind == "formation":
            sigma = np.full(len(res), self.spec.formation.relative_sigma_m)
            pc = cj.pc_circle_isotropic(res.miss_m, sigma, hbr)
        elif cs.sigma_own_ric_m is None and cs.sigma_background_ric_m is None:
            sj = np.where(own_j, cs.sigma_own_m, cs.sigma_background_m)
            sigma = np.hypot(cs.sigma_own_m, sj)
            pc = cj.pc_circle_isotropic(res.miss_m, sigma, hbr)
        else:
            own_ric = cs.sigma_own_ric_m or [cs.sigma_own_m] * 3
            bg_ric = cs.sigma_background_ric_m or [cs.sigma_background_m] * 3
            sj = np.where(own_j[:, None], np.asarray(own_ric), np.asarray(bg_ric))
            cov = cj.ric_covariance(res.r_i, res.v_i, np.asarray(own_ric)) + cj.ric_covariance(
                res.r_j, res.v_j, sj
            )
            miss2, cov2 = cj.encounter_plane_covariance(dr, dv, cov)
            pc = cj.pc_foster_2d(miss2, cov2, hbr)
            sigma = np.full(len(res), np.nan)
        avoid = cj.avoidance_dv_along_track_m_s(
            dr, dv, res.r_i, res.v_i, cs.avoidance_lead_time_h * 3600.0, cs.avoidance_target_miss_m
        )
        t_ms = np.round(
            (self._start_unix_s + res.interval * ctx.grid.step_s + res.tca_offset_s) * 1000.0
        ).astype(np.int64)
        names = np.asarray(ctx.sats.name, dtype=object)
        norad = np.asarray(ctx.sats.norad_id)
        other_name = np.where(own_j, names[jj], self.bg_names[bb] if len(self.bg_names) else "")
        other_norad = np.where(own_j, norad[jj], self.bg_norad[bb] if len(self.bg_norad) else 0)

        def nullable(x: np.ndarray) -> pa.Array:
            bad = ~np.isfinite(x)
            return pa.array(np.where(bad, 0.0, x), mask=bad if bad.any() else None)

        return pa.table(
            {
                "time": pa.array(t_ms, type=_TS),
                "sat": pa.array(res.i.astype(np.int32)),
                "other_kind": pa.array(other_kind.tolist(), type=pa.string()),
                "other_sat": pa.array(jj.astype(np.int32), mask=~own_j),
                "other_norad_id": pa.array(other_norad.astype(np.int64)),
                "other_name": pa.array([str(x) for x in other_name], type=pa.string()),
                "miss_m": pa.array(res.miss_m),
                "radial_m": pa.array(ric[:, 0]),
                "in_track_m": pa.array(ric[:, 1]),
                "cross_track_m": pa.array(ric[:, 2]),
                "rel_speed_m_s": pa.array(np.linalg.norm(dv, axis=-1)),
                "altitude_km": pa.array((np.linalg.norm(res.r_i, axis=-1) - R_EARTH_M) / 1000.0),
                "hard_body_radius_m": pa.array(hbr),
                "sigma_m": nullable(sigma),
                "pc": pa.array(pc),
                "action": pa.array(pc >= cs.pc_threshold),
                "avoidance_dv_m_s": nullable(np.abs(avoid)),
            }
        )

    # --- finish -------------------------------------------------------------------------------

    def finish(self, final: Records, ctx: RunContext) -> None:
        spec = self.spec
        n = len(ctx.sats)
        cnt = np.maximum(self.n_valid, 1)
        seen = self.n_valid > 0
        mean_drag = np.where(seen, self.sum_drag / cnt, np.nan)
        mean_rho = np.where(seen, self.sum_rho / cnt, np.nan)
        mean_alt = np.where(seen, self.sum_alt / cnt, np.nan)
        decay = np.where(seen, self.sum_decay / cnt, np.nan)  # m/s (negative)
        mean_area = np.where(seen, self.sum_area / cnt, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.bc = np.where(
                np.isfinite(self.bc_fixed), self.bc_fixed, self.mass / (self.cd * mean_area)
            )
        year = stationkeeping.JULIAN_YEAR_S
        dv_year = mean_drag * year
        prop_year = stationkeeping.propellant_mass_kg(dv_year, self.mass, self.isp)
        duty = stationkeeping.burn_time_s(dv_year, self.mass, self.thrust) / year
        reboost = stationkeeping.reboost_interval_s(spec.altitude_band_km * 1000.0, decay)
        lifetime = self._lifetime_s(mean_alt)
        # formation
        form_dv = np.full(n, np.nan)
        form_summary = []
        for cl in self.clusters:
            diff_drag = mean_drag[cl.members] * spec.formation.differential_bc_frac
            diff_drag[cl.chief] = 0.0
            rates = formation.formation_keeping_dv_rates_m_s2(
                cl.a_m, cl.inc_rad, cl.roe0, np.nan_to_num(diff_drag)
            )
            form_dv[cl.members] = rates["total"] * year
            form_summary.append(self._cluster_summary(cl, rates, ctx))
        days = (ctx.grid.n - 1) * ctx.grid.step_s / _DAY_S
        years = days / 365.25
        per_sat: dict[str, np.ndarray] = {
            "sat": np.arange(n, dtype=np.int32),
            "ballistic_coefficient_kg_m2": self.bc,
            "mass_kg": self.mass,
            "mean_drag_area_m2": np.where(np.isfinite(self.bc_fixed), np.nan, mean_area),
            "mean_altitude_km": mean_alt / 1000.0,
            "mean_density_kg_m3": mean_rho,
            "mean_drag_m_s2": mean_drag,
            "max_drag_m_s2": np.where(seen, self.max_drag, np.nan),
            "decay_m_per_day": -decay * _DAY_S,
            "stationkeeping_dv_m_s_per_year": dv_year,
            "propellant_kg_per_year": prop_year,
            "thruster_duty": duty,
            "reboost_interval_days": reboost / _DAY_S,
            "lifetime_years": lifetime / year,
            "formation_dv_m_s_per_year": form_dv,
            "conjunctions": self.conj_per_sat.astype(np.int32),
            "avoidance_dv_m_s_per_year": (
                self.avoid_per_sat / years if years > 0 else np.full(n, np.nan)
            ),
        }
        ctx.sink.write(
            "orbit_keeping",
            pa.table(
                {
                    k: pa.array(v)
                    if v.dtype.kind == "i"
                    else pa.array(np.where(np.isfinite(v), v, 0.0), mask=~np.isfinite(v))
                    for k, v in per_sat.items()
                }
            ),
        )
        cj_summary = self._conjunction_summary(ctx, days) if self.cj_enabled else None
        self._kpis(ctx, per_sat, form_summary, cj_summary)
        ctx.summary["orbit"] = {
            "thruster": {
                "preset": spec.thruster.preset,
                "isp_s": self.isp,
                "thrust_n": self.thrust,
            },
            "space_weather": dict(zip(("f107", "f107a", "ap"), self.space_weather, strict=True)),
            "density_source": self.density_source,
            "body_source": self.body_source,
            "ballistic_coefficient_kg_m2": _stats(self.bc),
            "stationkeeping_dv_m_s_per_year": _stats(dv_year),
            "propellant_kg_per_year": _stats(prop_year),
            "propellant_kg_per_year_total": _r(np.nansum(prop_year)),
            "decay_m_per_day": _stats(-decay * _DAY_S),
            "lifetime_years": _stats(lifetime / year),
            "reentry_altitude_km": spec.reentry_altitude_km,
            "thruster_duty": _stats(duty),
            "reboost_interval_days": _stats(reboost / _DAY_S),
            "formation": form_summary,
            "conjunctions": cj_summary,
        }
        over = duty > 1.0
        if over.any():
            ctx.warnings.append(
                f"orbit_ops: the {spec.thruster.preset} thruster ({self.thrust:g} N) cannot "
                f"offset drag on {int(over.sum())} satellite(s) (duty up to "
                f"{np.nanmax(duty):.1f}x full-time): they will decay"
            )
        short = lifetime < 5 * year
        if np.any(short & np.isfinite(lifetime)):
            ctx.warnings.append(
                f"orbit_ops: {int(np.sum(short))} satellite(s) re-enter within 5 years without "
                f"propellant (shortest {np.nanmin(lifetime) / year:.2f} years at F10.7 "
                f"{self.space_weather[0]:g})"
            )

    def _lifetime_s(self, mean_alt_m: np.ndarray) -> np.ndarray:
        end_km = self.spec.reentry_altitude_km
        top = np.nanmax(mean_alt_m, initial=end_km * 1000.0) / 1000.0
        top_km = min(max(top + 25.0, end_km + 50.0), 3000.0)
        alts = tuple(np.round(np.arange(end_km, top_km + 25.0, 25.0), 3).tolist())
        rho = _mean_density_profile(alts, *self.space_weather)
        return drag.lifetime_circular_s(
            mean_alt_m, self.bc, np.array(alts) * 1000.0, rho, end_km * 1000.0
        )

    def _cluster_summary(self, cl: _Cluster, rates: dict[str, np.ndarray], ctx: RunContext):
        year = stationkeeping.JULIAN_YEAR_S
        res = cj.ScreeningResult.concat(cl.events)
        days = max((ctx.grid.n - 1) * ctx.grid.step_s / _DAY_S, 1e-12)
        out: dict[str, Any] = {
            "name": cl.name,
            "members": len(cl.members),
            "chief_sat": int(cl.members[cl.chief]),
            "spacing_m": cl.spacing_m,
            "min_nearest_on_grid_m": _r(cl.nearest_min),
            "min_nearest_time": _iso(ctx, cl.nearest_min_step),
            "close_approach_threshold_m": cl.close_m,
            "close_approaches": len(res),
            "deviation_from_hcw_design_max_m": _r(np.max(cl.dev_max)),
            "deviation_growth_m_per_day": _r(np.max(cl.dev_last) / days),
            "j2_model_rms_m": _r(np.sqrt(cl.model_sq / max(cl.model_n, 1))),
            "keeping_dv_m_s_per_year": _stats(rates["total"] * year),
            "keeping_dv_parts_m_s_per_year_max": {
                k: _r(np.max(rates[k]) * year) for k in ("in_plane_j2", "out_of_plane_j2", "drag")
            },
            "one_time_bias_dv_m_s_max": _r(np.max(rates["one_time_bias_m_s"])),
        }
        min_sep = cl.nearest_min
        if len(res):
            k = int(np.argmin(res.miss_m))
            if res.miss_m[k] < min_sep:
                min_sep = float(res.miss_m[k])
            out["closest_pair"] = [int(res.i[k]), int(res.j[k])]
            out["closest_time_unix_s"] = _r(
                self._start_unix_s + res.interval[k] * ctx.grid.step_s + res.tca_offset_s[k]
            )
            table = self._conjunction_rows(res, ctx, "formation")
            ctx.sink.write("conjunctions", table)
            self.n_conj_rows += table.num_rows
        out["min_separation_m"] = _r(min_sep)
        hbr2 = 2.0 * float(np.max(self.hbr[cl.members]))
        if min_sep < max(cl.close_m, hbr2):
            ctx.warnings.append(
                f"orbit_ops: cluster {cl.name!r} members come within {min_sep:.1f} m of each "
                f"other (design spacing {cl.spacing_m:g} m): uncontrolled J2 drift of up to "
                f"{out['deviation_growth_m_per_day']} m/day; holding the formation needs up to "
                f"{out['keeping_dv_m_s_per_year']['max']} m/s per year"
            )
        return out

    def _conjunction_summary(self, ctx: RunContext, days: float) -> dict[str, Any] | None:
        cs = self.spec.conjunctions
        out: dict[str, Any] = {
            "screening_distance_km": cs.screening_distance_km,
            "background_file": cs.background_tle_file,
            "background_objects": len(self.bg_names),
            "background_duplicates_of_own_dropped": self.bg_dropped_duplicates,
            "pc_threshold": cs.pc_threshold,
            "sigma_own_m": cs.sigma_own_m,
            "sigma_background_m": cs.sigma_background_m,
            "screened_days": _r(days),
        }
        agg = self._agg  # collected while writing (the sink may be write-only)
        if days <= 0:
            return out
        years = days / 365.25
        n = len(ctx.sats)
        out.update(
            {
                "count": agg["count"],
                "per_day": _r(agg["count"] / days),
                "own_per_day": _r(agg["own"] / days),
                "background_per_day": _r(agg["background"] / days),
                "under_1km_per_day": _r(agg["under_1km"] / days),
                "pc_above_threshold_per_day": _r(agg["action"] / days),
                "max_pc": _r(agg["max_pc"]),
                "min_miss_m": _r(agg["min_miss"]),
                "avoidance_dv_m_s_per_sat_per_year": _r(agg["avoid_dv"] / max(n, 1) / years),
                "manoeuvres_per_sat_per_year": _r(agg["action"] / max(n, 1) / years),
            }
        )
        return out

    def _kpis(self, ctx: RunContext, per_sat, form_summary, cj_summary) -> None:
        k = ctx.kpis
        dv = per_sat["stationkeeping_dv_m_s_per_year"]
        k["stationkeeping_dv_m_s_per_year"] = _r(np.nanmean(dv))
        k["stationkeeping_dv_m_s_per_year_max"] = _r(np.nanmax(dv))
        k["propellant_kg_per_year_per_sat"] = _r(np.nanmean(per_sat["propellant_kg_per_year"]))
        k["altitude_decay_m_per_day_uncontrolled"] = _r(np.nanmean(per_sat["decay_m_per_day"]))
        life = per_sat["lifetime_years"]
        k["lifetime_without_propellant_years_min"] = _r(np.nanmin(life))
        k["lifetime_without_propellant_years_median"] = _r(np.nanmedian(life))
        if form_summary:
            k["formation_keeping_dv_m_s_per_year_max"] = _r(
                max(f["keeping_dv_m_s_per_year"]["max"] or 0.0 for f in form_summary)
            )
            k["formation_min_separation_m"] = _r(min(f["min_separation_m"] for f in form_summary))
        if cj_summary and "per_day" in cj_summary:
            k["conjunctions_per_day"] = cj_summary["per_day"]
            k["conjunctions_pc_above_threshold_per_day"] = cj_summary["pc_above_threshold_per_day"]
            k["avoidance_dv_m_s_per_sat_per_year"] = cj_summary["avoidance_dv_m_s_per_sat_per_year"]


def _nearest_distance(r: np.ndarray) -> np.ndarray:
    """Distance from each member to its nearest other member, (n_t, m), NaN where not valid."""
    n_t, m, _ = r.shape
    out = np.full((n_t, m), np.nan)
    if m <= 256:
        block = max(1, 2_000_000 // (m * m))
        for t0 in range(0, n_t, block):
            rr = r[t0 : t0 + block]
            d = np.linalg.norm(rr[:, :, None, :] - rr[:, None, :, :], axis=-1)
            idx = np.arange(m)
            d[:, idx, idx] = np.inf
            out[t0 : t0 + block] = np.where(np.isfinite(rr).all(-1), np.nanmin(d, axis=2), np.nan)
        return out
    for t in range(n_t):  # one k-d tree per step for a large formation
        ok = np.isfinite(r[t]).all(axis=1)
        if ok.sum() < 2:
            continue
        d, _ = cKDTree(r[t, ok]).query(r[t, ok], k=2)
        out[t, ok] = d[:, 1]
    return out


def _r(x: Any, digits: int = 6) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(v):
        return None
    return float(f"{v:.{digits}g}")


def _stats(x: np.ndarray) -> dict[str, float | None]:
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x)
    if not ok.any():
        return {"min": None, "mean": None, "median": None, "max": None}
    return {
        "min": _r(np.min(x[ok])),
        "mean": _r(np.mean(x[ok])),
        "median": _r(np.median(x[ok])),
        "max": _r(np.max(x[ok])),
    }


def _iso(ctx: RunContext, k: int) -> str | None:
    if k < 0:
        return None
    return ctx.grid.datetime_at(k).isoformat().replace("+00:00", "Z")
