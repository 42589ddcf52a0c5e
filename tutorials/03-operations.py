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
# # Tutorial 3 — Operations: eclipse-aware scheduling, a disaster, faults
#
# *For operators planning how an orbital compute fleet runs day to day.*
#
# The built-in story `disaster-resilience`: a hurricane takes down the fibre, the gateways and
# the data centre of the US Gulf Coast for 12 h (06:00–18:00 UTC). The 400 most populous cities
# of the Americas send LLM requests. The orbital design — Starlink shell 1 geometry (72 × 22 at
# 550 km, 1,584 satellites, +Grid ISLs), every satellite a Starcloud-like H100 node — keeps
# serving them through user terminals; the terrestrial cloud (regional sites of the Americas, one in the region, over fibre)
# cannot reach the region. Satellites fail at random, ISLs fail, radiation flips bits.
#
# We run it three times: as built in, with a scheduler that does not look ahead to eclipses,
# and with many more faults. To keep each run to a few seconds we change one thing in all three: the time step
# is 600 s instead of 120 s (`time.step_s`); the day, the fleet and the demand are unchanged.
# We also switch on the per-step spacecraft table (`outputs.sat_state`), and leave out the HTML
# report and the positions table (this notebook draws its own charts; `orbitcloud report FOLDER`
# writes the report of any results folder later).

# %%
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import orbitcloud
from orbitcloud.results.reader import Results

WORK = Path(tempfile.mkdtemp(prefix="orbitcloud-tutorial-3-"))  # results go here, not the repo


def disaster(out: str, **changes: object) -> Results:
    """Run the built-in disaster-resilience scenario at 600 s steps, with ``changes`` (dotted
    paths, as ``orbitcloud run --set`` takes them)."""
    overrides = {"time.step_s": 600, "outputs.sat_state": True, "outputs.report": False,
                 "outputs.positions": False, **changes}  # fmt: skip
    return orbitcloud.run("disaster-resilience", out=WORK / out, overrides=overrides)


res = disaster("energy-aware")
print(res.summary["operations"]["inference"]["answer"]["text"])

# %% [markdown]
# ## 1. The disaster: who is served in the Gulf Coast
#
# `requests` has one row per step, system (orbital or terrestrial), region and request class:
# how many requests arrived, how many were admitted to a server and how many dropped. The
# fraction admitted per step in the outage region, for both systems:

# %%
req = res.table("requests")
gulf = req[req["region"] == "Gulf Coast"].groupby(["time", "system"], observed=True)
served = (gulf["admitted"].sum() / gulf["requests"].sum()).unstack("system")

fig = go.Figure()
for system in served.columns:
    fig.add_trace(go.Scatter(x=served.index, y=served[system], name=system, mode="lines"))
fig.add_vrect(
    x0="2025-09-10T06:00:00Z",
    x1="2025-09-10T18:00:00Z",
    fillcolor="red",
    opacity=0.1,
    line_width=0,
    annotation_text="hurricane: fibre, gateways, data centre down",
)
fig.update_layout(
    title="Gulf Coast: fraction of requests served per step",
    yaxis_title="admitted fraction [0..1]",
    yaxis_range=[-0.05, 1.05],
    height=400,
)
fig.show()

rm = res.table("region_metrics")
gulf_during = rm[
    (rm["region"] == "Gulf Coast") & (rm["period"] == "during") & (rm["class"] == "all")
]
for row in gulf_during.itertuples():
    print(f"Gulf Coast during the outage, {row.system} served fraction: {row.served_fraction:.3f}")

# %% [markdown]
# What you see: the terrestrial system serves none of the region's requests while the fibre is
# down and everything before and after; the orbital system serves the region throughout, from
# satellites overhead and, over ISLs, from satellites farther away. `region_metrics` gives the
# same split by period (`before`, `during`, `after`) with latency percentiles.

# %%
cols = ["region", "system", "period", "served_fraction", "p50_ms", "p95_ms"]
print(
    rm[(rm["region"] == "Gulf Coast") & (rm["class"] == "all")][cols]
    .round(3)
    .to_string(index=False)
)

# %% [markdown]
# ## 2. Eclipse: what the fleet has to work with
#
# A third of every orbit is in the Earth's shadow. By default accelerators stop in eclipse
# (`scheduling.eclipse_compute: off`): the scheduler places no requests on a satellite in
# eclipse, and the spacecraft model's power budget draws only the chips' idle power there, so
# the scheduler and the battery agree. That is the "compute lost to eclipse". With
# `eclipse_compute: battery` the chips keep working from the battery, down to its
# depth-of-discharge floor. From `sat_state`,
# per step over the whole fleet: the fraction in eclipse, the share of satellites throttled, the
# mean battery charge and the mean delivered compute capacity.

# %%
ss = res.table(
    "sat_state",
    columns=["time", "eclipse", "battery_soc", "capacity", "throttled", "silent_errors"],
)
fleet = ss.groupby("time").agg(
    eclipse=("eclipse", "mean"),
    battery_soc=("battery_soc", "mean"),
    capacity=("capacity", "mean"),
    throttled=("throttled", "mean"),
)
fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
fig.add_trace(go.Scatter(x=fleet.index, y=fleet["eclipse"], name="in eclipse"), row=1, col=1)
fig.add_trace(go.Scatter(x=fleet.index, y=fleet["throttled"], name="throttled"), row=1, col=1)
fig.add_trace(
    go.Scatter(x=fleet.index, y=fleet["battery_soc"], name="battery charge (mean)"), row=2, col=1
)
fig.add_trace(
    go.Scatter(x=fleet.index, y=fleet["capacity"], name="compute capacity (mean)"), row=2, col=1
)
fig.update_yaxes(title_text="fraction of the fleet", row=1, col=1)
fig.update_yaxes(title_text="0..1", row=2, col=1)
fig.update_layout(height=550, title="The fleet through the day")
fig.show()
lost = res.summary["operations"]["compute_lost_fraction"]
print(f"fraction of the fleet in eclipse (mean): {fleet['eclipse'].mean():.3f}")
print(f"compute lost to eclipse: {lost['eclipse']:.3f}")

# %% [markdown]
# What you see: the fleet-wide eclipse fraction is steady (the shell is spread around the
# Earth), and so is the compute lost to it, about a third. The mean battery charge stays high
# and no satellite is throttled: with the chips idle in eclipse, this H100 node's array covers
# the chip and the bus over an orbit. Try `scheduling.eclipse_compute: battery` in `disaster()`
# below to see the battery work for the extra third of compute.
#
# ## 3. Eclipse-aware scheduling against the nearest server
#
# The built-in uses `scheduling.policy: energy-aware`: it prefers satellites that are sunlit,
# unthrottled, outside the South Atlantic Anomaly, above the battery floor and not entering
# eclipse within `eclipse_lookahead_s` (300 s); others carry a 3,000 km distance penalty. The
# `nearest` policy takes the closest capable satellite. A request queued on a satellite that
# stops computing (it entered eclipse) is dropped as `stranded`.

# %%
near = disaster("nearest", **{"scheduling.policy": "nearest"})


def operations_row(r: Results) -> dict:
    orbital = r.summary["operations"]["inference"]["systems"]["orbital"]
    answer = r.summary["operations"]["inference"]["answer"]["orbital"]
    return {
        "admitted fraction": answer["served_fraction"],
        "completed fraction": orbital["served"] / orbital["requests"],
        "p50 [ms]": answer["p50_ms"],
        "p95 [ms]": answer["p95_ms"],
        "dropped: stranded in eclipse": orbital["dropped"]["stranded"],
        "dropped: no capacity": orbital["dropped"]["capacity"],
        "dropped: no server": orbital["dropped"]["no_server"],
        "energy per token [J]": orbital["energy_per_token_j"],
    }


for name, r in (("energy-aware", res), ("nearest", near)):
    o = r.summary["operations"]["inference"]["systems"]["orbital"]
    print(
        f"{name} requests: {o['requests']}, served + queued + dropped: "
        f"{o['served'] + o['queued_at_end'] + o['dropped_total']}"
    )

policies = pd.DataFrame({"energy-aware": operations_row(res), "nearest": operations_row(near)}).T
print(policies.round(4).to_string())
for name, row in policies.iterrows():
    print(f"{name} orbital admitted fraction: {row['admitted fraction']:.5f}")
    print(f"{name} orbital completed fraction: {row['completed fraction']:.5f}")
    print(f"{name} requests stranded in eclipse: {row['dropped: stranded in eclipse']:.0f}")

fig = go.Figure(
    go.Bar(
        x=policies.index,
        y=policies["dropped: stranded in eclipse"],
        text=policies["dropped: stranded in eclipse"],
    )
)
fig.update_layout(
    title="Requests stranded in eclipse, per policy", yaxis_title="requests", height=350
)
fig.show()

# %% [markdown]
# What you see: the nearest policy strands many times more requests on satellites that go
# dark than the energy-aware one, which looks ahead to the eclipse; the price is a longer
# median path (farther satellites are chosen), so a higher p50. The p95 of both is dominated
# by batch requests queued through the eclipse.
#
# Read the two fractions carefully. The KPI `served_fraction` (in `region_metrics` and the
# report) is *admitted / requests*: a request admitted to a satellite that then enters eclipse
# counts as served there, although it is later dropped as stranded. `summary.json`'s
# `operations.inference.systems.orbital.served` counts requests that completed, so
# *completed fraction* = served / requests shows the difference between the policies: about
# 1.3 % of all requests are lost in eclipse under `nearest`. Every request is accounted for:
# requests = served + queued at the end + dropped (printed above for both runs).
#
# ## 4. Faults: failed satellites, failed links, radiation
#
# The built-in fails satellites at 0.05 per satellite-year (about one in 1,584 satellites per
# week, so none or one in a day), 2 % of the ISLs every hour, and the radiation model gives
# silent data errors and job restarts (`sat_state.silent_errors`, `job_restarts`). To see
# faults bite we take a much worse day: 150 satellites dead from the start
# (`satellite_failures: {count: 150}`) and 20 % of the ISLs down every hour.

# %%
worse = disaster(
    "many-faults",
    **{
        "events.1": {"kind": "satellite_failures", "count": 150},
        "events.2": {"kind": "isl_failures", "fraction": 0.2, "period_s": 3600},
    },
)
runs = {"built-in faults": res, "150 failed satellites, 20 % ISLs down": worse}
lost = pd.DataFrame({k: r.summary["operations"]["compute_lost_fraction"] for k, r in runs.items()})
print(lost.round(4).to_string())
fig = go.Figure()
for cause in lost.index:
    fig.add_trace(go.Bar(x=lost.columns, y=lost.loc[cause], name=cause))
fig.update_layout(
    barmode="stack",
    title="Fleet compute lost, by cause",
    yaxis_title="fraction of the fleet's compute",
    height=400,
)
fig.show()

n_sat = worse.kpis["satellites"]
print(f"satellites in the fleet: {n_sat}")
print(f"compute lost to failures with 150 failed: {lost.iloc[:, 1]['failures']:.4f}")
silent = int(ss["silent_errors"].sum())
print(f"silent data errors over the day (radiation): {silent}")
for name, r in runs.items():
    orbital = r.summary["operations"]["inference"]["systems"]["orbital"]
    p50_ms = r.summary["operations"]["inference"]["answer"]["orbital"]["p50_ms"]
    completed = orbital["served"] / orbital["requests"]
    print(f"{name}: orbital completed fraction {completed:.4f}, p50 {p50_ms:.1f} ms")

# %% [markdown]
# What you see: with 150 of 1,584 satellites dead, the compute lost to failures is their share
# of the fleet (150 / 1,584 ≈ 9.5 %); the compute lost to eclipse shrinks by a third of that,
# the eclipse share of the dead satellites, which have nothing left to lose. Requests still
# find a server: the dense shell has spare capacity (its accelerators are a few percent
# utilised) and paths route around failed links, at a slightly longer latency.
#
# Where to go next: `docs/scenario-operations.md` lists every workload, policy and event
# (gateway failures, solar storms); `docs/models-operations.md` the models and their sources.
# A policy of your own plugs in behind the same protocol (see `orbitcloud.scheduling`).
