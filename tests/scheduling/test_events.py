"""Events: seeded satellite failures and storm faults (split-invariant, exact counts, rates),
ISL failures by hash, outage periods and ground endpoints down."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scheduling import events as ev

DT = 60.0
T0 = 1.75e9


def faults(seed: int, n_t: int, events: ev.FaultEvents, n_sat: int = 50, cut: int | None = None):
    """Run the fault draws over n_t steps, in one call or split at ``cut``."""
    rf, rs = np.random.default_rng([seed, 1]), np.random.default_rng([seed, 2])
    unix = T0 + DT * np.arange(n_t)
    valid = np.ones((n_t, n_sat), bool)
    valid[:, ::7] = False
    acc = np.arange(n_sat) % 3 != 0
    f0 = np.zeros(n_sat, bool)
    if cut is None:
        return ev.advance_satellite_faults(f0, unix, valid, acc, events, DT, rf, rs)
    f1, p1, s1 = ev.advance_satellite_faults(f0, unix[:cut], valid[:cut], acc, events, DT, rf, rs)
    f2, p2, s2 = ev.advance_satellite_faults(f1, unix[cut:], valid[cut:], acc, events, DT, rf, rs)
    return f2, np.vstack([p1, p2]), np.vstack([s1, s2])


EVENTS = ev.FaultEvents(
    counts=[(5, T0 + 10 * DT), (3, T0 + 10.5 * DT)],
    rates=[(50.0, T0, T0 + 30 * DT)],
    storms=[(2e5, T0 + 5 * DT, T0 + 25 * DT)],
)


@given(st.integers(0, 2**31), st.integers(1, 39))
@settings(max_examples=30, deadline=None)
def test_faults_are_split_invariant(seed, cut):
    whole = faults(seed, 40, EVENTS)
    split = faults(seed, 40, EVENTS, cut=cut)
    for a, b in zip(whole, split, strict=True):
        np.testing.assert_array_equal(a, b)


def test_count_events_fail_exactly_that_many_and_failures_are_permanent():
    only_counts = ev.FaultEvents(counts=EVENTS.counts, rates=[], storms=[])
    failed, per_step, storm = faults(3, 20, only_counts)
    assert per_step[:10].sum() == 0
    # an event fails its satellites at the first step at or after its start
    assert per_step[10].sum() == 5
    assert per_step[11].sum() == 5 + 3
    assert failed.sum() == 8
    assert (np.diff(per_step.astype(int), axis=0) >= 0).all()  # never repaired
    assert not storm.any()


def test_failure_rate_matches_the_poisson_probability():
    n_sat, n_t, rate = 20_000, 10, 500.0
    events = ev.FaultEvents(counts=[], rates=[(rate, T0, T0 + 1e9)], storms=[])
    failed, _, _ = faults(5, n_t, events, n_sat=n_sat)
    valid_share = 1 - len(range(0, n_sat, 7)) / n_sat  # invalid satellites never fail
    p = 1 - np.exp(-rate * DT * n_t / ev.SECONDS_PER_YEAR)
    want = n_sat * valid_share * p
    assert abs(failed.sum() - want) < 5 * np.sqrt(want)  # 5 sigma of the binomial


def test_storm_faults_only_inside_the_window_and_on_accelerators():
    _, _, storm = faults(9, 40, ev.FaultEvents(counts=[], rates=[], storms=EVENTS.storms))
    assert storm[:5].sum() == 0
    assert storm[25:].sum() == 0
    assert storm[5:25].sum() > 0
    assert not storm[:, np.arange(50) % 3 == 0].any()
    assert not storm[:, ::7].any()


def test_isl_failures_are_a_fixed_hash_of_the_link():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 500, 20_000)
    b = rng.integers(0, 500, 20_000)
    salt = ev.isl_failure_salt(np.random.default_rng(42))
    up = ev.isl_up(a, b, 500, [salt], [0.1])
    np.testing.assert_array_equal(up, ev.isl_up(b, a, 500, [salt], [0.1]))  # either direction
    assert abs((~up).mean() - 0.1) < 0.01
    # a link's fate does not depend on the other links given
    np.testing.assert_array_equal(up[::3], ev.isl_up(a[::3], b[::3], 500, [salt], [0.1]))
    assert ev.isl_up(a, b, 500, [], []).all()


def test_isl_failure_periods_redraw_every_period():
    failures = [(T0, T0 + 7200.0, 3600.0), (T0 + 1e6, T0 + 2e6, 60.0)]
    assert ev.isl_failure_periods(failures, T0 - 1) == []
    assert ev.isl_failure_periods(failures, T0 + 10) == [(0, 0)]
    assert ev.isl_failure_periods(failures, T0 + 3700) == [(0, 1)]
    assert ev.isl_failure_periods(failures, T0 + 7200) == []


def test_outage_periods_and_ground_up():
    windows = [(100.0, 200.0)]
    assert [ev.outage_period(windows, t) for t in (50, 100, 199, 200)] == [0, 1, 1, 2]
    assert ev.outage_period([], 150) == 0
    assert ev.active([(0.0, 10.0), (5.0, 6.0)], 5.5) == [0, 1]
    gw = ev.gateway_failure_mask(5, [1], np.array([1, 3, 4]), None, np.random.default_rng(0))
    assert gw.tolist() == [False, True, False, False, False]
    picked = ev.gateway_failure_mask(5, [], np.array([1, 3, 4]), 2, np.random.default_rng(0))
    assert picked.sum() == 2
    assert not picked[[0, 2]].any()
    outage = np.array([[False, False, False, False, True]])
    up = ev.ground_up(5, 150.0, [(gw, 100.0, 200.0)], outage)
    assert up.tolist() == [True, False, True, True, False]
    assert ev.ground_up(5, 250.0, [(gw, 100.0, 200.0)]).all()
