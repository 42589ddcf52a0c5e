"""The KPI registry: every key figure a run writes to ``summary.json["kpis"]``, with its unit,
a one-line description, a group and what it covers.

A KPI name is either fixed (``altitude_min_km``) or a pattern whose ``<placeholder>`` parts are
filled in per run (``training_<job>_goodput``: one KPI per training job; ``eo_<mode>_...``: one
per EO processing mode; ``inference_<system>_...``: orbital and terrestrial). Units follow the
name's suffix (STYLE.md "Names carry units"; tests/results/test_kpis.py checks the two agree);
``1`` is dimensionless (a fraction, a ratio, a count), ``""`` a label without a unit.

The CLI (``orbitcloud run``, ``--json``), :mod:`orbitcloud.results.compare` and docs/kpis.md
(:func:`render_markdown`) read units and descriptions from here; a KPI written by a run and
missing here fails tests/results/test_kpis.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["GROUPS", "KPIS", "Kpi", "describe", "lookup", "reason_for", "render_markdown"]

GROUPS = ("answer", "run", "orbit", "power", "thermal", "radiation", "compute", "network",
          "operations", "inference", "training", "eo", "economics")  # fmt: skip
"""Display order of the groups."""


@dataclass(frozen=True)
class Kpi:
    """One KPI (or family of KPIs named by a pattern)."""

    name: str
    """The name, or a pattern with ``<placeholder>`` parts (``training_<job>_goodput``)."""
    unit: str
    """``1`` for dimensionless, ``""`` for a label (text) KPI."""
    description: str
    group: str
    covers: str = "all satellites"
    """Which satellites, constellations, systems or jobs the figure is taken over."""
    _re: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = re.split(r"(<[a-z]+>)", self.name)
        rx = "".join("(.+?)" if p.startswith("<") else re.escape(p) for p in parts)
        object.__setattr__(self, "_re", re.compile(f"^{rx}$"))

    @property
    def is_pattern(self) -> bool:
        return "<" in self.name

    def matches(self, name: str) -> bool:
        return self._re.match(name) is not None


_SAT = "all satellites"
_COMP = "satellites that carry accelerators"
_SYS = "per system: orbital, terrestrial"

# fmt: off
KPIS: tuple[Kpi, ...] = (
    Kpi("answer", "", "the scenario's answer in one or two sentences", "answer", "the scenario"),
    # run
    Kpi("satellites", "1", "satellites simulated", "run", _SAT),
    Kpi("time_steps", "1", "time steps simulated", "run"),
    Kpi("propagation_errors", "1", "satellite-steps without a valid SGP4 state", "run", _SAT),
    # orbit
    Kpi("altitude_min_km", "km", "lowest altitude over the run", "orbit", _SAT),
    Kpi("altitude_max_km", "km", "highest altitude over the run", "orbit", _SAT),
    Kpi("altitude_decay_m_per_day_uncontrolled", "m/day",
        "altitude lost per day to drag without station-keeping", "orbit", _SAT),
    Kpi("stationkeeping_dv_m_s_per_year", "m/s/yr",
        "station-keeping delta-v per satellite per year (median)", "orbit", _SAT),
    Kpi("stationkeeping_dv_m_s_per_year_max", "m/s/yr",
        "station-keeping delta-v per satellite per year (largest)", "orbit", _SAT),
    Kpi("formation_keeping_dv_m_s_per_year_max", "m/s/yr",
        "delta-v to hold the cluster formation per year (largest)", "orbit", "formation clusters"),
    Kpi("formation_min_separation_m", "m", "closest approach of two cluster members", "orbit",
        "formation clusters"),
    Kpi("avoidance_dv_m_s_per_sat_per_year", "m/s/yr",
        "collision-avoidance delta-v per satellite per year", "orbit", _SAT),
    Kpi("conjunctions_per_day", "1/day", "conjunctions screened per day", "orbit", _SAT),
    Kpi("conjunctions_pc_above_threshold_per_day", "1/day",
        "conjunctions per day with collision probability above the threshold", "orbit", _SAT),
    Kpi("propellant_kg_per_year_per_sat", "kg/yr", "propellant per satellite per year", "orbit",
        _SAT),
    Kpi("lifetime_without_propellant_years_min", "yr",
        "orbital lifetime without propellant (shortest)", "orbit", _SAT),
    Kpi("lifetime_without_propellant_years_median", "yr",
        "orbital lifetime without propellant (median)", "orbit", _SAT),
    # power
    Kpi("sunlit_fraction_mean", "1", "share of the time in sunlight (mean)", "power", _SAT),
    Kpi("orbit_average_power_w", "W", "array power averaged over the orbit, per satellite",
        "power", _SAT),
    Kpi("battery_soc_min", "1", "lowest battery state of charge", "power", _SAT),
    Kpi("space_ground_energy_ratio", "1",
        "year-round solar energy per array area in orbit over a ground array (summary solar_ratio)",
        "power", _SAT),
    # thermal
    Kpi("accelerator_temp_max_k", "K", "hottest accelerator temperature", "thermal", _COMP),
    Kpi("throttled_fraction", "1", "share of steps with compute throttled", "thermal", _COMP),
    # radiation
    Kpi("dose_rad_per_year", "rad(Si)/yr", "total ionising dose rate", "radiation", _SAT),
    Kpi("accelerators_failed", "1", "accelerators failed by the end of the run", "radiation",
        _COMP),
    Kpi("silent_errors", "1", "silent data errors (single-event effects) over the run",
        "radiation", _COMP),
    # compute
    Kpi("compute_capacity_mean", "1",
        "usable compute over installed (eclipse, throttling, failures, ECC, checkpoints)",
        "compute", _COMP),
    Kpi("compute_lost_to_eclipse_fraction", "1", "compute lost to eclipse", "compute", _COMP),
    Kpi("compute_lost_to_heat_fraction", "1", "compute lost to thermal throttling", "compute",
        _COMP),
    Kpi("compute_lost_to_radiation_fraction", "1", "compute lost to radiation", "compute",
        _COMP),
    Kpi("job_restarts", "1", "job restarts over the run", "operations", _COMP),
    # network
    Kpi("network_ground_endpoints", "1", "ground endpoints (users, gateways, data centres)",
        "network", "ground"),
    Kpi("network_ground_links_mean", "1", "ground-satellite links up (mean)", "network", _SAT),
    Kpi("network_isl_links_mean", "1", "inter-satellite links up (mean)", "network", _SAT),
    Kpi("network_isl_capacity_mean_gbps", "Gbit/s", "capacity of an ISL (mean)", "network",
        _SAT),
    Kpi("network_isl_broken_link_steps", "1", "link-steps of a planned ISL that is not up",
        "network", _SAT),
    Kpi("network_isl_utilisation_mean", "1", "ISL load over capacity (mean)", "network", _SAT),
    Kpi("network_route_pairs", "1", "ground pairs routed", "network", "route pairs"),
    Kpi("network_reachable_fraction", "1", "share of pair-steps with a route", "network",
        "route pairs"),
    Kpi("network_rtt_min_ms", "ms", "round-trip time (smallest)", "network", "route pairs"),
    Kpi("network_rtt_mean_ms", "ms", "round-trip time (mean)", "network", "route pairs"),
    Kpi("network_rtt_max_ms", "ms", "round-trip time (largest)", "network", "route pairs"),
    Kpi("network_faster_than_fibre_fraction", "1",
        "share of routed pair-steps faster than terrestrial fibre", "network", "route pairs"),
    Kpi("network_path_changes", "1", "route changes over the run", "network", "route pairs"),
    Kpi("network_throughput_fraction", "1", "offered traffic carried", "network",
        "traffic demands"),
    Kpi("network_maxflow_bound_mean_gbps", "Gbit/s", "max-flow upper bound on throughput (mean)",
        "network", "traffic demands"),
    # inference
    Kpi("inference_requests", "1", "inference requests offered", "inference", "all users"),
    Kpi("inference_<system>_served_fraction", "1", "requests served", "inference", _SYS),
    Kpi("inference_<system>_p50_ms", "ms", "time to first token (median)", "inference", _SYS),
    Kpi("inference_<system>_p95_ms", "ms", "time to first token (95th percentile)", "inference",
        _SYS),
    Kpi("inference_<system>_p99_ms", "ms", "time to first token (99th percentile)", "inference",
        _SYS),
    Kpi("inference_<system>_tokens_served", "1", "tokens served", "inference", _SYS),
    Kpi("inference_<system>_energy_per_token_j", "J/token",
        "all energy per token served, measured basis: idle + dynamic (data centres with PUE) "
        "over the tokens the run served; at low utilisation this is idle power", "inference",
        _SYS),
    Kpi("inference_<system>_dynamic_energy_per_token_j", "J/token",
        "accelerator energy above idle while serving, per token (no PUE: the same basis in "
        "orbit and on the ground)", "inference", _SYS),
    Kpi("inference_<system>_idle_power_w", "W",
        "mean idle draw of the accelerators the system pays for (no PUE), reported apart from "
        "the dynamic energy", "inference", _SYS),
    Kpi("inference_<system>_p99_queueing_ms", "ms",
        "mean queue wait of the requests at or above the p99 (latency_components)", "inference",
        _SYS),
    Kpi("inference_<system>_p99_propagation_ms", "ms",
        "mean network propagation (ground links, ISLs, fibre; no access) of the requests at or "
        "above the p99", "inference", _SYS),
    Kpi("inference_<system>_accelerator_utilisation", "1", "accelerator busy share",
        "inference", _SYS),
    Kpi("inference_<system>_saturation_requests_per_s", "1/s",
        "day-mean demand at which the system's accelerators would be fully busy (run's demand / "
        "utilisation)", "inference", _SYS),
    Kpi("inference_latency_flip_orbital_access_ms", "ms",
        "orbital user-terminal access latency at which the two medians are equal (None: no "
        "access latency >= 0 flips the median)", "inference", "all users, both systems"),
    Kpi("inference_latency_flip_path_stretch", "1",
        "fibre path stretch (route / great circle) of the terrestrial baseline at which the two "
        "medians are equal, re-evaluated in closed form (None: none in [1, 5])", "inference",
        "all users, both systems"),
    Kpi("inference_terrestrial_<preset>_p50_ms", "ms",
        "terrestrial median time to first token re-evaluated with a ground-cloud preset (same "
        "demand and total accelerators)", "inference", "per ground-cloud preset"),
    Kpi("outage_<system>_served_fraction_<period>", "1",
        "requests served in the outage region in a period (before, during, after)", "inference",
        "outage region, per system"),
    Kpi("outage_<system>_p50_ms_<period>", "ms",
        "median time to first token in the outage region in a period", "inference",
        "outage region, per system"),
    # training
    Kpi("training_<job>_goodput", "1", "committed training work over wall time", "training",
        "per training job"),
    Kpi("training_<job>_mfu", "1", "model FLOP utilisation", "training", "per training job"),
    Kpi("training_link_knee_gbps", "Gbit/s",
        "ISL rate above which training is compute-bound (median over steps)", "training",
        "training jobs"),
    # earth observation
    Kpi("eo_<mode>_downlinked_gb", "GB", "data downlinked", "eo", "per EO processing mode"),
    Kpi("eo_<mode>_queued_gb_peak", "GB", "largest on-board queue", "eo",
        "per EO processing mode"),
    Kpi("eo_<mode>_insight_p50_min", "min", "capture to insight on the ground (median)", "eo",
        "per EO processing mode"),
    Kpi("eo_<mode>_served_fraction", "1", "captured data that reached the ground as insight",
        "eo", "per EO processing mode"),
    Kpi("eo_<mode>_isl_utilisation_max", "1", "ISL load over capacity (largest)", "eo",
        "per EO processing mode"),
    # economics
    Kpi("economics_launch_usd_per_kg", "USD/kg", "launch price used", "economics", "fleet"),
    Kpi("economics_breakeven_launch_usd_per_kg", "USD/kg",
        "launch price at which a token costs the same from orbit and ground (design basis)",
        "economics", "fleet"),
    Kpi("economics_breakeven_launch_usd_per_kg_energy_framing", "USD/kg",
        "launch price at which orbital energy costs the terrestrial one (energy-only framing)",
        "economics", "fleet"),
    Kpi("economics_cost_ratio_orbital_to_terrestrial", "1",
        "orbital over terrestrial cost per delivered accelerator-hour (design basis)",
        "economics", "fleet"),
    Kpi("economics_token_cost_ratio_orbital_to_terrestrial", "1",
        "orbital over terrestrial cost per million tokens (design basis)", "economics", "fleet"),
    Kpi("economics_token_cost_ratio_orbital_to_terrestrial_measured", "1",
        "orbital over terrestrial cost per million tokens (measured basis)", "economics",
        "fleet"),
    Kpi("economics_<system>_usd_per_accelerator_hour", "USD/h",
        "cost per delivered accelerator-hour (design basis)", "economics", _SYS),
    Kpi("economics_<system>_usd_per_accelerator_hour_measured", "USD/h",
        "cost per busy accelerator-hour (measured basis: the run's busy share)", "economics",
        _SYS),
    Kpi("economics_<system>_usd_per_mtok", "USD/Mtok",
        "cost per million tokens (design basis: capacity at the stated utilisation)",
        "economics", _SYS),
    Kpi("economics_<system>_usd_per_mtok_measured", "USD/Mtok",
        "cost per million tokens (measured basis: tokens the run served)", "economics", _SYS),
    Kpi("economics_orbital_usd_per_mtok_design", "USD/Mtok",
        "orbital cost per million tokens at the design throughput (= the headline figure)",
        "economics", "orbital"),
    Kpi("economics_<system>_usd_per_chip_kwh", "USD/kWh",
        "cost per kWh delivered to chips (design basis)", "economics", _SYS),
    Kpi("economics_<system>_usd_per_chip_kwh_measured", "USD/kWh",
        "cost per kWh delivered to chips (measured basis)", "economics", _SYS),
    Kpi("economics_<system>_tokens_per_accelerator_hour", "1/h",
        "tokens per delivered accelerator-hour (design basis)", "economics", _SYS),
    Kpi("economics_<system>_tokens_per_accelerator_hour_measured", "1/h",
        "tokens per busy accelerator-hour (measured basis)", "economics", _SYS),
    Kpi("economics_<system>_energy_usd_per_kwh", "USD/kWh", "energy cost per kWh to chips",
        "economics", _SYS),
    Kpi("economics_tokens_basis", "",
        "basis of the headline economics figures: design (capacity at the stated utilisation, "
        "both sides)", "economics", "fleet"),
)
# fmt: on

PER_CONSTELLATION = ("orbit_average_power_w", "battery_soc_min", "space_ground_energy_ratio",
                     "accelerator_temp_max_k", "throttled_fraction", "dose_rad_per_year",
                     "accelerators_failed", "silent_errors", "compute_capacity_mean",
                     "job_restarts")  # fmt: skip
"""Spacecraft KPIs a run with several constellations also writes per constellation, as
``<constellation>:<kpi>`` (the same values as ``summary["constellations"][name][kpi]``); the
accelerator ones only for constellations that carry accelerators."""

KPIS += tuple(
    Kpi(f"<constellation>:{k.name}", k.unit, f"{k.description}, of one constellation", k.group,
        f"one constellation: {k.covers}")
    for k in KPIS if k.name in PER_CONSTELLATION
)  # fmt: skip

_FIXED = {k.name: k for k in KPIS if not k.is_pattern}
_PATTERNS = [k for k in KPIS if k.is_pattern]


def lookup(name: str) -> Kpi | None:
    """The registry entry of a KPI name (a fixed name first, then the patterns), or None."""
    if name in _FIXED:
        return _FIXED[name]
    hits = [k for k in _PATTERNS if k.matches(name)]
    # the most specific pattern (the most fixed characters) wins
    return max(hits, key=lambda k: len(re.sub(r"<[a-z]+>", "", k.name)), default=None)


def reason_for(name: str, summary: dict[str, Any]) -> str | None:
    """Why KPI ``name`` is None in ``summary``, where the summary says so."""
    notes = summary.get("kpi_notes", {})
    if isinstance(notes, dict) and isinstance(notes.get(name), str):
        return str(notes[name])
    if name.startswith("economics_breakeven"):
        for n in summary.get("economics", {}).get("notes", []) or []:
            if "break-even" in str(n):
                return str(n)
    if (
        name.startswith("network_isl_")
        and summary.get("kpis", {}).get("network_isl_links_mean") == 0
    ):
        return "no inter-satellite link was up in this run"
    if name.startswith("eo_"):
        eo = summary.get("operations", {}).get("earth_observation", {})
        if eo and all(not (m or {}).get("captured_gb") for m in eo.values()):
            return "no imagery was captured in this run (captured_gb is 0 in every EO mode)"
    return None


def describe(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """The summary's KPIs with unit, description, group and covers, in group order.

    A KPI missing from the registry keeps its place in group ``other`` with no unit (never a
    guessed one); a None value carries ``reason`` where :func:`reason_for` finds one.
    """
    rows = []
    for name, value in summary.get("kpis", {}).items():
        k = lookup(name)
        row: dict[str, Any] = {
            "name": name,
            "value": value,
            "unit": k.unit if k else "",
            "description": k.description if k else "",
            "group": k.group if k else "other",
            "covers": k.covers if k else "",
        }
        if value is None:
            row["reason"] = reason_for(name, summary)
        rows.append(row)
    order = {g: i for i, g in enumerate(GROUPS)}
    return sorted(rows, key=lambda r: order.get(r["group"], len(order)))


def render_markdown() -> str:
    """docs/kpis.md: the registry as tables, one per group."""
    out = [
        "# KPIs",
        "",
        "Every key figure a run writes to `summary.json` under `kpis`, by group. Generated from",
        "`orbitcloud.results.kpis` (do not edit by hand; tests/results/test_kpis.py keeps it in",
        "sync). A name with `<placeholder>` parts is a family: `<system>` is `orbital` or",
        "`terrestrial`, `<job>` a training job's name, `<mode>` an EO processing mode, `<period>`",
        "`before`, `during` or `after` an outage, `<constellation>` a constellation's name",
        "(written when a run has several constellations; the fleet figure without the prefix",
        "covers only the satellites it describes). Unit `1` is dimensionless (a fraction, a ratio, a",
        "count). `orbitcloud run` prints them grouped with units; `orbitcloud run --json` prints",
        "them with unit and description for scripts.",
        "",
    ]
    for g in GROUPS:
        ks = [k for k in KPIS if k.group == g]
        if not ks:
            continue
        out += [f"## {g}", "", "| KPI | unit | description | covers |", "|---|---|---|---|"]
        out += [f"| `{k.name}` | {k.unit or '-'} | {k.description} | {k.covers} |" for k in ks]
        out.append("")
    return "\n".join(out)
