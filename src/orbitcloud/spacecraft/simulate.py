"""The spacecraft of a fleet stepped through time: ``advance(state, drivers, params)``.

Per step, vectorised over satellites (a loop over the window's steps carries the state):

1. degradation of the array output (age and cover-glass dose up to the step);
2. seeded hard failures of accelerators (total dose and random, FIT);
3. compute power allowed by generation and battery (the depth-of-discharge floor applies to
   compute; the bus may empty the battery); in eclipse (sunlit < 0.5) the accelerators ask
   for their design load from the battery (``eclipse_compute`` ``battery``) or only their idle
   power (``off``: they serve nothing, so the delivered capacity is 0);
4. the two-node thermal model, implicit and sub-stepped, throttling the accelerators to their
   temperature limit;
5. the battery's charge or discharge (the energy balance closes every step:
   generated = compute + bus served + curtailed + losses + stored change);

and then, vectorised over the window: silent data corruptions, job restarts (SEFI), the work
lost to them paid back step by step from a restart debt, and the delivered compute capacity.

**Split-invariance.** ``advance(s, d[a:c])`` equals ``advance(advance(s, d[a:b]), d[b:c])`` bit
for bit: every quantity of a step depends on the state and that step's drivers only. Doses are
running sums from the start of the run carried in the state (a sum restarted at each window
would round differently), time is a step count, and the uniforms come in the drivers, one per
satellite, step and purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from orbitcloud.environment import radiation
from orbitcloud.spacecraft import battery, power, radiation_effects, thermal
from orbitcloud.spacecraft.design import FleetParams
from orbitcloud.spacecraft.drivers import EnvironmentRows

SECONDS_PER_YEAR = 365.25 * 86400.0
"""Julian year [s]."""

DOSE_TERM_THRESHOLD = 0.05
"""Fraction of an accelerator's dose tolerance from which the total-dose failure term is
evaluated: below it F < 1e-12 (log-normal, sigma <= 0.5), so only the random term (FIT) is."""


@dataclass(frozen=True, eq=False)
class StepParams:
    """Per-satellite parameters of :func:`advance`: the design and what follows from it."""

    fleet: FleetParams
    dt_s: float
    """time step [s]"""
    n_substeps: int
    """thermal sub-steps per step (so that none is longer than ``fleet.max_substep_s``)"""
    k_rad_w_k4: np.ndarray
    """(n_sat,) radiator emissivity x Stefan-Boltzmann x emitting area [W/K^4]"""
    checkpoint_interval_s: np.ndarray
    """(n_sat,) configured, or Young's optimum for the orbit-average restart rate [s]"""
    static_efficiency: np.ndarray
    """(n_sat,) ECC throughput x checkpoint efficiency x redundancy [-]"""
    dual: np.ndarray
    """(n_sat,) bool: dual redundancy (silent errors detected and rerun)"""
    triple: np.ndarray
    """(n_sat,) bool: triple redundancy (silent errors masked by majority vote)"""
    eclipse_off: bool = False
    """accelerators idle in eclipse (``eclipse_compute: off``) instead of running on battery"""

    @staticmethod
    def from_fleet(
        fleet: FleetParams,
        dt_s: float,
        proton_rate_rad_s: np.ndarray,
        eclipse_compute: str = "battery",
    ) -> StepParams:
        """Parameters for steps of ``dt_s`` [s]; ``proton_rate_rad_s`` (n_sat,) is the
        orbit-average proton dose rate behind the shield [rad/s] (for Young's interval);
        ``eclipse_compute`` ``battery`` (compute from the battery in eclipse) or ``off``."""
        if eclipse_compute not in ("battery", "off"):
            raise ValueError(f"eclipse_compute must be 'battery' or 'off', not {eclipse_compute!r}")
        p = fleet
        restart_rate = radiation_effects.proton_flux_cm2_s(proton_rate_rad_s) * (
            p.sefi_sigma_cm2 * p.n_acc
        )
        young = radiation_effects.young_checkpoint_interval_s(p.ckpt_cost_s, restart_rate)
        tau = np.where(p.ckpt_interval_s > 0, p.ckpt_interval_s, young)
        static_eff = (
            (1.0 - p.ecc_cost)
            * radiation_effects.checkpoint_efficiency(tau, p.ckpt_cost_s)
            * p.redundancy
        )
        sides = np.where(p.rad_two_sided, 2.0, 1.0)
        return StepParams(
            fleet=fleet, dt_s=float(dt_s),
            n_substeps=max(1, int(np.ceil(dt_s / float(np.min(p.max_substep_s, initial=dt_s))))),
            k_rad_w_k4=p.rad_eps * power.STEFAN_BOLTZMANN * p.rad_area_m2 * sides,
            checkpoint_interval_s=tau, static_efficiency=static_eff,
            dual=np.isclose(p.redundancy, 0.5), triple=p.redundancy < 0.4,
            eclipse_off=eclipse_compute == "off",
        )  # fmt: skip


@dataclass(frozen=True, eq=False)
class FleetState:
    """What carries over from one step to the next, all ``(n_sat,)`` arrays."""

    energy_j: np.ndarray
    """battery energy stored [J]"""
    t_acc_k: np.ndarray
    """accelerator node temperature [K]"""
    t_rad_k: np.ndarray
    """radiator node temperature [K]"""
    accelerators_ok: np.ndarray
    """int: accelerators alive"""
    dose_start_rad: np.ndarray
    """dose behind the shield at the start of the run [rad] (constant)"""
    dose_added_rad: np.ndarray
    """dose added since the start of the run, summed step by step [rad]"""
    cell_dose_start_rad: np.ndarray
    """cover-glass dose at the start of the run [rad] (constant)"""
    cell_dose_added_rad: np.ndarray
    """cover-glass dose added since the start of the run, summed step by step [rad]"""
    restart_debt_s: np.ndarray
    """work lost to restarts and reruns not yet paid back [s]"""
    prev_loss_w: np.ndarray
    """battery losses of the last step, heat in the bus this step [W]"""
    steps: int
    """steps done since the start of the run (elapsed time = steps x dt)"""

    @property
    def dose_rad(self) -> np.ndarray:
        """Accumulated dose behind the shield [rad]."""
        return self.dose_start_rad + self.dose_added_rad


def initial_state(
    params: StepParams, dose_rate_rad_s: np.ndarray, cell_dose_rate_rad_s: np.ndarray
) -> FleetState:
    """The state at the start of a run.

    Parameters
    ----------
    params : :class:`StepParams`
    dose_rate_rad_s, cell_dose_rate_rad_s : (n_sat,) orbit-average dose rates behind the
        shield and the cover glass [rad/s], for the dose of satellites already ``age_years``
        old (unless an initial dose is given)

    Returns
    -------
    :class:`FleetState`: battery at ``initial_soc``, both nodes at ``t_init``, all accelerators
    alive, no restart debt.
    """
    p = params.fleet
    n = len(p.n_acc)
    age_s = p.age_years * SECONDS_PER_YEAR
    return FleetState(
        energy_j=p.initial_soc * p.capacity_j, t_acc_k=p.t_init.copy(), t_rad_k=p.t_init.copy(),
        accelerators_ok=p.n_acc.copy(),
        dose_start_rad=np.where(p.initial_dose_rad > 0, p.initial_dose_rad,
                                dose_rate_rad_s * age_s),
        dose_added_rad=np.zeros(n), cell_dose_start_rad=cell_dose_rate_rad_s * age_s,
        cell_dose_added_rad=np.zeros(n), restart_debt_s=np.zeros(n), prev_loss_w=np.zeros(n),
        steps=0,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class FleetDrivers:
    """Per-step inputs of :func:`advance` for a window of steps: ``(n_t, n_sat)`` arrays.

    ``drivers[a:b]`` is the window of steps ``a .. b-1``.
    """

    valid: np.ndarray
    """bool: a valid state and spacecraft models (other rows draw nothing and compute nothing)"""
    sunlit: np.ndarray
    """visible fraction of the solar disk [0..1]"""
    irradiance_w_m2: np.ndarray
    """solar irradiance times sunlit [W/m^2]"""
    array_cosine: np.ndarray
    """cosine of the Sun on the array [-]"""
    gen_bol_w: np.ndarray
    """array output before degradation [W]"""
    radiator_env_w: np.ndarray
    """environment heat absorbed by the radiator [W]"""
    dose_rate_rad_s: np.ndarray
    """behind the shield [rad/s]"""
    cell_dose_rate_rad_s: np.ndarray
    """behind the cover glass [rad/s]"""
    proton_dose_rate_rad_s: np.ndarray
    """protons behind the shield [rad/s]"""
    u_fail: np.ndarray
    """uniforms [0, 1) for hard failures"""
    u_silent: np.ndarray
    """uniforms [0, 1) for silent data corruptions"""
    u_restart: np.ndarray
    """uniforms [0, 1) for job restarts"""

    @staticmethod
    def from_rows(
        rows: EnvironmentRows,
        valid: np.ndarray,
        u_fail: np.ndarray,
        u_silent: np.ndarray,
        u_restart: np.ndarray,
    ) -> FleetDrivers:
        return FleetDrivers(
            valid=valid, sunlit=rows.sunlit, irradiance_w_m2=rows.irradiance_w_m2,
            array_cosine=rows.array_cosine, gen_bol_w=rows.gen_bol_w,
            radiator_env_w=rows.radiator_env_w, dose_rate_rad_s=rows.dose_rate_rad_s,
            cell_dose_rate_rad_s=rows.cell_dose_rate_rad_s,
            proton_dose_rate_rad_s=rows.proton_dose_rate_rad_s,
            u_fail=u_fail, u_silent=u_silent, u_restart=u_restart,
        )  # fmt: skip

    @property
    def n_steps(self) -> int:
        return int(self.valid.shape[0])

    def __getitem__(self, steps: slice) -> FleetDrivers:
        return FleetDrivers(**{f.name: getattr(self, f.name)[steps] for f in fields(self)})


@dataclass(frozen=True, eq=False)
class FleetOutputs:
    """What :func:`advance` computed for each step of the window: ``(n_t, n_sat)`` arrays.

    Power is the step's mean [W]; temperatures and the state of charge are at its end.
    """

    gen_w: np.ndarray
    """array output after degradation [W]"""
    compute_w: np.ndarray
    """power to the accelerators [W]"""
    bus_unserved_w: np.ndarray
    """bus load the power system could not serve [W]"""
    curtailed_w: np.ndarray
    """generation neither used nor stored [W]"""
    loss_w: np.ndarray
    """battery charge and discharge losses [W]"""
    battery_soc: np.ndarray
    """state of charge [0..1]"""
    temp_k: np.ndarray
    """accelerator node [K]"""
    radiator_temp_k: np.ndarray
    """radiator node [K]"""
    dose_rad: np.ndarray
    """accumulated dose behind the shield [rad]"""
    accelerators_ok: np.ndarray
    """int16"""
    failed: np.ndarray
    """bool: every accelerator of a compute satellite dead"""
    power_throttled: np.ndarray
    """bool: compute got less power than it asked for"""
    thermal_throttled: np.ndarray
    """bool: compute throttled to hold the temperature limit"""
    capacity: np.ndarray
    """float32: delivered fraction of the satellite's peak compute [0..1]"""
    silent_errors: np.ndarray
    """int16: silent data corruptions that stayed silent (no redundancy)"""
    detected_errors: np.ndarray
    """int16: corruptions detected or masked by redundancy"""
    job_restarts: np.ndarray
    """int16"""


def advance(
    state: FleetState, drivers: FleetDrivers, params: StepParams
) -> tuple[FleetState, FleetOutputs]:
    """Step every satellite through a window of steps.

    Parameters
    ----------
    state : the state at the start of the window
    drivers : the window's per-step inputs (see :class:`FleetDrivers`)
    params : see :class:`StepParams`

    Returns
    -------
    (the state at the end of the window, the window's :class:`FleetOutputs`)

    References
    ----------
    Battery: :mod:`orbitcloud.spacecraft.battery` (Patel 2004); thermal:
    :func:`orbitcloud.spacecraft.thermal.implicit_step` (backward Euler, Gilmore 2002);
    failures: :func:`orbitcloud.spacecraft.radiation_effects.step_failure_probability` (JESD85);
    single events: :func:`~orbitcloud.spacecraft.radiation_effects.silent_error_rate_per_s`
    (Petersen 2011), checkpoints: Young (1974); solar-cell damage:
    :func:`orbitcloud.environment.radiation.solar_cell_remaining_factor`.
    """
    p, dt = params.fleet, params.dt_s
    d = drivers
    n_t = d.n_steps
    dose_added = _running_sum(state.dose_added_rad, d.dose_rate_rad_s * dt)
    dose = state.dose_start_rad + dose_added  # end of each step
    dose_prev = state.dose_start_rad + np.concatenate(
        [state.dose_added_rad[None], dose_added[:-1]], axis=0
    )
    # degradation per step: age and the cover-glass dose up to the step
    cell_added = _running_sum(state.cell_dose_added_rad, d.cell_dose_rate_rad_s * dt)
    cell_dose = state.cell_dose_start_rad + cell_added - d.cell_dose_rate_rad_s * dt
    age_y = p.age_years + ((state.steps + np.arange(n_t)) * dt)[:, None] / SECONDS_PER_YEAR
    degr = np.exp(age_y * np.log1p(-p.array_deg_per_year))
    degr *= radiation.solar_cell_remaining_factor(cell_dose)
    gen = d.gen_bol_w * degr
    loop = _step_loop(state, d, gen, dose_prev, dose, params)
    flux = radiation_effects.proton_flux_cm2_s(d.proton_dose_rate_rad_s)
    ev = _single_events(loop, d, flux, dose, state.restart_debt_s, params)
    has_acc = p.n_acc > 0
    masked = params.dual | params.triple
    out = FleetOutputs(
        gen_w=gen, compute_w=loop.compute_w, bus_unserved_w=loop.bus_unserved_w,
        curtailed_w=loop.curtailed_w, loss_w=loop.loss_w, battery_soc=loop.battery_soc,
        temp_k=loop.temp_k, radiator_temp_k=loop.radiator_temp_k, dose_rad=dose,
        accelerators_ok=loop.accelerators_ok, failed=has_acc & (loop.accelerators_ok == 0),
        power_throttled=loop.power_throttled & has_acc, thermal_throttled=loop.thermal_throttled,
        capacity=ev.capacity, silent_errors=np.where(masked, 0, ev.silent).astype(np.int16),
        detected_errors=np.where(masked, ev.silent, 0).astype(np.int16),
        job_restarts=ev.restarts,
    )  # fmt: skip
    new = replace(
        state, energy_j=loop.energy_j, t_acc_k=loop.t1, t_rad_k=loop.t2,
        accelerators_ok=loop.n_ok, prev_loss_w=loop.prev_loss, restart_debt_s=ev.debt,
        dose_added_rad=dose_added[-1].copy(), cell_dose_added_rad=cell_added[-1].copy(),
        steps=state.steps + n_t,
    ) if n_t else state  # fmt: skip
    return new, out


def _running_sum(start: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``start + x[0]``, ``+ x[1]``, ... added one row at a time (``np.cumsum`` along time is a
    sequential sum, so any split of ``x`` gives the same bits)."""
    if len(x) == 0:
        return x.copy()
    s = np.array(x, dtype=float)
    s[0] += start
    return np.cumsum(s, axis=0)


@dataclass(frozen=True, eq=False)
class _Loop:
    """Results of :func:`_step_loop`: per step ``(n_t, n)`` and the final ``(n,)`` state."""

    compute_w: np.ndarray
    loss_w: np.ndarray
    bus_unserved_w: np.ndarray
    curtailed_w: np.ndarray
    battery_soc: np.ndarray
    temp_k: np.ndarray
    radiator_temp_k: np.ndarray
    accelerators_ok: np.ndarray
    power_throttled: np.ndarray
    thermal_throttled: np.ndarray
    n_ok: np.ndarray
    energy_j: np.ndarray
    t1: np.ndarray
    t2: np.ndarray
    prev_loss: np.ndarray


def _failure_model(
    dose_prev: np.ndarray, dose: np.ndarray, params: StepParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per step: whether the dose term is on (n_t,), ln(survival) per accelerator (n_t, n; rows
    where it is on) and the random-only failure probability per accelerator (n,)."""
    p, dt = params.fleet, params.dt_s
    # the dose term only matters near the tolerance (F < 1e-12 below 5 % of it): it is on from
    # the first step at which any satellite's dose passes that; before, random failures only,
    # p per step ~1e-9, so n p is exact to O(p^2)
    on = np.any(dose > DOSE_TERM_THRESHOLD * p.tid_tol_krad * 1000.0, axis=1)
    log_surv = np.empty(dose.shape)  # rows where the term is off are never read
    if on.any():
        p_fail = radiation_effects.step_failure_probability(
            dose_prev[on], dose[on], p.tid_tol_krad, p.tid_sigma, p.fit, dt
        )
        log_surv[on] = np.log1p(-np.minimum(p_fail, 1.0 - 1e-16))
    return on, log_surv, -np.expm1(-p.fit / 3.6e12 * dt)


def _step_loop(
    state: FleetState,
    d: FleetDrivers,
    gen: np.ndarray,
    dose_prev: np.ndarray,
    dose: np.ndarray,
    params: StepParams,
) -> _Loop:
    """Failures, power, thermal and battery, step by step (the state-carrying part)."""
    p, dt, n_sub = params.fleet, params.dt_s, params.n_substeps
    valid = d.valid
    n_t, n = valid.shape
    shape = (n_t, n)
    res = {name: np.empty(shape) for name in (
        "compute_w", "loss_w", "bus_unserved_w", "curtailed_w", "battery_soc", "temp_k",
        "radiator_temp_k")}  # fmt: skip
    n_ok_all = np.empty(shape, np.int16)
    p_thr = np.zeros(shape, bool)
    t_thr = np.zeros(shape, bool)
    demand_dev = p.idle_w + p.utilization * (p.tdp_w - p.idle_w)
    any_acc = bool((p.n_acc > 0).any())
    dose_on, log_surv, p_fail = _failure_model(dose_prev, dose, params)
    k_rad, sub_dt = params.k_rad_w_k4, dt / n_sub
    bus_all = p.bus_w * valid
    n_ok, energy, t1, t2 = state.accelerators_ok, state.energy_j, state.t_acc_k, state.t_rad_k
    prev_loss = state.prev_loss_w
    for k in range(n_t):
        ok = valid[k]
        if any_acc:
            p_any = -np.expm1(n_ok * log_surv[k]) if dose_on[k] else n_ok * p_fail
            dead = (d.u_fail[k] < p_any) & ok & (n_ok > 0)
            if dead.any():
                n_ok = n_ok - dead
            dev = (np.where(d.sunlit[k] < 0.5, p.idle_w, demand_dev) if params.eclipse_off
                   else demand_dev)  # fmt: skip
            demand = n_ok * dev * ok
        else:
            demand = np.zeros(n)
        gen_k, bus_k = gen[k], bus_all[k]
        avail = battery.compute_power_available_w(gen_k, bus_k, energy, p.capacity_j,
                                                  p.max_dod, p.eta_d, p.max_rate_w, dt)  # fmt: skip
        p_pow = np.minimum(demand, avail)
        # thermal: implicit, sub-stepped; throttle to the limit
        p_rad = bus_k + prev_loss + d.radiator_env_w[k]
        p_cur = p_pow
        p_sum = np.zeros(n) if n_sub > 1 else None
        for _ in range(n_sub):
            t1n, t2n = thermal.implicit_step(t1, t2, p_cur, p_rad, p.c1, p.c2, p.g, k_rad, sub_dt)
            hot = (t1n > p.t_limit) & (p_cur > 0)
            if hot.any():
                allowed = thermal.throttled_accelerator_power_w(t1, t2, p.t_limit, p_rad, p.c1,
                                                                p.c2, p.g, k_rad, sub_dt)  # fmt: skip
                p_cur = np.where(hot, np.clip(allowed, 0.0, p_cur), p_cur)
                t1n, t2n = thermal.implicit_step(
                    t1, t2, p_cur, p_rad, p.c1, p.c2, p.g, k_rad, sub_dt
                )
                t_thr[k] |= hot
            t1, t2 = t1n, t2n
            if p_sum is not None:
                p_sum += p_cur
        p_acc = p_cur if p_sum is None else p_sum / n_sub
        bs = battery.battery_step(gen_k, bus_k, p_acc, energy, p.capacity_j, p.eta_c,
                                  p.eta_d, p.max_rate_w, dt)  # fmt: skip
        energy, prev_loss = bs.energy_j, bs.loss_w
        res["compute_w"][k] = p_acc
        res["loss_w"][k] = prev_loss
        n_ok_all[k] = n_ok
        res["battery_soc"][k] = energy / p.capacity_j
        res["temp_k"][k] = t1
        res["radiator_temp_k"][k] = t2
        res["bus_unserved_w"][k] = bus_k - bs.bus_served_w
        res["curtailed_w"][k] = bs.curtailed_w
        p_thr[k] = p_pow < demand * (1.0 - 1e-9)
    return _Loop(
        accelerators_ok=n_ok_all, power_throttled=p_thr, thermal_throttled=t_thr, n_ok=n_ok,
        energy_j=energy, t1=t1, t2=t2, prev_loss=prev_loss, **res,
    )  # fmt: skip


@dataclass(frozen=True, eq=False)
class _Events:
    capacity: np.ndarray
    silent: np.ndarray
    restarts: np.ndarray
    debt: np.ndarray


def _single_events(
    loop: _Loop,
    d: FleetDrivers,
    flux: np.ndarray,
    dose: np.ndarray,
    debt0: np.ndarray,
    params: StepParams,
) -> _Events:
    """Delivered compute, silent errors and job restarts (with their restart debt), vectorised
    over the window, on the satellites that carry accelerators only."""
    p, dt = params.fleet, params.dt_s
    shape = d.valid.shape
    n_t = shape[0]
    cap_all = np.zeros(shape, np.float32)
    n_sdc_all = np.zeros(shape, np.int16)
    n_rs_all = np.zeros(shape, np.int16)
    debt_all = debt0.copy()
    ca = np.nonzero(p.n_acc > 0)[0]
    if ca.size == 0:
        return _Events(cap_all, n_sdc_all, n_rs_all, debt_all)
    sub = {name: getattr(p, name)[ca] for name in (
        "utilization", "perf_exp", "mem_sigma_cm2", "irr_krad", "irr_factor", "ecc",
        "ecc_escape", "avf", "sefi_sigma_cm2", "restart_s", "n_acc", "idle_w", "tdp_w")}  # fmt: skip
    n_okf = loop.accelerators_ok[:, ca].astype(float)
    idle_c = sub["idle_w"]
    dem_c = idle_c + sub["utilization"] * (sub["tdp_w"] - idle_c)
    per_dev = loop.compute_w[:, ca] / np.maximum(n_okf, 1.0)
    share = np.clip((per_dev - idle_c) / np.maximum(dem_c - idle_c, 1e-12), 0.0, 1.0)
    part = (share > 0.0) & (share < 1.0)  # usually none: full power or off
    perf = (share >= 1.0).astype(float)
    if part.any():
        perf[part] = share[part] ** np.broadcast_to(sub["perf_exp"], share.shape)[part]
    perf *= sub["utilization"]
    active = (n_okf > 0) & d.valid[:, ca] & (perf > 0)
    flux_c = flux[:, ca]
    sdc_rate = radiation_effects.silent_error_rate_per_s(
        flux_c, sub["mem_sigma_cm2"], dose[:, ca], sub["irr_krad"], sub["irr_factor"],
        True, np.where(sub["ecc"], sub["ecc_escape"], 1.0), sub["avf"],
    )  # fmt: skip
    n_sdc = radiation_effects.poisson_counts(
        d.u_silent[:, ca], np.where(active, sdc_rate * n_okf * dt, 0.0)
    )
    lam_rs = np.where(active, flux_c * sub["sefi_sigma_cm2"] * n_okf * dt, 0.0)
    n_rs = radiation_effects.poisson_counts(d.u_restart[:, ca], lam_rs)
    # dual redundancy detects silent errors (rerun from the last checkpoint); triple masks
    # them (majority vote); without redundancy they stay silent
    tau = params.checkpoint_interval_s[ca]
    add = n_rs * (0.5 * tau + sub["restart_s"]) + np.where(params.dual[ca], n_sdc, 0) * (0.5 * tau)
    pay = np.zeros(add.shape)
    if debt0[ca].any() or add.any():
        debt = debt0[ca]
        for k in range(n_t):  # lost work is paid back step by step
            debt = debt + add[k]
            pay[k] = np.minimum(debt, dt)
            debt = debt - pay[k]
        debt_all[ca] = debt
    cap = perf * (n_okf / sub["n_acc"]) * params.static_efficiency[ca] * (1.0 - pay / dt)
    cap_all[:, ca] = np.where(active, cap, 0.0)
    n_sdc_all[:, ca] = n_sdc
    n_rs_all[:, ca] = n_rs
    return _Events(cap_all, n_sdc_all, n_rs_all, debt_all)
