"""Cost of an orbital compute fleet and of a terrestrial data centre with the same accelerators.

Everything here is pure: flat inputs (:class:`CostInputs`) in, a :class:`CostResult` out. Money
is US dollars (one price year), energy kWh, time years of 8766 h. Capital is annualised with
the capital recovery factor; the cost of a delivered accelerator-hour, of a million output
tokens and of a kWh delivered to the chips is the annual cost over the annual quantity.
See docs/models-economics.md for the equations, sources and limits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from scipy.optimize import brentq

HOURS_PER_YEAR = 8766.0
"""Julian year of 365.25 days [h]."""

SECONDS_PER_YEAR = HOURS_PER_YEAR * 3600.0

ACCELERATOR_PRICE_USD: dict[str, float] = {
    "h100-sxm": 25_000.0,  # NVIDIA H100 SXM: $25k-40k per GPU (press, 2023-24, secondary)
    "h200-sxm": 32_000.0,  # NVIDIA H200: $30k-40k per GPU (press, 2024, secondary)
    "tpu-v6e": 15_000.0,  # assumed: TPUs are not sold; estimate at about half an H100 (no source)
    "jetson-agx-orin-64gb": 1_999.0,  # NVIDIA Jetson AGX Orin 64GB developer kit list price
}
"""Catalogue price of one accelerator [USD] (``economics.hardware.accelerator_usd`` overrides)."""

DEFAULT_ACCELERATOR_PRICE_USD = 25_000.0
"""Price of an accelerator the catalogue does not list (assumed: an H100)."""


def capital_recovery_factor(rate: float, years: float) -> float:
    """Capital recovery factor: the annual payment that repays 1 USD over ``years``.

    CRF = r (1 + r)^n / ((1 + r)^n - 1), and 1 / n when r = 0.

    Parameters
    ----------
    rate : discount rate [1/yr], >= 0
    years : life of the asset [yr], > 0

    Returns
    -------
    Annualisation factor [1/yr]

    References
    ----------
    Standard engineering economics, e.g. Short, Packey & Holt, *A Manual for the Economic
    Evaluation of Energy Efficiency and Renewable Energy Technologies*, NREL/TP-462-5173 (1995),
    eq. 4-13.
    """
    if years <= 0:
        raise ValueError(f"asset life must be positive, got {years}")
    if rate <= 0.0:
        return 1.0 / years
    # r / (1 - (1 + r)^-n), with log1p/expm1 so that tiny rates keep full precision and the
    # factor rises monotonically from 1/n (plain powers lose it to cancellation near r = 0)
    return rate / -math.expm1(-years * math.log1p(rate))


def launch_price_usd_per_kg(
    price_usd_per_kg: float, annual_decline: float, reference_year: int, year: int
) -> float:
    """Launch price in ``year`` after a constant annual decline from ``reference_year``.

    p(y) = p0 (1 - d)^(y - y0); a constant-rate stand-in for a learning curve (Wright's law with
    a steady launch cadence gives an exponential fall in time).

    Parameters
    ----------
    price_usd_per_kg : price at the reference year [USD/kg]
    annual_decline : fractional fall per year [1/yr], 0 <= d < 1
    reference_year, year : calendar years

    Returns
    -------
    Price [USD/kg]

    References
    ----------
    Suncatcher, arXiv:2511.19468: a learning-curve projection to <= $200/kg by the mid-2030s.
    """
    return price_usd_per_kg * (1.0 - annual_decline) ** (year - reference_year)


def launch_cost_usd_per_kw_year(
    price_usd_per_kg: float, kg_per_kw: float, life_years: float
) -> float:
    """Launch cost per kW of satellite power per year of life (Suncatcher's comparison metric).

    c = price x (mass / power) / life, undiscounted, as in the paper's framing.

    Parameters
    ----------
    price_usd_per_kg : launch price [USD/kg]
    kg_per_kw : satellite mass per kW of (array) power [kg/kW]
    life_years : satellite life [yr]

    Returns
    -------
    Cost [USD/(kW yr)]

    References
    ----------
    Suncatcher, arXiv:2511.19468, sec. on launch costs: launch cost per kW/y against the energy
    cost of a terrestrial data centre per kW/y.
    """
    return price_usd_per_kg * kg_per_kw / life_years


def energy_cost_usd(power_w: float, years: float, usd_per_kwh: float, pue: float = 1.0) -> float:
    """Cost of running ``power_w`` of IT load for ``years`` on grid electricity.

    Parameters
    ----------
    power_w : IT power [W]
    years : duration [yr] of 8766 h
    usd_per_kwh : electricity price [USD/kWh]
    pue : power usage effectiveness [-] (facility / IT energy)

    Returns
    -------
    Cost [USD]

    References
    ----------
    PUE definition: The Green Grid, WP#49 (2012).
    """
    return power_w / 1000.0 * HOURS_PER_YEAR * years * pue * usd_per_kwh


def solve_bracketed(
    f: Callable[[float], float], lo: float, hi: float, hi_max: float = 1e9
) -> float | None:
    """Root of a monotone ``f`` on [lo, hi], widening ``hi`` (x10) up to ``hi_max``.

    Returns None when ``f`` keeps one sign on [lo, hi_max] (no break-even). Brent's method
    (:func:`scipy.optimize.brentq`, Brent 1973) on the bracket.
    """
    flo = f(lo)
    if flo == 0.0:
        return lo
    while True:
        fhi = f(hi)
        if fhi == 0.0:
            return hi
        if (flo < 0.0) != (fhi < 0.0):
            return float(brentq(f, lo, hi, xtol=1e-9, rtol=1e-12))
        if hi >= hi_max:
            return None
        hi = min(hi * 10.0, hi_max)


@dataclass(frozen=True)
class CostInputs:
    """Flat inputs of :func:`evaluate` (fleet totals; USD, W, kg, years)."""

    # fleet, from the spacecraft designs
    n_sat: float
    n_acc: float
    fleet_mass_kg: float
    bus_mass_kg: float
    power_system_mass_kg: float
    array_power_w: float
    radiator_m2: float
    battery_wh: float
    lasers: float
    acc_tdp_w: float
    acc_idle_w: float
    host_w_per_acc: float
    tokens_per_acc_s: float
    # prices
    launch_usd_per_kg: float
    accelerator_usd: float
    host_usd_per_acc: float
    solar_usd_per_w: float
    radiator_usd_per_m2: float
    battery_usd_per_wh: float
    laser_usd: float
    bus_usd_per_kg: float
    integration_fraction: float
    # orbital life and operations
    discount_rate: float
    design_life_years: float
    spares_fraction: float
    failure_per_year: float
    ground_segment_usd: float
    ground_life_years: float
    ops_usd_per_sat_year: float
    availability: float
    utilization: float
    # terrestrial
    dc_capex_usd_per_mw: float
    dc_facility_life_years: float
    dc_hardware_life_years: float
    electricity_usd_per_kwh: float
    pue: float
    water_l_per_kwh: float
    water_usd_per_m3: float
    land_m2_per_mw: float
    land_usd_per_m2: float
    dc_maintenance_fraction: float
    dc_utilization: float
    dc_failure_per_year: float
    # measured by a run (None: the run did not measure it; no measured basis)
    measured_orbital_tokens_per_year: float | None = None
    measured_orbital_utilization: float | None = None
    measured_terrestrial_tokens_per_acc_hour: float | None = None
    measured_terrestrial_utilization: float | None = None


@dataclass
class SystemCost:
    """Cost items of one system: ``{item: (capex_usd or None, annual_usd)}`` and unit costs."""

    items: dict[str, tuple[float | None, float]] = field(default_factory=dict)
    accelerator_hours_per_year: float = 0.0
    tokens_per_year: float = 0.0
    chip_kwh_per_year: float = 0.0
    energy_annual_usd: float = 0.0

    @property
    def annual_usd(self) -> float:
        return float(sum(a for _, a in self.items.values()))

    @property
    def capex_usd(self) -> float:
        return float(sum(c for c, _ in self.items.values() if c is not None))

    @property
    def usd_per_accelerator_hour(self) -> float:
        return self.annual_usd / self.accelerator_hours_per_year

    @property
    def usd_per_mtok(self) -> float | None:
        return self.annual_usd / self.tokens_per_year * 1e6 if self.tokens_per_year > 0 else None

    @property
    def usd_per_chip_kwh(self) -> float:
        return self.annual_usd / self.chip_kwh_per_year

    @property
    def tokens_per_accelerator_hour(self) -> float:
        return self.tokens_per_year / self.accelerator_hours_per_year

    @property
    def energy_usd_per_chip_kwh(self) -> float:
        """Cost of the energy supply alone (the Starcloud/Suncatcher framing) [USD/kWh]."""
        return self.energy_annual_usd / self.chip_kwh_per_year


@dataclass
class CostResult:
    """Both systems on one basis (design or measured) and their ratios."""

    orbital: SystemCost
    terrestrial: SystemCost

    @property
    def ratio_per_accelerator_hour(self) -> float:
        return self.orbital.usd_per_accelerator_hour / self.terrestrial.usd_per_accelerator_hour

    @property
    def ratio_per_mtok(self) -> float | None:
        o, t = self.orbital.usd_per_mtok, self.terrestrial.usd_per_mtok
        return o / t if o is not None and t is not None and t > 0 else None


def chip_power_w(tdp_w: float, idle_w: float, utilization: float) -> float:
    """Mean accelerator power at a utilisation: idle + (TDP - idle) x u [W] (linear model)."""
    return idle_w + (tdp_w - idle_w) * utilization


def evaluate(x: CostInputs) -> CostResult:
    """Annual cost, delivered accelerator-hours, tokens and chip energy of both systems.

    Orbital: satellite hardware (accelerators, hosts, array per W, radiator per m2, battery per
    Wh, laser terminals, bus per kg, integration share) and launch (fleet mass x price) are
    bought once per design life, plus spares, and annualised with CRF(r, life); accelerators
    lost to radiation and random failures are replaced by new capacity at ``failure_per_year``
    x (hardware + launch) a year; the ground segment is annualised over its own life;
    operations cost per satellite-year.

    The quantities are on the **design basis**, the same way on both sides: delivered
    accelerator-hours = n_acc x 8766 x availability (terrestrial availability 1); tokens =
    delivered accelerator-hours x design tokens/s x 3600 x utilisation; chip energy = delivered
    accelerator-hours x (idle + (TDP - idle) x utilisation). With equal utilisations the two
    systems make the same tokens per accelerator-hour, so the ratio of cost per token is the
    ratio of cost per accelerator-hour. :func:`evaluate_measured` gives the measured basis.

    Terrestrial: the same accelerators and hosts (hardware life), a facility sized for their
    peak IT load (capex per MW, facility life), land (annual cost = discount rate x value),
    electricity x PUE and water per kWh of IT energy, maintenance as a share of facility capex
    and replacements at the accelerators' random failure rate.

    Parameters
    ----------
    x : all inputs (see :class:`CostInputs`)

    Returns
    -------
    :class:`CostResult`

    References
    ----------
    Capital recovery factor: NREL/TP-462-5173 (1995). Framing of the comparison: Suncatcher,
    arXiv:2511.19468; Starcloud white paper "Why we should train AI in space" (secondary).
    """
    r = x.discount_rate
    crf_sat = capital_recovery_factor(r, x.design_life_years)
    # ----------------------------------------------------------------- orbital
    o = SystemCost()
    hw = {
        "accelerators": x.n_acc * x.accelerator_usd,
        "hosts": x.n_acc * x.host_usd_per_acc,
        "solar_array": x.array_power_w * x.solar_usd_per_w,
        "radiator": x.radiator_m2 * x.radiator_usd_per_m2,
        "battery": x.battery_wh * x.battery_usd_per_wh,
        "lasers": x.lasers * x.laser_usd,
        "bus": x.bus_mass_kg * x.bus_usd_per_kg,
    }
    hw_total = sum(hw.values())
    hw["integration"] = hw_total * x.integration_fraction
    hw["launch"] = x.fleet_mass_kg * x.launch_usd_per_kg
    fleet_capex = sum(hw.values())
    hw["spares"] = fleet_capex * x.spares_fraction
    for k, v in hw.items():
        o.items[k] = (v, v * crf_sat)
    o.items["replacements"] = (None, fleet_capex * x.failure_per_year)
    o.items["ground_segment"] = (
        x.ground_segment_usd,
        x.ground_segment_usd * capital_recovery_factor(r, x.ground_life_years),
    )
    o.items["operations"] = (None, x.ops_usd_per_sat_year * x.n_sat)
    o.accelerator_hours_per_year = x.n_acc * HOURS_PER_YEAR * x.availability
    o.tokens_per_year = o.accelerator_hours_per_year * 3600.0 * x.tokens_per_acc_s * x.utilization
    p_chip = chip_power_w(x.acc_tdp_w, x.acc_idle_w, x.utilization)
    o.chip_kwh_per_year = o.accelerator_hours_per_year * p_chip / 1000.0
    # energy supply alone: array, radiator, battery, their integration share and launch mass
    power_hw = hw["solar_array"] + hw["radiator"] + hw["battery"]
    power_capex = (
        power_hw * (1.0 + x.integration_fraction) + x.power_system_mass_kg * x.launch_usd_per_kg
    ) * (1.0 + x.spares_fraction)
    o.energy_annual_usd = power_capex * (crf_sat + x.failure_per_year)
    # ----------------------------------------------------------------- terrestrial
    t = SystemCost()
    it_mw = x.n_acc * (x.acc_tdp_w + x.host_w_per_acc) / 1e6
    crf_hw = capital_recovery_factor(r, x.dc_hardware_life_years)
    for k in ("accelerators", "hosts"):
        t.items[k] = (hw[k], hw[k] * crf_hw)
    dc_hw = hw["accelerators"] + hw["hosts"]
    t.items["replacements"] = (None, dc_hw * x.dc_failure_per_year)
    facility = it_mw * x.dc_capex_usd_per_mw
    t.items["facility"] = (
        facility,
        facility * capital_recovery_factor(r, x.dc_facility_life_years),
    )
    land = it_mw * x.land_m2_per_mw * x.land_usd_per_m2
    t.items["land"] = (land, land * r)
    p_it = x.n_acc * (chip_power_w(x.acc_tdp_w, x.acc_idle_w, x.dc_utilization) + x.host_w_per_acc)
    it_kwh = p_it * HOURS_PER_YEAR / 1000.0
    elec = it_kwh * x.pue * x.electricity_usd_per_kwh
    water = it_kwh * x.water_l_per_kwh / 1000.0 * x.water_usd_per_m3
    t.items["electricity"] = (None, elec)
    t.items["water"] = (None, water)
    t.items["maintenance"] = (None, facility * x.dc_maintenance_fraction)
    t.accelerator_hours_per_year = x.n_acc * HOURS_PER_YEAR
    t.tokens_per_year = (
        t.accelerator_hours_per_year * 3600.0 * x.tokens_per_acc_s * x.dc_utilization
    )
    t.chip_kwh_per_year = (
        t.accelerator_hours_per_year
        * chip_power_w(x.acc_tdp_w, x.acc_idle_w, x.dc_utilization)
        / 1000.0
    )
    t.energy_annual_usd = elec + water
    return CostResult(o, t)


def has_measured_basis(x: CostInputs) -> bool:
    """True when a run measured tokens and busy shares on both sides (all positive)."""
    got = (
        x.measured_orbital_tokens_per_year,
        x.measured_orbital_utilization,
        x.measured_terrestrial_tokens_per_acc_hour,
        x.measured_terrestrial_utilization,
    )
    return all(v is not None and v > 0 for v in got)


def evaluate_measured(x: CostInputs) -> CostResult | None:
    """Both systems on the **measured basis**: what the run served, the same way on both sides.

    Each side is priced at the busy share u_m the run measured for it (the terrestrial
    electricity and both sides' chip energy at u_m): accelerator-hours are the *busy* ones,
    delivered accelerator-hours x u_m; tokens are those the run served, a year's worth
    (orbital: the fleet's tokens per year; terrestrial: the run's tokens per delivered
    accelerator-hour of its data centres x the priced data centre's accelerator-hours, since
    the priced data centre has the fleet's accelerator count). None when the run did not
    measure all four figures or served nothing on a side.
    """
    if not has_measured_basis(x):
        return None
    u_o, u_t = x.measured_orbital_utilization, x.measured_terrestrial_utilization
    tok_o, tph_t = x.measured_orbital_tokens_per_year, x.measured_terrestrial_tokens_per_acc_hour
    assert u_o is not None
    assert u_t is not None
    assert tok_o is not None
    assert tph_t is not None
    res = evaluate(replace(x, utilization=min(u_o, 1.0), dc_utilization=min(u_t, 1.0)))
    o, t = res.orbital, res.terrestrial
    t.tokens_per_year = t.accelerator_hours_per_year * tph_t
    o.tokens_per_year = tok_o
    o.accelerator_hours_per_year *= min(u_o, 1.0)
    t.accelerator_hours_per_year *= min(u_t, 1.0)
    return res


def breakeven_launch_price_usd_per_kg(x: CostInputs) -> float | None:
    """Launch price at which an orbital accelerator-hour costs what a terrestrial one does.

    Solves ``orbital(p) - terrestrial = 0`` for p >= 0 with a bracketing root finder
    (:func:`solve_bracketed`). None when orbit is dearer even with free launch.
    """

    def gap(p: float) -> float:
        res = evaluate(replace(x, launch_usd_per_kg=p))
        return res.orbital.usd_per_accelerator_hour - res.terrestrial.usd_per_accelerator_hour

    return solve_bracketed(gap, 0.0, 1e4)


def breakeven_launch_price_energy_framing(
    terrestrial_usd_per_kw_year: float, kg_per_kw: float, life_years: float
) -> float | None:
    """Suncatcher's break-even: launch cost per kW-year = terrestrial energy cost per kW-year.

    Parameters
    ----------
    terrestrial_usd_per_kw_year : energy cost of a terrestrial data centre [USD/(kW yr)]
    kg_per_kw : satellite mass per kW of power [kg/kW]
    life_years : satellite life [yr]

    Returns
    -------
    Launch price [USD/kg], or None if there is none

    References
    ----------
    Suncatcher, arXiv:2511.19468 (launch costs section).
    """
    return solve_bracketed(
        lambda p: (
            launch_cost_usd_per_kw_year(p, kg_per_kw, life_years) - terrestrial_usd_per_kw_year
        ),
        0.0,
        1e3,
    )


SENSITIVITY_INPUTS: tuple[str, ...] = (
    "launch_usd_per_kg",
    "accelerator_usd",
    "solar_usd_per_w",
    "bus_usd_per_kg",
    "laser_usd",
    "discount_rate",
    "design_life_years",
    "failure_per_year",
    "utilization",
    "electricity_usd_per_kwh",
    "pue",
    "dc_capex_usd_per_mw",
)
"""Inputs of the tornado table (fields of :class:`CostInputs`)."""


def tornado(x: CostInputs, fraction: float) -> list[tuple[str, str, float, CostResult]]:
    """Each input of :data:`SENSITIVITY_INPUTS` at (1 - f) and (1 + f) times its value.

    A design life is kept >= 1 year and a utilisation <= 1. Returns ``(input, "low"|"high",
    value, result)`` rows in the order of :data:`SENSITIVITY_INPUTS`.
    """
    rows = []
    for name in SENSITIVITY_INPUTS:
        base = float(getattr(x, name))
        for case, mult in (("low", 1.0 - fraction), ("high", 1.0 + fraction)):
            v = base * mult
            if name == "design_life_years":
                v = max(v, 1.0)
            if name == "utilization":
                v = min(v, 1.0)
            if name == "pue":
                v = max(v, 1.0)
            rows.append((name, case, v, evaluate(replace(x, **{name: v}))))
    return rows


def is_finite(v: float | None) -> bool:
    """True for a finite float (used to keep NaN out of tables)."""
    return v is not None and math.isfinite(v)
