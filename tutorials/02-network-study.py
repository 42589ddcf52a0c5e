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
# # Tutorial 2 — A network study: RTTs, path changes and capacity
#
# *For network and systems researchers used to Hypatia, StarryNet or Celestial.*
#
# Part A reproduces Hypatia's own test case exactly: the Kuiper K1 shell (34 × 34 at 630 km),
# +Grid inter-satellite links, and the round-trip time (RTT) between Manila and Dalian every
# 100 ms for 200 s (`examples/kuiper-hypatia.yaml`, unchanged). We compare it with the numbers
# Hypatia's satgenpy tests expect.
#
# Part B widens the study to six cities of Asia and Oceania, every pair of them, for 10 minutes
# at 1 s steps (shortened from what a real study would run, to keep this notebook under a
# minute), with a capacity analysis: every pair offers 20 Gbit/s and the network allocates
# rates max-min fair on shortest paths.
#
# Each run takes a few seconds.

# %%
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

import orbitcloud


def find_example(name: str) -> Path:
    """``examples/<name>`` of the orbitcloud checkout this notebook sits in."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / "examples" / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"examples/{name}: open this notebook from the orbitcloud checkout")


WORK = Path(tempfile.mkdtemp(prefix="orbitcloud-tutorial-2-"))  # results go here, not the repo

# %% [markdown]
# ## Part A — Hypatia's Manila → Dalian case
#
# The example uses Hypatia's conventions on purpose: the shell's satellites are laid out as
# satgenpy lays them out (`layout: hypatia`, mean motion 14.80 rev/day), the ground-link rule is
# a maximum slant range of 1,260 km, and ground stations may not relay traffic. `routes` gets one
# row per step and pair: the RTT, the hops, the path (node ids) and whether the path changed.

# %%
res = orbitcloud.run(find_example("kuiper-hypatia.yaml"), out=WORK / "kuiper-hypatia")
routes = res.table("routes")
t_s = (routes["time"] - routes["time"].iloc[0]).dt.total_seconds()
changes = t_s[routes["path_changed"]].to_numpy()

fig = go.Figure(go.Scatter(x=t_s, y=routes["rtt_ms"], name="RTT", mode="lines"))
for t in changes:
    fig.add_vline(x=t, line_dash="dot", line_color="grey")
fig.update_layout(
    title="Manila → Dalian over Kuiper K1 (dotted: path changes)",
    xaxis_title="time since start [s]",
    yaxis_title="round-trip time [ms]",
    height=400,
)
fig.show()

# %% [markdown]
# What you see: the RTT drifts smoothly while the path stays the same (the satellites move, so
# the links stretch or shrink) and jumps when the shortest path switches to other satellites.
#
# Hypatia's satgenpy checks its own pipeline against a file of expected values for this very
# case (`satgenpy/tests/data_to_match/kuiper_630/networkx_rtt_1173_to_1241.txt` and
# `test_end_to_end_kuiper_duo.py` in snkas/hypatia). The table puts orbitcloud's numbers next
# to those.

# %%
hypatia = {
    "RTT at t = 0 [ms]": 29.42314,
    "RTT at t = 100 s [ms]": 42.77663,
    "RTT at t = 190 s [ms]": 41.38011,
    "minimum RTT [ms]": 25.230,
    "maximum RTT [ms]": 48.165,
}


def rtt_at(seconds: float) -> float:
    return float(routes["rtt_ms"][(t_s - seconds).abs().idxmin()])


ours = {
    "RTT at t = 0 [ms]": rtt_at(0),
    "RTT at t = 100 s [ms]": rtt_at(100),
    "RTT at t = 190 s [ms]": rtt_at(190),
    "minimum RTT [ms]": float(routes["rtt_ms"].min()),
    "maximum RTT [ms]": float(routes["rtt_ms"].max()),
}
check = pd.DataFrame({"orbitcloud": ours, "Hypatia (satgenpy tests)": hypatia})
check["difference [ms]"] = check["orbitcloud"] - check["Hypatia (satgenpy tests)"]
print(check.round(5).to_string())
for label, value in ours.items():
    print(f"orbitcloud {label}: {value:.5f}")
print("path changes at [s]:", ", ".join(f"{t:.1f}" for t in changes))
print("Hypatia's path changes at [s]: 18.0, 27.6, 74.3, 125.9, 128.7")

# %% [markdown]
# The RTTs agree to well under a microsecond and the five path changes fall at the same
# tenths of a second: orbitcloud computes the same satellite-network state as Hypatia (its
# positions, link rule and shortest paths), from one vectorised propagation over all
# satellites.

# %% [markdown]
# ## Part B — Six cities, every pair, and capacity
#
# We change the example through dotted paths: six endpoints, `network.routes: all` (every
# unordered pair), and `network.traffic`, which at every 60th step offers 20 Gbit/s per pair
# and allocates rates max-min fair on the shortest paths, with the max-flow bound of the
# network. The run is 600 s at 1 s steps. `terrestrial_rtt_ms` is the fibre RTT over the great
# circle (× `network.terrestrial.path_stretch`, 1 here) at c / 1.47.

# %%
CITIES = {  # name: (lat, lon) [deg]
    "Manila": (14.6042, 120.9822),
    "Dalian": (38.913811, 121.602322),
    "Tokyo": (35.6895, 139.6917),
    "Singapore": (1.3521, 103.8198),
    "Sydney": (-33.8688, 151.2093),
    "Mumbai": (19.0760, 72.8777),
}
study = orbitcloud.run(
    find_example("kuiper-hypatia.yaml"),
    out=WORK / "kuiper-six-cities",
    overrides={
        "name": "kuiper-six-cities",
        "time.duration_s": 600,
        "time.step_s": 1,
        "ground.endpoints": [
            {"name": n, "lat_deg": lat, "lon_deg": lon} for n, (lat, lon) in CITIES.items()
        ],
        "network.routes": "all",
        "network.traffic": {"pairs": "all", "demand_gbps": 20, "every_steps": 60},
        "outputs.sat_state": False,  # no per-step spacecraft table: not studied here
    },
)

pairs = (
    study.table("routes")
    .groupby(["src", "dst"], observed=True)
    .agg(
        rtt_min_ms=("rtt_ms", "min"),
        rtt_mean_ms=("rtt_ms", "mean"),
        rtt_max_ms=("rtt_ms", "max"),
        fibre_rtt_ms=("terrestrial_rtt_ms", "first"),
        path_changes=("path_changed", "sum"),
        hops_mean=("hops", "mean"),
    )
    .reset_index()
)
print(pairs.round(2).to_string(index=False))
for row in pairs.itertuples():
    print(f"minimum RTT {row.src}-{row.dst}: {row.rtt_min_ms:.3f} ms")

# %% [markdown]
# ### Is space faster than fibre?
#
# Light in fibre travels at c / 1.47, in vacuum at c, but the satellite path climbs to 630 km,
# zig-zags along the +Grid and comes down again. For each pair, the mean satellite RTT against
# the fibre RTT over the great circle; points below the diagonal are faster through space. Real
# fibre routes are longer than the great circle (`path_stretch` 1.5 is typical), which moves
# every fibre point to the right.

# %%
pairs["label"] = pairs["src"].astype(str) + "–" + pairs["dst"].astype(str)
top = float(max(pairs["fibre_rtt_ms"].max(), pairs["rtt_mean_ms"].max())) * 1.05
fig = go.Figure()
fig.add_trace(go.Scatter(x=[0, top], y=[0, top], mode="lines", name="equal", line={"dash": "dot"}))
fig.add_trace(
    go.Scatter(
        x=pairs["fibre_rtt_ms"],
        y=pairs["rtt_mean_ms"],
        mode="markers+text",
        text=pairs["label"],
        textposition="top center",
        name="pairs",
    )
)
fig.update_layout(
    xaxis_title="fibre RTT over the great circle [ms]",
    yaxis_title="satellite RTT, mean over 10 min [ms]",
    height=500,
    title="Satellite vs fibre round trip",
)
fig.show()
kpis = study.kpis
print(f"fraction of pair-steps faster than fibre: {kpis['network_faster_than_fibre_fraction']:.3f}")
print(f"path changes over 10 min, all pairs: {kpis['network_path_changes']}")

# %% [markdown]
# What you see: long pairs that run east-west or diagonally (Sydney–Mumbai, Manila–Mumbai,
# Tokyo–Mumbai) win by several milliseconds even against a straight fibre. North-south pairs
# (Tokyo–Sydney, Dalian–Sydney, Dalian–Singapore) are slower: the +Grid's links run along the
# inclined orbits and across them, so a path due south zig-zags. Each pair changes path every
# 20-70 s.
#
# ### Capacity: who gets how much
#
# `flows` has one row per traffic step and pair: demand, the max-min fair allocation, and the
# network's max-flow bound. The ground links (20 Gbit/s each, the default Ka-band rate) are
# the bottleneck here, not the 100 Gbit/s ISLs: `summary.json` lists the links that most often
# limited a flow (node ids above the last satellite are ground endpoints, `ground.node`).

# %%
flows = study.table("flows")
flows["pair"] = flows["src"].astype(str) + "–" + flows["dst"].astype(str)
served = flows.groupby("pair")[["allocated_bps", "demand_bps"]].mean()
served = served.sort_values("allocated_bps")
fig = go.Figure()
fig.add_trace(go.Bar(y=served.index, x=served["demand_bps"] / 1e9, orientation="h", name="demand"))
fig.add_trace(
    go.Bar(y=served.index, x=served["allocated_bps"] / 1e9, orientation="h", name="allocated")
)
fig.update_layout(
    barmode="overlay",
    xaxis_title="rate [Gbit/s], mean over traffic steps",
    height=500,
    title="Max-min fair allocation per pair",
)
fig.show()

n_sat = study.kpis["satellites"]
ground_names = study.table("ground").set_index("node")["name"]
for link in study.summary["network"]["bottleneck_links"][:5]:
    a, b = link["a"], link["b"]
    name = f"satellite {a} – {ground_names[b]}" if b >= n_sat else f"ISL {a} – {b}"
    print(f"bottleneck: {name} ({link['steps']} traffic steps)")
print(f"throughput fraction (allocated / demand): {kpis['network_throughput_fraction']:.3f}")
print(f"mean ISL utilisation: {kpis['network_isl_utilisation_mean']:.4f}")
print(f"max-flow bound, mean: {kpis['network_maxflow_bound_mean_gbps']:.0f} Gbit/s")
print(
    f"allocated never exceeds demand: {bool((flows['allocated_bps'] <= flows['demand_bps']).all())}"
)

# %% [markdown]
# What you see: every pair uses its one shortest path, and pairs that leave a city through
# the same satellite share that satellite's 20 Gbit/s ground link, so they get 7-20 Gbit/s
# while the ISLs stay almost idle — although each city sees about eight satellites. The
# max-flow bound (about 300 Gbit/s here) shows how much more multipath routing could carry. To study the ISLs
# themselves, raise `ground.link.rate_gbps` or use optical ground links (`ground.link.band:
# optical`); `outputs.links: true` writes every link's range, capacity and utilisation per step.
# The network models and their validation are in `docs/models-network.md`; the fields in
# `docs/scenario-network.md`.
