"""Seeded mutation fuzz of the TLE reader over real catalogue entries.

Each case takes 1-3 consecutive entries of the shared Starlink catalogue (package data), writes
them as 3LE or 2LE with random line endings, applies 1-3 random mutations (character
substitutions, deletions, insertions, column shifts, swapped, dropped or repeated lines,
injected ``e``/``E``/``nan``/``inf``/tabs/non-ASCII/control characters, truncation, bytes
that are not UTF-8) and parses the result with :func:`orbitcloud.astro.tle.parse_tle_bytes`.

The contract checked: the reader raises nothing but ``OrbitcloudInputError``, and every entry
it accepts propagates at its epoch with sgp4 error 0 and a finite state (PITFALLS.md, "Input":
sgp4's own parser raised nothing for 10^5 bad TLEs and gave finite, error-free positions for
about 30 % of them).

Usage::

    python bench/fuzz_tle.py --n 100000 --seed 1
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from dataclasses import dataclass, field
from importlib.resources import files

from orbitcloud.astro.tle import parse_tle_bytes, tle_checksum
from orbitcloud.scenario.errors import OrbitcloudInputError

#: Characters the substitution and insertion mutations draw from: the TLE alphabet itself (so
#: many mutants stay close to valid), what ``float()`` would accept, and what breaks layouts.
SPECIAL_CHARS = (
    list("0123456789")
    + list(" .+-")
    + list("eEnNaAiIfF_xUZ")
    + ["\t", "\u00a0", "\u00e9", "\u2212", "\x00", "\x0c", "\x0b", "\u2028", "\ufeff"]
)
TOKENS = ("e", "E", "e5", "1e-5", "nan", "NaN", "inf", "-inf", "Infinity", "\t", "\u00a0", "0x1")
LINE_ENDINGS = ("\n", "\r\n", "\r")


@dataclass
class FuzzReport:
    """Counts of one fuzz run."""

    n: int
    seed: int
    rejected: int = 0
    accepted_same: int = 0  # accepted, and every entry equals an original entry
    accepted_changed: int = 0  # accepted with values that differ (e.g. a digit + checksum)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (problem, input repr)
    elapsed_s: float = 0.0

    @property
    def accepted(self) -> int:
        return self.accepted_same + self.accepted_changed

    def summary(self) -> str:
        return (
            f"fuzz_tle: n={self.n} seed={self.seed}: rejected {self.rejected}, "
            f"accepted {self.accepted} ({self.accepted_same} unchanged, "
            f"{self.accepted_changed} with changed values), "
            f"failures {len(self.failures)}, {self.elapsed_s:.1f} s"
        )


def catalogue_entries() -> list[tuple[str, str, str]]:
    """(name, line 1, line 2) of every entry of the packaged shared catalogue."""
    text = (files("orbitcloud") / "data" / "starlink-2023-07-18.tle").read_text("ascii")
    lines = text.splitlines()
    return [(lines[i], lines[i + 1], lines[i + 2]) for i in range(0, len(lines), 3)]


def _key(sat: object) -> tuple[float, ...]:
    return tuple(
        getattr(sat, a)
        for a in (
            "satnum",
            "jdsatepoch",
            "jdsatepochF",
            "inclo",
            "nodeo",
            "ecco",
            "argpo",
            "mo",
            "no_kozai",
            "bstar",
            "ndot",
            "nddot",
        )
    )


def _mutate_line(rng: random.Random, line: str) -> str:
    kind = rng.randrange(9)
    n = len(line)
    p = rng.randrange(n + 1) if n else 0
    if kind == 0:  # substitute
        c = rng.choice(SPECIAL_CHARS) if rng.random() < 0.7 else chr(rng.randrange(32, 127))
        return line[:p] + c + line[p + 1 :]
    if kind == 1:  # delete
        return line[:p] + line[p + 1 :]
    if kind == 2:  # insert
        return line[:p] + rng.choice(SPECIAL_CHARS) + line[p:]
    if kind == 3:  # column shift: insert a space, drop a later character (length kept)
        q = rng.randrange(p, n + 1)
        s = line[:p] + " " + line[p:]
        return s[: q + 1] + s[q + 2 :]
    if kind == 4:  # inject a token over the text
        t = rng.choice(TOKENS)
        return line[:p] + t + line[p + len(t) :]
    if kind == 5:  # swap two neighbouring characters
        if n < 2:
            return line
        p = min(p, n - 2)
        return line[:p] + line[p + 1] + line[p] + line[p + 2 :]
    if kind == 6:  # digit change that keeps the checksum valid (a mutant sgp4 cannot see)
        digits = [k for k, c in enumerate(line[:68]) if c in "0123456789"]
        if not digits or len(line) < 69 or line[68] not in "0123456789":
            return line
        k = rng.choice(digits)
        s = line[:k] + str(rng.randrange(10)) + line[k + 1 :]
        return s[:68] + str(tle_checksum(s)) + s[69:]
    if kind == 7:  # drop the checksum / trailing columns
        return line[: rng.randrange(60, 70)]
    return line + rng.choice(("", " ", "  ", "x", "0", "\t"))  # trailing junk


def make_case(rng: random.Random, entries: list[tuple[str, str, str]]) -> bytes:
    """One mutated catalogue text, as bytes."""
    k = rng.randrange(len(entries))
    picked = entries[k : k + rng.randint(1, 3)]
    three_le = rng.random() < 0.7
    lines: list[str] = []
    for name, l1, l2 in picked:
        if three_le:
            lines.append(name)
        lines += [l1, l2]
        if rng.random() < 0.1:
            lines.append("")
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.6 and lines:
            i = rng.randrange(len(lines))
            lines[i] = _mutate_line(rng, lines[i])
        elif op < 0.7 and len(lines) > 1:
            i = rng.randrange(len(lines) - 1)
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
        elif op < 0.77 and lines:
            del lines[rng.randrange(len(lines))]
        elif op < 0.84 and lines:
            i = rng.randrange(len(lines))
            lines.insert(i, lines[i])
        elif op < 0.9 and lines:
            i = rng.randrange(len(lines))
            lines.insert(i, rng.choice(("", "   ", "\t", "1", "2", "0 NAME", "1 44713U")))
        else:
            pass  # truncation or bytes below
    if rng.random() < 0.2:
        text = "".join(ln + rng.choice(LINE_ENDINGS) for ln in lines)
    else:
        eol = rng.choice(LINE_ENDINGS)
        text = eol.join(lines) + (eol if rng.random() < 0.8 else "")
    data = text.encode("utf-8")
    r = rng.random()
    if r < 0.05 and data:
        data = data[: rng.randrange(len(data))]  # truncation anywhere, even inside a character
    elif r < 0.08 and data:
        p = rng.randrange(len(data))
        data = data[:p] + bytes([rng.randrange(128, 256)]) + data[p + 1 :]  # not UTF-8
    return data


def run_fuzz(n: int, seed: int) -> FuzzReport:
    """Run ``n`` cases from ``seed``; the same arguments give the same report counts."""
    rng = random.Random(seed)
    entries = catalogue_entries()
    originals = set()
    from sgp4.api import WGS72, Satrec

    for _, l1, l2 in entries:
        originals.add(_key(Satrec.twoline2rv(l1, l2, WGS72)))
    report = FuzzReport(n=n, seed=seed)
    t0 = time.perf_counter()
    for _ in range(n):
        data = make_case(rng, entries)
        try:
            result = parse_tle_bytes(data, "fuzz.tle")
        except OrbitcloudInputError as exc:
            if not str(exc).startswith("fuzz.tle: "):
                report.failures.append(("error does not name the file", repr(data)))
            report.rejected += 1
            continue
        except Exception as exc:  # the contract under test
            report.failures.append((f"{type(exc).__name__}: {exc}", repr(data)))
            continue
        same = True
        for entry in result:
            sat = entry.satrec
            e, r, v = sat.sgp4(sat.jdsatepoch, sat.jdsatepochF)
            if e != 0 or not all(math.isfinite(x) for x in (*r, *v)):
                report.failures.append((f"accepted but sgp4 error {e} / {r}", repr(data)))
            same = same and _key(sat) in originals
        if same:
            report.accepted_same += 1
        else:
            report.accepted_changed += 1
    report.elapsed_s = time.perf_counter() - t0
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="number of cases")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    args = parser.parse_args(argv)
    report = run_fuzz(args.n, args.seed)
    print(report.summary())
    for problem, data in report.failures[:20]:
        print(f"  FAIL {problem}\n    input: {data[:300]}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
