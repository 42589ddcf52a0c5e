"""Scenario sections of operations: workloads, scheduling policy, events and faults.

``workloads`` (top level, optional) holds the demand models -- inference from user cells, Earth
observation, training jobs -- the named regions they and the events refer to, and the
terrestrial baseline (data centres and fibre). ``scheduling`` names the placement policies and
their operating rules; ``events`` lists outages and faults. Field names carry their unit; the
models convert to SI once. See docs/scenario-operations.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from orbitcloud.scenario.base import Model, UtcTime, parse_utc
from orbitcloud.scenario.ground_clouds import (
    ACCESS_RTT_MS_DEFAULT,
    GROUND_CLOUDS,
    ORBITAL_ACCESS_RTT_MS_DEFAULT,
    preset_sites,
)
from orbitcloud.scenario.presets import ACCELERATORS, LLM_MODELS


class RegionSpec(Model):
    """A named region: a lon/lat box or a circle around a centre."""

    name: str = Field(min_length=1, max_length=100)
    bbox_deg: list[float] | None = Field(
        None, min_length=4, max_length=4, description="[lon_min, lat_min, lon_max, lat_max]"
    )
    center_deg: list[float] | None = Field(
        None, min_length=2, max_length=2, description="[lat, lon] of the centre"
    )
    radius_km: float | None = Field(None, gt=0, le=20_000)

    @model_validator(mode="after")
    def _shape(self) -> RegionSpec:
        if (self.bbox_deg is None) == (self.center_deg is None):
            raise ValueError("give exactly one of bbox_deg or center_deg (with radius_km)")
        if self.center_deg is not None:
            if self.radius_km is None:
                raise ValueError("center_deg needs radius_km")
            lat, lon = self.center_deg
            if not (-90 <= lat <= 90 and -180 <= lon <= 360):
                raise ValueError(f"center_deg [lat, lon] out of range: {self.center_deg}")
        elif self.radius_km is not None:
            raise ValueError("radius_km applies to center_deg only")
        if self.bbox_deg is not None:
            lo0, la0, lo1, la1 = self.bbox_deg
            if not (-180 <= lo0 <= 180 and -180 <= lo1 <= 180 and -90 <= la0 < la1 <= 90):
                raise ValueError(
                    "bbox_deg must be [lon_min, lat_min, lon_max, lat_max] with longitudes in "
                    "-180..180 and -90 <= lat_min < lat_max <= 90 (lon_min > lon_max wraps)"
                )
        return self


class RequestClassSpec(Model):
    """A class of inference requests with its own latency objective."""

    name: str = Field(min_length=1, max_length=60)
    share: float = Field(gt=0, le=1, description="fraction of all requests in this class")
    model: str = Field("llama-3-8b", description="LLM name (presets.LLM_MODELS)")
    input_tokens: int = Field(512, ge=1, le=1_000_000)
    output_tokens: int = Field(256, ge=1, le=1_000_000)
    batch: int = Field(64, ge=1, le=100_000, description="serving batch size")
    slo_ttft_ms: float = Field(gt=0, le=1e8, description="time-to-first-token objective [ms]")
    max_wait_s: float = Field(gt=0, le=1e6, description="longest queue wait before a drop [s]")
    priority: int = Field(1, ge=0, le=100, description="lower is served first")
    payload_bytes: int = Field(
        0,
        ge=0,
        le=10**10,
        description="bytes sent up with each request (an image, audio), routed as a flow over "
        "the uplink and ISLs to a serving satellite; 0: text only, no flow work",
    )

    @model_validator(mode="after")
    def _model(self) -> RequestClassSpec:
        if self.model not in LLM_MODELS:
            raise ValueError(f"unknown model {self.model!r}; models: {', '.join(LLM_MODELS)}")
        return self


def _default_classes() -> list[RequestClassSpec]:
    return [
        RequestClassSpec(
            name="interactive", share=0.7, slo_ttft_ms=500.0, max_wait_s=10.0, priority=1
        ),
        RequestClassSpec(
            name="latency-critical",
            share=0.1,
            input_tokens=128,
            output_tokens=32,
            batch=16,
            slo_ttft_ms=50.0,
            max_wait_s=0.05,
            priority=0,
        ),
        RequestClassSpec(
            name="batch",
            share=0.2,
            input_tokens=2048,
            output_tokens=512,
            slo_ttft_ms=3.6e6,
            max_wait_s=3600.0,
            priority=2,
        ),
    ]


class InferenceSpec(Model):
    """LLM inference requests from the user cells (ground endpoints of kind ``user``)."""

    requests_per_s: float = Field(gt=0, le=1e9, description="mean total arrival rate [1/s]")
    diurnal_amplitude: float = Field(0.6, ge=0, lt=1, description="relative day/night swing")
    peak_local_h: float = Field(20.0, ge=0, lt=24, description="local solar hour of the peak")
    classes: list[RequestClassSpec] = Field(default_factory=_default_classes, min_length=1)
    orbital_access_rtt_ms: float = Field(
        ORBITAL_ACCESS_RTT_MS_DEFAULT,
        ge=0,
        le=10_000,
        description="user-terminal access RTT beyond propagation (scheduling, MAC), added to "
        "every orbital request [ms]; default from Starlink measurements (docs/compare.md)",
    )

    @model_validator(mode="after")
    def _shares(self) -> InferenceSpec:
        total = sum(c.share for c in self.classes)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"class shares must add up to 1, they add up to {total:g}")
        names = [c.name for c in self.classes]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"class names must be unique; repeated: {', '.join(dup)}")
        return self


class DataCentreSpec(Model):
    """A terrestrial data centre of the baseline (and the ground end of bent-pipe)."""

    name: str = Field(min_length=1, max_length=100)
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)
    accelerator: str = Field("h100-sxm", description="presets.ACCELERATORS name")
    accelerators: int = Field(ge=1, le=10_000_000)
    pue: float = Field(1.58, ge=1, le=5, description="power usage effectiveness (Uptime 2023)")

    @model_validator(mode="after")
    def _acc(self) -> DataCentreSpec:
        if self.accelerator not in ACCELERATORS:
            raise ValueError(
                f"unknown accelerator {self.accelerator!r}; catalogue: {', '.join(ACCELERATORS)}"
            )
        return self


class TerrestrialSystemSpec(Model):
    """The terrestrial baseline: data centres reached over fibre (network.terrestrial stretch).

    ``preset`` names a ground cloud (:data:`orbitcloud.scenario.ground_clouds.GROUND_CLOUDS`);
    ``sites`` keeps a subset of its sites, ``accelerators_per_site`` sizes them, and
    ``data_centres`` entries override a preset site of the same name field by field or add
    sites. Without a preset, ``data_centres`` lists every site. The merge happens on loading,
    so ``data_centres`` holds the complete list afterwards (loading it again gives the same).
    """

    preset: str | None = Field(None, description="ground-cloud preset name (ground_clouds)")
    sites: list[str] | None = Field(None, description="keep only these preset sites (names)")
    accelerators_per_site: int | None = Field(
        None, ge=1, le=10_000_000, description="accelerators of every preset site"
    )
    data_centres: list[DataCentreSpec] = Field(min_length=1)
    access_rtt_ms: float = Field(
        ACCESS_RTT_MS_DEFAULT, ge=0, le=10_000,
        description="last-mile access RTT added to fibre RTT [ms] (FCC MBA fixed broadband)",
    )  # fmt: skip
    precision: Literal["fp32", "bf16", "fp8", "int8"] = "bf16"

    @model_validator(mode="before")
    @classmethod
    def _merge_preset(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        name = data.get("preset")
        explicit = data.get("data_centres")
        if name is None:
            for key in ("sites", "accelerators_per_site"):
                if data.get(key) is not None:
                    raise ValueError(f"{key} applies to a preset; give preset (presets: "
                                     f"{', '.join(GROUND_CLOUDS)})")  # fmt: skip
            if not explicit:
                raise ValueError("give data_centres or a preset (presets: "
                                 f"{', '.join(GROUND_CLOUDS)})")  # fmt: skip
            return data
        if not isinstance(name, str) or (explicit is not None and not isinstance(explicit, list)):
            return data  # the fields' own type checks report it
        sites = preset_sites(name)
        keep = data.get("sites")
        if keep is not None and (
            not isinstance(keep, list) or not all(isinstance(k, str) for k in keep)
        ):
            raise ValueError(f"sites must be a list of site names of preset {name!r}, not "
                             f"{keep!r}")  # fmt: skip
        if keep is not None:
            known = [s["name"] for s in sites]
            bad = [k for k in keep if k not in known]
            if bad:
                raise ValueError(f"sites {bad} are not in preset {name!r}; its sites: "
                                 f"{', '.join(known)}")  # fmt: skip
            sites = [s for s in sites if s["name"] in keep]
        per_site = data.get("accelerators_per_site")
        if per_site is not None and (
            isinstance(per_site, bool) or not isinstance(per_site, int) or per_site < 1
        ):
            raise ValueError(f"accelerators_per_site must be a whole number >= 1, not "
                             f"{per_site!r}")  # fmt: skip
        if per_site is not None:
            for s in sites:
                s["accelerators"] = per_site
        by_name = {s["name"]: s for s in sites}
        for d in explicit or []:
            if isinstance(d, dict) and d.get("name") in by_name:
                by_name[d["name"]].update(d)
            else:
                sites.append(d)
        return {**data, "data_centres": sites}


class EarthObservationSpec(Model):
    """Imaging satellites capturing over regions; raw downlink vs in-orbit processing."""

    constellations: list[str] = Field(default_factory=list, description="imagers (default all)")
    regions: list[str] = Field(min_length=1, description="names of workloads.regions to image")
    capture_rate_mbps: float = Field(800.0, gt=0, le=1e7, description="raw sensor rate [Mbit/s]")
    daylight_only: bool = Field(True, description="capture only over the sunlit ground")
    product_fraction: float = Field(0.02, gt=0, le=1, description="product bytes / raw bytes")
    processing_flop_per_byte: float = Field(
        2.0e5, gt=0, le=1e12, description="onboard compute per raw byte [FLOP/B]"
    )
    ground_processing_s: float = Field(
        1800.0, ge=0, le=1e7, description="ground processing after a raw downlink [s]"
    )
    downlink_mbps: float | None = Field(
        None, gt=0, le=1e7, description="fixed downlink rate (default: the ground link's)"
    )
    route_over_isls: bool = Field(
        True,
        description="relay bytes over ISLs to a satellite with a station in view (as flows "
        "sharing link capacity); false: each imager waits for its own pass",
    )


class TrainingJobSpec(Model):
    """A training job on a cluster of satellites joined by ISLs (Suncatcher-like)."""

    name: str = Field(min_length=1, max_length=100)
    constellation: str = Field(min_length=1, description="the cluster's constellation name")
    accelerators: int = Field(ge=1, le=10_000_000)
    collective_gbps: float = Field(gt=0, le=1e7, description="per-link bandwidth the job needs")
    model_flops_utilisation: float = Field(0.4, gt=0, le=1)
    checkpoint_interval_s: float = Field(1800.0, gt=0, le=1e7)
    checkpoint_cost_s: float = Field(60.0, ge=0, le=1e6)
    restart_s: float = Field(300.0, ge=0, le=1e6, description="reload after a stop")
    eclipse: Literal["stop", "checkpoint_ahead"] = Field(
        "checkpoint_ahead", description="at eclipse: just stop, or checkpoint before it"
    )
    # the training step and its communication (docs/models-operations.md, "Training")
    model_parameters: float = Field(
        8.0e9, gt=0, le=1e14, description="parameters N of the model trained (Llama-3-8B: 8e9)"
    )
    tokens_per_step: float = Field(
        4_194_304, gt=0, le=1e12, description="global batch D per step [tokens] (Llama 2: 4M)"
    )
    gradient_bytes_per_parameter: float = Field(
        2.0, gt=0, le=16, description="bytes per gradient value all-reduced (bf16: 2)"
    )
    allreduce: Literal["ring", "torus", "halving-doubling", "tree"] = Field(
        "ring", description="all-reduce algorithm between satellites"
    )
    comm_overlap: float = Field(
        0.0, ge=0, le=1, description="fraction of the all-reduce hidden behind the backward pass"
    )
    hop_latency_us: float = Field(
        10.0, ge=0, le=1e6, description="latency per ISL hop and message (assumed) [us]"
    )
    tensor_parallel: int = Field(
        1, ge=1, le=1024, description="tensor-parallel degree, inside one satellite"
    )
    layers: int = Field(32, ge=1, le=10_000, description="transformer layers (tensor parallel)")
    hidden_size: int = Field(
        4096, ge=1, le=1_000_000, description="transformer hidden size (tensor parallel)"
    )


class WorkloadsSpec(Model):
    """Demand models (inference, Earth observation, training) and the terrestrial baseline."""

    regions: list[RegionSpec] = Field(default_factory=list)
    inference: InferenceSpec | None = None
    earth_observation: EarthObservationSpec | None = None
    training: list[TrainingJobSpec] = Field(default_factory=list)
    terrestrial: TerrestrialSystemSpec | None = None

    @model_validator(mode="after")
    def _check(self) -> WorkloadsSpec:
        names = [r.name for r in self.regions]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"region names must be unique; repeated: {', '.join(dup)}")
        if self.earth_observation is not None:
            for r in self.earth_observation.regions:
                if r not in names:
                    raise ValueError(
                        f"earth_observation region {r!r} is not in workloads.regions "
                        f"({', '.join(names) or 'none defined'})"
                    )
        if self.inference is None and self.earth_observation is None and not self.training:
            raise ValueError("give at least one of inference, earth_observation or training")
        if self.inference is not None and self.terrestrial is None:
            raise ValueError("inference needs terrestrial (data centres of the baseline)")
        return self


class SchedulingSpec(Model):
    """Placement policies (a registry by name, orbitcloud.scheduling) and operating rules."""

    policy: str = Field("nearest", description="orbital placement policy name")
    baseline: str = Field("terrestrial", description="terrestrial baseline policy name")
    compute_in_eclipse: bool = Field(
        False,
        description="let accelerators run on battery in eclipse (else they stop); "
        "the same switch as eclipse_compute (battery = true)",
    )
    eclipse_compute: Literal["battery", "off"] | None = Field(
        None,
        description="in eclipse: battery (accelerators run from the battery and serve work "
        "down to the depth-of-discharge floor) or off (they idle at idle power and serve "
        "nothing); one switch for the power model and the scheduler; default: "
        "compute_in_eclipse (false: off)",
    )
    eclipse_lookahead_s: float = Field(
        300.0, ge=0, le=86_400, description="energy-aware: stop new work this long before eclipse"
    )
    min_battery_soc: float = Field(0.3, ge=0, le=1, description="energy-aware: battery floor")
    rounds: int = Field(
        4,
        ge=1,
        le=20,
        description="placement rounds per step; round r admits waits up to max_wait x 10^(r+1-rounds)",
    )

    @model_validator(mode="after")
    def _eclipse(self) -> SchedulingSpec:
        """eclipse_compute and compute_in_eclipse agree (either may be given)."""
        if self.eclipse_compute is None:
            return self
        battery = self.eclipse_compute == "battery"
        if "compute_in_eclipse" in self.model_fields_set and self.compute_in_eclipse != battery:
            raise ValueError(
                f"eclipse_compute {self.eclipse_compute!r} contradicts compute_in_eclipse "
                f"{self.compute_in_eclipse}; give one of them (battery = true, off = false)"
            )
        self.__dict__["compute_in_eclipse"] = battery  # derived: not a field the user set
        return self

    @property
    def eclipse_mode(self) -> Literal["battery", "off"]:
        """What accelerators do in eclipse: ``battery`` or ``off`` (the resolved switch)."""
        return "battery" if self.compute_in_eclipse else "off"


EventKind = Literal[
    "terrestrial_outage", "gateway_failure", "satellite_failures", "isl_failures", "solar_storm"
]


class EventSpec(Model):
    """A scheduled event or fault (seeded by the scenario seed).

    * ``terrestrial_outage``: fibre, gateways and data centres in ``region`` are down from
      ``start`` for ``duration_h`` (a disaster);
    * ``gateway_failure``: the named ground endpoints (or ``count`` random gateways) are down;
    * ``satellite_failures``: satellites fail permanently at ``rate_per_year`` each (random), or
      ``count`` random satellites at ``start``;
    * ``isl_failures``: a ``fraction`` of ISLs is down (redrawn every ``period_s``);
    * ``solar_storm``: dose-driven faults x ``dose_multiplier`` on the compute (the spacecraft
      stage reads its own ``environment.storms``), drag x ``drag_multiplier`` (reported).
    """

    kind: EventKind
    name: str | None = Field(None, max_length=100)
    start: UtcTime | None = Field(None, description="ISO-8601 UTC start (default: run start)")
    duration_h: float | None = Field(None, gt=0, le=1e6, description="default: to the run end")
    region: str | None = None
    gateways: list[str] = Field(default_factory=list)
    count: int | None = Field(None, ge=1, le=10_000_000)
    rate_per_year: float | None = Field(None, gt=0, le=1e4)
    fraction: float | None = Field(None, gt=0, le=1)
    period_s: float = Field(3600.0, gt=0, le=1e8)
    dose_multiplier: float = Field(10.0, ge=1, le=1e6)
    drag_multiplier: float = Field(2.0, ge=1, le=1e3)
    fault_rate_per_year: float = Field(
        2.0, ge=0, le=1e6, description="solar_storm: transient faults per satellite-year at x1"
    )

    @model_validator(mode="after")
    def _fields(self) -> EventSpec:
        k = self.kind
        if k == "terrestrial_outage" and self.region is None:
            raise ValueError("terrestrial_outage needs region (a workloads.regions name)")
        if k == "gateway_failure" and not self.gateways and self.count is None:
            raise ValueError("gateway_failure needs gateways (names) or count")
        if k == "satellite_failures" and (self.rate_per_year is None) == (self.count is None):
            raise ValueError("satellite_failures needs exactly one of rate_per_year or count")
        if k == "isl_failures" and self.fraction is None:
            raise ValueError("isl_failures needs fraction")
        if self.start is not None:
            parse_utc(self.start)
        return self
