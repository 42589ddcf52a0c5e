"""The scenario schema: time grid, constellation sources, outputs, and the model sections.

Each model section (network, spacecraft, environment, operations, economics) lives in its own
module of this package; this module joins them into :class:`Scenario`. Field names carry their
unit (``altitude_km``, ``step_s``); the models that use them convert to SI once.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    Field,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)
from pydantic_core import to_jsonable_python

from orbitcloud.scenario.base import Model, UtcTime, check_time_range, parse_utc
from orbitcloud.scenario.economics import EconomicsSpec
from orbitcloud.scenario.environment import EnvironmentSpec
from orbitcloud.scenario.limits import (
    LATEST_TIME,
    MAX_DURATION_DAYS,
    MAX_SATELLITE_STEPS,
    MAX_SATELLITES,
    MAX_STEPS,
    MIN_PERIGEE_KM,
    SSO_MAX_ALTITUDE_KM,
    clip,
)
from orbitcloud.scenario.network import GroundSpec, IslSpec, NetworkSpec
from orbitcloud.scenario.operations import EventSpec, SchedulingSpec, WorkloadsSpec
from orbitcloud.scenario.orbit_ops import OrbitOpsSpec
from orbitcloud.scenario.spacecraft import SpacecraftSpec

__all__ = [
    "MAX_STEPS",
    "ClusterSpec",
    "ConstellationSpec",
    "OutputsSpec",
    "Scenario",
    "SsoSpec",
    "TimeSpec",
    "WalkerSpec",
    "resolved_dict",
]


class TimeSpec(Model):
    """The run's time grid: ``start + k * step_s`` for k = 0 .. floor(duration / step_s)."""

    start: UtcTime = Field(description="ISO-8601 UTC start, e.g. '2023-07-18T00:00:00Z'")
    duration_h: float | None = Field(None, ge=0, description="run length in hours")
    duration_s: float | None = Field(None, ge=0, description="run length in seconds")
    step_s: float = Field(gt=0, le=86_400, description="time step in seconds")
    ut1_utc_s: float = Field(0.0, ge=-0.9, le=0.9, description="UT1-UTC in seconds (IERS)")
    polar_x_arcsec: float = Field(0.0, ge=-1, le=1, description="polar motion x_p [arcsec]")
    polar_y_arcsec: float = Field(0.0, ge=-1, le=1, description="polar motion y_p [arcsec]")

    @model_validator(mode="after")
    def _one_duration(self) -> TimeSpec:
        if self.duration_h is not None and self.duration_s is not None:
            raise ValueError("give exactly one of duration_h or duration_s, not both")
        if self.duration_h is None and self.duration_s is None:
            raise ValueError("the run length is missing: give duration_h or duration_s")
        days = self.duration_total_s / 86_400.0
        if days > MAX_DURATION_DAYS:
            raise ValueError(
                f"the run lasts {days:,.6g} days, more than the {MAX_DURATION_DAYS:,.0f} days "
                "(10 years) allowed: models that follow the clock (NRLMSIS every 3 h, thermal "
                "sub-steps) cost about 0.2 s per simulated day whatever step_s is (see the limits "
                "in docs/scenario.md)"
            )
        ratio = self.duration_total_s / self.step_s  # inf for a subnormal step_s
        if not ratio < MAX_STEPS:
            shown = f"{int(ratio) + 1:,}" if math.isfinite(ratio) else "infinitely many"
            raise ValueError(
                f"{shown} time steps (duration / step_s + 1) is more than the {MAX_STEPS:,} "
                "allowed; use a larger step_s or a shorter duration"
            )
        start = self.start_dt
        check_time_range(start, f"time.start {self.start!r}")
        if start.timestamp() + self.duration_total_s > LATEST_TIME.timestamp():
            check_time_range(  # raises, naming the range and why
                LATEST_TIME + timedelta(seconds=1),
                f"the run's end ({self.start} + {days:,.6g} days)",
            )
        return self

    @property
    def end_dt(self) -> datetime:
        """The instant the run's duration ends (the last step is at or before it)."""
        return datetime.fromtimestamp(self.start_dt.timestamp() + self.duration_total_s, UTC)

    @property
    def duration_total_s(self) -> float:
        if self.duration_s is not None:
            return self.duration_s
        assert self.duration_h is not None  # the validator requires exactly one of the two
        return float(self.duration_h) * 3600.0

    @property
    def start_dt(self) -> datetime:
        return parse_utc(self.start)

    @property
    def n_steps(self) -> int:
        return int(self.duration_total_s / self.step_s + 1e-9) + 1


def _run_window(time: TimeSpec) -> tuple[float, float, str]:
    """The run's start and end [UTC s since 1970] and how to name it in a message."""
    run0 = time.start_dt.timestamp()
    return run0, run0 + time.duration_total_s, f"{time.start} + {time.duration_total_s / 3600:g} h"


def check_run_size(n_sat: int, n_steps: int, what: str = "") -> None:
    """Raise ValueError past the documented satellite and satellite-step limits (limits.py).

    Called by the schema for designed satellites and again, once TLE/OMM files are read, with
    every satellite of the run (:func:`orbitcloud.astro.constellations.build_satellites`).
    """
    label = f"{what} satellites" if what else "satellites"
    if n_sat > MAX_SATELLITES:
        raise ValueError(
            f"{n_sat:,} {label} is more than the {MAX_SATELLITES:,} a run may have (see the "
            "limits in docs/scenario.md); use fewer satellites, or limit: N on a constellation"
        )
    if n_sat * n_steps > MAX_SATELLITE_STEPS:
        raise ValueError(
            f"{n_sat:,} {label} x {n_steps:,} time steps = {n_sat * n_steps:,.3g} "
            f"satellite-steps is more than the {MAX_SATELLITE_STEPS:,.0e} allowed (about 10 "
            "minutes of SGP4 alone and a ~40 GB positions table; see the limits in "
            "docs/scenario.md); use a larger step_s, a shorter run or fewer satellites"
        )


HYPATIA_ALTITUDE_TOL = 0.10
"""How far (relative) ``altitude_km`` may sit from the two-body altitude of the mean motion with
layout: hypatia. Hypatia's configs round: its Starlink shell (15.19 rev/day, 550 km) is 7.5 %
off, Kuiper (14.80, 630 km) and Telesat (13.66, 1,015 km) 0.1 %; a typo is caught."""


HYPATIA_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""The epoch of every TLE Hypatia's generator writes (``00001.00000000``)."""


_R_EARTH_KM = 6378.137
"""WGS84 equatorial radius [km]: a designed shell's altitude is its mean semi-major axis minus
this (astro.constants.R_EARTH_M)."""


def _circular_altitude_km(mean_motion_rev_per_day: float) -> float:
    """Two-body altitude of a circular orbit with this mean motion [km] (Kepler's third law,
    WGS72 mu and equatorial radius, as SGP4 uses)."""
    n_rad_s = mean_motion_rev_per_day * 2.0 * math.pi / 86_400.0
    a_km = (398_600.8 / n_rad_s**2) ** (1.0 / 3.0)
    return a_km - 6378.135


def _sso_exists(altitude_km: float) -> None:
    """Raise ValueError above the altitude where a sun-synchronous orbit exists (limits.py)."""
    if altitude_km > SSO_MAX_ALTITUDE_KM:
        raise ValueError(
            f"altitude_km {altitude_km:g} is above {SSO_MAX_ALTITUDE_KM:,.0f} km, the highest "
            "sun-synchronous orbit orbitcloud designs: from about 5,980 km up none exists (the "
            "inclination that makes the J2 node turn 360 deg a year reaches 180 deg, and higher "
            "the node turns too slowly at any inclination); use a lower altitude, or a walker shell"
        )


class WalkerSpec(Model):
    """A Walker constellation i:t/p/f (Walker 1984), or Hypatia's layout.

    ``layout: walker`` places plane k at RAAN ``raan0 + k * 360/p`` (delta) or ``k * 180/p``
    (star) and slot j at mean anomaly ``j * 360/s + k * f * 360/t``. ``layout: hypatia``
    reproduces Hypatia's generator exactly: odd planes shifted by half a slot, e = 1e-7; it takes
    ``mean_motion_rev_per_day`` and, as Hypatia's configs do, may also name ``altitude_km``,
    which must then agree with the mean motion.
    """

    planes: int = Field(ge=1, le=10_000)
    sats_per_plane: int = Field(ge=1, le=10_000)
    altitude_km: float | None = Field(None, gt=100, lt=100_000)
    mean_motion_rev_per_day: float | None = Field(None, gt=0.9, lt=17.0)
    inclination_deg: float = Field(ge=0, le=180)
    phase_factor: int = Field(0, ge=0)
    pattern: Literal["delta", "star"] = "delta"
    layout: Literal["walker", "hypatia"] = "walker"
    raan0_deg: float = Field(0.0, ge=-360, le=360)
    eccentricity: float | None = Field(None, ge=0, lt=0.1)
    arg_perigee_deg: float = Field(0.0, ge=-360, le=360)
    bstar: float = Field(0.0, ge=-1, le=1, description="SGP4 drag term [1/earth radii]")
    epoch: UtcTime | None = Field(None, description="element epoch (default: scenario start)")

    @model_validator(mode="after")
    def _check(self) -> WalkerSpec:
        alt, n = self.altitude_km, self.mean_motion_rev_per_day
        if self.layout == "hypatia":
            if n is None:
                raise ValueError(
                    "layout: hypatia needs mean_motion_rev_per_day (Hypatia's generator takes "
                    "the mean motion, not the altitude)"
                )
            unused = [
                f"{k}: {getattr(self, k)}"
                for k, default in (
                    ("phase_factor", 0),
                    ("pattern", "delta"),
                    ("raan0_deg", 0.0),
                    ("bstar", 0.0),
                )
                if getattr(self, k) != default
            ]
            if self.epoch is not None and parse_utc(self.epoch) != HYPATIA_EPOCH:
                unused.append(f"epoch: {self.epoch}")
            if unused:
                raise ValueError(
                    "layout: hypatia writes Hypatia's TLEs exactly (epoch 2000-01-01T00:00:00Z, "
                    f"no phasing, RAAN from 0, no drag), so it cannot take {', '.join(unused)}"
                )
            if alt is not None:  # Hypatia's configs name both: the altitude is a check
                implied = _circular_altitude_km(n)
                if abs(implied - alt) > HYPATIA_ALTITUDE_TOL * alt:
                    raise ValueError(
                        f"altitude_km {alt:g} does not match mean_motion_rev_per_day {n:g}, "
                        f"which puts the orbit at about {implied:.0f} km; with layout: hypatia "
                        "the mean motion sets the orbit and altitude_km, if given, must agree "
                        f"within {HYPATIA_ALTITUDE_TOL:.0%}"
                    )
        elif (alt is None) == (n is None):
            raise ValueError(
                "give exactly one of altitude_km or mean_motion_rev_per_day "
                f"({'both given' if alt is not None else 'neither given'})"
            )
        if self.phase_factor >= max(self.planes, 1) and self.planes > 1:
            raise ValueError(
                f"phase_factor {self.phase_factor} must be in 0 .. planes-1 = {self.planes - 1}"
            )
        total = self.planes * self.sats_per_plane
        if total > MAX_SATELLITES:
            raise ValueError(
                f"planes x sats_per_plane = {self.planes:,} x {self.sats_per_plane:,} = "
                f"{total:,} satellites, more than the {MAX_SATELLITES:,} a run may have (see "
                "the limits in docs/scenario.md)"
            )
        self._check_perigee()
        return self

    def _check_perigee(self) -> None:
        """The orbit's perigee must be at least MIN_PERIGEE_KM above the surface."""
        ecc = self.eccentricity or 0.0
        if self.altitude_km is not None and self.layout == "walker":
            a_km = _R_EARTH_KM + self.altitude_km
            given = f"altitude_km {self.altitude_km:g}"
        else:
            assert self.mean_motion_rev_per_day is not None  # checked above
            a_km = _R_EARTH_KM + _circular_altitude_km(self.mean_motion_rev_per_day)
            given = f"mean_motion_rev_per_day {self.mean_motion_rev_per_day:g}"
        if ecc == 0.0 and self.layout == "hypatia":
            ecc = 1e-7
        perigee_km = a_km * (1.0 - ecc) - _R_EARTH_KM
        if perigee_km < MIN_PERIGEE_KM:
            below = (
                f"{-perigee_km:,.0f} km below the Earth's surface"
                if perigee_km < 0
                else f"at {perigee_km:,.0f} km altitude"
            )
            with_e = f" with eccentricity {ecc:g}" if ecc else ""
            raise ValueError(
                f"{given}{with_e} puts the perigee {below}; a designed orbit's perigee must be "
                f"at least {MIN_PERIGEE_KM:g} km up (lower, it decays within about a day)"
            )


class SsoSpec(Model):
    """Sun-synchronous orbit by altitude and local time of the ascending node.

    The inclination follows from J2 (node rate = 360 deg per tropical year); ``count``
    satellites are spread evenly in mean anomaly in one plane.
    """

    altitude_km: float = Field(gt=150, lt=6_000)
    ltan_h: float = Field(ge=0, lt=24, description="local time of the ascending node [h]")
    count: int = Field(1, ge=1, le=MAX_SATELLITES)
    epoch: UtcTime | None = None
    bstar: float = Field(0.0, ge=-1, le=1)

    @field_validator("altitude_km")
    @classmethod
    def _sun_synchronous(cls, altitude_km: float) -> float:
        _sso_exists(altitude_km)
        return altitude_km


class ClusterSpec(Model):
    """A close formation (Suncatcher-like) around a centre orbit.

    Members sit on a hexagonal grid in the plane of HCW "general circular orbits", so that
    the formation rotates rigidly once per orbit (to first order) with neighbour spacing
    ``spacing_m``. The centre orbit is sun-synchronous at ``ltan_h`` unless
    ``inclination_deg`` is given.
    """

    altitude_km: float = Field(gt=150, lt=6_000)
    count: int = Field(ge=1, le=10_000)
    spacing_m: float = Field(gt=1, le=100_000)
    ltan_h: float | None = Field(6.0, ge=0, lt=24)
    inclination_deg: float | None = Field(None, ge=0, le=180)
    raan_deg: float = Field(0.0, ge=-360, le=360)
    epoch: UtcTime | None = None

    @model_validator(mode="after")
    def _centre_orbit(self) -> ClusterSpec:
        if self.inclination_deg is None:  # the centre orbit is sun-synchronous
            try:
                _sso_exists(self.altitude_km)
            except ValueError as exc:
                raise ValueError(
                    f"{exc}; or give inclination_deg (and raan_deg) for a centre orbit that is "
                    "not sun-synchronous"
                ) from None
        return self


class ConstellationSpec(Model):
    """One source of satellites: a TLE/3LE file, an OMM file, a Walker shell, SSO or a cluster.

    A dump (``model_dump``, :func:`resolved_dict`) writes ``spacecraft`` as the *resolved*
    design (:meth:`SpacecraftSpec.resolved`: the preset it builds on and every field's value),
    not as the fields the scenario gave: "which fields were set" does not survive a dump, and a
    re-loaded dump of the unresolved section would override the preset with every default.
    """

    name: str = Field(min_length=1, max_length=200)
    tle_file: str | None = Field(
        None,
        description="TLE/3LE file, relative to the scenario file, or 'package:<name>' for "
        "orbitcloud's own data (package:starlink-2023-07-18.tle)",
    )
    omm_file: str | None = Field(
        None, description="OMM file (CSV, JSON or XML), a path like tle_file or 'package:<name>'"
    )
    walker: WalkerSpec | None = None
    sso: SsoSpec | None = None
    cluster: ClusterSpec | None = None
    limit: int | None = Field(None, ge=1, description="use only the first N satellites of a file")
    isl: IslSpec = Field(default_factory=IslSpec)
    spacecraft: SpacecraftSpec = Field(default_factory=SpacecraftSpec)

    @model_validator(mode="after")
    def _one_source(self) -> ConstellationSpec:
        given = [
            k for k in ("tle_file", "omm_file", "walker", "sso", "cluster") if getattr(self, k)
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one source of satellites: tle_file, omm_file, walker, sso or "
                f"cluster (found {', '.join(given) or 'none'})"
            )
        return self

    def designed_count(self) -> int | None:
        """Satellites of a designed source (after ``limit``); None for a file, unknown until read."""
        if self.walker is not None:
            n = self.walker.planes * self.walker.sats_per_plane
        elif self.sso is not None:
            n = self.sso.count
        elif self.cluster is not None:
            n = self.cluster.count
        else:
            return None
        return n if self.limit is None else min(n, self.limit)

    @property
    def kind(self) -> str:
        for k in ("tle_file", "omm_file", "walker", "sso", "cluster"):
            if getattr(self, k):
                return k.replace("_file", "")
        raise AssertionError("unreachable")  # pragma: no cover

    def resolved_spacecraft(self) -> SpacecraftSpec:
        """This constellation's complete spacecraft design, named by its preset (the dumped form)."""
        return self.spacecraft.resolved(self.kind)

    @model_serializer(mode="wrap")
    def _dump_resolved_spacecraft(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        out = handler(self)
        if isinstance(out, dict) and "spacecraft" in out:
            out["spacecraft"] = self.resolved_spacecraft().model_dump(
                mode=info.mode,
                include=_sub_filter(info.include, "spacecraft"),
                exclude=_sub_filter(info.exclude, "spacecraft"),
                by_alias=bool(info.by_alias),
                exclude_none=info.exclude_none,
                exclude_defaults=info.exclude_defaults,
                round_trip=info.round_trip,
            )
        return out


def _sub_filter(spec: Any, key: str) -> Any:
    """The nested include/exclude of field ``key`` in a pydantic filter, if it has one."""
    if isinstance(spec, dict):
        sub = spec.get(key)
        if isinstance(sub, dict | set):
            return sub
    return None


class OutputsSpec(Model):
    """Which tables a run writes (``satellites`` and ``summary.json`` always)."""

    positions: bool = True
    sat_state: bool = True
    links: bool = False
    routes: bool = True
    requests: bool = True
    report: bool = True
    czml: bool = False
    positions_every: int = Field(1, ge=1, description="write every Nth step of positions")


class Scenario(Model):
    """A complete orbitcloud scenario (see docs/scenario.md)."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    question: str = Field(
        "",
        max_length=500,
        description="the question the scenario answers, shown first in the report and the CLI "
        "(default: the description's first sentence)",
    )
    seed: int = Field(0, ge=0, le=2**63 - 1)
    time: TimeSpec
    constellations: list[ConstellationSpec] = Field(min_length=1)
    ground: GroundSpec | None = None
    network: NetworkSpec = Field(default_factory=NetworkSpec)
    environment: EnvironmentSpec = Field(default_factory=EnvironmentSpec)
    workloads: WorkloadsSpec | None = None
    scheduling: SchedulingSpec = Field(default_factory=SchedulingSpec)
    events: list[EventSpec] = Field(default_factory=list)
    economics: EconomicsSpec | None = None
    orbit_ops: OrbitOpsSpec | None = None
    outputs: OutputsSpec = Field(default_factory=OutputsSpec)

    _source: str | None = PrivateAttr(None)
    _lines: dict[str, int] = PrivateAttr(default_factory=dict)

    def set_origin(self, source: str | None, lines: dict[str, int] | None) -> None:
        """Remember the file and the line of every key, for errors found after validation."""
        self._source, self._lines = source, dict(lines or {})

    def locate(self, where: str) -> str:
        """``where`` (a dotted field path, or the ``constellations[0].walker`` form) as
        ``file: path (line N)`` -- the loader's form -- when the scenario came from a file that
        has that key (or the nearest key above it), else the dotted path itself."""
        path = re.sub(r"\[(\d+)\]", r".\1", where)
        parts = path.split(".")
        for k in range(len(parts), 0, -1):
            line = self._lines.get(".".join(parts[:k]))
            if line is not None:
                src = f"{self._source}: " if self._source else ""
                return f"{src}{path} (line {line})"
        return f"{self._source}: {path}" if self._source else path

    @model_validator(mode="after")
    def _unique_names(self) -> Scenario:
        names = [c.name for c in self.constellations]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"constellation names must be unique; repeated: {', '.join(dup)}")
        return self

    # Cross-section checks as field validators, so that an error names its section (and line):
    # pydantic validates fields in order, so ``time`` and ``workloads`` are in ``info.data`` by
    # then (absent if they failed themselves: then the check is skipped).

    @field_validator("constellations")
    @classmethod
    def _size(cls, value: list[ConstellationSpec], info: ValidationInfo) -> list[ConstellationSpec]:
        """The designed satellites (files are counted when read) against the run limits."""
        time = info.data.get("time")
        designed = sum(c.designed_count() or 0 for c in value)
        check_run_size(designed, time.n_steps if time else 1, "designed (walker, sso, cluster)")
        return value

    @field_validator("scheduling")
    @classmethod
    def _scheduling_used(cls, value: SchedulingSpec, info: ValidationInfo) -> SchedulingSpec:
        if info.data.get("workloads") is not None or "workloads" not in info.data:
            return value
        changed = {
            k: v
            for k, v in value.model_dump().items()
            if v != SchedulingSpec.model_fields[k].default
        }
        if changed:
            given = ", ".join(f"{k}: {clip(repr(v))}" for k, v in changed.items())
            raise ValueError(
                f"{given}: scheduling places workload requests, but the scenario has no "
                "workloads section, so it would change nothing; add workloads or remove "
                "scheduling"
            )
        return value

    @field_validator("events")
    @classmethod
    def _events_used(cls, value: list[EventSpec], info: ValidationInfo) -> list[EventSpec]:
        """Events act on the workloads: without them, events are refused."""
        if value and info.data.get("workloads") is None and "workloads" in info.data:
            raise ValueError(
                f"{len(value)} event(s) given, but events act on the workloads (outages, "
                "failures and storms change what is served) and the scenario has no workloads "
                "section, so they would change nothing; add workloads or remove events"
            )
        return value

    def advisories(self) -> list[str]:
        """What in this scenario will change nothing in its run: an event or a storm window
        entirely outside the run's time (shown as warnings, not refused: a shortened copy of a
        scenario, or a sweep over ``duration_h``, keeps its events)."""
        run0, run1, window = _run_window(self.time)
        out = []
        for i, e in enumerate(self.events):
            a = parse_utc(e.start).timestamp() if e.start else run0
            b = a + e.duration_h * 3600.0 if e.duration_h is not None else run1
            if b <= run0 or a > run1:
                span = f"{e.start} for {e.duration_h:g} h" if e.duration_h else f"from {e.start}"
                out.append(
                    f"events.{i} ({e.kind}, {span}) lies entirely outside the run ({window}) "
                    "and changes nothing"
                )
        for i, st in enumerate(self.environment.storms):
            a, b = parse_utc(st.start).timestamp(), parse_utc(st.end).timestamp()
            if b <= run0 or a > run1:
                out.append(
                    f"environment.storms.{i} ({st.start} to {st.end}) lies entirely outside the "
                    f"run ({window}) and changes nothing"
                )
        return out

    def scenario_hash(self) -> str:
        """SHA-256 (hex, 16 chars) of the canonical JSON of the resolved scenario.

        Every constellation's spacecraft enters as its resolved design (see
        :class:`ConstellationSpec`), so the hash follows the physics: a preset's values, not only
        its name, and the same scenario re-loaded from its resolved dump hashes alike.
        A file the scenario names (``tle_file``, ``omm_file``, the conjunction background) enters by its content, not its
        path, so the same scenario hashes alike in any checkout and a changed catalogue changes
        the hash.
        """
        doc = self.model_dump(mode="json")
        for c in doc.get("constellations", []):
            for key in ("tle_file", "omm_file"):
                if c.get(key):
                    c[key] = _file_digest(c[key])
        conj = (doc.get("orbit_ops") or {}).get("conjunctions") or {}
        if conj.get("background_tle_file"):
            conj["background_tle_file"] = _file_digest(conj["background_tle_file"])
        blob = json.dumps(doc, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _file_digest(path: str) -> str:
    """``sha256:<hex>`` of a file's bytes, or the path itself if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as f:  # streamed: a catalogue can be 200 MB
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return path
    return "sha256:" + digest.hexdigest()


def resolved_dict(model: BaseModel) -> dict[str, Any]:
    """Every field of a scenario (defaults filled in) as plain JSON-like data.

    A ``None`` is left out only where ``None`` is the field's default (an unused source or
    option). A constellation's ``spacecraft`` is its resolved design: the preset it builds on
    and every value of that design (:meth:`SpacecraftSpec.resolved`). Loading the result gives
    a scenario with the same physics and hash, whose ``resolved_dict`` is this again.
    """
    out: dict[str, Any] = {}
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if name == "spacecraft" and isinstance(model, ConstellationSpec):
            value = model.resolved_spacecraft()
        if value is None and info.default is None:
            continue
        out[name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return resolved_dict(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return to_jsonable_python(value)
