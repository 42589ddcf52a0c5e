"""Constellation builders: Walker, Hypatia's layout, sun-synchronous orbits, Suncatcher clusters.

Sources: Walker (1984) i:t/p/f geometry and Hypatia's generator (shared/VALIDATION.md A and G);
the equation of time (Meeus 1998, ch. 28: about +16.4 min on 3 November, -14.2 min on 11
February, near 0 mid-April and mid-June) for the local time of a sun-synchronous node;
VALIDATION B for the dawn-dusk eclipse season; Hill-Clohessy-Wiltshire general circular orbits
(Sabol, Burns & McLaughlin 2001) with first-order J2 secular rates (Vallado) for clusters.
Everything is propagated with SGP4 through orbitcloud's own path.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sgp4.api import SatrecArray

from orbitcloud.astro.constants import J2, MU_EARTH_M3_S2, R_EARTH_M
from orbitcloud.astro.constellations import build_cluster, build_sso, build_walker
from orbitcloud.astro.elements import circular_period_s, nodal_rate_rad_s
from orbitcloud.astro.ephemeris import iter_ephemeris
from orbitcloud.astro.propagate import propagate_teme
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import ClusterSpec, SsoSpec, WalkerSpec

DEG = np.pi / 180.0
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def _wrap(x):
    return np.angle(np.exp(1j * np.asarray(x)))


def _raan_and_u(r: np.ndarray, v: np.ndarray):
    """Right ascension of the node and argument of latitude from inertial r, v (..., 3)."""
    h = np.cross(r, v)
    node = np.stack([-h[..., 1], h[..., 0], np.zeros_like(h[..., 0])], axis=-1)
    raan = np.arctan2(node[..., 1], node[..., 0])
    node_hat = node / np.linalg.norm(node, axis=-1, keepdims=True)
    h_hat = h / np.linalg.norm(h, axis=-1, keepdims=True)
    u = np.arctan2(np.sum(np.cross(node_hat, r) * h_hat, axis=-1), np.sum(node_hat * r, axis=-1))
    return raan, u


# --- Walker -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("pattern", "spread_deg"), [("delta", 360.0), ("star", 180.0)])
def test_walker_geometry(pattern, spread_deg):
    """i:t/p/f = 53:24/6/1: RAAN step spread/p, in-plane step 360/s, phase offset f 360/t."""
    p, s, f = 6, 4, 1
    t = p * s
    spec = WalkerSpec(
        planes=p, sats_per_plane=s, altitude_km=550.0, inclination_deg=53.0, phase_factor=f,
        pattern=pattern, raan0_deg=10.0,
    )  # fmt: skip
    sats = build_walker(spec, "w", 0, EPOCH)
    assert len(sats) == t
    assert list(sats.plane) == [k // s for k in range(t)]
    assert list(sats.slot) == [k % s for k in range(t)]
    raan = np.array([x.nodeo for x in sats.satrecs])
    u = np.array([x.argpo + x.mo for x in sats.satrecs])  # circular: u = w + M
    inc = np.array([x.inclo for x in sats.satrecs])
    np.testing.assert_allclose(inc, 53.0 * DEG, atol=1e-12)
    np.testing.assert_allclose(
        _wrap(raan - (10.0 + sats.plane * spread_deg / p) * DEG), 0, atol=1e-12
    )
    np.testing.assert_allclose(
        _wrap(u - (sats.slot * 360.0 / s + sats.plane * f * 360.0 / t) * DEG), 0, atol=1e-12
    )
    # the same geometry measured from the SGP4 positions at epoch: osculating angles carry J2
    # short-period terms of order J2 (Re/a)^2 = 9e-4 rad times O(1) factors (measured up to
    # 0.15 deg in u, 0.02 deg in RAAN): 0.2 deg, against steps of 15-90 deg
    jd = np.array([EPOCH.timestamp() / 86400.0 + 2440587.5])
    r, v, err = propagate_teme(SatrecArray(sats.satrecs), jd, np.zeros(1))
    assert (err == 0).all()
    m_raan, m_u = _raan_and_u(r[0], v[0])
    grid = m_raan.reshape(p, s)
    assert np.abs(_wrap(np.diff(grid[:, 0]) - spread_deg / p * DEG)).max() < 0.2 * DEG
    uu = m_u.reshape(p, s)
    assert np.abs(_wrap(np.diff(uu, axis=1) - 360.0 / s * DEG)).max() < 0.2 * DEG
    assert np.abs(_wrap(np.diff(uu[:, 0]) - f * 360.0 / t * DEG)).max() < 0.2 * DEG
    # and the designed altitude: SGP4 mean semi-major axis = R_E + 550 km
    a = np.array([x.a * x.radiusearthkm * 1000.0 for x in sats.satrecs])
    np.testing.assert_allclose(a, R_EARTH_M + 550e3, atol=1.0)


def test_walker_period_from_positions():
    """The designed shell's nodal period is the circular period to J2 level (0.2%)."""
    spec = WalkerSpec(planes=1, sats_per_plane=1, altitude_km=550.0, inclination_deg=53.0)
    sats = build_walker(spec, "w", 0, EPOCH)
    grid = TimeGrid(EPOCH, 5.0, 2 * 1200)
    (chunk,) = list(iter_ephemeris(sats, grid, chunk_steps=10_000))
    z = chunk.r_teme[:, 0, 2]
    k = np.nonzero((z[:-1] < 0) & (z[1:] >= 0))[0]
    t_cross = (k - z[k] / (z[k + 1] - z[k])) * 5.0
    assert len(t_cross) >= 2
    assert np.diff(t_cross)[0] == pytest.approx(circular_period_s(550e3), rel=2e-3)


def test_hypatia_layout():
    """VALIDATION G: Kuiper K1 34 x 34, 51.9 deg, 14.80 rev/day; RAAN k 360/p; odd planes
    shifted by 360/(2 s); e = 1e-7; epoch 2000-01-01 00:00."""
    spec = WalkerSpec(
        planes=34, sats_per_plane=34, mean_motion_rev_per_day=14.80, inclination_deg=51.9,
        layout="hypatia",
    )  # fmt: skip
    sats = build_walker(spec, "k1", 0, EPOCH)
    assert len(sats) == 34 * 34
    sr = sats.satrecs
    assert {x.jdsatepoch + x.jdsatepochF for x in sr} == {2451544.5}
    np.testing.assert_allclose([x.ecco for x in sr], 1e-7)
    np.testing.assert_allclose([x.no_kozai for x in sr], 14.80 * 2 * np.pi / 1440.0)
    raan_deg = np.array([x.nodeo for x in sr]) / DEG
    ma_deg = np.array([x.mo for x in sr]) / DEG
    np.testing.assert_allclose(raan_deg, np.round(sats.plane * 360.0 / 34, 4), atol=1e-9)
    shift = np.where(sats.plane % 2 == 1, 360.0 / 68, 0.0)
    np.testing.assert_allclose(ma_deg, np.round(shift + sats.slot * 360.0 / 34, 4), atol=1e-9)


def test_hypatia_layout_needs_mean_motion():
    """The schema rejects it first; the builder guards itself all the same."""
    with pytest.raises(ValueError, match="mean_motion_rev_per_day"):
        WalkerSpec(
            planes=2, sats_per_plane=2, altitude_km=630.0, inclination_deg=51.9, layout="hypatia"
        )
    spec = WalkerSpec.model_construct(
        planes=2, sats_per_plane=2, altitude_km=630.0, inclination_deg=51.9, layout="hypatia",
        mean_motion_rev_per_day=None, eccentricity=None, arg_perigee_deg=0.0,
    )  # fmt: skip
    with pytest.raises(OrbitcloudInputError, match=r"constellations\[3\]\.walker"):
        build_walker(spec, "k1", 3, EPOCH)


# --- sun-synchronous --------------------------------------------------------------------------
def _node_local_time_h(sats, start: datetime, hours: float = 7.0) -> np.ndarray:
    """Apparent local solar time of the ascending node crossings [h], measured from positions."""
    grid = TimeGrid(start, 5.0, int(hours * 720))
    chunks = list(iter_ephemeris(sats, grid))
    r = np.concatenate([c.r_teme[:, 0] for c in chunks])
    sun = np.concatenate([c.sun_teme for c in chunks])
    z = r[:, 2]
    k = np.nonzero((z[:-1] < 0) & (z[1:] >= 0))[0]
    w = (-z[k] / (z[k + 1] - z[k]))[:, None]
    r_node = r[k] + w * (r[k + 1] - r[k])
    s_node = sun[k] + w * (sun[k + 1] - sun[k])
    d = _wrap(np.arctan2(r_node[:, 1], r_node[:, 0]) - np.arctan2(s_node[:, 1], s_node[:, 0]))
    return 12.0 + d / DEG / 15.0


@pytest.mark.parametrize(
    ("day", "eot_min"),
    [((2025, 11, 3), 16.4), ((2025, 2, 11), -14.2), ((2025, 4, 15), 0.0), ((2025, 6, 13), 0.0)],
)
@pytest.mark.parametrize("ltan_h", [6.0, 10.5, 22.0])
def test_sso_ltan_against_equation_of_time(day, eot_min, ltan_h):
    """The node's apparent local time = ltan_h (mean solar time) + the equation of time.

    Tolerance 0.3 min: the equation of time on a given date varies by ~0.1 min from year to
    year, the Sun model is good to 0.012 deg (0.05 min), and the node is measured from
    osculating positions (J2 short-period terms, < 0.05 min).
    """
    epoch = datetime(*day, tzinfo=UTC)
    sats = build_sso(SsoSpec(altitude_km=650.0, ltan_h=ltan_h, count=1), "sso", 0, epoch)
    lst = _node_local_time_h(sats, epoch)
    assert len(lst) >= 4
    np.testing.assert_allclose(_wrap((lst - ltan_h) * 15 * DEG) / DEG * 4.0, eot_min, atol=0.3)


def test_sso_keeps_its_local_time_for_a_year():
    """Built with SGP4's own node rate, the node's local time a year later (same calendar date,
    so the same equation of time within 0.1 min) moves by < 0.5 min; with the J2-only
    inclination SGP4 would drift 4.4 min a year."""
    epoch = datetime(2025, 4, 15, tzinfo=UTC)
    sats = build_sso(SsoSpec(altitude_km=650.0, ltan_h=6.0, count=1), "sso", 0, epoch)
    now = _node_local_time_h(sats, epoch, hours=4.0).mean()
    later = _node_local_time_h(sats, epoch + timedelta(days=365), hours=4.0).mean()
    assert abs(later - now) * 60.0 < 0.5


def test_dawn_dusk_sso_eclipse_season():
    """VALIDATION B: a dawn-dusk SSO is not always sunlit: about three months a year with
    eclipses up to about 20 min (650 km, LTAN 18:00, a year at 30 s through SGP4).

    Measured: 90 days with eclipse, 6 May - 3 August, centred on the June solstice, longest
    19.6 min per orbit. Checked: 70-110 days, 15-25 min, centre within 10 days of 21 June.
    """
    sats = build_sso(SsoSpec(altitude_km=650.0, ltan_h=18.0, count=1), "dd", 0, EPOCH)
    grid = TimeGrid(EPOCH, 30.0, 365 * 2880)
    frac = np.concatenate([c.sunlit[:, 0] for c in iter_ephemeris(sats, grid)])
    shadow_min_per_day = (1.0 - frac).reshape(365, 2880).sum(axis=1) * 30.0 / 60.0
    orbits_per_day = 86400.0 / circular_period_s(650e3)
    per_orbit = shadow_min_per_day / orbits_per_day
    days = np.nonzero(per_orbit > 0)[0]
    assert 70 <= len(days) <= 110
    assert np.all(np.diff(days) == 1)  # one season
    assert 15.0 < per_orbit.max() < 25.0
    solstice_doy = 171  # 21 June 2025, 0-based day of year
    assert abs(days.mean() - solstice_doy) < 10


# --- clusters ---------------------------------------------------------------------------------
SUNCATCHER = ClusterSpec(altitude_km=650.0, count=81, spacing_m=200.0, ltan_h=6.0)
CLUSTER_EPOCH = datetime(2025, 6, 21, tzinfo=UTC)


@pytest.fixture(scope="module")
def suncatcher_day():
    """The suncatcher-cluster scenario's 81 satellites over one day at 10 s, through SGP4."""
    sats = build_cluster(SUNCATCHER, "suncatcher", 0, CLUSTER_EPOCH)
    grid = TimeGrid(CLUSTER_EPOCH, 10.0, 8641)
    r, v, err = propagate_teme(SatrecArray(sats.satrecs), *grid.jd_utc())
    assert (err == 0).all()
    xy = np.stack([sats.extra["disk_x_m"], sats.extra["disk_y_m"]], axis=1)
    return sats, xy, r, v, np.arange(8641) * 10.0


def test_cluster_neighbours_and_radius_over_a_day(suncatcher_day):
    """Neighbours (200 m apart on the disk) stay within 200 m +- 10% for a day; the cluster
    radius stays about 1 km (VALIDATION D: 81 satellites within a 1 km radius).

    Measured with SGP4: 183.6-216.7 m and 917-993 m. The spread is the differential J2 nodal
    precession of the members' inclination offsets (up to 92 m/day out of plane for the outer
    ring), which no choice of semi-major axis removes (Schaub & Alfriend 2001); the along-track
    part is cancelled by the builder.
    """
    _, xy, r, _, _ = suncatcher_day
    d0 = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    i, j = np.nonzero(np.triu(np.abs(d0 - 200.0) < 1e-6))
    assert len(i) == 210
    dist = np.linalg.norm(r[:, i] - r[:, j], axis=-1)
    assert dist.min() > 180.0
    assert dist.max() < 220.0
    radius = np.linalg.norm(r - r[:, :1], axis=-1).max(axis=1)
    assert radius.min() > 900.0
    assert radius.max() < 1050.0
    assert np.linalg.norm(r - r[:, :1], axis=-1)[:, 1:].min() > 150.0  # no close approach


def _hill(r, v):
    """Members' positions in the centre member's Hill frame (x radial, y along, z normal), and
    the centre's argument of latitude."""
    r0, v0 = r[:, 0], v[:, 0]
    x_hat = r0 / np.linalg.norm(r0, axis=-1, keepdims=True)
    h = np.cross(r0, v0)
    z_hat = h / np.linalg.norm(h, axis=-1, keepdims=True)
    y_hat = np.cross(z_hat, x_hat)
    rel = r - r0[:, None]
    hill = np.stack([np.einsum("tsk,tk->ts", rel, e) for e in (x_hat, y_hat, z_hat)], axis=-1)
    _, u = _raan_and_u(r0, v0)
    return hill, u


def test_cluster_against_hcw_general_circular_orbits(suncatcher_day):
    """Relative motion vs the HCW GCO closed form x = (rho/2) sin(u + alpha), y = rho cos(u +
    alpha), z = (sqrt(3)/2) rho sin(u + alpha), with rho = |(p, q)|, alpha = atan2(p, q).

    Over the first orbit, plain HCW: within 10 m (1.1% of the 916 m outer radius) = J2
    short-period terms (J2 (Re/a)^2 a di ~ 1-2 m, measured 1.95 m at epoch) + one orbit of
    J2 secular drift (nodal 6.2 m, perigee rotation 3.5 m). Over the whole day, HCW plus the
    first-order J2 secular terms -- the in-plane ellipse turning with the perigee rate and the
    node offset growing by (dRAAN/dt(i_k) - dRAAN/dt(i_0)) t -- stays within 15 m (measured
    13 m, 1.4% of rho) while plain HCW drifts to ~100 m.
    """
    sats, xy, r, v, t = suncatcher_day
    hill, u = _hill(r, v)
    p, q = xy[:, 0], xy[:, 1]
    rho = np.hypot(p, q)
    ang = u[:, None] + np.arctan2(p, q)[None]
    gco = np.stack(
        [0.5 * rho * np.sin(ang), rho * np.cos(ang), 0.5 * np.sqrt(3) * rho * np.sin(ang)], -1
    )
    one_orbit = t <= circular_period_s(650e3)
    err = np.linalg.norm(hill - gco, axis=-1)
    assert err[one_orbit].max() < 10.0
    assert err[0].max() < 2.5  # at epoch: short-period J2 only
    # distance to the centre member: constant for a GCO
    dev = np.linalg.norm(hill, axis=-1) - rho
    assert np.abs(dev[one_orbit]).max() < 10.0
    # whole day with first-order J2 secular terms
    a0 = R_EARTH_M + 650e3
    inc = np.array([s.inclo for s in sats.satrecs])
    a_k = np.array([s.a * s.radiusearthkm * 1000.0 for s in sats.satrecs])
    d_node = nodal_rate_rad_s(a_k, inc) - nodal_rate_rad_s(a_k[0], inc[0])
    n0 = np.sqrt(MU_EARTH_M3_S2 / a0**3)
    perigee_rate = 0.75 * n0 * J2 * (R_EARTH_M / a0) ** 2 * (5 * np.cos(inc[0]) ** 2 - 1)
    phi = (perigee_rate * t)[:, None]
    z_node = -a0 * np.sin(inc[0]) * d_node[None] * t[:, None] * np.cos(u)[:, None]
    j2 = np.stack(
        [0.5 * rho * np.sin(ang - phi), rho * np.cos(ang - phi),
         0.5 * np.sqrt(3) * rho * np.sin(ang) + z_node], -1,
    )  # fmt: skip
    assert np.linalg.norm(hill - j2, axis=-1).max() < 15.0
    assert err.max() > 50.0  # and the J2 terms are what the plain HCW misses


def test_cluster_members_clear_of_sgp4_eccentricity_floor():
    """Every member's mean eccentricity is >= 1e-5 (SGP4 floors it at 1e-6, which would put an
    exactly circular member on a 7 m ellipse), and the secular along-track rates agree."""
    sats = build_cluster(SUNCATCHER, "s", 0, CLUSTER_EPOCH)
    ecc = np.array([s.ecco for s in sats.satrecs])
    assert ecc.min() >= 1e-5
    lam = np.array([s.mdot + s.argpdot + s.nodedot * np.cos(s.inclo) for s in sats.satrecs])
    drift_m_day = (lam - lam[0]) * 1440.0 * (R_EARTH_M + 650e3)
    assert np.abs(drift_m_day).max() < 1.0  # < 1 m/day along track (SGP4's own rates)


def test_cluster_too_large_is_rejected():
    spec = ClusterSpec(altitude_km=650.0, count=10_000, spacing_m=100_000.0)
    with pytest.raises(OrbitcloudInputError, match=r"constellations\[2\]\.cluster"):
        build_cluster(spec, "big", 2, CLUSTER_EPOCH)
