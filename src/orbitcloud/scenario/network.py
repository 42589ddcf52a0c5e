"""Scenario sections of the network model: ISL rules, ground segment, routing and traffic.

``IslSpec`` sits in each constellation (``constellations[i].isl``), ``GroundSpec`` at the top
level (``ground``) and ``NetworkSpec`` at the top level (``network``). Field names carry their
unit; :mod:`orbitcloud.network` converts to SI once. See docs/scenario-network.md.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from orbitcloud.scenario.base import Model

TERMINAL_PRESETS = ("starlink-class", "long-range", "suncatcher-class")
"""Names of the optical terminal presets (defined, with sources, in orbitcloud.network.linkbudget)."""


class TerminalSpec(Model):
    """An optical terminal: a preset, optionally with some of its parameters overridden.

    Every field left out keeps the preset's value (see docs/models-network.md for the presets
    and their sources).
    """

    preset: Literal["starlink-class", "long-range", "suncatcher-class"] = "starlink-class"
    wavelength_nm: float | None = Field(None, gt=200, lt=20_000)
    tx_power_w: float | None = Field(None, gt=0, le=1_000)
    beam_waist_m: float | None = Field(
        None, gt=0, le=10, description="1/e^2 radius of the transmitted Gaussian beam at its waist"
    )
    rx_aperture_m: float | None = Field(None, gt=0, le=20, description="receive aperture diameter")
    obscuration_ratio: float | None = Field(
        None, ge=0, lt=1, description="central obscuration radius over aperture radius"
    )
    optics_efficiency: float | None = Field(None, gt=0, le=1)
    pointing_error_urad: float | None = Field(None, ge=0, le=1e5)
    photons_per_bit: float | None = Field(None, gt=0, le=1e7)
    wdm_channels: int | None = Field(None, ge=1, le=10_000)
    line_rate_gbps: float | None = Field(None, gt=0, le=1e5)
    spatial_channels_max: int | None = Field(None, ge=1, le=100_000)
    max_range_km: float | None = Field(None, gt=0, le=1e6)


class IslSpec(Model):
    """Inter-satellite link rule of one constellation (``constellations[i].isl``)."""

    topology: Literal["none", "plus-grid", "nearest-k", "mesh"] = "none"
    terminals: int | None = Field(
        None, ge=0, le=64, description="laser terminals per satellite (one link each)"
    )
    links_per_satellite: int | None = Field(
        None, ge=1, le=64, description="nearest-k: links each satellite tries to hold (k)"
    )
    inter_plane_shift: int = Field(
        0, ge=-10_000, le=10_000, description="plus-grid: slot offset of the inter-plane link"
    )
    mesh_radius_m: float | None = Field(None, gt=0, le=1e7, description="mesh: link radius [m]")
    max_range_km: float | None = Field(
        None, gt=0, le=1e6, description="link range limit (default: the terminal's)"
    )
    grazing_altitude_km: float = Field(
        80.0, ge=0, le=10_000, description="lowest altitude a line of sight may pass"
    )
    candidates_per_satellite: int = Field(
        12, ge=1, le=256, description="nearest-k: nearest neighbours considered per satellite"
    )
    terminal: TerminalSpec = Field(default_factory=TerminalSpec)


class CitiesSpec(Model):
    """Cities from GeoNames (installed with orbitcloud), by population and filters."""

    top: int | None = Field(
        None, ge=1, le=50_000, description="the N most populous (after filters)"
    )
    names: list[str] = Field(default_factory=list, description="explicit city names")
    countries: list[str] = Field(default_factory=list, description="ISO 3166 alpha-2 codes")
    regions: list[Literal["AF", "AS", "EU", "NA", "OC", "SA", "AN"]] = Field(
        default_factory=list, description="continent codes"
    )
    bbox_deg: list[float] | None = Field(
        None, min_length=4, max_length=4, description="[lon_min, lat_min, lon_max, lat_max]"
    )
    min_population: int = Field(0, ge=0)
    kind: Literal["user", "gateway"] = "user"

    @model_validator(mode="after")
    def _something(self) -> CitiesSpec:
        empty = not (self.top or self.names or self.countries or self.regions)
        if empty and self.bbox_deg is None:
            raise ValueError("give top, names, countries, regions or bbox_deg")
        if self.bbox_deg is not None:
            lo0, la0, lo1, la1 = self.bbox_deg
            if not (-180 <= lo0 <= 180 and -180 <= lo1 <= 180 and -90 <= la0 < la1 <= 90):
                raise ValueError(
                    "bbox_deg must be [lon_min, lat_min, lon_max, lat_max] with longitudes in "
                    "-180..180 and -90 <= lat_min < lat_max <= 90"
                )
        return self


class EndpointSpec(Model):
    """One ground endpoint with explicit coordinates."""

    name: str = Field(min_length=1, max_length=200)
    lat_deg: float = Field(ge=-90, le=90)
    lon_deg: float = Field(ge=-180, le=360)
    alt_m: float = Field(0.0, ge=-500, le=10_000)
    kind: Literal["user", "gateway"] = "user"


class RfBudgetSpec(Model):
    """A radio ground-link budget (Ka band by default): capacity from Shannon, capped."""

    frequency_ghz: float = Field(20.0, gt=0.1, lt=300)
    eirp_dbw: float = Field(50.0, ge=-50, le=120)
    g_over_t_db_k: float = Field(15.0, ge=-50, le=80, description="receiver G/T [dB/K]")
    bandwidth_mhz: float = Field(500.0, gt=0, le=100_000)
    losses_db: float = Field(3.0, ge=0, le=100, description="atmospheric, rain margin, pointing")
    max_spectral_efficiency: float = Field(
        5.9, gt=0, le=20, description="[bit/s/Hz]; DVB-S2X tops out near 5.9"
    )


class GroundLinkSpec(Model):
    """Which satellites a ground endpoint can link to, and what a ground link carries."""

    min_elevation_deg: float | None = Field(None, ge=0, lt=90)
    max_range_km: float | None = Field(None, gt=0, le=100_000)
    band: Literal["ka", "optical"] = "ka"
    rate_gbps: float | None = Field(None, gt=0, le=1e5, description="fixed rate per link")
    rf: RfBudgetSpec | None = None
    terminal: TerminalSpec | None = None
    atmosphere_loss_db: float = Field(3.0, ge=0, le=100, description="optical: clear-sky loss")
    availability: float = Field(
        1.0, ge=0, le=1, description="probability a site's link is up (weather), per period"
    )
    weather_period_s: float = Field(3600.0, gt=0, le=1e7, description="weather redraw period")

    @model_validator(mode="after")
    def _one_rule(self) -> GroundLinkSpec:
        if (self.min_elevation_deg is None) == (self.max_range_km is None):
            raise ValueError("give exactly one of min_elevation_deg or max_range_km")
        if self.rf is not None and self.band != "ka":
            raise ValueError("rf budget applies to band: ka only")
        if self.terminal is not None and self.band != "optical":
            raise ValueError("terminal applies to band: optical only")
        return self


class GroundSpec(Model):
    """Ground endpoints (cities and explicit sites) and the ground-link rule (``ground``)."""

    endpoints: list[EndpointSpec] = Field(default_factory=list)
    cities: CitiesSpec | None = None
    link: GroundLinkSpec = Field(default_factory=lambda: GroundLinkSpec(min_elevation_deg=25.0))
    site_model: Literal["wgs84", "pyephem"] = Field(
        "wgs84",
        description="wgs84; or pyephem: Hypatia's PyEphem site and sidereal-time convention",
    )

    @model_validator(mode="after")
    def _some(self) -> GroundSpec:
        if not self.endpoints and self.cities is None:
            raise ValueError("give endpoints, cities or both")
        names = [e.name for e in self.endpoints]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"endpoint names must be unique; repeated: {', '.join(dup)}")
        return self


class InterShellSpec(Model):
    """Links between two constellations (shells): each satellite links to its nearest."""

    between: list[str] = Field(min_length=2, max_length=2, description="two constellation names")
    links_per_satellite: int = Field(1, ge=1, le=64)
    max_range_km: float | None = Field(None, gt=0, le=1e6)
    candidates_per_satellite: int = Field(8, ge=1, le=256)


class TrafficSpec(Model):
    """A traffic matrix between ground endpoints, for the capacity analysis."""

    pairs: Literal["all"] | list[list[str]] = "all"
    demand_gbps: float = Field(1.0, gt=0, le=1e6, description="offered load per pair")
    every_steps: int = Field(10, ge=1, description="analyse every Nth step")
    max_flow: bool = Field(True, description="also compute the per-pair max-flow bound")


class TerrestrialSpec(Model):
    """Terrestrial fibre comparison: great circle x stretch at c / refractive index."""

    path_stretch: float = Field(1.0, ge=1, le=10)
    refractive_index: float = Field(1.47, ge=1, le=3)


class NetworkSpec(Model):
    """Routing requests and network-wide options (``network``)."""

    relay_via_ground: bool = False
    routes: Literal["all"] | list[list[str]] = Field(default_factory=list)
    inter_shell: list[InterShellSpec] = Field(default_factory=list)
    traffic: TrafficSpec | None = None
    terrestrial: TerrestrialSpec = Field(default_factory=TerrestrialSpec)
    workers: int | None = Field(
        None,
        ge=0,
        le=64,
        description="extra processes for routing (default: one per spare core; 0: none)",
    )

    @model_validator(mode="after")
    def _pairs(self) -> NetworkSpec:
        for label, value in (
            ("routes", self.routes),
            ("traffic.pairs", self.traffic and self.traffic.pairs),
        ):
            if isinstance(value, list):
                for i, p in enumerate(value):
                    if len(p) != 2:
                        raise ValueError(f"{label}[{i}] must be a pair [src, dst], got {p!r}")
                    if p[0] == p[1]:
                        raise ValueError(f"{label}[{i}]: src and dst are the same ({p[0]!r})")
        return self
