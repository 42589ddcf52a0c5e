"""Tests of orbitcloud.astro.omm: CSV, JSON and XML OMM against the same satellites as TLEs.

The fixtures in tests/astro/data/ were written by tests/builders/build_omm_fixtures.py from
eight entries of the shared catalogue (copied verbatim to omm_sample_source.tle), without
using orbitcloud's readers. Reference: python-sgp4 ``sgp4/omm.py`` and its tests (the MARIO
element set, an OMM whose every field is non-zero), CCSDS 502.0-B-3.
"""

from __future__ import annotations

import io
import json
import math
from importlib.resources import files
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sgp4 import omm as sgp4_omm
from sgp4.api import WGS72, Satrec

from orbitcloud.astro.omm import REQUIRED_FIELDS, load_omm_file, parse_omm_text
from orbitcloud.astro.tle import load_tle_file
from orbitcloud.scenario.errors import OrbitcloudInputError

DATA = Path(__file__).parent / "data"
FORMATS = ("csv", "json", "xml")
NORAD_IDS = [44713, 45743, 49142, 53754, 53807, 55441, 57157, 57269]
#: The brief's tolerance: OMM and TLE of one element set give the same positions to 1 mm.
POSITION_TOL_KM = 1e-6


@pytest.fixture(scope="module")
def tle_reference() -> dict[int, Satrec]:
    return {e.norad_id: e.satrec for e in load_tle_file(DATA / "omm_sample_source.tle")}


def test_fixture_source_is_verbatim_from_the_catalogue():
    catalogue = (files("orbitcloud") / "data" / "starlink-2023-07-18.tle").read_text("ascii")
    lines = set(catalogue.splitlines())
    source = (DATA / "omm_sample_source.tle").read_text("ascii").splitlines()
    assert len(source) == 24
    assert all(line in lines for line in source)


@pytest.mark.parametrize("fmt", FORMATS)
def test_omm_positions_match_tle_within_1mm(fmt, tle_reference):
    entries = load_omm_file(DATA / f"omm_sample.{fmt}")
    assert [e.norad_id for e in entries] == NORAD_IDS
    for entry in entries:
        ref = tle_reference[entry.norad_id]
        sat = entry.satrec
        assert sat.jdsatepoch == ref.jdsatepoch
        assert sat.jdsatepochF == ref.jdsatepochF
        # epoch, +1.5 h, +6 h, -1 day: all within the life of the decaying debris too
        fr = ref.jdsatepochF + np.array([0.0, 0.0625, 0.25, -1.0])
        jd = np.full_like(fr, ref.jdsatepoch)
        e1, r1, v1 = ref.sgp4_array(jd, fr)
        e2, r2, v2 = sat.sgp4_array(jd, fr)
        assert (e1 == 0).all()
        assert (e2 == 0).all()
        np.testing.assert_allclose(r2, r1, rtol=0, atol=POSITION_TOL_KM)
        np.testing.assert_allclose(v2, v1, rtol=0, atol=1e-9)


@pytest.mark.parametrize("fmt", FORMATS)
def test_omm_names_line_numbers_and_fields(fmt, tle_reference):
    entries = load_omm_file(DATA / f"omm_sample.{fmt}")
    names = [e.name for e in entries]
    assert names[0] == "STARLINK-1007"
    assert "BLUEWALKER 3" in names
    assert "SHERPA-LTC2" in names
    assert names.count("FALCON 9 DEB") == 2
    expected_lines = {
        "csv": list(range(2, 10)),
        "json": list(range(1, 9)),  # JSON: 1-based record index
        "xml": list(range(5, 5 + 31 * 8, 31)),  # the line of each <segment>
    }[fmt]
    assert [e.line_no for e in entries] == expected_lines
    for e in entries:
        ref = tle_reference[e.norad_id]
        for attr in ("classification", "intldesg", "ephtype", "elnum", "revnum"):
            assert getattr(e.satrec, attr) == getattr(ref, attr), attr


@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_same_satrec_as_sgp4_omm(fmt):
    """Where python-sgp4's own OMM reader works, every Satrec attribute agrees with ours."""
    text = (DATA / f"omm_sample.{fmt}").read_text()
    parse = sgp4_omm.parse_csv if fmt == "csv" else sgp4_omm.parse_xml
    for fields, ours in zip(
        parse(io.StringIO(text)), load_omm_file(DATA / f"omm_sample.{fmt}"), strict=True
    ):
        ref = Satrec()
        sgp4_omm.initialize(ref, fields, WGS72)
        for attr in dir(ref):
            value = getattr(ref, attr)
            if attr.startswith("_") or callable(value):
                continue
            # sgp4.omm's epoch (timedelta.total_seconds() / 86400) is off by up to ~0.3 us;
            # ours is the TLE's epoch exactly (see test_omm_positions_match_tle_within_1mm).
            if not isinstance(value, int | float):  # e.g. satnum_str, intldesg: exact
                assert getattr(ours.satrec, attr) == value, attr
                continue
            abs_tol = 1e-10 if attr in ("jdsatepochF", "epochdays") else 1e-18
            assert getattr(ours.satrec, attr) == pytest.approx(value, rel=1e-13, abs=abs_tol), attr


def test_mario_from_sgp4_tests():
    """python-sgp4's MARIO OMM (CelesTrak XML and CSV) against its TLE."""
    line1 = "1 55123U 98067UQ  23115.44827133  .00787702  29408-3  15680-2 0  9999"
    line2 = "2 55123  51.6242 216.2930 0014649 331.8976  28.1241 15.99081912 18396"
    csv_text = (
        "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
        "ARG_OF_PERICENTER,MEAN_ANOMALY,EPHEMERIS_TYPE,CLASSIFICATION_TYPE,NORAD_CAT_ID,"
        "ELEMENT_SET_NO,REV_AT_EPOCH,BSTAR,MEAN_MOTION_DOT,MEAN_MOTION_DDOT\n"
        "MARIO,1998-067UQ,2023-04-25T10:45:30.642912,15.99081912,.0014649,51.6242,216.2930,"
        "331.8976,28.1241,0,U,55123,999,1839,.1568E-2,.787702E-2,.29408E-3\n"
    )
    (entry,) = parse_omm_text(csv_text, "mario.csv")
    ref = Satrec.twoline2rv(line1, line2, WGS72)
    for t in (0.0, 0.1, 0.5):
        _, r1, _ = ref.sgp4(ref.jdsatepoch, ref.jdsatepochF + t)
        _, r2, _ = entry.satrec.sgp4(ref.jdsatepoch, ref.jdsatepochF + t)
        assert math.dist(r1, r2) < POSITION_TOL_KM


# --- EPOCH and number forms ------------------------------------------------------------------


def csv_record(**changes: str) -> str:
    """The STARLINK-1007 record of the CSV fixture with fields changed."""
    header, row = (DATA / "omm_sample.csv").read_text().splitlines()[:2]
    keys = header.split(",")
    values = dict(zip(keys, row.split(","), strict=True))
    values.update(changes)
    return ",".join(keys) + "\n" + ",".join(values[k] for k in keys) + "\n"


@pytest.mark.parametrize(
    ("epoch", "fraction_of_day"),
    [
        ("2023-07-17T07:36:35.330112", 0.31707558),
        ("2023-07-17T07:36:35.330112Z", 0.31707558),
        ("2023-07-17T07:36:35", 27395 / 86400),
        ("2023-07-17T07:36:35Z", 27395 / 86400),
        ("2023-07-17T07:36:35.3", 27395.3 / 86400),
        ("2023-198T07:36:35.330112", 0.31707558),
        ("2023-07-17T00:00:00", 0.0),
    ],
)
def test_epoch_forms(epoch, fraction_of_day):
    (entry,) = parse_omm_text(csv_record(EPOCH=epoch))
    assert entry.satrec.jdsatepoch == 2460142.5  # 2023-07-17 0h UTC
    assert entry.satrec.jdsatepochF == pytest.approx(fraction_of_day, abs=1e-11)


@pytest.mark.parametrize(
    ("field", "text", "value"),
    [
        ("ECCENTRICITY", "0.0000977", 9.77e-5),
        ("ECCENTRICITY", "9.77e-5", 9.77e-5),
        ("ECCENTRICITY", "9.77E-05", 9.77e-5),
        ("ECCENTRICITY", "+.0000977", 9.77e-5),
        ("ECCENTRICITY", " .0000977 ", 9.77e-5),
        ("ECCENTRICITY", "0", 0.0),
        ("BSTAR", "-5.8057e-5", -5.8057e-5),
        ("BSTAR", "0.", 0.0),
    ],
)
def test_number_forms(field, text, value):
    (entry,) = parse_omm_text(csv_record(**{field: text}))
    attr = {"ECCENTRICITY": "ecco", "BSTAR": "bstar"}[field]
    assert getattr(entry.satrec, attr) == pytest.approx(value, rel=1e-15, abs=0)


def test_empty_name_and_extra_fields_are_fine():
    (entry,) = parse_omm_text(csv_record(OBJECT_NAME=""))
    assert entry.name == "NORAD 44713"
    doc = json.loads((DATA / "omm_sample.json").read_text())[:1]
    doc[0]["SEMIMAJOR_AXIS"] = 6927.0  # Space-Track adds derived fields: ignored
    doc[0]["OBJECT_ID"] = "UNKNOWN"  # analyst objects: no designator
    (entry,) = parse_omm_text(json.dumps(doc), "one.json")
    assert entry.satrec.intldesg == ""


def test_single_json_object_is_one_record():
    doc = json.loads((DATA / "omm_sample.json").read_text())[0]
    (entry,) = parse_omm_text(json.dumps(doc))
    assert entry.norad_id == 44713


def test_deterministic():
    a = load_omm_file(DATA / "omm_sample.xml")
    b = load_omm_file(DATA / "omm_sample.xml")
    for x, y in zip(a, b, strict=True):
        assert (x.name, x.norad_id, x.line_no) == (y.name, y.norad_id, y.line_no)
        assert (x.satrec.no_kozai, x.satrec.jdsatepochF) == (
            y.satrec.no_kozai,
            y.satrec.jdsatepochF,
        )


# --- bad input ---------------------------------------------------------------------------------


def expect_error(text: str, source: str, *phrases: str) -> str:
    with pytest.raises(OrbitcloudInputError) as info:
        parse_omm_text(text, source)
    msg = str(info.value)
    assert msg.startswith(f"{source}: "), msg
    for phrase in phrases:
        assert phrase in msg, (phrase, msg)
    return msg


@pytest.mark.parametrize("key", REQUIRED_FIELDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_required_field(fmt, key):
    text = (DATA / f"omm_sample.{fmt}").read_text()
    if fmt == "csv":
        header, *rows = text.splitlines()
        keys = header.split(",")
        k = keys.index(key)
        text = "\n".join(
            ",".join(c for i, c in enumerate(r.split(",")) if i != k) for r in [header, *rows]
        )
        expect_error(text, "f.csv", "line 1:", key, "lacks the required column")
    elif fmt == "json":
        doc = json.loads(text)
        del doc[2][key]
        expect_error(json.dumps(doc), "f.json", "record 3:", f"required field {key} is missing")
    else:
        lines = text.splitlines()
        i = [n for n, ln in enumerate(lines) if ln.startswith(f"<{key}>")][1]  # record 2
        del lines[i]
        expect_error(
            "\n".join(lines), "f.xml", "line 36 (record 2):", f"required field {key} is missing"
        )


@pytest.mark.parametrize(
    ("field", "value", "phrase"),
    [
        ("MEAN_MOTION", "nan", "finite decimal number"),
        ("MEAN_MOTION", "inf", "finite decimal number"),
        ("MEAN_MOTION", "1e999", "finite decimal number"),
        ("MEAN_MOTION", "15_06", "finite decimal number"),
        ("MEAN_MOTION", "0x10", "finite decimal number"),
        ("MEAN_MOTION", "15.0 6", "finite decimal number"),
        ("MEAN_MOTION", "-15.06399147", "more than 0 and less than 20"),
        ("MEAN_MOTION", "0", "more than 0"),
        ("MEAN_MOTION", "25", "less than 20"),
        ("ECCENTRICITY", "nan", "finite decimal number"),
        ("ECCENTRICITY", "1.0", "less than 1"),
        ("ECCENTRICITY", "-0.001", "at least 0"),
        ("INCLINATION", "180.5", "at most 180"),
        ("INCLINATION", "-1", "at least 0"),
        ("RA_OF_ASC_NODE", "361", "at most 360"),
        ("ARG_OF_PERICENTER", "-0.5", "at least 0"),
        ("MEAN_ANOMALY", "720", "at most 360"),
        ("BSTAR", "NaN", "finite decimal number"),
        ("MEAN_MOTION_DOT", "Infinity", "finite decimal number"),
        ("MEAN_MOTION_DDOT", "e5", "finite decimal number"),
        ("BSTAR", "", "required field is empty"),
        ("NORAD_CAT_ID", "0", "expected 1 to 339999"),
        ("NORAD_CAT_ID", "340000", "expected 1 to 339999"),
        ("NORAD_CAT_ID", "-5", "whole number"),
        ("NORAD_CAT_ID", "44713.0", "whole number"),
        ("NORAD_CAT_ID", "A0001", "whole number"),
        ("EPOCH", "2023-02-30T07:36:35", "day is out of range"),
        ("EPOCH", "2023-07-17T24:00:00", "time of day"),
        ("EPOCH", "2023-07-17", "not in that form"),
        ("EPOCH", "2023-07-17T07:36:35.1234567890123", "not in that form"),
        ("EPOCH", "2023-366T00:00:00", "2023 has no day 366"),
        ("EPOCH", "1900-01-01T00:00:00", "1957 to 2099"),
        ("EPOCH", "2023-07-17T07:36:35+01:00", "not in that form"),
        ("CLASSIFICATION_TYPE", "X", "U, C or S"),
        ("EPHEMERIS_TYPE", "x", "whole number"),
        ("REV_AT_EPOCH", "1e3", "whole number"),
    ],
)
def test_bad_field_value_names_record_and_field(field, value, phrase):
    expect_error(
        csv_record(**{field: value}), "f.csv", f"line 2 (record 1), field {field}:", phrase
    )


def test_perigee_below_surface_is_rejected():
    expect_error(csv_record(ECCENTRICITY=".5"), "f.csv", "line 2 (record 1)", "perigee")


@pytest.mark.parametrize(
    ("replace", "by", "phrases"),
    [
        (
            '"MEAN_MOTION": 15.06399147',
            '"MEAN_MOTION": NaN',
            ["record 1, field MEAN_MOTION", "JSON NaN"],
        ),
        (
            '"MEAN_MOTION": 15.06399147',
            '"MEAN_MOTION": -Infinity',
            ["record 1, field MEAN_MOTION", "JSON -Infinity"],
        ),
        (
            '"ECCENTRICITY": 9.77e-05',
            '"ECCENTRICITY": null',
            ["record 1, field ECCENTRICITY", "null"],
        ),
        (
            '"ECCENTRICITY": 9.77e-05',
            '"ECCENTRICITY": true',
            ["record 1, field ECCENTRICITY", "true"],
        ),
        (
            '"ECCENTRICITY": 9.77e-05',
            '"ECCENTRICITY": [1]',
            ["record 1, field ECCENTRICITY", "a list"],
        ),
        (
            '"ECCENTRICITY": 9.77e-05',
            '"ECCENTRICITY": "nan"',
            ["record 1, field ECCENTRICITY", "'nan'"],
        ),
        (
            '"ECCENTRICITY": 9.77e-05,',
            '"ECCENTRICITY": 9.77e-05, "ECCENTRICITY": 0.5,',
            ["record 1, field ECCENTRICITY", "twice"],
        ),
        (
            '"ECCENTRICITY": 9.77e-05,',
            '"ECCENTRICITY": 9.77e-05',
            ["line 8, column 3", "not valid JSON"],
        ),
        (
            '"NORAD_CAT_ID": 45743',
            '"NORAD_CAT_ID": 44713',
            ["record 2, field NORAD_CAT_ID", "appears twice", "record 1"],
        ),
    ],
)
def test_bad_json(replace, by, phrases):
    text = (DATA / "omm_sample.json").read_text()
    assert replace in text
    expect_error(text.replace(replace, by, 1), "f.json", *phrases)


@pytest.mark.parametrize("doc", ["42", '"text"', "[1, 2]", "[[]]", "[]", "{}"])
def test_bad_json_shapes(doc):
    expect_error(doc, "f.json")


@pytest.mark.parametrize(
    ("replace", "by", "phrases"),
    [
        ("</INCLINATION>", "</INCLINATIO>", ["line 18, column", "not valid XML", "mismatched tag"]),
        (
            "<ECCENTRICITY>.0000977<",
            "<ECCENTRICITY>1.5<",
            ["line 17 (record 1), field ECCENTRICITY"],
        ),
        (
            "<ECCENTRICITY>.0000977<",
            "<ECCENTRICITY>nan<",
            ["line 17 (record 1), field ECCENTRICITY"],
        ),
        (
            "<MEAN_ELEMENT_THEORY>SGP4<",
            "<MEAN_ELEMENT_THEORY>SGP4-XP<",
            ["line 12 (record 1)", "SGP4-XP"],
        ),
        ("<REF_FRAME>TEME<", "<REF_FRAME>GCRF<", ["line 10 (record 1), field REF_FRAME", "TEME"]),
        (
            "<NORAD_CAT_ID>45743<",
            "<NORAD_CAT_ID>44713<",
            ["line 56 (record 2)", "appears twice", "line 5 (record 1)"],
        ),
        (
            "<BSTAR>.58057E-4</BSTAR>",
            "<BSTAR>.58057E-4</BSTAR><BSTAR>1</BSTAR>",
            ["record 1", "BSTAR is given twice"],
        ),
        (
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<?xml version="1.0"?><!DOCTYPE ndm [<!ENTITY x "y">]>',
            ["DOCTYPE"],
        ),
    ],
)
def test_bad_xml(replace, by, phrases):
    text = (DATA / "omm_sample.xml").read_text()
    assert replace in text
    expect_error(text.replace(replace, by, 1), "f.xml", *phrases)


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("", ["no satellites"]),
        ("  \n", ["no satellites"]),
        ("OBJECT_NAME,NORAD_CAT_ID\n", ["line 1", "lacks the required column"]),
        (",".join(REQUIRED_FIELDS) + "\n", ["no satellites", "no OMM records"]),
        (",".join(REQUIRED_FIELDS) + "," + REQUIRED_FIELDS[0] + "\n", ["line 1", "twice"]),
        ("<ndm></ndm>", ["no <omm> element"]),
        ("<ndm><omm></omm></ndm>", ["no satellites"]),
    ],
)
def test_bad_documents(text, phrases):
    expect_error(text, "f.omm", *phrases)


def test_csv_row_with_wrong_number_of_values():
    header, row = csv_record().splitlines()
    expect_error(
        f"{header}\n{row}\n{row[: row.rindex(',')]}\n", "f.csv", "line 3 (record 2)", "16 values"
    )


def test_csv_unterminated_quote():
    header, row = csv_record().splitlines()
    expect_error(f'{header}\n"{row}\n', "f.csv", "not valid CSV")


@pytest.mark.parametrize(("suffix", "fmt"), [("json", "csv"), ("csv", "xml"), ("xml", "json")])
def test_extension_must_agree_with_content(tmp_path, suffix, fmt):
    path = tmp_path / f"sample.{suffix}"
    path.write_bytes((DATA / f"omm_sample.{fmt}").read_bytes())
    with pytest.raises(OrbitcloudInputError, match=f"file name says {suffix.upper()}"):
        load_omm_file(path)


def test_unknown_extension_is_sniffed(tmp_path):
    for fmt in FORMATS:
        path = tmp_path / f"sample_{fmt}.omm"
        path.write_bytes((DATA / f"omm_sample.{fmt}").read_bytes())
        assert len(load_omm_file(path)) == 8


def test_non_utf8_and_missing_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_record().encode() + b"\xff\n")
    with pytest.raises(OrbitcloudInputError, match=r"bad\.csv: line 3: byte 0xFF is not UTF-8"):
        load_omm_file(path)
    with pytest.raises(OrbitcloudInputError, match="file not found"):
        load_omm_file(tmp_path / "nope.json")


def test_sgp4_omm_fails_where_we_do_not():
    """Why there is a reader here: sgp4.omm rejects an EPOCH with Z or without fraction."""
    keys, values = (
        line.split(",") for line in csv_record(EPOCH="2023-07-17T07:36:35Z").splitlines()
    )
    fields = dict(zip(keys, values, strict=True))
    with pytest.raises(ValueError):
        sgp4_omm.initialize(Satrec(), fields)
    assert parse_omm_text(csv_record(EPOCH="2023-07-17T07:36:35Z"))[0].norad_id == 44713


# --- properties: any field content gives a loaded satellite or OrbitcloudInputError -------

_CSV_SAFE = st.text(
    alphabet=st.characters(blacklist_characters=',"\r\n', blacklist_categories=("Cs",)), max_size=12
)
_NUMBERISH = st.one_of(
    _CSV_SAFE,
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["nan", "-inf", "1e999", "1_0", "0x1p3", "١٥", "15.0\u00a0", "+.5", "-0", "1e-400"]
    ),
)


def _accepted_or_input_error(text: str, source: str) -> None:
    try:
        entries = parse_omm_text(text, source)
    except OrbitcloudInputError as exc:
        message = str(exc)
        entries = []
    else:
        message = f"{source}: "
    assert message.startswith(f"{source}: ")
    for entry in entries:
        e, r, v = entry.satrec.sgp4(entry.satrec.jdsatepoch, entry.satrec.jdsatepochF)
        assert e == 0
        assert all(math.isfinite(x) for x in (*r, *v))


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(REQUIRED_FIELDS), value=_NUMBERISH)
def test_property_csv_field_values(field, value):
    _accepted_or_input_error(csv_record(**{field: value}), "p.csv")


_JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(field=st.sampled_from(REQUIRED_FIELDS), value=_JSON_VALUES)
def test_property_json_field_values(field, value):
    doc = json.loads((DATA / "omm_sample.json").read_text())[:1]
    doc[0][field] = value
    _accepted_or_input_error(json.dumps(doc), "p.json")
