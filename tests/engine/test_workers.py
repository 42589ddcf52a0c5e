"""Worker processes change speed only: a run's tables are identical with 1 and 2 geometry
processes, also when the worker computes every chunk (no work stealing by this process)."""

from __future__ import annotations

import functools

import pyarrow as pa
import pytest

import orbitcloud.astro.ephemeris as eph
from orbitcloud.engine.context import MemorySink
from orbitcloud.engine.run import simulate
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.loader import builtin_path, scenario_from_dict
from orbitcloud.scenario.yamlio import load_yaml_file


def _scenario():
    doc, _ = load_yaml_file(builtin_path("starlink-shell1"))
    doc["time"].pop("duration_h", None)
    doc["time"]["duration_s"] = 40 * doc["time"]["step_s"]
    doc.setdefault("outputs", {}).update(report=False, sat_state=True)
    return scenario_from_dict(doc, base_dir=builtin_path("starlink-shell1").parent)


def _tables(workers: int) -> tuple[dict[str, pa.Table], dict]:
    sink = MemorySink()
    ctx = simulate(_scenario(), sink, chunk_steps=7, workers=workers)
    return {k: pa.concat_tables(v) for k, v in sink.parts.items()}, ctx.kpis


@pytest.mark.parametrize("steal", [True, False], ids=["work-stealing", "workers-only"])
def test_tables_identical_with_one_and_two_processes(monkeypatch, steal):
    one, kpis_one = _tables(1)
    monkeypatch.setattr(
        eph, "_iter_in_workers", functools.partial(eph._iter_in_workers, steal=steal)
    )
    two, kpis_two = _tables(2)
    assert set(one) == set(two)
    assert {"positions", "sat_state"} <= set(one)
    for name in one:
        assert one[name].equals(two[name]), name
    assert kpis_one == kpis_two


def test_workers_environment_variable_is_checked_before_work(monkeypatch):
    monkeypatch.setenv(eph.WORKERS_ENV, "two")
    with pytest.raises(OrbitcloudInputError, match=r"ORBITCLOUD_WORKERS.*'two'.*auto"):
        simulate(_scenario(), MemorySink())
    monkeypatch.setenv(eph.WORKERS_ENV, "auto")
    assert eph.workers_from_env() is None
    monkeypatch.setenv(eph.WORKERS_ENV, "3")
    assert eph.workers_from_env() == 3
