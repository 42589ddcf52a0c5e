"""What the time loop carries: the scenario, the satellites, the grid, seeded RNGs, outputs."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pyarrow as pa

from orbitcloud.astro.elements import SatelliteSet
from orbitcloud.astro.timescales import TimeGrid
from orbitcloud.scenario.model import Scenario


class TableSink(Protocol):
    """Where tables go (the results layer provides a Parquet implementation).

    Every write to one table must have the same column names and types (the first write
    fixes the schema); rows are appended in the order written.
    """

    def write(self, name: str, table: pa.Table, *, background: bool = False) -> None:
        """Append ``table`` to the table ``name`` (created on first write).

        ``background=True`` lets the sink encode the table later, in another thread, while the
        next chunk is computed. Pass it only for a table whose buffers nobody changes
        afterwards: ``pa.array(numpy_array)`` shares the NumPy memory, so a state array that a
        stage updates in place must not go out with ``background=True``; fresh arrays (the
        results of arithmetic, ``np.repeat``, ``.astype``) may.
        """

    def close(self) -> None:
        """Finish every table."""


class MemorySink:
    """A sink that keeps tables in memory (tests, notebooks)."""

    def __init__(self) -> None:
        self.parts: dict[str, list[pa.Table]] = {}

    def write(self, name: str, table: pa.Table, *, background: bool = False) -> None:
        self.parts.setdefault(name, []).append(table)

    def close(self) -> None:
        pass

    def table(self, name: str) -> pa.Table:
        return pa.concat_tables(self.parts[name])


@dataclass
class RunContext:
    """State shared by the stages of one run.

    Attributes
    ----------
    summary : nested dict merged into summary.json (each stage adds its own section)
    kpis : flat ``name -> value`` map of headline numbers (units in the names)
    warnings : human-readable warnings about the design (e.g. a radiator too small)

    Stages pass data to each other only through the typed records of
    :mod:`orbitcloud.engine.contract`; ``summary`` and ``kpis`` are outputs, never read by
    another stage.
    """

    scenario: Scenario
    sats: SatelliteSet
    grid: TimeGrid
    sink: TableSink
    summary: dict[str, Any] = field(default_factory=dict)
    kpis: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    progress: Callable[[str, float], None] | None = None

    def rng(self, purpose: str) -> np.random.Generator:
        """A generator seeded by the scenario seed and a stable hash of ``purpose``.

        One seed drives every random process; each purpose gets its own stream, so adding a
        stage does not change the numbers another stage draws.
        """
        key = int.from_bytes(hashlib.sha256(purpose.encode()).digest()[:8], "little")
        return np.random.default_rng([self.scenario.seed, key])

    def time_array(self, k0: int, k1: int) -> pa.Array:
        """UTC timestamps of steps k0..k1-1 as an Arrow ``timestamp[ms, tz=UTC]`` array."""
        return pa.array(self.grid.unix_ms(k0, k1), type=pa.timestamp("ms", tz="UTC"))
