"""The built-in ``starlink-gen2`` (issue 19): the layout of the issue, and ten minutes of it run."""

from __future__ import annotations

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import check, simulate
from orbitcloud.scenario.loader import load_scenario, scenario_from_dict

# (altitude km, inclination deg, planes, satellites per plane) as issue 19 lists them
ISSUE_LAYOUT = [
    (550, 53, 72, 22), (540, 53.2, 72, 22), (570, 70, 36, 20), (560, 97.6, 6, 58),
    (560, 97.6, 4, 43),  # Gen1 as modified 2021
    (340, 53, 48, 110), (345, 46, 48, 110), (350, 38, 48, 110), (360, 96.9, 30, 120),
    (525, 53, 28, 120), (530, 43, 28, 120), (535, 33, 28, 120), (604, 148, 12, 12),
    (614, 115.7, 18, 18),  # Gen2, January 2022
    (335.9, 42, 42, 60), (340.8, 48, 42, 60), (345.6, 53, 42, 60),  # V-band VLEO
]  # fmt: skip


def test_starlink_gen2_is_the_issue_layout():
    sc = load_scenario("starlink-gen2")
    got = sorted(
        (c.walker.altitude_km, c.walker.inclination_deg, c.walker.planes, c.walker.sats_per_plane)
        for c in sc.constellations
        if c.walker is not None
    )
    assert got == sorted(ISSUE_LAYOUT)
    assert len(check(sc).sats) == 41_956  # the issue's total
    assert sc.time.n_steps == 1441  # 24 h at 60 s
    assert sc.outputs.positions
    assert sc.outputs.report
    assert all(c.spacecraft.enabled for c in sc.constellations)


def test_ten_minutes_of_starlink_gen2_run():
    d = load_scenario("starlink-gen2").model_dump(mode="json", exclude_unset=True)
    d["time"].pop("duration_h", None)
    d["time"]["duration_s"] = 600
    d["outputs"]["report"] = False
    sink = MemorySink()
    ctx = simulate(scenario_from_dict(d), sink, workers=1)
    assert ctx.kpis["satellites"] == 41_956
    assert ctx.kpis["time_steps"] == 11
    assert ctx.kpis["propagation_errors"] == 0
    # circular shells from 335.9 to 614 km: geodetic height within the Earth's flattening
    # (21 km pole to equator) and SGP4's short-period terms (a few km) of those
    assert 335.9 - 30 < ctx.kpis["altitude_min_km"] < 335.9
    assert 614 < ctx.kpis["altitude_max_km"] < 614 + 30
    assert sink.table("positions").num_rows == 41_956 * 11
    assert sink.table("sat_state").num_rows == 41_956 * 11
