"""Space-weather indices as a time series, in the form NRLMSIS takes them.

A table of UT days gives each day's eight 3-hourly ``ap`` values, its daily ``Ap`` and its
observed F10.7 (and optionally the 81-day centred mean F10.7a). :class:`IndexSeries` turns it
into NRLMSIS's drivers at any time ``t`` (step sampling, as ``pymsis.utils.get_f107_ap`` does
from CelesTrak's file):

- ``f107``: the observed F10.7 of the *previous* UT day;
- ``f107a``: the 81-day mean of observed F10.7 centred on the UT day of ``t`` (from the table's
  ``f107a`` column, else computed from 81 days of ``f107`` in the table);
- ``aps`` (7 values): the daily Ap of the day; the 3-hourly ap of the interval holding ``t``
  and of the three intervals before it; the mean of the eight 3-hourly values 12-33 h before
  (intervals k-11 .. k-4) and of the eight 36-57 h before (k-19 .. k-12).

With ``storm_time`` (the default for a table), NRLMSIS is run with its geomagnetic switch at -1,
the "storm-time ap" mode that uses the 3-hourly history; otherwise the daily Ap fills all seven
slots and the switch stays at 1 (daily Ap only), as for a constant ``ap``.

References
----------
Picone, J. M. et al. (2002). NRLMSISE-00 empirical model of the atmosphere. JGR 107(A12), 1468,
doi:10.1029/2002JA009430 (the ap array; kept by NRLMSIS 2.0/2.1, Emmert et al. 2021, 2022).
Matzka, J. et al. (2021). The geomagnetic Kp index and derived indices of geomagnetic
activity. Space Weather 19, e2020SW002641 (ap and Ap). Tapping, K. F. (2013). The 10.7 cm
solar radio flux (F10.7). Space Weather 11, 394-406.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY_S = 86_400.0
"""Seconds in a UT day."""

AP_STEP_S = 10_800.0
"""Length of a 3-hourly ap interval [s]."""

F107A_HALF_WINDOW_DAYS = 40
"""Half width of the centred 81-day F10.7 mean [days]."""

HISTORY_INTERVALS = 19
"""3-hourly intervals before the current one that NRLMSIS's ap array reaches back (57 h)."""


@dataclass(frozen=True)
class IndexSeries:
    """Daily F10.7 / F10.7a / Ap and 3-hourly ap from ``day0_s`` on, UT days in a row.

    Attributes
    ----------
    day0_s : UTC of 00:00 on the first day [s since 1970]
    ap3 : (8 n_days,) 3-hourly ap, the first interval starting at ``day0_s`` [-]
    daily_ap : (n_days,) daily Ap [-]
    f107_obs : (n_days,) observed F10.7 of each day [sfu]
    f107a : (n_days,) 81-day centred mean F10.7 [sfu]; NaN where the table cannot give it
    storm_time : run NRLMSIS in storm-time ap mode (geomagnetic switch -1)
    """

    day0_s: float
    ap3: np.ndarray
    daily_ap: np.ndarray
    f107_obs: np.ndarray
    f107a: np.ndarray
    storm_time: bool = True

    @classmethod
    def from_days(
        cls,
        day0_s: float,
        ap: np.ndarray,
        f107: np.ndarray,
        daily_ap: np.ndarray | None = None,
        f107a: np.ndarray | None = None,
        storm_time: bool = True,
    ) -> IndexSeries:
        """Build from a day table.

        Parameters
        ----------
        day0_s : UTC of 00:00 on the first day [s since 1970]
        ap : (n_days, 8) 3-hourly ap of each day (00-03, ..., 21-24 UT) [-]
        f107 : (n_days,) observed F10.7 of each day [sfu]
        daily_ap : (n_days,) daily Ap; default the mean of the day's eight ap
        f107a : (n_days,) 81-day centred mean F10.7; default the mean of ``f107`` over the 81
            days centred on the day (NaN within 40 days of the table's ends)
        storm_time : NRLMSIS storm-time ap mode (3-hourly history) or daily Ap only
        """
        ap = np.asarray(ap, dtype=float)
        f107 = np.asarray(f107, dtype=float)
        n = len(f107)
        if ap.shape != (n, 8):
            raise ValueError(f"ap must be (n_days, 8) = ({n}, 8), not {ap.shape}")
        dap = ap.mean(axis=1) if daily_ap is None else np.asarray(daily_ap, dtype=float)
        fa = centred_mean(f107, F107A_HALF_WINDOW_DAYS) if f107a is None else np.asarray(f107a)
        return cls(float(day0_s), ap.ravel(), dap, f107, fa.astype(float), storm_time)

    @property
    def n_days(self) -> int:
        return len(self.f107_obs)

    def valid_span_s(self) -> tuple[float, float]:
        """First and last-plus-one UTC [s] at which every driver is defined.

        A time needs the previous day's F10.7, its day's F10.7a, and (storm-time mode) 57 h of
        3-hourly history.
        """
        ok_day = np.isfinite(self.f107a) & (np.arange(self.n_days) >= 1)
        k = np.arange(len(self.ap3))
        ok = ok_day[k // 8]
        if self.storm_time:
            ok &= k >= HISTORY_INTERVALS
        if not ok.any():
            return (np.nan, np.nan)
        first = int(np.argmax(ok))
        last = len(ok) - int(np.argmax(ok[::-1]))  # one past the last valid interval
        if not ok[first:last].all():
            return (np.nan, np.nan)
        return (self.day0_s + first * AP_STEP_S, self.day0_s + last * AP_STEP_S)

    def ap_array(self) -> np.ndarray:
        """(8 n_days, 7) NRLMSIS ap array of every 3-hourly interval (NaN without history)."""
        ap = self.ap3
        n = len(ap)
        out = np.full((n, 7), np.nan)
        out[:, 0] = np.repeat(self.daily_ap, 8)
        if not self.storm_time:
            out[:, 1:] = out[:, :1]
            return out
        for lag in range(4):  # current interval and the three before it
            out[lag:, 1 + lag] = ap[: n - lag]
        c = np.concatenate([[0.0], np.cumsum(ap)])
        k = np.arange(n)
        for col, (a, b) in ((5, (11, 4)), (6, (19, 12))):  # intervals k-a .. k-b
            has = k >= a
            out[has, col] = (c[k[has] - b + 1] - c[k[has] - a]) / 8.0
        return out

    def at(self, unix_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """NRLMSIS drivers at times ``unix_s`` (any shape, flattened to n).

        Returns
        -------
        f107 (n,) [sfu], f107a (n,) [sfu], aps (n, 7) [-]; NaN outside :meth:`valid_span_s`.
        """
        t = np.ravel(np.asarray(unix_s, dtype=float))
        dt = t - self.day0_s
        k = np.floor(dt / AP_STEP_S)
        d = np.floor(dt / DAY_S)
        in_k = np.isfinite(k) & (k >= 0) & (k < len(self.ap3))
        ki = np.where(in_k, k, 0).astype(np.int64)
        di = np.where(in_k, d, 0).astype(np.int64)
        prev = np.where(di >= 1, di - 1, 0)
        f107 = np.where(in_k & (di >= 1), self.f107_obs[prev], np.nan)
        f107a = np.where(in_k, self.f107a[di], np.nan)
        aps = self._ap_cache()[ki]
        aps[~in_k] = np.nan
        return f107, f107a, aps

    def _ap_cache(self) -> np.ndarray:
        cached = self.__dict__.get("_aps")
        if cached is None:
            cached = self.ap_array()
            object.__setattr__(self, "_aps", cached)
        return cached


def centred_mean(x: np.ndarray, half: int) -> np.ndarray:
    """Mean of ``x[i-half : i+half+1]`` at every i; NaN within ``half`` of either end."""
    x = np.asarray(x, dtype=float)
    out = np.full(len(x), np.nan)
    w = 2 * half + 1
    if len(x) >= w:
        c = np.concatenate([[0.0], np.cumsum(x)])
        out[half : len(x) - half] = (c[w:] - c[:-w]) / w
    return out
