"""Build src/orbitcloud/data/ground_solar_yield.csv: annual yield of a ground PV array (pvlib).

Run: ``python3.11 tests/builders/build_ground_solar.py`` (needs the ``test`` extra: pvlib).

Weather: the TMY files pvlib ships (TMY3: Greensboro NC 723170, Sand Point AK 703165;
TMY2: Miami FL 12839), hourly, stamps at the end of the hour (solar position taken at mid-hour).

Model chain (pvlib 0.16, Holmgren et al. 2018, JOSS 3(29) 884, doi:10.21105/joss.00884):
1. solar position: NREL SPA (Reda & Andreas 2004), ``pvlib.solarposition.get_solarposition``;
2. mounts: fixed tilt = |latitude| facing the equator; horizontal N-S single-axis tracker,
   +-60 deg, backtracking, GCR 0.35 (Marion & Dobos 2013, NREL/TP-6A20-58891);
3. transposition: Perez et al. (1990), Solar Energy 44(5) 271, ground albedo 0.2 (as PVWatts v5);
4. angle of incidence loss: physical (Fresnel + absorption in the glass cover, De Soto et al.
   2006, Solar Energy 80(1) 78), as PVWatts v5;
5. cell temperature: SAPM open-rack glass/glass (King et al. 2004, SAND2004-3535);
6. DC power: PVWatts, gamma = -0.0037 /K (Dobos 2014, NREL/TP-6A20-62641), normalised to STC,
   so the yield is kWh per m^2 of array at STC efficiency (= kWh/kWp) and no inverter/wiring loss.
capacity factor = yield / (1 kW/m^2 x 8,760 h).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

DATA = Path(pvlib.__file__).parent / "data"
OUT = Path(__file__).resolve().parents[2] / "src" / "orbitcloud" / "data" / "ground_solar_yield.csv"
SITES = {  # site key: (file, reader)
    "greensboro_nc": ("723170TYA.CSV", "tmy3"),
    "miami_fl": ("12839.tm2", "tmy2"),
    "sand_point_ak": ("703165TY.csv", "tmy3"),
}
GAMMA_PER_K = -0.0037
ALBEDO = 0.2
TRANSPOSITION = "perez"
"""Measured choice sensitivity: Hay-Davies + ASHRAE (b0 0.05) gives 3-4 % lower yields here."""


def read_weather(name: str, kind: str) -> tuple[pd.DataFrame, float, float]:
    """Hourly ghi, dni, dhi [W/m^2], temp_air [C], wind_speed [m/s]; lat, lon [deg]."""
    path = DATA / name
    if kind == "tmy3":
        df, meta = pvlib.iotools.read_tmy3(path, coerce_year=1990, map_variables=True)
    else:
        raw, meta = pvlib.iotools.read_tmy2(path)
        df = pd.DataFrame(
            {
                "ghi": raw["GHI"],
                "dni": raw["DNI"],
                "dhi": raw["DHI"],
                "temp_air": raw["DryBulb"] / 10.0,
                "wind_speed": raw["Wspd"] / 10.0,
            }
        )  # fmt: skip  (TMY2 stores tenths of a degree and of m/s)
    cols = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
    return df[cols].astype(float), float(meta["latitude"]), float(meta["longitude"])


def annual_yield_kwh_m2(df: pd.DataFrame, lat: float, lon: float, mount: str) -> float:
    """STC-normalised annual DC yield [kWh/m^2 of array] (== kWh/kWp) of one mount."""
    times = df.index - pd.Timedelta(minutes=30)
    sp = pvlib.solarposition.get_solarposition(times, lat, lon)
    zen, azi = sp["apparent_zenith"].to_numpy(), sp["azimuth"].to_numpy()
    if mount == "fixed_tilt":
        tilt = np.full(len(df), abs(lat))
        az = np.full(len(df), 180.0 if lat >= 0 else 0.0)
    else:
        tr = pvlib.tracking.singleaxis(zen, azi, axis_tilt=0, axis_azimuth=180, max_angle=60,
                                       backtrack=True, gcr=0.35)  # fmt: skip
        tilt = np.nan_to_num(np.asarray(tr["surface_tilt"], dtype=float))
        az = np.nan_to_num(np.asarray(tr["surface_azimuth"], dtype=float), nan=180.0)
    dni_extra = pvlib.irradiance.get_extra_radiation(times).to_numpy()
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, az, zen, azi, df["dni"].to_numpy(), df["ghi"].to_numpy(), df["dhi"].to_numpy(),
        dni_extra=dni_extra, albedo=ALBEDO, model=TRANSPOSITION,
        airmass=pvlib.atmosphere.get_relative_airmass(zen),
    )  # fmt: skip
    aoi = pvlib.irradiance.aoi(tilt, az, zen, azi)
    iam = pvlib.iam.physical(aoi) if TRANSPOSITION == "perez" else pvlib.iam.ashrae(aoi, b=0.05)
    beam = np.nan_to_num(np.asarray(poa["poa_direct"])) * np.nan_to_num(iam)
    diffuse = np.nan_to_num(np.asarray(poa["poa_diffuse"]))
    eff = np.clip(beam + diffuse, 0.0, None)
    par = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"]
    t_cell = pvlib.temperature.sapm_cell(np.nan_to_num(np.asarray(poa["poa_global"])),
                                         df["temp_air"].to_numpy(), df["wind_speed"].to_numpy(),
                                         **par)  # fmt: skip
    p_dc = pvlib.pvsystem.pvwatts_dc(eff, t_cell, pdc0=1.0, gamma_pdc=GAMMA_PER_K)  # kW per kWp
    return float(np.sum(np.clip(p_dc, 0.0, None)))  # hourly steps: kWh per kWp per year


def main() -> None:
    rows = []
    for site, (name, kind) in SITES.items():
        df, lat, lon = read_weather(name, kind)
        for mount in ("fixed_tilt", "single_axis"):
            y = annual_yield_kwh_m2(df, lat, lon, mount)
            rows.append([site, f"{lat:.3f}", f"{lon:.3f}", name, mount, f"{y:.1f}",
                         f"{y / 8760.0:.4f}"])  # fmt: skip
    with OUT.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["site", "lat_deg", "lon_deg", "source_file", "mount",
                    "annual_kwh_per_m2", "capacity_factor"])  # fmt: skip
        w.writerows(rows)
    print(OUT.read_text())


if __name__ == "__main__":
    main()
