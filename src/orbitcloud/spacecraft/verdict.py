"""The design verdict of a run without a story: does each spacecraft design hold over the run?

A run that only flies satellites (no workload, no cost model) still answers a question: did
the designs carry their load? :func:`design_verdict` says it in a sentence or two per design,
with the margins against the limits the design itself declares -- and nothing else:

* compute kept: the delivered fraction of peak compute (eclipse, power, heat and radiation
  losses together), over the satellites that carry accelerators;
* the accelerators' peak temperature against ``compute.temp_limit_k`` (the throttle limit),
  and the hot case of :func:`~orbitcloud.spacecraft.checks.check_design` (full compute, full
  sun, albedo under the satellite);
* the battery's lowest state of charge against the depth-of-discharge floor
  ``1 - battery.max_dod`` (:func:`~orbitcloud.spacecraft.battery.compute_power_available_w`);
* brown-outs (bus power not served);
* the dose per year against the accelerator's total-dose tolerance ``tid_tolerance_krad``
  (its 1 % failure dose, :func:`~orbitcloud.spacecraft.radiation_effects.failure_cdf`) as
  years of life; a design without accelerators declares no tolerance, so its dose is stated
  without a margin.

"Flips" are closed forms of the same models: the radiator area below which the hot case
exceeds the limit (:func:`~orbitcloud.spacecraft.thermal.radiator_area_required_m2` through
``check_design``), the battery capacity and the eclipse length at which the longest eclipse
(beta = 0) reaches the floor from a full battery (C = P T_e / (DoD eta_d), Wertz & Larson,
Space Mission Analysis and Design, 3rd ed. (1999), eq. 11-6), the utilisation at which it does
when accelerators run on battery in eclipse, and the array area below which the least-lit
satellite's orbit-average output no longer covers the load (array output is proportional to
its area: :mod:`orbitcloud.spacecraft.power`).

The verdict has the shape of every ``summary["verdicts"]`` entry (see
:mod:`orbitcloud.report.answer`): ``topic``, ``question``, ``text``, ``numbers``, ``baseline``,
``assumptions``, ``flips``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from orbitcloud.astro.elements import circular_period_s
from orbitcloud.scenario.environment import EnvironmentSpec
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft.checks import DesignCheck, check_design
from orbitcloud.spacecraft.simulate import SECONDS_PER_YEAR
from orbitcloud.spacecraft.totals import FleetTotals

__all__ = [
    "DesignGroup",
    "Measured",
    "design_groups",
    "design_verdict",
    "measure",
]

BASELINE = (
    "the design's own limits: the accelerator throttle temperature (compute.temp_limit_k), "
    "the battery's depth-of-discharge floor (1 - battery.max_dod) and the accelerator's 1 % "
    "failure dose (tid_tolerance_krad); worst cases of the design check: full compute in full "
    "sun with albedo (hot case) and the longest eclipse (beta = 0)"
)


@dataclass(frozen=True)
class Measured:
    """What a run measured for the satellites of one design (None: nothing to measure)."""

    satellites: int
    compute_kept: float | None
    """mean delivered fraction of peak compute, accelerator satellites [-]"""
    thermal_throttled: float | None
    """mean fraction of steps throttled by heat, accelerator satellites [-]"""
    temp_max_k: float | None
    """highest accelerator temperature [K]"""
    soc_min: float | None
    """lowest battery state of charge [-]"""
    brownout_satellites: int
    """satellites whose bus went short of power at least once"""
    bus_unserved_wh: float
    """bus energy not served, all satellites [Wh]"""
    dose_rad_per_year: float | None
    """mean dose rate over the run [rad(Si)/yr]"""
    dose_orbit_max_rad_per_year: float | None
    """orbit-average dose rate of the most exposed satellite [rad(Si)/yr]"""
    dose_max_rad: float | None
    """highest dose accumulated by the end of the run [rad(Si)]"""
    generation_min_w: float | None
    """lowest orbit-average array output of a satellite [W]"""
    accelerators_failed: int


def measure(
    totals: FleetTotals,
    members: np.ndarray,
    accelerators: np.ndarray,
    accelerators_ok: np.ndarray,
    dose_rad: np.ndarray,
    dose_start_rad: np.ndarray,
    orbit_average_dose_rate_rad_s: np.ndarray,
    dt_s: float,
) -> Measured:
    """The figures of :class:`Measured` for the satellites in ``members``, from the run's totals
    (the same per-satellite figures as :func:`~orbitcloud.spacecraft.totals.satellite_summary`).

    Parameters
    ----------
    totals : the run's :class:`~orbitcloud.spacecraft.totals.FleetTotals`
    members : (n_sat,) bool: the design's satellites with spacecraft models and valid steps
    accelerators, accelerators_ok : (n_sat,) fitted and alive at the end
    dose_rad, dose_start_rad : (n_sat,) dose at the end and at the start [rad(Si)]
    orbit_average_dose_rate_rad_s : (n_sat,) [rad(Si)/s]
    dt_s : step [s]
    """
    a = totals
    m = np.asarray(members, dtype=bool)
    comp = m & (np.asarray(accelerators) > 0)
    steps = np.maximum(a["valid_steps"], 1)
    dur_s = np.maximum(a["valid_steps"] * dt_s, 1e-9)

    def mean(x: np.ndarray, mask: np.ndarray) -> float | None:
        return float(np.mean(x[mask])) if mask.any() else None

    def extreme(f: Any, x: np.ndarray, mask: np.ndarray) -> float | None:
        return float(f(x[mask])) if mask.any() else None

    return Measured(
        satellites=int(m.sum()),
        compute_kept=mean(a["capacity_sum"] / steps, comp),
        thermal_throttled=mean(a["thermal_steps"] / steps, comp),
        temp_max_k=extreme(np.max, a.temp_max_k, comp),
        soc_min=extreme(np.min, a.soc_min, m),
        brownout_satellites=int((m & (a["bus_unserved_j"] > 0)).sum()),
        bus_unserved_wh=float(a["bus_unserved_j"][m].sum() / 3600.0),
        dose_rad_per_year=mean((dose_rad - dose_start_rad) / dur_s * SECONDS_PER_YEAR, m),
        dose_orbit_max_rad_per_year=extreme(
            np.max, np.asarray(orbit_average_dose_rate_rad_s) * SECONDS_PER_YEAR, m
        ),
        dose_max_rad=extreme(np.max, np.asarray(dose_rad), m),
        generation_min_w=extreme(np.min, a["gen_j"] / dur_s, m),
        accelerators_failed=int((np.asarray(accelerators) - accelerators_ok)[comp].sum()),
    )


@dataclass(frozen=True)
class DesignGroup:
    """The constellations of a run that fly one design, and what the run measured for them."""

    names: tuple[str, ...]
    preset: str | None
    design: SpacecraftSpec
    """the resolved design (:meth:`SpacecraftSpec.resolve`)"""
    altitude_m: float
    """median altitude of the group's satellites [m] (for the design check)"""
    measured: Measured


def design_groups(designs: Sequence[SpacecraftSpec | None]) -> list[list[int]]:
    """Indices of ``designs`` grouped by identical design (None: left out), in first-seen
    order: 17 shells of one preset are one design, not 17."""
    groups: dict[str, list[int]] = {}
    for i, d in enumerate(designs):
        if d is not None:
            groups.setdefault(d.model_dump_json(exclude={"enabled", "preset"}), []).append(i)
    return list(groups.values())


def _pct(x: float) -> str:
    return f"{100.0 * x:.1f} %"


def _g(x: float, digits: int = 4) -> str:
    """``x`` with ``digits`` significant figures and thousands separators."""
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:,.{digits}g}"


def _duration(hours: float) -> str:
    """A run length for a sentence: ``6 h``, ``30 min``, ``20 s``."""
    if hours >= 1.0:
        return f"{hours:.3g} h"
    if hours * 60.0 >= 1.0:
        return f"{hours * 60.0:.3g} min"
    return f"{hours * 3600.0:.3g} s"


def _years(y: float) -> str:
    return f"{y:,.0f} years" if y >= 10 else f"{y:.1f} years"


@dataclass(frozen=True)
class _Eclipse:
    """The battery in the longest eclipse (beta = 0), from a full battery."""

    load_w: float
    """eclipse load: bus, and the accelerators at their design load or idle [W]"""
    duration_s: float
    usable_j: float
    """energy above the depth-of-discharge floor, after the discharge efficiency [J]"""

    @property
    def soc_drop(self) -> float:
        """state-of-charge drop through the eclipse as a fraction of the capacity [-]"""
        return 0.0 if self.usable_j <= 0 else self.load_w * self.duration_s / self.usable_j

    @property
    def flip_eclipse_s(self) -> float:
        return self.usable_j / self.load_w if self.load_w > 0 else math.inf


def _eclipse(d: SpacecraftSpec, c: DesignCheck, eclipse_mode: str) -> _Eclipse:
    acc = d.compute.accelerator_spec()
    if acc is not None and eclipse_mode == "off":
        load = c.bus_power_w + c.accelerators * acc.idle_w
    else:
        load = c.bus_power_w + c.compute_power_w
    b = d.battery
    usable = b.capacity_wh * 3600.0 * b.max_dod * b.discharge_efficiency
    return _Eclipse(load, c.max_eclipse_s, usable)


def _acc_name(d: SpacecraftSpec) -> str:
    a = d.compute.accelerator
    return a if isinstance(a, str) else "custom accelerator"


def _label(g: DesignGroup) -> str:
    """``The shell constellation (starlink-class, 144 satellites without accelerators)``, or
    for a design that several constellations share ``The starlink-class design of 17
    constellations (...)``."""
    d, n = g.design, len(g.names)
    kit = (f"with {d.compute.count} x {_acc_name(d)}" if d.compute.accelerator_spec()
           else "without accelerators")  # fmt: skip
    sats = f"{g.measured.satellites:,} satellites {kit}"
    if n == 1:
        return f"The {g.names[0]} constellation ({g.preset or 'custom design'}, {sats})"
    return f"The {g.preset or 'custom'} design of {n} constellations ({sats})"


def _group(
    g: DesignGroup, c: DesignCheck, eclipse_mode: str, prefix: str, orbits: bool
) -> dict[str, Any]:
    """Verdict sentence, dose sentence, holds flag, numbers, flips and assumptions of one
    design group."""
    d, m = g.design, g.measured
    acc = d.compute.accelerator_spec()
    floor = 1.0 - d.battery.max_dod
    problems: list[str] = []
    facts: list[str] = []
    numbers: list[dict[str, Any]] = []

    def num(name: str, value: float | int | None, unit: str, description: str) -> None:
        if value is not None and math.isfinite(value):
            v = round(float(value), 6) if isinstance(value, float) else value
            numbers.append({"name": prefix + name, "value": v, "unit": unit,
                            "description": prefix + description})  # fmt: skip

    if acc is not None:
        limit = d.compute.temp_limit_k
        if m.compute_kept is not None:
            facts.append(f"kept {_pct(m.compute_kept)} of peak compute")
        if m.temp_max_k is not None:
            gap = limit - m.temp_max_k
            where = "under" if gap > 0 else "at or over"
            facts.append(f"the accelerators peaked at {m.temp_max_k:.1f} K ({abs(gap):.1f} K "
                         f"{where} the {limit:.1f} K limit)")  # fmt: skip
        if (m.thermal_throttled or 0.0) > 0.0:
            problems.append(f"heat throttled the accelerators {_pct(m.thermal_throttled or 0.0)}"
                            f" of the time: the radiator ({d.radiator.area_m2:g} m2) is too "
                            "small")  # fmt: skip
        if c.radiator_too_small:
            need = c.radiator_area_needed_m2
            fix = (f"the radiator needs {need:.3g} m2 (has {d.radiator.area_m2:g} m2)"
                   if math.isfinite(need) else "no radiator area holds the limit at this "
                   "conductance")  # fmt: skip
            problems.append(f"in the hot case (full compute, full sun, albedo) the accelerators "
                            f"would settle at {c.hot_case_accelerator_temp_k:.1f} K, over the "
                            f"{limit:.1f} K limit: {fix}")  # fmt: skip
        num("compute kept", m.compute_kept, "1", "delivered fraction of peak compute")
        num("accelerator peak temperature", m.temp_max_k, "K", "highest accelerator temperature")
        num("accelerator temperature limit", limit, "K", "compute.temp_limit_k")
        num("hot-case temperature", c.hot_case_accelerator_temp_k, "K",
            "full compute, full sun, albedo: steady state")  # fmt: skip
    if m.soc_min is not None:
        facts.append(f"the battery stayed at {_pct(m.soc_min)} or more (floor {_pct(floor)})")
        if m.soc_min < floor - 1e-6:
            problems.append(f"the battery fell to {_pct(m.soc_min)}, below its depth-of-"
                            f"discharge floor of {_pct(floor)}")  # fmt: skip
    num("battery minimum", m.soc_min, "1", "lowest battery state of charge")
    num("battery floor", floor, "1", "depth-of-discharge floor, 1 - battery.max_dod")
    if m.brownout_satellites:
        problems.append(f"{m.brownout_satellites:,} satellite(s) browned out "
                        f"({m.bus_unserved_wh:,.1f} Wh of bus load not served; the run's "
                        "warnings name the cause)")  # fmt: skip
    else:
        facts.append("no satellite browned out")
    num("brown-out satellites", m.brownout_satellites, "1", "satellites whose bus went short")
    num("dose over the run", m.dose_rad_per_year, "rad(Si)/yr",
        "mean dose per year behind the shield, over the run's window")  # fmt: skip
    if m.accelerators_failed:
        problems.append(f"{m.accelerators_failed} accelerator(s) failed")
    if acc is not None and m.dose_orbit_max_rad_per_year:
        tol = acc.tid_tolerance_krad * 1e3
        life = max(tol - (m.dose_max_rad or 0.0), 0.0) / m.dose_orbit_max_rad_per_year
        dose = (f"At {_g(m.dose_orbit_max_rad_per_year, 3)} rad(Si)/yr (orbit average, the most "
                f"exposed satellite) its accelerators reach their {acc.tid_tolerance_krad:g} "
                f"krad 1 % failure dose in {_years(life)}.")  # fmt: skip
        num("orbit-average dose", m.dose_orbit_max_rad_per_year, "rad(Si)/yr",
            "most exposed satellite, averaged over its orbit and node longitude")  # fmt: skip
        num("years to the 1 % failure dose", life, "yr",
            "years until the accelerators reach their 1 % failure dose (most exposed satellite, "
            "orbit-average dose rate)")  # fmt: skip
    elif m.dose_rad_per_year is not None:
        dose = (f"Its dose is {_g(m.dose_rad_per_year, 3)} rad(Si)/yr; the design declares no "
                "total-dose tolerance to hold it against.")  # fmt: skip
    else:
        dose = ""
    numbers.sort(key=lambda n: _RANK.index(n["name"].removeprefix(prefix)))
    holds = not problems
    said = facts if holds else problems + ([f"otherwise {_join(facts)}"] if facts else [])
    sentence = f"{_label(g)} {'holds' if holds else 'does not hold'}{_OVER}: {_join(said)}."
    who = prefix.removesuffix(": ")
    if problems:
        brief = f"{who}: {problems[0]}"
    elif acc is not None and m.compute_kept is not None and m.temp_max_k is not None:
        brief = (f"{who} kept {_pct(m.compute_kept)} of peak compute at up to "
                 f"{m.temp_max_k:.1f} K (limit {d.compute.temp_limit_k:.1f} K)")  # fmt: skip
    elif m.soc_min is not None:
        brief = f"{who}'s battery stayed at {_pct(m.soc_min)} or more (floor {_pct(floor)})"
    else:
        brief = f"{who} browned out nowhere"
    return {"holds": holds, "sentence": sentence, "brief": brief, "dose": dose,
            "numbers": numbers,
            "flips": _flips(g, c, eclipse_mode, prefix, orbits),
            "assumptions": _assumptions(d, eclipse_mode, prefix)}  # fmt: skip


_OVER = "\x00over\x00"
"""Where a group's sentence takes "over the N h run" (a marker no name can hold)."""


_RANK = (
    "compute kept", "accelerator peak temperature", "battery minimum", "brown-out satellites",
    "years to the 1 % failure dose", "dose over the run", "accelerator temperature limit",
    "battery floor", "hot-case temperature", "orbit-average dose",
)  # fmt: skip
"""Order of a design's numbers (its first three lead the panel)."""


def _join(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _flips(
    g: DesignGroup, c: DesignCheck, eclipse_mode: str, prefix: str, orbits: bool
) -> list[dict[str, Any]]:
    """The closed-form flips of one design; the array flip only from a run of at least one
    orbit (``orbits``: before that a satellite's mean output is not an orbit average)."""
    d, m = g.design, g.measured
    out: list[dict[str, Any]] = []
    acc = d.compute.accelerator_spec()
    if acc is not None:
        need, have = c.radiator_area_needed_m2, d.radiator.area_m2
        if math.isfinite(need):
            side = "below" if need <= have else "up to"
            out.append({"assumption": prefix + "radiator.area_m2", "now": have,
                        "flip_at": round(need, 4), "unit": "m2",
                        "text": f"{prefix}radiator {side} {need:.3g} m2 (now {have:g} m2): the "
                        f"hot case (full compute in full sun, albedo under the satellite) "
                        f"{'exceeds' if need <= have else 'stays over'} the "
                        f"{c.temp_limit_k:.1f} K limit"})  # fmt: skip
    e = _eclipse(d, c, eclipse_mode)
    b = d.battery
    if e.load_w > 0:
        cap = e.load_w * e.duration_s / (b.max_dod * b.discharge_efficiency) / 3600.0
        out.append({"assumption": prefix + "battery.capacity_wh", "now": b.capacity_wh,
                    "flip_at": round(cap, 1), "unit": "Wh",
                    "text": f"{prefix}battery below {cap:,.0f} Wh (now {b.capacity_wh:,.0f} Wh):"
                    f" the longest eclipse ({e.duration_s / 60:.1f} min at beta = 0) on the "
                    f"{e.load_w:,.0f} W eclipse load takes a full battery below its "
                    f"depth-of-discharge floor"})  # fmt: skip
        t = e.flip_eclipse_s / 60.0
        out.append({"assumption": prefix + "eclipse length", "now": round(e.duration_s / 60, 2),
                    "flip_at": round(t, 2), "unit": "min",
                    "text": f"{prefix}eclipses longer than {t:.1f} min (the longest here is "
                    f"{e.duration_s / 60:.1f} min) reach the battery floor"})  # fmt: skip
    if acc is not None and eclipse_mode == "battery" and c.accelerators > 0 and e.duration_s > 0:
        fixed = c.bus_power_w + c.accelerators * acc.idle_w
        u = (e.usable_j / e.duration_s - fixed) / (c.accelerators * (acc.tdp_w - acc.idle_w))
        if 0.0 <= u <= 1.0:
            out.append({"assumption": prefix + "compute.utilization",
                        "now": d.compute.utilization, "flip_at": round(u, 4), "unit": "1",
                        "text": f"{prefix}utilisation above {u:.2f} (now "
                        f"{d.compute.utilization:g}) runs the battery to its floor in the "
                        "longest eclipse"})  # fmt: skip
    load = c.bus_power_w + c.compute_power_w
    what = "bus + compute at its utilisation" if c.compute_power_w > 0 else "the bus"
    if orbits and m.generation_min_w and load > 0:
        area = d.solar_array.area_m2 * load / m.generation_min_w
        out.append({"assumption": prefix + "solar_array.area_m2", "now": d.solar_array.area_m2,
                    "flip_at": round(area, 4), "unit": "m2",
                    "text": f"{prefix}solar array below {area:.3g} m2 (now "
                    f"{d.solar_array.area_m2:g} m2): the least-lit satellite's orbit-average "
                    f"output ({m.generation_min_w:,.0f} W here) no longer covers the "
                    f"{load:,.0f} W load ({what})"})  # fmt: skip
    return out


def _assumptions(d: SpacecraftSpec, eclipse_mode: str, prefix: str) -> list[str]:
    sa, r, b = d.solar_array, d.radiator, d.battery
    mount = sa.pointing + (f" ({sa.body_normal})" if sa.pointing == "body_fixed" else "")
    out = [
        f"{prefix}attitude: {mount} solar array, radiator {r.orientation}",
        f"{prefix}solar array {sa.area_m2:g} m2, cell efficiency {sa.efficiency:g}, packing "
        f"{sa.packing_factor:g}",
        f"{prefix}radiator {r.area_m2:g} m2 {'two' if r.two_sided else 'one'}-sided, emissivity "
        f"{r.emissivity:g}, absorptance {r.absorptance:g}; conductance "
        f"{d.thermal.conductance_w_k:g} W/K",
        f"{prefix}battery {b.capacity_wh:g} Wh, depth of discharge {b.max_dod:g}, discharge "
        f"efficiency {b.discharge_efficiency:g}",
        f"{prefix}shielding {d.shielding_mm_al:g} mm Al",
    ]
    acc = d.compute.accelerator_spec()
    if acc is not None:
        name = d.compute.accelerator if isinstance(d.compute.accelerator, str) else "custom"
        out.append(f"{prefix}accelerators {d.compute.count} x {name} at utilisation "
                   f"{d.compute.utilization:g}, throttle limit {d.compute.temp_limit_k:g} K; in "
                   f"eclipse {'on battery' if eclipse_mode == 'battery' else 'idle'}")  # fmt: skip
    return out


def design_verdict(
    groups: Sequence[DesignGroup],
    environment: EnvironmentSpec,
    eclipse_mode: str,
    duration_h: float,
    question: str = "",
) -> dict[str, Any] | None:
    """The design verdict of a run (``summary["verdicts"]`` shape, topic ``design``).

    Parameters
    ----------
    groups : the run's designs, each with its constellations and measured figures
    environment : the run's environment (hot case: Earth IR and albedo; space weather)
    eclipse_mode : ``battery`` (accelerators run on battery in eclipse) or ``off`` (idle)
    duration_h : run length [h]
    question : the scenario's question

    Returns
    -------
    The verdict dict, or None without a group with satellites.
    """
    parts = []
    groups = [g for g in groups if g.measured.satellites > 0]
    if not groups:
        return None
    period_s = float(circular_period_s(max(g.altitude_m for g in groups)))
    orbits = duration_h * 3600.0 >= period_s
    for g in groups:
        c = check_design(g.design, g.altitude_m, environment.earth_ir_w_m2, environment.albedo)
        prefix = f"{g.names[0] if len(g.names) == 1 else g.preset or 'custom'}: " if len(
            groups) > 1 else ""  # fmt: skip
        parts.append(_group(g, c, eclipse_mode, prefix, orbits))
    run = f" over the {_duration(duration_h)} run"
    short = "" if orbits else (
        f"The run is shorter than one orbit ({period_s / 60:.1f} min), so it may miss the longest "
        "eclipse: the battery flips give it.")  # fmt: skip
    if len(parts) == 1:
        text = [parts[0]["sentence"].replace(_OVER, run), parts[0]["dose"], short]
    else:
        n_bad = sum(not p["holds"] for p in parts)
        every = "Both designs" if len(parts) == 2 else f"All {len(parts)} designs"
        briefs = [p["brief"] for p in sorted(parts, key=lambda p: p["holds"])]  # failing first
        more = f" and {len(briefs) - 3} more" if len(briefs) > 3 else ""
        lead = (f"{every} hold{run}" if not n_bad else
                f"{n_bad} of {len(parts)} designs do not hold{run}")  # fmt: skip
        lead += f": {'; '.join(briefs[:3])}{more}."
        text = [lead] + [t for p in parts for t in (p["sentence"].replace(_OVER, ""), p["dose"])]
        text.append(short)
    env = environment
    storms = f", {len(env.storms)} storm(s)" if env.storms else ""
    weather = "a space-weather series" if env.space_weather is not None else (
        f"F10.7 {env.f107:g} sfu (81-day {env.f107a:g}), Ap {env.ap:g}")  # fmt: skip
    common = [
        f"space weather: {weather}, dose rates x {env.radiation_multiplier:g}{storms}",
        f"hot case: full sun 1361 W/m2, Earth infrared {env.earth_ir_w_m2:g} W/m2 and albedo "
        f"{env.albedo:g} under the satellite",
    ]
    return {
        "topic": "design",
        "question": question,
        "text": " ".join(t for t in text if t),
        "numbers": [n for p in parts for n in p["numbers"][:3]]
        + [n for p in parts for n in p["numbers"][3:]],
        "baseline": BASELINE,
        "assumptions": [a for p in parts for a in p["assumptions"]] + common,
        "flips": [f for p in parts for f in p["flips"]],
    }
