"""region_metrics has one row per (region, system, period, class): the workloads charts must not
pool the classes (issue 15: served fraction stacked to 4, latency percentiles to 800,000 ms)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orbitcloud.report.sections import Figure, Table, workloads_section
from orbitcloud.results.reader import Results

CLASSES = ["chat", "batch", "vision", "all"]


def _folder(full_folder: Path, tmp_path: Path) -> Path:
    f = tmp_path / "f"
    shutil.copytree(full_folder, f)
    rows = []
    for r, region in enumerate(["Gulf Coast", "Europe"]):
        for s, system in enumerate(["orbital", "terrestrial"]):
            for c, cls in enumerate(CLASSES):
                rows.append(
                    (
                        region,
                        system,
                        "all",
                        cls,
                        100 + 10 * c,
                        0.9 - 0.1 * c + 0.01 * r,
                        50.0 + 10 * c + s,
                        100.0 + 20 * c + s,
                        200.0 + 40 * c + r,
                    )
                )
    cols = ["region", "system", "period", "class", "requests", "served_fraction", "p50_ms",
            "p95_ms", "p99_ms"]  # fmt: skip
    pq.write_table(pa.table({c: [row[j] for row in rows] for j, c in enumerate(cols)}),
                   f / "region_metrics.parquet")  # fmt: skip
    return f


def _figures(sec: object) -> dict[str, dict]:
    return {
        b.fig["layout"]["title"]["text"]: b.fig
        for b in getattr(sec, "blocks", [])
        if isinstance(b, Figure)
    }


def test_region_charts_plot_one_class_and_match_the_table(
    full_folder: Path, tmp_path: Path
) -> None:
    f = _folder(full_folder, tmp_path)
    sec = workloads_section(Results(f, partial=True))
    assert sec is not None
    figs = _figures(sec)
    served = figs["Served fraction by region"]
    for tr in served["data"]:
        assert len(tr["x"]) == len(set(map(str, tr["x"]))), "one bar per region and series"
        assert all(0.0 <= y <= 1.0 for y in tr["y"])
    # latency bars equal the table's class-'all' rows, value for value
    t = pq.read_table(f / "region_metrics.parquet").to_pylist()
    want = {(r["system"], r["region"], k): r[k] for r in t if r["class"] == "all"
            for k in ("p50_ms", "p95_ms", "p99_ms")}  # fmt: skip
    lat = figs["Latency percentiles by region"]
    seen = 0
    for tr in lat["data"]:
        system, pct = tr["name"].split(" ")
        assert len(tr["x"]) == len(set(map(str, tr["x"])))
        for x, y in zip(tr["x"], tr["y"], strict=True):
            assert y == want[(system, x, f"{pct}_ms")]
            seen += 1
    assert seen == len(want)
    # the table keeps every class and shows the class column
    tab = next(b for b in sec.blocks if isinstance(b, Table) and b.title == "Region metrics")
    assert "class" in tab.header
    assert len(tab.rows) == len(t)
    assert len({tuple(r) for r in tab.rows}) == len(t)


def test_region_charts_without_an_all_class_keep_classes_apart(
    full_folder: Path, tmp_path: Path
) -> None:
    f = _folder(full_folder, tmp_path)
    t = pq.read_table(f / "region_metrics.parquet")
    t = t.filter(pa.compute.not_equal(t["class"], "all"))
    pq.write_table(t, f / "region_metrics.parquet")
    sec = workloads_section(Results(f, partial=True))
    assert sec is not None
    served = _figures(sec)["Served fraction by region"]
    names = [tr["name"] for tr in served["data"]]
    assert len(names) == 2 * 3  # (system, class)
    for tr in served["data"]:
        assert len(tr["x"]) == len(set(map(str, tr["x"])))
        assert all(0.0 <= y <= 1.0 for y in tr["y"])
