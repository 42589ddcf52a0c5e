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
    "radiator_too_small": "radiator too small -- at full compute in full sun the accelerators "
    "settle at {c.hot_case_accelerator_temp_k:.0f} K, above the {c.temp_limit_k:.0f} K limit; "
    "they will throttle. Needed: {c.radiator_area_needed_m2:.2f} m2 (have "
    "{c.radiator_area_m2:g} m2) or a larger conductance",
    "array_too_small": "the solar array gives at most {c.array_bol_max_w:.0f} W, less than the "
    "{c.bus_power_w:.0f} W bus load: the battery will drain",
    "battery_too_small": "battery too small for eclipse -- a {eclipse_min:.1f} min eclipse "
    "(beta = 0 at {alt_km:.0f} km) needs {bus_wh:.0f} Wh for the bus alone, the battery gives "
    "{usable_wh:.0f} Wh",
}
"""Warning text of each :attr:`DesignCheck.findings` entry, formatted with the check as ``c``
and ``eclipse_min``, ``alt_km``, ``bus_wh``, ``usable_wh``."""
