"""Geometry ahead of the time loop, in time chunks: positions, frames, geodetic, Sun, eclipse.

Geometry does not depend on what the satellites do, so it is computed in chunks of time steps
(bounded memory: a month at 60 s streams through at the same peak as a day) and consumed chunk
by chunk. The chunks may be shared with worker processes (by default one per usable core for a large
run): sgp4's ``SatrecArray`` holds the GIL, so threads give nothing, while two processes give
about 1.7x (shared/PITFALLS.md; measured in bench/bench_geometry.py). Workers rebuild the very same ``Satrec`` objects from
their mean elements and epoch (``Satrec`` does not pickle), checked bit for bit against the
originals before use, so the results do not depend on the worker count.
"""

from __future__ import annotations

import multiprocessing
import os
import warnings
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields
from multiprocessing.shared_memory import SharedMemory

import numpy as np
from sgp4.api import WGS72, WGS72OLD, WGS84, Satrec, SatrecArray

from orbitcloud.astro.eclipse import sunlit_fraction
from orbitcloud.astro.elements import SatelliteSet
from orbitcloud.astro.frames import itrf_to_geodetic, position_teme_to_itrf
from orbitcloud.astro.propagate import propagate_teme
from orbitcloud.astro.sun import sun_position_teme
from orbitcloud.astro.timescales import TimeGrid, gmst82_rad, jd_tt

DEFAULT_CHUNK_SAT_STEPS = 1_000_000
"""Satellite-steps per chunk: about 130 MB of arrays per chunk (bench/bench_geometry.py)."""


@dataclass
class EphemerisChunk:
    """Geometry of steps ``k0 .. k1-1`` for all satellites (see the astro package docstring)."""

    k0: int
    k1: int
    jd: np.ndarray
    fr: np.ndarray
    gmst_rad: np.ndarray
    r_teme: np.ndarray
    v_teme: np.ndarray
    r_itrf: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    sunlit: np.ndarray
    sun_teme: np.ndarray
    sun_itrf: np.ndarray
    error: np.ndarray

    @property
    def n_time(self) -> int:
        return self.k1 - self.k0

    @property
    def valid(self) -> np.ndarray:
        return self.error == 0

    def steps(self, k0: int, k1: int) -> EphemerisChunk:
        """The geometry of steps ``k0 .. k1-1`` (absolute indices within this chunk): views."""
        if not self.k0 <= k0 <= k1 <= self.k1:
            raise ValueError(f"steps {k0}..{k1} are not within this chunk's {self.k0}..{self.k1}")
        sl = slice(k0 - self.k0, k1 - self.k0)
        return EphemerisChunk(k0, k1, **{f: getattr(self, f)[sl] for f in _ARRAY_FIELDS})


MAX_CHUNK_STEPS = 1440
"""At most this many steps per chunk (a day at 60 s): progress shows early in a long run of a
few satellites, and the per-chunk NRLMSIS grid stays small. Chunking never changes an answer."""


def chunk_steps_for(n_sat: int, n_steps: int, budget: int = DEFAULT_CHUNK_SAT_STEPS) -> int:
    """Steps per chunk so that one chunk holds about ``budget`` satellite-steps (and at most
    :data:`MAX_CHUNK_STEPS` steps)."""
    return int(max(1, min(n_steps, MAX_CHUNK_STEPS, budget // max(n_sat, 1))))


def compute_chunk(
    sat_array: SatrecArray,
    grid: TimeGrid,
    k0: int,
    k1: int,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
) -> EphemerisChunk:
    """All geometry for steps k0..k1-1: SGP4, TEME->ITRF, geodetic, Sun and sunlit fraction."""
    jd, fr = grid.jd_utc(k0, k1)
    r_teme, v_teme, err = propagate_teme(sat_array, jd, fr)
    gmst, _ = gmst82_rad(jd, fr + grid.ut1_utc_s / 86400.0)
    r_itrf = position_teme_to_itrf(r_teme, gmst, xp_arcsec, yp_arcsec)
    lat, lon, alt = itrf_to_geodetic(r_itrf)
    jt, ft = jd_tt(jd, fr)
    sun_teme = sun_position_teme(jt, ft)
    sun_itrf = position_teme_to_itrf(sun_teme, gmst, xp_arcsec, yp_arcsec)
    sunlit = sunlit_fraction(r_itrf, sun_itrf)
    return EphemerisChunk(
        k0, k1, jd, fr, gmst, r_teme, v_teme, r_itrf, lat, lon, alt, sunlit, sun_teme,
        sun_itrf, err,
    )  # fmt: skip


AUTO_MIN_SAT_STEPS = 5_000_000
"""With ``workers=None`` a run uses worker processes only from this many satellite-steps on
(about 2.5 s of SGP4): below it, starting the processes costs more than it saves."""

MAX_AUTO_PROCESSES = 4
"""With ``workers=None``, at most this many processes compute geometry (this one included): the
Parquet writer thread and the stages want CPU too."""

WORKERS_ENV = "ORBITCLOUD_WORKERS"
"""Environment variable that sets the geometry process count of every run: ``auto`` (default)
or a whole number >= 1 (1: this process only)."""

_GRAVITY = {(6378.135, 398600.79964): WGS72OLD, (6378.135, 398600.8): WGS72, (6378.137, 398600.5): WGS84}  # fmt: skip


def _satrec_state(s: Satrec) -> tuple:
    """What rebuilds ``s`` exactly: gravity model, mode, sgp4init's arguments, epoch split."""
    gravity = _GRAVITY.get((s.radiusearthkm, s.mu))
    if gravity is None:
        raise ValueError(f"unknown gravity model (radius {s.radiusearthkm} km, mu {s.mu})")
    epoch = s.jdsatepoch + s.jdsatepochF - 2433281.5
    return (
        gravity, s.operationmode, s.satnum, epoch, s.bstar, s.ndot, s.nddot, s.ecco, s.argpo,
        s.inclo, s.mo, s.no_kozai, s.nodeo, s.jdsatepoch, s.jdsatepochF,
    )  # fmt: skip


def _rebuild(state: tuple) -> Satrec:
    s = Satrec()
    s.sgp4init(*state[:13])
    s.jdsatepoch, s.jdsatepochF = state[13], state[14]  # twoline2rv's exact split of the epoch
    return s


_ARRAY_FIELDS = tuple(f.name for f in fields(EphemerisChunk) if f.name not in ("k0", "k1"))
_ALIGN = 64


def _chunk_nbytes(n_time: int, n_sat: int) -> int:
    """Bytes of one chunk's arrays (see :class:`EphemerisChunk`), with alignment padding."""
    per_sat_step = 3 * 3 * 8 + 4 * 8 + 1  # r_teme, v_teme, r_itrf; lat, lon, alt, sunlit; error
    per_step = 3 * 8 + 2 * 3 * 8  # jd, fr, gmst; sun_teme, sun_itrf
    return n_time * (n_sat * per_sat_step + per_step) + _ALIGN * (len(_ARRAY_FIELDS) + 1)


_WORKER: dict[str, object] = {}


def _worker_init(states: list[tuple], slot_names: list[str]) -> None:
    _WORKER["array"] = SatrecArray([_rebuild(st) for st in states])
    _WORKER["slots"] = [SharedMemory(name=name) for name in slot_names]


def _worker_chunk(
    grid: TimeGrid, k0: int, k1: int, xp_arcsec: float, yp_arcsec: float, slot: int
) -> tuple[int, int, list[tuple[str, str, tuple[int, ...], int]]] | EphemerisChunk:
    """Compute one chunk and copy its arrays into shared-memory slot ``slot``: far cheaper
    than pickling ~100 MB through a pipe. Returns where each array lies."""
    chunk = compute_chunk(_WORKER["array"], grid, k0, k1, xp_arcsec, yp_arcsec)  # type: ignore[arg-type]
    buf = _WORKER["slots"][slot].buf  # type: ignore[index]
    layout = []
    offset = 0
    for name in _ARRAY_FIELDS:
        arr = np.ascontiguousarray(getattr(chunk, name))
        if offset + arr.nbytes > len(buf):
            return chunk  # does not fit (cannot happen with _chunk_nbytes): pickle it instead
        np.frombuffer(buf, dtype=arr.dtype, count=arr.size, offset=offset).reshape(arr.shape)[
            ...
        ] = arr
        layout.append((name, arr.dtype.str, arr.shape, offset))
        offset += -(-arr.nbytes // _ALIGN) * _ALIGN
    return k0, k1, layout


def _chunk_from_slot(buf: memoryview, result) -> EphemerisChunk:
    """Copy a chunk out of a shared slot (the slot is reused for a later chunk)."""
    if isinstance(result, EphemerisChunk):
        return result
    k0, k1, layout = result
    arrays = {
        name: np.frombuffer(buf, dtype=np.dtype(dt), count=int(np.prod(shape)), offset=off)
        .reshape(shape)
        .copy()
        for name, dt, shape, off in layout
    }
    return EphemerisChunk(k0=k0, k1=k1, **arrays)


def _worker_states(sats: SatelliteSet, grid: TimeGrid) -> list[tuple] | None:
    """Picklable states for the workers, or None if a rebuilt Satrec would differ at all."""
    try:
        states = [_satrec_state(s) for s in sats.satrecs]
        rebuilt = SatrecArray([_rebuild(st) for st in states])
    except Exception:  # anything sgp4init will not take back: stay in this process
        return None
    jd, fr = grid.jd_utc(0, 1)
    jd = np.append(jd, jd + 1.0)
    fr = np.append(fr, fr)
    e1, r1, v1 = SatrecArray(sats.satrecs).sgp4(jd, fr)
    e2, r2, v2 = rebuilt.sgp4(jd, fr)
    same = (
        np.array_equal(e1, e2)
        and np.array_equal(r1, r2, equal_nan=True)
        and np.array_equal(v1, v2, equal_nan=True)
    )
    return states if same else None


def satrec_states(sats: SatelliteSet, grid: TimeGrid) -> list[tuple] | None:
    """Picklable states that rebuild ``sats``' ``Satrec`` objects bit for bit (for processes
    elsewhere, e.g. a Dask cluster's workers: ``Satrec`` does not pickle), or None if a rebuilt
    one would propagate differently at all (checked here on two epochs of ``grid``)."""
    return _worker_states(sats, grid)


def satrec_array(states: list[tuple]) -> SatrecArray:
    """The ``SatrecArray`` that :func:`satrec_states` describes."""
    return SatrecArray([_rebuild(st) for st in states])


def workers_from_env(environ: dict[str, str] | None = None) -> int | None:
    """The count :data:`WORKERS_ENV` asks for: None for ``auto`` or unset, else the number."""
    value = (os.environ if environ is None else environ).get(WORKERS_ENV, "auto").strip()
    if value.lower() in ("", "auto"):
        return None
    if not value.isdigit() or int(value) < 1:
        raise ValueError(
            f"{WORKERS_ENV}={value!r}: must be 'auto' or a whole number >= 1 (processes that "
            "compute geometry, this one included; 1 = no worker processes)"
        )
    return int(value)


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity, else the machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1  # pragma: no cover - not on Linux


def resolve_workers(workers: int | None, n_sat: int, n_steps: int) -> int:
    """Processes that compute geometry, this one included: ``workers`` if given; else (auto)
    one per usable core (:func:`usable_cores`, at most :data:`MAX_AUTO_PROCESSES`) for a run of
    at least :data:`AUTO_MIN_SAT_STEPS` satellite-steps outside a daemonic process (which may
    not have children, e.g. a Dask worker), else 1. Worker processes only take chunks this
    process has not started (:func:`_iter_in_workers`), so a worker slowed by a busy core costs
    little (bench/bench_geometry.py measures both). The choice changes speed only, never
    results."""
    if workers is not None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1 or None (auto), not {workers}")
        return int(workers)
    if multiprocessing.current_process().daemon or n_sat * n_steps < AUTO_MIN_SAT_STEPS:
        return 1
    return min(usable_cores(), MAX_AUTO_PROCESSES)


def iter_ephemeris(
    sats: SatelliteSet,
    grid: TimeGrid,
    chunk_steps: int | None = None,
    xp_arcsec: float = 0.0,
    yp_arcsec: float = 0.0,
    workers: int | None = 1,
    halo: int = 0,
) -> Iterator[EphemerisChunk]:
    """Yield the geometry of the whole run chunk by chunk, in time order.

    Parameters
    ----------
    sats : the run's satellites
    grid : the run's time grid
    chunk_steps : time steps per chunk (default: about 1e6 satellite-steps, ~130 MB)
    xp_arcsec, yp_arcsec : polar motion [arcsec]
    workers : processes that compute geometry, this one included: 1 (default) computes every
        chunk here; n > 1 adds n - 1 worker processes that share the chunks with this one
        (work stealing, :func:`_iter_in_workers`; memory: about n + 2 chunks); None picks a
        count with :func:`resolve_workers`. Results are identical whatever the count. If the
        worker processes fail, the remaining chunks are computed here, with a RuntimeWarning.
    halo : extra steps past each chunk's end (a look-ahead): each chunk then covers steps
        ``k0 .. min(n, k0 + chunk_steps + halo)``; take the chunk proper with
        :meth:`EphemerisChunk.steps`. The halo's steps are computed again by the next chunk
        (they are its first steps), with the same numbers.
    """
    step = chunk_steps or chunk_steps_for(len(sats), grid.n)
    starts = list(range(0, grid.n, step))
    n_workers = min(resolve_workers(workers, len(sats), grid.n), len(starts))
    states = _worker_states(sats, grid) if n_workers > 1 else None
    if states is None:
        sat_array = SatrecArray(sats.satrecs)
        for k0 in starts:
            k1 = min(grid.n, k0 + step + max(halo, 0))
            yield compute_chunk(sat_array, grid, k0, k1, xp_arcsec, yp_arcsec)
        return
    yield from _iter_in_workers(sats, grid, starts, step, xp_arcsec, yp_arcsec, n_workers - 1,
                                states, max(halo, 0))  # fmt: skip


def _iter_in_workers(
    sats: SatelliteSet, grid: TimeGrid, starts: list[int], step: int, xp_arcsec: float,
    yp_arcsec: float, n_workers: int, states: list[tuple], halo: int = 0, steal: bool = True,
) -> Iterator[EphemerisChunk]:  # fmt: skip
    """Chunks computed by a process pool *and* this process, yielded in order (work stealing).

    Each worker holds at most one chunk at a time (no queue behind it), so a chunk is either
    being computed by a worker or not yet given out. While the chunk due next is still in a
    worker, this process computes the next chunk nobody holds itself instead of waiting, up to
    ``n_workers + 1`` chunks ahead of the consumer (memory: about ``n_workers + 3`` chunks). A
    worker slowed by another job on its core therefore takes fewer chunks, and a run never
    waits long for it: on a busy machine the cost is the copy out of shared memory, not a
    stalled core. "forkserver" start (safe with threads in this process); results come back
    through one shared-memory slot per worker (multiprocessing's resource tracker removes the
    slots even if this process is killed). ``steal=False`` (tests) leaves every chunk to the
    workers.
    """
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    nbytes = _chunk_nbytes(step + halo, len(sats))
    slots = [SharedMemory(create=True, size=nbytes) for _ in range(n_workers)]
    local = SatrecArray(sats.satrecs)
    pool = None

    def end(k0: int) -> int:
        return min(grid.n, k0 + step + halo)

    i = 0
    try:
        pool = ProcessPoolExecutor(
            n_workers,
            mp_context=multiprocessing.get_context(method),
            initializer=_worker_init,
            initargs=(states, [m.name for m in slots]),
        )
        nxt = 0  # index into starts of the next chunk nobody holds
        held: dict[int, tuple[int, Future]] = {}  # chunk index -> (slot, future) in a worker
        done: dict[int, EphemerisChunk] = {}  # computed, not yet yielded
        free = deque(range(n_workers))
        for i in range(len(starts)):
            while i not in done:
                while free and nxt < min(len(starts), i + n_workers + 2):
                    slot = free.popleft()
                    k0 = starts[nxt]
                    future = pool.submit(
                        _worker_chunk, grid, k0, end(k0), xp_arcsec, yp_arcsec, slot
                    )
                    held[nxt] = (slot, future)
                    nxt += 1
                if i in held:
                    slot, future = held[i]
                    ahead = nxt < min(len(starts), i + n_workers + 2)
                    if steal and ahead and not future.done():
                        k0 = starts[nxt]  # steal: compute the next free chunk here meanwhile
                        done[nxt] = compute_chunk(local, grid, k0, end(k0), xp_arcsec, yp_arcsec)
                        nxt += 1
                        continue
                    del held[i]
                    done[i] = _chunk_from_slot(slots[slot].buf, future.result())  # type: ignore[arg-type]
                    free.append(slot)
                elif nxt == i:  # every worker busy further ahead: compute it here
                    k0 = starts[i]
                    done[i] = compute_chunk(local, grid, k0, end(k0), xp_arcsec, yp_arcsec)
                    nxt += 1
                else:  # pragma: no cover - i < nxt is either held or done
                    raise AssertionError(f"chunk {i} lost")
            yield done.pop(i)
    except (BrokenProcessPool, OSError) as exc:
        warnings.warn(
            f"geometry worker processes failed ({exc!r}); computing in this process",
            RuntimeWarning,
            stacklevel=3,
        )
        for j in range(i, len(starts)):
            k0 = starts[j]
            yield (
                done.pop(j)
                if j in done
                else compute_chunk(local, grid, k0, end(k0), xp_arcsec, yp_arcsec)
            )
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        for m in slots:
            m.close()
            m.unlink()
