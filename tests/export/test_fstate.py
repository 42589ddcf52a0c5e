"""satgenpy's forwarding-state rules on graphs small enough to solve by hand.

The expected rows follow ``satgenpy/satgen/dynamic_state/fstate_calculation.py`` (snkas/hypatia)
line by line: distances, next hops and interface numbers worked out below each case.
"""

from __future__ import annotations

import numpy as np

from orbitcloud.export.fstate import IslInterfaces, forwarding_state


def _arr(*cols):
    return tuple(np.asarray(c) for c in cols)


# A chain of satellites 0-1-2-3, ISLs 10 m each; ground station 4 sees satellite 0 at 5 m,
# ground station 5 sees satellite 3 at 5 m and satellite 2 at 20 m.
ISLS = np.array([[0, 1], [1, 2], [2, 3]])
ISL = _arr([0, 1, 2], [1, 2, 3], [10.0, 10.0, 10.0])
GSL = _arr([4, 5, 5], [0, 3, 2], [5.0, 5.0, 20.0])


def test_interfaces_in_isls_order():
    ifs = IslInterfaces.from_isls(ISLS, 4)
    # (0,1): 0->1 if 0, 1->0 if 0; (1,2): 1->2 if 1, 2->1 if 0; (2,3): 2->3 if 1, 3->2 if 0
    got = ifs.if_of(np.array([0, 1, 1, 2, 2, 3, 0]), np.array([1, 0, 2, 1, 3, 2, 3]))
    assert got.tolist() == [0, 0, 1, 0, 1, 0, -1]
    assert ifs.count.tolist() == [1, 2, 2, 1]


def test_free_one_only_over_isls_by_hand():
    rows = forwarding_state(4, 2, ISL, GSL, IslInterfaces.from_isls(ISLS, 4), relay=False)
    # to GS 5: sat 3 direct (5 m); sat 2 via 3 (10 + 5 < 20 direct); 1 via 2; 0 via 1.
    # to GS 4: sat 0 direct; 1 via 0; 2 via 1; 3 via 2. GS 4 -> GS 5 enters at sat 0 (its
    # only one); GS 5 -> GS 4 enters at sat 3 (5 + 35 = 40 m) rather than sat 2 (20 + 25 m).
    want = [
        (0, 4, 4, 1, 0), (0, 5, 1, 0, 0),
        (1, 4, 0, 0, 0), (1, 5, 2, 1, 0),
        (2, 4, 1, 0, 1), (2, 5, 3, 1, 0),
        (3, 4, 2, 0, 1), (3, 5, 5, 1, 0),
        (4, 5, 0, 0, 1), (5, 4, 3, 0, 1),
    ]  # fmt: skip
    assert [tuple(r) for r in rows.tolist()] == want


def test_unreachable_is_minus_one():
    isl = _arr([0, 2], [1, 3], [10.0, 10.0])  # ISL 1-2 down
    rows = forwarding_state(4, 2, isl, GSL, IslInterfaces.from_isls(ISLS, 4), relay=False)
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows.tolist()}
    assert got[(0, 5)] == (-1, -1, -1)
    assert got[(1, 5)] == (-1, -1, -1)
    assert got[(4, 5)] == (-1, -1, -1)
    assert got[(2, 5)] == (3, 1, 0)  # still via 3
    assert got[(5, 4)] == (-1, -1, -1)


def test_free_one_only_gs_relays_by_hand():
    # no ISLs; GS 2 sees sat 0 (5 m), GS 3 sees sat 0 (6 m) and sat 1 (7 m), GS 4 sees sat 1
    # (8 m): GS 2 reaches GS 4 only through GS 3 as a relay: 2-0-3-1-4
    gsl = _arr([2, 3, 3, 4], [0, 0, 1, 1], [5.0, 6.0, 7.0, 8.0])
    none = _arr(np.empty(0, int), np.empty(0, int), np.empty(0))
    rows = forwarding_state(2, 3, none, gsl, IslInterfaces.from_isls(np.empty((0, 2)), 2), True)
    want = [
        (0, 2, 2, 0, 0), (0, 3, 3, 0, 0), (0, 4, 3, 0, 0),
        (1, 2, 3, 0, 0), (1, 3, 3, 0, 0), (1, 4, 4, 0, 0),
        (2, 3, 0, 0, 0), (2, 4, 0, 0, 0),
        (3, 2, 0, 0, 0), (3, 4, 1, 0, 0),
        (4, 2, 1, 0, 0), (4, 3, 1, 0, 0),
    ]  # fmt: skip
    assert [tuple(r) for r in rows.tolist()] == want
    # without relaying, GS 2 cannot reach GS 4
    rows = forwarding_state(2, 3, none, gsl, IslInterfaces.from_isls(np.empty((0, 2)), 2), False)
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows.tolist()}
    assert got[(2, 4)] == (-1, -1, -1)
    assert got[(0, 4)] == (-1, -1, -1)
