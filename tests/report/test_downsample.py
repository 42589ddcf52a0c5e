"""The report's one downsampling rule for per-step series (report/stream.py, issue 19 part 2).

Hand cases: every expected point below is worked out from the rule in the Downsampler's
docstring (buckets of L = 2**j steps counted from the first step, the smallest such L that
leaves at most max_points // 2 buckets; each bucket keeps its lowest and its highest step),
not from the code. Then the report itself: a folder with more steps than the limit gets
traces of at most the limit, with a caption naming the bucket, and the figures do not depend
on how the tables were batched.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orbitcloud.report import stream
from orbitcloud.report.sections import Figure, build_sections
from orbitcloud.report.stream import Downsampler, bucket_note, downsample
from orbitcloud.results import reader
from orbitcloud.results.reader import Results

MIN = 60_000  # one 60 s step [ms]


def _t(n: int) -> np.ndarray:
    return np.arange(n, dtype=np.int64) * MIN


def test_short_series_is_kept_exactly() -> None:
    y = np.array([3.0, np.nan, -1.0, 7.5, 7.5])
    t, v, steps = downsample(_t(5), y, max_points=5)
    assert steps == 1
    np.testing.assert_array_equal(t, _t(5))
    np.testing.assert_array_equal(v, y)  # NaN included, at its step


def test_single_step_spike_is_kept() -> None:
    # 100 steps, at most 10 points: L = 32 (100/16 = 7 buckets > 5; 100/32 = 4 <= 5)
    y = np.zeros(100)
    y[37] = 5.0
    t, v, steps = downsample(_t(100), y, max_points=10)
    assert steps == 32
    assert len(t) <= 10
    # buckets [0,32) [32,64) [64,96) [96,100): flat ones keep their first step only; the
    # spike's bucket keeps its first zero (step 32) and the spike (step 37)
    np.testing.assert_array_equal(t, np.array([0, 32, 37, 64, 96]) * MIN)
    np.testing.assert_array_equal(v, [0.0, 0.0, 5.0, 0.0, 0.0])


def test_negative_spike_is_kept_too() -> None:
    y = np.ones(50)
    y[49] = -4.0  # the very last step
    t, v, _ = downsample(_t(50), y, max_points=6)
    assert v.min() == -4.0
    assert t[-1] == 49 * MIN


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_monotone_series_keeps_first_and_last(sign: float) -> None:
    y = sign * np.arange(10.0)
    t, v, steps = downsample(_t(10), y, max_points=4)
    # L = 8 (10/4 = 3 buckets > 2): buckets [0,8) and [8,10), each its two ends
    assert steps == 8
    np.testing.assert_array_equal(t, np.array([0, 7, 8, 9]) * MIN)
    np.testing.assert_array_equal(v, sign * np.array([0.0, 7.0, 8.0, 9.0]))


def test_all_nan_bucket_keeps_one_nan_point() -> None:
    y = np.array([np.nan] * 8 + [1.0, 2.0, np.nan, 0.5, 3.0, 1.0, 1.0, 1.0])
    t, v, steps = downsample(_t(16), y, max_points=4)
    assert steps == 8
    # bucket [0,8): all NaN -> its first step, NaN; bucket [8,16): low 0.5 (step 11), high 3
    np.testing.assert_array_equal(t, np.array([0, 11, 12]) * MIN)
    np.testing.assert_array_equal(v, [np.nan, 0.5, 3.0])


def test_stacked_series_share_the_steps_of_the_stack() -> None:
    a = np.array([1.0, 1.0, 1.0, 1.0, 5.0, 1.0, 1.0, 1.0])
    b = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0])
    d = Downsampler(["a", "b"], max_points=2, stacked=True)
    d.add(_t(8), {"a": a, "b": b})
    assert d.bucket_steps == 8
    out = d.result()
    # the stack a+b is lowest at step 1 (1.0) and highest at step 4 (5.0)
    np.testing.assert_array_equal(out["a"][0], np.array([1, 4]) * MIN)
    np.testing.assert_array_equal(out["b"][0], out["a"][0])
    np.testing.assert_array_equal(out["a"][1], [1.0, 5.0])
    np.testing.assert_array_equal(out["b"][1], [0.0, 0.0])


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="max_points must be at least 2, got 1"):
        Downsampler(["y"], max_points=1)
    d = Downsampler(["y"], max_points=4)
    d.add(_t(3), {"y": np.zeros(3)})
    with pytest.raises(ValueError, match="increase strictly"):
        d.add(_t(3), {"y": np.zeros(3)})


@settings(max_examples=60, deadline=None)
@given(
    y=st.lists(st.floats(-1e6, 1e6) | st.just(float("nan")), min_size=1, max_size=300),
    n=st.integers(2, 40),
    cuts=st.lists(st.integers(1, 299), max_size=6),
)
def test_properties_and_batches_do_not_matter(y: list[float], n: int, cuts: list[int]) -> None:
    v = np.asarray(y)
    t = _t(len(v))
    whole_t, whole_v, steps = downsample(t, v, max_points=n)
    assert len(whole_t) <= max(n, 1)
    assert np.all(np.diff(whole_t) > 0)
    idx = np.searchsorted(t, whole_t)
    np.testing.assert_array_equal(whole_v, v[idx])  # real steps, real values
    fin = v[np.isfinite(v)]
    if len(fin):  # the extremes of the whole series are always drawn
        assert np.nanmax(whole_v) == fin.max()
        assert np.nanmin(whole_v) == fin.min()
    if len(v) <= n:
        assert steps == 1
        np.testing.assert_array_equal(whole_v, v)
    d = Downsampler(["y"], max_points=n)
    edges = [0, *sorted({c for c in cuts if c < len(v)}), len(v)]
    for a, b in itertools.pairwise(edges):
        d.add(t[a:b], {"y": v[a:b]})
    got_t, got_v = d.result()["y"]
    np.testing.assert_array_equal(got_t, whole_t)
    np.testing.assert_array_equal(got_v, whole_v)
    assert d.bucket_steps == steps


def test_bucket_note_names_the_bucket() -> None:
    assert bucket_note(1, 60.0) == ""
    note = bucket_note(16, 60.0, max_points=1500)
    assert "buckets of 16 steps (16 min)" in note
    assert "at most 1,500 points" in note


# ---- the report of a run with more steps than the limit ---------------------------------------

LIMIT = 16


def _figures(folder: Path) -> dict[str, list[Figure]]:
    f = Results(folder, partial=True)
    secs = build_sections(f, f.scenario_dict(), f.summary)
    return {s.id: [b for b in s.blocks if isinstance(b, Figure)] for s in secs}


def _time_traces(figs: dict[str, list[Figure]]) -> list[tuple[str, str, int]]:
    """(section, chart title, points) of every trace on a time axis."""
    out = []
    for sid, blocks in figs.items():
        for b in blocks:
            if b.fig["layout"].get("hovermode") != "x unified":
                continue
            for tr in b.fig["data"]:
                n = len(tr.get("x") or [])
                if tr.get("fill") == "toself":
                    n //= 2  # a band: both edges in one polygon
                out.append((sid, str(b.fig["layout"]["title"]["text"]), n))
    return out


def test_report_traces_have_at_most_the_limit(
    full_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    n_steps = len(Results(full_folder, partial=True).unique_times("sat_state"))
    assert n_steps > LIMIT  # else this test would prove nothing
    before = _time_traces(_figures(full_folder))
    assert max(n for *_, n in before) > LIMIT
    monkeypatch.setattr(stream, "MAX_POINTS", LIMIT)
    figs = _figures(full_folder)
    after = _time_traces(figs)
    spacecraft = [n for sid, _, n in after if sid == "sec-spacecraft"]
    assert spacecraft
    over = [(sid, title, n) for sid, title, n in after if n > LIMIT]
    assert not over, over
    captions = [b.caption for b in figs["sec-spacecraft"]]
    assert all("Per-step lines are drawn in buckets of" in c for c in captions), captions


@pytest.mark.parametrize("rows", [7, 64])  # 1-step batches: the hypothesis test above
def test_downsampled_figures_do_not_depend_on_batches(
    full_folder: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> None:
    monkeypatch.setattr(stream, "MAX_POINTS", LIMIT)

    def dump() -> str:
        figs = _figures(full_folder)
        return json.dumps({k: [(b.fig, b.caption) for b in v] for k, v in figs.items()},
                          sort_keys=True, default=str)  # fmt: skip

    ref = dump()
    monkeypatch.setattr(reader, "STREAM_BATCH_ROWS", rows)
    assert dump() == ref
