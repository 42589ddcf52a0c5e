"""Load a scenario from a built-in name, a YAML file, a dict or a Scenario, validated.

Every problem becomes one :class:`OrbitcloudInputError` naming the file, the dotted field path
(and its line in the YAML), the value found and what is allowed -- before any work starts. A
misspelt key is answered with the closest allowed name, a misplaced key with where it belongs.
"""

from __future__ import annotations

import difflib
import math
import os
import types
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from orbitcloud.scenario.environment import resolve_space_weather_path
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.files import check_regular_file, package_data_names, resolve_data_file
from orbitcloud.scenario.limits import MAX_CATALOGUE_FILE_BYTES, MAX_SCENARIO_FILE_BYTES, clip
from orbitcloud.scenario.model import Scenario
from orbitcloud.scenario.orbit_ops import resolve_orbit_ops_paths
from orbitcloud.scenario.yamlio import load_yaml_file, load_yaml_text

_BUILTIN_PACKAGE = "orbitcloud.scenario.builtin"
_DOCS = "docs/scenario.md"


# --- built-in scenarios ---------------------------------------------------------------------


def builtin_names() -> list[str]:
    """Names of the built-in scenarios (``orbitcloud scenarios`` lists them)."""
    root = resources.files(_BUILTIN_PACKAGE)
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def builtin_path(name: str) -> Path:
    """Path of a built-in scenario's YAML file."""
    names = builtin_names()
    if name not in names:
        raise OrbitcloudInputError(
            f"no built-in scenario {name!r}; {_did_you_mean(name, names)}"
            f"built-in scenarios: {', '.join(names)}"
        )
    return Path(str(resources.files(_BUILTIN_PACKAGE) / f"{name}.yaml"))


def builtin_description(name: str) -> str:
    """The ``description`` field of a built-in scenario (one line)."""
    data, _ = load_yaml_file(builtin_path(name))
    text = str(data.get("description", "")) if isinstance(data, dict) else ""
    return " ".join(text.split())


# --- schema-aware error messages --------------------------------------------------------------


def _models_in(annotation: Any) -> tuple[list[type[BaseModel]], bool]:
    """Model classes inside a field annotation, and whether they come in a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation], False
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _models_in(args[0])
    if origin in (list, tuple, set, frozenset):
        return [m for a in args for m in _models_in(a)[0]], True
    if origin in (Union, types.UnionType):
        models: list[type[BaseModel]] = []
        is_list = False
        for a in args:
            sub, sub_list = _models_in(a)
            models += sub
            is_list = is_list or sub_list
        return models, is_list
    return [], False  # dict[...] values have free keys: no fixed path to point to


@cache
def _field_index() -> dict[str, tuple[str, ...]]:
    """Every field name of the schema -> the dotted places it may appear (``N`` = list index)."""
    index: dict[str, list[str]] = {}

    def visit(model: type[BaseModel], prefix: str, depth: int) -> None:
        if depth > 8:
            return
        for name, info in model.model_fields.items():
            path = f"{prefix}.{name}" if prefix else name
            index.setdefault(name, []).append(prefix or "(top level)")
            sub, is_list = _models_in(info.annotation)
            for m in sub:
                visit(m, f"{path}.N" if is_list else path, depth + 1)

    visit(Scenario, "", 0)
    return {k: tuple(dict.fromkeys(v)) for k, v in index.items()}


def _model_at(parts: list[str]) -> type[BaseModel] | None:
    """The model class describing the mapping at dotted ``parts`` (list indices allowed)."""
    models: list[type[BaseModel]] = [Scenario]
    for part in parts:
        if part.isdigit():
            continue
        nxt: list[type[BaseModel]] = []
        for m in models:
            info = m.model_fields.get(part)
            if info is not None:
                nxt += _models_in(info.annotation)[0]
        if not nxt:
            return None
        models = nxt
    return models[0] if len(models) == 1 else None


def _generic(path_parts: list[str]) -> str:
    return ".".join("N" if p.isdigit() else p for p in path_parts)


def _describe(value: Any) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        return {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}[str(value)]
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_REWORDING = (
    ("Input should be a valid integer", "must be a whole number"),
    ("Input should be a valid number", "must be a number"),
    ("Input should be a valid boolean", "must be true or false"),
    ("Input should be a valid string", "must be text"),
    ("Input should be a valid list", "must be a list"),
    ("Input should be a valid dictionary", "must be a mapping"),
    ("Input should be", "must be"),
)
"""pydantic's wording -> plainer words (the YAML user never typed an "input")."""


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _loc_to_path(loc: tuple[Any, ...], data: Any, err_type: str) -> list[str]:
    """The dotted path of an error, without pydantic's union/validator tags.

    A tag is a loc segment that is not a key (or index) of the user's document at that point;
    the last segment of a "missing" error is kept although it is, by definition, absent.
    """
    parts: list[str] = []
    node = data
    for i, seg in enumerate(loc):
        last = i == len(loc) - 1
        in_dict = isinstance(node, dict) and seg in node
        in_list = isinstance(node, list) and isinstance(seg, int) and 0 <= seg < len(node)
        if in_dict or in_list:
            parts.append(str(seg))
            node = node[seg]
        elif last and err_type == "missing":
            parts.append(str(seg))
        elif node is data and not isinstance(node, dict | list):
            parts.append(str(seg))  # no document to check against (model_validate of an object)
        # else: a union member or validator tag -- skip it
    return parts


def _message(err: Mapping[str, Any], parts: list[str]) -> str | None:
    """Newcomer-friendly text for one pydantic error; None to drop it."""
    kind = err["type"]
    value = err.get("input")
    msg = str(err["msg"])
    if kind == "extra_forbidden":
        key = clip(parts[-1]) if parts else "?"
        parent = _model_at(parts[:-1])
        allowed = list(parent.model_fields) if parent else []
        close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.7)
        if close:
            return f"unknown field {key!r}; did you mean {close[0]!r}?"
        here = _generic(parts[:-1]) or "(top level)"
        elsewhere = [p for p in _field_index().get(key, ()) if p != here]
        if elsewhere:
            if elsewhere == ["(top level)"]:
                return f"{key!r} does not belong here; it belongs at the top level"
            places = ", ".join(elsewhere[:4]) + (" ..." if len(elsewhere) > 4 else "")
            return f"{key!r} does not belong here; it belongs under {places} (see {_DOCS})"
        listing = f"; allowed here: {', '.join(allowed)}" if 0 < len(allowed) <= 20 else ""
        return f"unknown field {key!r}{listing} (see {_DOCS})"
    if kind == "missing":
        return "required field is missing"
    if kind in ("too_short", "too_long") and "ctx" in err:
        ctx = err["ctx"]
        if kind == "too_short":
            n = ctx.get("min_length")
            return f"needs at least {n} {'entry' if n == 1 else 'entries'}, found {ctx.get('actual_length')}"
        return f"takes at most {ctx.get('max_length')} entries, found {ctx.get('actual_length')}"
    if kind == "string_too_short" and err.get("ctx", {}).get("min_length") == 1:
        return "must not be empty"
    if kind in ("string_too_short", "string_too_long") and isinstance(value, str):
        ctx = err.get("ctx", {})
        bound = (
            f"at least {ctx.get('min_length')}"
            if kind == "string_too_short"
            else f"at most {ctx.get('max_length')}"
        )
        return (
            f"must be {bound} characters long, got {len(value):,} characters ({_describe(value)})"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of fields (key: value lines), got {_describe(value)}"
    if kind in ("value_error", "assertion_error"):
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        return msg
    for a, b in _REWORDING:
        msg = msg.replace(a, b)
    got = f", got {_describe(value)}"
    hint = ""
    if kind in ("float_type", "int_type", "int_from_float") and isinstance(value, str):
        hint = (
            " (quoted values are text in YAML: write the number without quotes)"
            if _looks_numeric(value.strip())
            else " (write a plain number)"
        )
    elif kind == "int_from_float" or (kind == "int_type" and isinstance(value, float)):
        hint = " (e.g. 1000 rather than 1e3)"
    elif kind == "bool_type":
        hint = " (yes/no/on/off are text in YAML 1.2)"
    elif kind == "string_type" and not isinstance(value, dict | list):
        hint = " (put it in quotes to make it text)"
    elif kind == "finite_number":
        hint = "; NaN and infinity are not allowed in a scenario"
    return f"{msg}{got}{hint}"


def format_validation_error(
    exc: ValidationError,
    source: str | None,
    lines: dict[str, int] | None = None,
    data: Any = None,
) -> OrbitcloudInputError:
    """Turn pydantic's errors into one message, a line per problem, each naming the field.

    Parameters
    ----------
    exc : the pydantic error
    source : the scenario file (or ``<string>``), prefixed to the message
    lines : dotted key path -> line number, from :func:`orbitcloud.scenario.yamlio.load_yaml_text`
    data : the document that was validated, used to drop pydantic's union tags from paths
    """
    lines = lines or {}
    errors = exc.errors(include_url=False)
    rows: list[tuple[list[str], str]] = []
    for err in errors:
        # a key may be any length: cut as the YAML reader cut it for its line numbers
        parts = [clip(p) for p in _loc_to_path(tuple(err["loc"]), data, err["type"])]
        text = _message(err, parts)
        if text is not None:
            rows.append((parts, text))
    # A typo gives "unknown 'stepp_s'" and "missing 'step_s'": keep the first, which says both.
    suggested = {
        (tuple(p[:-1]), t.split("did you mean ")[1].strip("'?"))
        for p, t in rows
        if "did you mean" in t
    }
    rows = [
        (p, t)
        for p, t in rows
        if not (t == "required field is missing" and (tuple(p[:-1]), p[-1]) in suggested)
    ]
    # union branches failing at the same place: one line
    merged: dict[str, list[str]] = {}
    for parts, text in rows:
        merged.setdefault(".".join(parts), [])
        if text not in merged[".".join(parts)]:
            merged[".".join(parts)].append(text)
    out = []
    for path, texts in merged.items():
        parts = path.split(".") if path else []
        line = None
        for k in range(len(parts), 0, -1):
            line = lines.get(".".join(parts[:k]))
            if line is not None:
                break
        where = path or "(top level)"
        if line:
            where += f" (line {line})"
        out.append(f"{where}: {'; or '.join(texts)}")
    if len(out) == 1:
        return OrbitcloudInputError(out[0], source)
    head = f"invalid scenario ({len(out)} problems):"
    return OrbitcloudInputError(head + "\n" + "\n".join("  " + o for o in out), source)


# --- loading ----------------------------------------------------------------------------------


def _resolve_paths(
    scenario: Scenario, base_dir: Path | None, source: str | None, lines: dict[str, int]
) -> None:
    """Make every file a scenario names absolute, checking it exists (before any work)."""
    for i, c in enumerate(scenario.constellations):
        for key in ("tle_file", "omm_file"):
            value = getattr(c, key)
            if not value:
                continue
            path = f"constellations.{i}.{key}"
            where = f"{path} (line {lines[path]})" if path in lines else path
            folder = base_dir if base_dir is not None else Path.cwd()
            try:  # package:<name> is orbitcloud's own data (one resolver, files.py)
                p = resolve_data_file(value, folder)
            except OrbitcloudInputError as exc:
                raise OrbitcloudInputError(f"{where}: {exc.detail}", source) from None
            p = Path(os.path.abspath(p))  # absolute, ".." collapsed for the message
            shown = clip(repr(value))
            if p.is_dir():
                raise OrbitcloudInputError(
                    f"{where}: {shown} is a folder ({p}); expected a {key[:3].upper()} file",
                    source,
                )
            if p.exists():  # a device, FIFO or socket (or a link to one), or too large
                try:
                    check_regular_file(p, f"a {key[:3].upper()} file", MAX_CATALOGUE_FILE_BYTES)
                except OrbitcloudInputError as exc:
                    raise OrbitcloudInputError(
                        f"{where}: {shown} ({p}): {exc.detail}", source
                    ) from None
            if not p.is_file():
                rel = "the scenario file's folder" if base_dir is not None else "the current folder"
                raise OrbitcloudInputError(
                    f"{where}: file {shown} not found (looked for {p}); a relative path is "
                    f"resolved against {rel}, {folder.absolute()}, and 'package:<name>' names "
                    f"orbitcloud's own data ({', '.join(package_data_names())})",
                    source,
                )
            setattr(c, key, str(p.resolve()))
    resolve_orbit_ops_paths(scenario.orbit_ops, base_dir, source)
    resolve_space_weather_path(scenario.environment, base_dir, source)


def scenario_from_dict(
    data: Any,
    source: str | None = None,
    base_dir: Path | None = None,
    lines: dict[str, int] | None = None,
) -> Scenario:
    """Validate a parsed scenario document; relative file paths resolve against ``base_dir``."""
    if data is None:
        raise OrbitcloudInputError(
            "the scenario is empty; it needs at least name, time and constellations "
            f"(see {_DOCS} or `orbitcloud scenarios` for examples)",
            source,
        )
    if not isinstance(data, dict):
        raise OrbitcloudInputError(
            "a scenario must be a mapping of fields (name, time, constellations, ...), "
            f"found {_describe(data)}",
            source,
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise format_validation_error(exc, source, lines, data) from None
    _resolve_paths(scenario, base_dir, source, lines or {})
    scenario.set_origin(source, lines)
    return scenario


def load_scenario(source: str | Path | dict | Scenario) -> Scenario:
    """Load and validate a scenario.

    Parameters
    ----------
    source
        A :class:`Scenario` (copied), a dict (relative paths against the current folder), a path
        to a YAML file (relative paths against its folder), or the name of a built-in scenario.
        An existing file wins over a built-in name.

    Raises
    ------
    OrbitcloudInputError
        For anything wrong with the scenario or the files it names.
    """
    if isinstance(source, Scenario):
        return source.model_copy(deep=True)
    if isinstance(source, dict):
        return scenario_from_dict(source)
    if not isinstance(source, str | Path):
        raise OrbitcloudInputError(
            "a scenario is a built-in name, a YAML file path, a dict or a Scenario; "
            f"found {type(source).__name__}"
        )
    p = Path(source)
    names = builtin_names()
    if p.is_file():
        pass
    elif str(source) in names:
        p = builtin_path(str(source))
    elif p.is_dir():
        raise OrbitcloudInputError("is a folder; expected a scenario YAML file", p)
    elif p.exists():  # a device, FIFO or socket, or a symlink to one
        check_regular_file(p, "a scenario YAML file")
    else:
        raise OrbitcloudInputError(
            "no such scenario file, and no built-in scenario of that name; "
            f"{_did_you_mean(str(source), names)}built-in scenarios: {', '.join(names)}",
            str(source),
        )
    data, lines = load_yaml_file(p, MAX_SCENARIO_FILE_BYTES, "a scenario YAML file")
    return scenario_from_dict(data, str(p), p.parent, lines)


def load_scenario_text(text: str, base_dir: Path | None = None) -> Scenario:
    """Load a scenario from YAML text (tests, notebooks)."""
    data, lines = load_yaml_text(text)
    return scenario_from_dict(data, "<string>", base_dir, lines)
