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
# # Tutorial 1 — Sizing an orbital data centre
#
# *For engineers sizing a Suncatcher- or Starcloud-class system.*
#
# You will run one scenario and read four things out of its results folder:
#
# 1. the **mass budget** of one compute satellite (bus, array, battery, radiator, chips, shield);
# 2. its **power and thermal time series** through sunlight and eclipse;
# 3. the fleet's **energy balance** (does every joule the arrays make end up somewhere?);
# 4. the **cost** of an accelerator-hour and of a million tokens in orbit, against a terrestrial
#    data centre with the same accelerators, and which inputs would change the verdict.
#
# The scenario is `examples/economics.yaml`: a 12 × 12 Walker shell at 550 km of
# Starcloud-like satellites, each with one H100, serving LLM inference to 60 cities of Africa,
# South America and Oceania for 6 h at 120 s steps, with a cost model. The example switches the
# per-step spacecraft table off to stay small; we switch it on (`outputs.sat_state: true`) so
# that we can plot the time series. Nothing else is changed. The run takes a few seconds.
#
# Open this file in Jupyter with jupytext, or convert it with
# `jupytext --to notebook tutorials/01-size-an-orbital-data-centre.py`.

# %%
import tempfile
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

import orbitcloud


def find_example(name: str) -> Path:
    """``examples/<name>`` of the orbitcloud checkout this notebook sits in."""
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        candidate = folder / "examples" / name
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"examples/{name}: open this notebook from the orbitcloud checkout")


WORK = Path(tempfile.mkdtemp(prefix="orbitcloud-tutorial-1-"))  # results go here, not the repo

# %% [markdown]
# ## Run the scenario
#
# `orbitcloud.run` takes a scenario file (or a built-in name, a dict, a `Scenario`) and
# `overrides`: fields changed by their dotted paths — the same paths a sweep file uses (see
# `docs/sweeps.md`) and `orbitcloud run --set PATH=VALUE` takes. It returns a `Results` object
# for the folder it wrote.

# %%
res = orbitcloud.run(
    find_example("economics.yaml"),
    out=WORK / "economics",
    overrides={"outputs.sat_state": True},  # per-step power/thermal table (off in the example)
)
print("results folder:", res.path)
print("tables:", ", ".join(res.tables))
kpis = res.kpis
print(f"satellites: {kpis['satellites']}, time steps: {kpis['time_steps']}")

# %% [markdown]
# ## 1. The satellite's design: mass and power budget
#
# `summary.json` holds, per constellation, the design the spacecraft model flew: the mass of
# each part, the power of the chips and the bus, the largest power the array can give at the
# beginning of life, and the **radiator area needed** to hold the accelerator below its
# temperature limit at full power in full sun. Compare that with the radiator the preset
# carries (from the resolved scenario, `res.scenario_dict()`): if the need exceeds what is
# fitted, the run warns and the thermal model throttles the chips.

# %%
design = res.summary["spacecraft"]["designs"][0]
craft = res.scenario_dict()["constellations"][0]["spacecraft"]
mass = {k: v for k, v in design["mass_kg"].items() if k != "total"}

radiator = craft["radiator"]
radiator_fitted_m2 = radiator["area_m2"] * (2 if radiator["two_sided"] else 1)
print(
    f"preset: {design['preset']}, accelerators: {design['accelerators']} x {design['accelerator']}"
)
print(f"mass total: {design['mass_kg']['total']:.3f} kg")
print(f"mass parts sum: {sum(mass.values()):.3f} kg")
print(f"compute power: {design['compute_power_w']:.0f} W, bus power: {design['bus_power_w']:.0f} W")
print(f"array power at beginning of life (max): {design['array_bol_max_w']:.0f} W")
print(f"radiator area needed: {design['radiator_area_needed_m2']:.3f} m2")
print(f"radiator area fitted (radiating faces): {radiator_fitted_m2:.3f} m2")
print(f"longest eclipse (beta = 0): {design['max_eclipse_min_beta0']:.1f} min")

fig = go.Figure(
    go.Bar(x=list(mass), y=list(mass.values()), text=[f"{v:.1f}" for v in mass.values()])
)
fig.update_layout(title="Mass budget of one satellite", yaxis_title="mass [kg]", height=350)
fig.show()

# %% [markdown]
# What you see: for this ~47 kg class satellite the bus dominates the mass; the single H100
# and its radiator are small. The radiator fitted (1.5 m² on each of two faces) is more than
# the ~0.8 m² the hot case needs, so the chips should stay well below their 358 K limit.

# %% [markdown]
# ## 2. Power and heat through sunlight and eclipse
#
# `sat_state` has one row per (time, satellite). We pick satellite 0 and plot the fraction of
# the Sun's disk it sees, the array power and the power delivered to the accelerator, the
# battery's state of charge, and the temperatures of the accelerator node and the radiator.

# %%
sat0 = res.table(
    "sat_state",
    columns=[
        "time",
        "sat",
        "sunlit",
        "power_w",
        "compute_w",
        "battery_soc",
        "temp_k",
        "radiator_temp_k",
    ],
)
sat0 = sat0[sat0["sat"] == 0]

fig = make_subplots(
    rows=3,
    cols=1,
    shared_xaxes=True,
    vertical_spacing=0.06,
    subplot_titles=("Power [W]", "Battery state of charge [0..1]", "Temperature [K]"),
)
fig.add_trace(go.Scatter(x=sat0["time"], y=sat0["power_w"], name="array power"), row=1, col=1)
fig.add_trace(go.Scatter(x=sat0["time"], y=sat0["compute_w"], name="to accelerator"), row=1, col=1)
fig.add_trace(go.Scatter(x=sat0["time"], y=sat0["battery_soc"], name="battery"), row=2, col=1)
fig.add_trace(go.Scatter(x=sat0["time"], y=sat0["temp_k"], name="accelerator node"), row=3, col=1)
fig.add_trace(go.Scatter(x=sat0["time"], y=sat0["radiator_temp_k"], name="radiator"), row=3, col=1)
fig.update_layout(height=650, title="Satellite 0 over 6 hours")
fig.show()

sunlit_fraction = float(res.table("sat_state", columns=["sunlit"])["sunlit"].mean())
print(f"sunlit fraction (fleet mean): {sunlit_fraction:.3f}")
print(f"battery state of charge, minimum over the fleet: {kpis['battery_soc_min']:.3f}")
print(f"accelerator temperature, maximum over the fleet: {kpis['accelerator_temp_max_k']:.1f} K")

# %% [markdown]
# What you see: every ~95 min orbit has up to about 35 min of eclipse. The array power drops to
# zero, the chip keeps drawing its 700 W from the battery (the spacecraft model runs it at its
# target load, `spacecraft.compute.utilization`), and the state of charge falls until
# the satellite is back in sunlight, where the array recharges it. In the longest eclipses the
# battery reaches its floor (`battery.max_dod` 0.8, so 20 % charge), below which the chip may
# not draw: that is where the few throttled steps of the run come from
# (`throttled_fraction` in the KPIs). The accelerator node warms by a
# few kelvin in eclipse (the radiator no longer sees the Sun, but the chip keeps working) and
# stays far below its limit. About two thirds of the time is in sunlight at 550 km and 53°.

# %% [markdown]
# ## 3. Energy balance of the fleet
#
# `summary.json` also accounts for the energy of the whole run: generated by the arrays,
# delivered to the chips, curtailed (battery full), lost in charging and discharging, and the
# change in stored energy. The bus load is constant (`bus_power_w`), so its energy is
# bus power × satellites × the run's time steps × step. Generated minus stored must equal what
# was used; the residual shows how well the model conserves energy.

# %%
energy = res.summary["spacecraft"]["energy_j"]
step_s = res.scenario_dict()["time"]["step_s"]
bus_j = design["bus_power_w"] * kpis["satellites"] * kpis["time_steps"] * step_s
used_j = energy["compute"] + energy["curtailed"] + energy["losses"] + bus_j
supplied_j = energy["generated"] - energy["stored_change"] - energy["bus_unserved"]
residual = abs(supplied_j - used_j) / energy["generated"]
print(f"energy generated: {energy['generated'] / 3.6e9:.1f} MWh")
print(f"energy balance residual: {residual:.5f}")

flows = {
    "to accelerators": energy["compute"],
    "bus": bus_j,
    "curtailed": energy["curtailed"],
    "battery losses": energy["losses"],
    "battery drawn down": -energy["stored_change"],
}
fig = go.Figure(go.Bar(x=list(flows), y=[v / 3.6e9 for v in flows.values()]))
fig.update_layout(
    title="Where the fleet's energy went (6 h)", yaxis_title="energy [MWh]", height=350
)
fig.show()

# %% [markdown]
# ## 4. Cost against a terrestrial data centre
#
# The `economics` table has one row per cost item of each system (`kind == "cost"`), with its
# capital cost, its annualised cost and its share of the cost per accelerator-hour, then the
# tornado rows (`kind == "sensitivity"`): each input at −20 % and +20 %. The terrestrial system
# has the same accelerators in a data centre with the scenario's electricity price and PUE.

# %%
econ = res.table("economics")
cost = econ[econ["kind"] == "cost"]
fig = go.Figure()
for item, rows in cost.groupby("item", sort=False):
    fig.add_trace(go.Bar(x=rows["system"], y=rows["usd_per_accelerator_hour"], name=item))
fig.update_layout(
    barmode="stack",
    title="Cost per accelerator-hour by item",
    yaxis_title="cost [USD per accelerator-hour]",
    height=450,
)
fig.show()

orbital = kpis["economics_orbital_usd_per_accelerator_hour"]
terrestrial = kpis["economics_terrestrial_usd_per_accelerator_hour"]
print(f"launch price in the launch year: {kpis['economics_launch_usd_per_kg']:.0f} USD/kg")
print(f"orbital cost: {orbital:.2f} USD per accelerator-hour")
print(f"terrestrial cost: {terrestrial:.2f} USD per accelerator-hour")
print(f"orbital/terrestrial cost ratio: {kpis['economics_cost_ratio_orbital_to_terrestrial']:.3f}")
print(
    f"orbital: {kpis['economics_orbital_usd_per_mtok']:.2f} USD per million tokens served "
    f"({kpis['economics_orbital_usd_per_mtok_design']:.2f} at design throughput)"
)
print(
    f"terrestrial: {kpis['economics_terrestrial_usd_per_mtok']:.4f} USD per million tokens served"
)
print(res.summary["economics"]["answer"])

# %% [markdown]
# What you see: the orbital accelerator-hour costs many times the terrestrial one. The chips
# cost the same in both systems; what the orbital system adds is the bus, the solar array,
# operations and the ground segment, and launch. "Per million tokens served" counts the tokens
# this 6 h of demand actually used (a small load on 144 H100s); "at design throughput" assumes
# the chips are busy at the scenario's utilisation.
#
# ### Which inputs matter: the tornado
#
# Each bar spans the orbital cost per accelerator-hour with one input at −20 % and +20 %.

# %%
sens = econ[(econ["kind"] == "sensitivity") & (econ["system"] == "orbital")]
wide = sens.pivot_table(index="item", columns="case", values="usd_per_accelerator_hour")
wide["span"] = (wide["high"] - wide["low"]).abs()
wide = wide.sort_values("span")
fig = go.Figure()
fig.add_trace(go.Bar(y=wide.index, x=wide["low"] - orbital, orientation="h", name="input −20 %"))
fig.add_trace(go.Bar(y=wide.index, x=wide["high"] - orbital, orientation="h", name="input +20 %"))
fig.update_layout(
    barmode="overlay",
    title=f"Orbital cost around {orbital:.2f} USD/accelerator-hour",
    xaxis_title="change [USD per accelerator-hour]",
    height=450,
)
fig.show()
print(
    f"largest lever: {wide.index[-1]} (span {wide['span'].iloc[-1]:.2f} USD per accelerator-hour)"
)

# %% [markdown]
# ## 5. What if launch were cheap?
#
# Suncatcher's study argues launch could fall to about 200 USD/kg by the mid-2030s. Change the
# launch price (and its decline to zero, so the price *is* 200 USD/kg) and run again. The whole
# scenario runs again (a few seconds); only the cost model's inputs changed.

# %%
cheap_res = orbitcloud.run(
    find_example("economics.yaml"),
    out=WORK / "economics-cheap-launch",
    overrides={"economics.launch.price_usd_per_kg": 200, "economics.launch.annual_decline": 0.0},
)
cheap_kpis = cheap_res.kpis
comparison = pd.DataFrame(
    {
        "launch [USD/kg]": [
            kpis["economics_launch_usd_per_kg"],
            cheap_kpis["economics_launch_usd_per_kg"],
        ],
        "orbital [USD/acc-h]": [orbital, cheap_kpis["economics_orbital_usd_per_accelerator_hour"]],
        "terrestrial [USD/acc-h]": [
            terrestrial,
            cheap_kpis["economics_terrestrial_usd_per_accelerator_hour"],
        ],
    },
    index=["example", "200 USD/kg"],
)
print(comparison.round(2).to_string())
print(
    f"orbital cost at 200 USD/kg: {cheap_kpis['economics_orbital_usd_per_accelerator_hour']:.2f} USD per accelerator-hour"
)

# %% [markdown]
# Launch is only one of several items: even at 200 USD/kg the orbital accelerator-hour stays
# dearer, because the bus, the array and operations dominate for a one-chip satellite. A
# design with many accelerators per bus (try `spacecraft: {preset: suncatcher-tpu}`) spreads
# those fixed costs. The models and their sources are in `docs/models-economics.md` and
# `docs/models-spacecraft.md`; every field is in `docs/scenario-economics.md` and
# `docs/scenario-spacecraft.md`.
