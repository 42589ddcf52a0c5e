"""Conjunction screening over a run cut into chunks: carry-over, assessment and tally.

* :func:`advance` screens a span of steps with :func:`conjunction.screen_window`, carrying
  the span's last step (:class:`ScreenState`) so that the interval between two spans is
  screened once, by the later one: the close approaches found do not depend on where a run
  is cut.
* :func:`assess` turns the approaches into what the ``conjunctions`` table reports: miss
  vector in the primary's radial / in-track / cross-track frame, combined hard-body radius,
  Pc (isotropic, or 2-D Foster with RIC covariances), whether Pc calls for a manoeuvre, and
  the along-track avoidance delta-v.
* :func:`tally` adds the assessed approaches to the run's counts (:class:`ConjunctionTally`),
  one approach at a time, in the order found.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from orbitcloud.astro.constants import R_EARTH_M
from orbitcloud.operations import conjunction as cj
from orbitcloud.operations import formation
from orbitcloud.operations.summary import round_sig
from orbitcloud.scenario.orbit_ops import ConjunctionSpec

__all__ = [
    "Assessment",
    "Background",
    "ConjunctionTally",
    "ScreenDrivers",
    "ScreenParams",
    "ScreenState",
    "advance",
    "assess",
    "conjunction_columns",
    "load_background",
    "tally",
    "tally_summary",
]

_DAY_S = 86400.0


# --- the screening step ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScreenState:
    """The last step screened so far, carried into the next span (None before the first)."""

    k_last: int = -1
    """global index of that step"""
    r_own_m: np.ndarray | None = None
    """(n, 3) states of the screened satellites at that step [m, m/s]"""
    v_own_m_s: np.ndarray | None = None
    r_other_m: np.ndarray | None = None
    """(m, 3) states of the other objects at that step, or None [m, m/s]"""
    v_other_m_s: np.ndarray | None = None


@dataclass(frozen=True)
class ScreenDrivers:
    """States over a span of steps ``k0 .. k0 + n_t - 1``."""

    k0: int
    r_own_m: np.ndarray
    """(n_t, n, 3) [m]"""
    v_own_m_s: np.ndarray
    """(n_t, n, 3) [m/s]"""
    r_other_m: np.ndarray | None = None
    """(n_t, m, 3) other objects (a background catalogue), or None [m]"""
    v_other_m_s: np.ndarray | None = None

    def steps(self, a: int, b: int) -> ScreenDrivers:
        """Steps a..b-1 of the span (relative to k0)."""
        rb, vb = self.r_other_m, self.v_other_m_s
        return ScreenDrivers(self.k0 + a, self.r_own_m[a:b], self.v_own_m_s[a:b],
                             None if rb is None else rb[a:b], None if vb is None else vb[a:b])  # fmt: skip


@dataclass(frozen=True)
class ScreenParams:
    step_s: float
    """time step [s]"""
    n_steps: int
    """steps in the run (the last interval's minimum on the run's end is reported)"""
    screening_distance_m: float
    group: np.ndarray | None = None
    """(n,) formation id: own pairs within one formation (id >= 0) are skipped"""


def advance(
    state: ScreenState, drivers: ScreenDrivers, params: ScreenParams
) -> tuple[ScreenState, cj.ScreeningResult]:
    """Close approaches in the intervals ending in this span (the first one starting at the
    carried step), and the span's last step to carry.

    Parameters
    ----------
    state : the step carried from the previous span
    drivers : states of the span
    params : step, run length, screening distance, formation groups

    Returns
    -------
    (new state, :class:`~orbitcloud.operations.conjunction.ScreeningResult` with global
    interval indices)

    References
    ----------
    :func:`orbitcloud.operations.conjunction.screen_window` (a minimum is reported by the
    interval that holds it, so every approach is found once).
    """
    d = drivers
    r, v, rb, vb = d.r_own_m, d.v_own_m_s, d.r_other_m, d.v_other_m_s
    n_t = len(r)
    if state.r_own_m is not None and state.v_own_m_s is not None:
        r_w = np.concatenate([state.r_own_m[None], r])
        v_w = np.concatenate([state.v_own_m_s[None], v])
        rb_w = vb_w = None
        if rb is not None and vb is not None and state.r_other_m is not None:
            assert state.v_other_m_s is not None
            rb_w = np.concatenate([state.r_other_m[None], rb])
            vb_w = np.concatenate([state.v_other_m_s[None], vb])
        first = state.k_last
    else:
        r_w, v_w, rb_w, vb_w, first = r, v, rb, vb, d.k0
    res = cj.ScreeningResult.empty()
    if len(r_w) > 1:
        res = cj.screen_window(
            params.step_s, r_w, v_w, params.screening_distance_m, rb_w, vb_w, params.group,
            first_interval=first, run_starts=first == 0, run_ends=d.k0 + n_t == params.n_steps,
        )  # fmt: skip
    if n_t == 0:
        return state, res
    new = ScreenState(
        d.k0 + n_t - 1, r[-1].copy(), v[-1].copy(),
        None if rb is None else rb[-1].copy(), None if vb is None else vb[-1].copy(),
    )  # fmt: skip
    return new, res


# --- the background catalogue ----------------------------------------------------------------


@dataclass(frozen=True)
class Background:
    """Other objects screened against (a TLE catalogue), without the run's own satellites."""

    satrecs: list[Any]
    """sgp4 ``Satrec`` objects"""
    names: np.ndarray
    norad_id: np.ndarray
    dropped_duplicates: int
    """catalogue entries that are the run's own satellites (same NORAD id)"""
    epoch_gap_days: float
    """largest distance of the catalogue's median epoch from the run's start or end [days]"""


def load_background(
    path: str, own_norad_ids: set[int], max_objects: int | None, t0_unix_s: float, t1_unix_s: float
) -> Background:
    """The background catalogue of a run.

    Parameters
    ----------
    path : TLE / 3LE file
    own_norad_ids : NORAD ids of the run's own catalogue satellites (dropped from the file)
    max_objects : keep the first N objects only, or None
    t0_unix_s, t1_unix_s : run start and end [s since 1970]
    """
    from orbitcloud.astro.tle import load_tle_file  # only runs with a background need it

    entries = load_tle_file(path)
    kept = [e for e in entries if e.norad_id not in own_norad_ids]
    dropped = len(entries) - len(kept)
    if max_objects is not None:
        kept = kept[:max_objects]
    gap = 0.0
    if kept:
        epochs = np.array(
            [(e.satrec.jdsatepoch - 2440587.5 + e.satrec.jdsatepochF) * _DAY_S for e in kept]
        )
        med = np.median(epochs)
        gap = float(max(abs(med - t0_unix_s), abs(med - t1_unix_s)) / _DAY_S)
    return Background(
        [e.satrec for e in kept],
        np.array([e.name for e in kept], dtype=object),
        np.array([e.norad_id for e in kept], dtype=np.int64),
        dropped,
        gap,
    )


# --- assessment ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    """What each close approach means, (k,) arrays (with the approaches in ``res``)."""

    res: cj.ScreeningResult
    other_kind: np.ndarray
    """object: ``own``, ``background`` or ``formation``"""
    own_j: np.ndarray
    """bool: the secondary is one of the run's satellites"""
    other_sat: np.ndarray
    """secondary's satellite index (0 for a background object)"""
    other_background: np.ndarray
    """secondary's index in the background catalogue (0 for an own satellite)"""
    ric_m: np.ndarray
    """(k, 3) miss vector in the primary's radial / in-track / cross-track frame [m]"""
    rel_speed_m_s: np.ndarray
    altitude_km: np.ndarray
    """primary's geocentric radius minus R_E [km]"""
    hard_body_radius_m: np.ndarray
    """combined [m]"""
    sigma_m: np.ndarray
    """combined 1-sigma per axis (NaN with RIC covariances) [m]"""
    pc: np.ndarray
    action: np.ndarray
    """bool: Pc >= the threshold"""
    avoidance_dv_m_s: np.ndarray
    """|along-track avoidance delta-v| (inf / NaN where it cannot be computed) [m/s]"""


def assess(
    res: cj.ScreeningResult,
    n_own: int,
    hbr_own_m: np.ndarray,
    spec: ConjunctionSpec,
    formation_sigma_m: float | None = None,
) -> Assessment:
    """Assess close approaches.

    Parameters
    ----------
    res : approaches (primary ``i`` own; secondary ``j`` own if < n_own, else background
        object ``j - n_own``)
    n_own : number of the run's satellites
    hbr_own_m : (n_own,) hard-body radius of each satellite [m]
    spec : ``orbit_ops.conjunctions`` (sigmas, background radius, Pc threshold, avoidance)
    formation_sigma_m : for approaches between members of one formation: their relative
        navigation 1-sigma [m] (isotropic Pc); None for own/background approaches

    Returns
    -------
    :class:`Assessment`

    References
    ----------
    :func:`conjunction.pc_circle_isotropic` (Chan 2008), :func:`conjunction.pc_foster_2d`
    (Foster & Estes 1992), :func:`conjunction.avoidance_dv_along_track_m_s`.
    """
    cs = spec
    own_j = res.j < n_own
    if formation_sigma_m is not None:
        other_kind = np.full(len(res), "formation", dtype=object)
    else:
        other_kind = np.where(own_j, "own", "background").astype(object)
    jj = np.where(own_j, res.j, 0)
    bb = np.where(own_j, 0, res.j - n_own)
    dr = res.r_j - res.r_i
    dv = res.v_j - res.v_i
    rot = formation.hill_rotation(res.r_i, res.v_i)
    ric = np.einsum("kij,kj->ki", rot, dr)
    hbr_j = np.where(own_j, hbr_own_m[jj], cs.background_hard_body_radius_m)
    hbr = hbr_own_m[res.i] + hbr_j
    if formation_sigma_m is not None:
        sigma = np.full(len(res), formation_sigma_m)
        pc = cj.pc_circle_isotropic(res.miss_m, sigma, hbr)
    elif cs.sigma_own_ric_m is None and cs.sigma_background_ric_m is None:
        sj = np.where(own_j, cs.sigma_own_m, cs.sigma_background_m)
        sigma = np.hypot(cs.sigma_own_m, sj)
        pc = cj.pc_circle_isotropic(res.miss_m, sigma, hbr)
    else:
        own_ric = cs.sigma_own_ric_m or [cs.sigma_own_m] * 3
        bg_ric = cs.sigma_background_ric_m or [cs.sigma_background_m] * 3
        sj = np.where(own_j[:, None], np.asarray(own_ric), np.asarray(bg_ric))
        cov = cj.ric_covariance(res.r_i, res.v_i, np.asarray(own_ric)) + cj.ric_covariance(
            res.r_j, res.v_j, sj
        )
        miss2, cov2 = cj.encounter_plane_covariance(dr, dv, cov)
        pc = cj.pc_foster_2d(miss2, cov2, hbr)
        sigma = np.full(len(res), np.nan)
    avoid = cj.avoidance_dv_along_track_m_s(
        dr, dv, res.r_i, res.v_i, cs.avoidance_lead_time_h * 3600.0, cs.avoidance_target_miss_m
    )
    return Assessment(
        res, other_kind, own_j, jj, bb, ric, np.linalg.norm(dv, axis=-1),
        (np.linalg.norm(res.r_i, axis=-1) - R_EARTH_M) / 1000.0, hbr, sigma, pc,
        pc >= cs.pc_threshold, np.abs(avoid),
    )  # fmt: skip


# --- tally -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConjunctionTally:
    """Run totals of the own / background approaches."""

    per_sat: np.ndarray
    """(n_sat,) int64 approaches each satellite took part in (as primary or secondary)"""
    avoidance_dv_per_sat_m_s: np.ndarray
    """(n_sat,) avoidance delta-v of the manoeuvres each satellite (as primary) makes [m/s]"""
    count: int = 0
    own: int = 0
    background: int = 0
    under_1km: int = 0
    action: int = 0
    max_pc: float = 0.0
    min_miss_m: float = np.inf
    avoidance_dv_m_s: float = 0.0

    @staticmethod
    def zeros(n_sat: int) -> ConjunctionTally:
        return ConjunctionTally(np.zeros(n_sat, dtype=np.int64), np.zeros(n_sat))


def tally(t: ConjunctionTally, a: Assessment) -> ConjunctionTally:
    """The tally with the assessed approaches added, one at a time in their order.

    A manoeuvre's delta-v counts where Pc calls for one and the delta-v is finite.
    """
    finite = np.where(np.isfinite(a.avoidance_dv_m_s), a.avoidance_dv_m_s, np.nan)
    w = np.nan_to_num(np.where(a.action, finite, 0.0))
    miss = a.res.miss_m
    per_sat = t.per_sat + np.bincount(a.res.i, minlength=len(t.per_sat))
    per_sat += np.bincount(a.other_sat[a.own_j], minlength=len(t.per_sat))
    dv_sat = t.avoidance_dv_per_sat_m_s.copy()
    np.add.at(dv_sat, a.res.i, w)  # in order: bit-identical however the run is cut
    return replace(
        t,
        per_sat=per_sat,
        avoidance_dv_per_sat_m_s=dv_sat,
        count=t.count + len(miss),
        own=t.own + int(np.sum(a.other_kind == "own")),
        background=t.background + int(np.sum(a.other_kind == "background")),
        under_1km=t.under_1km + int(np.sum(miss < 1000.0)),
        action=t.action + int(a.action.sum()),
        max_pc=max(t.max_pc, float(a.pc.max(initial=0.0))),
        min_miss_m=min(t.min_miss_m, float(miss.min(initial=np.inf))),
        avoidance_dv_m_s=float(np.cumsum(np.concatenate([[t.avoidance_dv_m_s], w]))[-1]),
    )


def tally_summary(
    t: ConjunctionTally,
    spec: ConjunctionSpec,
    background_objects: int,
    background_dropped: int,
    days: float,
    n_sat: int,
) -> dict[str, Any]:
    """The run's screening figures for the summary: settings, counts per day, worst Pc, closest
    miss, and avoidance delta-v and manoeuvres per satellite and year (rounded)."""
    cs = spec
    out: dict[str, Any] = {
        "screening_distance_km": cs.screening_distance_km,
        "background_file": cs.background_tle_file,
        "background_objects": background_objects,
        "background_duplicates_of_own_dropped": background_dropped,
        "pc_threshold": cs.pc_threshold,
        "sigma_own_m": cs.sigma_own_m,
        "sigma_background_m": cs.sigma_background_m,
        "screened_days": round_sig(days),
    }
    if days <= 0:
        return out
    years = days / 365.25
    out.update(
        {
            "count": t.count,
            "per_day": round_sig(t.count / days),
            "own_per_day": round_sig(t.own / days),
            "background_per_day": round_sig(t.background / days),
            "under_1km_per_day": round_sig(t.under_1km / days),
            "pc_above_threshold_per_day": round_sig(t.action / days),
            "max_pc": round_sig(t.max_pc),
            "min_miss_m": round_sig(t.min_miss_m),
            "avoidance_dv_m_s_per_sat_per_year": round_sig(
                t.avoidance_dv_m_s / max(n_sat, 1) / years
            ),
            "manoeuvres_per_sat_per_year": round_sig(t.action / max(n_sat, 1) / years),
        }
    )
    return out


def conjunction_columns(
    a: Assessment,
    start_unix_s: float,
    step_s: float,
    own_names: np.ndarray,
    own_norad_id: np.ndarray,
    background: Background | None,
) -> dict[str, np.ndarray]:
    """The columns of the ``conjunctions`` table for assessed approaches.

    Parameters
    ----------
    a : :func:`assess`
    start_unix_s : run start [s since 1970]
    step_s : time step [s]
    own_names, own_norad_id : (n_sat,) the run's satellites' names and NORAD ids
    background : the background catalogue, or None

    Returns
    -------
    dict of (k,) arrays: ``time`` of closest approach [ms since 1970], names as object arrays,
    ``other_sat`` masked for background objects, floats NaN where unknown
    """
    res = a.res
    t_ms = np.round((start_unix_s + res.interval * step_s + res.tca_offset_s) * 1000.0)
    bg_names = background.names if background is not None else np.zeros(0, dtype=object)
    bg_norad = background.norad_id if background is not None else np.zeros(0, dtype=np.int64)
    bb = a.other_background
    names = np.asarray(own_names, dtype=object)[a.other_sat]
    norad = np.asarray(own_norad_id)[a.other_sat]
    return {
        "time": t_ms.astype(np.int64),
        "sat": res.i.astype(np.int32),
        "other_kind": a.other_kind,
        "other_sat": np.ma.masked_array(a.other_sat.astype(np.int32), mask=~a.own_j),
        "other_norad_id": np.where(a.own_j, norad, bg_norad[bb] if len(bg_norad) else 0).astype(
            np.int64
        ),
        "other_name": np.where(a.own_j, names, bg_names[bb] if len(bg_names) else ""),
        "miss_m": res.miss_m,
        "radial_m": a.ric_m[:, 0],
        "in_track_m": a.ric_m[:, 1],
        "cross_track_m": a.ric_m[:, 2],
        "rel_speed_m_s": a.rel_speed_m_s,
        "altitude_km": a.altitude_km,
        "hard_body_radius_m": a.hard_body_radius_m,
        "sigma_m": a.sigma_m,
        "pc": a.pc,
        "action": a.action,
        "avoidance_dv_m_s": a.avoidance_dv_m_s,
    }
