"""Time scales against Skyfield (its built-in IERS leap-second table and UT1 data).

Sources: IERS Bulletin C (leap seconds, as tabulated by Skyfield's built-in timescale);
TT = TAI + 32.184 s (IAU 1991); GMST 1982 (Aoki et al. 1982, the angle of AIAA 2006-6753
Appendix C) against Skyfield's ``theta_GMST1982`` and, independently, against Skyfield's IAU
2006 GMST.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from orbitcloud.astro.timescales import (
    TimeGrid,
    datetime_to_jd,
    gmst82_rad,
    jd_tt,
    tai_minus_utc_s,
)

skyfield_api = pytest.importorskip("skyfield.api")


@pytest.fixture(scope="module")
def ts():
    return skyfield_api.load.timescale(builtin=True)


def _random_datetimes(n: int, seed: int, first: int = 1973, last: int = 2049) -> list[datetime]:
    rng = np.random.default_rng(seed)
    a = datetime(first, 1, 1, tzinfo=UTC).timestamp()
    b = datetime(last, 1, 1, tzinfo=UTC).timestamp()
    return [datetime.fromtimestamp(s, UTC) for s in rng.uniform(a, b, n)]


def test_leap_seconds_against_skyfield_table(ts):
    """TAI-UTC just before and at every leap second Skyfield knows (1972-07-01 .. 2017-01-01)."""
    for jd_leap, offset in zip(ts.leap_dates, ts.leap_offsets, strict=True):
        before = tai_minus_utc_s(jd_leap - 1.0 / 86400.0)
        at = tai_minus_utc_s(jd_leap)
        assert at == offset, jd_leap
        assert before == offset - 1, jd_leap
    assert tai_minus_utc_s(datetime_to_jd(datetime(2030, 1, 1, tzinfo=UTC))[0]) == 37.0


def test_tt_minus_utc_against_skyfield(ts):
    """TT from UTC for 2,000 instants 1973-2049, within 1 us (both are two-part dates)."""
    dts = _random_datetimes(2000, seed=0)
    t = ts.from_datetimes(dts)
    jd = np.array([datetime_to_jd(d) for d in dts])
    jt, ft = jd_tt(jd[:, 0], jd[:, 1])
    diff_s = ((jt - t.whole) + (ft - t.tt_fraction)) * 86400.0
    np.testing.assert_allclose(diff_s, 0.0, atol=1e-6)


def test_gmst82_against_skyfield(ts):
    """GMST82 of UT1 equals Skyfield's ``theta_GMST1982`` fed the same UT1.

    UT1 is made like for like: ours is UTC + Skyfield's ``dut1`` for that instant.
    """
    from skyfield.sgp4lib import theta_GMST1982

    dts = _random_datetimes(2000, seed=1)
    t = ts.from_datetimes(dts)
    jd = np.array([datetime_to_jd(d) for d in dts])
    ours, rate = gmst82_rad(jd[:, 0], jd[:, 1] + t.dut1 / 86400.0)
    theirs, theirs_rate_per_day = theta_GMST1982(t.whole, t.ut1_fraction)
    wrap = np.angle(np.exp(1j * (ours - theirs)))
    np.testing.assert_allclose(wrap, 0.0, atol=1e-11)  # same formula: round-off only
    # The rate returned is Vallado's inertial Earth rotation rate (used for ITRF velocities and
    # checked by the Appendix C velocity test); Skyfield returns d(GMST)/dt, faster by the
    # general precession in right ascension, 4612"/century = 7.09e-12 rad/s (9.7e-8 relative).
    np.testing.assert_allclose(theirs_rate_per_day / 86400.0 - rate, 7.09e-12, rtol=2e-3)


def test_gmst82_against_skyfield_iau2006_gmst(ts):
    """An independent check: Skyfield's IAU 2006 GMST (ERA based) at the same UT1.

    The 1982 and 2006 expressions differ by the IAU 2000 precession-rate correction
    (-0.3"/century) and frame offsets: 0.12" measured over 1973-2049, so 0.2" (1e-6 rad).
    """
    dts = _random_datetimes(2000, seed=2)
    t = ts.from_datetimes(dts)
    jd = np.array([datetime_to_jd(d) for d in dts])
    ours, _ = gmst82_rad(jd[:, 0], jd[:, 1] + t.dut1 / 86400.0)
    gmst06 = t.gmst / 24.0 * 2.0 * np.pi
    np.testing.assert_allclose(np.angle(np.exp(1j * (ours - gmst06))), 0.0, atol=1e-6)


def test_time_grid_steps():
    """start + k * step_s, with the fraction renormalised and ms timestamps exact."""
    start = datetime(2023, 7, 18, 23, 0, tzinfo=UTC)
    grid = TimeGrid(start, 600.0, 13)
    jd, fr = grid.jd_utc()
    assert ((fr >= 0) & (fr < 1)).all()
    assert (jd % 1 == 0.5).all()
    np.testing.assert_allclose((jd - jd[0] + fr - fr[0]) * 86400.0, np.arange(13) * 600.0)
    ms = grid.unix_ms()
    assert ms[0] == int(start.timestamp() * 1000)
    assert (np.diff(ms) == 600_000).all()
    assert grid.datetime_at(12) == start + timedelta(hours=2)
    jd5, fr5 = grid.jd_utc(5, 7)
    np.testing.assert_array_equal(jd5, jd[5:7])
    np.testing.assert_array_equal(fr5, fr[5:7])
