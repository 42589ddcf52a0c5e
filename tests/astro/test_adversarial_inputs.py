"""Adversarial input files (issue 16): TLE and OMM readers and the propagation mask.

Two parts:

* one test per defect of the issue that lives here (2: B* bounded, non-physical radii flagged;
  10: file size checked before reading, quoted lines cut; 17: "not a regular file", an OMM JSON
  whose top level is a string), each of which failed on the code before its fix;
* a seeded generator of hostile catalogue files -- TLE mutations from ``bench/fuzz_tle.py``
  (reused, not duplicated) plus B*-, encoding- and size-focused ones, and OMM mutations of the
  CSV/JSON/XML samples -- asserting for every input: one ``OrbitcloudInputError`` naming the file
  with no line over 1,000 characters, or an accepted catalogue whose every satellite has a bounded
  B* and propagates for three days to states that are either flagged or finite and physical;
  never another exception, never more than a few seconds. A fast subset runs by default, the
  rest under ``-m slow``.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sgp4.api import WGS72, Satrec, SatrecArray

from orbitcloud.astro.elements import sun_synchronous_inclination_sgp4_rad
from orbitcloud.astro.omm import load_omm_file, parse_omm_text
from orbitcloud.astro.propagate import (
    NONPHYSICAL_ERROR,
    RADIUS_MAX_M,
    RADIUS_MIN_M,
    propagate_teme,
    radius_ceiling_m,
)
from orbitcloud.astro.tle import MAX_ABS_BSTAR, load_tle_file, parse_tle_bytes, tle_checksum
from orbitcloud.scenario.errors import MAX_MESSAGE_LINE, OrbitcloudInputError
from orbitcloud.scenario.limits import (
    MAX_CATALOGUE_FILE_BYTES,
    MAX_QUOTE_CHARS,
    SSO_MAX_ALTITUDE_KM,
)
from timebox import time_limit as _time_limit

DATA = Path(__file__).parent / "data"
L1 = "1 44713U 19074A   23198.31707558  .00000584  00000+0  58057-4 0  9994"
L2 = "2 44713  53.0547 204.8335 0000977  90.1304 269.9797 15.06399147203267"
CASE_SECONDS = 10.0
"""No single input may take longer (a hang is a failure, not a stuck test run)."""


def fix(line: str) -> str:
    """``line`` with a correct checksum in column 69."""
    return line[:68] + str(tle_checksum(line))


def with_bstar(field: str, l1: str = L1) -> str:
    return fix(l1[:53] + field + l1[61:])


def time_limit(seconds: float = CASE_SECONDS) -> Any:
    """Fail (TimeoutError) when the block takes longer than ``seconds`` (tests/timebox.py)."""
    return _time_limit(seconds)


# --- defect 2: B* bounded in both readers ------------------------------------------------------


def test_defect2_tle_bstar_1e5_is_refused_naming_line_and_columns():
    """B* = 0.1e+6 (1e5) loaded before; SGP4 then gave error-free positions 1e31 km out."""
    text = f"\nSTARLINK-1007\n{with_bstar(' 10000+6')}\n{L2}\n"
    with pytest.raises(OrbitcloudInputError) as info:
        parse_tle_bytes(text.encode(), "cat.tle")
    msg = str(info.value)
    assert msg.startswith("cat.tle: line 3: TLE line 1, columns 54-61: BSTAR drag term")
    assert "100000" in msg
    assert f"-{MAX_ABS_BSTAR:g} to {MAX_ABS_BSTAR:g}" in msg


@pytest.mark.parametrize("field", [" 99999+9", "-10000+6", " 11000+2", "-10001+2"])
def test_defect2_tle_bstar_beyond_bound_is_refused(field):
    with pytest.raises(OrbitcloudInputError, match="BSTAR drag term"):
        parse_tle_bytes(f"{with_bstar(field)}\n{L2}\n".encode(), "x.tle")


@pytest.mark.parametrize("field", [" 10000+2", "-10000+2", " 99999+1", " 13519-0"])
def test_bstar_within_bound_is_accepted(field):
    (entry,) = parse_tle_bytes(f"{with_bstar(field)}\n{L2}\n".encode(), "x.tle")
    assert abs(entry.satrec.bstar) <= MAX_ABS_BSTAR


@pytest.mark.parametrize("fmt", ["csv", "json", "xml"])
@pytest.mark.parametrize("value", ["1e5", "-1E5", "10.5", "100000"])
def test_defect2_omm_bstar_beyond_bound_is_refused(fmt, value):
    text = omm_with(fmt, "BSTAR", value, record=2)
    with pytest.raises(OrbitcloudInputError) as info:
        parse_omm_text(text, f"s.{fmt}", fmt)
    msg = str(info.value)
    assert "field BSTAR" in msg
    assert "record 2" in msg
    assert repr(value) in msg
    assert "at least -10 and at most 10" in msg


def test_defect2_absurd_bstar_gives_no_garbage_position_anywhere():
    """The issue's case end to end: a B* = 1e5 satellite built past the reader is flagged."""
    sat = Satrec()
    sat.sgp4init(WGS72, "i", 1, 25000.0, 1e5, 0, 0, 1e-3, 0, 0.9, 0, 14.0 * 2 * np.pi / 1440, 0)
    jd = np.full(2000, 2433281.5 + 25000.0)
    fr = np.linspace(0.0, 30.0, 2000)
    e_raw, r_raw, _ = SatrecArray([sat]).sgp4(jd, fr)
    ok_raw = e_raw[0] == 0
    assert np.linalg.norm(r_raw[0][ok_raw], axis=-1).max() > 1e20  # error code 0 at 1e21 km
    r, _, err = propagate_teme(SatrecArray([sat]), jd, fr)
    radius = np.linalg.norm(r[:, 0], axis=-1)
    assert np.isnan(radius[err[:, 0] != 0]).all()
    good = radius[err[:, 0] == 0]
    assert np.isfinite(good).all()
    assert good.max() <= RADIUS_MAX_M
    assert (err[:, 0] == NONPHYSICAL_ERROR).any()


def test_defect2_negative_bstar_runaway_is_flagged_as_nonphysical():
    """A real-sized negative B* (-0.05) lifts a 15.9 rev/day orbit past 1e5 km within a week
    with error code 0: the radius check flags it (code 8), the default and the per-satellite
    ceiling alike."""
    sat = Satrec()
    n = 15.9 * 2 * np.pi / 1440
    sat.sgp4init(WGS72, "i", 1, 25000.0, -0.05, 0, 0, 1e-3, 0, 0.9, 0, n, 0)
    jd = np.full(3000, 2433281.5 + 25000.0)
    fr = np.linspace(0.0, 60.0, 3000)
    e_raw, r_raw, _ = SatrecArray([sat]).sgp4(jd, fr)
    raw_radius = np.linalg.norm(r_raw[0], axis=-1) * 1000.0
    assert ((e_raw[0] == 0) & (raw_radius > RADIUS_MAX_M)).any()  # what got through before
    for ceiling in (None, radius_ceiling_m([sat])):
        r, _, err = propagate_teme(SatrecArray([sat]), jd, fr, max_radius_m=ceiling)
        radius = np.linalg.norm(r[:, 0], axis=-1)
        valid = err[:, 0] == 0
        limit = RADIUS_MAX_M if ceiling is None else float(ceiling[0])
        assert (radius[valid] <= limit).all()
        assert (radius[valid] >= RADIUS_MIN_M).all()
        assert (err[:, 0] == NONPHYSICAL_ERROR).sum() > 0
    # the per-satellite ceiling is twice the apogee: it catches the runaway far earlier
    assert float(radius_ceiling_m([sat])[0]) < 15_000e3


def test_radius_check_leaves_real_orbits_alone(starlink_catalogue):
    """A day of the whole shipped catalogue: the new check flags nothing sgp4 did not."""
    sats = [s for _, s in starlink_catalogue]
    jd = np.full(25, sats[0].jdsatepoch)
    fr = sats[0].jdsatepochF + np.linspace(0.0, 1.0, 25)
    e_raw, _, _ = SatrecArray(sats).sgp4(jd, fr)
    _, _, err = propagate_teme(SatrecArray(sats), jd, fr, radius_ceiling_m(sats))
    assert ((err != 0) == (e_raw.T != 0)).all()


def test_sso_altitude_limit_is_below_where_sgp4_sso_inclination_reaches_180():
    """limits.SSO_MAX_ALTITUDE_KM is where a sun-synchronous orbit still exists under SGP4's
    node rate (inclination well below 180 deg), and 40 km higher none does (clipped at 180)."""
    at_limit = math.degrees(sun_synchronous_inclination_sgp4_rad(SSO_MAX_ALTITUDE_KM * 1e3))
    above = math.degrees(sun_synchronous_inclination_sgp4_rad((SSO_MAX_ALTITUDE_KM + 40) * 1e3))
    assert 170.0 < at_limit < 175.0
    assert above == pytest.approx(180.0, abs=1e-9)


# --- defect 10: sizes checked before reading, quoted lines cut ----------------------------------


@pytest.mark.parametrize("loader", [load_tle_file, load_omm_file])
def test_defect10_huge_file_is_refused_from_its_size_without_reading_it(tmp_path, loader):
    big = tmp_path / "big.tle"
    with big.open("wb") as f:  # sparse: 1 GB on paper, nothing on disk
        f.truncate(1024**3)
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        with pytest.raises(
            OrbitcloudInputError, match=r"1\.0 GB \(1,073,741,824 bytes\), more than the 200\.0 MB"
        ):
            loader(big)
        elapsed = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 1024**2  # nothing of the file was read


def test_defect10_a_long_line_is_quoted_cut(tmp_path):
    p = tmp_path / "long.tle"
    p.write_bytes(b"1 " + b"7" * 5_000_000 + b"\n" + L2.encode() + b"\n")
    with pytest.raises(OrbitcloudInputError) as info:
        load_tle_file(p)
    msg = str(info.value)
    assert len(msg) < 2_000
    assert "more characters" in msg
    assert max(len(line) for line in msg.splitlines()) <= MAX_MESSAGE_LINE + 100


@pytest.mark.parametrize("fmt", ["csv", "json", "xml"])
def test_defect10_a_long_omm_value_is_quoted_cut(fmt):
    text = omm_with(fmt, "MEAN_MOTION", "9" * 1_000_000, record=1)
    with pytest.raises(OrbitcloudInputError) as info:
        parse_omm_text(text, f"s.{fmt}", fmt)
    assert len(str(info.value)) < 1_000
    if fmt != "csv":  # (CSV stops at Python's 131,072-character field limit, unquoted)
        assert f"{1_000_000 - MAX_QUOTE_CHARS + 2:,} more characters" in str(info.value)


# --- defect 17: what is not a regular file, and an OMM JSON string -----------------------------


def not_regular_paths(tmp_path: Path) -> list[Path]:
    fifo = tmp_path / "pipe.tle"
    os.mkfifo(fifo)
    link = tmp_path / "zero.tle"
    link.symlink_to("/dev/zero")
    return [Path("/dev/zero"), fifo, link]


@pytest.mark.parametrize("loader", [load_tle_file, load_omm_file])
def test_defect17_device_fifo_and_symlink_to_device_are_not_regular_files(tmp_path, loader):
    """Before: /dev/zero was read for ever (or "file not found"), a FIFO blocked for a writer."""
    for path in not_regular_paths(tmp_path):
        with time_limit(5.0), pytest.raises(OrbitcloudInputError) as info:
            loader(path)
        assert "not a regular file" in str(info.value)
        assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("content", "kind"),
    [('"hello"', "a text"), ("  42  ", "a number"), ("true", "true"), ("null", "null")],
)
@pytest.mark.parametrize("suffix", [".json", ".omm"])
def test_defect17_omm_json_top_level_scalar_says_so(tmp_path, content, kind, suffix):
    """Before: '"hello"' in a .json file was "the file name says JSON but the content looks like
    CSV"."""
    p = tmp_path / f"s{suffix}"
    p.write_text(content)
    with pytest.raises(OrbitcloudInputError) as info:
        load_omm_file(p)
    msg = str(info.value)
    assert "OMM JSON must be a list of objects" in msg
    assert kind in msg
    assert "CSV" not in msg


# --- the seeded generator ----------------------------------------------------------------------


def omm_records(fmt: str) -> str:
    return (DATA / f"omm_sample.{fmt}").read_text("utf-8")


def omm_with(fmt: str, key: str, value: str, record: int = 1) -> str:
    """The OMM sample in ``fmt`` with ``key`` of record ``record`` (1-based) set to ``value``."""
    text = omm_records(fmt)
    if fmt == "csv":
        rows = text.splitlines()
        header = rows[0].split(",")
        cells = rows[record].split(",")
        cells[header.index(key)] = value
        rows[record] = ",".join(cells)
        return "\n".join(rows) + "\n"
    if fmt == "json":
        doc = json.loads(text)
        doc[record - 1][key] = value
        return json.dumps(doc)
    parts = text.split("<segment>")
    seg = parts[record]
    start = seg.index(f"<{key}>") + len(key) + 2
    end = seg.index(f"</{key}>")
    parts[record] = seg[:start] + value + seg[end:]
    return "<segment>".join(parts)


#: Values an attacker puts in a numeric OMM field.
HOSTILE_VALUES = (
    *(f"{m}e{x}" for m in ("1", "-1", "9.99") for x in ("0", "1", "2", "-9")),
    "nan", "NaN", "inf", "-Infinity", "1e5", "-1e5", "1e308", "1e-320", "0x10", "1_0", "", " ",
    "\u00a0", "\x00", "\u2212" + "1", "1e99999", "9" * 400, "12.5.3", "--1", "+-1", "0.0",
    "-0.0", "1E", ".e5", "\ufeff1", "١٢", "20", "-5", "360.0001", "99999999999999", "true",
)  # fmt: skip
OMM_KEYS = (
    "BSTAR", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER", "MEAN_ANOMALY", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT", "NORAD_CAT_ID",
    "EPOCH", "OBJECT_NAME", "ELEMENT_SET_NO", "REV_AT_EPOCH", "EPHEMERIS_TYPE",
)  # fmt: skip


def bstar_case(rng: random.Random, entries: list[tuple[str, str, str]]) -> bytes:
    """A catalogue entry with a random B* field (every sign, mantissa and exponent form)."""
    name, l1, l2 = rng.choice(entries)
    field = (
        rng.choice(" +-")
        + f"{rng.randrange(100000):05d}"
        + rng.choice("+-")
        + str(rng.randrange(10))
    )
    return f"{name}\r\n{with_bstar(field, l1)}\r\n{l2}\r\n".encode()


def encoding_case(rng: random.Random, entries: list[tuple[str, str, str]]) -> bytes:
    """A few entries in another encoding, with a BOM, or with bytes that are not UTF-8."""
    k = rng.randrange(len(entries) - 3)
    text = "\n".join("\n".join(e) for e in entries[k : k + rng.randint(1, 3)]) + "\n"
    choice = rng.randrange(6)
    if choice == 0:
        return text.encode("utf-16")
    if choice == 1:
        return text.encode("utf-32")
    if choice == 2:
        return b"\xef\xbb\xbf" + text.encode()
    if choice == 3:
        return text.replace("STARLINK", "STARLINK-\u00e9\u202e").encode("latin-1", "replace")
    if choice == 4:
        data = bytearray(text.encode())
        data[rng.randrange(len(data))] = rng.randrange(0x80, 0x100)
        return bytes(data)
    return text.replace("\n", rng.choice(["\x00", "\x0b", "\x0c", "\x1c", "\u2028"])).encode()


def size_case(rng: random.Random, entries: list[tuple[str, str, str]]) -> bytes:
    """Long lines, many blank lines, or a catalogue of many entries with one bad at the end."""
    choice = rng.randrange(4)
    if choice == 0:
        return (rng.choice(["1 ", "2 ", "X"]) + "9" * rng.randrange(100, 200_000) + "\n").encode()
    if choice == 1:
        return ("\n" * rng.randrange(1, 100_000) + "\n".join(entries[0]) + "\n").encode()
    if choice == 2:
        name, l1, l2 = entries[rng.randrange(len(entries))]
        return f"{name * rng.randrange(2, 2000)}\n{l1}\n{l2}\n".encode()
    body = "\n".join("\n".join(e) for e in entries[: rng.randrange(50, 400)])
    return (body + "\n" + entries[0][1] + "\n").encode()  # an unpaired line 1 at the end


def omm_case(rng: random.Random) -> tuple[str, str]:
    """(format, text) of a mutated OMM sample."""
    fmt = rng.choice(("csv", "json", "xml"))
    choice = rng.randrange(10)
    if choice < 6:
        value = rng.choice(HOSTILE_VALUES)
        if fmt == "xml":
            value = value.replace("\x00", "").replace("<", "&lt;")
        if fmt == "csv":
            value = value.replace(",", ";")
        return fmt, omm_with(fmt, rng.choice(OMM_KEYS), value, record=rng.randint(1, 8))
    if choice == 6:
        return "json", rng.choice(
            ['"text"', "5", "null", "[1, 2]", '[["a"]]', "{}", "[{}]", "[" * 5000 + "]" * 5000,
             '{"a": ' * 3000 + "1" + "}" * 3000, "[NaN]", '[{"BSTAR": Infinity}]', "true"]
        )  # fmt: skip
    text = omm_records(fmt)
    if choice == 7:  # truncated anywhere
        return fmt, text[: rng.randrange(len(text))]
    if choice == 8:  # a random character changed
        p = rng.randrange(len(text))
        return fmt, text[:p] + rng.choice(["\x00", "\u00a0", "<", '"', ",", "\n", "9"]) + text[
            p + 1 :
        ]
    return fmt, text.replace("EPOCH", rng.choice(["EPOCH_", "epoch", "EPOCH,EPOCH"]), 1)


def check_error(exc: OrbitcloudInputError, source: str) -> None:
    msg = str(exc)
    assert msg.startswith(f"{source}: "), msg[:200]
    assert max(len(line) for line in msg.splitlines()) <= MAX_MESSAGE_LINE + 40, msg[:200]


def check_accepted(satrecs: list[Satrec]) -> None:
    """Bounded B*; three days of SGP4 give only flagged or finite, physical states."""
    assert all(abs(s.bstar) <= MAX_ABS_BSTAR for s in satrecs)
    jd0 = satrecs[0].jdsatepoch
    jd = np.full(13, jd0)
    fr = satrecs[0].jdsatepochF + np.linspace(0.0, 3.0, 13)
    for ceiling in (None, radius_ceiling_m(satrecs)):
        r, v, err = propagate_teme(SatrecArray(satrecs), jd, fr, ceiling)
        ok = err == 0
        radius = np.linalg.norm(r, axis=-1)
        assert np.isfinite(r[ok]).all()
        assert np.isfinite(v[ok]).all()
        assert (radius[ok] >= RADIUS_MIN_M).all()
        assert (radius[ok] <= RADIUS_MAX_M).all()
        assert np.isnan(r[~ok]).all()


def run_tle_cases(fuzz, n: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    entries = fuzz.catalogue_entries()
    counts = {"rejected": 0, "accepted": 0}
    makers = (
        lambda: fuzz.make_case(rng, entries),
        lambda: bstar_case(rng, entries),
        lambda: encoding_case(rng, entries),
        lambda: size_case(rng, entries),
    )
    for i in range(n):
        data = makers[i % len(makers)]()
        with time_limit():
            try:
                result = parse_tle_bytes(data, "adv.tle")
            except OrbitcloudInputError as exc:
                check_error(exc, "adv.tle")
                counts["rejected"] += 1
                continue
            check_accepted([e.satrec for e in result])
            counts["accepted"] += 1
    return counts


def run_omm_cases(n: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    counts = {"rejected": 0, "accepted": 0}
    for _ in range(n):
        fmt, text = omm_case(rng)
        source = f"adv.{fmt}"
        use_fmt = fmt if rng.random() < 0.7 else None
        with time_limit():
            try:
                result = parse_omm_text(text, source, use_fmt)
            except OrbitcloudInputError as exc:
                check_error(exc, source)
                counts["rejected"] += 1
                continue
            check_accepted([e.satrec for e in result])
            counts["accepted"] += 1
    return counts


def test_adversarial_files_fast(fuzz):
    """The default run: 160 TLE and 120 OMM hostile files (about 2 s)."""
    tle = run_tle_cases(fuzz, 160, seed=16)
    omm = run_omm_cases(120, seed=16)
    assert tle["rejected"] > 0
    assert tle["accepted"] > 0
    assert omm["rejected"] > 0
    assert omm["accepted"] > 0


@pytest.mark.slow
def test_adversarial_files_slow(fuzz):
    """4,000 TLE and 3,000 OMM hostile files from other seeds."""
    for seed in (1, 2):
        run_tle_cases(fuzz, 2_000, seed=seed)
        run_omm_cases(1_500, seed=seed)


def test_omm_stream_of_json_nesting_is_one_error():
    """10^5 nested lists: one error, no RecursionError (json's own recursion is caught)."""
    with pytest.raises(OrbitcloudInputError, match=r"nested too deeply|not valid JSON"):
        parse_omm_text("[" * 100_000 + "]" * 100_000, "deep.json")


def test_catalogue_file_limit_is_documented_and_generous():
    """The limit leaves room for 100,000 satellites as OMM XML (~1 kB per record here)."""
    per_record = len(omm_records("xml").encode()) / 8
    assert 100_000 * per_record < MAX_CATALOGUE_FILE_BYTES
