"""satgenpy's own forwarding-state unit tests, rerun on orbitcloud's implementation.

Graphs, edge lengths and every expected ``(next_hop, my_if, next_if)`` are pasted from Hypatia's
``satgenpy/tests/test_fstate_calculation.py`` (snkas/hypatia, MIT licence): ``without`` is its
``calculate_fstate_shortest_path_without_gs_relaying``, ``only_gs`` the relaying variant on the
graph without ISLs, ``combined`` the relaying variant on the whole graph. Those tests give each
ground station its own GSL interface on a satellite (``gid_to_sat_gsl_if_idx = range(n_gs)``),
hence ``gsl_if_per_ground_station=True`` here.
"""

from __future__ import annotations

import numpy as np
import pytest

from orbitcloud.export.fstate import IslInterfaces, forwarding_state

U = "-1,-1,-1"
ONE_SAT_TWO_GS = "0,1:1,0,0 0,2:2,1,0 1,2:0,0,0 2,1:0,0,1"
CASES = {
    "one_sat_two_gs": (1, 2, [(0, 1, 1000), (0, 2, 1000)], {
        "without": ONE_SAT_TWO_GS, "only_gs": ONE_SAT_TWO_GS, "combined": ONE_SAT_TWO_GS}),
    "two_sat_two_gs": (2, 2, [(0, 1, 1000), (0, 2, 1000), (1, 3, 1000)], {
        "without": "0,2:2,1,0 0,3:1,0,0 1,2:0,0,0 1,3:3,2,0 2,3:0,0,1 3,2:1,0,2",
        "only_gs": f"0,2:2,0,0 0,3:{U} 1,2:{U} 1,3:3,1,0 2,3:{U} 3,2:{U}",
        "combined": "0,2:2,1,0 0,3:1,0,0 1,2:0,0,0 1,3:3,2,0 2,3:0,0,1 3,2:1,0,2"}),
    "two_sat_three_gs": (2, 3, [(0, 1, 1000), (0, 2, 500), (0, 3, 200), (1, 3, 100),
                                (1, 4, 400)], {
        "without": "0,2:2,1,0 0,3:3,2,0 0,4:1,0,0 1,2:0,0,0 1,3:3,2,0 1,4:4,3,0 2,3:0,0,1 "
                   "2,4:0,0,1 3,2:0,0,2 3,4:1,0,2 4,2:1,0,3 4,3:1,0,3",
        "only_gs": "0,2:2,0,0 0,3:3,1,0 0,4:3,1,0 1,2:3,1,0 1,3:3,1,0 1,4:4,2,0 2,3:0,0,0 "
                   "2,4:0,0,0 3,2:0,0,1 3,4:1,0,1 4,2:1,0,2 4,3:1,0,2",
        "combined": "0,2:2,1,0 0,3:3,2,0 0,4:3,2,0 1,2:3,2,0 1,3:3,2,0 1,4:4,3,0 2,3:0,0,1 "
                    "2,4:0,0,1 3,2:0,0,2 3,4:1,0,2 4,2:1,0,3 4,3:1,0,3"}),
    "five_sat_five_gs": (5, 5, [(0, 3, 600), (0, 7, 500), (0, 8, 600), (1, 4, 300),
                                (1, 6, 500), (1, 9, 300), (2, 3, 400), (2, 4, 400),
                                (2, 5, 500), (2, 8, 200), (2, 9, 500)], {
        "without": "0,5:3,0,0 0,6:3,0,0 0,7:7,3,0 0,8:8,4,0 0,9:3,0,0 "
                   "1,5:4,0,0 1,6:6,2,0 1,7:4,0,0 1,8:4,0,0 1,9:9,5,0 "
                   "2,5:5,2,0 2,6:4,1,1 2,7:3,0,1 2,8:8,5,0 2,9:9,6,0 "
                   "3,5:2,1,0 3,6:2,1,0 3,7:0,0,0 3,8:2,1,0 3,9:2,1,0 "
                   "4,5:2,1,1 4,6:1,0,0 4,7:2,1,1 4,8:2,1,1 4,9:1,0,0 "
                   "5,6:2,0,2 5,7:2,0,2 5,8:2,0,2 5,9:2,0,2 6,5:1,0,2 6,7:1,0,2 6,8:1,0,2 "
                   "6,9:1,0,2 7,5:0,0,3 7,6:0,0,3 7,8:0,0,3 7,9:0,0,3 8,5:2,0,5 8,6:2,0,5 "
                   "8,7:0,0,4 8,9:2,0,5 9,5:2,0,6 9,6:1,0,5 9,7:2,0,6 9,8:2,0,6",
        "only_gs": "0,5:8,3,0 0,6:8,3,0 0,7:7,2,0 0,8:8,3,0 0,9:8,3,0 "
                   "1,5:9,4,0 1,6:6,1,0 1,7:9,4,0 1,8:9,4,0 1,9:9,4,0 "
                   "2,5:5,0,0 2,6:9,4,0 2,7:8,3,0 2,8:8,3,0 2,9:9,4,0 "
                   f"3,5:{U} 3,6:{U} 3,7:{U} 3,8:{U} 3,9:{U} "
                   f"4,5:{U} 4,6:{U} 4,7:{U} 4,8:{U} 4,9:{U} "
                   "5,6:2,0,0 5,7:2,0,0 5,8:2,0,0 5,9:2,0,0 6,5:1,0,1 6,7:1,0,1 6,8:1,0,1 "
                   "6,9:1,0,1 7,5:0,0,2 7,6:0,0,2 7,8:0,0,2 7,9:0,0,2 8,5:2,0,3 8,6:2,0,3 "
                   "8,7:0,0,3 8,9:2,0,3 9,5:2,0,4 9,6:1,0,4 9,7:2,0,4 9,8:2,0,4",
        "combined": "0,5:8,4,0 0,6:8,4,0 0,7:7,3,0 0,8:8,4,0 0,9:8,4,0 "
                    "1,5:4,0,0 1,6:6,2,0 1,7:4,0,0 1,8:4,0,0 1,9:9,5,0 "
                    "2,5:5,2,0 2,6:4,1,1 2,7:8,5,0 2,8:8,5,0 2,9:9,6,0 "
                    "3,5:2,1,0 3,6:2,1,0 3,7:0,0,0 3,8:2,1,0 3,9:2,1,0 "
                    "4,5:2,1,1 4,6:1,0,0 4,7:2,1,1 4,8:2,1,1 4,9:1,0,0 "
                    "5,6:2,0,2 5,7:2,0,2 5,8:2,0,2 5,9:2,0,2 6,5:1,0,2 6,7:1,0,2 6,8:1,0,2 "
                    "6,9:1,0,2 7,5:0,0,3 7,6:0,0,3 7,8:0,0,3 7,9:0,0,3 8,5:2,0,5 8,6:2,0,5 "
                    "8,7:0,0,4 8,9:2,0,5 9,5:2,0,6 9,6:1,0,5 9,7:2,0,6 9,8:2,0,6"}),
    "two_sat_two_gs_no_isl": (2, 3, [(0, 2, 100), (0, 3, 100), (1, 3, 100), (1, 4, 100)], {
        "without": f"0,2:2,0,0 0,3:3,1,0 0,4:{U} 1,2:{U} 1,3:3,1,0 1,4:4,2,0 2,3:0,0,0 "
                   f"2,4:{U} 3,2:0,0,1 3,4:1,0,1 4,2:{U} 4,3:1,0,2",
        "only_gs": "0,2:2,0,0 0,3:3,1,0 0,4:3,1,0 1,2:3,1,0 1,3:3,1,0 1,4:4,2,0 2,3:0,0,0 "
                   "2,4:0,0,0 3,2:0,0,1 3,4:1,0,1 4,2:1,0,2 4,3:1,0,2",
        "combined": "0,2:2,0,0 0,3:3,1,0 0,4:3,1,0 1,2:3,1,0 1,3:3,1,0 1,4:4,2,0 2,3:0,0,0 "
                    "2,4:0,0,0 3,2:0,0,1 3,4:1,0,1 4,2:1,0,2 4,3:1,0,2"}),
}  # fmt: skip


def _parse(text: str) -> dict[tuple[int, int], tuple[int, int, int]]:
    out = {}
    for item in text.split():
        key, val = item.split(":")
        a, b = (int(x) for x in key.split(","))
        out[(a, b)] = tuple(int(x) for x in val.split(","))
    return out


@pytest.mark.parametrize("variant", ["without", "only_gs", "combined"])
@pytest.mark.parametrize("case", list(CASES))
def test_satgenpy_fstate_calculation(case, variant):
    n_sat, n_gs, edges, expected = CASES[case]
    isl = [(a, b, w) for a, b, w in edges if a < n_sat and b < n_sat]
    gsl = [(max(a, b), min(a, b), w) for a, b, w in edges if a >= n_sat or b >= n_sat]
    if variant == "only_gs":
        isl = []
    isl_arr = np.array(isl, dtype=float).reshape(-1, 3)
    gsl_arr = np.array(gsl, dtype=float).reshape(-1, 3)
    rows = forwarding_state(
        n_sat,
        n_gs,
        (isl_arr[:, 0].astype(int), isl_arr[:, 1].astype(int), isl_arr[:, 2]),
        (gsl_arr[:, 0].astype(int), gsl_arr[:, 1].astype(int), gsl_arr[:, 2]),
        IslInterfaces.from_isls(isl_arr[:, :2].astype(int), n_sat),
        relay=variant != "without",
        gsl_if_per_ground_station=True,
    )
    got = {(r[0], r[1]): tuple(r[2:]) for r in rows.tolist()}
    want = _parse(expected[variant])
    assert {k: got.get(k) for k in want} == want
