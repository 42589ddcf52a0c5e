"""A storm with ``ap`` raises the NRLMSIS density inside its window only (more drag)."""

from __future__ import annotations

import numpy as np
import pymsis

from orbitcloud.results.api import run

SCENARIO = {
    "name": "storm-drag",
    "seed": 1,
    "time": {"start": "2025-01-01T00:00:00Z", "duration_h": 3, "step_s": 300},
    "environment": {
        "f107": 150,
        "f107a": 150,
        "ap": 15,
        "atmosphere_method": "direct",
        "storms": [{"start": "2025-01-01T01:00:00Z", "end": "2025-01-01T02:00:00Z", "ap": 200}],
    },
    "constellations": [
        {
            "name": "s",
            "walker": {"planes": 1, "sats_per_plane": 3, "altitude_km": 550, "inclination_deg": 53},
        }
    ],
    "outputs": {"report": False},
}


def test_storm_ap_raises_density_inside_the_window_only(tmp_path):
    df = run(SCENARIO, out=tmp_path / "r").table("sat_state")
    t = df.time.dt.tz_convert(None)
    inside = (t >= np.datetime64("2025-01-01T01:00")) & (t < np.datetime64("2025-01-01T02:00"))
    quiet = df.density_kg_m3[~inside].mean()
    storm = df.density_kg_m3[inside].mean()
    # NRLMSIS at 550 km: Ap 200 vs 15 gives roughly 1.5-3x the density (thermosphere heating)
    assert 1.3 < storm / quiet < 4.0
    # wiring: one storm row against pymsis called directly with the storm's Ap
    pos = run(SCENARIO, out=tmp_path / "r2").table("positions")
    row = df[inside].iloc[0]
    p = pos[(pos.time == row.time) & (pos.sat == row.sat)].iloc[0]
    out = pymsis.calculate(
        np.array([row.time.tz_convert(None).to_datetime64()]), p.lon_deg, p.lat_deg, p.alt_km,
        f107s=[150.0], f107as=[150.0], aps=[[200.0] * 7], version=2.1,
    )  # fmt: skip
    rho_ref = float(np.squeeze(out)[pymsis.Variable.MASS_DENSITY])
    # positions are float32 (lat/lon/alt to ~1 m), so compare at 1e-3 rather than 1e-6
    np.testing.assert_allclose(row.density_kg_m3, rho_ref, rtol=1e-3)
