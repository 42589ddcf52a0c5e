"""A close formation (``cluster`` constellation) over a run: a stateful step per span of steps.

:func:`cluster_design` picks the reference member (the chief) and each member's design
relative orbital elements from the members' SGP4 mean elements. :func:`advance` then, for each
span of steps, puts every member in the chief's Hill frame, measures its deviation from the
HCW design (fixed ROE) and from the J2 secular model (drifting ROE), the distance to its
nearest member, and screens the members against each other for close approaches, carrying
what the run needs (:class:`ClusterState`): deviation extremes, model residual sums, the
nearest-member minimum and the approaches. Every quantity is per step or added in time order,
so a run cut into spans anywhere gives bit-identical results.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from orbitcloud.operations import conjunction as cj
from orbitcloud.operations import formation, screening
from orbitcloud.operations.stationkeeping import JULIAN_YEAR_S
from orbitcloud.operations.summary import round_sig, stats

__all__ = [
    "ClusterDesign",
    "ClusterDrivers",
    "ClusterOutputs",
    "ClusterState",
    "advance",
    "cluster_design",
    "cluster_summary",
    "formation_columns",
    "keeping_dv_rates",
    "nearest_member_distance_m",
]

_DAY_S = 86400.0
_ELEMENTS = ("a", "ecco", "inclo", "nodeo", "argpo", "mo", "radiusearthkm")


@dataclass(frozen=True)
class ClusterDesign:
    """A formation's reference and design (the parameters of :func:`advance`)."""

    name: str
    members: np.ndarray
    """(m,) satellite indices"""
    chief: int
    """position of the chief in ``members``"""
    a_m: float
    """chief mean semi-major axis [m]"""
    inc_rad: float
    epoch_unix_s: float
    """chief's element epoch [s since 1970]"""
    roe0: formation.RelativeElements
    """design ROE of every member, (m,) arrays [-]"""
    spacing_m: float
    close_m: float
    """report member approaches closer than this [m]"""
    step_s: float
    n_steps: int
    """time step [s] and steps in the run (the screening's run end)"""


def cluster_design(
    name: str,
    members: np.ndarray,
    satrecs: Sequence[Any],
    spacing_m: float,
    close_m: float,
    step_s: float,
    n_steps: int,
    disk_radius_m: np.ndarray | None = None,
) -> ClusterDesign:
    """The chief and design ROE of a formation from its members' SGP4 mean elements.

    The chief is the member nearest the disk centre whose eccentricity is >= 1e-5: SGP4 floors
    the eccentricity at 1e-6 (python-sgp4 ``propagation.py``, from Vallado et al. 2006), which
    puts an exactly circular centre member on a spurious a * 1e-6 (7 m) once-per-orbit
    ellipse; any other member is free of it.

    Parameters
    ----------
    name : constellation name
    members : (m,) satellite indices
    satrecs : the members' sgp4 ``Satrec`` objects
    spacing_m : design spacing of neighbours [m]
    close_m : close-approach threshold [m]
    step_s, n_steps : the run's time step [s] and number of steps
    disk_radius_m : (m,) distance of each member from the design centre [m]; None: the first
        eligible member is the chief

    References
    ----------
    D'Amico (2010), sec. 2.2 (:func:`formation.relative_elements_from_mean`).
    """
    el = {k: np.array([getattr(s, k) for s in satrecs], dtype=float) for k in _ELEMENTS}
    a_m = el["a"] * el["radiusearthkm"] * 1000.0
    disk = np.arange(len(members), dtype=float) if disk_radius_m is None else disk_radius_m
    disk = np.where(el["ecco"] >= 1e-5, disk, disk + 1e12)
    chief = int(np.nanargmin(disk))
    roe0 = formation.relative_elements_from_mean(
        a_m, el["ecco"], el["inclo"], el["nodeo"], el["argpo"], el["mo"], chief
    )
    s = satrecs[chief]
    epoch = (s.jdsatepoch - 2440587.5 + s.jdsatepochF) * _DAY_S
    return ClusterDesign(name, np.asarray(members), chief, float(a_m[chief]),
                         float(el["inclo"][chief]), epoch, roe0, spacing_m, close_m, step_s,
                         n_steps)  # fmt: skip


@dataclass(frozen=True)
class ClusterState:
    """What a formation's run carries from span to span."""

    dev_max_m: np.ndarray
    """(m,) largest deviation from the HCW design so far [m]"""
    dev_last_m: np.ndarray
    """(m,) deviation at the last step with every member valid [m]"""
    model_sq_m2: float = 0.0
    """sum of squared residuals to the J2 secular model over valid member-steps [m^2]"""
    model_n: int = 0
    nearest_min_m: float = np.inf
    """smallest nearest-member distance on the grid [m]"""
    nearest_min_step: int = -1
    """global step of that minimum (the first one)"""
    screen: screening.ScreenState = field(default_factory=screening.ScreenState)
    events: tuple[cj.ScreeningResult, ...] = ()
    """member approaches (satellite indices), one part per span"""

    @staticmethod
    def start(n_members: int) -> ClusterState:
        return ClusterState(np.zeros(n_members), np.zeros(n_members))


@dataclass(frozen=True)
class ClusterDrivers:
    """The members' states over a span of steps ``k0 .. k0 + n_t - 1``."""

    k0: int
    unix_s: np.ndarray
    """(n_t,) time [s since 1970]"""
    r_m: np.ndarray
    """(n_t, m, 3) TEME position of the members [m]"""
    v_m_s: np.ndarray
    """(n_t, m, 3) TEME velocity [m/s]"""

    def steps(self, a: int, b: int) -> ClusterDrivers:
        """Steps a..b-1 of the span (relative to k0)."""
        return ClusterDrivers(self.k0 + a, *(getattr(self, f.name)[a:b] for f in fields(self)[1:]))


@dataclass(frozen=True)
class ClusterOutputs:
    """Per step and member of the span (the ``formation`` table), (n_t, m)."""

    hill_m: np.ndarray
    """(n_t, m, 3) position in the chief's Hill frame (radial, along-track, normal) [m]"""
    deviation_m: np.ndarray
    """distance to the HCW design position [m] (NaN: invalid)"""
    j2_model_deviation_m: np.ndarray
    """distance to the J2 secular model position [m]"""
    nearest_m: np.ndarray
    """distance to the nearest other member [m]"""
    events: cj.ScreeningResult
    """member approaches found in this span (satellite indices)"""


def nearest_member_distance_m(r_m: np.ndarray) -> np.ndarray:
    """Distance from each member to its nearest other member at each step.

    Parameters
    ----------
    r_m : (n_t, m, 3) positions [m] (NaN rows: invalid)

    Returns
    -------
    (n_t, m) distance [m], NaN where the member is invalid. All pairs for m <= 256, one k-d
    tree per step above (Bentley 1975; ``scipy.spatial.cKDTree``).
    """
    r = r_m
    n_t, m, _ = r.shape
    out = np.full((n_t, m), np.nan)
    if m <= 256:
        block = max(1, 2_000_000 // (m * m))
        for t0 in range(0, n_t, block):
            rr = r[t0 : t0 + block]
            d = np.linalg.norm(rr[:, :, None, :] - rr[:, None, :, :], axis=-1)
            idx = np.arange(m)
            d[:, idx, idx] = np.inf
            out[t0 : t0 + block] = np.where(np.isfinite(rr).all(-1), np.nanmin(d, axis=2), np.nan)
        return out
    for t in range(n_t):  # one k-d tree per step for a large formation
        ok = np.isfinite(r[t]).all(axis=1)
        if ok.sum() < 2:
            continue
        d, _ = cKDTree(r[t, ok]).query(r[t, ok], k=2)
        out[t, ok] = d[:, 1]
    return out


def advance(
    state: ClusterState, drivers: ClusterDrivers, design: ClusterDesign
) -> tuple[ClusterState, ClusterOutputs]:
    """One span of a formation's run (module doc).

    Parameters
    ----------
    state : what the run carries so far
    drivers : the members' states over the span
    design : the formation's chief, design ROE, thresholds and the run's step

    Returns
    -------
    (new state, per-step outputs)

    References
    ----------
    Hill frame and ROE: :mod:`orbitcloud.operations.formation` (D'Amico 2010; Koenig, Guffanti
    & D'Amico 2017); approaches: :func:`screening.advance`.
    """
    d, cl = drivers, design
    r, v = d.r_m, d.v_m_s
    rc, vc = r[:, cl.chief], v[:, cl.chief]
    hill = formation.relative_position_hill_m(rc, vc, r)
    u = formation.argument_of_latitude_rad(rc, vc)[:, None]
    t = (d.unix_s - cl.epoch_unix_s)[:, None]
    design_pos = formation.roe_to_hill_position_m(cl.a_m, u, cl.roe0)
    roe_t = formation.relative_elements_j2_secular(cl.a_m, cl.inc_rad, cl.roe0, t)
    model = formation.roe_to_hill_position_m(cl.a_m, u, roe_t)
    dev = np.linalg.norm(hill - design_pos, axis=-1)
    dev_model = np.linalg.norm(hill - model, axis=-1)
    ok = np.isfinite(dev)
    rows_ok = np.nonzero(ok.all(axis=1))[0]
    nearest = nearest_member_distance_m(r)
    sq_rows = np.sum(np.where(ok, dev_model, 0.0) ** 2, axis=1)  # then added in time order
    s = replace(
        state,
        dev_max_m=np.fmax(state.dev_max_m, np.where(ok, dev, 0.0).max(axis=0, initial=0.0)),
        dev_last_m=dev[rows_ok[-1]] if len(rows_ok) else state.dev_last_m,
        model_sq_m2=float(np.cumsum(np.concatenate([[state.model_sq_m2], sq_rows]))[-1]),
        model_n=state.model_n + int(ok.sum()),
    )
    row_min = nearest.min(axis=1)
    if np.isfinite(row_min).any():
        k_min = int(np.nanargmin(row_min))
        if np.nanmin(nearest[k_min]) < s.nearest_min_m:
            s = replace(
                s, nearest_min_m=float(np.nanmin(nearest[k_min])), nearest_min_step=d.k0 + k_min
            )
    params = screening.ScreenParams(cl.step_s, cl.n_steps, cl.close_m)
    scr, res = screening.advance(s.screen, screening.ScreenDrivers(d.k0, r, v), params)
    if len(res):
        res = replace(res, i=cl.members[res.i], j=cl.members[res.j])
    s = replace(s, screen=scr, events=(*s.events, res) if len(res) else s.events)
    return s, ClusterOutputs(hill, dev, dev_model, nearest, res)


def keeping_dv_rates(
    design: ClusterDesign, mean_drag_m_s2: np.ndarray, differential_bc_frac: float
) -> dict[str, np.ndarray]:
    """Formation-keeping delta-v rates of the members (chief: no differential drag).

    Parameters
    ----------
    design : the formation
    mean_drag_m_s2 : (n_sat,) mean drag of every satellite [m/s^2] (NaN: counted as 0)
    differential_bc_frac : ballistic-coefficient spread between members [-]

    Returns
    -------
    :func:`formation.formation_keeping_dv_rates_m_s2` of the members, (m,) arrays
    """
    diff_drag = mean_drag_m_s2[design.members] * differential_bc_frac
    diff_drag[design.chief] = 0.0
    return formation.formation_keeping_dv_rates_m_s2(
        design.a_m, design.inc_rad, design.roe0, np.nan_to_num(diff_drag)
    )


def cluster_summary(
    state: ClusterState,
    design: ClusterDesign,
    rates: dict[str, np.ndarray],
    start_unix_s: float,
    iso_of_step: Callable[[int], str | None],
) -> tuple[dict[str, Any], cj.ScreeningResult, float]:
    """A formation's run in numbers (rounded), its member approaches, and its minimum separation.

    Parameters
    ----------
    state : the formation's state at the end of the run
    design : the formation
    rates : :func:`keeping_dv_rates` [m/s^2]
    start_unix_s : run start [s since 1970]
    iso_of_step : ISO-8601 time of a global step (None for -1)

    Returns
    -------
    (summary dict, approaches, minimum separation [m]: the smaller of the nearest-member
    distance on the grid and the closest refined approach)
    """
    year = JULIAN_YEAR_S
    cl, st = design, state
    res = cj.ScreeningResult.concat(list(st.events))
    days = max((cl.n_steps - 1) * cl.step_s / _DAY_S, 1e-12)
    out: dict[str, Any] = {
        "name": cl.name,
        "members": len(cl.members),
        "chief_sat": int(cl.members[cl.chief]),
        "spacing_m": cl.spacing_m,
        "min_nearest_on_grid_m": round_sig(st.nearest_min_m),
        "min_nearest_time": iso_of_step(st.nearest_min_step),
        "close_approach_threshold_m": cl.close_m,
        "close_approaches": len(res),
        "deviation_from_hcw_design_max_m": round_sig(np.max(st.dev_max_m)),
        "deviation_growth_m_per_day": round_sig(np.max(st.dev_last_m) / days),
        "j2_model_rms_m": round_sig(np.sqrt(st.model_sq_m2 / max(st.model_n, 1))),
        "keeping_dv_m_s_per_year": stats(rates["total"] * year),
        "keeping_dv_parts_m_s_per_year_max": {
            k: round_sig(np.max(rates[k]) * year)
            for k in ("in_plane_j2", "out_of_plane_j2", "drag")
        },
        "one_time_bias_dv_m_s_max": round_sig(np.max(rates["one_time_bias_m_s"])),
    }
    min_sep = st.nearest_min_m
    if len(res):
        k = int(np.argmin(res.miss_m))
        if res.miss_m[k] < min_sep:
            min_sep = float(res.miss_m[k])
        out["closest_pair"] = [int(res.i[k]), int(res.j[k])]
        out["closest_time_unix_s"] = round_sig(
            start_unix_s + res.interval[k] * cl.step_s + res.tca_offset_s[k]
        )
    out["min_separation_m"] = round_sig(min_sep)
    return out, res, min_sep


def formation_columns(
    design: ClusterDesign, unix_ms: np.ndarray, out: ClusterOutputs
) -> dict[str, np.ndarray]:
    """The columns of the ``formation`` table for one span, one row per (step, member).

    Parameters
    ----------
    design : the formation
    unix_ms : (n_t,) time of each step [ms since 1970]
    out : :func:`advance`'s outputs for the span

    Returns
    -------
    dict of (n_t m,) arrays; the measured columns are masked where the deviation is unknown
    (an invalid member or chief), the distances as float32
    """
    n_t, m = out.deviation_m.shape
    mask = ~np.isfinite(out.deviation_m).ravel()

    def col(x: np.ndarray, dtype: type = np.float64) -> np.ndarray:
        return np.ma.masked_array(np.nan_to_num(x.ravel()).astype(dtype), mask=mask)

    return {
        "time": np.repeat(unix_ms, m),
        "sat": np.tile(design.members.astype(np.int32), n_t),
        "cluster": np.full(n_t * m, design.name),
        "x_hill_m": col(out.hill_m[..., 0]),
        "y_hill_m": col(out.hill_m[..., 1]),
        "z_hill_m": col(out.hill_m[..., 2]),
        "deviation_m": col(out.deviation_m, np.float32),
        "j2_model_deviation_m": col(out.j2_model_deviation_m, np.float32),
        "nearest_m": col(out.nearest_m, np.float32),
    }


def merge_formation_columns(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The ``formation`` columns of several clusters over the same steps, time-major (each
    step's members of every cluster together), so the rows do not depend on how the run is cut
    into chunks. Masked columns keep their masks."""

    def concat(xs: list[np.ndarray]) -> np.ndarray:
        masked = isinstance(xs[0], np.ma.MaskedArray)
        return np.ma.concatenate(xs) if masked else np.concatenate(xs)

    cols = {k: concat([p[k] for p in parts]) for k in parts[0]}
    order = np.lexsort((cols["sat"], cols["time"]))
    return {k: v[order] for k, v in cols.items()}
