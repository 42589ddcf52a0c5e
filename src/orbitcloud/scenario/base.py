"""Base model and small validated types shared by every scenario section."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from orbitcloud.scenario.limits import EARLIEST_TIME, LATEST_TIME, TIME_RANGE_TEXT, clip


class Model(BaseModel):
    """Strict scenario model: unknown keys rejected, NaN/inf rejected, no str->number coercion.

    pydantic v2 ignores unknown keys and accepts NaN/inf by default (shared/PITFALLS.md), so a
    misplaced key would vanish silently: ``extra="forbid"`` and ``allow_inf_nan=False`` close that,
    and ``strict=True`` keeps ``"1e3"`` (a string) out of a number field.
    """

    model_config = ConfigDict(
        extra="forbid",
        allow_inf_nan=False,
        strict=True,
        validate_default=True,
        frozen=False,
    )


def parse_utc(text: str) -> datetime:
    """Parse an ISO-8601 UTC instant such as ``2023-07-18T00:00:00Z`` (a naive time is UTC)."""
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        raise ValueError(
            f"{clip(repr(text))} is not an ISO-8601 UTC time; use e.g. '2023-07-18T00:00:00Z'"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    try:
        return dt.astimezone(UTC)
    except OverflowError:  # an offset that takes it out of years 1-9999
        raise ValueError(_outside_range(clip(repr(text)))) from None


def _outside_range(what: str) -> str:
    return (
        f"{what} is outside {TIME_RANGE_TEXT}, the range orbitcloud's models are valid in "
        "(SGP4 element sets begin in 1957; the Sun, time-scale and Earth-rotation models are "
        "written for this century)"
    )


def check_time_range(dt: datetime, what: str) -> None:
    """Raise ValueError unless ``dt`` lies in the documented range of the models (limits.py)."""
    if not EARLIEST_TIME <= dt <= LATEST_TIME:
        raise ValueError(_outside_range(what))


def _check_utc(text: str) -> str:
    check_time_range(parse_utc(text), repr(text))
    return text


def _datetime_to_text(value: object) -> object:
    """Let the Python API pass a ``datetime`` (naive = UTC) where YAML gives text."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


UtcTime = Annotated[str, BeforeValidator(_datetime_to_text), AfterValidator(_check_utc)]
"""An ISO-8601 UTC instant kept as the user wrote it; parse with :func:`parse_utc`."""
