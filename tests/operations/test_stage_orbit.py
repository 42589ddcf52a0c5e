"""The orbit stage in a run: tables, KPIs, chunking invariance, determinism, input errors."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from orbitcloud.engine import MemorySink, simulate
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import load_scenario_text

SCENARIO = """
name: orbit-ops-test
seed: 3
time: {start: "2023-07-18T00:00:00Z", duration_h: 2, step_s: 60}
environment: {f107: 150, f107a: 150, ap: 15}
constellations:
  - name: shell
    walker: {planes: 6, sats_per_plane: 6, altitude_km: 550, inclination_deg: 53, phase_factor: 1}
  - name: cluster
    cluster: {altitude_km: 650, ltan_h: 6.0, count: 19, spacing_m: 200}
orbit_ops:
  body: {mass_kg: 300, drag_area_m2: 4}
  constellations:
    cluster: {ballistic_coefficient_kg_m2: 20, mass_kg: 500}
  conjunctions:
    screening_distance_km: 20
    background_tle_file: "package:starlink-2023-07-18.tle"
    background_max_objects: 800
  formation: {close_approach_m: 150}
outputs: {positions: false}
"""


def _run(text: str = SCENARIO, chunk_steps: int | None = None):
    sink = MemorySink()
    ctx = simulate(load_scenario_text(text), sink, chunk_steps=chunk_steps)
    return ctx, sink


@pytest.fixture(scope="module")
def run():
    return _run()


def test_tables_and_kpis(run):
    ctx, sink = run
    per_sat = sink.table("orbit_keeping")
    assert per_sat.num_rows == len(ctx.sats) == 55
    assert {"sat", "stationkeeping_dv_m_s_per_year", "propellant_kg_per_year", "lifetime_years",
            "formation_dv_m_s_per_year", "decay_m_per_day"} <= set(per_sat.column_names)  # fmt: skip
    bc = per_sat.column("ballistic_coefficient_kg_m2").to_numpy()
    np.testing.assert_allclose(bc[:36], 300 / (2.2 * 4))
    np.testing.assert_allclose(bc[36:], 20.0)
    conj = sink.table("conjunctions")
    assert conj.num_rows > 0
    assert conj.schema.field("time").type == pa.timestamp("ms", tz="UTC")
    for name in ("miss_m", "pc", "rel_speed_m_s"):
        x = conj.column(name).to_numpy()
        assert np.all(np.isfinite(x))
    assert np.all(conj.column("miss_m").to_numpy() < 20e3)
    assert set(conj.column("other_kind").to_pylist()) <= {"own", "background", "formation"}
    form = sink.table("formation")
    assert form.num_rows == 19 * ctx.grid.n
    k = ctx.kpis
    for key in (
        "stationkeeping_dv_m_s_per_year", "propellant_kg_per_year_per_sat",
        "lifetime_without_propellant_years_min", "conjunctions_per_day",
        "formation_keeping_dv_m_s_per_year_max", "formation_min_separation_m",
    ):  # fmt: skip
        assert k[key] is not None, key
    assert 0 < k["stationkeeping_dv_m_s_per_year"] < 50
    assert 150 < k["formation_min_separation_m"] <= 200.01
    s = ctx.summary["orbit"]
    assert s["body_source"] == {"shell": "orbit_ops", "cluster": "orbit_ops"}
    assert s["conjunctions"]["background_objects"] == 800
    assert s["formation"][0]["members"] == 19


def test_chunking_and_determinism(run):
    """Tables bit for bit whatever the chunking (sums are added step by step, approaches are
    carried over chunk edges), and the same run twice gives the same answers."""
    ctx, sink = run
    ctx2, sink2 = _run(chunk_steps=7)
    for name in ("conjunctions", "orbit_keeping", "formation"):
        assert sink.table(name).equals(sink2.table(name)), name
    assert ctx2.kpis == ctx.kpis
    ctx3, sink3 = _run()
    assert sink3.table("conjunctions").equals(sink.table("conjunctions"))
    assert ctx3.kpis == ctx.kpis


def test_own_catalogue_against_itself_drops_duplicates():
    text = f"""
name: dup
time: {{start: "2023-07-18T00:00:00Z", duration_s: 600, step_s: 60}}
constellations:
  - {{name: starlink, tle_file: "{_package_tle()}", limit: 50}}
orbit_ops:
  conjunctions:
    background_tle_file: "package:starlink-2023-07-18.tle"
    background_max_objects: 100
"""
    ctx, sink = _run(text)
    c = ctx.summary["orbit"]["conjunctions"]
    assert c["background_duplicates_of_own_dropped"] == 50
    if "conjunctions" in sink.parts:
        assert np.all(sink.table("conjunctions").column("miss_m").to_numpy() > 0)
    # no mass or drag in orbit_ops: the default spacecraft preset's parts and attitude
    assert ctx.summary["orbit"]["body_source"]["starlink"].startswith("spacecraft starlink-class")
    area = sink.table("orbit_keeping").column("mean_drag_area_m2").to_numpy()
    assert np.all((area > 1.0) & (area < 40.0))


def _package_tle() -> str:
    from importlib import resources

    return str(resources.files("orbitcloud") / "data" / "starlink-2023-07-18.tle")


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"constellations": {"nope": {"mass_kg": 1}}}, "orbit_ops.constellations.nope"),
        ({"conjunctions": {"background_tle_file": "no-such-file.tle"}}, "background_tle_file"),
        ({"thruster": {"preset": "warp"}}, "unknown thruster preset"),
        ({"conjunctions": {"sigma_own_m": -1}}, "sigma_own_m"),
    ],
)
def test_bad_input_fails_before_work(patch, message):
    import json

    text = f"""
name: bad
time: {{start: "2023-07-18T00:00:00Z", duration_s: 120, step_s: 60}}
constellations:
  - name: shell
    walker: {{planes: 1, sats_per_plane: 2, altitude_km: 550, inclination_deg: 53}}
orbit_ops: {json.dumps(patch)}
"""
    with pytest.raises(OrbitcloudInputError, match=message):
        _run(text)


def test_sun_tracking_array_flies_edge_on_in_a_dawn_dusk_orbit():
    """Suncatcher-like preset, 12 m^2 sun-tracking array: |n . v| = cos(beta) |sin(u - u_sun)|,
    so the orbit-mean area is A_fixed + A_array (2/pi) cos(beta). Dawn-dusk (LTAN 6 h, beta
    near 80 deg at the equinox) flies the array nearly edge-on; LTAN 12 h (beta near 0) does not.
    """
    from sgp4.api import SatrecArray

    from orbitcloud.astro.constellations import build_satellites
    from orbitcloud.astro.eclipse import beta_angle_rad
    from orbitcloud.astro.ephemeris import compute_chunk
    from orbitcloud.astro.timescales import TimeGrid
    from orbitcloud.engine.stage_orbit import _spacecraft_body

    out = {}
    for ltan in (6.0, 12.0):
        text = f"""
name: sso
time: {{start: "2025-03-20T00:00:00Z", duration_s: 5880, step_s: 60}}
constellations:
  - name: c
    sso: {{altitude_km: 650, ltan_h: {ltan}, count: 1}}
    spacecraft: {{preset: suncatcher-tpu}}
orbit_ops: {{conjunctions: {{enabled: false}}}}
"""
        _, sink = _run(text)
        area = sink.table("orbit_keeping").column("mean_drag_area_m2").to_numpy()[0]
        sc = load_scenario_text(text)
        grid = TimeGrid(sc.time.start_dt, sc.time.step_s, sc.time.n_steps)
        ch = compute_chunk(SatrecArray(build_satellites(sc).satrecs), grid, 0, grid.n)
        beta = beta_angle_rad(ch.r_teme, ch.v_teme, ch.sun_teme).mean()
        body = _spacecraft_body(sc.constellations[0].spacecraft, "sso")
        assert body is not None
        expected = body.fixed_area_m2 + 12.0 * 2.0 / np.pi * np.cos(beta)
        # the co-rotating atmosphere tilts v_rel out of the orbit plane by up to omega r / v
        # (0.066 rad here), which adds up to that fraction of the array area
        assert abs(area - expected) < 12.0 * 7.29e-5 * 7.03e6 / 7.5e3
        out[ltan] = area
    assert out[6.0] < out[12.0] - 5.0


ENVIRONMENT = """
name: orbit-density
seed: 1
time: {start: "2024-05-10T00:00:00Z", duration_h: 3, step_s: 60}
environment: {f107: 150, f107a: 150, ap: 15%s}
constellations:
  - name: low
    walker: {planes: 2, sats_per_plane: 3, altitude_km: 450, inclination_deg: 53}
  - name: high
    walker: {planes: 1, sats_per_plane: 3, altitude_km: 600, inclination_deg: 97}
    spacecraft: {preset: jetson-edge}
orbit_ops: {conjunctions: {enabled: false}}
outputs: {positions: false}
"""
STORM = ', storms: [{start: "2024-05-10T01:00:00Z", end: "2024-05-10T02:00:00Z", ap: 300}]'


def _density_run(text: str):
    from orbitcloud.engine.contract import AtmosphereRecord

    rho = []

    def observe(records):
        if AtmosphereRecord in records:
            rho.append(records.get(AtmosphereRecord).density_kg_m3)

    sink = MemorySink()
    ctx = simulate(load_scenario_text(text), sink, observe=observe)
    return ctx, sink.table("orbit_keeping"), np.concatenate(rho)


def test_density_and_stationkeeping_do_not_depend_on_the_spacecraft_models():
    """One density for every model (the environment stage's): turning the spacecraft models
    off on every constellation changes neither the drag density nor the station keeping."""
    on_ctx, on, rho_on = _density_run(ENVIRONMENT % "")
    off_text = (ENVIRONMENT % "").replace("    spacecraft: {preset: jetson-edge}\n", "")
    off_text = off_text.replace(
        "inclination_deg: 53}\n", "inclination_deg: 53}\n    spacecraft: {enabled: false}\n"
    )
    off_text = off_text.replace(
        "inclination_deg: 97}\n",
        "inclination_deg: 97}\n    spacecraft: {preset: jetson-edge, enabled: false}\n",
    )
    off_ctx, off, rho_off = _density_run(off_text)
    assert "spacecraft" in on_ctx.summary
    assert "spacecraft" not in off_ctx.summary  # the models really were off
    np.testing.assert_array_equal(rho_on, rho_off)
    assert on.equals(off)
    for key in ("stationkeeping_dv_m_s_per_year", "lifetime_without_propellant_years_min"):
        assert on_ctx.kpis[key] == off_ctx.kpis[key]


def test_a_storm_with_ap_raises_density_and_stationkeeping():
    """NRLMSIS with the storm's Ap inside its window: denser air there, the same outside, so a
    higher mean density and more drag-makeup delta-v for every satellite."""
    quiet_ctx, quiet, rho_q = _density_run(ENVIRONMENT % "")
    storm_ctx, storm, rho_s = _density_run(ENVIRONMENT % STORM)
    inside = np.zeros(len(rho_q), dtype=bool)
    inside[60:120] = True  # 01:00 .. 01:59 at 60 s steps
    assert np.all(rho_s[inside] > rho_q[inside])
    np.testing.assert_array_equal(rho_s[~inside], rho_q[~inside])
    col = lambda t, c: t.column(c).to_numpy()  # noqa: E731
    assert np.all(col(storm, "mean_density_kg_m3") > col(quiet, "mean_density_kg_m3"))
    dv_q, dv_s = (
        col(quiet, "stationkeeping_dv_m_s_per_year"),
        col(storm, "stationkeeping_dv_m_s_per_year"),
    )
    assert np.all(dv_s > dv_q)
    assert (
        storm_ctx.kpis["stationkeeping_dv_m_s_per_year"]
        > quiet_ctx.kpis["stationkeeping_dv_m_s_per_year"]
    )
