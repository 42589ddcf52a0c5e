"""Load a scenario from a built-in name, a YAML file, a dict or a Scenario, validated.

Every problem becomes one :class:`OrbitcloudInputError` naming the file, the dotted field path
(and its line in the YAML), the value found and what is allowed -- before any work starts.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.model import Scenario
from orbitcloud.scenario.yamlio import load_yaml_file, load_yaml_text

_BUILTIN_PACKAGE = "orbitcloud.scenario.builtin"


def builtin_names() -> list[str]:
    """Names of the built-in scenarios (``orbitcloud scenarios`` lists them)."""
    root = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    """Path of a built-in scenario's YAML file."""
    if name not in builtin_names():
        raise OrbitcloudInputError(
            f"no built-in scenario {name!r} and no such file; built-in scenarios: "
            + ", ".join(builtin_names())
        )
    return Path(str(resources.files(_BUILTIN_PACKAGE) / f"{name}.yaml"))


def builtin_description(name: str) -> str:
    data, _ = load_yaml_file(builtin_path(name))
    return str(data.get("description", "")) if isinstance(data, dict) else ""


def _shorten(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def format_validation_error(
    exc: ValidationError, source: str | None, lines: dict[str, int] | None = None
) -> OrbitcloudInputError:
    """Turn pydantic's errors into one message, a line per problem, each naming the field."""
    lines = lines or {}
    parts = []
    for err in exc.errors(include_url=False):
        loc = [str(x) for x in err["loc"]]
        path = ".".join(loc) or "(top level)"
        # the line of the deepest key we know
        line = None
        for k in range(len(loc), 0, -1):
            line = lines.get(".".join(loc[:k]))
            if line is not None:
                break
        where = f"{path} (line {line})" if line else path
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown field; check its spelling and its place in the scenario (see docs/scenario.md)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        if err["type"] in ("missing",) or "input" not in err:
            parts.append(f"  {where}: {msg}")
        else:
            parts.append(f"  {where}: {msg} (got {_shorten(err['input'])})")
    head = f"invalid scenario ({len(parts)} problem{'s' if len(parts) > 1 else ''}):"
    return OrbitcloudInputError(head + "\n" + "\n".join(parts), source)


def _resolve_paths(scenario: Scenario, base_dir: Path | None, source: str | None) -> None:
    for i, c in enumerate(scenario.constellations):
        for key in ("tle_file", "omm_file"):
            value = getattr(c, key)
            if not value:
                continue
            p = Path(value).expanduser()
            if not p.is_absolute():
                p = (base_dir or Path.cwd()) / p
            if not p.is_file():
                raise OrbitcloudInputError(
                    f"constellations.{i}.{key}: file {value!r} not found (looked at {p}); "
                    "a relative path is resolved against the scenario file's folder",
                    source,
                )
            setattr(c, key, str(p.resolve()))


def scenario_from_dict(
    data: Any,
    source: str | None = None,
    base_dir: Path | None = None,
    lines: dict[str, int] | None = None,
) -> Scenario:
    """Validate a parsed scenario document."""
    if not isinstance(data, dict):
        raise OrbitcloudInputError(
            f"a scenario must be a mapping of fields (name, time, constellations, ...), "
            f"found {type(data).__name__}",
            source,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, source, lines) from None
    _resolve_paths(scenario, base_dir, source)
    return scenario


def load_scenario(source: str | Path | dict | Scenario) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source
        A :class:`Scenario`, a dict, a path to a YAML file, or the name of a built-in scenario.
    """
    if isinstance(source, Scenario):
        return source.model_copy(deep=True)
    if isinstance(source, dict):
        return scenario_from_dict(source)
    p = Path(source)
    if not p.exists() and str(source) in builtin_names():
        p = builtin_path(str(source))
    elif not p.exists():
        names = ", ".join(builtin_names())
        raise OrbitcloudInputError(
            f"no such scenario file, and not a built-in scenario name; built-in: {names}",
            str(source),
        )
    data, lines = load_yaml_file(p)
    return scenario_from_dict(data, str(p), p.parent, lines)


def load_scenario_text(text: str, base_dir: Path | None = None) -> Scenario:
    """Load a scenario from YAML text (tests, notebooks)."""
    data, lines = load_yaml_text(text)
    return scenario_from_dict(data, "<string>", base_dir, lines)
