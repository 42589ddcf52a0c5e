"""Queues: the wait model, admission within the wait limit, service by priority."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scheduling.queueing import (
    _largest_fitting,
    admit_and_wait,
    admit_capacity,
    admit_class,
    class_wait_s,
    serve_step,
    split_admitted,
)

PRIO = np.array([1, 0, 2])
MAX_WAIT = np.array([10.0, 0.05, 3600.0])


def test_wait_is_cobham_at_light_load():
    # one class, deterministic service w, arrivals a in dt: W = (a w^2 / 2 dt) / (1 - rho)
    w, a, dt = 0.1, 300, 60.0
    rho = a * w / dt
    got = class_wait_s(np.zeros((1, 1)), np.array([[a]]), np.array([[w]]), np.array([0]), dt)
    np.testing.assert_allclose(got[0, 0], (a * w * w / (2 * dt)) / (1 - rho))


@given(st.integers(0, 2**31))
@settings(max_examples=25, deadline=None)
def test_admission_is_within_the_limit_and_tight(seed):
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 50, (40, 3))
    a = rng.integers(0, 300, (40, 3))
    w = rng.uniform(0.001, 0.5, (40, 3))
    w[::5] = np.inf
    x = admit_capacity(q, a, w, PRIO, MAX_WAIT, 60.0)
    for c in range(3):
        e = np.zeros_like(a)
        e[:, c] = x[:, c]
        got = class_wait_s(q, a + e, w, PRIO, 60.0)[:, c]
        e[:, c] += 1
        more = class_wait_s(q, a + e, w, PRIO, 60.0)[:, c]
        fin = np.isfinite(w[:, c])
        assert ((x[:, c] == 0) | (got <= MAX_WAIT[c] + 1e-9)).all()
        assert ((more > MAX_WAIT[c] - 1e-9) | ~fin).all()
        assert (x[~fin, c] == 0).all()


def test_serve_step_conserves_requests_and_respects_priority():
    q = np.array([[10, 10, 10]], dtype=np.int64)
    w = np.array([[1.0, 1.0, 1.0]])
    q0 = q.copy()
    served, busy = serve_step(q, w, np.array([True]), 15.0, PRIO)
    assert served.tolist() == [[5, 10, 0]]  # class 1 (priority 0) first, then class 0
    np.testing.assert_array_equal(served + q, q0)
    assert busy[0] == 15.0
    s2, b2 = serve_step(q, w, np.array([False]), 15.0, PRIO)
    assert s2.sum() == 0
    assert b2[0] == 0.0


def test_split_admitted_never_exceeds_the_room():
    counts = np.array([7, 5, 3, 9])
    server = np.array([0, 0, 0, 1])
    cls = np.array([0, 0, 0, 0])
    room = np.array([[10], [100]])
    adm, over = split_admitted(counts, server, cls, room, 1)
    assert adm[:3].sum() == 10
    assert adm[3] == 9
    assert over[:, 0].tolist() == [True, False]
    assert (adm <= counts).all()


@given(st.integers(0, 2**31))
@settings(max_examples=25, deadline=None)
def test_admit_class_keeps_every_arriving_class_within_its_limit(seed):
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 50, (40, 3))
    a = rng.integers(0, 120, (40, 3)) * (rng.random((40, 3)) < 0.7)
    w = rng.uniform(0.001, 0.5, (40, 3))
    for c in range(3):
        own = np.full(3, 1e6)  # own limit out of the way: the guard binds
        x = admit_class(q, a, w, PRIO, c, own, MAX_WAIT, 60.0)
        e = np.zeros_like(a)
        e[:, c] = x
        # the guard only protects classes that fit before (an already broken one admits none)
        fit0 = ((class_wait_s(q, a, w, PRIO, 60.0) <= MAX_WAIT) | (a == 0)).all(axis=1)
        wait = class_wait_s(q, a + e, w, PRIO, 60.0)
        others = (a > 0) & (np.arange(3) != c)[None, :]
        assert not (others & (wait > MAX_WAIT + 1e-9))[fit0].any()
        # tight: one more request of class c breaks a guard (or its own room is the bound)
        e[:, c] += 1
        more = class_wait_s(q, a + e, w, PRIO, 60.0)
        own_x = admit_capacity(q, a, w, PRIO, own, 60.0)[:, c]
        broke = (others & (more > MAX_WAIT - 1e-9)).any(axis=1)
        assert (broke | (x == own_x) | ~fit0).all()


def _guarded_count_by_enumeration(q, a, w, prio, c, own, guard, dt):
    """Reference for admit_class, written out: per server, try every count from 0 to the
    class's own room and keep the largest with every other arriving class within its limit."""
    room = admit_capacity(q, a, w, prio, own, dt)[:, c]
    want = np.zeros(len(q), dtype=np.int64)
    for s in range(len(q)):
        guarded = (a[s] > 0) & (np.arange(len(prio)) != c) & np.isfinite(w[s])
        best = -1
        for x in range(room[s] + 1):
            e = a[s : s + 1].copy()
            e[0, c] += x
            wait = class_wait_s(q[s : s + 1], e, w[s : s + 1], prio, dt)[0]
            if (wait[guarded] > guard[guarded]).any():
                break
            best = x
        want[s] = max(best, 0)
    return want


def test_admit_class_is_the_enumerated_largest_guarded_count():
    # tiny cases: few servers, rooms of a few hundred at most, so every count is tried
    rng = np.random.default_rng(18)
    tried = 0
    for _ in range(60):
        n_c = int(rng.integers(2, 4))
        prio = rng.integers(0, 3, n_c)
        q = rng.integers(0, 20, (4, n_c))
        a = rng.integers(0, 40, (4, n_c)) * (rng.random((4, n_c)) < 0.8)
        w = rng.uniform(0.05, 1.0, (4, n_c))
        guard = rng.choice([0.5, 5.0, 60.0], n_c)
        own = np.full(n_c, 120.0)
        for c in range(n_c):
            got = admit_class(q, a, w, prio, c, own, guard, 60.0)
            want = _guarded_count_by_enumeration(q, a, w, prio, c, own, guard, 60.0)
            np.testing.assert_array_equal(got, want)
            tried += int(((got > 0) & (got < admit_capacity(q, a, w, prio, own, 60.0)[:, c])).sum())
    assert tried > 20  # the guard bound below the own room in many cases: the search ran


@given(st.integers(0, 2**31))
@settings(max_examples=25, deadline=None)
def test_admit_and_wait_is_admit_class_and_class_wait(seed):
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 50, (30, 3))
    a = rng.integers(0, 300, (30, 3)) * (rng.random((30, 3)) < 0.7)
    w = rng.uniform(0.001, 0.5, (30, 3))
    w[::4, 1] = np.inf
    for c in range(3):
        room, wait = admit_and_wait(q, a, w, PRIO, c, MAX_WAIT / 100, MAX_WAIT, 60.0)
        np.testing.assert_array_equal(room, admit_class(q, a, w, PRIO, c, MAX_WAIT / 100,
                                                        MAX_WAIT, 60.0))  # fmt: skip
        np.testing.assert_array_equal(wait, class_wait_s(q, a, w, PRIO, 60.0))


@given(st.lists(st.integers(-1, 5000), min_size=1, max_size=40), st.integers(0, 2**31))
@settings(max_examples=50, deadline=None)
def test_largest_fitting_finds_the_switch_point(last_fit, seed):
    # a predicate true up to last_fit[i] (none when -1) and false after, bounds hi at random
    last = np.array(last_fit)
    hi = np.random.default_rng(seed).integers(0, 6000, len(last))
    got = _largest_fitting(lambda r, x: x <= last[r][:, None], hi)
    np.testing.assert_array_equal(got, np.clip(np.minimum(last, hi), 0, None))
