"""Strict reader for Two-Line Element sets (2LE and 3LE catalogues).

Every field of both lines is checked column by column against the official layout before sgp4
sees it, because sgp4's fast parser (``Satrec.twoline2rv``, the path ``SatrecArray`` needs)
validates nothing and Python's ``float()`` accepts ``inf``, ``nan``, ``1e5`` and ``_``
(PITFALLS.md, "Input"). A rejected line is answered the way python-sgp4's ``sgp4/io.py`` does:
the official column template printed above the user's line, here with the file, the 1-based
line number, the columns, the field, what was expected there and a caret under the culprit.

What is accepted: 2LE and 3LE entries (the name line is optional per entry, may carry
Space-Track's ``0`` prefix and may itself begin with ``1`` or ``2``), LF, CRLF, CR or mixed
line endings, blank lines between entries, trailing spaces, a missing checksum column
(68-character lines), catalogue numbers with leading spaces or in Alpha-5 form, and every sign
form of the implied-decimal exponent fields. Each accepted entry is then built with
``Satrec.twoline2rv`` (WGS72), cross-checked against this module's own reading of the fields
(catalogue number, inclination, eccentricity, mean motion, epoch), and propagated once at its
epoch: an sgp4 error code, a non-finite state or a perigee below the surface is an error too.

Errors are ``OrbitcloudInputError`` with messages of the form ``"<file>: line <n>: ..."``. A line
of 60 or more characters is never taken for a name line (CelesTrak names have at most 24).

Limits (docs/scenario.md, "Limits"): |B*| at most :data:`MAX_ABS_BSTAR` (SGP4 with B* = 1e5
returns error-free positions 1e31 km out); a file of at most
:data:`~orbitcloud.scenario.limits.MAX_CATALOGUE_FILE_BYTES`, checked from its size before it is
read; at most :data:`~orbitcloud.scenario.limits.MAX_SATELLITES` entries; a line quoted in an
error is cut to :data:`~orbitcloud.scenario.limits.MAX_QUOTE_CHARS` characters.

References
----------
.. [1] CelesTrak, "NORAD Two-Line Element Set Format" (T.S. Kelso),
   https://celestrak.org/NORAD/documentation/tle-fmt.php ; Alpha-5 catalogue numbers:
   https://celestrak.org/NORAD/documentation/ (letters I and O are not used).
.. [2] D. A. Vallado, P. Crawford, R. Hujsak, T. S. Kelso, "Revisiting Spacetrack Report #3",
   AIAA 2006-6753 (2006): ``twoline2rv`` and the year convention 57-99 -> 19xx, 00-56 -> 20xx.
.. [3] B. Rhodes, python-sgp4, ``sgp4/io.py``: the column template and the error layout.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from sgp4.api import SGP4_ERRORS, WGS72, Satrec

from orbitcloud.scenario.errors import OrbitcloudInputError
from orbitcloud.scenario.files import read_regular_file
from orbitcloud.scenario.limits import (
    MAX_CATALOGUE_FILE_BYTES,
    MAX_QUOTE_CHARS,
    MAX_SATELLITES,
    clip,
)

__all__ = [
    "MAX_ABS_BSTAR",
    "CatalogEntry",
    "alpha5_to_int",
    "load_tle_file",
    "parse_tle_bytes",
    "parse_tle_text",
    "sgp4_problem_at_epoch",
    "tle_checksum",
]

_DEG = math.pi / 180.0
_XPDOTP = 1440.0 / (2.0 * math.pi)  # [rev/day] per [rad/min]

LINE1_TEMPLATE = "1 NNNNNC NNNNNAAA NNNNN.NNNNNNNN +.NNNNNNNN +NNNNN-N +NNNNN-N N NNNNN"
LINE2_TEMPLATE = "2 NNNNN NNN.NNNN NNN.NNNN NNNNNNN NNN.NNNN NNN.NNNN NN.NNNNNNNNNNNNNN"

MAX_ABS_BSTAR = 10.0
"""Largest |B*| accepted [1/earth radii]. B* = rho0 Cd (A/m) / 2 with rho0 = 0.157 kg/m^2/ER
(Vallado 2006): an intact satellite (A/m ~ 0.01 m^2/kg) is near 0.002, the shipped Starlink
catalogue stays below 0.069 and Vallado's verification set below 0.135, and even a high
area-to-mass blanket fragment (A/m ~ 30 m^2/kg) is near 5. SGP4 turns B* = 1e5 into error-free
positions 1e31 km from the Earth (PITFALLS.md); what a large but possible B* does over a run is
caught by the radius check of :func:`orbitcloud.astro.propagate.propagate_teme`."""

#: A line of this length or longer is never taken for a name line (names have at most 24
#: characters in CelesTrak's format); it is diagnosed as a malformed TLE line instead.
_DATA_LIKE_LEN = 60


@dataclass(frozen=True)
class CatalogEntry:
    """One satellite read from a TLE or OMM file.

    Attributes
    ----------
    name : str
        Object name from the 3LE name line or OMM ``OBJECT_NAME``; ``"NORAD <id>"`` for a 2LE
        entry without a name line.
    norad_id : int
        NORAD catalogue number (Alpha-5 decoded, so ``A0001`` is 100001).
    satrec : sgp4.api.Satrec
        Initialised with WGS72 constants, improved mode; error 0 and finite at its epoch.
    line_no : int
        1-based line of the entry's line 1 in the file (OMM: the record's line, row or index).
    """

    name: str
    norad_id: int
    satrec: Satrec
    line_no: int


# --- column layout --------------------------------------------------------------------------
# One table per line: (first column, last column (1-based, inclusive), field, what is expected,
# regex for the field). The whole-line fast-path regex is built from the same table, so the fast
# check and the per-column diagnosis cannot disagree.

_SEP = "a space"


def _right_justified(width: int) -> str:
    """Regex for an unsigned integer of ``width`` columns, right-justified, leading spaces."""
    return "|".join(" " * k + f"[0-9]{{{width - k}}}" for k in range(width))


_SATNUM = f"[A-HJ-NP-Z][0-9]{{4}}|{_right_justified(5)}"
_SATNUM_TEXT = (
    "a catalogue number: 5 digits (leading spaces allowed), or Alpha-5 "
    "(a letter A-Z other than I and O, then 4 digits)"
)
_ANGLE = f"(?:{_right_justified(3)})\\.[0-9]{{4}}"
_ANGLE_TEXT = "NNN.NNNN: 3 digits (leading spaces allowed), '.', 4 digits"
_EXP_FIELD = r"[ +-][0-9]{5}[+-][0-9]"
_EXP_TEXT = (
    "+NNNNN-N: a sign (space, + or -), 5 digits (leading decimal point implied), "
    "an exponent sign (+ or -) and 1 exponent digit"
)

_Field = tuple[int, int, str, str, str]

_LINE1_FIELDS: tuple[_Field, ...] = (
    (1, 1, "line number", "'1'", "1"),
    (2, 2, "separator", _SEP, " "),
    (3, 7, "catalogue number", _SATNUM_TEXT, _SATNUM),
    (8, 8, "classification", "U, C or S", "[UCS]"),
    (9, 9, "separator", _SEP, " "),
    (
        10,
        17,
        "international designator",
        "YYNNNPPP: 2-digit launch year, 3-digit launch number, 1-3 letter piece "
        "(left-justified), or 8 spaces",
        "[0-9]{5}[A-Z](?:[A-Z]{2}|[A-Z] |  )| {8}",
    ),
    (18, 18, "separator", _SEP, " "),
    (19, 20, "epoch year", "2 digits", "[0-9]{2}"),
    (
        21,
        32,
        "epoch day of year",
        "DDD.DDDDDDDD: 3 digits (leading spaces allowed), '.', 8 digits",
        f"(?:{_right_justified(3)})\\.[0-9]{{8}}",
    ),
    (33, 33, "separator", _SEP, " "),
    (
        34,
        43,
        "first derivative of mean motion / 2",
        "+.NNNNNNNN: a sign (space, + or -), '.', 8 digits",
        r"[ +-]\.[0-9]{8}",
    ),
    (44, 44, "separator", _SEP, " "),
    (45, 52, "second derivative of mean motion / 6", _EXP_TEXT, _EXP_FIELD),
    (53, 53, "separator", _SEP, " "),
    (54, 61, "BSTAR drag term", _EXP_TEXT, _EXP_FIELD),
    (62, 62, "separator", _SEP, " "),
    (63, 63, "ephemeris type", "1 digit (normally 0)", "[0-9]"),
    (64, 64, "separator", _SEP, " "),
    (65, 68, "element set number", "1-4 digits, right-justified", _right_justified(4)),
)

_LINE2_FIELDS: tuple[_Field, ...] = (
    (1, 1, "line number", "'2'", "2"),
    (2, 2, "separator", _SEP, " "),
    (3, 7, "catalogue number", _SATNUM_TEXT, _SATNUM),
    (8, 8, "separator", _SEP, " "),
    (9, 16, "inclination [deg]", _ANGLE_TEXT, _ANGLE),
    (17, 17, "separator", _SEP, " "),
    (18, 25, "right ascension of the ascending node [deg]", _ANGLE_TEXT, _ANGLE),
    (26, 26, "separator", _SEP, " "),
    (27, 33, "eccentricity", "7 digits (leading decimal point implied)", "[0-9]{7}"),
    (34, 34, "separator", _SEP, " "),
    (35, 42, "argument of perigee [deg]", _ANGLE_TEXT, _ANGLE),
    (43, 43, "separator", _SEP, " "),
    (44, 51, "mean anomaly [deg]", _ANGLE_TEXT, _ANGLE),
    (52, 52, "separator", _SEP, " "),
    (
        53,
        63,
        "mean motion [rev/day]",
        "NN.NNNNNNNN: 2 digits (leading space allowed), '.', 8 digits",
        f"(?:{_right_justified(2)})\\.[0-9]{{8}}",
    ),
    (64, 68, "revolution number at epoch", "1-5 digits, right-justified", _right_justified(5)),
)


def _compile(fields: tuple[_Field, ...]) -> tuple[re.Pattern[str], list[re.Pattern[str]]]:
    whole = re.compile("".join(f"(?:{f[4]})" for f in fields) + "[0-9]?")
    return whole, [re.compile(f"(?:{f[4]})") for f in fields]


_LINE1_RE, _LINE1_FIELD_RES = _compile(_LINE1_FIELDS)
_LINE2_RE, _LINE2_FIELD_RES = _compile(_LINE2_FIELDS)

# Checksum: digits count their value, '-' counts 1, everything else 0 [1].
_CHECKSUM_TABLE = bytes((c - 48) if 48 <= c <= 57 else (1 if c == 45 else 0) for c in range(256))
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def tle_checksum(line: str) -> int:
    """Checksum of a TLE line: the sum of the digits of columns 1-68, '-' counting 1, mod 10.

    Parameters
    ----------
    line : str
        A TLE line; only its first 68 characters count (non-ASCII ones count 0).

    Returns
    -------
    int
        The checksum digit, 0-9 [1]_.
    """
    return sum(line[:68].encode("ascii", "replace").translate(_CHECKSUM_TABLE)) % 10


def alpha5_to_int(field: str) -> int:
    """Decode a 5-column catalogue number, plain (leading spaces allowed) or Alpha-5.

    Parameters
    ----------
    field : str
        Columns 3-7 of a TLE line, already checked against the layout.

    Returns
    -------
    int
        The catalogue number: ``"A0001"`` -> 100001, ``"Z9999"`` -> 339999 [1]_.
    """
    c = field[0]
    if "A" <= c <= "Z":
        n = ord(c) - ord("A") + 10
        n -= c > "I"
        n -= c > "O"
        return n * 10000 + int(field[1:])
    return int(field)


def _exp_field(s: str) -> float:
    """Value of an implied-decimal field such as ``-12345-5`` (= -0.12345e-5)."""
    value = int(s[1:6]) * 10.0 ** (int(s[7]) * (-1 if s[6] == "-" else 1) - 5)
    return -value if s[0] == "-" else value


def _visible(line: str) -> str:
    """The line with every character that is not printable ASCII shown as '?'."""
    return "".join(c if " " <= c <= "~" else "?" for c in line)


def _char_name(c: str) -> str:
    return f"U+{ord(c):04X} ({unicodedata.name(c, 'unnamed')})"


class _TleLineError(Exception):
    """Internal: a column-level problem, turned into OrbitcloudInputError with the line number."""


def _format_error(which: int, line: str, first: int, last: int, message: str) -> str:
    template = LINE1_TEMPLATE if which == 1 else LINE2_TEMPLATE
    cols = f"column {first}" if first == last else f"columns {first}-{last}"
    show = max(len(template) + 1, MAX_QUOTE_CHARS)  # the line is quoted up to this column
    marker = " " * min(first - 1, show) + "^" * max(1, min(last, show) - first + 1)
    rest = f" ... ({len(line) - show:,} more characters)" if len(line) > show else ""
    return (
        f"TLE line {which}, {cols}: {message}\n"
        f"  official format of line {which}, then your line:\n"
        f"    {template}\n"
        f"    {_visible(line[:show])}{rest}\n"
        f"    {marker}"
    )


def _diagnose(which: int, line: str) -> str | None:
    """Describe the first layout problem of a TLE line, or None when its layout is valid.

    Parameters
    ----------
    which : {1, 2}
        Which line of the pair this should be.
    line : str
        The line, trailing spaces removed.
    """
    fields, field_res = (
        (_LINE1_FIELDS, _LINE1_FIELD_RES) if which == 1 else (_LINE2_FIELDS, _LINE2_FIELD_RES)
    )
    for k, c in enumerate(line[:70], 1):  # the columns a TLE line has, and one more
        if c == "\t":
            return _format_error(
                which, line, k, k, "a tab character; TLE columns must be filled with spaces"
            )
        if not c.isascii():
            return _format_error(
                which,
                line,
                k,
                k,
                f"non-ASCII character {_char_name(c)}; a TLE line is plain ASCII",
            )
        if not " " <= c <= "~":
            return _format_error(which, line, k, k, f"control character {_char_name(c)}")
    n = len(line)
    padded = line.ljust(68)
    for (first, last, name, expected, _), rx in zip(fields, field_res, strict=True):
        text = padded[first - 1 : last]
        if rx.fullmatch(text):
            continue
        if n < first:
            found = f"the line ends at column {n}"
        elif n < last:
            found = f"found {line[first - 1 :]!r} and then the line ends at column {n}"
        else:
            found = f"found {text!r}"
        extra = ""
        if n < 68:
            extra = " (a TLE line has 69 columns, or 68 without the checksum)"
        return _format_error(
            which, line, first, last, f"{name}: expected {expected}, {found}{extra}"
        )
    if n > 69:
        return _format_error(
            which,
            line,
            70,
            n,
            f"the line is {n} columns long; a TLE line has 69 (68 without the checksum), "
            f"found extra text {clip(repr(line[69:]))}",
        )
    if n == 69 and line[68] not in "0123456789":
        return _format_error(which, line, 69, 69, f"checksum: expected 1 digit, found {line[68]!r}")
    return None


def _check_layout(which: int, line: str) -> None:
    """Raise _TleLineError unless ``line`` has the valid layout and checksum of line ``which``."""
    rx = _LINE1_RE if which == 1 else _LINE2_RE
    if len(line) not in (68, 69) or not line.isascii() or rx.fullmatch(line) is None:
        message = _diagnose(which, line)
        if message is None:  # pragma: no cover - the regex and the table are built alike
            message = _format_error(which, line, 1, len(line), "does not match the layout")
        raise _TleLineError(message)
    if len(line) == 69:
        expected = tle_checksum(line)
        if int(line[68]) != expected:
            raise _TleLineError(
                _format_error(
                    which,
                    line,
                    69,
                    69,
                    f"checksum: expected {expected} (the sum of the digits in columns 1-68, "
                    f"each '-' counting 1, modulo 10), found {line[68]}",
                )
            )


def sgp4_problem_at_epoch(sat: Satrec) -> str | None:
    """Propagate ``sat`` to its own epoch; describe what went wrong, or return None.

    The error code, the state (a NaN position can come back with error 0, PITFALLS.md,
    "Input") and the perigee (it must be above the surface) are checked.

    Parameters
    ----------
    sat : sgp4.api.Satrec
        An initialised satellite.

    Returns
    -------
    str or None
        sgp4's error text with its code, or a note on a non-finite state; None if all is well.
    """
    e, r, v = sat.sgp4(sat.jdsatepoch, sat.jdsatepochF)
    code = e or sat.error
    if code:
        return f"{SGP4_ERRORS.get(code, 'unknown error')} (sgp4 error code {code})"
    if not all(math.isfinite(x) for x in (*r, *v)):
        return "the position or velocity is not finite although sgp4 reports no error"
    # sgp4 no longer flags a perigee inside the Earth (its error 5 was retired [2]_), and
    # reports decay (error 6) only once the satellite itself is below the surface.
    perigee_km = sat.altp * sat.radiusearthkm
    if not perigee_km > 0.0:
        return (
            f"the perigee is {-perigee_km:.0f} km below the Earth's surface "
            "(mean motion and eccentricity do not describe an orbit)"
        )
    return None


def _jd_year_start(year: int) -> float:
    """Julian date of January 1, 0h UT of ``year`` (1901-2099) [2]_ (``jday``)."""
    return 367.0 * year - (7 * (year + 10 // 12)) // 4 + 275 // 9 + 1 + 1721013.5


class _PairError(Exception):
    """Internal: a problem found on the given 1-based file line."""

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(message)
        self.line_no = line_no


def _build_entry(name: str, l1: str, l2: str, line_no: int) -> CatalogEntry:
    """Validate one line pair (line 1 on file line ``line_no``) and build its Satrec.

    Raises _PairError naming the file line of the problem.
    """
    try:
        _check_layout(1, l1)
    except _TleLineError as exc:
        raise _PairError(line_no, str(exc)) from None
    try:
        _check_layout(2, l2)
    except _TleLineError as exc:
        raise _PairError(line_no + 1, str(exc)) from None

    # -- fields, read from characters already checked ------------------------------------------
    satnum = alpha5_to_int(l1[2:7])
    if satnum == 0:
        raise _PairError(
            line_no, _format_error(1, l1, 3, 7, "catalogue number 0 is not a satellite")
        )
    if alpha5_to_int(l2[2:7]) != satnum:
        raise _PairError(
            line_no + 1,
            _format_error(
                2,
                l2,
                3,
                7,
                f"catalogue number {l2[2:7].strip()!r} differs from {l1[2:7].strip()!r} "
                f"in line 1 (file line {line_no}); both lines must belong to one satellite",
            ),
        )
    yy = int(l1[18:20])
    year = 2000 + yy if yy < 57 else 1900 + yy
    epoch_day = float(l1[20:32])
    if not 1.0 <= epoch_day < 367.0:
        raise _PairError(
            line_no,
            _format_error(
                1,
                l1,
                21,
                32,
                f"epoch day of year: expected 1.00000000 to 366.99999999, found {l1[20:32]!r}",
            ),
        )
    incl = float(l2[8:16])
    raan = float(l2[17:25])
    ecc = int(l2[26:33]) / 1e7
    argp = float(l2[34:42])
    mean_anomaly = float(l2[43:51])
    mean_motion = float(l2[52:63])
    for value, limit, first, label in (
        (incl, 180.0, 9, "inclination"),
        (raan, 360.0, 18, "right ascension of the ascending node"),
        (argp, 360.0, 35, "argument of perigee"),
        (mean_anomaly, 360.0, 44, "mean anomaly"),
    ):
        if value > limit:
            raise _PairError(
                line_no + 1,
                _format_error(
                    2,
                    l2,
                    first,
                    first + 7,
                    f"{label}: expected 0 to {limit:g} degrees, found {l2[first - 1 : first + 7]!r}",
                ),
            )
    bstar = _exp_field(l1[53:61])
    if not abs(bstar) <= MAX_ABS_BSTAR:
        raise _PairError(
            line_no,
            _format_error(
                1,
                l1,
                54,
                61,
                f"BSTAR drag term: expected -{MAX_ABS_BSTAR:g} to {MAX_ABS_BSTAR:g} [1/earth "
                f"radii], found {l1[53:61]!r} = {bstar:.6g} (no object has such a drag term, and "
                "SGP4 gives garbage positions for it)",
            ),
        )
    if not 0.0 < mean_motion < 20.0:
        raise _PairError(
            line_no + 1,
            _format_error(
                2,
                l2,
                53,
                63,
                "mean motion: expected more than 0 and less than 20 rev/day (an Earth orbit), "
                f"found {l2[52:63]!r}",
            ),
        )

    # -- sgp4 (it ignores the checksum column; give it one where the file has none) -----------
    s1 = l1 if len(l1) == 69 else l1 + str(tle_checksum(l1))
    s2 = l2 if len(l2) == 69 else l2 + str(tle_checksum(l2))
    sat = Satrec.twoline2rv(s1, s2, WGS72)

    # Independent cross-check: sgp4's C++ reading must agree with ours.
    # (jdsatepoch and the year start are both whole days + 0.5: their difference is exact)
    epoch_diff = (sat.jdsatepoch - _jd_year_start(year)) + sat.jdsatepochF - (epoch_day - 1.0)
    for label, theirs, ours, tol in (
        ("catalogue number", sat.satnum, satnum, 0.0),
        ("inclination [rad]", sat.inclo, incl * _DEG, 1e-12),
        ("eccentricity", sat.ecco, ecc, 1e-12),
        ("mean motion [rad/min]", sat.no_kozai, mean_motion / _XPDOTP, 1e-14),
        ("epoch - our epoch [day]", epoch_diff, 0.0, 1e-9),
    ):
        if not abs(theirs - ours) <= tol:
            raise _PairError(
                line_no,
                f"sgp4 read the {label} of this entry as {theirs!r}, but its columns say "
                f"{ours!r}; the lines are not a valid TLE",
            )

    problem = sgp4_problem_at_epoch(sat)
    if problem:
        raise _PairError(
            line_no, f"sgp4 cannot propagate catalogue number {satnum} at its epoch: {problem}"
        )
    return CatalogEntry(
        name=name or f"NORAD {satnum}", norad_id=satnum, satrec=sat, line_no=line_no
    )


def _split_lines(text: str) -> list[str]:
    """Split on LF, CRLF or CR only (not on form feeds or Unicode separators)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _is_blank(line: str) -> bool:
    return line.strip(" \t") == ""


def _clean_name(raw: str) -> str:
    """Name from a 3LE name line; raise _TleLineError for control characters."""
    name = raw.strip(" ")
    if name.startswith("0 "):  # Space-Track's 3LE form: "0 NAME"
        name = name[2:].strip(" ")
    if name.isascii() and name.isprintable():
        return name
    for k, c in enumerate(name):
        if unicodedata.category(c) == "Cc" or c in "\u2028\u2029":
            raise _TleLineError(
                f"name line: control character {_char_name(c)} at character {k + 1}; found {name!r}"
            )
    return name


def parse_tle_text(text: str, source: str = "<string>") -> list[CatalogEntry]:
    """Parse a 2LE/3LE catalogue, validating every column of every line.

    Parameters
    ----------
    text : str
        The file's text. Line endings may be LF, CRLF, CR or mixed; blank lines may separate
        entries; the name line of each entry is optional.
    source : str
        File name used in error messages.

    Returns
    -------
    list of CatalogEntry
        In file order; at least one.

    Raises
    ------
    OrbitcloudInputError
        For the first problem found, with ``source``, the 1-based line number, the columns and
        what was expected there (under the official column template [1]_ [3]_); for an empty
        file, an sgp4 error at epoch, or a NORAD id given twice.
    """
    lines = [ln.rstrip(" ") for ln in _split_lines(text)]
    if lines and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    n = len(lines)
    entries: list[CatalogEntry] = []
    seen: dict[int, int] = {}

    def fail(line_no: int, message: str) -> OrbitcloudInputError:
        return OrbitcloudInputError(f"line {line_no}: {message}", source)

    def line_at(k: int) -> str:
        return lines[k] if k < n else ""

    i = 0
    while i < n:
        a = lines[i]
        if _is_blank(a):
            i += 1
            continue
        b, c = line_at(i + 1), line_at(i + 2)
        if a[:1] == "1" and b[:1] == "2":
            name, first = "", i
        elif b[:1] == "1" and c[:1] == "2" and len(a) < _DATA_LIKE_LEN:
            try:
                name = _clean_name(a)
            except _TleLineError as exc:
                raise fail(i + 1, str(exc)) from None
            first = i + 1
        else:
            raise _unpaired(lines, i, source)
        try:
            entry = _build_entry(name, lines[first], lines[first + 1], first + 1)
        except _PairError as exc:
            raise fail(exc.line_no, str(exc)) from None
        previous = seen.get(entry.norad_id)
        if previous is not None:
            raise fail(
                first + 1,
                f"NORAD catalogue number {entry.norad_id} appears twice: its line 1 is on "
                f"line {previous} and again on line {first + 1}; give each satellite once",
            )
        seen[entry.norad_id] = first + 1
        entries.append(entry)
        if len(entries) > MAX_SATELLITES:
            raise fail(
                first + 1,
                f"more than {MAX_SATELLITES:,} satellites in one file, the most a run may have "
                "(see the limits in docs/scenario.md); split the file or keep the ones you need",
            )
        i = first + 2
    if not entries:
        raise OrbitcloudInputError(
            "no satellites found: the file is empty or has only blank lines", source
        )
    return entries


def _unpaired(lines: list[str], i: int, source: str) -> OrbitcloudInputError:
    """The error for a non-blank line at index ``i`` that starts no valid 2LE/3LE entry."""
    n = len(lines)
    a = lines[i]
    b = lines[i + 1] if i + 1 < n else ""

    def err(k: int, message: str) -> OrbitcloudInputError:
        return OrbitcloudInputError(f"line {k + 1}: {message}", source)

    def layout(k: int, which: int) -> OrbitcloudInputError:
        message = _diagnose(which, lines[k])
        if message is None:
            message = _format_error(which, lines[k], 1, 1, f"expected line {which} here")
        return err(k, message)

    def lone_line1(k: int) -> OrbitcloudInputError:
        nxt = lines[k + 1] if k + 1 < n else ""
        if len(nxt) >= _DATA_LIKE_LEN and nxt[:1] != "1":  # line 2, wrong line-number column
            return layout(k + 1, 2)
        return err(
            k,
            "TLE line 1 without a line 2 directly after it"
            + (" (end of file)" if k + 1 >= n else f" (line {k + 2} is {_short(nxt)})"),
        )

    if a[:1] == "1" and (len(a) >= _DATA_LIKE_LEN or _is_blank(b) or not b):
        return lone_line1(i)
    if a[:1] == "2" and len(a) >= _DATA_LIKE_LEN:
        return err(i, "TLE line 2 without a line 1 directly before it")
    if len(a) >= _DATA_LIKE_LEN:  # a data line with a wrong line-number column
        return layout(i, 1)
    # ``a`` can only be a name line
    if i + 1 >= n or _is_blank(b):
        return err(i, f"name line {_short(a)} is not followed by a TLE line 1 and line 2")
    if b[:1] == "1":
        return lone_line1(i + 1)
    if b[:1] == "2":
        return err(i + 1, "TLE line 2 without a line 1 directly before it")
    if len(b) >= _DATA_LIKE_LEN:
        return layout(i + 1, 1)
    return err(
        i,
        f"{_short(a)} is neither a TLE line nor a name line followed by a TLE line 1 and line 2",
    )


def _short(s: str, limit: int = 40) -> str:
    return repr(s if len(s) <= limit else s[:limit] + "...")


def read_input_file(path: Path, expected: str) -> bytes:
    """A user's input file's bytes.

    A missing path, a folder, a device/FIFO/socket (also behind a symlink), a file larger than
    :data:`~orbitcloud.scenario.limits.MAX_CATALOGUE_FILE_BYTES` (checked before reading) or an
    unreadable one is an input error.
    """
    return read_regular_file(path, expected, MAX_CATALOGUE_FILE_BYTES)


def line_of_offset(data: bytes, offset: int) -> int:
    """1-based line number of byte ``offset``, counting LF, CRLF and CR as one break each."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def parse_tle_bytes(data: bytes, source: str = "<bytes>") -> list[CatalogEntry]:
    """Decode a catalogue file's bytes (UTF-8, BOM allowed) and parse it.

    Parameters
    ----------
    data : bytes
        The file's content.
    source : str
        File name used in error messages.

    Returns
    -------
    list of CatalogEntry
        In file order.

    Raises
    ------
    OrbitcloudInputError
        Bytes that are not UTF-8 (naming the line), or any problem :func:`parse_tle_text`
        reports.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line_no = line_of_offset(data, exc.start)
        raise OrbitcloudInputError(
            f"line {line_no}: byte 0x{data[exc.start]:02X} is not UTF-8 text; "
            "TLE lines must be plain ASCII",
            source,
        ) from None
    return parse_tle_text(text, source)


def load_tle_file(path: str | PathLike[str]) -> list[CatalogEntry]:
    """Read and validate a 2LE/3LE catalogue file.

    Parameters
    ----------
    path : str or os.PathLike
        The file. It must be UTF-8 (a BOM is allowed); data lines must be ASCII.

    Returns
    -------
    list of CatalogEntry
        In file order.

    Raises
    ------
    OrbitcloudInputError
        Missing or unreadable file, bytes that are not UTF-8 (naming the line), or any problem
        :func:`parse_tle_text` reports.
    """
    p = Path(path)
    return parse_tle_bytes(read_input_file(p, "a TLE file"), str(p))
