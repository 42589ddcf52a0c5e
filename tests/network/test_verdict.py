"""The network verdict: hand cases with literal per-pair figures, and a routed run.

Fibre RTTs in the hand checks are 2 x great circle x stretch x n / c written out here, not the
package's ``fibre_rtt_s``.
"""

from __future__ import annotations

import math

import pytest

from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.network.verdict import half_faster_stretch, network_verdict
from orbitcloud.report.answer import answer_panel
from orbitcloud.scenario.loader import scenario_from_dict

C_M_S = 299_792_458.0


def _pair(mean, fibre, lo=None, hi=None, reach=1.0):
    return {"rtt_min_ms": lo if lo is not None else mean, "rtt_mean_ms": mean,
            "rtt_max_ms": hi if hi is not None else mean, "terrestrial_rtt_ms": fibre,
            "reachable_fraction": reach}  # fmt: skip


def _well_formed(v: dict) -> None:
    assert set(v) == {"topic", "question", "text", "numbers", "baseline", "assumptions", "flips"}
    assert v["topic"] == "network"
    assert v["text"]
    assert "nan" not in v["text"].lower().split()
    assert "None" not in v["text"]
    for n in v["numbers"]:
        assert n["unit"]
        assert math.isfinite(n["value"])
        if "fraction" in n["name"]:
            assert 0.0 <= n["value"] <= 1.0


def test_half_faster_stretch_by_hand():
    # per pair, the stretch at which fibre equals its mean RTT: 30/20, 10/20, 25/20
    pairs = [_pair(30.0, 20.0, 28.0, 33.0), _pair(10.0, 20.0, 9.0, 12.0), _pair(25.0, 20.0)]
    half, lo, hi = half_faster_stretch(pairs, 1.0)
    assert half == pytest.approx(1.25)  # the middle pair of three equal weights
    assert lo == pytest.approx(9.0 / 20.0)
    assert hi == pytest.approx(33.0 / 20.0)
    # the same paths at a run stretch of 2 (fibre RTT doubled): the same stretches
    doubled = [{**p, "terrestrial_rtt_ms": 2 * p["terrestrial_rtt_ms"]} for p in pairs]
    assert half_faster_stretch(doubled, 2.0) == pytest.approx((half, lo, hi))
    # weights: a pair reachable 3x as often carries the median
    weighted = [_pair(30.0, 20.0, reach=0.9), _pair(10.0, 20.0, reach=0.3)]
    assert half_faster_stretch(weighted, 1.0)[0] == pytest.approx(1.5)
    # nothing to judge: unreachable pairs, co-located endpoints
    assert half_faster_stretch([_pair(10.0, 0.0), {**_pair(5.0, 9.0), "rtt_mean_ms": None}],
                               1.0) is None  # fmt: skip


def test_verdict_with_routes_states_reach_rtt_and_the_baseline():
    kpis = {"network_route_pairs": 2, "network_reachable_fraction": 0.75,
            "network_rtt_mean_ms": 22.0, "network_rtt_min_ms": 9.0, "network_rtt_max_ms": 33.0,
            "network_faster_than_fibre_fraction": 0.5, "network_isl_links_mean": 100.0}  # fmt: skip
    net = {"isl_rules": {"shell": "plus-grid"},
           "routes": [_pair(30.0, 20.0, 28.0, 33.0), _pair(10.0, 20.0, 9.0, 12.0, 0.5)]}  # fmt: skip
    v = network_verdict(kpis, net, 1.0, 1.47, "Fast?")
    _well_formed(v)
    assert v["text"].startswith("75.0% of the steps of 2 routed pair(s) were reachable")
    assert "50.0% of the reachable pair-steps beat terrestrial fibre at path stretch 1" in v["text"]
    assert "c/1.47" in v["baseline"]
    assert "2.1" in v["baseline"]
    (f,) = v["flips"]
    assert f["assumption"] == "network.terrestrial.path_stretch"
    assert f["flip_at"] == 1.5
    assert f["text"].startswith("fibre path stretch 1.50 (now 1;")  # fibre wins until 1.5
    assert any(a == "ISL topology: shell plus-grid" for a in v["assumptions"])
    # the same pairs against fibre at stretch 2 (fibre RTTs doubled): orbit wins the median;
    # shorter fibre (below 1.5) takes it back
    net2 = {**net, "routes": [_pair(30.0, 40.0, 28.0, 33.0), _pair(10.0, 40.0, 9.0, 12.0, 0.5)]}
    assert network_verdict(kpis, net2, 2.0, 1.47)["flips"][0]["text"].startswith(
        "fibre path stretch below 1.50 (now 2)")  # fmt: skip
    # both pairs far faster than fibre: only fibre shorter than the great circle would flip it
    fast = {**net, "routes": [_pair(10.0, 20.0, 9.0, 12.0), _pair(12.0, 20.0, 11.0, 13.0)]}
    text = network_verdict(kpis, fast, 1.0, 1.47)["flips"][0]["text"]
    assert text.startswith(
        "no fibre path flips it: half of the pairs beat fibre down to a stretch of 0."
    )


def test_verdict_without_routes_says_there_is_no_latency_verdict():
    kpis = {"network_isl_links_mean": 2312.0, "network_isl_capacity_mean_gbps": 100.0,
            "network_isl_broken_link_steps": 0}  # fmt: skip
    v = network_verdict(kpis, {"isl_rules": {"k1": "plus-grid"}}, 1.0, 1.47)
    _well_formed(v)
    assert v["text"].startswith("No ground pairs were routed in this run")
    assert "2,312 links of 100 Gbps per direction" in v["text"]
    assert v["flips"] == []


ROUTED = """
name: routed
question: How fast is Manila to Dalian over the shell?
seed: 1
time: {start: "2000-01-01T00:00:00Z", duration_s: 60, step_s: 10}
constellations:
  - name: kuiper
    walker: {planes: 34, sats_per_plane: 34, altitude_km: 630, inclination_deg: 51.9,
             phase_factor: 1}
    isl: {topology: plus-grid}
    spacecraft: {enabled: false}
ground:
  endpoints:
    - {name: Manila, lat_deg: 14.6042, lon_deg: 120.9822}
    - {name: Dalian, lat_deg: 38.913811, lon_deg: 121.602322}
  link: {max_range_km: 1260}
network:
  relay_via_ground: false
  routes: [[Manila, Dalian]]
outputs: {report: false}
"""


def test_a_routed_run_gets_a_network_verdict_whose_flip_is_the_fibre_closed_form():
    import yaml

    sc = scenario_from_dict(yaml.safe_load(ROUTED))
    ctx = simulate(sc, MemorySink())
    (v,) = ctx.summary["verdicts"]  # no spacecraft models: the network verdict alone
    _well_formed(v)
    panel = answer_panel(sc.model_dump(mode="json"), ctx.summary)
    assert panel["verdicts"][0]["text"] == v["text"]
    (pair,) = ctx.summary["network"]["routes"]
    # fibre at stretch 1: 2 x great circle x 1.47 / c; the flip is where it meets the mean RTT
    fibre_ms = 2 * pair["great_circle_km"] * 1e3 * 1.47 / C_M_S * 1e3
    assert pair["terrestrial_rtt_ms"] == pytest.approx(fibre_ms, rel=1e-6)
    (f,) = v["flips"]
    assert f["flip_at"] == pytest.approx(pair["rtt_mean_ms"] / fibre_ms, rel=1e-4)
    # every step faster than fibre (share 1) exactly when the flip is below the run's stretch
    # for this single pair whose RTT barely moves: the KPI agrees with the side of the flip
    share = ctx.kpis["network_faster_than_fibre_fraction"]
    if pair["rtt_max_ms"] < fibre_ms:
        assert share == 1.0
    if pair["rtt_min_ms"] >= fibre_ms:
        assert share == 0.0
