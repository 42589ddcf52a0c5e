"""Design checks before a run: can the radiator, the battery and the array carry the load?

:func:`check_design` sizes one resolved design against worst cases in a circular orbit and
returns the numbers with the findings; the engine turns findings into warnings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orbitcloud.astro.constants import R_EARTH_M
from orbitcloud.astro.eclipse import eclipse_fraction_cylindrical
from orbitcloud.astro.elements import circular_period_s
from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft import power, thermal
from orbitcloud.spacecraft.totals import FleetTotals

TSI_W_M2 = 1361.0
"""Total solar irradiance at 1 AU [W/m^2] (Kopp & Lean 2011): the full-sun hot case."""


@dataclass(frozen=True)
class DesignCheck:
    """One design sized against its worst cases (SI units unless the name says otherwise)."""

    altitude_m: float
    """median altitude of the constellation's satellites [m]"""
    accelerators: int
    compute_power_w: float
    """accelerators at their utilisation [W]"""
    bus_power_w: float
    """bus + host (if any accelerators) + laser terminals [W]"""
    array_bol_max_w: float
    """array output at normal incidence, beginning of life [W]"""
    hot_case_accelerator_temp_k: float
    """steady state at full compute in full sun with albedo under the satellite [K]"""
    temp_limit_k: float
    radiator_area_m2: float
    radiator_area_needed_m2: float
    """radiator area that holds the limit in the hot case [m^2] (inf: not reachable)"""
    max_eclipse_s: float
    """eclipse at beta = 0 (the longest) [s]"""
    eclipse_bus_j: float
    """bus energy through that eclipse [J]"""
    battery_usable_j: float
    """battery capacity x discharge efficiency [J]"""

    @property
    def radiator_too_small(self) -> bool:
        return self.accelerators > 0 and self.hot_case_accelerator_temp_k > self.temp_limit_k

    @property
    def array_too_small(self) -> bool:
        return self.array_bol_max_w < self.bus_power_w

    @property
    def battery_too_small(self) -> bool:
        return self.eclipse_bus_j > self.battery_usable_j

    def summary_figures(self) -> dict[str, float | None]:
        """The sizing figures, rounded for a run summary (powers [W], temperature [K], area
        [m^2] or None when no area holds the limit, eclipse [min], usable battery [Wh])."""
        need = self.radiator_area_needed_m2
        return {
            "compute_power_w": round(self.compute_power_w, 1),
            "bus_power_w": round(self.bus_power_w, 1),
            "array_bol_max_w": round(self.array_bol_max_w, 1),
            "hot_case_accelerator_temp_k": round(self.hot_case_accelerator_temp_k, 1),
            "radiator_area_needed_m2": round(need, 3) if np.isfinite(need) else None,
            "max_eclipse_min_beta0": round(self.max_eclipse_s / 60.0, 2),
            "battery_usable_wh": round(self.battery_usable_j / 3600.0, 1),
        }

    @property
    def findings(self) -> tuple[str, ...]:
        """Names of the failed checks, in the order radiator, array, battery."""
        names = ("radiator_too_small", "array_too_small", "battery_too_small")
        return tuple(n for n in names if getattr(self, n))


def check_design(
    design: SpacecraftSpec, altitude_m: float, earth_ir_w_m2: float, albedo: float
) -> DesignCheck:
    """Size a design's radiator, battery and array against worst cases.

    * radiator: full compute in full sun (1361 W/m^2) with the Earth's infrared and the full
      albedo under the satellite; steady state of the two-node model against the limit;
    * battery: the longest eclipse (beta = 0, cylindrical shadow) on the bus load alone;
    * array: its beginning-of-life output at normal incidence against the bus load.

    Parameters
    ----------
    design : a resolved design (:meth:`SpacecraftSpec.resolve`)
    altitude_m : circular-orbit altitude [m]
    earth_ir_w_m2 : Earth's outgoing longwave radiation [W/m^2]
    albedo : Earth's Bond albedo [-]

    Returns
    -------
    :class:`DesignCheck`

    References
    ----------
    Steady state: :func:`orbitcloud.spacecraft.thermal.equilibrium_accelerator_temperature_k`;
    radiator sizing: :func:`~orbitcloud.spacecraft.thermal.radiator_area_required_m2`;
    orbital heating: Gilmore (2002) vol. 1, ch. 2; eclipse:
    :func:`orbitcloud.astro.eclipse.eclipse_fraction_cylindrical`.
    """
    d = design
    acc = d.compute.accelerator_spec()
    n_acc = d.compute.count if acc else 0
    p_acc = n_acc * (acc.idle_w + d.compute.utilization * (acc.tdp_w - acc.idle_w)) if acc else 0.0
    bus = (
        d.bus.power_w
        + (d.compute.host_power_w if n_acc else 0.0)
        + d.lasers.count * d.lasers.power_w
    )
    # hot case radiator: full sun and albedo under the satellite, per plate m2
    h = np.array([[(R_EARTH_M + altitude_m) / R_EARTH_M]])
    one = np.ones(1)
    r = d.radiator
    q_hot = float(thermal.radiator_environment_w(
        np.array([thermal.ORIENTATION_CODES[r.orientation]]), np.array([r.two_sided]), one,
        np.array([r.absorptance]), np.array([r.emissivity]), np.array([r.sun_incidence]),
        np.array([[TSI_W_M2]]), np.array([[0.0]]), np.array([[1.0]]), h, earth_ir_w_m2, albedo,
    )[0, 0])  # fmt: skip
    sides = 2 if r.two_sided else 1
    k_rad = r.emissivity * power.STEFAN_BOLTZMANN * r.area_m2 * sides
    t_eq = float(thermal.equilibrium_accelerator_temperature_k(
        np.array(p_acc), np.array(bus + q_hot * r.area_m2),
        np.array(d.thermal.conductance_w_k), np.array(k_rad)))  # fmt: skip
    t_rad_max = d.compute.temp_limit_k - p_acc / d.thermal.conductance_w_k
    need = float(thermal.radiator_area_required_m2(
        p_acc + bus, t_rad_max, r.emissivity, r.two_sided, q_hot
    )) if t_rad_max > 0 else float("inf")  # fmt: skip
    period = float(circular_period_s(altitude_m))
    ecl_s = float(eclipse_fraction_cylindrical(np.zeros(1), np.array([altitude_m]))[0]) * period
    sa = d.solar_array
    return DesignCheck(
        altitude_m=altitude_m, accelerators=n_acc, compute_power_w=p_acc, bus_power_w=bus,
        array_bol_max_w=TSI_W_M2 * sa.area_m2 * sa.efficiency * sa.packing_factor,
        hot_case_accelerator_temp_k=t_eq, temp_limit_k=d.compute.temp_limit_k,
        radiator_area_m2=r.area_m2, radiator_area_needed_m2=need, max_eclipse_s=ecl_s,
        eclipse_bus_j=bus * ecl_s,
        battery_usable_j=d.battery.capacity_wh * 3600.0 * d.battery.discharge_efficiency,
    )  # fmt: skip


WARNING_TEXT = {
    "radiator_too_small": "radiator too small -- at full compute in full sun (1361 W/m2, "
    "albedo under the satellite) the accelerators settle at {c.hot_case_accelerator_temp_k:.1f}"
    " K, above the {c.temp_limit_k:.2f} K limit, so they will throttle: a heat load of "
    "{heat_w:.1f} W (accelerators {c.compute_power_w:.1f} W + bus {c.bus_power_w:.1f} W) plus "
    "the Sun and the Earth on the plate; raise radiator.area_m2 to {need_m2} m2 (now {have_m2} "
    "m2) or thermal.conductance_w_k",
    "array_too_small": "the solar array gives at most {c.array_bol_max_w:.0f} W at normal "
    "incidence, less than the {c.bus_power_w:.0f} W bus load: the battery will drain; raise "
    "solar_array.area_m2 to {array_need_m2} m2 (now {array_have_m2} m2)",
    "battery_too_small": "battery too small for eclipse -- a {eclipse_min:.1f} min eclipse "
    "(beta = 0 at {alt_km:.0f} km) needs {bus_wh:.1f} Wh for the bus alone, the battery gives "
    "{usable_wh:.1f} Wh; raise battery.capacity_wh to {battery_need_wh:.0f} Wh (now "
    "{capacity_wh:g} Wh)",
}
"""Warning text of each :attr:`DesignCheck.findings` entry (:func:`warning_text` fills it)."""

ARRAY_MARGIN = 1.2
"""Margin on the array area a warning asks for over the orbit-average load [-] (assumed:
battery round-trip losses, degradation, the compute's opportunistic use of sunlit surplus)."""

ATTITUDE_COS_MAX = 0.26
"""Mean array cosine (cos 75 deg) below which a sunlit shortfall is called edge-on [-]."""

HIGH_BETA_DEG = 60.0
"""Mean |beta| [deg] from which an edge-on sunlit shortfall is called a beta-angle effect."""


def differing(a: float, b: float, unit: str = "", min_decimals: int = 2) -> tuple[str, str]:
    """``a`` and ``b`` with the fewest decimals (at least ``min_decimals``, at most 6) at which
    they read differently, so that "needed 0.153 (have 0.150)" never reads "0.15 (have 0.15)"."""
    d = min_decimals
    while d < 6 and f"{a:.{d}f}" == f"{b:.{d}f}":
        d += 1
    return f"{a:.{d}f}{unit}", f"{b:.{d}f}{unit}"


def warning_text(c: DesignCheck, finding: str, design: SpacecraftSpec) -> str:
    """The warning of one :attr:`DesignCheck.findings` entry, with the cause and the fix."""
    need, have = differing(c.radiator_area_needed_m2, c.radiator_area_m2)
    if not np.isfinite(c.radiator_area_needed_m2):
        need = "(none holds the limit at this conductance: raise it first)"
    sa = design.solar_array
    per_m2 = c.array_bol_max_w / sa.area_m2
    a_need, a_have = differing(ARRAY_MARGIN * c.bus_power_w / per_m2, sa.area_m2)
    b = design.battery
    return WARNING_TEXT[finding].format(
        c=c, eclipse_min=c.max_eclipse_s / 60, alt_km=c.altitude_m / 1000,
        bus_wh=c.eclipse_bus_j / 3600, usable_wh=c.battery_usable_j / 3600,
        heat_w=c.compute_power_w + c.bus_power_w, need_m2=need, have_m2=have,
        array_need_m2=a_need, array_have_m2=a_have,
        battery_need_wh=c.eclipse_bus_j / 3600 / b.discharge_efficiency,
        capacity_wh=b.capacity_wh,
    )  # fmt: skip


def diagnose_brownouts(
    c: DesignCheck, design: SpacecraftSpec, totals: FleetTotals, members: np.ndarray, dt_s: float
) -> list[str]:
    """Why a constellation's satellites could not power their bus, from the run's own data.

    Each satellite that went short is put under one cause, in this order:

    * attitude: at least half of the unserved energy fell while sunlit, with a mean array
      cosine below :data:`ATTITUDE_COS_MAX` at a mean |beta| of :data:`HIGH_BETA_DEG` or more
      (beta = asin(s.h), the Sun's elevation over the orbit plane): the array was edge-on in
      full sun; the fix is the attitude (a sun-tracking array) or the orbit, not the battery;
    * energy: the orbit-average array output is below the load (bus + compute at its
      utilisation), so the battery never refills: the fix is the array area (to
      :data:`ARRAY_MARGIN` x load over the output per m2) or less compute;
    * eclipse: the rest ran the battery empty in the dark: the fix is the battery, sized as
      C = P T_e / (DoD eta_d) with the longest eclipse T_e (beta = 0).

    Parameters
    ----------
    c : the constellation's :class:`DesignCheck`
    design : its resolved design
    totals : the run's :class:`~orbitcloud.spacecraft.totals.FleetTotals`
    members : indices of the constellation's satellites with spacecraft models
    dt_s : step [s]

    Returns
    -------
    One message per cause found (no prefix), empty when no satellite went short.

    References
    ----------
    Battery sizing C = P_e T_e / (DoD N eta): Wertz & Larson, Space Mission Analysis and
    Design, 3rd ed. (1999), eq. 11-6 (N = 1 battery); beta angle and eclipse: Vallado (2013)
    sec. 5.3; array cosine: :func:`orbitcloud.spacecraft.power.array_cosine`.
    """
    a = totals
    m = members[a["bus_unserved_j"][members] > 0]
    if m.size == 0:
        return []
    short_j = a["bus_unserved_j"][m]
    n_sun = np.maximum(a["unserved_sun_steps"][m], 1)
    cos_sun = a["unserved_sun_cos_sum"][m] / n_sun
    beta_deg = np.degrees(a["unserved_sun_beta_sum"][m] / n_sun)
    gen_w = a["gen_j"][m] / np.maximum(a["valid_steps"][m] * dt_s, 1e-9)
    load_w = c.bus_power_w + c.compute_power_w
    edge_on = (a["unserved_sun_j"][m] >= 0.5 * short_j) & (cos_sun < ATTITUDE_COS_MAX)
    attitude = edge_on & (beta_deg >= HIGH_BETA_DEG)
    energy = ~attitude & (gen_w < load_w)
    eclipse = ~attitude & ~energy
    sa, bat = design.solar_array, design.battery
    mount = sa.pointing + (f" ({sa.body_normal})" if sa.pointing == "body_fixed" else "")
    out = []
    if attitude.any():
        k = attitude
        out.append(
            f"{int(k.sum())} satellite(s) went short of bus power in full sun "
            f"({short_j[k].sum() / 3600:.1f} Wh unserved) with the {mount} array nearly edge-on "
            f"to the Sun: array cosine {cos_sun[k].mean():.2f} at |beta| {beta_deg[k].mean():.1f}"
            " deg (means over those steps) -- an attitude effect of a high beta angle, not the "
            "battery: use a two-axis sun-tracking array (solar_array.pointing: sun_tracking) or "
            "an orbit whose beta angle stays lower"
        )
    if energy.any():
        k = energy
        g = float(gen_w[k].min())
        need, have = differing(ARRAY_MARGIN * sa.area_m2 * load_w / max(g, 1e-9), sa.area_m2)
        tip = (f"; a {mount} array turns only part of the sunlight into power, a sun-tracking "
               "one needs less area") if sa.pointing != "sun_tracking" else ""  # fmt: skip
        out.append(
            f"{int(k.sum())} satellite(s) ran the battery empty ({short_j[k].sum() / 3600:.1f} "
            f"Wh unserved): the array gives {g:.1f} W on orbit average, less than the "
            f"{load_w:.1f} W load (bus {c.bus_power_w:.1f} W + compute {c.compute_power_w:.1f} W "
            "at its utilisation), so the battery never refills; raise solar_array.area_m2 to "
            f"{need} m2 (now {have} m2; {ARRAY_MARGIN:g} x load over the output per m2) or lower"
            f" compute.utilization{tip}"
        )
    if eclipse.any():
        k = eclipse
        need_wh = load_w * c.max_eclipse_s / 3600 / (bat.max_dod * bat.discharge_efficiency)
        out.append(
            f"{int(k.sum())} satellite(s) ran the battery empty in eclipse "
            f"({short_j[k].sum() / 3600:.1f} Wh unserved): the longest eclipse is "
            f"{c.max_eclipse_s / 60:.1f} min (beta = 0 at {c.altitude_m / 1000:.0f} km), the "
            f"{load_w:.1f} W load needs {load_w * c.max_eclipse_s / 3600:.1f} Wh through it; "
            f"raise battery.capacity_wh to {need_wh:.0f} Wh (now {bat.capacity_wh:g} Wh, "
            f"depth of discharge {bat.max_dod:g})"
        )
    return out
