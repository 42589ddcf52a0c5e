"""Server queues for inference: admission against a wait limit, priority service per step.

Every server (a satellite or a data centre) serves requests of several classes. A request of
class c costs w[s, c] = output_tokens_c / throughput[s, c] server-seconds (the server's
batched output tokens/s for that class's model and lengths), so a server clears dt
server-seconds of work per step while it can compute. Classes are served by strict priority;
within a class first come, first served (a fluid approximation at step resolution).

Admission: a new class-c request waits for the work queued ahead of it and for the step's
arrivals (:func:`class_wait_s`: backlog drain, Cobham's priority M/G/1 wait, fluid overload);
it is admitted only if that wait stays within the class's ``max_wait_s``, otherwise it
overflows (the engine offers it to another server, then drops it). Classes are admitted one
at a time in priority order, and a class is admitted only as far as every class already
admitted on the server this step stays within its own limit (:func:`admit_class`): all the
requests of a class on a server see one mean wait, the one after the step's last admission,
so no admitted request waits longer than its class allows. Its time to first token is
RTT + wait + prefill.

References
----------
Fluid queue approximation and priority service: L. Kleinrock, *Queueing Systems*, vol. 2
(1976), ch. 3 (priority queueing) and sec. 2.8 (fluid approximation); batched LLM service
time per request from the roofline model (orbitcloud.spacecraft.compute).
"""

from __future__ import annotations

import numpy as np


def _terms(queue, arrivals, work_s, priority, dt_s):
    """Per (server, class): queued work ahead B, sigma_- (higher classes), sigma_c, W0, floor."""
    w = np.where(np.isfinite(work_s), work_s, 0.0)
    le = (priority[None, :] <= priority[:, None]).astype(float)  # [c, c']: c' ahead or equal
    lt = (priority[None, :] < priority[:, None]).astype(float)
    rho = arrivals * w / dt_s
    b = (queue * w) @ le.T
    sig_minus = rho @ lt.T
    sig = rho @ le.T
    w0 = np.sum(arrivals * w * w, axis=1, keepdims=True) / (2.0 * dt_s)
    eps = np.sqrt(np.maximum(w, 1e-12) / dt_s)
    return w, b, sig_minus, sig, w0, eps


def _wait(b, sig_minus, sig, w0, eps, dt_s):
    free = np.maximum(1.0 - sig_minus, eps)
    return (b / free + w0 / (free * np.maximum(1.0 - sig, eps))
            + 0.5 * np.maximum(sig - 1.0, 0.0) * dt_s / free)  # fmt: skip


def class_wait_s(
    queue: np.ndarray, arrivals: np.ndarray, work_s: np.ndarray, priority: np.ndarray, dt_s: float
) -> np.ndarray:
    """Mean queue wait [s] of a class-c request arriving on each server during this step.

    W_c = B_c / (1 - s_-) + W0 / ((1 - s_-)(1 - s_c)) + max(s_c - 1, 0) dt / (2 (1 - s_-)),

    with B_c the work queued from earlier steps ahead of it (classes of equal or higher
    priority), s_- and s_c the utilisations of this step's arrivals of higher, and of higher or
    equal, priority (rho_i = a_i w_i / dt), W0 = sum a_i w_i^2 / (2 dt) the mean residual
    service (deterministic service). The first term drains the backlog at the capacity left by
    higher classes, the second is Cobham's non-preemptive priority M/G/1 wait, the third the
    fluid growth of an overloaded queue averaged over the step. Near and above s = 1 the
    factors 1 - s are floored at sqrt(w / dt), the scale of the critical-load wait
    sqrt(w dt) over a horizon dt, so the wait stays finite and continuous.

    References
    ----------
    A. Cobham, "Priority assignment in waiting line problems", J. Oper. Res. Soc. Am. 2 (1954)
    70; Kleinrock, *Queueing Systems* vol. 2 (1976), sec. 3.6 (non-preemptive priority) and
    sec. 2.8 (fluid approximation of an overloaded queue).
    """
    _, b, sm, sg, w0, eps = _terms(queue, arrivals, work_s, priority, dt_s)
    wait = _wait(b, sm, sg, w0, eps, dt_s)
    return np.where(np.isfinite(work_s), wait, np.inf)


def admit_capacity(
    queue: np.ndarray,
    arrivals: np.ndarray,
    work_s: np.ndarray,
    priority: np.ndarray,
    max_wait_s: np.ndarray,
    dt_s: float,
) -> np.ndarray:
    """How many more class-c requests each server can admit this step within ``max_wait_s``.

    The wait of :func:`class_wait_s` as a function of the class's own extra arrivals x is
    increasing and piecewise simple -- a ratio of linear terms while s_c(x) < 1 - eps, then
    linear up to s_c = 1, then linear with the fluid term -- so the largest x with
    W_c(x) <= max_wait is solved in closed form on each piece, vectorised over servers and
    classes (other classes' arrivals held fixed). 0 where the server cannot serve.
    """
    terms = _terms(queue, arrivals, work_s, priority, dt_s)
    return _capacity(terms, work_s, np.asarray(max_wait_s, dtype=float), dt_s)


def _capacity(terms: tuple, work_s: np.ndarray, max_wait_s: np.ndarray, dt_s: float) -> np.ndarray:
    """:func:`admit_capacity` from the terms of :func:`_terms` (elementwise, so any column slice
    of the terms with the same slice of ``work_s`` and ``max_wait_s`` gives that slice)."""
    w, b, sm, sg, w0, eps = terms
    ok = np.isfinite(work_s) & (w > 0)
    wd = np.where(ok, w, 1.0)
    lim = np.broadcast_to(max_wait_s[None, :], w.shape)
    f = np.maximum(1.0 - sm, eps)
    alpha = wd * wd / (2.0 * dt_s)
    beta = wd / dt_s
    with np.errstate(divide="ignore", invalid="ignore"):
        x_a = np.maximum((1.0 - eps - sg) / beta, 0.0)  # end of the Cobham piece
        x_1 = np.maximum((1.0 - sg) / beta, x_a)  # s_c reaches 1
        kk = lim * f - b  # (L - b / f) f
        # piece A: b/f + (w0 + a x) / (f (1 - s - b x)) = L
        xa_sol = (kk * (1.0 - sg) - w0) / (alpha + kk * beta)
        # piece B: b/f + (w0 + a x) / (f eps) = L
        xb_sol = (kk * eps - w0) / alpha
        # piece C: b/f + (w0 + a x)/(f eps) + (s + b x - 1) dt / (2 f) = L
        xc_sol = (kk * eps - w0 - eps * (sg - 1.0) * dt_s / 2.0) / (alpha + eps * beta * dt_s / 2.0)
    w_a = _wait(b, sm, sg + x_a * beta, w0 + x_a * alpha, eps, dt_s)
    w_1 = _wait(b, sm, sg + x_1 * beta, w0 + x_1 * alpha, eps, dt_s)
    x = np.where(lim <= w_a, np.minimum(xa_sol, x_a),
                 np.where(lim <= w_1, np.clip(xb_sol, x_a, x_1), np.maximum(xc_sol, x_1)))  # fmt: skip
    w_now = _wait(b, sm, sg, w0, eps, dt_s)
    x = np.where(ok & (w_now <= lim) & np.isfinite(x), np.floor(np.maximum(x, 0.0) + 1e-9), 0.0)
    return x.astype(np.int64)


def admit_class(
    queue: np.ndarray,
    arrivals: np.ndarray,
    work_s: np.ndarray,
    priority: np.ndarray,
    cls: int,
    own_limit_s: np.ndarray,
    guard_limit_s: np.ndarray,
    dt_s: float,
) -> np.ndarray:
    """How many more class-``cls`` requests each server can admit, (n_server,) int64.

    Within ``own_limit_s[cls]`` for the class's own wait (:func:`admit_capacity`), and such that
    every other class already arriving on the server this step keeps its wait within
    ``guard_limit_s``: more class-``cls`` work raises the others' waits (the residual service
    W0 for all of them; the capacity left, 1 - s_-, for the classes behind it), and every
    request of a class on a server sees the same mean wait, so without this guard the
    requests admitted earlier in the step would end up waiting beyond their limit. Each
    class's wait, as evaluated in floating point, is non-decreasing in the extra arrivals
    (every operation of :func:`_wait` is monotone in its rounded inputs), so "every guard
    holds" is true up to one count and false after it: that largest guarded count is found
    exactly by a search over integers, only on the servers where the class's own room would
    break a guard (:func:`_largest_fitting`).
    """
    terms = _terms(queue, arrivals, work_s, priority, dt_s)
    return _admit_class(terms, arrivals, work_s, priority, cls, own_limit_s, guard_limit_s, dt_s)


def admit_and_wait(
    queue: np.ndarray,
    arrivals: np.ndarray,
    work_s: np.ndarray,
    priority: np.ndarray,
    cls: int,
    own_limit_s: np.ndarray,
    guard_limit_s: np.ndarray,
    dt_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`admit_class` and :func:`class_wait_s` of the same queues and arrivals, from one
    evaluation of the shared terms (the placement loop needs both at every class and round)."""
    terms = _terms(queue, arrivals, work_s, priority, dt_s)
    room = _admit_class(terms, arrivals, work_s, priority, cls, own_limit_s, guard_limit_s, dt_s)
    _, b, sm, sg, w0, eps = terms
    wait = np.where(np.isfinite(work_s), _wait(b, sm, sg, w0, eps, dt_s), np.inf)
    return room, wait


SEARCH_POINTS = 32
"""Counts tried at once per server in each pass of :func:`_largest_fitting`: a bracket of n
counts shrinks to about n / 33 per pass (2 or 3 passes where bisection took 10 to 17;
bench/bench_operations.py --stories)."""


def _admit_class(
    terms: tuple,
    arrivals: np.ndarray,
    work_s: np.ndarray,
    priority: np.ndarray,
    cls: int,
    own_limit_s: np.ndarray,
    guard_limit_s: np.ndarray,
    dt_s: float,
) -> np.ndarray:
    """:func:`admit_class` from the terms of :func:`_terms`."""
    col = slice(cls, cls + 1)
    w_all, b, sm, sg, w0, eps = terms
    own = np.asarray(own_limit_s, dtype=float)[col]
    room = _capacity((w_all[:, col], b[:, col], sm[:, col], sg[:, col], w0, eps[:, col]),
                     work_s[:, col], own, dt_s)[:, 0]  # fmt: skip
    others = arrivals > 0
    others[:, cls] = False
    rows = np.flatnonzero((room > 0) & others.any(axis=1))
    if len(rows) == 0:
        return room
    per_row = (
        w_all[rows, col][:, None, :],  # extra class-cls work per request [s], (r, 1, 1)
        b[rows][:, None, :], sm[rows][:, None, :], sg[rows][:, None, :], w0[rows][:, None, :],
        eps[rows][:, None, :], (others[rows] & np.isfinite(work_s[rows]))[:, None, :],
    )  # fmt: skip
    lim = np.asarray(guard_limit_s, dtype=float)[None, None, :]
    ahead = (priority[cls] < priority)[None, None, :]  # cls is ahead of these classes
    ahead_eq = (priority[cls] <= priority)[None, None, :]

    def fits(r: np.ndarray, x: np.ndarray) -> np.ndarray:
        """(len(r), k) bool: with x[i, j] more class-cls arrivals on row r[i], every guarded
        class keeps its wait within its limit (s_- and s grow by x w_c / dt behind cls, W0 by
        x w_c^2 / 2 dt)."""
        wc, b_, sm_, sg_, w0_, eps_, guarded = (a[r] for a in per_row)
        rho = x[:, :, None] * wc / dt_s
        wait = _wait(b_, sm_ + rho * ahead, sg_ + rho * ahead_eq, w0_ + rho * wc / 2.0, eps_,
                     dt_s)  # fmt: skip
        return ~(guarded & (wait > lim)).any(axis=2)

    room[rows] = _largest_fitting(fits, room[rows])
    return room


def _largest_fitting(fits, hi: np.ndarray) -> np.ndarray:
    """Per row i, the largest x in [0, hi[i]] with ``fits`` true, for a predicate that is true
    up to some x and false after it; 0 where it is false already at 0.

    ``fits(rows, x)`` answers for rows ``rows`` and counts ``x`` of shape (len(rows), k). Each
    pass tries :data:`SEARCH_POINTS` counts spread over every open bracket (lo fits, hi does
    not) and keeps the last that fits and the first that does not, so the answer is the same
    as bisection's (the predicate has one switch point) in fewer, larger array operations.
    """
    n = len(hi)
    every = np.arange(n)
    ends = fits(every, np.stack([hi, np.zeros_like(hi)], axis=1))
    ok_hi, ok_lo = ends[:, 0], ends[:, 1]
    lo = np.zeros_like(hi)
    hi = hi.copy()
    todo = ~ok_hi & ok_lo
    steps = np.arange(1, SEARCH_POINTS + 1)
    while True:
        r = np.flatnonzero(todo & (hi - lo > 1))
        if len(r) == 0:
            break
        span = hi[r] - lo[r]
        x = lo[r, None] + span[:, None] * steps[None, :] // (SEARCH_POINTS + 1)
        n_fit = fits(r, x).sum(axis=1)  # the fitting counts come first (one switch point)
        k = np.arange(len(r))
        lo[r] = np.where(n_fit > 0, x[k, np.maximum(n_fit - 1, 0)], lo[r])
        hi[r] = np.where(n_fit < SEARCH_POINTS, x[k, np.minimum(n_fit, SEARCH_POINTS - 1)], hi[r])
    return np.where(ok_hi, hi, np.where(ok_lo, lo, 0))


def serve_step(
    queue: np.ndarray, work_s: np.ndarray, usable: np.ndarray, dt_s: float, priority: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Serve one step by strict priority; returns (served per server and class, busy [s]).

    ``queue`` (int64) is reduced in place. A server that cannot compute serves nothing.
    """
    budget = np.where(usable, dt_s, 0.0)
    served = np.zeros_like(queue)
    for c in np.argsort(priority, kind="stable"):
        w = work_s[:, c]
        with np.errstate(invalid="ignore", divide="ignore"):
            fit = np.where(np.isfinite(w) & (w > 0), np.floor(budget / w), 0.0)
        n = np.minimum(queue[:, c], fit.astype(np.int64))
        served[:, c] = n
        queue[:, c] -= n
        budget = budget - n * np.where(np.isfinite(w), w, 0.0)
    busy = np.where(usable, dt_s - budget, 0.0)
    return served, busy


def split_admitted(
    counts: np.ndarray, server: np.ndarray, cls: np.ndarray, room: np.ndarray, n_class: int
) -> tuple[np.ndarray, np.ndarray]:
    """Admit groups to their servers within ``room``; returns (admitted per group, overfull).

    Groups offered to the same (server, class) share its room in proportion to their counts
    (floored, then the remainder goes to the largest groups first), so the total never
    exceeds the room. ``overfull`` (n_server, n_class) marks where offers exceeded room.
    """
    n_server = room.shape[0]
    ok = server >= 0
    key = np.where(ok, server * n_class + cls, 0)
    offered = np.bincount(key[ok], weights=counts[ok], minlength=n_server * n_class)
    flat_room = room.ravel().astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(offered > 0, np.minimum(flat_room / offered, 1.0), 0.0)
    adm = np.where(ok, np.floor(counts * frac[key]), 0).astype(np.int64)
    # hand out the floored remainder, largest groups first, without passing the room
    given = np.bincount(key[ok], weights=adm[ok], minlength=n_server * n_class)
    left = np.minimum(flat_room, offered) - given
    cand = np.flatnonzero(ok & (adm < counts) & (left[key] >= 1))
    if len(cand):
        order = cand[np.lexsort((-counts[cand], key[cand]))]
        k = key[order]
        start = np.r_[0, np.flatnonzero(np.diff(k)) + 1]
        rank = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
        extra = rank < left[k]
        adm[order[extra]] += 1
    overfull = (offered > flat_room).reshape(n_server, n_class)
    return adm, overfull
