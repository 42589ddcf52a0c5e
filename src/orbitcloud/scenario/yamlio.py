"""Strict YAML loading: YAML 1.2 core scalars, no duplicate keys, line numbers kept.

PyYAML's ``safe_load`` follows YAML 1.1: duplicate keys silently keep the last value, ``1e3`` is
a string, ``NO``/``on`` are booleans, ``010`` is octal 8 and ``1:30`` is sexagesimal 90
(shared/PITFALLS.md). This loader resolves plain scalars by the YAML 1.2 core schema instead
(``true``/``false``, decimal/``0o``/``0x`` integers, ``1e3`` a float), leaves timestamps as strings,
rejects duplicate keys naming both lines, and records the line of every mapping key so that
schema errors can name ``field.path (line N)``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from orbitcloud.scenario.errors import OrbitcloudInputError

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and duplicate-key detection."""


# Replace YAML 1.1 implicit resolvers with the YAML 1.2 core schema.
_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789")),
):
    _StrictLoader.add_implicit_resolver(_tag, _regexp, _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    low = text.lower().lstrip("+")
    if low in (".inf",):
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    if low == ".nan":
        return float("nan")
    return float(text)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    lines: dict[Any, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise OrbitcloudInputError(
                f"line {key_node.start_mark.line + 1}: a mapping key must be a plain value, "
                f"found {type(key).__name__}",
                loader.source_name,
            ) from exc
        if key in mapping:
            raise OrbitcloudInputError(
                f"line {key_node.start_mark.line + 1}: duplicate key {key!r} "
                f"(first given on line {lines[key]}); each key may appear once",
                loader.source_name,
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    loader.key_lines[id(mapping)] = lines
    return mapping


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _collect_lines(obj: Any, key_lines: dict[int, dict], prefix: str, out: dict[str, int]) -> None:
    if isinstance(obj, dict):
        lines = key_lines.get(id(obj), {})
        for k, v in obj.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            if k in lines:
                out[path] = lines[k]
            _collect_lines(v, key_lines, path, out)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            _collect_lines(v, key_lines, f"{prefix}.{i}" if prefix else str(i), out)


def load_yaml_text(text: str, source_name: str = "<string>") -> tuple[Any, dict[str, int]]:
    """Parse YAML text strictly.

    Returns
    -------
    data, lines
        The parsed document and a map from dotted key path (``constellations.0.walker``) to
        its 1-based line number.
    """
    loader = _StrictLoader(text)
    loader.source_name = source_name
    loader.key_lines = {}
    try:
        data = loader.get_single_data()
    except OrbitcloudInputError:
        raise
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise OrbitcloudInputError(f"{where}not valid YAML ({problem})", source_name) from None
    finally:
        loader.dispose()
    lines: dict[str, int] = {}
    _collect_lines(data, loader.key_lines, "", lines)
    return data, lines


def load_yaml_file(path: str | Path) -> tuple[Any, dict[str, int]]:
    """Read and parse a YAML file strictly; a missing or non-UTF-8 file is an input error."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OrbitcloudInputError("file not found", p) from None
    except IsADirectoryError:
        raise OrbitcloudInputError("is a folder, expected a YAML file", p) from None
    except UnicodeDecodeError as exc:
        raise OrbitcloudInputError(f"not UTF-8 text (byte {exc.start})", p) from None
    return load_yaml_text(text, str(p))
