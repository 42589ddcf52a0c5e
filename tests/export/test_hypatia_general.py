"""The Hypatia export beyond Hypatia's own layout: designed satellites' TLEs, and refusals."""

from __future__ import annotations

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec, jday

from orbitcloud.astro.constellations import build_satellites
from orbitcloud.export.hypatia import _tle_exp, export_hypatia
from orbitcloud.results.runner import run
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import load_scenario

TLE_ROUNDING_M = 100.0
"""TLE angles have 1e-4 deg (12 m at 7,000 km) and the mean motion 1e-8 rev/day: a few tens of
metres over an hour, well inside this bound; a wrong field would be off by kilometres."""

WALKER = {
    "name": "walker-export",
    "time": {"start": "2025-03-01T06:00:00Z", "duration_s": 60, "step_s": 10},
    "constellations": [{
        "name": "my shell",
        "walker": {"planes": 4, "sats_per_plane": 6, "altitude_km": 700,
                   "inclination_deg": 60, "phase_factor": 1, "bstar": 2.5e-5},
        "isl": {"topology": "plus-grid"},
        "spacecraft": {"enabled": False},
    }],
    "ground": {"endpoints": [{"name": "Zurich", "lat_deg": 47.37, "lon_deg": 8.54},
                             {"name": "Lagos", "lat_deg": 6.45, "lon_deg": 3.39}],
               "link": {"min_elevation_deg": 10}},
    "network": {"routes": [["Zurich", "Lagos"]]},
    "outputs": {"links": True, "report": False},
}  # fmt: skip


def test_designed_walker_tles_reproduce_the_run_satellites(tmp_path):
    res = run(WALKER, out=tmp_path / "run")
    info = export_hypatia(res, tmp_path / "h")
    lines = (info.path / "tles.txt").read_text().splitlines()
    assert lines[0] == "4 6"
    assert lines[1] == "my_shell 0"
    sats = build_satellites(load_scenario(res.scenario_file))
    jd, fr = jday(2025, 3, 1, 6, 0, 0)
    for i in range(24):
        name, l1, l2 = lines[1 + 3 * i : 4 + 3 * i]
        assert int(name.split()[1]) == i
        assert l1[18:32] == "25060.25000000"  # 1 March 2025 06:00 is day 60.25
        for ln in (l1, l2):
            assert len(ln) == 69
            want = sum(int(c) if c.isdigit() else (c == "-") for c in ln[:68]) % 10
            assert int(ln[68]) == want
        ours = Satrec.twoline2rv(l1, l2, WGS72)
        assert ours.bstar == pytest.approx(2.5e-5, rel=1e-4)
        for minutes in (0.0, 30.0, 60.0):
            e1, r1, _ = ours.sgp4(jd, fr + minutes / 1440)
            e2, r2, _ = sats.satrecs[i].sgp4(jd, fr + minutes / 1440)
            assert e1 == e2 == 0
            assert np.linalg.norm(np.subtract(r1, r2)) * 1000 < TLE_ROUNDING_M
    # isls.txt: every ISL the run had up at some step, once, lower index first
    isls = [tuple(map(int, x.split())) for x in (info.path / "isls.txt").read_text().splitlines()]
    links = res.table("links", ["a", "b", "kind"])
    links = links[links.kind == "isl"]
    want = {(min(a, b), max(a, b)) for a, b in zip(links.a, links.b, strict=True)}
    assert len(isls) == len(set(isls))
    assert set(isls) == want
    assert len(want) > 0
    assert info.dynamic_state_dir.name == "dynamic_state_10000ms_for_60s"


def test_tle_exponent_field():
    # the TLE's "assumed decimal point" format: 0.12345e-3 is " 12345-3"
    assert _tle_exp(0.0) == " 00000+0"
    assert _tle_exp(1.2345e-4) == " 12345-3"
    assert _tle_exp(-2.5e-5) == "-25000-4"
    assert _tle_exp(0.5) == " 50000+0"


def test_refusals(tmp_path):
    cat = {
        **WALKER,
        "name": "catalogue",
        "constellations": [{"name": "starlink", "tle_file": "package:starlink-2023-07-18.tle",
                            "limit": 20, "spacecraft": {"enabled": False}}],
        "time": {"start": "2023-07-18T12:00:00Z", "duration_s": 20, "step_s": 10},
    }  # fmt: skip
    res = run(cat, out=tmp_path / "cat")
    with pytest.raises(OrbitcloudInputError, match="catalogue satellites"):
        export_hypatia(res, tmp_path / "h1")
    odd = {**WALKER, "name": "odd", "time": {**WALKER["time"], "step_s": 0.0005,
                                            "duration_s": 0.002}}  # fmt: skip
    res = run(odd, out=tmp_path / "odd")
    with pytest.raises(OrbitcloudInputError, match="whole number"):
        export_hypatia(res, tmp_path / "h2")
    assert not (tmp_path / "h1").exists()
    assert not (tmp_path / "h2").exists()
