"""Seeded mutation fuzz of the TLE reader (bench/fuzz_tle.py): only OrbitcloudInputError, and
everything accepted propagates at its epoch with error 0 and a finite state.

PITFALLS.md, "Input": in the same kind of fuzz sgp4's fast parser raised nothing and returned
finite, error-free positions for about 30 % of 10^5 bad TLEs, and its strict parser leaked
ZeroDivisionError/OverflowError/TypeError 73 times.
"""

from __future__ import annotations

import pytest


def check(report) -> None:
    assert report.failures == [], report.failures[:5]
    assert report.rejected + report.accepted == report.n
    assert report.rejected > 0.5 * report.n  # most mutants must be caught
    assert report.accepted > 0  # and harmless ones (names, line endings) still load


def test_fuzz_quick(fuzz):
    check(fuzz.run_fuzz(2000, seed=7))


def test_fuzz_is_deterministic(fuzz):
    a, b = fuzz.run_fuzz(300, seed=3), fuzz.run_fuzz(300, seed=3)
    assert (a.rejected, a.accepted_same, a.accepted_changed) == (
        b.rejected,
        b.accepted_same,
        b.accepted_changed,
    )


@pytest.mark.slow
def test_fuzz_100k(fuzz):
    report = fuzz.run_fuzz(100_000, seed=1)
    print(report.summary())
    check(report)
