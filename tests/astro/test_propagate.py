"""SGP4 through orbitcloud's vectorised path against the official Vallado verification set.

Source: Vallado, Crawford, Hujsak & Kelso (2006), "Revisiting Spacetrack Report #3", AIAA
2006-6753: ``SGP4-VER.TLE`` (33 satellites, each with its own start/stop/step in minutes after
epoch) and the C++ reference output ``tcppver.out`` (700 lines), both shipped inside the
``sgp4`` package. The reading of the two files follows python-sgp4's ``sgp4/tests.py``
(``generate_test_output`` / ``run_satellite_against_tcppver``): TLEs are parsed with
``Satrec.twoline2rv`` (WGS72, improved mode) with line 2's extra start/stop/step columns left
on, a satellite stops at its first error, and a satellite whose position at epoch is NaN is
printed by the C++ driver as "0.0 + the previous data line" (we check its error code instead).

Here every satellite is propagated at every one of its times in ONE call of
:func:`orbitcloud.astro.propagate.propagate_teme` (one ``SatrecArray`` of all 33 satellites at
the union of all their absolute times), which also exercises the (n_sat, n_time) ->
(n_time, n_sat) transposition and the km -> m conversion.
"""

from __future__ import annotations

import pkgutil

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec, SatrecArray

from orbitcloud.astro.propagate import NONFINITE_ERROR, propagate_teme

TOL_R_KM = 1e-6
"""tcppver.out prints r to 1e-8 km and v to 1e-9 km/s; python-sgp4 itself matches it to 2e-7
(``sgp4/tests.py``). 1e-6 km (1 mm) and 1e-6 km/s leave room for the two-part Julian date
arithmetic of the array path, and are 1e3-1e6 times below any modelling error of interest."""
TOL_V_KM_S = 1e-6

EXPECTED_ERRORS = [1, 1, 6, 6, 4, 3, 6]
"""The error codes met, in file order, by python-sgp4's ``test_satrec_against_tcppver_*``:
mean eccentricity out of range (x2), decayed (x2), semilatus rectum < 0, perturbed
eccentricity out of range, decayed."""


def _read_verification_set():
    """Satellites, and per satellite the tsince values [min] the C++ driver prints."""
    tle_lines = iter(pkgutil.get_data("sgp4", "SGP4-VER.TLE").decode("ascii").splitlines())
    sats, times = [], []
    for line1 in tle_lines:
        if not line1.startswith("1"):
            continue
        line2 = next(tle_lines)
        sat = Satrec.twoline2rv(line1, line2, WGS72)
        tstart, tend, tstep = (float(f) for f in line2[69:].split())
        ts = [0.0]
        tsince = tstart
        while tsince <= tend:
            if not (tsince == tstart == 0.0):
                ts.append(tsince)
            tsince += tstep
        if tsince - tend < tstep - 1e-6:  # the driver's "do not miss last line"
            ts.append(tend)
        sats.append(sat)
        times.append(ts)
    return sats, times


def _read_tcppver():
    """Blocks ``(satnum, [(tsince, r_km(3), v_km_s(3)), ...])`` of tcppver.out, in file order.

    A list, not a dict: satellite 20413 appears twice (two element sets).
    """
    text = pkgutil.get_data("sgp4", "tcppver.out").decode("ascii").replace("\r", "")
    lines = text.splitlines()
    assert len(lines) == 700
    out: list[tuple[int, list]] = []
    for line in lines:
        fields = line.split()
        if fields[1] == "xx":
            out.append((int(fields[0]), []))
            continue
        values = [float(f) for f in fields[:7]]
        out[-1][1].append((values[0], np.array(values[1:4]), np.array(values[4:7])))
    return out


@pytest.fixture(scope="module")
def verification():
    sats, times = _read_verification_set()
    # Absolute two-part Julian dates, as python-sgp4's test builds them for each satellite.
    jd_all, fr_all, index = [], [], []
    for s, ts in zip(sats, times, strict=True):
        rows = []
        for tsince in ts:
            whole, fraction = divmod(tsince / 1440.0, 1.0)
            jd_all.append(s.jdsatepoch + whole)
            fr_all.append(s.jdsatepochF + fraction)
            rows.append(len(jd_all) - 1)
        index.append(rows)
    r_m, v_m_s, err = propagate_teme(SatrecArray(sats), np.array(jd_all), np.array(fr_all))
    return sats, times, index, r_m, v_m_s, err


def test_vallado_2006_sgp4_ver_shapes_and_units(verification):
    sats, _, _, r_m, v_m_s, err = verification
    n_time = r_m.shape[0]
    assert r_m.shape == v_m_s.shape == (n_time, len(sats), 3)
    assert err.shape == (n_time, len(sats))
    assert r_m.flags.c_contiguous
    # flagged rows are NaN, unflagged are finite (errors as data, never silently used)
    assert np.isnan(r_m[err != 0]).all()
    assert np.isfinite(r_m[err == 0]).all()


def test_vallado_2006_sgp4_ver_against_tcppver(verification):
    """Every printed state of tcppver.out, r within 1e-6 km and v within 1e-6 km/s."""
    sats, times, index, r_m, v_m_s, err = verification
    expected = _read_tcppver()
    assert [n for n, _ in expected] == [s.satnum for s in sats]
    errors_met = []
    compared = 0
    for j, (s, ts, rows) in enumerate(zip(sats, times, index, strict=True)):
        ref = expected[j][1]
        if err[rows[0], j] != 0 and np.isnan(r_m[rows[0], j]).all():
            # the C++ driver printed "0.0 + previous line": nothing to compare, an error to count
            errors_met.append(int(err[rows[0], j]))
            assert len(ref) == 1
            continue
        k_ref = 0
        for tsince, row in zip(ts, rows, strict=True):
            if err[row, j] != 0:
                errors_met.append(int(err[row, j]))
                break
            t_ref, r_ref, v_ref = ref[k_ref]
            assert t_ref == pytest.approx(tsince, abs=1e-8)
            np.testing.assert_allclose(
                r_m[row, j] / 1000.0, r_ref, rtol=0, atol=TOL_R_KM, err_msg=f"{s.satnum} {tsince}"
            )
            np.testing.assert_allclose(
                v_m_s[row, j] / 1000.0, v_ref, rtol=0, atol=TOL_V_KM_S, err_msg=f"{s.satnum}"
            )
            k_ref += 1
            compared += 1
        assert k_ref == len(ref), f"satellite {s.satnum}: {k_ref} of {len(ref)} lines compared"
    assert errors_met == EXPECTED_ERRORS
    assert compared == 700 - len(expected) - 1  # 33 header lines, one "previous line" case


def test_nonfinite_with_code_zero_is_flagged():
    """A NaN mean motion gives NaN with sgp4 code 0 (PITFALLS.md): orbitcloud flags it (7)."""
    good = Satrec()
    good.sgp4init(WGS72, "i", 1, 25000.0, 0.0, 0.0, 0.0, 1e-4, 0.0, 0.9, 0.0, 0.0675, 0.0)
    bad = Satrec()
    bad.sgp4init(WGS72, "i", 2, 25000.0, 0.0, 0.0, 0.0, float("nan"), 0.0, 0.9, 0.0, 0.0675, 0.0)
    jd = np.full(3, 2433281.5 + 25000.0)
    fr = np.array([0.0, 0.1, 0.2])
    e_raw, r_raw, _ = SatrecArray([bad]).sgp4(jd, fr)
    assert (e_raw == 0).all()
    assert np.isnan(r_raw).all()
    r, v, err = propagate_teme(SatrecArray([good, bad]), jd, fr)
    assert (err[:, 0] == 0).all()
    assert (err[:, 1] == NONFINITE_ERROR).all()
    assert np.isfinite(r[:, 0]).all()
    assert np.isnan(r[:, 1]).all()
    assert np.isnan(v[:, 1]).all()
