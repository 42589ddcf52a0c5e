"""A run's satellite network state in Hypatia's layout, for ns-3-sat-sim (docs/export.md).

Hypatia (Kassing, Bhattacherjee, Águas, Saethre and Singla, "Exploring the 'Internet from space'
with Hypatia", ACM IMC 2020; github.com/snkas/hypatia) generates a constellation's state with
``satgenpy`` and simulates packets over it with ``ns-3-sat-sim``. This writes the same folder
``satgenpy`` writes (``paper/satellite_networks_state/main_helper.py``), file by file in the
formats of its writers and readers:

==================================  ===========================================================
``tles.txt``                        ``<orbits> <satellites per orbit>``, then per satellite
                                    ``<name> <id>`` and two TLE lines with checksums
                                    (``tles/generate_tles_from_scratch.py``, ``read_tles``)
``isls.txt``                        ``<a> <b>`` per ISL, ``a < b`` (``isls/generate_plus_grid_isls.py``)
``ground_stations.txt``             ``gid,name,lat,lon,elevation_m,x,y,z`` with WGS72 Cartesian
                                    metres (``ground_stations/extend_ground_stations.py``)
``gsl_interfaces_info.txt``         ``node,interfaces,aggregate bandwidth`` (1 and 1.0, as
                                    ``main_helper`` writes them)
``description.txt``                 ``max_gsl_length_m=...`` and ``max_isl_length_m=...``
``dynamic_state_<ms>ms_for_<s>s/``  ``fstate_<t_ns>.txt``: ``current,destination,next_hop,my_if,
                                    next_if``, every entry at t = 0 and then only the entries that
                                    changed; ``gsl_if_bandwidth_<t_ns>.txt``: every node at t = 0,
                                    empty afterwards (``dynamic_state/*.py``)
==================================  ===========================================================

Nodes are numbered as in satgenpy and in orbitcloud's tables alike: satellites ``0..N-1`` (the
run's ``sat``), then ground stations ``N..`` (``ground.node``). The topology and the distances of
each step come from the run's ``links`` table (``outputs.links: true``), so the forwarding state
follows exactly the links the run had; the next hops follow satgenpy's rules
(:mod:`orbitcloud.export.fstate`): ``network.relay_via_ground: false`` gives Hypatia's
``algorithm_free_one_only_over_isls``, ``true`` its ``algorithm_free_one_only_gs_relays``.

For a Walker shell with ``layout: hypatia`` the TLE lines are satgenpy's to the character; other
designed satellites get TLE lines of their SGP4 mean elements in the same format (rounded to
the TLE's digits: about 10 m). ns-3-sat-sim starts its clock at the TLE epoch, so the run must
start at its satellites' (common) element epoch; catalogue satellites, whose epochs differ, are
refused with that reason.
"""

# ruff: noqa: UP031  (satgenpy's printf formats, kept verbatim so the files match its text)

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orbitcloud.export.fstate import IslInterfaces, forwarding_state
from orbitcloud.results.reader import Results
from orbitcloud.scenario.errors import OrbitcloudInputError

WGS72_A_M = 6378135.0
"""WGS72 equatorial radius [m]: satgenpy's ground-station Cartesian coordinates and ISL limit."""
WGS72_F = 1.0 / 298.26
"""WGS72 flattening, as satgenpy's ``geodetic2cartesian``."""
ISL_GRAZING_M = 80_000.0
"""Hypatia's ISL rule: the line of sight stays above 80 km (``main_kuiper_630.py``)."""
BATCH_ROWS = 1 << 20

__all__ = ["HypatiaExport", "export_hypatia"]


@dataclass(frozen=True)
class HypatiaExport:
    """What :func:`export_hypatia` wrote."""

    path: Path
    n_satellites: int
    n_ground_stations: int
    n_isls: int
    steps: int
    step_ms: int
    duration_s: int
    dynamic_state_dir: Path
    algorithm: str
    fstate_lines: int
    isl_capacity_mbps: float | None
    gsl_capacity_mbps: float | None


# --- static files ----------------------------------------------------------------------------
def _tle_checksum(line: str) -> int:
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def _tle_exp(x: float) -> str:
    """A TLE "decimal point assumed" exponent field (``" 12345-3"``: 0.12345e-3), 8 columns."""
    if x == 0.0:
        return " 00000+0"
    m, e = f"{abs(x):.4e}".split("e")
    mant = round(float(m) * 10000)
    exp = int(e) + 1
    if mant >= 100000:  # pragma: no cover - rounding up to 10.0000
        mant //= 10
        exp += 1
    return f"{'-' if x < 0 else ' '}{mant:05d}{'-' if exp < 0 else '+'}{abs(exp)}"


def _tle_from_satrec(sat: Any, number: int, epoch: datetime) -> tuple[str, str]:
    """TLE lines of a designed satellite's mean elements, in satgenpy's manual layout."""
    deg = 180.0 / math.pi
    doy = (epoch - datetime(epoch.year, 1, 1, tzinfo=UTC)).total_seconds() / 86400.0 + 1.0
    l1 = "1 %05dU 00000ABC %02d%012.8f  .00000000  00000-0 %s 0    0" % (
        number % 100000, epoch.year % 100, doy, _tle_exp(float(sat.bstar)),
    )  # fmt: skip
    l2 = "2 %05d %s %s %s %s %s %s    0" % (
        number % 100000,
        ("%3.4f" % (sat.inclo * deg)).rjust(8),
        ("%3.4f" % ((sat.nodeo * deg) % 360.0)).rjust(8),
        ("%0.7f" % sat.ecco)[2:],
        ("%3.4f" % ((sat.argpo * deg) % 360.0)).rjust(8),
        ("%3.4f" % ((sat.mo * deg) % 360.0)).rjust(8),
        ("%2.8f" % (sat.no_kozai * 1440.0 / (2.0 * math.pi))).rjust(11),
    )
    return l1 + str(_tle_checksum(l1)), l2 + str(_tle_checksum(l2))


def _satrec_epoch(sat: Any) -> datetime:
    jd = float(sat.jdsatepoch) + float(sat.jdsatepochF)
    return datetime(2000, 1, 1, 12, tzinfo=UTC) + timedelta(days=jd - 2451545.0)


def tle_file_text(scenario: Any, start: datetime) -> str:
    """``tles.txt`` for the scenario's satellites (see the module docstring)."""
    from orbitcloud.astro.constellations import build_satellites, hypatia_tle_lines

    cons = scenario.constellations
    kinds = [("walker" if c.walker else "other") for c in cons]
    sats = build_satellites(scenario)
    n = len(sats)
    walker = cons[0].walker if len(cons) == 1 and kinds[0] == "walker" else None
    header = f"{walker.planes} {walker.sats_per_plane}" if walker else f"1 {n}"
    lines = [header]
    for k, c in enumerate(cons):
        idx = np.flatnonzero(sats.shell == k)
        label = re.sub(r"\s+", "_", c.name.strip()) or f"shell{k}"
        w = c.walker
        if w is not None and w.layout == "hypatia":
            from orbitcloud.scenario.base import parse_utc

            epoch = parse_utc(w.epoch) if w.epoch else start
            if epoch != start or start != datetime(2000, 1, 1, tzinfo=UTC):
                raise OrbitcloudInputError(
                    "Hypatia's TLEs have the epoch 2000-01-01 00:00 UTC and ns-3-sat-sim starts "
                    f"its clock there; this run starts at {start.isoformat()}: set time.start "
                    "to 2000-01-01T00:00:00Z",
                    f"constellations[{k}].walker",
                )
            ecc = 1e-7 if w.eccentricity is None else w.eccentricity
            pairs = hypatia_tle_lines(
                w.planes, w.sats_per_plane, w.inclination_deg, ecc, w.arg_perigee_deg,
                w.mean_motion_rev_per_day,
            )  # fmt: skip
        else:
            if c.tle_file or c.omm_file:
                raise OrbitcloudInputError(
                    "satgenpy's read_tles needs one epoch for all satellites, and "
                    "ns-3-sat-sim starts its clock at it; catalogue satellites (tle_file, "
                    "omm_file) have their own epochs, so this run cannot be exported to Hypatia",
                    f"constellations[{k}]",
                )
            pairs = []
            for i in idx:
                s = sats.satrecs[i]
                ep = _satrec_epoch(s)
                if abs((ep - start).total_seconds()) > 1e-3:
                    raise OrbitcloudInputError(
                        f"the satellites' element epoch ({ep.isoformat()}) is not the run's "
                        f"start ({start.isoformat()}); ns-3-sat-sim starts its clock at the TLE "
                        "epoch: set the constellation's epoch to time.start",
                        f"constellations[{k}]",
                    )
                pairs.append(_tle_from_satrec(s, int(i) + 1, start))
        for i, (l1, l2) in zip(idx, pairs, strict=True):
            lines += [f"{label} {int(i)}", l1, l2]
    if len(lines) != 1 + 3 * n:  # pragma: no cover - build_satellites is ordered by shell
        raise AssertionError("satellites are not ordered by constellation")
    return "\n".join(lines) + "\n"


def isl_order(pairs: np.ndarray, plane: np.ndarray, slot: np.ndarray, shell: np.ndarray,
              plus_grid: set[int]) -> np.ndarray:  # fmt: skip
    """The ISLs in the order satgenpy's ``generate_plus_grid_isls`` writes them.

    For each satellite in index order: its link to the next slot of its plane, then its link to
    the next plane (a pair belongs to the satellite it is written for). Pairs of shells that are
    not a +Grid (or not of that form) follow, sorted.
    """
    pairs = np.unique(np.sort(np.asarray(pairs, dtype=np.int64).reshape(-1, 2), axis=1), axis=0)
    if len(pairs) == 0:
        return pairs
    a, b = pairs[:, 0], pairs[:, 1]
    same_shell = (shell[a] == shell[b]) & np.isin(shell[a], list(plus_grid))
    n_planes = np.zeros(int(shell.max()) + 1, dtype=np.int64)
    n_slots = np.zeros_like(n_planes)
    for k in plus_grid:
        m = shell == k
        n_planes[k], n_slots[k] = plane[m].max() + 1, slot[m].max() + 1
    owner = np.full(len(pairs), -1, dtype=np.int64)
    kind = np.full(len(pairs), 2, dtype=np.int64)  # 0 intra-plane, 1 inter-plane, 2 other
    for x, y in ((a, b), (b, a)):
        sh = shell[x]
        intra = same_shell & (plane[x] == plane[y]) & (slot[y] == (slot[x] + 1) % n_slots[sh])
        inter = same_shell & (plane[y] == (plane[x] + 1) % np.maximum(n_planes[sh], 1))
        for mask, kd in ((intra, 0), (inter, 1)):
            take = mask & (kind == 2)
            owner[take], kind[take] = x[take], kd
    key_owner = np.where(kind == 2, np.iinfo(np.int64).max, owner)
    order = np.lexsort((b, a, kind, key_owner))
    return pairs[order]


def _degrees(x: float) -> str:
    """An angle as satgenpy's basic ground-station files give it: plain decimal degrees, to
    1e-9 deg (0.1 mm; a float's last-bit noise, 14.604199999999999, is not shown)."""
    return np.format_float_positional(float(x), precision=9, trim="-")


def _ground_lines(ground: pa.Table) -> list[str]:
    """``ground_stations.txt`` lines as satgenpy's ``extend_ground_stations`` writes them."""
    from orbitcloud.astro.frames import geodetic_to_itrf

    lat = np.asarray(ground.column("lat_deg").to_numpy(), dtype=float)
    lon = np.asarray(ground.column("lon_deg").to_numpy(), dtype=float)
    alt = np.asarray(ground.column("alt_m").to_numpy(), dtype=float)
    xyz = geodetic_to_itrf(np.radians(lat), np.radians(lon), alt, WGS72_A_M, WGS72_F)
    out = []
    for i, name in enumerate(ground.column("name").to_pylist()):
        clean = re.sub(r"[,\r\n]", " ", str(name))  # the reader splits on commas
        out.append(
            "%d,%s,%s,%s,%f,%f,%f,%f"
            % (i, clean, _degrees(lat[i]), _degrees(lon[i]), alt[i], *xyz[i])
        )
    return out


# --- the links table, step by step -----------------------------------------------------------
def _steps(res: Results, t0_ms: int, step_ms: int, n_steps: int) -> Iterator[tuple[int, pa.Table]]:
    """(step index, that step's rows of ``links``) in time order, read in batches."""
    cols = ["time", "a", "b", "kind", "range_m"]
    pf = pq.ParquetFile(res.path / "links.parquet")
    pending: pa.Table | None = None
    for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=cols):
        tb = pa.Table.from_batches([batch])
        if pending is not None:
            tb = pa.concat_tables([pending, tb])
        t = pc.cast(pc.cast(tb.column("time"), pa.timestamp("ms", tz="UTC")), pa.int64())
        t = np.asarray(t.to_numpy(), dtype=np.int64)
        if len(t) and np.any(np.diff(t) < 0):
            raise OrbitcloudInputError("rows are not in time order; rerun the scenario", pf)
        last = t[-1] if len(t) else None
        cut = int(np.searchsorted(t, last)) if last is not None else 0
        yield from _split(tb.slice(0, cut), t[:cut], t0_ms, step_ms, n_steps)
        pending = tb.slice(cut)
    if pending is not None and pending.num_rows:
        t = pc.cast(pc.cast(pending.column("time"), pa.timestamp("ms", tz="UTC")), pa.int64())
        yield from _split(
            pending, np.asarray(t.to_numpy(), dtype=np.int64), t0_ms, step_ms, n_steps
        )


def _split(tb: pa.Table, t: np.ndarray, t0_ms: int, step_ms: int, n_steps: int
           ) -> Iterator[tuple[int, pa.Table]]:  # fmt: skip
    if len(t) == 0:
        return
    k = (t - t0_ms) // step_ms
    edges = np.flatnonzero(np.diff(k)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(k)]])
    for s, e in zip(starts, ends, strict=True):
        if 0 <= k[s] < n_steps:
            yield int(k[s]), tb.slice(int(s), int(e - s))


Edges = tuple[np.ndarray, np.ndarray, np.ndarray]
"""(end a, end b, length [m]) of a step's links of one kind."""


def _edges(tb: pa.Table | None, n_sat: int) -> tuple[Edges, Edges]:
    """The step's ISLs ``(a, b, m)`` and GSLs ``(ground node, sat, m)`` from its links rows."""
    empty: Edges = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0))
    if tb is None or tb.num_rows == 0:
        return empty, empty
    a = np.asarray(tb.column("a").to_numpy(), dtype=np.int64)
    b = np.asarray(tb.column("b").to_numpy(), dtype=np.int64)
    m = np.asarray(tb.column("range_m").to_numpy(zero_copy_only=False), dtype=float)
    kind = np.asarray(pc.cast(tb.column("kind"), pa.string()).to_numpy(zero_copy_only=False))
    ok = np.isfinite(m)
    isl = ok & (kind == "isl") & (a < n_sat) & (b < n_sat)
    gsl = ok & (kind == "gsl")
    ga, gb = a[gsl], b[gsl]
    gs_node, sat = np.where(ga >= n_sat, ga, gb), np.where(ga >= n_sat, gb, ga)
    return (a[isl], b[isl], m[isl]), (gs_node, sat, m[gsl])


# --- the export ------------------------------------------------------------------------------
def _whole(value: float, what: str, unit: str, where: str) -> int:
    r = round(value)
    if abs(value - r) > 1e-9 * max(1.0, abs(value)) or r <= 0:
        raise OrbitcloudInputError(
            f"Hypatia names the dynamic-state folder by whole {unit}; {what} is {value:g} "
            f"{unit}: use a whole number",
            where,
        )
    return int(r)


def export_hypatia(
    run: str | Path | Results, out: str | Path, *, overwrite: bool = False
) -> HypatiaExport:
    """Write the run's satellite network state in satgenpy's layout into ``out``.

    Parameters
    ----------
    run : a complete results folder with the ``satellites``, ``ground`` and ``links`` tables
        (``outputs.links: true``)
    out : the folder to write (must not exist, or be empty, unless ``overwrite``)
    overwrite : replace an existing ``out`` that holds a previous Hypatia export

    Raises
    ------
    OrbitcloudInputError
        Before anything is written: a table is missing, the time grid cannot be named in whole
        milliseconds and seconds, or the satellites cannot be given one TLE epoch.
    """
    from orbitcloud.scenario.base import parse_utc
    from orbitcloud.scenario.loader import load_scenario

    res = run if isinstance(run, Results) else Results(run)
    res.check()
    for t in ("links", "satellites", "ground"):
        if t not in res.tables:
            hint = (
                " (set outputs.links: true in the scenario and run it again)"
                if t == "links"
                else ""
            )
            raise OrbitcloudInputError(f"the Hypatia export needs the {t!r} table{hint}", res.path)
    sc = load_scenario(res.scenario_file)
    start = parse_utc(sc.time.start)
    step_ms = _whole(sc.time.step_s * 1000.0, "time.step_s", "milliseconds", "time.step_s")
    duration_s = _whole(sc.time.duration_total_s, "the duration", "seconds", "time.duration_s")
    n_steps = (duration_s * 1000) // step_ms  # satgenpy: floor(duration / step), t < duration
    sats = res.arrow("satellites", ["sat", "shell", "plane", "slot"])
    n_sat = sats.num_rows
    ground = res.arrow("ground")
    n_gs = ground.num_rows
    tles = tle_file_text(sc, start)
    relay = bool(sc.network.relay_via_ground)
    algorithm = (
        "algorithm_free_one_only_gs_relays" if relay else "algorithm_free_one_only_over_isls"
    )

    # ISLs: every pair up at some exported step (a 1-D key per pair: np.unique of 4.6 M pairs
    # along axis 0 took 16 s for Kuiper's 200 s, of keys 0.3 s), in satgenpy's +Grid order
    t0_ms = int(start.timestamp() * 1000)
    seen = np.empty(0, dtype=np.int64)
    max_isl = max_gsl = 0.0
    for _, tb in _steps(res, t0_ms, step_ms, n_steps):
        (ia, ib, im), (_, _, gm) = _edges(tb, n_sat)
        seen = np.union1d(seen, np.minimum(ia, ib) * n_sat + np.maximum(ia, ib))
        max_isl = max(max_isl, float(im.max(initial=0.0)))
        max_gsl = max(max_gsl, float(gm.max(initial=0.0)))
    plus = {k for k, c in enumerate(sc.constellations) if c.isl.topology == "plus-grid"}
    col = {
        c: np.asarray(sats.column(c).to_numpy(), dtype=np.int64) for c in ("plane", "slot", "shell")
    }
    pairs = np.stack([seen // max(n_sat, 1), seen % max(n_sat, 1)], axis=1)
    isls = isl_order(pairs, col["plane"], col["slot"], col["shell"], plus)
    ifs = IslInterfaces.from_isls(isls, n_sat)
    out = _prepare(Path(out), overwrite)  # nothing written before every check has passed

    (out / "tles.txt").write_text(tles)
    (out / "isls.txt").write_text("".join(f"{a} {b}\n" for a, b in isls))
    (out / "ground_stations.txt").write_text("".join(s + "\n" for s in _ground_lines(ground)))
    (out / "gsl_interfaces_info.txt").write_text(
        "".join("%d,%d,%f\n" % (i, 1, 1.0) for i in range(n_sat + n_gs))
    )
    (out / "description.txt").write_text(
        "max_gsl_length_m=%.10f\nmax_isl_length_m=%.10f\n"
        % (_max_gsl_m(sc, max_gsl), _max_isl_m(sc, max_isl))
    )
    dyn = out / f"dynamic_state_{step_ms}ms_for_{duration_s}s"
    dyn.mkdir()
    lines = _write_dynamic_state(res, dyn, n_sat, n_gs, ifs, relay, t0_ms, step_ms, n_steps)
    isl_cap, gsl_cap = _capacities_mbps(res)
    return HypatiaExport(
        out, n_sat, n_gs, len(isls), n_steps, step_ms, duration_s, dyn, algorithm, lines,
        isl_cap, gsl_cap,
    )  # fmt: skip


def _write_dynamic_state(
    res: Results, dyn: Path, n_sat: int, n_gs: int, ifs: IslInterfaces, relay: bool,
    t0_ms: int, step_ms: int, n_steps: int,
) -> int:  # fmt: skip
    """``fstate_<t>.txt`` (changes only after t = 0) and ``gsl_if_bandwidth_<t>.txt``."""
    prev: np.ndarray | None = None
    written = 0
    it = _steps(res, t0_ms, step_ms, n_steps)
    nxt = next(it, None)
    for k in range(n_steps):
        tb = None
        if nxt is not None and nxt[0] == k:
            tb = nxt[1]
            nxt = next(it, None)
        isl, gsl = _edges(tb, n_sat)
        rows = forwarding_state(n_sat, n_gs, isl, gsl, ifs, relay)
        changed = rows if prev is None else rows[np.any(rows != prev, axis=1)]
        prev = rows
        t_ns = k * step_ms * 1_000_000
        with open(dyn / f"fstate_{t_ns}.txt", "w") as fh:
            if len(changed):
                np.savetxt(fh, changed, fmt="%d", delimiter=",")
        written += len(changed)
        with open(dyn / f"gsl_if_bandwidth_{t_ns}.txt", "w") as fh:
            if k == 0:
                fh.writelines("%d,%d,%f\n" % (i, ifs.count[i], 1.0) for i in range(n_sat))
                fh.writelines("%d,%d,%f\n" % (n_sat + g, 0, 1.0) for g in range(n_gs))
    return written


def _max_gsl_m(sc: Any, observed: float) -> float:
    link = sc.ground.link if sc.ground is not None else None
    if link is not None and link.max_range_km is not None:
        return float(link.max_range_km) * 1000.0
    return observed


def _max_isl_m(sc: Any, observed: float) -> float:
    """Hypatia's ISL limit: 2 sqrt((R + h)^2 - (R + 80 km)^2), R the WGS72 radius, for a shell at
    ``altitude_km``; else the longest ISL of the run."""
    alts = [c.walker.altitude_km for c in sc.constellations if c.walker is not None]
    if len(alts) == len(sc.constellations) and all(a is not None for a in alts):
        h = max(alts) * 1000.0
        lim = 2 * math.sqrt(math.pow(WGS72_A_M + h, 2) - math.pow(WGS72_A_M + ISL_GRAZING_M, 2))
        given = [c.isl.max_range_km for c in sc.constellations if c.isl.max_range_km is not None]
        return min([lim, *(g * 1000.0 for g in given)])
    return observed


def _capacities_mbps(res: Results) -> tuple[float | None, float | None]:
    """Median ISL and GSL capacity of the run [Mbit/s] (a suggestion for ns-3's data rates)."""
    import duckdb

    con = duckdb.connect()
    path = str((res.path / "links.parquet").resolve()).replace("'", "''")
    rows = con.execute(
        "select kind::varchar, median(capacity_bps) from read_parquet('"
        + path
        + "') where capacity_bps is not null group by 1"
    ).fetchall()
    got = {k: float(v) / 1e6 for k, v in rows if v is not None}
    return got.get("isl"), got.get("gsl")


_EXPORT_FILES = {"tles.txt", "isls.txt", "ground_stations.txt", "gsl_interfaces_info.txt",
                 "description.txt"}  # fmt: skip


def _prepare(out: Path, overwrite: bool) -> Path:
    """An empty folder at ``out``; an existing export is replaced only with ``overwrite``."""
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise OrbitcloudInputError("exists and is not a folder", out)
        entries = list(out.iterdir())
        if entries:
            ours = all(
                e.name in _EXPORT_FILES or (e.is_dir() and e.name.startswith("dynamic_state_"))
                for e in entries
            )
            if not overwrite or not ours:
                why = "pass --overwrite to replace it" if ours else "it holds other files"
                raise OrbitcloudInputError(f"the folder is not empty ({why})", out)
            tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex[:8]}.old")
            os.replace(out, tmp)
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp)
            out.mkdir()
    else:
        try:
            out.mkdir(parents=True)
        except OSError as exc:
            raise OrbitcloudInputError(f"cannot create the folder ({exc})", out) from None
    return out
