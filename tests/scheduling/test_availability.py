"""Usable satellites and compute lost by cause: bounds, and the causes' shares of the peak."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scheduling import availability as av

N_ACC = 8


def state(seed: int, n_t: int = 30, n_sat: int = 40, dead_acc: bool = True) -> dict:
    """Random but self-consistent spacecraft state (capacity = working share x throttling)."""
    rng = np.random.default_rng(seed)
    valid = rng.random((n_t, n_sat)) > 0.05
    has_acc = np.arange(n_sat) % 5 != 0
    acc_ok = np.full((n_t, n_sat), N_ACC)
    if dead_acc:
        acc_ok = np.where(
            rng.random((n_t, n_sat)) > 0.8, rng.integers(0, N_ACC, (n_t, n_sat)), N_ACC
        )
    acc_ok = np.where(has_acc[None, :], acc_ok, 0)
    failed = acc_ok == 0
    throttled = rng.random((n_t, n_sat)) > 0.8
    cap = acc_ok / N_ACC * np.where(throttled, rng.uniform(0.2, 1.0, (n_t, n_sat)), 1.0)
    lit = av.lit_ok(rng.random((n_t, n_sat)), False)
    event_failed = np.cumsum(rng.random((n_t, n_sat)) > 0.99, axis=0) > 0
    storm = (rng.random((n_t, n_sat)) > 0.95) & has_acc[None, :] & valid
    healthy, usable = av.usable_satellites(valid, failed, event_failed, has_acc, cap, lit, storm)
    lost = av.compute_lost_flop(np.where(has_acc, 1e15, 0.0), 60.0, valid, has_acc,
                                np.where(has_acc, N_ACC, 0), acc_ok, event_failed, healthy, lit,
                                storm, throttled, cap)  # fmt: skip
    return {"healthy": healthy, "usable": usable, "valid": valid, "lit": lit, "storm": storm,
            "event_failed": event_failed, "lost": lost}  # fmt: skip


@given(st.integers(0, 2**31))
@settings(max_examples=50, deadline=None)
def test_usable_satellites_are_healthy_lit_and_fault_free(seed):
    s = state(seed)
    assert not (s["usable"] & ~s["healthy"]).any()
    assert not (s["healthy"] & (s["event_failed"] | ~s["valid"])).any()
    assert not (s["usable"] & (s["storm"] | ~s["lit"])).any()


@given(st.integers(0, 2**31), st.booleans())
@settings(max_examples=50, deadline=None)
def test_each_cause_is_a_fraction_of_the_peak(seed, dead):
    frac = av.lost_fractions(state(seed, dead_acc=dead)["lost"])
    assert frac is not None
    assert set(frac) == set(av.LOST_CAUSES)
    assert all(0.0 <= v <= 1.0 for v in frac.values())


@given(st.integers(0, 2**31))
@settings(max_examples=50, deadline=None)
def test_fractions_sum_to_at_most_one_without_partly_dead_satellites(seed):
    frac = av.lost_fractions(state(seed, dead_acc=False)["lost"])
    assert frac is not None
    assert sum(frac.values()) <= 1.0 + 1e-9


def test_fractions_sum_to_at_most_one_with_partly_dead_satellites_in_eclipse():
    # one satellite, half its accelerators dead, in eclipse the whole time
    one = np.ones((4, 1), bool)
    lost = av.compute_lost_flop(np.array([1e15]), 60.0, one, np.array([True]), np.array([N_ACC]),
                                np.full((4, 1), N_ACC // 2), ~one, one, ~one, ~one, ~one,
                                np.full((4, 1), 0.5))  # fmt: skip
    frac = av.lost_fractions(lost)
    assert frac is not None
    assert sum(frac.values()) <= 1.0 + 1e-9


def test_no_peak_no_fractions():
    assert av.lost_fractions(dict.fromkeys(("peak", *av.LOST_CAUSES), 0.0)) is None
