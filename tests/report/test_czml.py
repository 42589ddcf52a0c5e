"""report.czml: sampled Earth-fixed positions, sunlit colours, ground endpoints (czml3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from czml3 import Document

from orbitcloud.report.czml import ECLIPSE_RGBA, SUNLIT_RGBA, build_czml, colour_samples


def test_czml_of_a_run(full_folder: Path) -> None:
    doc = build_czml(full_folder)
    packets = json.loads(doc.model_dump_json(exclude_none=True))
    assert packets[0]["id"] == "document"
    assert packets[0]["clock"]["currentTime"].endswith("Z")
    sats = [p for p in packets if p["id"].startswith("sat/")]
    ground = [p for p in packets if p["id"].startswith("ground/")]
    assert len(sats) == 225
    assert len(ground) == 4
    assert ground[0]["label"]["text"] == "Manila"
    p = sats[7]
    pos = p["position"]
    assert pos["referenceFrame"] == "FIXED"
    assert pos["interpolationAlgorithm"] == "LAGRANGE"
    samples = np.asarray(pos["cartesian"]).reshape(-1, 4)
    assert len(samples) == 361  # 225 x 361 fits the sample budget: every step kept
    tab = pq.read_table(full_folder / "positions.parquet").to_pandas()
    mine = tab[tab.sat == 7].sort_values("time")
    np.testing.assert_allclose(samples[:, 1:], mine[["x_m", "y_m", "z_m"]].to_numpy(), atol=0.5)
    np.testing.assert_allclose(samples[:, 0], np.arange(361) * 60.0)
    # colour: sunlit/eclipse states at the right times
    rgba = np.asarray(p["point"]["color"]["rgba"]).reshape(-1, 5)
    lit = mine["sunlit"].to_numpy() >= 0.5
    for row in rgba:
        k = int(row[0] / 60)
        assert list(row[1:]) == (SUNLIT_RGBA if lit[k] else ECLIPSE_RGBA)
    Document.model_validate(packets)  # czml3 reads it back


def test_czml_thins_time_to_the_sample_budget(full_folder: Path) -> None:
    packets = json.loads(build_czml(full_folder, max_samples=225 * 50).model_dump_json(
        exclude_none=True))  # fmt: skip
    samples = np.asarray(packets[1]["position"]["cartesian"]).reshape(-1, 4)
    t = samples[:, 0]
    assert len(t) <= 51
    assert t[0] == 0
    assert t[-1] == 360 * 60.0
    assert np.all(np.diff(t) > 0)


def test_colour_samples_switch_within_a_step() -> None:
    secs = np.arange(6) * 60.0
    out = np.asarray(colour_samples(secs, np.array([1, 1, 0, 0, 0, 1], bool))).reshape(-1, 5)
    assert out[:, 0].tolist() == [0, 60, 120, 240, 300]
    assert [list(r[1:]) == SUNLIT_RGBA for r in out] == [True, True, False, False, True]
