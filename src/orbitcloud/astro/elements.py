"""Mean elements for designed satellites, and the satellite set every source ends up in.

Every satellite -- from a TLE/OMM file or designed (Walker, sun-synchronous, cluster) -- becomes
an sgp4 ``Satrec`` built from mean elements (WGS72, improved mode), so all go through the same
vectorised SGP4 call (DESIGN.md, "one propagation path").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from sgp4.api import WGS72, Satrec
from sgp4.earth_gravity import wgs72

from orbitcloud.astro.constants import J2, MU_EARTH_M3_S2, R_EARTH_M, TROPICAL_YEAR_S
from orbitcloud.astro.timescales import datetime_to_jd

_DEG = np.pi / 180.0
_EPOCH_1949 = 2433281.5  # 1949 December 31 00:00 UT, sgp4init's epoch origin


@dataclass
class SatelliteSet:
    """All satellites of a run, indexed densely by ``sat`` = 0..n-1.

    Attributes
    ----------
    satrecs : list of sgp4 Satrec, one per satellite
    name, source, kind : (n,) object arrays (kind: tle, omm, walker, sso, cluster)
    norad_id, shell, plane, slot : (n,) int arrays (-1 where not applicable); ``shell`` is the
        index of the constellation entry in the scenario
    """

    satrecs: list[Satrec]
    name: np.ndarray
    norad_id: np.ndarray
    source: np.ndarray
    kind: np.ndarray
    shell: np.ndarray
    plane: np.ndarray
    slot: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.satrecs)

    @staticmethod
    def concat(parts: list[SatelliteSet]) -> SatelliteSet:
        # first-seen order (a set's order changes with PYTHONHASHSEED, and so would the
        # satellites table's column order)
        keys = list(dict.fromkeys(k for p in parts for k in p.extra))
        extra = {}
        for k in keys:
            extra[k] = np.concatenate([p.extra.get(k, np.full(len(p), np.nan)) for p in parts])
        return SatelliteSet(
            satrecs=[s for p in parts for s in p.satrecs],
            name=np.concatenate([p.name for p in parts]),
            norad_id=np.concatenate([p.norad_id for p in parts]),
            source=np.concatenate([p.source for p in parts]),
            kind=np.concatenate([p.kind for p in parts]),
            shell=np.concatenate([p.shell for p in parts]),
            plane=np.concatenate([p.plane for p in parts]),
            slot=np.concatenate([p.slot for p in parts]),
            extra=extra,
        )


def circular_period_s(altitude_m: np.ndarray | float, radius_m: float = R_EARTH_M) -> np.ndarray:
    """Two-body period of a circular orbit, T = 2 pi sqrt(a^3 / mu) [s]."""
    a = radius_m + np.asarray(altitude_m, dtype=float)
    return 2.0 * np.pi * np.sqrt(a**3 / MU_EARTH_M3_S2)


def nodal_rate_rad_s(
    a_m: np.ndarray | float, inc_rad: np.ndarray | float, ecc: float = 0.0
) -> np.ndarray:
    """Secular J2 nodal rate dRAAN/dt = -(3/2) n J2 (Re/p)^2 cos i [rad/s].

    Vallado, *Fundamentals of Astrodynamics and Applications*, secular J2 effects (eq. 9-41 in
    the 4th ed.); p = a (1 - e^2). First order in J2: SGP4 adds J2^2 and J4 terms, 0.4% more at
    550 km (tests/astro/test_elements.py).

    Parameters
    ----------
    a_m : mean semi-major axis [m]
    inc_rad : inclination [rad]
    ecc : eccentricity
    """
    a = np.asarray(a_m, dtype=float)
    n = np.sqrt(MU_EARTH_M3_S2 / a**3)
    p = a * (1.0 - ecc * ecc)
    return -1.5 * n * J2 * (R_EARTH_M / p) ** 2 * np.cos(inc_rad)


def mean_latitude_rate_rad_s(
    a_m: np.ndarray | float, inc_rad: np.ndarray | float, ecc: np.ndarray | float = 0.0
) -> np.ndarray:
    """Secular J2 rate of the mean argument of latitude plus node, d(M + w + RAAN cos i)/dt.

    lambda_dot = n (1 + (3/4) J2 (Re/p)^2 [eta (3 cos^2 i - 1) + 3 cos^2 i - 1]), eta =
    sqrt(1 - e^2): the along-track rate that two formation members must share to stay
    together (Schaub & Alfriend 2001, "J2 invariant relative orbits for spacecraft formations",
    Celest. Mech. Dyn. Astron. 79, 77-95; the secular rates of Vallado, eqs. 9-41 to 9-43).
    First order in J2, valid for any e < 1.

    Parameters
    ----------
    a_m : mean semi-major axis [m]
    inc_rad : inclination [rad]
    ecc : eccentricity

    Returns
    -------
    rate [rad/s], broadcast shape of the inputs
    """
    a = np.asarray(a_m, dtype=float)
    e = np.asarray(ecc, dtype=float)
    n = np.sqrt(MU_EARTH_M3_S2 / a**3)
    eta = np.sqrt(1.0 - e * e)
    c2 = np.cos(inc_rad) ** 2
    k = 0.75 * J2 * (R_EARTH_M / (a * eta * eta)) ** 2
    return n * (1.0 + k * (eta * (3.0 * c2 - 1.0) + 3.0 * c2 - 1.0))


def sun_synchronous_inclination_rad(altitude_m: np.ndarray | float, ecc: float = 0.0) -> np.ndarray:
    """Inclination whose J2 node rate is 360 deg per tropical year [rad].

    cos i = -(2 pi / year) / ((3/2) n J2 (Re/p)^2) (Vallado, *Fundamentals of Astrodynamics and
    Applications*, sec. 9.6): 97.593 / 97.986 / 98.603 deg at 550 / 650 / 800 km. First order
    in J2; SGP4's node rate (with J2^2 and J4) is 0.3% slower at this inclination, so a satellite
    built with it drifts 4.4 min of LTAN a year under SGP4 -- the builders use
    :func:`sun_synchronous_inclination_sgp4_rad` instead.

    Parameters
    ----------
    altitude_m : mean altitude above the equatorial radius [m]
    ecc : eccentricity
    """
    a = R_EARTH_M + np.asarray(altitude_m, dtype=float)
    n = np.sqrt(MU_EARTH_M3_S2 / a**3)
    p = a * (1.0 - ecc * ecc)
    target = 2.0 * np.pi / TROPICAL_YEAR_S
    cos_i = -target / (1.5 * n * J2 * (R_EARTH_M / p) ** 2)
    return np.arccos(np.clip(cos_i, -1.0, 1.0))


def sun_synchronous_inclination_sgp4_rad(altitude_m: float, ecc: float = 0.0) -> float:
    """Inclination whose *SGP4* secular node rate is 360 deg per tropical year [rad].

    Starts from the J2 value (:func:`sun_synchronous_inclination_rad`) and corrects cos i by the
    ratio of the target rate to SGP4's own ``nodedot`` (which adds J2^2 and J4 terms, Hoots &
    Roehrich 1980, Spacetrack Report #3), with the SGP4 mean semi-major axis held at R_E +
    altitude (:func:`kozai_mean_motion_for_altitude`). Three steps converge to 1e-12 rad;
    about 0.024 deg more than the J2 value in LEO, and a node that keeps its local time under
    SGP4 (tests/astro/test_constellations.py).
    """
    target_rad_min = 2.0 * np.pi / TROPICAL_YEAR_S * 60.0
    inc = float(sun_synchronous_inclination_rad(altitude_m, ecc))
    for _ in range(4):
        n = float(kozai_mean_motion_for_altitude(np.array([altitude_m]), inc, ecc)[0])
        s = Satrec()
        s.sgp4init(WGS72, "i", 0, 25000.0, 0.0, 0.0, 0.0, ecc, 0.0, inc, 0.0, n, 0.0)
        inc = float(np.arccos(np.clip(np.cos(inc) * target_rad_min / s.nodedot, -1.0, 1.0)))
    return inc


def kozai_mean_motion_for_altitude(
    altitude_m: np.ndarray | float, inc_rad: np.ndarray | float, ecc: np.ndarray | float
) -> np.ndarray:
    """SGP4 (Kozai) mean motion [rad/min] whose SGP4 mean semi-major axis is R_E + altitude.

    sgp4init converts the Kozai mean motion to Brouwer's by the J2 relation of Hoots &
    Roehrich, Spacetrack Report #3 (1980), ``initl``; this inverts it by fixed-point iteration
    so that a designed shell at ``altitude_km`` has that mean altitude (WGS84 equatorial
    radius), not a J2-shifted one.
    """
    h = np.asarray(altitude_m, dtype=float)
    inc = np.broadcast_to(np.asarray(inc_rad, dtype=float), h.shape)
    e = np.broadcast_to(np.asarray(ecc, dtype=float), h.shape)
    ao = (R_EARTH_M + h) / (wgs72.radiusearthkm * 1000.0)  # earth radii (WGS72 units)
    n_brouwer = wgs72.xke / ao**1.5
    cosio2 = np.cos(inc) ** 2
    omeosq = 1.0 - e * e
    d1 = 0.75 * wgs72.j2 * (3.0 * cosio2 - 1.0) / (np.sqrt(omeosq) * omeosq)
    n_kozai = n_brouwer.copy()
    for _ in range(30):
        ak = (wgs72.xke / n_kozai) ** (2.0 / 3.0)
        d = d1 / (ak * ak)
        adel = ak * (1.0 - d * d - d * (1.0 / 3.0 + 134.0 * d * d / 81.0))
        d = d1 / (adel * adel)
        n_kozai = n_brouwer * (1.0 + d)
    return n_kozai


def make_satrecs(
    epoch: datetime,
    n_kozai_rad_min: np.ndarray | float,
    ecc: np.ndarray | float,
    inc_rad: np.ndarray | float,
    raan_rad: np.ndarray | float,
    argp_rad: np.ndarray | float,
    mean_anomaly_rad: np.ndarray | float,
    bstar: float = 0.0,
    first_satnum: int = 1,
) -> list[Satrec]:
    """Build sgp4 Satrecs (WGS72, improved mode) from mean elements, one per array entry."""
    jd, fr = datetime_to_jd(epoch)
    epoch_days = (jd - _EPOCH_1949) + fr
    arrays = np.broadcast_arrays(
        np.asarray(n_kozai_rad_min, float), np.asarray(ecc, float), np.asarray(inc_rad, float),
        np.asarray(raan_rad, float), np.asarray(argp_rad, float),
        np.asarray(mean_anomaly_rad, float),
    )  # fmt: skip
    out = []
    for k, (n, e, i, o, w, m) in enumerate(zip(*[a.ravel() for a in arrays], strict=True)):
        s = Satrec()
        s.sgp4init(
            WGS72, "i", (first_satnum + k) % 100000, epoch_days, bstar, 0.0, 0.0,
            float(e), float(np.mod(w, 2 * np.pi)), float(i), float(np.mod(m, 2 * np.pi)),
            float(n), float(np.mod(o, 2 * np.pi)),
        )  # fmt: skip
        out.append(s)
    return out


def walker_elements(
    planes: int,
    sats_per_plane: int,
    phase_factor: int,
    pattern: str = "delta",
    raan0_rad: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """RAAN and mean anomaly of a Walker i:t/p/f constellation (Walker 1984).

    Plane k has RAAN ``raan0 + k * 2 pi / p`` (delta) or ``k * pi / p`` (star); slot j has mean
    anomaly ``j * 2 pi / s + k * f * 2 pi / t`` with s = t / p.

    Returns
    -------
    raan_rad, mean_anomaly_rad, plane, slot : (t,) arrays, plane-major order
    """
    t = planes * sats_per_plane
    plane = np.repeat(np.arange(planes), sats_per_plane)
    slot = np.tile(np.arange(sats_per_plane), planes)
    spread = np.pi if pattern == "star" else 2.0 * np.pi
    raan = raan0_rad + plane * spread / planes
    ma = slot * 2.0 * np.pi / sats_per_plane + plane * phase_factor * 2.0 * np.pi / t
    return raan, np.mod(ma, 2 * np.pi), plane, slot


def sso_raan_rad(epoch: datetime, ltan_h: float) -> float:
    """RAAN that puts the ascending node at local (mean) solar time ``ltan_h`` at ``epoch``.

    RAAN = RA of the mean Sun + (LTAN - 12 h) * 15 deg/h; the mean Sun's right ascension is
    approximated by the mean longitude L0 = 280.46646 + 36000.76983 T deg (Meeus eq. 25.2);
    the equation of time (< 17 min, i.e. < 4.1 deg of RAAN) is neglected, as mission designers do
    when quoting an LTAN.
    """
    jd, fr = datetime_to_jd(epoch)
    t = (jd - 2451545.0 + fr) / 36525.0
    l0 = 280.46646 + 36000.76983 * t
    return float(np.mod((l0 + (ltan_h - 12.0) * 15.0) * _DEG, 2 * np.pi))


def hex_disk_points(count: int, spacing_m: float) -> np.ndarray:
    """The ``count`` points of a hexagonal grid (pitch ``spacing_m``) nearest the origin, (n, 2).

    Ties at equal radius are broken by angle so the selection is deterministic.
    """
    rings = int(np.ceil(np.sqrt(count))) + 2
    i, j = np.meshgrid(np.arange(-rings, rings + 1), np.arange(-rings, rings + 1), indexing="ij")
    x = (i + 0.5 * j).ravel() * spacing_m
    y = (j * np.sqrt(3.0) / 2.0).ravel() * spacing_m
    r = np.round(np.hypot(x, y), 6)
    ang = np.round(np.mod(np.arctan2(y, x), 2 * np.pi), 9)
    order = np.lexsort((ang, r))
    return np.stack([x[order][:count], y[order][:count]], axis=-1)


def cluster_relative_elements(
    disk_xy_m: np.ndarray, a_m: float, inc_rad: float
) -> dict[str, np.ndarray]:
    """Relative orbital elements that put members on HCW general circular orbits (GCO).

    A member at disk coordinates (p, q) follows, in the chief's Hill frame (x radial, y along
    track, z cross track) with argument of latitude u,
    ``x = (rho/2) sin(u + alpha), y = rho cos(u + alpha), z = (sqrt(3)/2) rho sin(u + alpha)``,
    with rho = |(p, q)|, which keeps every member at constant distance rho from the chief and
    all mutual distances constant: the formation is a disk that rotates rigidly once per orbit
    (to first order; J2 and differential drag perturb it -- see orbitcloud.operations).
    Mapped to mean relative elements with the linear near-circular map of D'Amico (2010, PhD
    thesis TU Delft, eq. 2.22): x/a = -de_x cos u - de_y sin u, y/a = dlambda + 2 de_x sin u
    - 2 de_y cos u, z/a = di_x sin u - di_y cos u, with da = 0 (no along-track drift).

    Returns
    -------
    dict with ``de_x``, ``de_y``, ``di_x``, ``di_y`` (dimensionless, (n,)).
    """
    p = disk_xy_m[:, 0]
    q = disk_xy_m[:, 1]
    rho = np.hypot(p, q)
    alpha = np.arctan2(p, q)  # p = rho sin(alpha), q = rho cos(alpha)
    de_x = -(rho / (2 * a_m)) * np.sin(alpha)
    de_y = -(rho / (2 * a_m)) * np.cos(alpha)
    di_x = (np.sqrt(3.0) / 2.0) * (rho / a_m) * np.cos(alpha)
    di_y = -(np.sqrt(3.0) / 2.0) * (rho / a_m) * np.sin(alpha)
    del inc_rad
    return {"de_x": de_x, "de_y": de_y, "di_x": di_x, "di_y": di_y}
