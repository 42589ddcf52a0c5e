"""Overrides by dotted path: change a few fields of a scenario for one run.

One set of rules for every place that changes a scenario by path: a sweep's ``set`` and
``parameters`` (:mod:`orbitcloud.sweep.spec`), ``orbitcloud.run(..., overrides={...})`` and
``orbitcloud run SCENARIO --set PATH=VALUE``. A path is field names and list indices joined by
dots (``constellations.0.walker.altitude_km``). A missing section on the way is created (the
schema then fills its defaults); a list index must exist; a value cannot be entered as if it
were a section. The overrides go into the scenario *document* before it is validated, so a
swept preset name takes effect and an unknown field is reported by the schema like any other,
naming the fields allowed there.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.limits import MAX_SCENARIO_FILE_BYTES
from orbitcloud.scenario.loader import builtin_names, builtin_path, load_scenario
from orbitcloud.scenario.loader import scenario_from_dict as _from_dict
from orbitcloud.scenario.model import Scenario, resolved_dict
from orbitcloud.scenario.yamlio import load_yaml_file, load_yaml_text

_SEGMENT = re.compile(r"^(?:[A-Za-z_][A-Za-z0-9_-]*|[0-9]+)$")
MAX_OVERRIDES = 1000
"""More overrides than this in one run is likelier a mistake than a plan (a sweep is the tool)."""


def _short(v: Any) -> str:
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= 60 else text[:57] + "..."


def split_path(path: str) -> list[str]:
    """The segments of a dotted path; a segment is a field name or a list index.

    Parameters
    ----------
    path : str
        E.g. ``constellations.0.walker.altitude_km``.

    Returns
    -------
    list of str
        The segments, e.g. ``["constellations", "0", "walker", "altitude_km"]``.

    Raises
    ------
    ValueError
        ``path`` is empty or has a segment that is neither a field name nor an index.
    """
    segs = path.split(".") if isinstance(path, str) else []
    bad = [s for s in segs if not _SEGMENT.match(s)]
    if bad or not path or not isinstance(path, str):
        raise ValueError(
            f"{_short(path)} is not a dotted path into the scenario (field names and list "
            "indices joined by dots, e.g. constellations.0.walker.altitude_km)"
        )
    return segs


def _navigate(doc: Any, segs: list[str], create: bool) -> tuple[Any, str | int]:
    """The container holding the last segment, and the key or index in it."""
    cur = doc
    for depth, seg in enumerate(segs[:-1]):
        nxt_key = _key_in(cur, seg, segs, depth)
        nxt = cur[nxt_key] if _has(cur, nxt_key) else None
        if nxt is None:
            if not create or isinstance(cur, list):
                where = ".".join(segs[: depth + 1])
                raise ValueError(f"{where} does not exist in the scenario")
            nxt = {}
            cur[nxt_key] = nxt
        cur = nxt
    return cur, _key_in(cur, segs[-1], segs, len(segs) - 1)


def _has(cur: Any, key: str | int) -> bool:
    if isinstance(cur, dict):
        return key in cur
    return isinstance(key, int) and 0 <= key < len(cur)


def _key_in(cur: Any, seg: str, segs: list[str], depth: int) -> str | int:
    where = ".".join(segs[: depth + 1])
    if isinstance(cur, list):
        if not seg.isdigit():
            raise ValueError(f"{where}: the scenario has a list here; use an index (0, 1, ...)")
        idx = int(seg)
        if idx >= len(cur):
            raise ValueError(
                f"{where}: index {idx} is out of range; the list has {len(cur)} item(s)"
            )
        return idx
    if isinstance(cur, dict):
        return seg
    parent = ".".join(segs[:depth]) or "(top level)"
    raise ValueError(f"{where}: {parent} is a value ({_short(cur)}), not a section or a list")


def set_dotted(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at a dotted ``path`` in a scenario document, in place.

    Missing sections on the way are created (the schema then fills their defaults); a list
    index must exist.

    Parameters
    ----------
    doc : dict
        A scenario document (parsed YAML), changed in place.
    path : str
        Field names and list indices joined by dots.
    value : object
        The new value (copied).

    Raises
    ------
    ValueError
        A malformed path, an index out of range, a field name where the document has a list,
        or a path entering a value; the message names the path and what is there.
    """
    segs = split_path(path)
    container, key = _navigate(doc, segs, create=True)
    container[key] = copy.deepcopy(value)


def check_disjoint_paths(names: Iterable[str], where: str) -> None:
    """Refuse two paths of which one lies inside the other (the result would depend on order).

    Parameters
    ----------
    names : iterable of str
        Dotted paths.
    where : str
        Where they were given, for the message.

    Raises
    ------
    ValueError
        Naming both paths.
    """
    names = list(names)
    for a in names:
        for b in names:
            if a != b and b.startswith(a + "."):
                raise ValueError(
                    f"{where}: {a!r} contains {b!r}; a path may not sit inside another"
                )


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` (the form of ``orbitcloud run --set``) as a path and a parsed value.

    The value is read as YAML, by the same strict YAML 1.2 rules as a scenario file: ``600``
    is an integer, ``1e-5`` a float, ``true`` a boolean, ``plus-grid`` text, ``[1, 2]`` a list;
    an empty value is null.

    Parameters
    ----------
    text : str
        E.g. ``time.duration_h=1``.

    Returns
    -------
    tuple of (str, object)
        The dotted path and the value.

    Raises
    ------
    OrbitcloudInputError
        No ``=``, a malformed path, or a value that is not valid YAML.
    """
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep:
        raise OrbitcloudInputError(
            f"{_short(text)}: give PATH=VALUE, e.g. time.duration_h=1 or "
            "constellations.0.walker.altitude_km=600",
            "--set",
        )
    try:
        split_path(path)
    except ValueError as exc:
        raise OrbitcloudInputError(str(exc), "--set") from None
    value, _ = load_yaml_text(raw, f"--set {path}")
    return path, value


def apply_overrides(
    doc: Mapping[str, Any], overrides: Mapping[str, Any], label: str = "overrides"
) -> dict[str, Any]:
    """A copy of a scenario document with every override set.

    Parameters
    ----------
    doc : mapping
        A scenario document (parsed YAML); not changed.
    overrides : mapping of str to object
        Dotted path -> new value, applied in order.
    label : str
        How the caller names the overrides in messages (``overrides``, ``--set``).

    Returns
    -------
    dict
        The changed document.

    Raises
    ------
    OrbitcloudInputError
        Not a mapping of paths, too many, a malformed path, two paths of which one lies inside
        the other, or a path the document cannot hold (naming the path and what is there).
    """
    if not isinstance(overrides, Mapping):
        raise OrbitcloudInputError(
            f"give a mapping of dotted path -> value, e.g. {{'time.duration_h': 1}}; found "
            f"{type(overrides).__name__}",
            label,
        )
    if len(overrides) > MAX_OVERRIDES:
        raise OrbitcloudInputError(
            f"{len(overrides):,} overrides; at most {MAX_OVERRIDES:,} (for many variants of a "
            "scenario, write a sweep file)",
            label,
        )
    out = copy.deepcopy(dict(doc))
    try:
        for path in overrides:
            split_path(path)
    except ValueError as exc:
        raise OrbitcloudInputError(str(exc), label) from None
    try:
        check_disjoint_paths(overrides, label)
    except ValueError as exc:
        raise OrbitcloudInputError(str(exc)) from None
    for path, value in overrides.items():
        try:
            set_dotted(out, path, value)
        except ValueError as exc:
            text = str(exc)  # it names the segment at fault; the full path only if different
            where = label if text.startswith(f"{path}:") else f"{label} {path}"
            raise OrbitcloudInputError(text, where) from None
    return out


def _document(source: Any) -> tuple[Any, str | None, Path | None, dict[str, int]]:
    """The document of a scenario source, its label, the folder its paths resolve against and
    the line of every key -- by :func:`load_scenario`'s rules (a file wins over a built-in)."""
    if isinstance(source, Scenario):
        return resolved_dict(source), None, None, {}
    if isinstance(source, dict):
        return copy.deepcopy(source), None, None, {}
    if isinstance(source, str | Path):
        p = Path(source)
        if not p.is_file() and str(source) in builtin_names():
            p = builtin_path(str(source))
        if p.is_file():
            data, lines = load_yaml_file(p, MAX_SCENARIO_FILE_BYTES, "a scenario YAML file")
            return data, str(p), p.parent, lines
    load_scenario(source)  # raises the loader's own error (no such file, a folder, a type...)
    raise OrbitcloudInputError("cannot read the scenario", str(source))  # pragma: no cover


def load_with_overrides(
    source: str | Path | dict | Scenario,
    overrides: Mapping[str, Any],
    label: str = "overrides",
) -> Scenario:
    """Load a scenario with some fields changed by dotted path, and validate the result.

    Parameters
    ----------
    source : str, Path, dict or Scenario
        As for :func:`orbitcloud.scenario.load_scenario`: a built-in name, a YAML file (relative
        paths against its folder), a dict (relative paths against the current folder) or a
        :class:`Scenario`. A Scenario is changed in its resolved form, every default and preset
        value filled in: override a value itself, not the preset name it came from.
    overrides : mapping of str to object
        Dotted path -> value, e.g. ``{"time.duration_h": 1,
        "constellations.0.walker.altitude_km": 600}``.
    label : str
        How the caller names the overrides in messages.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    OrbitcloudInputError
        A bad source, a bad path (see :func:`apply_overrides`) or an invalid result: the
        schema's message, naming the field, with the overrides that were applied.
    """
    data, where, base_dir, lines = _document(source)
    if not isinstance(data, dict):
        return _from_dict(data, where, base_dir, lines)  # the loader's "not a scenario" error
    doc = apply_overrides(data, overrides, label)
    changed = tuple(overrides)
    kept = {k: v for k, v in lines.items() if not any(_under(k, p) for p in changed)}
    try:
        return _from_dict(doc, where, base_dir, kept)
    except OrbitcloudInputError as exc:
        given = ", ".join(f"{p}={_short(v)}" for p, v in overrides.items())
        sep = "\n  " if "\n" in exc.detail else " "
        raise OrbitcloudInputError(f"{exc.detail}{sep}(with {label} {given})", exc.where) from None


def _under(key: str, path: str) -> bool:
    return key == path or key.startswith(path + ".")


__all__ = [
    "MAX_OVERRIDES",
    "apply_overrides",
    "check_disjoint_paths",
    "load_with_overrides",
    "parse_assignment",
    "set_dotted",
    "split_path",
]
