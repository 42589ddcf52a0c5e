"""A formation over a run, span by span (orbitcloud.operations.cluster), on SGP4 members."""

from __future__ import annotations

import itertools
from dataclasses import fields

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sgp4.api import SatrecArray

from orbitcloud.astro.constellations import build_satellites
from orbitcloud.astro.ephemeris import compute_chunk
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.operations import cluster
from orbitcloud.operations import conjunction as cj
from orbitcloud.scenario.loader import load_scenario_text

SCENARIO = """
name: c
time: {start: "2025-06-21T00:00:00Z", duration_s: 5400, step_s: 60}
constellations:
  - name: c
    cluster: {altitude_km: 650, ltan_h: 6.0, count: 19, spacing_m: 200}
"""


@pytest.fixture(scope="module")
def formation():
    sc = load_scenario_text(SCENARIO)
    sats = build_satellites(sc)
    grid = TimeGrid(sc.time.start_dt, sc.time.step_s, sc.time.n_steps)
    ch = compute_chunk(SatrecArray(sats.satrecs), grid, 0, grid.n)
    members = np.arange(len(sats))
    disk = np.hypot(sats.extra["disk_x_m"], sats.extra["disk_y_m"])
    # 250 m: neighbours 200 m apart drift within it, so member approaches are found
    design = cluster.cluster_design("c", members, sats.satrecs, 200.0, 250.0, grid.step_s,
                                    grid.n, disk)  # fmt: skip
    drivers = cluster.ClusterDrivers(0, grid.unix_ms(0, grid.n) / 1000.0, ch.r_teme, ch.v_teme)
    return design, drivers


def _run(design, drivers, edges):
    state, outs = cluster.ClusterState.start(len(design.members)), []
    for a, b in itertools.pairwise(edges):
        state, out = cluster.advance(state, drivers.steps(a, b), design)
        outs.append(out)
    return state, outs


def _assert_states_equal(a: cluster.ClusterState, b: cluster.ClusterState):
    for name in ("dev_max_m", "dev_last_m", "model_sq_m2", "model_n", "nearest_min_m",
                 "nearest_min_step"):  # fmt: skip
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    ea, eb = cj.ScreeningResult.concat(list(a.events)), cj.ScreeningResult.concat(list(b.events))
    for f in fields(ea):
        np.testing.assert_array_equal(getattr(ea, f.name), getattr(eb, f.name), err_msg=f.name)


def test_design_picks_an_eccentric_centre_member(formation):
    design, _ = formation
    assert 0 <= design.chief < len(design.members)
    assert design.a_m == pytest.approx(6378.137e3 + 650e3, rel=2e-3)
    assert design.roe0.da[design.chief] == 0.0


@settings(max_examples=12, deadline=None, derandomize=True)
@given(cuts=st.lists(st.integers(0, 91), max_size=4))
def test_advance_is_split_invariant(formation, cuts):
    """Run state, approaches and every per-step output: bit-identical however the run is cut."""
    design, drivers = formation
    n = len(drivers.unix_s)
    whole, (out,) = _run(design, drivers, [0, n])
    state, outs = _run(design, drivers, [0, *sorted(min(c, n) for c in cuts), n])
    _assert_states_equal(state, whole)
    for name in ("hill_m", "deviation_m", "j2_model_deviation_m", "nearest_m"):
        joined = np.concatenate([getattr(o, name) for o in outs])
        np.testing.assert_array_equal(joined, getattr(out, name), err_msg=name)


def test_outputs_and_summary(formation):
    design, drivers = formation
    n = len(drivers.unix_s)
    state, (out,) = _run(design, drivers, [0, n])
    assert len(cj.ScreeningResult.concat(list(state.events))) > 0
    assert np.all(out.deviation_m >= 0)
    np.testing.assert_array_equal(out.hill_m[:, design.chief], 0.0)
    assert 150.0 < state.nearest_min_m <= 200.01
    assert state.model_n == out.deviation_m.size
    assert np.sqrt(state.model_sq_m2 / state.model_n) < 10.0  # J2 model residual: metres
    rates = cluster.keeping_dv_rates(design, np.full(19, 1e-7), 0.05)
    assert rates["drag"][design.chief] == 0.0
    summary, res, min_sep = cluster.cluster_summary(state, design, rates, 0.0, str)
    assert summary["members"] == 19
    assert summary["close_approaches"] == len(res)
    assert min_sep <= state.nearest_min_m
    assert summary["min_separation_m"] == pytest.approx(min_sep, rel=1e-5)
    cols = cluster.formation_columns(design, drivers.unix_s * 1000.0, out)
    assert all(len(v) == n * 19 for v in cols.values())


def test_formation_rows_of_several_clusters_are_time_major_and_keep_masks():
    """Two clusters over the same two steps: rows come out step by step (not cluster after
    cluster, which would depend on the chunk size), masks kept."""
    a = {"time": np.array([0, 0, 60, 60]), "sat": np.array([0, 1, 0, 1], np.int32),
         "x": np.ma.masked_array([1.0, 2.0, 3.0, 4.0], mask=[0, 1, 0, 0])}  # fmt: skip
    b = {"time": np.array([0, 60]), "sat": np.array([5, 5], np.int32),
         "x": np.ma.masked_array([7.0, 8.0], mask=[0, 1])}  # fmt: skip
    m = cluster.merge_formation_columns([a, b])
    assert m["time"].tolist() == [0, 0, 0, 60, 60, 60]
    assert m["sat"].tolist() == [0, 1, 5, 0, 1, 5]
    assert m["x"].mask.tolist() == [False, True, False, False, False, True]
