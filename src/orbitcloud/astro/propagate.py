"""Vectorised SGP4 over all satellites and times (python-sgp4's ``SatrecArray``).

sgp4 returns ``(n_sat, n_time, 3)`` in km with a per-(satellite, time) error code; this is the
one place that converts to orbitcloud's ``(n_time, n_sat, 3)`` layout in metres. Error codes
(1-6, see ``sgp4.api.SGP4_ERRORS``) and non-finite results (which can come back with code 0,
shared/PITFALLS.md) become flags and NaN positions: never silently used.
"""

from __future__ import annotations

import numpy as np
from sgp4.api import SGP4_ERRORS, SatrecArray

NONFINITE_ERROR = 7
"""orbitcloud's code for a position that is not finite although sgp4 reported no error."""

ERROR_TEXT = {0: "ok", **SGP4_ERRORS, NONFINITE_ERROR: "non-finite position with error code 0"}


def propagate_teme(
    sat_array: SatrecArray, jd_utc: np.ndarray, fr_utc: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Propagate every satellite to every time in one SGP4 call.

    Parameters
    ----------
    sat_array : sgp4 ``SatrecArray`` of n_sat satellites
    jd_utc, fr_utc : (n_time,) two-part UTC Julian dates

    Returns
    -------
    r_teme_m : (n_time, n_sat, 3) TEME position [m], NaN where flagged
    v_teme_m_s : (n_time, n_sat, 3) TEME velocity [m/s], NaN where flagged
    error : (n_time, n_sat) int8, 0 where valid, sgp4's code (1-6) or 7 (non-finite)
    """
    e, r, v = sat_array.sgp4(np.ascontiguousarray(jd_utc), np.ascontiguousarray(fr_utc))
    n_sat, n_time = e.shape
    r_out = np.empty((n_time, n_sat, 3))
    v_out = np.empty((n_time, n_sat, 3))
    np.multiply(r.transpose(1, 0, 2), 1000.0, out=r_out)
    np.multiply(v.transpose(1, 0, 2), 1000.0, out=v_out)
    err = e.T.astype(np.int8)
    bad_r = ~np.isfinite(r_out).all(axis=-1)
    err[(err == 0) & bad_r] = NONFINITE_ERROR
    flagged = err != 0
    if flagged.any():
        r_out[flagged] = np.nan
        v_out[flagged] = np.nan
    return r_out, v_out, err
