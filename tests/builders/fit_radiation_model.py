"""Fit the trapped-radiation maps and depth-dose tables of ``orbitcloud.environment.radiation``.

Reads ``tests/environment/data/spenvis_shieldose2_550km.csv`` (SPENVIS SHIELDOSE-2 at 550 km,
inclinations 0-100 deg) and prints the constants pasted into ``radiation.py``:

1. the proton SAA latitude centre/width, fitted to the 10 mm (proton-only) doses over
   inclinations 10-100 deg (ln residuals);
2. the inner-belt electron SAA latitude centre/width and the horn L0, sigma_ln_L, fitted to the
   electron (+ bremsstrahlung) doses at 0.2, 1, 2 and 5 mm with non-negative per-depth
   amplitudes;
3. per-depth amplitudes (rad per 1,825 days per unit orbit-mean weight) at every tabulated depth.

The SAA longitude centre and width are fixed (orbit averages cannot constrain them).
Run: ``python tests/builders/fit_radiation_model.py``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares, nnls

from orbitcloud.environment import radiation as R

DATA = Path(__file__).parents[1] / "environment" / "data" / "spenvis_shieldose2_550km.csv"
ALT_M = R.REFERENCE_ALTITUDE_KM * 1000.0


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    with DATA.open() as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    incs = np.unique([float(r["inclination_deg"]) for r in rows])
    deps = np.unique([float(r["depth_mm"]) for r in rows])
    e = np.zeros((len(incs), len(deps)))
    p = np.zeros_like(e)
    for r in rows:
        i = np.searchsorted(incs, float(r["inclination_deg"]))
        j = np.searchsorted(deps, float(r["depth_mm"]))
        e[i, j] = float(r["electrons_rad"]) + float(r["bremsstrahlung_rad"])
        p[i, j] = float(r["protons_rad"])
    return incs, deps, e, p


def main() -> None:
    incs, deps, e, p = load()
    tracks = {i: R.circular_track_samples(i) for i in incs}
    ok = incs >= 10

    def w_saa(lat0: float, sig: float) -> np.ndarray:
        return np.array([R.saa_weight(*tracks[i], lat0, sig).mean() for i in incs])

    def w_horn(l0: float, s: float) -> np.ndarray:
        old = R.HORN_L0, R.HORN_SIGMA_LN_L
        R.HORN_L0, R.HORN_SIGMA_LN_L = l0, s
        try:
            return np.array([R.horn_weight(*tracks[i], ALT_M).mean() for i in incs])
        finally:
            R.HORN_L0, R.HORN_SIGMA_LN_L = old

    j10 = list(deps).index(10.0)

    def res_p(q: np.ndarray) -> np.ndarray:
        w = w_saa(*q)[ok]
        amp = np.exp(np.mean(np.log(p[ok, j10]) - np.log(w)))
        return np.log(amp * w) - np.log(p[ok, j10])

    fp = least_squares(res_p, [-26.0, 10.0], bounds=([-60, 2], [10, 40])).x
    wp = w_saa(*fp)
    js = [list(deps).index(x) for x in (0.2, 1.0, 2.0, 5.0)]

    def amps(ws: np.ndarray, wh: np.ndarray, j: int) -> np.ndarray:
        m = np.stack([ws, wh], 1)[ok] / e[ok, j][:, None]
        return nnls(m, np.ones(ok.sum()))[0]

    def res_e(q: np.ndarray) -> np.ndarray:
        ws, wh = w_saa(q[0], q[1]), w_horn(q[2], q[3])
        out = []
        for j in js:
            c = amps(ws, wh, j)
            out.append(np.log(np.stack([ws, wh], 1)[ok] @ c + 1e-30) - np.log(e[ok, j]))
        return np.concatenate(out)

    fe = least_squares(res_e, [-30, 8, 4.5, 0.3], bounds=([-60, 2, 2, 0.05], [10, 40, 10, 1.5])).x
    ws, wh = w_saa(fe[0], fe[1]), w_horn(fe[2], fe[3])
    cp, ces, ceh = [], [], []
    for j in range(len(deps)):
        cp.append(np.exp(np.mean(np.log(p[ok, j]) - np.log(wp[ok]))))
        c = amps(ws, wh, j)
        ces.append(c[0])
        ceh.append(c[1])
    print(f"SAA_PROTON_LAT_DEG = {fp[0]:.2f}\nSAA_PROTON_LAT_SIGMA_DEG = {fp[1]:.3f}")
    print(f"SAA_ELECTRON_LAT_DEG = {fe[0]:.2f}\nSAA_ELECTRON_LAT_SIGMA_DEG = {fe[1]:.3f}")
    print(f"HORN_L0 = {fe[2]:.3f}\nHORN_SIGMA_LN_L = {fe[3]:.4f}")
    print("DEPTH_MM =", list(deps))
    for name, v in (("PROTON_RAD", cp), ("ELECTRON_SAA_RAD", ces), ("ELECTRON_HORN_RAD", ceh)):
        print(f"{name} = [" + ", ".join(f"{x:.7g}" for x in v) + "]")


if __name__ == "__main__":
    main()
