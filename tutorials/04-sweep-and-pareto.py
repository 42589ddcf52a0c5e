# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Tutorial 4 — A sweep and its Pareto front
#
# *For anyone choosing among designs: which altitude and inclination for a compute shell?*
#
# Higher orbits spend less of each revolution in the Earth's shadow, so a satellite computes
# more hours on the same array and battery. But they sit deeper in the inner radiation belt, so
# the electronics take more dose per year and wear out sooner. No single design wins on both;
# the **Pareto front** is the set of designs that no other design beats on both at once.
#
# We sweep a 12 × 12 Walker shell of Starcloud-like H100 satellites over seven altitudes and
# two inclinations (14 points), 6 h at 60 s each, on a local Dask cluster of two worker
# processes, then read the sweep's table, find the front, and look at one point's results. The
# whole sweep takes a few tens of seconds here.
#
# The same sweep could be a YAML file run with `orbitcloud sweep FILE` (see
# `examples/sweep-altitude.yaml` and `docs/sweeps.md`); here it is a Python dict passed to
# `plan_sweep`, so you can change it in the notebook.

# %%
import tempfile
from pathlib import Path

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

import orbitcloud
from orbitcloud.sweep import pareto_front, plan_sweep, run_sweep

WORK = Path(tempfile.mkdtemp(prefix="orbitcloud-tutorial-4-"))  # results go here, not the repo

ALT = "constellations.0.walker.altitude_km"
INC = "constellations.0.walker.inclination_deg"
spec = {
    "name": "shell-altitude",
    "description": "A 12x12 H100 shell: sunlight against radiation dose",
    "base": {  # a whole scenario, inline
        "name": "h100-shell",
        "seed": 1,
        "time": {"start": "2025-06-21T00:00:00Z", "duration_h": 6, "step_s": 60},
        "constellations": [
            {
                "name": "shell",
                "walker": {
                    "planes": 12,
                    "sats_per_plane": 12,
                    "altitude_km": 550,
                    "inclination_deg": 53,
                    "phase_factor": 1,
                },
                "spacecraft": {"preset": "starcloud-h100"},
            }
        ],
        "outputs": {"positions": False, "report": False},
    },
    "parameters": {
        ALT: [500, 550, 600, 700, 800, 1000, 1200],
        INC: [53, 97.6],
    },
    "report": {
        "pareto": {
            "x": {"name": "dose_rad_per_year", "goal": "min"},
            "y": {"name": "sunlit_fraction_mean", "goal": "max"},
        }
    },
}
plan = plan_sweep(spec)  # every point's scenario is built and validated here, before any run
print(f"{len(plan.points)} points, parameters: {', '.join(plan.parameter_names)}")

# %% [markdown]
# ## Run it on a local Dask cluster
#
# `run_sweep` starts a local cluster of `workers` single-threaded processes (SGP4 holds the
# GIL, so processes, not threads), runs every point that has no results yet, and writes the
# sweep folder: one ordinary results folder per point (named by the hash of its scenario), the
# table `sweep.parquet` (one row per point: parameters, status, every KPI) and
# `sweep_report.html`. To use a cluster you already have, pass `scheduler="tcp://host:8786"`.

# %%
outcome = run_sweep(plan, WORK / "shell-altitude", workers=2)
print(f"computed: {outcome.computed}, reused: {outcome.reused}, failed: {len(outcome.failed)}")
print(f"wall time: {outcome.seconds:.1f} s ({outcome.cluster})")
print("sweep report:", outcome.report_path)

sweep = pd.read_parquet(outcome.table_path)
cols = [ALT, INC, "sunlit_fraction_mean", "dose_rad_per_year", "orbit_average_power_w"]
print(sweep[cols].round(3).to_string(index=False))

# %% [markdown]
# ## The Pareto front
#
# `pareto_front(x, y, x_goal, y_goal)` returns a mask of the points no other point beats on
# both objectives (Kung, Luccio and Preparata 1975). Dose per year is to be minimised, the
# sunlit fraction maximised.

# %%
front = pareto_front(
    sweep["dose_rad_per_year"].to_numpy(),
    sweep["sunlit_fraction_mean"].to_numpy(),
    x_goal="min",
    y_goal="max",
)
sweep["on_front"] = front
sweep["design"] = sweep[ALT].astype(str) + " km, " + sweep[INC].astype(str) + "°"

fig = px.scatter(
    sweep,
    x="dose_rad_per_year",
    y="sunlit_fraction_mean",
    color=sweep[INC].astype(str) + "°",
    symbol="on_front",
    text=ALT,
    labels={
        "dose_rad_per_year": "dose behind the shield [rad(Si) per year]",
        "sunlit_fraction_mean": "sunlit fraction [0..1]",
        "color": "inclination",
    },
    title="Sunlight against radiation dose (labels: altitude in km)",
    height=500,
)
on = sweep[front].sort_values("dose_rad_per_year")
fig.add_trace(
    go.Scatter(
        x=on["dose_rad_per_year"],
        y=on["sunlit_fraction_mean"],
        mode="lines",
        name="Pareto front",
        line={"dash": "dot", "color": "black"},
    )
)
fig.update_traces(textposition="top center", selector={"mode": "markers+text"})
fig.show()

named = sweep.rename(columns={ALT: "altitude_km", INC: "inclination_deg"})
for row in named.itertuples():
    print(
        f"point {row.point}: altitude_km={row.altitude_km}, inclination_deg={row.inclination_deg}, "
        f"sunlit={row.sunlit_fraction_mean:.5f}, dose={row.dose_rad_per_year:.3f}, "
        f"front={row.on_front}"
    )

# %% [markdown]
# What you see: at each inclination, climbing from 500 km to 1,200 km puts about a tenth more
# of each orbit in sunlight (from 0.69-0.70 to 0.78-0.81) and costs about ten times the dose.
# The polar shell (97.6°) sees a little more sun at every altitude; up to 800 km it pays with
# more dose, but from 1,000 km it takes *less* dose than the 53° shell, which spends more of
# each orbit at the low latitudes where the inner belt lies, so the 53° designs at 1,000 and
# 1,200 km drop off the front. The front is the designs worth considering; a design off it
# (another has more sun *and* less dose) can go. Which point on the front to pick depends on
# what a rad is worth to you: the accelerators' total-dose tolerance and the mission's life
# (`docs/models-spacecraft.md`).
#
# ## Look inside two points
#
# Every point is an ordinary results folder: open it with `orbitcloud.load_results` and read
# its tables like any run. Here, the two ends of the front: the dose rate behind the shield of
# one satellite of each over the 6 hours. The spikes are passes through the South Atlantic
# Anomaly (and, on the polar orbit, the outer belt's horns at high latitude).

# %%
fig = go.Figure()
for label, row in (("least dose", on.iloc[0]), ("most sun", on.iloc[-1])):
    point = orbitcloud.load_results(outcome.out / row["folder"])
    state = point.table("sat_state", columns=["time", "sat", "dose_rate_rad_s"])
    sat0 = state[state["sat"] == 0]
    name = f"{label}: {row['design']}"
    fig.add_trace(go.Scatter(x=sat0["time"], y=sat0["dose_rate_rad_s"], mode="lines", name=name))
    print(f"{name}: mean dose rate of satellite 0 {sat0['dose_rate_rad_s'].mean():.2e} rad/s")
fig.update_layout(
    title="Dose rate behind the shield, satellite 0 of each design",
    yaxis_title="dose rate [rad(Si)/s]",
    yaxis_type="log",
    height=400,
)
fig.show()

# %% [markdown]
# ## Rerun = resume
#
# The sweep folder is the sweep's state: running the same plan again finds every point's
# complete results and computes nothing. Add a value to a parameter list and only the new
# points run.

# %%
again = run_sweep(plan, WORK / "shell-altitude", workers=2)
print(f"second run computed: {again.computed}, reused: {again.reused}")

# %% [markdown]
# Where to go next: `docs/sweeps.md` (grids, zipped lists, Latin-hypercube samples, remote
# clusters, what survives a crash); the sweep report (`sweep_report.html`, opens offline)
# plots every KPI against every swept parameter.
