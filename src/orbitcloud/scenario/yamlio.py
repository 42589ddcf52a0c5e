"""Strict YAML loading: YAML 1.2 core scalars, no duplicate keys, line numbers kept.

PyYAML's ``safe_load`` follows YAML 1.1: duplicate keys silently keep the last value, ``1e3`` is
a string, ``NO``/``on`` are booleans, ``010`` is octal 8 and ``1:30`` is sexagesimal 90
(shared/PITFALLS.md). This loader resolves plain scalars by the YAML 1.2 core schema instead:

* booleans are only ``true``/``false`` (any case form YAML 1.2 allows); ``yes``, ``no``, ``on``,
  ``off``, ``y``, ``n`` stay text, so a boolean field rejects them instead of guessing;
* integers are decimal (``010`` is ten), ``0o17`` octal or ``0x1F`` hexadecimal; ``1:30`` and
  ``1_000`` are text;
* ``1e3``, ``.5``, ``-.inf`` and ``.nan`` are floats (the schema then rejects inf and NaN);
* timestamps are not resolved: ``2023-07-18T00:00:00Z`` stays the text the user wrote.

The document is first composed into nodes and walked once: a duplicate key is rejected naming
its dotted path and both lines, and the line of every key is recorded so that schema errors can
name ``field.path (line N)``. Aliases and merge keys (``<<: *base``) work; a key given next to
a merge overrides the merged value, as YAML intends.

Hostile documents give one error too: a control character (NUL, ESC, ...) names its line and
column, nesting deeper than :data:`~orbitcloud.scenario.limits.MAX_YAML_DEPTH` is refused while
composing (before Python's recursion limit), an explicitly tagged value that is not what its tag
says (``!!int abc``, an integer of 5,000 digits) names its line, and a file is read only if it
is a regular file within its size limit (:mod:`orbitcloud.scenario.limits`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.files import read_regular_file
from orbitcloud.scenario.limits import MAX_YAML_DEPTH, MAX_YAML_FILE_BYTES, clip

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars and a nesting limit."""

    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        # PyYAML composes recursively (about 2 Python frames per level): refuse deep nesting
        # here, with its line, long before Python's recursion limit
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"nested more than {MAX_YAML_DEPTH} levels deep (a scenario needs about 8)",
                    mark,
                )
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self._depth -= 1


# Replace the YAML 1.1 implicit resolvers with the YAML 1.2 core schema (plus the merge key).
_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", _BOOL, list("tTfF")),
    ("tag:yaml.org,2002:null", _NULL, ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", _INT, list("-+0123456789")),
    ("tag:yaml.org,2002:float", _FLOAT, list("-+.0123456789")),
    (_MERGE_TAG, re.compile(r"^(?:<<)$"), ["<"]),
):
    _StrictLoader.add_implicit_resolver(_tag, _regexp, _first)


def _bad_scalar(node: yaml.Node, what: str, text: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(
        None, None, f"expected {what}, found {clip(text)!r}", node.start_mark
    )


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    try:  # an explicit !!int may hold anything; Python refuses ints of over 4,300 digits
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    except ValueError:
        raise _bad_scalar(node, "a whole number of at most 4,300 digits", text) from None


def _construct_float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = str(loader.construct_scalar(node))
    low = text.lower().lstrip("+")
    if low == ".inf":
        return float("inf")
    if low == "-.inf":
        return float("-inf")
    if low == ".nan":
        return float("nan")
    if not _FLOAT.match(text) and not _INT.match(text):  # an explicit !!float tag
        raise _bad_scalar(node, "a number", text)
    try:
        return (
            float(text)
            if not text.startswith(("0o", "0x"))
            else float(_construct_int(loader, node))
        )
    except (ValueError, OverflowError):
        raise _bad_scalar(node, "a number", text) from None


def _construct_bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    text = str(loader.construct_scalar(node))
    if not _BOOL.match(text):  # an explicit !!bool tag on something else
        raise _bad_scalar(node, "true or false", text)
    return text.lower() == "true"


def _construct_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    """An explicit ``!!timestamp`` stays the text written (timestamps are text here)."""
    return str(loader.construct_scalar(node))


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def _key_text(loader: _StrictLoader, node: yaml.Node, source: str, path: str) -> Any:
    """The Python value of a mapping key; it must be a plain scalar."""
    if not isinstance(node, yaml.ScalarNode):
        line = node.start_mark.line + 1
        raise OrbitcloudInputError(
            f"{path or '(top level)'} (line {line}): a key must be a plain name, "
            f"found a {'list' if isinstance(node, yaml.SequenceNode) else 'mapping'}",
            source,
        )
    return loader.construct_object(node)


def _walk(
    loader: _StrictLoader,
    node: yaml.Node,
    path: str,
    lines: dict[str, int],
    source: str,
    seen: set[int],
) -> None:
    """Check duplicate keys and record the line of every key, depth first.

    A node reached again through an alias is not walked twice (a "billion laughs" document
    stays linear), so keys reached only through an alias have no recorded line.
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = _key_text(loader, key_node, source, path)
            child = f"{path}.{clip(str(key))}" if path else clip(str(key))
            line = key_node.start_mark.line + 1
            try:
                earlier = first_line.get(key)
            except TypeError:  # unhashable cannot happen for scalars; be safe
                earlier = None
            if earlier is not None:
                raise OrbitcloudInputError(
                    f"{child} (line {line}): duplicate key {clip(repr(key))}, first given on line "
                    f"{earlier}; each key may appear only once in a mapping (YAML would "
                    "silently keep the last one)",
                    source,
                )
            first_line[key] = line
            lines.setdefault(child, line)
            _walk(loader, value_node, child, lines, source, seen)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                _walk(loader, value_node, path, lines, source, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = f"{path}.{i}" if path else str(i)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(loader, item, child, lines, source, seen)


def load_yaml_text(text: str, source_name: str = "<string>") -> tuple[Any, dict[str, int]]:
    """Parse YAML text strictly.

    Returns
    -------
    data, lines
        The parsed document and a map from dotted key path (``constellations.0.walker``) to
        its 1-based line number.

    Raises
    ------
    OrbitcloudInputError
        For invalid YAML (with line and column), more than one document, or a duplicate key
        (with its dotted path and both lines).
    """
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # the reader refuses control characters right here
        node = loader.get_single_node()
        lines: dict[str, int] = {}
        if node is None:
            return None, lines
        _walk(loader, node, "", lines, source_name, set())
        data = loader.construct_document(node)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(text, exc, source_name) from None
    except RecursionError:  # pragma: no cover - the depth limit comes first
        raise OrbitcloudInputError(
            f"not valid YAML (nested more than {MAX_YAML_DEPTH} levels deep)", source_name
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = str(getattr(exc, "problem", None) or exc)
        context = getattr(exc, "context", None)
        if context:
            problem = f"{context}, {problem}"
        hint = ""
        if "'\\t'" in problem:
            hint = "; indent with spaces: YAML does not allow tabs for indentation"
        raise OrbitcloudInputError(
            f"{where}not valid YAML ({problem}){hint}", source_name
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    return data, lines


def _reader_error(
    text: str, exc: yaml.reader.ReaderError, source_name: str
) -> OrbitcloudInputError:
    """A character YAML does not allow (NUL, ESC, ...): its line, column and code point."""
    pos = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, pos) + 1
    column = pos - (text.rfind("\n", 0, pos) + 1) + 1
    ch = exc.character
    code = f"U+{ch:04X}" if isinstance(ch, int) else f"U+{ord(ch):04X}" if ch else "?"
    return OrbitcloudInputError(
        f"line {line}, column {column}: control character {code} is not allowed in YAML "
        "(only tab, line breaks and printable characters are; write it as an escape such as "
        '"\\x00" inside double quotes if you need it)',
        source_name,
    )


def load_yaml_file(
    path: str | Path, max_bytes: int = MAX_YAML_FILE_BYTES, expected: str = "a YAML file"
) -> tuple[Any, dict[str, int]]:
    """Read and parse a YAML file strictly.

    A missing path, a folder, a device/FIFO (also behind a symlink), a file larger than
    ``max_bytes`` (default :data:`~orbitcloud.scenario.limits.MAX_YAML_FILE_BYTES`) or one that
    is not UTF-8 is an input error, found before the file is read (size, kind) or parsed
    (encoding). ``expected`` names the kind of file in messages.
    """
    p = Path(path)
    data = read_regular_file(p, expected, max_bytes)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise OrbitcloudInputError(
            f"not UTF-8 text (byte {exc.start} cannot be decoded); save the file as UTF-8", p
        ) from None
    return load_yaml_text(text, str(p))


class _StrictDumper(yaml.SafeDumper):
    """SafeDumper whose output reads back the same under YAML 1.1 *and* this 1.2 loader."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if not value.isprintable():  # control characters, NEL, line/paragraph separators
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if any(rx.match(value) for rx in (_BOOL, _NULL, _INT, _FLOAT)):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_StrictDumper.add_representer(str, _represent_str)


def dump_yaml(data: Any) -> str:
    """YAML text of plain data (dicts, lists, str, int, float, bool, None), keys in order.

    Any string that a YAML 1.1 or 1.2 reader could take for another type (``0o17``, ``NO``,
    ``1:30``, ``1e3``) is quoted, so :func:`load_yaml_text` gives back exactly ``data``.
    """
    return yaml.dump(data, Dumper=_StrictDumper, sort_keys=False, allow_unicode=True)
