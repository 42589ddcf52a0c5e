"""``advance(state, drivers, params)`` on synthetic drivers: energy balance, bounds, throttling,
and split-invariance (any time split of the drivers gives the same bits)."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scenario.spacecraft import SpacecraftSpec
from orbitcloud.spacecraft.design import FleetParams
from orbitcloud.spacecraft.simulate import (
    FleetDrivers,
    FleetOutputs,
    FleetState,
    StepParams,
    advance,
    initial_state,
)
from orbitcloud.spacecraft.totals import SUMS, FleetTotals, satellite_summary

ENERGY_RTOL = 1e-9  # the battery step closes its balance exactly; only rounding remains
LIMIT_TOL_K = 1e-6  # Newton's method on the radiator node converges to 1e-10 relative

TPU_ACCELERATOR = {
    "peak_tflops": {"bf16": 900.0}, "hbm_gb": 32.0, "hbm_tb_s": 1.6, "tdp_w": 300.0,
    "idle_w": 50.0, "random_failure_fit": 5e7, "tid_tolerance_krad": 6.0,
}  # fmt: skip
"""A fragile custom accelerator: random failures every few hours, a low dose tolerance."""

DESIGNS = [
    {"preset": "suncatcher-tpu"},
    # radiator far too small: thermal throttling; dual redundancy
    {"preset": "suncatcher-tpu", "radiator": {"area_m2": 0.4},
     "mitigation": {"redundancy": "dual"}},
    # tiny battery and array: power throttling, unserved bus, curtailment at the top of charge
    {"preset": "starcloud-h100", "battery": {"capacity_wh": 40.0},
     "solar_array": {"area_m2": 1.0}},
    # fragile accelerators near their dose tolerance: failures with the dose term on; triple
    {"preset": "suncatcher-tpu", "initial_dose_rad": 5500.0,
     "compute": {"accelerator": TPU_ACCELERATOR, "count": 4},
     "mitigation": {"redundancy": "triple", "ecc": False}},
    # the dose term switches on during the run (5 % of the tolerance is 300 rad)
    {"preset": "suncatcher-tpu", "initial_dose_rad": 299.5,
     "compute": {"accelerator": TPU_ACCELERATOR, "count": 2}},
    # no accelerators; thermal sub-steps
    {"preset": "starlink-class", "thermal": {"max_substep_s": 25.0}},
    # aged, fixed checkpoint interval
    {"preset": "starcloud-h100", "age_years": 3.0, "mitigation": {"checkpoint_interval_s": 300}},
]  # fmt: skip


def _params(dt_s: float = 60.0, per_design: int = 2) -> StepParams:
    designs = [SpacecraftSpec.model_validate(d).resolve() for d in DESIGNS]
    shell = np.repeat(np.arange(len(designs)), per_design)
    fleet = FleetParams.from_designs(designs, shell)
    return StepParams.from_fleet(fleet, dt_s, np.full(len(shell), 2e-7))


def _drivers(params: StepParams, n_t: int, seed: int) -> FleetDrivers:
    """An orbit-like day: sunlight with eclipses, SAA-like dose spikes, random invalid rows."""
    rng = np.random.default_rng(seed)
    p = params.fleet
    n = len(p.n_acc)
    t = (np.arange(n_t)[:, None] * params.dt_s + rng.uniform(0, 5700, n)) / 5700.0
    sunlit = np.clip((np.cos(2 * np.pi * t) + 0.35) * 8.0, 0.0, 1.0)
    valid = rng.random((n_t, n)) > 0.05
    sunlit = np.where(valid, sunlit, 0.0)
    irr = 1361.0 * sunlit
    cosf = np.where(valid, rng.uniform(0.8, 1.0, (n_t, n)), 0.0)
    gen_bol = irr * cosf * p.array_area_m2 * p.packing * 0.28
    q_env = np.where(valid, rng.uniform(50.0, 1500.0, (n_t, n)), 0.0)
    spike = rng.random((n_t, n)) < 0.1
    rate = np.where(valid, np.where(spike, 2e-3, 2e-6) * rng.uniform(0.5, 1.5, (n_t, n)), 0.0)
    return FleetDrivers(
        valid=valid, sunlit=sunlit, irradiance_w_m2=irr, array_cosine=cosf, gen_bol_w=gen_bol,
        radiator_env_w=q_env, dose_rate_rad_s=rate, cell_dose_rate_rad_s=3.0 * rate,
        proton_dose_rate_rad_s=0.6 * rate, u_fail=rng.random((n_t, n)),
        u_silent=rng.random((n_t, n)), u_restart=rng.random((n_t, n)),
    )  # fmt: skip


def _start(params: StepParams) -> FleetState:
    n = len(params.fleet.n_acc)
    return initial_state(params, np.full(n, 3e-6), np.full(n, 9e-6))


def _bits(x: np.ndarray) -> tuple[str, tuple[int, ...], bytes]:
    x = np.ascontiguousarray(x)
    return x.dtype.str, x.shape, x.tobytes()


def _assert_same_state(a: FleetState, b: FleetState) -> None:
    for f in fields(FleetState):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if isinstance(va, np.ndarray):
            assert _bits(va) == _bits(vb), f.name
        else:
            assert va == vb, f.name


def _assert_same_outputs(a: FleetOutputs, parts: list[FleetOutputs]) -> None:
    for f in fields(FleetOutputs):
        joined = np.concatenate([getattr(o, f.name) for o in parts], axis=0)
        assert _bits(getattr(a, f.name)) == _bits(joined), f.name


@pytest.fixture(scope="module")
def run() -> tuple[StepParams, FleetDrivers, FleetState, FleetState, FleetOutputs]:
    params = _params()
    d = _drivers(params, 720, seed=7)
    s0 = _start(params)
    s1, out = advance(s0, d, params)
    return params, d, s0, s1, out


def test_the_synthetic_drivers_exercise_every_path(run):
    """The fixture must actually throttle, fail, err and restart, or the tests below are weak."""
    params, _, s0, s1, out = run
    assert out.thermal_throttled.any()
    assert out.power_throttled.any()
    assert (out.bus_unserved_w > 0).any()
    assert (out.curtailed_w > 0).any()
    assert (s1.accelerators_ok < s0.accelerators_ok).any()
    assert out.job_restarts.any()
    assert out.silent_errors.any()
    assert out.detected_errors.any()
    on = out.dose_rad > 0.05 * params.fleet.tid_tol_krad * 1000.0  # the dose term of failures
    assert (on[-1] & ~on[0]).any()


def test_energy_balance_closes_per_satellite(run):
    """generated = compute + bus served + curtailed + losses + stored change."""
    params, d, s0, s1, out = run
    p, dt = params.fleet, params.dt_s
    bus_served = p.bus_w * d.valid - out.bus_unserved_w
    lhs = out.gen_w.sum(0) * dt
    terms = (out.compute_w + bus_served + out.curtailed_w + out.loss_w).sum(0) * dt
    rhs = terms + (s1.energy_j - s0.energy_j)
    scale = np.maximum(lhs, terms)
    np.testing.assert_array_less(np.abs(lhs - rhs), ENERGY_RTOL * scale)


def test_bounds(run):
    params, d, s0, _s1, out = run
    p = params.fleet
    assert np.all((out.battery_soc >= 0.0) & (out.battery_soc <= 1.0))
    assert np.all(np.isfinite(out.temp_k))
    assert np.all(np.isfinite(out.radiator_temp_k))
    assert np.all(out.temp_k > 0)
    assert np.all(out.radiator_temp_k > 0)
    assert np.all((out.capacity >= 0.0) & (out.capacity <= 1.0))
    assert np.all(out.compute_w >= 0)
    assert np.all(out.curtailed_w >= 0)
    assert np.all(out.bus_unserved_w >= -1e-9)
    assert np.all(out.loss_w >= 0)
    # health only goes down, dose only up
    ok = out.accelerators_ok
    assert np.all(np.diff(ok, axis=0) <= 0)
    assert np.all(ok[0] <= p.n_acc)
    assert np.all(np.diff(out.dose_rad, axis=0) >= 0)
    assert np.all(out.dose_rad[0] >= s0.dose_rad)
    assert np.array_equal(out.failed, (p.n_acc > 0) & (ok == 0))
    # no work where there is no state
    assert not out.capacity[~d.valid].any()
    assert not out.compute_w[~d.valid].any()


def test_throttling_holds_the_temperature_limit(run):
    """With one thermal sub-step, an accelerator that computes ends the step at or below its
    limit (throttled exactly to it when the full load would overheat it)."""
    params, _, _, _, _out = run
    assert params.n_substeps > 1  # the fleet has a design with short sub-steps
    designs = [SpacecraftSpec.model_validate(d).resolve() for d in DESIGNS[:5]]
    fleet = FleetParams.from_designs(designs, np.repeat(np.arange(5), 2))
    one = StepParams.from_fleet(fleet, 60.0, np.full(10, 2e-7))
    assert one.n_substeps == 1
    _, o = advance(_start(one), _drivers(one, 720, seed=11), one)
    assert o.thermal_throttled.any()
    limit = np.broadcast_to(one.fleet.t_limit, o.temp_k.shape)
    computing = o.compute_w > 0
    assert np.all(o.temp_k[computing] <= limit[computing] + LIMIT_TOL_K)
    hot = o.thermal_throttled & computing
    np.testing.assert_allclose(o.temp_k[hot], limit[hot], atol=LIMIT_TOL_K)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    n_t=st.integers(1, 90),
    cut=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_split_invariance(seed, n_t, cut):
    """advance(s, d[a:c]) == advance(advance(s, d[a:b]), d[b:c]), bit for bit, for any split
    (empty windows included)."""
    params = _params()
    d = _drivers(params, n_t, seed)
    a = int(cut[0] * n_t)
    b = a + int(cut[1] * (n_t - a))
    s0 = _start(params)
    s_a, _ = advance(s0, d[:a], params)
    s_c, whole = advance(s_a, d[a:], params)
    s_b, first = advance(s_a, d[a:b], params)
    s_c2, second = advance(s_b, d[b:], params)
    _assert_same_state(s_c, s_c2)
    _assert_same_outputs(whole, [first, second])


def test_split_invariance_every_step(run):
    """One step at a time, the whole day: the same bits as one window."""
    params, d, s0, _s1, _out = run
    n_t = 120
    s, parts = s0, []
    for k in range(n_t):
        s, o = advance(s, d[k : k + 1], params)
        parts.append(o)
    s_all, whole = advance(s0, d[:n_t], params)
    _assert_same_state(s_all, s)
    _assert_same_outputs(whole, parts)


def test_empty_window_changes_nothing(run):
    params, d, s0, _, _ = run
    s, o = advance(s0, d[3:3], params)
    _assert_same_state(s, s0)
    assert o.capacity.shape == (0, len(params.fleet.n_acc))


def test_advance_does_not_change_its_inputs(run):
    params, d, s0, _, _ = run
    before = [_bits(getattr(s0, f.name)) for f in fields(s0) if f.name != "steps"]
    drv = [_bits(getattr(d, f.name)) for f in fields(d)]
    advance(s0, d[:50], params)
    assert before == [_bits(getattr(s0, f.name)) for f in fields(s0) if f.name != "steps"]
    assert drv == [_bits(getattr(d, f.name)) for f in fields(d)]


def test_initial_state_of_an_aged_satellite():
    params = _params()
    s = _start(params)
    p = params.fleet
    aged = p.age_years > 0
    assert aged.any()
    np.testing.assert_allclose(s.dose_rad[aged], 3e-6 * p.age_years[aged] * 365.25 * 86400)
    given_dose = p.initial_dose_rad > 0
    np.testing.assert_array_equal(s.dose_rad[given_dose], p.initial_dose_rad[given_dose])
    np.testing.assert_array_equal(s.energy_j, p.initial_soc * p.capacity_j)
    assert s.steps == 0
    assert not s.restart_debt_s.any()


# --- run totals and the per-satellite summary ----------------------------------------------


def _totals(params, d, out, windows):
    n_t, n = d.valid.shape
    rng = np.random.default_rng(0)
    saa = rng.random((n_t, n)) < 0.1
    rho = np.where(d.valid, rng.uniform(1e-13, 1e-12, (n_t, n)), np.nan)
    tot = FleetTotals.zeros(n)
    for a, b in windows:
        o = FleetOutputs(**{f.name: getattr(out, f.name)[a:b] for f in fields(FleetOutputs)})
        tot = tot.add(d[a:b], o, saa[a:b], rho[a:b], params.fleet.n_acc > 0, params.dt_s)
    return tot


def test_totals_do_not_depend_on_the_windows_beyond_rounding(run):
    params, d, _, _, out = run
    one = _totals(params, d, out, [(0, 720)])
    many = _totals(params, d, out, [(0, 7), (7, 300), (300, 301), (301, 720)])
    for k in SUMS:
        np.testing.assert_allclose(many[k], one[k], rtol=1e-12, atol=0, err_msg=k)
    assert np.array_equal(many.temp_max_k, one.temp_max_k)
    assert np.array_equal(many.soc_min, one.soc_min)
    assert np.array_equal(one["valid_steps"], d.valid.sum(0))


def test_satellite_summary(run):
    params, d, s0, s1, out = run
    p = params.fleet
    tot = _totals(params, d, out, [(0, 720)])
    s = satellite_summary(tot, s1.dose_rad, p.n_acc, s1.accelerators_ok, s0.dose_rad,
                          np.full(len(p.n_acc), 3e-6), params.checkpoint_interval_s, 0.2,
                          params.dt_s)  # fmt: skip
    for name in ("mean_capacity", "throttled_fraction", "thermal_throttled_fraction",
                 "saa_fraction", "battery_soc_min"):  # fmt: skip
        x = getattr(s, name)
        assert np.all((x >= 0) & (x <= 1)), name
    v = d.valid
    for i in range(len(p.n_acc)):
        assert s.mean_capacity[i] == pytest.approx(out.capacity[v[:, i], i].astype(float).mean())
        assert s.temp_max_k[i] == np.float32(out.temp_k[v[:, i], i].max())
        assert s.orbit_average_power_w[i] == pytest.approx(out.gen_w[:, i].sum() / v[:, i].sum())
    dose_run = s1.dose_rad - s0.dose_rad
    np.testing.assert_allclose(s.dose_rad_per_year, dose_run / (v.sum(0) * 60.0) * 365.25 * 86400)
    assert np.array_equal(s.accelerators_failed, p.n_acc - s1.accelerators_ok)
    assert np.array_equal(s.silent_errors, out.silent_errors.sum(0))


def _eclipse_run(mode: str):
    designs = [SpacecraftSpec.model_validate({"preset": "starcloud-h100"}).resolve()]
    shell = np.zeros(4, dtype=np.int64)
    fleet = FleetParams.from_designs(designs, shell)
    params = StepParams.from_fleet(fleet, 60.0, np.full(4, 2e-7), mode)
    d = _drivers(params, 200, seed=3)
    state = initial_state(params, np.zeros(4), np.zeros(4))
    return params, d, advance(state, d, params)[1]


def test_eclipse_compute_off_idles_and_battery_serves():
    """``off``: in eclipse the accelerators draw only their idle power (hand: alive x idle_w)
    and deliver nothing; ``battery``: they deliver compute in eclipse and the battery ends
    lower than with ``off``."""
    p_off, d, off = _eclipse_run("off")
    _, _, bat = _eclipse_run("battery")
    dark = d.valid & (d.sunlit < 0.5)
    assert dark.any()
    idle_w = p_off.fleet.idle_w[None, :] * off.accelerators_ok
    np.testing.assert_allclose(off.compute_w[dark], idle_w[dark], rtol=1e-12)
    assert (off.capacity[dark] == 0).all()
    assert (bat.capacity[dark] > 0).any()
    ok = d.valid
    assert bat.battery_soc[ok].mean() < off.battery_soc[ok].mean()
    assert bat.battery_soc[ok].min() < off.battery_soc[ok].min()


def test_eclipse_compute_rejects_other_values():
    designs = [SpacecraftSpec.model_validate({"preset": "starcloud-h100"}).resolve()]
    fleet = FleetParams.from_designs(designs, np.zeros(1, dtype=np.int64))
    with pytest.raises(ValueError, match="eclipse_compute must be 'battery' or 'off', not 'on'"):
        StepParams.from_fleet(fleet, 60.0, np.full(1, 2e-7), "on")
