"""Collision probability on the 19 published short-encounter cases, thin covariances included.

Cases (encounter plane, principal axes): Chan (2008), *Spacecraft Collision Probability*, ch. 10
(12 cases); three CSM and two CDM cases and Alfano (2009, AAS 09-233) cases 3 and 5, as tabulated
with reference probabilities in Orekit's ``Laas2015Test`` (org.orekit.ssa.collision.
shorttermencounter.probability.twod, Orekit 12), computed by the method of Serra, R. et al.
(2016), J. Guidance, Control, and Dynamics 39(5), 1009-1021 (exact series). Reference values
have 4-5 significant digits; the tolerance 3e-4 relative is that rounding.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from orbitcloud.operations import conjunction as cj

# name, x_m, y_m, sigma_x, sigma_y [m], hard-body radius [m], reference Pc
CASES = [
    ("Chan 01", 0, 10, 25, 50, 5, 9.742e-3),
    ("Chan 02", 10, 0, 25, 50, 5, 9.181e-3),
    ("Chan 03", 0, 10, 25, 75, 5, 6.571e-3),
    ("Chan 04", 10, 0, 25, 75, 5, 6.125e-3),
    ("Chan 05", 0, 1000, 1000, 3000, 10, 1.577e-5),
    ("Chan 06", 1000, 0, 1000, 3000, 10, 1.011e-5),
    ("Chan 07", 0, 10000, 1000, 3000, 10, 6.443e-8),
    ("Chan 08", 10000, 0, 1000, 3000, 10, 3.219e-27),
    ("Chan 09", 0, 10000, 1000, 10000, 10, 3.033e-6),
    ("Chan 10", 10000, 0, 1000, 10000, 10, 9.656e-28),
    ("Chan 11", 0, 5000, 1000, 3000, 50, 1.039e-4),
    ("Chan 12", 5000, 0, 1000, 3000, 50, 1.564e-9),
    ("CSM 1", 84.875546, 60.583685, 57.918666, 152.8814468, 10.3, 1.9002e-3),
    ("CSM 2", -81.618369, 115.055899, 15.988242, 5756.840725, 1.3, 2.0553e-11),
    ("CSM 3", 102.177247, 693.405893, 94.230921, 643.409272, 5.3, 7.2003e-5),
    ("CDM 1", -752.672701, 644.939441, 445.859950, 6095.858688, 3.5, 5.3904e-7),
    ("CDM 2", -692.362272, 4475.456261, 193.454603, 562.027293, 13.2, 2.2796e-20),
    ("Alfano 3", -3.8872073, 0.1591646, 1.4101830, 114.2585190, 15.0, 1.0038e-1),
    ("Alfano 5", -1.2217895, 2.1230067, 0.0373279, 177.8109003, 10.0, 4.4507e-2),
]


def _api(xm: float, ym: float, sx: float, sy: float) -> tuple[float, np.ndarray]:
    """The case as (miss along the first axis, covariance rotated with it)."""
    d = float(np.hypot(xm, ym))
    c, s = (xm / d, ym / d) if d > 0 else (1.0, 0.0)
    rot = np.array([[c, s], [-s, c]])
    return d, rot @ np.diag([sx * sx, sy * sy]) @ rot.T


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_published_cases(case):
    """All 19 within the references' rounding, Alfano 5 (sigma_min / R = 0.004) included: the
    polar rule alone gave 6.82e-2 there (+53 %)."""
    _, xm, ym, sx, sy, hbr, ref = case
    d, cov = _api(xm, ym, sx, sy)
    pc = cj.pc_foster_2d(np.array([d]), cov[None], hbr)[0]
    assert pc == pytest.approx(ref, rel=3e-4)
    # the erf rule alone holds everywhere, not only where pc_foster_2d hands over to it
    assert cj.pc_foster_2d_erf(np.array([d]), cov[None], hbr)[0] == pytest.approx(ref, rel=3e-4)


def test_all_cases_in_one_vectorised_call():
    d, cov = zip(*(_api(*c[1:5]) for c in CASES), strict=True)
    hbr = np.array([c[5] for c in CASES])
    ref = np.array([c[6] for c in CASES])
    pc = cj.pc_foster_2d(np.array(d), np.array(cov), hbr)
    np.testing.assert_allclose(pc, ref, rtol=3e-4)


@pytest.mark.parametrize("ratio", [1e-4, 1e-3, 0.01, 0.1, 0.19, 0.5])
@pytest.mark.parametrize("miss", [0.0, 3.0, 9.0, 11.0])
def test_thin_covariance_against_adaptive_quadrature(ratio, miss):
    """A thin ridge across the disk, at angles, against scipy's adaptive ``quad`` of the same
    erf integral written independently in the covariance's own frame (points at the ridge)."""
    hbr, s_wide, ang = 10.0, 200.0, np.radians(35.0)
    s_thin = ratio * hbr
    c, s = np.cos(ang), np.sin(ang)
    axes = np.array([[c, -s], [s, c]])  # columns: thin axis, wide axis
    cov = axes @ np.diag([s_thin**2, s_wide**2]) @ axes.T
    mean = axes.T @ np.array([miss, 0.0])  # the mean in the (thin, wide) frame

    def f(x):
        h = np.sqrt(max(hbr * hbr - x * x, 0.0))
        return norm.pdf(x, mean[0], s_thin) * (
            norm.cdf(h, mean[1], s_wide) - norm.cdf(-h, mean[1], s_wide)
        )

    # split at the ridge and 30 sigma either side (quad over a long interval with the ridge at
    # an end samples only zeros)
    near = mean[0] + np.array([-30.0, 0.0, 30.0]) * s_thin
    cuts = np.unique(np.clip(np.concatenate([[-hbr, hbr], near]), -hbr, hbr))
    ref = sum(
        quad(f, a, b, limit=500, epsabs=1e-16, epsrel=1e-9)[0] for a, b in itertools.pairwise(cuts)
    )
    pc = cj.pc_foster_2d(np.array([miss]), cov[None], hbr)[0]
    assert pc == pytest.approx(ref, rel=1e-6, abs=1e-300)


def test_rank_one_covariance_is_the_chord_limit():
    """sigma_min -> 0: Pc tends to the 1-D Gaussian mass on the chord x = m_x; a thin but
    non-zero sigma is already close to it, and exactly zero gives the limit, not NaN."""
    hbr, s_wide, miss = 10.0, 50.0, 6.0
    chord = np.sqrt(hbr**2 - miss**2)
    limit = norm.cdf(chord, 0.0, s_wide) - norm.cdf(-chord, 0.0, s_wide)
    for s_thin in (0.0, 1e-6):
        cov = np.diag([s_thin**2, s_wide**2])[None]
        pc = cj.pc_foster_2d(np.array([miss]), cov, hbr)[0]
        assert pc == pytest.approx(limit, rel=1e-6)
    outside = cj.pc_foster_2d(np.array([12.0]), np.diag([0.0, s_wide**2])[None], hbr)[0]
    assert outside == 0.0
