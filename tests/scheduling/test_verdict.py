"""The latency verdict's wording helpers: readable durations, the tail sentence and the
fibre-stretch flip, against hand values."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from orbitcloud.scheduling import metrics as mt
from orbitcloud.scheduling import service as svc
from orbitcloud.scheduling.verdict import (
    MEASURED_PATH_STRETCH,
    readable_duration,
    stretch_reevaluation,
    tail_sentence,
)
from orbitcloud.workloads.latency import latency_bin


@pytest.mark.parametrize(
    ("ms", "text"),
    [(262.3, "262.3 ms"), (10_216.0, "10.2 s"), (381_650.0, "6.4 min"), (9_550e3, "2.7 h"),
     (None, "n/a")],
)  # fmt: skip
def test_readable_duration(ms, text):
    assert readable_duration(ms) == text


def test_tail_sentence_names_the_driver_part_and_class():
    tail = {"driver": "capacity", "components": {
        "p99_ms": 694_537.7, "tail_p99_mean_ms": 3_751_498.0,
        "tail_p99_component_ms": {"access": 20.0, "propagation": 40.0, "transfer": 0.0,
                                  "queueing": 3_751_432.0, "compute": 6.0},
        "tail_p99_classes": {"interactive": 0.0, "batch": 1.0}}}  # fmt: skip
    s = tail_sentence(tail)
    assert s == ("The orbital p99 (11.6 min) is driven by capacity (too few accelerators where "
                 "the demand is): in the slowest 1 % of requests queueing is 62.5 min of "
                 "62.5 min, 100% of them class 'batch'.")  # fmt: skip
    assert tail_sentence(None) is None


def test_stretch_flip_of_a_linear_median_by_hand():
    # a median linear in the stretch, 10 ms + 20 ms per unit: 40 ms at x 1.5, 52 ms at x 2.1;
    # an orbital median of 60 ms is met at 1.5 + (60 - 40) / 20 = 2.5
    seen = []

    def evaluate(s):
        seen.append(s)
        return 10.0 + 20.0 * s

    out = stretch_reevaluation(evaluate, 1.5, 40.0, 60.0)
    assert MEASURED_PATH_STRETCH == 2.1
    assert out["p50_measured_ms"] == pytest.approx(52.0)
    assert out["flip_at"] == pytest.approx(2.5)
    assert out["p50_flip_ms"] == pytest.approx(60.0)
    assert seen == pytest.approx([2.1, 2.5])
    # no flip within [1, 5]: an orbital median of 200 ms needs x 9.5
    assert stretch_reevaluation(evaluate, 1.5, 40.0, 200.0)["flip_at"] is None


def test_tail_explanation_reads_minutes_not_raw_milliseconds():
    """A hand tail: 100 'batch' requests whose p99 is 358,940.2 ms; in the slowest 1 % queueing
    is 348,000 of 358,900 ms. 358,940.2 / 60,000 = 5.98 -> "6.0 min"; 348,000 -> "5.8 min"."""
    state = svc.ServiceState.empty(1, 1, 1)
    state.hist[0, 0, 0, latency_bin(np.array([358_940.2]))[0]] = 100
    state.counts[0, 0, 0] = [100, 100, 0, 0]
    comp = {"access": 20.0, "propagation": 40.0, "transfer": 0.0, "queueing": 348_000.0,
            "compute": 10_840.0}  # fmt: skip
    rows = [("all", "orbital", "all", "all", c, 100, 1.0, 1.0, 1.0, v, v, v, v, None, None,
             v / 358_900.0) for c, v in comp.items()]  # fmt: skip
    rows.append(("all", "orbital", "all", "all", "total", 100, 300_000.0, 350_000.0, 358_940.2,
                 358_900.0, 358_900.0, 358_900.0, 358_900.0, 1.0, 1.0, 1.0))  # fmt: skip
    batch = SimpleNamespace(name="batch", max_wait_s=3600.0, slo_ttft_ms=3.6e6)
    tail = mt.tail_explanation("orbital", state, rows, [batch], 0.1, 0.0, "off")
    assert tail is not None
    assert tail["text"].startswith("The orbital p99 (6.0 min) is driven by policy")
    assert "queueing is 5.8 min of 6.0 min (97%), 100% of them 'batch'" in tail["text"]
    assert "358940" not in tail["text"]
    assert readable_duration(358_940.2) == "6.0 min"
