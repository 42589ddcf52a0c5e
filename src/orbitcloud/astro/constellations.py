"""Constellation builders: every scenario source becomes rows of one :class:`SatelliteSet`.

Sources: TLE/3LE and OMM files (validated field by field), Walker delta/star shells (or Hypatia's
exact layout), sun-synchronous orbits by altitude and LTAN, and Suncatcher-like clusters.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sgp4.api import WGS72, Satrec

from orbitcloud.astro.constants import R_EARTH_M
from orbitcloud.astro.elements import (
    SatelliteSet,
    cluster_relative_elements,
    hex_disk_points,
    kozai_mean_motion_for_altitude,
    make_satrecs,
    mean_latitude_rate_rad_s,
    sso_raan_rad,
    sun_synchronous_inclination_sgp4_rad,
    walker_elements,
)
from orbitcloud.scenario.base import parse_utc
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import (
    ClusterSpec,
    ConstellationSpec,
    Scenario,
    SsoSpec,
    WalkerSpec,
    check_run_size,
)

_DEG = np.pi / 180.0
_REV_PER_DAY_TO_RAD_MIN = 2.0 * np.pi / 1440.0


def _set(
    satrecs: list[Satrec], names: list[str], norad: np.ndarray, source: str, kind: str,
    shell: int, plane: np.ndarray | None = None, slot: np.ndarray | None = None,
) -> SatelliteSet:  # fmt: skip
    n = len(satrecs)
    return SatelliteSet(
        satrecs=satrecs,
        name=np.array(names, dtype=object),
        norad_id=np.asarray(norad, dtype=np.int64),
        source=np.full(n, source, dtype=object),
        kind=np.full(n, kind, dtype=object),
        shell=np.full(n, shell, dtype=np.int64),
        plane=np.full(n, -1, dtype=np.int64) if plane is None else plane.astype(np.int64),
        slot=np.full(n, -1, dtype=np.int64) if slot is None else slot.astype(np.int64),
    )


def _checksum(line: str) -> int:
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def hypatia_tle_lines(
    planes: int, sats_per_plane: int, inclination_deg: float, eccentricity: float,
    arg_perigee_deg: float, mean_motion_rev_per_day: float,
) -> list[tuple[str, str]]:  # fmt: skip
    """TLE lines exactly as Hypatia's ``generate_tles_from_scratch_manual`` writes them.

    Kassing et al., "Exploring the 'Internet from space' with Hypatia", IMC 2020;
    ``satgenpy/satgen/tles/generate_tles_from_scratch.py``: RAAN k 360/p, odd planes shifted
    by 360/(2 s) in mean anomaly, epoch 2000-01-01 00:00 (``00001.00000000``), values rounded by
    the TLE's own formats -- reproduced to the character so SGP4 sees the same elements.
    """
    out = []
    counter = 0
    for orbit in range(planes):
        raan = orbit * 360.0 / planes
        shift = 360.0 / (sats_per_plane * 2.0) if orbit % 2 == 1 else 0.0
        for n_sat in range(sats_per_plane):
            ma = shift + (n_sat * 360 / sats_per_plane)
            l1 = "1 %05dU 00000ABC 00001.00000000  .00000000  00000-0  00000+0 0    0" % (
                counter + 1
            )
            l2 = "2 %05d %s %s %s %s %s %s    0" % (
                counter + 1,
                ("%3.4f" % inclination_deg).rjust(8),
                ("%3.4f" % raan).rjust(8),
                ("%0.7f" % eccentricity)[2:],
                ("%3.4f" % arg_perigee_deg).rjust(8),
                ("%3.4f" % ma).rjust(8),
                ("%2.8f" % mean_motion_rev_per_day).rjust(11),
            )
            out.append((l1 + str(_checksum(l1)), l2 + str(_checksum(l2))))
            counter += 1
    return out


def build_walker(spec: WalkerSpec, name: str, shell: int, default_epoch: datetime) -> SatelliteSet:
    """A Walker delta/star shell (Walker 1984) or Hypatia's layout, as SGP4 mean elements."""
    if spec.layout == "hypatia":
        if spec.mean_motion_rev_per_day is None:
            raise OrbitcloudInputError(
                "layout: hypatia needs mean_motion_rev_per_day (Hypatia gives each shell its "
                "nominal mean motion, not an altitude)",
                f"constellations[{shell}].walker.mean_motion_rev_per_day",
            )
        ecc = 1e-7 if spec.eccentricity is None else spec.eccentricity
        lines = hypatia_tle_lines(
            spec.planes, spec.sats_per_plane, spec.inclination_deg, ecc,
            spec.arg_perigee_deg, spec.mean_motion_rev_per_day,
        )  # fmt: skip
        satrecs = [Satrec.twoline2rv(a, b, WGS72) for a, b in lines]
        plane = np.repeat(np.arange(spec.planes), spec.sats_per_plane)
        slot = np.tile(np.arange(spec.sats_per_plane), spec.planes)
    else:
        raan, ma, plane, slot = walker_elements(
            spec.planes, spec.sats_per_plane, spec.phase_factor, spec.pattern,
            spec.raan0_deg * _DEG,
        )  # fmt: skip
        inc = spec.inclination_deg * _DEG
        ecc = 0.0 if spec.eccentricity is None else spec.eccentricity
        if spec.mean_motion_rev_per_day is not None:
            n = np.full(raan.shape, spec.mean_motion_rev_per_day * _REV_PER_DAY_TO_RAD_MIN)
        else:
            assert spec.altitude_km is not None  # the schema gives exactly one of the two
            n = kozai_mean_motion_for_altitude(
                np.full(raan.shape, spec.altitude_km * 1000.0), inc, ecc
            )
        epoch = parse_utc(spec.epoch) if spec.epoch else default_epoch
        satrecs = make_satrecs(
            epoch, n, ecc, inc, raan, spec.arg_perigee_deg * _DEG, ma, spec.bstar
        )
    names = [f"{name}-{p}-{s}" for p, s in zip(plane, slot, strict=True)]
    return _set(satrecs, names, np.arange(len(satrecs)) + 1, name, "walker", shell, plane, slot)


def build_sso(spec: SsoSpec, name: str, shell: int, default_epoch: datetime) -> SatelliteSet:
    """Sun-synchronous satellites spread evenly in one plane at the given LTAN.

    Inclination from SGP4's own node rate (:func:`~orbitcloud.astro.elements.
    sun_synchronous_inclination_sgp4_rad`), RAAN from the mean Sun at the epoch
    (:func:`~orbitcloud.astro.elements.sso_raan_rad`): the node keeps its mean local time under
    SGP4; its apparent local time differs by the equation of time (up to 16 min).
    """
    epoch = parse_utc(spec.epoch) if spec.epoch else default_epoch
    h = spec.altitude_km * 1000.0
    inc = sun_synchronous_inclination_sgp4_rad(h)
    raan = sso_raan_rad(epoch, spec.ltan_h)
    ma = np.arange(spec.count) * 2.0 * np.pi / spec.count
    n = kozai_mean_motion_for_altitude(np.full(spec.count, h), inc, 0.0)
    satrecs = make_satrecs(epoch, n, 0.0, inc, raan, 0.0, ma, spec.bstar)
    slot = np.arange(spec.count)
    names = [f"{name}-{k}" for k in slot]
    return _set(satrecs, names, slot + 1, name, "sso", shell, np.zeros(spec.count), slot)


CLUSTER_MIN_ECC = 1e-5
"""Smallest mean eccentricity given to a cluster member: SGP4 floors the eccentricity at 1e-6
(Vallado et al. 2006, ``sgp4``: ``if em < 1e-6: em = 1e-6``), which would put an exactly
circular member on a spurious a * 1e-6 (7 m) once-per-orbit ellipse relative to the others."""

CLUSTER_MAX_RADIUS_FRACTION = 0.01
"""Largest cluster radius / orbit radius accepted: the linear relative-motion map has errors of
order rho^2 / a (0.7 km at this limit, 0.1 m for a 1 km cluster)."""


def build_cluster(
    spec: ClusterSpec, name: str, shell: int, default_epoch: datetime
) -> SatelliteSet:
    """A Suncatcher-like formation: a hexagonal disk of members on HCW circular relative orbits.

    Members get mean elements offset from a reference orbit by the relative elements of
    :func:`orbitcloud.astro.elements.cluster_relative_elements` (D'Amico 2010, eq. 2.22), then go
    through SGP4 like every other satellite. Two choices keep the design true under SGP4:

    * the reference eccentricity vector is (0, e_ref) (argument of perigee 90 deg), e_ref =
      max|de| + 1e-5, so no member is near SGP4's 1e-6 eccentricity floor (see
      :data:`CLUSTER_MIN_ECC`); the map's error from this is of order e_ref * rho (0.07 m for the
      81-satellite, 200 m Suncatcher disk);
    * each member's mean semi-major axis is shifted (by < 1 m here) so that its secular J2 rate
      of mean argument of latitude plus node equals the reference's (Schaub & Alfriend 2001's
      along-track condition, :func:`orbitcloud.astro.elements.mean_latitude_rate_rad_s`): no
      secular along-track drift to first order in J2.

    What is left is the differential J2 nodal drift from the members' inclination offsets, an
    out-of-plane oscillation growing by up to ~0.1 km per day for a 1 km disk: formation keeping
    is the business of :mod:`orbitcloud.operations`. Linearised relative motion: valid while the
    cluster radius is << the orbit radius (checked: at most 1% of it).
    """
    epoch = parse_utc(spec.epoch) if spec.epoch else default_epoch
    h = spec.altitude_km * 1000.0
    a = R_EARTH_M + h
    if spec.inclination_deg is not None:
        inc0 = spec.inclination_deg * _DEG
        raan0 = spec.raan_deg * _DEG
    else:
        inc0 = sun_synchronous_inclination_sgp4_rad(h)
        raan0 = sso_raan_rad(epoch, 6.0 if spec.ltan_h is None else spec.ltan_h)
    xy = hex_disk_points(spec.count, spec.spacing_m)
    rho_max = float(np.hypot(xy[:, 0], xy[:, 1]).max())
    if rho_max > CLUSTER_MAX_RADIUS_FRACTION * a:
        raise OrbitcloudInputError(
            f"a cluster of {spec.count} satellites {spec.spacing_m:g} m apart has a radius of "
            f"{rho_max / 1000.0:.1f} km, more than {CLUSTER_MAX_RADIUS_FRACTION:.0%} of its "
            f"orbit radius ({a / 1000.0:.0f} km), where the linear formation design fails; use "
            "a smaller spacing_m or count, or a Walker/SSO shell",
            f"constellations[{shell}].cluster",
        )
    if abs(np.sin(inc0)) < 1e-3:
        raise OrbitcloudInputError(
            f"inclination {np.degrees(inc0):g} deg: a cluster needs an inclined centre orbit "
            "(the node, used for the cross-track offsets, is undefined at 0 and 180 deg)",
            f"constellations[{shell}].cluster.inclination_deg",
        )
    rel = cluster_relative_elements(xy, a, inc0)
    e_ref = rho_max / (2.0 * a) + CLUSTER_MIN_ECC
    ex = rel["de_x"]
    ey = e_ref + rel["de_y"]
    ecc = np.hypot(ex, ey)
    argp = np.arctan2(ey, ex)
    inc = inc0 + rel["di_x"]
    draan = rel["di_y"] / np.sin(inc0)
    raan = raan0 + draan
    du = -draan * np.cos(inc0)  # d_lambda = du + dRAAN cos i = 0
    ma = du - argp  # the reference is at mean argument of latitude 0 at epoch
    # equal secular along-track rates (two Newton steps on a; d(rate)/da = -1.5 n / a)
    target = mean_latitude_rate_rad_s(a, inc0, e_ref)
    a_k = np.full(spec.count, a)
    for _ in range(2):
        rate = mean_latitude_rate_rad_s(a_k, inc, ecc)
        a_k = a_k + (rate - target) / (1.5 * rate / a_k)
    n = kozai_mean_motion_for_altitude(a_k - R_EARTH_M, inc, ecc)
    satrecs = make_satrecs(epoch, n, ecc, inc, raan, argp, ma)
    slot = np.arange(spec.count)
    names = [f"{name}-{k}" for k in slot]
    out = _set(satrecs, names, slot + 1, name, "cluster", shell, np.zeros(spec.count), slot)
    out.extra = {"disk_x_m": xy[:, 0], "disk_y_m": xy[:, 1]}
    return out


def build_constellation(
    spec: ConstellationSpec, shell: int, default_epoch: datetime
) -> SatelliteSet:
    """Build one constellation entry of a scenario."""
    if spec.walker is not None:
        out = build_walker(spec.walker, spec.name, shell, default_epoch)
    elif spec.sso is not None:
        out = build_sso(spec.sso, spec.name, shell, default_epoch)
    elif spec.cluster is not None:
        out = build_cluster(spec.cluster, spec.name, shell, default_epoch)
    else:
        if spec.tle_file is not None:
            from orbitcloud.astro.tle import load_tle_file

            entries = load_tle_file(spec.tle_file)
            kind = "tle"
        else:
            from orbitcloud.astro.omm import load_omm_file

            assert spec.omm_file is not None  # the schema gives exactly one source
            entries = load_omm_file(spec.omm_file)
            kind = "omm"
        if spec.limit is not None:
            entries = entries[: spec.limit]
        out = _set(
            [e.satrec for e in entries], [e.name for e in entries],
            np.array([e.norad_id for e in entries], dtype=np.int64), spec.name, kind, shell,
        )  # fmt: skip
    if spec.limit is not None and len(out) > spec.limit:
        keep = slice(0, spec.limit)
        out = SatelliteSet(
            out.satrecs[keep], out.name[keep], out.norad_id[keep], out.source[keep],
            out.kind[keep], out.shell[keep], out.plane[keep], out.slot[keep],
            {k: v[keep] for k, v in out.extra.items()},
        )  # fmt: skip
    return out


def build_satellites(scenario: Scenario) -> SatelliteSet:
    """All satellites of a scenario, in the order of its constellation entries.

    The schema checked the designed satellites against the run limits
    (:func:`orbitcloud.scenario.model.check_run_size`); here, once TLE/OMM files are read, every
    satellite of the run is checked again, before any propagation.
    """
    start = scenario.time.start_dt
    parts = [build_constellation(c, i, start) for i, c in enumerate(scenario.constellations)]
    total = sum(len(p) for p in parts)
    try:
        check_run_size(total, scenario.time.n_steps)
    except ValueError as exc:
        counts = ", ".join(
            f"{c.name}: {len(p):,}" for c, p in zip(scenario.constellations, parts, strict=True)
        )
        raise OrbitcloudInputError(
            f"{exc} (by constellation: {counts})", "constellations"
        ) from None
    return SatelliteSet.concat(parts)
