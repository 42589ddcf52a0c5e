"""Scenario section of the space environment: solar/geomagnetic activity, Earth, storms.

Space weather is either constant (``f107``, ``f107a``, ``ap``, with storm windows) or a time
series (``space_weather``: a CSV table of UT days, or the same rows inline) of 3-hourly ap and
daily F10.7, read and checked here (file, line, column and value in every error) before any
work starts. See docs/scenario-spacecraft.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, field_validator, model_validator

from orbitcloud.scenario.base import Model, UtcTime, parse_utc
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.files import read_regular_file, resolve_data_file
from orbitcloud.scenario.limits import clip

AP_COLUMNS = ("ap_00", "ap_03", "ap_06", "ap_09", "ap_12", "ap_15", "ap_18", "ap_21")
"""The eight 3-hourly ap columns of a space-weather table (interval start, UT hours)."""

REQUIRED_COLUMNS = ("date", *AP_COLUMNS, "f107")
OPTIONAL_COLUMNS = ("Ap", "f107a")

MAX_SPACE_WEATHER_FILE_BYTES = 16 * 1024 * 1024
"""Largest space-weather table [bytes]: a century of days is about 5 MB."""

AP_MAX = 400.0
"""Largest ap/Ap value (Kp 9o)."""

F107_RANGE = (30.0, 1000.0)
"""Accepted observed F10.7 [sfu]: the quietest days are about 62 sfu; flare-time local-noon
values reach several hundred (pymsis replaces values above 400 by the 81-day mean)."""


class StormSpec(Model):
    """A space-weather storm window: more dose (trapped-particle multipliers) and, with ``ap``,
    more drag (NRLMSIS density evaluated with the storm's Ap inside the window)."""

    start: UtcTime = Field(description="ISO-8601 UTC start")
    end: UtcTime = Field(description="ISO-8601 UTC end")
    electron_multiplier: float = Field(5.0, ge=0, le=1e4, description="horn electrons [-]")
    proton_multiplier: float = Field(1.0, ge=0, le=1e4, description="trapped protons [-]")
    ap: float | None = Field(
        None, ge=0, le=400, description="daily Ap during the storm (drag); default: unchanged"
    )

    @model_validator(mode="after")
    def _order(self) -> StormSpec:
        if parse_utc(self.end) <= parse_utc(self.start):
            raise ValueError(f"storm end {self.end} must be after start {self.start}")
        return self


class SpaceWeatherDay(Model):
    """One UT day of a space-weather series (the inline form of a table row)."""

    date: str = Field(description="UT day, YYYY-MM-DD")
    ap: list[float] = Field(description="eight 3-hourly ap (00-03 ... 21-24 UT)")
    f107: float = Field(description="observed F10.7 of the day [sfu]")
    Ap: float | None = Field(None, ge=0, le=AP_MAX, description="daily Ap; default mean of ap")
    f107a: float | None = Field(
        None, ge=F107_RANGE[0], le=F107_RANGE[1], description="81-day centred mean F10.7 [sfu]"
    )

    @field_validator("date")
    @classmethod
    def _date(cls, v: str) -> str:
        _parse_day(v)
        return v

    @field_validator("ap")
    @classmethod
    def _ap(cls, v: list[float]) -> list[float]:
        if len(v) != 8:
            raise ValueError(f"give the day's eight 3-hourly ap values, found {len(v)}")
        for x in v:
            _check_ap(x)
        return v

    @field_validator("f107")
    @classmethod
    def _f107(cls, v: float) -> float:
        _check_f107(v)
        return v


class SpaceWeatherSeriesSpec(Model):
    """A space-weather time series: 3-hourly ap and daily F10.7 for NRLMSIS.

    Give ``file`` (a CSV table; relative to the scenario file, or ``package:<name>`` for one of
    orbitcloud's own tables) or ``days`` (the same rows inline). The table must reach 57 h before
    the run starts (the ap history NRLMSIS takes), a day before it (the previous day's F10.7) and
    to its end; without an ``f107a`` column, also 40 days either side (the 81-day mean).
    """

    file: str | None = Field(None, description="CSV table of UT days (see the docs)")
    days: list[SpaceWeatherDay] | None = Field(None, description="the rows inline")
    geomagnetic_activity: Literal["3-hourly", "daily"] = Field(
        "3-hourly",
        description="NRLMSIS storm-time mode with the 3-hourly ap history, or daily Ap only",
    )

    @model_validator(mode="after")
    def _one_source(self) -> SpaceWeatherSeriesSpec:
        if (self.file is None) == (self.days is None):
            raise ValueError("give exactly one of file (a CSV table) or days (rows inline)")
        if self.days is not None:
            if not self.days:
                raise ValueError("days is empty; give at least the UT days of the run")
            _check_consecutive([_parse_day(d.date) for d in self.days], "days")
        return self

    def table(self) -> SpaceWeatherTable:
        """The series as arrays (reads and checks ``file``; call after path resolution)."""
        if self.file is not None:
            return read_space_weather_csv(self.file)
        assert self.days is not None
        d = self.days
        return SpaceWeatherTable(
            day0=_parse_day(d[0].date),
            ap=np.array([x.ap for x in d], dtype=float),
            f107=np.array([x.f107 for x in d], dtype=float),
            daily_ap=_optional([x.Ap for x in d], "Ap", "days"),
            f107a=_optional([x.f107a for x in d], "f107a", "days"),
            source="environment.space_weather.days",
        )


class EnvironmentSpec(Model):
    """Space weather inputs: F10.7 (daily and 81-day mean) and the daily Ap index, and more.

    ``f107``/``f107a``/``ap`` drive NRLMSIS 2.1 (nothing is downloaded) and, through Ap, the
    storm enhancement of the horn electrons. See docs/scenario-spacecraft.md.
    """

    f107: float = Field(150.0, ge=50, le=400, description="daily F10.7 [sfu]")
    f107a: float = Field(150.0, ge=50, le=400, description="81-day mean F10.7 [sfu]")
    ap: float = Field(15.0, ge=0, le=400, description="daily Ap index")
    atmosphere_method: Literal["auto", "grid", "direct"] = Field(
        "auto", description="NRLMSIS evaluation: interpolated grid or every point"
    )
    earth_ir_w_m2: float = Field(237.0, ge=0, le=500, description="outgoing longwave [W/m2]")
    albedo: float = Field(0.30, ge=0, le=1, description="Earth Bond albedo")
    ground_solar_capacity_factor: float = Field(
        0.24,
        gt=0,
        le=1,
        description="capacity factor of the same array on the ground (US median 0.24)",
    )
    radiation_multiplier: float = Field(1.0, ge=0, le=1e4, description="scales every dose rate")
    storms: list[StormSpec] = Field(default_factory=list)
    space_weather: SpaceWeatherSeriesSpec | None = Field(
        None, description="3-hourly ap and daily F10.7 series for NRLMSIS (replaces f107/ap)"
    )
    storm_density_factor: float = Field(
        1.0,
        ge=0,
        le=5,
        description="k: scales NRLMSIS's density increase over quiet ap (1 = NRLMSIS; 2 per "
        "Kataoka et al. 2022)",
    )
    quiet_ap: float = Field(4.0, ge=0, le=AP_MAX, description="quiet ap of that baseline")

    @model_validator(mode="after")
    def _one_drag_ap(self) -> EnvironmentSpec:
        if self.space_weather is not None:
            with_ap = [i for i, s in enumerate(self.storms) if s.ap is not None]
            if with_ap:
                raise ValueError(
                    f"storms.{with_ap[0]}.ap and space_weather both set the ap of the drag "
                    "model; with a space-weather series leave out the storms' ap (their "
                    "radiation multipliers still apply)"
                )
        return self


@dataclass(frozen=True)
class SpaceWeatherTable:
    """A checked space-weather table: consecutive UT days from ``day0``.

    Attributes
    ----------
    day0 : the first UT day
    ap : (n_days, 8) 3-hourly ap [-]
    f107 : (n_days,) observed F10.7 [sfu]
    daily_ap : (n_days,) daily Ap, or None (the mean of the day's ap)
    f107a : (n_days,) 81-day centred mean F10.7 [sfu], or None (computed from f107)
    source : where it came from, for messages
    """

    day0: date
    ap: np.ndarray
    f107: np.ndarray
    daily_ap: np.ndarray | None
    f107a: np.ndarray | None
    source: str

    @property
    def day0_unix_s(self) -> float:
        """UTC of 00:00 on the first day [s since 1970]."""
        return datetime(self.day0.year, self.day0.month, self.day0.day, tzinfo=UTC).timestamp()

    @property
    def n_days(self) -> int:
        return len(self.f107)


def _parse_day(text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except (ValueError, TypeError):
        raise ValueError(f"{clip(repr(text))} is not a UT day YYYY-MM-DD") from None


def _check_ap(x: float) -> None:
    if not (math.isfinite(x) and 0.0 <= x <= AP_MAX):
        missing = " (-1 marks a missing value in GFZ files: fill or cut the table)" if x < 0 else ""
        raise ValueError(f"ap {x!r} is outside 0-{AP_MAX:g}{missing}")


def _check_f107(x: float) -> None:
    lo, hi = F107_RANGE
    if not (math.isfinite(x) and lo <= x <= hi):
        missing = " (-1 marks a missing value in GFZ files: fill or cut the table)" if x < 0 else ""
        raise ValueError(f"F10.7 {x!r} sfu is outside {lo:g}-{hi:g}{missing}")


def _check_consecutive(days: list[date], where: str) -> None:
    for i in range(1, len(days)):
        if (days[i] - days[i - 1]).days != 1:
            raise ValueError(
                f"{where}: UT days must follow each other one by one; {days[i]} follows "
                f"{days[i - 1]} (item {i})"
            )


def _optional(values: list[float | None], name: str, where: str) -> np.ndarray | None:
    given = [v is not None for v in values]
    if not any(given):
        return None
    if not all(given):
        raise ValueError(f"{where}: give {name} for every day or for none")
    return np.array(values, dtype=float)


def read_space_weather_csv(path: str | Path) -> SpaceWeatherTable:
    """Read and check a space-weather CSV table.

    Format: ``#`` comment lines, then a header naming the columns, then one row per UT day in
    order: ``date`` (YYYY-MM-DD), ``ap_00`` ... ``ap_21`` (the eight 3-hourly ap of the day),
    ``f107`` (observed F10.7 of the day [sfu]), and optionally ``Ap`` (daily Ap) and ``f107a``
    (81-day centred mean F10.7 [sfu]). Days follow each other with no gap.

    Raises
    ------
    OrbitcloudInputError
        Naming the file, line, column and value of the first problem.
    """
    p = Path(path)
    raw = read_regular_file(p, "a space-weather CSV table", MAX_SPACE_WEATHER_FILE_BYTES)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OrbitcloudInputError(f"not UTF-8 text (byte {exc.start})", p) from None
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        body = line.strip()
        if not body or body.startswith("#"):
            continue
        cells = [c.strip() for c in body.split(",")]
        if header is None:
            header = cells
            _check_header(header, p, n)
            continue
        if len(cells) != len(header):
            raise OrbitcloudInputError(
                f"{len(cells)} values, the header has {len(header)} ({', '.join(header)})",
                f"{p}, line {n}",
            )
        rows.append((n, cells))
    if header is None or not rows:
        raise OrbitcloudInputError(
            f"no {'header' if header is None else 'rows'}; expected a header "
            f"({','.join(REQUIRED_COLUMNS)}[,Ap][,f107a]) and one row per UT day",
            p,
        )
    col = {name: i for i, name in enumerate(header)}
    days: list[date] = []
    vals: dict[str, list[float]] = {c: [] for c in header if c != "date"}
    for n, cells in rows:
        where = f"{p}, line {n}"
        try:
            d = _parse_day(cells[col["date"]])
        except ValueError as exc:
            raise OrbitcloudInputError(f"column date: {exc}", where) from None
        if days and (d - days[-1]).days != 1:
            raise OrbitcloudInputError(
                f"column date: {d} follows {days[-1]}; UT days must follow each other one by "
                "one (no gap, repeat or reversal)",
                where,
            )
        days.append(d)
        for name in vals:
            vals[name].append(_cell(cells[col[name]], name, where))
    ap = np.array([vals[c] for c in AP_COLUMNS], dtype=float).T
    return SpaceWeatherTable(
        day0=days[0],
        ap=ap,
        f107=np.array(vals["f107"]),
        daily_ap=np.array(vals["Ap"]) if "Ap" in vals else None,
        f107a=np.array(vals["f107a"]) if "f107a" in vals else None,
        source=str(p),
    )


def _check_header(header: list[str], p: Path, n: int) -> None:
    where = f"{p}, line {n}"
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for name in header:
        if name not in allowed:
            raise OrbitcloudInputError(
                f"unknown column {clip(repr(name))}; allowed: {', '.join(allowed)}", where
            )
    if len(set(header)) != len(header):
        raise OrbitcloudInputError(f"a column is named twice: {', '.join(header)}", where)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise OrbitcloudInputError(
            f"missing column(s) {', '.join(missing)}; a table needs "
            f"{', '.join(REQUIRED_COLUMNS)} (and may add {', '.join(OPTIONAL_COLUMNS)})",
            where,
        )


def _cell(text: str, name: str, where: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise OrbitcloudInputError(
            f"column {name}: {clip(repr(text))} is not a number", where
        ) from None
    try:
        if name in ("f107", "f107a"):
            _check_f107(x)
        else:
            _check_ap(x)
    except ValueError as exc:
        raise OrbitcloudInputError(f"column {name}: {exc}", where) from None
    return x


def resolve_space_weather_path(
    env: EnvironmentSpec, base_dir: Path | None, where: str | None
) -> None:
    """Make ``environment.space_weather.file`` absolute and read it once (every error before any
    work starts). For the scenario loader, with the scenario file's folder as ``base_dir``."""
    sw = env.space_weather
    if sw is None or sw.file is None:
        return
    field = "environment.space_weather.file"
    try:
        p = resolve_data_file(sw.file, base_dir)
    except OrbitcloudInputError as exc:
        raise OrbitcloudInputError(f"{field}: {exc.detail}", where) from None
    if not p.is_file() and not p.exists():
        folder = "the scenario file's folder" if base_dir is not None else "the current folder"
        raise OrbitcloudInputError(
            f"{field}: file {clip(repr(sw.file))} not found (looked for {p}); a relative path is "
            f"resolved against {folder}, and 'package:<name>' names orbitcloud's own tables "
            "(package:space-weather-2022-02.csv)",
            where,
        )
    sw.file = str(p.resolve())
    sw.table()  # read and check now
