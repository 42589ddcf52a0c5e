"""Vectorised SGP4 over all satellites and times (python-sgp4's ``SatrecArray``).

sgp4 returns ``(n_sat, n_time, 3)`` in km with a per-(satellite, time) error code; this is the
one place that converts to orbitcloud's ``(n_time, n_sat, 3)`` layout in metres. Error codes
(1-6, see ``sgp4.api.SGP4_ERRORS``), non-finite results (which can come back with code 0,
shared/PITFALLS.md) and non-physical radii (also with code 0: SGP4 with a negative B* lifts a
low orbit to 1e20 km within weeks) become flags and NaN positions: never silently used.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sgp4.api import SGP4_ERRORS, Satrec, SatrecArray

NONFINITE_ERROR = 7
"""orbitcloud's code for a position that is not finite although sgp4 reported no error."""

NONPHYSICAL_ERROR = 8
"""orbitcloud's code for a finite position whose distance from the Earth's centre is outside
[:data:`RADIUS_MIN_M`, the ceiling] although sgp4 reported no error."""

RADIUS_MIN_M = 6_300_000.0
"""Smallest distance from the Earth's centre of an accepted state [m]: 57 km below the polar
radius (6,357 km), so inside the Earth wherever it is. (sgp4 itself flags a radius below one
equatorial radius as decayed, error 6; this catches what slips past.)"""

RADIUS_MAX_M = 500_000_000.0
"""Largest distance from the Earth's centre of an accepted state [m] (500,000 km): beyond the
Moon's greatest distance (406,700 km), where no element set describes an Earth orbit; SGP4 with
an absurd or merely negative B* returns error-free states from 1e5 to 1e31 km. Vallado's
verification set (AIAA 2006-6753) reaches 220,497 km (its e = 0.97 object). A caller that knows
the satellites passes each one's own, tighter ceiling (:func:`radius_ceiling_m`)."""

APOGEE_FACTOR = 2.0
"""Per-satellite ceiling = this x the apogee radius of its element set at epoch (capped at
:data:`RADIUS_MAX_M`): SGP4's secular and periodic terms never double an orbit's apogee, while
an anti-drag runaway does (Vallado's set stays within 1.46x, its e = 0.995 object)."""

ERROR_TEXT = {
    0: "ok",
    **SGP4_ERRORS,
    NONFINITE_ERROR: "non-finite position with error code 0",
    NONPHYSICAL_ERROR: "non-physical distance from the Earth's centre with error code 0",
}


def radius_ceiling_m(satrecs: Sequence[Satrec]) -> np.ndarray:
    """Each satellite's largest accepted distance from the Earth's centre (n_sat,) [m].

    :data:`APOGEE_FACTOR` x the apogee radius of its mean elements at epoch (sgp4's ``alta``,
    in Earth radii above the surface), never above :data:`RADIUS_MAX_M`.
    """
    apogee_m = np.array(
        [(1.0 + s.alta) * s.radiusearthkm * 1000.0 for s in satrecs], dtype=float
    ).reshape(-1)
    ceiling = np.where(np.isfinite(apogee_m), APOGEE_FACTOR * apogee_m, RADIUS_MAX_M)
    return np.clip(ceiling, RADIUS_MIN_M, RADIUS_MAX_M)


def _to_time_major_m(a_km: np.ndarray) -> np.ndarray:
    """sgp4's (n_sat, n_time, 3) [km] as (n_time, n_sat, 3) [m], C-contiguous.

    The transpose moves whole 24-byte vectors (a void view) in slabs of
    :data:`TRANSPOSE_SATS` satellites (each slab's rows are read and written while in the
    cache), then scales in place: the same bits as one strided multiply-and-transpose (x 1000 is
    one rounding either way), about 3x faster than it and 2x faster than one unblocked void
    transpose on a catalogue chunk (docs/scale.md "Hot paths").
    """
    n_sat, n_time, _ = a_km.shape
    vec = np.dtype((np.void, 24))
    src = np.ascontiguousarray(a_km, dtype=np.float64).view(vec).reshape(n_sat, n_time)
    out = np.empty((n_time, n_sat), dtype=vec)
    for s0 in range(0, n_sat, TRANSPOSE_SATS):
        out[:, s0 : s0 + TRANSPOSE_SATS] = src[s0 : s0 + TRANSPOSE_SATS].T
    out_m = out.view(np.float64).reshape(n_time, n_sat, 3)
    out_m *= 1000.0
    return out_m


TRANSPOSE_SATS = 16
"""Satellites per slab in :func:`_to_time_major_m` (16 x 24 bytes = 384 contiguous bytes per
output row; 8 and 32 were slower on the catalogue)."""


def propagate_teme(
    sat_array: SatrecArray,
    jd_utc: np.ndarray,
    fr_utc: np.ndarray,
    max_radius_m: np.ndarray | float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Propagate every satellite to every time in one SGP4 call.

    Parameters
    ----------
    sat_array : sgp4 ``SatrecArray`` of n_sat satellites
    jd_utc, fr_utc : (n_time,) two-part UTC Julian dates
    max_radius_m : largest accepted distance from the Earth's centre [m], one for all or (n_sat,)
        (e.g. :func:`radius_ceiling_m`); default :data:`RADIUS_MAX_M`

    Returns
    -------
    r_teme_m : (n_time, n_sat, 3) TEME position [m], NaN where flagged
    v_teme_m_s : (n_time, n_sat, 3) TEME velocity [m/s], NaN where flagged
    error : (n_time, n_sat) int8, 0 where valid, sgp4's code (1-6), 7 (non-finite) or 8 (a
        radius below :data:`RADIUS_MIN_M` or above the ceiling)
    """
    e, r, v = sat_array.sgp4(np.ascontiguousarray(jd_utc), np.ascontiguousarray(fr_utc))
    r_out = _to_time_major_m(r)
    v_out = _to_time_major_m(v)
    err = e.T.astype(np.int8)
    ceiling = RADIUS_MAX_M if max_radius_m is None else np.asarray(max_radius_m, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        r2 = np.einsum("tsk,tsk->ts", r_out, r_out)
        # NaN compares False: a non-finite state fails this test too
        in_range = (r2 >= RADIUS_MIN_M**2) & (r2 <= np.square(ceiling))
    bad = ~in_range & (err == 0)
    if bad.any():
        nonfinite = ~np.isfinite(r_out).all(axis=-1)
        err[bad & nonfinite] = NONFINITE_ERROR
        err[bad & ~nonfinite] = NONPHYSICAL_ERROR
    flagged = err != 0
    if flagged.any():
        r_out[flagged] = np.nan
        v_out[flagged] = np.nan
    return r_out, v_out, err
