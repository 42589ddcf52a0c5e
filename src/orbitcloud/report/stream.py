"""The report's per-step aggregates, computed by streaming the tables one block of time steps
at a time (issue 19: the report of a 42,000-satellite run must not hold whole tables).

A run writes every per-step table in time order (row groups of whole time steps), so a table
can be read as a sequence of blocks, each holding every row of its time steps and no other
(:func:`step_blocks`). A per-time statistic of a block is then exactly the statistic of those
steps over the whole table: :func:`stream_time_stats` returns the same per-step count, sum,
mean, minimum, maximum and quantiles as :func:`~orbitcloud.report.columns.per_time_stats` on
the whole columns, bit for bit, whatever the batch size. Peak memory is one Parquet row group
of the columns read plus the per-step results, independent of the run's duration.

A table that is not in time order (not one a run wrote) is read whole and sorted (stably) by
time, so it gives the same figures, without the memory bound.

Only sums over the whole run (the compute totals "over the run") are summed in another order
than a whole-column sum (per step, then over steps): they agree to float rounding (about 1e-15
relative), far below the 6 significant digits the report shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orbitcloud.report.columns import TimeStats, per_time_stats, to_float, to_ms
from orbitcloud.results.reader import Results

__all__ = [
    "MAX_POINTS",
    "ComputeSeries",
    "Downsampler",
    "bucket_note",
    "compute_series",
    "concat_stats",
    "downsample",
    "step_blocks",
    "stream_time_stats",
    "stream_time_traces",
]

# ---- the one downsampling rule for per-step series ------------------------------------------

MAX_POINTS = 1500
"""Points per plotted per-step trace at most. A report chart is about 1,000-1,500 CSS pixels
wide, so more points than that cannot be told apart on screen; the min/max rule below keeps
every peak and trough, so what is lost is only detail narrower than a pixel. 1,500 steps is
25 h at 60 s: a one-day run at 60 s is plotted exactly, a 5-day run in buckets of 16 steps."""


class Downsampler:
    """Bucketed min/max downsampling of per-step series, fed in time order in any batches.

    The rule (the same for every per-step trace of the report): while a series has at most
    ``max_points`` steps it is kept exactly. Beyond that, its steps are cut into buckets of
    ``L`` consecutive steps (step ``k``, counted from the series' first step, is in bucket
    ``k // L``), ``L`` the smallest power of two that leaves at most ``max_points // 2``
    buckets, and each bucket keeps the step where the series is lowest and the step where it
    is highest (the first of equals; NaN steps are kept only when the whole bucket is NaN), in
    time order. So a single-step spike survives, a monotone series keeps its first and last
    steps, and a trace has at most ``max_points`` points.

    ``stacked=True``: the series are the layers of one stacked chart and must share their
    times, so each bucket keeps the steps where their sum is lowest and highest, with every
    series' value at those steps.

    Memory is bounded by ``max_points``, not by the number of steps: the state is at most
    ``max_points + 1`` buckets (``L`` doubles, merging bucket pairs, when there are more).
    Buckets are counted from the first step, and a merge keeps the same lowest and highest
    steps as one pass over the union, so the result does not depend on how the steps were
    batched.
    """

    def __init__(self, names: list[str], max_points: int | None = None, stacked: bool = False):
        max_points = MAX_POINTS if max_points is None else max_points
        if int(max_points) < 2:
            raise ValueError(f"max_points must be at least 2, got {max_points!r}")
        self.names = list(names)
        self.max_points = int(max_points)
        self.stacked = stacked
        self.bucket_steps = 1
        self._n = 0  # steps seen
        self._last = np.iinfo(np.int64).min
        groups = [self.names] if stacked else [[n] for n in self.names]
        self._groups = [_Buckets(len(g)) for g in groups]
        self._members = groups

    def add(self, times_ms: np.ndarray, values: dict[str, np.ndarray]) -> None:
        """The next steps: ``times_ms`` strictly increasing (and after every step added so
        far), ``values[name]`` one value per step for each series."""
        t = np.asarray(times_ms, dtype=np.int64)
        if len(t) == 0:
            return
        if t[0] <= self._last or (len(t) > 1 and np.any(np.diff(t) <= 0)):
            raise ValueError("Downsampler.add: times must increase strictly across all calls")
        self._last = int(t[-1])
        k = self._n + np.arange(len(t), dtype=np.int64)
        self._n += len(t)
        for g, members in zip(self._groups, self._members, strict=True):
            v = np.column_stack([np.asarray(values[m], dtype=np.float64) for m in members])
            key = np.nansum(v, axis=1) if self.stacked else v[:, 0]
            if self.stacked:
                key = np.where(np.isnan(v).all(axis=1), np.nan, key)
            g.add(k // self.bucket_steps, t, key, v)
        while any(g.size > self._limit() for g in self._groups):
            self.bucket_steps *= 2
            for g in self._groups:
                g.halve()

    def _limit(self) -> int:
        return self.max_points if self.bucket_steps == 1 else self.max_points // 2

    def result(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each series as (times_ms, values), at most ``max_points`` points."""
        out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for g, members in zip(self._groups, self._members, strict=True):
            t, v = g.points()
            for j, m in enumerate(members):
                out[m] = (t, v[:, j])
        return out


class _Buckets:
    """The lowest and highest step of each bucket of one series (or of a stack of series)."""

    def __init__(self, width: int) -> None:
        self.ids = np.zeros(0, np.int64)
        self.t = np.zeros((0, 2), np.int64)  # time of the lowest, highest step
        self.key = np.zeros((0, 2))
        self.v = np.zeros((0, 2, width))

    @property
    def size(self) -> int:
        return len(self.ids)

    def add(self, ids: np.ndarray, t: np.ndarray, key: np.ndarray, v: np.ndarray) -> None:
        self._reduce(
            np.concatenate([self.ids, ids]),
            np.concatenate([self.t, np.column_stack([t, t])]),
            np.concatenate([self.key, np.column_stack([key, key])]),
            np.concatenate([self.v, np.stack([v, v], axis=1)]),
        )

    def halve(self) -> None:
        self._reduce(self.ids // 2, self.t, self.key, self.v)

    def _reduce(self, ids: np.ndarray, t: np.ndarray, key: np.ndarray, v: np.ndarray) -> None:
        """One entry per bucket id (ids ascending): the lowest of the lows and the highest of
        the highs, the first (earliest) of equals, a NaN key only when all are NaN."""
        if len(ids) == 0:
            return
        starts = np.concatenate(([0], np.flatnonzero(np.diff(ids)) + 1))
        lo_key = np.where(np.isnan(key[:, 0]), np.inf, key[:, 0])
        hi_key = np.where(np.isnan(key[:, 1]), -np.inf, key[:, 1])
        # stable sorts: among equal keys the earliest entry comes first
        lo = np.lexsort((lo_key, ids))[starts]
        hi = np.lexsort((-hi_key, ids))[starts]
        lo = np.where(np.isnan(key[lo, 0]) & ~np.isnan(key[hi, 1]), hi, lo)
        hi = np.where(np.isnan(key[hi, 1]) & ~np.isnan(key[lo, 0]), lo, hi)
        self.ids = ids[starts]
        self.t = np.column_stack([t[lo, 0], t[hi, 1]])
        self.key = np.column_stack([key[lo, 0], key[hi, 1]])
        self.v = np.stack([v[lo, 0], v[hi, 1]], axis=1)

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The kept steps in time order (a bucket's lowest and highest step once if the same)."""
        first = np.where(self.t[:, 0] <= self.t[:, 1], 0, 1)
        second = 1 - first
        rows = np.arange(self.size)
        t = np.column_stack([self.t[rows, first], self.t[rows, second]])
        v = np.stack([self.v[rows, first], self.v[rows, second]], axis=1)
        keep = np.ones((self.size, 2), bool)
        keep[:, 1] = t[:, 0] != t[:, 1]
        return t[keep], v[keep]


def downsample(
    times_ms: np.ndarray, values: np.ndarray, max_points: int | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """One per-step series (strictly increasing times) by the :class:`Downsampler` rule:
    (times_ms, values, bucket length in steps; 1 = exact)."""
    d = Downsampler(["y"], max_points)
    d.add(times_ms, {"y": values})
    t, v = d.result()["y"]
    return t, v, d.bucket_steps


def bucket_note(bucket_steps: int, step_s: float | None, max_points: int | None = None) -> str:
    """The caption sentence of a per-step chart whose lines were downsampled ("" if not)."""
    if bucket_steps <= 1:
        return ""
    max_points = MAX_POINTS if max_points is None else max_points
    span = f" ({_span(bucket_steps * step_s)})" if step_s else ""
    return (
        f"Per-step lines are drawn in buckets of {bucket_steps:,} steps{span}: each bucket "
        f"shows its lowest and its highest step, so peaks are kept (at most {max_points:,} "
        "points per line; the tables hold every step)."
    )


def _span(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    if seconds >= 60:
        return f"{seconds / 60:.3g} min"
    return f"{seconds:.3g} s"


def step_blocks(
    folder: Results, table: str, columns: list[str], batch_rows: int | None = None
) -> Iterator[pa.Table]:
    """Table ``table`` (only ``columns``, which must include ``time``) as blocks of whole time
    steps, in time order: every row of a step is in one block, and blocks follow each other
    in time. ``batch_rows`` is the batch read at a time (default
    :data:`orbitcloud.results.reader.STREAM_BATCH_ROWS`); a block holds at least one step.
    """
    if not folder.time_sorted(table):
        whole = folder.arrow(table, columns)
        order = pc.sort_indices(whole, sort_keys=[("time", "ascending")])  # stable
        yield from _cut(whole.take(order), batch_rows)
        return
    pending: list[pa.Table] = []  # rows of the last step seen, which may go on
    pending_t = 0
    for batch in folder.iter_batches(table, columns, batch_rows):
        if batch.num_rows == 0:
            continue
        tab = pa.Table.from_batches([batch])
        t = to_ms(tab["time"])
        last = int(np.searchsorted(t, t[-1], side="left"))  # the last step may go on
        if last == 0:  # one step only: it may go on in the next batch
            if pending and pending_t != int(t[0]):  # the pending steps are complete
                yield pa.concat_tables(pending)
                pending = []
            pending.append(tab)
            pending_t = int(t[0])
            continue
        yield pa.concat_tables([*pending, tab.slice(0, last)])
        pending, pending_t = [tab.slice(last)], int(t[-1])
    if pending:
        yield pa.concat_tables(pending)


def _cut(tab: pa.Table, batch_rows: int | None) -> Iterator[pa.Table]:
    """A time-sorted table in blocks of whole steps of about ``batch_rows`` rows."""
    from orbitcloud.results import reader

    rows = max(int(batch_rows or reader.STREAM_BATCH_ROWS), 1)
    t = to_ms(tab["time"])
    start = 0
    while start < len(t):
        end = min(start + rows, len(t))
        end = int(np.searchsorted(t, t[end - 1], side="right"))  # finish the step
        yield tab.slice(start, end - start)
        start = end


def concat_stats(parts: list[TimeStats], qs: tuple[float, ...]) -> TimeStats:
    """The per-time statistics of consecutive blocks of steps, joined."""
    if not parts:
        e = np.zeros(0)
        return TimeStats(np.zeros(0, np.int64), e, e, e, e, e, dict.fromkeys(qs, e))

    def cat(get: Callable[[TimeStats], np.ndarray]) -> np.ndarray:
        return np.concatenate([get(p) for p in parts])

    return TimeStats(
        cat(lambda p: p.times_ms),
        cat(lambda p: p.count),
        cat(lambda p: p.total),
        cat(lambda p: p.mean),
        cat(lambda p: p.minimum),
        cat(lambda p: p.maximum),
        {q: cat(lambda p, q=q: p.quantiles[q]) for q in qs},  # type: ignore[misc]
    )


def stream_time_stats(
    folder: Results,
    table: str,
    columns: list[str],
    qs: tuple[float, ...] = (0.05, 0.5, 0.95),
    positive_only: tuple[str, ...] = (),
    batch_rows: int | None = None,
    include: np.ndarray | None = None,
) -> dict[str, TimeStats]:
    """:func:`~orbitcloud.report.columns.per_time_stats` of each of ``columns`` of ``table``
    over its rows at each time, in one streamed pass; values <= 0 of the columns in
    ``positive_only`` are left out (a log axis), and so are the rows of satellites where
    ``include`` (a boolean per satellite index, the table's ``sat`` column) is False.
    Every step is kept: :func:`stream_time_traces` gives the same, downsampled for a chart."""
    parts: dict[str, list[TimeStats]] = {c: [] for c in columns}
    for stats in _block_stats(folder, table, columns, qs, positive_only, batch_rows, include):
        for c, st in stats.items():
            parts[c].append(st)
    return {c: concat_stats(p, qs) for c, p in parts.items()}


STAT_TRACES = ("mean", "minimum", "maximum")
"""The per-step statistics :func:`stream_time_traces` keeps (with the quantiles)."""


@dataclass
class StatTraces:
    """Per-step statistics of one column as chart traces: ``series[name] = (times_ms, values)``
    for ``mean``, ``minimum``, ``maximum`` and each quantile ``q`` (key ``q``, a float), each
    downsampled by the :class:`Downsampler` rule; ``bucket_steps`` 1 when exact."""

    series: dict[str | float, tuple[np.ndarray, np.ndarray]]
    bucket_steps: int


def stream_time_traces(
    folder: Results,
    table: str,
    columns: list[str],
    qs: tuple[float, ...] = (0.05, 0.5, 0.95),
    positive_only: tuple[str, ...] = (),
    batch_rows: int | None = None,
    include: np.ndarray | None = None,
    max_points: int | None = None,
) -> dict[str, StatTraces]:
    """:func:`stream_time_stats` as chart traces of at most ``max_points`` points each, the
    steps downsampled while streaming (memory bounded by ``max_points``, not by the run's
    length); a series of at most ``max_points`` steps is exactly the per-step statistic."""
    keys: list[str | float] = [*STAT_TRACES, *qs]
    names = [str(k) for k in keys]
    acc = {c: Downsampler(names, max_points) for c in columns}
    for stats in _block_stats(folder, table, columns, qs, positive_only, batch_rows, include):
        for c, st in stats.items():
            vals = [st.mean, st.minimum, st.maximum, *(st.quantiles[q] for q in qs)]
            acc[c].add(st.times_ms, dict(zip(names, vals, strict=True)))
    out = {}
    for c, d in acc.items():
        res = d.result()
        out[c] = StatTraces({k: res[str(k)] for k in keys}, d.bucket_steps)
    return out


def _block_stats(
    folder: Results,
    table: str,
    columns: list[str],
    qs: tuple[float, ...],
    positive_only: tuple[str, ...],
    batch_rows: int | None,
    include: np.ndarray | None,
) -> Iterator[dict[str, TimeStats]]:
    """The per-step statistics of each column over one block of whole steps after another."""
    read = ["time", *columns] + (["sat"] if include is not None else [])
    for block in step_blocks(folder, table, read, batch_rows):
        t = to_ms(block["time"])
        keep = None
        if include is not None:
            sat = block["sat"].to_numpy()
            keep = np.zeros(len(sat), bool)
            ok = (sat >= 0) & (sat < len(include))
            keep[ok] = include[sat[ok]]
        out = {}
        for c in columns:
            v = to_float(block[c])
            if c in positive_only:
                v = np.where(v > 0, v, np.nan)
            if keep is not None:
                v = np.where(keep, v, np.nan)
            out[c] = per_time_stats(t, v, qs)
        yield out


# ---- compute delivered and lost ------------------------------------------------------------

FLAGS = ("failed", "thermal_throttled", "power_throttled", "throttled", "eclipse", "sunlit")
"""sat_state flags the compute section reads."""
CAUSES = ("failures", "thermal throttling", "throttling", "eclipse (power)", "power",
          "other (overheads, idle)")  # fmt: skip
"""Causes of lost compute in the order they are given a row's shortfall (first that holds)."""


@dataclass
class ComputeSeries:
    """What the compute section plots, summed over satellites at each step.

    ``mode`` is ``"explicit"`` (``lost_<cause>_w`` columns), ``"peak"`` (shortfall from each
    satellite's own peak ``compute_w``) or ``"capacity"`` (``1 - capacity`` of satellites with
    accelerators); ``lost`` maps each cause with any nonzero value to its per-step sum, in
    :data:`CAUSES` order (explicit: column order); ``run_totals`` are sums over all rows.
    """

    mode: str
    times_ms: np.ndarray
    delivered: np.ndarray
    lost: dict[str, np.ndarray]
    flag_share: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    delivered_total: float = 0.0
    lost_totals: dict[str, float] = field(default_factory=dict)
    n_with_accelerators: int = 0
    bucket_steps: int = 1
    """The series are downsampled (:class:`Downsampler`, stacked: delivered and lost share
    their steps) in buckets of this many steps; 1 = every step. The totals are exact."""


def _flag(tab: pa.Table, col: str) -> np.ndarray:
    if col not in tab.column_names:
        return np.zeros(tab.num_rows, dtype=bool)
    return np.nan_to_num(to_float(tab[col]), nan=0.0) > 0.5


def _per_sat_pass(
    folder: Results, cols: list[str], mode: str, batch_rows: int | None
) -> tuple[np.ndarray, bool]:
    """Each satellite's peak ``compute_w`` (``peak``) or whether it has accelerators
    (``capacity``), and whether any row delivers compute, in one streamed pass."""
    per_sat = np.zeros(0)
    any_delivered = False
    for block in step_blocks(folder, "sat_state", cols, batch_rows):
        s = block["sat"].to_numpy().astype(np.int64)
        if len(s) and s.max() >= len(per_sat):
            per_sat = np.concatenate([per_sat, np.zeros(int(s.max()) + 1 - len(per_sat))])
        if mode == "peak":
            v = np.nan_to_num(to_float(block["compute_w"]), nan=0.0)
            any_delivered = any_delivered or bool((v > 0).any())
            np.maximum.at(per_sat, s, v)
        else:
            cap = np.nan_to_num(to_float(block["capacity"]), nan=0.0)
            has = cap > 0
            if "accelerators_ok" in block.column_names:
                has |= np.nan_to_num(to_float(block["accelerators_ok"])) > 0
            np.maximum.at(per_sat, s, has.astype(float))
    return per_sat, any_delivered


def _dark(folder: Results, block: pa.Table, pos: _Follow | None) -> np.ndarray:
    if "eclipse" in block.column_names:
        return _flag(block, "eclipse")
    if "sunlit" in block.column_names:
        return np.nan_to_num(to_float(block["sunlit"]), nan=1.0) < 0.5
    t = to_ms(block["time"])
    if pos is None:
        return np.zeros(len(t), dtype=bool)
    pt = pos.until(int(t.max(initial=0)))
    s = block["sat"].to_numpy().astype(np.int64)
    j = _align(t, s, to_ms(pt["time"]), pt["sat"].to_numpy().astype(np.int64))
    sun = to_float(pt["sunlit"])
    return (j >= 0) & (np.where(j >= 0, sun[np.maximum(j, 0)] if len(sun) else 1.0, 1.0) < 0.5)


class _Follow:
    """Positions (time, sat, sunlit) read alongside sat_state: the rows up to a time."""

    def __init__(self, folder: Results, batch_rows: int | None) -> None:
        self._it = step_blocks(folder, "positions", ["time", "sat", "sunlit"], batch_rows)
        self._buf: pa.Table | None = None

    def until(self, t_max: int) -> pa.Table:
        parts = [] if self._buf is None else [self._buf]
        self._buf = None
        while True:
            last = parts[-1] if parts else None
            if last is not None and last.num_rows and int(to_ms(last["time"])[-1]) > t_max:
                break
            nxt = next(self._it, None)
            if nxt is None:
                break
            parts.append(nxt)
        if not parts:
            return pa.table({"time": pa.array([], pa.int64()), "sat": pa.array([], pa.int64()),
                             "sunlit": pa.array([], pa.float64())})  # fmt: skip
        tab = pa.concat_tables(parts)
        t = to_ms(tab["time"])
        cut = int(np.searchsorted(t, t_max, side="right"))
        self._buf = tab.slice(cut)
        return tab.slice(0, cut)


def _align(t_a: np.ndarray, s_a: np.ndarray, t_b: np.ndarray, s_b: np.ndarray) -> np.ndarray:
    """For each row of a, the row of b with the same (time, sat), or -1."""
    if len(t_a) == len(t_b) and np.array_equal(t_a, t_b) and np.array_equal(s_a, s_b):
        return np.arange(len(t_a))
    if len(t_b) == 0:
        return np.full(len(t_a), -1, dtype=np.int64)
    smax = int(max(s_a.max(initial=0), s_b.max(initial=0))) + 1
    key_b = t_b * smax + s_b
    key_a = t_a * smax + s_a
    order = np.argsort(key_b, kind="stable")
    pos = np.minimum(np.searchsorted(key_b[order], key_a), len(order) - 1)
    hit = key_b[order][pos] == key_a
    return np.where(hit, order[pos], -1)


def _causes(block: pa.Table, dark: np.ndarray, gap: np.ndarray) -> dict[str, np.ndarray]:
    """``gap`` of each row given to the first cause that holds (see compute_section)."""
    names = block.column_names
    thermal = _flag(block, "thermal_throttled")
    if not ("thermal_throttled" in names or "power_throttled" in names):
        thermal = _flag(block, "throttled")  # one flag only: report it as throttling
    causes = [
        ("failures", _flag(block, "failed")),
        ("thermal throttling" if "thermal_throttled" in names else "throttling", thermal),
        ("eclipse (power)", dark),
        ("power", _flag(block, "power_throttled")),
    ]
    taken = np.zeros(len(gap), dtype=bool)
    out: dict[str, np.ndarray] = {}
    for name, m in causes:
        m = m & ~taken
        taken |= m
        out[name] = np.where(m, gap, 0.0)
    out["other (overheads, idle)"] = np.where(~taken, gap, 0.0)
    return out


def compute_series(
    folder: Results, batch_rows: int | None = None, max_points: int | None = None
) -> ComputeSeries | None:
    """The compute section's data from ``sat_state`` (and ``positions.sunlit`` when sat_state
    has neither ``eclipse`` nor ``sunlit``), in at most two streamed passes; None when there
    is nothing to show (no satellite draws compute power, or none carries accelerators).
    The per-step series have at most ``max_points`` points (:class:`Downsampler`)."""
    have = folder.columns("sat_state")
    explicit = sorted(c for c in have if _lost_cause(c))
    mode = "explicit" if explicit else ("peak" if "capacity" not in have else "capacity")
    want = ["time", "sat", "compute_w", "capacity", "accelerators_ok", *FLAGS, *explicit]
    cols = list(dict.fromkeys(c for c in want if c in have))
    per_sat = np.zeros(0)
    if mode != "explicit":
        extra = ["compute_w"] if mode == "peak" else ["capacity", "accelerators_ok"]
        pass_cols = ["time", "sat", *(c for c in extra if c in have)]
        per_sat, any_delivered = _per_sat_pass(folder, pass_cols, mode, batch_rows)
        if mode == "peak" and not any_delivered:
            return None
        if mode == "capacity" and not (per_sat > 0).any():
            return None
    need_pos = (
        mode != "explicit"
        and not ({"eclipse", "sunlit"} & set(cols))
        and folder.has("positions", "time", "sat", "sunlit")
    )
    pos = _Follow(folder, batch_rows) if need_pos else None
    flag_cols = [c for c in ("thermal_throttled", "power_throttled", "throttled", "failed")
                 if c in cols]  # fmt: skip
    names = [_lost_cause(c) for c in explicit] if explicit else list(CAUSES)
    stack = Downsampler(["delivered", *names], max_points, stacked=True)
    flags = {c: Downsampler([c], max_points) for c in flag_cols}
    sums: dict[str, list[float]] = {n: [] for n in ["delivered", *names]}  # exact partials
    nonzero = dict.fromkeys(names, False)
    for block in step_blocks(folder, "sat_state", cols, batch_rows):
        if mode == "capacity":
            s = block["sat"].to_numpy().astype(np.int64)
            block = block.filter(pa.array(per_sat[s] > 0))
            if block.num_rows == 0:
                continue
        t = to_ms(block["time"])
        if mode == "capacity":
            dv = np.nan_to_num(to_float(block["capacity"]), nan=0.0)
            gap = np.maximum(np.nan_to_num(1.0 - dv, nan=0.0), 0.0)
        else:
            dv = np.nan_to_num(to_float(block["compute_w"]), nan=0.0)
            gap = np.zeros(0)
            if mode == "peak":
                s = block["sat"].to_numpy().astype(np.int64)
                gap = np.maximum(np.nan_to_num(per_sat[s] - dv, nan=0.0), 0.0)
        st = per_time_stats(t, dv, qs=())
        step = {"delivered": st.total}
        if mode == "explicit":
            parts = {_lost_cause(c): np.nan_to_num(to_float(block[c]), nan=0.0) for c in explicit}
        else:
            parts = _causes(block, _dark(folder, block, pos), gap)
        for n, v in parts.items():
            nonzero[n] = nonzero[n] or bool(v.any())
            step[n] = per_time_stats(t, v, qs=()).total
        for n in names:  # a cause this folder cannot have (throttling: one of two names)
            step.setdefault(n, np.zeros(len(st.times_ms)))
        stack.add(st.times_ms, step)
        for n, v in step.items():
            _exact_add(sums[n], v)
        for c in flag_cols:
            fs = per_time_stats(t, _flag(block, c).astype(float), qs=())
            flags[c].add(fs.times_ms, {c: fs.mean})

    series = stack.result()
    times = series["delivered"][0]
    return ComputeSeries(
        mode=mode,
        times_ms=times.astype(np.int64),
        delivered=series["delivered"][1],
        lost={n: series[n][1] for n in names if nonzero[n]},
        flag_share={c: f.result()[c] for c, f in flags.items()},
        delivered_total=math.fsum(sums["delivered"]),
        lost_totals={n: math.fsum(sums[n]) for n in names if nonzero[n]},
        n_with_accelerators=int((per_sat > 0).sum()) if mode == "capacity" else 0,
        bucket_steps=stack.bucket_steps,
    )


def _exact_add(partials: list[float], values: np.ndarray) -> None:
    """Add ``values`` to a sum kept exactly as non-overlapping partials (Shewchuk 1997, the
    algorithm of :func:`math.fsum`), so ``math.fsum(partials)`` is the correctly rounded sum
    of every value added, in whatever batches they came."""
    for x in values.tolist():
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]


def _lost_cause(col: str) -> str:
    """The cause of an explicit ``lost_<cause>_w`` / ``compute_lost_<cause>_w`` column."""
    from orbitcloud.report.sections import lost_columns

    return lost_columns([col]).get(col, "")


# ---- links ---------------------------------------------------------------------------------

LINK_HISTOGRAMS = (("capacity_bps", 1e-9), ("range_m", 1e-3), ("utilisation", 1.0))
"""links columns the report histograms, with the scale to the unit shown."""


@dataclass
class LinkSeries:
    """Links up per step and kind, and histograms over all link-steps (exact counts).

    ``kinds`` in order of first appearance (the ``codes`` order of a whole-table read);
    ``up[kind] = (times_ms, count)`` at the steps where that kind has links; ``hist[col] =
    (edges, {kind: counts})``, edges shared by the kinds (40 bins between the column's finite
    minimum and maximum over the whole table, as ``sections.common_bins``).
    """

    kinds: list[str]
    up: dict[str, tuple[np.ndarray, np.ndarray]]
    hist: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]]
    bucket_steps: int = 1
    """The longest bucket (in steps) of the ``up`` series (:class:`Downsampler`); 1 = exact."""


def link_series(
    folder: Results, batch_rows: int | None = None, max_points: int | None = None
) -> LinkSeries:
    """:class:`LinkSeries` of the ``links`` table in two streamed passes (the second only for
    the histograms: their bins span the whole table); each kind's links-up series has at most
    ``max_points`` points (:class:`Downsampler`)."""
    from orbitcloud.report.columns import codes
    from orbitcloud.report.sections import common_bins

    have = folder.columns("links")
    hcols = [(c, k) for c, k in LINK_HISTOGRAMS if c in have]
    cols = ["time", *(["kind"] if "kind" in have else []), *(c for c, _ in hcols)]
    kinds: list[str] = []
    up: dict[str, Downsampler] = {}
    lo = dict.fromkeys((c for c, _ in hcols), np.inf)
    hi = dict.fromkeys((c for c, _ in hcols), -np.inf)

    def kind_codes(block: pa.Table) -> np.ndarray:
        if "kind" not in block.column_names:
            if not kinds:
                kinds.append("link")
            return np.zeros(block.num_rows, np.int64)
        idx, labels = codes(block["kind"])
        glob = np.array([_index(kinds, str(x)) for x in labels] + [-1], dtype=np.int64)
        return glob[np.where(idx >= 0, idx, len(labels))]

    for block in step_blocks(folder, "links", cols, batch_rows):
        t = to_ms(block["time"])
        kc = kind_codes(block)
        for k, label in enumerate(kinds):
            m = kc == k
            if m.any():
                st = per_time_stats(t[m], np.ones(int(m.sum())), qs=())
                up.setdefault(label, Downsampler(["up"], max_points)).add(
                    st.times_ms, {"up": st.count.astype(np.float64)}
                )
        for c, scale in hcols:
            v = to_float(block[c]) * scale
            fin = v[np.isfinite(v)]
            if len(fin):
                lo[c], hi[c] = min(lo[c], float(fin.min())), max(hi[c], float(fin.max()))
    edges: dict[str, np.ndarray] = {}
    for c, _ in hcols:
        if np.isfinite(lo[c]):
            e = common_bins(np.array([lo[c], hi[c]]))
            if e is not None:
                edges[c] = e
    hist: dict[str, tuple[np.ndarray, dict[str, np.ndarray]]] = {
        c: (e, {}) for c, e in edges.items()
    }
    if edges:
        for block in step_blocks(folder, "links", cols, batch_rows):
            kc = kind_codes(block)
            for c, scale in hcols:
                if c not in edges:
                    continue
                v = to_float(block[c]) * scale
                for k, label in enumerate(kinds):
                    m = (kc == k) & np.isfinite(v)
                    if m.any():
                        n, _ = np.histogram(v[m], bins=edges[c])
                        acc = hist[c][1]
                        acc[label] = acc[label] + n if label in acc else n
    up_out = {k: (t, n.astype(np.int64)) for k, (t, n) in ((k, d.result()["up"])
                                                            for k, d in up.items())}  # fmt: skip
    order = {k: i for i, k in enumerate(kinds)}
    hist = {
        c: (e, dict(sorted(h.items(), key=lambda kv: order[kv[0]]))) for c, (e, h) in hist.items()
    }
    steps = max((d.bucket_steps for d in up.values()), default=1)
    return LinkSeries(kinds, up_out, hist, steps)


def _index(labels: list[str], label: str) -> int:
    """The index of ``label`` in ``labels``, appended if new (first-appearance order)."""
    try:
        return labels.index(label)
    except ValueError:
        labels.append(label)
        return len(labels) - 1
