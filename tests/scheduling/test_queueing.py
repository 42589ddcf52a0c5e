"""Queues: the wait model, admission within the wait limit, service by priority."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.scheduling.queueing import (
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
