"""Re-measure the figures quoted in docs/models-astro.md and in the astro tests' tolerances.

The astro tests compute their references in the test itself (Skyfield + DE421 from
skyfield-data, the sgp4 package's verification files), so nothing is committed from here; this
script prints the *measured* numbers that the docs and the tolerance comments quote, so they
can be refreshed after a model change::

    python tests/builders/measure_astro_figures.py

It needs the test extras (skyfield, skyfield-data) and takes about half a minute.
"""

from __future__ import annotations

import warnings
from datetime import UTC, datetime

import numpy as np
from sgp4.api import SatrecArray

from orbitcloud.astro.constellations import build_cluster, build_sso
from orbitcloud.astro.elements import circular_period_s
from orbitcloud.astro.ephemeris import iter_ephemeris
from orbitcloud.astro.propagate import propagate_teme
from orbitcloud.astro.sun import sun_position_teme
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.scenario.model import ClusterSpec, SsoSpec


def sun_against_de421(n: int = 20_000) -> None:
    import skyfield_data
    from skyfield.api import Loader
    from skyfield.sgp4lib import TEME

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load = Loader(skyfield_data.get_skyfield_data_path(), verbose=False)
        eph = load("de421.bsp")
        ts = load.timescale(builtin=True)
    jd = np.linspace(2433282.5, 2469807.5, n)  # 1950 .. 2050
    whole = np.floor(jd)
    ref = eph["earth"].at(ts.tt_jd(whole, jd - whole)).observe(eph["sun"]).apparent()
    ref = ref.frame_xyz(TEME).m.T
    ours = sun_position_teme(whole, jd - whole)
    cos = np.sum(ref * ours, 1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(ours, axis=1)
    ang = np.degrees(np.arccos(np.clip(cos, -1, 1)))
    dist = np.abs(np.linalg.norm(ours, axis=1) / np.linalg.norm(ref, axis=1) - 1)
    print(
        f"Sun vs DE421 1950-2050 ({n} dates): worst {ang.max():.5f} deg, "
        f"p95 {np.percentile(ang, 95):.5f}, rms {np.sqrt(np.mean(ang**2)):.5f}; "
        f"distance worst {dist.max():.2e}"
    )


def cluster_band() -> None:
    epoch = datetime(2025, 6, 21, tzinfo=UTC)
    spec = ClusterSpec(altitude_km=650.0, count=81, spacing_m=200.0, ltan_h=6.0)
    sats = build_cluster(spec, "suncatcher", 0, epoch)
    grid = TimeGrid(epoch, 10.0, 8641)
    r, _, err = propagate_teme(SatrecArray(sats.satrecs), *grid.jd_utc())
    xy = np.stack([sats.extra["disk_x_m"], sats.extra["disk_y_m"]], axis=1)
    d0 = np.linalg.norm(xy[:, None] - xy[None], axis=-1)
    i, j = np.nonzero(np.triu(np.abs(d0 - 200.0) < 1e-6))
    dist = np.linalg.norm(r[:, i] - r[:, j], axis=-1)
    radius = np.linalg.norm(r - r[:, :1], axis=-1).max(axis=1)
    print(
        f"suncatcher cluster, 1 day at 10 s: errors {int((err != 0).sum())}, neighbour "
        f"distance {dist.min():.1f}-{dist.max():.1f} m, radius {radius.min():.0f}-"
        f"{radius.max():.0f} m"
    )


def dawn_dusk_season() -> None:
    epoch = datetime(2025, 1, 1, tzinfo=UTC)
    for ltan in (6.0, 18.0):
        sats = build_sso(SsoSpec(altitude_km=650.0, ltan_h=ltan, count=1), "dd", 0, epoch)
        grid = TimeGrid(epoch, 30.0, 365 * 2880)
        frac = np.concatenate([c.sunlit[:, 0] for c in iter_ephemeris(sats, grid)])
        per_orbit = (1 - frac).reshape(365, 2880).sum(1) * 0.5 / (86400 / circular_period_s(650e3))
        days = np.nonzero(per_orbit > 0)[0]
        print(
            f"dawn-dusk SSO 650 km LTAN {ltan:g}: {len(days)} days with eclipse, "
            f"longest {per_orbit.max():.2f} min per orbit, peak on day {per_orbit.argmax()}"
        )


if __name__ == "__main__":
    sun_against_de421()
    cluster_band()
    dawn_dusk_season()
