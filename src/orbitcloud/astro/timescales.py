"""Time scales (UTC, TAI, TT, UT1) and Greenwich sidereal time, as two-part Julian dates.

Julian dates are kept as a whole part ``jd`` and a fraction ``fr`` (as sgp4 does) so that a
float64 keeps microsecond resolution. Leap seconds are tabulated from the IERS Bulletin C
history (valid 1972-01-01 onward; the table ends with the 2017-01-01 leap second, and no leap
second has been announced since).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from orbitcloud.astro.constants import OMEGA_EARTH_RAD_S

JD_UNIX_EPOCH = 2440587.5
J2000_JD = 2451545.0

# (UTC date the offset starts, TAI-UTC seconds): IERS Bulletin C.
_LEAP_SECONDS = [
    ((1972, 1, 1), 10), ((1972, 7, 1), 11), ((1973, 1, 1), 12), ((1974, 1, 1), 13),
    ((1975, 1, 1), 14), ((1976, 1, 1), 15), ((1977, 1, 1), 16), ((1978, 1, 1), 17),
    ((1979, 1, 1), 18), ((1980, 1, 1), 19), ((1981, 7, 1), 20), ((1982, 7, 1), 21),
    ((1983, 7, 1), 22), ((1985, 7, 1), 23), ((1988, 1, 1), 24), ((1990, 1, 1), 25),
    ((1991, 1, 1), 26), ((1992, 7, 1), 27), ((1993, 7, 1), 28), ((1994, 7, 1), 29),
    ((1996, 1, 1), 30), ((1997, 7, 1), 31), ((1999, 1, 1), 32), ((2006, 1, 1), 33),
    ((2009, 1, 1), 34), ((2012, 7, 1), 35), ((2015, 7, 1), 36), ((2017, 1, 1), 37),
]  # fmt: skip
_LEAP_JD = np.array(
    [datetime(*d, tzinfo=UTC).timestamp() / 86400.0 + JD_UNIX_EPOCH for d, _ in _LEAP_SECONDS]
)
_LEAP_S = np.array([s for _, s in _LEAP_SECONDS], dtype=float)


def tai_minus_utc_s(jd_utc: np.ndarray | float) -> np.ndarray:
    """TAI-UTC [s] at the given UTC Julian dates (IERS Bulletin C).

    Before 1972 UTC had fractional, drifting offsets; 10 s is returned there by convention
    (an error below 6 s in TT, i.e. < 1e-4 deg in the Sun's position).
    """
    idx = np.searchsorted(_LEAP_JD, np.asarray(jd_utc, dtype=float), side="right") - 1
    return np.where(idx >= 0, _LEAP_S[np.clip(idx, 0, None)], 10.0)


def datetime_to_jd(dt: datetime) -> tuple[float, float]:
    """UTC datetime -> (whole Julian date ending in .5, fraction of day).

    A naive datetime is taken as UTC (as :func:`orbitcloud.scenario.base.parse_utc` does), not
    as the machine's local time.
    """
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    midnight = dt.replace(hour=0, minute=0, second=0, microsecond=0)
    jd = midnight.timestamp() / 86400.0 + JD_UNIX_EPOCH
    fr = (dt - midnight).total_seconds() / 86400.0
    return jd, fr


@dataclass(frozen=True)
class TimeGrid:
    """A run's time grid: ``start + k * step_s`` for k in 0..n-1, in UTC.

    Attributes
    ----------
    start : datetime
        First instant (UTC).
    step_s : float
        Step [s].
    n : int
        Number of steps.
    ut1_utc_s : float
        UT1-UTC [s] applied to sidereal time.
    """

    start: datetime
    step_s: float
    n: int
    ut1_utc_s: float = 0.0

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:  # naive means UTC, never the machine's local time
            object.__setattr__(self, "start", self.start.replace(tzinfo=UTC))

    def offsets_s(self, k0: int = 0, k1: int | None = None) -> np.ndarray:
        """Seconds since start of steps k0..k1-1."""
        k1 = self.n if k1 is None else k1
        return np.arange(k0, k1, dtype=float) * self.step_s

    def jd_utc(self, k0: int = 0, k1: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Two-part UTC Julian dates of steps k0..k1-1 (fraction renormalised to [0, 1))."""
        jd0, fr0 = datetime_to_jd(self.start)
        fr = fr0 + self.offsets_s(k0, k1) / 86400.0
        whole = np.floor(fr)
        return jd0 + whole, fr - whole

    def unix_ms(self, k0: int = 0, k1: int | None = None) -> np.ndarray:
        """Milliseconds since 1970 (UTC) of steps k0..k1-1, as int64 (for Arrow timestamps)."""
        t0 = self.start.timestamp() * 1000.0
        return np.round(t0 + self.offsets_s(k0, k1) * 1000.0).astype(np.int64)

    def datetime_at(self, k: int) -> datetime:
        """UTC datetime of step k."""
        return self.start + timedelta(seconds=k * self.step_s)


def jd_tt(jd_utc: np.ndarray, fr_utc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """UTC -> TT two-part Julian date (TT = UTC + (TAI-UTC) + 32.184 s)."""
    return jd_utc, fr_utc + (tai_minus_utc_s(jd_utc + fr_utc) + 32.184) / 86400.0


def gmst82_rad(jd_ut1: np.ndarray, fr_ut1: np.ndarray) -> tuple[np.ndarray, float]:
    """Greenwich mean sidereal time (IAU 1982) [rad] and the Earth rotation rate [rad/s].

    The angle used for TEME -> PEF by SGP4 users (Vallado et al. 2006, AIAA 2006-6753,
    Appendix C; Aoki et al. 1982), written in Skyfield's form ``theta_GMST1982``, which keeps
    the whole days out of the polynomial so a two-part date keeps microsecond resolution.

    Parameters
    ----------
    jd_ut1, fr_ut1 : two-part Julian date in UT1 [d] (UT1 = UTC + ut1_utc_s)

    Returns
    -------
    theta : GMST82 [rad] in [0, 2 pi), shape of the inputs
    omega : 7.292115146706979e-5 [rad/s], the inertial rotation rate Vallado uses for TEME ->
        ITRF velocities (not d(GMST)/dt, which is faster by the precession in right ascension,
        7.1e-12 rad/s)
    """
    jd_ut1 = np.asarray(jd_ut1, dtype=float)
    fr_ut1 = np.asarray(fr_ut1, dtype=float)
    t = (jd_ut1 - J2000_JD + fr_ut1) / 36525.0
    g = 67310.54841 + (8640184.812866 + (0.093104 + (-6.2e-6) * t) * t) * t
    theta = np.mod(np.mod(jd_ut1, 1.0) + fr_ut1 + g / 86400.0, 1.0) * (2.0 * np.pi)
    return theta, OMEGA_EARTH_RAD_S
