"""The answer panel and the story sections: hand-made summaries and tables with numbers chosen
here, so each expected value is a hand calculation, not the code's own helper."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from orbitcloud.report.answer import (
    MAX_NUMBERS,
    answer_panel,
    first_sentence,
    format_number,
    lead_sentences,
)
from orbitcloud.report.render import render_report
from orbitcloud.report.story import (
    economics_story,
    eo_section,
    group_small,
    latency_section,
    outage_section,
    training_section,
)
from orbitcloud.results.reader import Results

T0 = np.datetime64("2025-09-10T00:00", "ms").astype(np.int64)
UTC_MS = pa.timestamp("ms", tz="UTC")


def values(v: object) -> list:
    """A plotly JSON array as a list (plotly writes NumPy arrays as {"dtype", "bdata"})."""
    if isinstance(v, dict) and "bdata" in v:
        import base64

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)  # type: ignore[call-overload]


def _folder(tmp_path: Path, scenario: dict, tables: dict[str, pa.Table]) -> Results:
    f = tmp_path / "run"
    f.mkdir(parents=True)
    (f / "scenario.yaml").write_text(yaml.safe_dump(scenario), "utf-8")
    for name, tab in tables.items():
        pq.write_table(tab, f / f"{name}.parquet")
    return Results(f, partial=True)


# ---- answer panel ------------------------------------------------------------------------------


def test_verdicts_are_shown_all_with_units_and_flips() -> None:
    summary = {
        "kpis": {"answer": "ignored when verdicts exist"},
        "verdicts": [
            {"topic": "cost", "question": "Is it cheaper?", "text": "Orbital costs 15x.",
             "numbers": [{"name": "economics_orbital_usd_per_mtok", "value": 2.1, "unit": "USD/Mtok"},
                         {"name": "economics_cost_ratio_orbital_to_terrestrial", "value": 15.0}],
             "baseline": "H100 cloud region", "assumptions": ["launch 854 USD/kg"],
             "flips": [{"assumption": "launch price", "now": 854, "flip_at": None,
                        "unit": "USD/kg", "text": "no launch price flips it"}]},
            {"topic": "latency", "text": "Orbital p50 is lower.", "numbers": [],
             "flips": [{"assumption": "access latency", "now": 0, "flip_at": 20, "unit": "ms"}]},
            {"topic": "empty"},  # no text and no numbers: nothing to show
        ],
    }  # fmt: skip
    p = answer_panel({"question": "Orbit or ground?"}, summary)
    assert p["source"] == "verdicts"
    assert [v["topic"] for v in p["verdicts"]] == ["cost", "latency"]
    cost, lat = p["verdicts"]
    assert cost["question"] == "Is it cheaper?"
    assert lat["question"] == "Orbit or ground?"  # falls back to the scenario's question
    assert cost["numbers"][0]["unit"] == "USD/Mtok"
    assert cost["numbers"][1]["unit"] == "1"  # from the KPI registry when the verdict has none
    assert cost["flips"] == ["no launch price flips it"]
    assert lat["flips"] == ["access latency: now 0 ms, flips at 20 ms"]


def test_panel_without_verdicts_takes_question_answer_and_key_numbers() -> None:
    kpis = {
        "satellites": 528, "answer": "Orbital p50 51 ms vs terrestrial 95 ms.",
        "inference_orbital_p50_ms": 51.3, "inference_terrestrial_p50_ms": 95.3,
        "inference_orbital_p95_ms": 2804.0, "inference_terrestrial_p95_ms": None,
        "inference_orbital_served_fraction": 0.9999, "inference_terrestrial_served_fraction": 1.0,
        "altitude_min_km": 549.8,
    }  # fmt: skip
    sc = {"description": "Far users.  Does orbit win? More text."}
    p = answer_panel(sc, {"kpis": kpis})
    assert p["source"] == "kpis"
    assert p["question"] == "Far users."
    (v,) = p["verdicts"]
    assert v["topic"] == "inference"
    assert v["text"] == "Orbital p50 51 ms vs terrestrial 95 ms."
    names = [n["name"] for n in v["numbers"]]
    # None is left out (never shown as a number); the order is the inference list's
    assert names == ["inference_orbital_p50_ms", "inference_terrestrial_p50_ms",
                     "inference_orbital_p95_ms", "inference_orbital_served_fraction",
                     "inference_terrestrial_served_fraction"]  # fmt: skip
    assert {n["unit"] for n in v["numbers"][:3]} == {"ms"}
    assert 3 <= len(v["numbers"]) <= MAX_NUMBERS


@pytest.mark.parametrize(
    ("kpis", "kind"),
    [
        ({"training_llm-pretrain_goodput": 0.9, "compute_capacity_mean": 0.8}, "training"),
        ({"eo_orbital-edge_insight_p50_min": 16.0, "satellites": 12}, "eo"),
        ({"compute_capacity_mean": 0.95, "satellites": 81}, "compute"),
        ({"network_rtt_mean_ms": 40.0, "satellites": 1584}, "network"),
        ({"satellites": 4428, "altitude_min_km": 300.0}, "orbit"),
    ],
)
def test_kind_of_scenario_from_its_kpis(kpis: dict, kind: str) -> None:
    (v,) = answer_panel({"question": "q"}, {"kpis": kpis})["verdicts"]
    assert v["topic"] == kind
    assert all(n["name"] in kpis for n in v["numbers"])


def test_first_sentence_and_number_format() -> None:
    assert first_sentence("One.\n Two.") == "One."
    assert first_sentence("No stop") == "No stop"
    assert format_number(51.2978, "ms") == "51.3 ms"
    assert format_number(1234567.0, "1") == "1,234,567"
    assert format_number(None, "ms") == "n/a"


def test_report_shows_the_panel_before_every_section(tmp_path: Path) -> None:
    f = _folder(tmp_path, {"name": "x", "question": "Is <b>orbit</b> faster?"}, {})
    summary = {"kpis": {"answer": "Yes, by 40 ms.", "satellites": 3, "altitude_min_km": 550.0,
                        "altitude_max_km": 551.0}}  # fmt: skip
    html = render_report(f.path, summary)
    i = html.index('id="sec-answer"')
    assert i < html.index('id="sec-scenario"')
    assert "Is &lt;b&gt;orbit&lt;/b&gt; faster?" in html  # escaped, as text
    assert "Yes, by 40 ms." in html
    assert "550 km" in html  # number with its unit


# ---- story sections ----------------------------------------------------------------------------


def test_outage_served_fraction_and_latency_are_hand_sums(tmp_path: Path) -> None:
    # two steps, two classes each, in the region; another region must not count
    rows = [  # time step, system, region, requests, admitted, latency_mean_ms
        (0, "orbital", "Gulf", 10, 10, 20.0), (0, "orbital", "Gulf", 30, 20, 50.0),
        (0, "terrestrial", "Gulf", 40, 0, None), (1, "orbital", "Gulf", 8, 8, 30.0),
        (1, "terrestrial", "Gulf", 8, 6, 10.0), (0, "orbital", "Elsewhere", 100, 0, 999.0),
    ]  # fmt: skip
    tab = pa.table({
        "time": pa.array([T0 + r[0] * 60_000 for r in rows], pa.int64()).cast(UTC_MS),
        "system": [r[1] for r in rows], "region": [r[2] for r in rows],
        "requests": [r[3] for r in rows], "admitted": [r[4] for r in rows],
        "latency_mean_ms": [r[5] for r in rows],
    })  # fmt: skip
    sc = {"events": [{"kind": "terrestrial_outage", "name": "storm", "region": "Gulf",
                      "start": "2025-09-10T00:00:00Z", "duration_h": 1}]}  # fmt: skip
    sec = outage_section(_folder(tmp_path, sc, {"requests": tab}), sc)
    assert sec is not None
    sf, lat = sec.blocks[0].fig, sec.blocks[1].fig
    by = {t["name"]: values(t["y"]) for t in sf["data"]}
    assert by["orbital"] == pytest.approx([30 / 40, 1.0])  # (10+20)/(10+30), 8/8
    assert by["terrestrial"] == pytest.approx([0.0, 6 / 8])
    ly = {t["name"]: values(t["y"]) for t in lat["data"]}
    assert ly["orbital"] == pytest.approx([(10 * 20 + 20 * 50) / 30, 30.0])
    assert ly["terrestrial"] == pytest.approx([10.0])  # step 0 had no admitted request
    assert sf["layout"]["shapes"][0]["x0"].startswith("2025-09-10 00:00")  # the window shaded
    assert outage_section(_folder(tmp_path / "b", {}, {"requests": tab}), {}) is None


CLASSES = [  # the default request classes (scenario.operations), as a resolved scenario has them
    {"name": "interactive", "share": 0.7, "slo_ttft_ms": 500.0, "max_wait_s": 10.0, "priority": 1},
    {"name": "latency-critical", "share": 0.1, "slo_ttft_ms": 50.0, "max_wait_s": 0.05,
     "priority": 0},
    {"name": "batch", "share": 0.2, "slo_ttft_ms": 3.6e6, "max_wait_s": 3600.0, "priority": 2},
]  # fmt: skip


OUTAGE_WITH_CLASSES = {
    "events": [{"kind": "terrestrial_outage", "name": "storm", "region": "Gulf",
                "start": "2025-09-10T00:00:00Z", "duration_h": 1}],
    "workloads": {"inference": {"classes": CLASSES}},
}  # fmt: skip


def test_outage_latency_is_one_class_p50_solid_p95_dashed(tmp_path: Path) -> None:
    # per step and system one row per class; the chart must show the 'interactive' rows as
    # they are (no pooling with batch, whose p95 is minutes), the other region left out
    rows = [  # step, system, region, class, requests, admitted, p50, p95
        (0, "orbital", "Gulf", "interactive", 70, 70, 150.0, 400.0),
        (0, "orbital", "Gulf", "batch", 20, 20, 9_000.0, 360_000.0),
        (0, "orbital", "Gulf", "latency-critical", 10, 10, 40.0, 45.0),
        (1, "orbital", "Gulf", "interactive", 60, 60, 160.0, 450.0),
        (0, "terrestrial", "Gulf", "interactive", 70, 0, None, None),
        (1, "terrestrial", "Gulf", "interactive", 60, 60, 30.0, 80.0),
        (1, "terrestrial", "Gulf", "batch", 20, 20, 50.0, 7_200_000.0),
        (1, "orbital", "Elsewhere", "interactive", 5, 5, 999.0, 9_999.0),
    ]  # fmt: skip
    tab = pa.table({
        "time": pa.array([T0 + r[0] * 60_000 for r in rows], pa.int64()).cast(UTC_MS),
        **{c: [r[i] for r in rows] for i, c in enumerate(
            ["step", "system", "region", "class", "requests", "admitted", "latency_p50_ms",
             "latency_p95_ms"]) if i > 0},
    })  # fmt: skip
    sc = OUTAGE_WITH_CLASSES
    sec = outage_section(_folder(tmp_path, sc, {"requests": tab}), sc)
    assert sec is not None
    lat = sec.blocks[1]
    tr = {t["name"]: t for t in lat.fig["data"]}
    assert sorted(tr) == ["orbital p50", "orbital p95", "terrestrial p50", "terrestrial p95"]
    assert values(tr["orbital p50"]["y"]) == pytest.approx([150.0, 160.0])
    assert values(tr["orbital p95"]["y"]) == pytest.approx([400.0, 450.0])
    y = values(tr["terrestrial p50"]["y"])  # step 0: nothing admitted (a gap, not 0)
    assert np.isnan(y[0])
    assert y[1] == pytest.approx(30.0)
    assert values(tr["terrestrial p95"]["y"])[1] == pytest.approx(80.0)
    assert tr["orbital p95"]["line"]["dash"] == "dash"
    assert tr["orbital p50"]["line"].get("dash") in (None, "solid")
    assert "[ms]" in lat.fig["layout"]["yaxis"]["title"]["text"]
    for words in ("'interactive'", "70%", "'batch'"):  # which class, its share, what is left out
        assert words in lat.caption
    assert lat.fig["layout"]["shapes"][0]["x0"].startswith("2025-09-10 00:00")
    # a results folder without the scenario's classes: the class with the most requests
    bare = {"events": sc["events"]}
    sec = outage_section(_folder(tmp_path / "b", bare, {"requests": tab}), bare)
    assert sec is not None
    assert values({t["name"]: t for t in sec.blocks[1].fig["data"]}["orbital p50"]["y"]) == (
        pytest.approx([150.0, 160.0]))  # fmt: skip


def test_group_small_keeps_the_total() -> None:
    items = {"a": 50.0, "b": 45.0, "c": 1.5, "d": 1.0, "e": 0.0, "f": 2.5}
    g = group_small(items, 0.02)  # total 100: c, d, e are below 2
    assert list(g) == ["a", "b", "f", "other"]
    assert g["other"] == pytest.approx(2.5)
    assert sum(g.values()) == pytest.approx(100.0)


def _economics() -> pa.Table:
    rows = [  # kind, system, item, case, input_value, usd_per_accelerator_hour
        ("cost", "orbital", "launch", "base", None, 6.0), ("cost", "orbital", "bus", "base", None, 3.0),
        ("cost", "orbital", "tiny", "base", None, 0.1), ("cost", "terrestrial", "chips", "base", None, 1.0),
        ("sensitivity", "orbital", "launch_usd_per_kg", "low", 500.0, 7.0),
        ("sensitivity", "terrestrial", "launch_usd_per_kg", "low", 500.0, 1.0),
        ("sensitivity", "orbital", "launch_usd_per_kg", "high", 1500.0, 11.0),
        ("sensitivity", "terrestrial", "launch_usd_per_kg", "high", 1500.0, 1.0),
        ("sensitivity", "orbital", "chip_usd", "low", 1.0, 9.0),
        ("sensitivity", "terrestrial", "chip_usd", "low", 1.0, 0.9),
    ]  # fmt: skip
    cols = ["kind", "system", "item", "case", "input_value", "usd_per_accelerator_hour"]
    return pa.table({c: [r[i] for r in rows] for i, c in enumerate(cols)})


def test_waterfall_totals_and_tornado_ratios_are_hand_values(tmp_path: Path) -> None:
    f = _folder(tmp_path, {}, {"economics": _economics()})
    blocks = economics_story(f, {"economics": {"breakeven_launch_usd_per_kg": None}})
    wf, tor = blocks[0].fig["data"], blocks[1].fig["data"]
    orb = next(t for t in wf if t["name"] == "orbital")
    # 0.1 is 1.1 % of 9.1: grouped as "other"; the total bar closes the sum
    assert orb["x"][1] == ["launch", "bus", "other", "total"]
    assert values(orb["y"])[:3] == pytest.approx([6.0, 3.0, 0.1])
    assert orb["measure"][-1] == "total"
    base = 9.1 / 1.0
    low = next(t for t in tor if t["name"] == "low input")
    high = next(t for t in tor if t["name"] == "high input")
    ratio = {y: base + x for y, x in zip(low["y"], low["x"], strict=True)}
    assert ratio == pytest.approx({"launch_usd_per_kg": 7.0, "chip_usd": 10.0})
    assert dict(zip(high["y"], high["x"], strict=True))["launch_usd_per_kg"] + base == (
        pytest.approx(11.0))  # fmt: skip
    assert low["base"] == pytest.approx(base)
    shapes = blocks[1].fig["layout"]["shapes"]
    assert any(s["x0"] == 1.0 for s in shapes)  # break-even marked at ratio 1
    # the largest swing first from the top (plotly draws the last category on top)
    assert low["y"][-1] == "launch_usd_per_kg"


def test_eo_and_training_sections(tmp_path: Path) -> None:
    eo = pa.table({"mode": ["raw", "edge"], "captured_gb": [100.0, 100.0],
                   "downlinked_gb": [100.0, 2.0], "insight_gb": [100.0, 100.0],
                   "insight_p50_min": [50.0, 16.0]})  # fmt: skip
    jobs = pa.table({
        "time": pa.array([T0, T0 + 60_000, T0 + 120_000], pa.int64()).cast(UTC_MS),
        "job": ["j", "j", "j"], "state": ["running", "eclipse", "running"],
        "committed_eflop": [0.0, 1.0, 1.0], "rate_pflop_s": [5.0, 0.0, 5.0],
    })  # fmt: skip
    sc = {"events": [{"kind": "solar_storm", "start": "2025-09-10T00:01:00Z", "duration_h": 1}]}
    f = _folder(tmp_path, sc, {"eo": eo, "jobs": jobs})
    e = eo_section(f)
    assert e is not None
    bars = {t["name"]: values(t["y"]) for t in e.blocks[0].fig["data"]}
    assert bars["downlinked"] == [100.0, 2.0]
    t = training_section(f, sc)
    assert t is not None
    names = [tr["name"] for tr in t.blocks[0].fig["data"]]
    assert names == ["j", "j: eclipse"]
    assert t.blocks[0].fig["layout"]["shapes"][0]["x0"] == "2025-09-10 00:01:00"


def test_lead_sentences_keep_decimals_and_the_length() -> None:
    text = "Orbit wins by 15.5 ms (56.0 vs 71.5 ms). The tail is queueing. It flips at 35 ms."
    assert lead_sentences(text) == (
        "Orbit wins by 15.5 ms (56.0 vs 71.5 ms). The tail is queueing.",
        "It flips at 35 ms.",
    )
    long = "A" * 315 + ". Second one. Third."  # two would pass 320 characters
    assert lead_sentences(long) == ("A" * 315 + ".", "Second one. Third.")
    assert lead_sentences("One only") == ("One only", "")


def test_latency_parts_stack_to_the_totals_of_the_table(tmp_path: Path) -> None:
    # orbital median 20 + 30 + 0 + 100 + 5 = 155 ms, tail 20 + 40 + 0 + 9,000 + 6 ms; a
    # per-class row (class "chat") must not be drawn
    parts = ("access", "propagation", "transfer", "queueing", "compute")
    med = {"orbital": (20.0, 30.0, 0.0, 100.0, 5.0), "terrestrial": (10.0, 40.0, 0.0, 2.0, 5.0)}
    tail = {"orbital": (20.0, 40.0, 0.0, 9000.0, 6.0), "terrestrial": (10.0, 41.0, 0.0, 80.0, 6.0)}
    rows = [("all", sy, "all", "all", c, med[sy][i], tail[sy][i])
            for sy in med for i, c in enumerate(parts)]  # fmt: skip
    rows.append(("all", "orbital", "all", "chat", "queueing", 1e6, 1e6))
    names = ["region", "system", "period", "class", "component", "median_ms", "tail_p99_ms"]
    tab = pa.table({n: [r[i] for r in rows] for i, n in enumerate(names)})
    summary = {"operations": {"inference": {"tail_by_system": {
        "orbital": {"text": "The orbital p99 is driven by policy."}}}}}  # fmt: skip
    sec = latency_section(_folder(tmp_path, {}, {"latency_components": tab}), summary)
    assert sec is not None
    assert "The orbital p99 is driven by policy." in sec.intro
    for block, want in zip(sec.blocks, (med, tail), strict=True):
        fig = block.fig
        assert fig["layout"]["barmode"] == "stack"
        assert "[ms]" in fig["layout"]["yaxis"]["title"]["text"]
        stacked = np.sum([values(t["y"]) for t in fig["data"]], axis=0)
        assert stacked.tolist() == pytest.approx([sum(want["orbital"]), sum(want["terrestrial"])])
    assert latency_section(_folder(tmp_path / "b", {}, {}), summary) is None


def test_pattern_kpis_in_the_panel_name_their_instance() -> None:
    from orbitcloud.report.answer import _kpi_numbers

    kpis = {"eo_raw_downlink_downlinked_gb": 1680.0, "eo_orbital_edge_downlinked_gb": 33.6}
    nums = _kpi_numbers(kpis, (r"eo_.+_downlinked_gb",))
    assert [n["description"] for n in nums] == [
        "data downlinked (raw downlink)",
        "data downlinked (orbital edge)",
    ]


def test_outage_lines_are_thinned_to_the_report_limit_with_the_spike_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 100 steps of one class per system, a single-step spike at step 37: with the limit at 16
    # points per line every outage line is at most 16 points, keeps the spike and says so
    from orbitcloud.report import stream

    monkeypatch.setattr(stream, "MAX_POINTS", 16)
    n = 100
    p50 = [100.0] * n
    p50[37] = 5_000.0
    tab = pa.table({
        "time": pa.array([T0 + k * 60_000 for k in range(n)] * 2, pa.int64()).cast(UTC_MS),
        "system": ["orbital"] * n + ["terrestrial"] * n, "region": ["Gulf"] * (2 * n),
        "class": ["interactive"] * (2 * n), "requests": [10] * (2 * n),
        "admitted": [10] * (2 * n), "latency_p50_ms": p50 + [20.0] * n,
        "latency_p95_ms": [300.0] * n + [40.0] * n,
    })  # fmt: skip
    sc = OUTAGE_WITH_CLASSES
    sec = outage_section(_folder(tmp_path, sc, {"requests": tab}), sc)
    assert sec is not None
    for block in sec.blocks[:2]:
        assert all(len(t["x"]) <= 16 for t in block.fig["data"])
        assert "Per-step lines are drawn in buckets of" in block.caption
    orbital = {t["name"]: values(t["y"]) for t in sec.blocks[1].fig["data"]}["orbital p50"]
    assert max(orbital) == 5_000.0
