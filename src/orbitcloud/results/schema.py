"""The table schema: one declaration per table a results folder can hold.

Every table a run writes (and the ``sweep`` table of a sweep) is declared here once: what one
row is, when the table exists, and each column's name, Arrow type, unit and meaning. The
declarations are plain data (:class:`TableSpec`, :class:`Column`); nothing here imports the
engine or a model package, so readers, the report and the docs can use them.

* Writers check each table against its declaration with :func:`validate_table` (the results
  runner's :class:`~orbitcloud.results.runner.ParquetSink` does it for every write): an
  undeclared table or column, a missing column, or a type other than the declared one is a
  programming error (``ValueError`` naming the table, the column, the type found and the type
  declared). A stage that adds a column declares it here first.
* ``docs/tables.md`` is rendered from these declarations by :func:`render_markdown` (a test
  keeps the committed file equal to the rendered text).

Units: SI or the unit in the column's name; ``"UTC"`` for timestamps, ``"1"`` for dimensionless
numbers (fractions, counts, probabilities) and ``""`` for names, labels, identifiers and flags.
Names and columns are contracts (DESIGN.md): never rename or drop one; new ones are welcome.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pyarrow as pa

__all__ = [
    "TABLES",
    "Column",
    "TableSpec",
    "conform_table",
    "render_markdown",
    "table_names",
    "table_spec",
    "type_name",
    "validate_table",
]


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes
    ----------
    name : column name (units in the name, e.g. ``alt_km``)
    type : its Arrow type, exactly as written
    unit : physical unit; ``"UTC"`` for timestamps, ``"1"`` dimensionless, ``""`` for labels
    doc : one line: what the column holds (and when it is null)
    optional : only some runs write it (e.g. ``satellites.disk_x_m`` for clusters)
    """

    name: str
    type: pa.DataType
    unit: str
    doc: str
    optional: bool = False


@dataclass(frozen=True)
class TableSpec:
    """One table: ``<name>.parquet`` in a results folder.

    Attributes
    ----------
    name : table (and file) name
    doc : one line: what the table holds
    rows : what one row is
    written_when : when a run writes the table
    columns : the declared columns, in the order they are written
    extra_columns : if not empty, the table also has columns that cannot be declared ahead
        (e.g. one per swept parameter); the text says which. Any undeclared column is then
        accepted, with any type.
    """

    name: str
    doc: str
    rows: str
    written_when: str
    columns: tuple[Column, ...]
    extra_columns: str = ""
    _by_name: Mapping[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name = {c.name: c for c in self.columns}
        if len(by_name) != len(self.columns):
            raise ValueError(f"table {self.name!r}: a column is declared twice")
        object.__setattr__(self, "_by_name", MappingProxyType(by_name))

    @property
    def names(self) -> list[str]:
        """Names of the declared columns, in order."""
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        """Names of the columns every write of the table has."""
        return [c.name for c in self.columns if not c.optional]

    def column(self, name: str) -> Column:
        """The declaration of column ``name`` (``KeyError`` if undeclared)."""
        return self._by_name[name]

    def has(self, name: str) -> bool:
        """Whether column ``name`` is declared."""
        return name in self._by_name

    def arrow_schema(self, optional: bool = True) -> pa.Schema:
        """The declared columns as an Arrow schema (without the optional ones if asked)."""
        return pa.schema([(c.name, c.type) for c in self.columns if optional or not c.optional])


# --- types used by many tables -------------------------------------------------------------

TIME = pa.timestamp("ms", tz="UTC")
"""Every ``time`` column: milliseconds since 1970, UTC."""
LABEL = pa.dictionary(pa.int32(), pa.string())
"""A dictionary-encoded text column (few distinct values, many rows)."""
F32, F64, I8, I16, I32, I64 = (
    pa.float32(),
    pa.float64(),
    pa.int8(),
    pa.int16(),
    pa.int32(),
    pa.int64(),
)
STR, BOOL = pa.string(), pa.bool_()


def _time(doc: str = "time step (UTC)") -> Column:
    return Column("time", TIME, "UTC", doc)


def _sat(doc: str = "satellite index (satellites.sat)") -> Column:
    return Column("sat", I32, "", doc)


def _t(name: str, doc: str, rows: str, when: str, *cols: Column, extra: str = "") -> TableSpec:
    return TableSpec(name, doc, rows, when, tuple(cols), extra)


C = Column

# fmt: off
_SPECS: tuple[TableSpec, ...] = (
    _t(
        "satellites", "Every satellite of the run: identity and where it comes from.",
        "one per satellite", "always",
        _sat("dense satellite index 0..n_sat-1, used by every other table"),
        C("name", STR, "", "satellite name (TLE/OMM name, or constellation name and slot)"),
        C("norad_id", I64, "", "NORAD catalogue number (-1 for designed satellites)"),
        C("source", STR, "", "name of the scenario's constellation entry"),
        C("kind", STR, "", "how it was made: tle, omm, walker, sso or cluster"),
        C("shell", I32, "", "index of the constellation entry in the scenario"),
        C("plane", I32, "", "orbital plane within its constellation (-1 where not applicable)"),
        C("slot", I32, "", "slot within its plane (-1 where not applicable)"),
        C("disk_x_m", F64, "m", "cluster members: design position in the cluster disk, x "
          "(null for other satellites)", optional=True),
        C("disk_y_m", F64, "m", "cluster members: design position in the cluster disk, y "
          "(null for other satellites)", optional=True),
    ),
    _t(
        "positions", "Where every satellite is at every (kept) step.",
        "one per (time, sat)", "outputs.positions (every outputs.positions_every-th step)",
        _time(), _sat(),
        C("x_m", F64, "m", "ITRF position, x (null when sgp4_error != 0)"),
        C("y_m", F64, "m", "ITRF position, y (null when sgp4_error != 0)"),
        C("z_m", F64, "m", "ITRF position, z (null when sgp4_error != 0)"),
        C("lat_deg", F32, "deg", "WGS84 geodetic latitude"),
        C("lon_deg", F32, "deg", "WGS84 geodetic longitude, -180..180"),
        C("alt_km", F32, "km", "WGS84 geodetic altitude"),
        C("sunlit", F32, "1", "fraction of the Sun's disk visible, 0..1 (penumbra in between)"),
        C("sgp4_error", I8, "", "SGP4 error code, 0 = fine, 1-6 sgp4's own, 7 a non-finite and "
          "8 a non-physical position with sgp4's code 0; a flagged row has nulls, never NaN"),
    ),
    _t(
        "sun", "The Sun's direction at every kept position step (the globe's day and night).",
        "one per time", "outputs.positions (every outputs.positions_every-th step)",
        _time(),
        C("sun_x", F64, "1", "unit vector from the Earth's centre to the Sun, ITRF x"),
        C("sun_y", F64, "1", "unit vector from the Earth's centre to the Sun, ITRF y"),
        C("sun_z", F64, "1", "unit vector from the Earth's centre to the Sun, ITRF z"),
        C("subsolar_lat_deg", F64, "deg", "geocentric latitude of the sub-solar point"),
        C("subsolar_lon_deg", F64, "deg", "longitude of the sub-solar point, -180..180"),
    ),
    _t(
        "sat_state", "Power, thermal, radiation and compute state of every satellite over time.",
        "one per (time, sat)", "a constellation has spacecraft enabled and outputs.sat_state",
        _time(), _sat(),
        C("power_w", F32, "W", "solar array power generated"),
        C("battery_soc", F32, "1", "battery state of charge, 0..1"),
        C("temp_k", F32, "K", "accelerator node temperature"),
        C("dose_rad", F32, "rad(Si)", "total ionising dose accumulated behind the shield"),
        C("density_kg_m3", F32, "kg/m^3", "NRLMSIS neutral atmosphere density"),
        C("compute_w", F32, "W", "power delivered to the accelerators"),
        C("throttled", BOOL, "", "compute throttled (power or thermal)"),
        C("radiator_temp_k", F32, "K", "radiator temperature"),
        C("array_temp_k", F32, "K", "solar array temperature"),
        C("sunlit", F32, "1", "fraction of the Sun's disk visible, 0..1"),
        C("eclipse", BOOL, "", "in eclipse (sunlit < 0.5)"),
        C("capacity", F32, "1", "delivered fraction of peak compute, 0..1"),
        C("accelerators_ok", I16, "1", "accelerators still working"),
        C("failed", BOOL, "", "every accelerator of a compute satellite has failed"),
        C("power_throttled", BOOL, "", "compute limited by power (generation and battery)"),
        C("thermal_throttled", BOOL, "", "compute limited by the accelerator temperature limit"),
        C("in_saa", BOOL, "", "inside the South Atlantic Anomaly"),
        C("dose_rate_rad_s", F32, "rad(Si)/s", "trapped-particle dose rate behind the shield"),
        C("bus_unserved_w", F32, "W", "bus load that neither the array nor the battery covered"),
        C("curtailed_w", F32, "W", "array power available but not used (battery full)"),
        C("silent_errors", I16, "1", "silent data errors in this step"),
        C("job_restarts", I16, "1", "job restarts caused by radiation faults in this step"),
    ),
    _t(
        "sat_summary", "Per-satellite averages and totals of the spacecraft models over the run.",
        "one per satellite", "a constellation has spacecraft enabled",
        _sat(),
        C("orbit_average_power_w", F32, "W", "mean solar array power generated"),
        C("mean_compute_w", F32, "W", "mean power delivered to the accelerators"),
        C("mean_capacity", F32, "1", "mean delivered fraction of peak compute"),
        C("throttled_fraction", F32, "1", "fraction of steps with compute throttled"),
        C("thermal_throttled_fraction", F32, "1", "fraction of steps thermally throttled"),
        C("dose_rad", F32, "rad(Si)", "total ionising dose at the end of the run"),
        C("dose_rad_per_year", F32, "rad(Si)/yr", "dose rate of the run, per year"),
        C("orbit_average_dose_rad_per_year", F32, "rad(Si)/yr", "orbit-average dose rate, per "
          "year"),
        C("saa_fraction", F32, "1", "fraction of steps inside the South Atlantic Anomaly"),
        C("mean_density_kg_m3", F32, "kg/m^3", "mean neutral atmosphere density"),
        C("temp_max_k", F32, "K", "maximum accelerator temperature (null if never modelled)"),
        C("battery_soc_min", F32, "1", "minimum battery state of charge (null if never "
          "modelled)"),
        C("bus_unserved_wh", F32, "Wh", "bus energy that could not be supplied"),
        C("space_ground_energy_ratio", F32, "1", "solar energy per array area in orbit over "
          "that of a ground array"),
        C("accelerators", I16, "1", "accelerators on board"),
        C("accelerators_failed", I16, "1", "accelerators failed by the end of the run"),
        C("silent_errors", I32, "1", "silent data errors over the run"),
        C("job_restarts", I32, "1", "job restarts over the run"),
        C("checkpoint_interval_s", F32, "s", "checkpoint interval used for training jobs"),
        C("mass_kg", F32, "kg", "satellite mass from the design's mass budget"),
    ),
    _t(
        "ground", "Ground endpoints: user cells, gateways and named sites.",
        "one per ground endpoint", "the scenario has a ground section",
        C("name", STR, "", "endpoint name (as used by network.routes)"),
        C("kind", STR, "", "user or gateway"),
        C("lat_deg", F64, "deg", "geodetic latitude"),
        C("lon_deg", F64, "deg", "geodetic longitude"),
        C("alt_m", F64, "m", "altitude above the WGS84 ellipsoid"),
        C("node", I32, "", "graph node id: n_sat + endpoint index (links.a, routes.path)"),
        C("country", STR, "", "ISO country code of a city endpoint (empty when not known)"),
        C("population", I64, "1", "population of a city endpoint (0 when not known)"),
    ),
    _t(
        "links", "Inter-satellite and ground links of the network at every step.",
        "one per (time, link)", "the run has a network and outputs.links",
        _time(),
        C("a", I32, "", "first end: satellite index, or ground node id (ground.node) for gsl"),
        C("b", I32, "", "second end: satellite index"),
        C("kind", LABEL, "", "isl (inter-satellite) or gsl (ground-satellite)"),
        C("range_m", F64, "m", "link length"),
        C("capacity_bps", F64, "bit/s", "capacity per direction"),
        C("utilisation", F32, "1", "load over capacity, max of both directions (null except at "
          "traffic-analysis steps)"),
        C("binding", LABEL, "", "constraint that sets capacity_bps: power, channels, pointing, "
          "range or fixed (docs/models-network.md)"),
        C("spatial_channels", I32, "1", "transceiver pairs in use on the link (null for radio "
          "links)"),
        C("wdm_channels", I32, "1", "WDM channels per transceiver pair (null for radio links)"),
    ),
    _t(
        "link_budget", "Optical link capacity against range, for every terminal preset and each "
        "modified terminal of the run.",
        "one per (terminal, range)", "the run has a network (ISLs or ground links)",
        C("terminal", STR, "", "preset name, or '<constellation or ground>: <preset> (modified)' "
          "for a terminal the scenario overrides"),
        C("preset", STR, "", "the optical terminal preset it starts from"),
        C("range_m", F64, "m", "link range (log-spaced from 1 m to 3x the terminal's range)"),
        C("capacity_bps", F64, "bit/s", "capacity per direction (0 beyond the terminal's range)"),
        C("power_limited_bps", F64, "bit/s", "rate the received power allows (all transceiver "
          "pairs)"),
        C("channel_cap_bps", F64, "bit/s", "transceiver pairs x WDM channels x line rate"),
        C("binding", LABEL, "", "constraint that sets capacity_bps: power, channels, pointing "
          "or range"),
        C("spatial_channels", I32, "1", "transceiver pairs in use at this range"),
        C("wdm_channels", I32, "1", "WDM channels per transceiver pair"),
    ),
    _t(
        "routes", "Shortest routes between requested endpoint pairs at every step.",
        "one per (time, pair)", "network.routes is set and outputs.routes",
        _time(),
        C("src", LABEL, "", "source endpoint name"),
        C("dst", LABEL, "", "destination endpoint name"),
        C("rtt_ms", F64, "ms", "round-trip propagation delay (null if unreachable)"),
        C("hops", I32, "1", "links on the path (null if unreachable)"),
        C("path", pa.list_(I32), "", "node ids along the path: satellites by sat, ground "
          "endpoints by ground.node (null if unreachable)"),
        C("path_changed", BOOL, "", "the path differs from the previous step's"),
        C("terrestrial_rtt_ms", F64, "ms", "fibre round trip over the great circle x "
          "path_stretch"),
    ),
    _t(
        "flows", "Capacity analysis of the traffic matrix: max-min fair rates per pair.",
        "one per (traffic step, pair)", "network.traffic is set (every traffic.every_steps)",
        _time(),
        C("src", LABEL, "", "source endpoint name"),
        C("dst", LABEL, "", "destination endpoint name"),
        C("demand_bps", F64, "bit/s", "offered demand of the pair"),
        C("allocated_bps", F64, "bit/s", "rate allocated max-min fair on shortest paths"),
        C("maxflow_bound_bps", F64, "bit/s", "the step's max-flow upper bound on the total "
          "(null without traffic.max_flow)"),
    ),
    _t(
        "requests", "Inference requests served per step, orbital design against terrestrial "
        "baseline.",
        "one per (time, system, region, class) with requests", "workloads.inference is set and "
        "outputs.requests",
        _time(),
        C("system", LABEL, "", "orbital or terrestrial"),
        C("region", LABEL, "", "user region"),
        C("class", LABEL, "", "request class"),
        C("requests", I64, "1", "requests arriving"),
        C("admitted", I64, "1", "requests admitted to a server"),
        C("dropped", I64, "1", "requests dropped (no server, no capacity, policy error)"),
        C("latency_mean_ms", F64, "ms", "mean latency of the admitted requests (null if none)"),
        C("latency_p50_ms", F64, "ms", "median time to first token of the admitted requests, "
          "from the step's log histogram (region_metrics' bins; null if none; absent in "
          "folders written before it)", optional=True),
        C("latency_p95_ms", F64, "ms", "95th percentile of the same (null if none)",
          optional=True),
        C("slo_violations", I64, "1", "admitted requests over their latency objective"),
        C("tokens", F64, "1", "output tokens of the admitted requests"),
    ),
    _t(
        "region_metrics", "Latency percentiles and served fractions per region over the run.",
        "one per (region, system, period, class)", "workloads.inference is set",
        C("region", STR, "", "user region, or all"),
        C("system", STR, "", "orbital or terrestrial"),
        C("period", STR, "", "before, during or after the outages, or all"),
        C("class", STR, "", "request class, or all"),
        C("requests", I64, "1", "requests arriving"),
        C("admitted", I64, "1", "requests admitted"),
        C("dropped", I64, "1", "requests dropped"),
        C("served_fraction", F64, "1", "(admitted - stranded) / requests"),
        C("p50_ms", F64, "ms", "median latency of the admitted requests (null if none)"),
        C("p95_ms", F64, "ms", "95th percentile latency (null if none)"),
        C("p99_ms", F64, "ms", "99th percentile latency (null if none)"),
        C("slo_violation_fraction", F64, "1", "(dropped + admitted over objective + stranded "
          "within it) / requests"),
        C("stranded", I64, "1", "admitted requests never served: their server stopped "
          "computing (eclipse, failure, out of service) with them queued"),
    ),
    _t(
        "latency_components", "Time to first token split into access, propagation, payload "
        "transfer, queueing and compute (prefill), in the median and in the tail.",
        "one per (region, system, period, class, component)", "workloads.inference is set",
        C("region", STR, "", "user region, or all"),
        C("system", STR, "", "orbital or terrestrial"),
        C("period", STR, "", "before, during or after the outages, or all"),
        C("class", STR, "", "request class, or all"),
        C("component", STR, "", "access (last mile or user terminal), propagation (ground "
          "links, ISLs, fibre), transfer (payload upload), queueing (wait at admission), "
          "compute (prefill), or total (their sum)"),
        C("requests", I64, "1", "admitted requests of the set"),
        C("p50_ms", F64, "ms", "the component's own median (0: at most 0.01 ms)"),
        C("p95_ms", F64, "ms", "the component's own 95th percentile"),
        C("p99_ms", F64, "ms", "the component's own 99th percentile"),
        C("mean_ms", F64, "ms", "mean over the admitted requests; components add up to total"),
        C("median_ms", F64, "ms", "mean over the requests whose total latency is in the "
          "median's histogram bin (2.3 % wide)"),
        C("tail_p95_ms", F64, "ms", "mean over the requests at or above the p95 bin"),
        C("tail_p99_ms", F64, "ms", "mean over the requests at or above the p99 bin"),
        C("share_median", F64, "1", "median_ms / total's median_ms (null if 0)"),
        C("share_p95", F64, "1", "tail_p95_ms / total's tail_p95_ms"),
        C("share_p99", F64, "1", "tail_p99_ms / total's tail_p99_ms"),
    ),
    _t(
        "jobs", "Training jobs: state and progress at every step.",
        "one per (time, job)", "workloads.training is set",
        _time(),
        C("job", LABEL, "", "training job name"),
        C("state", LABEL, "", "running, eclipse, heat, radiation, unavailable, restart, "
          "checkpoint or links"),
        C("satellites", I32, "1", "satellites available to the job"),
        C("rate_pflop_s", F64, "PFLOP/s", "delivered training rate"),
        C("committed_eflop", F64, "EFLOP", "work committed by checkpoints so far (cumulative)"),
        C("mfu", F64, "1", "model-FLOPs utilisation delivered: rate / (accelerators x peak)"),
        C("step_time_s", F64, "s", "one training step: compute + exposed communication (null "
          "when the job does not run)"),
        C("exposed_comm_s", F64, "s", "communication a step waits for: gradient all-reduce over "
          "the ISLs and within satellites, tensor parallel, less the overlapped part (null when "
          "not running)"),
        C("allreduce_busbw_gbps", F64, "Gbit/s", "all-reduce bus bandwidth between satellites, "
          "2(n-1)/n x gradient bytes / link time (NCCL's busbw; null when not running)"),
        C("link_knee_gbps", F64, "Gbit/s", "ISL capacity per link below which this step's rate "
          "falls under 90 % of its saturated value (null when not running)"),
        C("stop_reason", LABEL, "", "why the job does not run this step, in words (empty while "
          "it runs); links: members not connected at the needed capacity"),
    ),
    _t(
        "eo", "Earth observation: raw downlink against processing in orbit.",
        "one per mode (raw-downlink, orbital-edge)", "workloads.earth_observation is set",
        C("mode", STR, "", "raw-downlink or orbital-edge"),
        C("captured_gb", F64, "GB", "data captured over the target regions"),
        C("downlinked_gb", F64, "GB", "data sent to the ground"),
        C("insight_gb", F64, "GB", "captured data turned into insight on the ground by the end"),
        C("pending_gb", F64, "GB", "captured data still waiting at the end"),
        C("insight_p50_min", F64, "min", "median capture-to-insight latency (null if none)"),
        C("insight_p95_min", F64, "min", "95th percentile capture-to-insight latency (null if "
          "none)"),
        C("insight_p99_min", F64, "min", "99th percentile capture-to-insight latency (null if "
          "none)"),
        C("insight_mean_min", F64, "min", "mean capture-to-insight latency (null if none)",
          optional=True),
        C("served_fraction", F64, "1", "insight_gb / captured_gb (null if nothing captured)",
          optional=True),
        C("queued_gb_peak", F64, "GB", "most data queued on board for the network at the end "
          "of a step (raw data, or products)", optional=True),
        C("queued_gb_mean", F64, "GB", "time-mean of the data queued on board for the network",
          optional=True),
        C("isl_utilisation_max", F64, "1", "largest load/capacity of a directed ISL on an "
          "imager's route in any step (null without ISL hops)", optional=True),
        C("downlink_utilisation_mean", F64, "1", "downlink bytes carried / capacity of the "
          "downlinks on imagers' routes, over the run (null if none in use)", optional=True),
    ),
    _t(
        "eo_network", "Earth observation as flows: queues and link use per step, with and without "
        "processing in orbit.",
        "one per (time, mode)", "workloads.earth_observation is set",
        _time(),
        C("mode", LABEL, "", "raw-downlink or orbital-edge"),
        C("sent_gb", F64, "GB", "data that reached the ground in the step"),
        C("queued_gb", F64, "GB", "data on board waiting for the network after the step"),
        C("isl_gb", F64, "GB", "data carried over ISLs in the step (summed over hops)"),
        C("isl_capacity_gb", F64, "GB", "capacity in the step of the directed ISLs on imagers' "
          "routes"),
        C("isl_utilisation_max", F64, "1", "largest load/capacity of those ISLs (0 if none)"),
        C("downlink_gb", F64, "GB", "data carried by the downlinks on imagers' routes"),
        C("downlink_capacity_gb", F64, "GB", "capacity in the step of those downlinks"),
        C("downlink_utilisation_max", F64, "1", "largest load/capacity of those downlinks (0 "
          "if none)"),
    ),
    _t(
        "conjunctions", "Close approaches found by screening (own satellites, background "
        "catalogue, formation members).",
        "one per close approach", "orbit_ops is enabled and screening (or a cluster's "
        "members) finds close approaches",
        _time("time of closest approach (UTC)"), _sat("primary satellite (satellites.sat)"),
        C("other_kind", STR, "", "own, background or formation"),
        C("other_sat", I32, "", "secondary satellite index (null for background objects)"),
        C("other_norad_id", I64, "", "secondary's NORAD catalogue number"),
        C("other_name", STR, "", "secondary's name"),
        C("miss_m", F64, "m", "miss distance at closest approach"),
        C("radial_m", F64, "m", "secondary minus primary, radial (primary's RIC frame)"),
        C("in_track_m", F64, "m", "secondary minus primary, in-track"),
        C("cross_track_m", F64, "m", "secondary minus primary, cross-track"),
        C("rel_speed_m_s", F64, "m/s", "relative speed at closest approach"),
        C("altitude_km", F64, "km", "primary's altitude at closest approach"),
        C("hard_body_radius_m", F64, "m", "combined hard-body radius"),
        C("sigma_m", F64, "m", "combined position sigma (null with RIC covariances)"),
        C("pc", F64, "1", "probability of collision"),
        C("action", BOOL, "", "Pc >= the threshold: an avoidance manoeuvre is called for"),
        C("avoidance_dv_m_s", F64, "m/s", "along-track delta-v to reach the target miss (0 when "
          "the miss already exceeds it)"),
    ),
    _t(
        "orbit_keeping", "Drag, station keeping, lifetime and conjunction load per satellite.",
        "one per satellite", "orbit_ops is enabled",
        _sat(),
        C("ballistic_coefficient_kg_m2", F64, "kg/m^2", "ballistic coefficient m / (Cd A)"),
        C("mass_kg", F64, "kg", "mass used for drag and propellant"),
        C("mean_drag_area_m2", F64, "m^2", "mean drag area from the attitude model (null with a "
          "fixed ballistic coefficient)"),
        C("mean_altitude_km", F64, "km", "mean altitude over the run"),
        C("mean_density_kg_m3", F64, "kg/m^3", "mean neutral atmosphere density"),
        C("mean_drag_m_s2", F64, "m/s^2", "mean drag acceleration"),
        C("max_drag_m_s2", F64, "m/s^2", "maximum drag acceleration"),
        C("decay_m_per_day", F64, "m/day", "uncontrolled altitude decay rate"),
        C("stationkeeping_dv_m_s_per_year", F64, "m/s/yr", "delta-v to offset drag"),
        C("propellant_kg_per_year", F64, "kg/yr", "propellant for station keeping"),
        C("thruster_duty", F64, "1", "fraction of the time the thruster must fire"),
        C("reboost_interval_days", F64, "day", "time between reboosts"),
        C("lifetime_years", F64, "yr", "lifetime without propellant at the scenario's space "
          "weather"),
        C("formation_dv_m_s_per_year", F64, "m/s/yr", "formation-keeping delta-v (cluster "
          "members)"),
        C("conjunctions", I32, "1", "close approaches as primary or secondary (formation "
          "approaches excluded)"),
        C("avoidance_dv_m_s_per_year", F64, "m/s/yr", "avoidance delta-v of its approaches with "
          "Pc >= threshold, as primary, per year"),
    ),
    _t(
        "formation", "Relative motion of cluster members in their chief's Hill frame.",
        "one per (time, cluster member)", "orbit_ops is enabled, the scenario has a cluster and "
        "orbit_ops.formation.table",
        _time(), _sat("cluster member (satellites.sat)"),
        C("cluster", STR, "", "cluster (constellation) name"),
        C("x_hill_m", F64, "m", "offset from the chief, radial (Hill frame)"),
        C("y_hill_m", F64, "m", "offset from the chief, along-track"),
        C("z_hill_m", F64, "m", "offset from the chief, cross-track"),
        C("deviation_m", F32, "m", "distance from the HCW design position"),
        C("j2_model_deviation_m", F32, "m", "distance from the J2 secular model's position"),
        C("nearest_m", F32, "m", "distance to the nearest other member"),
    ),
    _t(
        "economics", "Cost items of the orbital and terrestrial systems, then the tornado "
        "(sensitivity) rows.",
        "one per (system, cost item), then one per (system, varied input, case)",
        "the scenario has an economics section",
        C("kind", STR, "", "cost or sensitivity"),
        C("system", STR, "", "orbital or terrestrial"),
        C("item", STR, "", "cost item, or the varied input for sensitivity rows"),
        C("case", STR, "", "base, low or high"),
        C("input_value", F64, "", "the varied input's value, in its own unit (null for cost "
          "rows)"),
        C("capex_usd", F64, "USD", "up-front cost (null for recurring items)"),
        C("annual_usd", F64, "USD/yr", "annualised cost"),
        C("usd_per_accelerator_hour", F64, "USD/h", "cost per accelerator-hour (cost rows: the "
          "item's share)"),
        C("usd_per_mtok", F64, "USD/Mtok", "cost per million output tokens (null without "
          "tokens)"),
        C("usd_per_chip_kwh", F64, "USD/kWh", "cost per kWh delivered to the chips"),
    ),
    _t(
        "sweep", "A sweep's points: parameters, status and KPIs (in the sweep folder, not in a "
        "run's).",
        "one per sweep point", "orbitcloud sweep (sweep.parquet in the sweep folder)",
        C("point", I32, "", "index of the point in the sweep"),
        C("hash", STR, "", "the point's results folder name (hash of its resolved scenario)"),
        C("status", STR, "", "ok or failed"),
        C("error", STR, "", "why the point failed (null when ok)"),
        C("folder", STR, "", "the point's results folder, relative to the sweep folder (null "
          "when failed)"),
        extra="one column per swept parameter (named by its dotted path), then every KPI of the "
        "points' summary.json (nested KPIs flattened with dots; kpi. prefix on a clash); types "
        "follow the values, lists and mappings as JSON text",
    ),
)
# fmt: on

TABLES: Mapping[str, TableSpec] = MappingProxyType({t.name: t for t in _SPECS})
"""Every declared table by name, in documentation order."""


def table_names() -> list[str]:
    """Names of the declared tables, in documentation order."""
    return list(TABLES)


def table_spec(name: str) -> TableSpec:
    """The declaration of table ``name``; ``ValueError`` naming the declared ones if none."""
    try:
        return TABLES[name]
    except KeyError:
        raise ValueError(
            f"table {name!r} is not declared in orbitcloud.results.schema (declared: "
            f"{', '.join(TABLES)}); declare it (rows, columns, types, units) before writing it"
        ) from None


def type_name(t: pa.DataType) -> str:
    """A short, readable name of an Arrow type (``dictionary<int32, string>``)."""
    if pa.types.is_dictionary(t):
        return f"dictionary<{type_name(t.index_type)}, {type_name(t.value_type)}>"
    if pa.types.is_list(t):
        return f"list<{type_name(t.value_type)}>"
    return str(t)


def _schema_of(table: pa.Table | pa.Schema) -> pa.Schema:
    return table if isinstance(table, pa.Schema) else table.schema


def validate_table(name: str, table: pa.Table | pa.Schema) -> None:
    """Check a table (or its schema) against the declaration of ``name``.

    A column of type ``null`` (every value missing, so Arrow could not infer a type) is
    accepted for any declared type: :func:`conform_table` casts it.

    Raises
    ------
    ValueError
        The table is not declared; a column is not declared (unless the table has
        ``extra_columns``); a declared, non-optional column is missing; or a column's type is
        not the declared one. The message names the table, the column, the type found and the
        type declared.
    """
    spec = table_spec(name)
    schema = _schema_of(table)
    problems: list[str] = []
    for f in schema:
        if not spec.has(f.name):
            if not spec.extra_columns:
                problems.append(
                    f"column {f.name!r} (type {type_name(f.type)}) is not declared; declared "
                    f"columns: {', '.join(spec.names)}"
                )
            continue
        want = spec.column(f.name).type
        if f.type != want and not pa.types.is_null(f.type):
            problems.append(
                f"column {f.name!r} has type {type_name(f.type)}, declared {type_name(want)}"
            )
    have = set(schema.names)
    missing = [c for c in spec.required if c not in have]
    if missing:
        problems.append(f"declared column(s) missing: {', '.join(missing)}")
    if len(have) != len(schema.names):
        dup = sorted({n for n in schema.names if schema.names.count(n) > 1})
        problems.append(f"column(s) repeated: {', '.join(dup)}")
    if problems:
        raise ValueError(
            f"table {name!r} does not match its declaration in orbitcloud.results.schema: "
            + "; ".join(problems)
            + " (a new column or type is declared in orbitcloud.results.schema first)"
        )


def conform_table(name: str, table: pa.Table) -> pa.Table:
    """:func:`validate_table`, then all-null columns cast to their declared types."""
    validate_table(name, table)
    spec = TABLES[name]
    nulls = [i for i, f in enumerate(table.schema) if pa.types.is_null(f.type) and spec.has(f.name)]
    for i in nulls:
        f = table.schema.field(i)
        want = spec.column(f.name).type
        table = table.set_column(i, pa.field(f.name, want), table.column(i).cast(want))
    return table


# --- documentation ----------------------------------------------------------------------------


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_markdown(tables: Iterable[TableSpec] | None = None) -> str:
    """``docs/tables.md``: every declared table, its rows and columns, as Markdown."""
    specs = list(TABLES.values() if tables is None else tables)
    out = [
        "# Results tables",
        "",
        "<!-- Generated from src/orbitcloud/results/schema.py by "
        "orbitcloud.results.schema.render_markdown(); do not edit by hand. -->",
        "",
        "Every table a results folder can hold, as declared in `orbitcloud.results.schema`: "
        "each run writes `<table>.parquet` for the tables its scenario asks for, and every "
        "write is checked against these declarations. Read them with "
        "`orbitcloud.load_results(folder)` (`.arrow(name)`, `.table(name)`, `.duckdb()`), or "
        "with any Parquet reader. Names and columns are contracts: they are never renamed or "
        "dropped; new columns are added here first.",
        "",
        "Conventions: `time` is a `timestamp[ms, tz=UTC]`; `sat` is the dense satellite index "
        "of `satellites`; missing values are nulls, never NaN (except where a column says "
        "otherwise). Units: SI or the unit in the column's name; `UTC` for timestamps, `1` for "
        "dimensionless numbers (fractions, counts, probabilities), blank for names, labels, "
        "identifiers and flags. Optional columns appear only in some runs.",
        "",
        "| table | rows | written when |",
        "|---|---|---|",
    ]
    for t in specs:
        out.append(f"| [`{t.name}`](#{t.name}) | {_cell(t.rows)} | {_cell(t.written_when)} |")
    for t in specs:
        out += [
            "",
            f"## {t.name}",
            "",
            _cell(t.doc),
            "",
            f"Rows: {t.rows}. Written when: {t.written_when}.",
            "",
            "| column | type | unit | meaning |",
            "|---|---|---|---|",
        ]
        for c in t.columns:
            doc = c.doc + (" *(optional)*" if c.optional else "")
            out.append(f"| `{c.name}` | `{type_name(c.type)}` | {_cell(c.unit)} | {_cell(doc)} |")
        if t.extra_columns:
            out += ["", f"Plus {_cell(t.extra_columns)}."]
    return "\n".join(out) + "\n"
