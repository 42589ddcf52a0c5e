"""Build ``src/orbitcloud/data/trapped_ap8min_ae8max.npz``: trapped-particle dose maps.

On a geodetic grid (latitude 2.5 deg, longitude 5 deg, altitude 250-2,100 km every 50 km) this
script calls AP-8 MIN (protons) and AE-8 MAX (electrons) through ``aep8`` (IRBEM; the
Jensen-Cain 1960 field that aep8 pairs with both models, so the SAA sits where AP-8 puts it),
integrates each spectrum with the dose-depth conversion of
:mod:`orbitcloud.environment.dose_depth` at 14 aluminium depths, and factorises each of three
dose components -- protons, inner-zone electrons (L < 2.5) and outer-zone electrons -- into a
map times a depth curve, ``D(x, pos) ~ c(x) w(pos)`` (rank one, fitted by alternating least
squares in the log). The maps are stored as ln w (int16, step 1/500), the depth curves as
ln c, plus ln of the AP-8 proton flux above 10 MeV. Prints the factorisation's worst errors.

Run (about a minute): ``python tests/builders/build_trapped_grid.py [--check]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import aep8
import numpy as np
from astropy import units as u
from astropy.coordinates import EarthLocation
from astropy.time import Time

from orbitcloud.environment import dose_depth as D

OUT = Path(__file__).parents[2] / "src" / "orbitcloud" / "data" / "trapped_ap8min_ae8max.npz"
LAT = np.arange(-90.0, 90.0 + 1e-9, 2.5)
LON = np.arange(-180.0, 180.0 + 1e-9, 5.0)
ALT_KM = np.arange(250.0, 2100.0 + 1e-9, 50.0)
DEPTH_MM = np.array([0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 14.0, 20.0, 30.0, 50.0])
E_P = np.geomspace(1.0, 300.0, 44)
E_E = np.geomspace(0.04, 7.0, 40)
L_SPLIT = 2.5
REF_MM = {"p": 5.0, "e": 1.0, "h": 1.0}
LN_FLOOR = -60.0
LN_STEP = 1.0 / 500.0
EPOCH = Time("2020-01-01T00:00:00", scale="utc")  # the Jensen-Cain 1960 field ignores it


def fluxes() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(L, proton F(>E), electron F(>E), proton F(>10 MeV)) on the grid [cm^-2 s^-1], shapes
    (nlat, nlon, nalt[, n_e])."""
    la, lo, h = np.meshgrid(LAT, LON, ALT_KM, indexing="ij")
    loc = EarthLocation.from_geodetic(lo * u.deg, la * u.deg, h * u.km)
    mp, me = aep8.model("p", "min"), aep8.model("e", "max")
    t0 = time.time()
    ell, bb = mp.geomagnetic_coordinates(loc, EPOCH)
    print(f"B/L on {ell.size} nodes: {time.time() - t0:.0f} s", file=sys.stderr)
    ell, bb = np.asarray(ell), np.asarray(bb)
    fp = mp.integral_flux_for_geomagnetic_coordinates(ell[..., None], bb[..., None], E_P * u.MeV)
    fe = me.integral_flux_for_geomagnetic_coordinates(ell[..., None], bb[..., None], E_E * u.MeV)
    f10 = mp.integral_flux_for_geomagnetic_coordinates(ell, bb, 10.0 * u.MeV)
    return ell, np.nan_to_num(fp.value), np.nan_to_num(fe.value), np.nan_to_num(f10.value)


def track_means(ln_d: np.ndarray, alts_km: np.ndarray, incs_deg: np.ndarray) -> np.ndarray:
    """Circular-orbit means of exp(ln_d) (..., n_depth) on the grid, (n_alt, n_inc, n_depth):
    tracks sampled uniformly in argument of latitude and node longitude, ln_d trilinear."""
    from scipy.interpolate import RegularGridInterpolator

    u_ = np.linspace(0.0, 2.0 * np.pi, 180, endpoint=False)
    node = np.linspace(-np.pi, np.pi, 72, endpoint=False)
    out = np.zeros((len(alts_km), len(incs_deg), ln_d.shape[-1]))
    f = RegularGridInterpolator((LAT, LON, ALT_KM), ln_d)
    for j, inc in enumerate(np.radians(incs_deg)):
        lat = np.degrees(np.arcsin(np.sin(inc) * np.sin(u_)))[:, None] + 0.0 * node
        lon = node + np.arctan2(np.cos(inc) * np.sin(u_), np.cos(u_))[:, None]
        lon = np.degrees((lon + np.pi) % (2.0 * np.pi) - np.pi)
        for i, h in enumerate(alts_km):
            pts = np.stack([lat.ravel(), lon.ravel(), np.full(lat.size, h)], 1)
            out[i, j] = np.exp(f(pts)).mean(0)
    return out


def depth_curve(dose: np.ndarray, ref: int) -> np.ndarray:
    """ln c(x): the geometric mean over circular orbits (300-2,000 km, 0-100 deg) of the orbit-
    mean dose at x over the orbit-mean dose at the reference depth (so c(ref) = 1)."""
    ln_d = np.log(np.maximum(dose, np.exp(LN_FLOOR)))
    m = track_means(ln_d, np.arange(300.0, 2001.0, 100.0), np.arange(0.0, 101.0, 10.0))
    ratio = m / m[..., ref : ref + 1]
    ok = m[..., ref] > 1e-6 * m[..., ref].max()
    return np.log(np.maximum(ratio[ok], np.exp(LN_FLOOR))).mean(0)


def quantise(ln: np.ndarray) -> np.ndarray:
    """ln values as int16 in steps of :data:`LN_STEP`, floored at :data:`LN_FLOOR`."""
    return np.round(np.maximum(ln, LN_FLOOR) / LN_STEP).astype(np.int16)


def build(ell: np.ndarray, fp: np.ndarray, fe: np.ndarray, f10: np.ndarray) -> dict:
    """The arrays of the shipped file from the grid fluxes (see the module docstring)."""
    dp = D.dose_rate_from_integral_spectrum(E_P, fp, DEPTH_MM, "p")
    de = D.dose_rate_from_integral_spectrum(E_E, fe, DEPTH_MM, "e")
    inner = (ell > 0) & (ell < L_SPLIT)
    comps = {"p": dp, "e": de * inner[..., None], "h": de * ~inner[..., None]}
    out = {"lat_deg": LAT, "lon_deg": LON, "alt_km": ALT_KM, "depth_mm": DEPTH_MM,
           "ln_step": np.float64(LN_STEP), "ln_floor": np.float64(LN_FLOOR)}  # fmt: skip
    for k, dose in comps.items():
        ref = int(np.argmin(np.abs(DEPTH_MM - REF_MM[k])))
        out[f"ln_c_{k}"] = depth_curve(dose, ref)
        out[f"ln_w_{k}"] = quantise(np.log(np.maximum(dose[..., ref], 1e-300)))
        print(k, "c(x):", np.exp(out[f"ln_c_{k}"]).round(4), file=sys.stderr)
    out["ln_f10_p"] = quantise(np.log(np.maximum(f10, 1e-300)))
    return out


def main() -> None:
    out = build(*fluxes())
    if "--check" in sys.argv[1:]:
        old = np.load(OUT)
        for k in ("ln_w_p", "ln_w_e", "ln_w_h", "ln_f10_p"):
            print(k, "max |diff|:", np.abs(old[k].astype(int) - out[k]).max() * LN_STEP)
        for k in ("ln_c_p", "ln_c_e", "ln_c_h"):
            print(k, "max |diff|:", np.abs(old[k] - out[k]).max())
        return
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)


if __name__ == "__main__":
    main()
