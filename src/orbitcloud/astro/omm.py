"""Strict reader for CCSDS Orbit Mean-Elements Messages (OMM) as CelesTrak serves them.

Three encodings are read: CSV (one header row, one record per row), JSON (a list of objects)
and XML (the CCSDS NDM/XML form ``<ndm><omm>...<segment>...</segment></omm>...</ndm>``). The
format is taken from the content (``[``/``{`` JSON, ``<`` XML, otherwise CSV); a ``.csv``,
``.json`` or ``.xml`` file name that disagrees with the content is an error.

Every record is validated here, field by field, rather than handed to ``sgp4.omm``, which
raises a bare ``KeyError`` for a missing field, rejects an EPOCH without fractional seconds or
with a trailing ``Z``, and turns an eccentricity of ``nan`` or a negative mean motion into NaN
positions with error code 0 (PITFALLS.md, "Input"). Numbers must be plain decimal literals
(no ``nan``, ``inf``, ``_``, hex, or JSON ``NaN``/``Infinity``) and finite, within range.
The satellite is then built with ``Satrec.sgp4init(WGS72, 'i', ...)`` using the unit
conversions of ``sgp4.omm.initialize``, and propagated once at its epoch.

References
----------
.. [1] CCSDS 502.0-B-3, "Orbit Data Messages" (2023), section 4 (OMM) and the NDM/XML schema.
.. [2] CelesTrak, "A New Way to Obtain GP Data (aka TLEs)" (T.S. Kelso),
   https://celestrak.org/NORAD/documentation/gp-data-formats.php ; "NORAD Two-Line Element
   Set Format", https://celestrak.org/NORAD/documentation/tle-fmt.php (field meanings).
.. [3] D. A. Vallado, P. Crawford, R. Hujsak, T. S. Kelso, "Revisiting Spacetrack Report #3",
   AIAA 2006-6753 (2006): ``sgp4init`` and its units.
.. [4] B. Rhodes, python-sgp4, ``sgp4/omm.py``: unit conversions from OMM fields.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata
from datetime import date
from fractions import Fraction
from os import PathLike
from pathlib import Path
from typing import Any
from xml.parsers import expat

from sgp4.api import WGS72, Satrec

from orbitcloud.astro.tle import (
    MAX_ABS_BSTAR,
    CatalogEntry,
    line_of_offset,
    read_input_file,
    sgp4_problem_at_epoch,
)
from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.limits import MAX_SATELLITES, clip

__all__ = ["REQUIRED_FIELDS", "load_omm_file", "parse_omm_text"]

#: Fields every OMM record must carry.
REQUIRED_FIELDS = (
    "OBJECT_NAME",
    "NORAD_CAT_ID",
    "EPOCH",
    "MEAN_MOTION",
    "ECCENTRICITY",
    "INCLINATION",
    "RA_OF_ASC_NODE",
    "ARG_OF_PERICENTER",
    "MEAN_ANOMALY",
    "BSTAR",
    "MEAN_MOTION_DOT",
    "MEAN_MOTION_DDOT",
)

_DEG = math.pi / 180.0
_NDOT_UNITS = 1036800.0 / math.pi  # [rev/day^2] per [rad/min^2], as in sgp4/omm.py [4]
_NDDOT_UNITS = 2985984000.0 / 2.0 / math.pi  # [rev/day^3] per [rad/min^3]
_EPOCH0 = date(1949, 12, 31)  # sgp4init's epoch origin (days from 1949 December 31 0h UT)
_MAX_SATNUM = 339999  # largest number sgp4's Alpha-5 field can hold ("Z9999")

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
_INTEGER = re.compile(r"\+?[0-9]{1,12}")
_EPOCH_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?:(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})|(?P<doy>[0-9]{3}))"
    r"[T ](?P<h>[0-9]{2}):(?P<mi>[0-9]{2}):(?P<s>[0-9]{2})(?:\.(?P<f>[0-9]{1,12}))?Z?"
)
_OBJECT_ID = re.compile(r"(?P<y>[0-9]{4})-(?P<n>[0-9]{3})(?P<p>[A-Z]{1,3})")
_NUMBER_TEXT = "a finite decimal number"

#: (field, low, high, low is allowed, high is allowed, unit, what the range means)
_RANGES = (
    ("MEAN_MOTION", 0.0, 20.0, False, False, "rev/day", "an Earth orbit"),
    ("ECCENTRICITY", 0.0, 1.0, True, False, "", "a closed orbit"),
    ("INCLINATION", 0.0, 180.0, True, True, "deg", ""),
    ("RA_OF_ASC_NODE", 0.0, 360.0, True, True, "deg", ""),
    ("ARG_OF_PERICENTER", 0.0, 360.0, True, True, "deg", ""),
    ("MEAN_ANOMALY", 0.0, 360.0, True, True, "deg", ""),
    ("BSTAR", -MAX_ABS_BSTAR, MAX_ABS_BSTAR, True, True, "1/earth radii", "a physical drag term"),
)
#: Metadata that, when present, must say these satellites are SGP4 mean elements.
_METADATA = {
    "CENTER_NAME": ("EARTH",),
    "REF_FRAME": ("TEME",),
    "TIME_SYSTEM": ("UTC",),
    "MEAN_ELEMENT_THEORY": ("SGP4", "SGP/SGP4"),
}


class _Record:
    """One OMM record: its fields as text, where it is, and where each field is."""

    __slots__ = ("field_lines", "fields", "index", "line_no")

    def __init__(self, index: int, line_no: int | None) -> None:
        self.index = index  # 1-based record number
        self.line_no = line_no  # 1-based line of the record, None for JSON
        self.fields: dict[str, Any] = {}
        self.field_lines: dict[str, int] = {}

    def where(self, key: str | None = None) -> str:
        line = self.field_lines.get(key, self.line_no) if key else self.line_no
        head = f"line {line} (record {self.index})" if line else f"record {self.index}"
        return f"{head}, field {clip(key)}" if key else head


# --- format readers: text -> list of _Record -------------------------------------------------


def _read_csv(text: str, source: str) -> list[_Record]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    header_line = 0
    records: list[_Record] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip() for cell in row]
                header_line = reader.line_num
                seen: set[str] = set()
                for name in header:
                    if not name:
                        raise OrbitcloudInputError(
                            f"line {header_line}: the CSV header has an empty column name", source
                        )
                    if name in seen:
                        raise OrbitcloudInputError(
                            f"line {header_line}: the CSV header names column {clip(repr(name))} twice",
                            source,
                        )
                    seen.add(name)
                missing = [k for k in REQUIRED_FIELDS if k not in seen]
                if missing:
                    raise OrbitcloudInputError(
                        f"line {header_line}: the CSV header lacks the required column(s) "
                        f"{', '.join(missing)}; found {clip(', '.join(header))}",
                        source,
                    )
                continue
            if len(row) != len(header):
                raise OrbitcloudInputError(
                    f"line {reader.line_num} (record {len(records) + 1}): {len(row)} values, "
                    f"but the header (line {header_line}) has {len(header)} columns",
                    source,
                )
            rec = _Record(len(records) + 1, reader.line_num)
            rec.fields = dict(zip(header, row, strict=True))
            records.append(rec)
    except csv.Error as exc:
        raise OrbitcloudInputError(
            f"line {reader.line_num}: not valid CSV ({exc})", source
        ) from None
    return records


class _JsonConstant:
    """A JSON ``NaN``/``Infinity``/``-Infinity`` literal, kept so the field can be named."""

    def __init__(self, name: str) -> None:
        self.name = name


class _JsonObject(dict):  # type: ignore[type-arg]
    """A JSON object that remembers keys given more than once."""

    duplicates: list[str]


def _json_object(pairs: list[tuple[str, Any]]) -> _JsonObject:
    out = _JsonObject()
    out.duplicates = []
    for key, value in pairs:
        if key in out:
            out.duplicates.append(key)
        out[key] = value
    return out


def _read_json(text: str, source: str) -> list[_Record]:
    try:
        doc = json.loads(
            text,
            parse_float=str,  # keep the literal: validated below like CSV/XML text
            parse_int=str,
            parse_constant=_JsonConstant,  # NaN, Infinity, -Infinity: rejected per field
            object_pairs_hook=_json_object,
        )
    except json.JSONDecodeError as exc:
        raise OrbitcloudInputError(
            f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})", source
        ) from None
    except RecursionError:
        raise OrbitcloudInputError("not valid OMM JSON: nested too deeply", source) from None
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list):
        raise OrbitcloudInputError(
            "OMM JSON must be a list of objects (one per satellite), found "
            f"{_json_scalar_kind(text) or _json_type(doc)} at the top level",
            source,
        )
    records = []
    for i, item in enumerate(doc):
        if not isinstance(item, dict):
            raise OrbitcloudInputError(
                f"record {i + 1}: expected an object of OMM fields, found {_json_type(item)}",
                source,
            )
        rec = _Record(i + 1, None)
        if isinstance(item, _JsonObject) and item.duplicates:
            raise OrbitcloudInputError(
                f"{rec.where(item.duplicates[0])}: the key is given twice in one object", source
            )
        rec.fields = item
        records.append(rec)
    return records


def _json_scalar_kind(text: str) -> str | None:
    """What a document that is one JSON scalar holds ("a text", "a number", ...), else None.

    A JSON text, number, true/false or null fits on one line; anything else is not one.
    """
    body = text.strip()
    if not body or "\n" in body or "\r" in body or body[0] in "[{<":
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, str):
        return f"a text (the JSON string {clip(repr(value), 40)})"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (a JSON boolean)"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"a number ({clip(body, 40)})"
    return None  # pragma: no cover - json.loads gives nothing else


def _json_type(value: Any) -> str:
    if isinstance(value, _JsonConstant):
        return f"JSON {value.name} (not a finite number)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return "a text or number"


class _XmlReader:
    """Collect each ``<segment>`` of an NDM/OMM XML document as one record (expat, no DTD)."""

    _IGNORED = frozenset({"COMMENT", "USER_DEFINED"})

    def __init__(self, source: str) -> None:
        self.source = source
        self.parser = expat.ParserCreate()
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._chars
        self.parser.StartDoctypeDeclHandler = self._doctype
        self.parser.EntityDeclHandler = self._entity
        self.records: list[_Record] = []
        self.current: _Record | None = None
        self.depth_in_segment = 0
        self.text: list[str] = []
        self.has_children: list[bool] = []
        self.omm_seen = False

    def _doctype(self, *args: Any) -> None:
        raise OrbitcloudInputError(
            f"line {self.parser.CurrentLineNumber}: a DOCTYPE declaration is not allowed in "
            "an OMM file",
            self.source,
        )

    def _entity(self, *args: Any) -> None:  # pragma: no cover - DOCTYPE is refused first
        raise OrbitcloudInputError(
            f"line {self.parser.CurrentLineNumber}: entity declarations are not allowed",
            self.source,
        )

    @staticmethod
    def _local(name: str) -> str:
        return name.rsplit(":", 1)[-1]

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = self._local(name)
        if self.has_children:
            self.has_children[-1] = True
        self.has_children.append(False)
        self.text = []
        if local == "omm":
            self.omm_seen = True
        if local == "segment":
            if self.current is not None:
                raise OrbitcloudInputError(
                    f"line {self.parser.CurrentLineNumber}: a <segment> inside a <segment>",
                    self.source,
                )
            self.current = _Record(len(self.records) + 1, self.parser.CurrentLineNumber)
            self.records.append(self.current)

    def _chars(self, data: str) -> None:
        self.text.append(data)

    def _end(self, name: str) -> None:
        local = self._local(name)
        had_children = self.has_children.pop()
        rec = self.current
        if local == "segment":
            self.current = None
        elif rec is not None and not had_children and local not in self._IGNORED:
            if local in rec.fields:
                raise OrbitcloudInputError(
                    f"line {self.parser.CurrentLineNumber} (record {rec.index}): field "
                    f"{local} is given twice (first on line {rec.field_lines[local]})",
                    self.source,
                )
            rec.fields[local] = "".join(self.text)
            rec.field_lines[local] = self.parser.CurrentLineNumber
        self.text = []

    def read(self, text: str) -> list[_Record]:
        try:
            self.parser.Parse(text, True)
        except expat.ExpatError as exc:
            raise OrbitcloudInputError(
                f"line {exc.lineno}, column {exc.offset + 1}: not valid XML "
                f"({expat.ErrorString(exc.code)})",
                self.source,
            ) from None
        if not self.omm_seen and not self.records:
            raise OrbitcloudInputError(
                "no <omm> element: expected CCSDS NDM/XML (<ndm><omm>...</omm></ndm>)",
                self.source,
            )
        return self.records


# --- field validation --------------------------------------------------------------------------


def _text(rec: _Record, key: str, source: str, required: bool = True) -> str | None:
    """Field ``key`` as stripped text; None if absent and optional."""
    value = rec.fields.get(key)
    if value is None:
        if key in rec.fields and required:
            raise OrbitcloudInputError(f"{rec.where(key)}: expected a value, found null", source)
        if required:
            raise OrbitcloudInputError(
                f"{rec.where()}: required field {key} is missing "
                f"(an OMM record needs {', '.join(REQUIRED_FIELDS)})",
                source,
            )
        return None
    if not isinstance(value, str):
        raise OrbitcloudInputError(
            f"{rec.where(key)}: expected a number or text, found {_json_type(value)}", source
        )
    value = value.strip()
    if value == "" and required and key != "OBJECT_NAME":
        raise OrbitcloudInputError(f"{rec.where(key)}: required field is empty", source)
    return value


def _number(rec: _Record, key: str, source: str) -> float:
    raw = _text(rec, key, source)
    assert raw is not None
    value = float(raw) if _NUMBER.fullmatch(raw) else math.nan
    if not math.isfinite(value):
        raise OrbitcloudInputError(
            f"{rec.where(key)}: expected {_NUMBER_TEXT} (such as 15.06, .58057E-4 or -1e-5), "
            f"found {clip(repr(raw))}",
            source,
        )
    return value


def _integer(rec: _Record, key: str, source: str, required: bool = True) -> int | None:
    raw = _text(rec, key, source, required)
    if raw is None:
        return None
    if not _INTEGER.fullmatch(raw):
        raise OrbitcloudInputError(
            f"{rec.where(key)}: expected a whole number (digits only), found {clip(repr(raw))}",
            source,
        )
    return int(raw)


def _epoch_days(rec: _Record, source: str) -> float:
    """EPOCH as days since 1949 December 31 0h UTC (sgp4init's ``epoch``)."""
    raw = _text(rec, "EPOCH", source)
    assert raw is not None
    m = _EPOCH_RE.fullmatch(raw)
    try:
        if m is None:
            raise ValueError("not in that form")
        year = int(m["y"])
        if not 1957 <= year <= 2099:
            raise ValueError("the year must be 1957 to 2099")
        if m["doy"] is not None:
            doy = int(m["doy"])
            if not 1 <= doy <= date(year, 12, 31).timetuple().tm_yday:
                raise ValueError(f"{year} has no day {doy}")
            ordinal = date(year, 1, 1).toordinal() + doy - 1
        else:
            ordinal = date(year, int(m["mo"]), int(m["d"])).toordinal()
        hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"])
        if hour > 23 or minute > 59 or second > 59:
            raise ValueError("the time of day is out of range")
    except ValueError as exc:
        raise OrbitcloudInputError(
            f"{rec.where('EPOCH')}: expected a UTC date and time YYYY-MM-DDThh:mm:ss[.ffffff][Z] "
            f"(or YYYY-DDDThh:mm:ss[.ffffff][Z]), found {clip(repr(raw))} ({exc})",
            source,
        ) from None
    frac = m["f"] or "0"
    seconds = Fraction(hour * 3600 + minute * 60 + second) + Fraction(int(frac), 10 ** len(frac))
    return float((ordinal - _EPOCH0.toordinal()) + seconds / 86400)


def _name(rec: _Record, norad_id: int, source: str) -> str:
    raw = _text(rec, "OBJECT_NAME", source)
    assert raw is not None
    for c in raw:
        if unicodedata.category(c) in ("Cc", "Zl", "Zp"):
            raise OrbitcloudInputError(
                f"{rec.where('OBJECT_NAME')}: control character U+{ord(c):04X} in {clip(repr(raw))}",
                source,
            )
    return raw or f"NORAD {norad_id}"


def _build(rec: _Record, source: str) -> CatalogEntry:
    """Validate one record and build its Satrec."""
    for key in REQUIRED_FIELDS:  # report a missing field before any value problem
        _text(rec, key, source)
    norad_id = _integer(rec, "NORAD_CAT_ID", source)
    assert norad_id is not None
    if not 1 <= norad_id <= _MAX_SATNUM:
        raise OrbitcloudInputError(
            f"{rec.where('NORAD_CAT_ID')}: expected 1 to {_MAX_SATNUM} (the largest number "
            f"sgp4 can hold), found {norad_id}",
            source,
        )
    name = _name(rec, norad_id, source)
    for key, allowed in _METADATA.items():
        value = _text(rec, key, source, required=False)
        if value is not None and value.upper() not in allowed:
            raise OrbitcloudInputError(
                f"{rec.where(key)}: expected {' or '.join(allowed)} (SGP4 mean elements), "
                f"found {clip(repr(value))}",
                source,
            )
    epoch = _epoch_days(rec, source)
    values = {k: _number(rec, k, source) for k in REQUIRED_FIELDS[3:]}
    for key, low, high, low_ok, high_ok, unit, meaning in _RANGES:
        v = values[key]
        if (v > low if not low_ok else v >= low) and (v < high if not high_ok else v <= high):
            continue
        lo = ("at least " if low_ok else "more than ") + f"{low:g}"
        hi = (" and at most " if high_ok else " and less than ") + f"{high:g}"
        raw = _text(rec, key, source)
        raise OrbitcloudInputError(
            f"{rec.where(key)}: expected {lo}{hi}{' ' + unit if unit else ''}"
            f"{' (' + meaning + ')' if meaning else ''}, found {clip(repr(raw))}",
            source,
        )

    sat = Satrec()
    try:
        sat.sgp4init(
            WGS72,
            "i",
            norad_id,
            epoch,
            values["BSTAR"],
            values["MEAN_MOTION_DOT"] / _NDOT_UNITS,
            values["MEAN_MOTION_DDOT"] / _NDDOT_UNITS,
            values["ECCENTRICITY"],
            values["ARG_OF_PERICENTER"] * _DEG,
            values["INCLINATION"] * _DEG,
            values["MEAN_ANOMALY"] * _DEG,
            values["MEAN_MOTION"] / 720.0 * math.pi,
            values["RA_OF_ASC_NODE"] * _DEG,
        )
    except (ValueError, OverflowError) as exc:  # pragma: no cover - inputs checked above
        raise OrbitcloudInputError(
            f"{rec.where()}: sgp4 rejected the record ({exc})", source
        ) from None
    _optional_fields(rec, sat, source)
    problem = sgp4_problem_at_epoch(sat)
    if problem:
        raise OrbitcloudInputError(
            f"{rec.where()}: sgp4 cannot propagate NORAD {norad_id} at its epoch: {problem}",
            source,
        )
    return CatalogEntry(name=name, norad_id=norad_id, satrec=sat, line_no=rec.line_no or rec.index)


def _optional_fields(rec: _Record, sat: Satrec, source: str) -> None:
    """Copy the informational TLE fields onto the Satrec when present (as sgp4.omm does)."""
    cls = _text(rec, "CLASSIFICATION_TYPE", source, required=False)
    if cls:
        if cls not in ("U", "C", "S"):
            raise OrbitcloudInputError(
                f"{rec.where('CLASSIFICATION_TYPE')}: expected U, C or S, found {clip(repr(cls))}",
                source,
            )
        sat.classification = cls
    object_id = _text(rec, "OBJECT_ID", source, required=False)
    m = _OBJECT_ID.fullmatch(object_id or "")
    if m:  # analyst objects carry other forms ("UNKNOWN"); those leave the designator empty
        sat.intldesg = m["y"][2:] + m["n"] + m["p"]
    for key, attr, high in (
        ("EPHEMERIS_TYPE", "ephtype", 9),
        ("ELEMENT_SET_NO", "elnum", 9999),
        ("REV_AT_EPOCH", "revnum", 99999999),
    ):
        value = _integer(rec, key, source, required=False)
        if value is None:
            continue
        if value > high:
            raise OrbitcloudInputError(
                f"{rec.where(key)}: expected 0 to {high}, found {value}", source
            )
        setattr(sat, attr, value)


# --- public API ------------------------------------------------------------------------------


def _sniff(text: str) -> str:
    head = text.lstrip()[:1]
    if head in ("[", "{") or _json_scalar_kind(text) is not None:
        return "json"  # a lone JSON string or number is JSON too (and refused as such)
    return "xml" if head == "<" else "csv"


def parse_omm_text(
    text: str, source: str = "<string>", fmt: str | None = None
) -> list[CatalogEntry]:
    """Parse OMM text in CSV, JSON or XML form.

    Parameters
    ----------
    text : str
        The document.
    source : str
        Name used in error messages (normally the file path).
    fmt : {"csv", "json", "xml"}, optional
        The encoding; taken from the content when None. A given ``fmt`` that disagrees with
        the content is an error.

    Returns
    -------
    list of CatalogEntry
        In document order; ``line_no`` is the record's line (CSV row, XML ``<segment>``) or,
        for JSON, the 1-based record index.

    Raises
    ------
    OrbitcloudInputError
        For the first problem, naming ``source``, the record (line and/or number) and the field.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise OrbitcloudInputError("no satellites found: the file is empty", source)
    found = _sniff(text)
    if fmt is not None and fmt != found:
        raise OrbitcloudInputError(
            f"the file name says {fmt.upper()} but the content looks like {found.upper()} "
            f"(it starts with {text.lstrip()[:20]!r})",
            source,
        )
    if found == "json":
        records = _read_json(text, source)
    elif found == "xml":
        records = _XmlReader(source).read(text)
    else:
        records = _read_csv(text, source)
    if not records:
        raise OrbitcloudInputError("no satellites found: the file has no OMM records", source)
    entries: list[CatalogEntry] = []
    first_seen: dict[int, _Record] = {}
    if len(records) > MAX_SATELLITES:
        raise OrbitcloudInputError(
            f"{len(records):,} OMM records, more than the {MAX_SATELLITES:,} satellites a run may "
            "have (see the limits in docs/scenario.md); split the file or keep the ones you need",
            source,
        )
    for rec in records:
        entry = _build(rec, source)
        previous = first_seen.get(entry.norad_id)
        if previous is not None:
            raise OrbitcloudInputError(
                f"{rec.where('NORAD_CAT_ID')}: NORAD catalogue number {entry.norad_id} appears "
                f"twice (first in {previous.where()}); give each satellite once",
                source,
            )
        first_seen[entry.norad_id] = rec
        entries.append(entry)
    return entries


def load_omm_file(path: str | PathLike[str]) -> list[CatalogEntry]:
    """Read and validate a CelesTrak OMM file (CSV, JSON or XML).

    Parameters
    ----------
    path : str or os.PathLike
        The file; UTF-8. A ``.csv``, ``.json`` or ``.xml`` suffix must agree with the content;
        any other suffix lets the content decide.

    Returns
    -------
    list of CatalogEntry
        One per record, in file order, each with an sgp4 ``Satrec`` (WGS72, improved mode)
        that propagates without error at its epoch.

    Raises
    ------
    OrbitcloudInputError
        Missing file, bytes that are not UTF-8, or any problem :func:`parse_omm_text` reports.
    """
    p = Path(path)
    data = read_input_file(p, "an OMM file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = line_of_offset(data, exc.start)
        raise OrbitcloudInputError(
            f"line {line_no}: byte 0x{data[exc.start]:02X} is not UTF-8 text", p
        ) from None
    suffix = p.suffix.lower().lstrip(".")
    fmt = suffix if suffix in ("csv", "json", "xml") else None
    return parse_omm_text(text, str(p), fmt)
